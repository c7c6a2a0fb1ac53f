//! The QEMU runner: starts Debian's `qemu-system-riscv32` on the firmware with a hard timeout, and
//! reads the observations from its output stream.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::set::{VectorSet, replay_on_host};
use crate::transcript::Transcript;
use crate::verdict::{self, Figures, Report, RunEnd};

/// The QEMU binary, from Debian's `qemu-system-misc`.
pub const QEMU: &str = "qemu-system-riscv32";
/// The file the firmware reads its vectors from, in QEMU's working directory.
pub const VECTOR_FILE: &str = "memspec-vectors.bin";
/// The subject name in trial names.
pub const SUBJECT: &str = "qemu";
/// How long a run may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a running QEMU is checked.
const POLL: Duration = Duration::from_millis(5);

/// How to start QEMU.
#[derive(Clone, Debug)]
pub struct Config {
    /// The firmware ELF.
    pub elf: PathBuf,
    /// The QEMU binary.
    pub qemu: PathBuf,
    /// The hard timeout of the whole run.
    pub timeout: Duration,
}

impl Config {
    /// QEMU from the `PATH`, the default timeout.
    pub fn new(elf: impl Into<PathBuf>) -> Self {
        Self {
            elf: elf.into(),
            qemu: QEMU.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The arguments QEMU is started with: the ESP32-C3's RV32IMC on the `virt` machine, no BIOS
    /// (without `-bios none` QEMU exits 1 at once), semihosting for the firmware's I/O, and neither
    /// monitor nor serial console on stdout, which carries only the firmware's frames.
    pub fn args(&self) -> Vec<std::ffi::OsString> {
        let mut a: Vec<std::ffi::OsString> = [
            "-machine",
            "virt",
            "-cpu",
            "rv32,a=off,f=off,d=off",
            "-nographic",
            "-monitor",
            "none",
            "-serial",
            "none",
            "-bios",
            "none",
            "-semihosting-config",
            "enable=on,target=native",
            "-kernel",
        ]
        .into_iter()
        .map(Into::into)
        .collect();
        a.push(self.elf.clone().into_os_string());
        a
    }
}

/// What one QEMU run gave.
#[derive(Debug)]
pub struct Run {
    /// Everything the firmware wrote to stdout.
    pub stdout: Vec<u8>,
    /// What QEMU and the firmware wrote to stderr (trap reports, QEMU's own errors).
    pub stderr: String,
    /// How it ended.
    pub end: RunEnd,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// Why a run could not be made at all.
#[derive(Debug)]
pub enum Error {
    /// The firmware ELF is missing.
    NoFirmware(PathBuf),
    /// QEMU could not be started.
    NoQemu(PathBuf, std::io::Error),
    /// Another I/O error.
    Io(&'static str, std::io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoFirmware(p) => write!(
                f,
                "no firmware at {}: build it with `cargo xtask qemu` (or the release build of memspec-fw-qemu in hil/firmware)",
                p.display()
            ),
            Error::NoQemu(p, e) => write!(
                f,
                "cannot start {}: {e}; install Debian's qemu-system-misc (`cargo xtask install` does)",
                p.display()
            ),
            Error::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for Error {}

fn reader(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        // A read error ends the stream; what arrived before it is kept.
        let _ = r.read_to_end(&mut v);
        v
    })
}

/// A scratch directory for one run, removed when dropped.
#[derive(Debug)]
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Self> {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("memspec-hil-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the firmware on `set_file` (a set file's bytes), killing QEMU at the timeout.
pub fn run(cfg: &Config, set_file: &[u8]) -> Result<Run, Error> {
    if !cfg.elf.is_file() {
        return Err(Error::NoFirmware(cfg.elf.clone()));
    }
    let elf = std::path::absolute(&cfg.elf).map_err(|e| Error::Io("the firmware's path", e))?;
    let scratch = Scratch::new().map_err(|e| Error::Io("creating a scratch directory", e))?;
    std::fs::write(scratch.0.join(VECTOR_FILE), set_file)
        .map_err(|e| Error::Io("writing the vector file", e))?;
    let cfg = Config { elf, ..cfg.clone() };
    let started = Instant::now();
    let mut child = Command::new(&cfg.qemu)
        .args(cfg.args())
        .current_dir(&scratch.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::NoQemu(cfg.qemu.clone(), e))?;
    let out = child.stdout.take().map(reader);
    let err = child.stderr.take().map(reader);
    let end = loop {
        match child.try_wait() {
            Ok(Some(status)) => break RunEnd::Exited(status.code()),
            Ok(None) if started.elapsed() >= cfg.timeout => {
                // Kill and reap; the pipes close and the readers finish.
                let _ = child.kill();
                let _ = child.wait();
                break RunEnd::TimedOut(cfg.timeout);
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                break RunEnd::Stopped(format!("waiting for QEMU failed: {e}"));
            }
        }
    };
    let elapsed = started.elapsed();
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(Run {
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        end,
        elapsed,
    })
}

/// Replays `set` under QEMU and on the host, and judges every vector. `sent` is what goes down the
/// wire: normally `set.file_bytes()`, something else to show how a damaged vector is reported.
pub fn replay(cfg: &Config, set: &VectorSet, sent: &[u8]) -> Result<(Report, Run), Error> {
    let host = Transcript::of(&replay_on_host(&set.file_bytes()));
    let run = run(cfg, sent)?;
    let target = Transcript::of(&run.stdout);
    let clean_exit = run.end == RunEnd::Exited(Some(0));
    let mut trials = verdict::judge(SUBJECT, set, &host, &target, &run.end, clean_exit);
    if !run.stderr.trim().is_empty()
        && let Some(t) = trials.last_mut()
    {
        if !t.message.is_empty() {
            t.message.push_str("\n  ");
        }
        t.message
            .push_str(&format!("QEMU's stderr: {}", run.stderr.trim()));
    }
    let secs = run.elapsed.as_secs_f64();
    let report = Report {
        subject: SUBJECT.into(),
        firmware: target.hello.as_ref().map(|h| h.firmware.clone()),
        end: run.end.to_string(),
        figures: Figures::of(set.vectors.len(), sent.len(), secs, &[&target]),
        trials,
    };
    Ok((report, run))
}

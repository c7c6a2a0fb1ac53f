//! The emulated board of every CI run: Debian's BBC micro:bit MicroPython (1.9.2, nRF51822) booted
//! under `qemu-system-arm -M microbit` on a pseudo-terminal, with `micropython-serial` run against
//! it. A fresh QEMU for each run (a board left in the middle of a raw-REPL exchange may stop
//! answering), a hard timeout on the run, and QEMU stopped by its pid afterwards, also on failure.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

use crate::install;
use crate::{Result, in_ci, step, workspace_root};

/// The QEMU that emulates the micro:bit (Debian `qemu-system-arm`).
pub const QEMU_ARM: &str = "qemu-system-arm";

/// The firmware Debian's `firmware-microbit-micropython` installs.
pub const FIRMWARE: &str = "/usr/share/firmware-microbit-micropython/firmware.hex";

/// How long QEMU may take to name its pseudo-terminal.
const BOOT_TIMEOUT: Duration = Duration::from_secs(20);

/// How long the whole run against the board may take before it is stopped.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(240);

/// QEMU, stopped by its pid when dropped.
struct Qemu(Child);

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Boots the firmware; returns QEMU and the board's pseudo-terminal (QEMU prints `char device
/// redirected to /dev/pts/N (label serial0)`).
fn boot() -> Result<(Qemu, String)> {
    let mut child = Command::new(QEMU_ARM)
        .args(["-M", "microbit", "-device"])
        .arg(format!("loader,file={FIRMWARE}"))
        .args(["-display", "none", "-monitor", "none", "-serial", "pty"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {QEMU_ARM}: {e}"))?;
    let out = child.stdout.take();
    let err = child.stderr.take();
    let qemu = Qemu(child);
    let (tx, rx) = channel();
    for pipe in [
        out.map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
        err.map(|e| Box::new(e) as _),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(std::result::Result::ok) {
                if let Some(at) = line.find("/dev/pts/") {
                    let pts: String = line[at..].chars().take_while(|c| !c.is_whitespace()).collect();
                    let _ = tx.send(pts);
                }
            }
        });
    }
    match rx.recv_timeout(BOOT_TIMEOUT) {
        Ok(pts) => Ok((qemu, pts)),
        Err(_) => Err(format!(
            "{QEMU_ARM} named no pseudo-terminal within {} s",
            BOOT_TIMEOUT.as_secs()
        )
        .into()),
    }
}

/// Whether the emulated micro:bit can run here: `Err` says what is missing.
pub fn missing() -> Option<String> {
    if !install::on_path(QEMU_ARM) {
        return Some(format!("{QEMU_ARM} is missing"));
    }
    if !Path::new(FIRMWARE).is_file() {
        return Some(format!("{FIRMWARE} is missing"));
    }
    None
}

/// What `micropython-serial` says when the driver does not fit the board's heap: the micro:bit's
/// 10,048-byte heap (9,744 bytes free after boot) takes only part of it today. Until it fits, the
/// step reports the board as not checked, with memspec's message, instead of failing every CI run;
/// any other outcome (no boot, a hang, a failed trial, another error) fails the step.
const DRIVER_DOES_NOT_FIT: &str = "(loading the driver, piece";

/// memspec's exit status for an error before planning (a subject that cannot start).
const EXIT_BEFORE_PLANNING: i32 = 2;

/// `cargo xtask microbit`, and the last step of `cargo xtask test`: builds `memspec`, then [`run`].
/// `Ok(Some(why))` when the board could not be checked, and why.
pub fn check(sh: &xshell::Shell) -> Result<Option<String>> {
    xshell::cmd!(
        sh,
        "cargo build --quiet --locked -p memspec-conformance --bin memspec"
    )
    .run()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), std::path::PathBuf::from);
    run(&target.join("debug").join("memspec"))
}

/// Runs the conformance corpus against `micropython-serial` on a freshly booted emulated micro:bit,
/// with `conformance/expectations/micropython-serial.toml`; the report goes to
/// `target/conformance-micropython-serial-microbit.json`.
pub fn run(memspec: &Path) -> Result<Option<String>> {
    step(
        "the conformance corpus against micropython-serial on an emulated BBC micro:bit (MicroPython 1.9.2 under qemu-system-arm)",
    );
    if let Some(why) = missing() {
        if in_ci() {
            return Err(
                format!("{why}; CI runs the corpus on the emulated micro:bit: cargo xtask install").into(),
            );
        }
        println!("xtask: skipping the emulated micro:bit: {why}; install it with: cargo xtask install");
        return Ok(Some(why));
    }
    let (qemu, pts) = boot()?;
    println!("micro:bit under {QEMU_ARM} (pid {}) on {pts}", qemu.0.id());
    let report = crate::target_dir::host().join("conformance-micropython-serial-microbit.json");
    let mut child = Command::new(memspec)
        .args([
            "run",
            "--subject",
            "micropython-serial",
            "--port",
            &pts,
            "--report",
        ])
        .arg(&report)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", memspec.display()))?;
    // memspec's error stream, passed through and kept (its last 64 KiB) to tell why it stopped.
    let said = child.stderr.take().map(|pipe| {
        std::thread::spawn(move || {
            let mut kept = String::new();
            for line in BufReader::new(pipe).lines().map_while(std::result::Result::ok) {
                eprintln!("{line}");
                kept.push_str(&line);
                kept.push('\n');
                if kept.len() > 64 * 1024 {
                    kept.drain(..kept.len() - 32 * 1024);
                }
            }
            kept
        })
    });
    let deadline = std::time::Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    drop(qemu);
    let said = said.and_then(|t| t.join().ok()).unwrap_or_default();
    match status {
        Some(s) if s.success() => Ok(None),
        Some(s) if s.code() == Some(EXIT_BEFORE_PLANNING) && said.contains(DRIVER_DOES_NOT_FIT) => {
            let why = said
                .lines()
                .find(|l| l.contains(DRIVER_DOES_NOT_FIT))
                .unwrap_or_default()
                .trim()
                .trim_start_matches("memspec: error: ")
                .to_owned();
            println!("xtask: the emulated micro:bit is NOT CHECKED: the driver does not fit its heap yet");
            Ok(Some(format!("the driver does not fit the micro:bit's heap: {why}")))
        }
        Some(s) => Err(format!("micropython-serial on the emulated micro:bit: memspec exited with {s}").into()),
        None => Err(format!(
            "micropython-serial on the emulated micro:bit did not finish within {} s; memspec and QEMU were stopped",
            RUN_TIMEOUT.as_secs()
        )
        .into()),
    }
}

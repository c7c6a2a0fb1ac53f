//! `micropython-exec`: any MicroPython executable (`--micropython PATH`), started as
//! `PATH -X heapsize=N` on a pseudo-terminal and driven through its interactive REPL, one line per
//! call.
//!
//! The REPL is the one interface every port's executable has in common: the unix port's (a file
//! argument or a piped stdin would run as one program, and the WebAssembly port's command line runs a
//! program as one call into the engine, so collections would never take effect). A line is echoed,
//! its output follows, and the prompt `>>> ` ends it. Multi-line source goes in as one
//! `exec('...')` line.
//!
//! A case's heap size is passed on as asked. An engine whose heap does not grow (the unix port)
//! cannot start its REPL or compile the driver in the small heaps most cases ask for: when either
//! fails there, the engine is started with [`DEFAULT_HEAP_BYTES`] for the rest of the run, and the
//! cases' before-and-after readings are taken in that heap.
//!
//! The profile is read from the engine at the first start ([`super::detect`]); a case of another
//! profile is refused with the engine's word size and representation in the message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::{Arg, MicroPython, Transport, call_source, probe};
use crate::pty::{PtyChild, ReadError};

/// The subject's name.
pub const NAME: &str = "micropython-exec";

/// Heap bytes when a case leaves the size open, and the least an engine whose heap does not grow is
/// given once a case's heap proved too small for the driver: the unix port needs about 96 KiB to
/// compile it (`-X heapsize=65536` fails with a MemoryError on x86-64 and i386, 98304 loads).
pub const DEFAULT_HEAP_BYTES: u64 = 256 * 1024;

/// How long one line may take, and how long the engine may take to show its first prompt.
pub const LINE_TIMEOUT: Duration = Duration::from_secs(20);

/// What ends every answer: the primary prompt at the start of a line.
const PROMPT: &[u8] = b"\r\n>>> ";

/// Every line is padded with spaces to this many characters. The REPL keeps a copy of each line in
/// its history (`shared/readline/readline.c`, `MICROPY_READLINE_HISTORY_SIZE` lines, a heap
/// allocation each); with lines of one length the history costs the same whichever lines it holds,
/// so it cancels out of every before-and-after reading.
pub const LINE_CHARS: usize = 96;

/// Filler lines sent after a longer line (and after the driver is loaded), to push it out of the
/// history and fill the history up. More than any port's history holds: 8 by default
/// (`py/mpconfig.h`), 50 on the unix port (`ports/unix/variants/mpconfigvariant_common.h`).
pub const HISTORY_FLUSH_LINES: usize = 64;

/// How long an engine may take to put its terminal in raw mode after its first prompt.
pub const RAW_MODE_WAIT: Duration = Duration::from_secs(2);

/// The engine on a pseudo-terminal.
#[derive(Debug)]
pub struct Exec {
    program: PathBuf,
    child: Option<PtyChild>,
    heap: u64,
    /// The least heap to start with: 0 until the REPL or the driver failed in a case's heap.
    floor: u64,
    timeout: Duration,
}

impl Exec {
    /// A transport for the executable at `program`, started on first use.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            child: None,
            heap: 0,
            floor: 0,
            timeout: LINE_TIMEOUT,
        }
    }

    /// Sets how long one line may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The executable.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The engine's process id, when it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.child.id())
    }

    fn lost(&mut self, e: ReadError, what: &str) -> SubjectError {
        self.child = None;
        match e {
            ReadError::Timeout(got) => SubjectError::new(
                ErrorKind::Timeout,
                format_args!(
                    "{NAME}: {} gave no prompt within {} s {what}; it was stopped and restarts with the next case; last output {:?}",
                    self.program.display(),
                    self.timeout.as_secs_f32(),
                    probe::tail(&String::from_utf8_lossy(&got))
                ),
            ),
            ReadError::Closed(got) => SubjectError::new(
                ErrorKind::Crashed,
                format_args!(
                    "{NAME}: {} exited {what}; it restarts with the next case; last output {:?}",
                    self.program.display(),
                    probe::tail(&String::from_utf8_lossy(&got))
                ),
            ),
        }
    }

    fn line(&mut self, source: &str) -> SubjectResult<String> {
        if source.contains(['\n', '\r']) {
            return self.line(&format!("exec({})", Arg::Str(source.to_owned()).python()));
        }
        if source.len() > LINE_CHARS {
            let out = self.send(source)?;
            for i in 0..HISTORY_FLUSH_LINES {
                // Distinct lines, or the history would keep only one of them.
                self.send(&format!("{:<width$}", format!("#{i}"), width = LINE_CHARS))?;
            }
            return Ok(out);
        }
        self.send(&format!("{source:<LINE_CHARS$}"))
    }

    fn send(&mut self, source: &str) -> SubjectResult<String> {
        let timeout = self.timeout;
        let Some(c) = self.child.as_mut() else {
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{NAME}: the engine is not running"),
            ));
        };
        let mut bytes = source.as_bytes().to_vec();
        bytes.push(b'\r');
        if c.write(&bytes).is_err() {
            let e = c.output.until(PROMPT, Duration::from_millis(100)).err();
            return Err(self.lost(e.unwrap_or(ReadError::Closed(Vec::new())), "while taking a line"));
        }
        let got = match c.output.until(PROMPT, timeout) {
            Ok(g) => g,
            Err(e) => return Err(self.lost(e, "after a line")),
        };
        let text = String::from_utf8_lossy(got.get(..got.len() - PROMPT.len()).unwrap_or_default());
        // The first line is the echo of what was typed.
        Ok(text
            .split_once("\r\n")
            .map_or(String::new(), |(_, out)| out.to_owned()))
    }
}

impl Transport for Exec {
    fn subject(&self) -> &'static str {
        NAME
    }

    fn open(&mut self, heap_bytes: Option<u64>) -> SubjectResult<bool> {
        let heap = heap_bytes.unwrap_or(DEFAULT_HEAP_BYTES).max(self.floor);
        if let Some(c) = self.child.as_mut()
            && matches!(c.child.try_wait(), Ok(None))
            && self.heap == heap
        {
            return Ok(false);
        }
        self.child = None;
        let mut cmd = Command::new(&self.program);
        cmd.arg("-X").arg(format!("heapsize={heap}"));
        let mut child = PtyChild::spawn(cmd).map_err(|e| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{NAME}: cannot start {}: {e}; give the path of a MicroPython executable with --micropython PATH",
                    self.program.display()
                ),
            )
        })?;
        // The banner ends in the first prompt.
        if let Err(e) = child.output.until(b">>> ", self.timeout) {
            self.child = Some(child);
            let e = self.lost(e, "before its first prompt");
            // Some builds cannot even start their REPL in a small heap.
            if heap < DEFAULT_HEAP_BYTES && e.kind == ErrorKind::Crashed {
                self.floor = DEFAULT_HEAP_BYTES;
                return self.open(None);
            }
            return Err(e);
        }
        // The WebAssembly port's command line prints its first prompt and only then puts the
        // terminal in raw mode: a line sent at once could meet the kernel's line editing, which
        // turns its \r into \n and keeps only 4095 characters. An engine that reads lines without
        // raw mode is given RAW_MODE_WAIT, then spoken to as it is.
        child.wait_for_raw_mode(RAW_MODE_WAIT);
        self.child = Some(child);
        self.heap = heap;
        Ok(true)
    }

    fn run(&mut self, source: &str) -> SubjectResult<String> {
        self.line(source)
    }

    fn call(&mut self, name: &str, args: &[Arg]) -> SubjectResult<String> {
        self.line(&call_source(name, args))
    }

    fn compiles_calls(&self) -> bool {
        true
    }

    /// Each heap size is an engine started afresh with it.
    fn sized_heap(&self) -> bool {
        true
    }

    fn enlarge_for_driver(&mut self) -> SubjectResult<bool> {
        if self.heap >= DEFAULT_HEAP_BYTES {
            return Ok(false);
        }
        self.floor = DEFAULT_HEAP_BYTES;
        self.child = None;
        self.open(None)
    }

    fn close(&mut self) {
        self.child = None;
    }
}

/// The `micropython-exec` subject for the executable at `program`; its profile is detected.
pub fn subject(program: impl Into<PathBuf>) -> MicroPython<Exec> {
    MicroPython::new(Exec::new(program), None, None)
}

/// `engines/micropython/wasm-cli.sh`: the npm WebAssembly port's command line as one executable.
pub fn wasm_cli() -> PathBuf {
    crate::locate::engines_dir()
        .join("micropython")
        .join("wasm-cli.sh")
}

//! `micropython-serial`: a board running MicroPython, reached over a serial port
//! (`--port /dev/ttyUSB0 --baud 115200`) through the raw REPL.
//!
//! The raw REPL (MicroPython `docs/reference/repl.rst`, "Raw mode and raw-paste mode"; the same
//! exchange `tools/pyboard.py` makes):
//! * Ctrl-C twice stops whatever runs; Ctrl-A enters raw mode, and the board answers
//!   `raw REPL; CTRL-B to exit\r\n>`;
//! * the program's text is sent, then Ctrl-D; the board answers `OK`, runs it, and sends its
//!   standard output, `\x04`, its error output, `\x04`, and the prompt `>`;
//! * Ctrl-B leaves raw mode.
//!
//! Raw mode keeps no line history, so calls of one shape cost the same. The heap is the board's own;
//! a case's heap size cannot change it.

use std::io::Write;
use std::time::Duration;

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::{Arg, MicroPython, Transport, call_source, probe};
use crate::pty::{ReadError, Reader};

/// The subject's name.
pub const NAME: &str = "micropython-serial";

/// How long one execution may take.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(20);

/// The board's answer on entering raw mode, before its line end and the prompt `>` (a line end is
/// `\r\n` from a board; a pseudo-terminal that adds `\r` before `\n` makes it `\r\r\n`).
const RAW_BANNER: &[u8] = b"raw REPL; CTRL-B to exit";

/// Bytes written at once; boards without flow control lose input that arrives faster than their
/// REPL reads it (`tools/pyboard.py` writes 256 bytes, then waits 10 ms).
const CHUNK_BYTES: usize = 256;

/// Where to reach the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// The device, e.g. `/dev/ttyUSB0`.
    pub path: String,
    /// Bits per second, e.g. 115200.
    pub baud: u32,
}

/// The board's serial port, in raw mode once opened.
#[derive(Debug)]
pub struct Serial {
    spec: PortSpec,
    port: Option<(Box<dyn serialport::SerialPort>, Reader)>,
    timeout: Duration,
}

impl Serial {
    /// A transport for the board at `spec`, opened on first use.
    pub fn new(spec: PortSpec) -> Self {
        Self {
            spec,
            port: None,
            timeout: EXEC_TIMEOUT,
        }
    }

    /// Sets how long one execution may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn lost(&mut self, e: ReadError, what: &str) -> SubjectError {
        self.port = None;
        let (kind, how, got) = match e {
            ReadError::Timeout(got) => (ErrorKind::Timeout, "stopped answering", got),
            ReadError::Closed(got) => (ErrorKind::Crashed, "closed the port", got),
        };
        SubjectError::new(
            kind,
            format_args!(
                "{NAME}: the board on {} {how} {what} (waited {} s); check the cable and that MicroPython runs, then rerun; last bytes {:?}",
                self.spec.path,
                self.timeout.as_secs_f32(),
                probe::tail(&String::from_utf8_lossy(&got))
            ),
        )
    }

    fn write(&mut self, bytes: &[u8]) -> SubjectResult<()> {
        let path = self.spec.path.clone();
        let Some((port, _)) = self.port.as_mut() else {
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{NAME}: the port {path} is not open"),
            ));
        };
        for chunk in bytes.chunks(CHUNK_BYTES) {
            let done = port.write_all(chunk).and_then(|()| port.flush());
            if let Err(e) = done {
                self.port = None;
                return Err(SubjectError::new(
                    ErrorKind::Crashed,
                    format_args!("{NAME}: writing to {path} failed: {e}"),
                ));
            }
            if bytes.len() > CHUNK_BYTES {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Ok(())
    }

    fn until(&mut self, end: &[u8], what: &str) -> SubjectResult<Vec<u8>> {
        let timeout = self.timeout;
        let got = match self.port.as_mut() {
            Some((_, reader)) => reader.until(end, timeout),
            None => Err(ReadError::Closed(Vec::new())),
        };
        got.map_err(|e| self.lost(e, what))
    }

    /// Sends `source` and runs it: the raw REPL's Ctrl-D exchange.
    fn exec(&mut self, source: &str) -> SubjectResult<String> {
        self.write(source.as_bytes())?;
        self.write(b"\x04")?;
        let ok = self.until(b"OK", "before accepting a program")?;
        if ok.len() != 2 {
            return Err(SubjectError::new(
                ErrorKind::Protocol,
                format_args!(
                    "{NAME}: expected OK, the board sent {:?}",
                    String::from_utf8_lossy(&ok)
                ),
            ));
        }
        let out = self.until(b"\x04", "while running a program")?;
        let err = self.until(b"\x04", "while reporting an error")?;
        self.until(b">", "before its prompt")?;
        let out = String::from_utf8_lossy(out.get(..out.len() - 1).unwrap_or_default()).into_owned();
        let err = String::from_utf8_lossy(err.get(..err.len() - 1).unwrap_or_default()).into_owned();
        if err.trim().is_empty() {
            Ok(out)
        } else {
            Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{NAME}: the program raised: {:?}", probe::tail(err.trim())),
            ))
        }
    }
}

impl Transport for Serial {
    fn subject(&self) -> &'static str {
        NAME
    }

    fn open(&mut self, heap_bytes: Option<u64>) -> SubjectResult<bool> {
        let _ = heap_bytes;
        if self.port.is_some() {
            return Ok(false);
        }
        let port = serialport::new(&self.spec.path, self.spec.baud)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| {
                SubjectError::new(
                    ErrorKind::Engine,
                    format_args!(
                        "{NAME}: cannot open {} at {} baud: {e}; give the board's port with --port PATH --baud N",
                        self.spec.path, self.spec.baud
                    ),
                )
            })?;
        let reader = port.try_clone().map_err(|e| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!("{NAME}: cannot read {}: {e}", self.spec.path),
            )
        })?;
        self.port = Some((port, Reader::spawn(reader)));
        // Stop whatever runs, then enter raw mode.
        self.write(b"\r\x03\x03")?;
        if let Some((_, reader)) = self.port.as_mut() {
            reader.drain(Duration::from_millis(200));
        }
        self.write(b"\x01")?;
        self.until(RAW_BANNER, "when asked for the raw REPL (Ctrl-A)")?;
        self.until(b">", "before the raw REPL's prompt")?;
        Ok(true)
    }

    fn run(&mut self, source: &str) -> SubjectResult<String> {
        self.exec(source)
    }

    fn call(&mut self, name: &str, args: &[Arg]) -> SubjectResult<String> {
        self.exec(&call_source(name, args))
    }

    fn compiles_calls(&self) -> bool {
        true
    }

    fn close(&mut self) {
        if self.port.is_some() {
            // Back to the friendly REPL, for whoever uses the board next.
            let _ = self.write(b"\x02");
        }
        self.port = None;
    }
}

impl Drop for Serial {
    fn drop(&mut self) {
        self.close();
    }
}

/// The `micropython-serial` subject for the board at `spec`; its profile is detected.
pub fn subject(spec: PortSpec) -> MicroPython<Serial> {
    MicroPython::new(Serial::new(spec), None, None)
}

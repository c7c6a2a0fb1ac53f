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
//!
//! A board is one device: the harness keeps one session to it for the whole run
//! ([`crate::subjects::one_device`]). Each session begins with a soft reset (Ctrl-D in the raw REPL;
//! the board answers `soft reboot`), so the driver is loaded into a heap holding only the
//! interpreter's own objects (the ports of an operating system, which have none, are left as they
//! are); a session lost to a failed trial is opened again the same way.
//!
//! Small boards: input goes in pieces of [`CHUNK_BYTES`] with a pause after each, so a UART without
//! flow control loses nothing; the driver is compiled one top-level statement at a time (the
//! functions first, largest first, while the heap is least cut up), with its tables cut to
//! [`SMALL_TABLE`] on a board whose free heap is under [`SMALL_HEAP_BYTES`]. Its footprint (what
//! `gc.mem_alloc()` grew by while it loaded, after a collection) is reported with the engine; every
//! reading is a difference of two readings taken with the driver loaded, so the footprint is not in
//! any of them.

use std::io::Write;
use std::time::Duration;

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::{Arg, MicroPython, Transport, call_source, probe};
use crate::locate::Missing;
use crate::pty::{ReadError, Reader};

/// The subject's name.
pub const NAME: &str = "micropython-serial";

/// How long one execution may take.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(20);

/// The board's answer on entering raw mode, before its line end and the prompt `>` (a line end is
/// `\r\n` from a board; a pseudo-terminal that adds `\r` before `\n` makes it `\r\r\n`).
const RAW_BANNER: &[u8] = b"raw REPL; CTRL-B to exit";

/// What the board sends after a soft reset (Ctrl-D at the raw REPL's prompt), before the raw
/// banner again (`shared/runtime/pyexec.c`, `soft reboot` in every port's main loop).
const SOFT_REBOOT: &[u8] = b"soft reboot";

/// `sys.platform` of the ports that run on an operating system and have no soft reset
/// (`ports/unix`, `ports/webassembly`, `ports/windows` `MICROPY_PY_SYS_PLATFORM`).
const HOSTED_PLATFORMS: &[&str] = &["linux", "darwin", "freebsd", "webassembly", "win32"];

/// Bytes written at once, then [`CHUNK_PAUSE`]: boards without flow control lose input that arrives
/// faster than their REPL reads it. 32-byte pieces go through the micro:bit's raw REPL (MicroPython
/// 1.9.2 on the nRF51822) whole; `tools/pyboard.py` writes 256 bytes, then waits 10 ms.
pub const CHUNK_BYTES: usize = 32;

/// The pause after each piece of [`CHUNK_BYTES`].
pub const CHUNK_PAUSE: Duration = Duration::from_millis(10);

/// A board whose free heap after a soft reset is under this many bytes gets the driver's tables cut
/// to [`SMALL_TABLE`]: at 64 objects and 256 link records they took 4.5 KiB of a micro:bit's 10,048-byte
/// heap, measured with `gc.mem_alloc()` as each table was made; at their full size (1,024 objects)
/// the object tables alone take 16 KiB on a 32-bit port.
pub const SMALL_HEAP_BYTES: i128 = 64 * 1024;

/// The driver's table sizes on a small board: objects a case may hold (`_N`) and link records
/// (`_NL`).
pub const SMALL_TABLE: (u32, u32) = (16, 32);

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
    /// Bytes of the board's heap the driver took when it was loaded in this session.
    footprint: Option<i128>,
}

impl Serial {
    /// A transport for the board at `spec`, opened on first use.
    pub fn new(spec: PortSpec) -> Self {
        Self {
            spec,
            port: None,
            timeout: EXEC_TIMEOUT,
            footprint: None,
        }
    }

    /// Sets how long one execution may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Closes the port, the reading thread's handle too, so that it can be opened again at once.
    fn let_go(&mut self) {
        if let Some((port, reader)) = self.port.take() {
            drop(port);
            reader.close();
        }
    }

    fn lost(&mut self, e: ReadError, what: &str) -> SubjectError {
        self.let_go();
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
                self.let_go();
                return Err(SubjectError::new(
                    ErrorKind::Crashed,
                    format_args!("{NAME}: writing to {path} failed: {e}"),
                ));
            }
            if bytes.len() > 1 {
                std::thread::sleep(CHUNK_PAUSE);
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
        // A soft reset: the heap holds only the interpreter's own objects again. The ports of an
        // operating system have none (Ctrl-D at the raw prompt ends the unix port's REPL).
        let platform = self.exec("import sys\nprint(sys.platform)")?;
        if !HOSTED_PLATFORMS.contains(&platform.trim()) {
            self.write(b"\x04")?;
            self.until(SOFT_REBOOT, "when asked for a soft reset (Ctrl-D)")?;
            self.until(RAW_BANNER, "after its soft reset")?;
            self.until(b">", "before the raw REPL's prompt")?;
        }
        self.footprint = None;
        Ok(true)
    }

    fn load_driver(&mut self, source: &str) -> SubjectResult<String> {
        let heap = |me: &mut Self| -> SubjectResult<(i128, i128)> {
            let text = me.exec("import gc\ngc.collect()\nprint(gc.mem_alloc(), gc.mem_free())")?;
            let mut n = text.split_whitespace().map(str::parse::<i128>);
            match (n.next(), n.next()) {
                (Some(Ok(used)), Some(Ok(free))) => Ok((used, free)),
                _ => Err(SubjectError::new(
                    ErrorKind::Protocol,
                    format_args!(
                        "{NAME}: expected gc.mem_alloc() and gc.mem_free(), the board sent {text:?}"
                    ),
                )),
            }
        };
        let (before, free) = heap(self)?;
        let source = if free < SMALL_HEAP_BYTES {
            small_tables(source)?
        } else {
            source.to_owned()
        };
        let mut said = String::new();
        let all = pieces(&source);
        for (k, piece) in all.iter().enumerate() {
            let out = self.exec(piece).map_err(|e| {
                let first = piece.lines().next().unwrap_or_default();
                SubjectError::new(
                    e.kind,
                    format_args!(
                        "{} (loading the driver, piece {} of {}: `{first}`; the board's heap had {free} bytes free before it)",
                        e.detail.as_str(),
                        k + 1,
                        all.len()
                    ),
                )
            })?;
            said.push_str(&out);
        }
        let (after, _) = heap(self)?;
        self.footprint = Some(after - before);
        Ok(said)
    }

    fn about(&self) -> Option<String> {
        self.footprint
            .map(|b| format!("driver {b} bytes of the board's heap"))
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
        self.let_go();
    }
}

impl Drop for Serial {
    fn drop(&mut self) {
        self.close();
    }
}

/// Whether the port at `spec` can be opened (it is released again at once).
pub fn can_open(spec: &PortSpec) -> Result<(), Missing> {
    match serialport::new(&spec.path, spec.baud)
        .timeout(Duration::from_millis(100))
        .open()
    {
        Ok(port) => {
            drop(port);
            Ok(())
        }
        Err(e) => Err(Missing {
            subject: NAME,
            what: format!("cannot open {} at {} baud: {e}", spec.path, spec.baud),
            install: "connect the board and give its port with --port PATH --baud N (ls /dev/ttyUSB* /dev/ttyACM*; QEMU prints its pseudo-terminal as `char device redirected to /dev/pts/N`); close any other program holding it",
        }),
    }
}

/// The driver's top-level statements, each a piece to compile on its own: the functions first,
/// largest first, then the rest in their order. Lines that hold only a comment are left out; a
/// statement runs on while its lines are indented (or close a bracket), and through the clauses of a
/// compound statement (`except`, `else`, `elif`, `finally`); each level of four spaces becomes one.
pub fn pieces(source: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for line in source.lines() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let clause = ["except", "else", "elif", "finally"].iter().any(|k| {
            t.strip_prefix(k)
                .is_some_and(|rest| rest.starts_with([':', ' ', '(']))
        });
        let continues = clause || line.starts_with([' ', '\t', ')', ']', '}']);
        // One space per level of the driver's four: less to send, and less for the board's lexer
        // to hold.
        let indent = line.len() - t.len();
        let line = format!("{:width$}{t}", "", width = indent.div_ceil(4));
        match all.last_mut() {
            Some(last) if continues => {
                last.push('\n');
                last.push_str(&line);
            }
            _ => all.push(line),
        }
    }
    let (mut defs, rest): (Vec<String>, Vec<String>) = all.into_iter().partition(|p| p.starts_with("def "));
    defs.sort_by_key(|p| std::cmp::Reverse(p.len()));
    defs.extend(rest);
    defs
}

/// The driver with its tables cut to [`SMALL_TABLE`]; an error when it no longer sizes them with the
/// lines `_N = 1024` and `_NL = 256`.
pub fn small_tables(source: &str) -> SubjectResult<String> {
    let (objects, links) = SMALL_TABLE;
    let mut out = String::with_capacity(source.len());
    let mut cut = 0;
    for line in source.lines() {
        match line.trim_end() {
            "_N = 1024" => {
                out.push_str(&format!("_N = {objects}"));
                cut += 1;
            }
            "_NL = 256" => {
                out.push_str(&format!("_NL = {links}"));
                cut += 1;
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    if cut != 2 {
        return Err(SubjectError::new(
            ErrorKind::Engine,
            format_args!(
                "{NAME}: the driver no longer sizes its tables with `_N = 1024` and `_NL = 256`; update serial.rs"
            ),
        ));
    }
    Ok(out)
}

/// The `micropython-serial` subject for the board at `spec`; its profile is detected.
pub fn subject(spec: PortSpec) -> MicroPython<Serial> {
    MicroPython::new(Serial::new(spec), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::micropython::DRIVER;

    #[test]
    fn the_driver_goes_in_as_its_functions_largest_first_then_the_rest_in_order() {
        let all = pieces(DRIVER);
        let defs: Vec<&String> = all.iter().take_while(|p| p.starts_with("def ")).collect();
        let in_source = DRIVER.lines().filter(|l| l.starts_with("def ")).count();
        assert_eq!(defs.len(), in_source, "every top-level function is one piece");
        assert!(defs.windows(2).all(|w| w[0].len() >= w[1].len()), "largest first");
        let rest: Vec<&str> = all[defs.len()..]
            .iter()
            .map(|p| p.lines().next().unwrap_or_default())
            .collect();
        assert_eq!(
            rest.first(),
            Some(&"gc = _imp(\"gc\")"),
            "then the rest from the top: {rest:?}"
        );
        let try_ = all
            .iter()
            .find(|p| p.starts_with("try:"))
            .expect("the driver's top-level try");
        assert!(
            try_.contains("\nexcept OverflowError:\n"),
            "a try and its clauses are one piece: {try_:?}"
        );
        let class_b = rest.iter().position(|l| *l == "class _B:");
        let self_b = rest.iter().position(|l| *l == "_S = _B()");
        assert!(
            class_b < self_b && class_b.is_some(),
            "a class before its use: {rest:?}"
        );
        // Each line is a line of the driver with a quarter of its indentation; comment lines go.
        let source: std::collections::HashSet<&str> = DRIVER.lines().collect();
        for line in all.iter().flat_map(|p| p.lines()) {
            let text = line.trim_start();
            let four = format!("{:width$}{text}", "", width = 4 * (line.len() - text.len()));
            assert!(!text.starts_with('#'), "no comment line: {line}");
            assert!(
                source.contains(four.as_str()),
                "`{four}` is no line of the driver"
            );
        }
    }

    #[test]
    fn a_small_board_gets_tables_of_16_objects_and_32_links_and_a_changed_driver_is_an_error() {
        let small = small_tables(DRIVER).unwrap();
        assert!(small.lines().any(|l| l == "_N = 16") && small.lines().any(|l| l == "_NL = 32"));
        assert_eq!(small.lines().count(), DRIVER.lines().count());
        let e = small_tables("_N = 64\n").unwrap_err();
        assert!(e.detail.as_str().contains("`_N = 1024` and `_NL = 256`"), "{e}");
    }
}

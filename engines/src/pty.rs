//! A pseudo-terminal pair, and a child process run on its terminal side, read through a thread so
//! every read can have a deadline.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};

/// A pseudo-terminal: the controlling side, and the path of the terminal side.
#[derive(Debug)]
pub struct Pty {
    /// The controlling side (what a terminal emulator holds).
    pub master: File,
    /// The terminal side's device, e.g. `/dev/pts/3`.
    pub path: PathBuf,
}

impl Pty {
    /// Opens a new pair.
    pub fn open() -> std::io::Result<Pty> {
        let fd = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
        grantpt(&fd)?;
        unlockpt(&fd)?;
        let name = ptsname(&fd, Vec::new())?;
        let path = PathBuf::from(name.to_string_lossy().into_owned());
        Ok(Pty {
            master: File::from(fd),
            path,
        })
    }

    /// Opens the terminal side (without making it a controlling terminal).
    pub fn open_terminal(&self) -> std::io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open(&self.path)
    }
}

/// Bytes read from a file by a thread, handed over with deadlines.
#[derive(Debug)]
pub struct Reader {
    chunks: Receiver<Vec<u8>>,
    pending: Vec<u8>,
}

impl Reader {
    /// Starts a thread reading `from` until it ends.
    pub fn spawn(mut from: impl Read + Send + 'static) -> Reader {
        let (tx, chunks) = channel();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match from.read(&mut buf) {
                    // Serial ports time out reads on a schedule of their own: keep waiting.
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::TimedOut
                                | std::io::ErrorKind::Interrupted
                                | std::io::ErrorKind::WouldBlock
                        ) =>
                    {
                        continue;
                    }
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf.get(..n).unwrap_or_default().to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Reader {
            chunks,
            pending: Vec::new(),
        }
    }

    /// Reads until the bytes read end with `end` and returns them (`end` included). Bytes after it
    /// stay for the next read.
    pub fn until(&mut self, end: &[u8], timeout: Duration) -> Result<Vec<u8>, ReadError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = find(&self.pending, end) {
                let rest = self.pending.split_off(at + end.len());
                return Ok(std::mem::replace(&mut self.pending, rest));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(c) => self.pending.extend_from_slice(&c),
                Err(RecvTimeoutError::Timeout) => return Err(ReadError::Timeout(self.take())),
                Err(RecvTimeoutError::Disconnected) => return Err(ReadError::Closed(self.take())),
            }
        }
    }

    /// Drops whatever arrives within `quiet` of the last byte.
    pub fn drain(&mut self, quiet: Duration) {
        self.pending.clear();
        while self.chunks.recv_timeout(quiet).is_ok() {}
    }

    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// Why a read ended without its terminator; each carries what was read.
#[derive(Debug)]
pub enum ReadError {
    /// The deadline passed.
    Timeout(Vec<u8>),
    /// The other side closed.
    Closed(Vec<u8>),
}

/// The first position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A child process whose stdin, stdout and stderr are a pseudo-terminal.
#[derive(Debug)]
pub struct PtyChild {
    /// The child.
    pub child: Child,
    /// Writes to the child's terminal.
    pub input: File,
    /// Reads what the child writes.
    pub output: Reader,
}

impl PtyChild {
    /// Starts `cmd` on a new pseudo-terminal.
    pub fn spawn(mut cmd: Command) -> std::io::Result<PtyChild> {
        let pty = Pty::open()?;
        let term = pty.open_terminal()?;
        cmd.stdin(Stdio::from(term.try_clone()?))
            .stdout(Stdio::from(term.try_clone()?))
            .stderr(Stdio::from(term));
        let child = cmd.spawn()?;
        let input = pty.master.try_clone()?;
        let output = Reader::spawn(pty.master);
        Ok(PtyChild { child, input, output })
    }

    /// Writes all of `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.input.write_all(bytes)?;
        self.input.flush()
    }
}

impl Drop for PtyChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

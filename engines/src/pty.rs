//! A pseudo-terminal pair, and a child process run on its terminal side, read through a thread so
//! every read can have a deadline.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::thread;
use std::time::{Duration, Instant};

use crate::child::deadline_after;
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

/// The most bytes one read keeps while it waits for its terminator. An engine that floods its
/// output (a `yes` in place of an interpreter, a board in a boot loop) keeps only the last
/// [`TAIL_BYTES`] beyond this, so memory stays bounded whatever it sends.
pub const MAX_PENDING_BYTES: usize = 8 << 20;

/// What a read keeps of a flood once it passed [`MAX_PENDING_BYTES`]: enough for a diagnosis.
pub const TAIL_BYTES: usize = 64 << 10;

/// Chunks the reading thread may hand over before it waits for them to be taken: with 4 KiB
/// chunks, at most 256 KiB wait in the channel, and a flooding child then blocks on its writes.
const CHANNEL_CHUNKS: usize = 64;

/// The longest [`Reader::drain`] waits for quiet before it gives up on a line that never stops.
pub const MAX_DRAIN: Duration = Duration::from_secs(2);

/// Bytes read from a file by a thread, handed over with deadlines. Dropped, it tells the thread to
/// stop at its next read that times out; [`Reader::close`] also waits for that.
#[derive(Debug)]
pub struct Reader {
    chunks: Receiver<Vec<u8>>,
    pending: Vec<u8>,
    /// Bytes of `pending` already searched for the current terminator.
    searched: usize,
    /// Set when the reader is let go of: the thread stops at its next read that times out.
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Reader {
    /// Starts a thread reading `from` until it ends.
    pub fn spawn(mut from: impl Read + Send + 'static) -> Reader {
        let (tx, chunks) = sync_channel(CHANNEL_CHUNKS);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match from.read(&mut buf) {
                    // Serial ports time out reads on a schedule of their own: keep waiting, until
                    // the reader is let go of.
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::TimedOut
                                | std::io::ErrorKind::Interrupted
                                | std::io::ErrorKind::WouldBlock
                        ) =>
                    {
                        if stopped.load(Ordering::Relaxed) {
                            break;
                        }
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
            searched: 0,
            stop,
            thread: Some(thread),
        }
    }

    /// Lets go of a reader whose reads time out (a serial port's): waits for its thread to end, so
    /// the file it reads is closed when this returns (a serial port's exclusive lock is held while
    /// any handle of it is open).
    pub fn close(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Reads until the bytes read end with `end` and returns them (`end` included). Bytes after it
    /// stay for the next read. The deadline holds however fast bytes come; each byte is searched
    /// once; a read keeps at most [`MAX_PENDING_BYTES`] (then only the last [`TAIL_BYTES`]).
    pub fn until(&mut self, end: &[u8], timeout: Duration) -> Result<Vec<u8>, ReadError> {
        let deadline = deadline_after(timeout);
        self.searched = 0;
        loop {
            // A terminator may straddle the bytes searched and the bytes just read.
            let from = self.searched.saturating_sub(end.len().saturating_sub(1));
            if let Some(at) = self.pending.get(from..).and_then(|new| find(new, end)) {
                let rest = self.pending.split_off(from + at + end.len());
                self.searched = 0;
                return Ok(std::mem::replace(&mut self.pending, rest));
            }
            self.searched = self.pending.len();
            if self.pending.len() > MAX_PENDING_BYTES {
                let cut = self.pending.len() - TAIL_BYTES;
                self.pending.drain(..cut);
                self.searched = self.pending.len();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ReadError::Timeout(self.take()));
            }
            match self.chunks.recv_timeout(left) {
                Ok(c) => self.pending.extend_from_slice(&c),
                Err(RecvTimeoutError::Timeout) => return Err(ReadError::Timeout(self.take())),
                Err(RecvTimeoutError::Disconnected) => return Err(ReadError::Closed(self.take())),
            }
        }
    }

    /// Drops whatever arrives within `quiet` of the last byte, for at most [`MAX_DRAIN`].
    pub fn drain(&mut self, quiet: Duration) {
        self.pending.clear();
        self.searched = 0;
        let deadline = deadline_after(MAX_DRAIN);
        while Instant::now() < deadline && self.chunks.recv_timeout(quiet).is_ok() {}
    }

    fn take(&mut self) -> Vec<u8> {
        self.searched = 0;
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
    /// Starts `cmd` on a new pseudo-terminal, in a process group of its own (so that whatever it
    /// starts ends with it).
    pub fn spawn(mut cmd: Command) -> std::io::Result<PtyChild> {
        cmd.process_group(0);
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

    /// Waits up to `timeout` for the child to put its terminal in raw mode (ICANON off: no line
    /// editing by the kernel, which keeps only 4095 characters of a line). `false` when it did not.
    pub fn wait_for_raw_mode(&self, timeout: Duration) -> bool {
        let deadline = deadline_after(timeout);
        loop {
            // The controlling side reads the terminal side's settings.
            let raw = rustix::termios::tcgetattr(&self.input)
                .is_ok_and(|t| !t.local_modes.contains(rustix::termios::LocalModes::ICANON));
            if raw {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Writes all of `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.input.write_all(bytes)?;
        self.input.flush()
    }
}

impl Drop for PtyChild {
    fn drop(&mut self) {
        if let Some(group) = i32::try_from(self.child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endless `y\n`, as fast as it is read, like `yes`.
    struct Yes;

    impl Read for Yes {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = if i % 2 == 0 { b'y' } else { b'\n' };
            }
            Ok(buf.len() & !1)
        }
    }

    /// Bytes handed over one at a time.
    struct Trickle(std::vec::IntoIter<u8>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.next(), buf.first_mut()) {
                (Some(b), Some(slot)) => {
                    *slot = b;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn a_flood_without_the_terminator_times_out_at_its_deadline_keeping_a_bounded_tail() {
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut r = Reader::spawn(Yes);
            let _ = tx.send(r.until(b">>> ", Duration::from_millis(500)));
        });
        // Far past the deadline: without it enforced, the read never returns.
        let got = rx.recv_timeout(Duration::from_secs(60));
        match got {
            Ok(Err(ReadError::Timeout(tail))) => {
                assert!(
                    tail.len() <= MAX_PENDING_BYTES + 4096,
                    "kept {} bytes of the flood; at most {MAX_PENDING_BYTES} + one chunk",
                    tail.len()
                );
                assert!(tail.ends_with(b"y\n"), "the tail is the flood's last bytes");
            }
            other => panic!("expected a timeout with the flood's tail, got {other:?}"),
        }
    }

    #[test]
    fn a_terminator_split_across_reads_is_found_and_what_follows_it_stays() {
        let bytes = b"banner\r\n>>> out\r\n>>> ".to_vec();
        let mut r = Reader::spawn(Trickle(bytes.into_iter()));
        let first = r.until(b">>> ", Duration::from_secs(10)).expect("first prompt");
        assert_eq!(first, b"banner\r\n>>> ");
        let second = r.until(b">>> ", Duration::from_secs(10)).expect("second prompt");
        assert_eq!(second, b"out\r\n>>> ");
        assert!(matches!(
            r.until(b">>> ", Duration::from_secs(10)),
            Err(ReadError::Closed(rest)) if rest.is_empty()
        ));
    }

    #[test]
    fn a_huge_timeout_waits_without_overflowing_the_clock() {
        let mut r = Reader::spawn(Trickle(b"ok>".to_vec().into_iter()));
        let got = r.until(b">", Duration::MAX).expect("the terminator");
        assert_eq!(got, b"ok>");
    }

    #[test]
    fn raw_mode_is_seen_when_the_child_sets_it_and_not_otherwise() {
        let mut raw = Command::new("sh");
        raw.args(["-c", "stty raw -echo; sleep 5"]);
        let child = PtyChild::spawn(raw).expect("sh on a pty");
        assert!(child.wait_for_raw_mode(Duration::from_secs(5)));
        let mut sleep = Command::new("sleep");
        sleep.arg("5");
        let child = PtyChild::spawn(sleep).expect("sleep on a pty");
        assert!(!child.wait_for_raw_mode(Duration::from_millis(200)));
    }
}

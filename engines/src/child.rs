//! A child process spoken to in lines: requests on its stdin, answers on its stdout, each answer
//! awaited with a deadline. stderr is kept (the last few kilobytes) for the message when the child
//! dies.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use memspec::subject::{ErrorKind, SubjectError};

/// `timeout` from now, or as far as the clock goes when `timeout` is past its end (a deadline of
/// `Duration::MAX` waits, it does not panic).
pub fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// Bytes of stderr kept for error messages.
const STDERR_KEEP_BYTES: usize = 4096;

/// A running child that answers one line per request line.
#[derive(Debug)]
pub struct LineChild {
    /// The subject the child serves, for messages.
    subject: &'static str,
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
}

impl LineChild {
    /// Starts `cmd` with piped stdio. `subject` names the subject in every error.
    pub fn spawn(subject: &'static str, mut cmd: Command) -> Result<Self, SubjectError> {
        let program = cmd.get_program().to_string_lossy().into_owned();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                SubjectError::new(
                    ErrorKind::Engine,
                    format_args!("{subject}: cannot start `{program}`: {e}"),
                )
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{subject}: `{program}` started without pipes"),
            ));
        };
        let (tx, lines) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let kept = Arc::new(Mutex::new(VecDeque::new()));
        let sink = Arc::clone(&kept);
        thread::spawn(move || keep_tail(stderr, &sink));
        Ok(Self {
            subject,
            child,
            stdin,
            lines,
            stderr: kept,
        })
    }

    /// Sends `line` and waits up to `timeout` for one answer line.
    pub fn request(&mut self, line: &str, timeout: Duration) -> Result<String, SubjectError> {
        let sent = self
            .stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.write_all(b"\n"))
            .and_then(|()| self.stdin.flush());
        if sent.is_err() {
            return Err(self.died());
        }
        self.answer(timeout)
    }

    /// Waits up to `timeout` for the next answer line.
    pub fn answer(&mut self, timeout: Duration) -> Result<String, SubjectError> {
        match self.lines.recv_timeout(timeout) {
            Ok(l) => Ok(l),
            Err(RecvTimeoutError::Disconnected) => Err(self.died()),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                Err(SubjectError::new(
                    ErrorKind::Timeout,
                    format_args!(
                        "{}: no answer within {} s; the engine was stopped and restarts with the next case",
                        self.subject,
                        timeout.as_secs_f32()
                    ),
                ))
            }
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the child is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last bytes the child wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        let kept = self.stderr.lock().map(|k| k.iter().copied().collect::<Vec<u8>>());
        String::from_utf8_lossy(&kept.unwrap_or_default()).into_owned()
    }

    fn died(&mut self) -> SubjectError {
        // Give the stderr reader a moment to collect the last words.
        thread::sleep(Duration::from_millis(50));
        let status = self
            .child
            .try_wait()
            .ok()
            .flatten()
            .map_or_else(|| "still running".to_owned(), |s| s.to_string());
        let tail = self.stderr_tail();
        let tail = tail.trim();
        let last = tail.lines().last().unwrap_or("");
        SubjectError::new(
            ErrorKind::Crashed,
            format_args!(
                "{}: the engine process died ({status}); last stderr line: {last:?}; it restarts with the next case",
                self.subject
            ),
        )
    }
}

impl Drop for LineChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies `from` into `into`, keeping only the last [`STDERR_KEEP_BYTES`].
fn keep_tail(mut from: impl Read, into: &Mutex<VecDeque<u8>>) {
    let mut buf = [0u8; 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let Ok(mut kept) = into.lock() else { return };
        kept.extend(buf.iter().take(n));
        while kept.len() > STDERR_KEEP_BYTES {
            kept.pop_front();
        }
    }
}

//! A child process spoken to in lines: requests on its stdin, answers on its stdout, each answer
//! awaited with a deadline. stderr is kept (the last few kilobytes) for the message when the child
//! dies.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
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

/// The longest answer line an engine may write, in bytes: a line still without its newline past
/// this is a flood, and the engine is stopped.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

/// Bytes of stderr kept for error messages.
const STDERR_KEEP_BYTES: usize = 4096;

/// A running child that answers one line per request line.
#[derive(Debug)]
pub struct LineChild {
    /// The subject the child serves, for messages.
    subject: &'static str,
    child: Child,
    stdin: ChildStdin,
    /// Answer lines, or the bytes read of one that passed [`MAX_ANSWER_BYTES`].
    lines: Receiver<Result<String, usize>>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
}

impl LineChild {
    /// Starts `cmd` with piped stdio, in a process group of its own (so that whatever it starts
    /// ends with it). `subject` names the subject in every error.
    pub fn spawn(subject: &'static str, mut cmd: Command) -> Result<Self, SubjectError> {
        let program = cmd.get_program().to_string_lossy().into_owned();
        let mut child = cmd
            .process_group(0)
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
            let mut r = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                let got = (&mut r)
                    .take(MAX_ANSWER_BYTES as u64 + 1)
                    .read_until(b'\n', &mut buf);
                let line = match got {
                    Ok(0) | Err(_) => break,
                    Ok(n) if n > MAX_ANSWER_BYTES && buf.last() != Some(&b'\n') => Err(n),
                    Ok(_) => {
                        if buf.last() == Some(&b'\n') {
                            buf.pop();
                        }
                        if buf.last() == Some(&b'\r') {
                            buf.pop();
                        }
                        String::from_utf8(buf).map_err(|e| e.into_bytes().len())
                    }
                };
                let flood = line.is_err();
                if tx.send(line).is_err() || flood {
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
            Ok(Ok(l)) => Ok(l),
            Ok(Err(n)) => {
                self.kill_group();
                Err(SubjectError::new(
                    ErrorKind::Protocol,
                    format_args!(
                        "{}: the engine wrote {n} bytes that are no answer line (over {MAX_ANSWER_BYTES} bytes without a newline, or not UTF-8); it was stopped and restarts with the next case",
                        self.subject
                    ),
                ))
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.died()),
            Err(RecvTimeoutError::Timeout) => {
                self.kill_group();
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

impl LineChild {
    /// Kills the child's process group (the child and whatever it started).
    fn kill_group(&mut self) {
        if let Some(group) = i32::try_from(self.child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
    }
}

impl Drop for LineChild {
    fn drop(&mut self) {
        self.kill_group();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_line_past_its_limit_is_a_protocol_error_not_unbounded_memory() {
        let mut cmd = Command::new("sh");
        // 20 MB of `y` and no newline, then silence.
        cmd.args(["-c", "head -c 20000000 /dev/zero | tr '\\0' y; sleep 60"]);
        let mut child = LineChild::spawn("flood", cmd).expect("sh");
        let e = child.answer(Duration::from_secs(60)).expect_err("no answer line");
        assert_eq!(e.kind, ErrorKind::Protocol, "{e}");
        assert!(e.to_string().contains("without a newline"), "{e}");
    }

    #[test]
    fn answer_lines_lose_their_line_ends() {
        let mut cmd = Command::new("printf");
        cmd.arg("one\\r\\ntwo\\n");
        let mut child = LineChild::spawn("lines", cmd).expect("printf");
        assert_eq!(child.answer(Duration::from_secs(10)).expect("a line"), "one");
        assert_eq!(child.answer(Duration::from_secs(10)).expect("a line"), "two");
    }
}

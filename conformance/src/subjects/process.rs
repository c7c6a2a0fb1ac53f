//! `process`: a subject in another process, speaking the JSON-lines protocol over its stdin and stdout.
//!
//! Every fault of the child is caught and diagnosed: it exits or crashes (exit status and the tail of
//! its stderr), it hangs (no answer within the case's time), it writes something that is not a JSON
//! object, a line over [`MAX_LINE_BYTES`], or an answer to another request or of the wrong shape. The
//! step then fails with [`ErrorKind::Crashed`], [`ErrorKind::Timeout`] or [`ErrorKind::Protocol`], the
//! child is killed, and the factory starts a fresh one for the next case.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use memspec::profile::ProfileId;
use memspec::subject::{
    Allocation, Capabilities, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, ObjId, ObjectSpec,
    Stat, Subject, SubjectError, SubjectResult, Target, Value,
};
use memspec::tag::TagClass;
use memspec_engines::child::deadline_after;
use serde_json::{Map, Value as Json, json};

use super::{Lease, Lendable, Pooled, Served};
use crate::protocol::{self, MAX_LINE_BYTES, VERSION};

/// How long a diagnosis waits for the last of an ended child's stderr.
const STDERR_DRAIN: Duration = Duration::from_secs(1);

/// Bytes of the child's stderr kept for diagnoses.
pub const STDERR_TAIL_BYTES: usize = 2048;

/// Bytes of the child's stderr read at once: a subject that floods its stderr is drained in large
/// reads, of which only the tail is kept.
const STDERR_READ_BYTES: usize = 64 << 10;

/// Said when a program never answers its first request: what usually causes it.
pub const FIRST_ANSWER_HINT: &str = ". The usual cause: the program does not flush stdout after each \
     answer line, and stdout to a pipe is block-buffered (Python: `print(..., flush=True)`; C: \
     `fflush(stdout)` after each line, or `setvbuf(stdout, NULL, _IOLBF, 0)` once)";

/// How long the handshake may take when no case's timeout says otherwise.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a subject is given to answer `bye` and exit before it is killed.
pub const BYE_WAIT: Duration = Duration::from_millis(500);

/// How often a wait for an answer looks whether the child has exited (a process it started may
/// still hold its stdout open, so the end of the stream alone does not tell).
const EXIT_POLL: Duration = Duration::from_millis(50);

/// The least time the check for stray answers after a case is given, however little of the case's
/// time is left.
const STRAY_CHECK_WAIT: Duration = Duration::from_millis(250);

/// The command that serves the reference implementation: this executable's `serve`, or the `memspec`
/// binary beside a test executable.
pub fn self_serve_command() -> Result<Vec<String>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let name = format!("memspec{}", std::env::consts::EXE_SUFFIX);
    let here = exe.parent();
    // Test and bench executables live in target/<profile>/deps, the binary one folder up.
    let candidates = [
        Some(exe.clone()).filter(|e| e.file_name().is_some_and(|n| n == name.as_str())),
        here.map(|d| d.join(&name)),
        here.and_then(|d| d.parent()).map(|d| d.join(&name)),
    ];
    match candidates.into_iter().flatten().find(|p| p.is_file()) {
        Some(bin) => Ok(vec![bin.display().to_string(), "serve".into()]),
        None => Err(format!(
            "the `memspec` executable is not beside {}; build it (`cargo build -p memspec-conformance`) \
             or name a command with --command",
            exe.display()
        )),
    }
}

/// A factory of process subjects running `command`, named `name`.
pub fn factory(name: &str, command: Vec<String>) -> Pooled<ProcessSubject> {
    factory_timed(name, command, HELLO_TIMEOUT)
}

/// A factory of process subjects running `command`, named `name`, whose first handshake (to learn
/// what it serves) may take `hello`; a subject started for a case shakes hands within the case's
/// timeout.
pub fn factory_timed(name: &str, command: Vec<String>, hello: Duration) -> Pooled<ProcessSubject> {
    let n = name.to_string();
    Pooled::with_lease(name, move |lease| {
        ProcessSubject::spawn_timed(&n, &command, lease.map_or(hello, |l| l.timeout))
    })
}

enum Line {
    Text(String),
    TooLong(usize),
    Closed,
    Failed(String),
}

/// A child process speaking the protocol.
pub struct ProcessSubject {
    name: String,
    command: Vec<String>,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    /// The thread copying stderr into `stderr`; it ends when the child's stderr closes.
    stderr_reader: Option<thread::JoinHandle<()>>,
    next_id: u64,
    /// The first request id of the case running now: an answer to an earlier one is late.
    case_first_id: u64,
    /// What is waited for now, for messages: "the handshake's", "the case's".
    waiting_for: &'static str,
    deadline: Instant,
    timeout: Duration,
    fault: Option<String>,
    served: Served,
    server_name: String,
}

impl std::fmt::Debug for ProcessSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessSubject")
            .field("command", &self.command)
            .field("fault", &self.fault)
            .finish_non_exhaustive()
    }
}

impl ProcessSubject {
    /// Starts `command` and shakes hands within [`HELLO_TIMEOUT`].
    pub fn spawn(name: &str, command: &[String]) -> Result<ProcessSubject, String> {
        Self::spawn_timed(name, command, HELLO_TIMEOUT)
    }

    /// Starts `command` in a process group of its own (so that whatever it starts ends with it)
    /// and shakes hands within `hello`.
    pub fn spawn_timed(name: &str, command: &[String], hello: Duration) -> Result<ProcessSubject, String> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| "the process subject needs a command".to_string())?;
        let mut child = Command::new(program)
            .args(args)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", command.join(" ")))?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let stderr_pipe = child.stderr.take().ok_or("no stderr pipe")?;
        let (tx, rx) = channel();
        thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                let got = (&mut r)
                    .take(MAX_LINE_BYTES as u64 + 1)
                    .read_until(b'\n', &mut buf);
                let msg = match got {
                    Ok(0) => Line::Closed,
                    Ok(_) if buf.last() == Some(&b'\n') => {
                        buf.pop();
                        Line::Text(String::from_utf8_lossy(&buf).into_owned())
                    }
                    Ok(n) if n > MAX_LINE_BYTES => Line::TooLong(n),
                    // The last line had no newline: the stream closed after it.
                    Ok(_) => Line::Text(String::from_utf8_lossy(&buf).into_owned()),
                    Err(e) => Line::Failed(e.to_string()),
                };
                let stop = matches!(msg, Line::Closed | Line::TooLong(_) | Line::Failed(_));
                if tx.send(msg).is_err() || stop {
                    break;
                }
            }
        });
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL_BYTES)));
        let tail2 = Arc::clone(&tail);
        let stderr_reader = thread::spawn(move || {
            let mut r = stderr_pipe;
            let mut buf = vec![0u8; STDERR_READ_BYTES];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // Only the last STDERR_TAIL_BYTES of what was read can stay.
                let read = buf.get(..n).unwrap_or_default();
                let kept = read
                    .get(n.saturating_sub(STDERR_TAIL_BYTES)..)
                    .unwrap_or_default();
                if let Ok(mut t) = tail2.lock() {
                    let over = (t.len() + kept.len())
                        .saturating_sub(STDERR_TAIL_BYTES)
                        .min(t.len());
                    t.drain(..over);
                    t.extend(kept);
                }
            }
        });
        let stdin = child.stdin.take();
        let mut s = ProcessSubject {
            name: name.to_string(),
            command: command.to_vec(),
            child,
            stdin,
            lines: rx,
            stderr: tail,
            stderr_reader: Some(stderr_reader),
            next_id: 0,
            case_first_id: 0,
            waiting_for: "the handshake's",
            deadline: deadline_after(hello),
            timeout: hello,
            fault: None,
            served: Vec::new(),
            server_name: String::new(),
        };
        let hello = s
            .request("hello", json!({ "protocol": VERSION }))
            .map_err(|e| s.fault.clone().unwrap_or_else(|| e.to_string()))?;
        let version = hello.get("protocol").and_then(Json::as_u64);
        if version != Some(u64::from(VERSION)) {
            s.kill();
            return Err(format!(
                "`{}` speaks protocol {}, this harness {VERSION}",
                command.join(" "),
                version.map_or("(none given)".to_string(), |v| v.to_string())
            ));
        }
        s.server_name = hello.get("name").and_then(Json::as_str).unwrap_or("").to_string();
        s.served = protocol::parse_served(hello.get("profiles").unwrap_or(&Json::Null))
            .map_err(|e| format!("`{}`'s hello answer: {e}", command.join(" ")))?;
        Ok(s)
    }

    /// The name the server gave in its hello answer.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// Lets the stderr reader copy what a child that has ended wrote last, waiting at most
    /// [`STDERR_DRAIN`] (a grandchild may hold the pipe open).
    fn drain_stderr(&mut self) {
        let until = Instant::now() + STDERR_DRAIN;
        while let Some(h) = &self.stderr_reader {
            if h.is_finished() {
                let _ = self.stderr_reader.take().map(thread::JoinHandle::join);
            } else if Instant::now() < until {
                thread::sleep(Duration::from_millis(5));
            } else {
                break;
            }
        }
    }

    fn stderr_tail(&self) -> String {
        let bytes: Vec<u8> = self
            .stderr
            .lock()
            .map(|t| t.iter().copied().collect())
            .unwrap_or_default();
        let s = String::from_utf8_lossy(&bytes).trim_end().to_string();
        if s.is_empty() {
            "(stderr was empty)".into()
        } else {
            format!("stderr (last {} bytes):\n{s}", bytes.len())
        }
    }

    /// Kills the child's process group (the child and whatever it started), and reaps the child.
    fn kill(&mut self) {
        if let Some(group) = i32::try_from(self.child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stdin = None;
    }

    /// Waits for the next line until the deadline, looking every [`EXIT_POLL`] whether the child
    /// has exited; `Err` with the exit status when it did and nothing came.
    fn next_line(&mut self) -> Result<Line, Result<String, RecvTimeoutError>> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left.min(EXIT_POLL)) {
                Ok(line) => return Ok(line),
                Err(RecvTimeoutError::Timeout) if left > EXIT_POLL => {
                    if let Ok(Some(st)) = self.child.try_wait() {
                        // What it wrote before it exited may still be in the pipe.
                        return match self.lines.recv_timeout(EXIT_POLL) {
                            Ok(line) => Ok(line),
                            Err(_) => Err(Ok(format!("it exited with {st}"))),
                        };
                    }
                }
                Err(e) => return Err(Err(e)),
            }
        }
    }

    /// Records a fault, kills the child, and returns the step's error.
    fn broken(&mut self, kind: ErrorKind, what: String) -> SubjectError {
        if kind != ErrorKind::Crashed {
            self.kill();
        }
        self.drain_stderr();
        let tail = self.stderr_tail();
        let mut d = format!("`{}`: {what}", self.command.join(" "));
        let _ = write!(d, "\n{tail}");
        self.fault = Some(d);
        SubjectError::new(kind, format_args!("{what}"))
    }

    /// Waits a little for the child to exit and says how it ended.
    fn exit_status(&mut self) -> String {
        let until = Instant::now() + Duration::from_secs(2);
        loop {
            match self.child.try_wait() {
                Ok(Some(st)) => return format!("it exited with {st}"),
                Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    self.kill();
                    return "it closed its stdout but did not exit; it was killed".into();
                }
                Err(e) => return format!("its exit status is unknown: {e}"),
            }
        }
    }

    /// Sends one request and returns the `ok` payload, or the subject's error.
    fn request(&mut self, op: &str, fields: Json) -> SubjectResult<Json> {
        if let Some(f) = &self.fault {
            let first = f.lines().next().unwrap_or("").to_string();
            return Err(SubjectError::new(
                ErrorKind::Crashed,
                format_args!("the subject broke earlier: {first}"),
            ));
        }
        let id = self.next_id;
        self.next_id += 1;
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        m.insert("op".into(), json!(op));
        if let Json::Object(f) = fields {
            m.extend(f);
        }
        let mut line = Json::Object(m).to_string();
        line.push('\n');
        let wrote = match self.stdin.as_mut() {
            Some(w) => w.write_all(line.as_bytes()).and_then(|()| w.flush()),
            None => Err(std::io::Error::other("stdin is closed")),
        };
        if let Err(e) = wrote {
            let status = self.exit_status();
            return Err(self.broken(
                ErrorKind::Crashed,
                format!("cannot send request {id} ({op}): {e}; {status}"),
            ));
        }
        let answer = match self.next_line() {
            Ok(Line::Text(t)) => t,
            Ok(Line::TooLong(n)) => {
                return Err(self.broken(
                    ErrorKind::Protocol,
                    format!(
                        "its answer to request {id} ({op}) is over {MAX_LINE_BYTES} bytes ({n} bytes read without a newline)"
                    ),
                ));
            }
            Err(Ok(status)) => {
                return Err(self.broken(
                    ErrorKind::Crashed,
                    format!(
                        "{status} before answering request {id} ({op}), but its stdout is still open (a process it started holds it); its process group was killed"
                    ),
                ));
            }
            Ok(Line::Closed) | Err(Err(RecvTimeoutError::Disconnected)) => {
                let status = self.exit_status();
                return Err(self.broken(
                    ErrorKind::Crashed,
                    format!("it closed its stdout before answering request {id} ({op}); {status}"),
                ));
            }
            Ok(Line::Failed(e)) => {
                return Err(self.broken(
                    ErrorKind::Crashed,
                    format!("reading its answer to request {id} ({op}) failed: {e}"),
                ));
            }
            Err(Err(RecvTimeoutError::Timeout)) => {
                // Nothing came back at all: most often the answer is written but still in the
                // program's output buffer, as stdout to a pipe is block-buffered.
                let usual = if id == 0 { FIRST_ANSWER_HINT } else { "" };
                return Err(self.broken(
                    ErrorKind::Timeout,
                    format!(
                        "no answer to request {id} ({op}) within {} {:.1} s; it was killed{usual}",
                        self.waiting_for,
                        self.timeout.as_secs_f64()
                    ),
                ));
            }
        };
        let parsed: Json = match serde_json::from_str(&answer) {
            Ok(j @ Json::Object(_)) => j,
            Ok(other) => {
                return Err(self.broken(
                    ErrorKind::Protocol,
                    format!(
                        "its answer to request {id} ({op}) is JSON but not an object: {}",
                        clip(&other.to_string())
                    ),
                ));
            }
            Err(e) => {
                return Err(self.broken(
                    ErrorKind::Protocol,
                    format!(
                        "its answer to request {id} ({op}) is not JSON ({e}): {}",
                        clip(&answer)
                    ),
                ));
            }
        };
        let got_id = parsed.get("id").and_then(Json::as_u64);
        if let Some(late) = got_id.filter(|g| *g < self.case_first_id) {
            return Err(self.broken(
                ErrorKind::Protocol,
                format!(
                    "where request {id} ({op}) was asked it sent a late answer to request {late}, of an earlier case (which passed its check for stray answers): {}",
                    clip(&answer)
                ),
            ));
        }
        if got_id != Some(id) {
            let stray_check = if op == "hello" && id > 0 {
                ", sent after the case's last request to find stray answers,"
            } else {
                ""
            };
            return Err(self.broken(
                ErrorKind::Protocol,
                format!(
                    "it answered request {} where request {id} ({op}){stray_check} was asked: {}",
                    got_id.map_or("(no id)".into(), |g| g.to_string()),
                    clip(&answer)
                ),
            ));
        }
        if let Some(e) = parsed.get("error") {
            let kind = e
                .get("kind")
                .and_then(Json::as_str)
                .and_then(ErrorKind::from_name);
            let detail = e.get("detail").and_then(Json::as_str).unwrap_or("");
            return match kind {
                Some(k) => Err(SubjectError::new(k, format_args!("{detail}"))),
                None => Err(self.broken(
                    ErrorKind::Protocol,
                    format!(
                        "its error answer to request {id} ({op}) has no known `kind`: {}",
                        clip(&answer)
                    ),
                )),
            };
        }
        match parsed.get("ok") {
            Some(ok @ Json::Object(_)) => Ok(ok.clone()),
            _ => Err(self.broken(
                ErrorKind::Protocol,
                format!(
                    "its answer to request {id} ({op}) has neither an `ok` object nor an `error`: {}",
                    clip(&answer)
                ),
            )),
        }
    }

    /// Reads a field of an `ok` answer with `read`; a missing or malformed field breaks the protocol.
    fn field<T>(
        &mut self,
        op: &str,
        ok: &Json,
        key: &str,
        read: impl Fn(&Json) -> Result<T, String>,
    ) -> SubjectResult<T> {
        let r = match ok.get(key) {
            Some(v) => read(v),
            None => Err(format!("lacks `{key}`")),
        };
        r.map_err(|e| {
            self.broken(
                ErrorKind::Protocol,
                format!("its answer to {op}: `{key}` {e}: {}", clip(&ok.to_string())),
            )
        })
    }
}

fn clip(s: &str) -> String {
    const SHOWN: usize = 120;
    if s.len() <= SHOWN {
        return s.to_string();
    }
    let mut cut = SHOWN;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", &s[..cut], s.len())
}

fn obj(id: ObjId) -> Json {
    json!(id.0)
}

impl ProcessSubject {
    /// After a case's last request: a `hello` whose answer must be the next line, so that an answer
    /// no request asked for (a duplicate, a stray line) fails the case in which it was written.
    fn check_for_stray_answers(&mut self) {
        self.waiting_for = "the case's";
        self.deadline = self.deadline.max(deadline_after(STRAY_CHECK_WAIT));
        // An error answer is an answer too: an adapter may refuse a second hello.
        let _ = self.request("hello", json!({ "protocol": VERSION }));
    }
}

impl Drop for ProcessSubject {
    fn drop(&mut self) {
        if self.fault.is_none() && self.stdin.is_some() {
            // A subject that ignores `bye` is not waited for longer than this.
            self.deadline = deadline_after(BYE_WAIT);
            self.timeout = BYE_WAIT;
            self.waiting_for = "the goodbye's";
            let _ = self.request("bye", json!({}));
        }
        self.kill();
    }
}

impl Lendable for ProcessSubject {
    fn subject(&mut self) -> &mut dyn Subject {
        self
    }

    fn begin(&mut self, lease: &Lease) {
        self.timeout = lease.timeout;
        self.deadline = deadline_after(lease.timeout);
        self.waiting_for = "the case's";
        self.case_first_id = self.next_id;
    }

    fn fault(&mut self) -> Option<String> {
        if self.fault.is_none() {
            self.check_for_stray_answers();
        }
        self.fault.clone()
    }
}

impl Subject for ProcessSubject {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, profile: ProfileId) -> bool {
        self.served.iter().any(|(p, _)| *p == profile)
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        self.served
            .iter()
            .find(|(p, _)| *p == profile)
            .map_or(Capabilities::NONE, |(_, c)| *c)
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        let f = protocol::start_fields(profile, config)?;
        self.request("start", f).map(|_| ())
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let ok = self.request("encode", json!({ "value": protocol::value(value) }))?;
        let word = self.field("encode", &ok, "word", protocol::parse_word)?;
        let class = self.field("encode", &ok, "class", |c| protocol::parse_class(Some(c)))?;
        Ok(Encoded { word, class })
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        let ok = self.request("decode", json!({ "word": protocol::word(word) }))?;
        let class = self.field("decode", &ok, "class", |c| protocol::parse_class(Some(c)))?;
        let value = self.field("decode", &ok, "value", protocol::parse_decoded)?;
        Ok((class, value))
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let params = protocol::params(spec.params)
            .map_err(|e| SubjectError::new(ErrorKind::BadArgument, format_args!("{e}")))?;
        let ok = self.request("alloc", json!({ "kind": spec.kind, "params": params }))?;
        let id = self.field("alloc", &ok, "obj", |v| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("is not an object id: {v}"))
        })?;
        let word = self.field("alloc", &ok, "word", protocol::parse_word)?;
        let bytes = self.field("alloc", &ok, "bytes", |v| {
            v.as_u64().ok_or_else(|| format!("is not a byte count: {v}"))
        })?;
        Ok(Allocation {
            id: ObjId(id),
            word,
            bytes,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        self.request(
            "link",
            json!({ "obj": obj(from), "slot": slot, "target": protocol::target(target) }),
        )
        .map(|_| ())
    }

    fn root(&mut self, o: ObjId) -> SubjectResult<()> {
        self.request("root", json!({ "obj": obj(o) })).map(|_| ())
    }

    fn unroot(&mut self, o: ObjId) -> SubjectResult<()> {
        self.request("unroot", json!({ "obj": obj(o) })).map(|_| ())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        let ok = self.request("collect", json!({}))?;
        protocol::parse_collection(&ok).map_err(|e| {
            self.broken(
                ErrorKind::Protocol,
                format!("its answer to collect: {e}: {}", clip(&ok.to_string())),
            )
        })
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let ok = self.request("stats", json!({}))?;
        let list = self.field("stats", &ok, "stats", |v| {
            let arr = v.as_array().ok_or_else(|| "is not a list".to_string())?;
            arr.iter()
                .map(|s| {
                    let name = s
                        .get("name")
                        .and_then(Json::as_str)
                        .ok_or("has an entry without `name`")?;
                    let unit = protocol::parse_unit(s.get("unit").and_then(Json::as_str).unwrap_or(""))?;
                    let value = s
                        .get("value")
                        .and_then(Json::as_u64)
                        .ok_or("has an entry without a `value` of 0 or more")?;
                    Ok((name.to_string(), unit, value))
                })
                .collect::<Result<Vec<_>, String>>()
        })?;
        for (name, unit, value) in &list {
            sink(Stat {
                name,
                unit: *unit,
                value: *value,
            });
        }
        Ok(())
    }

    fn heap_map(&mut self, out: &mut dyn std::fmt::Write) -> SubjectResult<()> {
        let ok = self.request("heap-map", json!({}))?;
        let text = self.field("heap-map", &ok, "text", |v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| "is not text".to_string())
        })?;
        out.write_str(&text).map_err(|_| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!("the heap map could not be written"),
            )
        })
    }

    fn is_live(&mut self, o: ObjId) -> SubjectResult<bool> {
        let ok = self.request("live", json!({ "obj": obj(o) }))?;
        self.field("live", &ok, "live", |v| {
            v.as_bool().ok_or_else(|| format!("is not true or false: {v}"))
        })
    }

    fn gc_control(&mut self, op: GcOp) -> SubjectResult<()> {
        self.request("gc", json!({ "action": protocol::gc_op(op) }))
            .map(|_| ())
    }

    fn read_word(&mut self, o: ObjId, index: i32) -> SubjectResult<u64> {
        let ok = self.request("read", json!({ "obj": obj(o), "index": index }))?;
        self.field("read", &ok, "word", protocol::parse_word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_that_never_answers_hello_is_told_to_flush_and_the_limit_it_had() {
        // Reads its requests and never writes: as a program whose answers stay in its buffer.
        let silent = ["sh".to_string(), "-c".into(), "cat > /dev/null".into()];
        let err = ProcessSubject::spawn_timed("p", &silent, Duration::from_millis(300))
            .err()
            .unwrap_or_default();
        assert!(err.contains("within the handshake's 0.3 s"), "{err}");
        assert!(
            err.contains("does not flush stdout after each answer line"),
            "{err}"
        );
    }
}

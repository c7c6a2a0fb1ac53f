//! The server side of the process protocol: any [`SubjectFactory`] offered over a reader and a writer.
//!
//! `memspec serve` offers the reference implementation this way; tests offer their own subjects. Each
//! `start` request begins a case on a subject lent by the factory (a fresh arena of the size asked for
//! the reference); the requests up to the next `start` go to that subject.

use std::io::{self, BufRead, Read, Write};
use std::time::Duration;

use memspec::profile::ProfileId;
use memspec::subject::{ErrorKind, HeapConfig, ObjId, ObjectSpec, Stat, Subject, SubjectError};
use serde_json::{Value as Json, json};

use crate::protocol::{self, MAX_LINE_BYTES, VERSION};
use crate::subjects::{Lease, SubjectFactory};

/// The most arena a `start` request may ask for, in bytes.
pub const MAX_ARENA_BYTES: u64 = 256 << 20;

/// How long one case may hold the lent subject on the server side (the client enforces its own limit).
const SERVER_LEASE: Duration = Duration::from_secs(24 * 3600);

/// Why serving stopped early.
#[derive(Debug)]
pub enum ServeError {
    /// Reading or writing failed.
    Io(io::Error),
    /// A request line was over [`MAX_LINE_BYTES`].
    LineTooLong,
    /// The factory could not describe its subjects.
    Describe(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Io(e) => write!(f, "{e}"),
            ServeError::LineTooLong => write!(f, "a request line is over {MAX_LINE_BYTES} bytes"),
            ServeError::Describe(e) => write!(f, "cannot describe the subject: {e}"),
        }
    }
}

impl From<io::Error> for ServeError {
    fn from(e: io::Error) -> Self {
        ServeError::Io(e)
    }
}

struct Conn<R, W> {
    input: R,
    output: W,
    name: String,
    served: Json,
}

enum Next {
    Request(Json),
    Eof,
}

impl<R: BufRead, W: Write> Conn<R, W> {
    fn read(&mut self) -> Result<Next, ServeError> {
        loop {
            let mut buf = Vec::new();
            let n = (&mut self.input)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)?;
            if n == 0 {
                return Ok(Next::Eof);
            }
            if buf.last() != Some(&b'\n') && n > MAX_LINE_BYTES {
                return Err(ServeError::LineTooLong);
            }
            let text = String::from_utf8_lossy(&buf);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_str::<Json>(text) {
                Ok(j)
                    if j.get("id").is_some_and(Json::is_u64) && j.get("op").is_some_and(Json::is_string) =>
                {
                    return Ok(Next::Request(j));
                }
                Ok(j) => self.send(
                    j.get("id").cloned().unwrap_or(Json::Null),
                    Err(SubjectError::new(
                        ErrorKind::Protocol,
                        format_args!("a request is an object with a numeric `id` and a string `op`"),
                    )),
                )?,
                Err(e) => self.send(
                    Json::Null,
                    Err(SubjectError::new(
                        ErrorKind::Protocol,
                        format_args!("the request is not JSON: {e}"),
                    )),
                )?,
            }
        }
    }

    fn send(&mut self, id: Json, answer: Result<Json, SubjectError>) -> io::Result<()> {
        let line = match answer {
            Ok(ok) => json!({ "id": id, "ok": ok }),
            Err(e) => json!({ "id": id, "error": protocol::error(e.kind, e.detail.as_str()) }),
        };
        writeln!(self.output, "{line}")?;
        self.output.flush()
    }

    fn hello(&mut self, req: &Json) -> io::Result<()> {
        let id = req.get("id").cloned().unwrap_or(Json::Null);
        let asked = req.get("protocol").and_then(Json::as_u64);
        if asked != Some(u64::from(VERSION)) {
            return self.send(
                id,
                Err(SubjectError::new(
                    ErrorKind::Protocol,
                    format_args!("this server speaks protocol {VERSION}, the client asked for {asked:?}"),
                )),
            );
        }
        let answer = json!({ "protocol": VERSION, "name": self.name, "profiles": self.served });
        self.send(id, Ok(answer))
    }
}

/// Serves `factory` on `input` and `output` until `bye` or the end of input.
pub fn serve(
    factory: &dyn SubjectFactory,
    input: impl BufRead,
    output: impl Write,
) -> Result<(), ServeError> {
    let served = factory.describe().map_err(ServeError::Describe)?;
    let mut conn = Conn {
        input,
        output,
        name: factory.name().to_string(),
        served: protocol::served(&served),
    };
    let mut pending: Option<Json> = None;
    loop {
        let req = match pending.take() {
            Some(r) => r,
            None => match conn.read()? {
                Next::Request(r) => r,
                Next::Eof => return Ok(()),
            },
        };
        let id = req.get("id").cloned().unwrap_or(Json::Null);
        match req.get("op").and_then(Json::as_str).unwrap_or("") {
            "hello" => conn.hello(&req)?,
            "bye" => {
                conn.send(id, Ok(json!({})))?;
                return Ok(());
            }
            "start" => {
                let arena = req.get("arena").and_then(Json::as_u64).unwrap_or(0);
                if arena > MAX_ARENA_BYTES {
                    conn.send(
                        id,
                        Err(SubjectError::new(
                            ErrorKind::BadArgument,
                            format_args!(
                                "an arena of {arena} bytes is over the {MAX_ARENA_BYTES} this server gives"
                            ),
                        )),
                    )?;
                    continue;
                }
                let lease = Lease {
                    timeout: SERVER_LEASE,
                    arena_bytes: arena,
                };
                let mut result: Result<bool, ServeError> = Ok(false);
                let mut first = Some(req);
                let fault = factory.lend(&lease, &mut |subject| {
                    result = session(&mut conn, subject, &mut first, &mut pending);
                });
                if let Err(f) = fault {
                    eprintln!("memspec serve: the subject broke: {}", f.diagnosis);
                }
                if result? {
                    return Ok(());
                }
            }
            _ => conn.send(
                id,
                Err(SubjectError::new(
                    ErrorKind::BadArgument,
                    format_args!("no case has started: send `start` first"),
                )),
            )?,
        }
    }
}

/// Answers the `start` that opens a case and the requests after it on one lent subject, until the
/// next `start` (left in `pending`), `bye` or the end of input; returns whether serving should stop.
fn session<R: BufRead, W: Write>(
    conn: &mut Conn<R, W>,
    subject: &mut dyn Subject,
    first: &mut Option<Json>,
    pending: &mut Option<Json>,
) -> Result<bool, ServeError> {
    if let Some(start) = first.take() {
        let id = start.get("id").cloned().unwrap_or(Json::Null);
        let answer = dispatch(subject, "start", &start);
        conn.send(id, answer)?;
    }
    loop {
        let req = match conn.read()? {
            Next::Request(r) => r,
            Next::Eof => return Ok(true),
        };
        let id = req.get("id").cloned().unwrap_or(Json::Null);
        let op = req.get("op").and_then(Json::as_str).unwrap_or("").to_string();
        match op.as_str() {
            "start" => {
                *pending = Some(req);
                return Ok(false);
            }
            "hello" => conn.hello(&req)?,
            "bye" => {
                conn.send(id, Ok(json!({})))?;
                return Ok(true);
            }
            _ => {
                let answer = dispatch(subject, &op, &req);
                conn.send(id, answer)?;
            }
        }
    }
}

fn bad(e: String) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, format_args!("{e}"))
}

fn field<'j>(req: &'j Json, key: &str) -> Result<&'j Json, SubjectError> {
    req.get(key)
        .ok_or_else(|| bad(format!("the request lacks `{key}`")))
}

fn obj_id(req: &Json, key: &str) -> Result<ObjId, SubjectError> {
    let v = field(req, key)?;
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .map(ObjId)
        .ok_or_else(|| bad(format!("`{key}` must be an object id, found {v}")))
}

/// Runs one request on `subject` and gives the `ok` payload or the error.
pub fn dispatch(subject: &mut dyn Subject, op: &str, req: &Json) -> Result<Json, SubjectError> {
    match op {
        "start" => {
            let name = field(req, "profile")?.as_str().unwrap_or("");
            let profile = ProfileId::from_name(name).ok_or_else(|| {
                SubjectError::new(ErrorKind::UnknownProfile, format_args!("`{name}` is no profile"))
            })?;
            let arena_bytes = field(req, "arena")?
                .as_u64()
                .ok_or_else(|| bad("`arena` must be a number of bytes".into()))?;
            let port = req.get("port").and_then(Json::as_str);
            let options = protocol::parse_params(req.get("options")).map_err(bad)?;
            let options = protocol::borrow_params(&options);
            subject.start(
                profile,
                &HeapConfig {
                    arena_bytes,
                    port,
                    options: &options,
                },
            )?;
            Ok(json!({}))
        }
        "encode" => {
            let v = protocol::parse_value(field(req, "value")?).map_err(bad)?;
            let e = subject.encode(&protocol::borrow_value(&v))?;
            Ok(protocol::encoded(&e))
        }
        "decode" => {
            let w = protocol::parse_word(field(req, "word")?).map_err(bad)?;
            let (class, value) = subject.decode(w)?;
            Ok(json!({ "class": class.name(), "value": protocol::decoded(&value) }))
        }
        "alloc" => {
            let kind = field(req, "kind")?
                .as_str()
                .ok_or_else(|| bad("`kind` must be a string".into()))?;
            let params = protocol::parse_params(req.get("params")).map_err(bad)?;
            let params = protocol::borrow_params(&params);
            let a = subject.alloc(&ObjectSpec {
                kind,
                params: &params,
            })?;
            Ok(json!({ "obj": a.id.0, "word": protocol::word(a.word), "bytes": a.bytes }))
        }
        "link" => {
            let from = obj_id(req, "obj")?;
            let slot = field(req, "slot")?
                .as_u64()
                .and_then(|s| u32::try_from(s).ok())
                .ok_or_else(|| bad("`slot` must be a slot index".into()))?;
            let target = protocol::parse_target(field(req, "target")?).map_err(bad)?;
            subject.link(from, slot, target)?;
            Ok(json!({}))
        }
        "root" => subject.root(obj_id(req, "obj")?).map(|()| json!({})),
        "unroot" => subject.unroot(obj_id(req, "obj")?).map(|()| json!({})),
        "collect" => subject.collect().map(|c| protocol::collection(&c)),
        "stats" => {
            let mut list = Vec::new();
            subject.stats(&mut |s: Stat<'_>| {
                list.push(json!({ "name": s.name, "unit": protocol::unit(s.unit), "value": s.value }));
            })?;
            Ok(json!({ "stats": list }))
        }
        "heap-map" => {
            let mut text = String::new();
            subject.heap_map(&mut text)?;
            Ok(json!({ "text": text }))
        }
        "live" => subject.is_live(obj_id(req, "obj")?).map(|b| json!({ "live": b })),
        "gc" => {
            let a = field(req, "action")?.as_str().unwrap_or("");
            subject.gc_control(protocol::parse_gc_op(a).map_err(bad)?)?;
            Ok(json!({}))
        }
        "read" => {
            let o = obj_id(req, "obj")?;
            let index = field(req, "index")?
                .as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .ok_or_else(|| bad("`index` must be a word index".into()))?;
            subject
                .read_word(o, index)
                .map(|w| json!({ "word": protocol::word(w) }))
        }
        other => Err(SubjectError::new(
            ErrorKind::Unsupported,
            format_args!("`{other}` is no request of protocol {VERSION}"),
        )),
    }
}

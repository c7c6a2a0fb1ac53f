//! Microvium as a subject: the driver script (`engines/microvium/driver.js`), compiled once with the
//! npm package's compiler, restored into a native VM for each case.
//!
//! Two hosts speak the same line protocol (see `engines/microvium/host.cjs`):
//! * `microvium-node`: the package's N-API addon, the C VM built with the package's test port (safe
//!   mode, debug capability, gas counter) for the host's word size;
//! * `microvium-c32`: the C engine the package ships (`dist-c/`), built by [`c32`] with `gcc -m32`
//!   and our port file, so the 32-bit host structures (bucket headers, `sizeof(mvm_VM)`) are measured.
//!
//! A restored VM has the empty program's two globals and an empty heap, as memspec's reference
//! model starts a case. Each object kind is built as the model builds it (the model's vocabulary,
//! `impl/src/microvium/mod.rs`):
//!
//! | kind | how the engine makes it |
//! |---|---|
//! | `int value=` / `float value=` | `mvm_newNumber` (from the host) |
//! | `string text= [interned=1]` | `mvm_newString` (from the host); `interned=1` then reads it as a key of the case's first `object`, which interns it |
//! | `object [props=N]` | `{}`, then `o[k] = undefined` for k in 0 .. N-1 |
//! | `array [len=] [capacity=] [set-length=]` | `[]`, `length = capacity`, `length = len` (each only when it changes), then `length = set-length` |
//! | `closure slots=N` | a function capturing N - 1 variables (N from 2 to 8): its scope, a CLOSURE of N slots |
//! | `uint8array len=` | `mvm_uint8ArrayFromBytes` of `len` zero bytes |
//! | `raw bytes= [type=7]` | the same: a UINT8_ARRAY is the only raw allocation a host can make |
//!
//! The host holds every object through an `mvm_Handle`; rooted objects get a fresh handle when they
//! become roots, so the handle list is in root order, newest first, as in the model. A `collect`
//! lets go of every object that is not a root, runs `mvm_runGC`, and takes back the objects still
//! reachable from the roots along the links the case made (a property read each). Heap figures are
//! `mvm_getMemoryStats` as they are at the step (nothing collects before a reading); allocation
//! counts and raw heap words come from the heap itself (the HEAP section of `mvm_createSnapshot`).

pub mod c32;
pub mod node;

use std::process::Command;
use std::time::Duration;

use memspec::ProfileId;
use memspec::fact::Unit;
use memspec::subject::{
    Allocation, Capabilities, Capability, Collection, Encoded, ErrorKind, HeapConfig, ObjId, ObjectSpec,
    ParamValue, Stat, Subject, SubjectError, SubjectResult, Target, Value, stat,
};
use memspec::tag::TagClass;

use crate::child::LineChild;
use crate::hex;
use crate::locate::Missing;

/// Objects a case may allocate (the hosts' handle table, `HELD` in `c32/host.c`).
pub const MAX_OBJECTS: u32 = 64;

/// How long one request may take before the host is declared hung.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The driver's exports (`vmExport` ids in `driver.js`).
mod export {
    pub const IDENTITY: u32 = 1;
    pub const VALUE: u32 = 2;
    pub const OBJECT: u32 = 3;
    pub const ARRAY: u32 = 4;
    pub const SET: u32 = 5;
    pub const GET: u32 = 6;
    pub const INTERN: u32 = 7;
    pub const INTERN_LENGTH: u32 = 9;
    pub const INTERN_PROTO: u32 = 10;
    pub const LENGTH: u32 = 11;
    pub const PROTO: u32 = 12;
    /// `20 + n` makes a closure of n slots.
    pub const CLOSURE_BASE: u32 = 20;
}

/// Slots of the smallest and largest closure the driver makes.
pub const CLOSURE_SLOTS: (i128, i128) = (2, 8);

/// How both hosts begin the answer to `heap` when a snapshot would pass 64 KiB.
const TOO_LARGE_TO_READ: &str = "heap too large to snapshot";

/// `undefined`: `VM_VALUE_UNDEFINED` (`native-vm/microvium_internals.h`).
const UNDEFINED: u16 = 0x0001;

/// Largest property key or array index: Int14's maximum (`VM_MAX_INT14`).
const MAX_KEY: u32 = 0x1FFF;

/// The object kinds the subject makes, in the reference model's vocabulary.
pub const KINDS: &[&str] = &[
    "int",
    "float",
    "string",
    "object",
    "array",
    "closure",
    "uint8array",
    "raw",
];

/// How a host build is configured, in the terms of memspec's `start` options (the model's
/// `port=`, `max-heap=`, `bucket=`, `safe-mode=`, `debug=`, `gas-counter=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Build {
    /// `host32` or `host64`: the host's pointer width.
    pub port: &'static str,
    /// `MVM_MAX_HEAP_SIZE` in bytes.
    pub max_heap: u64,
    /// `MVM_ALLOCATION_BUCKET_SIZE` in bytes.
    pub bucket_bytes: u64,
    /// `MVM_SAFE_MODE`.
    pub safe_mode: bool,
    /// `MVM_INCLUDE_DEBUG_CAPABILITY`.
    pub debug: bool,
    /// `MVM_GAS_COUNTER`.
    pub gas_counter: bool,
    /// Whether the host can start a case's memory at a chosen address modulo 64 KiB (`host-base=`).
    pub places_memory: bool,
    /// Where the configuration is read from, for messages.
    pub source: &'static str,
    /// What the engine is, in a few words: `npm native addon`.
    pub label: &'static str,
}

/// How to start a host process.
pub trait Launcher: std::fmt::Debug {
    /// The subject's name.
    fn subject(&self) -> &'static str;
    /// The build of the engine the host runs.
    fn build(&self) -> &'static Build;
    /// The command that starts the host, after checking (and building) what it needs.
    fn command(&mut self) -> Result<Command, Missing>;
}

/// The 16-bit value classes of `native-vm/microvium_internals.h` (restated from the engine's
/// source, not taken from the `memspec` tables): ShortPtr `…0`, Int14 `…11`, well-known `…01` below
/// `0x26`, bytecode-mapped pointer `…01` from `0x26`.
pub fn class_of(raw: u16) -> TagClass {
    if raw & 1 == 0 {
        TagClass::Pointer
    } else if raw & 3 == 3 {
        TagClass::SmallInt
    } else if raw < 0x26 {
        TagClass::WellKnown
    } else {
        TagClass::BytecodePointer
    }
}

/// Bytes an allocation of a `size`-byte body takes, its 2-byte header included: `(size + 3) & ~1`
/// (`native-vm/microvium.c`, `mvm_allocate`).
const fn footprint(size: usize) -> usize {
    (size + 3) & !1
}

/// What kind of thing an object of the case is, as far as storing into it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A PROPERTY_LIST: slots are property keys.
    Object,
    /// An ARRAY: slots are indexes.
    Array,
    /// A closure's scope.
    Closure,
    /// A number, string or Uint8Array: no slots.
    Leaf,
}

/// An object of the current case.
#[derive(Clone, Copy, Debug)]
struct Obj {
    shape: Shape,
    /// Whether the host holds it (false once a collection found it unreachable).
    held: bool,
    /// Whether it is on the heap (its word is a pointer).
    heap: bool,
}

/// The case's start options, checked against the build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Settings {
    squeeze: bool,
    /// Where the case's host memory starts, modulo 64 KiB.
    offset: u64,
}

/// A Microvium host as a [`Subject`].
#[derive(Debug)]
pub struct Microvium<L: Launcher> {
    launcher: L,
    child: Option<LineChild>,
    objects: Vec<Obj>,
    /// Roots in the order they became roots.
    roots: Vec<u32>,
    /// `(from, slot, target)` for every slot the case stored an object in; `None`: emptied.
    links: Vec<(u32, u32, Option<u32>)>,
    settings: Settings,
    /// The engine's version as its host reported it.
    version: Option<String>,
}

fn bad(subject: &str, what: std::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, format_args!("{subject}: {what}"))
}

fn unsupported(subject: &str, what: std::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::Unsupported, format_args!("{subject}: {what}"))
}

/// The Microvium error code an engine failure names (`Microvium error code 3` from the addon,
/// `microvium fatal error 3` from the C host's fatal-error hook, `failed with error 43` from a call).
fn error_code(text: &str) -> Option<u32> {
    ["error code ", "fatal error ", "failed with error "]
        .iter()
        .find_map(|m| {
            let at = text.find(m)? + m.len();
            let digits: String = text[at..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
}

/// The error kind a case can expect for a Microvium error code (`mvm_TeError`, `microvium.h`).
fn kind_of_code(code: u32) -> ErrorKind {
    match code {
        3 => ErrorKind::TooLarge,     // MVM_E_ALLOCATION_TOO_LARGE
        33 => ErrorKind::OutOfMemory, // MVM_E_OUT_OF_MEMORY
        _ => ErrorKind::Engine,
    }
}

/// A number as the hosts read it back exactly.
fn number_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else if f == 0.0 && f.is_sign_negative() {
        "-0".into()
    } else {
        format!("{f:?}")
    }
}

impl<L: Launcher> Microvium<L> {
    /// A subject whose host starts on the first case.
    pub fn new(launcher: L) -> Self {
        Self {
            launcher,
            child: None,
            objects: Vec::new(),
            roots: Vec::new(),
            links: Vec::new(),
            settings: Settings {
                squeeze: true,
                offset: 0,
            },
            version: None,
        }
    }

    /// The launcher.
    pub fn launcher(&self) -> &L {
        &self.launcher
    }

    /// The host's process id, when it runs (for tests that stop it).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(LineChild::id)
    }

    fn name_(&self) -> &'static str {
        self.launcher.subject()
    }

    /// Sends one request; a dead or hung host is dropped so the next case starts a new one. An
    /// engine error is reported with the error kind of its code.
    pub fn request(&mut self, line: &str) -> SubjectResult<Vec<String>> {
        let name = self.name_();
        let Some(child) = self.child.as_mut() else {
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{name}: no case has started, or the host stopped earlier in this case"),
            ));
        };
        let answer = match child.request(line, CALL_TIMEOUT) {
            Ok(a) => a,
            Err(e) => {
                self.child = None;
                let detail = e.detail.as_str();
                return Err(match error_code(detail) {
                    Some(code) if e.kind == ErrorKind::Crashed => SubjectError::new(
                        kind_of_code(code),
                        format_args!(
                            "{name}: `{line}`: the engine stopped with Microvium error {code} (fatal in this build); the host restarts with the next case. {detail}"
                        ),
                    ),
                    _ => e,
                });
            }
        };
        let mut words = answer.split_whitespace().map(str::to_owned);
        match words.next().as_deref() {
            Some("ok") => Ok(words.collect()),
            Some("err") => {
                let text = words.collect::<Vec<_>>().join(" ");
                Err(SubjectError::new(
                    error_code(&text).map_or(ErrorKind::Engine, kind_of_code),
                    format_args!("{name}: `{line}` failed: {text}"),
                ))
            }
            _ => Err(SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{name}: `{line}` was answered {answer:?}"),
            )),
        }
    }

    fn raw(&self, line: &str, words: &[String]) -> SubjectResult<u16> {
        words
            .first()
            .and_then(|w| u16::from_str_radix(w, 16).ok())
            .ok_or_else(|| {
                SubjectError::new(
                    ErrorKind::Protocol,
                    format_args!("{}: `{line}` gave no raw value: {words:?}", self.name_()),
                )
            })
    }

    /// `val HOLD ARG`: the raw value of ARG (a number, `undefined`, `@H`, `s:HEX`, `u:LEN`), held as
    /// `hold` when given.
    fn val(&mut self, hold: Option<u32>, arg: &str) -> SubjectResult<u16> {
        let line = format!("val {} {arg}", hold.map_or("-".to_owned(), |h| h.to_string()));
        let words = self.request(&line)?;
        self.raw(&line, &words)
    }

    /// Calls export `id` with arguments in the host's syntax; the result is held as `hold` when given.
    pub fn call(&mut self, hold: Option<u32>, id: u32, args: &[String]) -> SubjectResult<u16> {
        let mut line = format!("call {} {id}", hold.map_or("-".to_owned(), |h| h.to_string()));
        for a in args {
            line.push(' ');
            line.push_str(a);
        }
        let words = self.request(&line)?;
        self.raw(&line, &words)
    }

    /// The memory statistics (`mvm_getMemoryStats`), by field name.
    pub fn memory_stats(&mut self) -> SubjectResult<Vec<(String, u64)>> {
        let words = self.request("stats")?;
        words
            .iter()
            .map(|w| {
                // The addon hands size_t figures to JavaScript as doubles: a wrapped capacity (a
                // known bug) comes as a double near 2^64, rounded.
                let parsed = w.split_once('=').and_then(|(k, v)| {
                    let exact = v.parse::<u64>().ok();
                    let rounded = || {
                        v.parse::<f64>()
                            .ok()
                            .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                            .map(|f| f.min(u64::MAX as f64) as u64)
                    };
                    Some((k.to_owned(), exact.or_else(rounded)?))
                });
                parsed.ok_or_else(|| {
                    SubjectError::new(
                        ErrorKind::Protocol,
                        format_args!("{}: bad statistic {w:?}", self.name_()),
                    )
                })
            })
            .collect()
    }

    fn stat_named(&mut self, name: &str) -> SubjectResult<u64> {
        let stats = self.memory_stats()?;
        stats
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                SubjectError::new(
                    ErrorKind::Protocol,
                    format_args!("{}: the statistics have no {name}", self.name_()),
                )
            })
    }

    /// The virtual heap's bytes, from the HEAP section of a snapshot.
    pub fn heap_bytes(&mut self) -> SubjectResult<Vec<u8>> {
        let words = self.request("heap")?;
        let text = words.first().map_or("", String::as_str);
        if text == "-" {
            return Ok(Vec::new());
        }
        let digits = text.as_bytes();
        if digits.len() % 2 != 0 {
            return Err(SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{}: the heap came as an odd number of hex digits", self.name_()),
            ));
        }
        digits
            .chunks(2)
            .map(|d| {
                std::str::from_utf8(d)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
                    .ok_or_else(|| {
                        SubjectError::new(
                            ErrorKind::Protocol,
                            format_args!("{}: the heap has a bad hex digit pair {d:?}", self.name_()),
                        )
                    })
            })
            .collect()
    }

    /// The allocations of the heap: walking from the first header by footprints. `None` when the
    /// heap is too large to read (a snapshot, image and heap together, is at most 64 KiB).
    fn allocation_count(&mut self) -> SubjectResult<Option<u64>> {
        let heap = match self.heap_bytes() {
            Ok(h) => h,
            Err(e) if e.detail.as_str().contains(TOO_LARGE_TO_READ) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut at = 0usize;
        let mut count = 0u64;
        while at < heap.len() {
            let header = heap
                .get(at..at + 2)
                .map(|h| u16::from_le_bytes([h[0], h[1]]))
                .ok_or_else(|| {
                    SubjectError::new(
                        ErrorKind::Engine,
                        format_args!(
                            "{}: the heap of {} bytes ends inside an allocation header at {at}",
                            self.name_(),
                            heap.len()
                        ),
                    )
                })?;
            at += footprint(usize::from(header & 0x0FFF));
            count += 1;
        }
        Ok(Some(count))
    }

    fn obj(&self, id: ObjId) -> SubjectResult<Obj> {
        let o = self.objects.get(id.0 as usize).copied().ok_or_else(|| {
            SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("{}: no object #{} in this case", self.name_(), id.0),
            )
        })?;
        if !o.held {
            return Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("{}: object #{} was collected", self.name_(), id.0),
            ));
        }
        Ok(o)
    }

    /// Runs the repro of a known engine bug (`intern-length`, `intern-proto`) in the current case.
    pub fn repro(&mut self, bug: &str) -> SubjectResult<u16> {
        let id = match bug {
            "intern-length" => export::INTERN_LENGTH,
            "intern-proto" => export::INTERN_PROTO,
            _ => {
                return Err(bad(self.name_(), format_args!("no repro named {bug}")));
            }
        };
        self.call(None, id, &[])
    }

    /// Checks a case's start options against the build: a port or build option the engine was not
    /// built with is `unsupported` (the harness skips the case), a malformed one `bad-argument`.
    fn settings(&self, config: &HeapConfig<'_>) -> SubjectResult<Settings> {
        let name = self.name_();
        let build = self.launcher.build();
        if let Some(port) = config.port
            && port != build.port
        {
            return Err(unsupported(
                name,
                format_args!(
                    "the case asks for port={port}; this engine is a {} build ({})",
                    build.port, build.source
                ),
            ));
        }
        let mut s = Settings {
            squeeze: true,
            offset: 0,
        };
        for p in config.options {
            let int = match p.value {
                ParamValue::Int(v) => Some(v),
                _ => None,
            };
            let fixed = |want: u64| -> SubjectResult<()> {
                if int == Some(i128::from(want)) {
                    Ok(())
                } else {
                    Err(unsupported(
                        name,
                        format_args!(
                            "the case asks for {}={:?}; this engine is built with {want} ({})",
                            p.name, p.value, build.source
                        ),
                    ))
                }
            };
            match p.name {
                "max-heap" => fixed(build.max_heap)?,
                "bucket" => fixed(build.bucket_bytes)?,
                "safe-mode" => fixed(u64::from(build.safe_mode))?,
                "debug" => fixed(u64::from(build.debug))?,
                "gas-counter" => fixed(u64::from(build.gas_counter))?,
                // What the case expects of the engine, not how the engine is made: whether 8.0.0's
                // bugs show and which statistics figures it expects; the engine is as it is.
                "engine-bugs" | "stats" => {}
                "squeeze" => match int {
                    Some(0) => s.squeeze = false,
                    Some(1) => s.squeeze = true,
                    _ => return Err(bad(name, format_args!("squeeze must be 0 or 1"))),
                },
                "host-base" => match int {
                    Some(b) if build.places_memory && b >= 0 => s.offset = (b % 0x1_0000) as u64,
                    Some(_) if build.places_memory => {
                        return Err(bad(name, format_args!("host-base must not be negative")));
                    }
                    _ => {
                        return Err(unsupported(
                            name,
                            format_args!(
                                "this host cannot place the engine's memory (host-base): its buckets are where the C library's malloc puts them"
                            ),
                        ));
                    }
                },
                other => {
                    return Err(bad(name, format_args!("microvium has no heap option {other:?}")));
                }
            }
        }
        Ok(s)
    }

    /// Builds the object `spec` and holds it as `id`; returns its raw word.
    fn build_object(&mut self, id: u32, spec: &ObjectSpec<'_>) -> SubjectResult<(u16, Shape)> {
        let name = self.name_();
        let allowed: &[&str] = match spec.kind {
            "int" | "float" => &["value"],
            "string" => &["text", "interned"],
            "object" => &["props"],
            "array" => &["len", "capacity", "set-length"],
            "closure" => &["slots"],
            "uint8array" => &["len"],
            "raw" => &["bytes", "type"],
            other => {
                return Err(SubjectError::new(
                    ErrorKind::UnknownKind,
                    format_args!("{name}: microvium has no kind {other:?}: {}", KINDS.join(", ")),
                ));
            }
        };
        if let Some(p) = spec.params.iter().find(|p| !allowed.contains(&p.name)) {
            return Err(bad(
                name,
                format_args!(
                    "microvium kind {} has no argument {} (it takes: {allowed:?})",
                    spec.kind, p.name
                ),
            ));
        }
        let int = |arg: &str, lo: i128, hi: i128, default: Option<i128>| -> SubjectResult<i128> {
            match (spec.param(arg), default) {
                (None, Some(d)) => Ok(d),
                (None, None) => Err(bad(
                    name,
                    format_args!("microvium kind {} needs the argument {arg}", spec.kind),
                )),
                (Some(ParamValue::Int(v)), _) if (lo..=hi).contains(&v) => Ok(v),
                (Some(v), _) => Err(bad(
                    name,
                    format_args!(
                        "{} argument {arg} must be an integer in {lo} ..= {hi}, got {v:?}",
                        spec.kind
                    ),
                )),
            }
        };
        let hold = Some(id);
        Ok(match spec.kind {
            "int" => {
                let v = int("value", i128::from(i64::MIN), i128::from(i64::MAX), None)?;
                (self.val(hold, &v.to_string())?, Shape::Leaf)
            }
            "float" => {
                let v = spec
                    .float("value")
                    .ok_or_else(|| bad(name, format_args!("float needs a number argument value")))?;
                (self.val(hold, &number_text(v))?, Shape::Leaf)
            }
            "string" => {
                let text = spec
                    .text("text")
                    .ok_or_else(|| bad(name, format_args!("string needs the text argument text")))?;
                if std::str::from_utf8(text).is_err() {
                    return Err(bad(
                        name,
                        format_args!("the engine's hosts make strings of UTF-8 text only"),
                    ));
                }
                let interned = int("interned", 0, 1, Some(0))? == 1;
                let keyed = if interned {
                    let first = self
                        .objects
                        .iter()
                        .position(|o| o.held && o.shape == Shape::Object)
                        .ok_or_else(|| {
                            unsupported(
                                name,
                                format_args!(
                                    "the engine interns a string only as a property key of an object: allocate an `object` earlier in the case"
                                ),
                            )
                        })?;
                    Some(first)
                } else {
                    None
                };
                let raw = self.val(hold, &format!("s:{}", hex(text)))?;
                if let Some(o) = keyed {
                    self.call(None, export::INTERN, &[format!("@{o}"), format!("@{id}")])?;
                }
                (raw, Shape::Leaf)
            }
            "object" => {
                let n = int("props", 0, i128::from(MAX_KEY) + 1, Some(0))?;
                (self.call(hold, export::OBJECT, &[n.to_string()])?, Shape::Object)
            }
            "array" => {
                let max = 0xFFF / 2;
                let len = int("len", 0, max, Some(0))?;
                let capacity = int("capacity", 0, max, Some(len))?;
                if capacity < len {
                    return Err(bad(
                        name,
                        format_args!("array capacity {capacity} is below its length {len}"),
                    ));
                }
                let set = int("set-length", 0, i128::from(MAX_KEY), Some(-1))?;
                let args = [len.to_string(), capacity.to_string(), set.to_string()];
                (self.call(hold, export::ARRAY, &args)?, Shape::Array)
            }
            "closure" => {
                let slots = int("slots", 1, 0xFFF / 2, None)?;
                if !(CLOSURE_SLOTS.0..=CLOSURE_SLOTS.1).contains(&slots) {
                    return Err(unsupported(
                        name,
                        format_args!(
                            "the driver makes closures of {} to {} slots (a script closure holds its function and at least one variable), not {slots}",
                            CLOSURE_SLOTS.0, CLOSURE_SLOTS.1
                        ),
                    ));
                }
                let export = export::CLOSURE_BASE + slots as u32;
                (self.call(hold, export, &[])?, Shape::Closure)
            }
            "uint8array" => {
                let len = int("len", 0, 0xFFFF, None)?;
                (self.val(hold, &format!("u:{len}"))?, Shape::Leaf)
            }
            _ => {
                let bytes = int("bytes", 0, 0xFFFF, None)?;
                // TC_REF_UINT8_ARRAY (`native-vm/microvium_internals.h`).
                let type_code = int("type", 0, 0xF, Some(7))?;
                if type_code != 7 {
                    return Err(unsupported(
                        name,
                        format_args!(
                            "a host makes raw allocations only as Uint8Arrays (type 7), not type {type_code}"
                        ),
                    ));
                }
                (self.val(hold, &format!("u:{bytes}"))?, Shape::Leaf)
            }
        })
    }
}

impl<L: Launcher + Send> crate::subjects::EngineSubject for Microvium<L> {
    fn engine(&self) -> Option<String> {
        let build = self.launcher.build();
        self.version
            .as_ref()
            .map(|v| format!("Microvium {v} ({}, {})", build.label, build.port))
    }
}

impl<L: Launcher> Subject for Microvium<L> {
    fn name(&self) -> &str {
        self.launcher.subject()
    }

    fn supports(&self, profile: ProfileId) -> bool {
        profile == ProfileId::Microvium
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if !self.supports(profile) {
            return Capabilities::NONE;
        }
        Capabilities::of(&[
            Capability::Encode,
            Capability::Alloc,
            Capability::Link,
            Capability::Root,
            Capability::Collect,
            Capability::Stats,
            Capability::Inspect,
            Capability::RawAlloc,
        ])
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        let name = self.name_();
        if profile != ProfileId::Microvium {
            return Err(SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!(
                    "{name}: serves only the microvium profile, not {}",
                    profile.name()
                ),
            ));
        }
        self.settings = self.settings(config)?;
        if let Some(c) = self.child.as_mut()
            && !c.alive()
        {
            self.child = None;
        }
        if self.child.is_none() {
            let cmd = self.launcher.command().map_err(|m| m.to_error())?;
            self.child = Some(LineChild::spawn(name, cmd)?);
            let words = self.request("version")?;
            let version = words.first().map_or("?", String::as_str);
            // The node host reports the package version (8.0.0); the C host the engine's own
            // MVM_ENGINE_MAJOR_VERSION.MVM_ENGINE_MINOR_VERSION (8.0).
            let pinned = crate::locate::MICROVIUM_PACKAGE.1;
            if version != pinned && !pinned.starts_with(&format!("{version}.")) {
                self.child = None;
                return Err(SubjectError::new(
                    ErrorKind::Engine,
                    format_args!(
                        "{name}: the engine is Microvium {version}, the subject is pinned to {pinned}; reinstall it (cargo xtask install)"
                    ),
                ));
            }
            self.version = Some(version.to_owned());
        }
        self.request(&format!("restore {}", self.settings.offset))?;
        self.objects.clear();
        self.roots.clear();
        self.links.clear();
        Ok(())
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let name = self.name_();
        let raw = match value {
            Value::Int(i) => self.val(None, &i.to_string())?,
            Value::Float(f) => self.val(None, &number_text(*f))?,
            Value::Named("undefined") => self.call(None, export::VALUE, &["1".into()])?,
            Value::Named("null") => self.call(None, export::VALUE, &["2".into()])?,
            Value::Bool(true) | Value::Named("true") => self.call(None, export::VALUE, &["3".into()])?,
            Value::Bool(false) | Value::Named("false") => self.call(None, export::VALUE, &["4".into()])?,
            Value::Named("-0") => self.call(None, export::VALUE, &["6".into()])?,
            Value::Named("NaN") => self.call(None, export::VALUE, &["7".into()])?,
            Value::Named("length") | Value::Str(b"length") => self.call(None, export::LENGTH, &[])?,
            Value::Named("__proto__") | Value::Str(b"__proto__") => self.call(None, export::PROTO, &[])?,
            Value::Str(s) if std::str::from_utf8(s).is_ok() => self.val(None, &format!("s:{}", hex(s)))?,
            Value::Bytes(b) => self.val(None, &format!("u:{}", b.len()))?,
            other => {
                return Err(bad(name, format_args!("no script or host call makes {other:?}")));
            }
        };
        let class = class_of(raw);
        if class == TagClass::Pointer {
            return Err(SubjectError::new(
                ErrorKind::NotImmediate,
                format_args!(
                    "{name}: the engine stored {value:?} on the heap (value {raw:#06x}, a heap pointer)"
                ),
            ));
        }
        Ok(Encoded {
            word: u64::from(raw),
            class,
        })
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let name = self.name_();
        let id = u32::try_from(self.objects.len()).unwrap_or(u32::MAX);
        if id >= MAX_OBJECTS {
            return Err(bad(name, format_args!("a case may hold {MAX_OBJECTS} objects")));
        }
        let before = self.stat_named("virtualHeapUsed")?;
        let (raw, shape) = self.build_object(id, spec)?;
        self.objects.push(Obj {
            shape,
            held: true,
            heap: class_of(raw) == TagClass::Pointer,
        });
        let after = self.stat_named("virtualHeapUsed")?;
        let bytes = after.checked_sub(before).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!("{name}: the heap shrank from {before} to {after} bytes while allocating"),
            )
        })?;
        Ok(Allocation {
            id: ObjId(id),
            word: u64::from(raw),
            bytes,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        let name = self.name_();
        let f = self.obj(from)?;
        match f.shape {
            Shape::Object | Shape::Array => {}
            Shape::Closure => {
                return Err(unsupported(
                    name,
                    format_args!("script code cannot store into a closure's slots"),
                ));
            }
            Shape::Leaf => {
                return Err(bad(
                    name,
                    format_args!("object #{} is a number, string or Uint8Array: no slots", from.0),
                ));
            }
        }
        if slot > MAX_KEY {
            return Err(bad(name, format_args!("slot {slot} is past Int14's {MAX_KEY}")));
        }
        let (value, to) = match target {
            Target::Object(t) => {
                self.obj(t)?;
                (format!("@{}", t.0), Some(t.0))
            }
            Target::Empty => ("undefined".to_owned(), None),
            Target::Interior(..) | Target::Word(_) => {
                return Err(unsupported(
                    name,
                    format_args!("script code stores only whole values, not {target:?}"),
                ));
            }
        };
        self.call(
            None,
            export::SET,
            &[format!("@{}", from.0), slot.to_string(), value],
        )?;
        self.links.retain(|&(lf, ls, _)| (lf, ls) != (from.0, slot));
        self.links.push((from.0, slot, to));
        Ok(())
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.obj(obj)?;
        if self.roots.contains(&obj.0) {
            return Ok(());
        }
        // A fresh handle goes to the head of the handle list.
        self.call(Some(obj.0), export::IDENTITY, &[format!("@{}", obj.0)])?;
        self.roots.push(obj.0);
        Ok(())
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.obj(obj)?;
        if !self.roots.contains(&obj.0) {
            return Err(bad(
                self.name_(),
                format_args!("object #{} is not a root (MVM_E_INVALID_HANDLE)", obj.0),
            ));
        }
        self.roots.retain(|&r| r != obj.0);
        Ok(())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        let name = self.name_();
        let before = self.stat_named("virtualHeapUsed")?;
        let counted = |c: Option<u64>| {
            c.ok_or_else(|| {
                unsupported(
                    name,
                    format_args!(
                        "the heap is too large to read through a snapshot (64 KiB with the image), so the allocations a collection frees cannot be counted"
                    ),
                )
            })
        };
        let allocations_before = counted(self.allocation_count()?)?;
        for id in 0..self.objects.len() as u32 {
            let o = self.objects[id as usize];
            if o.held && o.heap && !self.roots.contains(&id) {
                self.request(&format!("drop {id}"))?;
                self.objects[id as usize].held = false;
            }
        }
        self.request(if self.settings.squeeze { "gc 1" } else { "gc 0" })?;
        let after = self.stat_named("virtualHeapUsed")?;
        let allocations_after = counted(self.allocation_count()?)?;
        // Take back what is still reachable from the roots along the case's links.
        loop {
            let mut more = false;
            for (f, s, t) in self.links.clone() {
                let Some(t) = t else { continue };
                let (Some(from), Some(to)) = (self.objects.get(f as usize), self.objects.get(t as usize))
                else {
                    continue;
                };
                if !from.held || to.held {
                    continue;
                }
                let got = self.call(Some(t), export::GET, &[format!("@{f}"), s.to_string()])?;
                if got == UNDEFINED {
                    self.request(&format!("drop {t}"))?;
                    continue;
                }
                self.objects[t as usize].held = true;
                more = true;
            }
            if !more {
                break;
            }
        }
        let freed = before.checked_sub(after).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!("{name}: the heap grew from {before} to {after} bytes in a collection"),
            )
        })?;
        Ok(Collection {
            freed_allocations: allocations_before.saturating_sub(allocations_after),
            freed_bytes: freed,
            returned: None,
            finalisers_run: 0,
        })
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let stats = self.memory_stats()?;
        let allocations = self.allocation_count()?;
        let Some(used) = stats
            .iter()
            .find(|(k, _)| k == "virtualHeapUsed")
            .map(|(_, v)| *v)
        else {
            return Err(SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{}: the statistics lack virtualHeapUsed: {stats:?}", self.name_()),
            ));
        };
        let max = self.launcher.build().max_heap;
        let bytes = |name, value| Stat {
            name,
            unit: Unit::Bytes,
            value,
        };
        sink(bytes(stat::USED, used));
        sink(bytes(stat::FREE, max.saturating_sub(used)));
        sink(bytes(stat::TOTAL, max));
        if let Some(value) = allocations {
            sink(Stat {
                name: stat::ALLOCATIONS,
                unit: Unit::Count,
                value,
            });
        }
        for (k, v) in &stats {
            let unit = if k == "fragmentCount" {
                Unit::Count
            } else {
                Unit::Bytes
            };
            sink(Stat {
                name: k,
                unit,
                value: *v,
            });
        }
        Ok(())
    }

    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        let name = self.name_();
        self.obj(obj)?;
        let raw = self.val(None, &format!("@{}", obj.0))?;
        if class_of(raw) != TagClass::Pointer {
            return Err(SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!(
                    "{name}: object #{} is the value {raw:#06x}, not a heap pointer",
                    obj.0
                ),
            ));
        }
        let heap = self.heap_bytes()?;
        let word_at = |at: usize| heap.get(at..at + 2).map(|w| u16::from_le_bytes([w[0], w[1]]));
        let body = usize::from(raw);
        let header = body.checked_sub(2).and_then(word_at).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{name}: pointer {raw:#06x} is outside the heap of {} bytes",
                    heap.len()
                ),
            )
        })?;
        let size = i64::from(header & 0x0FFF);
        let words = (size + 1) / 2;
        if index < -1 || i64::from(index) >= words {
            return Err(bad(
                name,
                format_args!(
                    "an allocation of {size} bytes (header {header:#06x}) has words -1 ..= {}, not {index}",
                    words - 1
                ),
            ));
        }
        let at = (body as i64 + 2 * i64::from(index)) as usize;
        word_at(at).map(u64::from).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!("{name}: word {index} of {raw:#06x} is past the heap's end"),
            )
        })
    }
}

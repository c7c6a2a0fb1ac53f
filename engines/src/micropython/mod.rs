//! MicroPython as a subject: one driver, three transports.
//!
//! The driver (`engines/micropython/driver.py`) is loaded into the engine once; every step then
//! becomes a few calls of its functions, each a separate top-level call into the engine:
//!
//! * raw words come from `id()` (the stored word as a signed `mp_int_t`, cut to the word width);
//! * heap use from `gc.mem_alloc()` read after a collection, before and after the step, by calls of
//!   the same shape (the code of a running call is itself live on the heap);
//! * liveness and allocation counts from the `micropython.mem_info(1)` block map;
//! * `collect` returns what `gc.collect()` returned (a count of HEAD blocks on the unix port, None on
//!   the WebAssembly port).
//!
//! Ports differ in when `gc.collect()` acts: the WebAssembly port defers it to the end of the
//! outermost call from JavaScript. Every reading is therefore taken in a call after the one that
//! asked for the collection, which is right for both kinds of port.
//!
//! Transports: [`wasm`] (the npm WebAssembly port in a node process), [`exec`] (any MicroPython
//! executable, driven through its REPL on a pseudo-terminal), [`serial`] (a board's raw REPL).

pub mod detect;
pub mod exec;
pub mod probe;
pub mod serial;
mod subject;
pub mod wasm;

use std::fmt::Write as _;

use memspec::ProfileId;
use memspec::fact::Unit;
use memspec::subject::{
    Allocation, Capabilities, Capability, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, ObjId,
    ObjectSpec, ParamValue, Stat, Subject, SubjectError, SubjectResult, Target, Value, stat,
};

use crate::hex;
use detect::Detected;
use memspec::tag::TagClass;
use probe::{MemInfo, Reply};

/// The driver's source.
pub const DRIVER: &str = include_str!("../../micropython/driver.py");

/// The driver's functions the subject calls.
pub const FUNCTIONS: &[&str] = &[
    "_m_hello", "_m_reset", "_m_co", "_m_rd", "_m_prep", "_m_new", "_m_word", "_m_link", "_m_root", "_m_fix",
    "_m_gc", "_m_peek", "_m_dec", "_m_view",
];

/// The most fresh names interned to make a qstr past the engine's last one
/// ([`qstr_making_source`]): the cases name qstrs up to about 1,500, and an engine has made 700 to
/// 1,100 when the driver has loaded.
pub const QSTR_MAKE_LIMIT: u64 = 4096;

/// A program that interns fresh names (`_q0`, `_q1`, ...) until the qstr whose word is `word`
/// exists, at most [`QSTR_MAKE_LIMIT`] of them, and prints `x=` the word of the last one. A new qstr
/// takes the next index (`py/qstr.c` `qstr_add`); `hasattr` interns the name it is given
/// (`py/modbuiltins.c` `mp_builtin_hasattr` through `py/objstr.c` `mp_obj_str_get_qstr`); `str()`
/// of bytes whose text is interned is that qstr (`py/objstr.c` `mp_obj_str_make_new`), whose
/// `id()` is its word; words grow with the index in every representation. A program of its own,
/// not a driver function, so that the driver's heap is the same whether or not a case makes one.
fn qstr_making_source(word: u64) -> String {
    format!(
        "for _k in range({QSTR_MAKE_LIMIT}):\n _s = '_q%d' % _k\n hasattr(_S, _s)\n _x = id(str(bytes(_s, 'utf-8'), 'utf-8'))\n if _x >= {word}:\n  break\nprint('@' 'R x=%d' % _x)\ndel _k, _s, _x"
    )
}

/// Readings taken at most until the smallest has been seen twice ([`MicroPython::reading_with_free`]).
pub const READINGS: usize = 6;

/// Objects a case may allocate (the driver's table size, `_N`).
pub const MAX_OBJECTS: u32 = 1024;

/// An argument of a driver call.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A string (the driver passes numbers as decimal strings, so no port truncates them).
    Str(String),
    /// A small integer.
    Int(i64),
}

impl Arg {
    /// The argument as a Python literal.
    pub fn python(&self) -> String {
        match self {
            Arg::Int(i) => i.to_string(),
            Arg::Str(s) => {
                let mut out = String::from("'");
                for c in s.chars() {
                    match c {
                        '\\' | '\'' => {
                            out.push('\\');
                            out.push(c);
                        }
                        ' '..='~' => out.push(c),
                        _ => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                    }
                }
                out.push('\'');
                out
            }
        }
    }
}

/// The call `name(args)` as Python source.
pub fn call_source(name: &str, args: &[Arg]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| match a {
            // The parser interns a string literal of up to MICROPY_ALLOC_PARSE_INTERN_STRING_LEN
            // (10) bytes as a qstr, in pools on the heap that are never freed (py/parse.c,
            // py/qstr.c): padded past that, an argument is a plain string, garbage after the call.
            // The driver strips what it is given.
            Arg::Str(s) if s.len() <= INTERN_STRING_BYTES => {
                Arg::Str(format!("{s:<width$}", width = INTERN_STRING_BYTES + 1)).python()
            }
            other => other.python(),
        })
        .collect();
    format!("{name}({})", args.join(","))
}

/// `MICROPY_ALLOC_PARSE_INTERN_STRING_LEN` (`py/mpconfig.h`): the longest string literal the parser
/// interns.
pub const INTERN_STRING_BYTES: usize = 10;

/// A way to reach a MicroPython engine.
pub trait Transport {
    /// The subject's name: `micropython-wasm`, `micropython-exec`, `micropython-serial`.
    fn subject(&self) -> &'static str;

    /// Makes sure an engine is running with a heap of about `heap_bytes` (`None`: the transport's
    /// own size). Returns `true` when the engine is fresh and the driver must be loaded.
    fn open(&mut self, heap_bytes: Option<u64>) -> SubjectResult<bool>;

    /// Runs `source` as one top-level call and returns what it printed.
    fn run(&mut self, source: &str) -> SubjectResult<String>;

    /// Calls the driver function `name` as one top-level call and returns what it printed.
    fn call(&mut self, name: &str, args: &[Arg]) -> SubjectResult<String>;

    /// Whether each call compiles its own source on the engine's heap (REPL transports). With
    /// deferred collection this makes block maps read after a collection inexact, so liveness is not
    /// offered then.
    fn compiles_calls(&self) -> bool;

    /// Whether `open` starts the engine with the heap size it is given, so the subject has
    /// [`Capability::SizedHeap`]. A board's heap has the size its firmware gives it.
    fn sized_heap(&self) -> bool {
        false
    }

    /// Loads the driver's `source` into the engine and returns what it printed; by default one
    /// [`run`](Self::run). A board with a small heap compiles it piece by piece.
    fn load_driver(&mut self, source: &str) -> SubjectResult<String> {
        self.run(source)
    }

    /// What the transport adds to the engine's description (for a board: the driver's footprint).
    fn about(&self) -> Option<String> {
        None
    }

    /// Restarts the engine with a heap large enough to hold the driver, for the rest of the run,
    /// when its heap cannot grow and is smaller than that. `false` when there is nothing larger to
    /// try: the driver's failure to load stands.
    fn enlarge_for_driver(&mut self) -> SubjectResult<bool> {
        Ok(false)
    }

    /// Stops the engine, so the next `open` starts afresh.
    fn close(&mut self);
}

/// When the engine's `gc.collect()` takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collects {
    /// During the call (unix, bare-metal ports).
    AtOnce,
    /// When the outermost call returns (the WebAssembly port).
    Deferred,
}

/// What the subject knows of an object of the current case.
#[derive(Clone, Copy, Debug)]
struct Held {
    /// The word that refers to it.
    word: u64,
    /// Whether it is on the heap (a pointer word).
    heap: bool,
    /// Live at the last collection (`true` before any).
    live: bool,
    /// For a `raw` allocation, the items of the tuple that is its Python spelling.
    raw_items: Option<u64>,
}

/// A MicroPython engine as a [`Subject`].
#[derive(Debug)]
pub struct MicroPython<T: Transport> {
    transport: T,
    detected: Option<Detected>,
    collects: Collects,
    objects: Vec<Held>,
    /// The profile this subject must be (the WebAssembly package is known to be `micropython-a32`).
    expect: Option<ProfileId>,
    /// The engine version this subject must be, if pinned.
    pin_version: Option<&'static str>,
}

impl<T: Transport + std::fmt::Debug> MicroPython<T> {
    /// A subject over `transport`. `expect` and `pin_version`, when given, are checked against what
    /// the engine reports at the first start.
    pub fn new(transport: T, expect: Option<ProfileId>, pin_version: Option<&'static str>) -> Self {
        Self {
            transport,
            detected: None,
            collects: Collects::AtOnce,
            objects: Vec::new(),
            expect,
            pin_version,
        }
    }

    /// Starts the engine (if it is not running) and reads its profile.
    pub fn detect(&mut self) -> SubjectResult<&Detected> {
        self.boot(None)?;
        self.detected
            .as_ref()
            .ok_or_else(|| self.err(ErrorKind::Engine, "no profile detected"))
    }

    /// What the engine reported about itself at the last start.
    pub fn detected(&self) -> Option<&Detected> {
        self.detected.as_ref()
    }

    /// When the engine's collections take effect (known after the first start).
    pub fn collects(&self) -> Collects {
        self.collects
    }

    /// The transport.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    fn name_(&self) -> &'static str {
        self.transport.subject()
    }

    fn err(&self, kind: ErrorKind, what: &str) -> SubjectError {
        SubjectError::new(kind, format_args!("{}: {what}", self.name_()))
    }

    fn boot(&mut self, heap: Option<u64>) -> SubjectResult<()> {
        if !self.transport.open(heap)? && self.detected.is_some() {
            return Ok(());
        }
        self.detected = None;
        let loaded = match self.transport.load_driver(DRIVER) {
            Ok(text) if !text.contains("MemoryError") => text,
            failed => {
                if self.transport.enlarge_for_driver()? {
                    self.transport.load_driver(DRIVER)?
                } else {
                    failed?
                }
            }
        };
        if !loaded.trim().is_empty() {
            let e = SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{}: loading the driver failed: {:?}",
                    self.name_(),
                    probe::tail(&loaded)
                ),
            );
            self.transport.close();
            return Err(e);
        }
        let hello = self.call("_m_hello", &[])?;
        let d = Detected::from_hello(self.name_(), &hello)?;
        if let Some(v) = self.pin_version
            && d.version != v
        {
            self.transport.close();
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{}: the engine reports MicroPython {}, the subject is pinned to {v}; reinstall the pinned package (cargo xtask install)",
                    self.name_(),
                    d.version
                ),
            ));
        }
        self.collects = self.probe_collects()?;
        if d.uctypes {
            // mp_obj_list_t: a type pointer, alloc and len (size_t), then the items pointer
            // (py/objlist.h).
            let p = pointer_bytes(&d);
            let w = u64::from(d.word_bits / 8);
            self.call(
                "_m_view",
                &[Arg::Int(3 * p as i64), Arg::Int(p as i64), Arg::Int(w as i64)],
            )?;
        }
        self.detected = Some(d);
        Ok(())
    }

    /// Finds out whether `gc.collect()` acts during the call: make garbage, collect in the call
    /// that reads before and after.
    fn probe_collects(&mut self) -> SubjectResult<Collects> {
        self.transport.run("_g=[[0] for _ in range(64)]\n_g=None")?;
        let text = self
            .transport
            .run("_a=gc.mem_alloc()\ngc.collect()\n_o('d=%d' % (_a-gc.mem_alloc()))")?;
        let d = Reply::parse(self.name_(), "collect probe", &text)?.int(self.name_(), "d")?;
        // 64 one-item lists and their item arrays are 64 x 32 bytes at least.
        Ok(if d >= 64 * 32 {
            Collects::AtOnce
        } else {
            Collects::Deferred
        })
    }

    fn call(&mut self, name: &str, args: &[Arg]) -> SubjectResult<Reply> {
        let text = self.transport.call(name, args).map_err(|mut e| {
            // A transport that reports the exception itself (the WebAssembly host).
            if e.kind == ErrorKind::Engine && e.detail.as_str().contains("MemoryError") {
                e.kind = ErrorKind::OutOfMemory;
            }
            e
        })?;
        match Reply::parse(self.name_(), name, &text) {
            Ok(r) => Ok(r),
            Err(_) if text.contains("MemoryError") => Err(SubjectError::new(
                ErrorKind::OutOfMemory,
                format_args!(
                    "{}: `{name}` raised: {:?}",
                    self.name_(),
                    probe::tail(text.trim())
                ),
            )),
            Err(_) if text.contains("Error") => Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{}: `{name}` raised: {:?}",
                    self.name_(),
                    probe::tail(text.trim())
                ),
            )),
            Err(e) => Err(e),
        }
    }

    fn det(&self) -> SubjectResult<&Detected> {
        self.detected
            .as_ref()
            .ok_or_else(|| self.err(ErrorKind::BadArgument, "no case has started: call start first"))
    }

    fn bpb(&self) -> SubjectResult<u64> {
        Ok(self.det()?.bytes_per_block)
    }

    /// Collect, then read `mem_alloc` (and the block map when `map`) in the next call.
    fn settled(&mut self, map: bool) -> SubjectResult<(i128, Option<MemInfo>)> {
        self.call("_m_co", &[Arg::Int(0)])?;
        self.reading(map)
    }

    /// As [`settled`](Self::settled), keeping what `_m_prep` made for the allocation being measured.
    fn settled_keeping_prep(&mut self) -> SubjectResult<i128> {
        self.call("_m_co", &[Arg::Int(2)])?;
        Ok(self.reading(false)?.0)
    }

    fn reading(&mut self, map: bool) -> SubjectResult<(i128, Option<MemInfo>)> {
        let (used, _, info) = self.reading_with_free(map)?;
        Ok((used, info))
    }

    /// `gc.mem_alloc()`, `gc.mem_free()` and (with `map`) the block map, read in one call; where
    /// collection acts at once, read until the smallest reading has been seen twice.
    ///
    /// A conservative collector only ever keeps too much: a stale word in an unwritten slot of
    /// the REPL's own C frames (32-bit builds: any word that looks like a heap address) keeps a
    /// block of garbage alive (`py/gc.c` `gc_collect_root`, scanning the C stack word by word),
    /// so the smallest reading is the heap as it is, and readings that never repeat their
    /// smallest value are noise, reported with every reading.
    fn reading_with_free(&mut self, map: bool) -> SubjectResult<(i128, i128, Option<MemInfo>)> {
        if self.collects != Collects::AtOnce {
            let r = self.call("_m_rd", &[Arg::Int(i64::from(map))])?;
            return self.parse_reading(&r, map);
        }
        let mut seen: Vec<i128> = Vec::new();
        let mut best: Option<(i128, i128, Option<MemInfo>)> = None;
        for i in 0..READINGS {
            if i > 0 {
                // A line of another shape between readings, so a stale word the line before left
                // is overwritten.
                self.transport.run("_z(8)")?;
            }
            // Collected at the top level of the line, where no stale frame of a call is scanned.
            let source = format!(
                "gc.collect();{}",
                call_source("_m_rd", &[Arg::Int(2 | i64::from(map))])
            );
            let text = self.transport.run(&source)?;
            let r = Reply::parse(self.name_(), "_m_rd", &text)?;
            let reading = self.parse_reading(&r, map)?;
            let used = reading.0;
            let twice = seen.contains(&used);
            seen.push(used);
            if best.as_ref().is_none_or(|b| used < b.0) {
                best = Some(reading);
            }
            if twice && seen.iter().all(|u| *u >= used) {
                return Ok(best.unwrap_or_default());
            }
        }
        Err(SubjectError::new(
            ErrorKind::Unsteady,
            format_args!(
                "{}: noisy readings: {READINGS} gc.mem_alloc() readings after a collection never gave their smallest value twice: {seen:?} bytes (stale words on the C stack keep garbage alive)",
                self.name_()
            ),
        ))
    }

    fn parse_reading(&self, r: &Reply, map: bool) -> SubjectResult<(i128, i128, Option<MemInfo>)> {
        let used = r.int(self.name_(), "used")?;
        let free = r.int(self.name_(), "free")?;
        let info = if map {
            Some(MemInfo::parse(self.name_(), &r.text, self.bpb()?)?)
        } else {
            None
        };
        Ok((used, free, info))
    }

    fn held(&self, id: ObjId) -> SubjectResult<Held> {
        self.objects.get(id.0 as usize).copied().ok_or_else(|| {
            SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("{}: no object #{} in this case", self.name_(), id.0),
            )
        })
    }

    /// Stores `target` in item `slot` of a `raw` tuple of `items` items, through uctypes: Python code
    /// cannot store into a tuple, nor a pointer into an object, nor any word.
    fn store_word(&mut self, from: ObjId, items: u64, slot: u32, target: Target) -> SubjectResult<()> {
        let d = self.det()?.clone();
        if !d.uctypes {
            return Err(self.err(
                ErrorKind::Unsupported,
                "storing into a `raw` allocation needs uctypes",
            ));
        }
        // A link to an object goes into item s, where the driver can follow it again: where in
        // the block chain a word sits does not change what the collector keeps alive. A word, or a
        // pointer into an object, goes into word s itself, as the model puts it (the tuple's type
        // pointer and length included: nothing reads them again but the collector, which takes
        // every word as it is).
        let bytes = u64::from(d.word_bits / 8);
        let header = 2 * pointer_bytes(&d);
        let (item, offset) = match target {
            Target::Object(_) => (u64::from(slot), header + u64::from(slot) * bytes),
            _ => (0, u64::from(slot) * bytes),
        };
        if offset + bytes > header + items * bytes {
            return Err(SubjectError::new(
                ErrorKind::Unsupported,
                format_args!(
                    "{}: the `raw` allocation #{} is spelled as a tuple of {items} items, which has no slot {slot} for {target:?}",
                    self.name_(),
                    from.0
                ),
            ));
        }
        let (to, word) = match target {
            Target::Object(t) => (i64::from(t.0), self.held(t)?.word),
            Target::Interior(t, offset) => (-1, self.held(t)?.word + u64::from(offset)),
            Target::Word(w) => (-1, w),
            Target::Empty => (-1, d.constants[0]),
        };
        self.call(
            "_m_link",
            &[
                Arg::Int(i64::from(from.0)),
                Arg::Int(item as i64),
                Arg::Int(to),
                Arg::Int(offset as i64),
                Arg::Str(word.to_string()),
                Arg::Int(bytes as i64),
            ],
        )?;
        Ok(())
    }

    /// The word of qstr `q`, found by the engine: the word the representation gives the index
    /// (`py/obj.h` `MP_OBJ_NEW_QSTR`) is read back as a str, and `id()` of that text interned must
    /// be the same word. Only qstrs the engine has made can be read; one past the last the driver
    /// knows of is made first by interning fresh names until it exists ([`qstr_making_source`]).
    fn encode_qstr(&mut self, q: u64) -> SubjectResult<Encoded> {
        let d = self.det()?.clone();
        let last = qstr_index(d.repr, d.last_qstr);
        let word = qstr_word(d.repr, q);
        if q > last {
            if q - last > QSTR_MAKE_LIMIT {
                return Err(SubjectError::new(
                    ErrorKind::Unsupported,
                    format_args!(
                        "{}: qstr {q} is {} past the last qstr the engine has made ({last}); the driver interns at most {QSTR_MAKE_LIMIT} fresh names to reach one",
                        self.name_(),
                        q - last
                    ),
                ));
            }
            let text = self.transport.run(&qstr_making_source(word))?;
            let made = Reply::parse(self.name_(), "making a qstr", &text)?.int(self.name_(), "x")?;
            if d.word(made) != word {
                return Err(SubjectError::new(
                    ErrorKind::Engine,
                    format_args!(
                        "{}: interning fresh names made the qstr of word {:#x}, not {word:#x} (another text took qstr {q})",
                        self.name_(),
                        d.word(made)
                    ),
                ));
            }
            if let Some(det) = self.detected.as_mut() {
                det.last_qstr = word;
            }
        }
        let r = self.read_back(&d, word)?;
        let (Some("str"), Some(text)) = (r.get("t"), r.get("v")) else {
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{}: the engine reads the word {word:#x} of qstr {q} as {:?}",
                    self.name_(),
                    r.text.trim()
                ),
            ));
        };
        let r = self.call("_m_word", &[Arg::Str("str".into()), Arg::Str(text.into())])?;
        let interned = d.word(r.int(self.name_(), "id")?);
        if interned != word {
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{}: qstr {q} reads as the text {text:?} (hex), whose interned word is {interned:#x}, not {word:#x}",
                    self.name_()
                ),
            ));
        }
        Ok(Encoded {
            word,
            class: TagClass::Qstr,
        })
    }

    /// The value the engine reads a non-pointer word as: the word stored into an item of a tuple
    /// and loaded (`_m_dec`), its type and value.
    fn read_back(&mut self, d: &Detected, word: u64) -> SubjectResult<Reply> {
        if d.repr == detect::Repr::D && word >> 48 == 3 {
            // REPR_D has no immediate objects (MICROPY_OBJ_IMMEDIATE_OBJS is 0): mp_obj_get_type
            // takes such a word for a pointer and follows it.
            return Err(SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!(
                    "{}: {word:#018x} has REPR_D's immediate tag, which the engine reads as a pointer (no immediate objects)",
                    self.name_()
                ),
            ));
        }
        let bytes = u64::from(d.word_bits / 8);
        let header = 2 * pointer_bytes(d);
        self.call(
            "_m_dec",
            &[
                Arg::Int(header as i64),
                Arg::Str(word.to_string()),
                Arg::Int(bytes as i64),
            ],
        )
    }

    fn liveness_exact(&self) -> bool {
        self.collects == Collects::AtOnce || !self.transport.compiles_calls()
    }
}

/// The bytes a step changed the heap by, from the readings before and after it: how much an
/// allocation grew it, or (`frees`) how much a collection freed. A change the other way is a reading
/// the step cannot cause, which only garbage that one reading kept and the other did not explains
/// (stale words on the C stack, `py/gc.c` `gc_collect_root`): unsteady, with both readings.
fn delta(subject: &str, what: &str, before: i128, after: i128, frees: bool) -> SubjectResult<u64> {
    let change = if frees { before - after } else { after - before };
    u64::try_from(change).map_err(|_| {
        SubjectError::new(
            ErrorKind::Unsteady,
            format_args!(
                "{subject}: noisy readings: gc.mem_alloc() read {before} bytes before {what} and {after} after, a change it cannot make (garbage kept alive by stale words in one reading and not the other)"
            ),
        )
    })
}

/// Bytes of a pointer and of `size_t`: 4 on 32-bit builds, REPR_D's included (its words are 8).
fn pointer_bytes(d: &Detected) -> u64 {
    if d.repr == detect::Repr::D {
        4
    } else {
        u64::from(d.word_bits / 8)
    }
}

/// The tuple length whose one allocation is the blocks of `raw bytes=N`: a tuple is one
/// `mp_obj_malloc_var` of `mp_obj_tuple_t` (a type pointer and a `size_t` length) and its items
/// (`py/objtuple.c` `mp_obj_new_tuple`, `py/objtuple.h`), so `ceil(N / BPB)` blocks hold
/// `(blocks * BPB - 2 * pointer) / word` items. `(None,) * k` makes it without a temporary
/// (`tuple_binary_op`, `MP_BINARY_OP_MULTIPLY`).
fn raw_tuple_items(subject: &str, d: &Detected, spec: &ObjectSpec<'_>) -> SubjectResult<u64> {
    let bytes = spec.int("bytes").unwrap_or(0);
    let bpb = d.bytes_per_block;
    let word = u64::from(d.word_bits / 8);
    let max = 1i128 << 32;
    if !(1..=max).contains(&bytes) || spec.params.iter().any(|p| p.name != "bytes") {
        return Err(SubjectError::new(
            ErrorKind::BadArgument,
            format_args!(
                "{subject}: `raw` is spelled as a tuple of at least one item, one gc_alloc of 1 to {max} bytes=N (and nothing else); Python code makes no allocation of {bytes} bytes"
            ),
        ));
    }
    let blocks = (bytes as u64).div_ceil(bpb);
    Ok((blocks * bpb - 2 * pointer_bytes(d)) / word)
}

/// The index a qstr word holds (`py/obj.h` `MP_OBJ_NEW_QSTR` of each representation).
fn qstr_index(repr: detect::Repr, word: u64) -> u64 {
    match repr {
        detect::Repr::A | detect::Repr::B => word >> 3,
        detect::Repr::C => word >> 4,
        detect::Repr::D => (word & 0xffff_ffff) >> 1,
    }
}

/// The word of qstr index `q` (`py/obj.h` `MP_OBJ_NEW_QSTR` of each representation; REPR_D shifts in
/// 32-bit arithmetic).
fn qstr_word(repr: detect::Repr, q: u64) -> u64 {
    match repr {
        detect::Repr::A => (q << 3) | 2,
        detect::Repr::B => (q << 3) | 3,
        detect::Repr::C => (q << 4) | 6,
        detect::Repr::D => 0x0002_0000_0000_0001 | ((q << 1) & 0xffff_ffff),
    }
}

/// The driver's description of an object of `spec` (`_m_prep` in `driver.py`): its arguments as
/// `name=value` words, numbers in decimal, `text` in hex, other words as they are.
fn make_spec(subject: &str, spec: &ObjectSpec<'_>) -> SubjectResult<String> {
    let allowed = KINDS
        .iter()
        .find(|(k, _)| *k == spec.kind)
        .map_or(&[][..], |(_, p)| *p);
    let mut words = Vec::new();
    for p in spec.params {
        if !allowed.contains(&p.name) {
            return Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("{subject}: {} takes {allowed:?}, not {}", spec.kind, p.name),
            ));
        }
        let value = match p.value {
            ParamValue::Int(v) => v.to_string(),
            ParamValue::Float(f) => float_text(f),
            ParamValue::Text(t) if p.name == "text" => hex(t),
            ParamValue::Text(t) if !t.is_empty() && t.iter().all(u8::is_ascii_alphanumeric) => {
                String::from_utf8_lossy(t).into_owned()
            }
            ParamValue::Text(t) => {
                return Err(SubjectError::new(
                    ErrorKind::BadArgument,
                    format_args!(
                        "{subject}: {}={:?} must be a plain word",
                        p.name,
                        String::from_utf8_lossy(t)
                    ),
                ));
            }
        };
        words.push(format!("{}={value}", p.name));
    }
    Ok(words.join(" "))
}

/// A float as Python reads it back exactly.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{f:?}")
    }
}

/// The kinds the driver makes (`_m_prep` in `driver.py`), in the reference model's vocabulary
/// (`impl/src/micropython/objects.rs`), with the arguments each takes. The model's `raw` (a bare
/// `gc_alloc`) is a tuple of the same blocks ([`raw_tuple_items`]).
pub const KINDS: &[(&str, &[&str])] = &[
    ("int", &["value", "from"]),
    ("float", &["value"]),
    ("str", &["text", "intern"]),
    ("bytes", &["text"]),
    ("bytearray", &["len"]),
    ("list", &["len", "append", "extend"]),
    ("tuple", &["len"]),
    ("dict", &["keys", "len", "literal"]),
    ("set", &["len", "literal"]),
    ("function", &["defaults", "kw_defaults"]),
    ("closure", &["captured"]),
    ("bound-method", &[]),
    ("instance", &[]),
];

impl<T: Transport + std::fmt::Debug + Send> crate::subjects::EngineSubject for MicroPython<T> {
    fn engine(&self) -> Option<String> {
        self.detected.as_ref().map(|d| {
            let about = self
                .transport
                .about()
                .map_or_else(String::new, |a| format!("; {a}"));
            format!(
                "MicroPython {} ({}, build {}{about})",
                d.version,
                d.profile.name(),
                d.build
            )
        })
    }

    fn detect_engine(&mut self) -> Result<(), String> {
        self.detect().map(|_| ()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(hello: &str) -> Detected {
        Detected::from_hello("t", &Reply::parse("t", "_m_hello", hello).unwrap()).unwrap()
    }

    const A32: &str = "@R longint=mpz maxsize=2147483647 version=1.29.0 name=micropython build=standard \
                       platform=linux uctypes=1 gc=1 qm=6066 none=6 false=14 true=30 one=3 mone=-1 \
                       half=4155916256 qs=3810";
    const D32: &str = "@R longint=mpz maxsize=2147483647 version=1.29.0 name=micropython build=nanbox \
                       platform=linux uctypes=1 gc=1 qm=562949953422811 none=1449431088 \
                       false=1449430476 true=1449430468 one=281474976710659 mone=562949953421311 \
                       half=-4619567317775286272 qs=562949953422261";

    fn items(d: &Detected, bytes: i128) -> u64 {
        let params = [memspec::subject::Param {
            name: "bytes",
            value: ParamValue::Int(bytes),
        }];
        raw_tuple_items(
            "t",
            d,
            &ObjectSpec {
                kind: "raw",
                params: &params,
            },
        )
        .unwrap()
    }

    /// `mp_obj_tuple_t` is a type pointer and a `size_t` before its items (py/objtuple.h): 8 bytes
    /// on i386, 16-byte blocks of 4-byte items; REPR_D's items are 8 bytes in 32-byte blocks.
    #[test]
    fn a_raw_allocation_is_the_tuple_that_fills_the_same_blocks() {
        let a32 = detected(A32);
        assert_eq!(items(&a32, 1), 2, "1 byte: one block, (16 - 8) / 4 items");
        assert_eq!(items(&a32, 17), 6, "17 bytes: two blocks, (32 - 8) / 4 items");
        let d32 = detected(D32);
        assert_eq!(items(&d32, 32), 3, "REPR_D: one block, (32 - 8) / 8 items");
    }

    #[test]
    fn a_reading_the_step_cannot_cause_is_unsteady_with_both_readings() {
        assert_eq!(delta("t", "an allocation", 100, 148, false).unwrap(), 48);
        assert_eq!(delta("t", "a collection", 148, 100, true).unwrap(), 48);
        for e in [
            delta("t", "an allocation", 54_960, 54_944, false).unwrap_err(),
            delta("t", "a collection", 54_944, 54_960, true).unwrap_err(),
        ] {
            assert_eq!(e.kind, ErrorKind::Unsteady, "{e}");
            assert!(
                e.detail.as_str().contains("54960") && e.detail.as_str().contains("54944"),
                "{e}"
            );
        }
    }

    #[test]
    fn qstr_words_and_indices_are_each_others_inverse() {
        for repr in [detect::Repr::A, detect::Repr::B, detect::Repr::C, detect::Repr::D] {
            assert_eq!(qstr_index(repr, qstr_word(repr, 300)), 300, "{repr:?}");
        }
        assert_eq!(qstr_word(detect::Repr::C, 300), 0x12c6, "REPR_C: (q << 4) | 6");
    }
}

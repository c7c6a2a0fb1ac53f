//! Subjects: implementations under test, and what they can be asked.
//!
//! A subject is the reference implementation in-process, a real engine driven through its own
//! interface, a third-party program speaking the process protocol, or the firmware under QEMU or on a
//! board. Each answers the same [`Subject`] calls; a case names the [`Capability`]s it needs, and a
//! subject that lacks one reports the case as skipped with that reason.
//!
//! The trait is `no_std` and allocation-free: results are small values, text goes to a
//! [`core::fmt::Write`], statistics to a callback.

use core::fmt;

use crate::fact::Unit;
use crate::profile::ProfileId;
use crate::tag::TagClass;
use crate::text::Text;

/// Something a subject can be asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// Store a value in a word ([`Subject::encode`]).
    Encode,
    /// Read a raw word back as a value and a tag class ([`Subject::decode`]).
    Decode,
    /// Allocate an object of a kind ([`Subject::alloc`]).
    Alloc,
    /// Store or clear a reference in an object's slot ([`Subject::link`]).
    Link,
    /// Make an object a root or stop it being one ([`Subject::root`], [`Subject::unroot`]).
    Root,
    /// Run a full collection ([`Subject::collect`]).
    Collect,
    /// Report heap statistics ([`Subject::stats`]).
    Stats,
    /// Print the heap map in the engine's format ([`Subject::heap_map`]).
    HeapMap,
    /// Say whether an object is still live ([`Subject::is_live`]).
    Liveness,
    /// Lock, unlock, disable and enable the collector ([`Subject::gc_control`]).
    GcControl,
    /// Read raw words of an object, its header included ([`Subject::read_word`]).
    Inspect,
    /// Allocate the kind `raw`: a bare run of `bytes=N` that is no object, as the heap's own
    /// allocation call makes it. A model has it; an engine driven by its own language does not.
    RawAlloc,
    /// Start a heap (or arena) of the size a case's `start arena=N` asks for. A model and an engine
    /// started afresh per case have it; a board, whose heap size its firmware fixes, does not.
    SizedHeap,
    /// Run further steps once a `fill` has left no block free. A model has it, and an engine whose
    /// calls take nothing from its heap; an engine that compiles each call on its heap (a REPL, a
    /// board's raw REPL) finds no block for the next step's compile, or makes new free runs with it.
    FullHeap,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 14] = [
        Capability::Encode,
        Capability::Decode,
        Capability::Alloc,
        Capability::Link,
        Capability::Root,
        Capability::Collect,
        Capability::Stats,
        Capability::HeapMap,
        Capability::Liveness,
        Capability::GcControl,
        Capability::Inspect,
        Capability::RawAlloc,
        Capability::SizedHeap,
        Capability::FullHeap,
    ];

    /// The capability's name in cases and the protocol: `encode`, `heap-map`, ...
    pub const fn name(self) -> &'static str {
        match self {
            Capability::Encode => "encode",
            Capability::Decode => "decode",
            Capability::Alloc => "alloc",
            Capability::Link => "link",
            Capability::Root => "root",
            Capability::Collect => "collect",
            Capability::Stats => "stats",
            Capability::HeapMap => "heap-map",
            Capability::Liveness => "liveness",
            Capability::GcControl => "gc-control",
            Capability::Inspect => "inspect",
            Capability::RawAlloc => "raw-alloc",
            Capability::SizedHeap => "sized-heap",
            Capability::FullHeap => "full-heap",
        }
    }

    /// The capability with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Capability> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A set of [`Capability`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(u32);

impl Capabilities {
    /// No capability.
    pub const NONE: Capabilities = Capabilities(0);

    /// Every capability.
    pub const fn all() -> Capabilities {
        Capabilities((1 << Capability::ALL.len()) - 1)
    }

    /// The set of the capabilities listed.
    pub const fn of(list: &[Capability]) -> Capabilities {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= 1 << list[i] as u32;
            i += 1;
        }
        Capabilities(bits)
    }

    /// Whether `c` is in the set.
    pub const fn has(self, c: Capability) -> bool {
        self.0 & (1 << c as u32) != 0
    }

    /// The set with `c` added.
    pub const fn with(self, c: Capability) -> Capabilities {
        Capabilities(self.0 | 1 << c as u32)
    }

    /// The set with `c` removed.
    pub const fn without(self, c: Capability) -> Capabilities {
        Capabilities(self.0 & !(1 << c as u32))
    }

    /// Whether every capability of `needed` is in the set.
    pub const fn covers(self, needed: Capabilities) -> bool {
        self.0 & needed.0 == needed.0
    }

    /// The capabilities in the set.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL.into_iter().filter(move |c| self.has(*c))
    }
}

/// A value to store in a word.
#[derive(Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// An interned-string index (MicroPython qstr number).
    Qstr(u64),
    /// A string of UTF-8 bytes (Skybison SmallStr when short enough).
    Str(&'a [u8]),
    /// A byte string (Skybison SmallBytes when short enough).
    Bytes(&'a [u8]),
    /// A boolean.
    Bool(bool),
    /// A named constant: `None`, `NotImplemented`, `Ellipsis`, `undefined`, `null`, `NaN`, `-0`,
    /// `deleted`, `Unbound`, ...
    Named(&'a str),
    /// An internal error sentinel of this kind (Skybison `ErrorKind`).
    Error(u8),
}

/// Up to 8 bytes stored in a word (Skybison SmallStr and SmallBytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InlineBytes {
    /// Number of bytes used.
    pub len: u8,
    /// The bytes; only the first `len` count.
    pub data: [u8; 8],
}

impl InlineBytes {
    /// The bytes held. A `len` past 8 (the fields are public) reads as all 8 bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.data.get(..self.len as usize).unwrap_or(&self.data)
    }

    /// Copies up to 8 bytes; `None` if `bytes` is longer.
    pub fn new(bytes: &[u8]) -> Option<InlineBytes> {
        let mut data = [0; 8];
        data.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(InlineBytes {
            len: bytes.len() as u8,
            data,
        })
    }
}

/// A raw word read back as a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decoded {
    /// An integer stored in the word.
    Int(i64),
    /// A float stored in the word.
    Float(f64),
    /// An interned-string index.
    Qstr(u64),
    /// A short string stored in the word.
    Str(InlineBytes),
    /// Short bytes stored in the word.
    Bytes(InlineBytes),
    /// A boolean.
    Bool(bool),
    /// A named constant (the engine's name for it).
    Named(&'static str),
    /// An error sentinel of this kind.
    Error(u8),
    /// A reference to a heap object: its address or heap offset as the engine stores it.
    Pointer(u64),
    /// A reference into the engine's read-only image (Microvium bytecode-mapped pointer): the offset.
    Image(u64),
    /// A heap-object header word.
    Header(u64),
}

/// A word a subject produced, with the class it gave it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Encoded {
    /// The stored bits, in the low [`Width`](crate::Width) bits.
    pub word: u64,
    /// The tag class of the word.
    pub class: TagClass,
}

/// One constructor argument of an object: `len=3`, `text="abc"`, `value=2.5`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param<'a> {
    /// The argument's name.
    pub name: &'a str,
    /// Its value.
    pub value: ParamValue<'a>,
}

/// The value of a [`Param`].
#[derive(Clone, Copy, PartialEq)]
pub enum ParamValue<'a> {
    /// An integer (lengths, counts, integer values).
    Int(i128),
    /// A float value.
    Float(f64),
    /// Text or bytes.
    Text(&'a [u8]),
}

// `Value` and `ParamValue` print as `#[derive(Debug)]` would print them; a float goes through
// [`Shortest`](crate::float::Shortest) and a 128-bit integer through [`Wide`](crate::wide::Wide), so
// a firmware that names a value in a message does not carry core's float or 128-bit formatting.
impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::float::Shortest;
        match self {
            Value::Int(v) => f.debug_tuple("Int").field(v).finish(),
            Value::Float(v) => f.debug_tuple("Float").field(&Shortest(*v)).finish(),
            Value::Qstr(v) => f.debug_tuple("Qstr").field(v).finish(),
            Value::Str(v) => f.debug_tuple("Str").field(v).finish(),
            Value::Bytes(v) => f.debug_tuple("Bytes").field(v).finish(),
            Value::Bool(v) => f.debug_tuple("Bool").field(v).finish(),
            Value::Named(v) => f.debug_tuple("Named").field(v).finish(),
            Value::Error(v) => f.debug_tuple("Error").field(v).finish(),
        }
    }
}

impl fmt::Debug for ParamValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::float::Shortest;
        match self {
            ParamValue::Int(v) => f.debug_tuple("Int").field(&crate::wide::Wide(*v)).finish(),
            ParamValue::Float(v) => f.debug_tuple("Float").field(&Shortest(*v)).finish(),
            ParamValue::Text(v) => f.debug_tuple("Text").field(v).finish(),
        }
    }
}

/// What to allocate: an object kind of the profile's engine and its arguments.
///
/// Kinds are the engine's own: MicroPython `list`, `dict`, `bytearray`, ..., Microvium `object`,
/// `array`, ...; every engine also has `raw`, a plain allocation of `bytes=N`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObjectSpec<'a> {
    /// The kind.
    pub kind: &'a str,
    /// The arguments.
    pub params: &'a [Param<'a>],
}

impl<'a> ObjectSpec<'a> {
    /// The argument named `name`.
    pub fn param(&self, name: &str) -> Option<ParamValue<'a>> {
        self.params.iter().find(|p| p.name == name).map(|p| p.value)
    }

    /// The integer argument named `name`; `None` if absent or not an integer.
    pub fn int(&self, name: &str) -> Option<i128> {
        match self.param(name)? {
            ParamValue::Int(v) => Some(v),
            _ => None,
        }
    }

    /// The float argument named `name`; integers are converted.
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.param(name)? {
            ParamValue::Float(v) => Some(v),
            ParamValue::Int(v) => Some(v as f64),
            ParamValue::Text(_) => None,
        }
    }

    /// The text argument named `name`.
    pub fn text(&self, name: &str) -> Option<&'a [u8]> {
        match self.param(name)? {
            ParamValue::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// A subject's name for an object it allocated during the current case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjId(pub u32);

/// What [`Subject::alloc`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// The object's name for later steps.
    pub id: ObjId,
    /// The word that refers to the object (a pointer, or an immediate when the value needs no heap).
    pub word: u64,
    /// Heap bytes the construction took, rounding and every separate allocation included.
    pub bytes: u64,
}

/// What to store in an object's slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A reference to an object.
    Object(ObjId),
    /// A pointer `offset` bytes into an object (keeps nothing alive in MicroPython).
    Interior(ObjId, u32),
    /// A raw word.
    Word(u64),
    /// The engine's empty value (None, null, undefined, ...).
    Empty,
}

/// What a collection did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collection {
    /// Allocations freed (MicroPython: HEAD blocks freed).
    pub freed_allocations: u64,
    /// Heap bytes freed.
    pub freed_bytes: u64,
    /// What the engine's collect call returned to the program, where it returns a number.
    pub returned: Option<i64>,
    /// Finalisers run.
    pub finalisers_run: u64,
}

/// Collector controls (MicroPython `gc_lock`, `gc.disable()`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcOp {
    /// Every allocation fails until unlocked (MicroPython `gc_lock`); an explicit collect still runs.
    Lock,
    /// Undo one `Lock`.
    Unlock,
    /// No automatic collection (`gc.disable()`); explicit collects still run.
    Disable,
    /// Automatic collection again (`gc.enable()`).
    Enable,
}

/// One heap figure, named with its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat<'a> {
    /// The figure's name: one of [`stat`]'s names, or an engine's own (`virtualHeapUsed`).
    pub name: &'a str,
    /// Its unit.
    pub unit: Unit,
    /// Its value.
    pub value: u64,
}

/// Names of the heap figures every heap-owning subject reports.
pub mod stat {
    /// Bytes in use by allocations (MicroPython `gc.mem_alloc()`).
    pub const USED: &str = "heap.used";
    /// Bytes free for allocations (MicroPython `gc.mem_free()`).
    pub const FREE: &str = "heap.free";
    /// Bytes the heap can hand out in all (MicroPython: the pool).
    pub const TOTAL: &str = "heap.total";
    /// Live allocations (MicroPython: HEAD blocks).
    pub const ALLOCATIONS: &str = "heap.allocations";
}

/// How a case's heap is set up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeapConfig<'a> {
    /// Bytes of arena (MicroPython: the area given to `gc_init`).
    pub arena_bytes: u64,
    /// The port or host configuration, e.g. MicroPython `unix`, `esp32`, `webassembly` (which decides
    /// `gc.collect()`'s return value), Microvium host pointer width `host32`/`host64`; `None` for the
    /// profile's default.
    pub port: Option<&'a str>,
    /// Further engine options.
    pub options: &'a [Param<'a>],
}

/// Capacity of an error's detail text in bytes.
pub const DETAIL_BYTES: usize = 240;

/// What went wrong, as data: cases can expect an error kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The subject lacks a capability the step needs.
    Unsupported,
    /// The subject does not know or does not serve the profile.
    UnknownProfile,
    /// The engine has no object kind of that name.
    UnknownKind,
    /// An argument is missing, malformed or out of range.
    BadArgument,
    /// The heap has no room for the allocation.
    OutOfMemory,
    /// The allocation is over the engine's maximum size.
    TooLarge,
    /// The arena is too small for the heap's own tables.
    ArenaTooSmall,
    /// The word is no valid value of the profile.
    InvalidWord,
    /// The value cannot be stored in a word (it needs the heap).
    NotImmediate,
    /// No live object has that id.
    NoSuchObject,
    /// The engine stopped with an error of its own.
    Engine,
    /// The subject's process died.
    Crashed,
    /// The subject did not answer in time.
    Timeout,
    /// The subject's answer broke the protocol.
    Protocol,
    /// Repeated readings of one figure disagreed and the subject could not settle them (a
    /// conservative collector keeping garbage through stale stack words): the trial is flaky,
    /// reported with every reading, neither a pass nor a failure.
    Unsteady,
}

impl ErrorKind {
    /// Every error kind.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::Unsupported,
        ErrorKind::UnknownProfile,
        ErrorKind::UnknownKind,
        ErrorKind::BadArgument,
        ErrorKind::OutOfMemory,
        ErrorKind::TooLarge,
        ErrorKind::ArenaTooSmall,
        ErrorKind::InvalidWord,
        ErrorKind::NotImmediate,
        ErrorKind::NoSuchObject,
        ErrorKind::Engine,
        ErrorKind::Crashed,
        ErrorKind::Timeout,
        ErrorKind::Protocol,
        ErrorKind::Unsteady,
    ];

    /// The kind's name in cases and the protocol: `out-of-memory`, `too-large`, ...
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::UnknownProfile => "unknown-profile",
            ErrorKind::UnknownKind => "unknown-kind",
            ErrorKind::BadArgument => "bad-argument",
            ErrorKind::OutOfMemory => "out-of-memory",
            ErrorKind::TooLarge => "too-large",
            ErrorKind::ArenaTooSmall => "arena-too-small",
            ErrorKind::InvalidWord => "invalid-word",
            ErrorKind::NotImmediate => "not-immediate",
            ErrorKind::NoSuchObject => "no-such-object",
            ErrorKind::Engine => "engine",
            ErrorKind::Crashed => "crashed",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Unsteady => "unsteady",
        }
    }

    /// The kind with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// An error a subject returns: a kind cases can match, and a message for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubjectError {
    /// What kind of error.
    pub kind: ErrorKind,
    /// What exactly, with the numbers involved.
    pub detail: Text<DETAIL_BYTES>,
}

impl SubjectError {
    /// An error of `kind` with a formatted detail.
    pub fn new(kind: ErrorKind, detail: fmt::Arguments<'_>) -> Self {
        Self {
            kind,
            detail: Text::from_fmt(detail),
        }
    }

    /// The error for a capability the subject lacks.
    pub fn unsupported(what: Capability) -> Self {
        Self::new(
            ErrorKind::Unsupported,
            format_args!("this subject cannot {}", what.name()),
        )
    }
}

impl fmt::Display for SubjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.detail)
    }
}

/// The result of a subject call.
pub type SubjectResult<T> = Result<T, SubjectError>;

/// An implementation under test. Every call but [`start`](Self::start) acts on the heap of the
/// current case; the default bodies answer [`ErrorKind::Unsupported`], so a subject implements only
/// what its [`capabilities`](Self::capabilities) promise.
pub trait Subject {
    /// The subject's name in trial names and reports: `ref`, `process`, `micropython-wasm`, ...
    fn name(&self) -> &str;

    /// Whether the subject serves `profile`.
    fn supports(&self, profile: ProfileId) -> bool;

    /// What the subject can do for `profile`.
    fn capabilities(&self, profile: ProfileId) -> Capabilities;

    /// Begins a case: a fresh heap of `profile` set up as `config` says.
    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()>;

    /// Stores `value` in a word, without the heap.
    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let _ = value;
        Err(SubjectError::unsupported(Capability::Encode))
    }

    /// Reads `word` back as a value, with its tag class.
    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        let _ = word;
        Err(SubjectError::unsupported(Capability::Decode))
    }

    /// Allocates an object of a kind.
    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let _ = spec;
        Err(SubjectError::unsupported(Capability::Alloc))
    }

    /// Stores `target` in slot `slot` of object `from`.
    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        let _ = (from, slot, target);
        Err(SubjectError::unsupported(Capability::Link))
    }

    /// Makes `obj` a root.
    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        let _ = obj;
        Err(SubjectError::unsupported(Capability::Root))
    }

    /// Stops `obj` being a root.
    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        let _ = obj;
        Err(SubjectError::unsupported(Capability::Root))
    }

    /// Runs a full collection.
    fn collect(&mut self) -> SubjectResult<Collection> {
        Err(SubjectError::unsupported(Capability::Collect))
    }

    /// Reports the heap figures, each with its unit, through `sink`.
    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let _ = sink;
        Err(SubjectError::unsupported(Capability::Stats))
    }

    /// Writes the heap map in the engine's own format (MicroPython `micropython.mem_info(1)`).
    fn heap_map(&mut self, out: &mut dyn fmt::Write) -> SubjectResult<()> {
        let _ = out;
        Err(SubjectError::unsupported(Capability::HeapMap))
    }

    /// Whether `obj` is still live (allocated, not freed by a collection).
    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        let _ = obj;
        Err(SubjectError::unsupported(Capability::Liveness))
    }

    /// Locks, unlocks, disables or enables the collector.
    fn gc_control(&mut self, op: GcOp) -> SubjectResult<()> {
        let _ = op;
        Err(SubjectError::unsupported(Capability::GcControl))
    }

    /// Reads the word `index` words from the object's reference (negative: its header).
    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        let _ = (obj, index);
        Err(SubjectError::unsupported(Capability::Inspect))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;

    use super::{InlineBytes, ParamValue, Value};

    #[test]
    fn values_debug_print_as_a_derived_debug_would() {
        let cases: [(Value<'_>, &str); 8] = [
            (Value::Int(-3), "Int(-3)"),
            (Value::Float(2.5e-7), "Float(2.5e-7)"),
            (Value::Qstr(7), "Qstr(7)"),
            (Value::Str(b"ab"), "Str([97, 98])"),
            (Value::Bytes(b""), "Bytes([])"),
            (Value::Bool(true), "Bool(true)"),
            (Value::Named("None"), "Named(\"None\")"),
            (Value::Error(2), "Error(2)"),
        ];
        for (v, text) in cases {
            assert_eq!(format!("{v:?}"), text);
        }
        assert_eq!(format!("{:#?}", Value::Float(1.0)), "Float(\n    1.0,\n)");
        assert_eq!(
            format!("{:?}", ParamValue::Int(-(1 << 100))),
            "Int(-1267650600228229401496703205376)"
        );
        assert_eq!(format!("{:?}", ParamValue::Float(f64::NAN)), "Float(NaN)");
        assert_eq!(format!("{:?}", ParamValue::Float(1e300)), "Float(1e300)");
        assert_eq!(format!("{:?}", ParamValue::Text(b"x")), "Text([120])");
    }

    #[test]
    fn inline_bytes_with_a_length_past_8_read_as_8_bytes() {
        let b = InlineBytes {
            len: 200,
            data: *b"ABCDEFGH",
        };
        assert_eq!(b.as_slice(), b"ABCDEFGH");
        assert_eq!(InlineBytes::new(b"AB").map(|b| b.len), Some(2));
        assert_eq!(InlineBytes::new(b"ABCDEFGHI"), None);
    }
}

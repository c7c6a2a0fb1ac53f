//! Cases: what a conformance check does and expects, as a line-oriented text file.
//!
//! A case lives at `conformance/cases/<engine>/<suite>/<name>.case`. Its head holds the metadata in
//! `;;!` lines (format version, what it is about, profiles, capabilities needed, claims, and the source
//! of every expected value); the body is steps, one per line, each followed by its `expect` lines.
//! The format is described in `conformance/cases/README.md`. Parsing knows nothing of subjects: a
//! [`Case`] is turned into a [`Plan`](crate::plan::Plan) of [`Step`](memspec::step::Step)s per profile.

use std::fmt;

use memspec::fact::Unit;
use memspec::profile::ProfileId;
use memspec::step::StepTarget;
use memspec::subject::{Capabilities, Capability, ErrorKind, GcOp, Param, ParamValue, Value};
use memspec::tag::TagClass;

pub mod engine_law;
pub mod lex;
mod parse;
pub mod pattern;

pub use engine_law::EngineLaw;
pub use parse::{parse, parse_int, parse_params};
pub use pattern::Pattern;

/// The case format version this harness reads (`;;! case-format: 1`).
pub const FORMAT_VERSION: u32 = 1;

/// The file extension of cases.
pub const EXTENSION: &str = "case";

/// Most objects one case may name (the size of the plan runner's variable table).
pub const MAX_VARS: usize = 64;

/// A line and column in a case file, both counted from 1 (columns in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// The line.
    pub line: u32,
    /// The column.
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// What is wrong with a case file, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseError {
    /// The file as the user named it.
    pub file: String,
    /// Where in it.
    pub pos: Pos,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for CaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.pos, self.message)
    }
}

impl std::error::Error for CaseError {}

/// Which case: `micropython/encoding::small_int`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseId {
    /// The engine folder.
    pub engine: String,
    /// The suite folder.
    pub suite: String,
    /// The file stem.
    pub name: String,
}

impl CaseId {
    /// `suite::name`, the part of a trial name after the profile.
    pub fn short(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}::{}", self.engine, self.suite, self.name)
    }
}

/// A parsed case.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Which case.
    pub id: CaseId,
    /// The file, as named when loaded.
    pub file: String,
    /// One line saying what the case shows.
    pub about: String,
    /// The profiles it runs under.
    pub profiles: Vec<ProfileId>,
    /// The capabilities a subject needs to run it.
    pub needs: Capabilities,
    /// The claims it bears on (ids from the claims list).
    pub claims: Vec<&'static str>,
    /// Where the expected values come from.
    pub sources: Vec<Source>,
    /// The steps in order.
    pub steps: Vec<CaseStep>,
    /// Object names, by plan variable number.
    pub vars: Vec<String>,
    /// The file's lines, so that a failure can show the steps it is about.
    pub text: Vec<String>,
}

impl Case {
    /// The text of line `line` (from 1) of the case file, without its indent; empty past the end.
    pub fn line_text(&self, line: u32) -> &str {
        (line as usize)
            .checked_sub(1)
            .and_then(|i| self.text.get(i))
            .map_or("", |l| l.trim())
    }

    /// The case file's name for a message: relative to the working folder when it lies inside it.
    pub fn file_shown(&self) -> String {
        let path = std::path::Path::new(&self.file);
        std::env::current_dir()
            .ok()
            .and_then(|here| path.strip_prefix(here).ok().map(|p| p.display().to_string()))
            .unwrap_or_else(|| self.file.clone())
    }

    /// Where the step or expectation of `line` is, and the text of `lines` (ascending, each once),
    /// as a failure message shows them under its first line:
    ///
    /// ```text
    ///   --> conformance/cases/micropython/heap/pool.case:12
    ///    11 | alloc a raw 8
    ///    12 | expect bytes a 16
    /// ```
    pub fn echo(&self, line: u32, lines: &[u32]) -> String {
        let mut shown: Vec<u32> = lines.to_vec();
        shown.sort_unstable();
        shown.dedup();
        let width = shown.iter().map(|l| l.to_string().len()).max().unwrap_or(1);
        let mut out = format!("\n  --> {}:{line}", self.file_shown());
        for l in shown {
            out.push_str(&format!("\n  {l:>width$} | {}", self.line_text(l)));
        }
        out
    }
}

/// Where expected values come from, under a label the expectations name with `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The label.
    pub label: String,
    /// The evidence.
    pub kind: SourceKind,
    /// Where it is declared.
    pub pos: Pos,
}

/// The kinds of evidence for an expected value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A file and symbol of the engine's source, with a note on what it says.
    Upstream {
        /// Path in the engine's repository.
        file: String,
        /// The symbol, macro or function.
        symbol: String,
        /// What it says, if given after `--`.
        note: String,
    },
    /// A claim of the documents, by id.
    Claim(&'static str),
    /// A measurement, with the command that reproduces it.
    Measured(String),
    /// Computed from other values by the formula given.
    Derived(String),
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceKind::Upstream { file, symbol, note } if note.is_empty() => {
                write!(f, "{file} `{symbol}`")
            }
            SourceKind::Upstream { file, symbol, note } => write!(f, "{file} `{symbol}`: {note}"),
            SourceKind::Claim(id) => write!(f, "claim {id}"),
            SourceKind::Measured(c) => write!(f, "measured: `{c}`"),
            SourceKind::Derived(d) => write!(f, "derived: {d}"),
        }
    }
}

/// One step of a case with its expectations.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseStep {
    /// Where it is written.
    pub pos: Pos,
    /// The profiles it runs under, when not all of the case's (`for ...`).
    pub only: Option<Vec<ProfileId>>,
    /// What it does.
    pub op: Op,
    /// What it must give.
    pub expects: Vec<Expect>,
}

impl CaseStep {
    /// Whether the step runs under `profile`.
    pub fn applies(&self, profile: ProfileId) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&profile))
    }
}

/// A step's operation, with owned arguments.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `start arena=N [port=P] [name=value ...]`.
    Start {
        /// Bytes of arena.
        arena: u64,
        /// The port, if named.
        port: Option<String>,
        /// Further options.
        options: Vec<OwnedParam>,
    },
    /// `encode <kind> <value>`.
    Encode(OwnedValue),
    /// `decode <word>`.
    Decode(u64),
    /// `alloc <name> = <kind> [name=value ...]`.
    Alloc {
        /// The plan variable bound.
        var: u16,
        /// The object kind.
        kind: String,
        /// Its arguments.
        params: Vec<OwnedParam>,
    },
    /// `link a[slot] -> target` or `unlink a[slot]`.
    Link {
        /// The object written to.
        from: u16,
        /// The slot.
        slot: u32,
        /// What is stored.
        target: StepTarget,
    },
    /// `root a`.
    Root(u16),
    /// `unroot a`.
    Unroot(u16),
    /// `collect`.
    Collect,
    /// `stats [as NAME]`: the figures, kept under NAME as a baseline when named.
    Stats(Option<String>),
    /// `heap-map`.
    HeapMap,
    /// `live a`.
    Live(u16),
    /// `gc lock|unlock|disable|enable`.
    Gc(GcOp),
    /// `read a[index]`.
    Read(u16, i32),
    /// `fill [rooted] [max=N]`: fill what is free. The checker reads the largest free run from the
    /// heap map (`max free sz`) and allocates a `raw` run of exactly that many blocks, again and again,
    /// until no block is free, at most `max` times; each filler is rooted when `rooted` is given. No
    /// plan variable names a filler, so the case works on any heap, however many holes it has.
    Fill {
        /// Whether each filler is made a root (else it is garbage the next collection frees).
        rooted: bool,
        /// Most allocations the fill may make before it gives up (a failure of the trial).
        max: u32,
    },
}

impl Op {
    /// The step's verb as written.
    pub fn verb(&self) -> &'static str {
        match self {
            Op::Start { .. } => "start",
            Op::Encode(_) => "encode",
            Op::Decode(_) => "decode",
            Op::Alloc { .. } => "alloc",
            Op::Link {
                target: StepTarget::Empty,
                ..
            } => "unlink",
            Op::Link { .. } => "link",
            Op::Root(_) => "root",
            Op::Unroot(_) => "unroot",
            Op::Collect => "collect",
            Op::Stats(_) => "stats",
            Op::HeapMap => "heap-map",
            Op::Live(_) => "live",
            Op::Gc(_) => "gc",
            Op::Read(..) => "read",
            Op::Fill { .. } => "fill",
        }
    }

    /// The capabilities a subject needs for the step (none for `start`).
    pub fn capabilities(&self) -> Capabilities {
        match self {
            Op::Start { .. } => Capabilities::NONE,
            Op::Fill { rooted, .. } => {
                let c = Capabilities::of(&[Capability::RawAlloc, Capability::HeapMap, Capability::FullHeap]);
                if *rooted { c.with(Capability::Root) } else { c }
            }
            other => other
                .capability()
                .map_or(Capabilities::NONE, |c| Capabilities::of(&[c])),
        }
    }

    /// The one capability a subject needs for a step that is one subject call (`None` for `start`
    /// and `fill`).
    fn capability(&self) -> Option<Capability> {
        Some(match self {
            Op::Start { .. } | Op::Fill { .. } => return None,
            Op::Encode(_) => Capability::Encode,
            Op::Decode(_) => Capability::Decode,
            Op::Alloc { kind, .. } if kind == "raw" => Capability::RawAlloc,
            Op::Alloc { .. } => Capability::Alloc,
            Op::Link { .. } => Capability::Link,
            Op::Root(_) | Op::Unroot(_) => Capability::Root,
            Op::Collect => Capability::Collect,
            Op::Stats(_) => Capability::Stats,
            Op::HeapMap => Capability::HeapMap,
            Op::Live(_) => Capability::Liveness,
            Op::Gc(_) => Capability::GcControl,
            Op::Read(..) => Capability::Inspect,
        })
    }
}

/// An object argument or heap option, owned.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedParam {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: OwnedParamValue,
}

/// The value of an [`OwnedParam`].
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedParamValue {
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// Text or bytes.
    Text(Vec<u8>),
}

impl OwnedParam {
    /// The argument as a subject is given it.
    pub fn borrow(&self) -> Param<'_> {
        Param {
            name: &self.name,
            value: match &self.value {
                OwnedParamValue::Int(v) => ParamValue::Int(*v),
                OwnedParamValue::Float(v) => ParamValue::Float(*v),
                OwnedParamValue::Text(t) => ParamValue::Text(t),
            },
        }
    }
}

/// A value to encode, owned.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedValue {
    /// `int N`.
    Int(i64),
    /// `float X`.
    Float(f64),
    /// `qstr N`.
    Qstr(u64),
    /// `str "..."`.
    Str(Vec<u8>),
    /// `bytes "..."`.
    Bytes(Vec<u8>),
    /// `bool true|false`.
    Bool(bool),
    /// `named Name`.
    Named(String),
    /// `error N`.
    Error(u8),
}

impl OwnedValue {
    /// The value as a subject is given it.
    pub fn borrow(&self) -> Value<'_> {
        match self {
            OwnedValue::Int(i) => Value::Int(*i),
            OwnedValue::Float(f) => Value::Float(*f),
            OwnedValue::Qstr(q) => Value::Qstr(*q),
            OwnedValue::Str(s) => Value::Str(s),
            OwnedValue::Bytes(b) => Value::Bytes(b),
            OwnedValue::Bool(b) => Value::Bool(*b),
            OwnedValue::Named(n) => Value::Named(n),
            OwnedValue::Error(e) => Value::Error(*e),
        }
    }
}

/// One expectation on the step it follows.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// Where it is written.
    pub pos: Pos,
    /// The profiles it holds for, when not all the step runs under (`for ...`).
    pub only: Option<Vec<ProfileId>>,
    /// The index of its source in [`Case::sources`].
    pub source: usize,
    /// What must hold.
    pub check: Check,
}

impl Expect {
    /// Whether the expectation holds under `profile`.
    pub fn applies(&self, profile: ProfileId) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&profile))
    }
}

/// What an expectation checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// `word P`: the word the step produced (encode, alloc, read) matches the pattern.
    Word(Pattern),
    /// `class C`: the tag class given by encode or decode.
    Class(TagClass),
    /// `value K V`: the value decode gave.
    Value(ExpectedValue),
    /// `error K`: the step fails with this error kind.
    Error(ErrorKind),
    /// `bytes N`: heap bytes an alloc took.
    Bytes(u64),
    /// `freed-allocations N`: allocations a collect freed.
    FreedAllocations(u64),
    /// `freed-bytes N`: bytes a collect freed.
    FreedBytes(u64),
    /// `returned N|none`: what collect returned to the program.
    Returned(Option<i64>),
    /// `finalisers N`: finalisers a collect ran.
    Finalisers(u64),
    /// `used|free|total|allocations N` or `stat NAME N`, or a `+N`/`-N` change since the last stats.
    Stat {
        /// The figure's name (`heap.used`, ...).
        name: String,
        /// The value or change.
        want: StatWant,
        /// The unit, if the case names one.
        unit: Option<Unit>,
    },
    /// `live` or `dead`: what a live step answered.
    Live(bool),
    /// `map-line "..."`: a line of the heap map equals the text (trailing blanks ignored).
    MapLine(String),
    /// `map-contains "..."`: some line of the heap map contains the text.
    MapContains(String),
    /// `map-count "CHARS" N`: blocks drawn with one of these characters in the map lines.
    MapCount {
        /// The block characters counted.
        chars: String,
        /// How many.
        count: u64,
    },
    /// `law NAME ...`: a law of `memspec::law` holds for what the step observed.
    Law(Law),
    /// `alloc-word OBJ` or `not-alloc-word OBJ`: the word the step gave is (or is not) the word the alloc
    /// of object OBJ gave; after a collection, `not-alloc-word` says a reference was moved.
    AllocWord {
        /// The object's plan variable.
        var: u16,
        /// Whether the words must be equal.
        same: bool,
    },
    /// `offset-from OBJ +N bytes|blocks`: the word the step gave lies N bytes (or blocks of the
    /// profile's `MICROPY_BYTES_PER_GC_BLOCK`) past the word OBJ's alloc gave: a position relative to
    /// the case's own allocation, whatever else the heap holds.
    OffsetFrom {
        /// The object's plan variable.
        var: u16,
        /// The distance, in `unit`s.
        offset: i64,
        /// Bytes or blocks.
        unit: Unit,
    },
    /// `map-at OBJ "CHARS"`: the heap map's block characters from the block OBJ's alloc word points
    /// at are CHARS; `*` stands for any HEAD character (an engine draws a HEAD by its object's type).
    MapAt {
        /// The object's plan variable.
        var: u16,
        /// The characters, block by block.
        chars: String,
    },
}

impl Check {
    /// The keyword the check is written with.
    pub fn keyword(&self) -> &'static str {
        match self {
            Check::Word(_) => "word",
            Check::Class(_) => "class",
            Check::Value(_) => "value",
            Check::Error(_) => "error",
            Check::Bytes(_) => "bytes",
            Check::FreedAllocations(_) => "freed-allocations",
            Check::FreedBytes(_) => "freed-bytes",
            Check::Returned(_) => "returned",
            Check::Finalisers(_) => "finalisers",
            Check::Stat { .. } => "stat",
            Check::Live(true) => "live",
            Check::Live(false) => "dead",
            Check::MapLine(_) => "map-line",
            Check::MapContains(_) => "map-contains",
            Check::MapCount { .. } => "map-count",
            Check::Law(_) => "law",
            Check::AllocWord { same: true, .. } => "alloc-word",
            Check::AllocWord { same: false, .. } => "not-alloc-word",
            Check::OffsetFrom { .. } => "offset-from",
            Check::MapAt { .. } => "map-at",
        }
    }
}

/// A stat expectation: a value, or a change since the previous stats step or a named one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatWant {
    /// Exactly this.
    Exact(u64),
    /// This much more (or less) than at the previous stats step.
    Delta(i64),
    /// This much more (or less) than at the stats step named `as <since>` (`+N since <name>`).
    Since {
        /// The change.
        change: i64,
        /// The baseline's name.
        since: String,
    },
}

/// A decoded value a case expects.
#[derive(Clone, Debug, PartialEq)]
pub enum ExpectedValue {
    /// An integer.
    Int(i64),
    /// A float; NaN matches any NaN, otherwise the bits must be equal.
    Float(f64),
    /// An interned-string index.
    Qstr(u64),
    /// A short string.
    Str(Vec<u8>),
    /// Short bytes.
    Bytes(Vec<u8>),
    /// A boolean.
    Bool(bool),
    /// A named constant.
    Named(String),
    /// An error sentinel.
    Error(u8),
    /// A heap reference matching the pattern.
    Pointer(Pattern),
    /// An image reference matching the pattern.
    Image(Pattern),
    /// A header word matching the pattern.
    Header(Pattern),
}

/// A law of `memspec::law` applied to a step's observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Law {
    /// `law used-plus-free-is-pool` after stats: `heap.used + heap.free == heap.total`.
    UsedPlusFreeIsPool,
    /// `law rounded-to-granule requested=N granule=G` after alloc.
    RoundedToGranule {
        /// Bytes requested.
        requested: u64,
        /// The granule in bytes.
        granule: u64,
    },
    /// `law round-trip` after decode: the value is the one the last encode stored.
    RoundTrip,
    /// `law small-int-iff-in-range min=A max=B` after `encode int`.
    SmallIntIffInRange {
        /// Smallest small int.
        min: i64,
        /// Largest small int.
        max: i64,
    },
    /// `law exactly-one-class` after a step that gives a word: checked against the profile's tables.
    ExactlyOneClass,
    /// `law word-has-class C` after a step that gives a word: checked against the profile's tables.
    WordHasClass(TagClass),
    /// A law of the case's engine ([`engine_law`]).
    Engine(EngineLaw),
}

impl Law {
    /// The law's name as written.
    pub fn name(&self) -> &'static str {
        match self {
            Law::UsedPlusFreeIsPool => "used-plus-free-is-pool",
            Law::RoundedToGranule { .. } => "rounded-to-granule",
            Law::RoundTrip => "round-trip",
            Law::SmallIntIffInRange { .. } => "small-int-iff-in-range",
            Law::ExactlyOneClass => "exactly-one-class",
            Law::WordHasClass(_) => "word-has-class",
            Law::Engine(l) => l.name(),
        }
    }

    /// Whether the law needs the profile's tables from `memspec`.
    pub fn needs_tables(&self) -> bool {
        match self {
            Law::ExactlyOneClass | Law::WordHasClass(_) => true,
            Law::Engine(l) => l.needs_tables(),
            _ => false,
        }
    }
}

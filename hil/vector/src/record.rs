//! Observations coming back: one record per frame.
//!
//! ```text
//! hello     10 version:uvar firmware:str arena_bytes:uvar max_vars:uvar
//! begin     11 vector:uvar
//! step      12 step:uvar 00 outcome | 01 error-kind:str detail:str
//! stat      13 step:uvar name:str unit:u8 value:uvar
//! text      14 step:uvar bytes          (a piece of heap-map text)
//! law       15 step:uvar law:str message:str   (a law that did not hold)
//! end       16 vector:uvar steps:uvar laws_checked:uvar laws_broken:uvar
//! rejected  17 vector:(00 | 01 id:uvar) reason:str
//! done      18 vectors:uvar rejected:uvar
//! ```
//!
//! Outcomes start with a tag byte in [`Outcome`] order; tag classes and error kinds travel by name.
//! The host compares the records of the target with its own byte for byte, and decodes them only to
//! show them ([`Record`] and its `Display`).

use core::fmt;

use memspec::Violation;
use memspec::fact::Unit;
use memspec::step::Outcome;
use memspec::subject::{Decoded, ErrorKind, Stat, SubjectResult};
use memspec::text::Text;
use memspec::{TagClass, Width};

use crate::wire::{DecodeErrorKind, DecodeResult, Full, Reader, Writer};

/// Record tag of the firmware's greeting.
pub const TAG_HELLO: u8 = 0x10;
/// Record tag of the start of a vector's observations.
pub const TAG_BEGIN: u8 = 0x11;
/// Record tag of a step's result.
pub const TAG_STEP: u8 = 0x12;
/// Record tag of a heap figure.
pub const TAG_STAT: u8 = 0x13;
/// Record tag of heap-map text.
pub const TAG_TEXT: u8 = 0x14;
/// Record tag of a broken law.
pub const TAG_LAW: u8 = 0x15;
/// Record tag of the end of a vector's observations.
pub const TAG_END: u8 = 0x16;
/// Record tag of a vector or frame the firmware could not read.
pub const TAG_REJECTED: u8 = 0x17;
/// Record tag of the firmware's last word.
pub const TAG_DONE: u8 = 0x18;

/// Capacity of a rejection reason in bytes.
pub const REASON_BYTES: usize = 200;

/// Writes the firmware's greeting.
pub fn write_hello(w: &mut Writer<'_>, firmware: &str, arena_bytes: u32, max_vars: u32) -> Result<(), Full> {
    w.u8(TAG_HELLO)?;
    w.uvar(crate::FORMAT_VERSION as u128)?;
    w.str(firmware)?;
    w.uvar(arena_bytes as u128)?;
    w.uvar(max_vars as u128)
}

/// Writes the start of vector `vector`'s observations.
pub fn write_begin(w: &mut Writer<'_>, vector: u32) -> Result<(), Full> {
    w.u8(TAG_BEGIN)?;
    w.uvar(vector as u128)
}

fn write_class(w: &mut Writer<'_>, c: TagClass) -> Result<(), Full> {
    w.str(c.name())
}

/// Writes what step `step` returned.
pub fn write_step(w: &mut Writer<'_>, step: u16, result: &SubjectResult<Outcome>) -> Result<(), Full> {
    w.u8(TAG_STEP)?;
    w.uvar(step as u128)?;
    let o = match result {
        Ok(o) => o,
        Err(e) => {
            w.u8(1)?;
            w.str(e.kind.name())?;
            return w.str(e.detail.as_str());
        }
    };
    w.u8(0)?;
    match o {
        Outcome::Done => w.u8(0),
        Outcome::Encoded(e) => {
            w.u8(1)?;
            w.uvar(e.word as u128)?;
            write_class(w, e.class)
        }
        Outcome::Decoded(class, d) => {
            w.u8(2)?;
            write_class(w, *class)?;
            match d {
                Decoded::Int(v) => {
                    w.u8(0)?;
                    w.ivar(*v as i128)
                }
                Decoded::Float(v) => {
                    w.u8(1)?;
                    w.f64(*v)
                }
                Decoded::Qstr(q) => {
                    w.u8(2)?;
                    w.uvar(*q as u128)
                }
                Decoded::Str(s) => {
                    w.u8(3)?;
                    w.bytes(s.as_slice())
                }
                Decoded::Bytes(s) => {
                    w.u8(4)?;
                    w.bytes(s.as_slice())
                }
                Decoded::Bool(b) => {
                    w.u8(5)?;
                    w.u8(*b as u8)
                }
                Decoded::Named(n) => {
                    w.u8(6)?;
                    w.str(n)
                }
                Decoded::Error(e) => {
                    w.u8(7)?;
                    w.u8(*e)
                }
                Decoded::Pointer(p) => {
                    w.u8(8)?;
                    w.uvar(*p as u128)
                }
                Decoded::Image(p) => {
                    w.u8(9)?;
                    w.uvar(*p as u128)
                }
                Decoded::Header(h) => {
                    w.u8(10)?;
                    w.uvar(*h as u128)
                }
            }
        }
        Outcome::Allocated(a) => {
            w.u8(3)?;
            w.uvar(a.id.0 as u128)?;
            w.uvar(a.word as u128)?;
            w.uvar(a.bytes as u128)
        }
        Outcome::Collected(c) => {
            w.u8(4)?;
            w.uvar(c.freed_allocations as u128)?;
            w.uvar(c.freed_bytes as u128)?;
            match c.returned {
                None => w.u8(0)?,
                Some(v) => {
                    w.u8(1)?;
                    w.ivar(v as i128)?;
                }
            }
            w.uvar(c.finalisers_run as u128)
        }
        Outcome::Live(b) => {
            w.u8(5)?;
            w.u8(*b as u8)
        }
        Outcome::Word(x) => {
            w.u8(6)?;
            w.uvar(*x as u128)
        }
    }
}

/// The unit's number on the wire.
const fn unit_tag(u: Unit) -> u8 {
    match u {
        Unit::Bytes => 0,
        Unit::Bits => 1,
        Unit::Words => 2,
        Unit::Blocks => 3,
        Unit::Entries => 4,
        Unit::Count => 5,
        Unit::Flag => 6,
        Unit::Number => 7,
    }
}

/// The unit of a wire number, as a word for people.
fn unit_label(tag: u8) -> Option<&'static str> {
    Some(match tag {
        0 => "bytes",
        1 => "bits",
        2 => "words",
        3 => "blocks",
        4 => "entries",
        5 => "count",
        6 => "flag",
        7 => "number",
        _ => return None,
    })
}

/// Writes a heap figure a `stats` step produced.
pub fn write_stat(w: &mut Writer<'_>, step: u16, stat: &Stat<'_>) -> Result<(), Full> {
    w.u8(TAG_STAT)?;
    w.uvar(step as u128)?;
    w.str(stat.name)?;
    w.u8(unit_tag(stat.unit))?;
    w.uvar(stat.value as u128)
}

/// Writes a piece of heap-map text.
pub fn write_text(w: &mut Writer<'_>, step: u16, text: &[u8]) -> Result<(), Full> {
    w.u8(TAG_TEXT)?;
    w.uvar(step as u128)?;
    w.bytes(text)
}

/// Writes a law that did not hold after step `step`.
pub fn write_law(w: &mut Writer<'_>, step: u16, v: &Violation) -> Result<(), Full> {
    w.u8(TAG_LAW)?;
    w.uvar(step as u128)?;
    w.str(v.law)?;
    w.str(v.message.as_str())
}

/// Counts that close a vector's observations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VectorEnd {
    /// The vector's id.
    pub vector: u32,
    /// Steps run.
    pub steps: u16,
    /// Law checks made.
    pub laws_checked: u32,
    /// Law checks that failed.
    pub laws_broken: u32,
}

/// Writes the end of a vector's observations.
pub fn write_end(w: &mut Writer<'_>, end: &VectorEnd) -> Result<(), Full> {
    w.u8(TAG_END)?;
    w.uvar(end.vector as u128)?;
    w.uvar(end.steps as u128)?;
    w.uvar(end.laws_checked as u128)?;
    w.uvar(end.laws_broken as u128)
}

/// Writes that a vector (or, with `None`, a frame that named no vector) could not be read.
pub fn write_rejected(
    w: &mut Writer<'_>,
    vector: Option<u32>,
    reason: fmt::Arguments<'_>,
) -> Result<(), Full> {
    w.u8(TAG_REJECTED)?;
    match vector {
        None => w.u8(0)?,
        Some(v) => {
            w.u8(1)?;
            w.uvar(v as u128)?;
        }
    }
    let t = Text::<REASON_BYTES>::from_fmt(reason);
    w.str(t.as_str())
}

/// Writes the firmware's last word.
pub fn write_done(w: &mut Writer<'_>, vectors: u32, rejected: u32) -> Result<(), Full> {
    w.u8(TAG_DONE)?;
    w.uvar(vectors as u128)?;
    w.uvar(rejected as u128)
}

/// A decoded tag class or error kind: its name, checked against this build's names.
fn class(r: &mut Reader<'_>) -> DecodeResult<TagClass> {
    let at = r.offset();
    let n = r.str("tag class")?;
    TagClass::ALL
        .into_iter()
        .find(|c| c.name() == n)
        .ok_or(crate::wire::DecodeError {
            kind: DecodeErrorKind::UnknownName,
            field: "tag class",
            offset: at,
        })
}

/// A value read back, as it came over the wire.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DecodedView<'a> {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// An interned-string index.
    Qstr(u64),
    /// A short string.
    Str(&'a [u8]),
    /// Short bytes.
    Bytes(&'a [u8]),
    /// A boolean.
    Bool(bool),
    /// A named constant.
    Named(&'a str),
    /// An error sentinel.
    Error(u8),
    /// A heap reference.
    Pointer(u64),
    /// A reference into the engine's image.
    Image(u64),
    /// A header word.
    Header(u64),
}

/// A step's result, as it came over the wire.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutcomeView<'a> {
    /// No result of its own.
    Done,
    /// A stored word and its class.
    Encoded {
        /// The word.
        word: u64,
        /// Its class.
        class: TagClass,
    },
    /// A word read back.
    Decoded(TagClass, DecodedView<'a>),
    /// An object allocated.
    Allocated {
        /// The subject's id.
        id: u32,
        /// The word referring to it.
        word: u64,
        /// Heap bytes taken.
        bytes: u64,
    },
    /// A collection.
    Collected {
        /// Allocations freed.
        freed_allocations: u64,
        /// Bytes freed.
        freed_bytes: u64,
        /// The collect call's return value.
        returned: Option<i64>,
        /// Finalisers run.
        finalisers_run: u64,
    },
    /// Liveness.
    Live(bool),
    /// A raw word.
    Word(u64),
}

/// One observation record, decoded for display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Record<'a> {
    /// The firmware's greeting.
    Hello {
        /// Its format version.
        version: u16,
        /// Which firmware: `qemu-virt`, `esp32c3`.
        firmware: &'a str,
        /// The arena it replays on, in bytes.
        arena_bytes: u32,
        /// The most plan variables it binds.
        max_vars: u32,
    },
    /// A vector's observations begin.
    Begin {
        /// The vector's id.
        vector: u32,
    },
    /// A step's result.
    Step {
        /// The step's index in its vector.
        step: u16,
        /// What it returned.
        result: Result<OutcomeView<'a>, (ErrorKind, &'a str)>,
    },
    /// A heap figure.
    Stat {
        /// The step's index.
        step: u16,
        /// The figure's name.
        name: &'a str,
        /// Its unit.
        unit: &'static str,
        /// Its value.
        value: u64,
    },
    /// A piece of heap-map text.
    Text {
        /// The step's index.
        step: u16,
        /// The bytes.
        text: &'a [u8],
    },
    /// A law that did not hold.
    Law {
        /// The step after which it was checked.
        step: u16,
        /// The law's name.
        law: &'a str,
        /// Observed beside expected.
        message: &'a str,
    },
    /// A vector's observations end.
    End(VectorEnd),
    /// A vector or frame the firmware could not read.
    Rejected {
        /// The vector, if known.
        vector: Option<u32>,
        /// Why.
        reason: &'a str,
    },
    /// The firmware's last word.
    Done {
        /// Vectors replayed.
        vectors: u32,
        /// Frames or vectors rejected.
        rejected: u32,
    },
}

impl<'a> Record<'a> {
    /// Decodes one record.
    pub fn read(payload: &'a [u8]) -> DecodeResult<Record<'a>> {
        let mut r = Reader::new(payload);
        let rec = match r.u8("record tag")? {
            TAG_HELLO => Record::Hello {
                version: r.uint("format version")?,
                firmware: r.str("firmware")?,
                arena_bytes: r.uint("arena bytes")?,
                max_vars: r.uint("variables")?,
            },
            TAG_BEGIN => Record::Begin {
                vector: r.uint("vector id")?,
            },
            TAG_STEP => {
                let step = r.uint("step index")?;
                let result = match r.u8("result type")? {
                    0 => Ok(read_outcome(&mut r)?),
                    1 => {
                        let at = r.offset();
                        let name = r.str("error kind")?;
                        let kind = ErrorKind::from_name(name).ok_or(crate::wire::DecodeError {
                            kind: DecodeErrorKind::UnknownName,
                            field: "error kind",
                            offset: at,
                        })?;
                        Err((kind, r.str("error detail")?))
                    }
                    t => return Err(r.bad_tag(t, "result type")),
                };
                Record::Step { step, result }
            }
            TAG_STAT => {
                let step = r.uint("step index")?;
                let name = r.str("figure name")?;
                let t = r.u8("unit")?;
                let unit = unit_label(t).ok_or(r.bad_tag(t, "unit"))?;
                Record::Stat {
                    step,
                    name,
                    unit,
                    value: r.uint("figure value")?,
                }
            }
            TAG_TEXT => Record::Text {
                step: r.uint("step index")?,
                text: r.bytes("heap-map text")?,
            },
            TAG_LAW => Record::Law {
                step: r.uint("step index")?,
                law: r.str("law name")?,
                message: r.str("law message")?,
            },
            TAG_END => Record::End(VectorEnd {
                vector: r.uint("vector id")?,
                steps: r.uint("steps run")?,
                laws_checked: r.uint("laws checked")?,
                laws_broken: r.uint("laws broken")?,
            }),
            TAG_REJECTED => {
                let vector = match r.u8("vector present")? {
                    0 => None,
                    1 => Some(r.uint("vector id")?),
                    t => return Err(r.bad_tag(t, "vector present")),
                };
                Record::Rejected {
                    vector,
                    reason: r.str("reason")?,
                }
            }
            TAG_DONE => Record::Done {
                vectors: r.uint("vectors replayed")?,
                rejected: r.uint("vectors rejected")?,
            },
            t => return Err(r.bad_tag(t, "record tag")),
        };
        r.finish("the record")?;
        Ok(rec)
    }

    /// The vector a record belongs to, for records that name one.
    pub fn vector(&self) -> Option<u32> {
        match self {
            Record::Begin { vector } => Some(*vector),
            Record::End(e) => Some(e.vector),
            Record::Rejected { vector, .. } => *vector,
            _ => None,
        }
    }
}

fn read_outcome<'a>(r: &mut Reader<'a>) -> DecodeResult<OutcomeView<'a>> {
    Ok(match r.u8("outcome type")? {
        0 => OutcomeView::Done,
        1 => OutcomeView::Encoded {
            word: r.uint("word")?,
            class: class(r)?,
        },
        2 => {
            let c = class(r)?;
            let v = match r.u8("decoded type")? {
                0 => DecodedView::Int(r.int("integer")?),
                1 => DecodedView::Float(r.f64("float")?),
                2 => DecodedView::Qstr(r.uint("qstr")?),
                3 => DecodedView::Str(r.bytes("string")?),
                4 => DecodedView::Bytes(r.bytes("bytes")?),
                5 => DecodedView::Bool(r.bool("boolean")?),
                6 => DecodedView::Named(r.str("constant name")?),
                7 => DecodedView::Error(r.u8("error sentinel")?),
                8 => DecodedView::Pointer(r.uint("pointer")?),
                9 => DecodedView::Image(r.uint("image offset")?),
                10 => DecodedView::Header(r.uint("header word")?),
                t => return Err(r.bad_tag(t, "decoded type")),
            };
            OutcomeView::Decoded(c, v)
        }
        3 => OutcomeView::Allocated {
            id: r.uint("object id")?,
            word: r.uint("object word")?,
            bytes: r.uint("object bytes")?,
        },
        4 => OutcomeView::Collected {
            freed_allocations: r.uint("allocations freed")?,
            freed_bytes: r.uint("bytes freed")?,
            returned: match r.u8("returned present")? {
                0 => None,
                1 => Some(r.int("returned")?),
                t => return Err(r.bad_tag(t, "returned present")),
            },
            finalisers_run: r.uint("finalisers run")?,
        },
        5 => OutcomeView::Live(r.bool("liveness")?),
        6 => OutcomeView::Word(r.uint("word")?),
        t => return Err(r.bad_tag(t, "outcome type")),
    })
}

/// Bytes shown as text when they are UTF-8, else as hex.
struct Shown<'a>(&'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match core::str::from_utf8(self.0) {
            Ok(s) => write!(f, "{s:?}"),
            Err(_) => {
                f.write_str("0x")?;
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    }
}

impl fmt::Display for DecodedView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodedView::Int(v) => write!(f, "int {v}"),
            DecodedView::Float(v) => write!(f, "float {v:?} (bits {:#018x})", v.to_bits()),
            DecodedView::Qstr(q) => write!(f, "qstr {q}"),
            DecodedView::Str(s) => write!(f, "str {}", Shown(s)),
            DecodedView::Bytes(s) => write!(f, "bytes {}", Shown(s)),
            DecodedView::Bool(b) => write!(f, "bool {b}"),
            DecodedView::Named(n) => write!(f, "{n}"),
            DecodedView::Error(e) => write!(f, "error sentinel {e}"),
            DecodedView::Pointer(p) => write!(f, "pointer {p:#x}"),
            DecodedView::Image(p) => write!(f, "image offset {p:#x}"),
            DecodedView::Header(h) => write!(f, "header {h:#x}"),
        }
    }
}

impl fmt::Display for OutcomeView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutcomeView::Done => f.write_str("done"),
            OutcomeView::Encoded { word, class } => {
                write!(f, "word {} ({})", Width::W64.hex(*word), class.name())
            }
            OutcomeView::Decoded(c, v) => write!(f, "{} ({v})", c.name()),
            OutcomeView::Allocated { id, word, bytes } => {
                write!(
                    f,
                    "object #{id} word {} taking {bytes} bytes",
                    Width::W64.hex(*word)
                )
            }
            OutcomeView::Collected {
                freed_allocations,
                freed_bytes,
                returned,
                finalisers_run,
            } => {
                write!(
                    f,
                    "collected: {freed_allocations} allocations, {freed_bytes} bytes freed, {finalisers_run} finalisers run"
                )?;
                if let Some(r) = returned {
                    write!(f, ", returned {r}")?;
                }
                Ok(())
            }
            OutcomeView::Live(b) => write!(f, "{}", if *b { "live" } else { "dead" }),
            OutcomeView::Word(x) => write!(f, "word {}", Width::W64.hex(*x)),
        }
    }
}

impl fmt::Display for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Record::Hello {
                version,
                firmware,
                arena_bytes,
                max_vars,
            } => write!(
                f,
                "hello from {firmware}: format {version}, arena {arena_bytes} bytes, {max_vars} variables"
            ),
            Record::Begin { vector } => write!(f, "vector {vector} begins"),
            Record::Step { step, result } => match result {
                Ok(o) => write!(f, "step {step}: {o}"),
                Err((kind, detail)) => write!(f, "step {step}: error {}: {detail}", kind.name()),
            },
            Record::Stat {
                step,
                name,
                unit,
                value,
            } => write!(f, "step {step}: {name} = {value} {unit}"),
            Record::Text { step, text } => write!(f, "step {step}: text {}", Shown(text)),
            Record::Law { step, law, message } => write!(f, "step {step}: law `{law}` broken: {message}"),
            Record::End(e) => write!(
                f,
                "vector {} ends after {} steps, {} law checks, {} broken",
                e.vector, e.steps, e.laws_checked, e.laws_broken
            ),
            Record::Rejected { vector, reason } => match vector {
                Some(v) => write!(f, "vector {v} rejected: {reason}"),
                None => write!(f, "frame rejected: {reason}"),
            },
            Record::Done { vectors, rejected } => {
                write!(f, "done: {vectors} vectors replayed, {rejected} rejected")
            }
        }
    }
}

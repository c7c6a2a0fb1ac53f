//! Vectors going down: a set header, then one record per vector (an id, a name and a plan of
//! [`Step`]s), then an end record.
//!
//! ```text
//! set     01 version:uvar vectors:uvar
//! vector  02 id:uvar name:str steps:uvar step*
//! end     03 vectors:uvar
//! ```
//!
//! Steps start with a tag byte (`00` start ... `0c` read, in [`Step`] order); names (profiles, value
//! constants, object kinds, parameters) travel as text, so a reordered enum never changes a vector's
//! meaning. The firmware decodes one step at a time from the received payload and runs it before
//! decoding the next, so a plan is never held decoded.

use memspec::ProfileId;
use memspec::step::{Step, StepTarget, Var};
use memspec::subject::{GcOp, HeapConfig, ObjectSpec, Param, ParamValue, Value};

use crate::FORMAT_VERSION;
use crate::wire::{DecodeErrorKind, DecodeResult, Full, Reader, Writer};

/// Record tag of a set header.
pub const TAG_SET: u8 = 0x01;
/// Record tag of a vector.
pub const TAG_VECTOR: u8 = 0x02;
/// Record tag of the end of a set.
pub const TAG_END: u8 = 0x03;

/// The most parameters one step may carry (object arguments or heap options).
pub const MAX_PARAMS: usize = 8;

/// Room for the parameters of one decoded step.
pub type ParamBuf<'a> = [Param<'a>; MAX_PARAMS];

/// An empty [`ParamBuf`].
pub const fn param_buf<'a>() -> ParamBuf<'a> {
    [Param {
        name: "",
        value: ParamValue::Int(0),
    }; MAX_PARAMS]
}

/// Writes a set header announcing `vectors` vectors.
pub fn write_set(w: &mut Writer<'_>, vectors: u32) -> Result<(), Full> {
    w.u8(TAG_SET)?;
    w.uvar(FORMAT_VERSION as u128)?;
    w.uvar(vectors as u128)
}

/// Writes the end of a set of `vectors` vectors.
pub fn write_end(w: &mut Writer<'_>, vectors: u32) -> Result<(), Full> {
    w.u8(TAG_END)?;
    w.uvar(vectors as u128)
}

/// Writes one vector.
pub fn write_vector(w: &mut Writer<'_>, id: u32, name: &str, steps: &[Step<'_>]) -> Result<(), Full> {
    write_vector_head(w, id, name, u16::try_from(steps.len()).map_err(|_| Full)?)?;
    steps.iter().try_for_each(|s| write_step(w, s))
}

/// Writes the head of a vector whose `steps` steps follow, each written with [`write_step`].
pub fn write_vector_head(w: &mut Writer<'_>, id: u32, name: &str, steps: u16) -> Result<(), Full> {
    w.u8(TAG_VECTOR)?;
    w.uvar(id as u128)?;
    w.str(name)?;
    w.uvar(steps as u128)
}

fn write_params(w: &mut Writer<'_>, params: &[Param<'_>]) -> Result<(), Full> {
    if params.len() > MAX_PARAMS {
        return Err(Full);
    }
    w.uvar(params.len() as u128)?;
    for p in params {
        w.str(p.name)?;
        match p.value {
            ParamValue::Int(v) => {
                w.u8(0)?;
                w.ivar(v)?;
            }
            ParamValue::Float(v) => {
                w.u8(1)?;
                w.f64(v)?;
            }
            ParamValue::Text(t) => {
                w.u8(2)?;
                w.bytes(t)?;
            }
        }
    }
    Ok(())
}

fn write_var(w: &mut Writer<'_>, v: Var) -> Result<(), Full> {
    w.uvar(v.0 as u128)
}

/// Writes one step.
pub fn write_step(w: &mut Writer<'_>, step: &Step<'_>) -> Result<(), Full> {
    match step {
        Step::Start { profile, config } => {
            w.u8(0)?;
            w.str(profile.name())?;
            w.uvar(config.arena_bytes as u128)?;
            match config.port {
                None => w.u8(0)?,
                Some(p) => {
                    w.u8(1)?;
                    w.str(p)?;
                }
            }
            write_params(w, config.options)?;
        }
        Step::Encode(v) => {
            w.u8(1)?;
            match v {
                Value::Int(i) => {
                    w.u8(0)?;
                    w.ivar(*i as i128)?;
                }
                Value::Float(f) => {
                    w.u8(1)?;
                    w.f64(*f)?;
                }
                Value::Qstr(q) => {
                    w.u8(2)?;
                    w.uvar(*q as u128)?;
                }
                Value::Str(s) => {
                    w.u8(3)?;
                    w.bytes(s)?;
                }
                Value::Bytes(b) => {
                    w.u8(4)?;
                    w.bytes(b)?;
                }
                Value::Bool(b) => {
                    w.u8(5)?;
                    w.u8(*b as u8)?;
                }
                Value::Named(n) => {
                    w.u8(6)?;
                    w.str(n)?;
                }
                Value::Error(e) => {
                    w.u8(7)?;
                    w.u8(*e)?;
                }
            }
        }
        Step::Decode(word) => {
            w.u8(2)?;
            w.uvar(*word as u128)?;
        }
        Step::Alloc { var, spec } => {
            w.u8(3)?;
            write_var(w, *var)?;
            w.str(spec.kind)?;
            write_params(w, spec.params)?;
        }
        Step::Link { from, slot, target } => {
            w.u8(4)?;
            write_var(w, *from)?;
            w.uvar(*slot as u128)?;
            match target {
                StepTarget::Object(v) => {
                    w.u8(0)?;
                    write_var(w, *v)?;
                }
                StepTarget::Interior(v, off) => {
                    w.u8(1)?;
                    write_var(w, *v)?;
                    w.uvar(*off as u128)?;
                }
                StepTarget::Word(x) => {
                    w.u8(2)?;
                    w.uvar(*x as u128)?;
                }
                StepTarget::Empty => w.u8(3)?,
            }
        }
        Step::Root(v) => {
            w.u8(5)?;
            write_var(w, *v)?;
        }
        Step::Unroot(v) => {
            w.u8(6)?;
            write_var(w, *v)?;
        }
        Step::Collect => w.u8(7)?,
        Step::Stats => w.u8(8)?,
        Step::HeapMap => w.u8(9)?,
        Step::IsLive(v) => {
            w.u8(10)?;
            write_var(w, *v)?;
        }
        Step::Gc(op) => {
            w.u8(11)?;
            w.u8(match op {
                GcOp::Lock => 0,
                GcOp::Unlock => 1,
                GcOp::Disable => 2,
                GcOp::Enable => 3,
            })?;
        }
        Step::ReadWord(v, i) => {
            w.u8(12)?;
            write_var(w, *v)?;
            w.ivar(*i as i128)?;
        }
    }
    Ok(())
}

/// A record of a vector set, decoded.
#[derive(Debug)]
pub enum Down<'a> {
    /// The set header (its version already checked).
    Set {
        /// How many vectors follow.
        vectors: u32,
    },
    /// One vector, its steps still to be read.
    Vector(VectorReader<'a>),
    /// The end of the set.
    End {
        /// How many vectors the set held.
        vectors: u32,
    },
}

/// Reads one down record.
pub fn read_down(payload: &[u8]) -> DecodeResult<Down<'_>> {
    let mut r = Reader::new(payload);
    match r.u8("record tag")? {
        TAG_SET => {
            let at = r.offset();
            let version: u16 = r.uint("set version")?;
            if version != FORMAT_VERSION {
                return Err(crate::wire::DecodeError {
                    kind: DecodeErrorKind::Version(version),
                    field: "the vector set",
                    offset: at,
                });
            }
            let vectors = r.uint("vector count")?;
            r.finish("set header")?;
            Ok(Down::Set { vectors })
        }
        TAG_VECTOR => Ok(Down::Vector(VectorReader::new(r)?)),
        TAG_END => {
            let vectors = r.uint("vector count")?;
            r.finish("end of set")?;
            Ok(Down::End { vectors })
        }
        t => Err(r.bad_tag(t, "record tag")),
    }
}

/// A vector whose steps are read one at a time.
#[derive(Clone, Debug)]
pub struct VectorReader<'a> {
    r: Reader<'a>,
    /// The vector's id in its set.
    pub id: u32,
    /// The vector's name, `suite::case`.
    pub name: &'a str,
    /// How many steps the vector has.
    pub steps: u16,
    read: u16,
}

impl<'a> VectorReader<'a> {
    fn new(mut r: Reader<'a>) -> DecodeResult<Self> {
        let id = r.uint("vector id")?;
        let name = r.str("vector name")?;
        let steps = r.uint("step count")?;
        Ok(Self {
            r,
            id,
            name,
            steps,
            read: 0,
        })
    }

    /// The next step and its index, its parameters in `params`; `None` after the last one.
    pub fn next_step<'b>(&mut self, params: &'b mut ParamBuf<'a>) -> Option<DecodeResult<(u16, Step<'b>)>>
    where
        'a: 'b,
    {
        if self.read == self.steps {
            return match self.r.finish("the last step") {
                Ok(()) => None,
                Err(e) => {
                    // Report the trailing bytes once, then stop.
                    self.r = Reader::new(&[]);
                    Some(Err(e))
                }
            };
        }
        let index = self.read;
        self.read += 1;
        Some(read_step(&mut self.r, params).map(|s| (index, s)))
    }
}

fn read_params<'a, 'b>(r: &mut Reader<'a>, buf: &'b mut ParamBuf<'a>) -> DecodeResult<&'b [Param<'a>]> {
    let n: usize = r.uint("parameter count")?;
    if n > MAX_PARAMS {
        return Err(r.error(DecodeErrorKind::TooMany, "parameters"));
    }
    for slot in buf.iter_mut().take(n) {
        let name = r.str("parameter name")?;
        let value = match r.u8("parameter type")? {
            0 => ParamValue::Int(r.ivar("integer parameter")?),
            1 => ParamValue::Float(r.f64("float parameter")?),
            2 => ParamValue::Text(r.bytes("text parameter")?),
            t => return Err(r.bad_tag(t, "parameter type")),
        };
        *slot = Param { name, value };
    }
    Ok(&buf[..n])
}

fn read_var(r: &mut Reader<'_>) -> DecodeResult<Var> {
    Ok(Var(r.uint("variable")?))
}

/// Reads one step, its parameters into `params`.
pub fn read_step<'a: 'b, 'b>(r: &mut Reader<'a>, params: &'b mut ParamBuf<'a>) -> DecodeResult<Step<'b>> {
    Ok(match r.u8("step tag")? {
        0 => {
            let at = r.offset();
            let name = r.str("profile")?;
            let profile = ProfileId::from_name(name).ok_or(crate::wire::DecodeError {
                kind: DecodeErrorKind::UnknownName,
                field: "profile",
                offset: at,
            })?;
            let arena_bytes = r.uint("arena bytes")?;
            let port = match r.u8("port present")? {
                0 => None,
                1 => Some(r.str("port")?),
                t => return Err(r.bad_tag(t, "port present")),
            };
            let options = read_params(r, params)?;
            Step::Start {
                profile,
                config: HeapConfig {
                    arena_bytes,
                    port,
                    options,
                },
            }
        }
        1 => Step::Encode(match r.u8("value type")? {
            0 => Value::Int(r.int("integer value")?),
            1 => Value::Float(r.f64("float value")?),
            2 => Value::Qstr(r.uint("qstr")?),
            3 => Value::Str(r.bytes("string")?),
            4 => Value::Bytes(r.bytes("bytes")?),
            5 => Value::Bool(r.bool("boolean")?),
            6 => Value::Named(r.str("constant name")?),
            7 => Value::Error(r.u8("error sentinel")?),
            t => return Err(r.bad_tag(t, "value type")),
        }),
        2 => Step::Decode(r.uint("word")?),
        3 => {
            let var = read_var(r)?;
            let kind = r.str("object kind")?;
            let params = read_params(r, params)?;
            Step::Alloc {
                var,
                spec: ObjectSpec { kind, params },
            }
        }
        4 => {
            let from = read_var(r)?;
            let slot = r.uint("slot")?;
            let target = match r.u8("target type")? {
                0 => StepTarget::Object(read_var(r)?),
                1 => StepTarget::Interior(read_var(r)?, r.uint("interior offset")?),
                2 => StepTarget::Word(r.uint("word")?),
                3 => StepTarget::Empty,
                t => return Err(r.bad_tag(t, "target type")),
            };
            Step::Link { from, slot, target }
        }
        5 => Step::Root(read_var(r)?),
        6 => Step::Unroot(read_var(r)?),
        7 => Step::Collect,
        8 => Step::Stats,
        9 => Step::HeapMap,
        10 => Step::IsLive(read_var(r)?),
        11 => Step::Gc(match r.u8("collector operation")? {
            0 => GcOp::Lock,
            1 => GcOp::Unlock,
            2 => GcOp::Disable,
            3 => GcOp::Enable,
            t => return Err(r.bad_tag(t, "collector operation")),
        }),
        12 => Step::ReadWord(read_var(r)?, r.int("word index")?),
        t => return Err(r.bad_tag(t, "step tag")),
    })
}

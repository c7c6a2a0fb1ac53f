//! The Julia model as a [`Subject`].
//!
//! Object kinds and their arguments (all integers unless said otherwise):
//!
//! | kind | arguments | object |
//! |---|---|---|
//! | `int64` | `value=` | `jl_box_int64`: cached permanent box for -512..=511 |
//! | `uint16` | `value=` | `jl_box_uint16`: cached permanent box for 0..=1023 |
//! | `float64` | `value=` (float) | `jl_box_float64` |
//! | `bool` | `value=` (0, 1, `true`, `false`) | `jl_true` or `jl_false` |
//! | `string` | `text=` (text) or `len=` | `jl_alloc_string`; `len=` fills bytes `a`, `b`, ... |
//! | `svec` | `len=` | `jl_alloc_svec`, slots null |
//! | `tuple` | `len=` | a `Tuple{Any, ...}` of `len` fields |
//! | `memory` | `len=`, optional `elsize=` | `Memory{Any}`, or of `elsize`-byte bits elements |
//! | `vector` | `len=`, optional `elsize=` | `Vector{Any}` or of bits elements: the array and its memory |
//! | `struct` | `fields=`, `mutable=` (default 1) | a struct of `Any` fields; immutable and empty is a singleton |
//! | `singleton` | optional `type=` | the instance of singleton type number `type` |
//! | `raw` | `bytes=` | `jl_gc_alloc_buf(bytes)` |
//!
//! `link` stores into a pointer slot: an `svec`, `tuple` or `struct` field, or an element of a
//! `Memory{Any}` or `Vector{Any}`, then runs the write barrier on the parent (for a vector, its
//! memory). Words and interior pointers cannot be stored: Julia's collector traces every pointer slot.
//! `collect` is a full collection, or a minor one with the heap option `collect=minor`. `read` at
//! index -1 is the header word; a big object also shows its `bigval_t` at -8 ..= -2.

use core::fmt;

use memspec::subject::{
    Allocation, Capabilities, Capability, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, ObjId,
    ObjectSpec, ParamValue, Stat, Subject, SubjectError, SubjectResult, Target, Value, stat,
};
use memspec::wide::Wide;
use memspec::{ProfileId, TagClass, fact::Unit};

use super::Julia;
use super::header::{HEADER_BYTES, Header, WORD_BYTES};
use super::heap::{Addr, PageKind, R};
use super::object::Made;
use super::size_class::{BIGVAL_BYTES, GC_PAGE_BYTES};
use super::types::{Elem, MAX_TYPE_PARAM};

fn bad(args: fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, args)
}

/// The integer argument `name` of `spec`, in `lo..=hi`.
fn int_arg(spec: &ObjectSpec<'_>, name: &str, lo: i128, hi: i128) -> SubjectResult<i128> {
    match spec.param(name) {
        Some(ParamValue::Int(v)) if (lo..=hi).contains(&v) => Ok(v),
        Some(ParamValue::Int(v)) => Err(bad(format_args!(
            "{} {name}={} is outside {}..={}",
            spec.kind,
            Wide(v),
            Wide(lo),
            Wide(hi)
        ))),
        Some(_) => Err(bad(format_args!("{} {name}= must be an integer", spec.kind))),
        None => Err(bad(format_args!("{} needs {name}=", spec.kind))),
    }
}

/// The optional integer argument `name`, `default` when absent.
fn opt_int(spec: &ObjectSpec<'_>, name: &str, lo: i128, hi: i128, default: i128) -> SubjectResult<i128> {
    match spec.param(name) {
        None => Ok(default),
        Some(_) => int_arg(spec, name, lo, hi),
    }
}

/// The element type of a `memory` or `vector`: `Any`, or `elsize`-byte bits.
fn elem_arg(spec: &ObjectSpec<'_>) -> SubjectResult<Elem> {
    match spec.param("elsize") {
        None => Ok(Elem::Any),
        Some(_) => Ok(Elem::Bits(
            int_arg(spec, "elsize", 1, MAX_TYPE_PARAM as i128)? as u32
        )),
    }
}

const LEN_MAX: i128 = u32::MAX as i128;

/// What the Julia model can do for `julia64`.
pub const CAPABILITIES: Capabilities = Capabilities::of(&[
    Capability::Encode,
    Capability::Decode,
    Capability::Alloc,
    Capability::Link,
    Capability::Root,
    Capability::Collect,
    Capability::Stats,
    Capability::Liveness,
    Capability::GcControl,
    Capability::Inspect,
    Capability::RawAlloc,
]);

impl Julia<'_> {
    /// Constructs the object `spec` describes.
    pub fn make(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Made> {
        let made = match spec.kind {
            "int64" => self.box_int64(int_arg(spec, "value", i64::MIN as i128, i64::MAX as i128)? as i64),
            "uint16" => self.box_uint16(int_arg(spec, "value", 0, u16::MAX as i128)? as u16),
            "float64" => {
                let v = spec
                    .float("value")
                    .ok_or_else(|| bad(format_args!("float64 needs value=")))?;
                self.box_float64(v)
            }
            "bool" => {
                let v = match spec.param("value") {
                    Some(ParamValue::Int(v @ (0 | 1))) => v == 1,
                    Some(ParamValue::Text(b"true")) => true,
                    Some(ParamValue::Text(b"false")) => false,
                    _ => return Err(bad(format_args!("bool needs value=0, 1, true or false"))),
                };
                self.box_bool(v)
            }
            "string" => match (spec.text("text"), spec.param("len")) {
                (Some(text), None) => self.new_string(text.len() as u64, |i| text[i as usize]),
                (None, Some(_)) => {
                    let len = int_arg(spec, "len", 0, LEN_MAX)? as u64;
                    self.new_string(len, |i| b'a' + (i % 26) as u8)
                }
                _ => return Err(bad(format_args!("string needs text= or len=, not both"))),
            },
            "svec" => self.new_svec(int_arg(spec, "len", 0, LEN_MAX)? as u64),
            "tuple" => self.new_tuple(int_arg(spec, "len", 0, MAX_TYPE_PARAM as i128)? as u32),
            "memory" => {
                let elem = elem_arg(spec)?;
                self.new_memory(int_arg(spec, "len", 0, LEN_MAX)? as u64, elem)
            }
            "vector" => {
                let elem = elem_arg(spec)?;
                self.new_vector(int_arg(spec, "len", 0, LEN_MAX)? as u64, elem)
            }
            "struct" => {
                let fields = int_arg(spec, "fields", 0, (MAX_TYPE_PARAM >> 1) as i128)? as u32;
                let mutable = opt_int(spec, "mutable", 0, 1, 1)? == 1;
                self.new_struct(fields, mutable)
            }
            "singleton" => self.singleton(opt_int(spec, "type", 0, MAX_TYPE_PARAM as i128, 0)? as u32),
            "raw" => self.new_buffer(int_arg(spec, "bytes", 0, LEN_MAX)? as u64),
            other => {
                return Err(SubjectError::new(
                    ErrorKind::UnknownKind,
                    format_args!(
                        "julia64 has no object kind `{other}` (int64, uint16, float64, bool, string, svec, \
                         tuple, memory, vector, struct, singleton, raw)"
                    ),
                ));
            }
        };
        Ok(made?)
    }

    fn value_of(&self, id: ObjId) -> SubjectResult<Addr> {
        match self.handle(id)? {
            Some(h) => Ok(h.value),
            None => Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("object #{:#x} is not live", id.0),
            )),
        }
    }

    /// The gc bits of the object `id` names.
    pub fn gc_bits_of(&self, id: ObjId) -> SubjectResult<u8> {
        Ok(self.gc_bits(self.value_of(id)?)?)
    }

    /// Whether the object `id` names is in the remembered set.
    pub fn is_remembered_id(&self, id: ObjId) -> SubjectResult<bool> {
        Ok(self.is_remembered(self.value_of(id)?)?)
    }

    /// The value address of the object `id` names.
    pub fn address_of(&self, id: ObjId) -> SubjectResult<u64> {
        Ok(self.value_of(id)?.0)
    }

    /// Stores `target` into `slot` of `from` and runs the write barrier. Returns whether it fired.
    pub fn store(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<bool> {
        let parent = self.value_of(from)?;
        let child = match target {
            Target::Object(id) => self.value_of(id)?,
            Target::Empty => Addr::NULL,
            Target::Word(w) => {
                return Err(bad(format_args!(
                    "cannot store the raw word {w:#x}: Julia traces every pointer slot"
                )));
            }
            Target::Interior(..) => {
                return Err(bad(format_args!(
                    "cannot store an interior pointer: Julia's fields hold object references"
                )));
            }
        };
        match self.store_value(parent, slot as u64, child)? {
            Some(fired) => Ok(fired),
            None => Err(bad(format_args!(
                "a {:?} has no pointer slot {slot}",
                self.kind_of(parent)?
            ))),
        }
    }

    /// Stores `child` (or null) into `slot` of the object at `parent` and runs the write barrier on
    /// the object it names (`jl_gc_wb`). Returns whether it fired; `None` when there is no such slot.
    pub fn store_value(&mut self, parent: Addr, slot: u64, child: Addr) -> R<Option<bool>> {
        let Some((at, barrier_parent)) = self.slot(parent, slot)? else {
            return Ok(None);
        };
        self.words.set(at, child.0)?;
        Ok(Some(self.write_barrier(barrier_parent, child)?))
    }
}

impl Subject for Julia<'_> {
    fn name(&self) -> &str {
        "ref"
    }

    fn supports(&self, profile: ProfileId) -> bool {
        profile == ProfileId::Julia64
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if profile != ProfileId::Julia64 {
            return Capabilities::NONE;
        }
        CAPABILITIES
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        if profile != ProfileId::Julia64 {
            return Err(SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!("the Julia model serves julia64, not {}", profile.name()),
            ));
        }
        if let Some(port) = config.port {
            return Err(bad(format_args!("julia64 has no port `{port}`")));
        }
        let mut minor = false;
        for p in config.options {
            match (p.name, p.value) {
                ("collect", ParamValue::Text(b"minor")) => minor = true,
                ("collect", ParamValue::Text(b"full")) => minor = false,
                (name, _) => {
                    return Err(bad(format_args!(
                        "julia64 has no heap option `{name}` (collect=minor or collect=full)"
                    )));
                }
            }
        }
        self.reset(config.arena_bytes)?;
        self.set_minor_by_default(minor);
        Ok(())
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        Err(SubjectError::new(
            ErrorKind::NotImmediate,
            format_args!(
                "Julia stores no value in a word: {value:?} is a boxed object (alloc int64, float64, bool, \
                 string); small integers are cached boxes, not immediates"
            ),
        ))
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        match Header(word).malformed() {
            None => Ok((TagClass::Header, Decoded::Header(word))),
            Some(why) => Err(SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!("{word:#018x} is no header word: {why}"),
            )),
        }
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let made = self.make(spec)?;
        let id = self.new_handle(made.value)?;
        Ok(Allocation {
            id,
            word: made.value.0,
            bytes: made.bytes,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        self.store(from, slot, target).map(|_| ())
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.value_of(obj)?;
        self.set_rooted(obj, true)?;
        Ok(())
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.value_of(obj)?;
        self.set_rooted(obj, false)?;
        Ok(())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        Ok(if self.minor_by_default {
            self.collect_minor()?
        } else {
            self.collect_full()?
        })
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let map = self.map()?;
        let c = self.counters();
        let used = c.pool_bytes + c.big_bytes + c.malloc_bytes;
        let total = map.page_bytes();
        let mut put = |name, unit, value| sink(Stat { name, unit, value });
        put(stat::USED, Unit::Bytes, used);
        put(stat::FREE, Unit::Bytes, total - used);
        put(stat::TOTAL, Unit::Bytes, total);
        put(
            stat::ALLOCATIONS,
            Unit::Count,
            c.pool_cells + c.big_objects + c.mallocs,
        );
        put(
            "julia.heap_size",
            Unit::Bytes,
            c.pool_pages * GC_PAGE_BYTES + c.big_bytes + c.malloc_bytes,
        );
        put("julia.pool_pages", Unit::Count, c.pool_pages);
        put("julia.perm_bytes", Unit::Bytes, c.perm_bytes);
        put("julia.remset", Unit::Entries, self.remset_len());
        put("julia.cycles", Unit::Count, c.cycles);
        put("julia.full_sweeps", Unit::Count, c.full_sweeps);
        Ok(())
    }

    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        if self.handle(obj)?.is_some() {
            return Ok(true);
        }
        if self.handle_issued(obj) {
            return Ok(false);
        }
        Err(SubjectError::new(
            ErrorKind::NoSuchObject,
            format_args!("object #{:#x} was never allocated in this case", obj.0),
        ))
    }

    fn gc_control(&mut self, op: GcOp) -> SubjectResult<()> {
        match op {
            GcOp::Disable => self.set_disabled(true),
            GcOp::Enable => self.set_disabled(false),
            GcOp::Lock | GcOp::Unlock => {
                return Err(SubjectError::new(
                    ErrorKind::Unsupported,
                    format_args!("Julia has no collector lock; it has jl_gc_enable (disable, enable)"),
                ));
            }
        }
        Ok(())
    }

    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        let value = self.value_of(obj)?;
        let map = self.map()?;
        let payload = self.readable_payload(value)?;
        let big = map
            .page_of(value)
            .map(|p| self.words.meta(&map, p).map(|m| m.kind == PageKind::BigHead))
            .transpose()?
            .unwrap_or(false);
        let lowest = if big {
            -((BIGVAL_BYTES / WORD_BYTES) as i64)
        } else {
            -((HEADER_BYTES / WORD_BYTES) as i64)
        };
        let words = (payload / WORD_BYTES) as i64;
        let i = index as i64;
        if i < lowest || i >= words {
            return Err(bad(format_args!(
                "word {index} is outside the object: it has words {lowest} ..= {}",
                words - 1
            )));
        }
        Ok(self
            .words
            .get(Addr(value.0.wrapping_add((i * WORD_BYTES as i64) as u64)))?)
    }
}

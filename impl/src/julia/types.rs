//! The model's address space and the types its objects carry.
//!
//! Julia stores real addresses in header words and fields. The model gives the arena a fixed virtual
//! address, [`HEAP_BASE`], so the same words come out on every host. Types that have no small tag
//! (`Float64`, `Memory{T}`, `Vector{T}`, tuples, user structs, singleton types, the buffer tag) live in
//! Julia's system image; the model does not build `DataType` objects, it names each type by a
//! 16-aligned stand-in address below the heap, in [`IMAGE_BASE`] `..` [`HEAP_BASE`]. A header word is
//! thus a small tag (below 1024), a stand-in type address, or, in a free cell, a link into the heap.

use super::header::{Header, TAG_SHIFT, tag};

/// Virtual address of arena byte 0: 16 KiB-aligned, so pages are `GC_PAGE_SZ`-aligned as in Julia.
pub const HEAP_BASE: u64 = 0x1000_0000;

/// Virtual address of the first stand-in type address.
pub const IMAGE_BASE: u64 = 0x0800_0000;

/// Largest parameter a stand-in type address carries (20 bits).
pub const MAX_TYPE_PARAM: u64 = (1 << 20) - 1;

/// Element type of a `Memory` or `Vector`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Elem {
    /// `Any`: boxed, 8-byte pointer elements the collector traces.
    Any,
    /// An isbits element type of this many bytes (1 ..= 2^20 - 1): no pointers.
    Bits(u32),
}

impl Elem {
    /// Bytes of one element (`layout->size`, or `sizeof(void*)` when boxed).
    pub const fn bytes(self) -> u64 {
        match self {
            Elem::Any => 8,
            Elem::Bits(n) => n as u64,
        }
    }
}

/// What an object is, as the header word says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `Core.SimpleVector` (small tag 9): `{length, data[length]}`.
    Svec,
    /// `String` (small tag 10): `{length, bytes[length], NUL}`.
    String,
    /// `Bool` (small tag 12): one byte.
    Bool,
    /// `Int64` (small tag 16).
    Int64,
    /// `UInt16` (small tag 18).
    UInt16,
    /// `Float64` (no small tag).
    Float64,
    /// A GC-managed buffer (`jl_buff_tag`).
    Buffer,
    /// `Memory{T}`: `{length, ptr}`, then inline data or the owner word.
    Memory(Elem),
    /// `Vector{T}`: `{ptr_or_offset, mem, length}`.
    Vector(Elem),
    /// `Tuple{Any, ...}` of this many fields; no length word.
    Tuple(u32),
    /// A struct of this many `Any` fields, mutable or not.
    Struct {
        /// Number of fields.
        fields: u32,
        /// Whether the type is mutable.
        mutable: bool,
    },
    /// The instance of the singleton type with this number.
    Singleton(u32),
}

// The kinds without a small tag get a stand-in type address each, made by [`stand_in`] from one of
// these codes (the model's own numbering) and a kind parameter.
const CODE_FLOAT64: u64 = 1;
const CODE_BUFFER: u64 = 2;
const CODE_MEMORY: u64 = 3;
const CODE_VECTOR: u64 = 4;
const CODE_TUPLE: u64 = 5;
const CODE_STRUCT: u64 = 6;
const CODE_SINGLETON: u64 = 7;

const fn stand_in(code: u64, param: u64) -> u64 {
    IMAGE_BASE + (((code << 20) | (param & MAX_TYPE_PARAM)) << TAG_SHIFT)
}

const fn elem_param(e: Elem) -> u64 {
    match e {
        Elem::Any => 0,
        Elem::Bits(n) => n as u64,
    }
}

impl Kind {
    /// The type tag of the kind's header: `small tag << 4`, or its stand-in type address.
    pub const fn type_tag(self) -> u64 {
        match self {
            Kind::Svec => tag::SIMPLEVECTOR << TAG_SHIFT,
            Kind::String => tag::STRING << TAG_SHIFT,
            Kind::Bool => tag::BOOL << TAG_SHIFT,
            Kind::Int64 => tag::INT64 << TAG_SHIFT,
            Kind::UInt16 => tag::UINT16 << TAG_SHIFT,
            Kind::Float64 => stand_in(CODE_FLOAT64, 0),
            Kind::Buffer => stand_in(CODE_BUFFER, 0),
            Kind::Memory(e) => stand_in(CODE_MEMORY, elem_param(e)),
            Kind::Vector(e) => stand_in(CODE_VECTOR, elem_param(e)),
            Kind::Tuple(n) => stand_in(CODE_TUPLE, n as u64),
            Kind::Struct { fields, mutable } => stand_in(CODE_STRUCT, (fields as u64) << 1 | mutable as u64),
            Kind::Singleton(k) => stand_in(CODE_SINGLETON, k as u64),
        }
    }

    /// The kind a header word names, if it names one this model allocates.
    pub const fn of(h: Header) -> Option<Kind> {
        let t = h.type_tag();
        if let Some(small) = h.small_tag() {
            return match small {
                tag::SIMPLEVECTOR => Some(Kind::Svec),
                tag::STRING => Some(Kind::String),
                tag::BOOL => Some(Kind::Bool),
                tag::INT64 => Some(Kind::Int64),
                tag::UINT16 => Some(Kind::UInt16),
                _ => None,
            };
        }
        if t < IMAGE_BASE || t >= HEAP_BASE {
            return None;
        }
        let field = (t - IMAGE_BASE) >> TAG_SHIFT;
        let (code, param) = (field >> 20, field & MAX_TYPE_PARAM);
        let elem = if param == 0 {
            Elem::Any
        } else {
            Elem::Bits(param as u32)
        };
        match code {
            CODE_FLOAT64 if param == 0 => Some(Kind::Float64),
            CODE_BUFFER if param == 0 => Some(Kind::Buffer),
            CODE_MEMORY => Some(Kind::Memory(elem)),
            CODE_VECTOR => Some(Kind::Vector(elem)),
            CODE_TUPLE => Some(Kind::Tuple(param as u32)),
            CODE_STRUCT => Some(Kind::Struct {
                fields: (param >> 1) as u32,
                mutable: param & 1 == 1,
            }),
            CODE_SINGLETON => Some(Kind::Singleton(param as u32)),
            _ => None,
        }
    }
}

/// Whether a header word is a free-list link (a cell address, or 0 at the end of a list) rather than
/// the header of a live object: links point into the heap, type tags below it.
pub const fn is_link(h: Header) -> bool {
    h.0 == 0 || h.0 >= HEAP_BASE
}

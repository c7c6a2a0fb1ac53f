//! # Allocation headers
//!
//! Every heap allocation starts with a 2-byte header word (`TsAllocationHeader`), just before the body a
//! ShortPtr points at:
//!
//! ```text
//!  15    12 11                     0
//! +--------+------------------------+
//! |  type  |   body size in bytes   |
//! +--------+------------------------+
//! ```
//!
//! The size excludes the header and counts bytes, not words, so a string's size is its UTF-8 length
//! plus the NUL. The body is padded to an even length: an allocation of size `n` takes
//! `2 + roundup_even(n)` bytes of heap (`(n + 3) & ~1` in `mvm_allocate`). The largest body is
//! `MAX_ALLOCATION_SIZE = 0xFFF` (4095 bytes); a larger request is the fatal error
//! `MVM_E_ALLOCATION_TOO_LARGE`.
//!
//! The smallest allocation is 4 bytes: while the collector copies an object it overwrites the old copy
//! with a tombstone, the header `TOMBSTONE_HEADER = 0x0002` followed by the forwarding ShortPtr, and
//! that must fit. (The engine checks this only with a safe-mode assertion, which a zero-length
//! Uint8Array trips: see [`super::bugs`].)
//!
//! Type codes 0x9 and above are containers: every 16-bit word of their body is a value, and the
//! collector traces it. Codes 0x0 to 0x8 hold bytes and are never scanned. In the engine's words, a
//! header word `>= 0x9000` is a container.

use super::evidence::src;
use crate::profile::{BitField, BitLayout};
use crate::width::Width;

const INTERNALS: &str = "native-vm/microvium_internals.h";

/// Bytes of an allocation header (`sizeof(TsAllocationHeader)`).
pub const HEADER_BYTES: u16 = 2;

/// The largest body size in bytes (`MAX_ALLOCATION_SIZE`): the 12-bit size field's maximum.
pub const MAX_ALLOCATION_SIZE_BYTES: u16 = 0xFFF;

/// The smallest footprint in bytes: a header and a forwarding pointer (a tombstone).
pub const MIN_FOOTPRINT_BYTES: u16 = 4;

/// The header of a tombstone: type code 0 (`TC_REF_TOMBSTONE`), size 2 (`TOMBSTONE_HEADER`).
pub const TOMBSTONE_HEADER: u16 = 0x0002;

/// The first container type code (`TC_REF_DIVIDER_CONTAINER_TYPES`): codes from here on are traced.
pub const FIRST_CONTAINER_TYPE_CODE: u8 = 0x9;

/// The header word's fields.
pub static ALLOCATION_HEADER: BitLayout = BitLayout {
    name: "allocation header (TsAllocationHeader)",
    width: Width::W16,
    fields: &[
        BitField {
            name: "size",
            lsb: 0,
            bits: 12,
            meaning: "body size in bytes, header excluded (0 ..= 4095)",
        },
        BitField {
            name: "type",
            lsb: 12,
            bits: 4,
            meaning: "TeTypeCode of the allocation (0x0 ..= 0xF)",
        },
    ],
    source: src(INTERNALS, "vm_makeHeaderWord"),
};

/// The heap footprint of an allocation whose body is `size` bytes: `2 + roundup_even(size)`.
pub const fn footprint(size: u16) -> u32 {
    HEADER_BYTES as u32 + (size as u32).div_ceil(2) * 2
}

/// One allocation type code (`TeTypeCode`, values 0x0 ..= 0xF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeCode {
    /// The code, as stored in the header's top 4 bits.
    pub code: u8,
    /// The engine's name.
    pub name: &'static str,
    /// Whether the collector traces the body's words.
    pub container: bool,
    /// What the body holds.
    pub body: &'static str,
    /// Where it comes from.
    pub source: crate::evidence::Evidence,
}

const fn tc(code: u8, name: &'static str, body: &'static str) -> TypeCode {
    TypeCode {
        code,
        name,
        container: code >= FIRST_CONTAINER_TYPE_CODE,
        body,
        source: src(INTERNALS, "TeTypeCode"),
    }
}

/// Every type code an allocation header can hold.
pub static TYPE_CODES: [TypeCode; 16] = [
    tc(
        0x0,
        "TC_REF_TOMBSTONE",
        "forwarding ShortPtr; only in from-space during a collection",
    ),
    tc(0x1, "TC_REF_INT32", "int32, 4 bytes"),
    tc(
        0x2,
        "TC_REF_FLOAT64",
        "IEEE 754 double, 8 bytes, only 2-byte aligned",
    ),
    tc(0x3, "TC_REF_STRING", "UTF-8 bytes and a NUL; size = length + 1"),
    tc(
        0x4,
        "TC_REF_INTERNED_STRING",
        "as STRING; unique by address, used as a property key",
    ),
    tc(
        0x5,
        "TC_REF_FUNCTION",
        "bytecode function: max stack depth byte, then bytecode (ROM)",
    ),
    tc(0x6, "TC_REF_HOST_FUNC", "u16 index into the import table"),
    tc(
        0x7,
        "TC_REF_UINT8_ARRAY",
        "raw bytes; size = length (at most 4095)",
    ),
    tc(0x8, "TC_REF_SYMBOL", "reserved"),
    tc(
        0x9,
        "TC_REF_CLASS",
        "constructor function, static properties (2 values)",
    ),
    tc(0xA, "TC_REF_VIRTUAL", "reserved"),
    tc(0xB, "TC_REF_RESERVED_1", "reserved"),
    tc(
        0xC,
        "TC_REF_PROPERTY_LIST",
        "dpNext, dpProto, then (key, value) pairs",
    ),
    tc(
        0xD,
        "TC_REF_ARRAY",
        "dpData (uniquely owned FIXED_LENGTH_ARRAY or null), viLength (Int14)",
    ),
    tc(0xE, "TC_REF_FIXED_LENGTH_ARRAY", "size / 2 values"),
    tc(
        0xF,
        "TC_REF_CLOSURE",
        "values; slot 0 the target function, last slot the parent scope",
    ),
];

//! # Values
//!
//! Every Microvium value (`mvm_Value`) is a 16-bit word, stored little-endian in RAM and in the
//! bytecode image. The low bits say what the word holds:
//!
//! | low bits | condition | class | meaning |
//! |---|---|---|---|
//! | `…0` | | pointer (ShortPtr) | the virtual-heap offset of an allocation's body |
//! | `…11` | | small int (Int14) | `i = (int16_t)v >> 2`, −8192 ..= 8191 |
//! | `…01` | `v < 0x26` | well-known value | `undefined`, `null`, `true`, ... (below) |
//! | `…01` | `v >= 0x26` | bytecode-mapped pointer | `v & 0xFFFC` is an offset into the bytecode image |
//!
//! So every word is a value of exactly one class; no bit pattern is invalid as such, though a pointer
//! must point at an allocation's body to be meaningful.
//!
//! A ShortPtr counts bytes from the start of the virtual heap (all buckets laid end to end) to the byte
//! after an allocation's 2-byte header: the first allocation of an empty heap is at `0x0002`. A
//! bytecode-mapped pointer below the image's GLOBALS section points into ROM (string literals,
//! functions, constant objects); one inside GLOBALS is a handle, a global slot holding a ShortPtr.
//!
//! The well-known values are `((type code − 0x11) << 2) | 1`, type codes 0x11 to 0x1A. The 2020
//! document's "empty string" value no longer exists (removed in May 2020): `""` made at run time is a
//! 4-byte heap string, and a `""` literal is a string in ROM. Infinity is not well-known either: it is
//! a float64 on the heap.
//!
//! Numbers are normalised when they are made (`mvm_newNumber`): NaN and −0 become the well-known
//! values, an integral double becomes an Int14 when it fits, else an INT32 allocation when it fits in
//! 32 bits, else a FLOAT64 allocation.

use super::evidence::{VALUES, measured, src};
use crate::profile::{Immediate, IntRange};
use crate::tag::{BitTest, TagClass, TagRule};

const INTERNALS: &str = "native-vm/microvium_internals.h";

/// One more than the largest well-known value: `…01` words from here on are bytecode-mapped pointers.
pub const WELL_KNOWN_END: u16 = 0x26;

/// The four tag rules, in the order the engine tests them.
pub static TAGS: [TagRule; 4] = [
    TagRule {
        class: TagClass::Pointer,
        tests: &[BitTest::eq(0x1, 0x0)],
        range: None,
        encoding: "v = offset of the allocation body in the virtual heap (even)",
        source: src(INTERNALS, "Value_isShortPtr"),
    },
    TagRule {
        class: TagClass::SmallInt,
        tests: &[BitTest::eq(0x3, 0x3)],
        range: None,
        encoding: "v = (i << 2) | 3, i = (int16_t)v >> 2",
        source: src(INTERNALS, "Value_isVirtualInt14"),
    },
    TagRule {
        class: TagClass::WellKnown,
        tests: &[BitTest::eq(0x3, 0x1)],
        range: Some((0x0000, WELL_KNOWN_END as u64 - 1)),
        encoding: "v = ((type code - 0x11) << 2) | 1",
        source: src(INTERNALS, "VM_VALUE_WELLKNOWN_END"),
    },
    TagRule {
        class: TagClass::BytecodePointer,
        tests: &[BitTest::eq(0x3, 0x1)],
        range: Some((WELL_KNOWN_END as u64, 0xFFFF)),
        encoding: "offset into the bytecode image = v & 0xFFFC (4-byte aligned)",
        source: src("native-vm/microvium.c", "BytecodeMappedPtr_decode_long"),
    },
];

/// The well-known values, with the words measured from the engine where a value can be observed.
/// `deleted` is never handed out (it reads as `undefined`); it is seen in spare array slots (`0x0019`
/// in `node engines/microvium/measure.mjs sizes`).
pub static WELL_KNOWN: [Immediate; 10] = [
    Immediate {
        name: "undefined",
        raw: 0x0001,
        source: measured(VALUES),
    },
    Immediate {
        name: "null",
        raw: 0x0005,
        source: measured(VALUES),
    },
    Immediate {
        name: "true",
        raw: 0x0009,
        source: measured(VALUES),
    },
    Immediate {
        name: "false",
        raw: 0x000D,
        source: measured(VALUES),
    },
    Immediate {
        name: "NaN",
        raw: 0x0011,
        source: measured(VALUES),
    },
    Immediate {
        name: "-0",
        raw: 0x0015,
        source: measured(VALUES),
    },
    Immediate {
        name: "deleted",
        raw: 0x0019,
        source: src(INTERNALS, "VM_VALUE_DELETED"),
    },
    Immediate {
        name: "length",
        raw: 0x001D,
        source: measured(VALUES),
    },
    Immediate {
        name: "__proto__",
        raw: 0x0021,
        source: measured(VALUES),
    },
    Immediate {
        name: "no-op-function",
        raw: 0x0025,
        source: src(INTERNALS, "VM_VALUE_NO_OP_FUNC"),
    },
];

/// Integers stored in the word: 14-bit signed (`VM_MIN_INT14 ..= VM_MAX_INT14`); measured edges
/// 8191 → `0x7fff`, −8192 → `0x8003`, while 8192 and −8193 take heap pointers.
pub const INT14: IntRange = IntRange {
    min: -8192,
    max: 8191,
    source: measured(VALUES),
};

/// The Int14 word of `i` (cut to 14 bits): `(i << 2) | 3`.
pub const fn int14_word(i: i16) -> u16 {
    ((i as u16) << 2) | 3
}

/// The integer an Int14 word holds: `(int16_t)v >> 2`.
pub const fn int14_value(word: u16) -> i16 {
    (word as i16) >> 2
}

/// The well-known value of a type code 0x11 ..= 0x1A: `((tc - 0x11) << 2) | 1`.
pub const fn well_known_word(type_code: u8) -> u16 {
    (((type_code as u16).wrapping_sub(0x11)) << 2) | 1
}

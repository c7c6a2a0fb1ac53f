//! What each object kind costs on the heap.
//!
//! Every size counts the header word, the overflow word when the count is over 254, and the
//! rounding up to the 16-byte granule:
//!
//! | kind | count in the header | allocation bytes |
//! |---|---|---|
//! | Tuple, MutableTuple, instance with n attribute words | n words | `roundUp16(8 + 8n)`, `+ 8` before rounding when n > 254 |
//! | LargeStr, LargeBytes, MutableBytes of n bytes (`RawDataArray`) | n bytes | `roundUp16(8 + n)`, `+ 8` when n > 254 |
//! | LargeInt of d digits | 8d bytes | `roundUp16(8 + 8d)`, `+ 8` when 8d > 254, i.e. d >= 32 |
//! | Float | 8 bytes | 16 |
//! | Complex | 16 bytes | 32 |
//! | Ellipsis | 0 bytes | 16 |
//!
//! The empty tuple and Ellipsis are singletons the runtime makes once
//! (`Runtime::initializePrimitiveInstances`); `Runtime::newMutableTuple` refuses length 0.

use super::heap::{WORD_BYTES, header_bytes, round_allocation_size};
use super::upstream::{objects_h, src};
use crate::evidence::Evidence;
use crate::profile::SizeEntry;

/// Bytes of a `double` payload (`kDoubleSize`).
pub const DOUBLE_BYTES: u64 = 8;
/// Bytes of a LargeInt digit (`kWordSize`; digits are `uword`).
pub const DIGIT_BYTES: u64 = WORD_BYTES;

/// Allocation bytes of a word-field object with `words` words (`RawMutableTuple::allocationSize`,
/// `RawInstance::allocationSize`); `None` when the size does not fit in 64 bits.
pub const fn word_object_bytes(words: u64) -> Option<u64> {
    let Some(payload) = words.checked_mul(WORD_BYTES) else {
        return None;
    };
    let Some(size) = payload.checked_add(header_bytes(words)) else {
        return None;
    };
    round_up(size)
}

/// Allocation bytes of a `RawDataArray` of `len` bytes (`RawDataArray::allocationSize`).
pub const fn data_array_bytes(len: u64) -> Option<u64> {
    let Some(size) = len.checked_add(header_bytes(len)) else {
        return None;
    };
    round_up(size)
}

/// Allocation bytes of a LargeInt of `digits` digits (`RawLargeInt::allocationSize`: the count is
/// the digits' bytes, so the overflow word comes at 32 digits).
pub const fn large_int_bytes(digits: u64) -> Option<u64> {
    let Some(len) = digits.checked_mul(DIGIT_BYTES) else {
        return None;
    };
    data_array_bytes(len)
}

const fn round_up(size: u64) -> Option<u64> {
    if size > u64::MAX - super::heap::OBJECT_ALIGNMENT_BYTES {
        return None;
    }
    Some(round_allocation_size(size))
}

/// `RawFloat::allocationSize`: header and one double.
pub const FLOAT_BYTES: u64 = round_allocation_size(WORD_BYTES + DOUBLE_BYTES);
/// `RawComplex::allocationSize`: header and two doubles.
pub const COMPLEX_BYTES: u64 = round_allocation_size(WORD_BYTES + 2 * DOUBLE_BYTES);
/// `RawEllipsis::allocationSize`: the header alone.
pub const ELLIPSIS_BYTES: u64 = round_allocation_size(WORD_BYTES);

/// An entry for an object on the heap. The formulas give `None` only past 64 bits, which no entry
/// asks for; such an entry would fail the build.
const fn size(
    kind: &'static str,
    args: &'static str,
    bytes: Option<u64>,
    formula: &'static str,
    source: Evidence,
) -> SizeEntry {
    let Some(bytes) = bytes else {
        panic!("size out of range")
    };
    SizeEntry {
        kind,
        args,
        bytes,
        allocations: 1,
        formula,
        source,
    }
}

/// An entry for a value that is an immediate and takes no heap.
const fn immediate(
    kind: &'static str,
    args: &'static str,
    formula: &'static str,
    source: Evidence,
) -> SizeEntry {
    SizeEntry {
        kind,
        args,
        bytes: 0,
        allocations: 0,
        formula,
        source,
    }
}

const TUPLE: Evidence = objects_h("RawMutableTuple::allocationSize, RawHeapObject::headerSize");
const DATA: Evidence = objects_h("RawDataArray::allocationSize, RawHeapObject::headerSize");
const LARGE_INT: Evidence = objects_h("RawLargeInt::allocationSize");

/// The heap cost of each object kind, as cases allocate them; immediates take 0 bytes in 0
/// allocations.
pub static SIZES: &[SizeEntry] = &[
    immediate(
        "int",
        "value=4611686018427387903",
        "2^62 - 1 = RawSmallInt::kMaxValue: immediate",
        objects_h("RawSmallInt::kMaxValue"),
    ),
    size(
        "int",
        "value=4611686018427387904",
        large_int_bytes(1),
        "LargeInt 1 digit: header 8 + 8 = 16",
        LARGE_INT,
    ),
    size(
        "int",
        "value=-4611686018427387905",
        large_int_bytes(1),
        "LargeInt 1 digit: header 8 + 8 = 16",
        LARGE_INT,
    ),
    size(
        "int",
        "value=9223372036854775808",
        large_int_bytes(2),
        "LargeInt 2 digits (2^63 needs a zero top digit): header 8 + 16 = 24 -> 32",
        LARGE_INT,
    ),
    size(
        "float",
        "value=1.5",
        Some(FLOAT_BYTES),
        "header 8 + double 8 = 16",
        objects_h("RawFloat::allocationSize"),
    ),
    size(
        "complex",
        "real=1.5 imag=-2.5",
        Some(COMPLEX_BYTES),
        "header 8 + 2 doubles 16 = 24 -> 32",
        objects_h("RawComplex::allocationSize"),
    ),
    size(
        "ellipsis",
        "",
        Some(ELLIPSIS_BYTES),
        "header 8 -> 16 (a singleton)",
        objects_h("RawEllipsis::allocationSize"),
    ),
    immediate(
        "str",
        "text=\"abcdefg\"",
        "7 bytes: SmallStr immediate",
        src("runtime/runtime.cpp", "Runtime::newStrWithAll"),
    ),
    size(
        "str",
        "text=\"abcdefgh\"",
        data_array_bytes(8),
        "LargeStr: header 8 + 8 = 16",
        DATA,
    ),
    size(
        "str",
        "text=\"abcdefghi\"",
        data_array_bytes(9),
        "LargeStr: header 8 + 9 = 17 -> 32",
        DATA,
    ),
    size(
        "str",
        "text=\"abcdefghijklmnopqrstuvwx\"",
        data_array_bytes(24),
        "LargeStr: header 8 + 24 = 32",
        DATA,
    ),
    size(
        "str",
        "text=\"abcdefghijklmnopqrstuvwxy\"",
        data_array_bytes(25),
        "LargeStr: header 8 + 25 = 33 -> 48",
        DATA,
    ),
    immediate(
        "bytes",
        "text=\"abcdefg\"",
        "7 bytes: SmallBytes immediate",
        src("runtime/runtime.cpp", "Runtime::newBytesWithAll"),
    ),
    size(
        "bytes",
        "text=\"abcdefgh\"",
        data_array_bytes(8),
        "LargeBytes: header 8 + 8 = 16",
        DATA,
    ),
    size(
        "raw",
        "bytes=0",
        data_array_bytes(0),
        "MutableBytes: header 8 -> 16",
        DATA,
    ),
    size(
        "raw",
        "bytes=254",
        data_array_bytes(254),
        "MutableBytes: header 8 + 254 = 262 -> 272",
        DATA,
    ),
    size(
        "raw",
        "bytes=255",
        data_array_bytes(255),
        "MutableBytes: overflow 8 + header 8 + 255 = 271 -> 272",
        DATA,
    ),
    size(
        "tuple",
        "len=0",
        word_object_bytes(0),
        "header 8 -> 16 (the empty tuple singleton)",
        src(
            "runtime/runtime.cpp",
            "newEmptyTuple, Runtime::initializePrimitiveInstances",
        ),
    ),
    size("tuple", "len=1", word_object_bytes(1), "header 8 + 8 = 16", TUPLE),
    size(
        "tuple",
        "len=2",
        word_object_bytes(2),
        "header 8 + 16 = 24 -> 32",
        TUPLE,
    ),
    size(
        "tuple",
        "len=3",
        word_object_bytes(3),
        "header 8 + 24 = 32",
        TUPLE,
    ),
    size(
        "tuple",
        "len=254",
        word_object_bytes(254),
        "header 8 + 2032 = 2040 -> 2048",
        TUPLE,
    ),
    size(
        "tuple",
        "len=255",
        word_object_bytes(255),
        "overflow 8 + header 8 + 2040 = 2056 -> 2064",
        TUPLE,
    ),
    size(
        "mutable-tuple",
        "len=2",
        word_object_bytes(2),
        "header 8 + 16 = 24 -> 32",
        TUPLE,
    ),
    size(
        "instance",
        "attrs=0",
        word_object_bytes(0),
        "header 8 -> 16",
        objects_h("RawInstance::allocationSize"),
    ),
    size(
        "instance",
        "attrs=5",
        word_object_bytes(5),
        "header 8 + 40 = 48",
        objects_h("RawInstance::allocationSize"),
    ),
    size(
        "raw",
        "words=255",
        word_object_bytes(255),
        "overflow 8 + header 8 + 2040 = 2056 -> 2064",
        TUPLE,
    ),
];

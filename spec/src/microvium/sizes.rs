//! # Size used by different value types
//!
//! A value is 2 bytes wherever it is stored (a variable, a property, an array slot). Integers
//! −8192 ..= 8191, `true`, `false`, `undefined`, `null`, `NaN`, `−0` and the strings `"length"` and
//! `"__proto__"` fit in those 2 bytes. Literals compiled into the bytecode image (string literals,
//! functions, constant objects) cost no RAM: the value is a bytecode-mapped pointer. Everything else
//! is a 2-byte pointer to a heap allocation, whose cost, header and even-rounding included, is:
//!
//! | value | heap bytes |
//! |---|---|
//! | integer beyond Int14, within int32 | 6 (INT32) |
//! | other number (fraction, ±Infinity, beyond int32) | 10 (FLOAT64) |
//! | string of `n` UTF-8 bytes made at run time | `2 + roundup_even(n + 1)`: `""` 4, `"a"` 4, `"ab"` 6 |
//! | `{}` | 6 (PROPERTY_LIST: `dpNext`, `dpProto`) |
//! | each property added at run time | +10: a separate property cell, until the next collection |
//! | an object after a collection | `2 + 4 + 4·N` for `N` properties, one allocation |
//! | `[]` | 6 (ARRAY: `dpData` null, length Int14 0) |
//! | array elements | a separate FIXED_LENGTH_ARRAY of `2 + 2·capacity` |
//! | closure or scope of `k` slots | `2 + 2·k` (CLOSURE) |
//! | Uint8Array of `n` bytes (`n >= 1`) | `2 + roundup_even(n)` |
//!
//! Arrays grow by index assignment (`a[i] = v`, which is also what `push` does): when the index is
//! past the capacity, the new capacity is twice the old, at least 4 (`VM_ARRAY_INITIAL_CAPACITY`) and
//! at least the new length; the old data becomes garbage and spare slots hold `deleted` (`0x0019`).
//! Setting `length` past the capacity allocates exactly that capacity. The largest capacity is 2047
//! (`MAX_ALLOCATION_SIZE / 2`). A collection cuts the data to the length, or drops it at length 0.
//!
//! A string is interned, in place, the first time it is used as a property key: its header is retyped
//! from STRING to INTERNED_STRING and a 6-byte cell (`{spNext, str}`, a FIXED_LENGTH_ARRAY) is pushed
//! on the intern list, rooted in a global handle, so such strings are never collected.
//!
//! The table [`SIZES`] is what building each kind takes, before any collection; [`SIZES_COLLECTED`]
//! is what it takes after `runGC(true)`. Every figure was measured on the engine with
//! `node engines/microvium/measure.mjs sizes` (or `bugs` for the interned string).

use super::evidence::{BUGS, SIZES as MEASURE_SIZES, measured};
use crate::profile::SizeEntry;

/// Capacity of an array's first data allocation, in entries (`VM_ARRAY_INITIAL_CAPACITY`).
pub const ARRAY_INITIAL_CAPACITY: u16 = 4;

/// The largest array capacity, in entries: `MAX_ALLOCATION_SIZE / 2`.
pub const ARRAY_MAX_CAPACITY: u16 = super::header::MAX_ALLOCATION_SIZE_BYTES / 2;

/// Bytes of the cell pushed on the intern list when a RAM string is interned (`TsInternedStringCell`).
pub const INTERN_CELL_BYTES: u16 = 6;

/// Bytes of a property cell added by a run-time property store (`TsPropertyCell`).
pub const PROPERTY_CELL_BYTES: u16 = 10;

const fn e(
    kind: &'static str,
    args: &'static str,
    bytes: u64,
    allocations: u32,
    formula: &'static str,
) -> SizeEntry {
    SizeEntry {
        kind,
        args,
        bytes,
        allocations,
        formula,
        source: measured(MEASURE_SIZES),
    }
}

/// Heap bytes each kind takes as built, before a collection.
pub static SIZES: [SizeEntry; 29] = [
    e("int", "value=5", 0, 0, "Int14 in the value word"),
    e("int", "value=8192", 6, 1, "INT32: header 2 + int32 4"),
    e("int", "value=-8193", 6, 1, "INT32: header 2 + int32 4"),
    e("int", "value=2147483647", 6, 1, "INT32: header 2 + int32 4"),
    e(
        "int",
        "value=2147483648",
        10,
        1,
        "FLOAT64 beyond int32: header 2 + double 8",
    ),
    e("float", "value=1.5", 10, 1, "FLOAT64: header 2 + double 8"),
    e(
        "float",
        "value=inf",
        10,
        1,
        "FLOAT64: Infinity is not a well-known value",
    ),
    e("float", "value=3.0", 0, 0, "integral: normalised to Int14"),
    e("string", r#"text="""#, 4, 1, "STRING: header 2 + NUL 1, even 2"),
    e("string", r#"text="a""#, 4, 1, "STRING: header 2 + 1 + NUL 1"),
    e(
        "string",
        r#"text="ab""#,
        6,
        1,
        "STRING: header 2 + 2 + NUL 1, even 4",
    ),
    e("string", r#"text="abc""#, 6, 1, "STRING: header 2 + 3 + NUL 1"),
    e(
        "string",
        r#"text="abcd""#,
        8,
        1,
        "STRING: header 2 + 4 + NUL 1, even 6",
    ),
    e(
        "string",
        r#"text="length""#,
        10,
        1,
        "STRING: header 2 + 6 + NUL 1, even 8",
    ),
    e("uint8array", "len=1", 4, 1, "UINT8_ARRAY: header 2 + 1, even 2"),
    e("uint8array", "len=2", 4, 1, "UINT8_ARRAY: header 2 + 2"),
    e("uint8array", "len=3", 6, 1, "UINT8_ARRAY: header 2 + 3, even 4"),
    e(
        "uint8array",
        "len=4095",
        4098,
        1,
        "UINT8_ARRAY: header 2 + 4095, even 4096",
    ),
    e(
        "object",
        "props=0",
        6,
        1,
        "PROPERTY_LIST: header 2 + dpNext, dpProto 4",
    ),
    e("object", "props=1", 16, 2, "head 6 + one property cell 10"),
    e("object", "props=2", 26, 3, "head 6 + two property cells 2 x 10"),
    e("object", "props=3", 36, 4, "head 6 + three property cells 3 x 10"),
    e("array", "len=0", 6, 1, "ARRAY: header 2 + dpData, viLength 4"),
    e(
        "array",
        "len=0 capacity=3",
        14,
        2,
        "ARRAY 6 + FIXED_LENGTH_ARRAY 2 + 3 x 2",
    ),
    e(
        "array",
        "len=2 capacity=5",
        18,
        2,
        "ARRAY 6 + FIXED_LENGTH_ARRAY 2 + 5 x 2",
    ),
    e(
        "array",
        "len=3 capacity=3",
        14,
        2,
        "ARRAY 6 + FIXED_LENGTH_ARRAY 2 + 3 x 2",
    ),
    e("closure", "slots=2", 6, 1, "CLOSURE: header 2 + 2 x 2"),
    e("closure", "slots=3", 8, 1, "CLOSURE: header 2 + 3 x 2"),
    e("closure", "slots=5", 12, 1, "CLOSURE: header 2 + 5 x 2"),
];

/// Heap bytes each kind takes after `runGC(true)` (objects merged, arrays cut to their length).
pub static SIZES_COLLECTED: [SizeEntry; 8] = [
    e("object", "props=1", 10, 1, "one PROPERTY_LIST: 2 + 4 + 4 x 1"),
    e("object", "props=2", 14, 1, "one PROPERTY_LIST: 2 + 4 + 4 x 2"),
    e("object", "props=3", 18, 1, "one PROPERTY_LIST: 2 + 4 + 4 x 3"),
    e("array", "len=0 capacity=3", 6, 1, "data dropped at length 0"),
    e(
        "array",
        "len=2 capacity=5",
        12,
        2,
        "ARRAY 6 + data cut to 2: 2 + 2 x 2",
    ),
    e(
        "array",
        "len=1 capacity=4",
        10,
        2,
        "ARRAY 6 + data cut to 1: 2 + 1 x 2",
    ),
    e(
        "array",
        "len=3 capacity=3",
        14,
        2,
        "unchanged: data already at its length",
    ),
    SizeEntry {
        kind: "string",
        args: r#"text="width" interned=1"#,
        bytes: 14,
        allocations: 2,
        formula: "INTERNED_STRING 2 + 6 + intern cell 6",
        source: measured(BUGS),
    },
];

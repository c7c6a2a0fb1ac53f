//! Laws of the `skybison64` profile. The profile-independent ones (exactly one class per word,
//! round trips) are in [`crate::law`]; [`super::large_int::large_int_canonical`] is beside the
//! LargeInt layout.

use crate::law::{LawResult, Violation};
use crate::width::Width;

use super::header::HeaderFields;
use super::heap::{ADDRESS_MOD_GRANULE, OBJECT_ALIGNMENT_BYTES, OVERFLOW_ADDRESS_MOD_GRANULE};
use super::immediates::SMALL_INT;
use super::sizes::{data_array_bytes, word_object_bytes};
use super::tags::{HEADER_TAG, HEAP_OBJECT_TAG, PRIMARY_TAG_MASK, SMALL_INT_TAG, SMALL_INT_TAG_MASK};

const W: Width = Width::W64;

/// Law (SB-22): adding two SmallInt words as plain 64-bit integers gives the SmallInt word of the
/// sum, and the addition overflows exactly when the sum leaves the SmallInt range.
///
/// `observed` is what the implementation made of `a + b`: the sum word, or `None` when it
/// reported an overflow (and would take the slow path).
pub fn raw_small_int_add(a: u64, b: u64, observed: Option<u64>) -> LawResult {
    for w in [a, b] {
        if w & SMALL_INT_TAG_MASK != SMALL_INT_TAG {
            return Err(Violation::new(
                "raw-small-int-add",
                format_args!(
                    "{} is no SmallInt word (mask {SMALL_INT_TAG_MASK:#x} must be 0)",
                    W.hex(w)
                ),
            ));
        }
    }
    let sum = i128::from(a as i64 >> 1) + i128::from(b as i64 >> 1);
    let expected = i64::try_from(sum)
        .ok()
        .filter(|v| SMALL_INT.contains(*v))
        .map(|v| (v as u64) << 1);
    if let Some(e) = expected
        && e != a.wrapping_add(b)
    {
        return Err(Violation::new(
            "raw-small-int-add",
            format_args!(
                "{} + {} = {} as raw words, but the tagged sum {sum} is {}",
                W.hex(a),
                W.hex(b),
                W.hex(a.wrapping_add(b)),
                W.hex(e)
            ),
        ));
    }
    if observed == expected {
        return Ok(());
    }
    Err(Violation::new(
        "raw-small-int-add",
        format_args!(
            "{} + {} (values {} + {} = {sum}): got {}, expected {}",
            W.hex(a),
            W.hex(b),
            a as i64 >> 1,
            b as i64 >> 1,
            Shown(observed),
            Shown(expected)
        ),
    ))
}

/// Prints a sum word or `overflow`.
struct Shown(Option<u64>);

impl core::fmt::Display for Shown {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(w) => write!(f, "{}", W.hex(w)),
            None => f.write_str("overflow"),
        }
    }
}

/// Law: a header word made from `fields` is the word the [`super::header::HEADER`] layout makes,
/// and reading it back gives the same fields.
pub fn header_round_trip(fields: HeaderFields, word: u64, decoded: HeaderFields) -> LawResult {
    let expected = fields.word();
    if word == expected && decoded == fields {
        return Ok(());
    }
    Err(Violation::new(
        "header-round-trip",
        format_args!(
            "fields {fields:?}: word {} (expected {}), read back as {decoded:?}",
            W.hex(word),
            W.hex(expected)
        ),
    ))
}

/// Law: an object whose header says `format` (0 data, 1 objects) and whose real count is `count`
/// takes the bytes `RawHeapObject::size` gives: header (and overflow word), payload, rounding.
pub fn object_size(format: u64, count: u64, observed: u64) -> LawResult {
    let (expected, formula) = if format == super::header::FORMAT_OBJECTS {
        (word_object_bytes(count), "roundUp16(header + 8 x count words)")
    } else {
        (data_array_bytes(count), "roundUp16(header + count bytes)")
    };
    if expected == Some(observed) {
        return Ok(());
    }
    Err(Violation::new(
        "object-size",
        format_args!(
            "format {format} count {count}: {observed} bytes, expected {:?} = {formula} (header 16 when count > 254)",
            expected
        ),
    ))
}

/// Law: the word in an object's header slot is a header exactly when the object has not moved;
/// a moved object's header slot holds the tagged pointer to its copy.
pub fn forwarding(header_slot: u64, moved: bool) -> LawResult {
    let is_header = header_slot & PRIMARY_TAG_MASK == HEADER_TAG;
    let is_pointer = header_slot & PRIMARY_TAG_MASK == HEAP_OBJECT_TAG;
    let ok = if moved { is_pointer } else { is_header };
    if ok {
        return Ok(());
    }
    Err(Violation::new(
        "forwarding",
        format_args!(
            "header slot {} ({}) of an object that {}: expected {}",
            W.hex(header_slot),
            W.bits_under(header_slot, PRIMARY_TAG_MASK),
            if moved { "moved" } else { "did not move" },
            if moved {
                "a heap-object pointer, low bits 001"
            } else {
                "a header, low bits 011"
            }
        ),
    ))
}

/// Law: an object's address sits at 8 in its 16-byte granule, or at 0 when an overflow word comes
/// before the header.
pub fn address_in_granule(address: u64, has_overflow: bool) -> LawResult {
    let expected = if has_overflow {
        OVERFLOW_ADDRESS_MOD_GRANULE
    } else {
        ADDRESS_MOD_GRANULE
    };
    let got = address % OBJECT_ALIGNMENT_BYTES;
    if got == expected {
        return Ok(());
    }
    Err(Violation::new(
        "address-in-granule",
        format_args!(
            "address {} is {got} mod {OBJECT_ALIGNMENT_BYTES}, expected {expected} ({})",
            W.hex(address),
            if has_overflow {
                "overflow word and header take 16 bytes"
            } else {
                "the header takes the first 8 bytes of a 16-aligned allocation"
            }
        ),
    ))
}

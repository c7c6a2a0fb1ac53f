//! Tags: how a `RawObject` word says what it holds.
//!
//! The document describes a 3-bit low tag that escapes into a 5-bit high tag. The code tests four
//! different widths:
//!
//! | class | test | width |
//! |---|---|---|
//! | SmallInt | `raw & 0x1 == 0` | 1 bit (`kSmallIntTagMask`) |
//! | heap object | `raw & 0x7 == 0x1` | 3 bits (`kPrimaryTagMask`) |
//! | header | `raw & 0x7 == 0x3` | 3 bits |
//! | SmallBytes, SmallStr | `raw & 0x1F == 0x05`, `0x0D` | 5 bits (`kImmediateTagMask`) |
//! | Bool, Error | `raw & 0xFF == 0x07`, `0x15` | 8 bits (`RawBool::kTagMask`, `RawError::kTagMask`) |
//! | NotImplemented, Unbound, None | `raw == 0x0F`, `0x17`, all ones | the whole word |
//!
//! A word that passes none of these tests is no value at all ([`TagClass::Invalid`]): the 5-bit
//! tag `11101` is unused ("room for one more immediate", `LayoutId` comment), and a word whose low
//! five bits say Bool, Error, NotImplemented, Unbound or None but whose other bits differ from the
//! test is rejected by every `is*` predicate, even though `RawObject::layoutId()` would still read
//! a layout id from its low five bits.

use super::upstream::objects_h;
use crate::tag::{BitTest, TagClass, TagRule};

/// Bits of the SmallInt tag (`RawObject::kSmallIntTagBits`).
pub const SMALL_INT_TAG_BITS: u32 = 1;
/// Bits of the primary tag that tells heap objects and headers from immediates
/// (`RawObject::kPrimaryTagBits`).
pub const PRIMARY_TAG_BITS: u32 = 3;
/// Bits of the immediate tag; also the layout id of a non-SmallInt immediate
/// (`RawObject::kImmediateTagBits`).
pub const IMMEDIATE_TAG_BITS: u32 = 5;
/// Bits of the Bool and Error tags: the whole low byte (`RawBool::kTagMask`, `RawError::kTagMask`,
/// both `(1 << kBitsPerByte) - 1`).
pub const BYTE_TAG_BITS: u32 = 8;

const fn low_mask(bits: u32) -> u64 {
    (1 << bits) - 1
}

/// `RawObject::kSmallIntTagMask`.
pub const SMALL_INT_TAG_MASK: u64 = low_mask(SMALL_INT_TAG_BITS);
/// `RawObject::kPrimaryTagMask`.
pub const PRIMARY_TAG_MASK: u64 = low_mask(PRIMARY_TAG_BITS);
/// `RawObject::kImmediateTagMask`.
pub const IMMEDIATE_TAG_MASK: u64 = low_mask(IMMEDIATE_TAG_BITS);
/// `RawBool::kTagMask` and `RawError::kTagMask`.
pub const BYTE_TAG_MASK: u64 = low_mask(BYTE_TAG_BITS);

/// `RawObject::kSmallIntTag`, `0b****0`.
pub const SMALL_INT_TAG: u64 = 0;
/// `RawObject::kHeapObjectTag`, `0b**001`.
pub const HEAP_OBJECT_TAG: u64 = 1;
/// `RawObject::kHeaderTag`, `0b**011`.
pub const HEADER_TAG: u64 = 3;
/// `RawObject::kSmallBytesTag`, `0b00101`.
pub const SMALL_BYTES_TAG: u64 = 5;
/// `RawObject::kBoolTag`, `0b00111`.
pub const BOOL_TAG: u64 = 7;
/// `RawObject::kSmallStrTag`, `0b01101`.
pub const SMALL_STR_TAG: u64 = 13;
/// `RawObject::kNotImplementedTag`, `0b01111`.
pub const NOT_IMPLEMENTED_TAG: u64 = 15;
/// `RawObject::kErrorTag`, `0b10101`.
pub const ERROR_TAG: u64 = 21;
/// `RawObject::kUnboundTag`, `0b10111`.
pub const UNBOUND_TAG: u64 = 23;
/// The one unused 5-bit tag, `0b11101` (`RawObject` constants: "0b11101 is unused"; `LayoutId`:
/// "We have room for one more immediate object with LayoutId = 29").
pub const UNUSED_TAG: u64 = 29;
/// `RawObject::kNoneTag`, `0b11111`.
pub const NONE_TAG: u64 = 31;

/// `RawNoneType::object()`: `kMaxUword`, every bit set.
pub const NONE_WORD: u64 = u64::MAX;

/// The `skybison64` tag rules, in the order `RawObject`'s predicates are usually tried.
pub static TAGS: &[TagRule] = &[
    TagRule {
        class: TagClass::SmallInt,
        tests: &[BitTest::eq(SMALL_INT_TAG_MASK, SMALL_INT_TAG)],
        range: None,
        encoding: "raw = value << 1; value = (signed) raw >> 1",
        source: objects_h("RawObject::isSmallInt, RawSmallInt::fromWord"),
    },
    TagRule {
        class: TagClass::Pointer,
        tests: &[BitTest::eq(PRIMARY_TAG_MASK, HEAP_OBJECT_TAG)],
        range: None,
        encoding: "raw = address + 1; address = first field, header at address - 8",
        source: objects_h("RawObject::isHeapObject, RawHeapObject::fromAddress"),
    },
    TagRule {
        class: TagClass::Header,
        tests: &[BitTest::eq(PRIMARY_TAG_MASK, HEADER_TAG)],
        range: None,
        encoding: "tag 3 | format << 3 | layout id << 4 | count << 24 | hash << 32",
        source: objects_h("RawObject::isHeader, RawHeader::from"),
    },
    TagRule {
        class: TagClass::SmallBytes,
        tests: &[BitTest::eq(IMMEDIATE_TAG_MASK, SMALL_BYTES_TAG)],
        range: None,
        encoding: "byte 0 = length << 5 | 0x05; bytes 1..=length = the bytes",
        source: objects_h("RawObject::isSmallBytes, RawSmallBytes::fromBytes"),
    },
    TagRule {
        class: TagClass::SmallStr,
        tests: &[BitTest::eq(IMMEDIATE_TAG_MASK, SMALL_STR_TAG)],
        range: None,
        encoding: "byte 0 = length << 5 | 0x0D; bytes 1..=length = the UTF-8 bytes",
        source: objects_h("RawObject::isSmallStr, RawSmallStr::fromBytes"),
    },
    TagRule {
        class: TagClass::Error,
        tests: &[BitTest::eq(BYTE_TAG_MASK, ERROR_TAG)],
        range: None,
        encoding: "raw = kind << 8 | 0x15 (kind 0..=5, ErrorKind)",
        source: objects_h("RawObject::isError, RawError::kTagMask, RawError::RawError"),
    },
    TagRule {
        class: TagClass::Bool,
        tests: &[BitTest::eq(BYTE_TAG_MASK, BOOL_TAG)],
        range: None,
        encoding: "raw = value << 8 | 0x07: False 0x07, True 0x107",
        source: objects_h("RawObject::isBool, RawBool::kTagMask, RawBool::fromBool"),
    },
    TagRule {
        class: TagClass::NotImplemented,
        tests: &[BitTest::eq(u64::MAX, NOT_IMPLEMENTED_TAG)],
        range: None,
        encoding: "the single word 0x0F",
        source: objects_h("RawObject::isNotImplementedType, RawNotImplementedType::object"),
    },
    TagRule {
        class: TagClass::Unbound,
        tests: &[BitTest::eq(u64::MAX, UNBOUND_TAG)],
        range: None,
        encoding: "the single word 0x17",
        source: objects_h("RawObject::isUnbound, RawUnbound::object"),
    },
    TagRule {
        class: TagClass::None,
        tests: &[BitTest::eq(u64::MAX, NONE_WORD)],
        range: None,
        encoding: "the single word with every bit set",
        source: objects_h("RawObject::isNoneType, RawNoneType::object"),
    },
];

//! Immediate objects: values stored in the `RawObject` word itself.
//!
//! * **SmallInt**: the value shifted left by one. `kBits = 63`, so the range is `-2^62 ..= 2^62 - 1`;
//!   anything outside is a `LargeInt` on the heap.
//! * **SmallStr / SmallBytes**: the low byte is `length << 5 | tag`, the data follows from byte 1
//!   in memory order, so on a little-endian machine the first byte sits in bits 8..16. At most 7
//!   bytes (`RawSmallData::kMaxLength = kWordSize - 1`); bytes past the length are zero. Strings and
//!   bytes of 7 bytes or fewer are always immediates (`Runtime::newStrWithAll`,
//!   `Runtime::newBytesWithAll`); `LargeStr` and `LargeBytes` exist only for longer ones. The two
//!   kinds differ only in the tag, so `becomeStr`/`becomeBytes` flip `raw ^ 0x0D ^ 0x05`.
//! * **Bool**: `value << 8 | 0x07`; the value is the whole byte at bit 8, not the bit after the tag.
//! * **Error**: `kind << 8 | 0x15`, with `ErrorKind` 0 to 5 in bits 8..11 (`kKindBits = 3`).
//! * **NotImplemented** `0x0F`, **Unbound** `0x17`, **None** all ones: single words.

use super::upstream::objects_h;
use crate::profile::{Immediate, IntRange};

/// Value bits of a SmallInt: `RawSmallInt::kBits = kBitsPerPointer - kSmallIntTagBits`.
pub const SMALL_INT_BITS: u32 = 64 - super::tags::SMALL_INT_TAG_BITS;

/// The SmallInt range: `RawSmallInt::kMinValue ..= RawSmallInt::kMaxValue`.
pub const SMALL_INT: IntRange = IntRange {
    min: -(1 << (SMALL_INT_BITS - 1)),
    max: (1 << (SMALL_INT_BITS - 1)) - 1,
    source: objects_h("RawSmallInt::kMinValue, RawSmallInt::kMaxValue"),
};

/// Most bytes a SmallStr or SmallBytes holds (`RawSmallData::kMaxLength = kWordSize - 1`).
pub const SMALL_DATA_MAX_BYTES: u32 = 7;
/// Byte of the word where the data starts (`RawSmallData::kDataOffset`).
pub const SMALL_DATA_OFFSET_BYTES: u32 = 1;
/// Bit where the length of a SmallStr or SmallBytes starts (`RawSmallData::length`, which shifts by
/// `kImmediateTagBits`).
pub const SMALL_DATA_LENGTH_SHIFT_BITS: u32 = super::tags::IMMEDIATE_TAG_BITS;
/// Bit where a Bool's value starts (`RawBool::kValueOffset = kBitsPerByte`).
pub const BOOL_VALUE_SHIFT_BITS: u32 = 8;
/// Bit where an Error's kind starts (`RawError::kKindOffset = kBitsPerByte`).
pub const ERROR_KIND_SHIFT_BITS: u32 = 8;
/// Bits of an Error's kind (`RawError::kKindBits`).
pub const ERROR_KIND_BITS: u32 = 3;

/// `enum class ErrorKind : byte`, in declaration order: the kind number is the index.
pub const ERROR_KINDS: [&str; 6] = [
    "kNone",
    "kException",
    "kNotFound",
    "kOutOfBounds",
    "kOutOfMemory",
    "kNoMoreItems",
];

const fn error(kind: u64) -> u64 {
    kind << ERROR_KIND_SHIFT_BITS | super::tags::ERROR_TAG
}

/// The constants stored in a word.
pub static IMMEDIATES: &[Immediate] = &[
    Immediate {
        name: "False",
        raw: super::tags::BOOL_TAG,
        source: objects_h("RawBool::fromBool, RawBool::kValueOffset"),
    },
    Immediate {
        name: "True",
        raw: 1 << BOOL_VALUE_SHIFT_BITS | super::tags::BOOL_TAG,
        source: objects_h("RawBool::fromBool, RawBool::kValueOffset"),
    },
    Immediate {
        name: "None",
        raw: super::tags::NONE_WORD,
        source: objects_h("RawNoneType::object (kMaxUword)"),
    },
    Immediate {
        name: "NotImplemented",
        raw: super::tags::NOT_IMPLEMENTED_TAG,
        source: objects_h("RawNotImplementedType::object"),
    },
    Immediate {
        name: "Unbound",
        raw: super::tags::UNBOUND_TAG,
        source: objects_h("RawUnbound::object"),
    },
    Immediate {
        name: "Error::error",
        raw: error(0),
        source: objects_h("RawError::error, ErrorKind::kNone"),
    },
    Immediate {
        name: "Error::exception",
        raw: error(1),
        source: objects_h("RawError::exception, ErrorKind::kException"),
    },
    Immediate {
        name: "Error::notFound",
        raw: error(2),
        source: objects_h("RawError::notFound, ErrorKind::kNotFound"),
    },
    Immediate {
        name: "Error::outOfBounds",
        raw: error(3),
        source: objects_h("RawError::outOfBounds, ErrorKind::kOutOfBounds"),
    },
    Immediate {
        name: "Error::outOfMemory",
        raw: error(4),
        source: objects_h("RawError::outOfMemory, ErrorKind::kOutOfMemory"),
    },
    Immediate {
        name: "Error::noMoreItems",
        raw: error(5),
        source: objects_h("RawError::noMoreItems, ErrorKind::kNoMoreItems"),
    },
    Immediate {
        name: "SmallStr::empty",
        raw: super::tags::SMALL_STR_TAG,
        source: objects_h("RawSmallStr::empty"),
    },
    Immediate {
        name: "SmallBytes::empty",
        raw: super::tags::SMALL_BYTES_TAG,
        source: objects_h("RawSmallBytes::empty"),
    },
    Immediate {
        name: "SmallInt 0",
        raw: 0,
        source: objects_h("RawObject::raw_ (\"Zero-initializing raw_ gives RawSmallInt::fromWord(0)\")"),
    },
];

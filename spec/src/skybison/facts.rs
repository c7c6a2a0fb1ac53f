//! Every named layout fact of `skybison64`, with its unit and source. The constants live beside
//! the idea they belong to ([`super::immediates`], [`super::header`], [`super::heap`],
//! [`super::layout_ids`]); this table names and sources them for `memspec explain`.

use super::header::*;
use super::heap::*;
use super::immediates::*;
use super::layout_ids::{FIRST_EXCEPTION, LAST_BUILTIN, LAST_NON_INSTANCE, SENTINEL};
use super::upstream::{objects_h, src};
use crate::fact::{Fact, Unit};

/// The facts, immediates first, then the header, the heap and the layout ids.
pub static FACTS: &[Fact] = &[
    Fact {
        name: "RawSmallInt::kBits",
        value: SMALL_INT_BITS as i64,
        unit: Unit::Bits,
        meaning: "value bits of a SmallInt",
        source: objects_h("RawSmallInt::kBits"),
    },
    Fact {
        name: "RawSmallData::kMaxLength",
        value: SMALL_DATA_MAX_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "most bytes a SmallStr or SmallBytes holds",
        source: objects_h("RawSmallData::kMaxLength"),
    },
    Fact {
        name: "RawSmallData::kDataOffset",
        value: SMALL_DATA_OFFSET_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "byte of the word where SmallStr and SmallBytes data starts",
        source: objects_h("RawSmallData::kDataOffset"),
    },
    Fact {
        name: "SmallData length shift",
        value: SMALL_DATA_LENGTH_SHIFT_BITS as i64,
        unit: Unit::Bits,
        meaning: "the length of a SmallStr or SmallBytes is (raw >> 5) & 7",
        source: objects_h("RawSmallData::length"),
    },
    Fact {
        name: "RawBool::kValueOffset",
        value: BOOL_VALUE_SHIFT_BITS as i64,
        unit: Unit::Bits,
        meaning: "bit where a Bool's value byte starts",
        source: objects_h("RawBool::kValueOffset"),
    },
    Fact {
        name: "RawError::kKindOffset",
        value: ERROR_KIND_SHIFT_BITS as i64,
        unit: Unit::Bits,
        meaning: "bit where an Error's kind starts",
        source: objects_h("RawError::kKindOffset"),
    },
    Fact {
        name: "RawError::kKindBits",
        value: ERROR_KIND_BITS as i64,
        unit: Unit::Bits,
        meaning: "bits of an Error's kind",
        source: objects_h("RawError::kKindBits"),
    },
    Fact {
        name: "ErrorKind count",
        value: ERROR_KINDS.len() as i64,
        unit: Unit::Count,
        meaning: "ErrorKind values kNone..=kNoMoreItems",
        source: objects_h("enum class ErrorKind"),
    },
    Fact {
        name: "RawHeader::kCountMax",
        value: COUNT_MAX as i64,
        unit: Unit::Count,
        meaning: "largest count stored in the header itself",
        source: objects_h("RawHeader::kCountMax"),
    },
    Fact {
        name: "RawHeader::kCountOverflowFlag",
        value: COUNT_OVERFLOW_FLAG as i64,
        unit: Unit::Number,
        meaning: "count field meaning: the real count is the SmallInt at address - 16",
        source: objects_h("RawHeader::kCountOverflowFlag, RawHeapObject::initializeHeader"),
    },
    Fact {
        name: "RawHeader::kMaxLayoutId",
        value: MAX_LAYOUT_ID_CHECKED as i64,
        unit: Unit::Number,
        meaning: "bound checked on layout ids; one bit wider than the 20-bit field",
        source: objects_h("RawHeader::kMaxLayoutId, RawHeader::withLayoutId"),
    },
    Fact {
        name: "RawHeader::kUninitializedHash",
        value: 0,
        unit: Unit::Number,
        meaning: "hash field of a new object",
        source: objects_h("RawHeader::kUninitializedHash, RawInstance::initializeWithNone"),
    },
    Fact {
        name: "kPointerSize",
        value: WORD_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "bytes of a word, a pointer and a header",
        source: src("runtime/globals.h", "kPointerSize"),
    },
    Fact {
        name: "kObjectAlignment",
        value: OBJECT_ALIGNMENT_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "allocation granule: every allocation size is rounded up to it",
        source: objects_h("kObjectAlignment, roundAllocationSize"),
    },
    Fact {
        name: "RawHeapObject::kHeaderOffset",
        value: HEADER_OFFSET_BYTES,
        unit: Unit::Bytes,
        meaning: "the header word is 8 bytes before the object's address",
        source: objects_h("RawHeapObject::kHeaderOffset"),
    },
    Fact {
        name: "RawHeapObject::kHeaderOverflowOffset",
        value: HEADER_OVERFLOW_OFFSET_BYTES,
        unit: Unit::Bytes,
        meaning: "the overflow count word is 16 bytes before the object's address",
        source: objects_h("RawHeapObject::kHeaderOverflowOffset"),
    },
    Fact {
        name: "tagged pointer offset (kHeapObjectTag)",
        value: POINTER_TAG_OFFSET_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "raw pointer word = address + 1",
        source: objects_h("RawHeapObject::fromAddress, RawHeapObject::address"),
    },
    Fact {
        name: "address mod 16",
        value: ADDRESS_MOD_GRANULE as i64,
        unit: Unit::Bytes,
        meaning: "an object's address within its 16-byte granule (no overflow word)",
        source: src(
            "runtime/space.h",
            "Space::allocate (bump pointer; sizes from roundAllocationSize)",
        ),
    },
    Fact {
        name: "address mod 16 (overflow)",
        value: OVERFLOW_ADDRESS_MOD_GRANULE as i64,
        unit: Unit::Bytes,
        meaning: "an object's address within its granule when an overflow word precedes the header",
        source: objects_h("RawHeapObject::initializeHeader"),
    },
    Fact {
        name: "fresh space byte",
        value: 0,
        unit: Unit::Number,
        meaning: "a new space is a fresh anonymous mmap: unwritten words read as SmallInt 0",
        source: src("runtime/os.cpp", "OS::allocateMemory (MAP_ANONYMOUS)"),
    },
    Fact {
        name: "None fill byte",
        value: NONE_FILL_BYTE as i64,
        unit: Unit::Number,
        meaning: "instances are filled with this byte, which makes every attribute None",
        source: objects_h("RawInstance::initializeWithNone (memset -1)"),
    },
    Fact {
        name: "LayoutId::kLastNonInstance",
        value: LAST_NON_INSTANCE as i64,
        unit: Unit::Number,
        meaning: "last heap layout that is not an instance (Tuple)",
        source: objects_h("LayoutId::kLastNonInstance"),
    },
    Fact {
        name: "LayoutId::kFirstException",
        value: FIRST_EXCEPTION as i64,
        unit: Unit::Number,
        meaning: "first exception layout (ArithmeticError)",
        source: objects_h("LayoutId::kFirstException"),
    },
    Fact {
        name: "LayoutId::kLastBuiltinId",
        value: LAST_BUILTIN as i64,
        unit: Unit::Number,
        meaning: "last builtin layout (ZeroDivisionError)",
        source: objects_h("LayoutId::kLastBuiltinId"),
    },
    Fact {
        name: "first user layout id",
        value: SENTINEL as i64,
        unit: Unit::Number,
        meaning: "kSentinelId = kLastBuiltinId + 1, the first id reserveLayoutId hands out",
        source: src("runtime/runtime.cpp", "Runtime::reserveLayoutId, num_layouts_"),
    },
];

//! What follows the header of each builtin heap kind: its format, what its count counts, and
//! where its data sits. Offsets are from the object's address (the first field).

use super::header::{FORMAT_DATA, FORMAT_OBJECTS};
use super::upstream::{objects_h, src};
use crate::evidence::Evidence;

/// What the header's count holds for a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Always this number.
    Fixed(u64),
    /// The length in bytes.
    Bytes,
    /// The length in words (elements or attributes).
    Words,
    /// Eight bytes per digit.
    DigitBytes,
}

/// The payload of one heap kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The layout (`LayoutId` name without the `k`).
    pub layout: &'static str,
    /// [`FORMAT_DATA`] or [`FORMAT_OBJECTS`].
    pub format: u64,
    /// What the count holds.
    pub count: Count,
    /// Where the data is.
    pub layout_of_data: &'static str,
    /// Where it comes from.
    pub source: Evidence,
}

/// The payload of each builtin heap kind the profile allocates.
pub static PAYLOADS: &[Payload] = &[
    Payload {
        layout: "Float",
        format: FORMAT_DATA,
        count: Count::Fixed(8),
        layout_of_data: "the IEEE double at offset 0 (kValueOffset)",
        source: objects_h("RawFloat::initialize, RawFloat::kValueOffset"),
    },
    Payload {
        layout: "Complex",
        format: FORMAT_DATA,
        count: Count::Fixed(16),
        layout_of_data: "real at offset 0, imaginary at offset 8",
        source: objects_h("RawComplex::initialize, kRealOffset, kImagOffset"),
    },
    Payload {
        layout: "Ellipsis",
        format: FORMAT_DATA,
        count: Count::Fixed(0),
        layout_of_data: "nothing; 8 bytes of padding fill the granule",
        source: objects_h("RawEllipsis::initialize"),
    },
    Payload {
        layout: "LargeInt",
        format: FORMAT_DATA,
        count: Count::DigitBytes,
        layout_of_data: "64-bit digits from offset 0, least significant first, two's complement",
        source: objects_h("RawLargeInt::initialize, RawLargeInt::digitAt"),
    },
    Payload {
        layout: "LargeStr",
        format: FORMAT_DATA,
        count: Count::Bytes,
        layout_of_data: "UTF-8 bytes from offset 0; no length field, no terminator; more than 7 bytes",
        source: objects_h("RawDataArray::initialize, RawDataArray::byteAt"),
    },
    Payload {
        layout: "LargeBytes",
        format: FORMAT_DATA,
        count: Count::Bytes,
        layout_of_data: "bytes from offset 0; more than 7 bytes",
        source: objects_h("RawDataArray::initialize, RawLargeBytes::allocationSize"),
    },
    Payload {
        layout: "MutableBytes",
        format: FORMAT_DATA,
        count: Count::Bytes,
        layout_of_data: "bytes from offset 0; any length",
        source: src("runtime/runtime.cpp", "Runtime::createMutableBytes"),
    },
    Payload {
        layout: "Tuple",
        format: FORMAT_OBJECTS,
        count: Count::Words,
        layout_of_data: "element i at offset 8 i; made as a MutableTuple whose layout id becomeImmutable rewrites",
        source: objects_h("RawTuple::at, RawMutableTuple::becomeImmutable"),
    },
    Payload {
        layout: "MutableTuple",
        format: FORMAT_OBJECTS,
        count: Count::Words,
        layout_of_data: "element i at offset 8 i; fresh space, so SmallInt 0 until written",
        source: objects_h("RawMutableTuple::initialize, RawTuple::atPut"),
    },
    Payload {
        layout: "instance",
        format: FORMAT_OBJECTS,
        count: Count::Words,
        layout_of_data: "in-object attribute i at offset 8 i, all None (0xFF bytes) when new",
        source: objects_h("RawInstance::initializeWithNone, RawInstance::instanceVariableAt"),
    },
];

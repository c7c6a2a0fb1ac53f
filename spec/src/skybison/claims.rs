//! What the pinned source says of each claim of Skybison's `doc/object-model.md` (SB-01..SB-34).

use super::upstream::{objects_h, src};
use crate::claim::{Assessment, Verdict};
use crate::evidence::Evidence;
use crate::profile::ProfileId;

const P: &[ProfileId] = &[ProfileId::Skybison64];

const fn a(claim: &'static str, verdict: Verdict, evidence: &'static [Evidence]) -> Assessment {
    Assessment {
        claim,
        profiles: P,
        verdict,
        evidence,
    }
}

const fn partly(truth: &'static str) -> Verdict {
    Verdict::Partly { truth }
}

const fn wrong(truth: &'static str) -> Verdict {
    Verdict::Wrong { truth }
}

const fn untestable(why: &'static str) -> Verdict {
    Verdict::Untestable { why }
}

const SCAVENGER: &str = "runtime/scavenger.cpp";
const X64: &str = "runtime/interpreter-gen-x64.cpp";

/// The `skybison64` verdicts, one per claim, in claim order.
pub static ASSESSMENTS: &[Assessment] = &[
    a(
        "SB-01",
        untestable(
            "a claim about speed relative to CPython; memspec measures layouts, not interpreter speed",
        ),
        &[],
    ),
    a(
        "SB-02",
        untestable("a claim about CPython's allocator, whose source is not pinned here"),
        &[],
    ),
    a("SB-03", Verdict::Holds, &[objects_h("IMMEDIATE_CLASS_NAMES")]),
    a(
        "SB-04",
        Verdict::Holds,
        &[objects_h("class RawObject (one uword raw_)")],
    ),
    a(
        "SB-05",
        Verdict::Holds,
        &[objects_h(
            "RawObject::isHeapObject, RawObject::isImmediateObjectNotSmallInt",
        )],
    ),
    a(
        "SB-06",
        Verdict::Holds,
        &[
            src(
                "doc/object-model.md",
                "NOTE: written during early project planning stages",
            ),
            Evidence::Derived(
                "SB-08, SB-10, SB-12, SB-13, SB-16, SB-17, SB-23, SB-25 and SB-28 do not match runtime/objects.h",
            ),
        ],
    ),
    a(
        "SB-07",
        Verdict::Holds,
        &[objects_h(
            "RawObject::layoutId (raw & kImmediateTagMask for immediates)",
        )],
    ),
    a(
        "SB-08",
        partly(
            "only SmallStr and SmallBytes are matched on the 5-bit tag (kImmediateTagMask); SmallInt is matched \
             on 1 bit, heap objects and headers on 3, Bool and Error on the whole low byte (kTagMask = 0xFF), \
             and NotImplemented, Unbound and None by comparing the whole word",
        ),
        &[objects_h(
            "RawObject::isSmallInt, isHeapObject, isSmallStr, isBool, isError, isNoneType; RawBool::kTagMask",
        )],
    ),
    a(
        "SB-09",
        Verdict::Holds,
        &[objects_h(
            "RawSmallInt::kBits, RawSmallInt::value, RawSmallInt::fromWord",
        )],
    ),
    a(
        "SB-10",
        partly(
            "raw - 1 is RawHeapObject::address(), the object's first field; the header is at address - 8 and \
             the allocation starts at baseAddress() = address - 8, or address - 16 with an overflow word",
        ),
        &[objects_h(
            "RawHeapObject::address, RawHeapObject::baseAddress, RawHeapObject::kHeaderOffset",
        )],
    ),
    a(
        "SB-11",
        Verdict::Holds,
        &[objects_h("RawObject::kHeaderTag, RawObject::isHeader")],
    ),
    a(
        "SB-12",
        partly(
            "101 is the primary tag of SmallBytes (00101), SmallStr (01101) and Error (10101), with 11101 unused; \
             SmallBytes and SmallStr are told apart on 5 bits, Error on the whole low byte 0x15",
        ),
        &[objects_h(
            "RawObject::kSmallBytesTag, kSmallStrTag, kErrorTag, RawError::kTagMask",
        )],
    ),
    a(
        "SB-13",
        partly(
            "111 is the primary tag of Bool (00111), NotImplemented (01111), Unbound (10111) and None (11111); \
             Bool is matched on the whole low byte 0x07, the other three by whole-word equality",
        ),
        &[objects_h(
            "RawObject::isBool, isNotImplementedType, isUnbound, isNoneType",
        )],
    ),
    a(
        "SB-14",
        Verdict::Holds,
        &[
            src("runtime/objects.cpp", "RawSmallBytes::fromBytes"),
            objects_h("RawSmallData::length, RawSmallData::kDataOffset"),
        ],
    ),
    a(
        "SB-15",
        Verdict::Holds,
        &[
            src("runtime/objects.cpp", "RawSmallStr::fromBytes"),
            objects_h("RawSmallData::length, RawSmallData::kDataOffset"),
        ],
    ),
    a(
        "SB-16",
        wrong(
            "the kind is stored from bit 8 (RawError::kKindOffset = kBitsPerByte, kKindBits = 3), not in the 3 bits \
             after the tag; bits 5-7 are 0 and the low byte 0x15 is the tag: Error words are 0x15, 0x115, .., 0x515",
        ),
        &[objects_h(
            "RawError::kKindOffset, RawError::RawError, RawObject::isError",
        )],
    ),
    a(
        "SB-17",
        wrong(
            "the value is the byte from bit 8 (RawBool::kValueOffset = kBitsPerByte), not the bit after the tag: \
             False is 0x07, True 0x107, and isBool tests the whole low byte",
        ),
        &[objects_h(
            "RawBool::kValueOffset, RawBool::fromBool, RawObject::isBool",
        )],
    ),
    a(
        "SB-18",
        Verdict::Holds,
        &[objects_h(
            "RawNotImplementedType::object, RawObject::isNotImplementedType",
        )],
    ),
    a(
        "SB-19",
        Verdict::Holds,
        &[objects_h("RawUnbound::object, RawObject::isUnbound")],
    ),
    a(
        "SB-20",
        Verdict::Holds,
        &[objects_h(
            "RawNoneType::object (kMaxUword), RawInstance::initializeWithNone",
        )],
    ),
    a(
        "SB-21",
        untestable("how often a program meets immediates is a property of programs, not of the layout"),
        &[],
    ),
    a(
        "SB-22",
        Verdict::Holds,
        &[
            src(
                X64,
                "emitHandler<BINARY_ADD_SMALLINT> (addq of the raw words, jcc YES_OVERFLOW)",
            ),
            src(
                "runtime/interpreter.cpp",
                "Interpreter::doBinaryAddSmallInt (decodes, adds, SmallInt::isValid)",
            ),
        ],
    ),
    a(
        "SB-23",
        wrong(
            "the tag takes 3 bits, so addresses must end in 000 (RawHeapObject::fromAddress checks \
             address & kPrimaryTagMask == 0); allocations start on 16-byte boundaries (kObjectAlignment), so an \
             object's address is 8 mod 16, or 0 mod 16 when an overflow word precedes the header",
        ),
        &[
            objects_h("RawHeapObject::fromAddress, kObjectAlignment, roundAllocationSize"),
            src("runtime/space.h", "Space::allocate"),
        ],
    ),
    a(
        "SB-24",
        Verdict::Holds,
        &[src(
            X64,
            "heapObjectDisp (offset - kHeapObjectTag as the displacement)",
        )],
    ),
    a(
        "SB-25",
        partly(
            "the header is the word before the object's address; it is the first word of the allocation only when \
             the count is at most 254, otherwise the overflow count (a SmallInt) comes first",
        ),
        &[objects_h(
            "RawHeapObject::initializeHeader, RawHeapObject::kHeaderOverflowOffset",
        )],
    ),
    a(
        "SB-26",
        Verdict::Holds,
        &[
            src(
                SCAVENGER,
                "Scavenger::processGrayObjectsIn (skips words until a header)",
            ),
            src("runtime/heap.cpp", "Heap::visitSpace"),
        ],
    ),
    a(
        "SB-27",
        Verdict::Holds,
        &[objects_h(
            "RawHeader (layout id bits 4-23, hash bits 32-63; also format and count)",
        )],
    ),
    a(
        "SB-28",
        partly(
            "after the header come the fields, then padding up to the 16-byte granule; an object with a count over \
             254 has its overflow word before the header; data-format objects hold bytes, not attributes",
        ),
        &[objects_h(
            "RawHeapObject::size, RawHeapObject::headerSize, roundAllocationSize",
        )],
    ),
    a(
        "SB-29",
        Verdict::Holds,
        &[objects_h(
            "RawFloat::kValueOffset, RawDataArray, ObjectFormat::kData",
        )],
    ),
    a(
        "SB-30",
        Verdict::Holds,
        &[objects_h(
            "RawInstance::initializeWithNone (ObjectFormat::kObjects)",
        )],
    ),
    a(
        "SB-31",
        Verdict::Holds,
        &[
            objects_h("RawLargeInt, RawLargeStr, RawLargeBytes"),
            src(
                "runtime/runtime.cpp",
                "Runtime::newStrWithAll, Runtime::newBytesWithAll",
            ),
        ],
    ),
    a(
        "SB-32",
        Verdict::Holds,
        &[objects_h(
            "RawLargeStr : RawDataArray, RawDataArray::length (the header count)",
        )],
    ),
    a(
        "SB-33",
        Verdict::Holds,
        &[objects_h(
            "RawLargeInt (\"64 bit digits in two's complement\"), RawLargeInt::digitAt",
        )],
    ),
    a(
        "SB-34",
        Verdict::Holds,
        &[objects_h(
            "RawInt, RawStr (wrappers over SmallInt/LargeInt/Bool and SmallStr/LargeStr)",
        )],
    ),
];

//! The profile's layout facts, each with its unit and source. The numbers are the named constants of
//! the modules that explain them.

use super::collector::{EMPTY_TO_SPACE_BYTES, EMPTY_TO_SPACE_SOURCE};
use super::evidence::{LIMITS, SIZES, STATS, measured, src};
use super::header::{
    FIRST_CONTAINER_TYPE_CODE, HEADER_BYTES, MAX_ALLOCATION_SIZE_BYTES, MIN_FOOTPRINT_BYTES, TOMBSTONE_HEADER,
};
use super::heap::{
    BUCKET_BYTES, BUCKET_BYTES_SOURCE, BUCKET_HEADER_SOURCE, EXAMPLE_PORT_MAX_HEAP_BYTES, FIRST_BODY_OFFSET,
    NPM_MAX_HEAP_BYTES, NPM_MAX_HEAP_SOURCE, VIRTUAL_HEAP_LIMIT_BYTES, bucket_header_bytes,
};
use super::host::{
    EMPTY_PROGRAM_GLOBALS_BYTES, FRAME_BOUNDARY_WORDS, FRAMES_SOURCE, GLOBAL_SLOT_BYTES, NPM_REGISTERS_BYTES,
    NPM_VM_STRUCT_BYTES, NPM_VM_STRUCT_SOURCE, ONE_PARAMETER_CALL_STACK_BYTES, STACK_BYTES,
    VM_STRUCT_BYTES_32, VM_STRUCT_SOURCE,
};
use super::image::{EMPTY_IMAGE_BYTES, HEADER_BYTES as IMAGE_HEADER_BYTES, IMAGE_SOURCE};
use super::sizes::{ARRAY_INITIAL_CAPACITY, ARRAY_MAX_CAPACITY, INTERN_CELL_BYTES, PROPERTY_CELL_BYTES};
use super::value::WELL_KNOWN_END;
use crate::fact::{Fact, Unit};

const INTERNALS: &str = "native-vm/microvium_internals.h";

/// Every fact of the profile.
pub static FACTS: [Fact; 30] = [
    Fact {
        name: "sizeof(mvm_Value)",
        value: 2,
        unit: Unit::Bytes,
        meaning: "every value, in RAM, in the image and on the stack",
        source: src("native-vm/microvium.h", "mvm_Value"),
    },
    Fact {
        name: "VM_VALUE_WELLKNOWN_END",
        value: WELL_KNOWN_END as i64,
        unit: Unit::Number,
        meaning: "…01 words below this are well-known values, from it on bytecode-mapped pointers",
        source: src(INTERNALS, "VM_VALUE_WELLKNOWN_END"),
    },
    Fact {
        name: "sizeof(TsAllocationHeader)",
        value: HEADER_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "header word before every allocation body",
        source: measured(SIZES),
    },
    Fact {
        name: "MAX_ALLOCATION_SIZE",
        value: MAX_ALLOCATION_SIZE_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "largest body; larger is MVM_E_ALLOCATION_TOO_LARGE (4095-byte Uint8Array: 4098 B heap)",
        source: measured(LIMITS),
    },
    Fact {
        name: "minimum footprint",
        value: MIN_FOOTPRINT_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "header + forwarding pointer: room for a tombstone",
        source: src("native-vm/microvium.c", "mvm_allocate"),
    },
    Fact {
        name: "TOMBSTONE_HEADER",
        value: TOMBSTONE_HEADER as i64,
        unit: Unit::Number,
        meaning: "header of a copied allocation in from-space: type 0, size 2",
        source: src(INTERNALS, "TOMBSTONE_HEADER"),
    },
    Fact {
        name: "TC_REF_DIVIDER_CONTAINER_TYPES",
        value: FIRST_CONTAINER_TYPE_CODE as i64,
        unit: Unit::Number,
        meaning: "type codes from here on are containers, traced word by word",
        source: src(INTERNALS, "TC_REF_DIVIDER_CONTAINER_TYPES"),
    },
    Fact {
        name: "first body offset",
        value: FIRST_BODY_OFFSET as i64,
        unit: Unit::Bytes,
        meaning: "ShortPtr of the first allocation of an empty heap (measured raw 0x0002)",
        source: measured(SIZES),
    },
    Fact {
        name: "MVM_ALLOCATION_BUCKET_SIZE",
        value: BUCKET_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "data bytes of a bucket the mutator adds, unless one allocation needs more",
        source: BUCKET_BYTES_SOURCE,
    },
    Fact {
        name: "sizeof(TsBucket) on a 16-bit host",
        value: bucket_header_bytes(2) as i64,
        unit: Unit::Bytes,
        meaning: "host-side bucket header: offsetStart, prev, next, pEndOfUsedSpace",
        source: BUCKET_HEADER_SOURCE,
    },
    Fact {
        name: "sizeof(TsBucket) on a 32-bit host",
        value: bucket_header_bytes(4) as i64,
        unit: Unit::Bytes,
        meaning: "host-side bucket header: offsetStart (padded), prev, next, pEndOfUsedSpace",
        source: BUCKET_HEADER_SOURCE,
    },
    Fact {
        name: "sizeof(TsBucket) on a 64-bit host",
        value: bucket_header_bytes(8) as i64,
        unit: Unit::Bytes,
        meaning: "host-side bucket header; measured as totalSize - coreSize - capacity per bucket",
        source: measured(STATS),
    },
    Fact {
        name: "virtual heap limit",
        value: VIRTUAL_HEAP_LIMIT_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "heap offsets are 16 bits",
        source: src(INTERNALS, "ShortPtr"),
    },
    Fact {
        name: "MVM_MAX_HEAP_SIZE (npm addon)",
        value: NPM_MAX_HEAP_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "a new bucket past it first collects, then is MVM_E_OUT_OF_MEMORY",
        source: NPM_MAX_HEAP_SOURCE,
    },
    Fact {
        name: "MVM_MAX_HEAP_SIZE (example port)",
        value: EXAMPLE_PORT_MAX_HEAP_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "the example port file's heap cap",
        source: src("native-vm/microvium_port_example.h", "MVM_MAX_HEAP_SIZE"),
    },
    Fact {
        name: "empty to-space bucket",
        value: EMPTY_TO_SPACE_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "first to-space bucket when the heap after the previous collection was empty",
        source: EMPTY_TO_SPACE_SOURCE,
    },
    Fact {
        name: "VM_ARRAY_INITIAL_CAPACITY",
        value: ARRAY_INITIAL_CAPACITY as i64,
        unit: Unit::Entries,
        meaning: "capacity of an array's first data allocation on index assignment; then doubling",
        source: measured(super::evidence::GROWTH),
    },
    Fact {
        name: "maximum array capacity",
        value: ARRAY_MAX_CAPACITY as i64,
        unit: Unit::Entries,
        meaning: "MAX_ALLOCATION_SIZE / 2; beyond is MVM_E_ARRAY_TOO_LONG",
        source: src("native-vm/microvium.c", "growArray"),
    },
    Fact {
        name: "sizeof(TsPropertyCell)",
        value: PROPERTY_CELL_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "heap bytes of each property added at run time, header included",
        source: measured(SIZES),
    },
    Fact {
        name: "sizeof(TsInternedStringCell)",
        value: INTERN_CELL_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "heap bytes pushed on the intern list when a RAM string becomes a property key",
        source: measured(super::evidence::BUGS),
    },
    Fact {
        name: "sizeof(mvm_VM) (npm addon, 64-bit)",
        value: NPM_VM_STRUCT_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "coreSize: VM struct with debug capability, gas counter and safe mode",
        source: NPM_VM_STRUCT_SOURCE,
    },
    Fact {
        name: "sizeof(mvm_VM) (32-bit)",
        value: VM_STRUCT_BYTES_32 as i64,
        unit: Unit::Bytes,
        meaning: "7 pointers and 3 u16 counters, without debug capability and gas counter",
        source: VM_STRUCT_SOURCE,
    },
    Fact {
        name: "global slot",
        value: GLOBAL_SLOT_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "bytes of each global variable or handle",
        source: measured(super::evidence::BUGS),
    },
    Fact {
        name: "globals of the empty program",
        value: EMPTY_PROGRAM_GLOBALS_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "deleted padding slot + intern-list handle",
        source: IMAGE_SOURCE,
    },
    Fact {
        name: "sizeof(vm_TsRegisters) (npm addon, 64-bit)",
        value: NPM_REGISTERS_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "registersSize while a call is active",
        source: FRAMES_SOURCE,
    },
    Fact {
        name: "MVM_STACK_SIZE",
        value: STACK_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "stackAllocatedCapacity while a call is active (example port file)",
        source: FRAMES_SOURCE,
    },
    Fact {
        name: "VM_FRAME_BOUNDARY_SAVE_SIZE_WORDS",
        value: FRAME_BOUNDARY_WORDS as i64,
        unit: Unit::Words,
        meaning: "words saved per call; one-parameter recursion measured at 14 B per level",
        source: src(INTERNALS, "VM_FRAME_BOUNDARY_SAVE_SIZE_WORDS"),
    },
    Fact {
        name: "stack per one-parameter call",
        value: ONE_PARAMETER_CALL_STACK_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "frame boundary 8 + function 2 + this and argument 4",
        source: FRAMES_SOURCE,
    },
    Fact {
        name: "bytecode header",
        value: IMAGE_HEADER_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "mvm_TsBytecodeHeader: 12 bytes of fields + 8 section offsets",
        source: IMAGE_SOURCE,
    },
    Fact {
        name: "smallest snapshot",
        value: EMPTY_IMAGE_BYTES as i64,
        unit: Unit::Bytes,
        meaning: "the empty program's image: header 28 + builtins 14 + globals 4",
        source: IMAGE_SOURCE,
    },
];

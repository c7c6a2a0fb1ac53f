//! # Memory statistics
//!
//! `mvm_getMemoryStats` fills `mvm_TsMemoryStats`, a struct of `size_t` fields. What each counts in
//! 8.0.0, read from the source and checked on the npm package's 64-bit addon:
//!
//! * `totalSize` is meant to be all RAM the VM holds: the sum of `coreSize`, `importTableSize`,
//!   `globalVariablesSize`, `registersSize`, `stackAllocatedCapacity`,
//!   `virtualHeapAllocatedCapacity`, and one `TsBucket` header per bucket. It inherits both bugs below.
//! * `globalVariablesSize` is **wrong in 8.0.0**: it holds the size of the image's import-table section
//!   (2 bytes per import), not of the GLOBALS section. An empty program reports 0 although it has
//!   4 bytes of globals.
//! * `virtualHeapAllocatedCapacity` is the last bucket's start offset plus the difference of the **low
//!   16 bits** of two host pointers (the end of its capacity and the start of its data). When the last
//!   bucket's data crosses a 64 KiB-aligned host address, that difference is 65536 too small, the
//!   `size_t` result wraps (to about 2^64 on a 64-bit host), and `totalSize` with it. Whether it
//!   happens depends on where the host's `malloc` places the bucket.

use super::evidence::{BUGS, FRAMES, STATS, measured, src};
use crate::evidence::Evidence;

/// One field of `mvm_TsMemoryStats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatField {
    /// The field's name, also the stat name subjects report it under.
    pub name: &'static str,
    /// What it counts.
    pub counts: &'static str,
    /// Whether 8.0.0 reports something other than what the field's comment promises.
    pub buggy: bool,
    /// Where it comes from.
    pub source: Evidence,
}

const fn f(name: &'static str, counts: &'static str, source: Evidence) -> StatField {
    StatField {
        name,
        counts,
        buggy: false,
        source,
    }
}

/// Every field, in the struct's order.
pub static STAT_FIELDS: [StatField; 12] = [
    StatField {
        name: "totalSize",
        counts: "coreSize + importTableSize + globalVariablesSize + registersSize + stackAllocatedCapacity \
                 + virtualHeapAllocatedCapacity + one TsBucket header per bucket (inherits both bugs)",
        buggy: true,
        source: measured(STATS),
    },
    f(
        "fragmentCount",
        "host allocations: 1 (the VM block) + 1 while a call is active (stack and registers) + 1 per bucket",
        measured(STATS),
    ),
    f(
        "coreSize",
        "sizeof(mvm_VM): 88 on the 64-bit npm addon (debug capability, gas counter, safe mode)",
        measured(STATS),
    ),
    f(
        "importTableSize",
        "imports x sizeof(mvm_TfHostFunction): 8 per import on a 64-bit host",
        measured(BUGS),
    ),
    StatField {
        name: "globalVariablesSize",
        counts: "bug: the import-table section size (2 per import) instead of the GLOBALS section size",
        buggy: true,
        source: measured(BUGS),
    },
    f(
        "registersSize",
        "sizeof(vm_TsRegisters) while a call is active (56 on the 64-bit addon), else 0",
        measured(FRAMES),
    ),
    f(
        "stackHeight",
        "bytes of stack in use now (0 while idle)",
        measured(FRAMES),
    ),
    f(
        "stackAllocatedCapacity",
        "MVM_STACK_SIZE while a call is active (256), else 0",
        measured(FRAMES),
    ),
    f(
        "stackHighWaterMark",
        "peak stack bytes, counting each frame's reserved maximum depth",
        src("native-vm/microvium.c", "vm_requireStackSpace"),
    ),
    f(
        "virtualHeapUsed",
        "bytes of virtual heap in use: allocations with headers, garbage included; no bucket headers or spare space",
        measured(STATS),
    ),
    f(
        "virtualHeapHighWaterMark",
        "the heap size at restore or at the start of the largest collection, or virtualHeapUsed now if larger",
        src("native-vm/microvium.c", "mvm_getMemoryStats"),
    ),
    StatField {
        name: "virtualHeapAllocatedCapacity",
        counts: "last bucket's start offset + its data capacity; bug: computed from the low 16 bits of two \
                 host pointers, so it wraps when the bucket's data crosses a 64 KiB-aligned address",
        buggy: true,
        source: measured(BUGS),
    },
];

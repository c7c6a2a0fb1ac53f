//! # Known bugs of Microvium 8.0.0
//!
//! Found reading the pinned source and confirmed on the npm package's addon with
//! `node engines/microvium/measure.mjs bugs`, which runs each repro (the fatal ones in a child process,
//! because the addon ends the process on a fatal error). Each will be a busted conformance case of the
//! engine subject.

use super::evidence::{BUGS, measured, src};
use crate::evidence::Evidence;

/// One engine bug: what goes wrong, how to see it, and what the engine printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownBug {
    /// A short name.
    pub name: &'static str,
    /// What goes wrong and why.
    pub what: &'static str,
    /// The smallest program or call sequence that shows it.
    pub repro: &'static str,
    /// What the engine did.
    pub observed: &'static str,
    /// The source of the fault and the measurement that shows it.
    pub evidence: &'static [Evidence],
}

/// The bugs, in the order `measure.mjs bugs` runs them.
pub static KNOWN_BUGS: [KnownBug; 6] = [
    KnownBug {
        name: "global-variables-size",
        what: "mvm_getMemoryStats fills globalVariablesSize with the import-table section size",
        repro: "restore any program and read getMemoryStats()",
        observed: "empty program: globals section 4 B, globalVariablesSize=0; one import and one global: \
                   globals section 8 B, globalVariablesSize=2, totalSize=98 (88 + 8 + 2)",
        evidence: &[src("native-vm/microvium.c", "mvm_getMemoryStats"), measured(BUGS)],
    },
    KnownBug {
        name: "heap-capacity-wrap",
        what: "virtualHeapAllocatedCapacity subtracts the low 16 bits of two host pointers, so it is \
               65536 short, wrapped to a huge size_t, when the last bucket's data crosses a \
               64 KiB-aligned address",
        repro: "allocate 200-byte Uint8Arrays (one 256 B bucket each) and read getMemoryStats() after each",
        observed: "one run: after 116 arrays virtualHeapAllocatedCapacity=18446744073709509000 \
                   (2^64 + 23486 - 65536 as a double), true capacity 23486; 2 such readings in 228",
        evidence: &[src("native-vm/microvium.c", "mvm_getMemoryStats"), measured(BUGS)],
    },
    KnownBug {
        name: "uint8array-zero-length",
        what: "a zero-length Uint8Array asks for a 2-byte allocation, below the 4-byte minimum a \
               tombstone needs; safe mode stops the VM on the assertion in mvm_allocate",
        repro: "uint8ArrayFromBytes(Buffer.alloc(0)) from the host, or Microvium.newUint8Array(0) in a script",
        observed: "Microvium error code 17: MVM_E_ASSERTION_FAILED (process aborted), both ways",
        evidence: &[src("native-vm/microvium.c", "mvm_allocate"), measured(BUGS)],
    },
    KnownBug {
        name: "length-key-interning",
        what: "interning a run-time string equal to \"length\" or \"__proto__\" replaces the key with the \
               well-known value but still retypes the string and pushes an intern cell whose str is \
               0x001D; the next RAM intern lookup decodes 0x001D as a heap pointer",
        repro: "g = {}; g['len' + 'gth' + ''] = 1; then g['k' + 2] = 2",
        observed: "after the first store the intern cell is e004 0001 001d; the second store: \
                   Microvium error code 17: MVM_E_ASSERTION_FAILED (process aborted)",
        evidence: &[src("native-vm/microvium.c", "toInternedString"), measured(BUGS)],
    },
    KnownBug {
        name: "array-length-unchanged",
        what: "setProperty on an array's length: the branch for a new length equal to the old one does \
               nothing and falls through to the invalid-index error",
        repro: "g = [1, 2, 3]; g.length = 3",
        observed: "Microvium error code 43: MVM_E_INVALID_ARRAY_INDEX (fatal in the addon, whose port \
                   file sets MVM_ALL_ERRORS_FATAL)",
        evidence: &[src("native-vm/microvium.c", "setProperty"), measured(BUGS)],
    },
    KnownBug {
        name: "property-merge-overflow",
        what: "while merging an object's property cells into to-space the collector checks room for one \
               word per property (uint16_t* + count) but copies two (key and value), so a cell merged into \
               the last 2 bytes of a to-space bucket is written 2 bytes past the bucket's end",
        repro: "let s; let g; s = a run-time string of 52 or 53 characters; g = {}; g.x = 1; runGC(false) on a \
                freshly restored VM (first to-space bucket 64 B)",
        observed: "virtualHeapUsed=66 with virtualHeapAllocatedCapacity=64 in one bucket (51 characters: 64 \
                   and 64; 54: a new bucket, 68 and 314)",
        evidence: &[
            src("native-vm/microvium.c", "gc_processShortPtrValue"),
            measured(BUGS),
        ],
    },
];

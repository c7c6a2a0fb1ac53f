//! The verdicts on the claims of Microvium's 2020 "Memory Usage" document (`MV-01` .. `MV-42`) for
//! engine 8.0.0. The document predates three changes: the Cheney semispace collector that replaced the
//! mark-table collector (July 2020), the low-bit value tags that replaced high-bit tags (July 2020), and
//! the removal of the empty-string value (May 2020); the frame boundary also grew to 4 words (April
//! 2022).

use super::evidence::{BUGS, FRAMES, GC, LIMITS, SIZES, SNAPSHOT, STATS, VALUES, measured, src};
use crate::claim::{Assessment, Verdict};
use crate::evidence::Evidence;
use crate::profile::ProfileId;

const MV: &[ProfileId] = &[ProfileId::Microvium];
const C: &str = "native-vm/microvium.c";
const H: &str = "native-vm/microvium_internals.h";
/// The engine's current memory-usage document, at the pinned commit.
const DOC: &str = "doc/native-host/memory-usage.md";

const fn a(claim: &'static str, verdict: Verdict, evidence: &'static [Evidence]) -> Assessment {
    Assessment {
        claim,
        profiles: MV,
        verdict,
        evidence,
    }
}

const fn out_of_date(version: &'static str, truth: &'static str) -> Verdict {
    Verdict::OutOfDate { truth, version }
}

/// Every MV claim's verdict for the `microvium` profile.
pub static ASSESSMENTS: [Assessment; 42] = [
    a(
        "MV-01",
        Verdict::Holds,
        &[Evidence::Derived(
            "the layout did change: MV-03, MV-04, MV-06, MV-07, MV-09, MV-10, MV-14, MV-19, MV-28, MV-33 and \
             MV-38 are out of date for 8.0.0",
        )],
    ),
    a(
        "MV-02",
        Verdict::Untestable {
            why: "ROM size of the compiled engine needs a cross-compiled build of microvium.c; memspec \
                  measures RAM layouts (the 2023 document reports 12 kB for a Cortex M0)",
        },
        &[src(DOC, "Memory Usage (of microvium.c)")],
    ),
    a(
        "MV-03",
        out_of_date(
            "microvium 8.0.0 (28-byte header, 8 sections)",
            "the smallest image is 46 B: header 28 + builtins 14 + globals 4",
        ),
        &[measured(SNAPSHOT)],
    ),
    a(
        "MV-04",
        out_of_date(
            "microvium 8.0.0 (mvm_VM grew: handles, debug and gas fields)",
            "the idle VM block is sizeof(mvm_VM) + globals: 36 + 4 = 40 B on a 32-bit host without debug \
             capability and gas counter; 88 + 4 = 92 B on the 64-bit npm addon (coreSize 88)",
        ),
        &[measured(STATS), src(H, "struct mvm_VM")],
    ),
    a(
        "MV-05",
        Verdict::Partly {
            truth: "a restored VM with an empty snapshot heap has no bucket (capacity 0, 1 fragment); but \
                    collecting an empty heap leaves a 64-byte bucket (+ its TsBucket header) allocated",
        },
        &[measured(STATS), src(C, "mvm_runGC")],
    ),
    a(
        "MV-06",
        out_of_date(
            "microvium 8.0.0 (vm_TsRegisters holds 5 pointers and 4 values)",
            "while active: sizeof(vm_TsRegisters) + MVM_STACK_SIZE = 56 + 256 B on the 64-bit addon \
             (28 B of registers on a 32-bit host, 32 with safe mode); 0 B while idle holds",
        ),
        &[measured(FRAMES), src(H, "vm_TsRegisters")],
    ),
    a(
        "MV-07",
        out_of_date(
            "microvium 8.0.0 (Cheney semispace collector since July 2020)",
            "collecting an empty heap still mallocs a 64-byte to-space bucket and its header, and keeps it \
             as the heap",
        ),
        &[measured(STATS), src(C, "mvm_runGC")],
    ),
    a(
        "MV-08",
        Verdict::Holds,
        &[measured(SIZES), src(H, "TsAllocationHeader")],
    ),
    a(
        "MV-09",
        out_of_date(
            "microvium 8.0.0 (Cheney semispace collector since July 2020)",
            "no per-byte overhead: a collection copies the live allocations into new buckets, so it needs \
             the live bytes (after merging and trimming) rounded up to its buckets, plus a TsBucket header \
             per bucket; garbage costs nothing",
        ),
        &[src(C, "mvm_runGC"), measured(STATS)],
    ),
    a(
        "MV-10",
        out_of_date(
            "microvium 8.0.0 (Cheney semispace collector since July 2020)",
            "the temporary space depends on the live bytes, not the heap size: 640 live bytes were copied \
             into buckets of 64 + 256 + 256 + 256 B (4 headers of 32 B) on the 64-bit addon",
        ),
        &[measured(STATS)],
    ),
    a(
        "MV-11",
        Verdict::Holds,
        &[src(C, "mvm_restore"), src("dist-c/microvium.c", "mvm_restore")],
    ),
    a(
        "MV-12",
        Verdict::Untestable {
            why: "ROM size of the compiled engine needs a cross-compiled build of microvium.c",
        },
        &[src(DOC, "Memory Usage (of microvium.c)")],
    ),
    a(
        "MV-13",
        Verdict::Holds,
        &[
            src(C, "mvm_restore"),
            src("native-vm/microvium_port_example.h", "MVM_LONG_PTR_TYPE"),
        ],
    ),
    a(
        "MV-14",
        out_of_date(
            "microvium 8.0.0 (mvm_TsBytecodeHeader)",
            "the header is 28 B: 12 B of fields and 8 section offsets (headerSize 28)",
        ),
        &[measured(SNAPSHOT)],
    ),
    a("MV-15", Verdict::Holds, &[measured(SNAPSHOT), measured(BUGS)]),
    a(
        "MV-16",
        Verdict::Holds,
        &[
            src("native-vm/microvium_bytecode.h", "mvm_TeBytecodeSection"),
            measured(SNAPSHOT),
        ],
    ),
    a("MV-17", Verdict::Holds, &[src(C, "mvm_restore")]),
    a("MV-18", Verdict::Holds, &[measured(BUGS), src(C, "mvm_restore")]),
    a(
        "MV-19",
        out_of_date(
            "microvium 8.0.0 (mvm_VM grew: handles, debug and gas fields)",
            "sizeof(mvm_VM) is 36 B on a 32-bit host without debug capability and gas counter, 88 B on the \
             64-bit npm addon",
        ),
        &[measured(STATS), src(H, "struct mvm_VM")],
    ),
    a("MV-20", Verdict::Holds, &[src(C, "mvm_restore")]),
    a("MV-21", Verdict::Holds, &[src(C, "mvm_runGC"), measured(GC)]),
    a(
        "MV-22",
        Verdict::Holds,
        &[
            measured(STATS),
            src("native-vm/microvium_port_example.h", "MVM_ALLOCATION_BUCKET_SIZE"),
        ],
    ),
    a("MV-23", Verdict::Holds, &[measured(SIZES)]),
    a(
        "MV-24",
        Verdict::Holds,
        &[measured(SIZES), src(C, "mvm_allocate")],
    ),
    a(
        "MV-25",
        Verdict::Partly {
            truth: "no bucket exists until the first allocation or collection; a collection of an empty heap \
                    leaves a 64-byte bucket",
        },
        &[measured(STATS)],
    ),
    a(
        "MV-26",
        Verdict::Holds,
        &[measured(FRAMES), src(C, "vm_createStackAndRegisters")],
    ),
    a(
        "MV-27",
        Verdict::Partly {
            truth: "the example port file sets MVM_STACK_SIZE 256 (measured stackAllocatedCapacity 256); the \
                    engine's own fallback of 256 applies only when the port file does not define \
                    MVM_PORT_VERSION, so a version-1 port must set it",
        },
        &[measured(FRAMES), src(H, "MVM_STACK_SIZE")],
    ),
    a(
        "MV-28",
        out_of_date(
            "microvium 8.0.0 (frame boundary of 4 words since April 2022)",
            "a frame boundary is 4 words, 8 B; a call of a one-parameter function takes 14 B of stack",
        ),
        &[measured(FRAMES), src(H, "VM_FRAME_BOUNDARY_SAVE_SIZE_WORDS")],
    ),
    a(
        "MV-29",
        Verdict::Holds,
        &[src("native-vm/microvium.h", "mvm_Value"), measured(FRAMES)],
    ),
    a(
        "MV-30",
        Verdict::Untestable {
            why: "a statement of design intent; what it implies is checked as MV-31 and MV-32",
        },
        &[Evidence::Derived(
            "MV-31 (stack freed while idle) and MV-32 (host-triggered collections)",
        )],
    ),
    a("MV-31", Verdict::Holds, &[measured(FRAMES)]),
    a(
        "MV-32",
        Verdict::Partly {
            truth: "collections run when the host calls mvm_runGC, and also inside an allocation when a new \
                    bucket would pass MVM_MAX_HEAP_SIZE (a non-squeeze collection, even mid-call)",
        },
        &[src(C, "gc_createNextBucket"), measured(LIMITS)],
    ),
    a(
        "MV-33",
        out_of_date(
            "microvium 8.0.0 (Cheney semispace collector since July 2020)",
            "there are no mark bits or mark tables: reachable allocations are copied, forwarding through \
             tombstones",
        ),
        &[src(C, "mvm_runGC")],
    ),
    a(
        "MV-34",
        Verdict::Partly {
            truth: "to-space holds the live allocations, after merging property cells and trimming arrays; it \
                    is made of buckets (the first the size of the heap after the previous collection, or \
                    64 B; then 256 B or the object's size), so the extra space is the live bytes rounded up \
                    to those buckets plus one TsBucket header per bucket",
        },
        &[src(C, "mvm_runGC"), measured(STATS), measured(GC)],
    ),
    a(
        "MV-35",
        Verdict::Holds,
        &[src("native-vm/microvium.h", "mvm_Value"), measured(VALUES)],
    ),
    a(
        "MV-36",
        Verdict::Holds,
        &[measured(VALUES), src(H, "VM_MIN_INT14")],
    ),
    a("MV-37", Verdict::Holds, &[measured(VALUES)]),
    a(
        "MV-38",
        out_of_date(
            "microvium 8.0.0 (empty-string value removed in May 2020)",
            "undefined 0x0001, null 0x0005 and NaN 0x0011 hold; there is no empty-string value: \"\" made at \
             run time is a 4-byte heap string, a \"\" literal a string in the image (bytecode-mapped pointer)",
        ),
        &[measured(VALUES), measured(SIZES)],
    ),
    a(
        "MV-39",
        Verdict::Partly {
            truth: "values in the image (string literals, functions) are bytecode-mapped pointers, not heap \
                    pointers; -0, \"length\" and \"__proto__\" are well-known values in the word",
        },
        &[measured(VALUES)],
    ),
    a(
        "MV-40",
        Verdict::Partly {
            truth: "the allocation is rounded to even: 2 + roundup_even(n + 1) bytes, so \"ab\" takes 6 bytes, \
                    not 5; string literals live in the image and cost only their 2-byte value",
        },
        &[measured(SIZES)],
    ),
    a(
        "MV-41",
        Verdict::Partly {
            truth: "a one-character string made at run time takes 4 bytes of heap + a 2-byte value = 6 B; a \
                    one-character literal lives in the image and costs only its 2-byte value",
        },
        &[measured(SIZES), measured(VALUES)],
    ),
    a(
        "MV-42",
        Verdict::Partly {
            truth: "integers beyond Int14 within int32 take 6 heap bytes + a 2-byte value = 8 B; integers beyond \
                    int32 are FLOAT64: 10 heap bytes + 2 = 12 B",
        },
        &[measured(SIZES), measured(VALUES)],
    ),
];

//! The model against the engine, byte for byte: heap words before and after a squeeze collection
//! and `mvm_getMemoryStats` figures, each as printed by `node engines/microvium/measure.mjs <what>`
//! (the command is named at each table). The engine's VM was restored from a snapshot with an empty
//! heap, like the model's, so its first allocation's body is at 0x0002 too.

mod support;

use memspec::subject::{Subject, Target};
use memspec_impl::microvium::{Microvium, Value};
use support::microvium::{alloc, arena, heap_words, start};

/// One measured construction: what to build (rooted as the engine's global `g`), and the engine's
/// heap words before and after `runGC(true)`.
struct Measured {
    what: &'static str,
    build: fn(&mut Microvium<'_>),
    before: &'static str,
    after: &'static str,
}

fn int14(i: i64) -> Target {
    Target::Word(Value::int14(i).expect("Int14").0 as u64)
}

fn one(kind: &'static str, args: &'static str) -> impl Fn(&mut Microvium<'_>) {
    move |m| {
        let a = alloc(m, kind, args);
        m.root(a.id).expect("root");
    }
}

/// `node engines/microvium/measure.mjs sizes`.
const SIZES: &[Measured] = &[
    Measured {
        what: "int value=8192",
        build: |m| one("int", "value=8192")(m),
        before: "1004 2000 0000",
        after: "1004 2000 0000",
    },
    Measured {
        what: "int value=-8193",
        build: |m| one("int", "value=-8193")(m),
        before: "1004 dfff ffff",
        after: "1004 dfff ffff",
    },
    Measured {
        what: "int value=2147483647",
        build: |m| one("int", "value=2147483647")(m),
        before: "1004 ffff 7fff",
        after: "1004 ffff 7fff",
    },
    Measured {
        what: "int value=-2147483648",
        build: |m| one("int", "value=-2147483648")(m),
        before: "1004 0000 8000",
        after: "1004 0000 8000",
    },
    Measured {
        what: "float value=2147483648",
        build: |m| one("int", "value=2147483648")(m),
        before: "2008 0000 0000 0000 41e0",
        after: "2008 0000 0000 0000 41e0",
    },
    Measured {
        what: "float value=1.5",
        build: |m| one("float", "value=1.5")(m),
        before: "2008 0000 0000 0000 3ff8",
        after: "2008 0000 0000 0000 3ff8",
    },
    Measured {
        what: "float value=Infinity",
        build: |m| one("float", "value=inf")(m),
        before: "2008 0000 0000 0000 7ff0",
        after: "2008 0000 0000 0000 7ff0",
    },
    Measured {
        what: "string text=\"\"",
        build: |m| one("string", "text=\"\"")(m),
        before: "3001 7e00",
        after: "3001 7e00",
    },
    Measured {
        what: "string text=\"a\"",
        build: |m| one("string", "text=\"a\"")(m),
        before: "3002 0061",
        after: "3002 0061",
    },
    Measured {
        what: "string text=\"ab\"",
        build: |m| one("string", "text=\"ab\"")(m),
        before: "3003 6261 7e00",
        after: "3003 6261 7e00",
    },
    Measured {
        what: "string text=\"abc\"",
        build: |m| one("string", "text=\"abc\"")(m),
        before: "3004 6261 0063",
        after: "3004 6261 0063",
    },
    Measured {
        what: "string text=\"abcd\"",
        build: |m| one("string", "text=\"abcd\"")(m),
        before: "3005 6261 6463 7e00",
        after: "3005 6261 6463 7e00",
    },
    Measured {
        what: "string text=\"length\"",
        build: |m| one("string", "text=\"length\"")(m),
        before: "3007 656c 676e 6874 7e00",
        after: "3007 656c 676e 6874 7e00",
    },
    Measured {
        what: "uint8array len=1",
        build: |m| one("uint8array", "len=1")(m),
        before: "7001 7e00",
        after: "7001 7e00",
    },
    Measured {
        what: "uint8array len=2",
        build: |m| one("uint8array", "len=2")(m),
        before: "7002 0000",
        after: "7002 0000",
    },
    Measured {
        what: "uint8array len=3",
        build: |m| one("uint8array", "len=3")(m),
        before: "7003 0000 7e00",
        after: "7003 0000 7e00",
    },
    Measured {
        what: "uint8array len=5",
        build: |m| one("uint8array", "len=5")(m),
        before: "7005 0000 0000 7e00",
        after: "7005 0000 0000 7e00",
    },
    Measured {
        what: "object props=0",
        build: |m| one("object", "props=0")(m),
        before: "c004 0005 0005",
        after: "c004 0005 0005",
    },
    Measured {
        what: "object props=1",
        build: |m| one("object", "props=1")(m),
        before: "c004 0008 0005 c008 0005 0005 0003 0001",
        after: "c008 0005 0005 0003 0001",
    },
    Measured {
        what: "object props=2",
        build: |m| one("object", "props=2")(m),
        before: "c004 0008 0005 c008 0012 0005 0003 0001 c008 0005 0005 0007 0001",
        after: "c00c 0005 0005 0003 0001 0007 0001",
    },
    Measured {
        what: "object props=3",
        build: |m| one("object", "props=3")(m),
        before: "c004 0008 0005 c008 0012 0005 0003 0001 c008 001c 0005 0007 0001 c008 0005 0005 000b 0001",
        after: "c010 0005 0005 0003 0001 0007 0001 000b 0001",
    },
    Measured {
        what: "array len=0",
        build: |m| one("array", "len=0")(m),
        before: "d004 0005 0003",
        after: "d004 0005 0003",
    },
    Measured {
        what: "array len=0 capacity=3",
        build: |m| one("array", "len=0 capacity=3")(m),
        before: "d004 0008 0003 e006 0019 0019 0019",
        after: "d004 0005 0003",
    },
    Measured {
        what: "array len=2 capacity=5",
        build: |m| one("array", "len=2 capacity=5")(m),
        before: "d004 0008 000b e00a 0019 0019 0019 0019 0019",
        after: "d004 0008 000b e004 0019 0019",
    },
    Measured {
        what: "array len=3 capacity=3",
        build: |m| one("array", "len=3 capacity=3")(m),
        before: "d004 0008 000f e006 0019 0019 0019",
        after: "d004 0008 000f e006 0019 0019 0019",
    },
    Measured {
        what: "array len=1 capacity=4",
        build: |m| one("array", "len=1 capacity=4")(m),
        before: "d004 0008 0007 e008 0019 0019 0019 0019",
        after: "d004 0008 0007 e002 0019",
    },
    Measured {
        // The scope of `() => v0 + v1`: the function (a bytecode-mapped pointer) and the two variables.
        what: "closure slots=3",
        build: |m| {
            let c = alloc(m, "closure", "slots=3");
            m.link(c.id, 0, Target::Word(0x0299)).expect("function");
            m.link(c.id, 1, int14(0)).expect("v0");
            m.link(c.id, 2, int14(1)).expect("v1");
            m.root(c.id).expect("root");
        },
        before: "f006 0299 0003 0007",
        after: "f006 0299 0003 0007",
    },
];

/// `node engines/microvium/measure.mjs growth`: `a[i] = i` for i below k.
const GROWTH: &[Measured] = &[
    Measured {
        what: "1 assignment",
        build: |m| assign(m, 1),
        before: "d004 0008 0007 e008 0003 0019 0019 0019",
        after: "d004 0008 0007 e002 0003",
    },
    Measured {
        what: "4 assignments",
        build: |m| assign(m, 4),
        before: "d004 0008 0013 e008 0003 0007 000b 000f",
        after: "d004 0008 0013 e008 0003 0007 000b 000f",
    },
    Measured {
        what: "5 assignments",
        build: |m| assign(m, 5),
        before: "d004 0012 0017 e008 0003 0007 000b 000f e010 0003 0007 000b 000f 0013 0019 0019 0019",
        after: "d004 0008 0017 e00a 0003 0007 000b 000f 0013",
    },
    Measured {
        what: "9 assignments",
        build: |m| assign(m, 9),
        before: "d004 0024 0027 e008 0003 0007 000b 000f e010 0003 0007 000b 000f 0013 0017 001b 001f \
                 e020 0003 0007 000b 000f 0013 0017 001b 001f 0023 0019 0019 0019 0019 0019 0019 0019",
        after: "d004 0008 0027 e012 0003 0007 000b 000f 0013 0017 001b 001f 0023",
    },
];

fn assign(m: &mut Microvium<'_>, k: i64) {
    let a = alloc(m, "array", "");
    for i in 0..k {
        m.link(a.id, i as u32, int14(i)).expect("a[i] = i");
    }
    m.root(a.id).expect("root");
}

/// `node engines/microvium/measure.mjs gc`: keep = {}; keep[0] = [1, 2]; keep[1] = {};
/// keep[1][0] = keep; junk = []; junk[0] = {}; only keep is a root.
const GRAPH: Measured = Measured {
    what: "keep and junk",
    build: |m| {
        let keep = alloc(m, "object", "");
        let arr = alloc(m, "array", "len=2");
        m.link(arr.id, 0, int14(1)).expect("[1, 2]");
        m.link(arr.id, 1, int14(2)).expect("[1, 2]");
        m.link(keep.id, 0, Target::Object(arr.id)).expect("keep[0]");
        let b = alloc(m, "object", "");
        m.link(keep.id, 1, Target::Object(b.id)).expect("keep[1]");
        m.link(b.id, 0, Target::Object(keep.id)).expect("keep[1][0]");
        let junk = alloc(m, "array", "");
        let j0 = alloc(m, "object", "");
        m.link(junk.id, 0, Target::Object(j0.id)).expect("junk[0]");
        m.root(keep.id).expect("root");
    },
    before: "c004 0014 0005 d004 000e 000b e004 0007 000b c008 0024 0005 0003 0008 c004 002e 0005 \
             c008 0005 0005 0007 001e c008 0005 0005 0003 0002 d004 0044 0007 c004 0005 0005 e008 003e 0019 0019 0019",
    after: "c00c 0005 0005 0003 0010 0007 0016 d004 0020 000b c008 0005 0005 0003 0002 e004 0007 000b",
};

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check(table: &[Measured], command: &str) {
    let mut failures = Vec::new();
    for t in table {
        let mut arena = arena();
        let mut m = start(&mut arena, None, "");
        (t.build)(&mut m);
        let before = heap_words(&m);
        m.collect().expect("collect");
        let after = heap_words(&m);
        if before != squash(t.before) || after != squash(t.after) {
            failures.push(format!(
                "{}:\n  model  before [{before}]\n  engine before [{}]\n  model  after  [{after}]\n  engine after  [{}]",
                t.what,
                squash(t.before),
                squash(t.after)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "against `{command}`:\n{}",
        failures.join("\n")
    );
}

#[test]
fn each_kind_lays_out_the_heap_words_the_engine_printed() {
    check(SIZES, "node engines/microvium/measure.mjs sizes");
}

#[test]
fn index_stores_grow_arrays_to_4_then_double_and_a_collection_trims_them() {
    check(GROWTH, "node engines/microvium/measure.mjs growth");
}

#[test]
fn a_collection_copies_the_reachable_graph_breadth_first_and_drops_the_rest() {
    check(
        std::slice::from_ref(&GRAPH),
        "node engines/microvium/measure.mjs gc",
    );
}

#[test]
fn the_first_object_of_an_empty_heap_is_at_offset_2() {
    // node engines/microvium/measure.mjs sizes: every measured value's raw word is 0x0002.
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    assert_eq!(alloc(&mut m, "object", "").word, 0x0002);
}

/// `(totalSize, fragmentCount, virtualHeapUsed, virtualHeapAllocatedCapacity)`.
fn figures(m: &Microvium<'_>) -> (u64, u64, u64, u64) {
    let s = m.memory_stats().expect("stats");
    (
        s.total_size,
        s.fragment_count,
        s.virtual_heap_used,
        s.virtual_heap_allocated_capacity,
    )
}

#[test]
fn memory_statistics_follow_the_heap_as_the_engine_reported_them() {
    // node engines/microvium/measure.mjs stats
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    assert_eq!(figures(&m), (88, 1, 0, 0), "restored, empty heap");
    assert_eq!(m.memory_stats().expect("stats").core_size, 88);
    m.collect().expect("collect");
    assert_eq!(
        figures(&m),
        (184, 2, 0, 64),
        "after runGC(true) of the empty heap"
    );

    let mut m = start(&mut arena, None, "");
    let expected = [
        (376, 2, 128, 256),
        (376, 2, 256, 256),
        (664, 3, 384, 512),
        (664, 3, 512, 512),
        (952, 4, 640, 768),
    ];
    for i in 1..=40 {
        let s = alloc(&mut m, "string", "text=\"abcdefghijklm\"");
        assert_eq!(s.bytes, 16);
        m.root(s.id).expect("root");
        if i % 8 == 0 {
            assert_eq!(figures(&m), expected[i / 8 - 1], "after {i} strings");
        }
    }
    m.collect_with(false).expect("runGC(false)");
    assert_eq!(figures(&m), (1048, 5, 640, 832), "after runGC(false)");
    m.collect_with(true).expect("runGC(true)");
    assert_eq!(figures(&m), (760, 2, 640, 640), "after runGC(true)");
    assert_eq!(m.memory_stats().expect("stats").virtual_heap_high_water_mark, 640);
    let s = alloc(&mut m, "string", "text=\"abcdefghijklm\"");
    m.root(s.id).expect("root");
    assert_eq!(
        figures(&m),
        (1048, 3, 656, 896),
        "one more 16 B string after the squeeze"
    );

    let mut m = start(&mut arena, None, "");
    alloc(&mut m, "uint8array", "len=1000");
    assert_eq!(figures(&m), (1122, 2, 1002, 1002), "one 1000-byte Uint8Array");
}

#[test]
fn an_unrooted_object_is_gone_after_a_collection_and_the_heap_keeps_a_64_byte_bucket() {
    // node engines/microvium/measure.mjs gc: {} allocated then dropped.
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let o = alloc(&mut m, "object", "");
    assert_eq!(figures(&m), (376, 2, 6, 256));
    m.collect().expect("collect");
    assert_eq!(figures(&m), (184, 2, 0, 64));
    assert!(!m.is_live(o.id).expect("known id"));
    assert_eq!(m.memory_stats().expect("stats").virtual_heap_high_water_mark, 6);
}

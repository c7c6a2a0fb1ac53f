//! `microvium-node` and `microvium-c32` driven with plans of steps.
//!
//! Expected sizes come from Microvium's sources (engine 8.0.0, `native-vm/microvium_internals.h` and
//! `microvium.c`): an allocation takes a 2-byte header plus its body rounded up to even; `{}` is a
//! PROPERTY_LIST {dpNext, dpProto} (4 B body), and a property stored at run time a separate
//! PROPERTY_LIST cell {dpNext, dpProto, key, value} (8 B body) until a collection merges the chain;
//! `[]` is an ARRAY {dpData, viLength} (4 B body) and its elements a separate FIXED_LENGTH_ARRAY of
//! 2 B per slot, truncated to the length by the collector.

mod common;

use common::{engine_present, run};
use memspec::ProfileId;
use memspec::step::{Outcome, Step, StepTarget, Var};
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Value, stat};
use memspec::tag::TagClass;
use memspec_engines::microvium::{Launcher, Microvium, c32, node};

fn start_with(port: Option<&'static str>, options: &'static [Param<'static>]) -> Step<'static> {
    Step::Start {
        profile: ProfileId::Microvium,
        config: HeapConfig {
            arena_bytes: 0,
            port,
            options,
        },
    }
}

fn start() -> Step<'static> {
    start_with(None, &[])
}

const NONE: &[Param<'static>] = &[];
const LEN3: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(3),
}];
const LEN2_CAP5: &[Param<'static>] = &[
    Param {
        name: "len",
        value: ParamValue::Int(2),
    },
    Param {
        name: "capacity",
        value: ParamValue::Int(5),
    },
];

fn alloc(var: u16, kind: &'static str, params: &'static [Param<'static>]) -> Step<'static> {
    Step::Alloc {
        var: Var(var),
        spec: ObjectSpec { kind, params },
    }
}

fn bytes(o: &Result<Outcome, String>) -> u64 {
    match o {
        Ok(Outcome::Allocated(a)) => a.bytes,
        other => panic!("expected an allocation, got {other:?}"),
    }
}

/// The same plan against either host.
fn sizes_and_collection<L: Launcher>(s: &mut Microvium<L>) {
    let plan = [
        start(),
        Step::Encode(Value::Int(-1)),
        Step::Encode(Value::Named("undefined")),
        alloc(0, "object", NONE),
        Step::Root(Var(0)),
        alloc(1, "array", LEN3),
        alloc(2, "array", NONE),
        alloc(3, "array", LEN2_CAP5),
        Step::Link {
            from: Var(0),
            slot: 0,
            target: StepTarget::Object(Var(1)),
        },
        Step::Link {
            from: Var(0),
            slot: 1,
            target: StepTarget::Object(Var(3)),
        },
        Step::Stats,
        Step::Collect,
        Step::Stats,
        Step::ReadWord(Var(3), -1),
    ];
    let (out, sink) = run(s, &plan);
    let out: Vec<_> = out.into_iter().map(|o| o.map_err(|e| e.to_string())).collect();
    assert_eq!(out.len(), plan.len(), "{out:?}");
    // Int14 -1: (-1 << 2) | 3 = 0xffff; undefined: VM_VALUE_UNDEFINED = 0x0001.
    assert!(matches!(out[1], Ok(Outcome::Encoded(e)) if e.word == 0xffff && e.class == TagClass::SmallInt));
    assert!(matches!(out[2], Ok(Outcome::Encoded(e)) if e.word == 0x0001 && e.class == TagClass::WellKnown));
    assert_eq!(bytes(&out[3]), 6, "{{}}: header 2 + body 4");
    // The restored heap is empty, so the first allocation's body is at virtual offset 2.
    assert!(
        matches!(out[3], Ok(Outcome::Allocated(a)) if a.word == 0x0002),
        "{:?}",
        out[3]
    );
    assert_eq!(
        bytes(&out[5]),
        6 + 2 + 3 * 2,
        "[u,u,u]: array 6 + elements 2 + 3 x 2"
    );
    assert_eq!(bytes(&out[6]), 6, "[]: array 6, no element array");
    assert_eq!(
        bytes(&out[7]),
        6 + 2 + 5 * 2,
        "length 5 then 2: array 6 + elements 2 + 5 x 2"
    );
    // Before: {} 6 + two cells 2 x 10 + [u,u,u] 14 + [] 6 + [u,u] with room for 5, 18.
    let used: Vec<u64> = sink
        .stats
        .iter()
        .filter(|(n, _)| n == stat::USED)
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(used.first(), Some(&(6 + 20 + 14 + 6 + 18)), "{used:?}");
    match &out[11] {
        // The unreachable `[]` goes (6); the object's cells merge into it (2 + 4 + 2 x 4 = 14, from
        // 6 + 20); the second array's elements are cut to its length (2 + 2 x 2 = 6, from 12).
        Ok(Outcome::Collected(c)) => {
            assert_eq!(c.freed_bytes, 6 + (26 - 14) + (12 - 6), "{c:?}");
            assert_eq!(c.freed_allocations, 1 + 2, "{c:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(used.get(1), Some(&(14 + 14 + 6 + 6)), "{used:?}");
    assert_eq!(sink.stat("virtualHeapUsed"), used.get(1).copied());
    // The array's header: TC_REF_ARRAY (0xD) << 12 | body 4 bytes.
    assert!(matches!(out[13], Ok(Outcome::Word(0xd004))), "{:?}", out[13]);
}

#[test]
fn node_sizes_words_and_a_collection_match_the_engine_source() {
    if !engine_present(node::Node::check()) {
        return;
    }
    sizes_and_collection(&mut node::subject());
}

#[test]
fn c32_sizes_words_and_a_collection_match_the_engine_source() {
    if !engine_present(c32::C32::check()) {
        return;
    }
    sizes_and_collection(&mut c32::subject());
}

#[test]
fn a_32_bit_host_has_a_smaller_core() {
    if !engine_present(node::Node::check()) || !engine_present(c32::C32::check()) {
        return;
    }
    let mut n = node::subject();
    let mut c = c32::subject();
    run(&mut n, &[start()]).0[0].as_ref().unwrap();
    run(&mut c, &[start()]).0[0].as_ref().unwrap();
    let sn = n.memory_stats().unwrap();
    let sc = c.memory_stats().unwrap();
    let get = |s: &[(String, u64)], k: &str| s.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
    // sizeof(mvm_VM): 7 pointers, 3 uint16_t and the safe-mode byte, padded: 36 on a 32-bit host;
    // with the addon's debug capability (2 pointers) and gas counter (int32_t) on 64 bits, 88.
    assert_eq!(get(&sc, "coreSize"), Some(36), "{sc:?}");
    assert_eq!(get(&sn, "coreSize"), Some(88), "{sn:?}");
    // Both restore the same snapshot, whose heap is empty.
    assert_eq!(get(&sn, "virtualHeapUsed"), Some(0));
    assert_eq!(get(&sc, "virtualHeapUsed"), Some(0));
}

#[test]
fn a_heap_number_is_not_an_immediate() {
    if !engine_present(node::Node::check()) {
        return;
    }
    let mut s = node::subject();
    let (out, _) = run(&mut s, &[start(), Step::Encode(Value::Int(8192))]);
    // 8192 is past Int14 (-8192 ..= 8191): mvm_newNumber makes an INT32 on the heap.
    let e = out[1].as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotImmediate, "{e}");
}

#[test]
fn an_unknown_kind_names_the_kinds_there_are() {
    if !engine_present(node::Node::check()) {
        return;
    }
    let mut s = node::subject();
    let (out, _) = run(&mut s, &[start(), alloc(0, "tuple", NONE)]);
    let e = out[1].as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownKind);
    assert!(e.detail.as_str().contains("object, array"), "{e}");
}

const DEBUG0: &[Param<'static>] = &[Param {
    name: "debug",
    value: ParamValue::Int(0),
}];

#[test]
fn a_case_for_another_build_is_refused_with_what_the_engine_is() {
    if !engine_present(node::Node::check()) {
        return;
    }
    let mut s = node::subject();
    let (out, _) = run(&mut s, &[start_with(Some("host32"), &[])]);
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported, "{e}");
    assert!(e.detail.as_str().contains("a host64 build"), "{e}");
    let (out, _) = run(&mut s, &[start_with(None, DEBUG0)]);
    let e = out[0].as_ref().unwrap_err();
    assert!(e.detail.as_str().contains("debug"), "{e}");
}

#[test]
fn a_closure_cannot_be_stored_into_and_a_collected_object_is_gone() {
    if !engine_present(c32::C32::check()) {
        return;
    }
    const SLOTS2: &[Param<'static>] = &[Param {
        name: "slots",
        value: ParamValue::Int(2),
    }];
    let mut s = c32::subject();
    let (out, _) = run(
        &mut s,
        &[
            start(),
            alloc(0, "closure", SLOTS2),
            alloc(1, "object", NONE),
            Step::Link {
                from: Var(0),
                slot: 0,
                target: StepTarget::Object(Var(1)),
            },
        ],
    );
    assert_eq!(
        bytes(&out[1].map_err(|e| e.to_string())),
        6,
        "closure of 2 slots: 2 + 2 x 2"
    );
    assert_eq!(out[3].as_ref().unwrap_err().kind, ErrorKind::Unsupported);
    let (out, _) = run(
        &mut s,
        &[
            start(),
            alloc(0, "object", NONE),
            Step::Collect,
            Step::Link {
                from: Var(0),
                slot: 0,
                target: StepTarget::Empty,
            },
        ],
    );
    assert_eq!(out[3].as_ref().unwrap_err().kind, ErrorKind::NoSuchObject);
}

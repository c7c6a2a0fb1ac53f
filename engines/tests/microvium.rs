//! `microvium-node` and `microvium-c32` driven with plans of steps.
//!
//! Expected sizes come from Microvium's sources (engine 8.0.0, `native-vm/microvium_internals.h` and
//! `microvium.c`): an allocation takes a 2-byte header plus its body rounded up to even; `{}` is a
//! PROPERTY_LIST {dpNext, dpProto} (4 B body); `[]` is an ARRAY {dpData, viLength} (4 B body) and its
//! elements a separate FIXED_LENGTH_ARRAY of 2 B per slot, truncated to the length by the collector.

mod common;

use common::{engine_present, run};
use memspec::ProfileId;
use memspec::step::{Outcome, Step, StepTarget, Var};
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Value, stat};
use memspec::tag::TagClass;
use memspec_engines::microvium::{Launcher, Microvium, c32, node};

fn start() -> Step<'static> {
    Step::Start {
        profile: ProfileId::Microvium,
        config: HeapConfig {
            arena_bytes: 0,
            port: None,
            options: &[],
        },
    }
}

const NONE: &[Param<'static>] = &[];
const LEN3: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(3),
}];

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
        Step::Encode(Value::Int(8192)),
        alloc(0, "object", NONE),
        Step::Root(Var(0)),
        alloc(1, "array", LEN3),
        alloc(2, "array", NONE),
        Step::Link {
            from: Var(0),
            slot: 0,
            target: StepTarget::Object(Var(1)),
        },
        Step::Collect,
        Step::Stats,
    ];
    let (out, sink) = run(s, &plan);
    let out: Vec<_> = out.into_iter().map(|o| o.map_err(|e| e.to_string())).collect();
    assert_eq!(out.len(), plan.len(), "{out:?}");
    // Int14 -1: (-1 << 2) | 3 = 0xffff; undefined: VM_VALUE_UNDEFINED = 0x0001.
    assert!(matches!(out[1], Ok(Outcome::Encoded(e)) if e.word == 0xffff && e.class == TagClass::SmallInt));
    assert!(matches!(out[2], Ok(Outcome::Encoded(e)) if e.word == 0x0001 && e.class == TagClass::WellKnown));
    // 8192 is past Int14: an INT32 on the heap, so a ShortPtr.
    assert!(
        matches!(out[3], Ok(Outcome::Encoded(e)) if e.class == TagClass::Pointer),
        "{:?}",
        out[3]
    );
    assert_eq!(bytes(&out[4]), 6, "{{}}: header 2 + body 4");
    assert_eq!(
        bytes(&out[6]),
        6 + 2 + 3 * 2,
        "[u,u,u]: array 6 + elements 2 + 3 x 2"
    );
    assert_eq!(bytes(&out[7]), 6, "[]: array 6, no element array");
    match &out[9] {
        // Only the unreachable `[]` (6) goes: the subject reads the heap after a squeezing
        // collection on both sides, so the property cell the link added was merged already.
        Ok(Outcome::Collected(c)) => assert_eq!(c.freed_bytes, 6, "{c:?}"),
        other => panic!("{other:?}"),
    }
    let used = sink.stat(stat::USED).unwrap();
    assert_eq!(sink.stat("virtualHeapUsed"), Some(used));
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
fn a_32_bit_host_has_4_byte_pointers_and_a_smaller_core() {
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
    assert_eq!(get(&sc, "pointerBytes"), Some(4));
    // Both restore the same snapshot, so the virtual heap is the same size.
    assert_eq!(get(&sn, "virtualHeapUsed"), get(&sc, "virtualHeapUsed"));
    assert!(get(&sc, "coreSize") < get(&sn, "coreSize"), "{sc:?} vs {sn:?}");
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

//! `micropython-wasm` driven with plans of steps: the npm WebAssembly port 1.27.0 in node.
//!
//! Expected sizes come from MicroPython's sources at v1.27.0 (facts: 32-bit REPR_A, 16-byte blocks):
//! `py/objlist.c` `mp_obj_list_t` is 4 words and `LIST_MIN_ALLOC` is 4 item words.

mod common;

use common::{engine_present, run};
use memspec::ProfileId;
use memspec::step::{Outcome, Step, StepTarget, Var};
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Subject, Value, stat};
use memspec::tag::TagClass;
use memspec_engines::micropython::wasm::{self, Wasm};

const A32: ProfileId = ProfileId::MicropythonA32;

fn start(arena_bytes: u64) -> Step<'static> {
    Step::Start {
        profile: A32,
        config: HeapConfig {
            arena_bytes,
            port: None,
            options: &[],
        },
    }
}

const LEN0: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(0),
}];

const LEN2: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(2),
}];

fn list(var: u16, params: &'static [Param<'static>]) -> Step<'static> {
    Step::Alloc {
        var: Var(var),
        spec: ObjectSpec { kind: "list", params },
    }
}

#[test]
fn raw_words_come_from_id_cut_to_32_bits() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = wasm::subject();
    let plan = [
        start(64 * 1024),
        Step::Encode(Value::Int(-1)),
        Step::Encode(Value::Named("None")),
        Step::Encode(Value::Int(1 << 30)),
    ];
    let (out, _) = run(&mut s, &plan);
    // REPR_A: small int -1 is (-1 << 1) | 1 = 0xffffffff; None is immediate 0 = (0 << 3) | 6.
    assert_eq!(
        out[1].as_ref().unwrap(),
        &Outcome::Encoded(memspec::subject::Encoded {
            word: 0xffff_ffff,
            class: TagClass::SmallInt
        })
    );
    assert!(matches!(out[2], Ok(Outcome::Encoded(e)) if e.word == 6 && e.class == TagClass::Immediate));
    // 2^30 is past the 31-bit small-int range: boxed, so no word holds it.
    assert!(
        matches!(&out[3], Err(e) if e.kind == ErrorKind::NotImmediate),
        "{:?}",
        out[3]
    );
}

#[test]
fn a_list_takes_two_blocks_and_an_unreachable_one_is_freed() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = wasm::subject();
    let plan = [
        start(64 * 1024),
        list(0, LEN2),
        Step::Root(Var(0)),
        list(1, LEN0),
        list(2, LEN0),
        Step::Link {
            from: Var(0),
            slot: 0,
            target: StepTarget::Object(Var(1)),
        },
        Step::Link {
            from: Var(0),
            slot: 1,
            target: StepTarget::Object(Var(2)),
        },
        Step::Link {
            from: Var(0),
            slot: 1,
            target: StepTarget::Empty,
        },
        Step::Collect,
        Step::IsLive(Var(0)),
        Step::IsLive(Var(1)),
        Step::IsLive(Var(2)),
        Step::Stats,
        Step::HeapMap,
    ];
    let (out, sink) = run(&mut s, &plan);
    let outcomes: Vec<_> = out
        .iter()
        .map(|o| o.as_ref().map_err(ToString::to_string))
        .collect();
    assert_eq!(outcomes.len(), plan.len(), "{outcomes:?}");
    // `[None] * 2`: struct 4 words (16 B, one block) + an item array of exactly 2 words (one block).
    assert!(
        matches!(outcomes[1], Ok(Outcome::Allocated(a)) if a.bytes == 32),
        "{outcomes:?}"
    );
    // `[]`: struct 4 words + an item array of LIST_MIN_ALLOC = 4 words (16 B).
    assert!(
        matches!(outcomes[3], Ok(Outcome::Allocated(a)) if a.bytes == 32),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[4], Ok(Outcome::Allocated(a)) if a.bytes == 32),
        "{outcomes:?}"
    );
    match outcomes[8] {
        Ok(Outcome::Collected(c)) => {
            assert_eq!(c.freed_bytes, 32, "{c:?}");
            assert_eq!(c.freed_allocations, 2, "{c:?}");
            assert_eq!(
                c.returned, None,
                "the WebAssembly port's gc.collect() returns None"
            );
        }
        ref other => panic!("{other:?}"),
    }
    assert_eq!(**outcomes[9].as_ref().unwrap(), Outcome::Live(true));
    assert_eq!(
        **outcomes[10].as_ref().unwrap(),
        Outcome::Live(true),
        "linked from a root"
    );
    assert_eq!(
        **outcomes[11].as_ref().unwrap(),
        Outcome::Live(false),
        "unlinked, so unreachable"
    );
    let total = sink.stat(stat::TOTAL).unwrap();
    let used = sink.stat(stat::USED).unwrap();
    let free = sink.stat(stat::FREE).unwrap();
    let split = sink.stat("gc.max_new_split").unwrap();
    // gc.mem_free() counts what the port could still add as new areas: 128 MiB
    // (ports/webassembly/main.c gc_get_max_new_split).
    assert_eq!(split, 128 << 20);
    assert_eq!(
        used + free,
        total + split,
        "used {used} + free {free} is the pool and the max new split"
    );
    assert!(sink.text.contains("GC memory layout; from "), "{}", sink.text);
}

#[test]
fn calls_from_javascript_take_no_heap_so_steps_after_a_full_heap_can_run() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = wasm::subject();
    let (out, _) = run(&mut s, &[start(64 * 1024)]);
    assert!(out[0].is_ok(), "{out:?}");
    assert!(
        s.capabilities(ProfileId::MicropythonA32)
            .has(memspec::subject::Capability::FullHeap)
    );
}

#[test]
fn a_case_on_the_wrong_profile_is_refused_by_name() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = wasm::subject();
    let e = s
        .start(
            ProfileId::MicropythonA64,
            &HeapConfig {
                arena_bytes: 0,
                port: None,
                options: &[],
            },
        )
        .unwrap_err();
    assert_eq!(e.kind, memspec::subject::ErrorKind::UnknownProfile);
    assert!(e.detail.as_str().contains("micropython-a32"), "{e}");
}

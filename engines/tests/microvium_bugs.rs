//! The known bugs of Microvium 8.0.0 (the npm package `microvium@8.0.0`, engine
//! `coder-mike/microvium` at c9fecfc6f5, `native-vm/microvium.c`), each shown by a repro that fails
//! once the bug is gone, so a fixed engine is noticed.

mod common;

use common::{engine_present, run};
use memspec::ProfileId;
use memspec::step::{Step, Var};
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue};
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

fn started<L: Launcher>(s: &mut Microvium<L>) {
    let (out, _) = run(s, &[start()]);
    assert!(out[0].is_ok(), "{out:?}");
}

fn stat(stats: &[(String, u64)], name: &str) -> u64 {
    stats.iter().find(|(k, _)| k == name).map(|(_, v)| *v).unwrap()
}

/// Bug: `mvm_getMemoryStats` fills `globalVariablesSize` with the size of the import-table section,
/// not of the GLOBALS section (`mvm_getMemoryStats`, `getSectionSize(vm, BCS_IMPORT_TABLE)`).
#[test]
fn global_variables_size_reports_the_import_table_not_the_globals() {
    if !engine_present(node::Node::check()) {
        return;
    }
    let mut s = node::subject();
    started(&mut s);
    let path = std::env::temp_dir().join(format!("memspec-driver-{}.mvm-bc", std::process::id()));
    s.request(&format!("snapshot {}", path.display())).unwrap();
    let image = std::fs::read(&path).unwrap();
    // Header (native-vm/microvium_bytecode.h): 12 bytes, then 8 little-endian u16 section offsets:
    // 0 import table, 1 export table, ..., 6 globals, 7 heap.
    let offset = |i: usize| u64::from(u16::from_le_bytes([image[12 + 2 * i], image[13 + 2 * i]]));
    let imports = offset(1) - offset(0);
    let globals = offset(7) - offset(6);
    let reported = stat(&s.memory_stats().unwrap(), "globalVariablesSize");
    assert!(globals > 0, "the driver has globals");
    assert_eq!(
        (reported, imports),
        (imports, reported),
        "globalVariablesSize {reported} should be the import section ({imports}) while the bug lasts"
    );
    assert_ne!(
        reported, globals,
        "the bug is gone: globalVariablesSize is the GLOBALS section, {globals} B"
    );
}

/// Bug: `virtualHeapAllocatedCapacity` is the last bucket's `offsetStart` plus the difference of the
/// low 16 bits of two pointers; when the bucket's data crosses a 64 KiB-aligned address it wraps to
/// a huge `size_t`. Where a bucket lands depends on the host's malloc; the 32-bit host serves it from
/// a bump arena that never reuses memory (`host.c --arena`), so the squeezing collections below move
/// the heap upwards through memory and a bucket crosses a boundary at the same reading on every run
/// (the 21st of 64: `target/microvium-c32/host target/microvium-c32/driver.mvm-bc --arena` fed
/// `restore`, then `call 1 I 2 150`, `gc 1`, `stats` for I in 0..64). The node addon uses the C
/// library's malloc, where it happens in some runs and not others, so only the C host checks it.
fn capacity_wraps<L: Launcher>(s: &mut Microvium<L>) {
    started(s);
    for i in 0..64 {
        // An array of 150 elements in slot i (driver.js `alloc`, kind 2), then a squeezing
        // collection that moves the whole heap into one newly allocated bucket.
        s.call(1, &[i, 2, 150]).unwrap();
        s.request("gc 1").unwrap();
        let stats = s.memory_stats().unwrap();
        let (used, capacity) = (
            stat(&stats, "virtualHeapUsed"),
            stat(&stats, "virtualHeapAllocatedCapacity"),
        );
        if capacity > 0xffff || capacity < used {
            return;
        }
    }
    panic!("the bug is gone: in 64 readings virtualHeapAllocatedCapacity never wrapped");
}

#[test]
fn allocated_capacity_wraps_when_a_bucket_crosses_64_kib_in_c32() {
    if !engine_present(c32::C32::check()) {
        return;
    }
    capacity_wraps(&mut c32::subject_with_arena());
}

const LEN0: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(0),
}];

/// Bug: `Microvium.newUint8Array(0)` asks `mvm_allocate` for a 2-byte allocation, under the 4-byte
/// minimum; safe mode stops the VM with MVM_E_ASSERTION_FAILED (17).
fn zero_length_uint8array_asserts<L: Launcher>(s: &mut Microvium<L>) {
    let alloc = Step::Alloc {
        var: Var(0),
        spec: ObjectSpec {
            kind: "uint8array",
            params: LEN0,
        },
    };
    let (out, _) = run(s, &[start(), alloc]);
    let e = out[1]
        .as_ref()
        .expect_err("the bug is gone: a zero-length Uint8Array was allocated");
    assert_eq!(e.kind, ErrorKind::Crashed, "{e}");
    assert!(
        e.detail.as_str().contains("17"),
        "the engine stops with error 17: {e}"
    );
    // The case after it runs on a new host.
    let (out, _) = run(s, &[start()]);
    assert!(out[0].is_ok(), "{out:?}");
}

#[test]
fn a_zero_length_uint8array_trips_the_minimum_size_assertion_in_node() {
    if !engine_present(node::Node::check()) {
        return;
    }
    zero_length_uint8array_asserts(&mut node::subject());
}

#[test]
fn a_zero_length_uint8array_trips_the_minimum_size_assertion_in_c32() {
    if !engine_present(c32::C32::check()) {
        return;
    }
    zero_length_uint8array_asserts(&mut c32::subject());
}

/// Bug: interning a run-time key that spells "length" (or "__proto__") replaces it with the
/// well-known value but still pushes an intern-list cell holding that value; the next run-time key
/// decodes it as a heap pointer and safe mode stops with MVM_E_ASSERTION_FAILED (17).
fn interning_a_computed_key_asserts<L: Launcher>(s: &mut Microvium<L>, bug: &str) {
    started(s);
    let e = s
        .repro(bug)
        .expect_err("the bug is gone: the computed key was interned cleanly");
    assert_eq!(e.kind, ErrorKind::Crashed, "{e}");
    assert!(
        e.detail.as_str().contains("17"),
        "the engine stops with error 17: {e}"
    );
}

#[test]
fn interning_a_computed_length_key_asserts_in_node() {
    if !engine_present(node::Node::check()) {
        return;
    }
    interning_a_computed_key_asserts(&mut node::subject(), "intern-length");
}

#[test]
fn interning_a_computed_proto_key_asserts_in_node() {
    if !engine_present(node::Node::check()) {
        return;
    }
    interning_a_computed_key_asserts(&mut node::subject(), "intern-proto");
}

#[test]
fn interning_a_computed_length_key_asserts_in_c32() {
    if !engine_present(c32::C32::check()) {
        return;
    }
    interning_a_computed_key_asserts(&mut c32::subject(), "intern-length");
}

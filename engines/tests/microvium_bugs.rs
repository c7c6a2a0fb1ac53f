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
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("driver.mvm-bc");
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
/// a bump arena that starts each case `host-base` bytes past a 64 KiB-aligned address, here 512 bytes
/// below the next one: the VM block (40 B) and a first bucket (16 + 256 B) fit below it, the second
/// bucket's data (65352 .. 65608) crosses it. The node addon uses the C library's malloc, where it
/// happens in some runs and not others (`node engines/microvium/measure.mjs bugs`), so only the C
/// host checks it.
#[test]
fn allocated_capacity_wraps_when_a_bucket_crosses_64_kib_in_c32() {
    if !engine_present(c32::C32::check()) {
        return;
    }
    const BASE: &[Param<'static>] = &[Param {
        name: "host-base",
        value: ParamValue::Int(0x1_0000 - 512),
    }];
    const LEN200: &[Param<'static>] = &[Param {
        name: "len",
        value: ParamValue::Int(200),
    }];
    let alloc = |v| Step::Alloc {
        var: Var(v),
        spec: ObjectSpec {
            kind: "uint8array",
            params: LEN200,
        },
    };
    let start = Step::Start {
        profile: ProfileId::Microvium,
        config: HeapConfig {
            arena_bytes: 0,
            port: None,
            options: BASE,
        },
    };
    let mut s = c32::subject();
    let (out, _) = run(&mut s, &[start, alloc(0), alloc(1)]);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let stats = s.memory_stats().unwrap();
    // Two buckets: the first holds the first array (202 of 256 bytes), the second starts at virtual
    // offset 202 with 256 bytes of capacity.
    let truth = 202 + 256;
    let reported = stat(&stats, "virtualHeapAllocatedCapacity");
    assert_ne!(reported, truth, "the bug is gone: the capacity is right");
    // 202 + (low 16 bits of the end, 65608 - 65536) - (low 16 bits of the start, 65352), as a
    // 32-bit size_t.
    assert_eq!(reported, (1u64 << 32) + 202 + 72 - 65352, "{stats:?}");
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
    // MVM_E_ASSERTION_FAILED; the host stopped and the next case starts a new one.
    assert_eq!(e.kind, ErrorKind::Engine, "{e}");
    assert!(
        e.detail.as_str().contains("Microvium error 17"),
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
    assert_eq!(e.kind, ErrorKind::Engine, "{e}");
    assert!(
        e.detail.as_str().contains("Microvium error 17"),
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

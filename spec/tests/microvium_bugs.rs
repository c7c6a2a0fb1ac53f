//! The bugs of Microvium 8.0.0 (`memspec::microvium::bugs`), as the model reproduces them: the two
//! statistics bugs always (beside the true figures), the behavioural ones with `engine-bugs=1`. Each
//! expected figure is what `node engines/microvium/measure.mjs bugs` printed, or follows from the
//! formula that output confirmed.

mod support;

use memspec::microvium::bugs::KNOWN_BUGS;
use memspec::subject::{ErrorKind, Subject, Target};
use memspec_impl::microvium::{Microvium, Value};
use support::microvium::{alloc, arena, heap_words, start};
use support::stat_of;

fn bug(name: &str) -> &'static memspec::microvium::bugs::KnownBug {
    KNOWN_BUGS
        .iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("no known bug {name}"))
}

#[test]
fn global_variables_size_reports_the_import_section_not_the_4_bytes_of_globals() {
    let b = bug("global-variables-size");
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    // Empty program: globals section 4 B, globalVariablesSize=0, totalSize=88.
    assert_eq!(stat_of(&mut m, "globalVariablesSize"), 0, "{}", b.observed);
    assert_eq!(stat_of(&mut m, "totalSize"), 88, "{}", b.observed);
    assert_eq!(stat_of(&mut m, "true.globalVariablesSize"), 4);
    assert_eq!(stat_of(&mut m, "true.totalSize"), 92);
    let mut m = start(&mut arena, None, "stats=\"true\"");
    assert_eq!(stat_of(&mut m, "globalVariablesSize"), 4);
    assert_eq!(stat_of(&mut m, "reported.globalVariablesSize"), 0);
}

/// A host base that puts the first bucket's data `before` bytes below a 64 KiB-aligned address.
fn crossing_base(host: &str, before: u64) -> String {
    // The first bucket starts at the heap base: the VM block rounded up to two pointers.
    let (vm_block, pointer) = if host == "host32" {
        (48 + 4, 4)
    } else {
        (88 + 4, 8)
    };
    let heap_base = (vm_block as u64).div_ceil(2 * pointer) * (2 * pointer);
    let data = heap_base + 4 * pointer;
    format!("host-base={}", 0x2_0000 - data - before)
}

#[test]
fn heap_capacity_wraps_when_the_last_bucket_crosses_a_64_kib_aligned_address() {
    let b = bug("heap-capacity-wrap");
    for (host, wrap) in [("host64", 1u128 << 64), ("host32", 1u128 << 32)] {
        let options = crossing_base(host, 72);
        let mut arena = arena();
        let mut m = start(&mut arena, Some(host), &options);
        alloc(&mut m, "uint8array", "len=200");
        let truth = 256u128;
        let reported = (wrap + truth - 65536) as u64;
        assert_eq!(stat_of(&mut m, "true.virtualHeapAllocatedCapacity"), truth as u64);
        assert_eq!(
            stat_of(&mut m, "virtualHeapAllocatedCapacity"),
            reported,
            "{host}: reported {reported:#x} = 2^{} + {truth} - 65536 ({})",
            wrap.trailing_zeros(),
            b.observed
        );
        // totalSize inherits it: core + capacity + one bucket header, wrapped at the host's width.
        let s = m.memory_stats().expect("stats");
        let header = if host == "host32" { 16 } else { 32 };
        let total = (s.core_size as u128 + reported as u128 + header) % wrap;
        assert_eq!(s.total_size as u128, total, "{host}: totalSize");
        // A bucket that does not cross reports its true capacity.
        let mut m = start(&mut arena, Some(host), "");
        alloc(&mut m, "uint8array", "len=200");
        assert_eq!(stat_of(&mut m, "virtualHeapAllocatedCapacity"), 256);
    }
}

#[test]
fn a_zero_length_uint8array_stops_the_engine_on_its_minimum_size_assertion() {
    let b = bug("uint8array-zero-length");
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let e = m
        .alloc(&memspec::subject::ObjectSpec {
            kind: "uint8array",
            params: &support::params("len=0"),
        })
        .expect_err("2-byte allocation");
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(
        e.detail.as_str().starts_with("MVM_E_ASSERTION_FAILED"),
        "{e} vs {}",
        b.observed
    );
}

fn key(m: &mut Microvium<'_>, text: &str) -> memspec::subject::ObjId {
    alloc(m, "string", &format!("text=\"{text}\"")).id
}

fn one() -> Target {
    Target::Word(Value::int14(1).expect("Int14").0 as u64)
}

#[test]
fn a_computed_length_key_leaves_0x001d_on_the_intern_list_and_the_next_lookup_fails() {
    let b = bug("length-key-interning");
    let mut arena = arena();
    let mut m = start(&mut arena, None, "engine-bugs=1");
    let g = alloc(&mut m, "object", "");
    m.root(g.id).expect("root");
    let length = key(&mut m, "length");
    m.set_named_property(g.id, length, one())
        .expect("g['length'] = 1");
    let words = heap_words(&m);
    // The engine's heap after the first store holds `e004 0001 001d` (the cell) and
    // `c008 0005 0005 001d 0007` (the property); the string was retyped to INTERNED_STRING (4007).
    for part in [
        "e004 0001 001d",
        "c008 0005 0005 001d 0007",
        "4007 656c 676e 6874 7e00",
    ] {
        assert!(words.contains(part), "[{words}] lacks [{part}] ({})", b.observed);
    }
    let k2 = key(&mut m, "k2");
    let e = m
        .set_named_property(g.id, k2, one())
        .expect_err("intern lookup of 0x001d");
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(e.detail.as_str().starts_with("MVM_E_ASSERTION_FAILED"), "{e}");
}

#[test]
fn without_engine_bugs_a_length_key_is_the_well_known_value_and_nothing_is_interned() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let g = alloc(&mut m, "object", "");
    m.root(g.id).expect("root");
    let length = key(&mut m, "length");
    m.set_named_property(g.id, length, one())
        .expect("g['length'] = 1");
    assert_eq!(m.intern_list().expect("list"), Value::UNDEFINED);
    assert_eq!(m.read_word(length, -1).expect("header"), 0x3007, "still a STRING");
    let k2 = key(&mut m, "k2");
    m.set_named_property(g.id, k2, one()).expect("g['k2'] = 1");
    assert_eq!(
        m.read_word(k2, -1).expect("header"),
        0x4003,
        "retyped to INTERNED_STRING"
    );
    m.collect().expect("collect");
    // The object (2 properties, 14 B), "k2" (6 B) and its intern cell (6 B).
    assert_eq!(m.heap_used().expect("used"), 26);
}

#[test]
fn setting_an_arrays_length_to_its_length_is_an_invalid_index_in_8_0_0() {
    let b = bug("array-length-unchanged");
    let mut arena = arena();
    let mut m = start(&mut arena, None, "engine-bugs=1");
    let a = alloc(&mut m, "array", "len=3");
    let e = m.set_array_length(a.id, 3).expect_err("g.length = 3");
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(
        e.detail.as_str().starts_with("MVM_E_INVALID_ARRAY_INDEX"),
        "{e} vs {}",
        b.observed
    );
    let mut m = start(&mut arena, None, "");
    let a = alloc(&mut m, "array", "len=3");
    m.set_array_length(a.id, 3).expect("no change");
    // The same store as a construction argument, as the conformance cases and the engine's driver
    // make it: `[]`, `length = 3`, then `length = 3` again.
    let a = alloc(&mut m, "array", "len=3 set-length=3");
    assert_eq!(
        a.bytes,
        6 + 2 + 3 * 2,
        "ARRAY and its three elements, nothing more"
    );
    let mut m = start(&mut arena, None, "engine-bugs=1");
    let params = support::params("len=3 set-length=3");
    let e = m
        .alloc(&memspec::subject::ObjectSpec {
            kind: "array",
            params: &params,
        })
        .expect_err("[] then length = 3, then length = 3");
    assert!(e.detail.as_str().starts_with("MVM_E_INVALID_ARRAY_INDEX"), "{e}");
}

/// `(virtualHeapUsed, true capacity, fragmentCount)` after `runGC(false)` of `s` (a string of `n`
/// characters, copied first) and `g = {}; g[0] = 1`, on a fresh heap.
fn merge_case(options: &str, n: usize) -> (u64, u64, u64) {
    let mut arena = arena();
    let mut m = start(&mut arena, None, options);
    let s = key(&mut m, &"x".repeat(n));
    let g = alloc(&mut m, "object", "props=1");
    m.root(g.id).expect("root g");
    m.root(s).expect("root s"); // newest first: s is copied first, as the engine's first global
    m.collect_with(false).expect("runGC(false)");
    let st = m.memory_stats().expect("stats");
    (
        st.virtual_heap_used,
        st.true_virtual_heap_allocated_capacity,
        st.fragment_count,
    )
}

#[test]
fn merging_a_property_cell_into_the_last_2_bytes_of_a_bucket_overruns_it_in_8_0_0() {
    let b = bug("property-merge-overflow");
    // string of 51: 64 and 64; 52 and 53: 66 with capacity 64 in one bucket; 54: 68 and 314.
    for (n, expected) in [
        (51, (64, 64, 2)),
        (52, (66, 64, 2)),
        (53, (66, 64, 2)),
        (54, (68, 314, 3)),
    ] {
        assert_eq!(
            merge_case("engine-bugs=1", n),
            expected,
            "string of {n} ({})",
            b.observed
        );
    }
}

#[test]
fn without_engine_bugs_a_merge_that_does_not_fit_moves_the_object_to_a_new_bucket() {
    for (n, expected) in [
        (51, (64, 64, 2)),
        (52, (66, 312, 3)),
        (53, (66, 312, 3)),
        (54, (68, 314, 3)),
    ] {
        assert_eq!(merge_case("", n), expected, "string of {n}");
    }
}

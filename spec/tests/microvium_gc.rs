//! The copying collector over random object graphs: after a collection the live graph is the graph
//! reachable from the roots before it, slot for slot, nothing unreachable survives, no tombstone is
//! left, the heap is the sum of its allocations in one squeezed bucket, each object takes its
//! collected size (`2 + 4 + 4N` objects, arrays cut to their length, closures unchanged), and a
//! second collection reproduces the heap word for word. Plus the collector's fixed rules: roots
//! newest first, automatic collection at the heap limit, interned strings kept.

mod support;

use std::collections::{BTreeSet, HashMap};

use memspec::microvium::law::{
    GraphNode, collection_keeps_exactly_the_reachable, no_tombstone_survives, used_is_sum_of_footprints,
};
use memspec::subject::{ErrorKind, ObjId, ObjectSpec, Subject, Target};
use memspec_impl::microvium::{Microvium, Value};
use proptest::prelude::*;
use support::microvium::{alloc, arena, heap_words, start};
use support::params;

#[derive(Clone, Debug)]
enum Kind {
    Object(u8),
    Array(u8, u8),
    Closure(u8),
    Text(u8),
}

#[derive(Clone, Debug)]
struct Graph {
    kinds: Vec<Kind>,
    /// `(from, slot, to)`: `to` None stores an Int14.
    links: Vec<(usize, u32, Option<usize>)>,
    roots: Vec<usize>,
}

fn graph() -> impl Strategy<Value = Graph> {
    let kind = prop_oneof![
        (0u8..4).prop_map(Kind::Object),
        (0u8..4, 0u8..4).prop_map(|(l, e)| Kind::Array(l, e)),
        (1u8..5).prop_map(Kind::Closure),
        (0u8..9).prop_map(Kind::Text),
    ];
    prop::collection::vec(kind, 1..24).prop_flat_map(|kinds| {
        let n = kinds.len();
        let links = prop::collection::vec((0..n, 0u32..6, prop::option::weighted(0.8, 0..n)), 0..48);
        let roots = prop::collection::vec(0..n, 0..4);
        (Just(kinds), links, roots).prop_map(|(kinds, links, roots)| Graph { kinds, links, roots })
    })
}

/// The objects built for a graph, how many slots of each to read back, and each object's keys.
struct Built {
    ids: Vec<ObjId>,
    slots: Vec<u32>,
    keys: Vec<BTreeSet<u32>>,
}

fn build(m: &mut Microvium<'_>, g: &Graph) -> Built {
    let mut ids = Vec::new();
    let mut slots = Vec::new();
    let mut keys = Vec::new();
    for k in &g.kinds {
        let (kind, args, n) = match k {
            Kind::Object(p) => ("object", format!("props={p}"), *p as u32),
            Kind::Array(l, e) => ("array", format!("len={l} capacity={}", l + e), *l as u32),
            Kind::Closure(s) => ("closure", format!("slots={s}"), *s as u32),
            Kind::Text(t) => ("string", format!("text=\"{}\"", "t".repeat(*t as usize)), 0),
        };
        ids.push(alloc(m, kind, &args).id);
        slots.push(n);
        keys.push((0..n).collect::<BTreeSet<u32>>());
    }
    for &(from, slot, to) in &g.links {
        let target = match to {
            Some(t) => Target::Object(ids[t]),
            None => Target::Word(Value::int14(slot as i64 * 11).expect("Int14").0 as u64),
        };
        match &g.kinds[from] {
            Kind::Text(_) => continue,
            Kind::Closure(s) if slot >= *s as u32 => continue,
            _ => {}
        }
        m.link(ids[from], slot, target).expect("link");
        slots[from] = slots[from].max(slot + 1);
        keys[from].insert(slot);
    }
    for &r in &g.roots {
        m.root(ids[r]).expect("root");
    }
    Built { ids, slots, keys }
}

/// Reads the live graph back from the model: each live object's slots as object ids.
fn observe(m: &Microvium<'_>, b: &Built) -> Vec<(u32, Vec<Option<u32>>)> {
    let mut by_word = HashMap::new();
    for id in &b.ids {
        if m.is_live_now(*id) {
            by_word.insert(m.word_of(*id).expect("word").0, id.0);
        }
    }
    let mut nodes = Vec::new();
    for (i, id) in b.ids.iter().enumerate() {
        if !m.is_live_now(*id) {
            continue;
        }
        let mut slots = Vec::new();
        for s in 0..b.slots[i] {
            let v = match m.slot(*id, s) {
                Ok(v) => v,
                Err(e) if e.kind == ErrorKind::BadArgument => None, // a string has no slots
                Err(e) => panic!("slot {s} of #{}: {e}", id.0),
            };
            slots.push(v.and_then(|v| v.as_short_ptr().map(|_| by_word[&v.0])));
        }
        nodes.push((id.0, slots));
    }
    nodes
}

trait LiveNow {
    fn is_live_now(&self, id: ObjId) -> bool;
}

impl LiveNow for Microvium<'_> {
    fn is_live_now(&self, id: ObjId) -> bool {
        self.word_of(id).is_ok()
    }
}

fn nodes(observed: &[(u32, Vec<Option<u32>>)]) -> Vec<GraphNode<'_>> {
    observed
        .iter()
        .map(|(id, slots)| GraphNode { id: *id, slots })
        .collect()
}

/// Bytes an object takes after a collection, from its kind, its slots (an array's length) and its
/// number of keys (an object's properties).
fn collected_bytes(kind: &Kind, slots: u32, keys: usize) -> u64 {
    match kind {
        Kind::Object(_) => 2 + 4 + 4 * keys as u64,
        Kind::Array(..) if slots == 0 => 6,
        Kind::Array(..) => 6 + 2 + 2 * slots as u64,
        Kind::Closure(s) => 2 + 2 * *s as u64,
        Kind::Text(t) => 2 + (*t as u64 + 1).div_ceil(2) * 2,
    }
}

proptest! {
    #[test]
    fn a_collection_keeps_exactly_the_graph_reachable_from_the_roots(g in graph()) {
        let mut arena = arena();
        let mut m = start(&mut arena, None, "");
        let b = build(&mut m, &g);
        let before = observe(&m, &b);
        let roots: Vec<u32> = g.roots.iter().map(|r| b.ids[*r].0).collect();

        m.collect().expect("collect");
        let after = observe(&m, &b);
        let mut scratch = vec![false; before.len()];
        collection_keeps_exactly_the_reachable(&nodes(&before), &roots, &nodes(&after), &mut scratch)
            .unwrap_or_else(|v| panic!("{v}"));

        let mut footprints = Vec::new();
        let mut headers = Vec::new();
        m.for_each_allocation(&mut |a| {
            footprints.push(a.header.footprint() as u64);
            headers.push((a.body.0 as u32, a.header.0));
        }).expect("walk");
        let used = m.heap_used().expect("used") as u64;
        used_is_sum_of_footprints(footprints.iter().copied(), used).unwrap_or_else(|v| panic!("{v}"));
        no_tombstone_survives(headers.iter().copied()).unwrap_or_else(|v| panic!("{v}"));
        prop_assert_eq!(m.memory_stats().expect("stats").fragment_count, 2, "one squeezed bucket");

        let live: u64 = g.kinds.iter().enumerate()
            .filter(|(i, _)| m.is_live_now(b.ids[*i]))
            .map(|(i, k)| collected_bytes(k, b.slots[i], b.keys[i].len()))
            .sum();
        prop_assert_eq!(used, live, "heap after collection vs the live objects' collected sizes");

        let words = heap_words(&m);
        m.collect().expect("second collection");
        prop_assert_eq!(heap_words(&m), words, "a second collection moves nothing");
    }
}

#[test]
fn objects_no_root_reaches_are_collected_and_their_ids_say_so() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let kept = alloc(&mut m, "object", "props=1");
    let child = alloc(&mut m, "array", "len=1");
    let lost = alloc(&mut m, "object", "");
    m.link(kept.id, 0, Target::Object(child.id)).expect("link");
    m.root(kept.id).expect("root");
    let c = m.collect().expect("collect");
    assert!(m.is_live(kept.id).unwrap() && m.is_live(child.id).unwrap());
    assert!(!m.is_live(lost.id).unwrap());
    assert_eq!(
        m.word_of(lost.id).expect_err("collected").kind,
        ErrorKind::NoSuchObject
    );
    // Before: kept's head and cell (6 + 10), child's head and data (6 + 4), lost (6), 32 B in 5.
    // After: kept merged (10), child (6 + 4), 20 B in 3.
    assert_eq!((c.freed_allocations, c.freed_bytes), (2, 12));
    m.unroot(kept.id).expect("unroot");
    m.collect().expect("collect");
    assert!(!m.is_live(kept.id).unwrap() && !m.is_live(child.id).unwrap());
    assert_eq!(m.heap_used().unwrap(), 0);
}

#[test]
fn roots_are_copied_newest_first_as_the_handle_list_holds_them() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let a = alloc(&mut m, "int", "value=100000");
    let b = alloc(&mut m, "string", "text=\"b\"");
    m.root(a.id).unwrap();
    m.root(b.id).unwrap();
    m.collect().unwrap();
    assert_eq!(heap_words(&m), "3002 0062 1004 86a0 0001");
    assert_eq!(m.word_of(b.id).unwrap().0, 0x0002);
    assert_eq!(m.word_of(a.id).unwrap().0, 0x0006);
}

#[test]
fn interned_strings_survive_without_a_root() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let s = alloc(&mut m, "string", "text=\"key\" interned=1");
    assert_eq!(s.bytes, 6 + 6, "the string and its intern cell");
    m.collect().unwrap();
    assert!(m.is_live(s.id).unwrap());
    assert_eq!(heap_words(&m), "e004 0001 0008 4004 656b 0079");
    // The same text again resolves to the interned string: no new cell, the new string is garbage.
    let again = alloc(&mut m, "string", "text=\"key\" interned=1");
    assert_eq!(again.word, m.word_of(s.id).unwrap().0 as u64);
    assert_eq!(again.bytes, 6);
}

#[test]
fn a_string_that_spells_an_integer_is_no_property_key() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let p = params("text=\"12\" interned=1");
    let e = m
        .alloc(&ObjectSpec {
            kind: "string",
            params: &p,
        })
        .expect_err("integer-valued");
    assert_eq!(e.kind, ErrorKind::BadArgument);
    assert!(e.detail.as_str().contains("MVM_E_TYPE_ERROR"), "{e}");
}

#[test]
fn a_heap_over_its_maximum_collects_then_fails_with_out_of_memory() {
    // node engines/microvium/measure.mjs limits: sixteen 4000-byte arrays take 64032 B, the
    // seventeenth is MVM_E_OUT_OF_MEMORY (MVM_MAX_HEAP_SIZE 0xFFFE).
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    for i in 1..=16 {
        let a = alloc(&mut m, "uint8array", "len=4000");
        m.root(a.id).unwrap();
        let s = m.memory_stats().unwrap();
        assert_eq!(
            (s.virtual_heap_used, s.true_virtual_heap_allocated_capacity),
            (4002 * i, 4002 * i)
        );
    }
    let p = params("len=4000");
    let e = m
        .alloc(&ObjectSpec {
            kind: "uint8array",
            params: &p,
        })
        .expect_err("over the maximum");
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    assert!(e.detail.as_str().contains("MVM_E_OUT_OF_MEMORY"), "{e}");
}

#[test]
fn at_the_heap_limit_an_allocation_collects_the_unrooted_objects_first() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "max-heap=1024");
    let kept = alloc(&mut m, "uint8array", "len=300");
    m.root(kept.id).unwrap();
    let garbage: Vec<_> = (0..2).map(|_| alloc(&mut m, "uint8array", "len=300")).collect();
    // 3 x 302 = 906 B; a fourth needs a bucket past 1024: the collection frees the two unrooted ones.
    let fourth = alloc(&mut m, "uint8array", "len=300");
    assert!(m.is_live(kept.id).unwrap() && m.is_live(fourth.id).unwrap());
    assert!(garbage.iter().all(|g| !m.is_live(g.id).unwrap()));
    assert_eq!(m.heap_used().unwrap(), 604);
}

#[test]
fn a_squeeze_leaves_one_bucket_of_exactly_the_live_size() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "squeeze=0");
    for _ in 0..30 {
        let a = alloc(&mut m, "object", "props=2");
        m.root(a.id).unwrap();
    }
    m.collect().unwrap(); // squeeze=0: the first to-space bucket was 64 B, then 256 B buckets
    let s = m.memory_stats().unwrap();
    assert_eq!(s.virtual_heap_used, 30 * 14);
    assert!(s.fragment_count > 2, "{s:?}");
    m.collect_with(true).unwrap();
    let s = m.memory_stats().unwrap();
    assert_eq!(
        (s.fragment_count, s.true_virtual_heap_allocated_capacity),
        (2, 30 * 14)
    );
}

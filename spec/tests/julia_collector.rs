//! The collector of `julia64` on hand-built heaps: promotion after one collection, quick sweeps that
//! skip pages, full collections, managed mallocs and big objects, disabling, and the heap figures
//! (Julia v1.11.0 `src/gc.c` `_jl_gc_collect`, `gc_sweep_page`, `sweep_big_list`,
//! `sweep_malloced_memory`, `jl_gc_collect`).

mod support;

use memspec::julia::header::{GC_CLEAN, GC_MARKED, GC_OLD, GC_OLD_MARKED};
use memspec::julia::size_class::{GC_PAGE_OFFSET_BYTES, GC_PAGE_SZ_BYTES, pool_cell_bytes};
use memspec::law::used_plus_free_is_pool;
use memspec::subject::{GcOp, ObjId, ObjectSpec, Param, ParamValue, Subject, Target, stat};
use memspec_impl::julia::Julia;
use support::stat_of;

fn alloc(j: &mut Julia<'_>, kind: &str, name: &str, v: i128) -> ObjId {
    let params = [Param {
        name,
        value: ParamValue::Int(v),
    }];
    j.alloc(&ObjectSpec {
        kind,
        params: &params,
    })
    .unwrap()
    .id
}

fn gc(j: &Julia<'_>, id: ObjId) -> u64 {
    j.gc_bits_of(id).unwrap() as u64
}

/// A young object that survives one collection is old: `GC_CLEAN` -> marked `GC_MARKED` -> swept to
/// `GC_OLD`; the next mark makes it `GC_OLD_MARKED`, which a quick sweep keeps and a full sweep resets.
#[test]
fn an_object_is_promoted_after_surviving_one_collection() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let x = alloc(&mut j, "svec", "len", 1);
    j.root(x).unwrap();
    assert_eq!(gc(&j, x), GC_CLEAN);
    j.collect_minor().unwrap();
    assert_eq!(gc(&j, x), GC_OLD);
    j.collect_minor().unwrap();
    assert_eq!(gc(&j, x), GC_OLD_MARKED);
    j.collect_minor().unwrap();
    assert_eq!(gc(&j, x), GC_OLD_MARKED);
    // A full collection: a full sweep (3 -> 2), then a second mark and quick sweep (2 -> 3).
    j.collect_full().unwrap();
    assert_eq!(gc(&j, x), GC_OLD_MARKED);
    assert_eq!(stat_of(&mut j, "julia.full_sweeps"), 1);
    assert_eq!(stat_of(&mut j, "julia.cycles"), 5);
}

/// A minor collection never traces an old marked object, so an unreachable one survives it; the full
/// collection frees it.
#[test]
fn a_minor_collection_keeps_dead_old_objects_and_a_full_one_frees_them() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let x = alloc(&mut j, "svec", "len", 1);
    let keep = alloc(&mut j, "svec", "len", 1);
    j.root(x).unwrap();
    j.root(keep).unwrap();
    j.collect_minor().unwrap();
    j.collect_minor().unwrap();
    j.unroot(x).unwrap();
    // Something is allocated from x's page, so the quick sweep looks at the page.
    let young = alloc(&mut j, "svec", "len", 1);
    let c = j.collect_minor().unwrap();
    assert!(
        j.is_live(x).unwrap(),
        "old and marked: the minor collection keeps it"
    );
    assert!(!j.is_live(young).unwrap(), "young and unreachable: freed");
    assert_eq!(
        (c.freed_allocations, c.freed_bytes),
        (1, pool_cell_bytes(16).unwrap())
    );
    j.collect_full().unwrap();
    assert!(!j.is_live(x).unwrap());
    assert!(j.is_live(keep).unwrap());
}

/// `gc_sweep_page`: a quick sweep skips a page nothing was allocated from since its last sweep (and,
/// right after a full sweep, on which no old cell died). Objects promoted by the last sweep that died
/// since stay on such a page until a sweep looks at it.
#[test]
fn a_quick_sweep_skips_a_page_nothing_was_allocated_from() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let cells = (GC_PAGE_SZ_BYTES - GC_PAGE_OFFSET_BYTES) / 16;
    // Fill one page of 16-byte cells with uncached Int64 boxes, all rooted.
    let boxes: Vec<ObjId> = (0..cells)
        .map(|i| {
            let id = alloc(&mut j, "int64", "value", 100_000 + i as i128);
            j.root(id).unwrap();
            id
        })
        .collect();
    j.collect_minor().unwrap();
    for id in &boxes[..10] {
        j.unroot(*id).unwrap();
    }
    // The page is full: no free cell keeps it young, nothing is allocated from it.
    let c = j.collect_minor().unwrap();
    assert_eq!(c.freed_allocations, 0, "the page was skipped");
    assert!(boxes[..10].iter().all(|id| j.is_live(*id).unwrap()));
    assert_eq!(gc(&j, boxes[0]), GC_OLD, "unmarked, but the sweep never looked");
    assert_eq!(
        gc(&j, boxes[10]),
        GC_OLD_MARKED,
        "marked; a quick sweep keeps GC_OLD_MARKED"
    );
    j.collect_full().unwrap();
    assert!(boxes[..10].iter().all(|id| !j.is_live(*id).unwrap()));
    assert!(boxes[10..].iter().all(|id| j.is_live(*id).unwrap()));
}

/// After the full sweep of a full collection, the second (quick) sweep must still look at a page on
/// which old cells died (`prev_nold != nold`), though nothing was allocated from it.
#[test]
fn a_full_collection_frees_dead_old_objects_on_a_page_nothing_was_allocated_from() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let cells = (GC_PAGE_SZ_BYTES - GC_PAGE_OFFSET_BYTES) / 16;
    let boxes: Vec<ObjId> = (0..cells)
        .map(|i| {
            let id = alloc(&mut j, "int64", "value", 200_000 + i as i128);
            j.root(id).unwrap();
            id
        })
        .collect();
    j.collect_minor().unwrap();
    j.collect_minor().unwrap();
    assert_eq!(gc(&j, boxes[0]), GC_OLD_MARKED);
    let next_page = alloc(&mut j, "int64", "value", 300_000);
    j.root(next_page).unwrap();
    for id in boxes.iter().step_by(2) {
        j.unroot(*id).unwrap();
    }
    let c = j.collect_full().unwrap();
    assert_eq!(c.freed_allocations, cells.div_ceil(2));
    for (i, id) in boxes.iter().enumerate() {
        assert_eq!(j.is_live(*id).unwrap(), i % 2 == 1, "box {i}");
    }
}

/// A `Memory` too large to be inline owns a managed malloc, freed in the sweep that frees the
/// `Memory`; a big object is freed by `sweep_big_list`. heap.used + heap.free stays the pool.
#[test]
fn mallocs_and_big_objects_die_with_their_owners() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let total = stat_of(&mut j, stat::TOTAL);
    let mem = alloc(&mut j, "memory", "len", 300);
    let big = alloc(&mut j, "raw", "bytes", 5000);
    let used = stat_of(&mut j, stat::USED);
    assert_eq!(
        used,
        32 + 2432 + 5120,
        "Memory object + LLT_ALIGN(2400, 64) + big LLT_ALIGN(5064, 64)"
    );
    used_plus_free_is_pool(used, stat_of(&mut j, stat::FREE), total).unwrap();
    let c = j.collect_full().unwrap();
    assert_eq!((c.freed_allocations, c.freed_bytes), (3, used));
    assert!(!j.is_live(mem).unwrap() && !j.is_live(big).unwrap());
    assert_eq!(stat_of(&mut j, stat::USED), 0);
    assert_eq!(stat_of(&mut j, "julia.heap_size"), 0);
    used_plus_free_is_pool(0, stat_of(&mut j, stat::FREE), total).unwrap();
}

/// Elements stored into a vector keep it and its memory alive; the memory is what the barrier
/// remembers (`jl_array_owner`).
#[test]
fn a_vector_keeps_its_memory_and_elements_alive() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let v = alloc(&mut j, "vector", "len", 300);
    j.root(v).unwrap();
    j.collect_minor().unwrap();
    j.collect_minor().unwrap();
    let x = alloc(&mut j, "float64", "value", 3);
    assert!(
        j.store(v, 299, Target::Object(x)).unwrap(),
        "the memory is old and marked"
    );
    assert_eq!(
        j.gc_bits_of(v).unwrap(),
        GC_OLD_MARKED as u8,
        "the array itself is not remembered"
    );
    j.collect_minor().unwrap();
    assert!(j.is_live(x).unwrap());
    j.collect_full().unwrap();
    assert!(j.is_live(x).unwrap());
    assert_eq!(
        stat_of(&mut j, stat::ALLOCATIONS),
        4,
        "array, memory, its malloc, the element"
    );
}

/// While `jl_gc_enable(0)` is in effect a collection does nothing.
#[test]
fn a_disabled_collector_frees_nothing() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let x = alloc(&mut j, "svec", "len", 1);
    j.gc_control(GcOp::Disable).unwrap();
    assert_eq!(j.collect().unwrap().freed_allocations, 0);
    assert!(j.is_live(x).unwrap());
    j.gc_control(GcOp::Enable).unwrap();
    assert_eq!(j.collect().unwrap().freed_allocations, 1);
    assert!(!j.is_live(x).unwrap());
}

/// A full heap collects before it gives up: garbage does not cause out-of-memory.
#[test]
fn allocation_collects_when_the_pages_run_out() {
    let mut arena = vec![0u8; 128 << 10];
    let mut j = Julia::new(&mut arena);
    let pages = stat_of(&mut j, stat::TOTAL) / GC_PAGE_SZ_BYTES;
    for _ in 0..3 * pages {
        alloc(&mut j, "raw", "bytes", 10_000);
    }
    assert!(stat_of(&mut j, "julia.cycles") > 0);
}

/// With a one-entry remembered set, the old objects a mark finds pointing at young ones do not all
/// fit; the collector finds the others by a scan, so their young children survive the next minor
/// collection all the same.
#[test]
fn remembered_objects_that_do_not_fit_the_remembered_set_are_found_by_a_scan() {
    let mut arena = vec![0u8; 1 << 20];
    let tiny = memspec_impl::julia::heap::Limits {
        remset_per_page: 0,
        ..Default::default()
    };
    let mut j = Julia::with_limits(&mut arena, tiny);
    let parents: Vec<ObjId> = (0..3).map(|_| alloc(&mut j, "svec", "len", 1)).collect();
    for p in &parents {
        j.root(*p).unwrap();
    }
    j.collect_minor().unwrap();
    // GC_OLD parents: storing young children runs no barrier; the next mark finds the edges.
    let children: Vec<ObjId> = parents
        .iter()
        .map(|p| {
            let y = alloc(&mut j, "float64", "value", 1);
            assert!(!j.store(*p, 0, Target::Object(y)).unwrap());
            y
        })
        .collect();
    j.collect_minor().unwrap();
    assert_eq!(j.remset_len(), 3, "one stored, two counted");
    for p in &parents {
        assert_eq!(gc(&j, *p), GC_MARKED);
        assert!(j.is_remembered_id(*p).unwrap());
    }
    j.collect_minor().unwrap();
    for y in &children {
        assert!(j.is_live(*y).unwrap());
        assert_eq!(gc(&j, *y), GC_OLD_MARKED);
    }
}

//! The write barrier of `julia64` (Julia v1.11.0 `src/julia.h` `jl_gc_wb`, `src/gc.c`
//! `jl_gc_queue_root`): the truth table over all 16 pairs of gc bits, in the specification, in the
//! implementation's rule, and on real objects brought into each state by collections.

use memspec::julia::barrier::{barrier_as_engine, barrier_fires, queue_root};
use memspec::julia::header::{GC_CLEAN, GC_MARKED, GC_OLD, GC_OLD_MARKED};
use memspec::subject::{ObjId, ObjectSpec, Param, ParamValue, Subject, Target};
use memspec_impl::julia::Julia;
use memspec_impl::julia::barrier as imp;

/// `jl_gc_wb` queues the parent for exactly these (parent, child) gc bits: parent `GC_OLD_MARKED`,
/// child `GC_CLEAN` or `GC_OLD` (`(ptr.gc & 1) == 0`).
const FIRES: [(u64, u64); 2] = [(GC_OLD_MARKED, GC_CLEAN), (GC_OLD_MARKED, GC_OLD)];

#[test]
fn barrier_fires_for_old_marked_parent_and_unmarked_child() {
    for parent in 0..4u64 {
        for child in 0..4u64 {
            let expected = FIRES.contains(&(parent, child));
            assert_eq!(
                barrier_fires(parent, child),
                expected,
                "spec: parent {parent:02b} child {child:02b}"
            );
            let imp = imp::barrier_fires(parent as u8, child as u8);
            barrier_as_engine(parent, child, imp).unwrap();
        }
    }
}

#[test]
fn queueing_a_root_clears_gc_old_and_pushes_only_the_first_time() {
    assert_eq!(queue_root(GC_OLD_MARKED), (GC_MARKED, true));
    assert_eq!(queue_root(GC_MARKED), (GC_MARKED, false));
    assert_eq!(queue_root(GC_OLD), (GC_CLEAN, true));
    assert_eq!(queue_root(GC_CLEAN), (GC_CLEAN, false));
}

fn svec(j: &mut Julia<'_>) -> ObjId {
    let params = [Param {
        name: "len",
        value: ParamValue::Int(2),
    }];
    j.alloc(&ObjectSpec {
        kind: "svec",
        params: &params,
    })
    .unwrap()
    .id
}

/// Two objects in each gc state, all at once: `[state][which]`.
fn objects_in_every_state(j: &mut Julia<'_>) -> [[ObjId; 2]; 4] {
    let old_marked = [svec(j), svec(j)];
    let remembered = [svec(j), svec(j)];
    for id in old_marked.iter().chain(&remembered) {
        j.root(*id).unwrap();
    }
    // Young -> GC_MARKED -> swept to GC_OLD; marked again -> GC_OLD_MARKED, kept by a quick sweep.
    j.collect_minor().unwrap();
    j.collect_minor().unwrap();
    let old = [svec(j), svec(j)];
    for id in old {
        j.root(id).unwrap();
    }
    j.collect_minor().unwrap();
    // A store of a young object into an old marked one remembers it: GC_OLD_MARKED -> GC_MARKED.
    for id in remembered {
        let young = svec(j);
        assert!(j.store(id, 1, Target::Object(young)).unwrap());
    }
    let clean = [svec(j), svec(j)];
    let all = [clean, remembered, old, old_marked];
    for (state, ids) in all.iter().enumerate() {
        for id in ids {
            assert_eq!(
                j.gc_bits_of(*id).unwrap() as usize,
                state,
                "set-up of state {state:02b}"
            );
        }
    }
    all
}

/// On real objects, the barrier fires for the same 2 of 16 pairs, turns the parent into a remembered
/// `GC_MARKED` object and pushes it once (JL-18).
#[test]
fn the_barrier_fires_on_objects_in_the_states_the_rule_names() {
    for parent_gc in 0..4usize {
        for child_gc in 0..4usize {
            let mut arena = vec![0u8; 1 << 20];
            let mut j = Julia::new(&mut arena);
            let objs = objects_in_every_state(&mut j);
            let (parent, child) = (objs[parent_gc][0], objs[child_gc][1]);
            let remset = j.remset_len();
            let fired = j.store(parent, 0, Target::Object(child)).unwrap();
            barrier_as_engine(parent_gc as u64, child_gc as u64, fired).unwrap();
            if fired {
                assert_eq!(j.gc_bits_of(parent).unwrap(), GC_MARKED as u8);
                assert!(j.is_remembered_id(parent).unwrap());
                assert_eq!(j.remset_len(), remset + 1, "pushed once");
                // Until the next collection the parent stays remembered: no second push.
                let again = objs[0][0];
                assert!(!j.store(parent, 1, Target::Object(again)).unwrap());
                assert_eq!(j.remset_len(), remset + 1);
            } else {
                assert_eq!(
                    j.gc_bits_of(parent).unwrap() as usize,
                    parent_gc,
                    "bits unchanged"
                );
                assert_eq!(j.remset_len(), remset);
            }
        }
    }
}

/// The child need not be young: an old child that is not marked (`GC_OLD`) also needs the barrier, or
/// the next minor collection, which does not trace the old marked parent, would free it.
#[test]
fn an_old_unmarked_child_survives_a_minor_collection_because_the_barrier_remembered_its_parent() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let objs = objects_in_every_state(&mut j);
    let (parent, child) = (objs[GC_OLD_MARKED as usize][0], objs[GC_OLD as usize][1]);
    assert!(j.store(parent, 0, Target::Object(child)).unwrap());
    j.unroot(child).unwrap();
    j.collect_minor().unwrap();
    assert!(j.is_live(child).unwrap());
    assert_eq!(j.gc_bits_of(child).unwrap(), GC_OLD_MARKED as u8);
}

/// Storing null (`unlink`) runs no barrier: `jl_gc_wb` is only called for a non-null `ptr`.
#[test]
fn storing_null_runs_no_barrier() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let objs = objects_in_every_state(&mut j);
    let parent = objs[GC_OLD_MARKED as usize][0];
    assert!(!j.store(parent, 0, Target::Empty).unwrap());
    assert_eq!(j.gc_bits_of(parent).unwrap(), GC_OLD_MARKED as u8);
}

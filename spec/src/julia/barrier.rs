//! The write barrier and the remembered set (`src/julia.h` `jl_gc_wb`, `src/gc.c` `jl_gc_queue_root`,
//! v1.11.0).
//!
//! After storing a non-null reference `ptr` into `parent`, `jl_gc_wb(parent, ptr)` calls
//! `jl_gc_queue_root(parent)` exactly when the parent is `GC_OLD_MARKED` and the child's `GC_MARKED`
//! bit is clear: the child is `GC_CLEAN` (young) **or `GC_OLD`** (old but not marked since the last
//! full sweep). "The child is young" is not the rule. `jl_gc_queue_root` clears the parent's `GC_OLD`
//! bit (3 becomes 1, "old, remembered") and, if the bit was set before, pushes the parent onto the
//! thread's remembered set: once, however often the barrier fires until the next collection.
//!
//! Between collections this keeps one invariant, checked edge by edge by
//! [`old_marked_points_at_marked`]: an object that is `GC_OLD_MARKED` and not remembered points only at
//! objects whose `GC_MARKED` bit is set, so a minor mark that stops at marked objects misses nothing.

use super::header::{GC_MARKED, GC_OLD, GC_OLD_MARKED};
use crate::law::{LawResult, Violation};

/// Whether `jl_gc_wb(parent, ptr)` queues the parent, given the two objects' gc bits.
pub const fn barrier_fires(parent_gc: u64, child_gc: u64) -> bool {
    parent_gc & 3 == GC_OLD_MARKED && child_gc & GC_MARKED == 0
}

/// What `jl_gc_queue_root` does to a parent with gc bits `parent_gc`: its new gc bits (`GC_OLD`
/// cleared), and whether it was pushed onto the remembered set (the bit was set before).
pub const fn queue_root(parent_gc: u64) -> (u64, bool) {
    (parent_gc & !GC_OLD, parent_gc & GC_OLD != 0)
}

/// The implementation's barrier fired (`fired`) exactly when `jl_gc_wb` would have.
pub fn barrier_as_engine(parent_gc: u64, child_gc: u64, fired: bool) -> LawResult {
    let expected = barrier_fires(parent_gc, child_gc);
    if fired == expected {
        return Ok(());
    }
    Err(Violation::new(
        "barrier-as-engine",
        format_args!(
            "parent gc {parent_gc:02b}, child gc {child_gc:02b}: the barrier {} but jl_gc_wb {} \
             (fires iff parent gc == 11 and child gc & 01 == 00)",
            if fired { "fired" } else { "did not fire" },
            if expected {
                "queues the parent"
            } else {
                "does nothing"
            },
        ),
    ))
}

/// Between collections, an edge `parent -> child` where the parent is `GC_OLD_MARKED` and not in the
/// remembered set has a child with its `GC_MARKED` bit set. Addresses are for the message only.
pub fn old_marked_points_at_marked(
    parent: u64,
    parent_gc: u64,
    remembered: bool,
    child: u64,
    child_gc: u64,
) -> LawResult {
    if parent_gc & 3 != GC_OLD_MARKED || remembered || child_gc & GC_MARKED != 0 {
        return Ok(());
    }
    Err(Violation::new(
        "old-marked-points-at-marked",
        format_args!(
            "parent {parent:#x} is GC_OLD_MARKED (gc {parent_gc:02b}) and not remembered, but its child \
             {child:#x} has gc {child_gc:02b} (mask 01 clear): a minor mark would not reach the child"
        ),
    ))
}

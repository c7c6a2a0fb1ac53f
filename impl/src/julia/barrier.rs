//! The write barrier and the remembered set: `jl_gc_wb` (`src/julia.h`) and `jl_gc_queue_root`
//! (`src/gc.c`), Julia v1.11.0.
//!
//! Julia's remembered sets are growable array lists in thread-local state. The model's are arrays of
//! fixed capacity in the arena; when one is full the entry is counted but not stored, and the
//! collector finds the members by scanning instead: between collections every object whose gc bits
//! are `GC_MARKED` is remembered, since the sweep leaves none but those it remembers.

use super::Julia;
use super::header::{GC_MARKED, GC_OLD, GC_OLD_MARKED, HEADER_BYTES, Header, WORD_BYTES};
use super::heap::{Addr, R};
use super::types::HEAP_BASE;

/// Whether `jl_gc_wb(parent, ptr)` queues the parent: the parent is `GC_OLD_MARKED` and the child's
/// `GC_MARKED` bit is clear.
pub const fn barrier_fires(parent_gc: u8, child_gc: u8) -> bool {
    parent_gc == GC_OLD_MARKED && child_gc & GC_MARKED == 0
}

impl Julia<'_> {
    /// The gc bits of the object at `value`.
    pub fn gc_bits(&self, value: Addr) -> R<u8> {
        Ok(Header(self.words.get(value.minus(HEADER_BYTES))?).gc())
    }

    /// `jl_gc_wb(parent, ptr)` after storing `child` into `parent`. Returns whether it fired.
    pub fn write_barrier(&mut self, parent: Addr, child: Addr) -> R<bool> {
        if child.is_null() || !barrier_fires(self.gc_bits(parent)?, self.gc_bits(child)?) {
            return Ok(false);
        }
        self.queue_root(parent)?;
        Ok(true)
    }

    /// `jl_gc_queue_root(parent)`: clears `GC_OLD` in the parent's header; if it was set, pushes the
    /// parent onto the remembered set.
    pub fn queue_root(&mut self, parent: Addr) -> R<()> {
        let at = parent.minus(HEADER_BYTES);
        let h = Header(self.words.get(at)?);
        self.words.set(at, h.0 & !(GC_OLD as u64))?;
        if h.is_old() {
            self.remset_push(self.remset_cur, parent)?;
        }
        Ok(())
    }

    /// Appends `value` to remembered set `which` (or counts it, when full).
    pub(crate) fn remset_push(&mut self, which: usize, value: Addr) -> R<()> {
        let map = self.map?;
        let len = self.remset_len[which];
        if len >= map.remset_cap {
            self.remset_dropped[which] += 1;
            return Ok(());
        }
        let at = Addr(HEAP_BASE + map.remsets[which] + len as u64 * WORD_BYTES);
        self.words.set(at, value.0)?;
        self.remset_len[which] = len + 1;
        Ok(())
    }

    /// Entry `i` of remembered set `which`.
    pub(crate) fn remset_item(&self, which: usize, i: u32) -> R<Addr> {
        let map = self.map?;
        Ok(Addr(self.words.get(Addr(
            HEAP_BASE + map.remsets[which] + i as u64 * WORD_BYTES,
        ))?))
    }

    /// Objects in the current remembered set, counted with those it had no room for.
    pub fn remset_len(&self) -> u64 {
        self.remset_len[self.remset_cur] as u64 + self.remset_dropped[self.remset_cur] as u64
    }

    /// Whether the object at `value` is stored in remembered set `which`.
    pub(crate) fn in_remset_array(&self, which: usize, value: Addr) -> R<bool> {
        for i in 0..self.remset_len[which] {
            if self.remset_item(which, i)? == value {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether the object at `value` is in the current remembered set.
    pub fn is_remembered(&self, value: Addr) -> R<bool> {
        let c = self.remset_cur;
        // Members that did not fit are exactly the remaining objects marked GC_MARKED.
        Ok(self.in_remset_array(c, value)?
            || (self.remset_dropped[c] > 0 && self.gc_bits(value)? == GC_MARKED))
    }
}

//! The allocation entry points that may collect: `gc_alloc` and `gc_realloc` with their retry policy.
//!
//! When the first search fails, `gc_alloc` collects if automatic collection is enabled, then
//! searches again. The WebAssembly port's `gc_collect` only sets a flag (`ports/webassembly/main.c`),
//! so there the second search sees the same heap. Where the port grows its heap
//! (`MICROPY_GC_SPLIT_HEAP_AUTO`: webassembly, esp32) a search that still fails, or the first one when
//! automatic collection is off, adds one new area ([`split`](super::split)) and searches again; only
//! then does the allocation fail. While locked, `gc_alloc` returns NULL before searching.
//!
//! A collection inside an allocation needs roots: the caller passes its root words, including the
//! objects it is in the middle of building (the engine finds those on the C stack), and a callback
//! run right after the sweep, before the retried search can reuse freed blocks.

use super::alloc::{AllocError, Growth};
use super::collect::Sweep;
use super::heap::Heap;
use super::units::Addr;

/// What an allocation that may collect needs from its caller.
pub trait Roots {
    /// The root words.
    fn words(&self) -> [&[u64]; 2];
    /// Called after a collection the allocation ran, with what it freed.
    fn swept(&mut self, heap: &Heap<'_>, sweep: &Sweep);
}

/// Roots given as one slice, with nothing to do after a sweep.
#[derive(Debug)]
pub struct StaticRoots<'r>(pub &'r [u64]);

impl Roots for StaticRoots<'_> {
    fn words(&self) -> [&[u64]; 2] {
        [self.0, &[]]
    }

    fn swept(&mut self, _: &Heap<'_>, _: &Sweep) {}
}

impl Heap<'_> {
    /// `gc_alloc(n_bytes, has_finaliser)`: `None` for a 0-byte request.
    pub fn gc_alloc(
        &mut self,
        n_bytes: usize,
        finaliser: bool,
        roots: &mut dyn Roots,
    ) -> Result<Option<Addr>, AllocError> {
        let n_blocks = self
            .blocks_for(n_bytes)
            .ok_or(AllocError::TooLarge { bytes: n_bytes })?;
        if n_blocks == 0 {
            return Ok(None);
        }
        if self.is_locked() {
            return Err(AllocError::Locked { bytes: n_bytes });
        }
        // `collected` starts set when automatic collection is off: no collection is asked for then.
        let mut may_collect = self.auto_collect;
        let mut collected = false;
        let mut growth = Growth::Off;
        loop {
            if let Some(found) = self.search(n_blocks) {
                return Ok(Some(self.claim(found, n_bytes, finaliser)));
            }
            if may_collect {
                // gc_collect(): a full collection, or on the WebAssembly port only a request for one.
                if self.cfg.collect_on_failure {
                    let sweep = self.collect(&roots.words());
                    roots.swept(self, &sweep);
                    collected = true;
                }
                may_collect = false;
                continue;
            }
            if self.cfg.max_new_split.is_some() && growth == Growth::Off {
                match self.try_add_heap(n_bytes) {
                    Ok(_) => {
                        growth = Growth::Added;
                        continue;
                    }
                    Err(why) => growth = Growth::Declined(why),
                }
            }
            return Err(AllocError::NoRoom {
                bytes: n_bytes,
                collected,
                growth,
            });
        }
    }

    /// `gc_realloc(ptr, n_bytes, allow_move = true)`: the allocation's new address (`None` when freed
    /// by a 0-byte request).
    pub fn gc_realloc(
        &mut self,
        ptr: Option<Addr>,
        n_bytes: usize,
        roots: &mut dyn Roots,
    ) -> Result<Option<Addr>, AllocError> {
        let Some(ptr) = ptr else {
            return self.gc_alloc(n_bytes, false, roots);
        };
        if n_bytes == 0 {
            self.free(Some(ptr))?;
            return Ok(None);
        }
        if self.is_locked() {
            return Err(AllocError::Locked { bytes: n_bytes });
        }
        if self.resize_in_place(ptr, n_bytes)? {
            return Ok(Some(ptr));
        }
        let old_block = self.block_of(ptr.0).ok_or(AllocError::NotAHead { ptr: ptr.0 })?;
        let n_blocks = self.chain_blocks(old_block);
        let finaliser = self.ftb(old_block);
        let new = self.gc_alloc(n_bytes, finaliser, roots)?;
        let Some(new) = new else {
            return Ok(None);
        };
        self.copy(ptr, new, n_blocks * self.bytes_per_block());
        self.free(Some(ptr))?;
        Ok(Some(new))
    }
}

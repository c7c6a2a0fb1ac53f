//! The allocator: `gc_alloc`, `gc_realloc` and `gc_free` (`py/gc.c`).
//!
//! * A request of `n` bytes takes `ceil(n / BPB)` blocks; a 0-byte request returns NULL and takes no
//!   block.
//! * First fit: the areas are searched in list order from `gc_last_free_area`, each one's ATB upwards
//!   from its byte `gc_last_free_atb_index`, four blocks a byte, for the first run of enough FREE
//!   blocks; a run never spans two areas. Only a one-block allocation moves those indexes (to the area
//!   it took the block from and the byte after the block), which is sound because a one-block search
//!   stops at the first free block; a one-block search that finds nothing in an area marks the area
//!   full. Freeing or shrinking below an area's index moves it back, and freeing in another area than
//!   `gc_last_free_area` sends the search back to the first area; a collection resets both.
//! * When no run is found: with automatic collection on (`gc.enable()`) and the heap not locked,
//!   collect and search again ([`gc`](super::gc)); then, with `MICROPY_GC_SPLIT_HEAP_AUTO`, add one
//!   new area ([`split`](super::split)) and search again; then fail.
//! * The new blocks are zeroed: all of them with `MICROPY_GC_CONSERVATIVE_CLEAR`, else only past the
//!   request. With a finaliser the first word (the type pointer) is cleared and the FTB bit set.
//! * `gc_realloc` grows in place into the FREE blocks that follow, shrinks in place by freeing
//!   trailing TAILs, and otherwise allocates anew, copies the old blocks and frees them.

use super::area::BLOCKS_PER_ATB;
use super::heap::{Heap, Kind};
use super::split::NoArea;
use super::units::{Addr, AreaIx, Block, BlockAt};

/// What became of growing the heap when an allocation found no room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Growth {
    /// The port does not grow its heap (no `MICROPY_GC_SPLIT_HEAP_AUTO`), or the search was one that
    /// never grows ([`Heap::try_alloc`]).
    Off,
    /// An area was added for the request, and still no run was found.
    Added,
    /// No area was added, for this reason.
    Declined(NoArea),
}

/// Why an allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// The heap is locked (`gc_lock`): `gc_alloc` returns NULL at once.
    Locked {
        /// The request in bytes.
        bytes: usize,
    },
    /// No run of free blocks is long enough, after a collection where one was allowed and a new
    /// area where the port adds them.
    NoRoom {
        /// The request in bytes.
        bytes: usize,
        /// Whether a collection ran first.
        collected: bool,
        /// What became of growing the heap.
        growth: Growth,
    },
    /// The request's block count does not fit in the address space.
    TooLarge {
        /// The request in bytes.
        bytes: usize,
    },
    /// `gc_realloc` or `gc_free` was given something other than a HEAD (the engine asserts).
    NotAHead {
        /// The pointer given.
        ptr: u64,
    },
    /// An object's own fields are inconsistent (a hash table with slots but no table).
    Corrupt {
        /// What is wrong.
        what: &'static str,
    },
}

impl core::fmt::Display for AllocError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            // The texts of m_malloc_fail (py/malloc.c).
            AllocError::Locked { .. } => write!(f, "memory allocation failed, heap is locked"),
            AllocError::NoRoom {
                bytes,
                collected,
                growth,
            } => {
                write!(f, "memory allocation failed, allocating {bytes} bytes")?;
                if !collected {
                    write!(f, " (no collection: automatic collection is off or deferred)")?;
                }
                match growth {
                    Growth::Off => Ok(()),
                    Growth::Added => write!(f, "; an area was added and the request still does not fit"),
                    Growth::Declined(why) => write!(f, "; no area was added: {why}"),
                }
            }
            AllocError::TooLarge { bytes } => {
                write!(f, "a request of {bytes} bytes overflows the block count")
            }
            AllocError::NotAHead { ptr } => write!(f, "{ptr:#x} is not the HEAD of an allocation"),
            AllocError::Corrupt { what } => write!(f, "corrupt object: {what}"),
        }
    }
}

/// A run of blocks found free: `start ..= end` of one area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    area: AreaIx,
    start: Block,
    end: Block,
}

impl Heap<'_> {
    /// Blocks taken by a request of `n_bytes`: `ceil(n_bytes / BPB)`.
    pub fn blocks_for(&self, n_bytes: usize) -> Option<usize> {
        let bpb = self.bytes_per_block();
        n_bytes.checked_add(bpb - 1).map(|n| n / bpb)
    }

    /// The first-fit search of `gc_alloc`, without collecting or growing: the address of the new
    /// allocation, `None` for a 0-byte request, or why it failed.
    pub fn try_alloc(&mut self, n_bytes: usize, finaliser: bool) -> Result<Option<Addr>, AllocError> {
        let n_blocks = self
            .blocks_for(n_bytes)
            .ok_or(AllocError::TooLarge { bytes: n_bytes })?;
        if n_blocks == 0 {
            return Ok(None);
        }
        if self.is_locked() {
            return Err(AllocError::Locked { bytes: n_bytes });
        }
        match self.search(n_blocks) {
            Some(found) => Ok(Some(self.claim(found, n_bytes, finaliser))),
            None => Err(AllocError::NoRoom {
                bytes: n_bytes,
                collected: false,
                growth: Growth::Off,
            }),
        }
    }

    /// The search loop of `gc_alloc` over the areas from `gc_last_free_area`.
    pub(crate) fn search(&mut self, n_blocks: usize) -> Option<Found> {
        let split_heap = self.cfg.split_heap;
        let mut ix = self.last_free_area.0;
        while let Some(&area) = self.areas.get(AreaIx(ix)) {
            let mut n_free = 0;
            let mut i = area.last_free_atb_index;
            while i < area.atb_bytes {
                let a = self.atb_byte(AreaIx(ix), i);
                for j in 0..BLOCKS_PER_ATB {
                    if (a >> (2 * j)) & 3 != Kind::Free as u8 {
                        n_free = 0;
                        continue;
                    }
                    n_free += 1;
                    if n_free < n_blocks {
                        continue;
                    }
                    let end = i * BLOCKS_PER_ATB + j;
                    // Only a one-block search guarantees no free block lies before this one.
                    if n_free == 1 {
                        self.last_free_area = AreaIx(ix);
                        if let Some(a) = self.areas.get_mut(AreaIx(ix)) {
                            a.last_free_atb_index = (end + 1) / BLOCKS_PER_ATB;
                        }
                    }
                    return Some(Found {
                        area: AreaIx(ix),
                        start: Block(end + 1 - n_free),
                        end: Block(end),
                    });
                }
                i += 1;
            }
            // With MICROPY_GC_SPLIT_HEAP a failed one-block search marks the area as full, from the
            // byte index `(i + 1) / BLOCKS_PER_ATB` (a block count divided once more, as the engine
            // does).
            if split_heap
                && n_blocks == 1
                && let Some(a) = self.areas.get_mut(AreaIx(ix))
            {
                a.last_free_atb_index = (i + 1) / BLOCKS_PER_ATB;
            }
            ix += 1;
        }
        None
    }

    pub(crate) fn claim(&mut self, found: Found, n_bytes: usize, finaliser: bool) -> Addr {
        let Found { area, start, end } = found;
        if let Some(a) = self.areas.get_mut(area) {
            a.last_used_block = a.last_used_block.max(end.0);
        }
        let head = BlockAt::new(area, start);
        self.set_kind(head, Kind::Head);
        for b in start.0 + 1..=end.0 {
            self.set_kind(BlockAt::new(area, Block(b)), Kind::Tail);
        }
        let ptr = self.block_addr(head);
        let taken = (end.0 - start.0 + 1) * self.bytes_per_block();
        if self.cfg.conservative_clear {
            self.zero(ptr, taken);
        } else {
            self.zero(ptr.add(n_bytes), taken - n_bytes);
        }
        if finaliser && self.cfg.finaliser {
            // The type pointer is cleared in case it is never set, then the FTB bit set.
            self.write_ptr(ptr, 0);
            self.set_ftb(head, true);
        }
        ptr
    }

    /// After freeing blocks of `area` from block `from` on: a search index past them moves back, and
    /// a search that would start in another area starts again from the first (it cannot tell which
    /// area comes first otherwise).
    fn freed_from(&mut self, area: AreaIx, from: Block) {
        if self.last_free_area != area {
            self.last_free_area = AreaIx::FIRST;
        }
        if let Some(a) = self.areas.get_mut(area)
            && from.0 / BLOCKS_PER_ATB < a.last_free_atb_index
        {
            a.last_free_atb_index = from.0 / BLOCKS_PER_ATB;
        }
    }

    /// `gc_free`: frees the allocation whose HEAD `ptr` points at. A no-op while locked (the
    /// collection flag aside) and for NULL.
    pub fn free(&mut self, ptr: Option<Addr>) -> Result<(), AllocError> {
        if self.lock_held() {
            return Ok(());
        }
        let Some(ptr) = ptr else {
            return Ok(());
        };
        let Some(head) = self.block_of(ptr.0) else {
            return Err(AllocError::NotAHead { ptr: ptr.0 });
        };
        match self.kind(head) {
            Kind::Head => {}
            Kind::Mark if self.lock_depth & 1 == 1 => {}
            _ => return Err(AllocError::NotAHead { ptr: ptr.0 }),
        }
        self.set_ftb(head, false);
        self.freed_from(head.area, head.block);
        let mut b = head;
        loop {
            self.set_kind(b, Kind::Free);
            b = b.add(1);
            if self.kind(b) != Kind::Tail {
                break;
            }
        }
        Ok(())
    }

    /// The in-place part of `gc_realloc` for the HEAD at `ptr`: `Ok(true)` when the allocation now has
    /// the blocks `n_bytes` needs, `Ok(false)` when it must move.
    pub(crate) fn resize_in_place(&mut self, ptr: Addr, n_bytes: usize) -> Result<bool, AllocError> {
        let head = match self.block_of(ptr.0) {
            Some(b) if self.kind(b) == Kind::Head => b,
            _ => return Err(AllocError::NotAHead { ptr: ptr.0 }),
        };
        let new_blocks = self
            .blocks_for(n_bytes)
            .ok_or(AllocError::TooLarge { bytes: n_bytes })?;
        let area_blocks = self.areas.get(head.area).map_or(0, |a| a.blocks);
        // Count the TAILs, then the FREE blocks after them, stopping once there are enough.
        let mut n_blocks = 1;
        let mut n_free = 0;
        let mut bl = head.block.0 + 1;
        while bl < area_blocks {
            match self.kind(BlockAt::new(head.area, Block(bl))) {
                Kind::Tail => n_blocks += 1,
                Kind::Free => {
                    n_free += 1;
                    if n_blocks + n_free >= new_blocks {
                        break;
                    }
                }
                _ => break,
            }
            bl += 1;
        }
        if new_blocks == n_blocks {
            return Ok(true);
        }
        let bpb = self.bytes_per_block();
        if new_blocks < n_blocks {
            for b in head.block.0 + new_blocks..head.block.0 + n_blocks {
                self.set_kind(BlockAt::new(head.area, Block(b)), Kind::Free);
            }
            self.freed_from(head.area, Block(head.block.0 + new_blocks));
            return Ok(true);
        }
        if new_blocks <= n_blocks + n_free {
            let end = head.block.0 + new_blocks;
            for b in head.block.0 + n_blocks..end {
                self.set_kind(BlockAt::new(head.area, Block(b)), Kind::Tail);
            }
            // The engine records the block after the last as "last used" here.
            if let Some(a) = self.areas.get_mut(head.area) {
                a.last_used_block = a.last_used_block.max(end);
            }
            if self.cfg.conservative_clear {
                self.zero(ptr.add(n_blocks * bpb), (new_blocks - n_blocks) * bpb);
            } else {
                self.zero(ptr.add(n_bytes), new_blocks * bpb - n_bytes);
            }
            return Ok(true);
        }
        Ok(false)
    }
}

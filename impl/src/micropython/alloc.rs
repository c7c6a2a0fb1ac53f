//! The allocator: `gc_alloc`, `gc_realloc` and `gc_free` (`py/gc.c`).
//!
//! * A request of `n` bytes takes `ceil(n / BPB)` blocks; a 0-byte request returns NULL and takes no
//!   block.
//! * First fit: the ATB is scanned upwards from byte `gc_last_free_atb_index`, four blocks a byte,
//!   for the first run of enough FREE blocks. Only a one-block allocation moves that index (to the
//!   byte after the block it took), which is sound because a one-block search stops at the first free
//!   block; freeing or shrinking below the index moves it back; a collection resets it to 0.
//! * When no run is found: with automatic collection on (`gc.enable()`) and the heap not locked,
//!   collect and search again; then, with `MICROPY_GC_SPLIT_HEAP_AUTO`, the engine would add a new
//!   area (the model has one area and reports that); then fail.
//! * The new blocks are zeroed: all of them with `MICROPY_GC_CONSERVATIVE_CLEAR`, else only past the
//!   request. With a finaliser the first word (the type pointer) is cleared and the FTB bit set.
//! * `gc_realloc` grows in place into the FREE blocks that follow, shrinks in place by freeing
//!   trailing TAILs, and otherwise allocates anew, copies the old blocks and frees them.

use super::area::BLOCKS_PER_ATB;
use super::heap::{Heap, Kind};
use super::units::{Addr, Block};

/// Why an allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// The heap is locked (`gc_lock`): `gc_alloc` returns NULL at once.
    Locked {
        /// The request in bytes.
        bytes: usize,
    },
    /// No run of free blocks is long enough, after a collection where one was allowed.
    NoRoom {
        /// The request in bytes.
        bytes: usize,
        /// Whether a collection ran first.
        collected: bool,
        /// Whether the engine would now add a new area (`MICROPY_GC_SPLIT_HEAP_AUTO`).
        would_grow: bool,
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
                would_grow,
            } => {
                write!(f, "memory allocation failed, allocating {bytes} bytes")?;
                if !collected {
                    write!(f, " (no collection: automatic collection is off or deferred)")?;
                }
                if *would_grow {
                    write!(
                        f,
                        "; the engine would now add a heap area (MICROPY_GC_SPLIT_HEAP_AUTO), the model has one"
                    )?;
                }
                Ok(())
            }
            AllocError::TooLarge { bytes } => {
                write!(f, "a request of {bytes} bytes overflows the block count")
            }
            AllocError::NotAHead { ptr } => write!(f, "{ptr:#x} is not the HEAD of an allocation"),
            AllocError::Corrupt { what } => write!(f, "corrupt object: {what}"),
        }
    }
}

/// A run of blocks found free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Found {
    start: Block,
    end: Block,
}

impl Heap<'_> {
    /// Blocks taken by a request of `n_bytes`: `ceil(n_bytes / BPB)`.
    pub fn blocks_for(&self, n_bytes: usize) -> Option<usize> {
        n_bytes
            .checked_add(self.area.bytes_per_block - 1)
            .map(|n| n / self.area.bytes_per_block)
    }

    /// The first-fit search of `gc_alloc`, without collecting: the address of the new allocation,
    /// `None` for a 0-byte request, or why it failed.
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
                would_grow: false,
            }),
        }
    }

    fn search(&mut self, n_blocks: usize) -> Option<Found> {
        let mut n_free = 0;
        let mut i = self.last_free_atb_index;
        while i < self.area.atb_bytes {
            let a = self.atb_byte(i);
            for j in 0..BLOCKS_PER_ATB {
                if (a >> (2 * j)) & 3 == Kind::Free as u8 {
                    n_free += 1;
                    if n_free >= n_blocks {
                        let end = i * BLOCKS_PER_ATB + j;
                        let found = Found {
                            start: Block(end + 1 - n_free),
                            end: Block(end),
                        };
                        // Only a one-block search guarantees no free block lies before this one.
                        if n_free == 1 {
                            self.last_free_atb_index = (end + 1) / BLOCKS_PER_ATB;
                        }
                        return Some(found);
                    }
                } else {
                    n_free = 0;
                }
            }
            i += 1;
        }
        // With MICROPY_GC_SPLIT_HEAP a failed one-block search marks the area as full, from the byte
        // index `(i + 1) / BLOCKS_PER_ATB` (a block count divided once more, as the engine does).
        if self.cfg.split_heap && n_blocks == 1 {
            self.last_free_atb_index = (i + 1) / BLOCKS_PER_ATB;
        }
        None
    }

    fn claim(&mut self, found: Found, n_bytes: usize, finaliser: bool) -> Addr {
        let Found { start, end } = found;
        self.last_used_block = self.last_used_block.max(end.0);
        self.set_kind(start, Kind::Head);
        for b in start.0 + 1..=end.0 {
            self.set_kind(Block(b), Kind::Tail);
        }
        let ptr = self.area.block_addr(start);
        let taken = (end.0 - start.0 + 1) * self.area.bytes_per_block;
        if self.cfg.conservative_clear {
            self.zero(ptr, taken);
        } else {
            self.zero(ptr.add(n_bytes), taken - n_bytes);
        }
        if finaliser && self.cfg.finaliser {
            // The type pointer is cleared in case it is never set, then the FTB bit set.
            self.write_ptr(ptr, 0);
            self.set_ftb(start, true);
        }
        ptr
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
        let Some(block) = self.area.block_of(ptr.0) else {
            return Err(AllocError::NotAHead { ptr: ptr.0 });
        };
        match self.kind(block) {
            Kind::Head => {}
            Kind::Mark if self.lock_depth & 1 == 1 => {}
            _ => return Err(AllocError::NotAHead { ptr: ptr.0 }),
        }
        self.set_ftb(block, false);
        if block.0 / BLOCKS_PER_ATB < self.last_free_atb_index {
            self.last_free_atb_index = block.0 / BLOCKS_PER_ATB;
        }
        let mut b = block;
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
        let block = match self.area.block_of(ptr.0) {
            Some(b) if self.kind(b) == Kind::Head => b,
            _ => return Err(AllocError::NotAHead { ptr: ptr.0 }),
        };
        let new_blocks = self
            .blocks_for(n_bytes)
            .ok_or(AllocError::TooLarge { bytes: n_bytes })?;
        // Count the TAILs, then the FREE blocks after them, stopping once there are enough.
        let mut n_blocks = 1;
        let mut n_free = 0;
        let mut bl = block.0 + 1;
        while bl < self.area.blocks {
            match self.kind(Block(bl)) {
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
        let bpb = self.area.bytes_per_block;
        if new_blocks < n_blocks {
            for b in block.0 + new_blocks..block.0 + n_blocks {
                self.set_kind(Block(b), Kind::Free);
            }
            if (block.0 + new_blocks) / BLOCKS_PER_ATB < self.last_free_atb_index {
                self.last_free_atb_index = (block.0 + new_blocks) / BLOCKS_PER_ATB;
            }
            return Ok(true);
        }
        if new_blocks <= n_blocks + n_free {
            let end = block.0 + new_blocks;
            for b in block.0 + n_blocks..end {
                self.set_kind(Block(b), Kind::Tail);
            }
            // The engine records the block after the last as "last used" here.
            self.last_used_block = self.last_used_block.max(end);
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

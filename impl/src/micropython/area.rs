//! How `gc_init` splits the memory it is given into tables and the block pool.
//!
//! From `gc_init` and `gc_setup_area` (`py/gc.c`):
//!
//! 1. The end of the area is rounded **down** to a multiple of the block size. `T` is the area's size
//!    after that.
//! 2. The allocation table (ATB) takes 2 bits per block, 4 blocks per byte. With a finaliser table
//!    (FTB, 1 bit per block) or a weak-reference table (WTB, v1.28+) its length is
//!    `A = (T - 1) * 8 / (8 + 4·[FTB] + 4·[WTB] + 32·BPB)`, without either `A = (T - 1) / (1 + 4·BPB)`
//!    (the `- 1` is the gap byte).
//! 3. The pool has `N = 4·A` blocks, `P = N·BPB` bytes.
//! 4. Low to high: ATB, one gap byte (always zero, so a block chain at the very end of the pool ends
//!    there instead of running into the FTB), FTB (`ceil(N / 8)` bytes), WTB (the same), unused slack,
//!    and the pool, placed flush against the rounded end: `pool_start = end - P`. With an FTB and a
//!    WTB the tables can reach one byte into the pool; `gc_setup_area` only asserts against it.
//!
//! Only the tables and the gap byte are cleared; the pool keeps whatever was in memory, and each
//! allocation clears its own blocks.
//!
//! # More than one area
//!
//! With `MICROPY_GC_SPLIT_HEAP` the heap is a list of areas: the one `gc_init` set up, whose
//! `mp_state_mem_area_t` lives in the VM state, then each area `gc_add` appended. `gc_add` puts the
//! area's `mp_state_mem_area_t` at the start of the memory it is given, rounds the end down to a block,
//! and splits the rest exactly as above. [`AreaList`] keeps the areas in the engine's list order, with
//! each area's own search index and highest used block, as `mp_state_mem_area_t` does.

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::config::Config;
use super::host::Chunk;
use super::units::{Addr, AreaIx, Block};
use crate::arena::Offset;

/// Blocks described by one ATB byte (`BLOCKS_PER_ATB`, `py/gc.c`).
pub const BLOCKS_PER_ATB: usize = 4;
/// Blocks described by one FTB byte (`BLOCKS_PER_FTB`, `py/gc.c`); the WTB is the same.
pub const BLOCKS_PER_FTB: usize = 8;
/// The always-zero byte after the ATB (`ALLOC_TABLE_GAP_BYTE`, `py/gc.c`), in bytes.
pub const ALLOC_TABLE_GAP_BYTES: usize = 1;
/// Bits in a byte (`MP_BITS_PER_BYTE`).
const BITS_PER_BYTE: usize = 8;
/// The most areas a heap of the model holds at once: the engine's list is unbounded, the model's has
/// this fixed capacity (a heap growing by doubling from 16 KiB reaches 256 MiB in 15 areas).
pub const MAX_AREAS: usize = 32;

/// One area: its split, where it lives in the arena, and the two indexes `mp_state_mem_area_t` keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    /// The first byte of the tables (`start` given to `gc_setup_area`).
    pub start: Addr,
    /// The area's end after rounding down to a block.
    pub end: Addr,
    /// Bytes of ATB (`gc_alloc_table_byte_len`).
    pub atb_bytes: usize,
    /// Bytes of FTB, 0 without finalisers.
    pub ftb_bytes: usize,
    /// Bytes of WTB, 0 without weak references.
    pub wtb_bytes: usize,
    /// Blocks in the pool.
    pub blocks: usize,
    /// Bytes per block.
    pub bytes_per_block: usize,
    /// Where the pool begins (`gc_pool_start`).
    pub pool_start: Addr,
    /// The arena offset of `start`.
    pub at: Offset,
    /// For an area `gc_add` appended: the host's chunk it lives in, whose first bytes hold its
    /// `mp_state_mem_area_t` (the model reserves them and keeps the fields here instead).
    pub chunk: Option<Chunk>,
    /// `gc_last_free_atb_index`: the ATB byte where the next search for free blocks begins.
    pub last_free_atb_index: usize,
    /// `gc_last_used_block`: the highest block known to be in use; bounds the sweep.
    pub last_used_block: usize,
}

impl Area {
    /// An area with no blocks, to fill the unused places of an [`AreaList`].
    pub const EMPTY: Area = Area {
        start: Addr(0),
        end: Addr(0),
        atb_bytes: 0,
        ftb_bytes: 0,
        wtb_bytes: 0,
        blocks: 0,
        bytes_per_block: 1,
        pool_start: Addr(0),
        at: Offset(0),
        chunk: None,
        last_free_atb_index: 0,
        last_used_block: 0,
    };

    /// Splits the `arena_bytes` bytes at `cfg.arena_base` as `gc_init` does.
    pub fn setup(cfg: &Config, arena_bytes: usize) -> SubjectResult<Area> {
        let start = cfg.arena_base;
        let raw_end = start
            .checked_add(arena_bytes as u64)
            .filter(|e| *e <= cfg.addr_mask().saturating_add(1))
            .ok_or_else(|| {
                SubjectError::new(
                    ErrorKind::BadArgument,
                    format_args!("an area of {arena_bytes} bytes at {start:#x} runs past the address space"),
                )
            })?;
        Self::split(cfg, start, raw_end, Offset(0))
    }

    /// `gc_setup_area` for the memory `start .. raw_end` after rounding `raw_end` down to a block
    /// (as `gc_init` and `gc_add` do); `at` is the arena offset of `start`.
    pub fn split(cfg: &Config, start: u64, raw_end: u64, at: Offset) -> SubjectResult<Area> {
        let bpb = cfg.bytes_per_block();
        let too_small = |t: usize| {
            SubjectError::new(
                ErrorKind::ArenaTooSmall,
                format_args!(
                    "an area of {} bytes at {start:#x} is {t} bytes after rounding its end down to \
                     a {bpb}-byte block, which leaves no block after the ATB, gap byte and FTB \
                     (py/gc.c gc_setup_area); {} bytes is the least",
                    raw_end.saturating_sub(start),
                    Self::least_bytes(cfg)
                ),
            )
        };
        let end = raw_end & !(bpb as u64 - 1);
        if end <= start {
            return Err(too_small(0));
        }
        let t = usize::try_from(end - start).map_err(|_| too_small(usize::MAX))?;
        let atb_bytes = Self::atb_bytes_for(cfg, t);
        if atb_bytes == 0 {
            return Err(too_small(t));
        }
        let blocks = atb_bytes * BLOCKS_PER_ATB;
        let side = blocks.div_ceil(BLOCKS_PER_FTB);
        let ftb_bytes = if cfg.finaliser { side } else { 0 };
        let wtb_bytes = if cfg.weakref { side } else { 0 };
        // With both an FTB and a WTB the formula can leave the WTB's last byte on the pool's first
        // (when T - 1 is a multiple of 2 + 4·BPB and A is odd); the engine only asserts against it,
        // so the model keeps the overlap too.
        let pool_start = end - (blocks * bpb) as u64;
        Ok(Area {
            start: Addr(start),
            end: Addr(end),
            atb_bytes,
            ftb_bytes,
            wtb_bytes,
            blocks,
            bytes_per_block: bpb,
            pool_start: Addr(pool_start),
            at,
            chunk: None,
            last_free_atb_index: 0,
            last_used_block: 0,
        })
    }

    /// The ATB length for an area of `t` bytes (after rounding), as `gc_setup_area` computes it.
    pub fn atb_bytes_for(cfg: &Config, t: usize) -> usize {
        let bpb = cfg.bytes_per_block();
        let Some(t1) = t.checked_sub(ALLOC_TABLE_GAP_BYTES) else {
            return 0;
        };
        if cfg.finaliser || cfg.weakref {
            let per_side_table = BITS_PER_BYTE * BLOCKS_PER_ATB / BLOCKS_PER_FTB;
            let denominator = BITS_PER_BYTE
                + if cfg.finaliser { per_side_table } else { 0 }
                + if cfg.weakref { per_side_table } else { 0 }
                + BITS_PER_BYTE * BLOCKS_PER_ATB * bpb;
            t1.saturating_mul(BITS_PER_BYTE) / denominator
        } else {
            t1 / (1 + BITS_PER_BYTE / 2 * bpb)
        }
    }

    /// The smallest area (in bytes, at a block-aligned base) that holds one ATB byte, so four blocks.
    pub fn least_bytes(cfg: &Config) -> usize {
        let bpb = cfg.bytes_per_block();
        let mut t = bpb;
        while Self::atb_bytes_for(cfg, t) == 0 {
            t += bpb;
        }
        t
    }

    /// Bytes of pool (`gc_pool_end - gc_pool_start`).
    pub const fn pool_bytes(&self) -> usize {
        self.blocks * self.bytes_per_block
    }

    /// Where the pool ends (one past its last byte).
    pub const fn pool_end(&self) -> Addr {
        self.end
    }

    /// The ATB's offset in the arena.
    pub const fn atb_offset(&self) -> Offset {
        self.at
    }

    /// The FTB's offset in the arena (right after the gap byte).
    pub const fn ftb_offset(&self) -> Offset {
        Offset(self.at.0 + self.atb_bytes + ALLOC_TABLE_GAP_BYTES)
    }

    /// The WTB's offset in the arena (after the FTB).
    pub const fn wtb_offset(&self) -> Offset {
        Offset(self.at.0 + self.atb_bytes + ALLOC_TABLE_GAP_BYTES + self.ftb_bytes)
    }

    /// Bytes cleared by `gc_setup_area`: the tables and the gap byte.
    pub const fn table_bytes(&self) -> usize {
        self.atb_bytes + ALLOC_TABLE_GAP_BYTES + self.ftb_bytes + self.wtb_bytes
    }

    /// The arena offset of an address, if it lies in the area.
    pub fn offset_of(&self, a: Addr) -> Option<Offset> {
        if a.0 < self.start.0 || a.0 >= self.end.0 {
            return None;
        }
        usize::try_from(a.0 - self.start.0)
            .ok()
            .and_then(|d| d.checked_add(self.at.0))
            .map(Offset)
    }

    /// Whether `ptr` lies in the pool (`gc_pool_start <= ptr < gc_pool_end`).
    pub const fn pool_holds(&self, ptr: u64) -> bool {
        self.pool_start.0 <= ptr && ptr < self.end.0
    }

    /// The address of block `b`'s first byte (`PTR_FROM_BLOCK`).
    pub const fn block_addr(&self, b: Block) -> Addr {
        Addr(self.pool_start.0 + (b.0 * self.bytes_per_block) as u64)
    }

    /// The block a pointer refers to, when the engine would take it for one (`VERIFY_PTR`): aligned on a
    /// block and inside the pool.
    pub const fn block_of(&self, ptr: u64) -> Option<Block> {
        if ptr & (self.bytes_per_block as u64 - 1) != 0 || ptr < self.pool_start.0 || ptr >= self.end.0 {
            return None;
        }
        Some(Block(
            ((ptr - self.pool_start.0) / self.bytes_per_block as u64) as usize,
        ))
    }

    /// The block holding address `a` (aligned or not), if it is in the pool.
    pub const fn block_containing(&self, a: u64) -> Option<Block> {
        if a < self.pool_start.0 || a >= self.end.0 {
            return None;
        }
        Some(Block(
            ((a - self.pool_start.0) / self.bytes_per_block as u64) as usize,
        ))
    }
}

/// The heap's areas in the engine's list order, with a fixed capacity of [`MAX_AREAS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AreaList {
    items: [Area; MAX_AREAS],
    len: usize,
}

impl AreaList {
    /// A list holding only `first`, the area `gc_init` set up.
    pub const fn new(first: Area) -> AreaList {
        let mut items = [Area::EMPTY; MAX_AREAS];
        items[0] = first;
        AreaList { items, len: 1 }
    }

    /// Makes the list hold only `first` again, in place.
    pub fn reset(&mut self, first: Area) {
        self.items[0] = first;
        self.len = 1;
    }

    /// The areas, in list order.
    pub fn as_slice(&self) -> &[Area] {
        self.items.get(..self.len).unwrap_or(&[])
    }

    /// The areas, writable.
    pub fn as_mut_slice(&mut self) -> &mut [Area] {
        self.items.get_mut(..self.len).unwrap_or(&mut [])
    }

    /// How many areas there are.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Never: the area `gc_init` set up is always there.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The area `ix`.
    pub fn get(&self, ix: AreaIx) -> Option<&Area> {
        self.as_slice().get(ix.0)
    }

    /// The area `ix`, writable.
    pub fn get_mut(&mut self, ix: AreaIx) -> Option<&mut Area> {
        self.as_mut_slice().get_mut(ix.0)
    }

    /// Appends `area` at the end of the list (`gc_add`); gives it back when the list is full.
    pub fn push(&mut self, area: Area) -> Result<AreaIx, Area> {
        let ix = self.len;
        match self.items.get_mut(ix) {
            Some(slot) => {
                *slot = area;
                self.len += 1;
                Ok(AreaIx(ix))
            }
            None => Err(area),
        }
    }

    /// Unlinks the area `ix`; the areas after it move up one place.
    pub fn remove(&mut self, ix: AreaIx) -> Option<Area> {
        let area = *self.get(ix)?;
        self.items.copy_within(ix.0 + 1..self.len, ix.0);
        self.len -= 1;
        Some(area)
    }

    /// The area whose pool holds `ptr`, looked for in list order (`gc_get_ptr_area`, without the
    /// alignment test).
    pub fn holding(&self, ptr: u64) -> Option<AreaIx> {
        self.as_slice().iter().position(|a| a.pool_holds(ptr)).map(AreaIx)
    }
}

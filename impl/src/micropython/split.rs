//! Growing the heap by new areas (`MICROPY_GC_SPLIT_HEAP_AUTO`): `gc_try_add_heap`, `gc_add` and
//! `gc_get_max_new_split` (`py/gc.c`, `ports/webassembly/main.c`, `ports/esp32/gccollect.c`).
//!
//! When an allocation of `n` bytes finds no run, even after the collection it may ask for,
//! `gc_try_add_heap(n)` is tried once:
//!
//! 1. `needed = n + max(2048, n · 13 / 512)`: the request with room for the new area's tables.
//! 2. `avail = gc_get_max_new_split()`; with `avail < needed` no area is added.
//! 3. The new area aims to double the heap: with `B` the blocks of every area together,
//!    `total_heap = B / 4 (ATB) + B / 8 (FTB) [+ B / 8 (WTB, v1.28)] + B · BPB + 1 (gap byte)
//!    + sizeof(mp_state_mem_area_t)`, rounded up to a whole block.
//! 4. `to_alloc = min(avail, max(total_heap, needed))` bytes are malloc'd (`MP_PLAT_ALLOC_HEAP`);
//!    when that fails no area is added.
//! 5. `gc_add(p, p + to_alloc)`: the area's `mp_state_mem_area_t` takes the first bytes, the end is
//!    rounded down to a block, and the rest is split as `gc_setup_area` splits every area. The area is
//!    appended to the list, and the allocation searches again from `gc_last_free_area`.
//!
//! `sizeof(mp_state_mem_area_t)` is 7 pointer-wide fields (`next`, `gc_alloc_table_start`,
//! `gc_alloc_table_byte_len`, `gc_pool_start`, `gc_pool_end`, `gc_last_free_atb_index`,
//! `gc_last_used_block`), one more with an FTB and one more with a WTB: 32 bytes on wasm32.
//! Because the malloc'd pointer is aligned to 8 bytes only, an area whose pointer is 8 past a 16-byte
//! boundary loses 8 bytes to the rounding of its end, and sometimes an ATB byte with them (measured:
//! the third area of `node engines/micropython/measure_growth.mjs grow 16384 20000 30000 40000`).
//!
//! `gc.mem_free()` adds `gc_get_max_new_split()`: 128 MiB, always, on the WebAssembly port; the host
//! heap's largest free block on ESP32, which shrinks as areas are taken from it. After a collection the
//! sweep releases every area but the first whose highest used block is 0 ([`collect`](super::collect)).

use core::fmt;

use super::area::{ALLOC_TABLE_GAP_BYTES, Area, BLOCKS_PER_ATB, BLOCKS_PER_FTB};
use super::config::MaxNewSplit;
use super::heap::Heap;
use super::units::AreaIx;
use crate::arena::Offset;

/// The least headroom `gc_try_add_heap` adds to a request, in bytes (`MAX(2048, ...)`).
pub const MIN_HEADROOM_BYTES: u64 = 2048;
/// The headroom for large requests: `failed_alloc * 13 / 512` (`gc_try_add_heap`).
pub const HEADROOM_NUMERATOR: u64 = 13;
/// See [`HEADROOM_NUMERATOR`].
pub const HEADROOM_DENOMINATOR: u64 = 512;
/// Pointer-wide fields of `mp_state_mem_area_t` without side tables (`py/mpstate.h`).
const AREA_FIELDS: usize = 7;

/// Why `gc_try_add_heap` added no area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoArea {
    /// `gc_get_max_new_split` is less than the area the request needs.
    Split {
        /// `needed`, in bytes.
        needed: u64,
        /// `gc_get_max_new_split()`, in bytes.
        avail: u64,
    },
    /// The host's `malloc` has no room for the area: the arena is used up.
    Host {
        /// `to_alloc`, in bytes.
        bytes: u64,
        /// The largest request the host memory would still grant.
        largest: u64,
    },
    /// The model's list of areas is full.
    ListFull,
    /// The sizes overflow the address space.
    Overflow,
}

impl fmt::Display for NoArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoArea::Split { needed, avail } => {
                write!(f, "it needs {needed} bytes and gc_get_max_new_split() is {avail}")
            }
            NoArea::Host { bytes, largest } => write!(
                f,
                "the host memory after the first area has no room for {bytes} bytes (at most {largest})"
            ),
            NoArea::ListFull => write!(f, "the model holds at most {} areas", super::area::MAX_AREAS),
            NoArea::Overflow => write!(f, "its size overflows the address space"),
        }
    }
}

impl Heap<'_> {
    /// `sizeof(mp_state_mem_area_t)` in bytes.
    pub const fn area_header_bytes(&self) -> usize {
        let fields = AREA_FIELDS + self.cfg.finaliser as usize + self.cfg.weakref as usize;
        fields * self.cfg.ptr_bytes.get()
    }

    /// `gc_get_max_new_split()`, where the heap grows by itself.
    pub fn max_new_split(&self) -> Option<u64> {
        Some(match self.cfg.max_new_split? {
            MaxNewSplit::Fixed(n) => n,
            MaxNewSplit::LargestFree => self.host.largest_free(self.chunks()),
        })
    }

    /// The bytes `gc_try_add_heap` would malloc for a request of `failed_alloc` bytes now
    /// (`to_alloc`), or why it would add no area.
    pub fn new_area_bytes(&self, failed_alloc: usize) -> Result<u64, NoArea> {
        let n = failed_alloc as u64;
        let headroom = (n.checked_mul(HEADROOM_NUMERATOR).ok_or(NoArea::Overflow)? / HEADROOM_DENOMINATOR)
            .max(MIN_HEADROOM_BYTES);
        let needed = n.checked_add(headroom).ok_or(NoArea::Overflow)?;
        let avail = self.max_new_split().unwrap_or(0);
        if avail < needed {
            return Err(NoArea::Split { needed, avail });
        }
        let blocks: u64 = self.areas().iter().map(|a| a.blocks as u64).sum();
        let side = blocks / BLOCKS_PER_FTB as u64;
        let bpb = self.bytes_per_block() as u64;
        let total_heap = [
            blocks / BLOCKS_PER_ATB as u64,
            if self.cfg.finaliser { side } else { 0 },
            if self.cfg.weakref { side } else { 0 },
            blocks.checked_mul(bpb).ok_or(NoArea::Overflow)?,
            ALLOC_TABLE_GAP_BYTES as u64,
            self.area_header_bytes() as u64,
        ]
        .into_iter()
        .try_fold(0u64, u64::checked_add)
        .and_then(|t| t.checked_next_multiple_of(bpb))
        .ok_or(NoArea::Overflow)?;
        Ok(avail.min(total_heap.max(needed)))
    }

    /// `gc_try_add_heap(failed_alloc)`: mallocs a new area from the host memory and appends it.
    pub(crate) fn try_add_heap(&mut self, failed_alloc: usize) -> Result<AreaIx, NoArea> {
        let to_alloc = self.new_area_bytes(failed_alloc)?;
        if self.areas.len() >= super::area::MAX_AREAS {
            return Err(NoArea::ListFull);
        }
        let no_room = |heap: &Self| NoArea::Host {
            bytes: to_alloc,
            largest: heap.host.largest_free(heap.chunks()),
        };
        let bytes = usize::try_from(to_alloc).map_err(|_| no_room(self))?;
        let chunk = self
            .host
            .malloc(bytes, self.chunks())
            .ok_or_else(|| no_room(self))?;
        // gc_add: the mp_state_mem_area_t first, then the area proper, its end rounded down.
        let start = chunk.mem.0 + self.area_header_bytes() as u64;
        let at = usize::try_from(start - self.cfg.arena_base).map_err(|_| NoArea::Overflow)?;
        let mut area =
            Area::split(&self.cfg, start, chunk.mem.0 + to_alloc, Offset(at)).map_err(|_| no_room(self))?;
        area.chunk = Some(chunk);
        self.clear_tables(&area);
        self.areas.push(area).map_err(|_| NoArea::ListFull)
    }

    /// `MP_PLAT_FREE_HEAP`: unlinks the area `ix` (never the first) and gives its chunk back to the
    /// host memory.
    pub(crate) fn release_area(&mut self, ix: AreaIx) {
        if ix != AreaIx::FIRST {
            self.areas.remove(ix);
        }
    }
}

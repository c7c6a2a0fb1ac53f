//! What the heap reports: `gc_info`, `gc.mem_alloc()`, `gc.mem_free()` and the text of
//! `micropython.mem_info(1)` (`py/gc.c` `gc_info`, `gc_dump_info`, `gc_dump_alloc_table`;
//! `py/modgc.c`; `py/modmicropython.c`).
//!
//! The heap part of `mem_info(1)` reads:
//!
//! ```text
//! GC: total: 1040512, used: 64, free: 1040448, max new split: 134217728
//!  No. of 1-blocks: 2, 2-blocks: 1, max blk sz: 2, max free sz: 65024
//! GC memory layout; from 42ec0:
//! 00000000: LhhT=..........................................................
//!        (1014 lines all free)
//! ```
//!
//! * `total`, `used` and `free` add up every area; `max blk sz` and `max free sz` are the largest of
//!   any area (a run never spans two areas), in **blocks**; `, max new split: N` appears only with
//!   `MICROPY_GC_SPLIT_HEAP_AUTO`.
//! * The map is printed area after area, in list order, each from its own `GC memory layout; from`
//!   line, its lines' offsets counted from its own pool start, and each ending its last line.
//! * The pool start is printed by the engine's own `%p`: lowercase hex without `0x`.
//! * One line per 64 blocks, prefixed by the line's offset from the pool start as `%08x: `. A line
//!   that begins a run of at least 128 free blocks is replaced by `       (N lines all free)` with
//!   `N = run / 64`, and printing resumes at the line holding the next used block.
//! * One character per block: `.` FREE, `=` TAIL, `m` MARK, and for a HEAD the character of the type
//!   its first word points at ([`Type::map_char`]), `h` for anything else.
//!
//! The lines `mem: ...` (with `MICROPY_MEM_STATS`) and `stack: ...` that `mem_info` prints before
//! these describe the allocator's history and the C stack, not the heap, and are not produced.

use core::fmt::{self, Write};

use super::area::Area;
use super::heap::{Heap, Kind};
use super::rom::Type;
use super::units::{AreaIx, Block, BlockAt};

/// Blocks per line of the heap map (`DUMP_BYTES_PER_LINE`, `gc_dump_alloc_table`).
pub const BLOCKS_PER_LINE: usize = 64;

/// `gc_info_t`: the heap's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcInfo {
    /// Pool bytes.
    pub total: u64,
    /// Bytes in HEAD and TAIL blocks.
    pub used: u64,
    /// Bytes in FREE blocks.
    pub free: u64,
    /// Allocations of exactly one block.
    pub num_1block: u64,
    /// Allocations of exactly two blocks.
    pub num_2block: u64,
    /// The longest allocation, in blocks.
    pub max_block: u64,
    /// The longest run of free blocks, in blocks.
    pub max_free: u64,
    /// HEAD blocks: live allocations.
    pub heads: u64,
    /// What `gc_get_max_new_split` reports, with `MICROPY_GC_SPLIT_HEAP_AUTO`.
    pub max_new_split: Option<u64>,
}

impl GcInfo {
    /// `gc.mem_alloc()`.
    pub const fn mem_alloc(&self) -> u64 {
        self.used
    }

    /// `gc.mem_free()`: free bytes, plus `max_new_split` where the heap can grow. The sum saturates
    /// at `u64::MAX` where C's 64-bit `size_t` would wrap (only a `max_new_split` option near 2^64
    /// gets there).
    pub const fn mem_free(&self) -> u64 {
        match self.max_new_split {
            Some(m) => self.free.saturating_add(m),
            None => self.free,
        }
    }
}

impl Heap<'_> {
    /// `gc_info`: every area's blocks, walked area by area.
    pub fn info(&self) -> GcInfo {
        let mut info = GcInfo {
            max_new_split: self.max_new_split(),
            ..GcInfo::default()
        };
        let (mut used, mut free) = (0u64, 0u64);
        for (ix, area) in self.areas().iter().enumerate() {
            info.total += area.pool_bytes() as u64;
            let (mut len, mut len_free) = (0u64, 0u64);
            let n = area.blocks;
            let kind = |b: usize| self.kind(BlockAt::new(AreaIx(ix), Block(b)));
            let mut block = 0;
            while block < n {
                match kind(block) {
                    Kind::Free => {
                        free += 1;
                        len_free += 1;
                        len = 0;
                    }
                    Kind::Head => {
                        used += 1;
                        info.heads += 1;
                        len = 1;
                    }
                    Kind::Tail => {
                        used += 1;
                        len += 1;
                    }
                    // Not expected outside a collection; the engine counts it nowhere.
                    Kind::Mark => {}
                }
                block += 1;
                let finish = block == n;
                let next = if finish { Kind::Free } else { kind(block) };
                if finish || next == Kind::Free || next == Kind::Head {
                    match len {
                        1 => info.num_1block += 1,
                        2 => info.num_2block += 1,
                        _ => {}
                    }
                    info.max_block = info.max_block.max(len);
                    if finish || next == Kind::Head {
                        info.max_free = info.max_free.max(len_free);
                        len_free = 0;
                    }
                }
            }
        }
        let bpb = self.bytes_per_block() as u64;
        info.used = used * bpb;
        info.free = free * bpb;
        info
    }

    /// The character `gc_dump_alloc_table` prints for block `b`.
    pub fn map_char(&self, b: BlockAt) -> char {
        match self.kind(b) {
            Kind::Free => '.',
            Kind::Tail => '=',
            Kind::Mark => 'm',
            Kind::Head => {
                let first = self.read_ptr(self.block_addr(b)).unwrap_or(0);
                Type::at(first, self.cfg.rom_base).map_or('h', Type::map_char)
            }
        }
    }

    /// `gc_dump_info`: the `GC:` and ` No. of 1-blocks` lines. Numbers are printed as the engine's
    /// `(uint)` casts leave them.
    pub fn write_info(&self, out: &mut dyn Write) -> fmt::Result {
        let i = self.info();
        write!(
            out,
            "GC: total: {}, used: {}, free: {}",
            i.total as u32, i.used as u32, i.free as u32
        )?;
        if let Some(m) = i.max_new_split {
            write!(out, ", max new split: {}", m as u32)?;
        }
        writeln!(
            out,
            "\n No. of 1-blocks: {}, 2-blocks: {}, max blk sz: {}, max free sz: {}",
            i.num_1block as u32, i.num_2block as u32, i.max_block as u32, i.max_free as u32
        )
    }

    /// `gc_dump_alloc_table`: the heap map, one area after another.
    pub fn write_map(&self, out: &mut dyn Write) -> fmt::Result {
        for (ix, area) in self.areas().iter().enumerate() {
            self.write_area_map(AreaIx(ix), area, out)?;
        }
        Ok(())
    }

    fn write_area_map(&self, ix: AreaIx, area: &Area, out: &mut dyn Write) -> fmt::Result {
        let n = area.blocks;
        let bpb = area.bytes_per_block;
        let kind = |b: usize| self.kind(BlockAt::new(ix, Block(b)));
        write!(out, "GC memory layout; from {:x}:", area.pool_start)?;
        let mut bl = 0;
        while bl < n {
            if bl % BLOCKS_PER_LINE == 0 {
                let mut bl2 = bl;
                while bl2 < n && kind(bl2) == Kind::Free {
                    bl2 += 1;
                }
                if bl2 - bl >= 2 * BLOCKS_PER_LINE {
                    write!(out, "\n       ({} lines all free)", (bl2 - bl) / BLOCKS_PER_LINE)?;
                    bl = bl2 & !(BLOCKS_PER_LINE - 1);
                    if bl >= n {
                        break;
                    }
                }
                write!(out, "\n{:08x}: ", (bl * bpb) as u32)?;
            }
            out.write_char(self.map_char(BlockAt::new(ix, Block(bl))))?;
            bl += 1;
        }
        out.write_str("\n")
    }

    /// `micropython.mem_info(1)`, heap lines only: [`write_info`](Self::write_info) then
    /// [`write_map`](Self::write_map).
    pub fn write_mem_info(&self, out: &mut dyn Write) -> fmt::Result {
        self.write_info(out)?;
        self.write_map(out)
    }
}

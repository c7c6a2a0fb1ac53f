//! The collector: conservative mark of whole block chains, then sweep (`py/gc.c`).
//!
//! * Roots are words. A word keeps an allocation alive only if it is aligned on a block, lies inside
//!   a pool (the areas looked at in list order, `gc_get_ptr_area`), and points at an unmarked HEAD
//!   (`gc_collect_root`). A pointer into a TAIL or past the first byte of a block keeps nothing alive.
//! * Marking a HEAD turns it into MARK and scans every pointer-wide word of its whole chain, HEAD and
//!   TAILs, whatever the object's type (`gc_mark_subtree`). Children go on a mark stack of
//!   `MICROPY_ALLOC_GC_STACK_SIZE` entries; when it is full the child is still marked but not pushed,
//!   and a flag is set. After the roots, while the flag is set, every area's ATB is rescanned and
//!   every MARK block's chain is scanned again (`gc_deal_with_stack_overflow`). A stack entry names the
//!   area and the block (`gc_area_stack`, `gc_block_stack`).
//! * Before freeing, every unmarked HEAD whose FTB bit is set has its finaliser run once and the bit
//!   cleared (`gc_sweep_run_finalisers`; the engine calls `__del__` when the object's type has one).
//! * Sweep: every unmarked HEAD and the TAILs after it become FREE; MARK becomes HEAD again
//!   (`gc_sweep_free_blocks`). The number of HEADs freed is what `gc.collect()` returns where
//!   `MICROPY_PY_GC_COLLECT_RETVAL` is set. The areas are swept in list order; whether the block before
//!   belonged to a freed allocation carries over from one area to the next, as in the engine.
//! * Where the heap grows by itself (`MICROPY_GC_SPLIT_HEAP_AUTO`), every area but the first whose
//!   highest used block after the sweep is 0 is unlinked and given back to the host (`MP_PLAT_FREE_HEAP`).
//!   That test cannot tell an empty area from one whose only live allocation is one block at block 0:
//!   such an area is given back with a live object in it, and the handles of the model drop the object
//!   as freed. (Measured on the WebAssembly port, reading that object back afterwards stops the engine
//!   with "memory access out of bounds": `node engines/micropython/measure_growth.mjs lone-block`.)
//! * The search indexes return to the start of the heap: the first area, byte 0 of every ATB.

use super::area::{BLOCKS_PER_ATB, BLOCKS_PER_FTB};
use super::heap::{Heap, Kind};
use super::units::{AreaIx, Block, BlockAt};
use crate::arena::{WordBytes, le_word};

#[cfg(test)]
mod tests;

/// Bits of one block's state in an ATB byte.
const BITS_PER_BLOCK_STATE: usize = 2;
/// ATB bytes read at once by the overflow rescan: a little-endian `u64`, 32 blocks.
const ATB_CHUNK_BYTES: usize = 8;
/// The low bit of every block's state in an ATB chunk: a block is MARK (`0b11`) where both of its
/// bits are set.
const LOW_STATE_BITS: u64 = 0x5555_5555_5555_5555;

/// What one collection did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// HEAD blocks freed (`gc_collected`).
    pub freed_heads: u64,
    /// Blocks freed, HEADs and TAILs.
    pub freed_blocks: u64,
    /// Finalisers run: FTB-marked HEADs swept.
    pub finalisers: u64,
    /// Times the mark stack overflowed into an ATB rescan.
    pub rescans: u64,
    /// Areas given back to the host because the sweep left them (seemingly) empty.
    pub released_areas: u64,
}

/// The geometry the mark loop tests every scanned word against, taken once per collection (the
/// areas do not change while marking). A word can point at a block only if it is aligned on a block
/// (`mask`) and lies in `lo .. hi`: with one area its pool, and the block is `(ptr - lo) >> shift`
/// with no search; with more, the span of every pool, and the areas are then looked at in list order.
#[derive(Clone, Copy, Debug)]
struct Pools {
    /// The heap has one area, so `lo .. hi` is its pool.
    single: bool,
    /// The lowest pool start.
    lo: u64,
    /// The highest pool end.
    hi: u64,
    /// `MICROPY_BYTES_PER_GC_BLOCK - 1`: the address bits of a pointer into a block.
    mask: u64,
    /// `log2(MICROPY_BYTES_PER_GC_BLOCK)`.
    shift: u32,
    /// The first area's ATB offset in the arena and its block count.
    atb: usize,
    blocks: usize,
    /// The arena offset of the first area's pool.
    pool_at: usize,
}

impl Pools {
    fn of(heap: &Heap<'_>) -> Pools {
        let bpb = heap.bytes_per_block() as u64;
        let areas = heap.areas();
        let first = heap.area();
        Pools {
            single: areas.len() == 1,
            lo: areas.iter().map(|a| a.pool_start.0).min().unwrap_or(0),
            hi: areas.iter().map(|a| a.end.0).max().unwrap_or(0),
            mask: bpb - 1,
            shift: bpb.trailing_zeros(),
            atb: first.atb_offset().0,
            blocks: first.blocks,
            pool_at: first.offset_of(first.pool_start).map_or(usize::MAX, |o| o.0),
        }
    }
}

impl Heap<'_> {
    /// A full collection with `roots` as the root words (each split into pointer-wide words, as the
    /// engine scans its root area).
    pub fn collect(&mut self, roots: &[&[u64]]) -> Sweep {
        self.begin_collect();
        let pools = Pools::of(self);
        let step = self.cfg.ptr_bytes.get();
        let chunks = self.cfg.obj_bytes.get() / step;
        let ptr_mask = self.cfg.addr_mask();
        for set in roots {
            for &word in *set {
                for c in 0..chunks {
                    let part = (word >> (8 * step * c)) & ptr_mask;
                    self.collect_root(&pools, part);
                }
            }
        }
        let rescans = match self.cfg.ptr_bytes {
            WordBytes::Eight => self.deal_with_stack_overflow::<8>(&pools),
            WordBytes::Four => self.deal_with_stack_overflow::<4>(&pools),
            WordBytes::Two => self.deal_with_stack_overflow::<2>(&pools),
        };
        let finalisers = self.run_finalisers();
        let (freed_heads, freed_blocks, released_areas) = self.sweep();
        self.last_free_area = AreaIx::FIRST;
        for area in self.areas.as_mut_slice() {
            area.last_free_atb_index = 0;
        }
        self.end_collect();
        Sweep {
            freed_heads,
            freed_blocks,
            finalisers,
            rescans,
            released_areas,
        }
    }

    /// The block `ptr` points at, as [`Heap::block_of`] finds it, without a division or a search
    /// when the heap has one area.
    fn pointed_block(&self, pools: &Pools, ptr: u64) -> Option<BlockAt> {
        if ptr & pools.mask != 0 || ptr < pools.lo || ptr >= pools.hi {
            return None;
        }
        if pools.single {
            return Some(BlockAt::first(Block(((ptr - pools.lo) >> pools.shift) as usize)));
        }
        self.block_of(ptr)
    }

    /// The ATB byte and bit shift of block `at`, or `None` past its area's pool (where the engine
    /// reads the gap byte, FREE).
    fn atb_place(&self, pools: &Pools, at: BlockAt) -> Option<(usize, u32)> {
        let (atb, blocks) = if pools.single {
            (pools.atb, pools.blocks)
        } else {
            let area = self.areas.get(at.area)?;
            (area.atb_offset().0, area.blocks)
        };
        let b = at.block.0;
        if b >= blocks {
            return None;
        }
        let shift = (BITS_PER_BLOCK_STATE * (b % BLOCKS_PER_ATB)) as u32;
        Some((atb + b / BLOCKS_PER_ATB, shift))
    }

    /// Turns block `at` from HEAD into MARK; whether it was an unmarked HEAD.
    fn mark_if_head(&mut self, pools: &Pools, at: BlockAt) -> bool {
        let Some((byte, shift)) = self.atb_place(pools, at) else {
            return false;
        };
        match self.bytes_mut().get_mut(byte) {
            Some(b) if (*b >> shift) & 3 == Kind::Head as u8 => {
                *b |= (Kind::Mark as u8) << shift;
                true
            }
            _ => false,
        }
    }

    /// Blocks in the chain whose HEAD is `at` (the HEAD and the TAILs after it).
    fn chain_len(&self, pools: &Pools, at: BlockAt) -> usize {
        let mut n = 1;
        while let Some((byte, shift)) = self.atb_place(pools, at.add(n))
            && self
                .bytes()
                .get(byte)
                .is_some_and(|b| (b >> shift) & 3 == Kind::Tail as u8)
        {
            n += 1;
        }
        n
    }

    fn collect_root(&mut self, pools: &Pools, ptr: u64) {
        if let Some(b) = self.pointed_block(pools, ptr)
            && self.mark_if_head(pools, b)
        {
            self.mark_from(pools, b);
        }
    }

    /// `gc_mark_subtree(area, block)`: [`mark_one_area`](Self::mark_one_area) when the heap has one
    /// area, else [`mark_subtree`](Self::mark_subtree).
    // Inlined into the rescan's loop, so the geometry is loaded once per rescan, not once per block.
    #[inline(always)]
    fn mark_from(&mut self, pools: &Pools, first: BlockAt) {
        if pools.single {
            match self.cfg.ptr_bytes {
                WordBytes::Eight => self.mark_one_area::<8>(pools, first.block.0),
                WordBytes::Four => self.mark_one_area::<4>(pools, first.block.0),
                WordBytes::Two => self.mark_one_area::<2>(pools, first.block.0),
            }
        } else {
            self.mark_subtree(pools, first);
        }
    }

    /// [`mark_subtree`](Self::mark_subtree) for a heap of one area and pointers of `W` bytes:
    /// the same marks in the same order, with the ATB and the pool read straight from the arena.
    #[inline(always)]
    fn mark_one_area<const W: usize>(&mut self, pools: &Pools, first: usize) {
        let stack_entries = self.cfg.gc_stack_entries.min(self.stack.len());
        let (atb, blocks) = (pools.atb, pools.blocks);
        // The ATB lies below the pool (`gc_setup_area`), so the two are read apart: the pool's
        // words while the ATB's bytes change.
        let split = pools.pool_at.min(self.mem.len());
        let (tables, pool) = self.mem.split_at_mut(split);
        if pools.pool_at > split || atb.saturating_add(blocks / BLOCKS_PER_ATB) > split {
            return self.mark_subtree(pools, BlockAt::first(Block(first)));
        }
        let kind_of = |tables: &[u8], b: usize| {
            tables
                .get(atb + b / BLOCKS_PER_ATB)
                .map_or(Kind::Free as u8, |byte| {
                    (byte >> (BITS_PER_BLOCK_STATE * (b % BLOCKS_PER_ATB))) & 3
                })
        };
        let mut block = first;
        let mut sp = 0usize;
        let mut overflow = false;
        loop {
            let mut n_blocks = 1;
            while block + n_blocks < blocks && kind_of(tables, block + n_blocks) == Kind::Tail as u8 {
                n_blocks += 1;
            }
            let start = block << pools.shift;
            let end = start.saturating_add(n_blocks << pools.shift).min(pool.len());
            for word in pool.get(start..end).unwrap_or(&[]).chunks_exact(W) {
                let ptr = load::<W>(word);
                if ptr & pools.mask != 0 || ptr < pools.lo || ptr >= pools.hi {
                    continue;
                }
                let child = ((ptr - pools.lo) >> pools.shift) as usize;
                let shift = BITS_PER_BLOCK_STATE * (child % BLOCKS_PER_ATB);
                let Some(byte) = tables
                    .get_mut(atb + child / BLOCKS_PER_ATB)
                    .filter(|_| child < blocks)
                else {
                    continue;
                };
                if (*byte >> shift) & 3 != Kind::Head as u8 {
                    continue;
                }
                *byte |= (Kind::Mark as u8) << shift;
                if sp < stack_entries
                    && let Some(slot) = self.stack.get_mut(sp)
                {
                    *slot = BlockAt::first(Block(child));
                    sp += 1;
                } else {
                    overflow = true;
                }
            }
            if sp == 0 {
                break;
            }
            sp -= 1;
            block = self.stack.get(sp).map_or(0, |b| b.block.0);
        }
        if overflow {
            self.stack_overflow = true;
        }
    }

    fn mark_subtree(&mut self, pools: &Pools, first: BlockAt) {
        let mut block = first;
        let mut sp = 0usize;
        let step = self.cfg.ptr_bytes;
        let bpb = self.bytes_per_block();
        let stack_entries = self.cfg.gc_stack_entries.min(self.stack.len());
        loop {
            let n_blocks = self.chain_len(pools, block);
            // The chain lies in the pool, so in its area: scan it by arena offset.
            let start = if pools.single {
                pools.pool_at.saturating_add(block.block.0 << pools.shift)
            } else {
                self.areas
                    .get(block.area)
                    .and_then(|a| a.offset_of(a.block_addr(block.block)))
                    .map_or(usize::MAX, |o| o.0)
            };
            let end = start.saturating_add(n_blocks * bpb).min(self.bytes().len());
            let mut at = start;
            while at.saturating_add(step.get()) <= end {
                let ptr = le_word(self.bytes(), at, step).unwrap_or(0);
                at += step.get();
                let Some(child) = self.pointed_block(pools, ptr) else {
                    continue;
                };
                if !self.mark_if_head(pools, child) {
                    continue;
                }
                if sp < stack_entries
                    && let Some(slot) = self.stack.get_mut(sp)
                {
                    *slot = child;
                    sp += 1;
                } else {
                    self.stack_overflow = true;
                }
            }
            if sp == 0 {
                break;
            }
            sp -= 1;
            block = self.stack.get(sp).copied().unwrap_or_default();
        }
    }

    /// `gc_deal_with_stack_overflow`: while the stack overflowed, every MARK block of every area, in
    /// block order, has its chain scanned again. The ATB is read 32 blocks at a time and only MARK
    /// blocks are visited; after each scan the chunk is read again, since the scan may have marked
    /// blocks later in it, which the engine's block-by-block loop would then visit.
    fn deal_with_stack_overflow<const W: usize>(&mut self, pools: &Pools) -> u64 {
        let mut rescans = 0;
        while self.stack_overflow {
            self.stack_overflow = false;
            rescans += 1;
            for ix in 0..self.areas.len() {
                let Some(area) = self.areas().get(ix).copied() else {
                    continue;
                };
                let atb = area.atb_offset().0;
                let mut chunk = 0;
                while chunk < area.atb_bytes {
                    let len = ATB_CHUNK_BYTES.min(area.atb_bytes - chunk);
                    // Blocks of this chunk before `from` are done.
                    let mut from = 0;
                    loop {
                        let word = self.atb_chunk(atb + chunk, len);
                        let marks = word & (word >> 1) & LOW_STATE_BITS & (u64::MAX << from);
                        if marks == 0 {
                            break;
                        }
                        let bit = marks.trailing_zeros() as usize;
                        let b = chunk * BLOCKS_PER_ATB + bit / BITS_PER_BLOCK_STATE;
                        if pools.single {
                            self.mark_one_area::<W>(pools, b);
                        } else {
                            self.mark_subtree(pools, BlockAt::new(AreaIx(ix), Block(b)));
                        }
                        from = bit + BITS_PER_BLOCK_STATE;
                        if from >= 64 {
                            break;
                        }
                    }
                    chunk += len;
                }
            }
        }
        rescans
    }

    /// `len` (1 to 8) ATB bytes from arena offset `at`, little-endian, zero past `len`.
    fn atb_chunk(&self, at: usize, len: usize) -> u64 {
        if len == ATB_CHUNK_BYTES {
            return le_word(self.bytes(), at, WordBytes::Eight).unwrap_or(0);
        }
        let bytes = self.bytes().get(at..at + len).unwrap_or(&[]);
        bytes.iter().rev().fold(0, |acc, &b| (acc << 8) | u64::from(b))
    }

    fn run_finalisers(&mut self) -> u64 {
        if !self.cfg.finaliser && !self.cfg.weakref {
            return 0;
        }
        let mut run = 0;
        for ix in 0..self.areas.len() {
            let area = AreaIx(ix);
            let ftb_end = self.areas().get(ix).map_or(0, |a| a.last_used_block) / BLOCKS_PER_FTB;
            for idx in 0..=ftb_end {
                // The engine walks the set bits of each FTB and WTB byte; where both are zero it
                // has nothing to run or clear.
                if self.ftb_byte(area, idx) | self.wtb_byte(area, idx) == 0 {
                    continue;
                }
                for bit in 0..BLOCKS_PER_FTB {
                    let b = BlockAt::new(area, Block(idx * BLOCKS_PER_FTB + bit));
                    if self.kind(b) != Kind::Head {
                        continue;
                    }
                    if self.ftb(b) {
                        run += 1;
                        self.set_ftb(b, false);
                    }
                    if self.wtb(b) {
                        // gc_weakref_about_to_be_freed: the weak references are cleared, then the bit.
                        self.set_wtb(b, false);
                    }
                }
            }
        }
        run
    }

    /// `gc_sweep_free_blocks`: HEADs freed, blocks freed, areas released. The ATB is walked a byte
    /// (four blocks) at a time; a zero byte is four FREE blocks, which change nothing.
    fn sweep(&mut self) -> (u64, u64, u64) {
        let mut heads = 0;
        let mut blocks = 0;
        let mut released = 0;
        // Declared once for every area, as in the engine.
        let mut free_tail = false;
        let mut ix = 0;
        while let Some(&area) = self.areas().get(ix) {
            let mut last_used = 0;
            // Blocks past the pool read as FREE: the walk stops at the pool's end.
            let end = area.last_used_block.saturating_add(1).min(area.blocks);
            let atb = area.atb_offset().0;
            let mut b = 0;
            while b < end {
                let Some(byte) = self.bytes_mut().get_mut(atb + b / BLOCKS_PER_ATB) else {
                    break;
                };
                let first = b % BLOCKS_PER_ATB;
                let last = BLOCKS_PER_ATB.min(first + end - b);
                if *byte == 0 {
                    b += last - first;
                    continue;
                }
                if first == 0 && last == BLOCKS_PER_ATB {
                    let swept = SWEPT_BYTES[usize::from(free_tail)][usize::from(*byte)];
                    *byte = swept.byte;
                    heads += u64::from(swept.heads);
                    blocks += u64::from(swept.blocks);
                    if swept.last_used > 0 {
                        last_used = b + usize::from(swept.last_used) - 1;
                    }
                    free_tail = swept.free_tail;
                    b += BLOCKS_PER_ATB;
                    continue;
                }
                let mut value = *byte;
                for j in first..last {
                    let shift = BITS_PER_BLOCK_STATE * j;
                    match (value >> shift) & 3 {
                        1 => {
                            // HEAD: unmarked, freed.
                            free_tail = true;
                            heads += 1;
                            blocks += 1;
                            value &= !(3 << shift);
                        }
                        2 => {
                            // TAIL: of a freed HEAD, or of a live one.
                            if free_tail {
                                blocks += 1;
                                value &= !(3 << shift);
                            } else {
                                last_used = b + j - first;
                            }
                        }
                        3 => {
                            // MARK: live, HEAD again.
                            value &= !(2 << shift);
                            free_tail = false;
                            last_used = b + j - first;
                        }
                        _ => {}
                    }
                }
                *byte = value;
                b += last - first;
            }
            if let Some(a) = self.areas.get_mut(AreaIx(ix)) {
                a.last_used_block = last_used;
            }
            // Free any empty area, aside from the first one.
            if self.cfg.max_new_split.is_some() && last_used == 0 && ix > 0 {
                self.release_area(AreaIx(ix));
                released += 1;
                continue;
            }
            ix += 1;
        }
        (heads, blocks, released)
    }
}

/// The little-endian word of `W` bytes in `word` (`W` long).
#[inline(always)]
fn load<const W: usize>(word: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    if let Some(dst) = buf.get_mut(..W) {
        dst.copy_from_slice(word);
    }
    u64::from_le_bytes(buf)
}

/// What the sweep does to one whole ATB byte (four blocks), given whether the block before it
/// belonged to a freed allocation: the byte after, HEADs and blocks freed, the last block left in
/// use (1 + its place in the byte, 0 for none), and whether the block after continues a freed
/// allocation. The same rules as the sweep's block-by-block loop, worked out for every byte.
#[derive(Clone, Copy, Debug)]
struct SweptByte {
    byte: u8,
    heads: u8,
    blocks: u8,
    last_used: u8,
    free_tail: bool,
}

/// [`SweptByte`] for each `free_tail` (0, 1) and ATB byte.
static SWEPT_BYTES: [[SweptByte; 256]; 2] = swept_bytes();

const fn swept_bytes() -> [[SweptByte; 256]; 2] {
    let none = SweptByte {
        byte: 0,
        heads: 0,
        blocks: 0,
        last_used: 0,
        free_tail: false,
    };
    let mut table = [[none; 256]; 2];
    let mut tail_in = 0;
    while tail_in < 2 {
        let mut b = 0;
        while b < 256 {
            let mut s = SweptByte {
                byte: b as u8,
                free_tail: tail_in == 1,
                ..none
            };
            let mut j = 0;
            while j < BLOCKS_PER_ATB {
                let shift = BITS_PER_BLOCK_STATE * j;
                match (s.byte >> shift) & 3 {
                    1 => {
                        s.free_tail = true;
                        s.heads += 1;
                        s.blocks += 1;
                        s.byte &= !(3 << shift);
                    }
                    2 => {
                        if s.free_tail {
                            s.blocks += 1;
                            s.byte &= !(3 << shift);
                        } else {
                            s.last_used = j as u8 + 1;
                        }
                    }
                    3 => {
                        s.byte &= !(2 << shift);
                        s.free_tail = false;
                        s.last_used = j as u8 + 1;
                    }
                    _ => {}
                }
                j += 1;
            }
            table[tail_in][b] = s;
            b += 1;
        }
        tail_in += 1;
    }
    table
}

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

use super::area::BLOCKS_PER_FTB;
use super::heap::{Heap, Kind};
use super::units::{AreaIx, Block, BlockAt};

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

impl Heap<'_> {
    /// A full collection with `roots` as the root words (each split into pointer-wide words, as the
    /// engine scans its root area).
    pub fn collect(&mut self, roots: &[&[u64]]) -> Sweep {
        self.begin_collect();
        let step = self.cfg.ptr_bytes.get();
        let chunks = self.cfg.obj_bytes.get() / step;
        let ptr_mask = self.cfg.addr_mask();
        for set in roots {
            for &word in *set {
                for c in 0..chunks {
                    let part = (word >> (8 * step * c)) & ptr_mask;
                    self.collect_root(part);
                }
            }
        }
        let rescans = self.deal_with_stack_overflow();
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

    fn collect_root(&mut self, ptr: u64) {
        if let Some(b) = self.block_of(ptr)
            && self.kind(b) == Kind::Head
        {
            self.set_kind(b, Kind::Mark);
            self.mark_subtree(b);
        }
    }

    fn mark_subtree(&mut self, first: BlockAt) {
        let mut block = first;
        let mut sp = 0usize;
        let step = self.cfg.ptr_bytes;
        let bpb = self.bytes_per_block();
        loop {
            let n_blocks = self.chain_blocks(block);
            let start = self.block_addr(block);
            let words = n_blocks * bpb / step.get();
            for i in 0..words {
                let Some(ptr) = self.read(start.add(i * step.get()), step) else {
                    break;
                };
                let Some(child) = self.block_of(ptr) else {
                    continue;
                };
                if self.kind(child) != Kind::Head {
                    continue;
                }
                self.set_kind(child, Kind::Mark);
                if let Some(slot) = self.stack.get_mut(sp).filter(|_| sp < self.cfg.gc_stack_entries) {
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

    fn deal_with_stack_overflow(&mut self) -> u64 {
        let mut rescans = 0;
        while self.stack_overflow {
            self.stack_overflow = false;
            rescans += 1;
            for ix in 0..self.areas.len() {
                let blocks = self.areas().get(ix).map_or(0, |a| a.blocks);
                for b in 0..blocks {
                    let at = BlockAt::new(AreaIx(ix), Block(b));
                    if self.kind(at) == Kind::Mark {
                        self.mark_subtree(at);
                    }
                }
            }
        }
        rescans
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
                // The engine walks the set bits of each FTB byte; a zero byte has nothing to run.
                if self.ftb_byte(area, idx) == 0 && !self.cfg.weakref {
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

    /// `gc_sweep_free_blocks`: HEADs freed, blocks freed, areas released.
    fn sweep(&mut self) -> (u64, u64, u64) {
        let mut heads = 0;
        let mut blocks = 0;
        let mut released = 0;
        // Declared once for every area, as in the engine.
        let mut free_tail = false;
        let mut ix = 0;
        while let Some(&area) = self.areas().get(ix) {
            let mut last_used = 0;
            for b in 0..=area.last_used_block {
                let block = BlockAt::new(AreaIx(ix), Block(b));
                match self.kind(block) {
                    Kind::Head => {
                        free_tail = true;
                        heads += 1;
                        blocks += 1;
                        self.set_kind(block, Kind::Free);
                    }
                    Kind::Tail => {
                        if free_tail {
                            blocks += 1;
                            self.set_kind(block, Kind::Free);
                        } else {
                            last_used = b;
                        }
                    }
                    Kind::Mark => {
                        self.set_kind(block, Kind::Head);
                        free_tail = false;
                        last_used = b;
                    }
                    Kind::Free => {}
                }
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

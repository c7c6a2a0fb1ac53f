//! The collector against the engine's loops written out block by block (`gc_mark_subtree`,
//! `gc_deal_with_stack_overflow`, `gc_sweep_free_blocks` as `py/gc.c` has them): on random heaps
//! with a mark stack small enough to overflow, both leave the same bytes and report the same sweep.

use super::super::config::Config;
use super::super::gc::StaticRoots;
use super::super::heap::{Heap, Kind};
use super::super::units::{AreaIx, Block, BlockAt};
use super::Sweep;
use crate::micropython::Port;
use memspec::ProfileId;

extern crate std;
use std::vec;
use std::vec::Vec;

/// A small xorshift generator: the same heaps on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn mark_subtree_by_block(heap: &mut Heap<'_>, first: BlockAt) {
    let mut stack = [BlockAt::default(); 256];
    let mut block = first;
    let mut sp = 0usize;
    let step = heap.cfg.ptr_bytes;
    let bpb = heap.bytes_per_block();
    loop {
        let n_blocks = heap.chain_blocks(block);
        let start = heap.block_addr(block);
        for i in 0..n_blocks * bpb / step.get() {
            let Some(ptr) = heap.read(start.add(i * step.get()), step) else {
                break;
            };
            let Some(child) = heap.block_of(ptr) else {
                continue;
            };
            if heap.kind(child) != Kind::Head {
                continue;
            }
            heap.set_kind(child, Kind::Mark);
            if sp < heap.cfg.gc_stack_entries {
                stack[sp] = child;
                sp += 1;
            } else {
                heap.stack_overflow = true;
            }
        }
        if sp == 0 {
            break;
        }
        sp -= 1;
        block = stack[sp];
    }
}

/// The whole collection, block by block (no finalisers run: the heaps here have none).
fn collect_by_block(heap: &mut Heap<'_>, roots: &[u64]) -> Sweep {
    heap.begin_collect();
    for &r in roots {
        if let Some(b) = heap.block_of(r)
            && heap.kind(b) == Kind::Head
        {
            heap.set_kind(b, Kind::Mark);
            mark_subtree_by_block(heap, b);
        }
    }
    let mut rescans = 0;
    while heap.stack_overflow {
        heap.stack_overflow = false;
        rescans += 1;
        for ix in 0..heap.areas().len() {
            for b in 0..heap.areas()[ix].blocks {
                let at = BlockAt::new(AreaIx(ix), Block(b));
                if heap.kind(at) == Kind::Mark {
                    mark_subtree_by_block(heap, at);
                }
            }
        }
    }
    let (mut heads, mut blocks, mut free_tail) = (0, 0, false);
    for ix in 0..heap.areas().len() {
        let mut last_used = 0;
        for b in 0..=heap.areas()[ix].last_used_block {
            let at = BlockAt::new(AreaIx(ix), Block(b));
            match heap.kind(at) {
                Kind::Head => {
                    free_tail = true;
                    heads += 1;
                    blocks += 1;
                    heap.set_kind(at, Kind::Free);
                }
                Kind::Tail if free_tail => {
                    blocks += 1;
                    heap.set_kind(at, Kind::Free);
                }
                Kind::Tail => last_used = b,
                Kind::Mark => {
                    heap.set_kind(at, Kind::Head);
                    free_tail = false;
                    last_used = b;
                }
                Kind::Free => {}
            }
        }
        heap.areas.as_mut_slice()[ix].last_used_block = last_used;
    }
    heap.last_free_area = AreaIx::FIRST;
    for area in heap.areas.as_mut_slice() {
        area.last_free_atb_index = 0;
    }
    heap.end_collect();
    Sweep {
        freed_heads: heads,
        freed_blocks: blocks,
        finalisers: 0,
        rescans,
        released_areas: 0,
    }
}

/// Allocations of 1 to 4 blocks (some freed again, leaving holes), each word a pointer to another
/// allocation (to its start, into it, or past it), a small int or zero; returns some roots.
fn random_heap(heap: &mut Heap<'_>, rng: &mut Rng, objects: usize) -> [u64; 3] {
    let bpb = heap.bytes_per_block();
    let ptr = heap.cfg.ptr_bytes;
    let mut addrs = Vec::new();
    for _ in 0..objects {
        let bytes = bpb * (1 + rng.below(4) as usize);
        if let Ok(Some(a)) = heap.gc_alloc(bytes, false, &mut StaticRoots(&[])) {
            addrs.push((a, bytes));
        }
    }
    for &(a, bytes) in &addrs {
        for w in 0..bytes / ptr.get() {
            let (to, _) = addrs[rng.below(addrs.len() as u64) as usize];
            let value = match rng.below(8) {
                0 => to.0,
                1 => to.0 + ptr.get() as u64,
                2 => (rng.below(1000) << 1) | 1,
                _ => 0,
            };
            heap.write(a.add(w * ptr.get()), ptr, value).expect("in the heap");
        }
    }
    let root = |rng: &mut Rng| addrs[rng.below(addrs.len() as u64) as usize].0.0;
    [root(rng), root(rng), root(rng)]
}

#[test]
fn the_collector_leaves_what_the_block_by_block_loops_leave() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut overflowed, mut freed) = (0, 0);
    for (profile, port) in [
        (ProfileId::MicropythonA64, Port::Unix),
        (ProfileId::MicropythonA32, Port::Esp32),
        (ProfileId::MicropythonD32, Port::Unix),
    ] {
        for round in 0..40 {
            let mut cfg = Config::new(profile, Some(port)).expect("a build");
            cfg.gc_stack_entries = 1 + (round % 8);
            cfg.finaliser = false;
            let bytes = 16 * 1024;
            let mut fast_mem = vec![0x5au8; bytes];
            let mut slow_mem = fast_mem.clone();
            let seed = rng.next();
            let (fast, slow) = {
                let (Ok(mut fast_heap), Ok(mut slow_heap)) = (
                    Heap::new(&mut fast_mem, cfg, bytes as u64),
                    Heap::new(&mut slow_mem, cfg, bytes as u64),
                ) else {
                    panic!("{profile:?}: no heap of {bytes} bytes");
                };
                let roots = random_heap(&mut fast_heap, &mut Rng(seed), 150);
                assert_eq!(roots, random_heap(&mut slow_heap, &mut Rng(seed), 150));
                let fast = fast_heap.collect(&[&roots]);
                let slow = collect_by_block(&mut slow_heap, &roots);
                assert_eq!(
                    fast_heap.areas()[0].last_used_block,
                    slow_heap.areas()[0].last_used_block,
                    "{profile:?} round {round}: last used block"
                );
                (fast, slow)
            };
            assert_eq!(fast, slow, "{profile:?} round {round}: the sweeps differ");
            overflowed += u64::from(fast.rescans > 1);
            freed += fast.freed_heads;
            if let Some(i) = (0..bytes).find(|&i| fast_mem[i] != slow_mem[i]) {
                panic!(
                    "{profile:?} round {round}: byte {i:#x} is {:#04x} after the collector, {:#04x} after the block-by-block loops",
                    fast_mem[i], slow_mem[i]
                );
            }
        }
    }
    assert!(
        overflowed > 10 && freed > 1000,
        "the heaps must overflow the mark stack more than once and leave garbage: {overflowed} rounds \
         rescanned twice or more, {freed} allocations freed"
    );
}

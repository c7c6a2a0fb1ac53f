//! Throughput of the MicroPython model: allocations per second (with the collections a full heap
//! forces) and collections per second of a fixed live graph, on a 96 KiB a32 arena (an ESP32-sized
//! heap, esp32 port) and a 2 MiB a64 arena (unix port).
//!
//! `cargo bench -p memspec-impl --bench micropython` runs both and prints the rates.
//! `cargo bench -p memspec-impl --bench micropython -- --one-collection` builds the a32 graph and runs
//! exactly one full collection inside `one_collection`, for
//! `valgrind --tool=callgrind --toggle-collect='*one_collection*'` (repeatable instruction counts);
//! `cargo xtask bench` does that and prints callgrind's total.

use std::hint::black_box;
use std::time::{Duration, Instant};

use memspec::ProfileId;
use memspec_impl::micropython::collect::Sweep;
use memspec_impl::micropython::gc::{Roots, StaticRoots};
use memspec_impl::micropython::units::Addr;
use memspec_impl::micropython::{Config, Heap, Port};

/// How long each measurement runs.
const RUN: Duration = Duration::from_secs(2);

/// One heap to measure.
struct Setup {
    name: &'static str,
    profile: ProfileId,
    port: Port,
    arena_bytes: usize,
    /// Nodes of the live graph, one block each: a quarter of the pool.
    nodes: usize,
}

const SETUPS: [Setup; 2] = [
    Setup {
        name: "a32 96 KiB esp32",
        profile: ProfileId::MicropythonA32,
        port: Port::Esp32,
        arena_bytes: 96 * 1024,
        nodes: 1500,
    },
    Setup {
        name: "a64 2 MiB unix",
        profile: ProfileId::MicropythonA64,
        port: Port::Unix,
        arena_bytes: 2 * 1024 * 1024,
        nodes: 16000,
    },
];

fn heap<'a>(s: &Setup, mem: &'a mut [u8]) -> Heap<'a> {
    let cfg = Config::new(s.profile, Some(s.port)).expect("a MicroPython build");
    match Heap::new(mem, cfg, s.arena_bytes as u64) {
        Ok(h) => h,
        Err((e, _)) => panic!("{e}"),
    }
}

/// Counts the collections an allocation runs.
struct Counting<'r> {
    roots: &'r [u64],
    collections: u64,
}

impl Roots for Counting<'_> {
    fn words(&self) -> [&[u64]; 2] {
        [self.roots, &[]]
    }

    fn swept(&mut self, _: &Heap<'_>, _: &Sweep) {
        self.collections += 1;
    }
}

/// A binary tree of `n` nodes, each one block: word 0 and 1 point at the children. Returns the root.
fn live_graph(heap: &mut Heap<'_>, n: usize) -> u64 {
    let bpb = heap.bytes_per_block();
    let ptr = heap.cfg.ptr_bytes;
    let mut nodes: Vec<Addr> = Vec::with_capacity(n);
    for _ in 0..n {
        let a = heap
            .gc_alloc(bpb, false, &mut StaticRoots(&[]))
            .expect("the graph fits")
            .expect("a block");
        nodes.push(a);
    }
    for i in 0..n {
        for (k, c) in [2 * i + 1, 2 * i + 2].into_iter().enumerate() {
            if let Some(child) = nodes.get(c) {
                let slot = nodes[i].add(k * ptr.get());
                write_word(heap, slot, child.0);
            }
        }
    }
    nodes[0].0
}

fn write_word(heap: &mut Heap<'_>, at: Addr, v: u64) {
    let width = heap.cfg.ptr_bytes;
    let off = heap.offset_of(at).expect("in the area");
    heap.arena().set_word(off, width, v).expect("in the arena");
}

fn bench_alloc(s: &Setup) {
    let mut mem = vec![0u8; s.arena_bytes];
    let mut heap = heap(s, &mut mem);
    let bpb = heap.bytes_per_block();
    // One object stays alive throughout; everything else is garbage for the next collection.
    let keep = heap
        .gc_alloc(bpb, false, &mut StaticRoots(&[]))
        .expect("fits")
        .expect("a block");
    let roots = [keep.0];
    let mut ctx = Counting {
        roots: &roots,
        collections: 0,
    };
    let mut allocations = 0u64;
    let start = Instant::now();
    while start.elapsed() < RUN {
        for i in 0..1024usize {
            // 1 to 4 blocks, the sizes of small lists, strs and dicts.
            let bytes = bpb * (1 + i % 4) - i % 3;
            black_box(
                heap.gc_alloc(bytes, false, &mut ctx)
                    .expect("a collection makes room"),
            );
            allocations += 1;
        }
    }
    let t = start.elapsed().as_secs_f64();
    println!(
        "{}: alloc:   {allocations} allocations, {} collections in {t:.2} s = {:.0} allocations/s",
        s.name,
        ctx.collections,
        allocations as f64 / t
    );
}

fn bench_collect(s: &Setup) {
    let mut mem = vec![0u8; s.arena_bytes];
    let mut heap = heap(s, &mut mem);
    let root = live_graph(&mut heap, s.nodes);
    let live = heap.info().used;
    let mut collections = 0u64;
    let start = Instant::now();
    while start.elapsed() < RUN {
        black_box(heap.collect(&[&[root]]));
        collections += 1;
    }
    let t = start.elapsed().as_secs_f64();
    println!(
        "{}: collect: {collections} collections of {} live nodes ({live} bytes of {}) in {t:.2} s = {:.0} collections/s",
        s.name,
        s.nodes,
        heap.info().total,
        collections as f64 / t
    );
}

/// Exactly one full collection: the function callgrind counts.
#[inline(never)]
fn one_collection(heap: &mut Heap<'_>, root: u64) -> Sweep {
    heap.collect(&[&[black_box(root)]])
}

fn main() {
    if std::env::args().any(|a| a == "--one-collection") {
        let s = &SETUPS[0];
        let mut mem = vec![0u8; s.arena_bytes];
        let mut heap = heap(s, &mut mem);
        let root = live_graph(&mut heap, s.nodes);
        // Garbage beside the graph, so the sweep frees something.
        for _ in 0..s.nodes / 2 {
            let _ = heap.gc_alloc(heap.bytes_per_block() * 2, false, &mut StaticRoots(&[root]));
        }
        let sweep = one_collection(&mut heap, root);
        println!(
            "{}: one collection of {} live nodes: {} allocations freed, {} blocks, {} rescans",
            s.name, s.nodes, sweep.freed_heads, sweep.freed_blocks, sweep.rescans
        );
        return;
    }
    for s in &SETUPS {
        bench_alloc(s);
        bench_collect(s);
    }
}

//! Throughput of the MicroPython model: allocations per second (with the collections a full heap
//! forces) and collections per second of a fixed live graph, on a 96 KiB a32 arena (an ESP32-sized
//! heap, esp32 port) and a 2 MiB a64 arena (unix port).
//!
//! `cargo bench -p memspec-impl --bench micropython` runs both and prints the rates.
//! `cargo bench -p memspec-impl --bench micropython -- --one-collection` builds the a32 graph and runs
//! exactly one full collection inside `one_collection`, for
//! `valgrind --tool=callgrind --toggle-collect='*one_collection*'` (repeatable instruction counts);
//! `cargo xtask bench` does that and prints callgrind's total.
//! `cargo bench -p memspec-impl --bench micropython -- --against-engine LISTS STARTUP_BYTES
//! HEAP_BYTES` builds, on a64 with the unix port's build, the graph `cargo xtask bench
//! --against-engines` builds in the engine (see [`engine_graph`]) and runs one collection inside
//! `one_collection`, printing the heap's figures before and after.

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
fn one_collection(heap: &mut Heap<'_>, roots: &[u64]) -> Sweep {
    heap.collect(&[black_box(roots)])
}

/// Small int `v` as an `mp_obj_t` of REPR_A: `(v << 1) | 1` (`MP_OBJ_NEW_SMALL_INT`, `py/obj.h`).
const fn small_int(v: u64) -> u64 {
    (v << 1) | 1
}

/// `LIST_MIN_ALLOC` (`py/objlist.c`): the fewest items a list's array holds.
const LIST_MIN_ALLOC: usize = 4;

/// `list_new(n)` (`py/objlist.c`): the `mp_obj_list_t` (base, alloc, len, items: 4 words), then
/// its items array of `max(n, LIST_MIN_ALLOC)` words, holding `items` (the rest left zero, a word
/// that points at no block). Returns the object and the array.
fn new_list(heap: &mut Heap<'_>, len: usize, items: &[u64]) -> (Addr, Addr) {
    let ptr = heap.cfg.ptr_bytes.get();
    let mut alloc = |bytes: usize| {
        heap.gc_alloc(bytes, false, &mut StaticRoots(&[]))
            .expect("the graph fits")
            .expect("a block")
    };
    let obj = alloc(4 * ptr);
    let array = alloc(len.max(LIST_MIN_ALLOC) * ptr);
    write_word(heap, obj.add(ptr), len.max(LIST_MIN_ALLOC) as u64);
    write_word(heap, obj.add(2 * ptr), len as u64);
    write_word(heap, obj.add(3 * ptr), array.0);
    for (k, v) in items.iter().enumerate() {
        write_word(heap, array.add(k * ptr), *v);
    }
    (obj, array)
}

/// The graph of the engine's script (`xtask/src/bench/engines.rs`), allocation by allocation: one
/// live allocation of `startup` bytes for what the engine's heap holds after start-up and a first
/// collection; `keep = [None] * lists`, which makes the list `[None]` (dropped) and then the list
/// of `lists` items (`list_binary_op`, `MP_BINARY_OP_MULTIPLY`); then for each `i` a kept list
/// `[i, i + 1, i + 2, i + 3]` stored in `keep[i]` and a dropped one made the same way. Returns the
/// root words: the start-up allocation and `keep`.
fn engine_graph(heap: &mut Heap<'_>, lists: usize, startup: usize) -> [u64; 2] {
    let ptr = heap.cfg.ptr_bytes.get();
    let startup = heap
        .gc_alloc(startup, false, &mut StaticRoots(&[]))
        .expect("the graph fits")
        .expect("a block");
    new_list(heap, 1, &[]);
    let (keep, keep_items) = new_list(heap, lists, &[]);
    for i in 0..lists as u64 {
        let items = [i, i + 1, i + 2, i + 3].map(small_int);
        let (kept, _) = new_list(heap, items.len(), &items);
        write_word(heap, keep_items.add(i as usize * ptr), kept.0);
        new_list(heap, items.len(), &items);
    }
    [startup.0, keep.0]
}

fn against_engine(args: &[String]) {
    let num = |i: usize| -> usize {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("--against-engine LISTS STARTUP_BYTES HEAP_BYTES, got {args:?}"))
    };
    let (lists, startup, heap_bytes) = (num(0), num(1), num(2));
    let s = Setup {
        name: "a64 unix",
        profile: ProfileId::MicropythonA64,
        port: Port::Unix,
        arena_bytes: heap_bytes,
        nodes: lists,
    };
    let mut mem = vec![0u8; s.arena_bytes];
    let mut heap = heap(&s, &mut mem);
    let roots = engine_graph(&mut heap, lists, startup);
    let before = heap.info();
    let sweep = one_collection(&mut heap, &roots);
    let after = heap.info();
    println!(
        "model: total={} before={} after={} freed={}",
        before.total, before.used, after.used, sweep.freed_heads
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--against-engine") {
        against_engine(&args[i + 1..]);
        return;
    }
    if std::env::args().any(|a| a == "--one-collection") {
        let s = &SETUPS[0];
        let mut mem = vec![0u8; s.arena_bytes];
        let mut heap = heap(s, &mut mem);
        let root = live_graph(&mut heap, s.nodes);
        // Garbage beside the graph, so the sweep frees something.
        for _ in 0..s.nodes / 2 {
            let _ = heap.gc_alloc(heap.bytes_per_block() * 2, false, &mut StaticRoots(&[root]));
        }
        let sweep = one_collection(&mut heap, &[root]);
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

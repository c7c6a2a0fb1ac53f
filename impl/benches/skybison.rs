//! Throughput of the Skybison model on a fixed arena: allocations per second (with the scavenges
//! the allocations force) and scavenges per second of a fixed live graph.
//!
//! `cargo bench -p memspec-impl --bench skybison` runs both and prints the rates.
//! `cargo bench -p memspec-impl --bench skybison -- --one-collection` builds the live graph and runs
//! exactly one scavenge, for `valgrind --tool=callgrind` on the bench binary; with `--arena-scale K`
//! the arena is `K` times larger and the graph the same.

use std::hint::black_box;
use std::time::{Duration, Instant};

use memspec_impl::skybison::heap::Heap;
use memspec_impl::skybison::object::{self, HeapObject};
use memspec_impl::skybison::scavenger::Scavenge;

/// Bytes of the arena: two semispaces of 512 KiB.
const ARENA_BYTES: usize = 1 << 20;
/// Objects in the live graph of the scavenge benchmark.
const LIVE_OBJECTS: usize = 4096;
/// How long each measurement runs.
const RUN: Duration = Duration::from_secs(2);

/// A list of `LIVE_OBJECTS / 2` pairs: each a 2-tuple of (Float, next pair), 48 bytes a pair.
/// Returns the root.
fn live_graph(heap: &mut Heap<'_>) -> u64 {
    let mut next = u64::MAX; // None
    for i in 0..LIVE_OBJECTS / 2 {
        let f = object::new_float(heap, i as f64).expect("the graph fits");
        let t = object::new_tuple(heap, 2).expect("the graph fits");
        heap.set_word(t.address, f.raw()).expect("in the heap");
        heap.set_word(memspec_impl::skybison::heap::Address(t.address.0 + 8), next)
            .expect("in the heap");
        next = t.raw();
    }
    next
}

fn scavenge(heap: &mut Heap<'_>, root: &mut u64) -> u64 {
    let mut gc = Scavenge::begin(heap).expect("begin");
    gc.visit(root).expect("visit");
    gc.finish().expect("finish").objects_copied
}

/// Exactly one scavenge: the only code `cargo xtask bench` counts under callgrind.
#[inline(never)]
fn one_collection(heap: &mut Heap<'_>, root: &mut u64) -> u64 {
    scavenge(heap, root)
}

fn bench_alloc(arena: &mut [u8]) {
    let mut heap = Heap::new(arena).expect("arena");
    // Keep one small tuple alive across scavenges; everything else is garbage.
    let keep = object::new_tuple(&mut heap, 1).expect("fits");
    let mut root = keep.raw();
    let (mut allocations, mut scavenges) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < RUN {
        for i in 0..1024u64 {
            let made = match i % 3 {
                0 => object::new_float(&mut heap, i as f64),
                1 => object::new_tuple(&mut heap, 3),
                _ => object::new_instance(&mut heap, 191, 4),
            };
            match made {
                Ok(o) => {
                    black_box::<HeapObject>(o);
                    allocations += 1;
                }
                Err(_) => {
                    scavenge(&mut heap, &mut root);
                    scavenges += 1;
                }
            }
        }
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "alloc:    {allocations} allocations, {scavenges} scavenges in {s:.2} s = {:.0} allocations/s",
        allocations as f64 / s
    );
}

fn bench_scavenge(arena: &mut [u8]) {
    let mut heap = Heap::new(arena).expect("arena");
    let mut root = live_graph(&mut heap);
    let (mut scavenges, mut copied) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < RUN {
        copied += scavenge(&mut heap, &mut root);
        scavenges += 1;
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "scavenge: {scavenges} scavenges of {LIVE_OBJECTS} live objects ({} bytes) in {s:.2} s = {:.0} scavenges/s, {:.0} objects/s",
        heap.used_bytes(),
        scavenges as f64 / s,
        copied as f64 / s
    );
}

/// `--arena-scale K`: the arena `K` times its usual size, the live graph the same (so that
/// `cargo xtask bench` can show the collection costs what the live data costs, not the arena).
fn arena_scale() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--arena-scale")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(1)
}

fn main() {
    let mut arena = vec![0u8; ARENA_BYTES * arena_scale()];
    if std::env::args().any(|a| a == "--one-collection") {
        let mut heap = Heap::new(&mut arena).expect("arena");
        let mut root = live_graph(&mut heap);
        let copied = one_collection(&mut heap, black_box(&mut root));
        println!(
            "one collection: {copied} objects copied, {} bytes live",
            heap.used_bytes()
        );
        return;
    }
    bench_alloc(&mut arena);
    bench_scavenge(&mut arena);
}

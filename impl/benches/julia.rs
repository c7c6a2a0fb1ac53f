//! Throughput of the Julia model: allocations and collections per second.
//!
//! ```sh
//! cargo bench -p memspec-impl --bench julia                      # all measurements
//! cargo bench -p memspec-impl --bench julia -- --one-collection  # build a heap, collect once
//! valgrind --tool=callgrind target/release/deps/julia-<hash> --one-collection
//! cargo bench -p memspec-impl --bench julia -- --one-collection --arena-scale 8  # same heap, 8x arena
//! ```

use std::hint::black_box;
use std::time::Instant;

use memspec_impl::julia::Julia;

/// Bytes of the arena every measurement uses.
const ARENA_BYTES: usize = 8 << 20;
/// Nodes of the live list the collection measurements trace.
const LIVE_NODES: usize = 20_000;
/// Garbage objects beside the live list.
const GARBAGE: usize = 20_000;

/// A rooted list of `LIVE_NODES` two-slot simple vectors, each holding a fresh Float64 box, with
/// `GARBAGE` unreachable boxes in between. Only the head has a handle (the root).
fn build(j: &mut Julia<'_>) {
    let head = j.new_svec(2).expect("head");
    let root = j.new_handle(head.value).expect("handle");
    j.set_rooted(root, true).expect("root");
    let mut prev = head.value;
    for i in 0..LIVE_NODES {
        let node = j.new_svec(2).expect("the arena holds the benchmark heap").value;
        j.store_value(prev, 0, node).expect("link");
        let x = j.box_float64(i as f64).expect("box").value;
        j.store_value(node, 1, x).expect("link");
        if i < GARBAGE {
            black_box(j.box_float64(-(i as f64)).expect("garbage"));
        }
        prev = node;
    }
}

fn per_second(n: u64, secs: f64) -> String {
    format!("{:.0}/s", n as f64 / secs)
}

fn allocations(arena: &mut [u8]) {
    let mut j = Julia::new(arena);
    let n = 2_000_000u64;
    let t = Instant::now();
    for i in 0..n {
        black_box(j.box_float64(i as f64).expect("collections make room"));
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "alloc Float64 box (16-byte cell), garbage: {n} in {secs:.3} s = {}, {} collection cycles",
        per_second(n, secs),
        j.counters().cycles
    );
}

fn collections(arena: &mut [u8]) {
    let mut j = Julia::new(arena);
    build(&mut j);
    let rounds = 20u64;
    let t = Instant::now();
    for _ in 0..rounds {
        black_box(j.collect_full().expect("collect"));
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "full collection, {LIVE_NODES} live nodes: {rounds} in {secs:.3} s = {}",
        per_second(rounds, secs)
    );
    let t = Instant::now();
    for _ in 0..rounds {
        black_box(j.collect_minor().expect("collect"));
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "minor collection, {LIVE_NODES} old nodes: {rounds} in {secs:.3} s = {}",
        per_second(rounds, secs)
    );
}

/// Exactly one full collection: the only code `cargo xtask bench` counts under callgrind.
#[inline(never)]
fn one_collection(j: &mut Julia<'_>) -> memspec::subject::Collection {
    j.collect_full().expect("collect")
}

fn collect_once(arena: &mut [u8]) {
    let mut j = Julia::new(arena);
    build(&mut j);
    let c = one_collection(&mut j);
    println!(
        "one full collection: freed {} objects, {} bytes",
        c.freed_allocations, c.freed_bytes
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
        collect_once(&mut arena);
        return;
    }
    allocations(&mut arena);
    collections(&mut arena);
}

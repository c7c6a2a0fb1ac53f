//! Throughput of the Microvium model on a 64 KiB heap (`MVM_MAX_HEAP_SIZE` 0xFFFE): allocations per
//! second (the heap limit triggers the engine's own collections of the garbage) and collections per
//! second of a fixed live graph.
//!
//! `cargo bench -p memspec-impl --bench microvium` runs both and prints the rates.
//! `cargo bench -p memspec-impl --bench microvium -- --one-collection` builds the live graph and runs
//! exactly one (non-squeeze) collection, for `valgrind --tool=callgrind` on the bench binary.
//! `cargo bench -p memspec-impl --bench microvium -- --against-engine ARRAYS` builds, on a 32-bit
//! host, the graph `cargo xtask bench --against-engines` builds in the engine (see
//! [`engine_graph`]) and runs one collection inside `one_collection`, printing the heap's figures
//! before and after.

use std::hint::black_box;
use std::time::{Duration, Instant};

use memspec::ProfileId;
use memspec::subject::{HeapConfig, ObjId, ObjectSpec, Param, ParamValue, Subject, Target};
use memspec_impl::microvium::Microvium;

/// Bytes of the arena: a 64 KiB heap, its to-space while collecting, and the object table.
const ARENA_BYTES: usize = 512 * 1024;
/// Objects in the live graph of the collection benchmark.
const LIVE_OBJECTS: usize = 1000;
/// Allocations between two fresh cases (the object table grows by 8 bytes an allocation).
const CASE_ALLOCATIONS: u64 = 40_000;
/// How long each measurement runs.
const RUN: Duration = Duration::from_secs(2);

fn start(m: &mut Microvium<'_>) {
    m.start(
        ProfileId::Microvium,
        &HeapConfig {
            arena_bytes: 0,
            port: None,
            options: &[],
        },
    )
    .expect("start");
}

fn spec<'a>(kind: &'a str, params: &'a [Param<'a>]) -> ObjectSpec<'a> {
    ObjectSpec { kind, params }
}

/// A list of `LIVE_OBJECTS` objects, each with a string (property 0) and the next object
/// (property 1), added at run time; rooted at its head. 32 bytes an object before the first
/// collection (head, two cells, string), 20 after it.
fn live_graph(m: &mut Microvium<'_>) -> ObjId {
    let text = [Param {
        name: "text",
        value: ParamValue::Text(b"node"),
    }];
    let mut next: Option<ObjId> = None;
    for _ in 0..LIVE_OBJECTS {
        let o = m.alloc(&spec("object", &[])).expect("the graph fits").id;
        let s = m.alloc(&spec("string", &text)).expect("the graph fits").id;
        m.link(o, 0, Target::Object(s)).expect("link");
        m.link(o, 1, next.map_or(Target::Empty, Target::Object))
            .expect("link");
        next = Some(o);
    }
    let head = next.expect("at least one object");
    m.root(head).expect("root");
    head
}

fn bench_alloc(arena: &mut [u8]) {
    let mut m = Microvium::new(arena);
    let int = [Param {
        name: "value",
        value: ParamValue::Int(100_000),
    }];
    let text = [Param {
        name: "text",
        value: ParamValue::Text(b"abc"),
    }];
    let len = [Param {
        name: "len",
        value: ParamValue::Int(2),
    }];
    let specs = [
        spec("object", &[]),
        spec("string", &text),
        spec("array", &len),
        spec("int", &int),
    ];
    let (mut allocations, mut collections) = (0u64, 0u64);
    let start_time = Instant::now();
    while start_time.elapsed() < RUN {
        start(&mut m);
        let keep = m.alloc(&specs[0]).expect("fits").id;
        m.root(keep).expect("root");
        let mut used = m.heap_used().expect("used");
        for i in 0..CASE_ALLOCATIONS {
            black_box(
                m.alloc(&specs[(i % 4) as usize])
                    .expect("the limit collects the garbage"),
            );
            let now = m.heap_used().expect("used");
            if now < used {
                collections += 1;
            }
            used = now;
        }
        allocations += CASE_ALLOCATIONS;
    }
    let s = start_time.elapsed().as_secs_f64();
    println!(
        "alloc:   {allocations} allocations, {collections} collections at the heap limit in {s:.2} s = {:.0} allocations/s",
        allocations as f64 / s
    );
}

fn bench_collect(arena: &mut [u8]) {
    let mut m = Microvium::new(arena);
    start(&mut m);
    live_graph(&mut m);
    let mut collections = 0u64;
    let start_time = Instant::now();
    while start_time.elapsed() < RUN {
        m.collect_with(true).expect("collect");
        collections += 1;
    }
    let s = start_time.elapsed().as_secs_f64();
    println!(
        "collect: {collections} collections of {} live objects ({} bytes) in {s:.2} s = {:.0} collections/s",
        2 * LIVE_OBJECTS,
        m.heap_used().expect("used"),
        collections as f64 / s
    );
}

/// Exactly one (non-squeeze) collection: the only code `cargo xtask bench` counts under callgrind.
#[inline(never)]
fn one_collection(m: &mut Microvium<'_>) -> memspec::subject::Collection {
    m.collect_with(false).expect("collect")
}

/// The graph of the engine's requests (`xtask/src/bench/engines.rs`), made as `driver.js` makes it:
/// `keep`, an array of length and capacity `arrays` (export 4), held by the host; then for each `i`
/// a kept array of length 4 (export 4) whose elements 0 to 3 are set to the Int14s `i` to `i + 3`
/// (export 5), stored as `keep[i]`, and a dropped array made the same way.
fn engine_graph(m: &mut Microvium<'_>, arrays: usize) {
    let int = |v: i128| {
        [Param {
            name: "value",
            value: ParamValue::Int(v),
        }]
    };
    let sized = |n: usize| {
        [
            Param {
                name: "len",
                value: ParamValue::Int(n as i128),
            },
            Param {
                name: "capacity",
                value: ParamValue::Int(n as i128),
            },
        ]
    };
    let keep = m.alloc(&spec("array", &sized(arrays))).expect("fits").id;
    m.root(keep).expect("root");
    for i in 0..arrays {
        for kept in [true, false] {
            let a = m.alloc(&spec("array", &sized(4))).expect("fits").id;
            for k in 0..4 {
                let v = m.alloc(&spec("int", &int((i + k) as i128))).expect("fits").id;
                m.link(a, k as u32, Target::Object(v)).expect("store");
            }
            if kept {
                m.link(keep, i as u32, Target::Object(a)).expect("store");
            }
        }
    }
}

fn against_engine(args: &[String]) {
    let arrays: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("--against-engine ARRAYS, got {args:?}"));
    let mut arena = vec![0u8; ARENA_BYTES];
    let mut m = Microvium::new(&mut arena);
    let options = [
        Param {
            name: "debug",
            value: ParamValue::Int(0),
        },
        Param {
            name: "gas-counter",
            value: ParamValue::Int(0),
        },
    ];
    m.start(
        ProfileId::Microvium,
        &HeapConfig {
            arena_bytes: 0,
            port: Some("host32"),
            options: &options,
        },
    )
    .expect("start");
    engine_graph(&mut m, arrays);
    let before = m.heap_used().expect("used");
    let c = one_collection(&mut m);
    let after = m.heap_used().expect("used");
    println!(
        "model: before={before} after={after} freed={}",
        c.freed_allocations
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--against-engine") {
        against_engine(&args[i + 1..]);
        return;
    }
    let mut arena = vec![0u8; ARENA_BYTES];
    if std::env::args().any(|a| a == "--one-collection") {
        let mut m = Microvium::new(&mut arena);
        start(&mut m);
        live_graph(&mut m);
        let c = one_collection(&mut m);
        println!(
            "one collection: {} allocations and {} bytes freed, {} bytes live",
            c.freed_allocations,
            c.freed_bytes,
            m.heap_used().expect("used")
        );
        return;
    }
    bench_alloc(&mut arena);
    bench_collect(&mut arena);
}

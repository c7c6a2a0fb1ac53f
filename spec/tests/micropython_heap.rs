//! The reference model's MicroPython heap: the area split, block rounding, the accounting identity,
//! the heap map, and every error the heap and its set-up report.
//!
//! Expected numbers name their source: `py/gc.c` (`gc_init`, `gc_setup_area`, `gc_alloc`, `gc_info`,
//! `gc_dump_alloc_table`), `py/modgc.c` and the ports' `gc_get_max_new_split`.

mod support;

use memspec::law;
use memspec::micropython::heap::{BlockKind, SideTables, area_split};
use memspec::micropython::laws as mp_laws;
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Subject, SubjectError, stat};
use memspec::{ProfileId, TagClass};
use memspec_impl::micropython::area::Area;
use memspec_impl::micropython::gc::StaticRoots;
use memspec_impl::micropython::heap::Kind;
use memspec_impl::micropython::units::{Block, BlockAt};
use memspec_impl::micropython::{Config, Heap, MaxNewSplit, MicroPython, Port};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use support::{MICROPYTHON, int, map_text, started, stat_of, stats, text};

fn start<'a>(
    mem: &'a mut [u8],
    p: ProfileId,
    bytes: u64,
    port: Option<&str>,
    options: &[Param<'_>],
) -> Result<MicroPython<'a>, SubjectError> {
    started(MicroPython::new(mem), p, bytes, port, options)
}

fn alloc(mp: &mut MicroPython<'_>, kind: &str, params: &[Param<'_>]) -> memspec::subject::Allocation {
    mp.alloc(&ObjectSpec { kind, params }).unwrap()
}

/// An area's ATB bytes, blocks, pool bytes and FTB bytes, in the order of [`expected_split`].
fn split_of(area: &Area) -> (u64, u64, u64, u64) {
    (
        area.atb_bytes as u64,
        area.blocks as u64,
        area.pool_bytes() as u64,
        area.ftb_bytes as u64,
    )
}

/// The split of `gc_setup_area` for an area of `t` bytes (already rounded), with an FTB and no WTB:
/// `A = (T - 1) * 8 / (8 + 4 + 32 * BPB)`, `N = 4A`, `P = N * BPB`, FTB `ceil(N / 8)` (`py/gc.c`
/// `gc_setup_area`).
fn expected_split(t: u64, bpb: u64) -> (u64, u64, u64, u64) {
    let a = (t - 1) * 8 / (8 + 4 + 32 * bpb);
    let n = 4 * a;
    (a, n, n * bpb, n.div_ceil(8))
}

#[test]
fn the_worked_example_of_the_facts_gives_125_atb_bytes() {
    // gc_setup_area, 32-bit, FTB on, no WTB, T = 8192: A = 8191 * 8 / 524 = 125, N = 500, P = 8000.
    assert_eq!(expected_split(8192, 16), (125, 500, 8000, 63));
    let mut mem = vec![0u8; 8192];
    let base = [int("base", 0x0010_0000)];
    let mp = start(&mut mem, ProfileId::MicropythonA32, 8192, None, &base).unwrap();
    let area = *mp.heap().unwrap().area();
    assert_eq!((area.atb_bytes, area.blocks, area.pool_bytes()), (125, 500, 8000));
}

#[test]
fn a_1_mib_a32_arena_splits_as_gc_setup_area_says() {
    // A block-aligned base, so T is the full 1 MiB: A = 16008, N = 64032, P = 1024512, FTB 8004.
    let mut mem = vec![0u8; 1 << 20];
    let base = 0x0010_0000u64;
    let opts = [int("base", base as i128)];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 1 << 20, None, &opts).unwrap();
    let (a, n, p, f) = expected_split(1 << 20, 16);
    assert_eq!((a, n, p, f), (16008, 64032, 1024512, 8004));
    let area = *mp.heap().unwrap().area();
    assert_eq!(split_of(&area), (a, n, p, f));
    // The pool is flush against the end: pool_start = end - P.
    assert_eq!(area.pool_start.0, base + (1 << 20) - p);
    assert_eq!(stat_of(&mut mp, stat::TOTAL), p);
}

#[test]
fn a_2_mib_a64_arena_splits_as_gc_setup_area_says() {
    // BPB 32 on x86-64 (MICROPY_BYTES_PER_GC_BLOCK = 4 words): A = 16194, N = 64776, P = 2072832, FTB 8097.
    let mut mem = vec![0u8; 2 << 20];
    let base = 0x5555_5560_0000u64;
    let opts = [int("base", base as i128)];
    let mp = start(&mut mem, ProfileId::MicropythonA64, 2 << 20, None, &opts).unwrap();
    let (a, n, p, f) = expected_split(2 << 20, 32);
    assert_eq!((a, n, p, f), (16194, 64776, 2072832, 8097));
    let area = *mp.heap().unwrap().area();
    assert_eq!(split_of(&area), (a, n, p, f));
    assert_eq!(area.pool_start.0, base + (2 << 20) - p);
}

#[test]
fn the_end_is_rounded_down_to_a_block_before_the_split() {
    // gc_init: end &= ~(BPB - 1). A base 8 bytes past a block boundary loses 8 bytes.
    let mut mem = vec![0u8; 8192];
    let opts = [int("base", 0x0010_0008)];
    let mp = start(&mut mem, ProfileId::MicropythonA32, 8192, None, &opts).unwrap();
    let area = *mp.heap().unwrap().area();
    assert_eq!(area.end.0, 0x0010_2000);
    assert_eq!(area.end.0 - area.start.0, 8184);
    assert_eq!(area.atb_bytes as u64, expected_split(8184, 16).0);
}

#[test]
fn a_weakref_table_takes_its_share_of_the_area() {
    // py/gc.c at 1c3c201 (v1.28+): A = (T - 1) * 8 / (8 + 4 + 4 + 32 * BPB) with FTB and WTB.
    let mut mem = vec![0u8; 8192];
    let opts = [int("base", 0x0010_0000), int("weakref", 1)];
    let mp = start(&mut mem, ProfileId::MicropythonA32, 8192, None, &opts).unwrap();
    let area = *mp.heap().unwrap().area();
    assert_eq!(area.atb_bytes as u64, 8191 * 8 / (8 + 4 + 4 + 32 * 16));
    assert_eq!(area.wtb_bytes, area.ftb_bytes);
    assert!(area.pool_start.0 >= area.start.0 + area.table_bytes() as u64);
}

#[test]
fn a_zero_byte_request_takes_no_block() {
    // gc_alloc: "check for 0 allocation" returns NULL before touching the ATB.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 8192, None, &[]).unwrap();
    let before = stat_of(&mut mp, stat::USED);
    let a = alloc(&mut mp, "raw", &[int("bytes", 0)]);
    assert_eq!((a.word, a.bytes), (0, 0));
    assert_eq!(stat_of(&mut mp, stat::USED), before);
    assert_eq!(
        mp.decode(a.word).unwrap().1,
        memspec::subject::Decoded::Named("MP_OBJ_NULL")
    );
}

#[test]
fn first_fit_reuses_the_lowest_freed_run() {
    // gc_free moves gc_last_free_atb_index back; the next search starts there (py/gc.c).
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 8192, None, &[]).unwrap();
    let a = alloc(&mut mp, "raw", &[int("bytes", 32)]);
    let b = alloc(&mut mp, "raw", &[int("bytes", 16)]);
    mp.root(b.id).unwrap();
    mp.collect().unwrap();
    let c = alloc(&mut mp, "raw", &[int("bytes", 32)]);
    assert_eq!(
        c.word, a.word,
        "the two blocks a held are the first fit for 32 bytes"
    );
}

fn config(name: &'static str) -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(name))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config("proptest-regressions/micropython_heap.txt"))]

    #[test]
    fn an_allocation_takes_whole_blocks(pi in 0usize..5, n in 1usize..2000) {
        let p = MICROPYTHON[pi];
        let mut mem = vec![0u8; 64 * 1024];
        let mut mp = start(&mut mem, p, 64 * 1024, None, &[]).unwrap();
        let bpb = Config::new(p, None).unwrap().bytes_per_block() as u64;
        let before = stat_of(&mut mp, stat::USED);
        let a = alloc(&mut mp, "raw", &[int("bytes", n as i128)]);
        let used = stat_of(&mut mp, stat::USED) - before;
        if let Err(e) = law::rounded_to_granule(n as u64, bpb, a.bytes) {
            return Err(TestCaseError::fail(e.to_string()));
        }
        prop_assert_eq!(used, a.bytes);
    }

    #[test]
    fn used_plus_free_is_the_pool(pi in 0usize..5, port in 0usize..3, sizes in prop::collection::vec(0usize..300, 0..40), collect in any::<bool>()) {
        let p = MICROPYTHON[pi];
        // The profile's default port, unix, and the WebAssembly port where it exists (a32), whose
        // gc.mem_free() adds max_new_split (py/modgc.c gc_mem_free, ports/webassembly/main.c).
        let port = match (port, p) {
            (1, _) => Some("unix"),
            (2, ProfileId::MicropythonA32) => Some("webassembly"),
            _ => None,
        };
        let mut mem = vec![0u8; 32 * 1024];
        let mut mp = start(&mut mem, p, 32 * 1024, port, &[]).unwrap();
        for (i, n) in sizes.iter().enumerate() {
            let a = mp.alloc(&ObjectSpec { kind: "raw", params: &[int("bytes", *n as i128)] });
            if let Ok(a) = a && i % 3 == 0 {
                mp.root(a.id).unwrap();
            }
        }
        if collect {
            mp.collect().unwrap();
        }
        let split = stats(&mut mp).into_iter().find(|(n, _)| n == "gc.max_new_split").map_or(0, |(_, v)| v);
        let used = stat_of(&mut mp, stat::USED);
        let free = stat_of(&mut mp, stat::FREE);
        let pool = stat_of(&mut mp, stat::TOTAL);
        if let Err(e) = law::used_plus_free_is_pool(used, free - split, pool) {
            return Err(TestCaseError::fail(e.to_string()));
        }
        // The spec's own form of the law, with max_new_split added to the pool.
        if let Err(e) = mp_laws::alloc_plus_free_is_pool(used, free, pool, split) {
            return Err(TestCaseError::fail(e.to_string()));
        }
        if let Err(e) = mp_laws::mem_alloc_is_whole_blocks(used, Config::new(p, None).unwrap().bytes_per_block() as u64) {
            return Err(TestCaseError::fail(e.to_string()));
        }
    }

    #[test]
    fn the_heap_map_agrees_with_the_allocation_table(pi in 0usize..5, kinds in prop::collection::vec(0usize..9, 0..60)) {
        let p = MICROPYTHON[pi];
        let mut mem = vec![0u8; 48 * 1024];
        let mut mp = start(&mut mem, p, 48 * 1024, None, &[]).unwrap();
        for k in kinds {
            let _ = match k {
                0 => mp.alloc(&ObjectSpec { kind: "list", params: &[int("len", 6)] }),
                1 => mp.alloc(&ObjectSpec { kind: "tuple", params: &[int("len", 3)] }),
                2 => mp.alloc(&ObjectSpec { kind: "dict", params: &[int("keys", 3)] }),
                3 => mp.alloc(&ObjectSpec { kind: "str", params: &[text("text", b"a longer text")] }),
                4 => mp.alloc(&ObjectSpec { kind: "bytearray", params: &[int("len", 40)] }),
                5 => mp.alloc(&ObjectSpec { kind: "float", params: &[Param { name: "value", value: ParamValue::Float(0.5) }] }),
                6 => mp.alloc(&ObjectSpec { kind: "function", params: &[int("defaults", 2)] }),
                7 => mp.alloc(&ObjectSpec { kind: "raw", params: &[int("bytes", 70)] }),
                _ => mp.collect().map(|_| memspec::subject::Allocation { id: memspec::subject::ObjId(0), word: 0, bytes: 0 }),
            };
        }
        let map = map_text(&mut mp);
        let heap = mp.heap().unwrap();
        let blocks = heap.area().blocks;
        let bpb = heap.area().bytes_per_block;
        let mut seen = 0;
        let mut covered = vec![false; blocks];
        for line in map.lines().skip(3) {
            let line = line.trim_start();
            if line.starts_with('(') {
                continue;
            }
            let (off, chars) = line.split_once(": ").unwrap();
            let first = usize::from_str_radix(off, 16).unwrap() / bpb;
            for (i, c) in chars.chars().enumerate() {
                let b = BlockAt::first(Block(first + i));
                let expected = match heap.kind(b) {
                    Kind::Free => '.',
                    Kind::Tail => '=',
                    Kind::Mark => 'm',
                    Kind::Head => heap.map_char(b),
                };
                prop_assert_eq!(c, expected, "block {} in line {:?}", b.block.0, line);
                prop_assert!(c != '.' || heap.kind(b) == Kind::Free);
                covered[b.block.0] = true;
                seen += 1;
            }
        }
        // Blocks left out are exactly those in collapsed all-free lines.
        for (b, c) in covered.iter().enumerate() {
            if !c {
                prop_assert_eq!(heap.kind(BlockAt::first(Block(b))), Kind::Free, "block {} missing from the map", b);
            }
        }
        prop_assert!(seen <= blocks);
        // The spec's laws over the same text and the model's ATB.
        let atb: Vec<BlockKind> = (0..blocks)
            .map(|b| BlockKind::from_bits(heap.kind(BlockAt::first(Block(b))) as u8))
            .collect();
        for r in [
            mp_laws::heap_map_agrees_with_atb(&map, &atb, bpb as u64),
            mp_laws::mem_info_agrees_with_atb(&map, &atb, bpb as u64),
            mp_laws::no_orphan_tail(&atb),
        ] {
            if let Err(e) = r {
                return Err(TestCaseError::fail(e.to_string()));
            }
        }
    }
}

#[test]
fn the_heap_map_of_a_fixed_sequence_on_a32() {
    // The npm WebAssembly build (the a32 default): one of each kind, then a collection with the list
    // rooted and holding the tuple, the dict and the closure.
    let mut mem = vec![0u8; 16 * 1024];
    let opts = [int("base", 0x0004_2ea0)];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 16 * 1024, None, &opts).unwrap();
    let list = alloc(&mut mp, "list", &[int("len", 3)]);
    let tuple = alloc(&mut mp, "tuple", &[int("len", 5)]);
    let dict = alloc(&mut mp, "dict", &[int("keys", 5)]);
    let closure = alloc(&mut mp, "closure", &[int("captured", 2)]);
    alloc(&mut mp, "int", &[int("value", 1 << 40)]);
    alloc(
        &mut mp,
        "float",
        &[Param {
            name: "value",
            value: ParamValue::Float(2.5),
        }],
    );
    alloc(&mut mp, "str", &[text("text", b"hello world")]);
    alloc(&mut mp, "bytearray", &[int("len", 20)]);
    alloc(&mut mp, "function", &[int("defaults", 1), int("kw_defaults", 1)]);
    alloc(&mut mp, "raw", &[int("bytes", 100), int("finaliser", 1)]);
    for (slot, target) in [tuple, dict, closure].iter().enumerate() {
        mp.link(list.id, slot as u32, memspec::subject::Target::Object(target.id))
            .unwrap();
    }
    mp.root(list.id).unwrap();
    let before = map_text(&mut mp);
    let collected = mp.collect().unwrap();
    let after = map_text(&mut mp);
    insta::assert_snapshot!(
        "micropython_a32_heap_map_fixed_sequence",
        format!("{before}\n-- gc.collect(): {collected:?}\n\n{after}")
    );
}

#[test]
fn the_heap_map_collapses_runs_of_two_lines_or_more() {
    // gc_dump_alloc_table: a run of >= 2 * 64 free blocks at a line start prints
    // "       (N lines all free)" with N = run / 64, then resumes at the line of the next used block.
    let mut mem = vec![0u8; 64 * 1024];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 64 * 1024, None, &[]).unwrap();
    let map = map_text(&mut mp);
    let blocks = mp.heap().unwrap().area().blocks;
    assert!(
        map.contains(&format!("\n       ({} lines all free)\n", blocks / 64)),
        "{map}"
    );
    let mut mem = vec![0u8; 64 * 1024];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 64 * 1024, None, &[]).unwrap();
    // One block used at block 130: lines 0 and 1 collapse, line 2 prints from block 128.
    alloc(&mut mp, "raw", &[int("bytes", 130 * 16)]);
    let lines: Vec<_> = map_text(&mut mp).lines().map(str::to_string).collect();
    assert!(lines[3].starts_with("00000000: h="), "{lines:?}");
    assert!(lines[4].starts_with("00000400: ======"), "{lines:?}");
    assert_eq!(&lines[5][..12], "00000800: ==", "{lines:?}");
}

#[test]
fn the_info_lines_follow_gc_dump_info() {
    // py/gc.c gc_dump_info: "GC: total: %u, used: %u, free: %u" [", max new split: %u"], then
    // " No. of 1-blocks: %u, 2-blocks: %u, max blk sz: %u, max free sz: %u" (sizes in blocks).
    let mut mem = vec![0u8; 8192];
    let opts = [int("base", 0x0010_0000)];
    let mut mp = start(
        &mut mem,
        ProfileId::MicropythonA32,
        8192,
        Some("webassembly"),
        &opts,
    )
    .unwrap();
    alloc(&mut mp, "raw", &[int("bytes", 16)]);
    alloc(&mut mp, "raw", &[int("bytes", 32)]);
    alloc(&mut mp, "raw", &[int("bytes", 48)]);
    let map = map_text(&mut mp);
    let mut lines = map.lines();
    // P = 8000 (gc_setup_area for T = 8192, as above); 6 blocks used; 128 MiB from ports/webassembly/main.c.
    assert_eq!(
        lines.next(),
        Some("GC: total: 8000, used: 96, free: 7904, max new split: 134217728")
    );
    assert_eq!(
        lines.next(),
        Some(" No. of 1-blocks: 1, 2-blocks: 1, max blk sz: 3, max free sz: 494")
    );
    // The pool starts at end - P = 0x102000 - 8000, printed by %p without 0x.
    assert_eq!(lines.next(), Some("GC memory layout; from 1000c0:"));
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 8192, Some("unix"), &opts).unwrap();
    assert!(map_text(&mut mp).starts_with("GC: total: 8000, used: 0, free: 8000\n"));
}

#[test]
fn mem_free_on_the_webassembly_port_adds_128_mib() {
    // py/modgc.c gc_mem_free adds gc_get_max_new_split(), 128 MiB = 134217728 on ports/webassembly/main.c.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(
        &mut mem,
        ProfileId::MicropythonA32,
        8192,
        Some("webassembly"),
        &[],
    )
    .unwrap();
    let free = stat_of(&mut mp, stat::FREE);
    let total = stat_of(&mut mp, stat::TOTAL);
    assert_eq!(free, total + 134_217_728);
}

// ---- errors ----

fn err(r: Result<impl std::fmt::Debug, SubjectError>) -> SubjectError {
    r.expect_err("an error")
}

#[test]
fn an_arena_too_small_for_its_tables_is_an_error() {
    let mut mem = vec![0u8; 64];
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        64,
        None,
        &[int("base", 0x0010_0000)],
    ));
    assert_eq!(e.kind, ErrorKind::ArenaTooSmall, "{e}");
    assert!(e.detail.as_str().contains("no block"), "{e}");
    let mut mem = vec![0u8; 8];
    let e = err(start(&mut mem, ProfileId::MicropythonD32, 8, None, &[]));
    assert_eq!(e.kind, ErrorKind::ArenaTooSmall, "{e}");
}

#[test]
fn a_heap_larger_than_the_arena_is_an_error() {
    let mut mem = vec![0u8; 4096];
    let e = err(start(&mut mem, ProfileId::MicropythonA32, 8192, None, &[]));
    assert_eq!(e.kind, ErrorKind::ArenaTooSmall, "{e}");
    assert!(e.detail.as_str().contains("8192"), "{e}");
}

#[test]
fn the_arena_survives_a_failed_start() {
    let mut mem = vec![0u8; 4096];
    let mut mp = MicroPython::new(&mut mem);
    let bad = HeapConfig {
        arena_bytes: 1 << 20,
        port: None,
        options: &[],
    };
    assert!(mp.start(ProfileId::MicropythonA32, &bad).is_err());
    let good = HeapConfig {
        arena_bytes: 4096,
        port: None,
        options: &[],
    };
    mp.start(ProfileId::MicropythonA32, &good).unwrap();
    assert_eq!(mp.into_arena().len(), 4096);
}

#[test]
fn an_unknown_profile_port_or_option_is_an_error() {
    let mut mem = vec![0u8; 4096];
    let e = err(start(&mut mem, ProfileId::Microvium, 4096, None, &[]));
    assert_eq!(e.kind, ErrorKind::UnknownProfile, "{e}");
    let e = err(start(&mut mem, ProfileId::MicropythonA32, 4096, Some("cpm"), &[]));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("frobnicate", 1)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("finaliser", 2)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[text("base", b"high")],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("base", 1 << 40)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("gc_stack", 0)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("mpz_digit_bits", 8)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("max_new_split", -1)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    // gc_get_max_new_split returns a size_t: 2^32 bytes is past a 32-bit port's.
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("max_new_split", 1 << 32)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    assert!(e.detail.as_str().contains("32-bit size_t"), "{e}");
}

#[test]
fn mem_free_with_a_max_new_split_near_2_pow_64_saturates() {
    // A 64-bit size_t takes any u64: free + max_new_split is then past u64::MAX.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(
        &mut mem,
        ProfileId::MicropythonA64,
        8192,
        None,
        &[int("max_new_split", u64::MAX as i128)],
    )
    .unwrap();
    assert_eq!(stat_of(&mut mp, stat::FREE), u64::MAX);
}

#[test]
fn an_area_past_the_address_space_or_over_the_rom_is_an_error() {
    let mut mem = vec![0u8; 4096];
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("base", 0xffff_f800)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let rom = Config::new(ProfileId::MicropythonA32, Some(Port::WebAssembly))
        .unwrap()
        .rom_base;
    let e = err(start(
        &mut mem,
        ProfileId::MicropythonA32,
        4096,
        None,
        &[int("base", rom as i128)],
    ));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    assert!(e.detail.as_str().contains("ROM"), "{e}");
}

#[test]
fn calls_before_start_are_errors() {
    let mut mem = vec![0u8; 4096];
    let mut mp = MicroPython::new(&mut mem);
    let e = err(mp.alloc(&ObjectSpec {
        kind: "list",
        params: &[int("len", 1)],
    }));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(mp.collect());
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(mp.encode(&memspec::subject::Value::Int(1)));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
}

#[test]
fn a_word_wider_than_the_profile_is_an_invalid_word() {
    let mut mem = vec![0u8; 4096];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 4096, None, &[]).unwrap();
    let e = err(mp.decode(1 << 32));
    assert_eq!(e.kind, ErrorKind::InvalidWord, "{e}");
    // An immediate-tagged word that names no object: value 2 is neither None, False nor True.
    let e = err(mp.decode(2 << 3 | 6));
    assert_eq!(e.kind, ErrorKind::InvalidWord, "{e}");
    let mut mem = vec![0u8; 4096];
    let mut mp = start(&mut mem, ProfileId::MicropythonD32, 4096, None, &[]).unwrap();
    let e = err(mp.decode(0x0003_0000_0000_0000));
    assert_eq!(e.kind, ErrorKind::InvalidWord, "{e}");
}

#[test]
fn values_that_need_the_heap_are_not_immediate() {
    let mut mem = vec![0u8; 4096];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, 4096, None, &[]).unwrap();
    use memspec::subject::Value;
    for v in [
        Value::Float(1.5),
        Value::Str(b"not a qstr"),
        Value::Bytes(b"x"),
        Value::Int(1 << 40),
    ] {
        let e = err(mp.encode(&v));
        assert_eq!(e.kind, ErrorKind::NotImmediate, "{v:?}: {e}");
    }
    let e = err(mp.encode(&Value::Named("undefined")));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(mp.encode(&Value::Error(1)));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    let e = err(mp.encode(&Value::Qstr(1 << 40)));
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
    // A known qstr is a word: "__init__" is number 17 (py/makeqstrdata.py static_qstr_list).
    let q = mp.encode(&Value::Str(b"__init__")).unwrap();
    assert_eq!((q.word, q.class), (17 << 3 | 2, TagClass::Qstr));
}

// ---- gc_realloc ----

fn bare_heap(mem: &mut [u8]) -> Heap<'_> {
    let cfg = Config::new(ProfileId::MicropythonA32, Some(Port::Unix)).unwrap();
    let n = mem.len() as u64;
    match Heap::new(mem, cfg, n) {
        Ok(h) => h,
        Err((e, _)) => panic!("{e}"),
    }
}

#[test]
fn realloc_grows_in_place_into_free_blocks() {
    // gc_realloc: counts the TAILs, then FREE blocks after them; enough of them -> mark them TAIL.
    let mut mem = vec![0u8; 8192];
    let mut heap = bare_heap(&mut mem);
    let a = heap.gc_alloc(16, false, &mut StaticRoots(&[])).unwrap();
    let b = heap.gc_realloc(a, 48, &mut StaticRoots(&[])).unwrap();
    assert_eq!(b, a);
    let block = heap.block_of(a.unwrap().0).unwrap();
    assert_eq!(heap.chain_blocks(block), 3);
}

#[test]
fn realloc_moves_when_the_next_block_is_taken_and_copies_the_old_blocks() {
    let mut mem = vec![0u8; 8192];
    let mut heap = bare_heap(&mut mem);
    let a = heap.gc_alloc(16, false, &mut StaticRoots(&[])).unwrap().unwrap();
    let wall = heap.gc_alloc(16, false, &mut StaticRoots(&[])).unwrap().unwrap();
    let off = heap.offset_of(a).unwrap();
    heap.arena()
        .set_word(off, memspec_impl::arena::WordBytes::Four, 0xc0ffee)
        .unwrap();
    let b = heap
        .gc_realloc(Some(a), 32, &mut StaticRoots(&[wall.0]))
        .unwrap()
        .unwrap();
    assert_ne!(b, a);
    assert_eq!(heap.read_ptr(b), Some(0xc0ffee), "memcpy of the old blocks");
    let old = heap.block_of(a.0).unwrap();
    assert_eq!(heap.kind(old), Kind::Free, "gc_free of the old allocation");
    // The freed block is first fit for the next one-block request.
    let c = heap.gc_alloc(16, false, &mut StaticRoots(&[])).unwrap().unwrap();
    assert_eq!(c, a);
}

#[test]
fn realloc_shrinks_in_place_and_frees_the_tail() {
    let mut mem = vec![0u8; 8192];
    let mut heap = bare_heap(&mut mem);
    let a = heap.gc_alloc(64, false, &mut StaticRoots(&[])).unwrap().unwrap();
    heap.gc_alloc(16, false, &mut StaticRoots(&[])).unwrap();
    assert_eq!(
        heap.gc_realloc(Some(a), 20, &mut StaticRoots(&[])).unwrap(),
        Some(a)
    );
    let block = heap.block_of(a.0).unwrap();
    assert_eq!(heap.chain_blocks(block), 2);
    assert_eq!(heap.kind(block.add(2)), Kind::Free);
    assert_eq!(heap.kind(block.add(3)), Kind::Free);
    // A 0-byte realloc frees.
    assert_eq!(heap.gc_realloc(Some(a), 0, &mut StaticRoots(&[])).unwrap(), None);
    assert_eq!(heap.kind(block), Kind::Free);
}

#[test]
fn realloc_and_free_of_a_non_head_are_errors() {
    let mut mem = vec![0u8; 8192];
    let mut heap = bare_heap(&mut mem);
    let a = heap.gc_alloc(64, false, &mut StaticRoots(&[])).unwrap().unwrap();
    let inner = memspec_impl::micropython::units::Addr(a.0 + 16);
    assert!(heap.gc_realloc(Some(inner), 16, &mut StaticRoots(&[])).is_err());
    assert!(heap.free(Some(inner)).is_err());
    assert!(
        heap.free(Some(memspec_impl::micropython::units::Addr(a.0 + 4)))
            .is_err()
    );
}

#[test]
fn the_reference_subject_hands_its_arena_to_the_micropython_model() {
    use memspec_impl::reference::Reference;
    let mut mem = vec![0u8; 16 * 1024];
    let mut r = Reference::new(&mut mem);
    for p in [ProfileId::MicropythonA32, ProfileId::MicropythonD32] {
        assert!(r.supports(p));
        assert_eq!(r.capabilities(p), memspec::subject::Capabilities::all());
        r.start(
            p,
            &HeapConfig {
                arena_bytes: 16 * 1024,
                port: None,
                options: &[],
            },
        )
        .unwrap();
        let a = r
            .alloc(&ObjectSpec {
                kind: "list",
                params: &[int("len", 0)],
            })
            .unwrap();
        r.root(a.id).unwrap();
        assert_eq!(r.collect().unwrap().freed_allocations, 0);
        let mut map = String::new();
        r.heap_map(&mut map).unwrap();
        assert!(map.contains(": Lh."), "{}: {map}", p.name());
    }
    // A failed start leaves no case running, and the arena is kept for the next one.
    let e = r.start(
        ProfileId::MicropythonA32,
        &HeapConfig {
            arena_bytes: 1 << 30,
            port: None,
            options: &[],
        },
    );
    assert_eq!(e.unwrap_err().kind, ErrorKind::ArenaTooSmall);
    r.start(
        ProfileId::MicropythonA64,
        &HeapConfig {
            arena_bytes: 16 * 1024,
            port: None,
            options: &[],
        },
    )
    .unwrap();
}

// ---- against the specification's tables ----

proptest! {
    #![proptest_config(config("proptest-regressions/micropython_heap_split.txt"))]

    #[test]
    fn the_area_split_is_the_spec_formula(pi in 0usize..5, bytes in 1u64..(1 << 20), offset in 0u64..32, finaliser in any::<bool>(), weakref in any::<bool>()) {
        let p = MICROPYTHON[pi];
        let base = 0x0010_0000 + offset;
        let opts = [int("base", base as i128), int("finaliser", finaliser as i128), int("weakref", weakref as i128)];
        let mut mem = vec![0u8; bytes as usize];
        let cfg = Config::new(p, None).unwrap();
        let bpb = cfg.bytes_per_block() as u64;
        let t = memspec::micropython::heap::gc_init_area_bytes(base, base + bytes, bpb);
        let expected = t.and_then(|t| area_split(t, bpb, SideTables { finaliser, weakref })).filter(|s| s.blocks > 0);
        match (start(&mut mem, p, bytes, None, &opts), expected) {
            (Ok(mp), Some(s)) => {
                let a = *mp.heap().unwrap().area();
                prop_assert_eq!(
                    (a.atb_bytes as u64, a.ftb_bytes as u64, a.wtb_bytes as u64, a.blocks as u64, a.pool_bytes() as u64, a.pool_start.0 - base),
                    (s.atb_bytes, s.ftb_bytes, s.wtb_bytes, s.blocks, s.pool_bytes, s.pool_offset),
                    "{} {} bytes at {:#x}", p.name(), bytes, base
                );
            }
            (Err(e), None) => prop_assert_eq!(e.kind, ErrorKind::ArenaTooSmall),
            (got, want) => prop_assert!(false, "{}: model {:?}, spec {:?}", p.name(), got.map(|m| *m.heap().unwrap().area()), want),
        }
    }
}

#[test]
fn with_a_weakref_table_the_tables_can_reach_into_the_pool() {
    // T - 1 = A * (2 + 4 * 16) with odd A: A = 1, T = 67. The spec's law says the tables overlap the
    // pool by one byte; gc_setup_area only asserts, and the model keeps the overlap as the engine does.
    let mut mem = vec![0u8; 67];
    let base = 0x0010_0040 - 67;
    let opts = [int("base", base), int("weakref", 1)];
    let mp = start(&mut mem, ProfileId::MicropythonA32, 67, None, &opts).unwrap();
    let a = *mp.heap().unwrap().area();
    assert_eq!((a.atb_bytes, a.blocks, a.table_bytes()), (1, 4, 4));
    assert_eq!(
        a.pool_start.0 - a.start.0,
        3,
        "the pool starts at byte 3, the WTB ends at byte 4"
    );
    let tables = SideTables {
        finaliser: true,
        weakref: true,
    };
    assert!(mp_laws::side_tables_clear_of_pool(67, 16, tables).is_err());
}

#[test]
fn the_facts_of_each_profile_are_the_models_constants() {
    use memspec_impl::micropython::{area, info, layout, objects, qstr};
    let mut compared = 0;
    for p in MICROPYTHON {
        let profile = p
            .profile()
            .unwrap_or_else(|| panic!("{} has spec tables", p.name()));
        let cfg = Config::new(p, None).unwrap();
        let codec = memspec_impl::micropython::Codec::new(cfg.repr, cfg.uint_bytes);
        let (min, max) = codec.small_int_range();
        let model = |name: &str| -> Option<i64> {
            Some(match name {
                "MP_BYTES_PER_OBJ_WORD" => cfg.uint_bytes.get() as i64,
                "MICROPY_BYTES_PER_GC_BLOCK" => cfg.bytes_per_block() as i64,
                "sizeof(mp_obj_t)" => cfg.obj_bytes.get() as i64,
                "sizeof(void *)" => cfg.ptr_bytes.get() as i64,
                "MP_SMALL_INT_BITS" => (max as i128 - min as i128 + 1).ilog2() as i64,
                "qstr index bits" => (codec.qstr_max() as u128 + 1).ilog2() as i64,
                "MPZ_DIG_SIZE" => cfg.mpz_digit_bits as i64,
                "BLOCKS_PER_ATB" => area::BLOCKS_PER_ATB as i64,
                "AT_FREE" => Kind::Free as i64,
                "AT_HEAD" => Kind::Head as i64,
                "AT_TAIL" => Kind::Tail as i64,
                "AT_MARK" => Kind::Mark as i64,
                "ALLOC_TABLE_GAP_BYTE" => area::ALLOC_TABLE_GAP_BYTES as i64,
                "BLOCKS_PER_FTB" => area::BLOCKS_PER_FTB as i64,
                "WTB bits per block" => i64::from(cfg.weakref),
                "MICROPY_ALLOC_GC_STACK_SIZE" => cfg.gc_stack_entries as i64,
                "MICROPY_QSTR_BYTES_IN_HASH" => cfg.qstr_hash_bytes as i64,
                "MICROPY_QSTR_BYTES_IN_LEN" => ((qstr::QSTR_MAX_BYTES + 1).ilog2() / 8) as i64,
                "LIST_MIN_ALLOC" => objects::LIST_MIN_ALLOC_ITEMS as i64,
                "heap-map blocks per line" => info::BLOCKS_PER_LINE as i64,
                "MICROPY_PY_GC_COLLECT_RETVAL" => i64::from(cfg.collect_retval),
                "MICROPY_GC_SPLIT_HEAP_AUTO" => i64::from(cfg.max_new_split.is_some()),
                "max new split" => match cfg.max_new_split? {
                    MaxNewSplit::Fixed(n) => n as i64,
                    MaxNewSplit::LargestFree => return None,
                },
                "MICROPY_OBJ_IMMEDIATE_OBJS" => i64::from(codec.immediate(0).is_some()),
                "sizeof(mp_obj_float_t)" => layout::float(&cfg)?.size as i64,
                "alignof(mp_obj_t) in a struct" => cfg.obj_align() as i64,
                "pool bytes at heapsize 1048576" => {
                    area::Area::setup(&cfg, 1 << 20).ok()?.pool_bytes() as i64
                }
                _ => return None,
            })
        };
        for f in profile.facts {
            if let Some(v) = model(f.name) {
                compared += 1;
                assert_eq!(
                    v,
                    f.value,
                    "{} {}: model {v}, spec {} ({})",
                    p.name(),
                    f.name,
                    f.value,
                    f.source
                );
            }
        }
    }
    assert!(compared > 60, "only {compared} facts compared");
}

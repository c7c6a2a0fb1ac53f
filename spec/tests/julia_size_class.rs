//! Size classes, big objects and the size table of `julia64`: the specification (Julia v1.11.0
//! `src/julia_internal.h` `jl_gc_sizeclasses`, `jl_gc_szclass`, `jl_gc_szclass_align8`, `GC_MAX_SZCLASS`;
//! `src/gc.h` `GC_PAGE_SZ`, `GC_PAGE_OFFSET`, `bigval_t`; `src/gc.c` `jl_gc_big_alloc_inner`) against
//! the reference implementation's allocations.

mod support;

use std::fmt::Write;

use memspec::julia::size_class::{
    GC_MAX_SZCLASS_BYTES, GC_PAGE_OFFSET_BYTES, GC_PAGE_SZ_BYTES, SIZE_CLASSES_BYTES, big_object_bytes,
    cell_is_smallest_class, pool_cell_bytes, string_cell_bytes,
};
use memspec::julia::sizes::SIZES;
use memspec::subject::{ObjectSpec, Subject, stat};
use memspec_impl::julia::Julia;
use memspec_impl::julia::size_class as imp;
use support::{int, params, stat_of};

#[test]
fn the_implementation_has_the_size_classes_of_v1_11_0() {
    let imp: Vec<u64> = imp::SIZE_CLASSES.iter().map(|&c| c as u64).collect();
    assert_eq!(imp, SIZE_CLASSES_BYTES);
    assert_eq!(imp::GC_MAX_SZCLASS_BYTES, GC_MAX_SZCLASS_BYTES);
    assert_eq!(imp::GC_PAGE_BYTES, GC_PAGE_SZ_BYTES);
    assert_eq!(imp::GC_PAGE_OFFSET_BYTES, GC_PAGE_OFFSET_BYTES);
}

/// `jl_gc_alloc` of every payload from 0 to `GC_MAX_SZCLASS` takes the smallest size class that is a
/// multiple of 16 and holds payload + 8 (8 for an empty payload); payloads are 16-aligned but the empty
/// one (JL-35, JL-36).
#[test]
fn every_payload_takes_the_smallest_16_multiple_class() {
    let mut arena = vec![0u8; 4 << 20];
    let mut j = Julia::new(&mut arena);
    for payload in 0..=GC_MAX_SZCLASS_BYTES {
        let a = j
            .alloc(&ObjectSpec {
                kind: "raw",
                params: &[int("bytes", payload as i128)],
            })
            .unwrap();
        cell_is_smallest_class(payload, a.bytes).unwrap();
        let align = if payload == 0 { 8 } else { 16 };
        assert_eq!(
            a.word % align,
            0,
            "payload {payload} at {:#x}: not {align}-aligned",
            a.word
        );
        if payload > 0 {
            assert_ne!(
                a.bytes % 16,
                8,
                "payload {payload} took the 8-byte-step class {}",
                a.bytes
            );
        }
    }
}

/// One byte past `GC_MAX_SZCLASS` is a big object: `LLT_ALIGN(payload + 8 + 56, 64)` bytes behind a
/// 64-byte `bigval_t`, the payload 64-aligned.
#[test]
fn payloads_above_2024_bytes_are_64_aligned_big_objects() {
    let mut arena = vec![0u8; 4 << 20];
    let mut j = Julia::new(&mut arena);
    for payload in [2025u64, 2026, 2040, 2047, 2048, 4032, 4033, 16320, 16321, 40000] {
        assert_eq!(pool_cell_bytes(payload), None);
        let a = j
            .alloc(&ObjectSpec {
                kind: "raw",
                params: &[int("bytes", payload as i128)],
            })
            .unwrap();
        assert_eq!(Some(a.bytes), big_object_bytes(payload), "payload {payload}");
        assert_eq!(a.word % 64, 0, "payload {payload} at {:#x}", a.word);
        assert_eq!(
            j.read_word(a.id, -6).unwrap(),
            a.bytes,
            "bigval_t.sz of payload {payload}"
        );
    }
    assert_eq!(big_object_bytes(2025), Some(2112));
}

/// `jl_alloc_string(n)` takes `8 + n + 1` bytes of payload and sizes them with
/// `jl_gc_szclass_align8`: 8-byte steps up to 152 bytes with the header, 16-byte steps beyond.
#[test]
fn strings_take_the_8_byte_step_classes_up_to_152_bytes() {
    let mut arena = vec![0u8; 4 << 20];
    let mut j = Julia::new(&mut arena);
    for n in 1..=2100u64 {
        let a = j
            .alloc(&ObjectSpec {
                kind: "string",
                params: &[int("len", n as i128)],
            })
            .unwrap();
        let payload = 8 + n + 1;
        let expected = string_cell_bytes(payload)
            .or_else(|| big_object_bytes(payload))
            .unwrap();
        assert_eq!(a.bytes, expected, "string of {n} bytes (payload {payload})");
    }
    assert_eq!(string_cell_bytes(8 + 3 + 1), Some(24));
    assert_eq!(string_cell_bytes(8 + 135 + 1), Some(152 + 8));
}

#[test]
fn size_classes_golden() {
    let mut out = String::new();
    // The "bytes lost" column repeats the comments beside jl_gc_sizeclasses for classes 272 .. 2032.
    writeln!(out, "class  cell  cells/page  bytes lost  payloads").unwrap();
    let mut lo = 0;
    for (i, &c) in SIZE_CLASSES_BYTES.iter().enumerate() {
        let per_page = (GC_PAGE_SZ_BYTES - GC_PAGE_OFFSET_BYTES) / c;
        let lost = GC_PAGE_SZ_BYTES - per_page * c;
        let hi = (lo..=GC_MAX_SZCLASS_BYTES)
            .take_while(|&p| pool_cell_bytes(p) == Some(c))
            .last();
        let payloads = match hi {
            Some(hi) => format!("{lo}..={hi}"),
            None => "strings only".to_string(),
        };
        writeln!(out, "{i:>5}  {c:>4}  {per_page:>10}  {lost:>10}  {payloads}").unwrap();
        if let Some(hi) = hi {
            lo = hi + 1;
        }
    }
    writeln!(out, "big objects: payload > {GC_MAX_SZCLASS_BYTES}").unwrap();
    insta::assert_snapshot!("julia64_size_classes", out);
}

/// Every entry of the size table is what the implementation takes, in bytes and in allocations.
#[test]
fn the_implementation_takes_the_bytes_of_the_size_table() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    for e in &SIZES {
        let params = params(e.args);
        let before = stat_of(&mut j, stat::ALLOCATIONS);
        let used = stat_of(&mut j, stat::USED);
        let a = j
            .alloc(&ObjectSpec {
                kind: e.kind,
                params: &params,
            })
            .unwrap();
        assert_eq!(a.bytes, e.bytes, "{} {}: {}", e.kind, e.args, e.formula);
        assert_eq!(
            stat_of(&mut j, stat::USED) - used,
            e.bytes,
            "{} {}: heap.used",
            e.kind,
            e.args
        );
        let allocations = stat_of(&mut j, stat::ALLOCATIONS) - before;
        assert_eq!(
            allocations, e.allocations as u64,
            "{} {}: allocations",
            e.kind, e.args
        );
    }
}

/// The single-allocation entries of the size table agree with the size-class functions.
#[test]
fn the_size_table_agrees_with_the_size_classes() {
    let payload = |kind: &str, args: &str| -> Option<u64> {
        let n = |k: &str| {
            args.split_whitespace()
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse::<u64>().ok())
        };
        match kind {
            "int64" | "uint16" | "float64" => Some(8),
            "svec" => Some(8 + 8 * n("len")?),
            "tuple" => Some(8 * n("len")?),
            "struct" => Some(8 * n("fields")?),
            "raw" => n("bytes"),
            _ => None,
        }
    };
    for e in SIZES.iter().filter(|e| e.allocations == 1) {
        if let Some(p) = payload(e.kind, e.args) {
            let expected = pool_cell_bytes(p).or_else(|| big_object_bytes(p));
            assert_eq!(Some(e.bytes), expected, "{} {}", e.kind, e.args);
        }
    }
}

#[test]
fn size_table_golden() {
    let mut out = String::new();
    for e in &SIZES {
        writeln!(
            out,
            "{:<9} {:<20} {:>5} bytes {} alloc  {}  [{}]",
            e.kind, e.args, e.bytes, e.allocations, e.formula, e.source
        )
        .unwrap();
    }
    insta::assert_snapshot!("julia64_size_table", out);
}

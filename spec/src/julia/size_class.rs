//! Pool pages, size classes and big objects (`src/julia_internal.h`, `src/gc.h`, `src/gc.c`, v1.11.0,
//! 64-bit, 16 KiB pages: `GC_SMALL_PAGE` unset).
//!
//! `jl_gc_alloc(ptls, sz, ty)` takes `sz + 8` bytes (the payload and the header word). Up to
//! [`GC_MAX_SZCLASS_BYTES`] of payload the cell comes from a pool page of one size class; beyond it
//! the object is a big object with a 64-byte pre-header.

use super::header::HEADER_BYTES;
use crate::law::{LawResult, Violation};

/// `JL_SMALL_BYTE_ALIGNMENT` (`src/julia_internal.h`): alignment of every payload but zero-size ones.
pub const JL_SMALL_BYTE_ALIGNMENT_BYTES: u64 = 16;

/// `JL_HEAP_ALIGNMENT = JL_SMALL_BYTE_ALIGNMENT`: the largest alignment the GC provides.
pub const JL_HEAP_ALIGNMENT_BYTES: u64 = JL_SMALL_BYTE_ALIGNMENT_BYTES;

/// `JL_CACHE_BYTE_ALIGNMENT` (`src/julia_atomics.h`) on x86-64: big objects and managed `malloc`s.
pub const JL_CACHE_BYTE_ALIGNMENT_BYTES: u64 = 64;

/// `GC_PAGE_LG2` (`src/gc.h`, without `GC_SMALL_PAGE`).
pub const GC_PAGE_LG2: u32 = 14;

/// `GC_PAGE_SZ = 1 << GC_PAGE_LG2`: bytes of a pool page.
pub const GC_PAGE_SZ_BYTES: u64 = 1 << GC_PAGE_LG2;

/// `GC_PAGE_OFFSET = JL_HEAP_ALIGNMENT - sizeof(jl_taggedvalue_t) % JL_HEAP_ALIGNMENT`: where the
/// first cell of a page starts; the word before it holds the page's metadata pointer.
pub const GC_PAGE_OFFSET_BYTES: u64 = JL_HEAP_ALIGNMENT_BYTES - HEADER_BYTES % JL_HEAP_ALIGNMENT_BYTES;

/// `GC_MAX_SZCLASS = 2032 - sizeof(void*)`: the largest payload a pool cell holds.
pub const GC_MAX_SZCLASS_BYTES: u64 = 2032 - 8;

/// `jl_gc_sizeclasses` for 64-bit and 16 KiB pages: cell bytes, header included.
pub const SIZE_CLASSES_BYTES: [u64; 49] = [
    8, // header only
    16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, // 8-byte steps
    144, 160, 176, 192, 208, 224, 240, 256, // 16-byte steps
    272, 288, 304, 336, 368, 400, 448, 496, // 60..33 cells per page
    544, 576, 624, 672, 736, 816, 896, 1008, // 30..16 cells per page
    1088, 1168, 1248, 1360, 1488, 1632, 1808, 2032, // 15..8 cells per page
];

/// `JL_GC_N_POOLS`: one pool per size class.
pub const JL_GC_N_POOLS: u64 = SIZE_CLASSES_BYTES.len() as u64;

/// `sizeof(bigval_t)` on 64-bit: `next`, `prev`, `sz`, four padding words, then the header word, so
/// the payload of a big object is 64-aligned.
pub const BIGVAL_BYTES: u64 = 8 * 8;

/// The cell `jl_gc_szclass(allocsz)` picks for a pool object of `payload` bytes (`allocsz = payload +
/// 8`): 8 bytes for an empty payload, else the smallest class that is a multiple of 16 and holds
/// `allocsz` (the table is indexed by `(allocsz + 15) / 16`, so the 8-byte-step classes 24, 40, ...,
/// 136 are never chosen). `None` above [`GC_MAX_SZCLASS_BYTES`].
pub fn pool_cell_bytes(payload: u64) -> Option<u64> {
    let allocsz = payload.checked_add(HEADER_BYTES)?;
    if payload > GC_MAX_SZCLASS_BYTES {
        return None;
    }
    if allocsz <= HEADER_BYTES {
        return Some(SIZE_CLASSES_BYTES[0]);
    }
    SIZE_CLASSES_BYTES
        .iter()
        .copied()
        .find(|&c| c % JL_SMALL_BYTE_ALIGNMENT_BYTES == 0 && c >= allocsz)
}

/// The cell `jl_gc_szclass_align8(allocsz)` picks for a String payload: for `16 <= allocsz <= 152`
/// the smallest class of all (8-byte steps included), else [`pool_cell_bytes`].
pub fn string_cell_bytes(payload: u64) -> Option<u64> {
    let allocsz = payload.checked_add(HEADER_BYTES)?;
    if (16..=152).contains(&allocsz) {
        return SIZE_CLASSES_BYTES.iter().copied().find(|&c| c >= allocsz);
    }
    pool_cell_bytes(payload)
}

/// Bytes `jl_gc_big_alloc` takes for a payload above [`GC_MAX_SZCLASS_BYTES`]:
/// `LLT_ALIGN(payload + 8 + offsetof(bigval_t, header), JL_CACHE_BYTE_ALIGNMENT)`.
pub fn big_object_bytes(payload: u64) -> Option<u64> {
    let offs = BIGVAL_BYTES - HEADER_BYTES;
    let raw = payload.checked_add(HEADER_BYTES)?.checked_add(offs)?;
    raw.checked_next_multiple_of(JL_CACHE_BYTE_ALIGNMENT_BYTES)
}

/// Heap bytes of any object with `payload` bytes: its pool cell, or its big allocation.
pub fn object_bytes(payload: u64) -> Option<u64> {
    pool_cell_bytes(payload).or_else(|| big_object_bytes(payload))
}

/// A pool object of `payload` bytes took `cell` bytes: the smallest 16-multiple class that holds the
/// payload and its header (8 for an empty payload).
pub fn cell_is_smallest_class(payload: u64, cell: u64) -> LawResult {
    let expected = pool_cell_bytes(payload);
    if expected == Some(cell) {
        return Ok(());
    }
    match expected {
        Some(e) => Err(Violation::new(
            "cell-is-smallest-class",
            format_args!(
                "payload {payload} + header 8 = {} bytes took a {cell}-byte cell, expected {e} \
                 (smallest class >= {} that is a multiple of 16)",
                payload + HEADER_BYTES,
                payload + HEADER_BYTES
            ),
        )),
        None => Err(Violation::new(
            "cell-is-smallest-class",
            format_args!(
                "payload {payload} is above GC_MAX_SZCLASS {GC_MAX_SZCLASS_BYTES}: a big object of {} \
                 bytes, not a {cell}-byte pool cell",
                big_object_bytes(payload).unwrap_or(u64::MAX)
            ),
        )),
    }
}

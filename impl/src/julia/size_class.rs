//! Pool pages and size classes (`src/julia_internal.h`, `src/gc.h`, Julia v1.11.0, 64-bit, 16 KiB
//! pages), and the sizes of big objects (`src/gc.c`).

use super::header::HEADER_BYTES;

/// `GC_PAGE_LG2` without `GC_SMALL_PAGE`.
pub const GC_PAGE_LG2: u32 = 14;
/// `GC_PAGE_SZ`: bytes of a page.
pub const GC_PAGE_BYTES: u64 = 1 << GC_PAGE_LG2;
/// `JL_HEAP_ALIGNMENT` (= `JL_SMALL_BYTE_ALIGNMENT`): payload alignment in bytes.
pub const HEAP_ALIGNMENT_BYTES: u64 = 16;
/// `GC_PAGE_OFFSET`: bytes before a page's first cell (they hold the metadata pointer).
pub const GC_PAGE_OFFSET_BYTES: u64 = HEAP_ALIGNMENT_BYTES - HEADER_BYTES % HEAP_ALIGNMENT_BYTES;
/// `GC_MAX_SZCLASS`: the largest pool payload in bytes.
pub const GC_MAX_SZCLASS_BYTES: u64 = 2032 - HEADER_BYTES;
/// `JL_CACHE_BYTE_ALIGNMENT` on x86-64: big objects and managed mallocs are rounded to it.
pub const CACHE_ALIGNMENT_BYTES: u64 = 64;
/// `sizeof(bigval_t)`: 4 fields and 4 padding words before, and including, the header word.
pub const BIGVAL_BYTES: u64 = 8 * HEADER_BYTES;
/// `offsetof(bigval_t, header)`.
pub const BIGVAL_HEADER_OFFSET_BYTES: u64 = BIGVAL_BYTES - HEADER_BYTES;

/// `jl_gc_sizeclasses` (64-bit, 16 KiB pages): cell bytes, header included.
pub const SIZE_CLASSES: [u16; 49] = [
    8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 160, 176, 192, 208, 224,
    240, 256, 272, 288, 304, 336, 368, 400, 448, 496, 544, 576, 624, 672, 736, 816, 896, 1008, 1088, 1168,
    1248, 1360, 1488, 1632, 1808, 2032,
];

/// Number of pools (`JL_GC_N_POOLS`).
pub const N_POOLS: usize = SIZE_CLASSES.len();

/// `szclass_table`: entry `i` is the index of the first class of at least `16 i` bytes, built as the
/// comment above the table in `src/julia_internal.h` says
/// (`searchsortedfirst(jl_gc_sizeclasses, i) - 1 for i = 0:16:2032`, read with 0-based indices).
const SZCLASS_TABLE: [u8; 128] = szclass_table();

const fn szclass_table() -> [u8; 128] {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let want = (i * 16) as u16;
        let mut k = 0;
        while SIZE_CLASSES[k] < want {
            k += 1;
        }
        table[i] = k as u8;
        i += 1;
    }
    table
}

/// A pool: an index into [`SIZE_CLASSES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolIndex(pub u8);

impl PoolIndex {
    /// The pool's cell size in bytes.
    pub const fn cell_bytes(self) -> u64 {
        SIZE_CLASSES[self.0 as usize] as u64
    }
}

/// `jl_gc_szclass(allocsz)` for `allocsz <= 2032` (payload and header); `None` above.
pub const fn szclass(allocsz: u64) -> Option<PoolIndex> {
    if allocsz > GC_MAX_SZCLASS_BYTES + HEADER_BYTES {
        return None;
    }
    if allocsz <= 8 {
        return Some(PoolIndex(0));
    }
    Some(PoolIndex(SZCLASS_TABLE[allocsz.div_ceil(16) as usize]))
}

/// `jl_gc_szclass_align8(allocsz)`, the class of a String: 8-byte steps for `16 <= allocsz <= 152`.
pub const fn szclass_align8(allocsz: u64) -> Option<PoolIndex> {
    if allocsz >= 16 && allocsz <= 152 {
        return Some(PoolIndex((allocsz.div_ceil(8) - 1) as u8));
    }
    szclass(allocsz)
}

/// Bytes `jl_gc_big_alloc` takes for `allocsz` bytes (payload and header):
/// `LLT_ALIGN(allocsz + offsetof(bigval_t, header), JL_CACHE_BYTE_ALIGNMENT)`.
pub const fn big_alloc_bytes(allocsz: u64) -> Option<u64> {
    match allocsz.checked_add(BIGVAL_HEADER_OFFSET_BYTES) {
        Some(raw) => raw.checked_next_multiple_of(CACHE_ALIGNMENT_BYTES),
        None => None,
    }
}

/// Bytes `jl_gc_managed_malloc(sz)` takes: `LLT_ALIGN(sz, JL_CACHE_BYTE_ALIGNMENT)`.
pub const fn managed_malloc_bytes(sz: u64) -> Option<u64> {
    sz.checked_next_multiple_of(CACHE_ALIGNMENT_BYTES)
}

/// Cells of `cell_bytes` on one page: `(GC_PAGE_SZ - GC_PAGE_OFFSET) / osize` (`gc_reset_page`).
pub const fn cells_per_page(cell_bytes: u64) -> u64 {
    (GC_PAGE_BYTES - GC_PAGE_OFFSET_BYTES) / cell_bytes
}

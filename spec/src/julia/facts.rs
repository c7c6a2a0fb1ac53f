//! The layout facts of `julia64` (Julia v1.11.0, x86-64), each with its unit and source.

use super::boxes::{BOX_PAYLOAD_BYTES, NBOX_C, permbox_payload_bytes};
use super::header::{GC_CLEAN, GC_IN_IMAGE, GC_MARKED, GC_OLD, GC_OLD_MARKED, HEADER_BYTES};
use super::size_class::{
    BIGVAL_BYTES, GC_MAX_SZCLASS_BYTES, GC_PAGE_LG2, GC_PAGE_OFFSET_BYTES, GC_PAGE_SZ_BYTES,
    JL_CACHE_BYTE_ALIGNMENT_BYTES, JL_GC_N_POOLS, JL_HEAP_ALIGNMENT_BYTES, JL_SMALL_BYTE_ALIGNMENT_BYTES,
    SIZE_CLASSES_BYTES,
};
use super::small_tag::{JL_BITSTAGS_FIRST, JL_MAX_TAGS, JL_SMALL_TYPEOF_ENTRIES, JL_TAGS_COUNT};
use super::src;
use crate::evidence::Evidence;
use crate::fact::{Fact, Unit};

const fn fact(name: &'static str, value: u64, unit: Unit, meaning: &'static str, source: Evidence) -> Fact {
    Fact {
        name,
        value: value as i64,
        unit,
        meaning,
        source,
    }
}

/// Bytes of `jl_genericmemory_t`'s fixed part, `{length, ptr}`; inline data starts at
/// `JL_SMALL_BYTE_ALIGNMENT` after the object's start.
pub const GENERICMEMORY_BYTES: u64 = 2 * 8;

/// Bytes of a one-dimensional `jl_array_t`: `ref = {ptr_or_offset, mem}` and one `dimsize`.
pub const VECTOR_BYTES: u64 = 3 * 8;

/// `GC_PERM_POOL_LIMIT` (`src/gc.c`): permanent allocations above this many bytes bypass the pool.
pub const GC_PERM_POOL_LIMIT_BYTES: u64 = 20 * 1024;

/// The facts of `julia64`.
pub static FACTS: [Fact; 30] = [
    fact(
        "sizeof(jl_taggedvalue_t)",
        HEADER_BYTES,
        Unit::Bytes,
        "the header word before every object's data",
        src("src/julia.h", "struct _jl_taggedvalue_t"),
    ),
    fact(
        "GC_CLEAN",
        GC_CLEAN,
        Unit::Number,
        "gc bits of a freshly allocated object",
        src("src/julia_internal.h", "GC_CLEAN"),
    ),
    fact(
        "GC_MARKED",
        GC_MARKED,
        Unit::Number,
        "gc bits: reachable and young (or old and remembered)",
        src("src/julia_internal.h", "GC_MARKED"),
    ),
    fact(
        "GC_OLD",
        GC_OLD,
        Unit::Number,
        "gc bits: old, not marked since the last full sweep",
        src("src/julia_internal.h", "GC_OLD"),
    ),
    fact(
        "GC_OLD_MARKED",
        GC_OLD_MARKED,
        Unit::Number,
        "gc bits: reachable and old; also the bits of every permanent object",
        src("src/julia_internal.h", "GC_OLD_MARKED"),
    ),
    fact(
        "GC_IN_IMAGE",
        GC_IN_IMAGE,
        Unit::Number,
        "header bit of objects in a system or package image",
        src("src/julia_internal.h", "GC_IN_IMAGE"),
    ),
    fact(
        "jl_max_tags",
        JL_MAX_TAGS,
        Unit::Count,
        "header values below jl_max_tags << 4 = 1024 are small type tags",
        src("src/julia.h", "enum jl_small_typeof_tags"),
    ),
    fact(
        "jl_tags_count",
        JL_TAGS_COUNT,
        Unit::Count,
        "one past the last small type tag assigned in v1.11.0",
        src("src/julia.h", "enum jl_small_typeof_tags"),
    ),
    fact(
        "jl_bitstags_first",
        JL_BITSTAGS_FIRST,
        Unit::Number,
        "the first small tag of a bits type: Char",
        src("src/julia.h", "enum jl_small_typeof_tags"),
    ),
    fact(
        "jl_small_typeof",
        JL_SMALL_TYPEOF_ENTRIES,
        Unit::Entries,
        "entries of the small-tag type table, indexed by (tag << 4) / 8",
        src("src/julia.h", "jl_small_typeof"),
    ),
    fact(
        "JL_SMALL_BYTE_ALIGNMENT",
        JL_SMALL_BYTE_ALIGNMENT_BYTES,
        Unit::Bytes,
        "alignment of every payload that is not empty (jl_gc_alignment)",
        src("src/julia_internal.h", "JL_SMALL_BYTE_ALIGNMENT"),
    ),
    fact(
        "JL_HEAP_ALIGNMENT",
        JL_HEAP_ALIGNMENT_BYTES,
        Unit::Bytes,
        "the largest alignment the GC provides",
        src("src/julia_internal.h", "JL_HEAP_ALIGNMENT"),
    ),
    fact(
        "JL_CACHE_BYTE_ALIGNMENT",
        JL_CACHE_BYTE_ALIGNMENT_BYTES,
        Unit::Bytes,
        "alignment and rounding of big objects and managed mallocs on x86-64",
        src("src/julia_atomics.h", "JL_CACHE_BYTE_ALIGNMENT"),
    ),
    fact(
        "GC_PAGE_LG2",
        GC_PAGE_LG2 as u64,
        Unit::Bits,
        "log2 of the pool page size (GC_SMALL_PAGE unset)",
        src("src/gc.h", "GC_PAGE_LG2"),
    ),
    fact(
        "GC_PAGE_SZ",
        GC_PAGE_SZ_BYTES,
        Unit::Bytes,
        "bytes of a pool page",
        src("src/gc.h", "GC_PAGE_SZ"),
    ),
    fact(
        "GC_PAGE_OFFSET",
        GC_PAGE_OFFSET_BYTES,
        Unit::Bytes,
        "offset of a page's first cell; the page's metadata pointer is the word before it",
        src("src/gc.h", "GC_PAGE_OFFSET"),
    ),
    fact(
        "GC_MAX_SZCLASS",
        GC_MAX_SZCLASS_BYTES,
        Unit::Bytes,
        "the largest payload of a pool object; larger objects are big objects",
        src("src/julia_internal.h", "GC_MAX_SZCLASS"),
    ),
    fact(
        "JL_GC_N_POOLS",
        JL_GC_N_POOLS,
        Unit::Count,
        "size classes (pools) on 64-bit with 16 KiB pages",
        src("src/julia_internal.h", "JL_GC_N_POOLS"),
    ),
    fact(
        "jl_gc_sizeclasses[0]",
        SIZE_CLASSES_BYTES[0],
        Unit::Bytes,
        "the smallest cell: a header and no payload",
        src("src/julia_internal.h", "jl_gc_sizeclasses"),
    ),
    fact(
        "jl_gc_sizeclasses[48]",
        SIZE_CLASSES_BYTES[48],
        Unit::Bytes,
        "the largest cell: GC_MAX_SZCLASS + header",
        src("src/julia_internal.h", "jl_gc_sizeclasses"),
    ),
    fact(
        "sizeof(bigval_t)",
        BIGVAL_BYTES,
        Unit::Bytes,
        "pre-header of a big object: next, prev, sz, 4 padding words, header word",
        src("src/gc.h", "bigval_t"),
    ),
    fact(
        "DEFAULT_BLOCK_PG_ALLOC",
        4096,
        Unit::Entries,
        "pool pages mapped at once (64 MiB)",
        src("src/gc-pages.c", "DEFAULT_BLOCK_PG_ALLOC"),
    ),
    fact(
        "NBOX_C",
        NBOX_C as u64,
        Unit::Entries,
        "entries of each integer box cache (Int64 -512..=511, UInt16 0..=1023)",
        src("src/datatype.c", "NBOX_C"),
    ),
    fact(
        "box payload",
        BOX_PAYLOAD_BYTES,
        Unit::Bytes,
        "payload of a fresh integer or Float64 box: LLT_ALIGN(sizeof(x), sizeof(void*))",
        src("src/datatype.c", "BOX_FUNC, SIBOX_FUNC, UIBOX_FUNC"),
    ),
    fact(
        "jl_permbox64 payload",
        permbox_payload_bytes(64),
        Unit::Bytes,
        "payload of a permanent Int64 box: LLT_ALIGN(64, sizeof(void*)) aligns the bit count",
        src("src/datatype.c", "PERMBOXN_FUNC"),
    ),
    fact(
        "jl_gc_permobj(0, T)",
        HEADER_BYTES,
        Unit::Bytes,
        "a singleton instance: one header word, 8-aligned, permanent",
        src("src/julia_internal.h", "jl_gc_permobj"),
    ),
    fact(
        "GC_PERM_POOL_LIMIT",
        GC_PERM_POOL_LIMIT_BYTES,
        Unit::Bytes,
        "permanent allocations up to this size come from the permanent pool",
        src("src/gc.c", "GC_PERM_POOL_LIMIT"),
    ),
    fact(
        "sizeof(jl_genericmemory_t)",
        GENERICMEMORY_BYTES,
        Unit::Bytes,
        "Memory{T} fixed part {length, ptr}; inline data follows at +16",
        src("src/julia.h", "jl_genericmemory_t"),
    ),
    fact(
        "sizeof(jl_array_t) + 1 dim",
        VECTOR_BYTES,
        Unit::Bytes,
        "Vector payload: ref {ptr_or_offset, mem} and one dimsize",
        src("src/array.c", "_new_array"),
    ),
    fact(
        "collections survived before promotion",
        1,
        Unit::Count,
        "the sweep turns GC_MARKED into GC_OLD: one survived collection promotes (a comment in gc.c \
         still names PROMOTE_AGE, which v1.11.0 does not define)",
        src("src/gc.c", "gc_sweep_page"),
    ),
];

//! Heap bytes of each object kind of `julia64` (Julia v1.11.0, x86-64).
//!
//! Bytes are what the constructor takes from the collected heap: pool cells (header included), big
//! objects with their pre-header, and managed `malloc`s. Permanent objects (cached boxes, singletons,
//! empty instances) already exist, so constructing them takes nothing.
//!
//! Kinds and arguments as cases write them: `int64 value=`, `uint16 value=`, `float64 value=`,
//! `bool value=`, `string text=` (or `len=`), `svec len=`, `tuple len=`, `memory len=` (`Memory{Any}`)
//! or `memory len= elsize=` (bits elements of `elsize` bytes), `vector len=` (`Vector{Any}`),
//! `struct fields= mutable=` (all fields `Any`), `singleton`, `raw bytes=` (`jl_gc_alloc_buf`).

use super::src;
use crate::evidence::Evidence;
use crate::profile::SizeEntry;

const fn size(
    kind: &'static str,
    args: &'static str,
    bytes: u64,
    allocations: u32,
    formula: &'static str,
    source: Evidence,
) -> SizeEntry {
    SizeEntry {
        kind,
        args,
        bytes,
        allocations,
        formula,
        source,
    }
}

const INT64: Evidence = src("src/datatype.c", "SIBOX_FUNC(int64, int64_t)");
const UINT16: Evidence = src("src/datatype.c", "UIBOX_FUNC(uint16, uint16_t)");
const STRING: Evidence = src("src/array.c", "jl_alloc_string");
const SVEC: Evidence = src("src/simplevector.c", "jl_alloc_svec_uninit");
const MEMORY: Evidence = src("src/genericmemory.c", "_new_genericmemory_");
const STRUCT: Evidence = src("src/datatype.c", "jl_new_struct_uninit");
const ALLOC: Evidence = src("src/julia_internal.h", "jl_gc_alloc_, jl_gc_szclass");

/// The size table of `julia64`.
pub static SIZES: [SizeEntry; 32] = [
    size(
        "int64",
        "value=0",
        0,
        0,
        "cached permanent box (-512 <= v <= 511)",
        INT64,
    ),
    size(
        "int64",
        "value=511",
        0,
        0,
        "cached permanent box (-512 <= v <= 511)",
        INT64,
    ),
    size(
        "int64",
        "value=512",
        16,
        1,
        "payload 8 + header 8 = 16 -> class 16",
        INT64,
    ),
    size(
        "int64",
        "value=-513",
        16,
        1,
        "payload 8 + header 8 = 16 -> class 16",
        INT64,
    ),
    size(
        "uint16",
        "value=1023",
        0,
        0,
        "cached permanent box (0 <= v <= 1023)",
        UINT16,
    ),
    size(
        "uint16",
        "value=1024",
        16,
        1,
        "payload LLT_ALIGN(2, 8) = 8 + header 8 = 16 -> class 16",
        UINT16,
    ),
    size(
        "float64",
        "value=1.5",
        16,
        1,
        "payload 8 + header 8 = 16 -> class 16; Float64 has no cache",
        src("src/datatype.c", "BOX_FUNC(float64, double, jl_box)"),
    ),
    size(
        "bool",
        "value=true",
        0,
        0,
        "jl_true, a permanent box",
        src("src/datatype.c", "jl_box_bool"),
    ),
    size(
        "string",
        "text=\"\"",
        0,
        0,
        "jl_an_empty_string, one shared object",
        STRING,
    ),
    size(
        "string",
        "text=\"abc\"",
        24,
        1,
        "length 8 + 3 bytes + NUL 1 = 12; + header 8 = 20 -> align8 class 24",
        STRING,
    ),
    size(
        "string",
        "text=\"abcdefgh\"",
        32,
        1,
        "8 + 8 + 1 = 17; + 8 = 25 -> align8 class 32",
        STRING,
    ),
    size(
        "string",
        "len=200",
        224,
        1,
        "8 + 200 + 1 = 209; + 8 = 217 > 152 -> jl_gc_szclass 224",
        STRING,
    ),
    size(
        "string",
        "len=2016",
        2112,
        1,
        "8 + 2016 + 1 = 2025 > 2024: big, LLT_ALIGN(2025 + 8 + 56, 64) = 2112",
        STRING,
    ),
    size("svec", "len=0", 0, 0, "jl_emptysvec, a permanent object", SVEC),
    size(
        "svec",
        "len=1",
        32,
        1,
        "length 8 + 1 x 8 = 16; + 8 = 24 -> 32",
        SVEC,
    ),
    size(
        "svec",
        "len=3",
        48,
        1,
        "length 8 + 3 x 8 = 32; + 8 = 40 -> 48",
        SVEC,
    ),
    size(
        "tuple",
        "len=0",
        0,
        0,
        "jl_emptytuple, a permanent singleton",
        src("src/jltypes.c", "jl_emptytuple"),
    ),
    size(
        "tuple",
        "len=2",
        32,
        1,
        "2 fields x 8 = 16, no length word; + 8 = 24 -> 32",
        src("src/datatype.c", "jl_new_structv"),
    ),
    size(
        "memory",
        "len=0",
        0,
        0,
        "the type's permanent empty instance",
        MEMORY,
    ),
    size(
        "memory",
        "len=4",
        64,
        1,
        "{length, ptr} 16 + 4 x 8 = 48; + 8 = 56 -> 64",
        MEMORY,
    ),
    size(
        "memory",
        "len=251",
        2032,
        1,
        "16 + 251 x 8 = 2024 <= GC_MAX_SZCLASS: inline; + 8 -> 2032",
        MEMORY,
    ),
    size(
        "memory",
        "len=252",
        2080,
        2,
        "16 + 2016 = 2032 > 2024: {length, ptr, owner} 24 + 8 -> 32, data LLT_ALIGN(2016, 64) = 2048",
        MEMORY,
    ),
    size(
        "memory",
        "len=16 elsize=1",
        48,
        1,
        "16 + 16 x 1 = 32; + 8 = 40 -> 48",
        MEMORY,
    ),
    size(
        "vector",
        "len=0",
        32,
        1,
        "Array 24 + 8 -> 32; its Memory is the empty instance",
        src("src/array.c", "_new_array"),
    ),
    size(
        "vector",
        "len=4",
        96,
        2,
        "Memory 64 + Array 24 + 8 -> 32",
        src("src/array.c", "new_array"),
    ),
    size(
        "struct",
        "fields=0 mutable=1",
        8,
        1,
        "no payload: a header-only 8-byte cell",
        STRUCT,
    ),
    size(
        "struct",
        "fields=0 mutable=0",
        0,
        0,
        "a singleton: its permanent instance",
        src("src/datatype.c", "jl_is_datatype_make_singleton"),
    ),
    size(
        "struct",
        "fields=3 mutable=1",
        32,
        1,
        "3 x 8 = 24; + 8 = 32 -> 32",
        STRUCT,
    ),
    size(
        "singleton",
        "",
        0,
        0,
        "the instance jl_gc_permobj(0, T) made when the type was defined",
        src("src/datatype.c", "jl_maybe_allocate_singleton_instance"),
    ),
    size(
        "raw",
        "bytes=0",
        8,
        1,
        "jl_gc_alloc_buf(0): a header-only cell",
        ALLOC,
    ),
    size(
        "raw",
        "bytes=2024",
        2032,
        1,
        "2024 + 8 = 2032 -> the largest class",
        ALLOC,
    ),
    size(
        "raw",
        "bytes=2025",
        2112,
        1,
        "above GC_MAX_SZCLASS: big, LLT_ALIGN(2025 + 8 + 56, 64) = 2112",
        src("src/gc.c", "jl_gc_big_alloc_inner"),
    ),
];

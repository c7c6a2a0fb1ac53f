//! Julia: memory layout of Julia objects (profile `julia64`, Julia v1.11.0, 64-bit, stock GC).
//!
//! This is the devdocs page "Memory layout of Julia Objects" (`doc/src/devdocs/object.md`) rewritten
//! against the sources of one release, **Julia v1.11.0** (`JuliaLang/julia` commit `501a4f25c2b`), on a
//! 64-bit x86-64 host. Every number here was read from those sources; none was observed on a running
//! Julia (no Julia binary can be had here). Where the devdocs and the sources disagree, the sources win
//! and the claims ledger ([`claims`]) says so.
//!
//! # Object layout (`jl_value_t`)
//!
//! A Julia value is a `jl_value_t *`: a pointer to the *data* of an object owned by the garbage
//! collector. One word, the header (`jl_taggedvalue_t`, `src/julia.h`), sits immediately **before**
//! the data, at `v - 8`; `jl_astaggedvalue(v)` finds it. There is no `jl_typetag_t` and no
//! `jl_pvalue_t`: the header is a union of the raw word, a free-list link (while the cell is free)
//! and the type pointer, with these bit fields ([`header::HEADER`]):
//!
//! ```text
//!  63                                            4   3   2   1 0
//! +-----------------------------------------------+---+---+-----+
//! | tag: type pointer, or small type tag << 4      | 0 |img| gc  |
//! +-----------------------------------------------+---+---+-----+
//! ```
//!
//! * `gc` (bits 0-1): `GC_CLEAN = 0` (freshly allocated), `GC_MARKED = 1` (reachable and young, or old
//!   and in the remembered set), `GC_OLD = 2` (old; will be marked old if reachable),
//!   `GC_OLD_MARKED = 3` (reachable and old).
//! * `in_image` (bit 2, `GC_IN_IMAGE = 4`): the object lives in a system or package image.
//! * bit 3 is unused and zero.
//! * bits 4-63: `jl_typetagof(v) = header & ~15` is either the address of the object's `DataType`
//!   (16-aligned, so its low four bits are free) or, for 21 built-in types, a *small type tag* `t`
//!   stored as `t << 4` ([`small_tag::SMALL_TAGS`]). `jl_typeof` maps a value below
//!   `jl_max_tags << 4 = 1024` through the table `jl_small_typeof`.
//!
//! Julia has no tagged value words: every value word is a plain pointer, and no integer, boolean or
//! `nothing` is ever stored in one. The profile's tag table therefore classifies **header words**
//! ([`header::TAG_RULES`]), its list of immediates is empty, and its small-int range is empty
//! ([`profile::NO_SMALL_INT`]); the cached boxes of small integers ([`boxes`]) are permanent heap
//! objects, not immediates.
//!
//! Values are boxed on demand and may also live unboxed (in registers, or inline in the fields of
//! other objects), so the address of a box is not an identity: `jl_egal` (`===`) is.
//!
//! # Allocation
//!
//! `jl_gc_alloc(ptls, sz, ty)` (`src/julia_internal.h`) is the allocator under every constructor
//! (`jl_new_struct`, `jl_new_structv`, `jl_new_bits`, the `jl_box_*` functions, `jl_alloc_string`,
//! `jl_alloc_svec`, `jl_alloc_genericmemory`, `jl_alloc_array_1d`). It allocates `sz + 8` bytes
//! (payload and header) and writes the type into the header with the gc bits clear:
//!
//! * **Pool objects** (`sz <= GC_MAX_SZCLASS = 2024`): the cell comes from the pool of size class
//!   `jl_gc_szclass(sz + 8)` ([`size_class`]). A pool page is `GC_PAGE_SZ = 16384` bytes: a pointer to
//!   the page's metadata in the first word, then cells of one size from `GC_PAGE_OFFSET = 8`, so a
//!   cell's payload is 16-aligned whenever the cell size is a multiple of 16. Free cells are linked
//!   through their header word.
//! * **Big objects** (`sz > 2024`): a cache-aligned `malloc` of `sz + 8` bytes plus the `bigval_t`
//!   pre-header (list links, size, padding: 64 bytes, header word last), rounded up to 64 bytes; the
//!   payload is 64-aligned.
//! * **Permanent objects** (`jl_gc_permobj`): singletons, the cached boxes and a few globals live in a
//!   permanent area that is never swept; their header holds `GC_OLD_MARKED`.
//!
//! Objects are not "allocated in multiples of 4 bytes and aligned to the platform pointer size", as
//! the devdocs say: cells are 8, 16, 32, 48, ... bytes (16-byte steps up to 256 bytes; the 8-byte steps
//! 24, 40, ..., 136 serve only strings), payloads are 16-aligned, big payloads 64-aligned, and only
//! zero-size objects (header-only singletons) are merely 8-aligned.
//!
//! # Objects of the built-in kinds ([`sizes`])
//!
//! * `String`: `[length: 8 bytes][bytes][NUL]`, small tag 10, sized by `jl_gc_szclass_align8`; the empty
//!   string is one shared global.
//! * `SimpleVector` (`jl_svec_t`): `{length, data[length]}`, small tag 9; the only length-prefixed
//!   pointer array. The devdocs' `jl_tuple_t` with the same shape was replaced by it in v0.4.
//! * Tuples are ordinary structs laid out by their type: no length word; isbits tuples live inline.
//! * `Memory{T}` (`jl_genericmemory_t`, new in 1.11): `{length, ptr}` followed by the data inline when
//!   `16 + nbytes <= 2024`, else by an owner word (itself) with the data in a 64-aligned managed
//!   `malloc`. Length 0 gives the type's permanent empty instance.
//! * `Array{T,N}` (1.11): `{ref = {ptr_or_offset, mem}, dims[N]}`, so a `Vector` is a 24-byte payload
//!   beside its `Memory`.
//! * A singleton (an immutable, concrete type of size 0 without pointers) has one instance, made by
//!   `jl_gc_permobj(0, type)`: an 8-byte header and nothing else. A mutable struct without fields is
//!   no singleton; each construction takes a fresh 8-byte cell.
//!
//! # Garbage collector ([`barrier`])
//!
//! The stock collector (`src/gc.c` in 1.11) is a non-moving, generational mark-sweep collector. A young
//! object that survives one collection is promoted: the sweep turns `GC_MARKED` into `GC_OLD`, and the
//! next mark makes it `GC_OLD_MARKED`. A quick (minor) sweep leaves `GC_OLD_MARKED` objects alone; a
//! full sweep turns them back into `GC_OLD` so the next mark traces the whole heap. Storing a reference
//! into an object must be followed by `jl_gc_wb(parent, ptr)`, which queues the parent in the remembered
//! set when the parent is `GC_OLD_MARKED` and the child is not marked.

pub mod barrier;
pub mod boxes;
pub mod claims;
pub mod facts;
pub mod header;
pub mod profile;
pub mod size_class;
pub mod sizes;
pub mod small_tag;

pub use claims::ASSESSMENTS;
pub use profile::JULIA64;

use crate::evidence::{Evidence, Upstream};

/// The Julia release every table of this module describes: v1.11.0.
pub const V1_11_0: Upstream = Upstream {
    repo: "JuliaLang/julia",
    commit: "501a4f25c2b7626c5e368cd01d1c050b70bafdb9",
    version: "v1.11.0",
};

/// The last release with the devdocs' `jl_tuple_t`, for the history of the tuple claims.
pub const V0_3_12: Upstream = Upstream {
    repo: "JuliaLang/julia",
    commit: "80aa77986ec84067f4696439f10fc77c93703bc7",
    version: "v0.3.12",
};

/// Evidence from `file` and `symbol` of Julia v1.11.0.
pub(crate) const fn src(file: &'static str, symbol: &'static str) -> Evidence {
    Evidence::Source {
        upstream: &V1_11_0,
        file,
        symbol,
    }
}

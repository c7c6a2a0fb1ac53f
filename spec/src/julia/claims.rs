//! Verdicts on the claims of the Julia devdocs (`JL-01` .. `JL-39`) for `julia64`, Julia v1.11.0.
//!
//! The devdocs page `doc/src/devdocs/object.md` shipped with v1.11.0 is the seed text with three small
//! edits (`jl_new_uniontype` and the 2-d/3-d array constructors dropped, `jl_alloc_array_nd` added, an
//! "Out of date" note on `jl_gc_allocobj`); most of it predates the 0.4 tuple redesign.

use super::{V0_3_12, src};
use crate::claim::{Assessment, Verdict};
use crate::evidence::Evidence;
use crate::profile::ProfileId;

const JL64: &[ProfileId] = &[ProfileId::Julia64];

/// Every verdict is for this release.
const V: &str = "Julia v1.11.0";

const fn a(claim: &'static str, verdict: Verdict, evidence: &'static [Evidence]) -> Assessment {
    Assessment {
        claim,
        profiles: JL64,
        verdict,
        evidence,
    }
}

/// The assessments of the Julia claims.
pub static ASSESSMENTS: [Assessment; 39] = [
    a(
        "JL-01",
        Verdict::Holds,
        &[src("src/julia.h", "typedef struct _jl_value_t jl_value_t")],
    ),
    a(
        "JL-02",
        Verdict::Wrong {
            truth: "there is no jl_pvalue_t; a value is a jl_value_t * to the opaque struct _jl_value_t",
        },
        &[src("src/julia.h", "typedef struct _jl_value_t jl_value_t")],
    ),
    a(
        "JL-03",
        Verdict::Partly {
            truth: "the metadata is one header word, jl_taggedvalue_t (no jl_typetag_t): type tag, 2 gc bits, \
                    in_image bit; the value is not contained in it but follows it",
        },
        &[src("src/julia.h", "struct _jl_taggedvalue_t")],
    ),
    a(
        "JL-04",
        Verdict::Partly {
            truth: "the metadata does precede the value, but the struct is jl_taggedvalue_t, a one-word union \
                    {header, next, type, bits}; the value is at +8 (jl_valueof)",
        },
        &[src("src/julia.h", "struct _jl_taggedvalue_t, jl_valueof")],
    ),
    a(
        "JL-05",
        Verdict::Holds,
        &[src("src/julia.h", "jl_typeof, jl_to_typeof")],
    ),
    a(
        "JL-06",
        Verdict::Holds,
        &[src(
            "src/julia.h",
            "jl_typeof (a macro: jl_to_typeof(jl_typetagof(v)), small tags through jl_small_typeof)",
        )],
    ),
    a(
        "JL-07",
        Verdict::Holds,
        &[src("src/datatype.c", "jl_compute_field_offsets")],
    ),
    a(
        "JL-08",
        Verdict::Holds,
        &[src(
            "src/julia.h",
            "jl_get_nth_field_checked(jl_value_t *v, size_t i), jl_get_field(jl_value_t *o, const char *fld)",
        )],
    ),
    a(
        "JL-09",
        Verdict::Partly {
            truth: "all-pointer fields are an array of jl_value_t * at the value, but there is no fieldptr \
                    member: read ((jl_value_t**)v)[n]",
        },
        &[src("src/julia.h", "jl_svec_data, jl_get_nth_field_noalloc")],
    ),
    a(
        "JL-10",
        Verdict::Partly {
            truth: "the UInt16 is 2 bytes, but a fresh box allocates LLT_ALIGN(2, 8) = 8 bytes of payload (a \
                    16-byte cell), and 0..=1023 are shared permanent boxes",
        },
        &[src("src/datatype.c", "UIBOX_FUNC(uint16, uint16_t)")],
    ),
    a("JL-11", Verdict::Holds, &[src("src/datatype.c", "jl_box_uint16")]),
    a("JL-12", Verdict::Holds, &[src("src/julia.h", "jl_astaggedvalue")]),
    a(
        "JL-13",
        Verdict::Holds,
        &[src(
            "src/datatype.c",
            "SIBOX_FUNC: a fresh jl_gc_alloc per call outside the cache",
        )],
    ),
    a("JL-14", Verdict::Holds, &[src("src/julia.h", "jl_egal")]),
    a(
        "JL-15",
        Verdict::Untestable {
            why: "boxing on demand happens in generated code (codegen), which no layout model observes",
        },
        &[src(
            "src/cgutils.cpp",
            "boxed(jl_codectx_t &ctx, const jl_cgval_t &vinfo, bool is_promotable)",
        )],
    ),
    a(
        "JL-16",
        Verdict::Untestable {
            why: "a rule for C code; undefined behaviour is not observable, and the runtime itself fills \
                  immutable svecs after publishing them (jl_svecset comment)",
        },
        &[src("src/julia.h", "jl_svecset")],
    ),
    a(
        "JL-17",
        Verdict::Wrong {
            truth: "jl_is_mutable(t) is a macro on a type, ((jl_datatype_t*)t)->name->mutabl; for a value \
                    write jl_is_mutable(jl_typeof(v))",
        },
        &[src("src/julia.h", "jl_is_mutable")],
    ),
    a(
        "JL-18",
        Verdict::Holds,
        &[src(
            "src/julia.h",
            "jl_gc_wb(const void *parent, const void *ptr)",
        )],
    ),
    a(
        "JL-19",
        Verdict::Holds,
        &[src(
            "src/julia.h",
            "jl_svec_t, jl_genericmemory_t, jl_array_t, jl_datatype_t",
        )],
    ),
    a("JL-20", Verdict::Holds, &[src("src/jltypes.c", "jl_init_types")]),
    a(
        "JL-21",
        Verdict::Partly {
            truth: "the GC uses the two gc bits (GC_CLEAN, GC_MARKED, GC_OLD, GC_OLD_MARKED) and the in_image \
                    bit; bit 3 is unused and the rest is the type tag",
        },
        &[src("src/julia.h", "struct _jl_taggedvalue_bits")],
    ),
    a(
        "JL-22",
        Verdict::Holds,
        &[src(
            "src/gc.c",
            "state transition comment before gc_sync_cache_nolock",
        )],
    ),
    a(
        "JL-23",
        Verdict::Holds,
        &[src("src/datatype.c", "jl_new_struct, jl_new_structv")],
    ),
    a(
        "JL-24",
        Verdict::Holds,
        &[src(
            "src/datatype.c",
            "jl_new_bits(jl_value_t *bt, const void *src), returning cached boxes for small-tag types",
        )],
    ),
    a(
        "JL-25",
        Verdict::OutOfDate {
            truth: "jl_apply_type(jl_value_t *tc, jl_value_t **params, size_t n) takes an array and a count; \
                    jl_apply_array_type(type, dim) holds; jl_new_uniontype is gone (jl_type_union)",
            version: V,
        },
        &[
            src("src/julia.h", "jl_apply_type, jl_apply_array_type"),
            src("src/jltypes.c", "jl_type_union"),
        ],
    ),
    a(
        "JL-26",
        Verdict::Holds,
        &[src(
            "src/jltypes.c",
            "jl_init_types: jl_new_datatype, jl_new_primitivetype",
        )],
    ),
    a(
        "JL-27",
        Verdict::OutOfDate {
            truth: "jl_tuple, jl_tuplev, jl_alloc_tuple and jl_tuple_t are gone; a tuple is made like any \
                    struct (jl_new_structv on a tuple type), pointer arrays are jl_svec_t (jl_svec, jl_alloc_svec)",
            version: "Julia v1.11.0; jl_tuple_t was replaced by jl_svec_t in v0.4.0",
        },
        &[
            src("src/julia.h", "jl_svec, jl_alloc_svec, jl_svec_t"),
            Evidence::Source {
                upstream: &V0_3_12,
                file: "src/julia.h",
                symbol: "jl_tuple_t",
            },
        ],
    ),
    a(
        "JL-28",
        Verdict::OutOfDate {
            truth: "that length-prefixed pointer array is now jl_svec_t {length, data[]}; a Tuple has no length \
                    word: its fields are laid out by its type, a 2-tuple of Any is 16 bytes of payload",
            version: "Julia v1.11.0; jl_tuple_t was replaced by jl_svec_t in v0.4.0",
        },
        &[src("src/julia.h", "jl_svec_t")],
    ),
    a(
        "JL-29",
        Verdict::Holds,
        &[src(
            "src/datatype.c",
            "jl_compute_field_offsets (isbits tuple types are stored inline)",
        )],
    ),
    a(
        "JL-30",
        Verdict::Holds,
        &[src("src/julia.h", "jl_symbol(const char *str)")],
    ),
    a(
        "JL-31",
        Verdict::OutOfDate {
            truth: "jl_new_generic_function(jl_sym_t *name, jl_module_t *module) is internal and takes the \
                    module; jl_new_method_instance(ast, sparams) is gone (jl_new_method_instance_uninit(void))",
            version: V,
        },
        &[
            src("src/julia_internal.h", "jl_new_generic_function"),
            src("src/julia.h", "jl_new_method_instance_uninit"),
        ],
    ),
    a(
        "JL-32",
        Verdict::Partly {
            truth: "jl_alloc_array_1d/2d/3d and jl_alloc_vec_any hold; jl_new_array and jl_new_arrayv are gone \
                    (jl_alloc_array_nd); an Array is now an object beside a separate Memory",
        },
        &[src(
            "src/julia.h",
            "jl_alloc_array_1d, jl_alloc_array_2d, jl_alloc_array_3d, jl_alloc_array_nd, jl_alloc_vec_any",
        )],
    ),
    a(
        "JL-33",
        Verdict::OutOfDate {
            truth: "there is no newstruct() or newobj(); structs are made by jl_new_struct_uninit and \
                    jl_new_structv over jl_gc_alloc",
            version: V,
        },
        &[src("src/datatype.c", "jl_new_struct_uninit")],
    ),
    a(
        "JL-34",
        Verdict::Partly {
            truth: "jl_gc_allocobj(size_t) still exists but only wraps jl_gc_alloc(ptls, sz, NULL); the real \
                    entry is jl_gc_alloc(ptls, sz, ty), which writes the type itself; the GC is in gc.c",
        },
        &[
            src("src/gc.c", "jl_gc_allocobj"),
            src("src/julia_internal.h", "jl_gc_alloc_"),
        ],
    ),
    a(
        "JL-35",
        Verdict::Wrong {
            truth: "pool cells are size classes of 8, 16, 32, 48, ... bytes (16-byte steps; 8-byte steps 24..136 \
                    only for Strings) and big objects are rounded to 64 bytes",
        },
        &[
            src("src/julia_internal.h", "jl_gc_sizeclasses, jl_gc_szclass"),
            src("src/gc.c", "jl_gc_big_alloc_inner"),
        ],
    ),
    a(
        "JL-36",
        Verdict::Partly {
            truth: "payloads are 16-aligned (JL_HEAP_ALIGNMENT), big payloads 64-aligned; only zero-size \
                    objects and Strings in the 8-byte-step classes are merely pointer-aligned",
        },
        &[
            src("src/julia_internal.h", "jl_gc_alignment, JL_HEAP_ALIGNMENT"),
            src("src/gc.h", "GC_PAGE_OFFSET, bigval_t"),
        ],
    ),
    a(
        "JL-37",
        Verdict::Holds,
        &[
            src(
                "src/julia_internal.h",
                "jl_gc_alloc_: sz <= GC_MAX_SZCLASS (2024) from a pool",
            ),
            src("src/gc.c", "jl_gc_big_alloc_inner: malloc_cache_align"),
        ],
    ),
    a(
        "JL-38",
        Verdict::Partly {
            truth: "a singleton type is a concrete immutable type of size 0 with no pointers; a mutable struct \
                    without fields has no singleton instance, each construction allocates",
        },
        &[src("src/datatype.c", "jl_is_datatype_make_singleton")],
    ),
    a(
        "JL-39",
        Verdict::Holds,
        &[
            src(
                "src/datatype.c",
                "jl_maybe_allocate_singleton_instance: jl_gc_permobj(0, st)",
            ),
            src(
                "src/julia_internal.h",
                "jl_gc_permobj: header = type | GC_OLD_MARKED",
            ),
        ],
    ),
];

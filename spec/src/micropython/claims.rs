//! The ledger of MicroPython claims: every `MP-X` (third-party explainer) and `MP-Y`
//! (`docs/develop/memorymgt.rst`) claim, with a verdict per profile and its evidence.

use crate::claim::{Assessment, Verdict};
use crate::evidence::Evidence;
use crate::micropython::{HEAD, measured, measured_longlong, measured_nanbox, measured_unix, src};
use crate::profile::ProfileId;

const A32: ProfileId = ProfileId::MicropythonA32;
const A64: ProfileId = ProfileId::MicropythonA64;
const B64: ProfileId = ProfileId::MicropythonB64;
const C32: ProfileId = ProfileId::MicropythonC32;
const D32: ProfileId = ProfileId::MicropythonD32;

const ALL: &[ProfileId] = &[A32, A64, B64, C32, D32];
/// 32-bit pointers and 16-byte blocks.
const W32: &[ProfileId] = &[A32, C32];
/// 64-bit words and 32-byte blocks on x86-64.
const W64: &[ProfileId] = &[A64, B64];
/// Unix-port builds: `MICROPY_PY_GC_COLLECT_RETVAL` and `MICROPY_MALLOC_USES_ALLOCATED_SIZE` are set.
const UNIX: &[ProfileId] = &[A64, B64, D32];
/// 32-byte blocks.
const BLOCK32: &[ProfileId] = &[A64, B64, D32];
/// Floats stored in the word.
const INLINE_FLOAT: &[ProfileId] = &[C32, D32];
/// Low-bit tags and immediates.
const LOW_TAGS: &[ProfileId] = &[A32, A64, B64, C32];
/// REPR_A tags exactly.
const REPR_A_LIKE: &[ProfileId] = &[A32, A64];

const fn holds(
    claim: &'static str,
    profiles: &'static [ProfileId],
    evidence: &'static [Evidence],
) -> Assessment {
    Assessment {
        claim,
        profiles,
        verdict: Verdict::Holds,
        evidence,
    }
}

const fn wrong(
    claim: &'static str,
    profiles: &'static [ProfileId],
    truth: &'static str,
    evidence: &'static [Evidence],
) -> Assessment {
    Assessment {
        claim,
        profiles,
        verdict: Verdict::Wrong { truth },
        evidence,
    }
}

const fn partly(
    claim: &'static str,
    profiles: &'static [ProfileId],
    truth: &'static str,
    evidence: &'static [Evidence],
) -> Assessment {
    Assessment {
        claim,
        profiles,
        verdict: Verdict::Partly { truth },
        evidence,
    }
}

const fn out_of_date(
    claim: &'static str,
    profiles: &'static [ProfileId],
    truth: &'static str,
    version: &'static str,
    evidence: &'static [Evidence],
) -> Assessment {
    Assessment {
        claim,
        profiles,
        verdict: Verdict::OutOfDate { truth, version },
        evidence,
    }
}

const fn untestable(
    claim: &'static str,
    profiles: &'static [ProfileId],
    why: &'static str,
    evidence: &'static [Evidence],
) -> Assessment {
    Assessment {
        claim,
        profiles,
        verdict: Verdict::Untestable { why },
        evidence,
    }
}

const fn head_src(file: &'static str, symbol: &'static str) -> Evidence {
    Evidence::Source {
        upstream: &HEAD,
        file,
        symbol,
    }
}

// Evidence used by several assessments.
const OBJ_BASE: Evidence = src("py/obj.h", "mp_obj_base_t");
const OBJ_TYPE: Evidence = src("py/obj.h", "mp_obj_type_t");
const MPCONFIG_REPR: Evidence = src("py/mpconfig.h", "MICROPY_OBJ_REPR_A .. MICROPY_OBJ_REPR_D");
const IMMEDIATE_OBJS: Evidence = src("py/mpconfig.h", "MICROPY_OBJ_IMMEDIATE_OBJS");
const SMALLINT: Evidence = src("py/smallint.h", "MP_SMALL_INT_FITS");
const BPB: Evidence = src("py/mpconfig.h", "MICROPY_BYTES_PER_GC_BLOCK");
const OBJ_WORD: Evidence = src("py/mpconfig.h", "MP_BYTES_PER_OBJ_WORD");
const GC_ALLOC: Evidence = src("py/gc.c", "gc_alloc");
const GC_SETUP: Evidence = src("py/gc.c", "gc_setup_area");
const ATB_CODES: Evidence = src("py/gc.c", "AT_FREE, AT_HEAD, AT_TAIL, AT_MARK");
const GC_NBYTES: Evidence = src("py/gc.c", "gc_nbytes");
const GC_MARK: Evidence = src("py/gc.c", "gc_mark_subtree");
const GC_ROOTS: Evidence = src("py/gc.c", "gc_collect_start");
const GC_SWEEP: Evidence = src("py/gc.c", "gc_sweep_free_blocks");
const GC_OVERFLOW: Evidence = src("py/gc.c", "gc_deal_with_stack_overflow");
const MPZ_T: Evidence = src("py/mpz.h", "mpz_t");
const INT_T: Evidence = src("py/objint.h", "mp_obj_int_t");
const FLOAT_T: Evidence = src("py/objfloat.c", "mp_obj_float_t");
const FLOAT_C: Evidence = src("py/obj.h", "mp_obj_new_float (REPR_C)");
const FLOAT_D: Evidence = src("py/obj.h", "mp_obj_new_float (REPR_D)");
const STR_T: Evidence = src("py/objstr.h", "mp_obj_str_t");
const STR_COPY: Evidence = src("py/objstr.c", "mp_obj_new_str_copy");
const STR_QSTR: Evidence = src("py/objstr.c", "mp_obj_new_str");
const LIST_INIT: Evidence = src("py/objlist.c", "mp_obj_list_init");
const TUPLE_NEW: Evidence = src("py/objtuple.c", "mp_obj_new_tuple");
const MAP_INIT: Evidence = src("py/map.c", "mp_map_init");
const FUN_BC: Evidence = src("py/objfun.c", "mp_obj_new_fun_bc");
const CLOSURE: Evidence = src("py/objclosure.c", "mp_obj_new_closure");
const CELL: Evidence = src("py/obj.h", "mp_obj_cell_t");
const MALLOC_H: Evidence = src("py/misc.h", "m_malloc, m_malloc0, m_realloc, m_free");
const ALLOCATED_SIZE: Evidence = src(
    "ports/unix/variants/mpconfigvariant_common.h",
    "MICROPY_MALLOC_USES_ALLOCATED_SIZE",
);
const CONSERVATIVE_CLEAR: Evidence = src("py/mpconfig.h", "MICROPY_GC_CONSERVATIVE_CLEAR");
const MODGC: Evidence = src("py/modgc.c", "py_gc_collect");
const UNIX_RETVAL: Evidence = src(
    "ports/unix/variants/mpconfigvariant_common.h",
    "MICROPY_PY_GC_COLLECT_RETVAL",
);
const WASM_COLLECT: Evidence = src("ports/webassembly/main.c", "gc_collect");
const GC_HELPER: Evidence = src(
    "shared/runtime/gchelper_generic.c",
    "gc_helper_collect_regs_and_stack",
);
const ESP32_HEAP: Evidence = src("ports/esp32/mpconfigport.h", "MICROPY_GC_INITIAL_HEAP_SIZE");
const ESP32_SPLIT: Evidence = src("ports/esp32/mpconfigport.h", "MICROPY_GC_SPLIT_HEAP_AUTO");
const INTERN_LEN: Evidence = src("py/mpconfig.h", "MICROPY_ALLOC_PARSE_INTERN_STRING_LEN");

const M_INT_SMALL: Evidence = measured("node engines/micropython/measure.mjs size int value=1073741823");
const M_INT_BOXED: Evidence = measured("node engines/micropython/measure.mjs size int value=1073741824");
const M_NEGATION: Evidence = measured("node engines/micropython/measure.mjs negation");
const M_FLOAT: Evidence = measured("node engines/micropython/measure.mjs size float value=1.75");
const M_STR_EMPTY: Evidence = measured("node engines/micropython/measure.mjs size str 'text=\"\"'");
const M_STR_QSTR: Evidence = measured("node engines/micropython/measure.mjs size str 'text=\"append\"'");
const M_STR_15: Evidence =
    measured("node engines/micropython/measure.mjs size str 'text=\"memspec-str-15b\"'");
const M_STR_41: Evidence = measured(
    "node engines/micropython/measure.mjs size str 'text=\"memspec-str-0123456789abcdefghijklmnopqrs\"'",
);
const M_LIST_0: Evidence = measured("node engines/micropython/measure.mjs size list len=0");
const M_LIST_3: Evidence = measured("node engines/micropython/measure.mjs size list len=3");
const M_LIST_4: Evidence = measured("node engines/micropython/measure.mjs size list len=4");
const M_TUPLE_0: Evidence = measured("node engines/micropython/measure.mjs size tuple len=0");
const M_TUPLE_1: Evidence = measured("node engines/micropython/measure.mjs size tuple len=1");
const M_TUPLE_3: Evidence = measured("node engines/micropython/measure.mjs size tuple len=3");
const M_TUPLE_4: Evidence = measured("node engines/micropython/measure.mjs size tuple len=4");
const M_DICT_0: Evidence = measured("node engines/micropython/measure.mjs size dict keys=0");
const M_DICT_1: Evidence = measured("node engines/micropython/measure.mjs size dict keys=1");
const M_FUN: Evidence =
    measured("node engines/micropython/measure.mjs size function defaults=0 kw_defaults=0");
const M_FUN_DEFAULTS: Evidence =
    measured("node engines/micropython/measure.mjs size function defaults=2 kw_defaults=0");
const M_CLOSURE_1: Evidence = measured("node engines/micropython/measure.mjs size closure captured=1");
const M_CLOSURE_2: Evidence = measured("node engines/micropython/measure.mjs size closure captured=2");
const M_BYTEARRAY_16: Evidence = measured("node engines/micropython/measure.mjs size bytearray len=16");
const M_SWEEP: Evidence = measured("node engines/micropython/measure.mjs bytearray");
const M_COLLECT: Evidence = measured("node engines/micropython/measure.mjs collect");
const M_DEFERRED: Evidence = measured("node engines/micropython/measure.mjs deferred");
const M_DISABLED: Evidence = measured("node engines/micropython/measure.mjs disabled");
const M_HEAP_MAP: Evidence = measured("node engines/micropython/measure.mjs heap-map");
const M_POOL: Evidence = measured("node engines/micropython/measure.mjs pool");

const U_INT_SMALL: Evidence = measured_unix(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size int value=2305843009213693951",
);
const U_INT_BOXED: Evidence = measured_unix(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size int value=4611686018427387904",
);
const U_NEGATION: Evidence =
    measured_unix("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" negation");
const U_FLOAT: Evidence = measured_unix(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size float value=1.75",
);
const U_STR_15: Evidence = measured_unix(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size str 'text=\"memspec-str-15b\"'",
);
const U_LIST_0: Evidence =
    measured_unix("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size list len=0");
const U_DICT_0: Evidence =
    measured_unix("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size dict keys=0");
const U_FUN: Evidence = measured_unix(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size function defaults=0 kw_defaults=0",
);
const U_CLOSURE_1: Evidence = measured_unix(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" size closure captured=1",
);
const U_COLLECT: Evidence =
    measured_unix("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" collect");
const U_REPL: Evidence =
    measured_unix("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" repl");
const U_POOL: Evidence =
    measured_unix("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" pool 2097152");

const M_IDS: Evidence = measured("node engines/micropython/measure.mjs ids");
const U_IDS: Evidence =
    measured_unix("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON\" ids");
const N_IDS: Evidence =
    measured_nanbox("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_NANBOX\" ids");
const L_IDS: Evidence =
    measured_longlong("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_LONGLONG\" ids");
const N_FLOAT: Evidence = measured_nanbox(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_NANBOX\" size float value=1.75",
);
const L_FLOAT: Evidence = measured_longlong(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_LONGLONG\" size float value=1.75",
);
const N_POOL: Evidence = measured_nanbox(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_NANBOX\" pool 2097152",
);
const N_COLLECT: Evidence =
    measured_nanbox("node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_NANBOX\" collect");
const N_INT_SMALL: Evidence = measured_nanbox(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_NANBOX\" size int value=1099511627776",
);
const N_INT_BOXED: Evidence = measured_nanbox(
    "node engines/micropython/measure.mjs --micropython \"$MICROPYTHON_NANBOX\" size int value=2305843009213693951",
);

const NOT_THE_ENGINE: &str = "a property of the chip or board (Espressif datasheet, ESP-IDF and firmware \
                              configuration), not of MicroPython's source or of any engine measured here";

/// Every MicroPython assessment.
pub static ASSESSMENTS: &[Assessment] = &[
    // ---- MP-X: "Memory Layout and Object Structure" -------------------------------------------------
    partly(
        "MP-X-01",
        ALL,
        "every object (struct) starts with its type pointer, but many heap allocations are raw buffers without \
         one: list item arrays, str and bytes data, dict and set tables, mpz digit arrays, bytearray data, \
         qstr pools and bytecode. A list is two allocations, only the first typed",
        &[
            OBJ_BASE,
            LIST_INIT,
            src("py/gc.c", "gc_dump_alloc_table"),
            M_LIST_0,
        ],
    ),
    partly(
        "MP-X-02",
        ALL,
        "py/obj.h says \"Anything that wants to be a concrete MicroPython object must have mp_obj_base_t as its \
         first member (small ints, qstr objs and inline floats are not concrete)\": values stored in the word \
         (small ints, qstrs, None/False/True in A, B and C, floats in C and D) have no base at all",
        &[OBJ_BASE, MPCONFIG_REPR],
    ),
    holds("MP-X-03", ALL, &[OBJ_BASE]),
    partly(
        "MP-X-04",
        W32,
        "small ints hold 31-bit two's-complement values, -2^30 .. 2^30 - 1 (measured: 2^30 - 1 costs 0 bytes, 2^30 \
         costs 32); also an MPZ negation always boxes, so -(2^30) made by negating a boxed 2^30 is on the heap \
         although it is in range (measured: 32 bytes), and builds without long ints have no heap ints at all",
        &[
            SMALLINT,
            M_INT_SMALL,
            M_INT_BOXED,
            M_NEGATION,
            src("py/objint_mpz.c", "mp_obj_int_unary_op"),
        ],
    ),
    wrong(
        "MP-X-04",
        &[A64],
        "64-bit REPR_A small ints hold 63-bit values, -2^62 .. 2^62 - 1; outside that ints are boxed (measured: 64 \
         bytes), and so is -2^62 when made by negating a boxed 2^62",
        &[SMALLINT, U_INT_SMALL, U_INT_BOXED, U_NEGATION],
    ),
    wrong(
        "MP-X-04",
        &[B64],
        "64-bit REPR_B small ints hold 62-bit values, -2^61 .. 2^61 - 1",
        &[SMALLINT],
    ),
    wrong(
        "MP-X-04",
        &[D32],
        "REPR_D small ints hold 47-bit values, -2^46 .. 2^46 - 1",
        &[src("py/smallint.h", "MP_SMALL_INT_MIN"), N_INT_SMALL, N_INT_BOXED],
    ),
    partly(
        "MP-X-05",
        ALL,
        "an MPZ int (MICROPY_LONGINT_IMPL_MPZ) is the type pointer and an mpz_t {neg:1, fixed_dig:1, alloc: the \
         rest of a size_t; len; dig pointer}; the digits are a separate heap allocation (at least 2 digits; \
         16-bit digits except on x86-64 and Win64, which use 32-bit), so a boxed int is two allocations, 32 \
         bytes on a32 (measured). The type pointer is 8 bytes on 64-bit builds. Long-long builds hold a \
         `long long` instead",
        &[INT_T, MPZ_T, src("py/mpz.h", "MPZ_DIG_SIZE"), M_INT_BOXED],
    ),
    partly(
        "MP-X-06",
        &[A32],
        "the struct is {base, mp_float_t value}; with double floats (the WebAssembly port) the double is 8-aligned, \
         so 4 padding bytes follow the 4-byte type pointer: 16 bytes; with single floats (ESP32) 8 bytes",
        &[
            FLOAT_T,
            src("ports/webassembly/mpconfigport.h", "MICROPY_FLOAT_IMPL"),
            M_FLOAT,
        ],
    ),
    partly(
        "MP-X-06",
        W64,
        "the type pointer is 8 bytes and the value a double: 16 bytes",
        &[FLOAT_T],
    ),
    wrong(
        "MP-X-06",
        INLINE_FLOAT,
        "REPR_C and REPR_D store floats in the word (REPR_C: 30 bits of a single; REPR_D: a nan-boxed double): no \
         heap object, no type pointer",
        &[FLOAT_C, FLOAT_D, N_FLOAT, L_FLOAT],
    ),
    partly(
        "MP-X-07",
        &[A32],
        "the struct is 8 bytes with single floats (ESP32) and 16 bytes with doubles where alignof(double) is 8 \
         (wasm32, 32-bit ARM); 12 bytes only where doubles are 4-aligned (i386). Either way the heap cost is one \
         16-byte block (measured: 16)",
        &[FLOAT_T, M_FLOAT],
    ),
    wrong(
        "MP-X-07",
        W64,
        "16-byte struct (8-byte type pointer, 8-byte double), one 32-byte block",
        &[FLOAT_T, BPB, U_FLOAT],
    ),
    wrong(
        "MP-X-07",
        INLINE_FLOAT,
        "0 bytes: the float is stored in the word",
        &[FLOAT_C, FLOAT_D, N_FLOAT, L_FLOAT],
    ),
    partly(
        "MP-X-08",
        ALL,
        "a str object is {base, hash, len, data} (size_t-wide fields: 4 bytes on a32, c32 and d32, 8 on a64 and \
         b64), but `data` always points: to a separate heap buffer of len + 1 bytes (NUL-terminated) or to \
         static data; it is never inline. A string equal to an existing qstr has no object at all",
        &[STR_T, STR_COPY, STR_QSTR, M_STR_15, M_STR_QSTR],
    ),
    holds("MP-X-09", &[A32, C32, D32], &[OBJ_BASE, OBJ_WORD]),
    wrong("MP-X-09", W64, "8 bytes on 64-bit builds", &[OBJ_BASE, OBJ_WORD]),
    holds("MP-X-10", ALL, &[OBJ_TYPE]),
    out_of_date(
        "MP-X-11",
        ALL,
        "mp_obj_type_t is {base; uint16 flags; uint16 name (a qstr); one uint8 slot index each for make_new, print, \
         call, unary_op, binary_op, attr, subscr, iter, buffer, protocol, parent, locals_dict; then only the slots \
         the type uses (const void *slots[])}; getiter and iternext are one `iter` slot",
        "v1.27.0; up to v1.19.1 the struct had the listed fields (with a uint16 flags word after base, and \
         buffer as mp_buffer_p_t); the slot layout replaced it in v1.20.0 (3ac8b5851e and its series)",
        &[OBJ_TYPE],
    ),
    out_of_date(
        "MP-X-12",
        ALL,
        "the meanings hold slot by slot, but getiter and iternext are now one `iter` slot whose meaning the type's \
         MP_TYPE_FLAG_ITER_IS_* flags select",
        "v1.27.0; changed in v1.20.0",
        &[OBJ_TYPE],
    ),
    out_of_date(
        "MP-X-13",
        ALL,
        "mp_type_int is defined with MP_DEFINE_CONST_OBJ_TYPE(mp_type_int, MP_QSTR_int, MP_TYPE_FLAG_NONE, make_new, \
         mp_obj_int_make_new, print, mp_obj_int_print, unary_op, ..., binary_op, ..., locals_dict, &int_locals_dict)",
        "v1.27.0; changed in v1.20.0",
        &[src("py/objint.c", "mp_type_int")],
    ),
    holds("MP-X-14", ALL, &[GC_ALLOC, GC_SETUP]),
    wrong(
        "MP-X-15",
        ALL,
        "allocations have no header: an area is ATB, gap byte, FTB, then a pool of contiguous blocks; an object \
         starts at its first block (a 12-byte tuple takes exactly one 16-byte block, bytearray(16) exactly 16 + 16 \
         bytes, measured)",
        &[GC_SETUP, GC_ALLOC, M_TUPLE_1, M_BYTEARRAY_16],
    ),
    wrong(
        "MP-X-16",
        ALL,
        "there is no block header word; each block's state is a 2-bit entry of the ATB, a side table at the start \
         of the area",
        &[GC_SETUP, src("py/gc.c", "ATB_GET_KIND"), M_SWEEP],
    ),
    partly(
        "MP-X-17",
        ALL,
        "the codes are right (FREE 00, HEAD 01, TAIL 10, MARK 11) but they are ATB entries, four blocks to a byte, \
         block b in bits 2(b mod 4) and up of byte b / 4, not bits of a header",
        &[ATB_CODES, src("py/gc.c", "BLOCK_SHIFT")],
    ),
    wrong(
        "MP-X-18",
        ALL,
        "there is no size or next-pointer field: an allocation's length is its HEAD plus the run of TAIL entries \
         after it in the ATB, and free space is found by a first-fit scan of the ATB",
        &[GC_NBYTES, GC_ALLOC],
    ),
    holds("MP-X-19", ALL, &[GC_ALLOC, M_SWEEP]),
    holds("MP-X-20", W32, &[BPB, OBJ_WORD]),
    wrong(
        "MP-X-20",
        &[D32],
        "32 bytes on a 32-bit CPU with REPR_D: MICROPY_BYTES_PER_GC_BLOCK is 4 x sizeof(mp_uint_t), and mp_uint_t \
         is 64-bit in REPR_D (commit 007f127a61, in v1.27.0)",
        &[BPB, src("py/mpconfig.h", "MP_INT_TYPE"), N_POOL],
    ),
    holds(
        "MP-X-21",
        ALL,
        &[MALLOC_H, src("py/malloc.c", "m_malloc0"), GC_ALLOC],
    ),
    partly(
        "MP-X-22",
        ALL,
        "m_malloc promises nothing, but with MICROPY_GC_CONSERVATIVE_CLEAR (on whenever the GC is) gc_alloc zeroes \
         every new allocation whole; without it, the bytes past the request to the block's end are zeroed",
        &[MALLOC_H, CONSERVATIVE_CLEAR, GC_ALLOC],
    ),
    holds("MP-X-23", W32, &[MALLOC_H]),
    wrong(
        "MP-X-23",
        UNIX,
        "the unix port sets MICROPY_MALLOC_USES_ALLOCATED_SIZE, so the signature is m_realloc(void *ptr, size_t \
         old_num_bytes, size_t new_num_bytes)",
        &[MALLOC_H, ALLOCATED_SIZE],
    ),
    holds("MP-X-24", W32, &[MALLOC_H]),
    wrong(
        "MP-X-24",
        UNIX,
        "with MICROPY_MALLOC_USES_ALLOCATED_SIZE (the unix port) it is m_free(void *ptr, size_t num_bytes)",
        &[MALLOC_H, ALLOCATED_SIZE],
    ),
    untestable(
        "MP-X-25",
        &[A32],
        NOT_THE_ENGINE,
        &[Evidence::Derived("outside MicroPython's source")],
    ),
    untestable("MP-X-26", &[A32], NOT_THE_ENGINE, &[ESP32_HEAP]),
    partly(
        "MP-X-27",
        &[A32],
        "the initial heap is configurable (MICROPY_GC_INITIAL_HEAP_SIZE: 56 KiB on the original ESP32 in v1.27.0) \
         and grows by further areas on demand (MICROPY_GC_SPLIT_HEAP_AUTO) while internal RAM lasts, so there is no \
         fixed typical size",
        &[ESP32_HEAP, ESP32_SPLIT],
    ),
    untestable(
        "MP-X-28",
        &[A32],
        NOT_THE_ENGINE,
        &[Evidence::Derived("outside MicroPython's source")],
    ),
    untestable("MP-X-29", &[A32], NOT_THE_ENGINE, &[ESP32_HEAP]),
    partly(
        "MP-X-30",
        &[A32],
        "the ESP32-C3 build starts with a 64 KiB heap (MICROPY_GC_INITIAL_HEAP_SIZE) and adds areas on demand",
        &[ESP32_HEAP, ESP32_SPLIT],
    ),
    wrong(
        "MP-X-31",
        W32,
        "a boxed int costs 32 bytes of heap (struct block and digit-array block, measured), so a small int saves 32 \
         bytes",
        &[M_INT_BOXED, M_INT_SMALL, INT_T],
    ),
    wrong(
        "MP-X-31",
        BLOCK32,
        "a boxed int costs 64 bytes (two 32-byte blocks), which a small int saves",
        &[INT_T, MPZ_T, BPB, U_INT_BOXED],
    ),
    partly(
        "MP-X-32",
        ALL,
        "qstrs are interned, one copy per text, and a string made at run time that equals an existing qstr costs \
         nothing (measured: 0 bytes); other run-time strings are not interned: equal texts are separate objects \
         (measured: 32 bytes each on a32)",
        &[STR_QSTR, M_STR_QSTR, M_STR_15],
    ),
    holds("MP-X-33", ALL, &[STR_QSTR, INTERN_LEN, M_STR_QSTR, M_STR_EMPTY]),
    holds("MP-X-34", ALL, &[GC_MARK, GC_SWEEP]),
    partly(
        "MP-X-35",
        ALL,
        "roots are the root-pointer section of the VM state (with the globals and locals dicts), the Python stack, \
         and on most ports the C stack and registers (the WebAssembly port scans neither: it collects only when \
         control is back in JavaScript). Marking is not recursive: an explicit stack of 64 entries, and on overflow \
         a rescan of the ATB for MARK blocks. It is conservative: every block-aligned word pointing at a HEAD marks it",
        &[GC_ROOTS, GC_MARK, GC_OVERFLOW, WASM_COLLECT],
    ),
    holds("MP-X-36", ALL, &[GC_SWEEP]),
    holds("MP-X-37", &[A64, B64, C32, D32], &[GC_ALLOC]),
    partly(
        "MP-X-37",
        &[A32],
        "on the WebAssembly port an allocation that does not fit adds a new heap area instead (its gc_collect only \
         sets a flag; the collection runs when the call from JavaScript returns). ESP32, also with \
         MICROPY_GC_SPLIT_HEAP_AUTO, collects first and adds an area only when that does not free enough",
        &[
            WASM_COLLECT,
            GC_ALLOC,
            M_DEFERRED,
            ESP32_SPLIT,
            Evidence::Case("micropython/heap::growth"),
        ],
    ),
    holds("MP-X-38", &[A64, B64, C32, D32], &[MODGC]),
    partly(
        "MP-X-38",
        &[A32],
        "on the WebAssembly port gc.collect() only requests a collection; it runs when the outermost call from \
         JavaScript returns (measured: nothing is freed within the call)",
        &[WASM_COLLECT, M_DEFERRED],
    ),
    holds(
        "MP-X-39",
        ALL,
        &[
            src("py/gc.c", "MICROPY_GC_ALLOC_THRESHOLD"),
            src("py/modgc.c", "gc_threshold"),
        ],
    ),
    wrong(
        "MP-X-40",
        ALL,
        "a pointer held in a C local is a root: ports that collect from C scan the C stack and the registers \
         (gc_helper_collect_regs_and_stack), and the WebAssembly port never collects while C code runs. The example \
         is safe",
        &[GC_HELPER, WASM_COLLECT],
    ),
    holds("MP-X-41", ALL, &[GC_HELPER, GC_ROOTS]),
    wrong(
        "MP-X-42",
        ALL,
        "with the GC locked gc_alloc returns NULL and m_malloc raises MemoryError (\"memory allocation failed, heap \
         is locked\"), so mp_obj_new_list fails there; gc_lock is for code that must not allocate, not a way to keep \
         new objects alive",
        &[GC_ALLOC, src("py/runtime.c", "m_malloc_fail")],
    ),
    holds("MP-X-43", ALL, &[SMALLINT, M_INT_SMALL]),
    wrong(
        "MP-X-44",
        W32,
        "at least 32 bytes: a 16-byte mpz struct block and a separate digit-array block (at least 2 digits), \
         measured 32; the digit array grows by reallocation",
        &[M_INT_BOXED, MPZ_T, src("py/mpz.c", "mpz_need_dig")],
    ),
    wrong(
        "MP-X-44",
        BLOCK32,
        "at least 64 bytes: two 32-byte blocks (struct, digit array)",
        &[MPZ_T, BPB, U_INT_BOXED],
    ),
    partly(
        "MP-X-45",
        &[A32],
        "16 bytes of heap, one block, with single and double floats alike (measured: 16)",
        &[M_FLOAT, FLOAT_T],
    ),
    wrong(
        "MP-X-45",
        W64,
        "32 bytes: one 32-byte block",
        &[FLOAT_T, BPB, U_FLOAT],
    ),
    wrong(
        "MP-X-45",
        INLINE_FLOAT,
        "0 bytes: floats are stored in the word",
        &[FLOAT_C, FLOAT_D, N_FLOAT, L_FLOAT],
    ),
    holds(
        "MP-X-46",
        ALL,
        &[src("py/obj.h", "mp_const_true"), IMMEDIATE_OBJS, M_IDS, N_IDS],
    ),
    holds(
        "MP-X-47",
        ALL,
        &[src("py/obj.h", "mp_const_none"), IMMEDIATE_OBJS, M_IDS, N_IDS],
    ),
    wrong(
        "MP-X-48",
        ALL,
        "0 bytes: the empty string is the static qstr MP_QSTR_ (measured: 0)",
        &[STR_QSTR, M_STR_EMPTY],
    ),
    wrong(
        "MP-X-49",
        W32,
        "a short string is a qstr (0 bytes) when it equals an existing one, as every literal of up to 10 bytes does \
         once parsed; otherwise a 16-byte struct and a separate data block: 32 bytes up to 15 characters (measured)",
        &[STR_COPY, INTERN_LEN, M_STR_15, M_STR_QSTR],
    ),
    wrong(
        "MP-X-49",
        BLOCK32,
        "0 bytes as a qstr, else a struct block and a data block: 64 bytes up to 31 characters",
        &[STR_COPY, BPB, U_STR_15],
    ),
    partly(
        "MP-X-50",
        W32,
        "the data is external, but the cost is 16 + ceil((len + 1) / 16) x 16: the NUL terminator and block \
         rounding count (measured: 64 bytes for 41 characters)",
        &[STR_COPY, M_STR_41],
    ),
    partly(
        "MP-X-50",
        BLOCK32,
        "the data is external; the cost is 32 + ceil((len + 1) / 32) x 32",
        &[STR_COPY, BPB],
    ),
    wrong(
        "MP-X-51",
        W32,
        "32 bytes: the 16-byte list struct and a separate 16-byte item array of LIST_MIN_ALLOC (4) slots (measured)",
        &[LIST_INIT, M_LIST_0],
    ),
    wrong(
        "MP-X-51",
        BLOCK32,
        "64 bytes: a 32-byte struct block and a 32-byte array of 4 slots",
        &[LIST_INIT, BPB, U_LIST_0],
    ),
    wrong(
        "MP-X-52",
        W32,
        "16 bytes: `{}` has no hash table until its first key (measured: 16; with one key 32)",
        &[MAP_INIT, M_DICT_0, M_DICT_1],
    ),
    wrong(
        "MP-X-52",
        BLOCK32,
        "32 bytes: one block, no table until the first key",
        &[MAP_INIT, BPB, U_DICT_0],
    ),
    wrong(
        "MP-X-53",
        ALL,
        "0 bytes: `()` is the ROM object mp_const_empty_tuple (measured: 0); a tuple of n items is one allocation of \
         2 words + n items",
        &[TUPLE_NEW, M_TUPLE_0, M_TUPLE_1],
    ),
    wrong(
        "MP-X-54",
        W32,
        "a `def` without defaults costs 16 bytes: mp_obj_fun_bc_t {base, context, child_table, bytecode}, one block \
         (measured); each positional default adds a word, keyword defaults a word and a dict; the bytecode is made \
         at compile time",
        &[FUN_BC, M_FUN, M_FUN_DEFAULTS],
    ),
    wrong(
        "MP-X-54",
        BLOCK32,
        "at least 32 bytes: one 32-byte block",
        &[FUN_BC, BPB, U_FUN],
    ),
    wrong(
        "MP-X-55",
        W32,
        "at least 48 bytes in 3 allocations: closure {base, fun, n_closed, closed[]} 16, the inner function 16 and \
         one 16-byte cell per captured variable (measured: 48 for one variable, 80 for two)",
        &[CLOSURE, CELL, FUN_BC, M_CLOSURE_1, M_CLOSURE_2],
    ),
    wrong(
        "MP-X-55",
        BLOCK32,
        "at least 96 bytes: closure, inner function and one cell, a 32-byte block each",
        &[CLOSURE, CELL, FUN_BC, BPB, U_CLOSURE_1],
    ),
    partly(
        "MP-X-56",
        ALL,
        "a tuple is never dearer than a list of the same length (one allocation of 2 + n words against a 4-word struct \
         plus at least 4 item slots) and cheaper for n <= 2 and whenever the list's extra block shows, but equal in \
         some cases: on a32 3 and 4 items cost 32 bytes either way (measured); `()` is free, `[]` is not",
        &[TUPLE_NEW, LIST_INIT, M_TUPLE_3, M_TUPLE_4, M_LIST_3, M_LIST_4],
    ),
    holds("MP-X-57", W32, &[SMALLINT, M_INT_SMALL, M_INT_BOXED]),
    wrong(
        "MP-X-57",
        &[A64],
        "-2^62 .. 2^62 - 1",
        &[SMALLINT, U_INT_SMALL, U_INT_BOXED],
    ),
    wrong("MP-X-57", &[B64], "-2^61 .. 2^61 - 1", &[SMALLINT]),
    wrong(
        "MP-X-57",
        &[D32],
        "-2^46 .. 2^46 - 1",
        &[src("py/smallint.h", "MP_SMALL_INT_MIN"), N_INT_SMALL, N_INT_BOXED],
    ),
    partly(
        "MP-X-58",
        ALL,
        "only qstrs are interned: names, attribute names and literals of up to 10 bytes; a string built at run time \
         is a qstr only if its text is already one, otherwise every copy is its own heap object",
        &[STR_QSTR, INTERN_LEN, M_STR_QSTR, M_STR_15],
    ),
    partly(
        "MP-X-59",
        ALL,
        "const (ROM) objects never use the GC heap; whether read-only data sits in flash depends on the port: flash \
         on execute-in-place microcontrollers (ESP32, ESP8266), ordinary read-only data in RAM on unix and in the \
         WebAssembly module's memory",
        &[src("py/obj.h", "MP_ROM_PTR")],
    ),
    partly(
        "MP-X-60",
        ALL,
        "nesting costs nothing of its own: every level is one more object priced as in the size table; nesting \
         deeper than the 64-entry mark stack makes a collection rescan the ATB (slower, not bigger)",
        &[GC_MARK, GC_OVERFLOW],
    ),
    // ---- MP-Y: docs/develop/memorymgt.rst --------------------------------------------------------------
    holds("MP-Y-01", ALL, &[GC_ALLOC, GC_SWEEP]),
    untestable(
        "MP-Y-02",
        ALL,
        "a general statement about automatic memory management, not about MicroPython's layout or behaviour",
        &[Evidence::Derived("no engine behaviour is claimed")],
    ),
    holds("MP-Y-03", ALL, &[GC_ALLOC, GC_SWEEP]),
    holds("MP-Y-04", ALL, &[GC_MARK, GC_SWEEP]),
    partly(
        "MP-Y-05",
        ALL,
        "marking starts from the roots, not from the heap, and is conservative: every block-aligned word pointing at \
         a HEAD keeps that allocation, so dead objects can be kept too; the sweep walks the ATB and frees every \
         unmarked HEAD with its TAILs",
        &[GC_ROOTS, GC_MARK, GC_SWEEP],
    ),
    holds("MP-Y-06", ALL, &[src("py/modgc.c", "mp_module_gc")]),
    untestable(
        "MP-Y-07",
        &[A64],
        "a snapshot of one run of the unix port's REPL (64-bit, 2 MiB heap): the number depends on build, version and \
         history; the same input to a v1.27.0 standard build answers differently on every run (2432, 2688, 2944, 3200 \
         measured). It is a whole number of 32-byte blocks (41), as mem_alloc always is. The example is gone from \
         the page after v1.28.0",
        &[
            Evidence::Derived("1312 = 41 x 32"),
            U_REPL,
            src("py/modgc.c", "gc_mem_alloc"),
            head_src("docs/develop/memorymgt.rst", "Memory Management"),
        ],
    ),
    untestable(
        "MP-Y-08",
        &[A64],
        "a snapshot: with the unix port's 2 MiB heap the pool is 2072832 bytes (area formula), and 1312 + 2071392 = \
         2072704 is 4 blocks short, allocated between the two prompts. On the WebAssembly port mem_free() also counts \
         the 128 MiB the heap could still grow by",
        &[
            Evidence::Derived("floor((2097152 - 1) x 8 / 1036) x 4 x 32 = 2072832"),
            U_POOL,
            U_REPL,
            src("py/modgc.c", "gc_mem_free"),
            src("ports/unix/main.c", "heap_size"),
        ],
    ),
    partly(
        "MP-Y-09",
        UNIX,
        "gc.collect() returns a number on the unix port only because it sets MICROPY_PY_GC_COLLECT_RETVAL; the number \
         is the count of allocations (HEAD blocks) freed by that collection, so 19 is one run's snapshot (a v1.27.0 \
         build answers 45 to the same REPL input, 3 at the start of a script)",
        &[MODGC, UNIX_RETVAL, GC_SWEEP, U_COLLECT, U_REPL, N_COLLECT],
    ),
    wrong(
        "MP-Y-09",
        &[A32, C32],
        "gc.collect() returns None where MICROPY_PY_GC_COLLECT_RETVAL is 0: the WebAssembly port (measured), ESP32, \
         ESP8266 and other bare-metal ports",
        &[MODGC, M_COLLECT],
    ),
    holds("MP-Y-10", ALL, &[src("py/modgc.c", "gc_enable, gc_disable")]),
    holds(
        "MP-Y-11",
        ALL,
        &[
            src("py/gc.c", "gc_collect_start"),
            src("py/modgc.c", "gc_disable"),
            M_DISABLED,
        ],
    ),
    holds("MP-Y-12", ALL, &[src("py/obj.h", "mp_obj_t")]),
    holds("MP-Y-13", LOW_TAGS, &[OBJ_WORD, MPCONFIG_REPR]),
    partly(
        "MP-Y-13",
        &[D32],
        "in REPR_D mp_obj_t is 64 bits on a 32-bit CPU: the exception the page names itself (MP-Y-15)",
        &[MPCONFIG_REPR, src("py/mpconfig.h", "MP_INT_TYPE"), N_IDS],
    ),
    holds("MP-Y-14", REPR_A_LIKE, &[OBJ_WORD]),
    holds("MP-Y-15", &[D32], &[MPCONFIG_REPR]),
    holds("MP-Y-16", LOW_TAGS, &[MPCONFIG_REPR, IMMEDIATE_OBJS, M_INT_SMALL]),
    partly(
        "MP-Y-16",
        &[D32],
        "small ints are in the word, but booleans are pointers to ROM objects (MICROPY_OBJ_IMMEDIATE_OBJS is 0 for \
         REPR_D); they need no heap either",
        &[IMMEDIATE_OBJS, src("py/obj.h", "mp_const_true"), N_IDS],
    ),
    holds("MP-Y-17", ALL, &[MPCONFIG_REPR, OBJ_BASE]),
    holds("MP-Y-18", ALL, &[MPCONFIG_REPR]),
    holds("MP-Y-19", ALL, &[MPCONFIG_REPR]),
    holds("MP-Y-20", LOW_TAGS, &[src("py/obj.h", "mp_obj_is_obj")]),
    partly(
        "MP-Y-20",
        &[D32],
        "pointers are 4-byte aligned and stored zero-extended in the 64-bit word; the kind is told by the top 16 \
         bits (0x0000), not the low bits",
        &[src("py/obj.h", "mp_obj_is_obj (REPR_D)"), N_IDS],
    ),
    holds("MP-Y-21", &[A32, A64, B64], &[MPCONFIG_REPR]),
    partly(
        "MP-Y-21",
        &[C32],
        "the low bits are the tag for small ints, pointers and floats, but qstrs and immediates are told apart from \
         floats by the top 9 bits as well (O & 0xff80000f), after a 0x80800000 offset",
        &[MPCONFIG_REPR, src("py/obj.h", "mp_obj_is_qstr (REPR_C)"), L_IDS],
    ),
    wrong(
        "MP-Y-21",
        &[D32],
        "REPR_D keeps the tag in the top 16 bits of the 64-bit word",
        &[MPCONFIG_REPR, N_IDS],
    ),
    partly(
        "MP-Y-22",
        &[A32, A64, B64],
        "the tag also marks immediate objects (None, False, True), which the page names a paragraph later",
        &[MPCONFIG_REPR],
    ),
    partly(
        "MP-Y-22",
        INLINE_FLOAT,
        "the tag also marks floats stored in the word (and in REPR_C immediate objects)",
        &[MPCONFIG_REPR],
    ),
    holds(
        "MP-Y-23",
        &[A32, A64, C32],
        &[src("py/obj.h", "mp_obj_is_small_int"), M_IDS, U_IDS, L_IDS],
    ),
    wrong(
        "MP-Y-23",
        &[B64],
        "REPR_B: `…01`, the value from bit 2",
        &[src("py/obj.h", "mp_obj_is_small_int (REPR_B)")],
    ),
    wrong(
        "MP-Y-23",
        &[D32],
        "REPR_D: top 16 bits 0x0001, the value in bits 1 to 47, bit 0 set",
        &[src("py/obj.h", "mp_obj_is_small_int (REPR_D)"), N_IDS],
    ),
    holds(
        "MP-Y-24",
        REPR_A_LIKE,
        &[src("py/obj.h", "mp_obj_is_qstr"), M_IDS, U_IDS],
    ),
    wrong(
        "MP-Y-24",
        &[B64],
        "REPR_B: `…011`",
        &[src("py/obj.h", "mp_obj_is_qstr (REPR_B)")],
    ),
    wrong(
        "MP-Y-24",
        &[C32],
        "REPR_C: `(O & 0xff80000f) == 0x6`, the index in bits 4 to 22",
        &[src("py/obj.h", "mp_obj_is_qstr (REPR_C)"), L_IDS],
    ),
    wrong(
        "MP-Y-24",
        &[D32],
        "REPR_D: top 16 bits 0x0002, the index in bits 1 to 31, bit 0 set",
        &[src("py/obj.h", "mp_obj_is_qstr (REPR_D)"), N_IDS],
    ),
    holds(
        "MP-Y-25",
        REPR_A_LIKE,
        &[src("py/obj.h", "mp_obj_is_immediate_obj"), M_IDS, U_IDS],
    ),
    wrong(
        "MP-Y-25",
        &[B64],
        "REPR_B: `…111`",
        &[src("py/obj.h", "mp_obj_is_immediate_obj (REPR_B)")],
    ),
    wrong(
        "MP-Y-25",
        &[C32],
        "REPR_C: `(O & 0xff80000f) == 0xe`; True is 0x3e",
        &[src("py/obj.h", "mp_obj_is_immediate_obj (REPR_C)"), L_IDS],
    ),
    wrong(
        "MP-Y-25",
        &[D32],
        "REPR_D has no immediate objects: True is a pointer to a ROM object",
        &[IMMEDIATE_OBJS, N_IDS],
    ),
    holds(
        "MP-Y-26",
        &[A32, A64, C32],
        &[src("py/obj.h", "mp_obj_is_obj"), M_IDS, U_IDS, L_IDS],
    ),
    partly(
        "MP-Y-26",
        &[B64],
        "REPR_B tests only the lowest bit: `…*0`",
        &[src("py/obj.h", "mp_obj_is_obj (REPR_B)")],
    ),
    partly(
        "MP-Y-26",
        &[D32],
        "REPR_D: the top 16 bits are zero; the low two are zero by alignment but not tested",
        &[src("py/obj.h", "mp_obj_is_obj (REPR_D)"), N_IDS],
    ),
    holds("MP-Y-27", ALL, &[SMALLINT, M_INT_SMALL]),
    holds("MP-Y-28", ALL, &[STR_QSTR, M_STR_QSTR, IMMEDIATE_OBJS]),
    partly(
        "MP-Y-29",
        ALL,
        "concrete objects may also be static (ROM or read-only data: `()`, `b''`, types, constant tables, and in \
         REPR_D None, False, True); on the heap the \"header\" is just the type pointer, the object's first field",
        &[OBJ_BASE, TUPLE_NEW, M_TUPLE_0],
    ),
    partly(
        "MP-Y-30",
        ALL,
        "the type pointer comes first and the fields follow, but for lists, dicts, sets, strs, bytes, bytearrays and \
         big ints the items live in a separate allocation with no type word (a list costs two blocks, measured)",
        &[OBJ_BASE, LIST_INIT, M_LIST_0],
    ),
    holds("MP-Y-31", &[A32, A64, B64, C32], &[BPB, OBJ_WORD]),
    wrong(
        "MP-Y-31",
        &[D32],
        "with REPR_D a block is 4 x 8 = 32 bytes on a 32-bit machine: four mp_uint_t, which is 64-bit there",
        &[BPB, src("py/mpconfig.h", "MP_INT_TYPE"), N_POOL],
    ),
    partly(
        "MP-Y-32",
        ALL,
        "the table is not allocated from the heap: it sits at the start of each heap area, before the pool of \
         blocks; py/gc.c calls it the allocation table (ATB)",
        &[GC_SETUP],
    ),
    partly(
        "MP-Y-33",
        ALL,
        "two bits per block, with four states: FREE, HEAD and TAIL of an allocation, MARK",
        &[ATB_CODES],
    ),
    holds("MP-Y-34", ALL, &[ATB_CODES, GC_MARK]),
    holds("MP-Y-35", ALL, &[GC_SETUP]),
    holds("MP-Y-36", ALL, &[GC_SETUP, src("py/gc.c", "gc_add")]),
    wrong(
        "MP-Y-37",
        ALL,
        "the ATB is the allocation table, one 2-bit entry per block (four per byte); an entry is never \"set\" to \
         mean a normal block: it is FREE, HEAD, TAIL or MARK",
        &[ATB_CODES, src("py/gc.c", "ATB_GET_KIND")],
    ),
    holds("MP-Y-38", ALL, &[ATB_CODES, M_HEAP_MAP]),
    holds("MP-Y-39", ALL, &[ATB_CODES, M_HEAP_MAP]),
    holds("MP-Y-40", ALL, &[ATB_CODES, M_HEAP_MAP]),
    holds("MP-Y-41", ALL, &[ATB_CODES]),
    partly(
        "MP-Y-42",
        ALL,
        "the FTB is a table of one bit per block (eight per byte), present with MICROPY_ENABLE_FINALISER; a set bit \
         means the block may have a finaliser (py/gc.c), and counts only on a HEAD; the finaliser itself is looked up \
         (__del__) at sweep time",
        &[
            src("py/gc.c", "BLOCKS_PER_FTB"),
            src("py/gc.c", "gc_sweep_run_finalisers"),
            M_POOL,
        ],
    ),
];

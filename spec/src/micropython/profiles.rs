//! The five MicroPython profiles: one build each, with its tag table, facts and object sizes.

use crate::evidence::Evidence;
use crate::fact::{Fact, Unit};
use crate::micropython::heap::{
    ALLOC_TABLE_GAP_BYTES, ATB_BITS_PER_BLOCK, BLOCKS_PER_ATB, BLOCKS_PER_FTB, BlockKind, GC_STACK_ENTRIES,
    SideTables, area_split_divisor,
};
use crate::micropython::heap_map::{BLOCKS_PER_LINE, COLLAPSE_MIN_FREE_BLOCKS};
use crate::micropython::repr::{
    IMMEDIATES_A, IMMEDIATES_B, IMMEDIATES_C, IMMEDIATES_D, Repr, SMALL_INT_A32, SMALL_INT_A64,
    SMALL_INT_B64, SMALL_INT_C32, SMALL_INT_D, TAGS_A, TAGS_B, TAGS_C, TAGS_D,
};
use crate::micropython::sizes::{
    A32_SIZES, C32_SIZES, D32_SIZES, LAYOUT_64, LAYOUT_A32, LAYOUT_C32, LAYOUT_D32, LIST_MIN_ALLOC, SIZES_64,
};
use crate::micropython::{measured, src, src_v1_28};
use crate::profile::{GcDiscipline, Profile, ProfileId};
use crate::width::Width;

/// The side tables of every profile here: a finaliser table, and no weakref table (v1.27.0 has none).
pub const V1_27_TABLES: SideTables = SideTables {
    finaliser: true,
    weakref: false,
};

const fn fact(name: &'static str, value: i64, unit: Unit, meaning: &'static str, source: Evidence) -> Fact {
    Fact {
        name,
        value,
        unit,
        meaning,
        source,
    }
}

const fn word_fact(bytes: u64) -> Fact {
    fact(
        "MP_BYTES_PER_OBJ_WORD",
        bytes as i64,
        Unit::Bytes,
        "sizeof(mp_uint_t): the word the block size is counted in",
        src("py/mpconfig.h", "MP_BYTES_PER_OBJ_WORD"),
    )
}

const fn block_fact(bytes: u64) -> Fact {
    fact(
        "MICROPY_BYTES_PER_GC_BLOCK",
        bytes as i64,
        Unit::Bytes,
        "bytes per GC block: 4 x MP_BYTES_PER_OBJ_WORD; every allocation is a whole number of blocks",
        src("py/mpconfig.h", "MICROPY_BYTES_PER_GC_BLOCK"),
    )
}

const fn obj_fact(bytes: u64) -> Fact {
    fact(
        "sizeof(mp_obj_t)",
        bytes as i64,
        Unit::Bytes,
        "width of a stored value",
        src("py/obj.h", "mp_obj_t"),
    )
}

const fn ptr_fact(bytes: u64) -> Fact {
    fact(
        "sizeof(void *)",
        bytes as i64,
        Unit::Bytes,
        "pointer and size_t width; the collector scans allocations in words of this size",
        src("py/gc.c", "gc_mark_subtree"),
    )
}

const fn divisor_fact(bytes_per_block: u64) -> Fact {
    fact(
        "area-split divisor",
        area_split_divisor(bytes_per_block, V1_27_TABLES) as i64,
        Unit::Number,
        "ATB bytes = floor((area bytes - 1) x 8 / divisor), divisor = 8 + 4 (FTB) + 32 x block bytes; \
         blocks = 4 x ATB bytes; the pool is placed flush against the area's end",
        src("py/gc.c", "gc_setup_area"),
    )
}

const fn small_int_bits_fact(bits: u32) -> Fact {
    fact(
        "MP_SMALL_INT_BITS",
        bits as i64,
        Unit::Bits,
        "bits of a small int, sign included",
        src("py/smallint.h", "MP_SMALL_INT_BITS"),
    )
}

const fn qstr_bits_fact(bits: i64, meaning: &'static str, symbol: &'static str) -> Fact {
    fact(
        "qstr index bits",
        bits,
        Unit::Bits,
        meaning,
        src("py/obj.h", symbol),
    )
}

const fn mpz_fact(bits: u64, meaning: &'static str) -> Fact {
    fact(
        "MPZ_DIG_SIZE",
        bits as i64,
        Unit::Bits,
        meaning,
        src("py/mpz.h", "MPZ_DIG_SIZE"),
    )
}

const fn flag(name: &'static str, on: bool, meaning: &'static str, source: Evidence) -> Fact {
    fact(name, on as i64, Unit::Flag, meaning, source)
}

const ATB_BITS: Fact = fact(
    "ATB bits per block",
    ATB_BITS_PER_BLOCK as i64,
    Unit::Bits,
    "each block's state is a 2-bit entry of the allocation table; blocks carry no header",
    src("py/gc.c", "BLOCK_SHIFT"),
);
const ATB_BLOCKS: Fact = fact(
    "BLOCKS_PER_ATB",
    BLOCKS_PER_ATB as i64,
    Unit::Blocks,
    "blocks per ATB byte; block b is at bits 2 x (b mod 4) of byte b / 4",
    src("py/gc.c", "BLOCKS_PER_ATB"),
);
const AT_FREE: Fact = fact(
    "AT_FREE",
    BlockKind::Free as i64,
    Unit::Number,
    "ATB code of a free block",
    src("py/gc.c", "AT_FREE"),
);
const AT_HEAD: Fact = fact(
    "AT_HEAD",
    BlockKind::Head as i64,
    Unit::Number,
    "ATB code of an allocation's first block",
    src("py/gc.c", "AT_HEAD"),
);
const AT_TAIL: Fact = fact(
    "AT_TAIL",
    BlockKind::Tail as i64,
    Unit::Number,
    "ATB code of an allocation's further blocks",
    src("py/gc.c", "AT_TAIL"),
);
const AT_MARK: Fact = fact(
    "AT_MARK",
    BlockKind::Mark as i64,
    Unit::Number,
    "ATB code of a HEAD marked during a collection",
    src("py/gc.c", "AT_MARK"),
);
const GAP: Fact = fact(
    "ALLOC_TABLE_GAP_BYTE",
    ALLOC_TABLE_GAP_BYTES as i64,
    Unit::Bytes,
    "a zero byte after the ATB, so a chain at the pool's end always stops before the FTB",
    src("py/gc.c", "ALLOC_TABLE_GAP_BYTE"),
);
const FINALISER: Fact = flag(
    "MICROPY_ENABLE_FINALISER",
    true,
    "a finaliser table (FTB) follows the gap byte",
    src("py/mpconfig.h", "MICROPY_ENABLE_FINALISER"),
);
const FTB_BLOCKS: Fact = fact(
    "BLOCKS_PER_FTB",
    BLOCKS_PER_FTB as i64,
    Unit::Blocks,
    "blocks per FTB byte: one bit per block, set when the block may have a finaliser",
    src("py/gc.c", "BLOCKS_PER_FTB"),
);
const NO_WTB: Fact = fact(
    "WTB bits per block",
    0,
    Unit::Bits,
    "no weakref table in v1.27.0; v1.28.0 adds one (1 bit per block, BLOCKS_PER_WTB = 8) after the FTB \
     when MICROPY_PY_WEAKREF is set, and counts it in the area-split divisor (+ 4)",
    src_v1_28("py/gc.c", "BLOCKS_PER_WTB"),
);
const GC_STACK: Fact = fact(
    "MICROPY_ALLOC_GC_STACK_SIZE",
    GC_STACK_ENTRIES as i64,
    Unit::Entries,
    "mark-stack entries; on overflow the ATB is rescanned for MARK blocks",
    src("py/mpconfig.h", "MICROPY_ALLOC_GC_STACK_SIZE"),
);
const QSTR_HASH: Fact = fact(
    "MICROPY_QSTR_BYTES_IN_HASH",
    2,
    Unit::Bytes,
    "bytes of each qstr's hash (2 from the EXTRA_FEATURES level up)",
    src("py/mpconfig.h", "MICROPY_QSTR_BYTES_IN_HASH"),
);
const QSTR_LEN: Fact = fact(
    "MICROPY_QSTR_BYTES_IN_LEN",
    1,
    Unit::Bytes,
    "bytes of each qstr's length: a qstr is at most 255 bytes",
    src("py/mpconfig.h", "MICROPY_QSTR_BYTES_IN_LEN"),
);
const INTERN_LEN: Fact = fact(
    "MICROPY_ALLOC_PARSE_INTERN_STRING_LEN",
    10,
    Unit::Bytes,
    "string literals up to this length are interned as qstrs by the parser",
    src("py/mpconfig.h", "MICROPY_ALLOC_PARSE_INTERN_STRING_LEN"),
);
const LIST_MIN: Fact = fact(
    "LIST_MIN_ALLOC",
    LIST_MIN_ALLOC as i64,
    Unit::Entries,
    "fewest item slots a list allocates",
    src("py/objlist.c", "LIST_MIN_ALLOC"),
);
const MAP_LINE: Fact = fact(
    "heap-map blocks per line",
    BLOCKS_PER_LINE as i64,
    Unit::Blocks,
    "mem_info(1) prints 64 blocks a line, prefixed by the first block's byte offset as %08x",
    src("py/gc.c", "gc_dump_alloc_table"),
);
const MAP_COLLAPSE: Fact = fact(
    "heap-map collapse threshold",
    COLLAPSE_MIN_FREE_BLOCKS as i64,
    Unit::Blocks,
    "a free run of at least this many blocks from a line's start prints as `(N lines all free)`",
    src("py/gc.c", "gc_dump_alloc_table"),
);
const OBJ_NULL: Fact = fact(
    "MP_OBJ_NULL",
    0,
    Unit::Number,
    "the null object word",
    src("py/obj.h", "MP_OBJ_NULL"),
);
const OBJ_SENTINEL: Fact = fact(
    "MP_OBJ_SENTINEL",
    4,
    Unit::Number,
    "the sentinel object word (8 with MICROPY_DEBUG_MP_OBJ_SENTINELS)",
    src("py/obj.h", "MP_OBJ_SENTINEL"),
);
const IMMEDIATE_OBJS: Fact = flag(
    "MICROPY_OBJ_IMMEDIATE_OBJS",
    true,
    "None, False and True are immediates in the word",
    src("py/mpconfig.h", "MICROPY_OBJ_IMMEDIATE_OBJS"),
);
const UNIX_RETVAL: Fact = flag(
    "MICROPY_PY_GC_COLLECT_RETVAL",
    true,
    "gc.collect() returns the number of allocations (HEAD blocks) freed",
    src(
        "ports/unix/variants/mpconfigvariant_common.h",
        "MICROPY_PY_GC_COLLECT_RETVAL",
    ),
);
const NO_SPLIT_AUTO: Fact = flag(
    "MICROPY_GC_SPLIT_HEAP_AUTO",
    false,
    "one heap area of fixed size",
    src("py/mpconfig.h", "MICROPY_GC_SPLIT_HEAP_AUTO"),
);

static A32_FACTS: &[Fact] = &[
    word_fact(4),
    obj_fact(4),
    ptr_fact(4),
    block_fact(LAYOUT_A32.block_bytes),
    ATB_BITS,
    ATB_BLOCKS,
    AT_FREE,
    AT_HEAD,
    AT_TAIL,
    AT_MARK,
    GAP,
    FINALISER,
    FTB_BLOCKS,
    NO_WTB,
    divisor_fact(LAYOUT_A32.block_bytes),
    GC_STACK,
    MAP_LINE,
    MAP_COLLAPSE,
    small_int_bits_fact(Repr::A.small_int_bits(32)),
    qstr_bits_fact(
        29,
        "a qstr index is bits 3 to 31 of the word",
        "MP_OBJ_NEW_QSTR (REPR_A)",
    ),
    QSTR_HASH,
    QSTR_LEN,
    INTERN_LEN,
    IMMEDIATE_OBJS,
    OBJ_NULL,
    OBJ_SENTINEL,
    mpz_fact(
        16,
        "16-bit mpz digits in uint16_t (every target but x86-64 and Win64)",
    ),
    LIST_MIN,
    fact(
        "sizeof(mp_obj_float_t)",
        16,
        Unit::Bytes,
        "base 4, padding 4, double 8 (alignof(double) is 8 on wasm32); single-float builds such as ESP32 have 8",
        src("py/objfloat.c", "mp_obj_float_t"),
    ),
    flag(
        "MICROPY_PY_GC_COLLECT_RETVAL",
        false,
        "gc.collect() returns None",
        src("py/mpconfig.h", "MICROPY_PY_GC_COLLECT_RETVAL"),
    ),
    flag(
        "MICROPY_GC_SPLIT_HEAP_AUTO",
        true,
        "the heap grows by new areas when an allocation does not fit; collections wait for the return to JavaScript",
        src(
            "ports/webassembly/variants/pyscript/mpconfigvariant.h",
            "MICROPY_GC_SPLIT_HEAP_AUTO",
        ),
    ),
    fact(
        "max new split",
        134_217_728,
        Unit::Bytes,
        "the largest area the wasm port would still add; gc.mem_free() includes it",
        src("ports/webassembly/main.c", "gc_get_max_new_split"),
    ),
    fact(
        "gc_alloc_threshold",
        1024,
        Unit::Blocks,
        "16 KiB of blocks allocated since the last collection ask for one (run on return to JavaScript)",
        src("ports/webassembly/main.c", "mp_js_init"),
    ),
    fact(
        "default heapsize",
        1_048_576,
        Unit::Bytes,
        "loadMicroPython's default heapsize: the area malloc'd and handed whole to gc_init",
        src("ports/webassembly/api.js", "loadMicroPython"),
    ),
    fact(
        "pool bytes at heapsize 1048576",
        1_024_512,
        Unit::Bytes,
        "GC: total of mem_info() for the default heap: 64032 blocks",
        measured("node engines/micropython/measure.mjs pool 1048576"),
    ),
];

static A64_FACTS: &[Fact] = &[
    word_fact(8),
    obj_fact(8),
    ptr_fact(8),
    block_fact(LAYOUT_64.block_bytes),
    ATB_BITS,
    ATB_BLOCKS,
    AT_FREE,
    AT_HEAD,
    AT_TAIL,
    AT_MARK,
    GAP,
    FINALISER,
    FTB_BLOCKS,
    NO_WTB,
    divisor_fact(LAYOUT_64.block_bytes),
    GC_STACK,
    MAP_LINE,
    MAP_COLLAPSE,
    small_int_bits_fact(Repr::A.small_int_bits(64)),
    qstr_bits_fact(
        61,
        "a qstr index is bits 3 to 63 of the word",
        "MP_OBJ_NEW_QSTR (REPR_A)",
    ),
    QSTR_HASH,
    QSTR_LEN,
    INTERN_LEN,
    IMMEDIATE_OBJS,
    OBJ_NULL,
    OBJ_SENTINEL,
    mpz_fact(32, "32-bit mpz digits in uint32_t (x86-64)"),
    LIST_MIN,
    fact(
        "sizeof(mp_obj_float_t)",
        16,
        Unit::Bytes,
        "base 8, double 8",
        src("py/objfloat.c", "mp_obj_float_t"),
    ),
    UNIX_RETVAL,
    NO_SPLIT_AUTO,
    fact(
        "default heap bytes",
        2_097_152,
        Unit::Bytes,
        "the unix port's heap: 1 MiB x sizeof(mp_uint_t) / 4",
        src("ports/unix/main.c", "heap_size"),
    ),
];

static B64_FACTS: &[Fact] = &[
    word_fact(8),
    obj_fact(8),
    ptr_fact(8),
    block_fact(LAYOUT_64.block_bytes),
    ATB_BITS,
    ATB_BLOCKS,
    AT_FREE,
    AT_HEAD,
    AT_TAIL,
    AT_MARK,
    GAP,
    FINALISER,
    FTB_BLOCKS,
    NO_WTB,
    divisor_fact(LAYOUT_64.block_bytes),
    GC_STACK,
    MAP_LINE,
    MAP_COLLAPSE,
    small_int_bits_fact(Repr::B.small_int_bits(64)),
    qstr_bits_fact(
        61,
        "a qstr index is bits 3 to 63 of the word",
        "MP_OBJ_NEW_QSTR (REPR_B)",
    ),
    QSTR_HASH,
    QSTR_LEN,
    INTERN_LEN,
    IMMEDIATE_OBJS,
    OBJ_NULL,
    OBJ_SENTINEL,
    mpz_fact(32, "32-bit mpz digits in uint32_t (x86-64)"),
    LIST_MIN,
    fact(
        "sizeof(mp_obj_float_t)",
        16,
        Unit::Bytes,
        "base 8, double 8",
        src("py/objfloat.c", "mp_obj_float_t"),
    ),
    UNIX_RETVAL,
    NO_SPLIT_AUTO,
];

static C32_FACTS: &[Fact] = &[
    word_fact(4),
    obj_fact(4),
    ptr_fact(4),
    block_fact(LAYOUT_C32.block_bytes),
    ATB_BITS,
    ATB_BLOCKS,
    AT_FREE,
    AT_HEAD,
    AT_TAIL,
    AT_MARK,
    GAP,
    FINALISER,
    FTB_BLOCKS,
    NO_WTB,
    divisor_fact(LAYOUT_C32.block_bytes),
    GC_STACK,
    MAP_LINE,
    MAP_COLLAPSE,
    small_int_bits_fact(Repr::C.small_int_bits(32)),
    qstr_bits_fact(
        19,
        "a qstr index is bits 4 to 22 of the word; the top 9 bits stay zero",
        "MP_OBJ_NEW_QSTR (REPR_C)",
    ),
    QSTR_HASH,
    QSTR_LEN,
    INTERN_LEN,
    IMMEDIATE_OBJS,
    OBJ_NULL,
    OBJ_SENTINEL,
    mpz_fact(16, "16-bit mpz digits in uint16_t"),
    LIST_MIN,
    fact(
        "float bits kept",
        30,
        Unit::Bits,
        "a float keeps the top 30 bits of its single-precision pattern; decoding copies bits 2-3 into bits 0-1",
        src("py/obj.h", "mp_obj_float_get (REPR_C)"),
    ),
    flag(
        "MICROPY_PY_GC_COLLECT_RETVAL",
        false,
        "gc.collect() returns None",
        src("py/mpconfig.h", "MICROPY_PY_GC_COLLECT_RETVAL"),
    ),
    NO_SPLIT_AUTO,
];

static D32_FACTS: &[Fact] = &[
    word_fact(8),
    obj_fact(8),
    ptr_fact(4),
    fact(
        "alignof(mp_obj_t) in a struct",
        LAYOUT_D32.obj_align as i64,
        Unit::Bytes,
        "a 64-bit field is 4-aligned inside structs on i386, so no padding follows a 4-byte field \
         (32-bit ARM builds, e.g. the stm32 nanbox config, align it to 8)",
        src(
            "ports/unix/variants/nanbox/mpconfigvariant.mk",
            "MICROPY_FORCE_32BIT",
        ),
    ),
    block_fact(LAYOUT_D32.block_bytes),
    ATB_BITS,
    ATB_BLOCKS,
    AT_FREE,
    AT_HEAD,
    AT_TAIL,
    AT_MARK,
    GAP,
    FINALISER,
    FTB_BLOCKS,
    NO_WTB,
    divisor_fact(LAYOUT_D32.block_bytes),
    GC_STACK,
    MAP_LINE,
    MAP_COLLAPSE,
    small_int_bits_fact(Repr::D.small_int_bits(64)),
    qstr_bits_fact(
        31,
        "a qstr index is cut to 32 bits and shifted left by one in 32-bit arithmetic, so 31 bits survive",
        "MP_OBJ_NEW_QSTR (REPR_D)",
    ),
    QSTR_HASH,
    QSTR_LEN,
    INTERN_LEN,
    flag(
        "MICROPY_OBJ_IMMEDIATE_OBJS",
        false,
        "None, False and True are pointers to the ROM objects mp_const_none_obj, mp_const_false_obj, \
         mp_const_true_obj",
        src("py/mpconfig.h", "MICROPY_OBJ_IMMEDIATE_OBJS"),
    ),
    OBJ_NULL,
    OBJ_SENTINEL,
    mpz_fact(16, "16-bit mpz digits in uint16_t (i386)"),
    LIST_MIN,
    UNIX_RETVAL,
    NO_SPLIT_AUTO,
];

/// `micropython-a32`: REPR_A with 32-bit words.
pub static A32: Profile = Profile {
    id: ProfileId::MicropythonA32,
    summary: "MicroPython v1.27.0, REPR_A with 32-bit words: ESP32, ESP32-C3, most 32-bit microcontrollers and \
              the WebAssembly port. Facts and sizes are for the WebAssembly port's pyscript variant \
              (@micropython/micropython-webassembly-pyscript 1.27.0), measured with \
              engines/micropython/measure.mjs: double floats, 16-bit mpz digits, a finaliser table and no \
              weakref table (that arrived in v1.28.0), a heap that grows by new areas, collections deferred to \
              the return to JavaScript, gc.collect() returning None. ESP32 builds use single floats (the same \
              one-block cost) and collect on the spot.",
    engine_version: "1.27.0",
    value_width: Width::W32,
    tags: TAGS_A,
    immediates: IMMEDIATES_A,
    small_int: SMALL_INT_A32,
    facts: A32_FACTS,
    layouts: &[],
    sizes: A32_SIZES,
    gc: GcDiscipline::ConservativeMarkSweep,
};

/// `micropython-a64`: REPR_A with 64-bit words.
pub static A64: Profile = Profile {
    id: ProfileId::MicropythonA64,
    summary: "MicroPython v1.27.0, REPR_A with 64-bit words: the unix port's standard variant on x86-64. \
              32-byte blocks, double floats, 32-bit mpz digits, a finaliser table, one fixed 2 MiB heap, \
              gc.collect() returning the number of allocations freed. Sizes are derived from the struct \
              layouts of py/.",
    engine_version: "1.27.0",
    value_width: Width::W64,
    tags: TAGS_A,
    immediates: IMMEDIATES_A,
    small_int: SMALL_INT_A64,
    facts: A64_FACTS,
    layouts: &[],
    sizes: SIZES_64,
    gc: GcDiscipline::ConservativeMarkSweep,
};

/// `micropython-b64`: REPR_B with 64-bit words.
pub static B64: Profile = Profile {
    id: ProfileId::MicropythonB64,
    summary: "MicroPython v1.27.0, REPR_B applied to 64-bit words, as a unix x86-64 build with \
              MICROPY_OBJ_REPR_B would have it. No upstream port builds this: REPR_B's only user is the \
              16-bit pic16bit port. Small ints lose a bit to REPR_A (62 bits); everything else, object sizes \
              included, is as micropython-a64. Sizes are derived from the struct layouts of py/.",
    engine_version: "1.27.0",
    value_width: Width::W64,
    tags: TAGS_B,
    immediates: IMMEDIATES_B,
    small_int: SMALL_INT_B64,
    facts: B64_FACTS,
    layouts: &[],
    sizes: SIZES_64,
    gc: GcDiscipline::ConservativeMarkSweep,
};

/// `micropython-c32`: REPR_C, 30-bit floats in the word.
pub static C32: Profile = Profile {
    id: ProfileId::MicropythonC32,
    summary: "MicroPython v1.27.0, REPR_C: 32-bit words holding 30-bit floats, stored with a 0x80800000 offset; \
              qstrs and immediates live where no float can. As built for the ESP8266 (single floats, 16-bit \
              mpz digits, a finaliser table, gc.collect() returning None); also some STM32 and Alif boards and \
              the unix longlong variant. Sizes are derived from the struct layouts of py/.",
    engine_version: "1.27.0",
    value_width: Width::W32,
    tags: TAGS_C,
    immediates: IMMEDIATES_C,
    small_int: SMALL_INT_C32,
    facts: C32_FACTS,
    layouts: &[],
    sizes: C32_SIZES,
    gc: GcDiscipline::ConservativeMarkSweep,
};

/// `micropython-d32`: REPR_D nan-boxing, a 64-bit `mp_obj_t` on a 32-bit CPU.
pub static D32: Profile = Profile {
    id: ProfileId::MicropythonD32,
    summary: "MicroPython v1.27.0, REPR_D: nan-boxing, a 64-bit mp_obj_t on a 32-bit CPU, as the unix port's \
              nanbox variant builds it for i386. Doubles are stored in the word; small ints have 47 bits; \
              None, False and True are pointers to ROM objects, not immediates. Pointers and size_t stay 4 \
              bytes, but mp_uint_t is 64 bits, so blocks are 32 bytes. Sizes are derived from the struct \
              layouts of py/.",
    engine_version: "1.27.0",
    value_width: Width::W64,
    tags: TAGS_D,
    immediates: IMMEDIATES_D,
    small_int: SMALL_INT_D,
    facts: D32_FACTS,
    layouts: &[],
    sizes: D32_SIZES,
    gc: GcDiscipline::ConservativeMarkSweep,
};

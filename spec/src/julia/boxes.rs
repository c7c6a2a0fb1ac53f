//! Boxed values and their caches (`src/datatype.c`, `src/jltypes.c`, v1.11.0).
//!
//! `jl_box_int64(x)` and its siblings return a **permanent** box (made once by `jl_permbox*` at start-up,
//! header `tag << 4 | GC_OLD_MARKED`) when `x` lies in the type's cache range, and otherwise allocate a
//! fresh one: `jl_gc_alloc(ptls, LLT_ALIGN(sizeof(x), sizeof(void*)), type)`, an 8-byte payload in a
//! 16-byte cell even for a 2-byte `UInt16`. A cache is a cache: the value still lives in a heap object
//! and the word that refers to it is a pointer, never an immediate.

use super::header::HEADER_BYTES;
use super::src;
use crate::evidence::Evidence;

/// `NBOX_C` (`src/datatype.c`): entries of each integer box cache.
pub const NBOX_C: i64 = 1024;

/// Payload bytes of a fresh integer, `Char` or `Float64` box: `LLT_ALIGN(sizeof(x), sizeof(void*))`.
pub const BOX_PAYLOAD_BYTES: u64 = 8;

/// Payload bytes of the permanent box `jl_permbox<N>` makes for an `N`-bit type:
/// `jl_gc_permobj(LLT_ALIGN(N, sizeof(void*)), t)` (`PERMBOXN_FUNC`, `src/datatype.c`). The macro
/// aligns the bit count, not the byte count, so a permanent `Int64` box has a 64-byte payload (72 bytes
/// with its header) where 8 would do; 1.10.0 and 1.12.1 do the same.
pub const fn permbox_payload_bytes(bits: u64) -> u64 {
    bits.next_multiple_of(HEADER_BYTES)
}

/// One box cache: the values whose box is permanent and shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoxCache {
    /// The Julia type.
    pub type_name: &'static str,
    /// The smallest cached value (for `Char`: the code point).
    pub min: i64,
    /// The largest cached value.
    pub max: i64,
    /// The width of the type in bits, which `PERMBOXN_FUNC` uses as the permanent box's payload size.
    pub bits: u64,
    /// Where the range comes from.
    pub source: Evidence,
}

impl BoxCache {
    /// Whether boxing `v` returns the shared permanent box.
    pub const fn contains(&self, v: i64) -> bool {
        self.min <= v && v <= self.max
    }

    /// Bytes of one permanent box of this type in the permanent area, header included.
    pub const fn permbox_bytes(&self) -> u64 {
        HEADER_BYTES + permbox_payload_bytes(self.bits)
    }
}

/// The box caches of v1.11.0. `Int16`, `Int32` and `Int64` share the signed range
/// `-NBOX_C/2 ..= NBOX_C/2 - 1` (`SIBOX_FUNC`); `UInt16`, `UInt32` and `UInt64` the unsigned range
/// `0 ..= NBOX_C - 1` (`UIBOX_FUNC`); `Int8` and `UInt8` cache every value and never allocate; `Char`
/// caches ASCII; `Bool` has the two permanent singletons `jl_false` and `jl_true`. `Float64` has no cache.
pub static BOX_CACHES: [BoxCache; 10] = [
    BoxCache {
        type_name: "Int64",
        min: -NBOX_C / 2,
        max: NBOX_C / 2 - 1,
        bits: 64,
        source: src("src/datatype.c", "SIBOX_FUNC(int64, int64_t)"),
    },
    BoxCache {
        type_name: "Int32",
        min: -NBOX_C / 2,
        max: NBOX_C / 2 - 1,
        bits: 32,
        source: src("src/datatype.c", "SIBOX_FUNC(int32, int32_t)"),
    },
    BoxCache {
        type_name: "Int16",
        min: -NBOX_C / 2,
        max: NBOX_C / 2 - 1,
        bits: 16,
        source: src("src/datatype.c", "SIBOX_FUNC(int16, int16_t)"),
    },
    BoxCache {
        type_name: "UInt64",
        min: 0,
        max: NBOX_C - 1,
        bits: 64,
        source: src("src/datatype.c", "UIBOX_FUNC(uint64, uint64_t)"),
    },
    BoxCache {
        type_name: "UInt32",
        min: 0,
        max: NBOX_C - 1,
        bits: 32,
        source: src("src/datatype.c", "UIBOX_FUNC(uint32, uint32_t)"),
    },
    BoxCache {
        type_name: "UInt16",
        min: 0,
        max: NBOX_C - 1,
        bits: 16,
        source: src("src/datatype.c", "UIBOX_FUNC(uint16, uint16_t)"),
    },
    BoxCache {
        type_name: "Int8",
        min: i8::MIN as i64,
        max: i8::MAX as i64,
        bits: 8,
        source: src("src/datatype.c", "jl_boxed_int8_cache"),
    },
    BoxCache {
        type_name: "UInt8",
        min: 0,
        max: u8::MAX as i64,
        bits: 8,
        source: src("src/datatype.c", "jl_boxed_uint8_cache"),
    },
    BoxCache {
        type_name: "Char",
        min: 0,
        max: 127,
        bits: 32,
        source: src("src/datatype.c", "boxed_char_cache"),
    },
    BoxCache {
        type_name: "Bool",
        min: 0,
        max: 1,
        bits: 8,
        source: src("src/jltypes.c", "jl_init_types: jl_false, jl_true = jl_permbox8"),
    },
];

/// The cache of the Julia type named `type_name`; `None` for types without one (`Float64`).
pub fn cache_of(type_name: &str) -> Option<&'static BoxCache> {
    BOX_CACHES.iter().find(|c| c.type_name == type_name)
}

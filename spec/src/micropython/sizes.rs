//! The heap cost of each object kind, per profile.
//!
//! [`CLayout`] holds the C type widths of a build and computes each kind's cost from the struct
//! layouts of `py/`; the derived tables are made with it. The `micropython-a32` table is measured on
//! the WebAssembly port instead (its numbers are literals with the command that prints them), and a
//! test checks that the layout model reproduces every measured number.

use crate::evidence::Evidence;
use crate::micropython::heap::blocks_for;
use crate::micropython::{measured, src};
use crate::profile::SizeEntry;

/// `LIST_MIN_ALLOC`: the fewest item slots a list allocates (`py/objlist.c`).
pub const LIST_MIN_ALLOC: u64 = 4;
/// `MIN_ALLOC`: the fewest digits an mpz digit array holds (`py/mpz.c`).
pub const MPZ_MIN_ALLOC: u64 = 2;
/// Bits of a `long long`, which `mpz_set_from_ll` sizes its digit array for (`py/mpz.h`
/// `MPZ_NUM_DIG_FOR_LL`).
pub const LONG_LONG_BITS: u64 = 64;

/// The hash-table sizes a dict or set grows through (`py/map.c` `hash_allocation_sizes`); beyond the
/// last, `(x + x / 2) | 1`.
pub const HASH_ALLOCATION_SIZES: [u64; 34] = [
    0, 2, 4, 6, 8, 10, 12, 17, 23, 29, 37, 47, 59, 73, 97, 127, 167, 223, 293, 389, 521, 691, 919, 1223,
    1627, 2161, 3229, 4831, 7243, 10861, 16273, 24407, 36607, 54907,
];

/// The smallest table size at least `x` (`py/map.c` `get_hash_alloc_greater_or_equal_to`).
pub const fn hash_alloc_at_least(x: u64) -> u64 {
    let mut i = 0;
    while i < HASH_ALLOCATION_SIZES.len() {
        if HASH_ALLOCATION_SIZES[i] >= x {
            return HASH_ALLOCATION_SIZES[i];
        }
        i += 1;
    }
    (x + x / 2) | 1
}

/// The table size after inserting `n` distinct keys one at a time into an empty dict or set: none
/// until the first key, then the next size whenever the table is full (`mp_map_rehash`,
/// `mp_set_rehash`).
pub const fn hash_alloc_after_inserts(n: u64) -> u64 {
    if n == 0 { 0 } else { hash_alloc_at_least(n) }
}

/// The heap cost of one object: bytes, block rounding included, and separate allocations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// Heap bytes, every allocation rounded to whole blocks.
    pub bytes: u64,
    /// Separate allocations.
    pub allocations: u32,
}

impl Cost {
    /// Nothing on the heap.
    pub const NONE: Cost = Cost {
        bytes: 0,
        allocations: 0,
    };

    const fn plus(self, other: Cost) -> Cost {
        Cost {
            bytes: self.bytes + other.bytes,
            allocations: self.allocations + other.allocations,
        }
    }
}

/// The C type widths of one build that decide its object sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CLayout {
    /// `sizeof(mp_obj_t)`.
    pub obj_bytes: u64,
    /// `alignof(mp_obj_t)` inside a struct (4 for a 64-bit `mp_obj_t` on i386).
    pub obj_align: u64,
    /// `sizeof(void *)`, which is also `sizeof(size_t)`.
    pub ptr_bytes: u64,
    /// `MICROPY_BYTES_PER_GC_BLOCK`.
    pub block_bytes: u64,
    /// `sizeof(mpz_dig_t)`: 2 for 16-bit digits, 4 for 32-bit digits.
    pub mpz_dig_bytes: u64,
    /// `sizeof(mp_obj_float_t)`, or `None` when floats are stored in the word (REPR_C, REPR_D).
    pub float_struct_bytes: Option<u64>,
}

const fn align_up(offset: u64, align: u64) -> u64 {
    offset.div_ceil(align) * align
}

impl CLayout {
    /// One allocation of `bytes`: whole blocks, none for 0 bytes.
    pub const fn alloc(&self, bytes: u64) -> Cost {
        match blocks_for(bytes, self.block_bytes) {
            Some(0) | None => Cost::NONE,
            Some(blocks) => Cost {
                bytes: blocks * self.block_bytes,
                allocations: 1,
            },
        }
    }

    /// A struct of `words` pointer/`size_t` fields.
    const fn words(&self, words: u64) -> u64 {
        words * self.ptr_bytes
    }

    /// `offsetof` a flexible `mp_obj_t` array that follows `offset` bytes of fields.
    const fn obj_array_at(&self, offset: u64) -> u64 {
        align_up(offset, self.obj_align)
    }

    /// Bits of an mpz digit (`MPZ_DIG_SIZE`).
    pub const fn mpz_dig_bits(&self) -> u64 {
        self.mpz_dig_bytes * 8
    }

    /// A boxed int made by `mp_obj_new_int_from_ll`: the `mp_obj_int_t` (base and `mpz_t`: bit-field
    /// word, len, digit pointer) and a digit array of `MPZ_NUM_DIG_FOR_LL` digits.
    pub const fn boxed_int(&self) -> Cost {
        let digits = LONG_LONG_BITS.div_ceil(self.mpz_dig_bits());
        let digits = if digits < MPZ_MIN_ALLOC {
            MPZ_MIN_ALLOC
        } else {
            digits
        };
        self.alloc(self.words(4))
            .plus(self.alloc(digits * self.mpz_dig_bytes))
    }

    /// A float: one `mp_obj_float_t`, or nothing when floats live in the word.
    pub const fn float(&self) -> Cost {
        match self.float_struct_bytes {
            Some(b) => self.alloc(b),
            None => Cost::NONE,
        }
    }

    /// A str or bytes object that is not a qstr: `mp_obj_str_t` (base, hash, len, data) and a data
    /// buffer of `len + 1` bytes.
    pub const fn str_or_bytes(&self, len: u64) -> Cost {
        self.alloc(self.words(4)).plus(self.alloc(len + 1))
    }

    /// `bytearray(n)`: `mp_obj_array_t` (base, typecode/free word, len, items) and n bytes of items.
    pub const fn bytearray(&self, len: u64) -> Cost {
        self.alloc(self.words(4)).plus(self.alloc(len))
    }

    /// A list made with n items at once: `mp_obj_list_t` (base, alloc, len, items) and an item array
    /// of `max(n, LIST_MIN_ALLOC)` objects.
    pub const fn list(&self, len: u64) -> Cost {
        let alloc = if len < LIST_MIN_ALLOC { LIST_MIN_ALLOC } else { len };
        self.alloc(self.words(4)).plus(self.alloc(alloc * self.obj_bytes))
    }

    /// A tuple of n items, inline: base, len, items. The empty tuple is the ROM singleton.
    pub const fn tuple(&self, len: u64) -> Cost {
        if len == 0 {
            return Cost::NONE;
        }
        self.alloc(self.obj_array_at(self.words(2)) + len * self.obj_bytes)
    }

    /// A dict with n keys stored one at a time: `mp_obj_dict_t` (base, `mp_map_t`: bit-field word,
    /// alloc, table) and, from the first key, a table of `alloc` (key, value) pairs.
    pub const fn dict(&self, keys: u64) -> Cost {
        let alloc = hash_alloc_after_inserts(keys);
        self.alloc(self.words(4))
            .plus(self.alloc(alloc * 2 * self.obj_bytes))
    }

    /// A set with n items added one at a time: `mp_obj_set_t` (base, `mp_set_t`: alloc, used, table)
    /// and a table of `alloc` objects (none while empty: the request is 0 bytes).
    pub const fn set(&self, len: u64) -> Cost {
        let alloc = hash_alloc_after_inserts(len);
        self.alloc(self.words(4)).plus(self.alloc(alloc * self.obj_bytes))
    }

    /// A bytecode function: `mp_obj_fun_bc_t` (base, context, child_table, bytecode; no
    /// `MICROPY_PY_SYS_SETTRACE`) with one object per positional default and one for the keyword-default
    /// dict, which is itself a dict of k keys stored one at a time.
    pub const fn function(&self, defaults: u64, kw_defaults: u64) -> Cost {
        let extra = defaults + if kw_defaults > 0 { 1 } else { 0 };
        let fun = self.alloc(self.obj_array_at(self.words(4)) + extra * self.obj_bytes);
        if kw_defaults > 0 {
            fun.plus(self.dict(kw_defaults))
        } else {
            fun
        }
    }

    /// A closure over n variables: `mp_obj_closure_t` (`base, fun, n_closed, closed[n]`), the inner
    /// function, and one `mp_obj_cell_t` (base, obj) per captured variable.
    pub const fn closure(&self, captured: u64) -> Cost {
        let head = self.obj_array_at(self.ptr_bytes) + self.obj_bytes + self.ptr_bytes;
        let closure = self.alloc(self.obj_array_at(head) + captured * self.obj_bytes);
        let cell = self.alloc(self.obj_array_at(self.ptr_bytes) + self.obj_bytes);
        let cells = Cost {
            bytes: captured * cell.bytes,
            allocations: captured as u32 * cell.allocations,
        };
        closure.plus(self.function(0, 0)).plus(cells)
    }

    /// A bound method: `mp_obj_bound_meth_t` (base, meth, self).
    pub const fn bound_method(&self) -> Cost {
        self.alloc(self.obj_array_at(self.ptr_bytes) + 2 * self.obj_bytes)
    }

    /// An instance of a plain class: `mp_obj_instance_t` (base, members `mp_map_t`), no table yet.
    pub const fn instance(&self) -> Cost {
        self.alloc(self.words(4))
    }
}

/// 32-bit REPR_A on the WebAssembly port: 4-byte words, 16-byte blocks, double floats (`alignof(double)`
/// is 8 on wasm32, so `mp_obj_float_t` is 16 bytes), 16-bit mpz digits.
pub const LAYOUT_A32: CLayout = CLayout {
    obj_bytes: 4,
    obj_align: 4,
    ptr_bytes: 4,
    block_bytes: 16,
    mpz_dig_bytes: 2,
    float_struct_bytes: Some(16),
};

/// 64-bit REPR_A or REPR_B on x86-64: 8-byte words, 32-byte blocks, double floats (16-byte struct),
/// 32-bit mpz digits (`MPZ_DIG_SIZE` is 32 only on x86-64 and Win64).
pub const LAYOUT_64: CLayout = CLayout {
    obj_bytes: 8,
    obj_align: 8,
    ptr_bytes: 8,
    block_bytes: 32,
    mpz_dig_bytes: 4,
    float_struct_bytes: Some(16),
};

/// REPR_C on the ESP8266: 4-byte words, 16-byte blocks, floats in the word, 16-bit mpz digits.
pub const LAYOUT_C32: CLayout = CLayout {
    obj_bytes: 4,
    obj_align: 4,
    ptr_bytes: 4,
    block_bytes: 16,
    mpz_dig_bytes: 2,
    float_struct_bytes: None,
};

/// REPR_D on i386 (the unix port's `nanbox` variant, built with `-m32`): 8-byte `mp_obj_t` aligned to
/// 4 inside structs, 4-byte pointers and `size_t`, 32-byte blocks, floats in the word, 16-bit digits.
pub const LAYOUT_D32: CLayout = CLayout {
    obj_bytes: 8,
    obj_align: 4,
    ptr_bytes: 4,
    block_bytes: 32,
    mpz_dig_bytes: 2,
    float_struct_bytes: None,
};

const fn entry(
    kind: &'static str,
    args: &'static str,
    cost: Cost,
    formula: &'static str,
    source: Evidence,
) -> SizeEntry {
    SizeEntry {
        kind,
        args,
        bytes: cost.bytes,
        allocations: cost.allocations,
        formula,
        source,
    }
}

const fn m(
    kind: &'static str,
    args: &'static str,
    bytes: u64,
    allocations: u32,
    formula: &'static str,
    command: &'static str,
) -> SizeEntry {
    SizeEntry {
        kind,
        args,
        bytes,
        allocations,
        formula,
        source: measured(command),
    }
}

const GC_ALLOC: Evidence = src("py/gc.c", "gc_alloc");

/// `micropython-a32`, measured on the WebAssembly port (16-byte blocks). The allocation counts are
/// from the source; the engine reports bytes only.
pub static A32_SIZES: &[SizeEntry] = &[
    m(
        "int",
        "value=1073741823",
        0,
        0,
        "2^30 - 1: small int, in the word",
        "node engines/micropython/measure.mjs size int value=1073741823",
    ),
    m(
        "int",
        "value=1073741824",
        32,
        2,
        "2^30: struct 4 words (16) + 4 16-bit digits 8 -> 16",
        "node engines/micropython/measure.mjs size int value=1073741824",
    ),
    m(
        "int",
        "value=-1073741824",
        0,
        0,
        "-2^30 made by subtraction: small int (negating a boxed 2^30 gives a boxed int: 32)",
        "node engines/micropython/measure.mjs size int value=-1073741824",
    ),
    m(
        "int",
        "value=-1073741825",
        32,
        2,
        "struct 16 + digits 8 -> 16",
        "node engines/micropython/measure.mjs size int value=-1073741825",
    ),
    m(
        "int",
        "value=1099511627776",
        32,
        2,
        "2^40 = 2^20 * 2^20: struct 16 + 4 digits 8 -> 16",
        "node engines/micropython/measure.mjs size int value=1099511627776",
    ),
    m(
        "int",
        "value=4611686018427387904",
        32,
        2,
        "2^62 = 2^61 + 2^61, both boxed: struct 16 + digits (at most 8 16-bit digits) -> 16",
        "node engines/micropython/measure.mjs size int value=4611686018427387904",
    ),
    m(
        "float",
        "value=1.75",
        16,
        1,
        "mp_obj_float_t {base 4, pad 4, double 8} = 16",
        "node engines/micropython/measure.mjs size float value=1.75",
    ),
    m(
        "str",
        "text=\"\"",
        0,
        0,
        "the static qstr MP_QSTR_ (index 1)",
        "node engines/micropython/measure.mjs size str 'text=\"\"'",
    ),
    m(
        "str",
        "text=\"append\"",
        0,
        0,
        "equals the static qstr MP_QSTR_append",
        "node engines/micropython/measure.mjs size str 'text=\"append\"'",
    ),
    m(
        "str",
        "text=\"memspec-str-15b\"",
        32,
        2,
        "struct 4 words (16) + data 15 + 1 -> 16",
        "node engines/micropython/measure.mjs size str 'text=\"memspec-str-15b\"'",
    ),
    m(
        "str",
        "text=\"memspec-str-16by\"",
        48,
        2,
        "struct 16 + data 16 + 1 -> 32",
        "node engines/micropython/measure.mjs size str 'text=\"memspec-str-16by\"'",
    ),
    m(
        "str",
        "text=\"memspec-str-0123456789abcdefghijklmnopqrs\"",
        64,
        2,
        "struct 16 + data 41 + 1 -> 48",
        "node engines/micropython/measure.mjs size str 'text=\"memspec-str-0123456789abcdefghijklmnopqrs\"'",
    ),
    m(
        "bytes",
        "text=\"\"",
        32,
        2,
        "struct 16 + data 0 + 1 -> 16",
        "node engines/micropython/measure.mjs size bytes 'text=\"\"'",
    ),
    m(
        "bytes",
        "text=\"memspec-byt-15b\"",
        32,
        2,
        "struct 16 + data 15 + 1 -> 16",
        "node engines/micropython/measure.mjs size bytes 'text=\"memspec-byt-15b\"'",
    ),
    m(
        "bytes",
        "text=\"memspec-byt-16by\"",
        48,
        2,
        "struct 16 + data 16 + 1 -> 32",
        "node engines/micropython/measure.mjs size bytes 'text=\"memspec-byt-16by\"'",
    ),
    m(
        "bytearray",
        "len=0",
        16,
        1,
        "struct 4 words (16); no items buffer",
        "node engines/micropython/measure.mjs size bytearray len=0",
    ),
    m(
        "bytearray",
        "len=16",
        32,
        2,
        "struct 16 + items 16",
        "node engines/micropython/measure.mjs size bytearray len=16",
    ),
    m(
        "bytearray",
        "len=17",
        48,
        2,
        "struct 16 + items 17 -> 32",
        "node engines/micropython/measure.mjs size bytearray len=17",
    ),
    m(
        "list",
        "len=0",
        32,
        2,
        "struct 4 words (16) + LIST_MIN_ALLOC 4 items (16)",
        "node engines/micropython/measure.mjs size list len=0",
    ),
    m(
        "list",
        "len=3",
        32,
        2,
        "struct 16 + 4 items (16)",
        "node engines/micropython/measure.mjs size list len=3",
    ),
    m(
        "list",
        "len=4",
        32,
        2,
        "struct 16 + 4 items (16)",
        "node engines/micropython/measure.mjs size list len=4",
    ),
    m(
        "list",
        "len=5",
        48,
        2,
        "struct 16 + 5 items 20 -> 32",
        "node engines/micropython/measure.mjs size list len=5",
    ),
    m(
        "list",
        "len=9",
        64,
        2,
        "struct 16 + 9 items 36 -> 48",
        "node engines/micropython/measure.mjs size list len=9",
    ),
    m(
        "tuple",
        "len=0",
        0,
        0,
        "the ROM empty tuple mp_const_empty_tuple",
        "node engines/micropython/measure.mjs size tuple len=0",
    ),
    m(
        "tuple",
        "len=1",
        16,
        1,
        "base, len, 1 item: 12 -> 16",
        "node engines/micropython/measure.mjs size tuple len=1",
    ),
    m(
        "tuple",
        "len=2",
        16,
        1,
        "base, len, 2 items: 16",
        "node engines/micropython/measure.mjs size tuple len=2",
    ),
    m(
        "tuple",
        "len=3",
        32,
        1,
        "base, len, 3 items: 20 -> 32",
        "node engines/micropython/measure.mjs size tuple len=3",
    ),
    m(
        "tuple",
        "len=4",
        32,
        1,
        "base, len, 4 items: 24 -> 32",
        "node engines/micropython/measure.mjs size tuple len=4",
    ),
    m(
        "dict",
        "keys=0",
        16,
        1,
        "struct 4 words (16); no table",
        "node engines/micropython/measure.mjs size dict keys=0",
    ),
    m(
        "dict",
        "keys=1",
        32,
        2,
        "struct 16 + table 2 entries x 8 = 16",
        "node engines/micropython/measure.mjs size dict keys=1",
    ),
    m(
        "dict",
        "keys=3",
        48,
        2,
        "struct 16 + table 4 entries x 8 = 32",
        "node engines/micropython/measure.mjs size dict keys=3",
    ),
    m(
        "dict",
        "keys=13",
        160,
        2,
        "struct 16 + table 17 entries x 8 = 136 -> 144",
        "node engines/micropython/measure.mjs size dict keys=13",
    ),
    m(
        "set",
        "len=0",
        16,
        1,
        "struct 4 words (16); the 0-byte table request takes no block",
        "node engines/micropython/measure.mjs size set len=0",
    ),
    m(
        "set",
        "len=1",
        32,
        2,
        "struct 16 + table 2 x 4 = 8 -> 16",
        "node engines/micropython/measure.mjs size set len=1",
    ),
    m(
        "set",
        "len=5",
        48,
        2,
        "struct 16 + table 6 x 4 = 24 -> 32",
        "node engines/micropython/measure.mjs size set len=5",
    ),
    m(
        "function",
        "defaults=0 kw_defaults=0",
        16,
        1,
        "mp_obj_fun_bc_t 4 words (16)",
        "node engines/micropython/measure.mjs size function defaults=0 kw_defaults=0",
    ),
    m(
        "function",
        "defaults=2 kw_defaults=0",
        32,
        1,
        "fun 4 words + 2 defaults: 24 -> 32",
        "node engines/micropython/measure.mjs size function defaults=2 kw_defaults=0",
    ),
    m(
        "function",
        "defaults=0 kw_defaults=1",
        64,
        3,
        "fun 4 + 1 words: 20 -> 32; kw dict struct 16 + table 2 x 8 (16)",
        "node engines/micropython/measure.mjs size function defaults=0 kw_defaults=1",
    ),
    m(
        "closure",
        "captured=1",
        48,
        3,
        "closure 3 + 1 words (16) + inner fun (16) + 1 cell (16)",
        "node engines/micropython/measure.mjs size closure captured=1",
    ),
    m(
        "closure",
        "captured=2",
        80,
        4,
        "closure 3 + 2 words: 20 -> 32; inner fun 16; 2 cells x 16",
        "node engines/micropython/measure.mjs size closure captured=2",
    ),
    m(
        "bound-method",
        "",
        16,
        1,
        "base, meth, self: 12 -> 16",
        "node engines/micropython/measure.mjs size bound-method",
    ),
    m(
        "instance",
        "",
        16,
        1,
        "base + members map 3 words (16); no table",
        "node engines/micropython/measure.mjs size instance",
    ),
    entry(
        "raw",
        "bytes=0",
        LAYOUT_A32.alloc(0),
        "0 bytes: gc_alloc returns NULL, no block",
        GC_ALLOC,
    ),
    entry(
        "raw",
        "bytes=1",
        LAYOUT_A32.alloc(1),
        "ceil(1 / 16) = 1 block",
        GC_ALLOC,
    ),
    entry(
        "raw",
        "bytes=16",
        LAYOUT_A32.alloc(16),
        "ceil(16 / 16) = 1 block",
        GC_ALLOC,
    ),
    entry(
        "raw",
        "bytes=17",
        LAYOUT_A32.alloc(17),
        "ceil(17 / 16) = 2 blocks",
        GC_ALLOC,
    ),
];

/// `bytearray(n)` for n = 0..=64 on the WebAssembly port, in bytes: measured by
/// `node engines/micropython/measure.mjs bytearray`.
pub const A32_BYTEARRAY_SWEEP: [u64; 65] = [
    16, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, // 0..=16
    48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, // 17..=32
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, // 33..=48
    80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, // 49..=64
];

/// The command that measures [`A32_BYTEARRAY_SWEEP`].
pub const A32_BYTEARRAY_SWEEP_COMMAND: &str = "node engines/micropython/measure.mjs bytearray";

const INT_SRC: Evidence = src("py/objint_mpz.c", "mp_obj_new_int_from_ll");
const FLOAT_SRC: Evidence = src("py/objfloat.c", "mp_obj_float_t");
const STR_SRC: Evidence = src("py/objstr.c", "mp_obj_new_str_copy");
const QSTR_SRC: Evidence = src("py/objstr.c", "mp_obj_new_str (qstr_find_strn)");
const BYTES_SRC: Evidence = src("py/objstr.c", "bytes_make_new");
const BYTEARRAY_SRC: Evidence = src("py/objarray.c", "array_new");
const LIST_SRC: Evidence = src("py/objlist.c", "mp_obj_list_init");
const TUPLE_SRC: Evidence = src("py/objtuple.c", "mp_obj_new_tuple");
const DICT_SRC: Evidence = src("py/map.c", "mp_map_rehash");
const SET_SRC: Evidence = src("py/map.c", "mp_set_rehash");
const FUN_SRC: Evidence = src("py/objfun.c", "mp_obj_new_fun_bc");
const CLOSURE_SRC: Evidence = src("py/objclosure.c", "mp_obj_new_closure");
const BOUND_SRC: Evidence = src("py/objboundmeth.c", "mp_obj_bound_meth_t");
const INSTANCE_SRC: Evidence = src("py/objtype.c", "mp_obj_new_instance");

/// `micropython-a64` and `micropython-b64`: 64-bit words on x86-64, 32-byte blocks. REPR_A and REPR_B
/// differ in tags only, not in object sizes.
pub static SIZES_64: &[SizeEntry] = &[
    entry(
        "int",
        "value=2305843009213693951",
        Cost::NONE,
        "2^61 - 1: small int in REPR_A and REPR_B",
        INT_SRC,
    ),
    entry(
        "int",
        "value=4611686018427387904",
        LAYOUT_64.boxed_int(),
        "2^62, boxed in REPR_A and REPR_B: struct 4 words (32) + 2 32-bit digits 8 -> 32",
        INT_SRC,
    ),
    entry(
        "int",
        "value=-4611686018427387905",
        LAYOUT_64.boxed_int(),
        "struct 32 + digits 8 -> 32",
        INT_SRC,
    ),
    entry(
        "float",
        "value=1.75",
        LAYOUT_64.float(),
        "mp_obj_float_t {base 8, double 8} = 16 -> 32",
        FLOAT_SRC,
    ),
    entry(
        "str",
        "text=\"\"",
        Cost::NONE,
        "the static qstr MP_QSTR_",
        QSTR_SRC,
    ),
    entry(
        "str",
        "text=\"append\"",
        Cost::NONE,
        "equals the static qstr MP_QSTR_append",
        QSTR_SRC,
    ),
    entry(
        "str",
        "text=\"memspec-str-15b\"",
        LAYOUT_64.str_or_bytes(15),
        "struct 4 words (32) + data 15 + 1 -> 32",
        STR_SRC,
    ),
    entry(
        "str",
        "text=\"memspec-str-16by\"",
        LAYOUT_64.str_or_bytes(16),
        "struct 32 + data 16 + 1 -> 32",
        STR_SRC,
    ),
    entry(
        "str",
        "text=\"memspec-str-0123456789abcdefghijklmnopqrs\"",
        LAYOUT_64.str_or_bytes(41),
        "struct 32 + data 41 + 1 -> 64",
        STR_SRC,
    ),
    entry(
        "bytes",
        "text=\"\"",
        LAYOUT_64.str_or_bytes(0),
        "struct 32 + data 0 + 1 -> 32",
        BYTES_SRC,
    ),
    entry(
        "bytes",
        "text=\"memspec-byt-15b\"",
        LAYOUT_64.str_or_bytes(15),
        "struct 32 + data 15 + 1 -> 32",
        BYTES_SRC,
    ),
    entry(
        "bytearray",
        "len=0",
        LAYOUT_64.bytearray(0),
        "struct 4 words (32); no items buffer",
        BYTEARRAY_SRC,
    ),
    entry(
        "bytearray",
        "len=32",
        LAYOUT_64.bytearray(32),
        "struct 32 + items 32",
        BYTEARRAY_SRC,
    ),
    entry(
        "bytearray",
        "len=33",
        LAYOUT_64.bytearray(33),
        "struct 32 + items 33 -> 64",
        BYTEARRAY_SRC,
    ),
    entry(
        "list",
        "len=0",
        LAYOUT_64.list(0),
        "struct 4 words (32) + 4 items x 8 (32)",
        LIST_SRC,
    ),
    entry(
        "list",
        "len=4",
        LAYOUT_64.list(4),
        "struct 32 + 4 items x 8 (32)",
        LIST_SRC,
    ),
    entry(
        "list",
        "len=5",
        LAYOUT_64.list(5),
        "struct 32 + 5 items 40 -> 64",
        LIST_SRC,
    ),
    entry(
        "tuple",
        "len=0",
        LAYOUT_64.tuple(0),
        "the ROM empty tuple",
        TUPLE_SRC,
    ),
    entry(
        "tuple",
        "len=1",
        LAYOUT_64.tuple(1),
        "base, len, 1 item: 24 -> 32",
        TUPLE_SRC,
    ),
    entry(
        "tuple",
        "len=2",
        LAYOUT_64.tuple(2),
        "base, len, 2 items: 32",
        TUPLE_SRC,
    ),
    entry(
        "tuple",
        "len=3",
        LAYOUT_64.tuple(3),
        "base, len, 3 items: 40 -> 64",
        TUPLE_SRC,
    ),
    entry(
        "dict",
        "keys=0",
        LAYOUT_64.dict(0),
        "struct 4 words (32); no table",
        DICT_SRC,
    ),
    entry(
        "dict",
        "keys=1",
        LAYOUT_64.dict(1),
        "struct 32 + table 2 x 16 (32)",
        DICT_SRC,
    ),
    entry(
        "dict",
        "keys=3",
        LAYOUT_64.dict(3),
        "struct 32 + table 4 x 16 = 64",
        DICT_SRC,
    ),
    entry(
        "dict",
        "keys=13",
        LAYOUT_64.dict(13),
        "struct 32 + table 17 x 16 = 272 -> 288",
        DICT_SRC,
    ),
    entry(
        "set",
        "len=0",
        LAYOUT_64.set(0),
        "struct 4 words (32); no table",
        SET_SRC,
    ),
    entry(
        "set",
        "len=1",
        LAYOUT_64.set(1),
        "struct 32 + table 2 x 8 = 16 -> 32",
        SET_SRC,
    ),
    entry(
        "set",
        "len=5",
        LAYOUT_64.set(5),
        "struct 32 + table 6 x 8 = 48 -> 64",
        SET_SRC,
    ),
    entry(
        "function",
        "defaults=0 kw_defaults=0",
        LAYOUT_64.function(0, 0),
        "fun 4 words (32)",
        FUN_SRC,
    ),
    entry(
        "function",
        "defaults=2 kw_defaults=0",
        LAYOUT_64.function(2, 0),
        "fun 4 + 2 words: 48 -> 64",
        FUN_SRC,
    ),
    entry(
        "function",
        "defaults=0 kw_defaults=1",
        LAYOUT_64.function(0, 1),
        "fun 4 + 1 words: 40 -> 64; kw dict 32 + table 2 x 16 (32)",
        FUN_SRC,
    ),
    entry(
        "closure",
        "captured=1",
        LAYOUT_64.closure(1),
        "closure 3 + 1 words (32) + inner fun (32) + 1 cell 16 -> 32",
        CLOSURE_SRC,
    ),
    entry(
        "closure",
        "captured=2",
        LAYOUT_64.closure(2),
        "closure 3 + 2 words: 40 -> 64; inner fun 32; 2 cells x 32",
        CLOSURE_SRC,
    ),
    entry(
        "bound-method",
        "",
        LAYOUT_64.bound_method(),
        "base, meth, self: 24 -> 32",
        BOUND_SRC,
    ),
    entry(
        "instance",
        "",
        LAYOUT_64.instance(),
        "base + members map 3 words (32)",
        INSTANCE_SRC,
    ),
    entry(
        "raw",
        "bytes=0",
        LAYOUT_64.alloc(0),
        "0 bytes: no block",
        GC_ALLOC,
    ),
    entry(
        "raw",
        "bytes=32",
        LAYOUT_64.alloc(32),
        "ceil(32 / 32) = 1 block",
        GC_ALLOC,
    ),
    entry(
        "raw",
        "bytes=33",
        LAYOUT_64.alloc(33),
        "ceil(33 / 32) = 2 blocks",
        GC_ALLOC,
    ),
];

/// `micropython-c32`: REPR_C on the ESP8266, 16-byte blocks, floats in the word.
pub static C32_SIZES: &[SizeEntry] = &[
    entry(
        "int",
        "value=1073741823",
        Cost::NONE,
        "2^30 - 1: small int",
        INT_SRC,
    ),
    entry(
        "int",
        "value=1073741824",
        LAYOUT_C32.boxed_int(),
        "struct 4 words (16) + 4 16-bit digits 8 -> 16",
        INT_SRC,
    ),
    entry(
        "float",
        "value=1.75",
        LAYOUT_C32.float(),
        "stored in the word (30-bit float): no heap",
        src("py/obj.h", "mp_obj_new_float (REPR_C)"),
    ),
    entry(
        "str",
        "text=\"\"",
        Cost::NONE,
        "the static qstr MP_QSTR_",
        QSTR_SRC,
    ),
    entry(
        "str",
        "text=\"memspec-str-15b\"",
        LAYOUT_C32.str_or_bytes(15),
        "struct 16 + data 15 + 1 -> 16",
        STR_SRC,
    ),
    entry(
        "str",
        "text=\"memspec-str-16by\"",
        LAYOUT_C32.str_or_bytes(16),
        "struct 16 + data 16 + 1 -> 32",
        STR_SRC,
    ),
    entry(
        "bytes",
        "text=\"\"",
        LAYOUT_C32.str_or_bytes(0),
        "struct 16 + data 1 -> 16",
        BYTES_SRC,
    ),
    entry(
        "bytearray",
        "len=0",
        LAYOUT_C32.bytearray(0),
        "struct 16; no items buffer",
        BYTEARRAY_SRC,
    ),
    entry(
        "bytearray",
        "len=17",
        LAYOUT_C32.bytearray(17),
        "struct 16 + items 17 -> 32",
        BYTEARRAY_SRC,
    ),
    entry(
        "list",
        "len=0",
        LAYOUT_C32.list(0),
        "struct 16 + 4 items (16)",
        LIST_SRC,
    ),
    entry(
        "list",
        "len=5",
        LAYOUT_C32.list(5),
        "struct 16 + 5 items 20 -> 32",
        LIST_SRC,
    ),
    entry(
        "tuple",
        "len=0",
        LAYOUT_C32.tuple(0),
        "the ROM empty tuple",
        TUPLE_SRC,
    ),
    entry(
        "tuple",
        "len=3",
        LAYOUT_C32.tuple(3),
        "base, len, 3 items: 20 -> 32",
        TUPLE_SRC,
    ),
    entry(
        "dict",
        "keys=0",
        LAYOUT_C32.dict(0),
        "struct 16; no table",
        DICT_SRC,
    ),
    entry(
        "dict",
        "keys=1",
        LAYOUT_C32.dict(1),
        "struct 16 + table 2 x 8 (16)",
        DICT_SRC,
    ),
    entry("set", "len=0", LAYOUT_C32.set(0), "struct 16; no table", SET_SRC),
    entry(
        "set",
        "len=5",
        LAYOUT_C32.set(5),
        "struct 16 + table 6 x 4 = 24 -> 32",
        SET_SRC,
    ),
    entry(
        "function",
        "defaults=0 kw_defaults=0",
        LAYOUT_C32.function(0, 0),
        "fun 4 words (16)",
        FUN_SRC,
    ),
    entry(
        "function",
        "defaults=0 kw_defaults=1",
        LAYOUT_C32.function(0, 1),
        "fun 20 -> 32; kw dict 16 + table 16",
        FUN_SRC,
    ),
    entry(
        "closure",
        "captured=1",
        LAYOUT_C32.closure(1),
        "closure 16 + inner fun 16 + 1 cell 16",
        CLOSURE_SRC,
    ),
    entry(
        "bound-method",
        "",
        LAYOUT_C32.bound_method(),
        "base, meth, self: 12 -> 16",
        BOUND_SRC,
    ),
    entry(
        "instance",
        "",
        LAYOUT_C32.instance(),
        "base + members map (16)",
        INSTANCE_SRC,
    ),
    entry(
        "raw",
        "bytes=0",
        LAYOUT_C32.alloc(0),
        "0 bytes: no block",
        GC_ALLOC,
    ),
    entry(
        "raw",
        "bytes=17",
        LAYOUT_C32.alloc(17),
        "ceil(17 / 16) = 2 blocks",
        GC_ALLOC,
    ),
];

/// `micropython-d32`: REPR_D on i386, 8-byte `mp_obj_t` with 4-byte pointers and `size_t`, 32-byte
/// blocks, floats in the word.
pub static D32_SIZES: &[SizeEntry] = &[
    entry(
        "int",
        "value=70368744177663",
        Cost::NONE,
        "2^46 - 1: small int (47-bit field)",
        INT_SRC,
    ),
    entry(
        "int",
        "value=70368744177664",
        LAYOUT_D32.boxed_int(),
        "2^46: struct 4 x 4 = 16 -> 32 + 4 16-bit digits 8 -> 32",
        INT_SRC,
    ),
    entry(
        "float",
        "value=1.75",
        LAYOUT_D32.float(),
        "stored in the word (nan-boxed double): no heap",
        src("py/obj.h", "mp_obj_new_float (REPR_D)"),
    ),
    entry(
        "str",
        "text=\"\"",
        Cost::NONE,
        "the static qstr MP_QSTR_",
        QSTR_SRC,
    ),
    entry(
        "str",
        "text=\"memspec-str-15b\"",
        LAYOUT_D32.str_or_bytes(15),
        "struct 4 x 4 = 16 -> 32 + data 16 -> 32",
        STR_SRC,
    ),
    entry(
        "str",
        "text=\"memspec-str-0123456789abcdefghijklmnopqrs\"",
        LAYOUT_D32.str_or_bytes(41),
        "struct 16 -> 32 + data 42 -> 64",
        STR_SRC,
    ),
    entry(
        "bytes",
        "text=\"\"",
        LAYOUT_D32.str_or_bytes(0),
        "struct 16 -> 32 + data 1 -> 32",
        BYTES_SRC,
    ),
    entry(
        "bytearray",
        "len=0",
        LAYOUT_D32.bytearray(0),
        "struct 16 -> 32; no items buffer",
        BYTEARRAY_SRC,
    ),
    entry(
        "bytearray",
        "len=33",
        LAYOUT_D32.bytearray(33),
        "struct 32 + items 33 -> 64",
        BYTEARRAY_SRC,
    ),
    entry(
        "list",
        "len=0",
        LAYOUT_D32.list(0),
        "struct 4 x 4 = 16 -> 32 + 4 items x 8 (32)",
        LIST_SRC,
    ),
    entry(
        "list",
        "len=5",
        LAYOUT_D32.list(5),
        "struct 32 + 5 items 40 -> 64",
        LIST_SRC,
    ),
    entry(
        "tuple",
        "len=0",
        LAYOUT_D32.tuple(0),
        "the ROM empty tuple",
        TUPLE_SRC,
    ),
    entry(
        "tuple",
        "len=3",
        LAYOUT_D32.tuple(3),
        "base 4, len 4, 3 items x 8: 32",
        TUPLE_SRC,
    ),
    entry(
        "tuple",
        "len=4",
        LAYOUT_D32.tuple(4),
        "base 4, len 4, 4 items x 8: 40 -> 64",
        TUPLE_SRC,
    ),
    entry(
        "dict",
        "keys=0",
        LAYOUT_D32.dict(0),
        "struct 16 -> 32; no table",
        DICT_SRC,
    ),
    entry(
        "dict",
        "keys=1",
        LAYOUT_D32.dict(1),
        "struct 32 + table 2 x 16 (32)",
        DICT_SRC,
    ),
    entry(
        "set",
        "len=0",
        LAYOUT_D32.set(0),
        "struct 16 -> 32; no table",
        SET_SRC,
    ),
    entry(
        "set",
        "len=5",
        LAYOUT_D32.set(5),
        "struct 32 + table 6 x 8 = 48 -> 64",
        SET_SRC,
    ),
    entry(
        "function",
        "defaults=0 kw_defaults=0",
        LAYOUT_D32.function(0, 0),
        "fun 4 x 4 = 16 -> 32",
        FUN_SRC,
    ),
    entry(
        "function",
        "defaults=2 kw_defaults=0",
        LAYOUT_D32.function(2, 0),
        "fun 16 + 2 x 8 = 32",
        FUN_SRC,
    ),
    entry(
        "function",
        "defaults=0 kw_defaults=1",
        LAYOUT_D32.function(0, 1),
        "fun 16 + 8 = 24 -> 32; kw dict 32 + table 2 x 16 (32)",
        FUN_SRC,
    ),
    entry(
        "closure",
        "captured=1",
        LAYOUT_D32.closure(1),
        "closure 4 + 8 + 4 + 8 = 24 -> 32; inner fun 32; cell 12 -> 32",
        CLOSURE_SRC,
    ),
    entry(
        "closure",
        "captured=2",
        LAYOUT_D32.closure(2),
        "closure 16 + 2 x 8 = 32; inner fun 32; 2 cells x 32",
        CLOSURE_SRC,
    ),
    entry(
        "bound-method",
        "",
        LAYOUT_D32.bound_method(),
        "base 4, meth 8, self 8: 20 -> 32",
        BOUND_SRC,
    ),
    entry(
        "instance",
        "",
        LAYOUT_D32.instance(),
        "base + members map: 16 -> 32",
        INSTANCE_SRC,
    ),
    entry(
        "raw",
        "bytes=0",
        LAYOUT_D32.alloc(0),
        "0 bytes: no block",
        GC_ALLOC,
    ),
    entry(
        "raw",
        "bytes=33",
        LAYOUT_D32.alloc(33),
        "ceil(33 / 32) = 2 blocks",
        GC_ALLOC,
    ),
];

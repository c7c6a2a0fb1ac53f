//! The object representations A, B, C and D: tag rules, immediates and small-int ranges.
//!
//! Each rule is the test `py/obj.h` makes (`mp_obj_is_small_int`, `mp_obj_is_qstr`, ...) for that
//! representation, written as bit tests on the stored word `O`. Within one representation the rules
//! are disjoint; in A, B and C they cover every word, in D the words whose top 16 bits are `0x0003`
//! match none (they would be immediate objects, which D does not use).

use crate::evidence::Evidence;
use crate::micropython::src;
use crate::profile::{Immediate, IntRange};
use crate::tag::{BitTest, TagClass, TagRule};

/// `MICROPY_OBJ_REPR`: how an `mp_obj_t` holds its value (`py/mpconfig.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Repr {
    /// `MICROPY_OBJ_REPR_A`, the default: small int `…1`, qstr `…010`, immediate `…110`, pointer `…00`.
    A,
    /// `MICROPY_OBJ_REPR_B`: small int `…01`, qstr `…011`, immediate `…111`, pointer `…0`.
    B,
    /// `MICROPY_OBJ_REPR_C`: 32-bit words holding 30-bit floats, stored with a `0x80800000` offset.
    C,
    /// `MICROPY_OBJ_REPR_D`: nan-boxing in a 64-bit word; the top 16 bits select the kind.
    D,
}

impl Repr {
    /// The name `py/mpconfig.h` gives it.
    pub const fn name(self) -> &'static str {
        match self {
            Repr::A => "MICROPY_OBJ_REPR_A",
            Repr::B => "MICROPY_OBJ_REPR_B",
            Repr::C => "MICROPY_OBJ_REPR_C",
            Repr::D => "MICROPY_OBJ_REPR_D",
        }
    }

    /// Bits of a small int, sign included, in a word of `word_bits` bits (`py/smallint.h`
    /// `MP_SMALL_INT_FITS`): the two top bits of the word must agree in A and C, the three top bits in
    /// B, and D has a fixed 47-bit field whatever the width of `mp_uint_t`.
    pub const fn small_int_bits(self, word_bits: u32) -> u32 {
        match self {
            Repr::A | Repr::C => word_bits - 1,
            Repr::B => word_bits - 2,
            Repr::D => D_SMALL_INT_BITS,
        }
    }

    /// Whether `None`, `False` and `True` are immediates stored in the word
    /// (`MICROPY_OBJ_IMMEDIATE_OBJS`, by default set for every representation but D).
    pub const fn immediate_objs(self) -> bool {
        !matches!(self, Repr::D)
    }
}

/// Bits of a REPR_D small int: bits 1 to 47 of the word, sign included (`py/smallint.h`
/// `MP_SMALL_INT_MIN` = `0xffff800000000000 >> 1`).
pub const D_SMALL_INT_BITS: u32 = 47;

/// The REPR_C offset: qstrs, immediates and floats are stored as `O = R + 0x80800000` (mod 2^32), where
/// R is the pattern `py/mpconfig.h` draws (`MICROPY_OBJ_REPR_C`).
pub const C_OFFSET: u64 = 0x8080_0000;

/// The REPR_D offset: every word is stored as `O = R + 0x8004_0000_0000_0000` (mod 2^64), which makes a
/// double's bits into the stored word and gives pointers a zero top half (`MICROPY_OBJ_REPR_D`).
pub const D_OFFSET: u64 = 0x8004_0000_0000_0000;

/// The mask of the top 16 bits that select a REPR_D word's kind.
pub const D_KIND_MASK: u64 = 0xffff_0000_0000_0000;

/// The smallest and largest small int with `bits` bits, sign included.
const fn range(bits: u32, source: Evidence) -> IntRange {
    IntRange {
        min: -(1i64 << (bits - 1)),
        max: (1i64 << (bits - 1)) - 1,
        source,
    }
}

/// Small ints of 32-bit REPR_A and REPR_C: −2^30 … 2^30 − 1.
pub const SMALL_INT_A32: IntRange = range(
    Repr::A.small_int_bits(32),
    src("py/smallint.h", "MP_SMALL_INT_FITS"),
);
/// Small ints of 64-bit REPR_A: −2^62 … 2^62 − 1.
pub const SMALL_INT_A64: IntRange = range(
    Repr::A.small_int_bits(64),
    src("py/smallint.h", "MP_SMALL_INT_FITS"),
);
/// Small ints of 64-bit REPR_B: −2^61 … 2^61 − 1.
pub const SMALL_INT_B64: IntRange = range(
    Repr::B.small_int_bits(64),
    src("py/smallint.h", "MP_SMALL_INT_FITS"),
);
/// Small ints of REPR_C (32-bit only): −2^30 … 2^30 − 1.
pub const SMALL_INT_C32: IntRange = range(
    Repr::C.small_int_bits(32),
    src("py/smallint.h", "MP_SMALL_INT_FITS"),
);
/// Small ints of REPR_D: −2^46 … 2^46 − 1, although `mp_int_t` is 64-bit there.
pub const SMALL_INT_D: IntRange = range(
    Repr::D.small_int_bits(64),
    src("py/smallint.h", "MP_SMALL_INT_MIN"),
);

const OBJ_H_A_INT: Evidence = src("py/obj.h", "mp_obj_is_small_int (REPR_A)");
const OBJ_H_A_QSTR: Evidence = src("py/obj.h", "mp_obj_is_qstr (REPR_A)");
const OBJ_H_A_IMM: Evidence = src("py/obj.h", "mp_obj_is_immediate_obj (REPR_A)");
const OBJ_H_A_PTR: Evidence = src("py/obj.h", "mp_obj_is_obj (REPR_A)");

/// REPR_A, whatever the word width: the low bits are the tag.
pub static TAGS_A: &[TagRule] = &[
    TagRule {
        class: TagClass::SmallInt,
        tests: &[BitTest::eq(0b1, 0b1)],
        range: None,
        encoding: "O = (v << 1) | 1; v = O >> 1 (arithmetic)",
        source: OBJ_H_A_INT,
    },
    TagRule {
        class: TagClass::Qstr,
        tests: &[BitTest::eq(0b111, 0b010)],
        range: None,
        encoding: "O = (q << 3) | 2; q = O >> 3",
        source: OBJ_H_A_QSTR,
    },
    TagRule {
        class: TagClass::Immediate,
        tests: &[BitTest::eq(0b111, 0b110)],
        range: None,
        encoding: "O = (v << 3) | 6; None v = 0, False v = 1, True v = 3",
        source: OBJ_H_A_IMM,
    },
    TagRule {
        class: TagClass::Pointer,
        tests: &[BitTest::eq(0b11, 0b00)],
        range: None,
        encoding: "O = address of an object (mp_obj_base_t first), 4-byte aligned or better",
        source: OBJ_H_A_PTR,
    },
];

/// REPR_B: the small int takes two tag bits, a pointer only one.
pub static TAGS_B: &[TagRule] = &[
    TagRule {
        class: TagClass::SmallInt,
        tests: &[BitTest::eq(0b11, 0b01)],
        range: None,
        encoding: "O = (v << 2) | 1; v = O >> 2 (arithmetic)",
        source: src("py/obj.h", "mp_obj_is_small_int (REPR_B)"),
    },
    TagRule {
        class: TagClass::Qstr,
        tests: &[BitTest::eq(0b111, 0b011)],
        range: None,
        encoding: "O = (q << 3) | 3; q = O >> 3",
        source: src("py/obj.h", "mp_obj_is_qstr (REPR_B)"),
    },
    TagRule {
        class: TagClass::Immediate,
        tests: &[BitTest::eq(0b111, 0b111)],
        range: None,
        encoding: "O = (v << 3) | 7; None v = 0, False v = 1, True v = 3",
        source: src("py/obj.h", "mp_obj_is_immediate_obj (REPR_B)"),
    },
    TagRule {
        class: TagClass::Pointer,
        tests: &[BitTest::eq(0b1, 0b0)],
        range: None,
        encoding: "O = address of an object, 2-byte aligned or better",
        source: src("py/obj.h", "mp_obj_is_obj (REPR_B)"),
    },
];

/// REPR_C (32-bit): floats in the word; qstrs and immediates where no float can be.
pub static TAGS_C: &[TagRule] = &[
    TagRule {
        class: TagClass::SmallInt,
        tests: &[BitTest::eq(0b1, 0b1)],
        range: None,
        encoding: "O = (v << 1) | 1; v = O >> 1 (arithmetic)",
        source: src("py/obj.h", "mp_obj_is_small_int (REPR_C)"),
    },
    TagRule {
        class: TagClass::Qstr,
        tests: &[BitTest::eq(0xff80_000f, 0x0000_0006)],
        range: None,
        encoding: "O = (q << 4) | 6 (19-bit q; R = 0x7f800006 | q << 4 stored as R + 0x80800000)",
        source: src("py/obj.h", "mp_obj_is_qstr (REPR_C)"),
    },
    TagRule {
        class: TagClass::Immediate,
        tests: &[BitTest::eq(0xff80_000f, 0x0000_000e)],
        range: None,
        encoding: "O = (v << 4) | 0xe; None v = 0, False v = 1, True v = 3",
        source: src("py/obj.h", "mp_obj_is_immediate_obj (REPR_C)"),
    },
    TagRule {
        class: TagClass::Float,
        tests: &[BitTest::eq(0b11, 0b10), BitTest::ne(0xff80_0007, 0x0000_0006)],
        range: None,
        encoding: "b = single-precision bits (NaN first made 0x7fc00000); O = ((b & ~3) | 2) + 0x80800000; \
                   decode b = (O - 0x80800000) & ~3, then b |= (b >> 2) & 3",
        source: src("py/obj.h", "mp_obj_is_float (REPR_C)"),
    },
    TagRule {
        class: TagClass::Pointer,
        tests: &[BitTest::eq(0b11, 0b00)],
        range: None,
        encoding: "O = address of an object, 4-byte aligned",
        source: src("py/obj.h", "mp_obj_is_obj (REPR_C)"),
    },
];

/// REPR_D (64-bit word on a 32-bit CPU): the top 16 bits select the kind. Top bits `0x0003` would be
/// immediate objects, which REPR_D does not use, so no rule matches them.
pub static TAGS_D: &[TagRule] = &[
    TagRule {
        class: TagClass::Pointer,
        tests: &[BitTest::eq(D_KIND_MASK, 0)],
        range: None,
        encoding: "O = the 32-bit address, zero-extended (None, False and True are such pointers, to ROM objects)",
        source: src("py/obj.h", "mp_obj_is_obj (REPR_D)"),
    },
    TagRule {
        class: TagClass::SmallInt,
        tests: &[BitTest::eq(D_KIND_MASK, 0x0001_0000_0000_0000)],
        range: None,
        encoding: "O = ((v & 0x7fff_ffff_ffff) << 1) | 0x0001_0000_0000_0001; v = (int64)(O << 16) >> 17",
        source: src("py/obj.h", "mp_obj_is_small_int (REPR_D)"),
    },
    TagRule {
        class: TagClass::Qstr,
        tests: &[BitTest::eq(D_KIND_MASK, 0x0002_0000_0000_0000)],
        range: None,
        encoding: "O = (uint32)(q << 1) | 0x0002_0000_0000_0001 (31-bit q); q = (uint32)O >> 1",
        source: src("py/obj.h", "mp_obj_is_qstr (REPR_D)"),
    },
    TagRule {
        class: TagClass::Float,
        tests: &[BitTest::ne(0xfffc_0000_0000_0000, 0)],
        range: None,
        encoding: "O = double bits + 0x8004_0000_0000_0000 (NaN first made 0x7ff8_0000_0000_0000); \
                   bits = O - 0x8004_0000_0000_0000",
        source: src("py/obj.h", "mp_obj_is_float (REPR_D)"),
    },
];

const IMM_NONE: Evidence = src("py/obj.h", "mp_const_none");
const IMM_FALSE: Evidence = src("py/obj.h", "mp_const_false");
const IMM_TRUE: Evidence = src("py/obj.h", "mp_const_true");

/// `None`, `False`, `True` in REPR_A (`MP_OBJ_NEW_IMMEDIATE_OBJ(0, 1, 3)`).
pub static IMMEDIATES_A: &[Immediate] = &[
    Immediate {
        name: "None",
        raw: 0x6,
        source: IMM_NONE,
    },
    Immediate {
        name: "False",
        raw: 0xe,
        source: IMM_FALSE,
    },
    Immediate {
        name: "True",
        raw: 0x1e,
        source: IMM_TRUE,
    },
];

/// `None`, `False`, `True` in REPR_B.
pub static IMMEDIATES_B: &[Immediate] = &[
    Immediate {
        name: "None",
        raw: 0x7,
        source: IMM_NONE,
    },
    Immediate {
        name: "False",
        raw: 0xf,
        source: IMM_FALSE,
    },
    Immediate {
        name: "True",
        raw: 0x1f,
        source: IMM_TRUE,
    },
];

/// `None`, `False`, `True` in REPR_C.
pub static IMMEDIATES_C: &[Immediate] = &[
    Immediate {
        name: "None",
        raw: 0xe,
        source: IMM_NONE,
    },
    Immediate {
        name: "False",
        raw: 0x1e,
        source: IMM_FALSE,
    },
    Immediate {
        name: "True",
        raw: 0x3e,
        source: IMM_TRUE,
    },
];

/// REPR_D stores no constant in the word: `None`, `False` and `True` are pointers to the ROM objects
/// `mp_const_none_obj`, `mp_const_false_obj` and `mp_const_true_obj`, whose addresses depend on the build.
pub static IMMEDIATES_D: &[Immediate] = &[];

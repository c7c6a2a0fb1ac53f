//! Value words: how an `mp_obj_t` holds a small int, a qstr, an immediate object, a float or a pointer.
//!
//! From `py/mpconfig.h` (the `MICROPY_OBJ_REPR_*` comments), `py/obj.h` (the encode and test macros
//! of each representation) and `py/smallint.h` (`MP_SMALL_INT_FITS`):
//!
//! | repr | small int | qstr | immediate | float | pointer |
//! |---|---|---|---|---|---|
//! | A | `O & 1 == 1`, `(v << 1) \| 1` | `O & 7 == 2`, `(q << 3) \| 2` | `O & 7 == 6`, `(v << 3) \| 6` | boxed | `O & 3 == 0` |
//! | B | `O & 3 == 1`, `(v << 2) \| 1` | `O & 7 == 3`, `(q << 3) \| 3` | `O & 7 == 7`, `(v << 3) \| 7` | boxed | `O & 1 == 0` |
//! | C | as A | `O & 0xff80000f == 6`, `(q << 4) \| 6` | `O & 0xff80000f == 0xe`, `(v << 4) \| 0xe` | `O & 3 == 2` otherwise: `((b & ~3) \| 2) + 0x80800000` | `O & 3 == 0` |
//! | D | top 16 bits `0x0001` | top 16 bits `0x0002` | top 16 bits `0x0003` | top 14 bits not all zero: `double + 0x8004_0000_0000_0000` | top 16 bits zero |
//!
//! Each representation's tests cover every word exactly once. A word of the immediate class whose
//! value names no object is still of that class, and decoding it
//! ([`Subject::decode`](memspec::subject::Subject::decode)) reports an invalid word. REPR D has an
//! immediate test but no immediate objects, so its `0x0003` words are [`WordClass::Invalid`].
//!
//! In REPR_C the two low mantissa bits of a single are dropped on the way in and refilled from bits
//! 2–3 on the way out (`mp_obj_float_get`); both C and D replace every NaN by the canonical one.

use memspec::TagClass;

use super::config::Repr;
use crate::arena::WordBytes;

/// The immediate-object value of `None` (`mp_const_none`, `py/obj.h`).
pub const IMMEDIATE_NONE: u64 = 0;
/// The immediate-object value of `False`.
pub const IMMEDIATE_FALSE: u64 = 1;
/// The immediate-object value of `True`.
pub const IMMEDIATE_TRUE: u64 = 3;

/// REPR_C stores qstrs, immediates and floats as `R + 0x80800000` (`py/mpconfig.h`).
pub const REPR_C_OFFSET: u32 = 0x8080_0000;
/// REPR_C's canonical NaN, as single-precision bits (`mp_const_float_nan`, `py/obj.h`).
pub const REPR_C_NAN_BITS: u32 = 0x7fc0_0000;
/// REPR_D stores every word as `R + 0x8004_0000_0000_0000` (`py/mpconfig.h`), so doubles are offset
/// by this and pointers come out with zero top bits.
pub const REPR_D_OFFSET: u64 = 0x8004_0000_0000_0000;
/// REPR_D's canonical NaN, as double bits (`mp_const_float_nan`, `py/obj.h`).
pub const REPR_D_NAN_BITS: u64 = 0x7ff8_0000_0000_0000;
/// REPR_D: the top 16 bits that select the kind.
pub const REPR_D_KIND_MASK: u64 = 0xffff_0000_0000_0000;
/// REPR_D: a float has some of the top 14 bits set (`mp_obj_is_float`).
pub const REPR_D_FLOAT_MASK: u64 = 0xfffc_0000_0000_0000;
/// REPR_D: small ints carry 47 value bits, 1 to 47 (`MP_OBJ_NEW_SMALL_INT`).
pub const REPR_D_SMALL_INT_BITS: u32 = 47;

/// The kind of value a word holds, as the engine's `mp_obj_is_*` tests decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WordClass {
    /// `mp_obj_is_small_int`.
    SmallInt,
    /// `mp_obj_is_qstr`.
    Qstr,
    /// `mp_obj_is_immediate_obj`.
    Immediate,
    /// `mp_obj_is_float` for REPR_C and REPR_D.
    Float,
    /// `mp_obj_is_obj`: a pointer to an object (or a fake object such as `MP_OBJ_NULL`).
    Pointer,
    /// REPR_D's top bits `0x0003`: `mp_obj_is_immediate_obj` would say yes, but a REPR_D build has no
    /// immediate objects (`MICROPY_OBJ_IMMEDIATE_OBJS` is 0), so no value has this pattern;
    /// `mp_obj_get_type` would take it for a pointer.
    Invalid,
}

impl WordClass {
    /// The shared tag-class vocabulary.
    pub const fn tag(self) -> TagClass {
        match self {
            WordClass::SmallInt => TagClass::SmallInt,
            WordClass::Qstr => TagClass::Qstr,
            WordClass::Immediate => TagClass::Immediate,
            WordClass::Float => TagClass::Float,
            WordClass::Pointer => TagClass::Pointer,
            WordClass::Invalid => TagClass::Invalid,
        }
    }
}

/// Encoder and decoder of one representation at one word width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Codec {
    /// The representation.
    pub repr: Repr,
    /// Bits of `mp_uint_t` (W); the word of REPR_D is always 64 bits.
    uint_bits: u32,
}

impl Codec {
    /// A codec for `repr` with an `mp_uint_t` of `uint_bytes`.
    pub const fn new(repr: Repr, uint_bytes: WordBytes) -> Self {
        Self {
            repr,
            uint_bits: uint_bytes.get() as u32 * 8,
        }
    }

    /// Bits of the stored word.
    pub const fn word_bits(&self) -> u32 {
        match self.repr {
            Repr::D => 64,
            _ => self.uint_bits,
        }
    }

    /// The mask of a stored word.
    pub const fn mask(&self) -> u64 {
        if self.word_bits() >= 64 {
            u64::MAX
        } else {
            (1u64 << self.word_bits()) - 1
        }
    }

    const fn signed(&self, w: u64) -> i64 {
        let shift = 64 - self.word_bits();
        ((w << shift) as i64) >> shift
    }

    /// The small-int range, `MP_SMALL_INT_MIN ..= MP_SMALL_INT_MAX` (`py/smallint.h`): the top two
    /// bits of the word must agree in A and C, the top three in B; D has a fixed 47-bit field.
    pub const fn small_int_range(&self) -> (i64, i64) {
        let value_bits = match self.repr {
            Repr::A | Repr::C => self.uint_bits - 1,
            Repr::B => self.uint_bits - 2,
            Repr::D => REPR_D_SMALL_INT_BITS,
        };
        let min = -(1i64 << (value_bits - 1));
        (min, !min)
    }

    /// Whether `v` is stored in the word (`MP_SMALL_INT_FITS`).
    pub const fn small_int_fits(&self, v: i64) -> bool {
        let (min, max) = self.small_int_range();
        min <= v && v <= max
    }

    /// The word of small int `v` (`MP_OBJ_NEW_SMALL_INT`), if it fits.
    pub const fn small_int(&self, v: i64) -> Option<u64> {
        if !self.small_int_fits(v) {
            return None;
        }
        let u = v as u64;
        Some(match self.repr {
            Repr::A | Repr::C => ((u << 1) | 1) & self.mask(),
            Repr::B => ((u << 2) | 1) & self.mask(),
            Repr::D => ((u & 0x7fff_ffff_ffff) << 1) | 0x0001_0000_0000_0001,
        })
    }

    /// The value of a small-int word (`MP_OBJ_SMALL_INT_VALUE`): an arithmetic shift.
    pub const fn small_int_value(&self, w: u64) -> i64 {
        match self.repr {
            Repr::A | Repr::C => self.signed(w) >> 1,
            Repr::B => self.signed(w) >> 2,
            Repr::D => ((w << 16) as i64) >> 17,
        }
    }

    /// The largest qstr number a word can hold.
    pub const fn qstr_max(&self) -> u64 {
        match self.repr {
            Repr::A | Repr::B => self.mask() >> 3,
            // 19 bits: the top 9 bits of O must stay zero.
            Repr::C => (1 << 19) - 1,
            // `((uint32_t)(qst)) << 1` keeps 31 bits.
            Repr::D => (1 << 31) - 1,
        }
    }

    /// The word of qstr `q` (`MP_OBJ_NEW_QSTR`), if the word can hold it.
    pub const fn qstr(&self, q: u64) -> Option<u64> {
        if q > self.qstr_max() {
            return None;
        }
        Some(match self.repr {
            Repr::A => (q << 3) | 2,
            Repr::B => (q << 3) | 3,
            Repr::C => (q << 4) | 6,
            Repr::D => (q << 1) | 0x0002_0000_0000_0001,
        })
    }

    /// The qstr number of a qstr word (`MP_OBJ_QSTR_VALUE`).
    pub const fn qstr_value(&self, w: u64) -> u64 {
        match self.repr {
            Repr::A | Repr::B => (w & self.mask()) >> 3,
            Repr::C => (w & self.mask()) >> 4,
            Repr::D => ((w as u32) >> 1) as u64,
        }
    }

    /// The word of immediate object `v` (`MP_OBJ_NEW_IMMEDIATE_OBJ`); REPR_D has none by default
    /// (`MICROPY_OBJ_IMMEDIATE_OBJS` is `REPR != D`).
    pub const fn immediate(&self, v: u64) -> Option<u64> {
        match self.repr {
            Repr::A => Some(((v << 3) | 6) & self.mask()),
            Repr::B => Some(((v << 3) | 7) & self.mask()),
            Repr::C => Some(((v << 4) | 0xe) & self.mask()),
            Repr::D => None,
        }
    }

    /// The value of an immediate-object word (`MP_OBJ_IMMEDIATE_OBJ_VALUE`).
    pub const fn immediate_value(&self, w: u64) -> u64 {
        match self.repr {
            Repr::A | Repr::B => (w & self.mask()) >> 3,
            Repr::C => (w & self.mask()) >> 4,
            // The engine truncates to 32 bits before shifting by 46: dead code that yields 0.
            Repr::D => 0,
        }
    }

    /// Whether floats live in the word (REPR_C and REPR_D).
    pub const fn float_in_word(&self) -> bool {
        matches!(self.repr, Repr::C | Repr::D)
    }

    /// The word of float `f` (`mp_obj_new_float`), for REPR_C (as a single) and REPR_D.
    pub fn float(&self, f: f64) -> Option<u64> {
        match self.repr {
            Repr::C => {
                let single = f as f32;
                let b = if single.is_nan() {
                    REPR_C_NAN_BITS
                } else {
                    single.to_bits()
                };
                Some((((b & !3) | 2).wrapping_add(REPR_C_OFFSET)) as u64)
            }
            Repr::D => {
                let b = if f.is_nan() { REPR_D_NAN_BITS } else { f.to_bits() };
                Some(b.wrapping_add(REPR_D_OFFSET))
            }
            Repr::A | Repr::B => None,
        }
    }

    /// The float of a float word (`mp_obj_float_get`).
    pub fn float_value(&self, w: u64) -> f64 {
        match self.repr {
            Repr::C => {
                let mut b = (w as u32).wrapping_sub(REPR_C_OFFSET) & !3;
                // Refill the two dropped bits from bits 2-3.
                b |= (b >> 2) & 3;
                widen(b)
            }
            _ => f64::from_bits(w.wrapping_sub(REPR_D_OFFSET)),
        }
    }

    /// The class of any word, by the engine's own tests.
    pub const fn classify(&self, w: u64) -> WordClass {
        let w = w & self.mask();
        match self.repr {
            Repr::A => {
                if w & 1 == 1 {
                    WordClass::SmallInt
                } else if w & 7 == 2 {
                    WordClass::Qstr
                } else if w & 7 == 6 {
                    WordClass::Immediate
                } else {
                    WordClass::Pointer
                }
            }
            Repr::B => {
                if w & 3 == 1 {
                    WordClass::SmallInt
                } else if w & 7 == 3 {
                    WordClass::Qstr
                } else if w & 7 == 7 {
                    WordClass::Immediate
                } else {
                    WordClass::Pointer
                }
            }
            Repr::C => {
                if w & 1 == 1 {
                    WordClass::SmallInt
                } else if w & 0xff80_000f == 0x6 {
                    WordClass::Qstr
                } else if w & 0xff80_000f == 0xe {
                    WordClass::Immediate
                } else if w & 3 == 2 {
                    WordClass::Float
                } else {
                    WordClass::Pointer
                }
            }
            Repr::D => match w & REPR_D_KIND_MASK {
                0 => WordClass::Pointer,
                0x0001_0000_0000_0000 => WordClass::SmallInt,
                0x0002_0000_0000_0000 => WordClass::Qstr,
                0x0003_0000_0000_0000 => WordClass::Invalid,
                _ => WordClass::Float,
            },
        }
    }
}

/// The single-precision float with bits `b`, widened to double the way IEEE 754 widens: exact for
/// every number, and a NaN keeps its sign and payload and comes out quiet. Done on the bits, because
/// `f32 as f64` leaves a signalling NaN's bits to the platform (x86-64 quiets it, riscv32imc's soft
/// float does not), and the reference implementation must answer the same on the host and the board.
fn widen(b: u32) -> f64 {
    const F32_EXPONENT: u32 = 0x7f80_0000;
    const F32_MANTISSA: u32 = 0x007f_ffff;
    const F64_EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    const F64_QUIET: u64 = 1 << 51;
    /// Mantissa bits of a double (52) minus those of a single (23).
    const MANTISSA_SHIFT: u32 = 52 - 23;
    if b & F32_EXPONENT == F32_EXPONENT && b & F32_MANTISSA != 0 {
        let sign = u64::from(b >> 31) << 63;
        let payload = u64::from(b & F32_MANTISSA) << MANTISSA_SHIFT;
        return f64::from_bits(sign | F64_EXPONENT | F64_QUIET | payload);
    }
    f64::from(f32::from_bits(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A32: Codec = Codec::new(Repr::A, WordBytes::Four);
    const C32: Codec = Codec::new(Repr::C, WordBytes::Four);
    const D: Codec = Codec::new(Repr::D, WordBytes::Eight);

    #[test]
    fn constants_are_stored_as_py_obj_h_encodes_them() {
        // py/obj.h: mp_const_none = MP_OBJ_NEW_IMMEDIATE_OBJ(0), False 1, True 3, so REPR_A (v << 3 | 6)
        // None 0x6, False 0xe, True 0x1e; REPR_B (| 7) 0x7, 0xf, 0x1f; REPR_C (v << 4 | 0xe) 0xe, 0x1e, 0x3e.
        assert_eq!(A32.immediate(IMMEDIATE_NONE), Some(0x6));
        assert_eq!(A32.immediate(IMMEDIATE_TRUE), Some(0x1e));
        let b = Codec::new(Repr::B, WordBytes::Eight);
        assert_eq!(b.immediate(IMMEDIATE_FALSE), Some(0xf));
        assert_eq!(C32.immediate(IMMEDIATE_TRUE), Some(0x3e));
        assert_eq!(D.immediate(IMMEDIATE_NONE), None);
    }

    #[test]
    fn repr_c_floats_lose_two_mantissa_bits_and_refill_them() {
        // 1.0f is 0x3f800000: stored as 0x3f800002 + 0x80800000 = 0xc0000002.
        assert_eq!(C32.float(1.0), Some(0xc000_0002));
        assert_eq!(C32.classify(0xc000_0002), WordClass::Float);
        // Bits 0-1 of 0x3f800007 are dropped, then refilled from bits 2-3 (01): 0x3f800005.
        let w = C32.float(f32::from_bits(0x3f80_0007) as f64).unwrap();
        assert_eq!(
            C32.float_value(w).to_bits(),
            (f32::from_bits(0x3f80_0005) as f64).to_bits()
        );
        assert_eq!(C32.float(f64::NAN), C32.float(-f64::NAN));
    }

    #[test]
    fn repr_d_small_ints_have_47_bits() {
        assert_eq!(D.small_int_range(), (-(1 << 46), (1 << 46) - 1));
        assert_eq!(D.small_int(-1), Some(0x0001_ffff_ffff_ffff));
        assert_eq!(D.small_int_value(0x0001_ffff_ffff_ffff), -1);
        assert_eq!(D.small_int(1 << 46), None);
    }

    #[test]
    fn a_signalling_nan_widens_quiet_with_its_payload_on_every_platform() {
        // 0x7f800005: a signalling single NaN with payload 5.
        assert_eq!(super::widen(0x7f80_0005).to_bits(), 0x7ff8_0000_a000_0000);
        assert_eq!(super::widen(0xffc0_0000).to_bits(), 0xfff8_0000_0000_0000);
        assert_eq!(super::widen(0x3fe0_0000), 1.75);
        assert_eq!(super::widen(0x0000_0001), f64::from(f32::from_bits(1)));
    }
}

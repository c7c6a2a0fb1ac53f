//! The 16-bit value word (`mvm_Value`) and its four classes, told apart by the low bits.

/// Bytes of a value word.
pub const VALUE_BYTES: usize = 2;

/// The smallest integer stored in a value word (`VM_MIN_INT14`).
pub const INT14_MIN: i32 = -0x2000;

/// The largest integer stored in a value word (`VM_MAX_INT14`).
pub const INT14_MAX: i32 = 0x1FFF;

/// The first `…01` word that is a bytecode-mapped pointer rather than a well-known value
/// (`VM_VALUE_WELLKNOWN_END`).
pub const WELL_KNOWN_END: u16 = 0x26;

/// A byte offset into the virtual heap: where an allocation's body starts, as a ShortPtr holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HeapOffset(pub u16);

/// A value word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Value(pub u16);

/// The values stored in the word itself with type codes 0x11 ..= 0x1A (`TC_VAL_UNDEFINED` ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WellKnown {
    /// `undefined` (`TC_VAL_UNDEFINED`).
    Undefined,
    /// `null`.
    Null,
    /// `true`.
    True,
    /// `false`.
    False,
    /// `NaN`.
    NaN,
    /// `-0`.
    NegZero,
    /// A hole, a deleted property, spare array capacity, a variable in its temporal dead zone.
    Deleted,
    /// The string `"length"`.
    StrLength,
    /// The string `"__proto__"`.
    StrProto,
    /// A function that does nothing.
    NoOpFunc,
}

impl WellKnown {
    /// Every well-known value, in type-code order.
    pub const ALL: [WellKnown; 10] = [
        WellKnown::Undefined,
        WellKnown::Null,
        WellKnown::True,
        WellKnown::False,
        WellKnown::NaN,
        WellKnown::NegZero,
        WellKnown::Deleted,
        WellKnown::StrLength,
        WellKnown::StrProto,
        WellKnown::NoOpFunc,
    ];

    /// The value's type code (`TC_VAL_*`).
    pub const fn type_code(self) -> u8 {
        0x11 + self as u8
    }

    /// The word: `((type code - 0x11) << 2) | 1`.
    pub const fn value(self) -> Value {
        Value(((self as u16) << 2) | 1)
    }

    /// The name cases use: `undefined`, `null`, `true`, `false`, `NaN`, `-0`, `deleted`, `length`,
    /// `__proto__`, `no-op-function`.
    pub const fn name(self) -> &'static str {
        match self {
            WellKnown::Undefined => "undefined",
            WellKnown::Null => "null",
            WellKnown::True => "true",
            WellKnown::False => "false",
            WellKnown::NaN => "NaN",
            WellKnown::NegZero => "-0",
            WellKnown::Deleted => "deleted",
            WellKnown::StrLength => "length",
            WellKnown::StrProto => "__proto__",
            WellKnown::NoOpFunc => "no-op-function",
        }
    }

    /// The well-known value named `name`.
    pub fn from_name(name: &str) -> Option<WellKnown> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }
}

/// What a value word holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `…0`: a pointer to a heap allocation's body.
    ShortPtr(HeapOffset),
    /// `…11`: a 14-bit signed integer.
    Int14(i16),
    /// `…01` below `0x26`.
    WellKnown(WellKnown),
    /// `…01` from `0x26`: an offset into the bytecode image (ROM, or a global-slot handle).
    BytecodeMapped(u16),
}

impl Value {
    /// `undefined`.
    pub const UNDEFINED: Value = WellKnown::Undefined.value();
    /// `null`, also the end of property-cell chains and an absent array data pointer.
    pub const NULL: Value = WellKnown::Null.value();
    /// `deleted`: holes and spare array capacity.
    pub const DELETED: Value = WellKnown::Deleted.value();
    /// The string `"length"`.
    pub const STR_LENGTH: Value = WellKnown::StrLength.value();
    /// The string `"__proto__"`.
    pub const STR_PROTO: Value = WellKnown::StrProto.value();

    /// What the word holds. Every word has exactly one class.
    pub const fn class(self) -> Class {
        let v = self.0;
        if v & 1 == 0 {
            Class::ShortPtr(HeapOffset(v))
        } else if v & 3 == 3 {
            Class::Int14((v as i16) >> 2)
        } else if v < WELL_KNOWN_END {
            Class::WellKnown(WellKnown::ALL[(v >> 2) as usize])
        } else {
            Class::BytecodeMapped(v & 0xFFFC)
        }
    }

    /// A heap pointer.
    pub const fn short_ptr(at: HeapOffset) -> Value {
        Value(at.0)
    }

    /// The heap offset the word points at, if it is a ShortPtr.
    pub const fn as_short_ptr(self) -> Option<HeapOffset> {
        if self.0 & 1 == 0 {
            Some(HeapOffset(self.0))
        } else {
            None
        }
    }

    /// The Int14 word of `i`, if `i` is in `INT14_MIN ..= INT14_MAX`.
    pub const fn int14(i: i64) -> Option<Value> {
        if i < INT14_MIN as i64 || i > INT14_MAX as i64 {
            return None;
        }
        Some(Value(((i as u16) << 2) | 3))
    }

    /// The integer of an Int14 word.
    pub const fn as_int14(self) -> Option<i16> {
        if self.0 & 3 == 3 {
            Some((self.0 as i16) >> 2)
        } else {
            None
        }
    }
}

/// How `mvm_newNumber` stores a number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// In the word: an Int14, `NaN` or `-0`.
    Word(Value),
    /// On the heap as an INT32.
    Int32(i32),
    /// On the heap as a FLOAT64.
    Float64(f64),
}

impl Number {
    /// The representation of `f`: NaN and −0 are well-known, an integral value within int32 is an
    /// integer (Int14 or INT32), anything else a FLOAT64.
    pub fn of_f64(f: f64) -> Number {
        if f.is_nan() {
            return Number::Word(WellKnown::NaN.value());
        }
        if f == 0.0 && f.is_sign_negative() {
            return Number::Word(WellKnown::NegZero.value());
        }
        // `mvm_float64ToInt32` then a comparison: Rust's saturating cast makes the same decision as the
        // engine's C cast for every double (both compare unequal outside int32).
        let i = if f.is_finite() { f as i32 } else { 0 };
        if i as f64 == f {
            return Number::of_i32(i);
        }
        Number::Float64(f)
    }

    /// The representation of `i` (`mvm_newInt32`): Int14 when it fits, else INT32.
    pub fn of_i32(i: i32) -> Number {
        match Value::int14(i as i64) {
            Some(v) => Number::Word(v),
            None => Number::Int32(i),
        }
    }

    /// The representation of an integer of any size: beyond int32 it is a FLOAT64.
    pub fn of_int(i: i128) -> Number {
        match i32::try_from(i) {
            Ok(i) => Number::of_i32(i),
            Err(_) => Number::Float64(i as f64),
        }
    }
}

//! A named layout fact with its unit and its source.

use crate::evidence::Evidence;

/// The unit a fact's value is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Bytes.
    Bytes,
    /// Bits.
    Bits,
    /// Words of the profile's value width.
    Words,
    /// Allocation blocks (MicroPython's GC block).
    Blocks,
    /// Entries of a table (mark stack entries, hash slots, pages).
    Entries,
    /// A plain count (pools, size classes).
    Count,
    /// A yes/no switch: 1 or 0.
    Flag,
    /// A raw number without a unit: a tag, a type code, a value.
    Number,
}

impl Unit {
    /// The unit's name as printed after a value.
    pub const fn name(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Bits => "bits",
            Unit::Words => "words",
            Unit::Blocks => "blocks",
            Unit::Entries => "entries",
            Unit::Count => "",
            Unit::Flag => "",
            Unit::Number => "",
        }
    }
}

/// One layout fact of a profile: "bytes per GC block = 16 bytes, from py/mpconfig.h
/// `MICROPY_BYTES_PER_GC_BLOCK`".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact {
    /// The engine's own name for it, where it has one (`MICROPY_BYTES_PER_GC_BLOCK`), else a plain name.
    pub name: &'static str,
    /// The value, in `unit`.
    pub value: i64,
    /// What `value` counts.
    pub unit: Unit,
    /// One line saying what it is.
    pub meaning: &'static str,
    /// Where it comes from.
    pub source: Evidence,
}

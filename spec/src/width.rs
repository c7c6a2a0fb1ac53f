//! The width of a raw value word, and printing words as hex and bit patterns.

use core::fmt;

/// Width of a stored value word in bits: 16 (Microvium's `mvm_Value`), 32 or 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Width(u32);

impl Width {
    /// A 16-bit word.
    pub const W16: Width = Width(16);
    /// A 32-bit word.
    pub const W32: Width = Width(32);
    /// A 64-bit word.
    pub const W64: Width = Width(64);

    /// The width in bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The width in bytes.
    pub const fn bytes(self) -> u32 {
        self.0 / 8
    }

    /// All ones in the low `bits` bits.
    pub const fn mask(self) -> u64 {
        if self.0 >= 64 {
            u64::MAX
        } else {
            (1u64 << self.0) - 1
        }
    }

    /// `raw` as a signed number of this width (two's complement).
    pub const fn signed(self, raw: u64) -> i64 {
        let shift = 64 - self.0;
        ((raw << shift) as i64) >> shift
    }

    /// Formats `raw` as `0x` and exactly `bits / 4` hex digits.
    pub fn hex(self, raw: u64) -> Hex {
        Hex {
            width: self,
            raw: raw & self.mask(),
        }
    }

    /// Formats `raw` as bits, most significant first, in groups of 8 separated by `|`; bits outside
    /// `mask` print as `*` (the notation of MicroPython's memory-management docs).
    pub fn bits_under(self, raw: u64, mask: u64) -> Bits {
        Bits {
            width: self,
            raw,
            mask,
        }
    }
}

/// A word printed as fixed-width hex (see [`Width::hex`]).
#[derive(Clone, Copy, Debug)]
pub struct Hex {
    width: Width,
    raw: u64,
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "0x{:0digits$x}",
            self.raw,
            digits = (self.width.bits() / 4) as usize
        )
    }
}

/// A word printed as a bit pattern with don't-care bits (see [`Width::bits_under`]).
#[derive(Clone, Copy, Debug)]
pub struct Bits {
    width: Width,
    raw: u64,
    mask: u64,
}

impl fmt::Display for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in (0..self.width.bits()).rev() {
            let c = if self.mask >> i & 1 == 0 {
                '*'
            } else if self.raw >> i & 1 == 1 {
                '1'
            } else {
                '0'
            };
            fmt::Write::write_char(f, c)?;
            if i % 8 == 0 && i != 0 {
                fmt::Write::write_char(f, '|')?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Width;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn a32_small_int_pattern_prints_as_the_micropython_docs_draw_it() {
        assert_eq!(
            Width::W32.bits_under(1, 1).to_string(),
            "********|********|********|*******1"
        );
        assert_eq!(Width::W32.hex(6).to_string(), "0x00000006");
        assert_eq!(Width::W16.signed(0xffff), -1);
    }
}

//! Word patterns with don't-care digits: `0x7fc*****`, `0b****_**01`.
//!
//! A pattern names every bit it cares about. Hex digits stand for 4 bits and binary digits for 1; `*`
//! is a don't-care digit; `_` and `|` separate groups and mean nothing. Bits to the left of the
//! pattern's first digit must be zero, so `0x6` and `0x00000006` are the same pattern and a 64-bit word
//! with its high half set does not match `0x7fc*****`.

use std::fmt;

/// A word pattern: the word matches when `word & mask == value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The bits that must match.
    pub mask: u64,
    /// Their values (zero outside `mask`).
    pub value: u64,
    /// How the pattern was written: 16 for hex, 2 for binary.
    pub radix: u32,
    /// How many digits were written (separators not counted).
    pub digits: u32,
}

impl Pattern {
    /// An exact word.
    pub fn exact(word: u64) -> Pattern {
        Pattern {
            mask: u64::MAX,
            value: word,
            radix: 16,
            digits: 16,
        }
    }

    /// Parses `0x…` or `0b…` with `*` digits; the error says what was expected.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let (radix, body) = if let Some(b) = text.strip_prefix("0x") {
            (16u32, b)
        } else if let Some(b) = text.strip_prefix("0b") {
            (2u32, b)
        } else {
            return Err(format!(
                "expected a word pattern such as `0x0000000b`, `0x7fc*****` or `0b****_**01`, found `{text}`"
            ));
        };
        let bits_per_digit = if radix == 16 { 4 } else { 1 };
        let mut mask: u64 = 0;
        let mut value: u64 = 0;
        let mut digits = 0u32;
        for c in body.chars() {
            if c == '_' || c == '|' {
                continue;
            }
            digits += 1;
            if digits * bits_per_digit > 64 {
                return Err(format!("`{text}` has more than 64 bits of digits"));
            }
            let digit_mask = (1u64 << bits_per_digit) - 1;
            mask <<= bits_per_digit;
            value <<= bits_per_digit;
            if c == '*' {
                continue;
            }
            let Some(d) = c.to_digit(radix) else {
                return Err(format!(
                    "`{c}` in `{text}` is not a {} digit or `*`",
                    if radix == 16 { "hex" } else { "binary" }
                ));
            };
            mask |= digit_mask;
            value |= u64::from(d);
        }
        if digits == 0 {
            return Err(format!("`{text}` has no digits"));
        }
        // Bits left of the written digits must be zero.
        let written = digits * bits_per_digit;
        if written < 64 {
            mask |= !((1u64 << written) - 1);
        }
        Ok(Pattern {
            mask,
            value,
            radix,
            digits,
        })
    }

    /// Whether `word` matches.
    pub fn matches(&self, word: u64) -> bool {
        word & self.mask == self.value
    }

    /// The pattern as written, normalised: `0x7fc*****`.
    pub fn show(&self, digits: u32) -> String {
        let bpd = if self.radix == 16 { 4 } else { 1 };
        let n = digits.max(self.digits);
        let mut s = String::from(if self.radix == 16 { "0x" } else { "0b" });
        for i in (0..n).rev() {
            let shift = i * bpd;
            let dm = ((1u64 << bpd) - 1) << shift;
            if self.mask & dm != dm {
                s.push('*');
            } else {
                let d = (self.value & dm) >> shift;
                s.push(char::from_digit(d as u32, self.radix).unwrap_or('?'));
            }
        }
        s
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.show(self.digits))
    }
}

/// `word` in the radix and digit count of `p`, for printing beside it.
pub fn show_like(p: &Pattern, word: u64, width_bits: u32) -> String {
    let bpd = if p.radix == 16 { 4 } else { 1 };
    let n = (width_bits / bpd).max(p.digits);
    let mut s = String::from(if p.radix == 16 { "0x" } else { "0b" });
    for i in (0..n).rev() {
        let shift = i * bpd;
        let d = if shift >= 64 {
            0
        } else {
            (word >> shift) & ((1u64 << bpd) - 1)
        };
        s.push(char::from_digit(d as u32, p.radix).unwrap_or('?'));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nan_pattern_matches_any_payload_but_nothing_above_bit_31() {
        let p = Pattern::parse("0x7fc*****").unwrap();
        assert!(p.matches(0x7fc0_0000));
        assert!(p.matches(0x7fcf_ffff));
        assert!(!p.matches(0x7fb0_0000));
        assert!(!p.matches(0x1_7fc0_0000));
        assert_eq!(p.to_string(), "0x7fc*****");
    }

    #[test]
    fn binary_patterns_take_separators_and_single_bit_wildcards() {
        let p = Pattern::parse("0b****_**01").unwrap();
        assert!(p.matches(0b1011_0101));
        assert!(!p.matches(0b1011_0111));
        assert!(!p.matches(0x100 | 0b01));
        assert_eq!(show_like(&p, 0b0101, 8), "0b00000101");
    }

    #[test]
    fn short_and_padded_hex_are_the_same_pattern() {
        assert!(Pattern::parse("0x6").unwrap().matches(6));
        assert_eq!(
            Pattern::parse("0x6").unwrap().mask,
            Pattern::parse("0x00000006").unwrap().mask
        );
    }

    #[test]
    fn malformed_patterns_say_what_is_wrong() {
        assert!(Pattern::parse("12").unwrap_err().contains("word pattern"));
        assert!(Pattern::parse("0x").unwrap_err().contains("no digits"));
        assert!(Pattern::parse("0xg").unwrap_err().contains("not a hex digit"));
        assert!(
            Pattern::parse("0x11111111111111111")
                .unwrap_err()
                .contains("64 bits")
        );
    }
}

//! `LargeInt`: integers outside the SmallInt range, as 64-bit two's-complement digits.
//!
//! A LargeInt is a data-format object whose count is the digits' bytes (`8 × digits`). Digit 0 is
//! the least significant; the top digit carries the sign. The runtime keeps every LargeInt
//! canonical (`RawLargeInt::isValid`, checked after `Runtime::newLargeIntWithDigits`):
//!
//! * at least one digit;
//! * one digit only if the value does not fit in a SmallInt (else it would be a SmallInt);
//! * no redundant top digit: a top digit of 0 over a digit whose top bit is clear, or a top digit of
//!   all ones over a digit whose top bit is set, could be dropped, so it must not be there.

use crate::law::{LawResult, Violation};

use super::immediates::SMALL_INT;

/// Whether `digits`, least significant first, are a canonical LargeInt (`RawLargeInt::isValid`).
pub fn is_canonical(digits: &[u64]) -> bool {
    match digits {
        [] => false,
        [only] => !SMALL_INT.contains(*only as i64),
        [.., next, high] => {
            let (high, next) = (*high as i64, *next as i64);
            !(high == -1 && next < 0 || high == 0 && next >= 0)
        }
    }
}

/// How many digits a canonical LargeInt of `value` has; 0 when `value` is a SmallInt.
pub fn digits_needed(value: i128) -> u64 {
    if let Ok(v) = i64::try_from(value)
        && SMALL_INT.contains(v)
    {
        return 0;
    }
    // Bits of the two's-complement form, sign bit included.
    let magnitude_bits = if value < 0 {
        128 - (!value).leading_zeros()
    } else {
        128 - value.leading_zeros()
    };
    u64::from(magnitude_bits + 1).div_ceil(64)
}

/// Law: the digits of a LargeInt are canonical.
pub fn large_int_canonical(digits: &[u64]) -> LawResult {
    if is_canonical(digits) {
        return Ok(());
    }
    let why = match digits {
        [] => "it has no digit",
        [_] => "its one digit fits in a SmallInt (-2^62 ..= 2^62 - 1)",
        _ => "its top digit only repeats the sign of the digit below",
    };
    let (top, below) = match digits {
        [.., b, t] => (*t, *b),
        [t] => (*t, 0),
        [] => (0, 0),
    };
    Err(Violation::new(
        "large-int-canonical",
        format_args!(
            "{} digit(s), top {top:#018x} over {below:#018x}: not canonical, {why}",
            digits.len()
        ),
    ))
}

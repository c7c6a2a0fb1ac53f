//! LargeInt digits: 64-bit two's complement, least significant first, in canonical form
//! (`RawLargeInt::isValid`).

use super::error::{Error, Result};
use super::value::{SMALL_INT_MAX, SMALL_INT_MIN};

/// Most digits an `i128` needs.
pub const MAX_I128_DIGITS: usize = 2;

/// The canonical digits of `value`, or `None` when it is a SmallInt. Returns the digit buffer and
/// how many of its digits count.
pub fn digits_of(value: i128) -> Option<([u64; MAX_I128_DIGITS], usize)> {
    if (i128::from(SMALL_INT_MIN)..=i128::from(SMALL_INT_MAX)).contains(&value) {
        return None;
    }
    let low = value as u64;
    let high = (value >> 64) as u64;
    // One digit is enough when the high digit only repeats the low digit's sign bit.
    let sign_of_low = ((low as i64) >> 63) as u64;
    let len = if high == sign_of_low { 1 } else { 2 };
    Some(([low, high], len))
}

/// The value of `digits` if it fits in an `i128`.
pub fn value_of(digits: &[u64]) -> Option<i128> {
    match *digits {
        [d] => Some(i128::from(d as i64)),
        [lo, hi] => Some(i128::from(hi as i64) << 64 | i128::from(lo)),
        _ => None,
    }
}

/// Checks the invariants of `RawLargeInt::isValid`.
pub fn check_canonical(digits: &[u64]) -> Result<()> {
    let why = match *digits {
        [] => Some("a LargeInt has at least one digit"),
        [d] if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&(d as i64)) => {
            Some("a one-digit LargeInt must not fit in a SmallInt")
        }
        [.., next, high] if high == u64::MAX && (next as i64) < 0 => {
            Some("a top digit of all ones over a negative digit is redundant")
        }
        [.., next, 0] if (next as i64) >= 0 => {
            Some("a top digit of zero over a non-negative digit is redundant")
        }
        _ => None,
    };
    match why {
        None => Ok(()),
        Some(what) => Err(Error::BadArgument {
            what,
            value: digits.len() as i128,
        }),
    }
}

//! Floats in messages, written as `{}` and `{:?}` write an `f64`, without core's float formatting.
//!
//! core's `f64` formatting carries two digit-generation strategies and an exact-precision path
//! (about 15 KB of RV32 code); a firmware that prints a float in one message carries all of it.
//! [`Shortest`] prints the same text with one small exact algorithm: the shortest digits that read
//! back as the same float, the nearest such when several are as short, found with integers of up to
//! 1,280 bits. Formatter flags (width, precision, sign) are ignored: messages use none.

use core::fmt;

/// An `f64` that displays as `{}` and debug-prints as `{:?}` print it (flags aside).
#[derive(Clone, Copy, PartialEq)]
pub struct Shortest(pub f64);

impl fmt::Display for Shortest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write(f, self.0, false)
    }
}

impl fmt::Debug for Shortest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write(f, self.0, true)
    }
}

/// Writes `v` as Display (`debug` false) or Debug does.
fn write(f: &mut fmt::Formatter<'_>, v: f64, debug: bool) -> fmt::Result {
    if v.is_nan() {
        return f.write_str("NaN");
    }
    if v.is_sign_negative() {
        f.write_str("-")?;
    }
    let a = v.abs();
    if a.is_infinite() {
        return f.write_str("inf");
    }
    if a == 0.0 {
        return f.write_str(if debug { "0.0" } else { "0" });
    }
    let mut buf = [0u8; 17];
    let (n, k) = shortest_digits(a, &mut buf);
    let digits = &buf[..n];
    if debug && !(1e-4..1e16).contains(&a) {
        return exponential(f, digits, k);
    }
    decimal(f, digits, k, debug)
}

/// `0.ddd x 10^k` written without an exponent; a whole number gets `.0` when `point` is set.
fn decimal(f: &mut fmt::Formatter<'_>, digits: &[u8], k: i32, point: bool) -> fmt::Result {
    let len = digits.len() as i32;
    if k <= 0 {
        f.write_str("0.")?;
        zeros(f, -k)?;
        f.write_str(text(digits))
    } else if k < len {
        let (int, frac) = digits.split_at(k as usize);
        f.write_str(text(int))?;
        f.write_str(".")?;
        f.write_str(text(frac))
    } else {
        f.write_str(text(digits))?;
        zeros(f, k - len)?;
        if point { f.write_str(".0") } else { Ok(()) }
    }
}

/// `d.dddeX` (`X` = k - 1, with `-` when negative).
fn exponential(f: &mut fmt::Formatter<'_>, digits: &[u8], k: i32) -> fmt::Result {
    f.write_str(text(&digits[..1]))?;
    if digits.len() > 1 {
        f.write_str(".")?;
        f.write_str(text(&digits[1..]))?;
    }
    f.write_str("e")?;
    let e = k - 1;
    if e < 0 {
        f.write_str("-")?;
    }
    let mut n = e.unsigned_abs();
    let mut out = [0u8; 4];
    let mut at = out.len();
    loop {
        at -= 1;
        out[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    f.write_str(text(&out[at..]))
}

/// ASCII digits as text.
fn text(digits: &[u8]) -> &str {
    core::str::from_utf8(digits).unwrap_or("?")
}

fn zeros(f: &mut fmt::Formatter<'_>, n: i32) -> fmt::Result {
    for _ in 0..n {
        f.write_str("0")?;
    }
    Ok(())
}

/// Limbs of [`Big`]: 1,280 bits, room for the scaled value of the smallest subnormal (about
/// 2^1,077) times 10.
const LIMBS: usize = 40;

/// An unsigned integer of [`LIMBS`] 32-bit limbs, least significant first.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Big([u32; LIMBS]);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = [0; LIMBS];
        b[0] = v as u32;
        b[1] = (v >> 32) as u32;
        Big(b)
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let p = u64::from(*limb) * u64::from(m) + carry;
            *limb = p as u32;
            carry = p >> 32;
        }
    }

    fn mul_pow2(&mut self, bits: u32) {
        for _ in 0..bits / 32 {
            self.0.copy_within(..LIMBS - 1, 1);
            self.0[0] = 0;
        }
        let s = bits % 32;
        if s > 0 {
            for i in (0..LIMBS).rev() {
                let low = if i > 0 { self.0[i - 1] >> (32 - s) } else { 0 };
                self.0[i] = (self.0[i] << s) | low;
            }
        }
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_small(1_000_000_000);
            n -= 9;
        }
        self.mul_small(10u32.pow(n));
    }

    fn add(&self, other: &Big) -> Big {
        let mut out = [0; LIMBS];
        let mut carry = 0u64;
        for (o, (a, b)) in out.iter_mut().zip(self.0.iter().zip(&other.0)) {
            let s = u64::from(*a) + u64::from(*b) + carry;
            *o = s as u32;
            carry = s >> 32;
        }
        Big(out)
    }

    /// `self - other`; `self` must not be smaller.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            let d = i64::from(*a) - i64::from(*b) - borrow;
            *a = d as u32;
            borrow = i64::from(d < 0);
        }
    }

    fn cmp(&self, other: &Big) -> core::cmp::Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

/// The shortest decimal digits of finite `v > 0` that read back as `v` (round half to even, as
/// every correct float parser reads), the nearest to `v` among those; `v = 0.d1d2... x 10^k`.
/// Returns the digit count and `k`.
fn shortest_digits(v: f64, buf: &mut [u8; 17]) -> (usize, i32) {
    use core::cmp::Ordering::{Greater, Less};

    let bits = v.to_bits();
    let exp_field = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    // v = mant x 2^exp, with the distance to each neighbour in units of 2^exp.
    let (mant, exp) = if exp_field == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp_field - 1075)
    };
    // The gap below is half as wide at a power of two (not for the smallest normal exponent).
    let lower_narrow = frac == 0 && exp_field > 1;
    // A value with an even mantissa wins ties, so a boundary reads back as it.
    let inclusive = mant % 2 == 0;

    // value = r / s; the readback interval is (r - m_minus, r + m_plus) / s. A narrow lower gap
    // doubles every term but m_minus.
    let shift = if lower_narrow { 2 } else { 1 };
    let (mut r, mut s, mut m_plus, mut m_minus);
    if exp >= 0 {
        let exp = exp as u32;
        r = Big::from_u64(mant);
        r.mul_pow2(exp + shift);
        s = Big::from_u64(1 << shift);
        m_plus = Big::from_u64(1);
        m_plus.mul_pow2(exp + shift - 1);
        m_minus = Big::from_u64(1);
        m_minus.mul_pow2(exp);
    } else {
        r = Big::from_u64(mant << shift);
        s = Big::from_u64(1);
        s.mul_pow2(exp.unsigned_abs() + shift);
        m_plus = Big::from_u64(1 << (shift - 1));
        m_minus = Big::from_u64(1);
    }
    // k: the least with (r + m_plus) / s < 10^k (or <= when inclusive). floor(log2 v) x log10(2)
    // (log10(2) as a 32-bit fraction), rounded down, plus one, is k or one more.
    let log2 = i64::from(exp + 63 - mant.leading_zeros() as i32);
    let mut k = ((log2 * 1_292_913_986) >> 32) as i32 + 1;
    if k >= 0 {
        s.mul_pow10(k as u32);
    } else {
        r.mul_pow10((-k) as u32);
        m_plus.mul_pow10((-k) as u32);
        m_minus.mul_pow10((-k) as u32);
    }
    let high = |r: &Big, m_plus: &Big, s: &Big| {
        let c = r.add(m_plus).cmp(s);
        c == Greater || (inclusive && c != Less)
    };
    if high(&r, &m_plus, &s) {
        s.mul_small(10);
        k += 1;
    } else {
        // The estimate may be one too large: try 10^(k-1).
        let (mut r10, mut p10) = (r, m_plus);
        r10.mul_small(10);
        p10.mul_small(10);
        if !high(&r10, &p10, &s) {
            r = r10;
            m_plus = p10;
            m_minus.mul_small(10);
            k -= 1;
        }
    }

    let mut n = 0;
    loop {
        r.mul_small(10);
        m_plus.mul_small(10);
        m_minus.mul_small(10);
        let mut digit = 0u8;
        while r.cmp(&s) != Less {
            r.sub_assign(&s);
            digit += 1;
        }
        let c_low = r.cmp(&m_minus);
        let low = c_low == Less || (inclusive && c_low != Greater);
        let up = high(&r, &m_plus, &s);
        if !low && !up {
            buf[n] = b'0' + digit;
            n += 1;
            continue;
        }
        // Stop here: round up when only that stays in the interval, or when both do and the
        // rest is at least half a digit.
        let mut twice = r;
        twice.mul_small(2);
        let round_up = up && (!low || twice.cmp(&s) != Less);
        buf[n] = b'0' + digit;
        n += 1;
        if round_up {
            // A trailing 9 becomes 0 and is dropped; 9...9 becomes 1 at one higher exponent.
            loop {
                if n == 0 {
                    buf[0] = b'1';
                    n = 1;
                    k += 1;
                    break;
                }
                if buf[n - 1] == b'9' {
                    n -= 1;
                } else {
                    buf[n - 1] += 1;
                    break;
                }
            }
        }
        return (n, k);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;

    use super::*;

    fn check(v: f64) {
        assert_eq!(
            format!("{}", Shortest(v)),
            format!("{v}"),
            "Display of {:#018x}",
            v.to_bits()
        );
        assert_eq!(
            format!("{:?}", Shortest(v)),
            format!("{v:?}"),
            "Debug of {:#018x}",
            v.to_bits()
        );
    }

    #[test]
    fn edges_print_as_core_prints_them() {
        let edges = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.2,
            0.3,
            1.5,
            2.5,
            100.0,
            1e15,
            1e16,
            1e17,
            9.999999999999998e15,
            1e-4,
            9.999e-5,
            1e-5,
            1e-7,
            123456.789,
            1e21,
            1e22,
            1e23,
            5e-324,
            1e-323,
            2.2250738585072014e-308,
            2.225073858507201e-308,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1.0 / 3.0,
            2.0f64.powi(60),
            2.0f64.powi(-60),
            9007199254740993.0,
            4.35,
            0.3e-300,
            1.7976931348623157e308,
            8192.0,
            -8193.5,
            3.0e10,
        ];
        for v in edges {
            check(v);
        }
        for e in -1075..1024 {
            let p = 2.0f64.powi(e);
            check(p);
            check(f64::from_bits(p.to_bits().wrapping_sub(1)));
            check(f64::from_bits(p.to_bits() + 1));
        }
        for e in -325..309 {
            check(format!("1e{e}").parse().unwrap());
            check(format!("5e{e}").parse().unwrap());
            check(format!("9.5e{e}").parse().unwrap());
        }
    }

    #[test]
    fn random_bit_patterns_print_as_core_prints_them() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..10_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check(f64::from_bits(x));
            // Short decimals and integers, where ties and round numbers live.
            check(f64::from(i) / 8.0);
            check(f64::from(i % 10_000) * 10f64.powi((i % 40) as i32 - 20));
        }
    }
}

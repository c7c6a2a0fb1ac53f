//! 128-bit integers in messages, written as `{}`, `{:?}` and `{:#x}` write an `i128` or `u128`,
//! without core's 128-bit formatting (about 2.5 KB of RV32 code that a firmware otherwise carries
//! for the few messages that name a case argument). The digits come from 32-bit limbs and the
//! 64-bit formatting every message already uses. Flags other than `#` are ignored: messages use
//! none.

use core::fmt;

/// An `i128` printed as core prints it: decimal for `{}` and `{:?}`, two's complement for `{:x}`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Wide(pub i128);

/// A `u128` printed as core prints it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct WideU(pub u128);

impl fmt::Display for Wide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 0 {
            f.write_str("-")?;
        }
        decimal(f, self.0.unsigned_abs())
    }
}

impl fmt::Debug for Wide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::LowerHex for Wide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&WideU(self.0 as u128), f)
    }
}

impl fmt::Display for WideU {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        decimal(f, self.0)
    }
}

impl fmt::Debug for WideU {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        decimal(f, self.0)
    }
}

impl fmt::LowerHex for WideU {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str("0x")?;
        }
        let (hi, lo) = ((self.0 >> 64) as u64, self.0 as u64);
        if hi == 0 {
            write!(f, "{lo:x}")
        } else {
            write!(f, "{hi:x}{lo:016x}")
        }
    }
}

/// `v` in decimal: groups of nine digits, the remainders of dividing its 32-bit limbs by 10^9.
fn decimal(f: &mut fmt::Formatter<'_>, v: u128) -> fmt::Result {
    if let Ok(small) = u64::try_from(v) {
        return write!(f, "{small}");
    }
    const GROUP: u64 = 1_000_000_000;
    let mut limbs = [(v >> 96) as u32, (v >> 64) as u32, (v >> 32) as u32, v as u32];
    // u128::MAX has 39 digits: five groups.
    let mut groups = [0u32; 5];
    let mut n = 0;
    while limbs.iter().any(|&l| l != 0) {
        let mut rem = 0u64;
        for l in &mut limbs {
            let cur = (rem << 32) | u64::from(*l);
            *l = (cur / GROUP) as u32;
            rem = cur % GROUP;
        }
        groups[n] = rem as u32;
        n += 1;
    }
    let mut rest = groups[..n].iter().rev();
    if let Some(first) = rest.next() {
        write!(f, "{first}")?;
    }
    for g in rest {
        write!(f, "{g:09}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;

    use super::*;

    fn check(v: i128) {
        assert_eq!(format!("{}", Wide(v)), format!("{v}"));
        assert_eq!(format!("{:?}", Wide(v)), format!("{v:?}"));
        assert_eq!(format!("{:#x}", Wide(v)), format!("{v:#x}"));
        assert_eq!(format!("{:x}", Wide(v)), format!("{v:x}"));
        let u = v as u128;
        assert_eq!(format!("{}", WideU(u)), format!("{u}"));
        assert_eq!(format!("{:#x}", WideU(u)), format!("{u:#x}"));
    }

    #[test]
    fn wide_integers_print_as_core_prints_them() {
        for v in [
            0,
            1,
            -1,
            9,
            10,
            i128::MAX,
            i128::MIN,
            i128::from(u64::MAX),
            -i128::from(u64::MAX),
        ] {
            check(v);
        }
        for shift in 0..128 {
            let p = 1i128 << shift;
            for v in [
                p,
                p.wrapping_sub(1),
                p.wrapping_add(1),
                p.wrapping_neg(),
                1i128.wrapping_sub(p),
            ] {
                check(v);
            }
        }
        let mut p = 1i128;
        for _ in 0..38 {
            p *= 10;
            for v in [p, p - 1, p + 1, -p] {
                check(v);
            }
        }
        let mut x = 0x243F_6A88_85A3_08D3_1319_8A2E_0370_7344u128;
        for _ in 0..20_000 {
            x ^= x << 29;
            x ^= x >> 37;
            x ^= x << 11;
            check(x as i128);
            check((x >> (x % 128)) as i128);
        }
    }
}

//! Laws: invariants as plain functions over observations.
//!
//! A law returns `Ok(())` or a [`Violation`] whose message puts the observed bits, the mask and the
//! expected value side by side. Laws allocate nothing, so they run on the board as on the host.
//! Engine-specific laws live in each engine's module; the ones here hold for every profile.

use core::fmt;

use crate::profile::{IntRange, Profile};
use crate::tag::{TagClass, TagRule, classify};
use crate::text::Text;

/// Capacity of a violation message in bytes.
pub const MESSAGE_BYTES: usize = 320;

/// A law that did not hold, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The law's name, e.g. `exactly-one-class`.
    pub law: &'static str,
    /// What was observed beside what was expected.
    pub message: Text<MESSAGE_BYTES>,
}

impl Violation {
    /// A violation of `law` with a formatted message.
    pub fn new(law: &'static str, message: fmt::Arguments<'_>) -> Self {
        Self {
            law,
            message: Text::from_fmt(message),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "law `{}` broken: {}", self.law, self.message)
    }
}

/// The result of checking a law.
pub type LawResult = Result<(), Violation>;

/// Every word belongs to exactly one tag class: no two of the profile's rules match the same word.
pub fn exactly_one_class(profile: &Profile, word: u64) -> LawResult {
    let w = profile.value_width;
    let word = word & w.mask();
    let mut matched = profile.tags.iter().filter(|r| r.matches(word));
    if let (Some(a), Some(b)) = (matched.next(), matched.next()) {
        // A rule of no bit test (a range alone) shows mask 0 pattern 0.
        let first = |r: &TagRule| r.tests.first().map_or((0, 0), |t| (t.mask, t.pattern));
        let ((ma, pa), (mb, pb)) = (first(a), first(b));
        return Err(Violation::new(
            "exactly-one-class",
            format_args!(
                "{} word {} is both {} (mask {} pattern {}) and {} (mask {} pattern {})",
                profile.id.name(),
                w.hex(word),
                a.class.name(),
                w.hex(ma),
                w.hex(pa),
                b.class.name(),
                w.hex(mb),
                w.hex(pb),
            ),
        ));
    }
    Ok(())
}

/// A word produced for a value of class `expected` is classified as that class by the profile's rules.
pub fn word_has_class(profile: &Profile, word: u64, expected: TagClass) -> LawResult {
    let w = profile.value_width;
    let got = classify(profile.tags, w, word);
    if got == expected {
        return Ok(());
    }
    let rule = profile.tags.iter().find(|r| r.class == expected);
    match rule {
        Some(r) => Err(Violation::new(
            "word-has-class",
            format_args!(
                "{}: word {} ({}) classifies as {}, expected {} = {}",
                profile.id.name(),
                w.hex(word),
                w.bits_under(word, w.mask()),
                got.name(),
                expected.name(),
                r.diagram(w),
            ),
        )),
        None => Err(Violation::new(
            "word-has-class",
            format_args!(
                "{}: word {} classifies as {}, expected {}, which the profile does not have",
                profile.id.name(),
                w.hex(word),
                got.name(),
                expected.name()
            ),
        )),
    }
}

/// An integer is stored in the word exactly when it lies in the profile's small-int range.
/// `stored` says whether the implementation encoded `v` as a small int.
pub fn small_int_iff_in_range(range: &IntRange, v: i64, stored: bool) -> LawResult {
    if range.contains(v) == stored {
        return Ok(());
    }
    Err(Violation::new(
        "small-int-iff-in-range",
        format_args!(
            "{v} ({v:#x}) was {} a small int; the range is {} ..= {} ({} bits)",
            if stored { "stored as" } else { "not stored as" },
            range.min,
            range.max,
            range.bits(),
        ),
    ))
}

/// Decoding an encoded value gives the value back.
pub fn round_trip<T: PartialEq + fmt::Debug>(what: &str, value: T, word: u64, decoded: T) -> LawResult {
    if value == decoded {
        return Ok(());
    }
    Err(Violation::new(
        "round-trip",
        format_args!("{what} {value:?} encodes as {word:#x}, which decodes as {decoded:?}"),
    ))
}

/// Used plus free bytes equal the pool: nothing is counted twice or lost.
pub fn used_plus_free_is_pool(used: u64, free: u64, pool: u64) -> LawResult {
    if used.checked_add(free) == Some(pool) {
        return Ok(());
    }
    Err(Violation::new(
        "used-plus-free-is-pool",
        format_args!(
            "used {used} + free {free} = {} bytes, expected the pool, {pool} bytes (off by {})",
            crate::wide::Wide(used as i128 + free as i128),
            crate::wide::Wide(used as i128 + free as i128 - pool as i128)
        ),
    ))
}

/// An allocation of `requested` bytes takes `ceil(requested / granule)` granules.
pub fn rounded_to_granule(requested: u64, granule: u64, taken: u64) -> LawResult {
    if granule == 0 {
        return Err(Violation::new(
            "rounded-to-granule",
            format_args!("{requested} bytes took {taken} bytes; a granule of 0 bytes rounds nothing"),
        ));
    }
    let Some(expected) = requested.div_ceil(granule).checked_mul(granule) else {
        return Err(Violation::new(
            "rounded-to-granule",
            format_args!(
                "{requested} bytes took {taken} bytes; ceil({requested} / {granule}) x {granule} is past 2^64, \
                 so no allocation can take it"
            ),
        ));
    };
    if taken == expected {
        return Ok(());
    }
    Err(Violation::new(
        "rounded-to-granule",
        format_args!(
            "{requested} bytes took {taken} bytes, expected {expected} = ceil({requested} / {granule}) x {granule}"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::{exactly_one_class, rounded_to_granule};
    use crate::evidence::Evidence;
    use crate::tag::{BitTest, TagClass, TagRule};

    #[test]
    fn two_rules_matching_a_word_name_both_even_when_one_has_no_bit_test() {
        const HERE: Evidence = Evidence::Derived("this test");
        static RULES: [TagRule; 2] = [
            TagRule {
                class: TagClass::SmallInt,
                tests: &[BitTest::eq(1, 1)],
                range: None,
                encoding: "(v << 1) | 1",
                source: HERE,
            },
            TagRule {
                class: TagClass::Pointer,
                tests: &[],
                range: None,
                encoding: "any word",
                source: HERE,
            },
        ];
        let profile = crate::Profile {
            tags: &RULES,
            ..crate::micropython::A32
        };
        let v = exactly_one_class(&profile, 0x5a5a_5a5b).unwrap_err();
        assert_eq!(
            v.message.as_str(),
            "micropython-a32 word 0x5a5a5a5b is both small-int (mask 0x00000001 pattern 0x00000001) \
             and pointer (mask 0x00000000 pattern 0x00000000)"
        );
    }

    #[test]
    fn a_request_rounded_past_2_pow_64_is_a_violation_not_an_overflow() {
        // u64::MAX bytes in 16-byte blocks would take 2^64 bytes.
        let v = rounded_to_granule(u64::MAX, 16, 0).unwrap_err();
        assert!(v.message.as_str().contains("past 2^64"), "{v}");
        assert!(rounded_to_granule(u64::MAX - 15, 16, u64::MAX - 15).is_ok());
    }

    #[test]
    fn a_zero_granule_is_a_violation_not_a_division_by_zero() {
        let v = rounded_to_granule(16, 0, 16).unwrap_err();
        assert!(v.message.as_str().contains("granule of 0 bytes"), "{v}");
    }
}

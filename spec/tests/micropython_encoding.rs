//! The reference model's MicroPython value words: round trips, one class per word, small-int range
//! edges and raw-word arithmetic, for every MicroPython profile.
//!
//! Expected numbers come from MicroPython v1.27.0's `py/mpconfig.h` (the `MICROPY_OBJ_REPR_*`
//! comments), `py/obj.h` (the `MP_OBJ_NEW_*` encoders and `mp_obj_is_*` tests) and `py/smallint.h`
//! (`MP_SMALL_INT_MIN`, `MP_SMALL_INT_MAX`).

mod support;

use memspec::law;
use memspec::profile::IntRange;
use memspec::subject::{Decoded, ErrorKind, HeapConfig, Subject, Value};
use memspec::{Evidence, ProfileId, TagClass};
use memspec_impl::micropython::{Codec, Config, MicroPython, Repr, WordClass};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use support::MICROPYTHON;

fn codec(p: ProfileId) -> Codec {
    let c = Config::new(p, None).unwrap();
    Codec::new(c.repr, c.uint_bytes)
}

/// The small-int ranges of `py/smallint.h` (`MP_SMALL_INT_MIN`, `MP_SMALL_INT_MAX`).
fn facts_range(p: ProfileId) -> IntRange {
    let (min, max) = match p {
        ProfileId::MicropythonA32 | ProfileId::MicropythonC32 => (-(1i64 << 30), (1i64 << 30) - 1),
        ProfileId::MicropythonA64 => (-(1i64 << 62), (1i64 << 62) - 1),
        ProfileId::MicropythonB64 => (-(1i64 << 61), (1i64 << 61) - 1),
        ProfileId::MicropythonD32 => (-(1i64 << 46), (1i64 << 46) - 1),
        other => unreachable!("{other:?} is no MicroPython profile"),
    };
    IntRange {
        min,
        max,
        source: Evidence::Derived(
            "py/smallint.h MP_SMALL_INT_MIN: A, C -2^(W-2)..2^(W-2)-1; B -2^(W-3)..; D a fixed 47-bit field",
        ),
    }
}

fn subject(mem: &mut [u8], p: ProfileId) -> MicroPython<'_> {
    let mut mp = MicroPython::new(mem);
    let cfg = HeapConfig {
        arena_bytes: 4096,
        port: None,
        options: &[],
    };
    mp.start(p, &cfg).unwrap();
    mp
}

/// Words of a profile's width with the patterns that matter over-represented: tags in the low bits,
/// kind selectors in the top bits, the edges of the small-int range.
fn words(p: ProfileId) -> BoxedStrategy<u64> {
    let mask = codec(p).mask();
    prop_oneof![
        any::<u64>().prop_map(move |w| w & mask),
        (0u64..64).prop_map(move |w| w & mask),
        (any::<u64>(), 0u64..8).prop_map(move |(w, t)| (w & !7 | t) & mask),
        (any::<u16>(), any::<u64>())
            .prop_map(move |(top, w)| ((top as u64) << 48 | w & 0xffff_ffff_ffff) & mask),
    ]
    .boxed()
}

#[test]
fn small_int_ranges_match_the_facts_for_every_profile() {
    for p in MICROPYTHON {
        let r = facts_range(p);
        let c = codec(p);
        assert_eq!(c.small_int_range(), (r.min, r.max), "{}", p.name());
        for v in [r.min, r.max, r.min - 1, r.max + 1, 0, -1] {
            if let Err(e) = law::small_int_iff_in_range(&r, v, c.small_int(v).is_some()) {
                panic!("{}: {e}", p.name());
            }
        }
    }
}

#[test]
fn a_value_just_outside_the_range_is_not_immediate() {
    let mut mem = vec![0u8; 4096];
    for p in MICROPYTHON {
        let r = facts_range(p);
        let mut mp = subject(&mut mem, p);
        let max = mp.encode(&Value::Int(r.max)).unwrap();
        assert_eq!(max.class, TagClass::SmallInt);
        let e = mp.encode(&Value::Int(r.max + 1)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotImmediate, "{}: {e}", p.name());
        let e = mp.encode(&Value::Int(r.min - 1)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotImmediate, "{}: {e}", p.name());
    }
}

#[test]
fn constants_are_stored_as_py_obj_h_encodes_them() {
    // py/obj.h: None, False, True are MP_OBJ_NEW_IMMEDIATE_OBJ(0, 1, 3): REPR_A (v << 3 | 6) 0x6, 0xe,
    // 0x1e; REPR_B (| 7) 0x7, 0xf, 0x1f; REPR_C (v << 4 | 0xe) 0xe, 0x1e, 0x3e; REPR_D keeps them as
    // pointers to ROM objects (MICROPY_OBJ_IMMEDIATE_OBJS is 0 there).
    let expect: [(ProfileId, Option<[u64; 3]>); 4] = [
        (ProfileId::MicropythonA32, Some([0x6, 0xe, 0x1e])),
        (ProfileId::MicropythonB64, Some([0x7, 0xf, 0x1f])),
        (ProfileId::MicropythonC32, Some([0xe, 0x1e, 0x3e])),
        (ProfileId::MicropythonD32, None),
    ];
    let mut mem = vec![0u8; 4096];
    for (p, words) in expect {
        let mut mp = subject(&mut mem, p);
        let got = [
            mp.encode(&Value::Named("None")).unwrap(),
            mp.encode(&Value::Bool(false)).unwrap(),
            mp.encode(&Value::Bool(true)).unwrap(),
        ];
        match words {
            Some(w) => {
                assert_eq!(got.map(|e| e.word), w, "{}", p.name());
                assert!(got.iter().all(|e| e.class == TagClass::Immediate));
            }
            None => {
                assert!(got.iter().all(|e| e.class == TagClass::Pointer), "{got:x?}");
                assert_eq!(mp.decode(got[0].word).unwrap().1, Decoded::Named("None"));
                assert_eq!(mp.decode(got[2].word).unwrap().1, Decoded::Named("True"));
            }
        }
    }
}

#[test]
fn repr_d_raw_addition_carries_into_the_kind_bits_for_mixed_signs() {
    // w(-1) + w(1) - tag: the 47-bit payloads carry into bit 48, so the result has top bits 0x0002,
    // a qstr. The engine decodes before adding (py/runtime.c); raw-word addition needs a mask here.
    let c = codec(ProfileId::MicropythonD32);
    let tag = 0x0001_0000_0000_0001u64;
    let raw = c
        .small_int(-1)
        .unwrap()
        .wrapping_add(c.small_int(1).unwrap())
        .wrapping_sub(tag);
    assert_eq!(raw, 0x0002_0000_0000_0001);
    assert_eq!(c.classify(raw), WordClass::Qstr);
}

/// A value of the profile's small-int range, spread evenly by `seed`.
fn in_range(r: &IntRange, seed: u64) -> i64 {
    let span = (r.max as i128 - r.min as i128 + 1) as u128;
    (r.min as i128 + (seed as u128 % span) as i128) as i64
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2000,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/micropython_encoding.txt",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_word_has_exactly_one_class_and_decodes_as_it(pi in 0usize..5, seed in words_any()) {
        let p = MICROPYTHON[pi];
        let mut mem = vec![0u8; 4096];
        let mut mp = subject(&mut mem, p);
        let c = codec(p);
        let w = seed & c.mask();
        // The engine's tests in py/obj.h, each applied on its own: exactly one holds.
        let tests = class_tests(c.repr, w);
        prop_assert_eq!(tests.iter().filter(|t| **t).count(), 1, "{} word {:#x}: {:?}", p.name(), w, tests);
        // REPR_D has the immediate test but no immediate objects (MICROPY_OBJ_IMMEDIATE_OBJS = 0).
        let immediate = if c.repr == Repr::D { WordClass::Invalid } else { WordClass::Immediate };
        let engine_class = [
            WordClass::SmallInt,
            WordClass::Qstr,
            immediate,
            WordClass::Float,
            WordClass::Pointer,
        ][tests.iter().position(|t| *t).unwrap_or(0)];
        prop_assert_eq!(c.classify(w), engine_class, "{} word {:#x}", p.name(), w);
        match mp.decode(w) {
            Ok((class, _)) => prop_assert_eq!(class, c.classify(w).tag()),
            Err(e) => {
                // Only immediate-tagged words that name no object are refused.
                prop_assert_eq!(e.kind, ErrorKind::InvalidWord);
                prop_assert!(matches!(c.classify(w), WordClass::Immediate | WordClass::Invalid));
            }
        }
    }

    #[test]
    fn small_ints_round_trip(pi in 0usize..5, seed in any::<u64>()) {
        let p = MICROPYTHON[pi];
        let r = facts_range(p);
        let c = codec(p);
        let v = in_range(&r, seed);
        let w = c.small_int(v).unwrap();
        prop_assert_eq!(c.classify(w), WordClass::SmallInt);
        if let Err(e) = law::round_trip("small int", v, w, c.small_int_value(w)) {
            return Err(TestCaseError::fail(e.to_string()));
        }
    }

    #[test]
    fn adding_two_encoded_small_ints_minus_the_tag_gives_the_encoded_sum(
        pi in 0usize..5, sa in any::<u64>(), sb in any::<u64>()
    ) {
        let p = MICROPYTHON[pi];
        let c = codec(p);
        let r = facts_range(p);
        let a = in_range(&r, sa);
        // b is chosen so that the sum stays in range: the property is about sums that fit.
        let b_range = IntRange {
            min: (r.min as i128 - a as i128).max(r.min as i128) as i64,
            max: (r.max as i128 - a as i128).min(r.max as i128) as i64,
            source: r.source,
        };
        let b = in_range(&b_range, sb);
        let sum = a as i128 + b as i128;
        let (wa, wb) = (c.small_int(a).unwrap(), c.small_int(b).unwrap());
        let expected = c.small_int(sum as i64).unwrap();
        let got = match c.repr {
            // The tag is the low 1 (A, C) or 2 (B) bits, value 1.
            Repr::A | Repr::B | Repr::C => wa.wrapping_add(wb).wrapping_sub(1) & c.mask(),
            // REPR_D: the payload is bits 1..=47 under the kind bits 0x0001; mask the carry away.
            Repr::D => {
                let tag = 0x0001_0000_0000_0001u64;
                (wa.wrapping_add(wb).wrapping_sub(tag) & 0x0000_ffff_ffff_ffff) | 0x0001_0000_0000_0000
            }
        };
        prop_assert_eq!(got, expected, "{}: {} + {}: {:#x} + {:#x}", p.name(), a, b, wa, wb);
    }

    #[test]
    fn float_words_round_trip_except_nan(pi in 3usize..5, seed in any::<u64>()) {
        // REPR_C and REPR_D: a float word that decodes to a number encodes back to itself; the two
        // dropped mantissa bits of REPR_C are the refilled ones (py/obj.h mp_obj_float_get, REPR_C).
        let p = MICROPYTHON[pi];
        let c = codec(p);
        let w = match c.repr {
            // O & 3 == 2, and not the qstr/immediate pattern O & 0xff800007 == 6.
            Repr::C => {
                let w = (seed & 0xffff_fffc) | 2;
                if w & 0xff80_0007 == 6 { w | 0x0080_0000 } else { w }
            }
            // Some of the top 14 bits set.
            _ => if seed >> 50 == 0 { seed | 1 << 50 } else { seed },
        };
        prop_assert_eq!(c.classify(w), WordClass::Float);
        let f = c.float_value(w);
        prop_assume!(!f.is_nan());
        prop_assert_eq!(c.float(f), Some(w), "{}: {:#x} decodes to {:e}", p.name(), w, f);
    }

    #[test]
    fn qstrs_round_trip(pi in 0usize..5, q in any::<u64>()) {
        let p = MICROPYTHON[pi];
        let c = codec(p);
        let q = q % (c.qstr_max() + 1);
        let w = c.qstr(q).unwrap();
        prop_assert_eq!(c.classify(w), WordClass::Qstr);
        prop_assert_eq!(c.qstr_value(w), q);
        prop_assert_eq!(c.qstr(c.qstr_max() + 1), None);
    }

}

fn words_any() -> BoxedStrategy<u64> {
    prop_oneof![words(ProfileId::MicropythonA64), words(ProfileId::MicropythonD32)].boxed()
}

/// The engine's class tests of `py/obj.h`, each evaluated on its own (not in order): small int, qstr,
/// immediate, float, pointer.
fn class_tests(repr: Repr, w: u64) -> [bool; 5] {
    match repr {
        Repr::A => [w & 1 == 1, w & 7 == 2, w & 7 == 6, false, w & 3 == 0],
        Repr::B => [w & 3 == 1, w & 7 == 3, w & 7 == 7, false, w & 1 == 0],
        Repr::C => [
            w & 1 == 1,
            w & 0xff80_000f == 0x6,
            w & 0xff80_000f == 0xe,
            w & 3 == 2 && w & 0xff80_0007 != 0x6,
            w & 3 == 0,
        ],
        Repr::D => [
            w & 0xffff_0000_0000_0000 == 0x0001_0000_0000_0000,
            w & 0xffff_0000_0000_0000 == 0x0002_0000_0000_0000,
            w & 0xffff_0000_0000_0000 == 0x0003_0000_0000_0000,
            w & 0xfffc_0000_0000_0000 != 0,
            w & 0xffff_0000_0000_0000 == 0,
        ],
    }
}

// ---- against the specification's tag tables ----

fn spec(p: ProfileId) -> &'static memspec::Profile {
    p.profile()
        .unwrap_or_else(|| panic!("{} has spec tables", p.name()))
}

/// The model's class of `w` checked against the spec's rules: exactly one rule matches (or none, for
/// an invalid word) and it names the model's class.
fn agrees(p: ProfileId, w: u64) -> Result<(), String> {
    let profile = spec(p);
    let c = codec(p);
    law::exactly_one_class(profile, w).map_err(|e| e.to_string())?;
    law::word_has_class(profile, w, c.classify(w).tag()).map_err(|e| e.to_string())
}

#[test]
fn the_small_int_ranges_are_the_spec_tables_ranges() {
    for p in MICROPYTHON {
        let r = spec(p).small_int;
        assert_eq!(
            codec(p).small_int_range(),
            (r.min, r.max),
            "{} ({})",
            p.name(),
            r.source
        );
    }
}

#[test]
fn the_immediates_are_the_spec_tables_words() {
    let mut mem = vec![0u8; 4096];
    for p in MICROPYTHON {
        let mut mp = subject(&mut mem, p);
        for imm in spec(p).immediates {
            let e = mp.encode(&Value::Named(imm.name)).unwrap();
            assert_eq!(e.word, imm.raw, "{} {} ({})", p.name(), imm.name, imm.source);
        }
        if spec(p).immediates.is_empty() {
            // REPR_D: None is a pointer in both.
            let none = mp.encode(&Value::Named("None")).unwrap();
            assert_eq!(none.class, TagClass::Pointer, "{}", p.name());
            agrees(p, none.word).unwrap();
        }
    }
}

#[test]
fn the_classifier_agrees_with_the_spec_rules_on_a_sweep_of_patterns() {
    // Every combination of the low 8 bits with the top 8 bits (32-bit words, with 4 middle patterns),
    // and of every top 16 bits with the low 4 bits (64-bit words): the tag bits of every
    // representation and the kind bits of REPR_D.
    for p in MICROPYTHON {
        let bits = codec(p).word_bits();
        let mut failures = Vec::new();
        if bits == 32 {
            for top in 0u64..1 << 8 {
                for mid in [0u64, 0x5555, 0xaaaa, 0xffff] {
                    for low in 0u64..1 << 8 {
                        let w = top << 24 | mid << 8 | low;
                        if let Err(e) = agrees(p, w) {
                            failures.push(e);
                        }
                    }
                }
            }
        } else {
            for top in 0u64..1 << 16 {
                for low in 0u64..1 << 4 {
                    let w = top << 48 | 0x0055_5555_5550 | low;
                    if let Err(e) = agrees(p, w) {
                        failures.push(e);
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{}: {} words disagree, e.g.\n{}",
            p.name(),
            failures.len(),
            failures.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
        );
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_classifier_agrees_with_the_spec_rules_word_for_word(pi in 0usize..5, w in words_any()) {
        let p = MICROPYTHON[pi];
        let w = w & codec(p).mask();
        if let Err(e) = agrees(p, w) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn encoded_values_carry_the_spec_class(pi in 0usize..5, seed in any::<u64>(), f in any::<f64>()) {
        let p = MICROPYTHON[pi];
        let mut mem = vec![0u8; 4096];
        let mut mp = subject(&mut mem, p);
        let v = in_range(&facts_range(p), seed);
        for value in [Value::Int(v), Value::Float(f), Value::Qstr(seed % 1000), Value::Bool(seed & 1 == 1)] {
            if let Ok(e) = mp.encode(&value)
                && let Err(err) = law::word_has_class(spec(p), e.word, e.class)
            {
                return Err(TestCaseError::fail(format!("{value:?}: {err}")));
            }
        }
    }
}

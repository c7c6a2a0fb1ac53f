//! `skybison64` value words: the model's classifier against the profile's tag rules, immediate
//! round trips, range edges, invalid words, and raw-word SmallInt addition.
//!
//! Expected values come from `runtime/objects.h` of facebookexperimental/skybison at 25b3046e, as
//! named in each test, and from the claims they bear on (SB-08 .. SB-22).

use std::fmt::Write as _;

use memspec::law::{exactly_one_class, round_trip, small_int_iff_in_range, word_has_class};
use memspec::skybison::{PROFILE, immediates, laws, tags};
use memspec::subject::{Decoded, ErrorKind, InlineBytes, Subject, Value};
use memspec::tag::classify;
use memspec::{TagClass, Width};
use memspec_impl::skybison::Skybison;
use memspec_impl::skybison::value::{self, Immediate, Word};
use proptest::prelude::*;

/// High parts that put the low byte next to every interesting upper bit pattern.
const EDGE_HIGH: [u64; 7] = [
    0,
    0x100,
    0xFF00,
    0x7FFF_FFFF_FFFF_FF00,
    0x8000_0000_0000_0000,
    0xFFFF_FFFF_FFFF_FF00,
    0xA5A5_A5A5_A5A5_A500,
];

fn assert_classes_agree(word: u64) {
    let spec = classify(PROFILE.tags, Width::W64, word);
    let model = value::classify(word);
    assert_eq!(
        model,
        spec,
        "word {word:#018x}: model says {}, the profile's rules say {}",
        model.name(),
        spec.name()
    );
    if let Err(v) = exactly_one_class(&PROFILE, word) {
        panic!("{v}");
    }
}

#[test]
fn every_low_byte_under_edge_high_bits_has_one_class_and_the_model_agrees() {
    for high in EDGE_HIGH {
        for low in 0..=0xFFu64 {
            assert_classes_agree(high | low);
        }
    }
    for word in [0x0F, 0x17, u64::MAX, u64::MAX - 1, 1, 3, 0x1D] {
        assert_classes_agree(word);
    }
}

proptest! {
    #[test]
    fn random_words_have_one_class_and_the_model_agrees(word in any::<u64>()) {
        assert_classes_agree(word);
    }

    #[test]
    fn small_ints_round_trip_and_classify_as_small_int(v in immediates::SMALL_INT.min..=immediates::SMALL_INT.max) {
        let word = value::encode(&Immediate::SmallInt(v)).unwrap();
        word_has_class(&PROFILE, word, TagClass::SmallInt).unwrap();
        // objects.h `RawSmallInt::fromWord`: the value shifted left by kSmallIntTagBits.
        prop_assert_eq!(word, (v as u64) << 1);
        let back = value::decode(word).unwrap();
        round_trip("SmallInt", Word::Immediate(Immediate::SmallInt(v)), word, back).unwrap();
    }

    #[test]
    fn ints_outside_the_range_are_no_immediate(v in any::<i64>()) {
        let stored = value::encode(&Immediate::SmallInt(v)).is_ok();
        small_int_iff_in_range(&immediates::SMALL_INT, v, stored).unwrap();
    }

    #[test]
    fn short_strings_round_trip_as_small_str(s in "\\PC{0,7}") {
        prop_assume!(s.len() <= 7);
        let mut sub = Skybison::new(&mut []);
        let enc = sub.encode(&Value::Str(s.as_bytes())).unwrap();
        word_has_class(&PROFILE, enc.word, TagClass::SmallStr).unwrap();
        // objects.cpp `RawSmallStr::fromBytes`: byte 0 = length << 5 | kSmallStrTag, data from byte 1.
        let mut expected = [0u8; 8];
        expected[0] = (s.len() as u8) << 5 | tags::SMALL_STR_TAG as u8;
        expected[1..=s.len()].copy_from_slice(s.as_bytes());
        prop_assert_eq!(enc.word, u64::from_le_bytes(expected));
        let (class, back) = sub.decode(enc.word).unwrap();
        prop_assert_eq!(class, TagClass::SmallStr);
        round_trip("SmallStr", Decoded::Str(InlineBytes::new(s.as_bytes()).unwrap()), enc.word, back).unwrap();
    }

    #[test]
    fn short_bytes_round_trip_as_small_bytes(b in proptest::collection::vec(any::<u8>(), 0..=7)) {
        let mut sub = Skybison::new(&mut []);
        let enc = sub.encode(&Value::Bytes(&b)).unwrap();
        word_has_class(&PROFILE, enc.word, TagClass::SmallBytes).unwrap();
        // objects.cpp `RawSmallBytes::becomeStr`: the str of the same bytes differs only in the tag.
        prop_assert_eq!(enc.word ^ tags::SMALL_BYTES_TAG ^ tags::SMALL_STR_TAG, {
            let mut w = [0u8; 8];
            w[0] = (b.len() as u8) << 5 | tags::SMALL_STR_TAG as u8;
            w[1..=b.len()].copy_from_slice(&b);
            u64::from_le_bytes(w)
        });
        let (_, back) = sub.decode(enc.word).unwrap();
        round_trip("SmallBytes", Decoded::Bytes(InlineBytes::new(&b).unwrap()), enc.word, back).unwrap();
    }

    #[test]
    fn adding_two_small_int_words_gives_the_tagged_sum_or_overflow(
        a in prop_oneof![Just(immediates::SMALL_INT.max), Just(immediates::SMALL_INT.min), Just(-1i64), Just(0i64),
                         immediates::SMALL_INT.min..=immediates::SMALL_INT.max],
        b in prop_oneof![Just(immediates::SMALL_INT.max), Just(immediates::SMALL_INT.min), Just(1i64),
                         immediates::SMALL_INT.min..=immediates::SMALL_INT.max],
    ) {
        let (wa, wb) = (value::small_int(a).unwrap(), value::small_int(b).unwrap());
        let observed = value::add_small_ints(wa, wb).unwrap();
        laws::raw_small_int_add(wa, wb, observed).unwrap();
    }
}

#[test]
fn small_int_range_edges_are_plus_minus_two_to_the_62() {
    // objects.h `RawSmallInt::kMinValue = -(1 << (kBits - 1))`, `kMaxValue = (1 << (kBits - 1)) - 1`, kBits 63.
    assert_eq!(immediates::SMALL_INT.min, -(1i64 << 62));
    assert_eq!(immediates::SMALL_INT.max, (1i64 << 62) - 1);
    assert_eq!(value::SMALL_INT_MIN, immediates::SMALL_INT.min);
    assert_eq!(value::SMALL_INT_MAX, immediates::SMALL_INT.max);
    let mut sub = Skybison::new(&mut []);
    for v in [immediates::SMALL_INT.min, immediates::SMALL_INT.max] {
        let enc = sub.encode(&Value::Int(v)).unwrap();
        assert_eq!(
            sub.decode(enc.word).unwrap(),
            (TagClass::SmallInt, Decoded::Int(v))
        );
    }
    assert_eq!(
        sub.encode(&Value::Int(immediates::SMALL_INT.max)).unwrap().word,
        0x7FFF_FFFF_FFFF_FFFE
    );
    assert_eq!(
        sub.encode(&Value::Int(immediates::SMALL_INT.min)).unwrap().word,
        0x8000_0000_0000_0000
    );
    for v in [
        immediates::SMALL_INT.min - 1,
        immediates::SMALL_INT.max + 1,
        i64::MIN,
        i64::MAX,
    ] {
        let e = sub.encode(&Value::Int(v)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotImmediate, "{v}: {e}");
    }
}

#[test]
fn the_add_fast_path_overflows_exactly_at_the_range_edges() {
    // interpreter-gen-x64.cpp `emitHandler<BINARY_ADD_SMALLINT>`: addq, then jcc YES_OVERFLOW.
    let max = value::small_int(immediates::SMALL_INT.max).unwrap();
    let min = value::small_int(immediates::SMALL_INT.min).unwrap();
    let one = value::small_int(1).unwrap();
    let minus_one = value::small_int(-1).unwrap();
    assert_eq!(value::add_small_ints(max, one).unwrap(), None);
    assert_eq!(value::add_small_ints(min, minus_one).unwrap(), None);
    assert_eq!(value::add_small_ints(max, minus_one).unwrap(), Some(max - 2));
    assert_eq!(value::add_small_ints(min, max).unwrap(), Some(minus_one));
    for (a, b, o) in [(max, one, None), (max, minus_one, Some(max - 2))] {
        laws::raw_small_int_add(a, b, o).unwrap();
    }
    // A wrong answer is caught, and the message shows both words.
    let v = laws::raw_small_int_add(max, one, Some(max.wrapping_add(one))).unwrap_err();
    assert!(v.message.as_str().contains("overflow"), "{v}");
    let e = value::add_small_ints(0x7, one).unwrap_err();
    assert!(
        matches!(e, memspec_impl::skybison::Error::InvalidWord { raw: 0x7, .. }),
        "{e}"
    );
}

#[test]
fn each_immediate_of_the_profile_decodes_to_its_value_and_class() {
    // objects.h `RawBool::fromBool`, `RawNoneType::object`, `RawNotImplementedType::object`,
    // `RawUnbound::object`, `RawError::RawError`, `RawSmallStr::empty`, `RawSmallBytes::empty`.
    let expected: &[(&str, u64, Word)] = &[
        ("False", 0x07, Word::Immediate(Immediate::Bool(false))),
        ("True", 0x107, Word::Immediate(Immediate::Bool(true))),
        ("None", u64::MAX, Word::Immediate(Immediate::None)),
        ("NotImplemented", 0x0F, Word::Immediate(Immediate::NotImplemented)),
        ("Unbound", 0x17, Word::Immediate(Immediate::Unbound)),
        (
            "Error::error",
            0x15,
            Word::Immediate(Immediate::Error(value::ErrorKind::None)),
        ),
        (
            "Error::exception",
            0x115,
            Word::Immediate(Immediate::Error(value::ErrorKind::Exception)),
        ),
        (
            "Error::notFound",
            0x215,
            Word::Immediate(Immediate::Error(value::ErrorKind::NotFound)),
        ),
        (
            "Error::outOfBounds",
            0x315,
            Word::Immediate(Immediate::Error(value::ErrorKind::OutOfBounds)),
        ),
        (
            "Error::outOfMemory",
            0x415,
            Word::Immediate(Immediate::Error(value::ErrorKind::OutOfMemory)),
        ),
        (
            "Error::noMoreItems",
            0x515,
            Word::Immediate(Immediate::Error(value::ErrorKind::NoMoreItems)),
        ),
        (
            "SmallStr::empty",
            0x0D,
            Word::Immediate(Immediate::SmallStr(InlineBytes::new(b"").unwrap())),
        ),
        (
            "SmallBytes::empty",
            0x05,
            Word::Immediate(Immediate::SmallBytes(InlineBytes::new(b"").unwrap())),
        ),
        ("SmallInt 0", 0, Word::Immediate(Immediate::SmallInt(0))),
    ];
    assert_eq!(PROFILE.immediates.len(), expected.len());
    for (name, raw, word) in expected {
        let imm = PROFILE
            .immediate(name)
            .unwrap_or_else(|| panic!("the profile lacks {name}"));
        assert_eq!(imm.raw, *raw, "{name}: profile {:#x}, expected {raw:#x}", imm.raw);
        assert_eq!(value::decode(*raw).unwrap(), *word, "{name}");
        if let Word::Immediate(i) = word {
            assert_eq!(value::encode(i).unwrap(), *raw, "{name}");
        }
    }
}

#[test]
fn words_that_are_no_value_are_refused_with_invalid_word() {
    let mut sub = Skybison::new(&mut []);
    let cases: &[(u64, &str)] = &[
        // objects.h: "0b11101 is unused".
        (0x1D, "unused"),
        // `RawObject::isBool` tests the whole low byte 0x07; bits 5-7 set make no Bool.
        (0x27, "Bool needs"),
        // `RawBool::fromBool` makes only 0x07 and 0x107.
        (0x207, "only 0x07 and 0x107"),
        // `ErrorKind` has kinds 0 to 5.
        (0x615, "kinds 0 to 5"),
        // `RawObject::isError` tests the whole low byte 0x15.
        (0x35, "Error needs"),
        // NotImplemented, Unbound and None are single words.
        (0x10F, "NotImplemented only"),
        (0x117, "Unbound only"),
        (0xFFFF_FFFF_FFFF_FF7F, "None only"),
        // `RawSmallStr::fromBytes` leaves the bytes past the length zero (`includesByte`: "padding bytes").
        (0x00FF_0000_0000_412D, "past its length"),
    ];
    for (raw, why) in cases {
        let e = sub.decode(*raw).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidWord, "{raw:#x}: {e}");
        assert!(e.detail.as_str().contains(why), "{raw:#x}: {e}");
    }
    for (v, kind) in [
        (Value::Float(1.5), ErrorKind::NotImmediate),
        (Value::Str(b"abcdefgh"), ErrorKind::NotImmediate),
        (Value::Str(&[0xFF]), ErrorKind::BadArgument),
        (Value::Error(6), ErrorKind::BadArgument),
        (Value::Qstr(1), ErrorKind::BadArgument),
        (Value::Named("Ellipsis"), ErrorKind::NotImmediate),
        (Value::Named("undefined"), ErrorKind::BadArgument),
    ] {
        assert_eq!(sub.encode(&v).unwrap_err().kind, kind, "{v:?}");
    }
}

#[test]
fn tag_table_golden() {
    let mut out = String::new();
    for r in PROFILE.tags {
        let t = r.tests[0];
        writeln!(
            out,
            "{:<16} mask {:#018x} pattern {:#018x}\n    {}\n    {}\n    source: {}",
            r.class.name(),
            t.mask,
            t.pattern,
            r.diagram(Width::W64),
            r.encoding,
            r.source
        )
        .unwrap();
    }
    insta::assert_snapshot!("skybison64_tag_table", out);
}

#[test]
fn low_byte_classes_golden() {
    // One line per low byte: the class with the high bits clear and with them set, from the
    // profile's rules (the model agrees, see above).
    let mut out = String::new();
    for low in 0..=0xFFu64 {
        let clear = classify(PROFILE.tags, Width::W64, low);
        let set = classify(PROFILE.tags, Width::W64, 0xFFFF_FFFF_FFFF_FF00 | low);
        if clear == TagClass::SmallInt && set == TagClass::SmallInt {
            continue;
        }
        writeln!(out, "{low:#04x} {low:08b}  {:<16} {}", clear.name(), set.name()).unwrap();
    }
    insta::assert_snapshot!("skybison64_odd_low_bytes", out);
}

#[test]
fn immediates_golden() {
    let mut out = String::new();
    for i in PROFILE.immediates {
        let class = classify(PROFILE.tags, Width::W64, i.raw);
        writeln!(
            out,
            "{:<20} {:#018x} {:<16} {}",
            i.name,
            i.raw,
            class.name(),
            i.source
        )
        .unwrap();
    }
    insta::assert_snapshot!("skybison64_immediates", out);
}

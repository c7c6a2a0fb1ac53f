//! Microvium value words: the reference model's classifier against the profile's tag rules over all
//! 65536 words, Int14 round trips and range edges, the well-known values, and words that are no
//! value. Expected words come from `memspec::microvium::value` (engine source and
//! `node engines/microvium/measure.mjs values`).

mod support;

use std::fmt::Write;

use memspec::law::{exactly_one_class, round_trip, small_int_iff_in_range, word_has_class};
use memspec::microvium::PROFILE;
use memspec::microvium::value::{INT14, int14_value, int14_word, well_known_word};
use memspec::subject::{Decoded, ErrorKind, Subject, Target, Value as CaseValue};
use memspec::tag::classify;
use memspec::{TagClass, Width};
use memspec_impl::microvium::{Class, Microvium, Value, WellKnown};
use support::microvium::{alloc, arena, start};

fn impl_class(word: u16) -> TagClass {
    match Value(word).class() {
        Class::ShortPtr(_) => TagClass::Pointer,
        Class::Int14(_) => TagClass::SmallInt,
        Class::WellKnown(_) => TagClass::WellKnown,
        Class::BytecodeMapped(_) => TagClass::BytecodePointer,
    }
}

#[test]
fn every_16_bit_word_has_exactly_one_class_and_the_model_agrees_with_the_tag_rules() {
    for word in 0..=u16::MAX {
        exactly_one_class(&PROFILE, word as u64).unwrap_or_else(|v| panic!("{v}"));
        let spec = classify(PROFILE.tags, Width::W16, word as u64);
        assert_ne!(spec, TagClass::Invalid, "{word:#06x} matches no rule");
        word_has_class(&PROFILE, word as u64, impl_class(word)).unwrap_or_else(|v| panic!("{v}"));
    }
}

#[test]
fn every_int14_round_trips_and_matches_the_profile_encoding() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    for i in INT14.min..=INT14.max {
        let v = Value::int14(i).unwrap_or_else(|| panic!("{i} is in Int14 but has no word"));
        assert_eq!(v.0, int14_word(i as i16), "{i}: model word vs (i << 2) | 3");
        round_trip("Int14", i as i16, v.0 as u64, v.as_int14().expect("Int14 class")).unwrap();
        assert_eq!(int14_value(v.0), i as i16);
        let e = m.encode(&CaseValue::Int(i)).expect("encode");
        assert_eq!((e.word, e.class), (v.0 as u64, TagClass::SmallInt));
        assert_eq!(
            m.decode(e.word).expect("decode"),
            (TagClass::SmallInt, Decoded::Int(i))
        );
    }
}

#[test]
fn integers_are_stored_in_the_word_exactly_inside_minus_8192_to_8191() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    for i in [
        -100_000, -8194, -8193, -8192, -8191, -1, 0, 1, 8190, 8191, 8192, 8193, 100_000,
    ] {
        let stored = match m.encode(&CaseValue::Int(i)) {
            Ok(e) => e.class == TagClass::SmallInt,
            Err(e) if e.kind == ErrorKind::NotImmediate => false,
            Err(e) => panic!("{i}: {e}"),
        };
        small_int_iff_in_range(&INT14, i, stored).unwrap_or_else(|v| panic!("{v}"));
    }
}

#[test]
fn measured_edge_words_are_what_the_engine_printed() {
    // node engines/microvium/measure.mjs values: newNumber(8191) 0x7fff, newNumber(-8192) 0x8003,
    // newNumber(-1) 0xffff, newNumber(2) 0x000b, newNumber(3) 0x000f, NaN 0x0011, -0 0x0015.
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    for (v, word) in [
        (CaseValue::Int(8191), 0x7fff),
        (CaseValue::Int(-8192), 0x8003),
        (CaseValue::Int(-1), 0xffff),
        (CaseValue::Int(2), 0x000b),
        (CaseValue::Float(3.0), 0x000f),
        (CaseValue::Float(f64::NAN), 0x0011),
        (CaseValue::Float(-0.0), 0x0015),
        (CaseValue::Str(b"length"), 0x001d),
        (CaseValue::Str(b"__proto__"), 0x0021),
        (CaseValue::Bool(true), 0x0009),
        (CaseValue::Bool(false), 0x000d),
    ] {
        assert_eq!(m.encode(&v).expect("encode").word, word, "{v:?}");
    }
}

#[test]
fn every_well_known_value_of_the_profile_is_the_models_word_with_that_name() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    assert_eq!(PROFILE.immediates.len(), WellKnown::ALL.len());
    for imm in PROFILE.immediates {
        let e = m
            .encode(&CaseValue::Named(imm.name))
            .unwrap_or_else(|e| panic!("{}: {e}", imm.name));
        assert_eq!(
            e.word, imm.raw,
            "{}: model {:#06x}, profile {:#06x}",
            imm.name, e.word, imm.raw
        );
        assert_eq!(e.class, TagClass::WellKnown);
        let w = WellKnown::from_name(imm.name).expect("model name");
        assert_eq!(w.value().0 as u64, imm.raw);
        assert_eq!(
            well_known_word(w.type_code()) as u64,
            imm.raw,
            "type code {:#x}",
            w.type_code()
        );
        let (class, decoded) = m.decode(imm.raw).expect("decode");
        assert_eq!(class, TagClass::WellKnown);
        match decoded {
            Decoded::Named(n) => assert_eq!(n, imm.name),
            Decoded::Bool(b) => assert_eq!(if b { "true" } else { "false" }, imm.name),
            other => panic!("{}: decoded as {other:?}", imm.name),
        }
    }
}

#[test]
fn there_is_no_empty_string_value_and_other_numbers_need_the_heap() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    for v in [
        CaseValue::Str(b""),
        CaseValue::Str(b"a"),
        CaseValue::Float(1.5),
        CaseValue::Float(f64::INFINITY),
        CaseValue::Int(8192),
    ] {
        let e = m.encode(&v).expect_err("not an immediate");
        assert_eq!(e.kind, ErrorKind::NotImmediate, "{v:?}: {e}");
    }
}

#[test]
fn bytecode_mapped_words_decode_to_an_image_offset_with_the_low_bits_cleared() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    for (word, offset) in [
        (0x0029u64, 0x0028u64),
        (0x002d, 0x002c),
        (0x00a1, 0x00a0),
        (0xfffd, 0xfffc),
    ] {
        assert_eq!(
            m.decode(word).expect("decode"),
            (TagClass::BytecodePointer, Decoded::Image(offset)),
            "{word:#06x}"
        );
    }
}

#[test]
fn a_word_wider_than_16_bits_is_no_value() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let e = m.decode(0x1_0001).expect_err("17 bits");
    assert_eq!(e.kind, ErrorKind::InvalidWord, "{e}");
    let obj = alloc(&mut m, "object", "");
    let e = m.link(obj.id, 0, Target::Word(0x1_0000)).expect_err("17 bits");
    assert_eq!(e.kind, ErrorKind::InvalidWord, "{e}");
}

#[test]
fn a_heap_pointer_to_no_allocation_body_is_no_value() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    // Nothing is allocated: 0x0002 points past the heap.
    assert_eq!(
        m.decode(0x0002).expect_err("empty heap").kind,
        ErrorKind::InvalidWord
    );
    let obj = alloc(&mut m, "object", ""); // body at 0x0002, header at 0x0000
    assert_eq!(
        m.decode(0x0002).expect("the object"),
        (TagClass::Pointer, Decoded::Pointer(2))
    );
    for dangling in [0x0000u64, 0x0006, 0x0100] {
        let e = m.link(obj.id, 0, Target::Word(dangling)).expect_err("dangling");
        assert_eq!(e.kind, ErrorKind::InvalidWord, "{dangling:#06x}: {e}");
        assert_eq!(
            m.decode(dangling).expect_err("dangling").kind,
            ErrorKind::InvalidWord
        );
    }
}

#[test]
fn value_words_before_a_case_starts_are_refused() {
    let mut arena = arena();
    let mut m = Microvium::new(&mut arena);
    assert_eq!(
        m.decode(0x0002).expect_err("no heap").kind,
        ErrorKind::InvalidWord
    );
    let e = m.alloc(&memspec::subject::ObjectSpec {
        kind: "object",
        params: &[],
    });
    assert_eq!(e.expect_err("not started").kind, ErrorKind::BadArgument);
}

#[test]
fn the_tag_table_is_drawn_from_the_profiles_rules() {
    let mut out = String::new();
    for r in PROFILE.tags {
        let range = r
            .range
            .map_or(String::new(), |(lo, hi)| format!(" words {lo:#06x}..={hi:#06x}"));
        writeln!(out, "{:<17} {}{range}", r.class.name(), r.diagram(Width::W16)).unwrap();
        writeln!(out, "    {}", r.encoding).unwrap();
        writeln!(out, "    source: {}", r.source).unwrap();
    }
    insta::assert_snapshot!("microvium_tag_table", out);
}

#[test]
fn the_value_table_lists_each_immediate_and_int14_edge_with_its_word() {
    let mut out = String::new();
    for imm in PROFILE.immediates {
        writeln!(out, "{:<15} {:#06x}  {}", imm.name, imm.raw, imm.source).unwrap();
    }
    for i in [INT14.min, -1, 0, 1, INT14.max] {
        writeln!(out, "int {i:<11} {:#06x}  (i << 2) | 3", int14_word(i as i16)).unwrap();
    }
    writeln!(
        out,
        "int range {} ..= {} ({} bits)  {}",
        INT14.min,
        INT14.max,
        INT14.bits(),
        INT14.source
    )
    .unwrap();
    insta::assert_snapshot!("microvium_value_table", out);
}

//! The header word of `julia64` (Julia v1.11.0 `src/julia.h` `struct _jl_taggedvalue_bits`,
//! `JL_SMALL_TYPEOF`): the specification's layout against the reference implementation's encoder.

use std::fmt::Write;

use memspec::julia::header::{
    GC_CLEAN, GC_IN_IMAGE, GC_MARKED, GC_OLD, GC_OLD_MARKED, HEADER, Header, TAG_RULES, header_round_trip,
    header_word, well_formed_header,
};
use memspec::julia::small_tag::{JL_MAX_TAGS, JL_TAGS_COUNT, SMALL_TAGS, tag_of};
use memspec::law::exactly_one_class;
use memspec::subject::{ErrorKind, Subject};
use memspec::tag::classify;
use memspec::{TagClass, Width};
use memspec_impl::julia::Julia;
use memspec_impl::julia::header::{self as imp, tag};
use proptest::prelude::*;

proptest! {
    /// Decoding a header word into gc, in_image, unused and tag and encoding it again gives the word.
    #[test]
    fn every_header_word_survives_decode_and_encode(word in any::<u64>()) {
        header_round_trip(word).map_err(|v| TestCaseError::fail(v.to_string()))?;
    }

    /// The implementation reads the same gc bits, image bit and type tag as `HEADER` describes.
    #[test]
    fn the_implementation_reads_the_fields_the_layout_describes(word in any::<u64>()) {
        let spec = Header::decode(word);
        let imp = imp::Header(word);
        prop_assert_eq!(imp.gc() as u64, spec.gc, "gc bits of {:#018x}", word);
        prop_assert_eq!(imp.in_image(), spec.in_image, "in_image of {:#018x}", word);
        prop_assert_eq!(imp.type_tag(), spec.type_tag(), "jl_typetagof of {:#018x}", word);
    }

    /// `jl_set_typetagof(v, t, gc)` and the implementation's `Header::new` build the same word.
    #[test]
    fn a_new_header_is_the_type_tag_or_the_gc_bits(tag in 1u64..(1 << 60), gc in 0u8..4) {
        let spec = header_word(tag, false, gc as u64);
        let imp = imp::Header::new(tag << 4, gc).0;
        prop_assert_eq!(imp, spec, "tag {:#x} gc {}: implementation {:#018x}, layout {:#018x}", tag, gc, imp, spec);
    }

    /// No header word falls into two classes of the tag table.
    #[test]
    fn every_header_word_has_at_most_one_class(word in any::<u64>()) {
        exactly_one_class(&memspec::julia::JULIA64, word).map_err(|v| TestCaseError::fail(v.to_string()))?;
    }

    /// The implementation rejects exactly the header words the law calls malformed.
    #[test]
    fn the_implementation_rejects_the_headers_the_law_rejects(word in any::<u64>()) {
        let law = well_formed_header(word).is_ok();
        let imp = imp::Header(word).malformed().is_none();
        prop_assert_eq!(imp, law, "{:#018x}: implementation {}, law {:?}", word, imp, well_formed_header(word));
    }
}

#[test]
fn every_word_below_the_type_pointers_has_at_most_one_class() {
    for word in 0..(JL_MAX_TAGS << 4) + 64 {
        exactly_one_class(&memspec::julia::JULIA64, word).unwrap();
    }
}

#[test]
fn each_small_tag_classifies_as_a_header_with_any_gc_and_image_bits() {
    for t in &SMALL_TAGS {
        for gc in [GC_CLEAN, GC_MARKED, GC_OLD, GC_OLD_MARKED] {
            for img in [0, GC_IN_IMAGE] {
                let w = t.header() | img | gc;
                assert_eq!(
                    classify(&TAG_RULES, Width::W64, w),
                    TagClass::Header,
                    "{} header {w:#x}",
                    t.type_name
                );
                well_formed_header(w).unwrap();
                let r = TAG_RULES.iter().find(|r| r.matches(w)).unwrap();
                assert_eq!(
                    r.encoding, t.type_name,
                    "{w:#x} matched the rule of {}",
                    r.encoding
                );
            }
        }
    }
}

#[test]
fn bit_3_null_tag_and_unassigned_tags_are_no_header() {
    let cases = [
        (0x108, "Int64 header with bit 3 set"),
        (0x0, "null tag"),
        (0x3, "null tag with GC_OLD_MARKED"),
        (JL_TAGS_COUNT << 4, "tag 22, the first unassigned in v1.11.0"),
        (((JL_MAX_TAGS - 1) << 4) | 3, "tag 63"),
    ];
    for (w, what) in cases {
        assert_eq!(
            classify(&TAG_RULES, Width::W64, w),
            TagClass::Invalid,
            "{what}: {w:#x}"
        );
        assert!(well_formed_header(w).is_err(), "{what}: {w:#x}");
    }
    // A type pointer (16-aligned, at least jl_max_tags << 4) with any gc bits is a header.
    for w in [0x400, 0x0800_0010 | 3, 0x7f12_3456_7890 | 1] {
        assert_eq!(classify(&TAG_RULES, Width::W64, w), TagClass::Header, "{w:#x}");
    }
}

#[test]
fn the_implementation_uses_the_small_tags_of_v1_11_0() {
    for (name, imp) in [
        ("Core.SimpleVector", tag::SIMPLEVECTOR),
        ("String", tag::STRING),
        ("Bool", tag::BOOL),
        ("Int64", tag::INT64),
        ("UInt16", tag::UINT16),
    ] {
        assert_eq!(tag_of(name).map(|t| t.tag), Some(imp), "{name}");
    }
    assert_eq!(tag::COUNT, JL_TAGS_COUNT);
}

#[test]
fn decoding_a_malformed_header_word_is_an_invalid_word_error() {
    let mut arena = vec![0u8; 1 << 16];
    let mut j = Julia::new(&mut arena);
    for w in [0x108u64, 0x0, JL_TAGS_COUNT << 4] {
        let e = j.decode(w).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidWord, "{w:#x}: {e}");
    }
    let int64 = tag_of("Int64").unwrap().header() | GC_OLD_MARKED;
    assert_eq!(j.decode(int64).unwrap().0, TagClass::Header);
}

#[test]
fn julia_stores_no_value_in_a_word() {
    let mut arena = vec![0u8; 1 << 16];
    let mut j = Julia::new(&mut arena);
    let e = j.encode(&memspec::subject::Value::Int(5)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotImmediate, "{e}");
    let p = &memspec::julia::JULIA64;
    assert!(p.immediates.is_empty());
    assert!(!p.small_int.contains(0), "the small-int range must be empty");
    assert_eq!(p.small_int.bits(), 0);
}

#[test]
fn header_layout_golden() {
    let mut out = String::new();
    writeln!(out, "{} ({} bits)", HEADER.name, HEADER.width.bits()).unwrap();
    for f in HEADER.fields {
        writeln!(
            out,
            "bits {:>2}..{:<2} {:<9} mask {:#018x}  {}",
            f.lsb,
            f.lsb + f.bits - 1,
            f.name,
            f.mask(),
            f.meaning
        )
        .unwrap();
    }
    writeln!(out, "source: {}", HEADER.source).unwrap();
    insta::assert_snapshot!("julia64_header_layout", out);
}

#[test]
fn small_tag_table_golden() {
    let mut out = String::new();
    writeln!(
        out,
        "tag  header  low 16 bits        type                 enumerator"
    )
    .unwrap();
    for (t, r) in SMALL_TAGS.iter().zip(TAG_RULES.iter()) {
        let diagram = r.diagram(Width::W64).to_string();
        writeln!(
            out,
            "{:>3}  {:#06x}  {}  {:<20} {}",
            t.tag,
            t.header(),
            &diagram[diagram.len() - 17..],
            t.type_name,
            t.c_name
        )
        .unwrap();
    }
    let last = TAG_RULES.last().unwrap();
    writeln!(
        out,
        "type pointer: {:#x}.. {}",
        last.range.unwrap().0,
        last.encoding
    )
    .unwrap();
    insta::assert_snapshot!("julia64_small_tags", out);
}

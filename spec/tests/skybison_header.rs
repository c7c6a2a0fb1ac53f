//! `skybison64` header words: the model's `Header` against the profile's `HEADER` bit layout, the
//! overflow count word, and malformed headers.
//!
//! Expected values come from `runtime/objects.h` of facebookexperimental/skybison at 25b3046e:
//! `RawHeader` (field offsets and widths, `from`, `kCountMax`, `kCountOverflowFlag`) and
//! `RawHeapObject::initializeHeader` (the overflow word).

use std::fmt::Write as _;

use memspec::skybison::header::{COUNT_MAX, COUNT_OVERFLOW_FLAG, HEADER, HeaderFields, count_field};
use memspec::skybison::laws;
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Subject};
use memspec::{ProfileId, Width};
use memspec_impl::skybison::header::{Format, Header};
use memspec_impl::skybison::heap::{Address, Heap};
use memspec_impl::skybison::scavenger::Scavenge;
use memspec_impl::skybison::{Error, Skybison, layout, object};
use proptest::prelude::*;

fn format_of(bit: u64) -> Format {
    if bit == 1 { Format::Objects } else { Format::Data }
}

proptest! {
    #[test]
    fn header_words_round_trip_through_both_layouts(
        format in 0u64..=1,
        layout_id in 0u32..(1 << 20),
        count in prop_oneof![0u64..=300, Just(254u64), Just(255u64), 0u64..(1 << 40)],
        hash in any::<u32>(),
    ) {
        let (header, overflow) = Header::for_count(count, hash, layout_id, format_of(format)).unwrap();
        let word = header.word();
        let fields = HeaderFields { format, layout_id: u64::from(layout_id), count: count_field(count), hash: u64::from(hash) };
        laws::header_round_trip(fields, word, HeaderFields::of(word)).unwrap();
        let back = Header::decode(word, 0).unwrap();
        prop_assert_eq!(back, header);
        // RawHeapObject::initializeHeader: an overflow word, a SmallInt of the count, iff count > kCountMax.
        prop_assert_eq!(overflow, (count > COUNT_MAX).then_some(count << 1));
        prop_assert_eq!(back.has_overflow(), count > COUNT_MAX);
        let real = back.real_count(|| Ok(overflow.unwrap_or(0)), 0).unwrap();
        prop_assert_eq!(real, count);
    }
}

#[test]
fn the_worked_example_header_is_0xabcdef12030002bb() {
    // RawHeader::from(count 3, hash 0xABCDEF12, LayoutId::kTuple, ObjectFormat::kObjects):
    // 3 | 1 << 3 | 43 << 4 | 3 << 24 | 0xABCDEF12 << 32.
    let (h, overflow) = Header::for_count(3, 0xABCD_EF12, layout::TUPLE, Format::Objects).unwrap();
    assert_eq!(overflow, None);
    assert_eq!(h.word(), 0xABCD_EF12_0300_02BB, "model {:#018x}", h.word());
    let fields = HeaderFields {
        format: 1,
        layout_id: 43,
        count: 3,
        hash: 0xABCD_EF12,
    };
    assert_eq!(
        fields.word(),
        0xABCD_EF12_0300_02BB,
        "profile {:#018x}",
        fields.word()
    );
}

#[test]
fn counts_over_254_store_255_and_the_count_as_a_small_int_before_the_header() {
    assert_eq!((COUNT_MAX, COUNT_OVERFLOW_FLAG), (254, 255));
    let mut arena = vec![0u8; 16 * 1024];
    let mut sb = Skybison::new(&mut arena);
    sb.start(
        ProfileId::Skybison64,
        &HeapConfig {
            arena_bytes: 16 * 1024,
            port: None,
            options: &[],
        },
    )
    .unwrap();
    for (len, field, overflow) in [
        (254i128, 254u64, None),
        (255, 255, Some(255u64 << 1)),
        (300, 255, Some(300 << 1)),
    ] {
        let p = [Param {
            name: "len",
            value: ParamValue::Int(len),
        }];
        let a = sb
            .alloc(&ObjectSpec {
                kind: "tuple",
                params: &p,
            })
            .unwrap();
        let header = sb.read_word(a.id, -1).unwrap();
        let f = HeaderFields::of(header);
        assert_eq!(
            (f.count, f.layout_id, f.format),
            (field, 43, 1),
            "len {len}: header {header:#018x}"
        );
        let address = a.word - 1;
        laws::address_in_granule(address, overflow.is_some()).unwrap();
        match overflow {
            Some(o) => assert_eq!(sb.read_word(a.id, -2).unwrap(), o, "len {len}"),
            None => assert_eq!(sb.read_word(a.id, -2).unwrap_err().kind, ErrorKind::BadArgument),
        }
    }
}

#[test]
fn a_word_without_the_header_tag_is_no_header() {
    for raw in [0u64, 0x1, 0xFFFF_FFFF_FFFF_FFFF, 0x0000_0000_0300_02B9] {
        let e = Header::decode(raw, 0x88).unwrap_err();
        assert!(
            matches!(e, Error::MalformedHeader { at: 0x88, .. }),
            "{raw:#x}: {e}"
        );
    }
    let e = Header::for_count(1, 0, 1 << 20, Format::Data).unwrap_err();
    assert!(matches!(e, Error::BadArgument { .. }), "{e}");
}

#[test]
fn a_malformed_header_or_overflow_word_is_an_error_not_a_crash() {
    let mut arena = vec![0u8; 4096];
    let mut heap = Heap::new(&mut arena).unwrap();
    let float = object::new_float(&mut heap, 1.5).unwrap();
    let slot = Address(float.address.0 - 8);
    let good = heap.word(slot).unwrap();

    // A Float header that claims count 9 (RawFloat::initialize writes count kSize = 8).
    let nine = Header {
        count: 9,
        ..Header::decode(good, slot.0).unwrap()
    };
    heap.set_word(slot, nine.word()).unwrap();
    assert!(matches!(
        object::shape(&heap, float),
        Err(Error::MalformedHeader { .. })
    ));
    // A header with an immediate's layout id (SmallStr, 13).
    let small = Header {
        layout_id: layout::SMALL_STR,
        ..Header::decode(good, slot.0).unwrap()
    };
    heap.set_word(slot, small.word()).unwrap();
    assert!(matches!(
        object::shape(&heap, float),
        Err(Error::MalformedHeader { .. })
    ));
    // Something that is neither a header nor a forwarding pointer in the header slot.
    heap.set_word(slot, 0x0F).unwrap();
    assert!(matches!(
        object::shape(&heap, float),
        Err(Error::MalformedHeader { .. })
    ));
    let mut root = float.raw();
    let mut gc = Scavenge::begin(&mut heap).unwrap();
    let e = gc.visit(&mut root).unwrap_err();
    assert!(matches!(e, Error::MalformedHeader { raw: 0x0F, .. }), "{e}");

    // An overflow word that is not a SmallInt, and one that holds a count the header could hold.
    let mut arena = vec![0u8; 8192];
    let mut heap = Heap::new(&mut arena).unwrap();
    let big = object::new_tuple(&mut heap, 300).unwrap();
    let overflow = Address(big.address.0 - 16);
    assert_eq!(heap.word(overflow).unwrap(), 300 << 1);
    heap.set_word(overflow, 0x13).unwrap();
    assert!(matches!(
        object::shape(&heap, big),
        Err(Error::MalformedHeader { raw: 0x13, .. })
    ));
    heap.set_word(overflow, 200 << 1).unwrap();
    assert!(matches!(
        object::shape(&heap, big),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn header_layout_golden() {
    let w = Width::W64;
    let mut out = String::new();
    writeln!(
        out,
        "{} ({} bits), source: {}",
        HEADER.name,
        HEADER.width.bits(),
        HEADER.source
    )
    .unwrap();
    for f in HEADER.fields {
        writeln!(
            out,
            "  bits {:>2}..{:<2} {:<10} mask {}  {}",
            f.lsb,
            f.lsb + f.bits,
            f.name,
            w.hex(f.mask()),
            f.meaning
        )
        .unwrap();
    }
    let examples = [
        ("Float 1.5", 0, layout::FLOAT, 8),
        ("Tuple of 3", 1, layout::TUPLE, 3),
        ("Tuple of 300", 1, layout::TUPLE, 300),
        ("LargeStr of 9 bytes", 0, layout::LARGE_STR, 9),
        (
            "instance, 5 attributes, first user layout",
            1,
            layout::FIRST_USER,
            5,
        ),
    ];
    for (what, format, id, count) in examples {
        let (h, overflow) = Header::for_count(count, 0, id, format_of(format)).unwrap();
        write!(
            out,
            "{what:<44} {}  {}",
            w.hex(h.word()),
            w.bits_under(h.word(), u64::MAX)
        )
        .unwrap();
        if let Some(o) = overflow {
            write!(out, "  overflow {}", w.hex(o)).unwrap();
        }
        out.push('\n');
    }
    insta::assert_snapshot!("skybison64_header_layout", out);
}

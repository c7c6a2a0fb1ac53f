//! `skybison64` object sizes, LargeInt digits and builtin layout ids: the profile's tables and
//! formulas against the model.
//!
//! Expected sizes come from `runtime/objects.h` of facebookexperimental/skybison at 25b3046e:
//! `roundAllocationSize`, `RawHeapObject::headerSize`, `RawMutableTuple::allocationSize`,
//! `RawInstance::allocationSize`, `RawDataArray::allocationSize`, `RawLargeInt::allocationSize`,
//! `RawFloat::allocationSize`, `RawComplex::allocationSize`, `RawEllipsis::allocationSize`.

mod support;

use std::fmt::Write as _;

use memspec::skybison::header::HeaderFields;
use memspec::skybison::large_int::{digits_needed, is_canonical, large_int_canonical};
use memspec::skybison::layout_ids::{self, LAYOUT_IDS};
use memspec::skybison::payloads::{Count, PAYLOADS};
use memspec::skybison::sizes::{
    COMPLEX_BYTES, ELLIPSIS_BYTES, FLOAT_BYTES, data_array_bytes, large_int_bytes, word_object_bytes,
};
use memspec::skybison::{PROFILE, laws};
use memspec::subject::{HeapConfig, ObjectSpec, Param, ParamValue, Subject};
use memspec::{ProfileId, TagClass};
use memspec_impl::skybison::header::Format;
use memspec_impl::skybison::heap::Heap;
use memspec_impl::skybison::{Skybison, large_int, layout, object, value};
use proptest::prelude::*;
use support::params;

const ARENA: usize = 64 * 1024;

fn started(arena: &mut [u8]) -> Skybison<'_> {
    let mut sb = Skybison::new(arena);
    sb.start(
        ProfileId::Skybison64,
        &HeapConfig {
            arena_bytes: ARENA as u64,
            port: None,
            options: &[],
        },
    )
    .unwrap();
    sb
}

#[test]
fn word_field_objects_take_round_up_16_of_8_plus_8n_and_8_more_over_254() {
    // RawMutableTuple::allocationSize, RawInstance::allocationSize: headerSize(n) + 8n, rounded to 16.
    for (n, bytes) in [(0u64, 16u64), (1, 16), (2, 32), (3, 32), (254, 2048), (255, 2064)] {
        assert_eq!(word_object_bytes(n), Some(bytes), "profile formula, {n} words");
        assert_eq!(
            object::allocation_bytes(n, Format::Objects).unwrap(),
            bytes,
            "model, {n} words"
        );
        laws::object_size(1, n, bytes).unwrap();
    }
}

#[test]
fn data_arrays_take_round_up_16_of_8_plus_n_and_8_more_over_254() {
    // RawDataArray::allocationSize: headerSize(length) + length, rounded to 16.
    for (n, bytes) in [(8u64, 16u64), (9, 32), (24, 32), (25, 48), (254, 272), (255, 272)] {
        assert_eq!(data_array_bytes(n), Some(bytes), "profile formula, {n} bytes");
        assert_eq!(
            object::allocation_bytes(n, Format::Data).unwrap(),
            bytes,
            "model, {n} bytes"
        );
        laws::object_size(0, n, bytes).unwrap();
    }
}

#[test]
fn large_ints_count_their_digits_in_bytes_so_the_overflow_word_comes_at_32_digits() {
    // RawLargeInt::allocationSize: headerSize(8d) + 8d, rounded to 16.
    let mut arena = vec![0u8; ARENA];
    let mut heap = Heap::new(&mut arena).unwrap();
    for (d, bytes) in [(1u64, 16u64), (2, 32), (31, 256), (32, 272), (33, 288)] {
        assert_eq!(large_int_bytes(d), Some(bytes), "profile formula, {d} digits");
        // A canonical LargeInt of d digits: 2^62 in one digit, else a 1 over zeros.
        let mut digits = vec![0u64; d as usize];
        *digits.last_mut().unwrap() = if d == 1 { 1 << 62 } else { 1 };
        large_int_canonical(&digits).unwrap();
        let obj = object::new_large_int(&mut heap, &digits).unwrap();
        let shape = object::shape(&heap, obj).unwrap();
        assert_eq!(shape.size, bytes, "model, {d} digits");
        assert_eq!(shape.count, 8 * d, "count is in bytes");
        laws::address_in_granule(obj.address.0, 8 * d > 254).unwrap();
    }
}

#[test]
fn floats_complexes_and_ellipsis_take_16_32_and_16() {
    // RawFloat::allocationSize = roundAllocationSize(RawHeader::kSize + kSize), kSize 8;
    // RawComplex: kSize 16; RawEllipsis: the header alone.
    assert_eq!((FLOAT_BYTES, COMPLEX_BYTES, ELLIPSIS_BYTES), (16, 32, 16));
    let mut arena = vec![0u8; ARENA];
    let mut heap = Heap::new(&mut arena).unwrap();
    let f = object::new_float(&mut heap, 1.5).unwrap();
    let c = object::new_complex(&mut heap, 1.5, -2.5).unwrap();
    let e = object::new_ellipsis(&mut heap).unwrap();
    let sizes: Vec<u64> = [f, c, e]
        .iter()
        .map(|o| object::shape(&heap, *o).unwrap().size)
        .collect();
    assert_eq!(sizes, [16, 32, 16]);
    // Payloads: the double at the address (RawFloat::kValueOffset = 0), real then imaginary.
    assert_eq!(heap.word(f.address).unwrap(), 1.5f64.to_bits());
    assert_eq!(heap.word(c.address).unwrap(), 1.5f64.to_bits());
    assert_eq!(
        heap.word(memspec_impl::skybison::heap::Address(c.address.0 + 8))
            .unwrap(),
        (-2.5f64).to_bits()
    );
}

#[test]
fn every_size_table_entry_is_what_the_model_allocates() {
    let mut arena = vec![0u8; ARENA];
    let mut sb = started(&mut arena);
    for entry in PROFILE.sizes {
        let p = params(entry.args);
        let a = sb
            .alloc(&ObjectSpec {
                kind: entry.kind,
                params: &p,
            })
            .unwrap_or_else(|e| panic!("{} {}: {e}", entry.kind, entry.args));
        assert_eq!(
            a.bytes, entry.bytes,
            "{} {}: model {} bytes, table {} ({})",
            entry.kind, entry.args, a.bytes, entry.bytes, entry.formula
        );
        let immediate = value::classify(a.word) != TagClass::Pointer;
        assert_eq!(
            immediate,
            entry.allocations == 0,
            "{} {}: word {:#018x}",
            entry.kind,
            entry.args,
            a.word
        );
        if !immediate {
            let address = a.word - 1;
            let overflow = sb.read_word(a.id, -1).unwrap() >> 24 & 0xFF == 255;
            laws::address_in_granule(address, overflow).unwrap();
        }
    }
}

#[test]
fn the_empty_tuple_and_ellipsis_are_singletons() {
    // Runtime::initializePrimitiveInstances makes each once; Runtime::newTuple(0) returns empty_tuple_.
    let mut arena = vec![0u8; ARENA];
    let mut sb = started(&mut arena);
    let p = params("len=0");
    let t1 = sb
        .alloc(&ObjectSpec {
            kind: "tuple",
            params: &p,
        })
        .unwrap();
    let t2 = sb
        .alloc(&ObjectSpec {
            kind: "tuple",
            params: &p,
        })
        .unwrap();
    assert_eq!((t1.word, t1.bytes, t2.bytes), (t2.word, 16, 0));
    let e1 = sb
        .alloc(&ObjectSpec {
            kind: "ellipsis",
            params: &[],
        })
        .unwrap();
    let e2 = sb
        .alloc(&ObjectSpec {
            kind: "ellipsis",
            params: &[],
        })
        .unwrap();
    assert_eq!((e1.word, e1.bytes, e2.bytes), (e2.word, 16, 0));
    // Both stay alive through a collection although no handle is rooted.
    sb.collect().unwrap();
    assert!(sb.is_live(t1.id).unwrap() && sb.is_live(e1.id).unwrap());
}

#[test]
fn strings_and_bytes_up_to_7_bytes_are_immediates_and_longer_ones_large() {
    // Runtime::newStrWithAll / newBytesWithAll: length <= kMaxLength (7) makes a SmallStr / SmallBytes.
    let mut arena = vec![0u8; ARENA];
    let mut sb = started(&mut arena);
    for (kind, class) in [("str", TagClass::SmallStr), ("bytes", TagClass::SmallBytes)] {
        let short = [Param {
            name: "text",
            value: ParamValue::Text(b"seven!!"),
        }];
        let a = sb.alloc(&ObjectSpec { kind, params: &short }).unwrap();
        assert_eq!((value::classify(a.word), a.bytes), (class, 0), "{kind}");
        let long = [Param {
            name: "text",
            value: ParamValue::Text(b"eight!!!"),
        }];
        let a = sb.alloc(&ObjectSpec { kind, params: &long }).unwrap();
        assert_eq!(
            (value::classify(a.word), a.bytes),
            (TagClass::Pointer, 16),
            "{kind}"
        );
        // The bytes start at the address, no length field, no terminator (RawDataArray::byteAt).
        let w0 = sb.read_word(a.id, 0).unwrap();
        assert_eq!(w0.to_le_bytes(), *b"eight!!!", "{kind}");
        let w1 = sb.read_word(a.id, -1).unwrap();
        assert_eq!(
            w1 >> 24 & 0xFF,
            8,
            "{kind}: count in the header is the byte length"
        );
    }
}

#[test]
fn instances_start_with_every_attribute_none() {
    // RawInstance::initializeWithNone: memset(-1) over the attributes.
    let mut arena = vec![0u8; ARENA];
    let mut sb = started(&mut arena);
    let p = params("attrs=2 layout=200");
    let a = sb
        .alloc(&ObjectSpec {
            kind: "instance",
            params: &p,
        })
        .unwrap();
    for i in 0..2 {
        assert_eq!(sb.read_word(a.id, i).unwrap(), u64::MAX, "attribute {i}");
    }
    // 8 + 16 = 24 bytes round to 32: the padding word after the attributes is fresh space, SmallInt 0.
    assert_eq!(sb.read_word(a.id, 2).unwrap(), 0);
    assert!(sb.read_word(a.id, 3).is_err());
    let header = sb.read_word(a.id, -1).unwrap();
    assert_eq!(header, 0x0000_0000_0200_0C8B, "count 2, layout 200, objects");
}

proptest! {
    #[test]
    fn object_sizes_follow_the_header_and_granule_rule(format in 0u64..=1, count in 0u64..100_000) {
        let f = if format == 1 { Format::Objects } else { Format::Data };
        let bytes = object::allocation_bytes(count, f).unwrap();
        laws::object_size(format, count, bytes).unwrap();
    }

    #[test]
    fn large_int_digits_are_canonical_and_give_the_value_back(v in any::<i128>()) {
        match large_int::digits_of(v) {
            None => prop_assert_eq!(digits_needed(v), 0, "{} is a SmallInt", v),
            Some((digits, len)) => {
                let digits = &digits[..len];
                prop_assert_eq!(len as u64, digits_needed(v), "{}", v);
                large_int_canonical(digits).unwrap();
                prop_assert_eq!(large_int::value_of(digits), Some(v));
            }
        }
    }

    #[test]
    fn the_model_accepts_exactly_the_canonical_digit_strings(
        digits in proptest::collection::vec(prop_oneof![Just(0u64), Just(u64::MAX), Just(1u64 << 62),
                                                        Just(1u64 << 63), any::<u64>()], 0..4)
    ) {
        prop_assert_eq!(large_int::check_canonical(&digits).is_ok(), is_canonical(&digits), "{:x?}", digits);
    }
}

#[test]
fn every_payload_entry_is_the_header_the_model_writes() {
    let mut arena = vec![0u8; ARENA];
    let mut sb = started(&mut arena);
    // (layout, kind, arguments, the length the count rule applies to)
    let made: &[(&str, &str, &str, u64)] = &[
        ("Float", "float", "value=1.5", 0),
        ("Complex", "complex", "real=1.5 imag=-2.5", 0),
        ("Ellipsis", "ellipsis", "", 0),
        ("LargeInt", "int", "value=9223372036854775808", 2),
        ("LargeStr", "str", "text=\"abcdefghi\"", 9),
        ("LargeBytes", "bytes", "text=\"abcdefghi\"", 9),
        ("MutableBytes", "raw", "bytes=3", 3),
        ("Tuple", "tuple", "len=3", 3),
        ("MutableTuple", "mutable-tuple", "len=3", 3),
        ("instance", "instance", "attrs=3", 3),
    ];
    assert_eq!(made.len(), PAYLOADS.len());
    for (p, (layout_name, kind, args, n)) in PAYLOADS.iter().zip(made) {
        assert_eq!(p.layout, *layout_name);
        let params = params(args);
        let a = sb
            .alloc(&ObjectSpec {
                kind,
                params: &params,
            })
            .unwrap();
        let f = HeaderFields::of(sb.read_word(a.id, -1).unwrap());
        let count = match p.count {
            Count::Fixed(c) => c,
            Count::Bytes | Count::Words => *n,
            Count::DigitBytes => 8 * n,
        };
        assert_eq!((f.format, f.count), (p.format, count), "{layout_name}");
        let name = layout::builtin_name(f.layout_id as u32);
        if *layout_name == "instance" {
            assert_eq!(
                f.layout_id,
                u64::from(layout_ids::SENTINEL),
                "the first user layout"
            );
        } else {
            assert_eq!(name, Some(*layout_name), "layout id {}", f.layout_id);
        }
    }
}

#[test]
fn builtin_layout_ids_agree_with_the_profile_table() {
    for e in LAYOUT_IDS {
        assert_eq!(layout::builtin_name(e.id), Some(e.name), "id {}", e.id);
    }
    for id in 0..=layout_ids::SENTINEL + 10 {
        let in_table = LAYOUT_IDS.iter().find(|e| e.id == id).map(|e| e.name);
        assert_eq!(layout::builtin_name(id), in_table, "id {id}");
    }
    assert_eq!(layout::LAST_NON_INSTANCE, layout_ids::LAST_NON_INSTANCE);
    assert_eq!(layout::FIRST_EXCEPTION, layout_ids::FIRST_EXCEPTION);
    assert_eq!(layout::LAST_BUILTIN, layout_ids::LAST_BUILTIN);
    assert_eq!(layout::FIRST_USER, layout_ids::SENTINEL);
    // A few ids by name, as runtime/objects.h `enum class LayoutId` numbers them at 25b3046e.
    for (name, id) in [
        ("Tuple", 43),
        ("Array", 44),
        ("Dict", 69),
        ("List", 88),
        ("Object", 96),
        ("Type", 115),
    ] {
        assert_eq!(
            LAYOUT_IDS.iter().find(|e| e.name == name).map(|e| e.id),
            Some(id),
            "{name}"
        );
    }
}

#[test]
fn size_table_golden() {
    let mut out = String::new();
    for e in PROFILE.sizes {
        writeln!(
            out,
            "{:<14} {:<40} {:>5} bytes {} alloc  {}\n    {}",
            e.kind, e.args, e.bytes, e.allocations, e.formula, e.source
        )
        .unwrap();
    }
    insta::assert_snapshot!("skybison64_size_table", out);
}

#[test]
fn layout_ids_golden() {
    let mut out = String::new();
    for e in LAYOUT_IDS {
        writeln!(out, "{:>3} {:<28} {:?}", e.id, e.name, e.group).unwrap();
    }
    insta::assert_snapshot!("skybison64_layout_ids", out);
}

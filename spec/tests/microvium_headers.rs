//! Allocation headers and allocation sizes: the model's header words against the profile's bit
//! layout over every 16-bit word, footprints of every body size, the container rule, the
//! maximum size, and malformed headers. Expected values come from `memspec::microvium::header`
//! (engine source `vm_makeHeaderWord`, `mvm_allocate`, `TeTypeCode`).

mod support;

use memspec::microvium::header::{
    ALLOCATION_HEADER, FIRST_CONTAINER_TYPE_CODE, MAX_ALLOCATION_SIZE_BYTES, MIN_FOOTPRINT_BYTES,
    TOMBSTONE_HEADER, TYPE_CODES, footprint,
};
use memspec::microvium::law::{
    footprint_is_header_plus_even_body, header_round_trip, traced_iff_container, used_is_sum_of_footprints,
};
use memspec::subject::{ErrorKind, ObjectSpec, Subject};
use memspec_impl::microvium::{Header, HeaderError, TypeCode};
use support::microvium::{alloc, arena, start};
use support::params;

#[test]
fn every_header_word_unpacks_to_the_profiles_type_and_size_fields() {
    let (size_field, type_field) = (ALLOCATION_HEADER.fields[0], ALLOCATION_HEADER.fields[1]);
    for word in 0..=u16::MAX {
        let h = Header(word);
        assert_eq!(
            h.size() as u64,
            size_field.get(word as u64),
            "{word:#06x}: size, mask {:#06x}",
            size_field.mask()
        );
        assert_eq!(
            h.type_code() as u64,
            type_field.get(word as u64),
            "{word:#06x}: type, mask {:#06x}",
            type_field.mask()
        );
        assert_eq!(h.footprint(), footprint(h.size()), "{word:#06x}: footprint");
        traced_iff_container(word, h.type_code().is_container()).unwrap_or_else(|v| panic!("{v}"));
    }
}

#[test]
fn packing_a_type_and_size_and_unpacking_gives_them_back() {
    for tc in TypeCode::ALL {
        for size in [0u16, 1, 2, 3, 0x0A5, 0x5A5, 0x7FF, 0xFFE, 0xFFF] {
            let h = Header::new(tc, size as u32).expect("size in range");
            header_round_trip(tc as u8, size, h.0, (h.type_code() as u8, h.size()))
                .unwrap_or_else(|v| panic!("{v}"));
        }
    }
}

#[test]
fn the_model_names_and_traces_the_type_codes_as_the_profile_lists_them() {
    for (spec, model) in TYPE_CODES.iter().zip(TypeCode::ALL) {
        assert_eq!(spec.code, model as u8);
        assert_eq!(
            spec.name.strip_prefix("TC_REF_"),
            Some(model.name()),
            "code {:#x}",
            spec.code
        );
        assert_eq!(spec.container, model.is_container(), "{}", spec.name);
        assert_eq!(spec.container, spec.code >= FIRST_CONTAINER_TYPE_CODE);
    }
    assert_eq!(Header::TOMBSTONE.0, TOMBSTONE_HEADER);
}

#[test]
fn a_body_over_4095_bytes_has_no_header() {
    assert_eq!(
        Header::new(TypeCode::Uint8Array, MAX_ALLOCATION_SIZE_BYTES as u32 + 1),
        Err(HeaderError::TooLarge(4096))
    );
    assert!(Header::new(TypeCode::Uint8Array, MAX_ALLOCATION_SIZE_BYTES as u32).is_ok());
}

#[test]
fn a_type_0_header_other_than_the_tombstone_is_malformed() {
    assert_eq!(Header::check(0x0002), Ok(Header(0x0002)));
    for word in [0x0000u16, 0x0004, 0x0FFF] {
        assert_eq!(
            Header::check(word),
            Err(HeaderError::MalformedTombstone(word)),
            "{word:#06x}"
        );
    }
}

#[test]
fn a_reserved_type_code_in_a_heap_header_is_malformed() {
    for word in [0x8004u16, 0xA004, 0xB004] {
        assert_eq!(
            Header::check(word),
            Err(HeaderError::ReservedType(word)),
            "{word:#06x}"
        );
    }
    assert_eq!(Header::check(0xC004), Ok(Header(0xC004)));
}

#[test]
fn every_body_size_takes_its_header_plus_the_body_rounded_to_even() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    let mut footprints = Vec::new();
    for size in 1..=MAX_ALLOCATION_SIZE_BYTES {
        if m.heap_used().expect("used") as u64 + footprint(size) as u64 > 0xF000 {
            used_is_sum_of_footprints(footprints.iter().copied(), m.heap_used().expect("used") as u64)
                .unwrap_or_else(|v| panic!("{v}"));
            m = start(&mut arena, None, "");
            footprints.clear();
        }
        let a = alloc(&mut m, "raw", &format!("bytes={size}"));
        footprint_is_header_plus_even_body(size, a.bytes).unwrap_or_else(|v| panic!("{v}"));
        assert!(a.bytes >= MIN_FOOTPRINT_BYTES as u64);
        footprints.push(a.bytes);
    }
    used_is_sum_of_footprints(footprints.iter().copied(), m.heap_used().expect("used") as u64)
        .unwrap_or_else(|v| panic!("{v}"));
}

#[test]
fn an_allocation_over_4095_bytes_is_refused_as_too_large() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    // node engines/microvium/measure.mjs limits: uint8ArrayFromBytes(4096) is MVM_E_ALLOCATION_TOO_LARGE.
    for (kind, args) in [
        ("uint8array", "len=4096"),
        ("raw", "bytes=4096"),
        ("raw", "bytes=65535"),
    ] {
        let p = params(args);
        let e = m.alloc(&ObjectSpec { kind, params: &p }).expect_err("too large");
        assert_eq!(e.kind, ErrorKind::TooLarge, "{kind} {args}: {e}");
    }
    let text = "x".repeat(4095);
    let p = [memspec::subject::Param {
        name: "text",
        value: memspec::subject::ParamValue::Text(text.as_bytes()),
    }];
    let e = m
        .alloc(&ObjectSpec {
            kind: "string",
            params: &p,
        })
        .expect_err("4095 bytes and a NUL");
    assert_eq!(e.kind, ErrorKind::TooLarge, "{e}");
    assert_eq!(m.heap_used().expect("used"), 0, "nothing was allocated");
    assert_eq!(alloc(&mut m, "uint8array", "len=4095").bytes, 4098);
}

#[test]
fn a_zero_byte_body_is_below_the_tombstone_minimum_and_refused() {
    let mut arena = arena();
    let mut m = start(&mut arena, None, "");
    // node engines/microvium/measure.mjs bugs: a zero-length Uint8Array stops the engine with
    // MVM_E_ASSERTION_FAILED (17).
    for (kind, args) in [("uint8array", "len=0"), ("raw", "bytes=0")] {
        let p = params(args);
        let e = m
            .alloc(&ObjectSpec { kind, params: &p })
            .expect_err("below minimum");
        assert_eq!(e.kind, ErrorKind::Engine, "{kind} {args}: {e}");
        assert!(e.detail.as_str().contains("MVM_E_ASSERTION_FAILED"), "{e}");
    }
}

//! Object layouts of `julia64` read back word by word from the reference implementation: the header
//! before the data, boxes and their caches, strings, simple vectors, tuples, `Memory`, `Vector`,
//! singletons, big objects and pool pages (Julia v1.11.0 `src/julia.h`, `src/datatype.c`,
//! `src/array.c`, `src/genericmemory.c`, `src/gc.h`).

use memspec::julia::boxes::cache_of;
use memspec::julia::header::{GC_CLEAN, GC_OLD_MARKED, Header, TAG_RULES};
use memspec::julia::size_class::{GC_PAGE_OFFSET_BYTES, GC_PAGE_SZ_BYTES};
use memspec::julia::small_tag::tag_of;
use memspec::subject::{Allocation, ObjectSpec, Param, ParamValue, Subject, Target};
use memspec::tag::classify;
use memspec::{TagClass, Width};
use memspec_impl::julia::Julia;
use memspec_impl::julia::heap::Addr;
use memspec_impl::julia::types::HEAP_BASE;

fn alloc(j: &mut Julia<'_>, kind: &str, params: &[(&str, i128)]) -> Allocation {
    let params: Vec<Param<'_>> = params
        .iter()
        .map(|&(name, v)| Param {
            name,
            value: ParamValue::Int(v),
        })
        .collect();
    j.alloc(&ObjectSpec {
        kind,
        params: &params,
    })
    .unwrap()
}

fn text(j: &mut Julia<'_>, s: &str) -> Allocation {
    let params = [Param {
        name: "text",
        value: ParamValue::Text(s.as_bytes()),
    }];
    j.alloc(&ObjectSpec {
        kind: "string",
        params: &params,
    })
    .unwrap()
}

fn small_header(type_name: &str, gc: u64) -> u64 {
    tag_of(type_name).unwrap().header() | gc
}

/// `jl_astaggedvalue(v) = v - sizeof(jl_taggedvalue_t)`: the value pointer points at the data and the
/// header word is the word before it (JL-12).
#[test]
fn header_word_is_at_index_minus_one() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let a = alloc(&mut j, "int64", &[("value", 0x1234_5678)]);
    assert_eq!(j.read_word(a.id, -1).unwrap(), small_header("Int64", GC_CLEAN));
    assert_eq!(j.read_word(a.id, 0).unwrap(), 0x1234_5678);
    assert_eq!(j.word(Addr(a.word - 8)).unwrap(), small_header("Int64", GC_CLEAN));
}

/// Julia's first pool page: the metadata pointer in word 0, the first cell at `GC_PAGE_OFFSET`, its
/// payload 16-aligned.
#[test]
fn the_first_cell_of_a_page_follows_the_metadata_pointer() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let a = alloc(&mut j, "raw", &[("bytes", 8)]);
    assert_eq!(a.word, HEAP_BASE + GC_PAGE_OFFSET_BYTES + 8);
    let map = j.map().unwrap();
    let meta = j.word(Addr(HEAP_BASE)).unwrap();
    assert_eq!(
        meta,
        HEAP_BASE + map.meta,
        "word 0 of page 0 points at the page's metadata"
    );
    // The next cell of the same class follows at +16; a different class starts another page.
    let b = alloc(&mut j, "raw", &[("bytes", 8)]);
    assert_eq!(b.word, a.word + 16);
    let c = alloc(&mut j, "raw", &[("bytes", 24)]);
    assert_eq!(c.word % GC_PAGE_SZ_BYTES, GC_PAGE_OFFSET_BYTES + 8);
}

/// Freed cells are linked through their header word: each holds the address of the next free cell.
#[test]
fn free_cells_are_linked_through_their_headers() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let cells: Vec<Allocation> = (0..3).map(|_| alloc(&mut j, "raw", &[("bytes", 8)])).collect();
    let keep = alloc(&mut j, "raw", &[("bytes", 8)]);
    j.root(keep.id).unwrap();
    j.collect().unwrap();
    let next = |a: &Allocation| j.word(Addr(a.word - 8)).unwrap();
    assert_eq!(next(&cells[0]), cells[1].word - 8);
    assert_eq!(next(&cells[1]), cells[2].word - 8);
    assert_eq!(
        next(&cells[2]),
        keep.word - 8 + 16,
        "then the never-used cells after `keep`"
    );
    // The free list hands the first freed cell out again.
    let again = alloc(&mut j, "raw", &[("bytes", 8)]);
    assert_eq!(again.word, cells[0].word);
}

/// A cached box is one permanent object; outside the cache every call allocates a fresh box, so the
/// address of a box is no identity (JL-13).
#[test]
fn two_boxes_of_one_uncached_int64_are_two_objects() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let int64 = cache_of("Int64").unwrap();
    let (a, b) = (
        alloc(&mut j, "int64", &[("value", int64.max as i128)]),
        alloc(&mut j, "int64", &[("value", int64.max as i128)]),
    );
    assert_eq!(a.word, b.word);
    assert_eq!((a.bytes, b.bytes), (0, 0));
    assert_eq!(
        j.read_word(a.id, -1).unwrap(),
        small_header("Int64", GC_OLD_MARKED)
    );
    let (c, d) = (
        alloc(&mut j, "int64", &[("value", int64.max as i128 + 1)]),
        alloc(&mut j, "int64", &[("value", int64.max as i128 + 1)]),
    );
    assert_ne!(c.word, d.word);
    assert_eq!((c.bytes, d.bytes), (16, 16));
}

/// `jl_permbox64` gives a permanent `Int64` box a 64-byte payload (`LLT_ALIGN(64, sizeof(void*))`),
/// so consecutive cached boxes lie 80 bytes apart: 8 + 64, then up to the next 16-aligned payload.
#[test]
fn permanent_int64_boxes_take_72_bytes() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let a = alloc(&mut j, "int64", &[("value", 1)]);
    let b = alloc(&mut j, "int64", &[("value", 2)]);
    let bytes = cache_of("Int64").unwrap().permbox_bytes();
    assert_eq!(bytes, 72);
    assert_eq!(b.word - a.word, bytes.next_multiple_of(16));
    assert_eq!(a.word % 16, 0);
}

/// `jl_box_uint16` allocates `LLT_ALIGN(2, 8) = 8` payload bytes, a 16-byte cell, above the cache
/// (JL-10, JL-11).
#[test]
fn uint16_box_is_one_16_byte_cell() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let a = alloc(&mut j, "uint16", &[("value", 0xbeef)]);
    assert_eq!(a.bytes, 16);
    assert_eq!(j.read_word(a.id, -1).unwrap(), small_header("UInt16", GC_CLEAN));
    assert_eq!(j.read_word(a.id, 0).unwrap() & 0xffff, 0xbeef);
    assert!(j.read_word(a.id, 1).is_err(), "the payload is one word");
    let cached = alloc(&mut j, "uint16", &[("value", 1023)]);
    assert_eq!(cached.bytes, 0);
}

/// `jl_box_bool` returns the permanent `jl_false` and `jl_true`; a `Float64` box has no small tag, so
/// its header holds a type pointer.
#[test]
fn bools_are_two_permanent_objects_and_float64_carries_a_type_pointer() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let t = alloc(&mut j, "bool", &[("value", 1)]);
    let f = alloc(&mut j, "bool", &[("value", 0)]);
    assert_ne!(t.word, f.word);
    assert_eq!(t.word, alloc(&mut j, "bool", &[("value", 1)]).word);
    assert_eq!(
        j.read_word(t.id, -1).unwrap(),
        small_header("Bool", GC_OLD_MARKED)
    );
    assert_eq!(
        (j.read_word(t.id, 0).unwrap(), j.read_word(f.id, 0).unwrap()),
        (1, 0)
    );
    let params = [Param {
        name: "value",
        value: ParamValue::Float(-2.5),
    }];
    let x = j
        .alloc(&ObjectSpec {
            kind: "float64",
            params: &params,
        })
        .unwrap();
    let h = j.read_word(x.id, -1).unwrap();
    assert!(Header::decode(h).small_tag().is_none(), "{h:#x}");
    assert_eq!(classify(&TAG_RULES, Width::W64, h), TagClass::Header);
    assert_eq!(j.read_word(x.id, 0).unwrap(), (-2.5f64).to_bits());
}

/// A `String` is `[length][bytes][NUL]` with small tag 10; the empty string is one shared object.
#[test]
fn a_string_is_its_length_then_its_bytes_then_nul() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let s = text(&mut j, "abcdefghij");
    assert_eq!(j.read_word(s.id, -1).unwrap(), small_header("String", GC_CLEAN));
    assert_eq!(j.read_word(s.id, 0).unwrap(), 10);
    assert_eq!(j.read_word(s.id, 1).unwrap().to_le_bytes(), *b"abcdefgh");
    assert_eq!(
        j.read_word(s.id, 2).unwrap() & 0xff_ffff,
        u64::from_le_bytes(*b"ij\0\0\0\0\0\0")
    );
    let (e1, e2) = (text(&mut j, ""), text(&mut j, ""));
    assert_eq!(e1.word, e2.word);
    assert_eq!(j.read_word(e1.id, 0).unwrap(), 0);
}

/// A `SimpleVector` is `[length][data...]`; a tuple has no length word, its first field is word 0
/// (JL-28).
#[test]
fn tuple_has_no_length_word() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let v = alloc(&mut j, "svec", &[("len", 2)]);
    let t = alloc(&mut j, "tuple", &[("len", 2)]);
    let x = alloc(&mut j, "int64", &[("value", 7)]);
    j.link(v.id, 1, Target::Object(x.id)).unwrap();
    j.link(t.id, 1, Target::Object(x.id)).unwrap();
    assert_eq!(
        j.read_word(v.id, -1).unwrap(),
        small_header("Core.SimpleVector", GC_CLEAN)
    );
    assert_eq!(j.read_word(v.id, 0).unwrap(), 2);
    assert_eq!(j.read_word(v.id, 2).unwrap(), x.word);
    assert_eq!(j.read_word(t.id, 1).unwrap(), x.word);
    assert_eq!(
        (v.bytes, t.bytes),
        (32, 32),
        "8 + 2 x 8 + 8 -> 32; 2 x 8 + 8 -> 32"
    );
}

/// `Memory{T}`: `{length, ptr}` and inline data at +16, or `{length, ptr, owner = itself}` with the
/// data in a 64-aligned managed malloc; a `Vector` is `{ptr_or_offset, mem, length}` beside it.
#[test]
fn memory_is_inline_up_to_gc_max_szclass_and_a_vector_points_at_it() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let small = alloc(&mut j, "memory", &[("len", 4)]);
    assert_eq!(j.read_word(small.id, 0).unwrap(), 4);
    assert_eq!(j.read_word(small.id, 1).unwrap(), small.word + 16);
    let large = alloc(&mut j, "memory", &[("len", 252)]);
    let data = j.read_word(large.id, 1).unwrap();
    assert_eq!(data % 64, 0);
    assert_eq!(j.read_word(large.id, 2).unwrap(), large.word, "owner: itself");
    let v = alloc(&mut j, "vector", &[("len", 3)]);
    let mem = j.read_word(v.id, 1).unwrap();
    assert_eq!(
        j.read_word(v.id, 0).unwrap(),
        mem + 16,
        "ptr_or_offset = mem->ptr"
    );
    assert_eq!(j.read_word(v.id, 2).unwrap(), 3);
    let x = alloc(&mut j, "float64", &[("value", 1)]);
    j.link(v.id, 2, Target::Object(x.id)).unwrap();
    assert_eq!(j.word(Addr(mem + 16 + 2 * 8)).unwrap(), x.word);
}

/// A singleton instance is a permanent header with no payload, 8-aligned, the same every time
/// (JL-39); a mutable struct without fields is no singleton: each construction is a fresh 8-byte cell
/// (JL-38).
#[test]
fn mutable_zero_field_struct_is_no_singleton() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let s1 = alloc(&mut j, "singleton", &[]);
    let s2 = alloc(&mut j, "singleton", &[]);
    let other = alloc(&mut j, "singleton", &[("type", 1)]);
    assert_eq!(s1.word, s2.word);
    assert_ne!(s1.word, other.word);
    assert_eq!((s1.bytes, s1.word % 8), (0, 0));
    assert_eq!(Header::decode(j.read_word(s1.id, -1).unwrap()).gc, GC_OLD_MARKED);
    assert!(j.read_word(s1.id, 0).is_err(), "no payload");
    let i1 = alloc(&mut j, "struct", &[("fields", 0), ("mutable", 0)]);
    assert_eq!(
        i1.word,
        alloc(&mut j, "struct", &[("fields", 0), ("mutable", 0)]).word
    );
    let m1 = alloc(&mut j, "struct", &[("fields", 0), ("mutable", 1)]);
    let m2 = alloc(&mut j, "struct", &[("fields", 0), ("mutable", 1)]);
    assert_ne!(m1.word, m2.word);
    assert_eq!((m1.bytes, m2.word - m1.word), (8, 8));
}

/// A big object's `bigval_t` precedes its header: `sz` at -6, the header at -1, the payload
/// 64-aligned.
#[test]
fn a_big_object_has_a_64_byte_pre_header() {
    let mut arena = vec![0u8; 1 << 20];
    let mut j = Julia::new(&mut arena);
    let a = alloc(&mut j, "raw", &[("bytes", 3000)]);
    assert_eq!(a.word % 64, 0);
    assert_eq!(
        j.read_word(a.id, -6).unwrap(),
        3072,
        "LLT_ALIGN(3000 + 8 + 56, 64)"
    );
    assert!(j.read_word(a.id, -9).is_err(), "nothing before the bigval_t");
    let h = j.read_word(a.id, -1).unwrap();
    assert_eq!(Header::decode(h).gc, GC_CLEAN);
    assert!((-5..=-2).all(|i| j.read_word(a.id, i).unwrap() == 0), "padding");
}

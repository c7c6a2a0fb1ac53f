//! The Microvium model as a subject: starting cases, configurations, host widths, the kinds and
//! their arguments, links, roots, inspection, the heap map, and every error path with its kind.
//! Host-side sizes come from `memspec::microvium` (`sizeof(mvm_VM)` 88 and `TsBucket` 32 measured
//! on the 64-bit addon with `node engines/microvium/measure.mjs stats`; 32-bit layouts from the
//! engine's struct definitions).

mod support;

use memspec::ProfileId;
use memspec::microvium::heap::bucket_header_bytes;
use memspec::microvium::host::{NPM_VM_STRUCT_BYTES, VM_STRUCT_BYTES_32};
use memspec::subject::{
    Capability, ErrorKind, GcOp, HeapConfig, ObjectSpec, Param, ParamValue, Subject, Target,
};
use memspec_impl::microvium::Microvium;
use memspec_impl::reference::Reference;
use support::microvium::{alloc, arena, start};
use support::{params, stat_of};

fn alloc_err(m: &mut Microvium<'_>, kind: &str, args: &str) -> ErrorKind {
    let p = params(args);
    m.alloc(&ObjectSpec { kind, params: &p })
        .expect_err("should fail")
        .kind
}

fn start_err(options: &[Param<'_>], port: Option<&str>, arena_bytes: u64) -> ErrorKind {
    let mut a = vec![0u8; 4096];
    let mut m = Microvium::new(&mut a);
    m.start(
        ProfileId::Microvium,
        &HeapConfig {
            arena_bytes,
            port,
            options,
        },
    )
    .expect_err("should fail")
    .kind
}

#[test]
fn host_width_decides_the_vm_struct_and_bucket_headers_only() {
    let mut a = arena();
    let mut m64 = start(&mut a, Some("host64"), "");
    let o = alloc(&mut m64, "object", "props=1");
    assert_eq!(stat_of(&mut m64, "coreSize"), NPM_VM_STRUCT_BYTES as u64);
    assert_eq!(
        stat_of(&mut m64, "totalSize"),
        88 + 256 + bucket_header_bytes(8) as u64
    );
    let words64 = support::microvium::heap_words(&m64);
    let w64 = o.word;

    let mut b = arena();
    let mut m32 = start(&mut b, Some("host32"), "");
    let o = alloc(&mut m32, "object", "props=1");
    // 9 pointers (debug capability), gas counter, 3 counters, safe-mode byte: 36 + 4 + 6 + 1 -> 48.
    assert_eq!(stat_of(&mut m32, "coreSize"), 48);
    assert_eq!(
        stat_of(&mut m32, "totalSize"),
        48 + 256 + bucket_header_bytes(4) as u64
    );
    assert_eq!(
        (support::microvium::heap_words(&m32), o.word),
        (words64, w64),
        "the virtual heap is the same"
    );
    let mut c = arena();
    let mut bare = start(&mut c, Some("host32"), "debug=0 gas-counter=0 safe-mode=0");
    assert_eq!(stat_of(&mut bare, "coreSize"), VM_STRUCT_BYTES_32 as u64);
}

#[test]
fn the_model_serves_only_the_microvium_profile_and_every_capability_but_gc_control() {
    let mut a = arena();
    let m = Microvium::new(&mut a);
    assert!(m.supports(ProfileId::Microvium) && !m.supports(ProfileId::MicropythonA32));
    let caps = m.capabilities(ProfileId::Microvium);
    for c in Capability::ALL {
        assert_eq!(caps.has(c), c != Capability::GcControl, "{}", c.name());
    }
    assert!(!m.capabilities(ProfileId::Julia64).has(Capability::Alloc));
}

#[test]
fn starting_a_case_with_a_bad_configuration_is_an_error_of_its_kind() {
    let opt = |name, value| Param { name, value };
    assert_eq!(start_err(&[], Some("host16"), 0), ErrorKind::BadArgument);
    assert_eq!(
        start_err(&[opt("colour", ParamValue::Int(1))], None, 0),
        ErrorKind::BadArgument
    );
    assert_eq!(
        start_err(&[opt("max-heap", ParamValue::Int(0x1_0000))], None, 0),
        ErrorKind::BadArgument
    );
    assert_eq!(
        start_err(&[opt("stats", ParamValue::Text(b"both"))], None, 0),
        ErrorKind::BadArgument
    );
    assert_eq!(
        start_err(&[opt("engine-bugs", ParamValue::Int(2))], None, 0),
        ErrorKind::BadArgument
    );
    assert_eq!(start_err(&[], None, 8192), ErrorKind::ArenaTooSmall);
    assert_eq!(start_err(&[], None, 64), ErrorKind::ArenaTooSmall);
    let mut a = arena();
    let mut m = Microvium::new(&mut a);
    let e = m.start(
        ProfileId::Skybison64,
        &HeapConfig {
            arena_bytes: 0,
            port: None,
            options: &[],
        },
    );
    assert_eq!(e.expect_err("other profile").kind, ErrorKind::UnknownProfile);
}

#[test]
fn a_full_arena_is_out_of_memory_not_a_panic() {
    let mut a = vec![0u8; 1024];
    let mut m = start(&mut a, None, "");
    let mut last = None;
    for _ in 0..100 {
        let p = params("len=100");
        match m.alloc(&ObjectSpec {
            kind: "uint8array",
            params: &p,
        }) {
            Ok(x) => m.root(x.id).expect("root"),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    let e = last.expect("the arena fills up");
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    assert!(e.detail.as_str().contains("arena"), "{e}");
}

#[test]
fn a_collection_without_room_for_to_space_ends_the_case_with_an_error() {
    let mut a = vec![0u8; 1024];
    let mut m = start(&mut a, None, "");
    for _ in 0..2 {
        let x = alloc(&mut m, "uint8array", "len=300");
        m.root(x.id).expect("root");
    }
    let e = m.collect().expect_err("to-space does not fit in the arena");
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    assert!(e.detail.as_str().contains("start a new case"), "{e}");
    assert_eq!(
        alloc_err(&mut m, "object", ""),
        ErrorKind::BadArgument,
        "the case has ended"
    );
    let mut m = start(&mut a, None, "");
    alloc(&mut m, "object", "");
}

#[test]
fn a_32_bit_host_base_must_leave_the_arena_below_4_gib() {
    let opt = [Param {
        name: "host-base",
        value: ParamValue::Int(0xFFFF_F000),
    }];
    assert_eq!(start_err(&opt, Some("host32"), 0), ErrorKind::BadArgument);
    let mut a = arena();
    let mut m = Microvium::new(&mut a);
    m.start(
        ProfileId::Microvium,
        &HeapConfig {
            arena_bytes: 0,
            port: Some("host64"),
            options: &opt,
        },
    )
    .expect("a 64-bit host has room");
}

#[test]
fn unknown_kinds_and_bad_arguments_are_refused_with_their_kind() {
    let mut a = arena();
    let mut m = start(&mut a, None, "");
    assert_eq!(alloc_err(&mut m, "dict", ""), ErrorKind::UnknownKind);
    assert_eq!(alloc_err(&mut m, "property", ""), ErrorKind::UnknownKind);
    assert_eq!(alloc_err(&mut m, "int", ""), ErrorKind::BadArgument);
    assert_eq!(alloc_err(&mut m, "int", "value=1.5"), ErrorKind::BadArgument);
    assert_eq!(
        alloc_err(&mut m, "object", "props=1 colour=2"),
        ErrorKind::BadArgument
    );
    assert_eq!(alloc_err(&mut m, "object", "props=-1"), ErrorKind::BadArgument);
    assert_eq!(
        alloc_err(&mut m, "array", "len=3 capacity=2"),
        ErrorKind::BadArgument
    );
    assert_eq!(
        alloc_err(&mut m, "array", "capacity=2048"),
        ErrorKind::BadArgument
    );
    assert_eq!(alloc_err(&mut m, "closure", "slots=0"), ErrorKind::BadArgument);
    assert_eq!(alloc_err(&mut m, "string", "text=12"), ErrorKind::BadArgument);
    assert_eq!(alloc_err(&mut m, "raw", "bytes=8 type=0"), ErrorKind::BadArgument);
    assert_eq!(
        alloc_err(&mut m, "raw", "bytes=8 type=0xC"),
        ErrorKind::BadArgument
    );
    assert_eq!(
        alloc_err(&mut m, "raw", "bytes=8 type=0x8"),
        ErrorKind::BadArgument
    );
    assert_eq!(
        m.heap_used().unwrap(),
        0,
        "refused allocations leave nothing behind"
    );
}

#[test]
fn links_into_things_without_that_slot_are_refused() {
    let mut a = arena();
    let mut m = start(&mut a, None, "");
    let s = alloc(&mut m, "string", "text=\"abc\"");
    let c = alloc(&mut m, "closure", "slots=2");
    let o = alloc(&mut m, "object", "");
    let i = alloc(&mut m, "int", "value=7");
    let arr = alloc(&mut m, "array", "");
    let kind = |r: Result<(), memspec::subject::SubjectError>| r.expect_err("refused").kind;
    assert_eq!(kind(m.link(s.id, 0, Target::Empty)), ErrorKind::BadArgument);
    assert_eq!(kind(m.link(c.id, 2, Target::Empty)), ErrorKind::BadArgument);
    assert_eq!(kind(m.link(o.id, 8192, Target::Empty)), ErrorKind::BadArgument);
    assert_eq!(kind(m.link(arr.id, 8192, Target::Empty)), ErrorKind::BadArgument);
    assert_eq!(kind(m.link(i.id, 0, Target::Empty)), ErrorKind::BadArgument);
    assert_eq!(
        kind(m.link(o.id, 0, Target::Interior(c.id, 2))),
        ErrorKind::BadArgument
    );
    assert_eq!(
        kind(m.link(o.id, 0, Target::Object(memspec::subject::ObjId(99)))),
        ErrorKind::NoSuchObject
    );
    m.link(c.id, 1, Target::Object(i.id))
        .expect("an immediate id links as its word");
    assert_eq!(m.read_word(c.id, 1).unwrap(), 0x001f);
}

#[test]
fn roots_are_released_once_and_collected_objects_cannot_be_rooted() {
    let mut a = arena();
    let mut m = start(&mut a, None, "");
    let o = alloc(&mut m, "object", "");
    let p = alloc(&mut m, "object", "");
    m.root(o.id).unwrap();
    m.root(o.id).unwrap();
    m.root(p.id).unwrap();
    m.unroot(o.id).unwrap();
    assert_eq!(
        m.unroot(o.id).expect_err("not a root").kind,
        ErrorKind::BadArgument
    );
    m.collect().unwrap();
    assert_eq!(m.root(o.id).expect_err("collected").kind, ErrorKind::NoSuchObject);
    assert!(m.is_live(p.id).unwrap());
    assert_eq!(
        m.is_live(memspec::subject::ObjId(7)).expect_err("unknown").kind,
        ErrorKind::NoSuchObject
    );
    assert_eq!(
        m.gc_control(GcOp::Lock).expect_err("no such control").kind,
        ErrorKind::Unsupported
    );
}

#[test]
fn read_word_reaches_the_header_and_the_body_and_no_further() {
    let mut a = arena();
    let mut m = start(&mut a, None, "");
    let s = alloc(&mut m, "string", "text=\"abc\"");
    assert_eq!(m.read_word(s.id, -1).unwrap(), 0x3004);
    assert_eq!(m.read_word(s.id, 0).unwrap(), 0x6261);
    assert_eq!(m.read_word(s.id, 1).unwrap(), 0x0063);
    assert_eq!(
        m.read_word(s.id, 2).expect_err("past the body").kind,
        ErrorKind::BadArgument
    );
    assert_eq!(
        m.read_word(s.id, -2).expect_err("before the header").kind,
        ErrorKind::BadArgument
    );
    let i = alloc(&mut m, "int", "value=3");
    assert_eq!(
        m.read_word(i.id, 0).expect_err("an immediate").kind,
        ErrorKind::InvalidWord
    );
}

#[test]
fn the_heap_map_lists_each_bucket_and_allocation() {
    let mut a = arena();
    let mut m = start(&mut a, None, "");
    let o = alloc(&mut m, "object", "props=1");
    let s = alloc(&mut m, "string", "text=\"hi\"");
    m.link(o.id, 0, Target::Object(s.id)).unwrap();
    m.root(o.id).unwrap();
    let mut before = String::new();
    m.heap_map(&mut before).unwrap();
    m.collect().unwrap();
    let mut after = String::new();
    m.heap_map(&mut after).unwrap();
    insta::assert_snapshot!(
        "microvium_heap_map",
        format!("before collection:\n{before}after runGC(true):\n{after}")
    );
}

#[test]
fn the_reference_subject_hands_microvium_cases_to_the_model() {
    let mut a = arena();
    let mut r = Reference::new(&mut a);
    assert!(r.supports(ProfileId::Microvium));
    assert_eq!(
        r.alloc(&ObjectSpec {
            kind: "object",
            params: &[]
        })
        .expect_err("no case")
        .kind,
        ErrorKind::BadArgument
    );
    r.start(
        ProfileId::Microvium,
        &HeapConfig {
            arena_bytes: 0,
            port: None,
            options: &[],
        },
    )
    .unwrap();
    let o = r
        .alloc(&ObjectSpec {
            kind: "object",
            params: &params("props=2"),
        })
        .unwrap();
    assert_eq!((o.word, o.bytes), (0x0002, 26));
    r.root(o.id).unwrap();
    r.collect().unwrap();
    let mut used = None;
    r.stats(&mut |s| {
        if s.name == memspec::subject::stat::USED {
            used = Some(s.value);
        }
    })
    .unwrap();
    assert_eq!(used, Some(14));
    // A second case starts from an empty heap in the same arena.
    r.start(
        ProfileId::Microvium,
        &HeapConfig {
            arena_bytes: 0,
            port: Some("host32"),
            options: &[],
        },
    )
    .unwrap();
    assert_eq!(
        r.alloc(&ObjectSpec {
            kind: "object",
            params: &[]
        })
        .unwrap()
        .word,
        0x0002
    );
    let e = r.start(
        ProfileId::MicropythonA32,
        &HeapConfig {
            arena_bytes: 0,
            port: None,
            options: &[],
        },
    );
    // A zero-byte arena holds no MicroPython allocation table (py/gc.c `gc_setup_area`).
    assert_eq!(e.expect_err("an empty arena").kind, ErrorKind::ArenaTooSmall);
}

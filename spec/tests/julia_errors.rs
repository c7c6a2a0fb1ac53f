//! Bad input to the Julia model gets an error value, never a panic.

use memspec::ProfileId;
use memspec::subject::{
    ErrorKind, GcOp, HeapConfig, ObjId, ObjectSpec, Param, ParamValue, Subject, SubjectError, Target,
};
use memspec_impl::julia::Julia;
use memspec_impl::julia::heap::Map;
use memspec_impl::reference::Reference;

fn alloc(j: &mut Julia<'_>, kind: &str, params: &[(&str, i128)]) -> Result<ObjId, SubjectError> {
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
    .map(|a| a.id)
}

fn kind_of<T: std::fmt::Debug>(r: Result<T, SubjectError>) -> ErrorKind {
    r.unwrap_err().kind
}

#[test]
fn an_allocation_larger_than_the_arena_is_too_large() {
    let mut arena = vec![0u8; 256 << 10];
    let mut j = Julia::new(&mut arena);
    for bytes in [1 << 20, u32::MAX as i128] {
        let e = alloc(&mut j, "raw", &[("bytes", bytes)]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooLarge, "raw bytes={bytes}: {e}");
    }
    assert_eq!(
        kind_of(alloc(
            &mut j,
            "memory",
            &[("len", u32::MAX as i128), ("elsize", 1 << 19)]
        )),
        ErrorKind::TooLarge
    );
}

#[test]
fn a_heap_full_of_live_objects_is_out_of_memory() {
    let mut arena = vec![0u8; 128 << 10];
    let mut j = Julia::new(&mut arena);
    let e = loop {
        match alloc(&mut j, "raw", &[("bytes", 3000)]) {
            Ok(id) => j.root(id).unwrap(),
            Err(e) => break e,
        }
    };
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
}

#[test]
fn an_arena_too_small_for_one_page_is_refused() {
    let mut arena = vec![0u8; 16 << 10];
    let mut j = Julia::new(&mut arena);
    let e = alloc(&mut j, "svec", &[("len", 1)]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ArenaTooSmall, "{e}");
    assert!(Map::new(16 << 10, &Default::default()).is_err());
    let mut arena = vec![0u8; 64 << 10];
    let mut r = Reference::new(&mut arena);
    let config = HeapConfig {
        arena_bytes: 1 << 20,
        port: None,
        options: &[],
    };
    assert_eq!(
        kind_of(r.start(ProfileId::Julia64, &config)),
        ErrorKind::ArenaTooSmall
    );
}

#[test]
fn unknown_kinds_and_bad_arguments_are_refused() {
    let mut arena = vec![0u8; 256 << 10];
    let mut j = Julia::new(&mut arena);
    assert_eq!(kind_of(alloc(&mut j, "list", &[])), ErrorKind::UnknownKind);
    assert_eq!(kind_of(alloc(&mut j, "svec", &[])), ErrorKind::BadArgument);
    assert_eq!(
        kind_of(alloc(&mut j, "uint16", &[("value", 70_000)])),
        ErrorKind::BadArgument
    );
    assert_eq!(
        kind_of(alloc(&mut j, "svec", &[("len", -1)])),
        ErrorKind::BadArgument
    );
    assert_eq!(
        kind_of(alloc(&mut j, "memory", &[("len", 1), ("elsize", 0)])),
        ErrorKind::BadArgument
    );
    assert_eq!(
        kind_of(alloc(&mut j, "bool", &[("value", 2)])),
        ErrorKind::BadArgument
    );
    let both = [
        Param {
            name: "text",
            value: ParamValue::Text(b"x"),
        },
        Param {
            name: "len",
            value: ParamValue::Int(1),
        },
    ];
    assert_eq!(
        kind_of(j.alloc(&ObjectSpec {
            kind: "string",
            params: &both
        })),
        ErrorKind::BadArgument
    );
}

#[test]
fn links_need_a_pointer_slot_and_an_object() {
    let mut arena = vec![0u8; 256 << 10];
    let mut j = Julia::new(&mut arena);
    let v = alloc(&mut j, "svec", &[("len", 1)]).unwrap();
    let x = alloc(&mut j, "float64", &[("value", 1)]).unwrap();
    assert_eq!(
        kind_of(j.link(v, 1, Target::Object(x))),
        ErrorKind::BadArgument,
        "slot past the end"
    );
    assert_eq!(
        kind_of(j.link(x, 0, Target::Object(v))),
        ErrorKind::BadArgument,
        "a box has no slot"
    );
    assert_eq!(
        kind_of(j.link(v, 0, Target::Word(0x1234))),
        ErrorKind::BadArgument
    );
    assert_eq!(
        kind_of(j.link(v, 0, Target::Interior(x, 8))),
        ErrorKind::BadArgument
    );
    let bits = alloc(&mut j, "vector", &[("len", 2), ("elsize", 8)]).unwrap();
    assert_eq!(
        kind_of(j.link(bits, 0, Target::Object(x))),
        ErrorKind::BadArgument,
        "bits elements"
    );
}

#[test]
fn ids_of_freed_objects_go_stale() {
    let mut arena = vec![0u8; 256 << 10];
    let mut j = Julia::new(&mut arena);
    let x = alloc(&mut j, "svec", &[("len", 1)]).unwrap();
    j.collect().unwrap();
    assert!(!j.is_live(x).unwrap());
    // The cell is used again, by an object with another id.
    let y = alloc(&mut j, "svec", &[("len", 1)]).unwrap();
    assert_ne!(x, y);
    assert!(!j.is_live(x).unwrap());
    assert_eq!(kind_of(j.root(x)), ErrorKind::NoSuchObject);
    assert_eq!(kind_of(j.link(y, 0, Target::Object(x))), ErrorKind::NoSuchObject);
    assert_eq!(kind_of(j.read_word(x, -1)), ErrorKind::NoSuchObject);
    assert_eq!(
        kind_of(j.is_live(ObjId(12_345))),
        ErrorKind::NoSuchObject,
        "never allocated"
    );
}

#[test]
fn reads_outside_an_object_are_refused() {
    let mut arena = vec![0u8; 256 << 10];
    let mut j = Julia::new(&mut arena);
    let x = alloc(&mut j, "svec", &[("len", 1)]).unwrap();
    assert_eq!(
        kind_of(j.read_word(x, 3)),
        ErrorKind::BadArgument,
        "a 32-byte cell has words -1..=2"
    );
    assert_eq!(kind_of(j.read_word(x, -2)), ErrorKind::BadArgument);
    assert_eq!(kind_of(j.read_word(x, i32::MIN)), ErrorKind::BadArgument);
    assert!(j.read_word(x, 2).is_ok());
}

#[test]
fn heap_options_ports_and_profiles_are_checked() {
    let mut arena = vec![0u8; 256 << 10];
    let mut j = Julia::new(&mut arena);
    let start = |j: &mut Julia<'_>, port, options| {
        j.start(
            ProfileId::Julia64,
            &HeapConfig {
                arena_bytes: 256 << 10,
                port,
                options,
            },
        )
    };
    assert_eq!(kind_of(start(&mut j, Some("unix"), &[])), ErrorKind::BadArgument);
    let opt = [Param {
        name: "threads",
        value: ParamValue::Int(2),
    }];
    assert_eq!(kind_of(start(&mut j, None, &opt)), ErrorKind::BadArgument);
    let minor = [Param {
        name: "collect",
        value: ParamValue::Text(b"minor"),
    }];
    start(&mut j, None, &minor).unwrap();
    let config = HeapConfig {
        arena_bytes: 1 << 16,
        port: None,
        options: &[],
    };
    assert_eq!(
        kind_of(j.start(ProfileId::MicropythonA32, &config)),
        ErrorKind::UnknownProfile
    );
    assert_eq!(kind_of(j.gc_control(GcOp::Lock)), ErrorKind::Unsupported);
}

#[test]
fn the_reference_subject_hands_julia64_to_the_julia_model() {
    let mut arena = vec![0u8; 256 << 10];
    let mut r = Reference::new(&mut arena);
    assert!(r.supports(ProfileId::Julia64));
    let config = HeapConfig {
        arena_bytes: 256 << 10,
        port: None,
        options: &[],
    };
    r.start(ProfileId::Julia64, &config).unwrap();
    let params = [Param {
        name: "len",
        value: ParamValue::Int(3),
    }];
    let a = r
        .alloc(&ObjectSpec {
            kind: "svec",
            params: &params,
        })
        .unwrap();
    assert_eq!(a.bytes, 48);
    assert_eq!(r.read_word(a.id, 0).unwrap(), 3);
}

/// The arena may hold anything when the heap starts (another model's heap, say): nothing of it is read
/// as heap state.
#[test]
fn old_bytes_in_the_arena_are_not_taken_for_objects() {
    let mut arena = vec![0xa5u8; 256 << 10];
    let mut j = Julia::new(&mut arena);
    // 0x5a5 << 20 carries the generation the 0xa5 bytes would give handle 0.
    for id in [0, 1, 5, 63, 0x5a5 << 20] {
        assert_eq!(kind_of(j.is_live(ObjId(id))), ErrorKind::NoSuchObject, "id {id}");
    }
    let x = alloc(&mut j, "svec", &[("len", 2)]).unwrap();
    assert_eq!(j.read_word(x, 1).unwrap(), 0, "a fresh slot is null");
    j.root(x).unwrap();
    j.collect().unwrap();
    assert!(j.is_live(x).unwrap());
    assert_eq!(x, ObjId(0), "the first id of a fresh heap");
}

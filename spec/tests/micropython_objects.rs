//! The reference model's MicroPython objects: heap cost and allocation count of each kind, per build.
//!
//! Each row's expected bytes are derived by hand from MicroPython v1.27.0's struct layouts and
//! allocation patterns (the `py/obj*.c` file or symbol named in each row) and the block size
//! `MICROPY_BYTES_PER_GC_BLOCK = 4 * MP_BYTES_PER_OBJ_WORD` of `py/mpconfig.h`; the formula is in the
//! row. The cost is measured as `engines/micropython/measure.mjs size` measures it on the engine: root
//! the object, collect, and read the change of `gc.mem_alloc()`, so a temporary the engine makes on the
//! way is not counted.

use memspec::ProfileId;
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Subject, stat};
use memspec_impl::micropython::MicroPython;

const A32: ProfileId = ProfileId::MicropythonA32;
const A64: ProfileId = ProfileId::MicropythonA64;
const B64: ProfileId = ProfileId::MicropythonB64;
const C32: ProfileId = ProfileId::MicropythonC32;
const D32: ProfileId = ProfileId::MicropythonD32;

/// One parameter as cases write it: `len=3`, `text=abc`, `value=2.5`.
fn param(s: &'static str) -> Param<'static> {
    let (name, v) = s.split_once('=').unwrap();
    let value = if let Ok(i) = v.parse::<i128>() {
        ParamValue::Int(i)
    } else if let Ok(f) = v.parse::<f64>() {
        ParamValue::Float(f)
    } else {
        ParamValue::Text(v.as_bytes())
    };
    Param { name, value }
}

struct Cost {
    reported: u64,
    kept: u64,
    heads: u64,
}

fn heap_figures(mp: &mut MicroPython<'_>) -> (u64, u64) {
    let (mut used, mut heads) = (0, 0);
    mp.stats(&mut |s| match s.name {
        stat::USED => used = s.value,
        stat::ALLOCATIONS => heads = s.value,
        _ => {}
    })
    .unwrap();
    (used, heads)
}

fn cost(p: ProfileId, port: Option<&str>, kind: &str, params: &[&'static str]) -> Cost {
    let params: Vec<Param<'static>> = params.iter().map(|s| param(s)).collect();
    cost_of(p, port, kind, &params)
}

/// (profile, port, kind, params, bytes, allocations, how the bytes are made and where from)
type Row = (
    ProfileId,
    Option<&'static str>,
    &'static str,
    &'static [&'static str],
    u64,
    u64,
    &'static str,
);

const ROWS: &[Row] = &[
    // --- a32: the npm WebAssembly build, BPB 16, 4-byte words, double floats ---
    (
        A32,
        None,
        "int",
        &["value=1073741823"],
        0,
        0,
        "2^30 - 1 is a small int (py/smallint.h MP_SMALL_INT_MAX)",
    ),
    (
        A32,
        None,
        "int",
        &["value=1099511627776"],
        32,
        2,
        "mpz struct 16 + 4 digits x 2 B = 8 -> 16 (mpz_set_from_ll, MPZ_NUM_DIG_FOR_LL = 64 / 16)",
    ),
    (
        A32,
        None,
        "int",
        &["value=-1073741824", "from=neg"],
        32,
        2,
        "-(1<<30) stays boxed after negation: 16 + max(2, 2) digits -> 16 (py/objint_mpz.c: unary ops never return a small int; mpz_neg_inpl)",
    ),
    (
        A32,
        None,
        "int",
        &["value=-1073741824", "from=text"],
        32,
        2,
        "int('-1073741824'): magnitude 2^30 overflows; 10 chars * 8 / 16 + 1 = 6 digits = 12 B -> 16 (mpz_set_from_str)",
    ),
    (
        A32,
        None,
        "int",
        &["value=-1073741823", "from=text"],
        0,
        0,
        "magnitude 2^30 - 1 fits a small int (mp_parse_num_integer)",
    ),
    (
        A32,
        None,
        "float",
        &["value=2.5"],
        16,
        1,
        "base 4 + pad 4 + double 8 = 16 B, one block (py/objfloat.c mp_obj_float_t, wasm32 alignof(double) = 8)",
    ),
    (
        A32,
        Some("esp32"),
        "float",
        &["value=2.5"],
        16,
        1,
        "base 4 + float 4 = 8 B -> one block (py/objfloat.c mp_obj_float_t)",
    ),
    (
        A32,
        Some("unix"),
        "float",
        &["value=2.5"],
        16,
        1,
        "i386: base 4 + double 4-aligned = 12 B -> one block (py/objfloat.c mp_obj_float_t)",
    ),
    (
        A32,
        None,
        "str",
        &["text=hello world!"],
        32,
        2,
        "struct 4 words 16 + data 12 + 1 -> 16 (mp_obj_new_str_copy)",
    ),
    (
        A32,
        None,
        "str",
        &["text=__init__"],
        0,
        0,
        "equals the static qstr __init__ (mp_obj_new_str -> qstr_find_strn)",
    ),
    (
        A32,
        None,
        "str",
        &["text=spam", "intern=1"],
        0,
        0,
        "interned by the parser: the qstr word",
    ),
    (
        A32,
        None,
        "bytes",
        &["text="],
        32,
        2,
        "bytes([]) builds through a vstr: data 0 + 1 -> 16, struct 16 (py/objstr.c bytes_make_new, \
         mp_obj_new_str_type_from_vstr); only bytes() and b'' give the ROM object",
    ),
    (
        A32,
        None,
        "bytes",
        &["text=abc"],
        32,
        2,
        "struct 16 + data 3 + 1 -> 16 (py/objstr.c mp_obj_new_bytes: NUL-terminated data)",
    ),
    (
        A32,
        None,
        "bytearray",
        &["len=0"],
        16,
        1,
        "struct 16; bytearray(0) requests 0 bytes, no block (py/objarray.c array_new, py/gc.c gc_alloc)",
    ),
    (
        A32,
        None,
        "bytearray",
        &["len=20"],
        48,
        2,
        "struct 16 + items 20 -> 32 (array_new)",
    ),
    (
        A32,
        None,
        "list",
        &["len=0"],
        32,
        2,
        "struct 16 + LIST_MIN_ALLOC 4 items x 4 B = 16 (py/objlist.c list_new)",
    ),
    (
        A32,
        None,
        "list",
        &["len=5"],
        48,
        2,
        "struct 16 + 5 items 20 -> 32 (a literal of n > 4 allocates n)",
    ),
    (
        A32,
        None,
        "list",
        &["len=4", "append=1"],
        48,
        2,
        "append to a full list doubles alloc: 8 items 32 B + struct 16 (mp_obj_list_append)",
    ),
    (
        A32,
        None,
        "list",
        &["len=0", "extend=10"],
        80,
        2,
        "extend grows to len + added + 4 = 14 items 56 -> 64, + struct 16 (list_extend)",
    ),
    (
        A32,
        None,
        "tuple",
        &["len=0"],
        0,
        0,
        "() is the ROM singleton (py/objtuple.c mp_obj_new_tuple: mp_const_empty_tuple)",
    ),
    (
        A32,
        None,
        "tuple",
        &["len=1"],
        16,
        1,
        "base + len + 1 item = 12 -> 16, inline (py/objtuple.h mp_obj_tuple_t)",
    ),
    (A32, None, "tuple", &["len=3"], 32, 1, "2 + 3 words = 20 -> 32"),
    (
        A32,
        None,
        "dict",
        &["keys=0"],
        16,
        1,
        "{} has no table (py/map.c mp_map_init with n = 0)",
    ),
    (
        A32,
        None,
        "dict",
        &["keys=1"],
        32,
        2,
        "the first key makes 2 slots x 2 words = 16 (hash_allocation_sizes)",
    ),
    (
        A32,
        None,
        "dict",
        &["keys=3"],
        48,
        2,
        "the third key grows 2 -> 4 slots = 32 B",
    ),
    (
        A32,
        None,
        "dict",
        &["keys=13"],
        160,
        2,
        "13 keys one at a time grow the table to 17 slots x 8 B = 136 -> 144, + struct 16 (hash_allocation_sizes)",
    ),
    (
        A32,
        None,
        "dict",
        &["keys=13", "literal=1"],
        128,
        2,
        "a literal presizes 13 slots = 104 -> 112, + struct 16 (BUILD_MAP 13, mp_map_init)",
    ),
    (
        A32,
        None,
        "dict",
        &["keys=5", "literal=1"],
        64,
        2,
        "a literal presizes 5 slots = 40 -> 48, + struct 16 (BUILD_MAP 5)",
    ),
    (
        A32,
        None,
        "set",
        &["len=0"],
        16,
        1,
        "set(): the table request is 0 bytes (py/objset.c mp_obj_new_set, py/map.c mp_set_init)",
    ),
    (
        A32,
        None,
        "set",
        &["len=3", "literal=1"],
        32,
        2,
        "a literal presizes 3 slots of 1 word = 12 -> 16",
    ),
    (
        A32,
        None,
        "set",
        &["len=3"],
        32,
        2,
        "adds grow 0 -> 2 -> 4 slots = 16 B",
    ),
    (
        A32,
        None,
        "function",
        &["defaults=0"],
        16,
        1,
        "fun_bc: base, context, child_table, bytecode = 16 (py/objfun.h mp_obj_fun_bc_t)",
    ),
    (
        A32,
        None,
        "function",
        &["defaults=2"],
        32,
        1,
        "4 words + 2 defaults = 24 -> 32; the defaults tuple is garbage",
    ),
    (
        A32,
        None,
        "function",
        &["kw_defaults=1"],
        64,
        3,
        "fun 4 + 1 words = 20 -> 32, kw dict 16, its 2-slot table 16",
    ),
    (
        A32,
        None,
        "closure",
        &["captured=1"],
        48,
        3,
        "cell 8 -> 16, inner fun_bc 16, closure 3 + 1 words = 16 (py/objclosure.c, py/emitglue.c mp_make_closure_from_raw_code: three allocations)",
    ),
    (
        A32,
        None,
        "closure",
        &["captured=3"],
        96,
        5,
        "3 cells 48 + fun 16 + closure 6 words = 24 -> 32",
    ),
    (
        A32,
        None,
        "bound-method",
        &[],
        16,
        1,
        "base, meth, self = 12 -> 16 (py/objboundmeth.c mp_obj_bound_meth_t)",
    ),
    (
        A32,
        None,
        "instance",
        &[],
        16,
        1,
        "base + members map 3 words = 16; no table until an attribute (py/objtype.c mp_obj_new_instance)",
    ),
    (
        A32,
        None,
        "raw",
        &["bytes=17"],
        32,
        1,
        "ceil(17 / 16) = 2 blocks (gc_alloc)",
    ),
    // --- a64: unix x86-64, BPB 32, 8-byte words, 32-bit mpz digits ---
    (
        A64,
        None,
        "int",
        &["value=4611686018427387903"],
        0,
        0,
        "2^62 - 1 is a small int (py/smallint.h MP_SMALL_INT_MAX)",
    ),
    (
        A64,
        None,
        "int",
        &["value=1180591620717411303424"],
        64,
        2,
        "2^70 as text: 22 chars * 8 / 32 + 1 = 6 digits x 4 B = 24 -> 32, + struct 32",
    ),
    (
        A64,
        None,
        "float",
        &["value=2.5"],
        32,
        1,
        "base 8 + double 8 = 16 -> one 32-byte block",
    ),
    (
        A64,
        None,
        "list",
        &["len=0"],
        64,
        2,
        "struct 32 + 4 items x 8 B = 32",
    ),
    (A64, None, "tuple", &["len=3"], 64, 1, "2 + 3 words = 40 -> 64"),
    (
        A64,
        None,
        "str",
        &["text=hello world!"],
        64,
        2,
        "struct 32 + 13 B data -> 32",
    ),
    (
        A64,
        None,
        "dict",
        &["keys=5", "literal=1"],
        128,
        2,
        "struct 32 + 5 slots x 16 B = 80 -> 96",
    ),
    (
        A64,
        None,
        "closure",
        &["captured=1"],
        96,
        3,
        "cell 16 -> 32, fun 32, closure 32",
    ),
    // --- b64: as a64, REPR_B ---
    (
        B64,
        None,
        "int",
        &["value=2305843009213693952"],
        64,
        2,
        "2^61 is past B's 2^61 - 1: struct 32 + 2 digits x 4 B -> 32 (MPZ_NUM_DIG_FOR_LL = 64 / 32)",
    ),
    (B64, None, "list", &["len=0"], 64, 2, "as a64"),
    // --- c32: a REPR_C board build, single floats in the word, MPZ with 16-bit digits ---
    (
        C32,
        None,
        "float",
        &["value=2.5"],
        0,
        0,
        "REPR_C keeps a 30-bit float in the word (py/obj.h mp_obj_new_float, REPR_C)",
    ),
    (C32, None, "int", &["value=1099511627776"], 32, 2, "as a32"),
    (C32, None, "list", &["len=3"], 32, 2, "as a32"),
    (
        C32,
        Some("unix"),
        "int",
        &["value=1099511627776"],
        16,
        1,
        "unix longlong variant: base 4 + long long 4-aligned = 12 -> 16 (py/objint.h mp_obj_int_t, longlong)",
    ),
    // --- d32: the unix nanbox variant, BPB 32, 8-byte mp_obj_t, 4-byte pointers ---
    (
        D32,
        None,
        "float",
        &["value=2.5"],
        0,
        0,
        "REPR_D keeps the double in the word (py/obj.h mp_obj_new_float, REPR_D)",
    ),
    (
        D32,
        None,
        "int",
        &["value=70368744177664"],
        64,
        2,
        "2^46 is past D's range: struct 16 -> 32, 4 digits x 2 B -> 32",
    ),
    (
        D32,
        None,
        "list",
        &["len=0"],
        64,
        2,
        "struct 4 x 4 B = 16 -> 32, 4 items x 8 B = 32",
    ),
    (
        D32,
        None,
        "tuple",
        &["len=3"],
        32,
        1,
        "header 8 + 3 x 8 = 32 (py/objtuple.h mp_obj_tuple_t: base 4 + len 4, 8-byte mp_obj_t items in REPR_D)",
    ),
    (
        D32,
        None,
        "dict",
        &["keys=1"],
        64,
        2,
        "struct 16 -> 32, 1 slot x 16 B -> 32",
    ),
    (
        D32,
        None,
        "closure",
        &["captured=1"],
        96,
        3,
        "cell 4 + 8 -> 32, fun 16 -> 32, closure 4 + 8 + 4 + 8 = 24 -> 32",
    ),
    (D32, None, "bound-method", &[], 32, 1, "base 4 + 8 + 8 = 20 -> 32"),
];

#[test]
fn every_kind_costs_what_its_layout_says() {
    let mut failures = Vec::new();
    for (p, port, kind, params, bytes, allocations, how) in ROWS {
        let c = cost(*p, *port, kind, params);
        if (c.reported, c.kept, c.heads) != (*bytes, *bytes, *allocations) {
            failures.push(format!(
                "{} {} {kind} {params:?}: reported {} B, kept {} B in {} allocations; expected {bytes} B in \
                 {allocations} ({how})",
                p.name(),
                port.unwrap_or("default"),
                c.reported,
                c.kept,
                c.heads
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_str_equal_to_a_qstr_returns_the_qstr_word() {
    // py/objstr.c mp_obj_new_str: qstr_find_strn first. "__init__" is qstr 17 (static_qstr_list).
    let mut mem = vec![0u8; 4096];
    let mut mp = MicroPython::new(&mut mem);
    let cfg = HeapConfig {
        arena_bytes: 4096,
        port: None,
        options: &[],
    };
    mp.start(A32, &cfg).unwrap();
    let a = mp
        .alloc(&ObjectSpec {
            kind: "str",
            params: &[param("text=__init__")],
        })
        .unwrap();
    assert_eq!(a.word, 17 << 3 | 2);
    // After interning, the same text costs nothing either.
    let b = mp
        .alloc(&ObjectSpec {
            kind: "str",
            params: &[param("text=eggs"), param("intern=1")],
        })
        .unwrap();
    let c = mp
        .alloc(&ObjectSpec {
            kind: "str",
            params: &[param("text=eggs")],
        })
        .unwrap();
    assert_eq!((b.word, c.bytes), (c.word, 0));
}

#[test]
fn the_words_of_a_list_are_its_struct() {
    // py/objlist.h: base, alloc, len, items. The first word is the type pointer, the map shows `L`.
    let mut mem = vec![0u8; 4096];
    let mut mp = MicroPython::new(&mut mem);
    let cfg = HeapConfig {
        arena_bytes: 4096,
        port: None,
        options: &[],
    };
    mp.start(A32, &cfg).unwrap();
    let l = mp
        .alloc(&ObjectSpec {
            kind: "list",
            params: &[param("len=2")],
        })
        .unwrap();
    assert_eq!(mp.read_word(l.id, 1).unwrap(), 4, "alloc is LIST_MIN_ALLOC");
    assert_eq!(mp.read_word(l.id, 2).unwrap(), 2, "len");
    let items = mp.read_word(l.id, 3).unwrap();
    assert_eq!(items, l.word + 16, "the item array is the next block");
    let mut map = String::new();
    mp.heap_map(&mut map).unwrap();
    assert!(map.contains("00000000: Lh."), "{map}");
}

#[test]
fn a_mpz_records_sign_alloc_len_and_digits() {
    // py/mpz.h: {neg:1, fixed_dig:1, alloc:W-2}, len, dig; digits little-endian, 16 bits each here.
    let mut mem = vec![0u8; 4096];
    let mut mp = MicroPython::new(&mut mem);
    let cfg = HeapConfig {
        arena_bytes: 4096,
        port: None,
        options: &[],
    };
    mp.start(A32, &cfg).unwrap();
    // -0x1234_5678_9abc: three 16-bit digits, allocated as MPZ_NUM_DIG_FOR_LL = 4.
    let i = mp
        .alloc(&ObjectSpec {
            kind: "int",
            params: &[param("value=-20015998343868")],
        })
        .unwrap();
    assert_eq!(mp.read_word(i.id, 1).unwrap(), 1 | 4 << 2, "neg = 1, alloc = 4");
    assert_eq!(mp.read_word(i.id, 2).unwrap(), 3, "len");
    let dig = mp.read_word(i.id, 3).unwrap();
    assert_eq!(dig, i.word + 16);
}

#[test]
fn bad_kinds_and_arguments_are_errors() {
    let mut mem = vec![0u8; 4096];
    let mut mp = MicroPython::new(&mut mem);
    let cfg = HeapConfig {
        arena_bytes: 4096,
        port: None,
        options: &[],
    };
    mp.start(A32, &cfg).unwrap();
    let e = mp
        .alloc(&ObjectSpec {
            kind: "frozenset",
            params: &[],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownKind, "{e}");
    for (kind, params, what) in [
        ("list", &[][..], "missing len"),
        ("list", &[param("len=-1")][..], "negative len"),
        ("list", &[param("len=abc")][..], "text for a count"),
        ("list", &[param("length=3")][..], "unknown parameter"),
        (
            "raw",
            &[param("bytes=4"), param("finaliser=2")][..],
            "flag not 0 or 1",
        ),
        ("int", &[][..], "missing value"),
        ("int", &[param("value=1.5")][..], "a float for an int"),
        (
            "int",
            &[param("value=5"), param("from=octal")][..],
            "unknown from",
        ),
        (
            "int",
            &[param("value=99999999999999999999999"), param("from=ll")][..],
            "from=ll past 64 bits",
        ),
        ("float", &[param("value=abc")][..], "text for a float"),
        ("str", &[param("text=5")][..], "an integer for a text"),
        (
            "closure",
            &[param("captured=0")][..],
            "a closure that captures nothing",
        ),
        (
            "closure",
            &[param("captured=256")][..],
            "more than MAKE_CLOSURE's byte",
        ),
    ] {
        let e = mp.alloc(&ObjectSpec { kind, params }).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadArgument, "{what}: {e}");
    }
    let bad_utf8 = [Param {
        name: "text",
        value: ParamValue::Text(&[0xff, 0xfe]),
    }];
    let e = mp
        .alloc(&ObjectSpec {
            kind: "str",
            params: &bad_utf8,
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
}

#[test]
fn a_request_past_the_heap_is_out_of_memory_and_an_impossible_one_too_large() {
    let mut mem = vec![0u8; 4096];
    let mut mp = MicroPython::new(&mut mem);
    let cfg = HeapConfig {
        arena_bytes: 4096,
        port: Some("unix"),
        options: &[],
    };
    mp.start(A32, &cfg).unwrap();
    let e = mp
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &[param("bytes=8192")],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    let e = mp
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &[Param {
                name: "bytes",
                value: ParamValue::Int(usize::MAX as i128),
            }],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge, "{e}");
    let e = mp
        .alloc(&ObjectSpec {
            kind: "list",
            params: &[Param {
                name: "len",
                value: ParamValue::Int(usize::MAX as i128 / 2),
            }],
        })
        .unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::BadArgument | ErrorKind::TooLarge),
        "{e}"
    );
    // The long-long build refuses what long long cannot hold (OverflowError).
    let cfg = HeapConfig {
        arena_bytes: 4096,
        port: Some("unix"),
        options: &[],
    };
    mp.start(C32, &cfg).unwrap();
    let e = mp
        .alloc(&ObjectSpec {
            kind: "int",
            params: &[param("value=99999999999999999999999")],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
}

#[test]
fn the_handle_table_is_bounded_and_says_so() {
    let mut mem = vec![0u8; 64 * 1024];
    let mut mp = MicroPython::<'_, 4>::with_handles(&mut mem);
    let cfg = HeapConfig {
        arena_bytes: 64 * 1024,
        port: None,
        options: &[],
    };
    mp.start(A32, &cfg).unwrap();
    for _ in 0..4 {
        mp.alloc(&ObjectSpec {
            kind: "int",
            params: &[param("value=1")],
        })
        .unwrap();
    }
    let used = mp.info().unwrap().used;
    let e = mp
        .alloc(&ObjectSpec {
            kind: "list",
            params: &[param("len=1")],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    assert!(e.detail.as_str().contains("handle table"), "{e}");
    assert_eq!(
        mp.info().unwrap().used,
        used,
        "a refused call leaves the heap as it was"
    );
}

// ---- against the specification's size tables ----

/// The arguments of a size-table entry, as cases write them: `len=3 literal=1`, `text="abc"`.
fn parse_args(args: &str) -> Vec<Param<'static>> {
    let mut out = Vec::new();
    let mut rest = args.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').expect("name=value");
        let name: &'static str = Box::leak(name.trim().to_string().into_boxed_str());
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').expect("a closing quote");
            let text = unescape(&q[..end]);
            (
                ParamValue::Text(Box::leak(text.into_boxed_slice())),
                &q[end + 1..],
            )
        } else {
            let (v, next) = after.split_once(' ').unwrap_or((after, ""));
            let value = match v.parse::<i128>() {
                Ok(i) => ParamValue::Int(i),
                Err(_) => ParamValue::Float(v.parse().expect("an int or a float")),
            };
            (value, next)
        };
        out.push(Param { name, value });
        rest = next.trim_start();
    }
    out
}

fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            out.push(u8::from_str_radix(&s[i + 2..i + 4], 16).expect("two hex digits"));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn every_size_in_the_specification_is_what_the_model_allocates() {
    // Each entry names its own source: a measurement on the WebAssembly port (a32) or the struct
    // layouts of py/ (the others); the model is built from the engine's sources on its own.
    let mut failures = Vec::new();
    let mut checked = 0;
    for p in [A32, A64, B64, C32, D32] {
        let profile = p
            .profile()
            .unwrap_or_else(|| panic!("{} has spec tables", p.name()));
        assert!(!profile.sizes.is_empty(), "{}", p.name());
        for e in profile.sizes {
            let params = parse_args(e.args);
            let c = cost_of(p, None, e.kind, &params);
            checked += 1;
            if (c.reported, c.kept, c.heads) != (e.bytes, e.bytes, u64::from(e.allocations)) {
                failures.push(format!(
                    "{} {} {}: model reported {} B, kept {} B in {} allocations; the spec says {} B in {} ({}; {})",
                    p.name(), e.kind, e.args, c.reported, c.kept, c.heads, e.bytes, e.allocations, e.formula, e.source
                ));
            }
        }
    }
    assert!(checked > 100, "only {checked} entries");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The cost of one object, measured as `engines/micropython/measure.mjs size` measures it on the engine.
fn cost_of(p: ProfileId, port: Option<&str>, kind: &str, params: &[Param<'_>]) -> Cost {
    let mut mem = vec![0u8; 64 * 1024];
    let mut mp = MicroPython::new(&mut mem);
    let cfg = HeapConfig {
        arena_bytes: 64 * 1024,
        port,
        options: &[],
    };
    mp.start(p, &cfg).unwrap();
    let (used0, heads0) = heap_figures(&mut mp);
    let a = mp.alloc(&ObjectSpec { kind, params }).unwrap();
    mp.root(a.id).unwrap();
    mp.collect().unwrap();
    let (used1, heads1) = heap_figures(&mut mp);
    Cost {
        reported: a.bytes,
        kept: used1 - used0,
        heads: heads1 - heads0,
    }
}

//! Bad input never panics the reference implementation: any sequence of subject calls, with odd
//! arguments (arena sizes from 0 to 2^64 - 1, unknown ports and options, integers at the edges of
//! i128, NaN, unknown kinds, ids and slots of no object, words of any bits), gets answers or error
//! values. The object kinds and arguments of every profile's size table are tried too, with one
//! argument replaced by an edge value, so the calls reach past argument checking into the heaps.

use memspec::ProfileId;
use memspec::profile::PROFILES;
use memspec::subject::{GcOp, HeapConfig, ObjId, ObjectSpec, Param, ParamValue, Subject, Target, Value};
use memspec_impl::reference::Reference;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// Kinds of every engine, and one no engine has.
const KINDS: &[&str] = &[
    "array",
    "bool",
    "bound-method",
    "bytearray",
    "bytes",
    "closure",
    "complex",
    "dict",
    "ellipsis",
    "float",
    "function",
    "instance",
    "int",
    "list",
    "memory",
    "mutable-tuple",
    "object",
    "raw",
    "set",
    "singleton",
    "str",
    "string",
    "struct",
    "svec",
    "tuple",
    "uint8array",
    "vector",
    "no-such-kind",
];

/// Argument names the models read, and one none reads.
const ARGS: &[&str] = &[
    "len",
    "bytes",
    "text",
    "value",
    "keys",
    "layout",
    "capacity",
    "kw_defaults",
    "defaults",
    "captured",
    "slots",
    "elsize",
    "real",
    "imag",
    "words",
    "from",
    "literal",
    "type",
    "set-length",
    "no-such-arg",
];

/// Start options the models read, and one none reads.
const OPTIONS: &[&str] = &[
    "base",
    "heapsize",
    "finaliser",
    "weakref",
    "conservative_clear",
    "collect_retval",
    "max_new_split",
    "mpz_digit_bits",
    "gc_stack",
    "settrace",
    "bucket",
    "max-heap",
    "host-base",
    "safe-mode",
    "engine-bugs",
    "squeeze",
    "debug",
    "gas-counter",
    "no-such-option",
];

const PORTS: &[Option<&str>] = &[
    None,
    Some("unix"),
    Some("windows"),
    Some("esp32"),
    Some("webassembly"),
    Some("host32"),
    Some("host64"),
    Some("no-such-port"),
];

const NAMED: &[&str] = &[
    "None",
    "True",
    "False",
    "NotImplemented",
    "Ellipsis",
    "undefined",
    "null",
    "NaN",
    "-0",
    "deleted",
    "Unbound",
    "",
    "no-such-constant",
];

/// Integers at and beside every edge a model checks.
fn edge_int() -> impl Strategy<Value = i128> {
    prop_oneof![
        3 => prop::sample::select(vec![
            0,
            1,
            -1,
            i128::MAX,
            i128::MIN,
            u64::MAX as i128,
            i64::MIN as i128,
            i64::MAX as i128,
            u32::MAX as i128,
            1 << 32,
            1 << 31,
            u16::MAX as i128,
            1 << 16,
            8191,
            8192,
            -8193,
        ]),
        1 => -4i128..300,
        1 => any::<i64>().prop_map(i128::from),
    ]
}

fn arg_value() -> impl Strategy<Value = ParamValue<'static>> {
    prop_oneof![
        4 => edge_int().prop_map(ParamValue::Int),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, -0.0, 1e300, 2.5]).prop_map(ParamValue::Float),
        1 => prop::sample::select(vec![&b""[..], b"ab", b"length", b"\xff\xfe", &[b'x'; 300]])
            .prop_map(ParamValue::Text),
    ]
}

fn args(names: &'static [&'static str]) -> impl Strategy<Value = Vec<Param<'static>>> {
    prop::collection::vec(
        (prop::sample::select(names), arg_value()).prop_map(|(name, value)| Param { name, value }),
        0..4,
    )
}

/// The kinds and arguments of every profile's size table.
fn table_rows() -> Vec<(&'static str, Vec<Param<'static>>)> {
    let mut rows = Vec::new();
    for p in PROFILES {
        for e in p.sizes {
            let params = e
                .args
                .split_whitespace()
                .filter_map(|a| a.split_once('='))
                .map(|(name, v)| {
                    let value = match (v.strip_prefix('"'), v.parse::<i128>(), v.parse::<f64>()) {
                        (Some(t), _, _) => ParamValue::Text(t.trim_end_matches('"').as_bytes()),
                        (None, Ok(i), _) => ParamValue::Int(i),
                        (None, _, Ok(f)) => ParamValue::Float(f),
                        _ => ParamValue::Text(v.as_bytes()),
                    };
                    Param { name, value }
                })
                .collect();
            rows.push((e.kind, params));
        }
    }
    rows
}

#[derive(Clone, Debug)]
enum Call {
    Start(ProfileId, u64, Option<&'static str>, Vec<Param<'static>>),
    Encode(Value<'static>),
    Decode(u64),
    Alloc(&'static str, Vec<Param<'static>>),
    Link(u32, u32, Target),
    Root(u32),
    Unroot(u32),
    Collect,
    Stats,
    HeapMap,
    IsLive(u32),
    Gc(GcOp),
    Read(u32, i32),
}

fn value() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![
        edge_int().prop_map(|i| Value::Int(i as i64)),
        any::<f64>().prop_map(Value::Float),
        any::<u64>().prop_map(Value::Qstr),
        prop::sample::select(vec![&b""[..], b"abcdefgh", b"abcdefghi"]).prop_map(Value::Str),
        prop::sample::select(vec![&b""[..], b"\x00\xff", b"123456789"]).prop_map(Value::Bytes),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(NAMED).prop_map(Value::Named),
        any::<u8>().prop_map(Value::Error),
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (0u32..12).prop_map(|o| Target::Object(ObjId(o))),
        (0u32..12, prop_oneof![0u32..40, any::<u32>()]).prop_map(|(o, off)| Target::Interior(ObjId(o), off)),
        any::<u64>().prop_map(Target::Word),
        Just(Target::Empty),
    ]
}

fn call(rows: &'static [(&'static str, Vec<Param<'static>>)]) -> impl Strategy<Value = Call> {
    let table_alloc = (
        0..rows.len(),
        prop::option::of((any::<prop::sample::Index>(), edge_int())),
    )
        .prop_map(move |(row, edge)| {
            let (kind, params) = &rows[row];
            let mut params = params.clone();
            if let (Some((at, v)), false) = (edge, params.is_empty()) {
                let i = at.index(params.len());
                params[i].value = ParamValue::Int(v);
            }
            Call::Alloc(kind, params)
        });
    prop_oneof![
        1 => (prop::sample::select(&ProfileId::ALL[..]), prop_oneof![0u64..300_000, any::<u64>()],
              prop::sample::select(PORTS), args(OPTIONS))
            .prop_map(|(p, bytes, port, opts)| Call::Start(p, bytes, port, opts)),
        2 => value().prop_map(Call::Encode),
        2 => any::<u64>().prop_map(Call::Decode),
        8 => table_alloc,
        4 => (prop::sample::select(KINDS), args(ARGS)).prop_map(|(k, a)| Call::Alloc(k, a)),
        3 => (0u32..12, prop_oneof![0u32..10, any::<u32>()], target()).prop_map(|(o, s, t)| Call::Link(o, s, t)),
        2 => (0u32..12).prop_map(Call::Root),
        1 => (0u32..12).prop_map(Call::Unroot),
        2 => Just(Call::Collect),
        1 => Just(Call::Stats),
        1 => Just(Call::HeapMap),
        1 => (0u32..12).prop_map(Call::IsLive),
        1 => prop::sample::select(vec![GcOp::Lock, GcOp::Unlock, GcOp::Disable, GcOp::Enable]).prop_map(Call::Gc),
        2 => (0u32..12, prop_oneof![-4i32..8, any::<i32>()]).prop_map(|(o, i)| Call::Read(o, i)),
    ]
}

/// Makes every call; each answer, value or error, is dropped: only a panic fails.
fn make(subject: &mut dyn Subject, calls: &[Call]) {
    for c in calls {
        let _ = match c {
            Call::Start(p, bytes, port, opts) => subject
                .start(
                    *p,
                    &HeapConfig {
                        arena_bytes: *bytes,
                        port: *port,
                        options: opts,
                    },
                )
                .map(drop),
            Call::Encode(v) => subject.encode(v).map(drop),
            Call::Decode(w) => subject.decode(*w).map(drop),
            Call::Alloc(kind, params) => subject.alloc(&ObjectSpec { kind, params }).map(drop),
            Call::Link(o, s, t) => subject.link(ObjId(*o), *s, *t),
            Call::Root(o) => subject.root(ObjId(*o)),
            Call::Unroot(o) => subject.unroot(ObjId(*o)),
            Call::Collect => subject.collect().map(drop),
            Call::Stats => subject.stats(&mut |_| {}),
            Call::HeapMap => subject.heap_map(&mut String::new()),
            Call::IsLive(o) => subject.is_live(ObjId(*o)).map(drop),
            Call::Gc(op) => subject.gc_control(*op),
            Call::Read(o, i) => subject.read_word(ObjId(*o), *i).map(drop),
        };
    }
}

fn rows() -> &'static [(&'static str, Vec<Param<'static>>)] {
    static ROWS: std::sync::OnceLock<Vec<(&'static str, Vec<Param<'static>>)>> = std::sync::OnceLock::new();
    ROWS.get_or_init(table_rows)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4096,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_call_with_odd_arguments_panics_a_reference_model(
        arena in prop_oneof![Just(0usize), 1usize..600, 4096usize..70_000, 200_000usize..300_000],
        profile in prop::sample::select(&ProfileId::ALL[..]),
        port in prop::sample::select(PORTS),
        options in args(OPTIONS),
        calls in prop::collection::vec(call(rows()), 0..60),
    ) {
        let mut mem = vec![0u8; arena];
        let mut r = Reference::new(&mut mem);
        let start = Call::Start(profile, arena as u64, port, options);
        make(&mut r, std::slice::from_ref(&start));
        make(&mut r, &calls);
    }
}

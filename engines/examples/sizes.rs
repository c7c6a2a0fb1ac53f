//! Heap bytes each object kind takes in the real engines, measured: the figures the specification's
//! size tables and the reference implementation are compared with.
//! `cargo run -p memspec-engines --example sizes`

use memspec::ProfileId;
use memspec::subject::{HeapConfig, ObjectSpec, Param, ParamValue, Subject};
use memspec_engines::micropython::wasm;
use memspec_engines::microvium::{c32, node};

fn int(name: &'static str, v: i128) -> Param<'static> {
    Param {
        name,
        value: ParamValue::Int(v),
    }
}

fn show(subject: &mut dyn Subject, profile: ProfileId, kinds: &[(&str, Vec<Param<'static>>)]) {
    let config = HeapConfig {
        arena_bytes: 0,
        port: None,
        options: &[],
    };
    for (kind, params) in kinds {
        let args: Vec<String> = params
            .iter()
            .map(|p| match p.value {
                ParamValue::Int(i) => format!("{}={i}", p.name),
                ParamValue::Float(f) => format!("{}={f}", p.name),
                ParamValue::Text(t) => format!("{}={:?}", p.name, String::from_utf8_lossy(t)),
            })
            .collect();
        let spec = ObjectSpec { kind, params };
        let got = subject
            .start(profile, &config)
            .and_then(|()| subject.alloc(&spec));
        match got {
            Ok(a) => println!(
                "{:<16} {kind:<11} {:<16} {:>5} bytes  word {:#x}",
                subject.name(),
                args.join(" "),
                a.bytes,
                a.word
            ),
            Err(e) => println!(
                "{:<16} {kind:<11} {:<16} error: {e}",
                subject.name(),
                args.join(" ")
            ),
        }
    }
}

fn main() {
    let text = |t: &'static str| Param {
        name: "text",
        value: ParamValue::Text(t.as_bytes()),
    };
    let float = |f: f64| Param {
        name: "value",
        value: ParamValue::Float(f),
    };
    let mp: Vec<(&str, Vec<Param<'static>>)> = vec![
        ("list", vec![int("len", 0)]),
        ("list", vec![int("len", 5)]),
        ("tuple", vec![int("len", 0)]),
        ("tuple", vec![int("len", 3)]),
        ("dict", vec![int("len", 0)]),
        ("dict", vec![int("len", 1)]),
        ("set", vec![int("len", 0)]),
        ("str", vec![text("memspec probe text")]),
        ("bytes", vec![text("memspec probe")]),
        ("bytearray", vec![int("len", 0)]),
        ("bytearray", vec![int("len", 20)]),
        ("float", vec![float(2.5)]),
        ("int", vec![int("value", 1 << 40)]),
        ("int", vec![int("value", 7)]),
        ("instance", vec![]),
    ];
    show(&mut wasm::subject(), ProfileId::MicropythonA32, &mp);
    let mv: Vec<(&str, Vec<Param<'static>>)> = vec![
        ("object", vec![]),
        ("object", vec![int("props", 2)]),
        ("array", vec![int("len", 0)]),
        ("array", vec![int("len", 5)]),
        ("string", vec![int("len", 1)]),
        ("string", vec![int("len", 6)]),
        ("number", vec![int("value", 8191)]),
        ("number", vec![int("value", 8192)]),
        ("uint8array", vec![int("len", 3)]),
        ("closure", vec![]),
    ];
    show(&mut node::subject(), ProfileId::Microvium, &mv);
    show(&mut c32::subject(), ProfileId::Microvium, &mv);
}

//! Helpers shared by the Microvium integration tests: starting the model, parsing case-style
//! arguments (`len=2 capacity=5`, `text="ab"`), and reading the virtual heap as words.
#![allow(dead_code)] // Each test file uses a different subset of these helpers.

use memspec::ProfileId;
use memspec::subject::{Allocation, HeapConfig, ObjectSpec, Param, ParamValue, Subject};
use memspec_impl::microvium::Microvium;

/// Bytes of arena the tests give the model: room for a 64 KiB heap, its to-space and the table.
pub const ARENA_BYTES: usize = 192 * 1024;

/// A fresh arena.
pub fn arena() -> Vec<u8> {
    vec![0; ARENA_BYTES]
}

/// Parses `name=value` arguments separated by spaces: integers (decimal or `0x`), floats (with a
/// `.`, or `inf`), and `"text"`.
pub fn params(args: &str) -> Vec<Param<'_>> {
    args.split_whitespace()
        .map(|tok| {
            let (name, value) = tok
                .split_once('=')
                .unwrap_or_else(|| panic!("argument {tok:?} has no ="));
            let value = if let Some(t) = value.strip_prefix('"') {
                ParamValue::Text(t.strip_suffix('"').expect("closing quote").as_bytes())
            } else if let Some(h) = value.strip_prefix("0x") {
                ParamValue::Int(i128::from_str_radix(h, 16).expect("hex"))
            } else if value == "inf" {
                ParamValue::Float(f64::INFINITY)
            } else if value.contains('.') || value.contains('e') {
                ParamValue::Float(value.parse().expect("float"))
            } else {
                ParamValue::Int(value.parse().expect("int"))
            };
            Param { name, value }
        })
        .collect()
}

/// Starts a Microvium case with `options` (`name=value ...`) on `port`.
pub fn start<'a>(arena: &'a mut [u8], port: Option<&str>, options: &str) -> Microvium<'a> {
    let mut m = Microvium::new(arena);
    let opts = params(options);
    m.start(
        ProfileId::Microvium,
        &HeapConfig {
            arena_bytes: 0,
            port,
            options: &opts,
        },
    )
    .expect("start");
    m
}

/// Allocates `kind` with `args`.
pub fn alloc(m: &mut Microvium<'_>, kind: &str, args: &str) -> Allocation {
    let p = params(args);
    m.alloc(&ObjectSpec { kind, params: &p })
        .unwrap_or_else(|e| panic!("alloc {kind} {args}: {e}"))
}

/// The virtual heap as words, as `measure.mjs` prints it: `c004 0005 0005`.
pub fn heap_words(m: &Microvium<'_>) -> String {
    let used = m.heap_used().expect("heap size");
    (0..used as u16)
        .step_by(2)
        .map(|at| format!("{:04x}", m.heap_word(at).expect("heap word")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The figure named `name` of a `stats` step.
pub fn stat(m: &mut Microvium<'_>, name: &str) -> u64 {
    let mut found = None;
    m.stats(&mut |s| {
        if s.name == name {
            found = Some(s.value);
        }
    })
    .expect("stats");
    found.unwrap_or_else(|| panic!("no stat {name}"))
}

//! Helpers of the Microvium integration tests: starting the model with case-style options and
//! arguments (`len=2 capacity=5`, `text="ab"`), and reading the virtual heap as words.

use memspec::ProfileId;
use memspec::subject::{Allocation, ObjectSpec, Subject};
use memspec_impl::microvium::Microvium;

use super::params;

/// Bytes of arena the tests give the model: room for a 64 KiB heap, its to-space and the table.
pub const ARENA_BYTES: usize = 192 * 1024;

/// A fresh arena.
pub fn arena() -> Vec<u8> {
    vec![0; ARENA_BYTES]
}

/// Starts a Microvium case with `options` (`name=value ...`) on `port`.
pub fn start<'a>(arena: &'a mut [u8], port: Option<&str>, options: &str) -> Microvium<'a> {
    let opts = params(options);
    super::started(Microvium::new(arena), ProfileId::Microvium, 0, port, &opts)
        .unwrap_or_else(|e| panic!("start {options}: {e}"))
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

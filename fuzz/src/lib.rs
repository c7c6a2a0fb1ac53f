//! Fuzz targets: each takes any bytes and must return without a panic, a hang or unbounded memory.
//!
//! One function per reader of outside input: the case parser (case files are written by users),
//! the process-protocol request decoder (`memspec serve` reads whatever a harness sends), report
//! loading (`memspec report show/merge`, `--failed`) and the vector-set decoder (`.set` files, the
//! firmware's frames). `cargo xtask fuzz` runs each under AFL++ (the binaries in `src/bin/`,
//! instrumented by `xtask`); `tests/found.rs` replays every committed input, one named test each.
//!
//! ## Quick start
//!
//! `cargo xtask fuzz [TARGET] [--seconds N]` runs the targets under AFL++;
//! `cargo test -p memspec-fuzz --test found` replays what they found.
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.

use std::io::Cursor;

use memspec_conformance::report::Report;
use memspec_conformance::subjects::reference::RefFactory;

/// A fuzz target: any bytes in, nothing out.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as `cargo xtask fuzz NAME` and the folders under `fuzz/` name them.
pub const TARGETS: [(&str, Target); 4] = [
    ("case_parser", case_parser),
    ("protocol_decoder", protocol_decoder),
    ("report_load", report_load),
    ("vector_decoder", vector_decoder),
];

/// The bytes as text, as the readers get it from a file (invalid UTF-8 is refused before them).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A case file under `micropython/fuzz/`.
pub fn case_parser(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = memspec_conformance::case::parse("fuzz.case", "micropython", "fuzz", "input", t);
    }
}

/// Requests to `memspec serve` (the reference implementation behind the process protocol).
pub fn protocol_decoder(data: &[u8]) {
    let mut answers = Vec::new();
    let _ = memspec_conformance::serve::serve(&RefFactory, Cursor::new(data), &mut answers);
}

/// A JSON report, as `memspec report show` loads it.
pub fn report_load(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = Report::parse("fuzz.json", t);
    }
}

/// A vector-set file, as the QEMU and board runners read it.
pub fn vector_decoder(data: &[u8]) {
    let _ = memspec_hil::set::VectorSet::read(data);
}

/// The body of each target's executable: reads stdin whole, runs the target, and aborts on a
/// panic so that the fuzzer sees a crash.
pub fn main_of(target: Target) {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{info}");
        std::process::abort();
    }));
    let mut data = Vec::new();
    if std::io::Read::read_to_end(&mut std::io::stdin(), &mut data).is_ok() {
        target(&data);
    }
}

//! memspec-engines: real engines as memspec subjects.
//!
//! | subject | engine | profile |
//! |---|---|---|
//! | `micropython-wasm` | the npm WebAssembly port 1.27.0, in one node process | `micropython-a32` |
//! | `micropython-exec` | any MicroPython executable (`--micropython PATH`), through its REPL on a pseudo-terminal | detected from the engine |
//! | `micropython-serial` | a board running MicroPython, through its raw REPL on a serial port | detected from the engine |
//! | `microvium-node` | the npm package `microvium` 8.0.0: its native C VM, in one node process | `microvium` |
//! | `microvium-c32` | the C engine the npm package ships, built with `gcc -m32` at test time | `microvium` |
//!
//! Each is a [`memspec::subject::Subject`]. Nothing here downloads anything: a missing engine is a
//! [`locate::Missing`] that names the subject and the command that installs it, and a subject call
//! made without its engine fails with that message.
//!
//! ## Quick start
//!
//! ```sh
//! cargo memspec engines                              # which of them can run here, and how to install the rest
//! cargo memspec run --subject micropython-wasm       # the corpus against the WebAssembly port
//! cargo memspec run --subject micropython-exec --micropython ./micropython
//! ```
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.

pub mod child;
pub mod locate;
pub mod micropython;
pub mod microvium;
pub mod pty;
pub mod subjects;

/// `bytes` as lowercase hex, two digits a byte: how the drivers take text and bytes on their
/// line protocols.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

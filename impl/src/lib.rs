//! memspec-impl: a reference implementation of each memspec profile's value encoding, heap and
//! garbage collector, over a caller-given byte arena.
//!
//! No `std`, no allocator, no `unsafe`: a heap lives in a `&mut [u8]` read and written as
//! little-endian words of the profile's width, so a 32-bit layout is exact on a 64-bit host and on a
//! 32-bit microcontroller alike. The constants here are derived from the engines' own sources,
//! independently of the `memspec` tables, so that a test of one against the other can fail.
//!
//! ## Quick start
//!
//! `memspec_impl::reference::Reference` is every profile's model behind one
//! [`memspec::subject::Subject`]; the conformance harness lends it to each case as the subject
//! `ref`:
//!
//! ```sh
//! cargo memspec run --profile micropython-a32   # the corpus against this implementation
//! cargo memspec serve                           # the same over the process protocol
//! ```
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.
#![no_std]
#![forbid(unsafe_code)]

pub mod arena;
pub mod julia;
pub mod micropython;
pub mod microvium;
pub mod reference;
pub mod skybison;

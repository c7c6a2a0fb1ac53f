//! Vectors: plans of memspec [`Step`](memspec::step::Step)s going down to a firmware, and the
//! observations coming back, in a compact, versioned, checksummed encoding that needs no allocator.
//!
//! * [`frame`]: how records travel over a byte stream (magic, length, payload, CRC-32), and a
//!   [`Deframer`](frame::Deframer) that skips and names what is not a frame.
//! * [`plan`]: the down records: a set header, vectors (an id, a name, steps), the end of a set.
//! * [`record`]: the up records: each step's outcome or error, heap figures, heap-map text, broken
//!   laws, and the counts that close a vector.
//! * [`wire`]: the primitive field encodings and the checked [`Reader`](wire::Reader).
//!
//! The same code runs on the host, under QEMU and on the board.
//!
//! ## Quick start
//!
//! the firmware replays the corpus as vectors: `cargo xtask qemu` under QEMU,
//! `cargo xtask hil` on an ESP32-C3 board (see `hil/README.md`).
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.
#![no_std]
#![forbid(unsafe_code)]

pub mod crc;
pub mod frame;
pub mod plan;
pub mod record;
pub mod wire;

/// The version of the vector and record encoding. It changes whenever a record, a step or an outcome
/// is encoded differently; a firmware and a host of different versions refuse each other's frames.
pub const FORMAT_VERSION: u16 = 1;

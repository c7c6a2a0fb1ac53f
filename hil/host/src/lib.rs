//! The host side of memspec's replay on target.
//!
//! * [`generate`]: the fixed-seed generator of property inputs (host only).
//! * [`cases`]: the conformance corpus as vectors.
//! * [`set`]: vector sets, the set file the firmware reads, and the host's own replay of a set.
//! * [`transcript`]: an observation stream cut into frames and sorted by vector.
//! * [`verdict`]: target against host, byte for byte, one trial per vector; the JSON report.
//! * [`qemu`]: the QEMU runner, with a hard timeout.
//! * `board` (feature `board`): the ESP32-C3 runner through probe-rs, and the flash image.
//!
//! ## Quick start
//!
//! `cargo xtask qemu` replays the corpus under QEMU and `cargo xtask hil` on an
//! ESP32-C3 board (see `hil/README.md`).
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.

pub mod cases;
pub mod generate;
pub mod qemu;
pub mod set;
pub mod transcript;
pub mod verdict;

#[cfg(feature = "board")]
pub mod board;

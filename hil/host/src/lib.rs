//! The host side of memspec's replay on target.
//!
//! * [`generate`]: the fixed-seed generator of property inputs (host only).
//! * [`cases`]: the conformance corpus as vectors.
//! * [`set`]: vector sets, the set file the firmware reads, and the host's own replay of a set.
//! * [`transcript`]: an observation stream cut into frames and sorted by vector.
//! * [`verdict`]: target against host, byte for byte, one trial per vector; the JSON report.
//! * [`qemu`]: the QEMU runner, with a hard timeout.
//! * `board` (feature `board`): the ESP32-C3 runner through probe-rs, and the flash image.

pub mod cases;
pub mod generate;
pub mod qemu;
pub mod set;
pub mod transcript;
pub mod verdict;

#[cfg(feature = "board")]
pub mod board;

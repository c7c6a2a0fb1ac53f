//! # The bytecode image
//!
//! A snapshot is one little-endian image, which can sit in ROM: the VM reads it in place and copies
//! only the globals and the initial heap into RAM. It starts with a 28-byte header:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | `bytecodeVersion` (8 for engine 8.x) |
//! | 1 | 1 | `headerSize` (28) |
//! | 2 | 1 | `requiredEngineVersion` |
//! | 3 | 1 | reserved |
//! | 4 | 2 | `bytecodeSize`, header included |
//! | 6 | 2 | CRC-16 (CCITT) of bytes 8 to the end |
//! | 8 | 4 | `requiredFeatureFlags` (the 8.0.0 compiler writes 3) |
//! | 12 | 16 | offsets of the 8 sections |
//!
//! The sections follow in this order: import table, export table, short-call table, builtins
//! (7 values), string table (sorted interned-string references), ROM (read-only allocations, bodies
//! 4-byte aligned), GLOBALS, HEAP. The empty program's image is 46 bytes: the header, 14 bytes of
//! builtins and 4 bytes of globals.

use super::evidence::{SNAPSHOT, measured};
use crate::evidence::Evidence;

/// Bytes of the image header (`mvm_TsBytecodeHeader`).
pub const HEADER_BYTES: u16 = 28;

/// Bytes of the empty program's image.
pub const EMPTY_IMAGE_BYTES: u16 = 46;

/// Bytes of the builtins section: 7 values.
pub const BUILTINS_BYTES: u16 = 14;

/// Where the image figures come from (`headerSize 28`, `size 46`, section offsets 28 28 28 28 42 42 42 46).
pub const IMAGE_SOURCE: Evidence = measured(SNAPSHOT);

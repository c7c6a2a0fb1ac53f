//! memspec-impl: a reference implementation of each memspec profile's value encoding, heap and
//! garbage collector, over a caller-given byte arena.
//!
//! No `std`, no allocator, no `unsafe`: a heap lives in a `&mut [u8]` read and written as
//! little-endian words of the profile's width, so a 32-bit layout is exact on a 64-bit host and on a
//! 32-bit microcontroller alike. The constants here are derived from the engines' own sources,
//! independently of the `memspec` tables, so that a test of one against the other can fail.
#![no_std]
#![forbid(unsafe_code)]

pub mod arena;
pub mod julia;
pub mod micropython;
pub mod microvium;
pub mod reference;
pub mod skybison;

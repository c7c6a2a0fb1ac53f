//! Newtypes for the numbers the heap mixes up most easily: addresses and block indices. Byte offsets
//! into the arena are [`crate::arena::Offset`].

use core::fmt;

/// An address as the engine sees it: a pointer into the area or into ROM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Addr(pub u64);

impl Addr {
    /// The address `bytes` further on (wrapping: an address past the end fails every bounds check).
    pub const fn add(self, bytes: usize) -> Addr {
        Addr(self.0.wrapping_add(bytes as u64))
    }
}

impl fmt::LowerHex for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

/// The index of a block in the pool (block 0 is at `gc_pool_start`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Block(pub usize);

impl Block {
    /// The block `n` blocks further on (saturating: past the pool every block reads as FREE).
    pub const fn add(self, n: usize) -> Block {
        Block(self.0.saturating_add(n))
    }
}

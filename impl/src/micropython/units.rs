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

/// An area's place in the heap's list of areas, in the engine's order: 0 is the area `gc_init` set
/// up (`MP_STATE_MEM(area)`), then each area `gc_add` appended, in the order they were added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AreaIx(pub usize);

impl AreaIx {
    /// The area `gc_init` set up.
    pub const FIRST: AreaIx = AreaIx(0);
}

/// A block of one area: the pair `(area, block)` the engine's collector passes around
/// (`gc_mark_subtree(area, block)`, `gc_area_stack` beside `gc_block_stack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BlockAt {
    /// The area.
    pub area: AreaIx,
    /// The block, counted from that area's pool start.
    pub block: Block,
}

impl BlockAt {
    /// Block `block` of area `area`.
    pub const fn new(area: AreaIx, block: Block) -> BlockAt {
        BlockAt { area, block }
    }

    /// Block `block` of the area `gc_init` set up.
    pub const fn first(block: Block) -> BlockAt {
        BlockAt::new(AreaIx::FIRST, block)
    }

    /// The block `n` blocks further on in the same area.
    pub const fn add(self, n: usize) -> BlockAt {
        BlockAt::new(self.area, self.block.add(n))
    }
}

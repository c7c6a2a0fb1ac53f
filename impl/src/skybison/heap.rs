//! The heap: the caller's arena split into two semispaces, one of which is bump-allocated.
//!
//! Skybison maps a fresh space for every scavenge (`Scavenger::scavenge` makes
//! `new Space(from_->size())` and deletes the old one); over a fixed arena the model alternates
//! between two halves. A fresh anonymous mapping reads as zero, so an allocation clears the bytes
//! it takes (the model's halves are reused), and a copy overwrites every byte of its allocation:
//! what lies below the bump pointer is what the engine has there, and a scavenge costs in
//! proportion to what it copies, not to the size of the half. Nothing reads past the bump pointer. Addresses are byte offsets into the arena. Each half starts on a 16-byte boundary and
//! every allocation is a multiple of 16 bytes, so every allocation starts 16-aligned, as in
//! `Space::allocate` over page-aligned memory.

use crate::arena::{Arena, Offset, WordBytes};

use super::error::{Error, Result};

/// Bytes of a word (`kPointerSize`).
pub const WORD_BYTES: u64 = 8;
/// The allocation granule in bytes (`kObjectAlignment`).
pub const GRANULE_BYTES: u64 = 16;

/// A byte address in the heap: an offset into the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address(pub u64);

impl Address {
    /// `self + bytes`, if it does not overflow.
    pub const fn plus(self, bytes: u64) -> Option<Address> {
        match self.0.checked_add(bytes) {
            Some(a) => Some(Address(a)),
            None => None,
        }
    }

    /// `self - bytes`, if it does not go below 0.
    pub const fn minus(self, bytes: u64) -> Option<Address> {
        match self.0.checked_sub(bytes) {
            Some(a) => Some(Address(a)),
            None => None,
        }
    }

    /// Bytes from `earlier` to `self` (0 if `earlier` is later).
    pub const fn since(self, earlier: Address) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// One semispace: `start .. end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    /// First byte.
    pub start: Address,
    /// One past the last byte.
    pub end: Address,
}

impl Space {
    /// Whether `a` lies in the space (`Space::contains`).
    pub const fn contains(&self, a: Address) -> bool {
        self.start.0 <= a.0 && a.0 < self.end.0
    }

    /// Size in bytes.
    pub const fn bytes(&self) -> u64 {
        self.end.since(self.start)
    }
}

/// Two semispaces over an arena, and the bump pointer of the current one.
#[derive(Debug)]
pub struct Heap<'a> {
    arena: Arena<'a>,
    spaces: [Space; 2],
    current: usize,
    fill: Address,
}

impl<'a> Heap<'a> {
    /// A heap over the whole of `bytes`.
    pub fn new(bytes: &'a mut [u8]) -> Result<Heap<'a>> {
        let len = bytes.len() as u64;
        Self::with_len(bytes, len)
    }

    /// Bytes of each semispace for a heap over `len` bytes of an arena of `arena_len` bytes: half
    /// of `len`, rounded down to the granule. Fails when `len` is more than the arena or too
    /// small for two semispaces of one granule.
    pub const fn semispace_bytes(arena_len: u64, len: u64) -> Result<u64> {
        let needed = 2 * GRANULE_BYTES;
        if len > arena_len || len < needed {
            return Err(Error::ArenaTooSmall {
                bytes: if arena_len < len { arena_len } else { len },
                needed: if needed > len { needed } else { len },
            });
        }
        Ok(len / 2 / GRANULE_BYTES * GRANULE_BYTES)
    }

    /// A heap over the first `len` bytes of `bytes`; the rest stays untouched (allocations clear
    /// what they take). Check [`semispace_bytes`](Self::semispace_bytes) first to keep the
    /// arena on failure.
    pub fn with_len(bytes: &'a mut [u8], len: u64) -> Result<Heap<'a>> {
        let half = Self::semispace_bytes(bytes.len() as u64, len)?;
        let spaces = [
            Space {
                start: Address(0),
                end: Address(half),
            },
            Space {
                start: Address(half),
                end: Address(2 * half),
            },
        ];
        Ok(Heap {
            arena: Arena::new(bytes),
            spaces,
            current: 0,
            fill: Address(0),
        })
    }

    /// Gives the arena back.
    pub fn into_arena(self) -> &'a mut [u8] {
        self.arena.into_inner()
    }

    /// The semispace allocations come from.
    pub const fn space(&self) -> Space {
        self.spaces[self.current]
    }

    /// The other semispace: where the next scavenge copies to.
    pub const fn other_space(&self) -> Space {
        self.spaces[1 - self.current]
    }

    /// The bump pointer: the next allocation starts here.
    pub const fn fill(&self) -> Address {
        self.fill
    }

    /// Bytes allocated in the current semispace.
    pub const fn used_bytes(&self) -> u64 {
        self.fill.since(self.space().start)
    }

    /// Bytes left in the current semispace.
    pub const fn free_bytes(&self) -> u64 {
        self.space().end.since(self.fill)
    }

    /// Takes `bytes` (a multiple of the granule) from the current semispace (`Space::allocate`).
    pub fn allocate(&mut self, bytes: u64) -> Result<Address> {
        if bytes == 0 || !bytes.is_multiple_of(GRANULE_BYTES) {
            return Err(Error::BadArgument {
                what: "allocation size must be a positive multiple of 16 bytes",
                value: i128::from(bytes),
            });
        }
        let free = self.free_bytes();
        if bytes > free {
            return Err(Error::OutOfMemory {
                requested: bytes,
                free,
            });
        }
        let at = self.fill;
        self.fill_bytes(at, bytes, 0)?;
        self.fill = Address(at.0 + bytes);
        Ok(at)
    }

    /// Whether `a` lies in the allocated part of the current semispace (`Space::isAllocated`).
    pub const fn is_allocated(&self, a: Address) -> bool {
        self.space().start.0 <= a.0 && a.0 < self.fill.0
    }

    fn offset(at: Address, len: u64) -> Result<Offset> {
        usize::try_from(at.0)
            .ok()
            .filter(|_| usize::try_from(len).is_ok())
            .map(Offset)
            .ok_or(Error::OutOfBounds { at: at.0, len })
    }

    /// The word at `at`.
    pub fn word(&self, at: Address) -> Result<u64> {
        self.arena
            .word(Self::offset(at, WORD_BYTES)?, WordBytes::Eight)
            .ok_or(Error::OutOfBounds {
                at: at.0,
                len: WORD_BYTES,
            })
    }

    /// Writes the word at `at`.
    pub fn set_word(&mut self, at: Address, value: u64) -> Result<()> {
        self.arena
            .set_word(Self::offset(at, WORD_BYTES)?, WordBytes::Eight, value)
            .ok_or(Error::OutOfBounds {
                at: at.0,
                len: WORD_BYTES,
            })
    }

    /// The `len` bytes at `at`.
    pub fn bytes(&self, at: Address, len: u64) -> Result<&[u8]> {
        self.arena
            .slice(Self::offset(at, len)?, len as usize)
            .ok_or(Error::OutOfBounds { at: at.0, len })
    }

    /// Copies `data` to `at`.
    pub fn write_bytes(&mut self, at: Address, data: &[u8]) -> Result<()> {
        let len = data.len() as u64;
        self.arena
            .slice_mut(Self::offset(at, len)?, data.len())
            .ok_or(Error::OutOfBounds { at: at.0, len })?
            .copy_from_slice(data);
        Ok(())
    }

    /// Fills `len` bytes at `at` with `byte`.
    pub fn fill_bytes(&mut self, at: Address, len: u64, byte: u8) -> Result<()> {
        self.arena
            .fill(Self::offset(at, len)?, len as usize, byte)
            .ok_or(Error::OutOfBounds { at: at.0, len })
    }

    /// Copies `len` bytes from `from` to `to`.
    pub fn copy(&mut self, from: Address, to: Address, len: u64) -> Result<()> {
        let (f, t) = (Self::offset(from, len)?, Self::offset(to, len)?);
        self.arena
            .copy_within(f, t, len as usize)
            .ok_or(Error::OutOfBounds { at: from.0, len })
    }

    /// Starts a flip: returns the other semispace, which copies fill from its start. Allocation in
    /// it goes through [`bump_other`](Self::bump_other) until [`finish_flip`](Self::finish_flip).
    pub(super) fn begin_flip(&mut self) -> Space {
        self.other_space()
    }

    /// Takes `bytes` at `*to_fill` in the other semispace (the scavenger's `to_->allocate`).
    pub(super) fn bump_other(&self, to_fill: &mut Address, bytes: u64) -> Result<Address> {
        let to = self.other_space();
        let free = to.end.since(*to_fill);
        if bytes > free {
            return Err(Error::OutOfMemory {
                requested: bytes,
                free,
            });
        }
        let at = *to_fill;
        *to_fill = Address(at.0 + bytes);
        Ok(at)
    }

    /// Ends a flip: the other semispace, filled up to `to_fill`, becomes the current one.
    pub(super) fn finish_flip(&mut self, to_fill: Address) {
        self.current = 1 - self.current;
        self.fill = to_fill;
    }
}

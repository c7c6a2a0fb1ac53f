//! The heap: one area in a caller-given arena, its allocation table, finaliser table and pool.
//!
//! Blocks carry no header. The state of block `b` is two bits of the ATB, byte `b / 4`, bits
//! `2·(b mod 4)` and `2·(b mod 4) + 1` ([`Kind`]). An allocation is one HEAD followed by zero or more
//! TAILs. The FTB has one bit per block, byte `b / 8`, bit `b mod 8`, set for a HEAD whose object has a
//! finaliser; the WTB (v1.28+) likewise marks objects with weak references.
//!
//! Words are read and written little-endian: pointers at the CPU's pointer width, `mp_obj_t` values at
//! their own width (8 bytes in REPR_D, where pointers are 4).

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::area::{Area, BLOCKS_PER_ATB, BLOCKS_PER_FTB};
use super::config::{Config, GC_STACK_ENTRIES_MAX};
use super::units::{Addr, Block};
use crate::arena::{Arena, Offset, WordBytes};

/// The state of a block in the ATB (`AT_FREE`, `AT_HEAD`, `AT_TAIL`, `AT_MARK`, `py/gc.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `AT_FREE = 0`: a free block.
    Free = 0,
    /// `AT_HEAD = 1`: the first block of an allocation.
    Head = 1,
    /// `AT_TAIL = 2`: a continuation block.
    Tail = 2,
    /// `AT_MARK = 3`: a HEAD marked during a collection.
    Mark = 3,
}

impl Kind {
    const fn from_bits(b: u8) -> Kind {
        match b & 3 {
            0 => Kind::Free,
            1 => Kind::Head,
            2 => Kind::Tail,
            _ => Kind::Mark,
        }
    }
}

/// Bit `GC_COLLECT_FLAG` of `gc_lock_depth`: a collection is running (`py/gc.h`).
const GC_COLLECT_FLAG: u32 = 1;
/// `gc_lock` adds `1 << GC_LOCK_DEPTH_SHIFT` (`py/gc.h`).
const GC_LOCK_DEPTH_SHIFT: u32 = 1;

/// One area of MicroPython's GC heap over a borrowed arena.
#[derive(Debug)]
pub struct Heap<'a> {
    mem: &'a mut [u8],
    /// The build.
    pub cfg: Config,
    /// The split of the area.
    pub area: Area,
    /// `gc_last_free_atb_index`: the ATB byte where the next search for free blocks begins.
    pub(crate) last_free_atb_index: usize,
    /// `gc_last_used_block`: the highest block known to be in use; bounds the sweep.
    pub(crate) last_used_block: usize,
    /// `gc_lock_depth`: lock count above bit 0, bit 0 set while collecting.
    pub(crate) lock_depth: u32,
    /// `gc_auto_collect_enabled` (`gc.enable()` / `gc.disable()`).
    pub(crate) auto_collect: bool,
    /// `gc_block_stack`: the mark stack.
    pub(crate) stack: [usize; GC_STACK_ENTRIES_MAX],
    /// `gc_stack_overflow`: the mark stack overflowed; the ATB must be rescanned.
    pub(crate) stack_overflow: bool,
}

impl<'a> Heap<'a> {
    /// Sets up a heap over the first `arena_bytes` bytes of `mem`, as `gc_init` does.
    pub fn new(
        mem: &'a mut [u8],
        cfg: Config,
        arena_bytes: u64,
    ) -> Result<Heap<'a>, (SubjectError, &'a mut [u8])> {
        let len = mem.len();
        let area = match usize::try_from(arena_bytes) {
            Ok(n) if n <= len => Area::setup(&cfg, n),
            _ => Err(SubjectError::new(
                ErrorKind::ArenaTooSmall,
                format_args!("the case asks for a heap of {arena_bytes} bytes; the arena has {len}"),
            )),
        };
        let area = match area {
            Ok(a) => a,
            Err(e) => return Err((e, mem)),
        };
        let heap = Heap {
            mem,
            cfg,
            area,
            last_free_atb_index: 0,
            last_used_block: 0,
            lock_depth: 0,
            auto_collect: true,
            stack: [0; GC_STACK_ENTRIES_MAX],
            stack_overflow: false,
        };
        // gc_setup_area clears the ATB, the gap byte, the FTB and the WTB; Area::setup checked they fit.
        let n = area.table_bytes();
        if let Some(t) = heap.mem.get_mut(..n) {
            t.fill(0);
        }
        Ok(heap)
    }

    /// Gives the arena back.
    pub fn into_inner(self) -> &'a mut [u8] {
        self.mem
    }

    /// The arena, for bounds-checked reads and writes.
    pub fn arena(&mut self) -> Arena<'_> {
        Arena::new(self.mem)
    }

    /// The whole arena, read-only.
    pub fn bytes(&self) -> &[u8] {
        self.mem
    }

    /// The state of block `b`. Past the last block the gap byte reads as FREE, as in the engine.
    pub fn kind(&self, b: Block) -> Kind {
        let byte = self.mem.get(b.0 / BLOCKS_PER_ATB).copied().unwrap_or(0);
        Kind::from_bits(byte >> (2 * (b.0 % BLOCKS_PER_ATB)))
    }

    /// Sets the state of block `b` (inside the pool).
    pub(crate) fn set_kind(&mut self, b: Block, k: Kind) {
        if b.0 >= self.area.blocks {
            return;
        }
        if let Some(byte) = self.mem.get_mut(b.0 / BLOCKS_PER_ATB) {
            let shift = 2 * (b.0 % BLOCKS_PER_ATB);
            *byte = (*byte & !(3 << shift)) | ((k as u8) << shift);
        }
    }

    /// The raw ATB byte `i`.
    pub fn atb_byte(&self, i: usize) -> u8 {
        if i < self.area.atb_bytes {
            self.mem.get(i).copied().unwrap_or(0)
        } else {
            0
        }
    }

    fn side_bit(&self, table: Offset, b: Block) -> bool {
        self.mem
            .get(table.0 + b.0 / BLOCKS_PER_FTB)
            .is_some_and(|byte| byte >> (b.0 % BLOCKS_PER_FTB) & 1 == 1)
    }

    fn set_side_bit(&mut self, table: Offset, b: Block, on: bool) {
        if let Some(byte) = self.mem.get_mut(table.0 + b.0 / BLOCKS_PER_FTB) {
            let bit = 1 << (b.0 % BLOCKS_PER_FTB);
            if on {
                *byte |= bit;
            } else {
                *byte &= !bit;
            }
        }
    }

    /// The FTB bit of block `b` (always clear without finalisers).
    pub fn ftb(&self, b: Block) -> bool {
        self.cfg.finaliser && b.0 < self.area.blocks && self.side_bit(self.area.ftb_offset(), b)
    }

    pub(crate) fn set_ftb(&mut self, b: Block, on: bool) {
        if self.cfg.finaliser && b.0 < self.area.blocks {
            self.set_side_bit(self.area.ftb_offset(), b, on);
        }
    }

    /// The FTB byte `i` (0 without finalisers).
    pub(crate) fn ftb_byte(&self, i: usize) -> u8 {
        if self.cfg.finaliser && i < self.area.ftb_bytes {
            self.mem.get(self.area.ftb_offset().0 + i).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// The WTB bit of block `b` (always clear without weak references).
    pub fn wtb(&self, b: Block) -> bool {
        self.cfg.weakref && b.0 < self.area.blocks && self.side_bit(self.area.wtb_offset(), b)
    }

    /// Sets the WTB bit of a HEAD (`gc_weakref_mark`).
    pub fn set_wtb(&mut self, b: Block, on: bool) {
        if self.cfg.weakref && b.0 < self.area.blocks {
            self.set_side_bit(self.area.wtb_offset(), b, on);
        }
    }

    /// The number of blocks of the allocation whose HEAD is `b`: the HEAD and the TAILs after it.
    pub fn chain_blocks(&self, b: Block) -> usize {
        let mut n = 1;
        while self.kind(b.add(n)) == Kind::Tail {
            n += 1;
        }
        n
    }

    /// Whether an allocation may collect or free now: `gc_lock_depth` is zero.
    pub const fn is_locked(&self) -> bool {
        self.lock_depth != 0
    }

    /// Whether `gc_lock` is held (the collection flag aside).
    pub(crate) const fn lock_held(&self) -> bool {
        self.lock_depth & !GC_COLLECT_FLAG != 0
    }

    /// `gc_lock()`.
    pub fn lock(&mut self) {
        self.lock_depth = self.lock_depth.saturating_add(1 << GC_LOCK_DEPTH_SHIFT);
    }

    /// `gc_unlock()`; an unlock without a lock is an error rather than the engine's wrap-around.
    pub fn unlock(&mut self) -> SubjectResult<()> {
        if !self.lock_held() {
            return Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("gc_unlock without gc_lock: the lock depth is already 0"),
            ));
        }
        self.lock_depth -= 1 << GC_LOCK_DEPTH_SHIFT;
        Ok(())
    }

    pub(crate) fn begin_collect(&mut self) {
        self.lock_depth |= GC_COLLECT_FLAG;
        self.stack_overflow = false;
    }

    pub(crate) fn end_collect(&mut self) {
        self.lock_depth &= !GC_COLLECT_FLAG;
    }

    /// `gc.enable()` / `gc.disable()`.
    pub fn set_auto_collect(&mut self, on: bool) {
        self.auto_collect = on;
    }

    /// `gc.isenabled()`.
    pub const fn auto_collect(&self) -> bool {
        self.auto_collect
    }

    fn offset(&self, a: Addr, len: usize) -> Option<Offset> {
        let off = self.area.offset_of(a)?;
        (off.0.checked_add(len)? <= self.mem.len()).then_some(off)
    }

    /// The pointer-wide word at `a`.
    pub fn read_ptr(&self, a: Addr) -> Option<u64> {
        self.read(a, self.cfg.ptr_bytes)
    }

    /// The `mp_obj_t` at `a`.
    pub fn read_obj(&self, a: Addr) -> Option<u64> {
        self.read(a, self.cfg.obj_bytes)
    }

    /// The little-endian word of `width` at `a`.
    pub fn read(&self, a: Addr, width: WordBytes) -> Option<u64> {
        let off = self.offset(a, width.get())?;
        let src = self.mem.get(off.0..off.0 + width.get())?;
        let mut buf = [0u8; 8];
        buf[..src.len()].copy_from_slice(src);
        Some(u64::from_le_bytes(buf))
    }

    /// Writes a pointer-wide word at `a`.
    pub(crate) fn write_ptr(&mut self, a: Addr, v: u64) -> Option<()> {
        self.write(a, self.cfg.ptr_bytes, v)
    }

    /// Writes an `mp_obj_t` at `a`.
    pub(crate) fn write_obj(&mut self, a: Addr, v: u64) -> Option<()> {
        self.write(a, self.cfg.obj_bytes, v)
    }

    /// Writes the little-endian word `v` (cut to `width`) at `a`.
    pub(crate) fn write(&mut self, a: Addr, width: WordBytes, v: u64) -> Option<()> {
        let off = self.offset(a, width.get())?;
        self.arena().set_word(off, width, v)
    }

    /// Writes `bytes` at `a`.
    pub(crate) fn write_bytes(&mut self, a: Addr, bytes: &[u8]) -> Option<()> {
        let off = self.offset(a, bytes.len())?;
        self.mem
            .get_mut(off.0..off.0 + bytes.len())?
            .copy_from_slice(bytes);
        Some(())
    }

    /// Zeroes `len` bytes at `a`.
    pub(crate) fn zero(&mut self, a: Addr, len: usize) -> Option<()> {
        let off = self.offset(a, len)?;
        self.mem.get_mut(off.0..off.0 + len)?.fill(0);
        Some(())
    }

    /// Copies `len` bytes from `from` to `to`.
    pub(crate) fn copy(&mut self, from: Addr, to: Addr, len: usize) -> Option<()> {
        let f = self.offset(from, len)?;
        let t = self.offset(to, len)?;
        self.arena().copy_within(f, t, len)
    }
}

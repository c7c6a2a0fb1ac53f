//! The heap: its areas in a caller-given arena, each with its allocation table, finaliser table and
//! pool.
//!
//! The arena is one span of addresses from [`Config::arena_base`]: the area `gc_init` set up at its
//! start (`heapsize` bytes, the whole arena unless the case says less), and after it the host memory
//! new areas come from where the port grows the heap (`MICROPY_GC_SPLIT_HEAP_AUTO`, see
//! [`host`](super::host)).
//! A block is named by its area and its index in that area's pool ([`BlockAt`]).
//!
//! Blocks carry no header. The state of block `b` is two bits of the ATB, byte `b / 4`, bits
//! `2·(b mod 4)` and `2·(b mod 4) + 1` ([`Kind`]). An allocation is one HEAD followed by zero or more
//! TAILs. The FTB has one bit per block, byte `b / 8`, bit `b mod 8`, set for a HEAD whose object has a
//! finaliser; the WTB (v1.28+) likewise marks objects with weak references.
//!
//! Words are read and written little-endian: pointers at the CPU's pointer width, `mp_obj_t` values at
//! their own width (8 bytes in REPR_D, where pointers are 4).

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::area::{Area, AreaList, BLOCKS_PER_ATB, BLOCKS_PER_FTB};
use super::config::{Config, GC_STACK_ENTRIES_MAX};
use super::host::{Chunk, Host};
use super::units::{Addr, AreaIx, Block, BlockAt};
use crate::arena::{Arena, Offset, WordBytes, le_word};

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

/// MicroPython's GC heap over a borrowed arena.
#[derive(Debug)]
pub struct Heap<'a> {
    /// The arena.
    pub(crate) mem: &'a mut [u8],
    /// The build.
    pub cfg: Config,
    /// The areas, in the engine's list order.
    pub(crate) areas: AreaList,
    /// `gc_last_free_area`: the area where the next search for free blocks begins.
    pub(crate) last_free_area: AreaIx,
    /// The host memory new areas come from.
    pub(crate) host: Host,
    /// `gc_lock_depth`: lock count above bit 0, bit 0 set while collecting.
    pub(crate) lock_depth: u32,
    /// `gc_auto_collect_enabled` (`gc.enable()` / `gc.disable()`).
    pub(crate) auto_collect: bool,
    /// `gc_block_stack` and `gc_area_stack`: the mark stack.
    pub(crate) stack: [BlockAt; GC_STACK_ENTRIES_MAX],
    /// `gc_stack_overflow`: the mark stack overflowed; the ATBs must be rescanned.
    pub(crate) stack_overflow: bool,
}

impl<'a> Heap<'a> {
    /// Sets up a heap over the first `arena_bytes` bytes of `mem`, as `gc_init` does: its first area is
    /// `cfg.heap_bytes` of them (all of them when `None`), the rest is host memory for new areas.
    pub fn new(
        mem: &'a mut [u8],
        cfg: Config,
        arena_bytes: u64,
    ) -> Result<Heap<'a>, (SubjectError, &'a mut [u8])> {
        let (area, heap_bytes, arena_bytes) = match Self::first_area(mem.len(), &cfg, arena_bytes) {
            Ok(a) => a,
            Err(e) => return Err((e, mem)),
        };
        let mut heap = Heap {
            mem,
            host: Host::new(&cfg, heap_bytes, arena_bytes),
            cfg,
            areas: AreaList::new(area),
            last_free_area: AreaIx::FIRST,
            lock_depth: 0,
            auto_collect: true,
            stack: [BlockAt::default(); GC_STACK_ENTRIES_MAX],
            stack_overflow: false,
        };
        heap.clear_tables(&area);
        Ok(heap)
    }

    /// What [`new`](Self::new) makes, made in place over the same arena (no heap moved or
    /// built anew); the mark stack is scratch, written before it is read, and stays as it is.
    pub(crate) fn reset(&mut self, cfg: Config, arena_bytes: u64) -> SubjectResult<()> {
        let (area, heap_bytes, arena_bytes) = Self::first_area(self.mem.len(), &cfg, arena_bytes)?;
        self.host = Host::new(&cfg, heap_bytes, arena_bytes);
        self.cfg = cfg;
        self.areas.reset(area);
        self.last_free_area = AreaIx::FIRST;
        self.lock_depth = 0;
        self.auto_collect = true;
        self.stack_overflow = false;
        self.clear_tables(&area);
        Ok(())
    }

    /// The area `gc_init` sets up in an arena of `len` bytes, with the heap's and the arena's bytes.
    fn first_area(len: usize, cfg: &Config, arena_bytes: u64) -> SubjectResult<(Area, usize, usize)> {
        let heap_bytes = cfg.heap_bytes.unwrap_or(arena_bytes);
        match (usize::try_from(arena_bytes), usize::try_from(heap_bytes)) {
            (Ok(n), Ok(h)) if n <= len && h <= n => Area::setup(cfg, h).map(|a| (a, h, n)),
            (Ok(n), _) if n <= len => Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!(
                    "a first area (heapsize) of {heap_bytes} bytes does not fit in the arena of {arena_bytes}"
                ),
            )),
            _ => Err(SubjectError::new(
                ErrorKind::ArenaTooSmall,
                format_args!("the case asks for a heap of {arena_bytes} bytes; the arena has {len}"),
            )),
        }
    }

    /// `gc_setup_area` clears the ATB, the gap byte, the FTB and the WTB; `Area::split` checked they
    /// fit in the area.
    pub(crate) fn clear_tables(&mut self, area: &Area) {
        let at = area.atb_offset().0;
        if let Some(t) = self.mem.get_mut(at..at.saturating_add(area.table_bytes())) {
            t.fill(0);
        }
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

    /// The whole arena, for the collector's table walks.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        self.mem
    }

    /// The areas, in the engine's list order.
    pub fn areas(&self) -> &[Area] {
        self.areas.as_slice()
    }

    /// The area `gc_init` set up.
    pub fn area(&self) -> &Area {
        // The list always holds the first area: only areas after it are ever removed.
        self.areas.as_slice().first().unwrap_or(&Area::EMPTY)
    }

    fn area_of(&self, ix: AreaIx) -> &Area {
        self.areas.get(ix).unwrap_or(&Area::EMPTY)
    }

    /// The host chunks the added areas live in.
    pub(crate) fn chunks(&self) -> impl Iterator<Item = Chunk> + '_ {
        self.areas().iter().filter_map(|a| a.chunk)
    }

    /// `MICROPY_BYTES_PER_GC_BLOCK` in bytes.
    pub const fn bytes_per_block(&self) -> usize {
        self.cfg.bytes_per_block()
    }

    /// The block a pointer refers to, when the engine would take it for one (`gc_get_ptr_area` and
    /// `BLOCK_FROM_PTR`): aligned on a block and inside a pool, the areas looked at in list order.
    pub fn block_of(&self, ptr: u64) -> Option<BlockAt> {
        let ix = self.areas.holding(ptr)?;
        let block = self.area_of(ix).block_of(ptr)?;
        Some(BlockAt::new(ix, block))
    }

    /// The address of a block's first byte (`PTR_FROM_BLOCK`).
    pub fn block_addr(&self, at: BlockAt) -> Addr {
        self.area_of(at.area).block_addr(at.block)
    }

    /// The state of a block. Past an area's last block the gap byte reads as FREE, as in the engine.
    pub fn kind(&self, at: BlockAt) -> Kind {
        let area = self.area_of(at.area);
        if at.block.0 >= area.blocks {
            return Kind::Free;
        }
        let byte = self
            .mem
            .get(area.atb_offset().0 + at.block.0 / BLOCKS_PER_ATB)
            .copied()
            .unwrap_or(0);
        Kind::from_bits(byte >> (2 * (at.block.0 % BLOCKS_PER_ATB)))
    }

    /// Sets the state of a block (inside its area's pool).
    pub(crate) fn set_kind(&mut self, at: BlockAt, k: Kind) {
        let area = *self.area_of(at.area);
        if at.block.0 >= area.blocks {
            return;
        }
        if let Some(byte) = self
            .mem
            .get_mut(area.atb_offset().0 + at.block.0 / BLOCKS_PER_ATB)
        {
            let shift = 2 * (at.block.0 % BLOCKS_PER_ATB);
            *byte = (*byte & !(3 << shift)) | ((k as u8) << shift);
        }
    }

    /// The raw ATB byte `i` of area `ix`.
    pub fn atb_byte(&self, ix: AreaIx, i: usize) -> u8 {
        let area = self.area_of(ix);
        if i < area.atb_bytes {
            self.mem.get(area.atb_offset().0 + i).copied().unwrap_or(0)
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

    /// The FTB bit of a block (always clear without finalisers).
    pub fn ftb(&self, at: BlockAt) -> bool {
        let area = self.area_of(at.area);
        self.cfg.finaliser && at.block.0 < area.blocks && self.side_bit(area.ftb_offset(), at.block)
    }

    pub(crate) fn set_ftb(&mut self, at: BlockAt, on: bool) {
        let area = *self.area_of(at.area);
        if self.cfg.finaliser && at.block.0 < area.blocks {
            self.set_side_bit(area.ftb_offset(), at.block, on);
        }
    }

    /// The FTB byte `i` of area `ix` (0 without finalisers).
    pub(crate) fn ftb_byte(&self, ix: AreaIx, i: usize) -> u8 {
        let area = self.area_of(ix);
        if self.cfg.finaliser && i < area.ftb_bytes {
            self.mem.get(area.ftb_offset().0 + i).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// The WTB byte `i` of area `ix` (0 without weak references).
    pub(crate) fn wtb_byte(&self, ix: AreaIx, i: usize) -> u8 {
        let area = self.area_of(ix);
        if self.cfg.weakref && i < area.wtb_bytes {
            self.mem.get(area.wtb_offset().0 + i).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// The WTB bit of a block (always clear without weak references).
    pub fn wtb(&self, at: BlockAt) -> bool {
        let area = self.area_of(at.area);
        self.cfg.weakref && at.block.0 < area.blocks && self.side_bit(area.wtb_offset(), at.block)
    }

    /// Sets the WTB bit of a HEAD (`gc_weakref_mark`).
    pub fn set_wtb(&mut self, at: BlockAt, on: bool) {
        let area = *self.area_of(at.area);
        if self.cfg.weakref && at.block.0 < area.blocks {
            self.set_side_bit(area.wtb_offset(), at.block, on);
        }
    }

    /// The number of blocks of the allocation whose HEAD is `at`: the HEAD and the TAILs after it.
    pub fn chain_blocks(&self, at: BlockAt) -> usize {
        let mut n = 1;
        while self.kind(at.add(n)) == Kind::Tail {
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

    /// The arena offset of the `len` bytes at `a`, when they lie in one area.
    fn offset(&self, a: Addr, len: usize) -> Option<Offset> {
        let area = self
            .areas()
            .iter()
            .find(|area| area.start.0 <= a.0 && a.0 < area.end.0)?;
        let last = a.0.checked_add(len as u64)?;
        if last > area.end.0 {
            return None;
        }
        let off = area.offset_of(a)?;
        (off.0.checked_add(len)? <= self.mem.len()).then_some(off)
    }

    /// The arena offset of address `a`, when it lies in an area.
    pub fn offset_of(&self, a: Addr) -> Option<Offset> {
        self.offset(a, 1)
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
        le_word(self.mem, off.0, width)
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

//! Handles: the model's names for objects a caller holds, and its roots.
//!
//! A caller of Julia holds objects in GC frames (`JL_GC_PUSH`) or globals; those are the roots. The
//! model's caller holds [`ObjId`]s instead: each names a handle, a slot with the object's address, a
//! rooted flag and a generation. When a sweep frees an object its handles are released, and the
//! generation in a stale id no longer matches, so a freed object is never mistaken for a new one in the
//! same cell.

use memspec::subject::ObjId;

use super::Julia;
use super::header::{HEADER_BYTES, Header, WORD_BYTES};
use super::heap::{Addr, Error, HANDLE_BYTES, PageKind, R};
use super::size_class::{BIGVAL_BYTES, GC_PAGE_OFFSET_BYTES};
use super::types::{HEAP_BASE, is_link};

/// Bits of an [`ObjId`] that number its handle; the bits above hold the handle's generation.
const INDEX_BITS: u32 = 20;
/// The handle number of an [`ObjId`].
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;
/// The generation, in an [`ObjId`]'s top bits and in a handle's state word.
const GEN_MASK: u64 = (1 << (32 - INDEX_BITS)) - 1;
/// The state word's flag of a handle in use.
const IN_USE: u64 = 1 << 63;
/// The state word's flag of a handle that is a root.
const ROOTED: u64 = 1 << 62;

/// A handle's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    /// The object's value address.
    pub value: Addr,
    /// Whether the object is a root.
    pub rooted: bool,
}

impl Julia<'_> {
    fn handle_addr(&self, index: u32) -> R<Addr> {
        let map = self.map?;
        if index >= map.handle_cap {
            return Err(Error::Fault {
                what: "handle index past the table",
                at: index as u64,
            });
        }
        Ok(Addr(HEAP_BASE + map.handles + index as u64 * HANDLE_BYTES))
    }

    /// A new handle for the object at `value`, not rooted. When the table is full, collects (keeping
    /// `value`) and tries again.
    pub fn new_handle(&mut self, value: Addr) -> R<ObjId> {
        match self.take_handle(value) {
            Err(Error::OutOfMemory { .. }) if !self.disabled && !self.collecting => {
                self.tmp_roots[1] = value;
                let collected = self.collect_full();
                self.tmp_roots[1] = Addr::NULL;
                collected?;
                self.take_handle(value)
            }
            other => other,
        }
    }

    fn take_handle(&mut self, value: Addr) -> R<ObjId> {
        let map = self.map?;
        let (index, fresh) = if self.handle_free != 0 {
            let i = self.handle_free - 1;
            self.handle_free = self.words.get(self.handle_addr(i)?)? as u32;
            (i, false)
        } else if self.handle_fresh < map.handle_cap {
            self.handle_fresh += 1;
            (self.handle_fresh - 1, true)
        } else {
            return Err(Error::OutOfMemory {
                bytes: HANDLE_BYTES,
                area: "handle table",
            });
        };
        if index > INDEX_MASK {
            return Err(Error::Fault {
                what: "handle index does not fit an id",
                at: index as u64,
            });
        }
        let at = self.handle_addr(index)?;
        // A fresh handle holds whatever the arena held: its generation starts at 0.
        let generation = if fresh {
            0
        } else {
            self.words.get(at.plus(WORD_BYTES))? & GEN_MASK
        };
        self.words.set(at, value.0)?;
        self.words.set(at.plus(WORD_BYTES), IN_USE | generation)?;
        Ok(ObjId(index | (generation as u32) << INDEX_BITS))
    }

    /// The handle `id` names, if it is still in use.
    pub fn handle(&self, id: ObjId) -> R<Option<Handle>> {
        let map = self.map?;
        let index = id.0 & INDEX_MASK;
        if index >= map.handle_cap || index >= self.handle_fresh {
            return Ok(None);
        }
        let at = self.handle_addr(index)?;
        let state = self.words.get(at.plus(WORD_BYTES))?;
        if state & IN_USE == 0 || (state & GEN_MASK) as u32 != id.0 >> INDEX_BITS {
            return Ok(None);
        }
        Ok(Some(Handle {
            value: Addr(self.words.get(at)?),
            rooted: state & ROOTED != 0,
        }))
    }

    /// Whether `id` was ever handed out in this heap (its handle index has been used).
    pub fn handle_issued(&self, id: ObjId) -> bool {
        id.0 & INDEX_MASK < self.handle_fresh
    }

    /// Makes the object of `id` a root, or stops it being one. `false` if `id` names no live object.
    pub fn set_rooted(&mut self, id: ObjId, rooted: bool) -> R<bool> {
        if self.handle(id)?.is_none() {
            return Ok(false);
        }
        let at = self.handle_addr(id.0 & INDEX_MASK)?.plus(WORD_BYTES);
        let state = self.words.get(at)?;
        let state = if rooted { state | ROOTED } else { state & !ROOTED };
        self.words.set(at, state)?;
        Ok(true)
    }

    /// Handle `index` if it is in use (`index` below the handles ever used).
    pub(crate) fn handle_at(&self, index: u32) -> R<Option<Handle>> {
        let at = self.handle_addr(index)?;
        let state = self.words.get(at.plus(WORD_BYTES))?;
        if state & IN_USE == 0 {
            return Ok(None);
        }
        Ok(Some(Handle {
            value: Addr(self.words.get(at)?),
            rooted: state & ROOTED != 0,
        }))
    }

    /// After a sweep: releases the handles of freed objects, so their ids go stale.
    pub(crate) fn release_dead_handles(&mut self) -> R<()> {
        for i in 0..self.handle_fresh {
            let at = self.handle_addr(i)?;
            let state = self.words.get(at.plus(WORD_BYTES))?;
            if state & IN_USE == 0 || self.is_allocated(Addr(self.words.get(at)?))? {
                continue;
            }
            let generation = (state + 1) & GEN_MASK;
            self.words.set(at.plus(WORD_BYTES), generation)?;
            self.words.set(at, self.handle_free as u64)?;
            self.handle_free = i + 1;
        }
        Ok(())
    }

    /// Whether an object lives at `value`: a permanent object, an allocated pool cell, or a big object.
    pub fn is_allocated(&self, value: Addr) -> R<bool> {
        let map = self.map?;
        if map.in_perm(value) {
            return Ok(true);
        }
        let Some(page) = map.page_of(value) else {
            return Ok(false);
        };
        let m = self.words.meta(&map, page)?;
        Ok(match m.kind {
            PageKind::Pool => {
                let cell = value.minus(HEADER_BYTES);
                let first = page.addr().plus(GC_PAGE_OFFSET_BYTES);
                cell >= first
                    && (cell.0 - first.0).is_multiple_of(m.osize as u64)
                    && !is_link(Header(self.words.get(cell)?))
            }
            PageKind::BigHead => value == page.addr().plus(BIGVAL_BYTES),
            _ => false,
        })
    }
}

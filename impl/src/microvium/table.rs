//! The objects a case allocated, by id: a table growing down from the arena's end, 8 bytes an entry
//! (value word, flags, next root). Rooted entries form the host's handle list, newest first, as
//! `mvm_initializeHandle` links them.

use memspec::subject::{ErrorKind, ObjId, SubjectError, SubjectResult};

use super::value::Value;
use super::{Microvium, bad, engine};
use crate::arena::{Offset, WordBytes};

/// Bytes of a table entry.
const ENTRY_BYTES: usize = 8;
/// The entry names an object that has not been collected.
const LIVE: u16 = 1;
/// The entry is a root (a handle).
const ROOTED: u16 = 2;
/// The entry's word is a heap pointer the collector updates.
const HEAP: u16 = 4;
/// `next root` of the last root.
const NO_ROOT: u32 = u32::MAX;

/// One table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    /// The value that refers to the object.
    pub word: Value,
    flags: u16,
    next_root: u32,
}

impl Entry {
    pub fn live(&self) -> bool {
        self.flags & LIVE != 0
    }
    pub fn rooted(&self) -> bool {
        self.flags & ROOTED != 0
    }
    pub fn on_heap(&self) -> bool {
        self.flags & HEAP != 0
    }
    /// The same entry with another word (the object moved).
    pub fn with_word(self, word: Value) -> Entry {
        Entry { word, ..self }
    }
    /// The same entry, collected.
    pub fn dead(self) -> Entry {
        Entry {
            flags: self.flags & !LIVE,
            ..self
        }
    }
}

impl Microvium<'_> {
    /// The arena offset below which the table does not reach.
    pub(super) fn table_bottom(&self) -> usize {
        self.limit - self.ids as usize * ENTRY_BYTES
    }

    fn entry_at(&self, id: u32) -> Option<usize> {
        if id >= self.ids {
            return None;
        }
        Some(self.limit - (id as usize + 1) * ENTRY_BYTES)
    }

    /// The entry of `id`, or `None` where [`entry`](Self::entry) gives an error: for the
    /// collector's walk over every entry.
    #[inline(always)]
    pub(super) fn entry_if_any(&self, id: u32) -> Option<Entry> {
        let raw = self.arena.word(Offset(self.entry_at(id)?), WordBytes::Eight)?;
        Some(Entry {
            word: Value(raw as u16),
            flags: (raw >> 16) as u16,
            next_root: (raw >> 32) as u32,
        })
    }

    pub(super) fn entry(&self, id: u32) -> SubjectResult<Entry> {
        let at = self.entry_at(id).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("no object #{id}: this case allocated {}", self.ids),
            )
        })?;
        let raw = self
            .arena
            .word(Offset(at), WordBytes::Eight)
            .ok_or_else(|| engine(format_args!("object table entry #{id} is outside the arena")))?;
        Ok(Entry {
            word: Value(raw as u16),
            flags: (raw >> 16) as u16,
            next_root: (raw >> 32) as u32,
        })
    }

    /// Writes entry `id` back, for the collector's walk over every entry.
    #[inline(always)]
    pub(super) fn put_entry(&mut self, id: u32, e: Entry) -> SubjectResult<()> {
        let raw = e.word.0 as u64 | (e.flags as u64) << 16 | (e.next_root as u64) << 32;
        match self.entry_at(id) {
            Some(at) if self.arena.set_word(Offset(at), WordBytes::Eight, raw).is_some() => Ok(()),
            _ => self.set_entry(id, e),
        }
    }

    fn set_entry(&mut self, id: u32, e: Entry) -> SubjectResult<()> {
        let at = self
            .entry_at(id)
            .ok_or_else(|| engine(format_args!("object table entry #{id} does not exist")))?;
        let raw = e.word.0 as u64 | (e.flags as u64) << 16 | (e.next_root as u64) << 32;
        self.arena
            .set_word(Offset(at), WordBytes::Eight, raw)
            .ok_or_else(|| engine(format_args!("object table entry #{id} is outside the arena")))
    }

    /// Records a new object; `on_heap` when `word` is a heap pointer to keep up to date.
    pub(super) fn add_entry(&mut self, word: Value, on_heap: bool) -> SubjectResult<ObjId> {
        if self.table_bottom() < self.host_top + ENTRY_BYTES {
            return Err(SubjectError::new(
                ErrorKind::OutOfMemory,
                format_args!(
                    "the arena ({} bytes) has no room for object #{} (host memory {} bytes)",
                    self.limit, self.ids, self.host_top
                ),
            ));
        }
        let id = self.ids;
        self.ids += 1;
        let flags = LIVE | if on_heap { HEAP } else { 0 };
        self.set_entry(
            id,
            Entry {
                word,
                flags,
                next_root: NO_ROOT,
            },
        )?;
        Ok(ObjId(id))
    }

    /// The value of a live object.
    pub(super) fn value_of(&self, id: ObjId) -> SubjectResult<Value> {
        let e = self.entry(id.0)?;
        if !e.live() {
            return Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("object #{} was collected", id.0),
            ));
        }
        Ok(e.word)
    }

    /// Whether the object is live.
    pub(super) fn live(&self, id: ObjId) -> SubjectResult<bool> {
        Ok(self.entry(id.0)?.live())
    }

    /// Makes the object a root (`mvm_initializeHandle`): pushed at the head of the handle list.
    pub(super) fn add_root(&mut self, id: ObjId) -> SubjectResult<()> {
        let mut e = self.entry(id.0)?;
        if !e.live() {
            return Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("object #{} was collected and cannot become a root", id.0),
            ));
        }
        if e.rooted() {
            return Ok(());
        }
        e.flags |= ROOTED;
        e.next_root = self.roots_head.unwrap_or(NO_ROOT);
        self.set_entry(id.0, e)?;
        self.roots_head = Some(id.0);
        Ok(())
    }

    /// Stops the object being a root (`mvm_releaseHandle`).
    pub(super) fn remove_root(&mut self, id: ObjId) -> SubjectResult<()> {
        let mut e = self.entry(id.0)?;
        if !e.rooted() {
            return Err(bad(format_args!(
                "object #{} is not a root (MVM_E_INVALID_HANDLE)",
                id.0
            )));
        }
        let next = (e.next_root != NO_ROOT).then_some(e.next_root);
        if self.roots_head == Some(id.0) {
            self.roots_head = next;
        } else {
            let mut cursor = self.roots_head;
            while let Some(c) = cursor {
                let mut ce = self.entry(c)?;
                if ce.next_root == id.0 {
                    ce.next_root = e.next_root;
                    self.set_entry(c, ce)?;
                    break;
                }
                cursor = (ce.next_root != NO_ROOT).then_some(ce.next_root);
            }
        }
        e.flags &= !ROOTED;
        e.next_root = NO_ROOT;
        self.set_entry(id.0, e)
    }

    /// The roots, newest first.
    pub(super) fn next_root(&self, after: Option<u32>) -> SubjectResult<Option<u32>> {
        match after {
            None => Ok(self.roots_head),
            Some(id) => {
                let e = self.entry(id)?;
                Ok((e.next_root != NO_ROOT).then_some(e.next_root))
            }
        }
    }

    /// Replaces an object's word (after a collection moved it).
    pub(super) fn set_word(&mut self, id: u32, word: Value) -> SubjectResult<()> {
        let mut e = self.entry(id)?;
        e.word = word;
        self.set_entry(id, e)
    }
}

//! The subject's names for the objects a case made, and the words it holds as roots.
//!
//! A handle is not a reference the collector sees: an object stays alive only through roots and the
//! words of other live objects. After every collection each handle whose HEAD block was freed is
//! dropped, so an id stays valid exactly until its object is freed. Ids are handed out in increasing
//! order and never reused within a case; the table itself has a fixed capacity.

use memspec::subject::{ErrorKind, ObjId, SubjectError, SubjectResult};

use super::heap::{Heap, Kind};
use super::objects::ObjKind;

/// One object the case made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    /// The object's id.
    pub id: ObjId,
    /// The word that refers to it: a heap pointer, a ROM pointer, an immediate, or NULL.
    pub word: u64,
    /// Its kind.
    pub kind: ObjKind,
    /// Whether `word` points at a HEAD in the heap.
    pub in_heap: bool,
    /// Kind-specific: positional defaults of a function, bytes of a raw allocation.
    pub aux: u64,
}

/// A fixed-capacity table of handles.
#[derive(Clone, Debug)]
pub struct Handles<const N: usize> {
    slots: [Option<Handle>; N],
    next: u32,
}

impl<const N: usize> Default for Handles<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Handles<N> {
    /// An empty table.
    pub const fn new() -> Self {
        Self {
            slots: [None; N],
            next: 0,
        }
    }

    /// Forgets every handle and restarts the ids at 0.
    pub fn clear(&mut self) {
        // In place: a new table built beside this one and moved over it would copy it whole.
        self.slots.fill(None);
        self.next = 0;
    }

    fn full() -> SubjectError {
        SubjectError::new(
            ErrorKind::OutOfMemory,
            format_args!("the subject's handle table holds {N} live objects and is full"),
        )
    }

    /// An error when the table has no room for one more handle.
    pub fn ensure_room(&self) -> SubjectResult<()> {
        if self.slots.iter().any(Option::is_none) {
            Ok(())
        } else {
            Err(Self::full())
        }
    }

    /// Adds a handle, giving it the next id.
    pub fn insert(&mut self, word: u64, kind: ObjKind, in_heap: bool, aux: u64) -> SubjectResult<ObjId> {
        let id = ObjId(self.next);
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or_else(Self::full)?;
        *slot = Some(Handle {
            id,
            word,
            kind,
            in_heap,
            aux,
        });
        self.next += 1;
        Ok(id)
    }

    /// The live handle `id`.
    pub fn get(&self, id: ObjId) -> SubjectResult<Handle> {
        if let Some(h) = self.slots.iter().flatten().find(|h| h.id == id) {
            return Ok(*h);
        }
        if id.0 < self.next {
            Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("object #{} was freed by a collection", id.0),
            ))
        } else {
            Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("no object #{} was allocated", id.0),
            ))
        }
    }

    /// Whether `id` is live: `Ok(false)` for an object that was freed, an error for an id never given.
    pub fn is_live(&self, id: ObjId) -> SubjectResult<bool> {
        match self.get(id) {
            Ok(_) => Ok(true),
            Err(_) if id.0 < self.next => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Drops every handle whose object a collection freed; call right after the sweep.
    pub fn refresh(&mut self, heap: &Heap<'_>) {
        for slot in &mut self.slots {
            if let Some(h) = slot
                && h.in_heap
                && heap.block_of(h.word & heap.cfg.addr_mask()).map(|b| heap.kind(b)) != Some(Kind::Head)
            {
                *slot = None;
            }
        }
    }

    /// The live handles.
    pub fn iter(&self) -> impl Iterator<Item = &Handle> {
        self.slots.iter().flatten()
    }
}

/// Root words, each named by the object it came from.
#[derive(Clone, Debug)]
pub struct RootSet<const N: usize> {
    ids: [ObjId; N],
    words: [u64; N],
    len: usize,
}

impl<const N: usize> Default for RootSet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RootSet<N> {
    /// No roots.
    pub const fn new() -> Self {
        Self {
            ids: [ObjId(0); N],
            words: [0; N],
            len: 0,
        }
    }

    /// Forgets every root.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Makes `word` (object `id`'s) a root; rooting an object twice keeps one root.
    pub fn add(&mut self, id: ObjId, word: u64) -> SubjectResult<()> {
        if self.ids[..self.len].contains(&id) {
            return Ok(());
        }
        if self.len == N {
            return Err(SubjectError::new(
                ErrorKind::OutOfMemory,
                format_args!("the subject's root table holds {N} roots and is full"),
            ));
        }
        self.ids[self.len] = id;
        self.words[self.len] = word;
        self.len += 1;
        Ok(())
    }

    /// Stops `id` being a root.
    pub fn remove(&mut self, id: ObjId) -> SubjectResult<()> {
        let Some(i) = self.ids[..self.len].iter().position(|r| *r == id) else {
            return Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("object #{} is not a root", id.0),
            ));
        };
        self.len -= 1;
        self.ids[i] = self.ids[self.len];
        self.words[i] = self.words[self.len];
        Ok(())
    }

    /// The root words.
    pub fn words(&self) -> &[u64] {
        &self.words[..self.len]
    }
}

/// Words of the objects a constructor is in the middle of building: the engine finds them on the C
/// stack and the Python stack, so a collection during construction keeps them.
#[derive(Clone, Debug)]
pub struct Building<const N: usize> {
    words: [u64; N],
    len: usize,
}

impl<const N: usize> Default for Building<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Building<N> {
    /// Nothing under construction.
    pub const fn new() -> Self {
        Self {
            words: [0; N],
            len: 0,
        }
    }

    /// Holds `word` until [`clear`](Self::clear).
    pub fn push(&mut self, word: u64) -> SubjectResult<()> {
        let slot = self.words.get_mut(self.len).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("an object made of more than {N} allocations is beyond the model"),
            )
        })?;
        *slot = word;
        self.len += 1;
        Ok(())
    }

    /// The construction is over.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The words held.
    pub fn words(&self) -> &[u64] {
        &self.words[..self.len]
    }
}

//! The Cheney semispace scavenger (`runtime/scavenger.cpp`).
//!
//! Roots are visited first: each heap-object word that points into the from-space is replaced by
//! the address of the object's copy. Copying an object (`Scavenger::transport`) moves its whole
//! allocation (overflow word, header, payload, padding) to the to-space bump pointer and
//! overwrites the old header slot with the tagged pointer to the copy; a header slot that no
//! longer holds a header is how later visits know the object has moved. Then the to-space is
//! scanned from its start (`processGrayObjectsIn`): words that are not headers are skipped, a
//! data-format object is stepped over whole, and each word of an objects-format payload is
//! scavenged in turn, until the scan catches up with the bump pointer.
//!
//! References the caller holds without keeping the object alive (the model's unrooted handles)
//! are resolved after the scan, the way `processDelayedReferences` resolves weak references: moved
//! means live, an intact header means dead.

use super::error::{Error, Result};
use super::header::Format;
use super::heap::{Address, Heap, Space, WORD_BYTES};
use super::object::{HeapObject, shape};
use super::value::{HEADER_TAG, HEAP_OBJECT_TAG, PRIMARY_MASK};

/// What a finished scavenge did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scavenged {
    /// Objects copied to the new semispace.
    pub objects_copied: u64,
    /// Bytes allocated before, in the old semispace.
    pub bytes_before: u64,
    /// Bytes allocated after, in the new semispace.
    pub bytes_after: u64,
}

/// A scavenge in progress: the heap cannot allocate until it is finished.
#[derive(Debug)]
pub struct Scavenge<'h, 'a> {
    heap: &'h mut Heap<'a>,
    from: Space,
    from_fill: Address,
    to: Space,
    to_fill: Address,
    gray: Address,
    objects_copied: u64,
}

impl<'h, 'a> Scavenge<'h, 'a> {
    /// Starts a scavenge: the other semispace is cleared and becomes the to-space.
    pub fn begin(heap: &'h mut Heap<'a>) -> Result<Scavenge<'h, 'a>> {
        let from = heap.space();
        let from_fill = heap.fill();
        let to = heap.begin_flip();
        Ok(Scavenge {
            heap,
            from,
            from_fill,
            to,
            to_fill: to.start,
            gray: to.start,
            objects_copied: 0,
        })
    }

    /// Visits a root held outside the heap: the word is replaced by the copy's word.
    pub fn visit(&mut self, slot: &mut u64) -> Result<()> {
        *slot = self.scavenge(*slot)?;
        Ok(())
    }

    /// Where `obj` lives: `Ok(true)` in the allocated part of the from-space, `Ok(false)` in the
    /// to-space already, an error anywhere else.
    fn in_from_space(&self, obj: HeapObject) -> Result<bool> {
        let a = obj.address;
        if self.from.contains(a) && a < self.from_fill {
            return Ok(true);
        }
        if self.to.contains(a) && a < self.to_fill {
            return Ok(false);
        }
        Err(Error::BadPointer {
            raw: obj.raw(),
            why: "points outside the allocated part of both semispaces",
        })
    }

    /// `Scavenger::scavengePointer` on a word: its new value.
    fn scavenge(&mut self, raw: u64) -> Result<u64> {
        if raw & PRIMARY_MASK != HEAP_OBJECT_TAG {
            return Ok(raw);
        }
        let obj = HeapObject::from_raw(raw)?;
        if !self.in_from_space(obj)? {
            return Ok(raw);
        }
        let slot = obj.header_slot()?;
        let word = self.heap.word(slot)?;
        if word & PRIMARY_MASK == HEADER_TAG {
            return self.transport(obj);
        }
        if word & PRIMARY_MASK == HEAP_OBJECT_TAG {
            return Ok(word);
        }
        Err(Error::MalformedHeader {
            at: slot.0,
            raw: word,
            why: "neither a header nor a forwarding pointer",
        })
    }

    /// `Scavenger::transport`: copies `obj` and leaves the forwarding pointer in its header slot.
    fn transport(&mut self, obj: HeapObject) -> Result<u64> {
        let s = shape(self.heap, obj)?;
        let dst = self.heap.bump_other(&mut self.to_fill, s.size)?;
        self.heap.copy(s.base, dst, s.size)?;
        let copy = HeapObject {
            address: Address(dst.0 + obj.address.since(s.base)),
        };
        self.heap.set_word(obj.header_slot()?, copy.raw())?;
        self.objects_copied += 1;
        Ok(copy.raw())
    }

    /// Scans the to-space from the gray line to the bump pointer (`processGrayObjectsIn`).
    pub fn process_gray(&mut self) -> Result<()> {
        while self.gray < self.to_fill {
            let word = self.heap.word(self.gray)?;
            if word & PRIMARY_MASK != HEADER_TAG {
                self.gray = Address(self.gray.0 + WORD_BYTES);
                continue;
            }
            let obj = HeapObject {
                address: Address(self.gray.0 + WORD_BYTES),
            };
            let s = shape(self.heap, obj)?;
            let end = Address(s.base.0 + s.size);
            if s.header.format == Format::Data {
                self.gray = end;
                continue;
            }
            let mut at = obj.address;
            while at < end {
                let old = self.heap.word(at)?;
                let new = self.scavenge(old)?;
                if new != old {
                    self.heap.set_word(at, new)?;
                }
                at = Address(at.0 + WORD_BYTES);
            }
            self.gray = end;
        }
        Ok(())
    }

    /// What a reference that did not keep its object alive refers to now: the copy's word if the
    /// object was reached, `None` if it was not. Words that are no heap pointers come back as
    /// they are.
    pub fn resolve(&mut self, raw: u64) -> Result<Option<u64>> {
        self.process_gray()?;
        if raw & PRIMARY_MASK != HEAP_OBJECT_TAG {
            return Ok(Some(raw));
        }
        let obj = HeapObject::from_raw(raw)?;
        if !self.in_from_space(obj)? {
            return Ok(Some(raw));
        }
        let word = self.heap.word(obj.header_slot()?)?;
        Ok((word & PRIMARY_MASK == HEAP_OBJECT_TAG).then_some(word))
    }

    /// Finishes the scan and makes the to-space the current semispace.
    pub fn finish(mut self) -> Result<Scavenged> {
        self.process_gray()?;
        let stats = Scavenged {
            objects_copied: self.objects_copied,
            bytes_before: self.from_fill.since(self.from.start),
            bytes_after: self.to_fill.since(self.to.start),
        };
        self.heap.finish_flip(self.to_fill);
        Ok(stats)
    }
}

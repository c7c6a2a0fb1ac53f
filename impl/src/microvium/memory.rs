//! Host memory inside the arena: word access, the bump "malloc" for buckets, `TsBucket` headers and
//! the translation of virtual-heap offsets to arena offsets.

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::value::HeapOffset;
use super::{Microvium, engine};
use crate::arena::{Offset, WordBytes};

/// `TsBucket` field offsets, in pointers: `offsetStart` (a `uint16_t` padded to a pointer), `prev`,
/// `next`, `pEndOfUsedSpace`.
const PREV_FIELD: usize = 1;
const NEXT_FIELD: usize = 2;
const END_FIELD: usize = 3;

/// A bucket list's last bucket and the end of its capacity: the mutator's heap, or to-space during a
/// collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Space {
    /// The first bucket (known for to-space, which is scanned from its start).
    pub first: Option<usize>,
    /// The last bucket.
    pub last: Option<usize>,
    /// Arena offset of the end of the last bucket's capacity.
    pub end_capacity: usize,
    /// During a collection, the from-space bucket the last pointer was found in: where the next
    /// search starts ([`Microvium::locate_near`]).
    pub from_cursor: Cursor,
}

/// A bucket of a heap that does not change while the cursor is used (from-space during a
/// collection), with what locating a pointer in it needs: its virtual span and where its data is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Cursor {
    /// The bucket (arena offset of its `TsBucket`), `None` before the first search.
    bucket: Option<usize>,
    /// Its `offsetStart`.
    start: u16,
    /// The virtual offset one past its used space.
    end: u32,
    /// Arena offset of its first data byte.
    data: usize,
}

// Out of the collector's loops: only a corrupt heap builds this error.
#[cold]
#[inline(never)]
fn corrupt(what: &str, at: usize) -> SubjectError {
    engine(format_args!(
        "MVM_E_HEAP_CORRUPT: {what} at arena offset {at:#x} is out of range"
    ))
}

impl Microvium<'_> {
    #[inline(always)]
    fn pointer_width(&self) -> WordBytes {
        match self.config.host.pointer_bytes() {
            4 => WordBytes::Four,
            _ => WordBytes::Eight,
        }
    }

    /// The 16-bit word at arena offset `at`.
    #[inline(always)]
    pub(super) fn rd16(&self, at: usize) -> SubjectResult<u16> {
        self.arena
            .word(Offset(at), WordBytes::Two)
            .map(|w| w as u16)
            .ok_or_else(|| corrupt("a heap word", at))
    }

    /// Writes the 16-bit word at arena offset `at`.
    #[inline(always)]
    pub(super) fn wr16(&mut self, at: usize, value: u16) -> SubjectResult<()> {
        self.arena
            .set_word(Offset(at), WordBytes::Two, value as u64)
            .ok_or_else(|| corrupt("a heap word", at))
    }

    /// Copies `len` bytes inside the arena.
    pub(super) fn copy(&mut self, from: usize, to: usize, len: usize) -> SubjectResult<()> {
        self.arena
            .copy_within(Offset(from), Offset(to), len)
            .ok_or_else(|| corrupt("a copy", from))
    }

    /// The host address of arena offset `at`.
    pub(super) fn address(&self, at: usize) -> u64 {
        self.config.host_base.wrapping_add(at as u64)
    }

    #[inline(always)]
    fn read_pointer(&self, at: usize) -> SubjectResult<Option<usize>> {
        let addr = self
            .arena
            .word(Offset(at), self.pointer_width())
            .ok_or_else(|| corrupt("a bucket pointer", at))?;
        if addr == 0 {
            return Ok(None);
        }
        let off = addr
            .checked_sub(self.config.host_base)
            .and_then(|o| usize::try_from(o).ok())
            .filter(|o| *o <= self.limit)
            .ok_or_else(|| corrupt("a bucket pointer's target", at))?;
        Ok(Some(off))
    }

    #[inline(always)]
    fn write_pointer(&mut self, at: usize, target: Option<usize>) -> SubjectResult<()> {
        let addr = target.map_or(0, |t| self.address(t));
        self.arena
            .set_word(Offset(at), self.pointer_width(), addr)
            .ok_or_else(|| corrupt("a bucket pointer", at))
    }

    #[inline(always)]
    fn field(&self, bucket: usize, field: usize) -> usize {
        bucket + field * self.config.host.pointer_bytes()
    }

    /// Arena offset of a bucket's first data byte.
    #[inline(always)]
    pub(super) fn data_begin(&self, bucket: usize) -> usize {
        bucket + self.config.bucket_header_bytes()
    }

    /// The bucket's first byte's offset in the virtual heap (`offsetStart`).
    #[inline(always)]
    pub(super) fn offset_start(&self, bucket: usize) -> SubjectResult<u16> {
        self.rd16(bucket)
    }

    /// The bucket before `bucket`.
    #[inline(always)]
    pub(super) fn prev(&self, bucket: usize) -> SubjectResult<Option<usize>> {
        self.read_pointer(self.field(bucket, PREV_FIELD))
    }

    /// The bucket after `bucket`.
    #[inline(always)]
    pub(super) fn next(&self, bucket: usize) -> SubjectResult<Option<usize>> {
        self.read_pointer(self.field(bucket, NEXT_FIELD))
    }

    /// Arena offset of the end of the bucket's used space (`pEndOfUsedSpace`).
    #[inline(always)]
    pub(super) fn end_used(&self, bucket: usize) -> SubjectResult<usize> {
        self.read_pointer(self.field(bucket, END_FIELD))?
            .ok_or_else(|| corrupt("a bucket's end of used space", bucket))
    }

    #[inline(always)]
    pub(super) fn set_next(&mut self, bucket: usize, next: Option<usize>) -> SubjectResult<()> {
        self.write_pointer(self.field(bucket, NEXT_FIELD), next)
    }

    #[inline(always)]
    pub(super) fn set_end_used(&mut self, bucket: usize, end: usize) -> SubjectResult<()> {
        self.write_pointer(self.field(bucket, END_FIELD), Some(end))
    }

    /// Writes a new bucket's header.
    pub(super) fn init_bucket(
        &mut self,
        bucket: usize,
        offset_start: u16,
        prev: Option<usize>,
    ) -> SubjectResult<()> {
        let p = self.config.host.pointer_bytes();
        self.arena
            .fill(Offset(bucket), p, 0)
            .ok_or_else(|| corrupt("a bucket header", bucket))?;
        self.wr16(bucket, offset_start)?;
        self.write_pointer(self.field(bucket, PREV_FIELD), prev)?;
        self.write_pointer(self.field(bucket, NEXT_FIELD), None)?;
        let begin = self.data_begin(bucket);
        self.set_end_used(bucket, begin)
    }

    /// The end of a bucket list's used space in the virtual heap (`getBucketOffsetEnd` of the last).
    pub(super) fn space_size(&self, last: Option<usize>) -> SubjectResult<u32> {
        match last {
            None => Ok(0),
            Some(b) => {
                let used = self.end_used(b)?.saturating_sub(self.data_begin(b));
                Ok(self.offset_start(b)? as u32 + used as u32)
            }
        }
    }

    /// `getHeapSize`: bytes of the virtual heap in use, garbage included.
    pub(super) fn heap_size(&self) -> SubjectResult<u32> {
        self.space_size(self.last_bucket)
    }

    /// Reserves `bytes` of host memory for a bucket, aligned as `malloc` aligns (two pointers).
    pub(super) fn host_malloc(&mut self, bytes: usize) -> SubjectResult<usize> {
        let align = 2 * self.config.host.pointer_bytes();
        let start = self.host_top.div_ceil(align) * align;
        let end = start.checked_add(bytes).filter(|e| *e <= self.table_bottom());
        match end {
            Some(end) => {
                self.host_top = end;
                Ok(start)
            }
            None => Err(SubjectError::new(
                ErrorKind::OutOfMemory,
                format_args!(
                    "the arena ({} bytes) has no room for {bytes} more bytes of host memory \
                     ({} in use, object table {} bytes)",
                    self.limit,
                    self.host_top,
                    self.limit - self.table_bottom()
                ),
            )),
        }
    }

    /// Arena offset of the body `at` points to in the bucket list ending at `last`
    /// (`ShortPtr_decode`): the first bucket, walking back, that starts at or before it; with the
    /// bucket.
    fn find_in(&self, last: Option<usize>, at: HeapOffset) -> SubjectResult<(usize, usize)> {
        let mut bucket = last;
        while let Some(b) = bucket {
            let start = self.offset_start(b)?;
            if at.0 >= start {
                match self.body_in(b, at) {
                    Some(p) => return Ok((p, b)),
                    None => break,
                }
            }
            bucket = self.prev(b)?;
        }
        Err(SubjectError::new(
            ErrorKind::InvalidWord,
            format_args!(
                "{:#06x} is no allocation body of the heap ({} bytes used)",
                at.0,
                self.space_size(last)?
            ),
        ))
    }

    /// Arena offset of the body at virtual offset `at` within bucket `b`, which starts at or before
    /// it; `None` when `at` is odd or outside the bucket's used space.
    fn body_in(&self, b: usize, at: HeapOffset) -> Option<usize> {
        let start = self.offset_start(b).ok()?;
        let begin = self.data_begin(b);
        let p = begin + usize::from(at.0.checked_sub(start)?);
        (at.0 & 1 == 0 && p >= begin + 2 && p < self.end_used(b).ok()?).then_some(p)
    }

    /// Arena offset of the body at virtual offset `at` in the current heap. The bucket of the last
    /// lookup and the one after it are tried first (each is the walk's answer when it starts at or
    /// before `at` and is the last bucket or its next one starts after `at`); the walk back from
    /// the last bucket finds the rest.
    pub(super) fn locate(&self, at: HeapOffset) -> SubjectResult<usize> {
        let mut hint = self.located.get();
        for _ in 0..2 {
            let Some(b) = hint else { break };
            let next = self.next(b).ok().flatten();
            let last_at_or_before = self.offset_start(b).is_ok_and(|s| s <= at.0)
                && match next {
                    None => self.last_bucket == Some(b),
                    Some(n) => self.offset_start(n).is_ok_and(|s| s > at.0),
                };
            if last_at_or_before && let Some(p) = self.body_in(b, at) {
                self.located.set(Some(b));
                return Ok(p);
            }
            hint = next;
        }
        let (p, b) = self.find_in(self.last_bucket, at)?;
        self.located.set(Some(b));
        Ok(p)
    }

    /// What [`locate`](Self::locate) finds, found by walking from `cursor` (a bucket of the current
    /// heap, or the last when it has none yet) instead of from the last bucket, and leaving `cursor`
    /// at the bucket found. Along the list the buckets' `offsetStart`s never decrease (each is the
    /// heap's size when the bucket was added, and only the last bucket grows), so a bucket whose used
    /// span holds `at` is the last bucket starting at or before it, the one `ShortPtr_decode` walks
    /// back to; otherwise that bucket is reached forward through the buckets after the cursor that
    /// start at or before `at`, or back through those before it that start after it. The collector
    /// decodes pointers mostly in heap order, so most searches end in the cursor's bucket.
    pub(super) fn locate_near(&self, cursor: &mut Cursor, at: HeapOffset) -> SubjectResult<usize> {
        if cursor.bucket.is_some() && at.0 >= cursor.start && u32::from(at.0) < cursor.end && at.0 & 1 == 0 {
            let p = cursor.data + (at.0 - cursor.start) as usize;
            if p >= cursor.data + 2 {
                return Ok(p);
            }
        }
        let Some(mut b) = cursor.bucket.or(self.last_bucket) else {
            return self.locate(at);
        };
        if at.0 >= self.offset_start(b)? {
            while let Some(n) = self.next(b)? {
                if self.offset_start(n)? > at.0 {
                    break;
                }
                b = n;
            }
        } else {
            loop {
                match self.prev(b)? {
                    Some(p) => b = p,
                    None => return self.locate(at),
                }
                if self.offset_start(b)? <= at.0 {
                    break;
                }
            }
        }
        let start = self.offset_start(b)?;
        let data = self.data_begin(b);
        let end_used = self.end_used(b)?;
        let p = data + (at.0 - start) as usize;
        if at.0 & 1 != 0 || p < data + 2 || p >= end_used {
            // Not a body: the error `locate` gives.
            return self.locate(at);
        }
        *cursor = Cursor {
            bucket: Some(b),
            start,
            end: u32::from(start) + end_used.saturating_sub(data) as u32,
            data,
        };
        Ok(p)
    }

    /// The virtual offset of arena offset `p`, which lies in bucket `bucket`.
    #[inline(always)]
    pub(super) fn virtual_offset(&self, bucket: usize, p: usize) -> SubjectResult<HeapOffset> {
        let start = self.offset_start(bucket)? as usize;
        let off = start + p.saturating_sub(self.data_begin(bucket));
        u16::try_from(off)
            .map(HeapOffset)
            .map_err(|_| engine(format_args!("heap offset {off:#x} is past 16 bits")))
    }

    /// Moves the buckets in `from .. host_top` down to `to`, fixing their host pointers: what remains
    /// after from-space is freed.
    pub(super) fn slide_buckets(&mut self, space: &mut Space, from: usize, to: usize) -> SubjectResult<()> {
        let delta = from - to;
        self.located.set(None);
        if delta == 0 {
            return Ok(());
        }
        let len = self.host_top - from;
        self.copy(from, to, len)?;
        self.host_top -= delta;
        let shift = |o: Option<usize>| o.map(|x| x - delta);
        let mut bucket = shift(space.first);
        while let Some(b) = bucket {
            let prev = self.read_pointer(self.field(b, PREV_FIELD))?;
            let next = self.read_pointer(self.field(b, NEXT_FIELD))?;
            let end = self.end_used(b)?;
            self.write_pointer(self.field(b, PREV_FIELD), shift(prev))?;
            self.write_pointer(self.field(b, NEXT_FIELD), shift(next))?;
            self.set_end_used(b, end - delta)?;
            bucket = shift(next);
        }
        space.first = shift(space.first);
        space.last = shift(space.last);
        space.end_capacity -= delta;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use memspec::profile::ProfileId;
    use memspec::subject::{HeapConfig, ObjectSpec, Param, ParamValue, Subject};

    use super::super::Microvium;
    use super::HeapOffset;

    /// Arena bytes for the test heap.
    const ARENA_BYTES: usize = 1 << 16;

    #[test]
    fn a_lookup_through_the_last_bucket_found_answers_as_the_walk_from_the_last_bucket() {
        let mut arena = [0u8; ARENA_BYTES];
        let mut m = Microvium::new(&mut arena);
        let config = HeapConfig {
            arena_bytes: ARENA_BYTES as u64,
            port: None,
            options: &[],
        };
        m.start(ProfileId::Microvium, &config).expect("a heap");
        for props in [40, 3, 90, 0, 17, 120] {
            let params = [Param {
                name: "props",
                value: ParamValue::Int(props),
            }];
            m.alloc(&ObjectSpec {
                kind: "object",
                params: &params,
            })
            .expect("an object");
        }
        let mut buckets = 0;
        let mut b = m.last_bucket;
        while let Some(x) = b {
            buckets += 1;
            b = m.prev(x).expect("a bucket");
        }
        assert!(buckets > 2, "only {buckets} buckets: the test needs more");
        let size = m.heap_size().expect("a size") as u16;
        let check = |m: &Microvium<'_>, at: HeapOffset| {
            let walk = m.find_in(m.last_bucket, at).map(|(p, _)| p).ok();
            assert_eq!(m.locate(at).ok(), walk, "virtual offset {:#06x}", at.0);
        };
        // In order, as a walk along a chain goes, then in a scrambled order.
        for at in 0..size + 8 {
            check(&m, HeapOffset(at));
        }
        let mut x: u32 = 0x2545_f491;
        for _ in 0..20_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            check(&m, HeapOffset((x >> 8) as u16 % (size + 8)));
        }
    }
}

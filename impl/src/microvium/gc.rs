//! The collector (`mvm_runGC`): Cheney semispace copy into new buckets, tombstones with forwarding
//! pointers, property-cell chains merged and array data trimmed while copying, and the squeeze pass.

use memspec::subject::{Collection, SubjectError, SubjectResult};

use super::header::{Header, MAX_ALLOCATION_SIZE, TypeCode};
use super::memory::{Cursor, Space};
use super::value::{HeapOffset, Value};
use super::{Microvium, engine};

/// Bytes of the first to-space bucket when the heap after the previous collection was empty.
const EMPTY_TO_SPACE: u16 = 64;
/// Bytes of a property list's fixed part: `dpNext`, `dpProto`.
const PROPERTY_LIST_BASE: u16 = 4;
/// Bytes of one key/value pair.
const PROPERTY_BYTES: u16 = 4;
/// Host bytes past a to-space bucket that 8.0.0's under-sized merge check can write (one cell's pair
/// checked as one word): reserved after each to-space bucket when `engine-bugs` is on.
const MERGE_OVERRUN_BYTES: usize = 2;

impl Microvium<'_> {
    /// Runs a collection as `mvm_runGC(vm, squeeze)` does; reports what it freed.
    pub fn collect_with(&mut self, squeeze: bool) -> SubjectResult<Collection> {
        self.begin()?;
        let (allocs_before, bytes_before) = self.census()?;
        self.run_gc(squeeze)?;
        let (allocs_after, bytes_after) = self.census()?;
        Ok(Collection {
            freed_allocations: allocs_before.saturating_sub(allocs_after),
            freed_bytes: bytes_before.saturating_sub(bytes_after),
            returned: None,
            finalisers_run: 0,
        })
    }

    /// Runs a collection. A collection that fails half way has written tombstones over from-space, so
    /// the heap is lost: the case ends and must be started again.
    pub(super) fn run_gc(&mut self, squeeze: bool) -> SubjectResult<()> {
        let result = self.copy_live(squeeze);
        if let Err(e) = &result {
            self.started = false;
            return Err(SubjectError::new(
                e.kind,
                format_args!(
                    "the collection failed and the heap is lost (start a new case): {}",
                    e.detail
                ),
            ));
        }
        result
    }

    fn copy_live(&mut self, squeeze: bool) -> SubjectResult<()> {
        let heap_size = self.heap_size_u16()?;
        self.heap_high_water_mark = self.heap_high_water_mark.max(heap_size);
        let estimated = match self.heap_size_after_last_gc {
            0 => EMPTY_TO_SPACE,
            n => n,
        };
        let to_base = self.host_top;
        let mut to = Space::default();
        self.gc_new_bucket(&mut to, estimated as u32, 0)?;

        // Roots: the global slots, the handles (newest first), the construction roots.
        for slot in 0..2 {
            let at = self.globals + 2 * slot;
            let v = Value(self.rd16(at)?);
            let moved = self.process_value(&mut to, v)?;
            self.wr16(at, moved.0)?;
        }
        let mut root = self.next_root(None)?;
        while let Some(id) = root {
            let e = self.entry(id)?;
            let moved = self.process_value(&mut to, e.word)?;
            self.set_word(id, moved)?;
            root = self.next_root(Some(id))?;
        }
        for slot in 0..self.temp_len {
            let moved = self.process_value(&mut to, self.temp(slot))?;
            if let Some(t) = self.temp.get_mut(slot) {
                *t = moved;
            }
        }

        // Scan to-space from its start, tracing containers.
        let mut bucket = to.first;
        while let Some(b) = bucket {
            let mut p = self.data_begin(b);
            while p < self.end_used(b)? {
                let header = Header(self.rd16(p)?);
                let next = p + header.footprint() as usize;
                if header.type_code().is_container() {
                    for word in 0..(header.size() / 2) as usize {
                        let at = p + 2 + 2 * word;
                        let v = Value(self.rd16(at)?);
                        if v.as_short_ptr().is_some() {
                            let moved = self.process_value(&mut to, v)?;
                            self.wr16(at, moved.0)?;
                        }
                    }
                }
                p = next;
            }
            bucket = self.next(b)?;
        }

        // Objects the case named but did not root: moved (a tombstone in from-space) or collected.
        let mut cursor = Cursor::default();
        for id in 0..self.ids {
            let e = match self.entry_if_any(id) {
                Some(e) => e,
                None => self.entry(id)?,
            };
            if !e.live() || !e.on_heap() || e.rooted() {
                continue;
            }
            let Some(at) = e.word.as_short_ptr() else {
                continue;
            };
            let src = self.locate_near(&mut cursor, at)?;
            let after = if self.rd16(src - 2)? == Header::TOMBSTONE.0 {
                e.with_word(Value(self.rd16(src)?))
            } else {
                e.dead()
            };
            self.put_entry(id, after)?;
        }

        // Free from-space and adopt to-space.
        self.slide_buckets(&mut to, to_base, self.heap_base)?;
        self.last_bucket = to.last;
        self.last_end_capacity = to.end_capacity;
        let final_size = self.heap_size_u16()?;
        self.heap_size_after_last_gc = final_size;
        if squeeze && final_size != estimated {
            self.copy_live(false)?;
        }
        Ok(())
    }

    fn heap_size_u16(&self) -> SubjectResult<u16> {
        let size = self.heap_size()?;
        u16::try_from(size).map_err(|_| engine(format_args!("heap size {size} is past 16 bits")))
    }

    /// Adds a to-space bucket (`gc_newBucket`).
    fn gc_new_bucket(&mut self, to: &mut Space, size: u32, min_size: u32) -> SubjectResult<()> {
        let max = self.config.max_heap as u32;
        let heap_size = self.space_size(to.last)?;
        let mut size = size.max(min_size);
        if heap_size + min_size > max {
            return Err(engine(format_args!(
                "MVM_E_ASSERTION_FAILED: to-space needs {min_size} more bytes past {heap_size}; \
                 MVM_MAX_HEAP_SIZE is {max}"
            )));
        }
        if heap_size + size > max {
            size = max - heap_size;
        }
        let overrun = if self.config.engine_bugs {
            MERGE_OVERRUN_BYTES
        } else {
            0
        };
        let bucket = self.host_malloc(self.config.bucket_header_bytes() + size as usize + overrun)?;
        self.init_bucket(bucket, heap_size as u16, to.last)?;
        if to.first.is_none() {
            to.first = Some(bucket);
        }
        if let Some(last) = to.last {
            self.set_next(last, Some(bucket))?;
        }
        to.last = Some(bucket);
        to.end_capacity = self.data_begin(bucket) + size as usize;
        Ok(())
    }

    /// `gc_processValue`: a ShortPtr is moved (or followed to its forwarding address), anything else
    /// is kept.
    fn process_value(&mut self, to: &mut Space, v: Value) -> SubjectResult<Value> {
        match v.as_short_ptr() {
            Some(at) => self.move_allocation(to, at),
            None => Ok(v),
        }
    }

    /// `gc_processShortPtrValue`: copies the allocation at `at` into to-space, leaves a tombstone, and
    /// returns its new address.
    fn move_allocation(&mut self, to: &mut Space, at: HeapOffset) -> SubjectResult<Value> {
        let src = self.locate_near(&mut to.from_cursor, at)?;
        let header = Header(self.rd16(src - 2)?);
        if header == Header::TOMBSTONE {
            return Ok(Value(self.rd16(src)?));
        }
        let header = Header::check(header.0).map_err(|e| {
            engine(format_args!(
                "MVM_E_ASSERTION_FAILED: malformed header {:#06x} at heap offset {:#06x}: {e:?}",
                header.0, at.0
            ))
        })?;
        let footprint = header.footprint() as usize;
        'retry: loop {
            let last = to
                .last
                .ok_or_else(|| engine(format_args!("to-space has no bucket")))?;
            let mut w = self.end_used(last)?;
            if w + footprint > to.end_capacity {
                self.gc_new_bucket(to, self.config.bucket_bytes as u32, footprint as u32)?;
                continue 'retry;
            }
            self.wr16(w, header.0)?;
            let p_new = w + 2;
            self.copy(src, p_new, footprint - 2)?;
            w += footprint;
            match header.type_code() {
                TypeCode::Array => self.trim_array_data(&mut to.from_cursor, p_new)?,
                TypeCode::PropertyList => {
                    let mut next = Value(self.rd16(p_new)?);
                    if next != Value::NULL {
                        let mut total = self.property_count(header, at)?;
                        while next != Value::NULL {
                            let child_at = next.as_short_ptr().ok_or_else(|| {
                                engine(format_args!(
                                    "MVM_E_ASSERTION_FAILED: dpNext {:#06x} of heap offset {:#06x} is no heap pointer",
                                    next.0, at.0
                                ))
                            })?;
                            let child = self.locate_near(&mut to.from_cursor, child_at)?;
                            let child_header = Header(self.rd16(child - 2)?);
                            let count = self.property_count(child_header, child_at)?;
                            total += count;
                            // 8.0.0 checks room for `count` words but copies `count` key/value pairs.
                            let checked = if self.config.engine_bugs {
                                count as usize * 2
                            } else {
                                count as usize * PROPERTY_BYTES as usize
                            };
                            let bytes = count as usize * PROPERTY_BYTES as usize;
                            if w + bytes > to.end_capacity + MERGE_OVERRUN_BYTES {
                                // Past the room reserved for 8.0.0's overrun: not a heap to model.
                                if w + checked <= to.end_capacity {
                                    return Err(engine(format_args!(
                                        "MVM_E_HEAP_CORRUPT: merging {count} properties would write {} bytes \
                                         past a to-space bucket",
                                        w + bytes - to.end_capacity
                                    )));
                                }
                            }
                            if w + checked > to.end_capacity {
                                let min = PROPERTY_LIST_BASE as u32 + total as u32 * PROPERTY_BYTES as u32;
                                self.gc_new_bucket(to, self.config.bucket_bytes as u32, min)?;
                                continue 'retry;
                            }
                            self.copy(child + PROPERTY_LIST_BASE as usize, w, bytes)?;
                            w += bytes;
                            next = Value(self.rd16(child)?);
                        }
                        let new_size = PROPERTY_LIST_BASE as u32 + total as u32 * PROPERTY_BYTES as u32;
                        if new_size > MAX_ALLOCATION_SIZE as u32 {
                            return Err(engine(format_args!(
                                "MVM_E_ALLOCATION_TOO_LARGE: merging the properties of heap offset {:#06x} \
                                 makes {new_size} bytes",
                                at.0
                            )));
                        }
                        self.wr16(p_new - 2, Header(header.0 & 0xF000 | new_size as u16).0)?;
                        self.wr16(p_new, Value::NULL.0)?;
                    }
                }
                _ => {}
            }
            self.set_end_used(last, w)?;
            let moved = self.virtual_offset(last, p_new)?;
            self.wr16(src - 2, Header::TOMBSTONE.0)?;
            self.wr16(src, moved.0)?;
            return Ok(Value::short_ptr(moved));
        }
    }

    /// Properties in a property list of this header: `(size - 4) / 4`.
    fn property_count(&self, header: Header, at: HeapOffset) -> SubjectResult<u16> {
        header
            .size()
            .checked_sub(PROPERTY_LIST_BASE)
            .map(|b| b / PROPERTY_BYTES)
            .ok_or_else(|| {
                engine(format_args!(
                    "MVM_E_ASSERTION_FAILED: property list at heap offset {:#06x} has size {}",
                    at.0,
                    header.size()
                ))
            })
    }

    /// An array just copied to `p_new`: its data (still in from-space) is cut to the length, or dropped
    /// at length 0.
    fn trim_array_data(&mut self, cursor: &mut Cursor, p_new: usize) -> SubjectResult<()> {
        let data = Value(self.rd16(p_new)?);
        if data == Value::NULL {
            return Ok(());
        }
        let data_at = data.as_short_ptr().ok_or_else(|| {
            engine(format_args!(
                "MVM_E_ASSERTION_FAILED: array data {:#06x} is no heap pointer",
                data.0
            ))
        })?;
        let length = Value(self.rd16(p_new + 2)?).as_int14().unwrap_or(0).max(0) as u32;
        if length > 0 {
            let p_data = self.locate_near(cursor, data_at)?;
            let trimmed = Header::new(TypeCode::FixedLengthArray, length * 2).map_err(|e| {
                engine(format_args!(
                    "MVM_E_ASSERTION_FAILED: array length {length}: {e:?}"
                ))
            })?;
            self.wr16(p_data - 2, trimmed.0)
        } else {
            self.wr16(p_new, Value::NULL.0)
        }
    }
}

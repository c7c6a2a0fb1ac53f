//! The mutator's allocator (`mvm_allocate`, `gc_createNextBucket`): bump allocation in the last bucket,
//! a new bucket when it is full, and the heap limit.

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::header::{Header, MIN_FOOTPRINT, TypeCode, footprint};
use super::value::HeapOffset;
use super::{Microvium, engine};

/// The byte the engine's safe mode fills new buckets with (`memset(bucket, 0x7E, ...)`).
const SAFE_MODE_FILL: u8 = 0x7E;

impl Microvium<'_> {
    /// Allocates a `size`-byte body of type `type_code`; returns the body's virtual offset. The body is
    /// not initialised. May run a collection when a new bucket would pass the heap limit.
    pub(super) fn allocate(&mut self, size: u32, type_code: TypeCode) -> SubjectResult<HeapOffset> {
        let header = Header::new(type_code, size).map_err(|_| {
            SubjectError::new(
                ErrorKind::TooLarge,
                format_args!(
                    "MVM_E_ALLOCATION_TOO_LARGE: a {size}-byte body is over MAX_ALLOCATION_SIZE (4095 bytes)"
                ),
            )
        })?;
        let total = footprint(header.size()) as usize;
        // Safe mode stops here; without it the engine makes the allocation, and a collection then
        // writes the tombstone's forwarding pointer over the next allocation's header. Neither is a
        // heap worth modelling further, so both are this error.
        if total < MIN_FOOTPRINT as usize {
            return Err(engine(format_args!(
                "MVM_E_ASSERTION_FAILED: a {size}-byte body makes a {total}-byte allocation, below the \
                 {MIN_FOOTPRINT}-byte minimum a tombstone needs (mvm_allocate's safe-mode check)"
            )));
        }
        loop {
            if let Some(last) = self.last_bucket {
                let p = self.end_used(last)?;
                if p + total <= self.last_end_capacity {
                    self.set_end_used(last, p + total)?;
                    self.wr16(p, header.0)?;
                    self.allocated_bytes += total as u64;
                    return self.virtual_offset(last, p + 2);
                }
            }
            self.create_next_bucket(self.config.bucket_bytes as u32, total as u32)?;
        }
    }

    /// Adds a bucket of `bucket_size` bytes (at least `min_size`) to the heap (`gc_createNextBucket`).
    fn create_next_bucket(&mut self, bucket_size: u32, min_size: u32) -> SubjectResult<()> {
        let max = self.config.max_heap as u32;
        let mut heap_size = self.heap_size()?;
        let mut bucket_size = bucket_size.max(min_size);
        if heap_size + bucket_size > max {
            self.run_gc(false)?;
            heap_size = self.heap_size()?;
        }
        if heap_size + min_size > max {
            return Err(SubjectError::new(
                ErrorKind::OutOfMemory,
                format_args!(
                    "MVM_E_OUT_OF_MEMORY: the heap uses {heap_size} bytes after a collection and needs \
                     {min_size} more; MVM_MAX_HEAP_SIZE is {max}"
                ),
            ));
        }
        if heap_size + bucket_size > max {
            bucket_size = max - heap_size;
        }
        let header_bytes = self.config.bucket_header_bytes();
        let bucket = self.host_malloc(header_bytes + bucket_size as usize)?;
        if self.config.safe_mode {
            self.arena
                .fill(
                    crate::arena::Offset(bucket),
                    header_bytes + bucket_size as usize,
                    SAFE_MODE_FILL,
                )
                .ok_or_else(|| engine(format_args!("MVM_E_MALLOC_FAIL: bucket outside the arena")))?;
        }
        self.init_bucket(bucket, heap_size as u16, self.last_bucket)?;
        if let Some(last) = self.last_bucket {
            self.set_next(last, Some(bucket))?;
        }
        self.last_bucket = Some(bucket);
        self.last_end_capacity = self.data_begin(bucket) + bucket_size as usize;
        Ok(())
    }
}

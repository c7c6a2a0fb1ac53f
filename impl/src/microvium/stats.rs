//! Walking the heap, `mvm_getMemoryStats` field by field, and the heap map.

use core::fmt;

use memspec::subject::SubjectResult;

use super::header::Header;
use super::value::HeapOffset;
use super::{Microvium, engine};

/// Bytes of the empty program's global slots: the `deleted` padding slot and the intern-list handle.
pub(super) const GLOBALS_BYTES: usize = 4;
/// Imports of the modelled program.
const IMPORTS: usize = 0;
/// Bytes of the modelled program's import-table section (2 per import), which 8.0.0 reports as
/// `globalVariablesSize`.
const IMPORT_SECTION_BYTES: u64 = 2 * IMPORTS as u64;

/// One allocation found walking the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocationInfo {
    /// Virtual offset of the body (what a ShortPtr to it holds).
    pub body: HeapOffset,
    /// The header word.
    pub header: Header,
    /// The bucket it is in, counted from the first.
    pub bucket: u32,
}

/// `mvm_TsMemoryStats` as 8.0.0 computes it, with the corrected figures beside the two wrong ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MemoryStats {
    /// `totalSize` as reported (inherits both bugs).
    pub total_size: u64,
    /// `fragmentCount`: the VM block and one per bucket (the model is never mid-call).
    pub fragment_count: u64,
    /// `coreSize`: `sizeof(mvm_VM)`.
    pub core_size: u64,
    /// `importTableSize`.
    pub import_table_size: u64,
    /// `globalVariablesSize` as reported: the import-table section size.
    pub global_variables_size: u64,
    /// `registersSize` (0: no call is active).
    pub registers_size: u64,
    /// `stackHeight` (0).
    pub stack_height: u64,
    /// `stackAllocatedCapacity` (0).
    pub stack_allocated_capacity: u64,
    /// `stackHighWaterMark` (0: the model runs no script).
    pub stack_high_water_mark: u64,
    /// `virtualHeapUsed`.
    pub virtual_heap_used: u64,
    /// `virtualHeapHighWaterMark`.
    pub virtual_heap_high_water_mark: u64,
    /// `virtualHeapAllocatedCapacity` as reported: from the low 16 bits of two host addresses.
    pub virtual_heap_allocated_capacity: u64,
    /// The globals' true size.
    pub true_global_variables_size: u64,
    /// The last bucket's start offset plus its capacity.
    pub true_virtual_heap_allocated_capacity: u64,
    /// `totalSize` from the true figures.
    pub true_total_size: u64,
}

impl Microvium<'_> {
    /// The heap's buckets, first to last.
    fn first_bucket(&self) -> SubjectResult<Option<usize>> {
        let mut bucket = self.last_bucket;
        while let Some(b) = bucket {
            match self.prev(b)? {
                Some(p) => bucket = Some(p),
                None => return Ok(Some(b)),
            }
        }
        Ok(None)
    }

    /// Calls `f` for every allocation of the heap, in address order.
    pub fn for_each_allocation(&self, f: &mut dyn FnMut(AllocationInfo)) -> SubjectResult<()> {
        self.require_started()?;
        let mut bucket = self.first_bucket()?;
        let mut index = 0;
        while let Some(b) = bucket {
            let mut p = self.data_begin(b);
            let end = self.end_used(b)?;
            while p < end {
                let header = Header(self.rd16(p)?);
                let step = header.footprint() as usize;
                f(AllocationInfo {
                    body: self.virtual_offset(b, p + 2)?,
                    header,
                    bucket: index,
                });
                p += step;
            }
            if p != end {
                return Err(engine(format_args!(
                    "MVM_E_HEAP_CORRUPT: allocations of bucket {index} run {} bytes past its used space",
                    p - end
                )));
            }
            bucket = self.next(b)?;
            index += 1;
        }
        Ok(())
    }

    /// Allocations and their bytes: the walk of [`for_each_allocation`](Self::for_each_allocation),
    /// reading only each header.
    pub(super) fn census(&self) -> SubjectResult<(u64, u64)> {
        self.require_started()?;
        let (mut count, mut bytes) = (0u64, 0u64);
        let mut bucket = self.first_bucket()?;
        let mut index = 0;
        while let Some(b) = bucket {
            let mut p = self.data_begin(b);
            let end = self.end_used(b)?;
            while p < end {
                let step = Header(self.rd16(p)?).footprint() as usize;
                count += 1;
                bytes += step as u64;
                p += step;
            }
            if p != end {
                return Err(engine(format_args!(
                    "MVM_E_HEAP_CORRUPT: allocations of bucket {index} run {} bytes past its used space",
                    p - end
                )));
            }
            bucket = self.next(b)?;
            index += 1;
        }
        Ok((count, bytes))
    }

    /// Bytes of the virtual heap in use (`virtualHeapUsed`).
    pub fn heap_used(&self) -> SubjectResult<u32> {
        self.require_started()?;
        self.heap_size()
    }

    /// The 16-bit word at virtual offset `at` (any even offset below the heap size, headers included).
    pub fn heap_word(&self, at: u16) -> SubjectResult<u16> {
        self.require_started()?;
        let mut bucket = self.last_bucket;
        while let Some(b) = bucket {
            let start = self.offset_start(b)?;
            if at >= start {
                let p = self.data_begin(b) + (at - start) as usize;
                if at & 1 == 0 && p + 2 <= self.end_used(b)? {
                    return self.rd16(p);
                }
                break;
            }
            bucket = self.prev(b)?;
        }
        Err(super::bad(format_args!(
            "virtual offset {at:#06x} is not a word of the heap ({} bytes used)",
            self.heap_size()?
        )))
    }

    /// `mvm_getMemoryStats`.
    pub fn memory_stats(&self) -> SubjectResult<MemoryStats> {
        self.require_started()?;
        let mask = match self.config.host.pointer_bytes() {
            4 => u32::MAX as u64,
            _ => u64::MAX,
        };
        let mut buckets = 0u64;
        let mut bucket = self.last_bucket;
        while let Some(b) = bucket {
            buckets += 1;
            bucket = self.prev(b)?;
        }
        let core = self.config.vm_struct_bytes() as u64;
        let imports = (IMPORTS * self.config.host_function_bytes()) as u64;
        let used = self.heap_size()? as u64;
        let (reported_capacity, true_capacity) = match self.last_bucket {
            None => (0, 0),
            Some(b) => {
                let start = self.offset_start(b)? as i64;
                let end = self.address(self.last_end_capacity);
                let begin = self.address(self.data_begin(b));
                let reported = start + (end & 0xFFFF) as i64 - (begin & 0xFFFF) as i64;
                let truth = start + (self.last_end_capacity - self.data_begin(b)) as i64;
                (reported as u64 & mask, truth as u64)
            }
        };
        let headers = buckets * self.config.bucket_header_bytes() as u64;
        let reported_total = core
            .wrapping_add(imports)
            .wrapping_add(IMPORT_SECTION_BYTES)
            .wrapping_add(reported_capacity)
            .wrapping_add(headers)
            & mask;
        Ok(MemoryStats {
            total_size: reported_total,
            fragment_count: 1 + buckets,
            core_size: core,
            import_table_size: imports,
            global_variables_size: IMPORT_SECTION_BYTES,
            registers_size: 0,
            stack_height: 0,
            stack_allocated_capacity: 0,
            stack_high_water_mark: 0,
            virtual_heap_used: used,
            virtual_heap_high_water_mark: used.max(self.heap_high_water_mark as u64),
            virtual_heap_allocated_capacity: reported_capacity,
            true_global_variables_size: GLOBALS_BYTES as u64,
            true_virtual_heap_allocated_capacity: true_capacity,
            true_total_size: core + imports + GLOBALS_BYTES as u64 + true_capacity + headers,
        })
    }

    /// Writes the heap map: each bucket, then each allocation's body offset, header, type, size and
    /// first body words.
    pub(super) fn write_heap_map(&self, out: &mut dyn fmt::Write) -> SubjectResult<()> {
        let s = self.memory_stats()?;
        let w = |r: fmt::Result| r.map_err(|_| engine(format_args!("heap map: the writer failed")));
        w(writeln!(
            out,
            "microvium heap ({}): {} bucket(s), {} bytes used, capacity {}",
            self.config.host.name(),
            s.fragment_count - 1,
            s.virtual_heap_used,
            s.true_virtual_heap_allocated_capacity
        ))?;
        let mut bucket = self.first_bucket()?;
        let mut index = 0;
        while let Some(b) = bucket {
            let start = self.offset_start(b)?;
            let used = self.end_used(b)?.saturating_sub(self.data_begin(b));
            w(writeln!(
                out,
                "bucket {index}: virtual {start:#06x}, {used} bytes used"
            ))?;
            let mut p = self.data_begin(b);
            let end = self.end_used(b)?;
            while p < end {
                let h = Header(self.rd16(p)?);
                let body = self.virtual_offset(b, p + 2)?;
                w(write!(
                    out,
                    "  {:#06x}  {:04x}  {:<18} {:>4}",
                    body.0,
                    h.0,
                    h.type_code().name(),
                    h.size()
                ))?;
                let words = (h.size() as usize).div_ceil(2);
                for i in 0..words.min(8) {
                    w(write!(out, " {:04x}", self.rd16(p + 2 + 2 * i)?))?;
                }
                if words > 8 {
                    w(write!(out, " ..."))?;
                }
                w(writeln!(out))?;
                p += h.footprint() as usize;
            }
            bucket = self.next(b)?;
            index += 1;
        }
        Ok(())
    }
}

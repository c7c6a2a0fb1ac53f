//! # The heap
//!
//! The heap holds the objects the collector manages. It is not one block: it is a chain of
//! **buckets**, each `malloc`'d from the host, so that it can grow a little at a time. A new bucket
//! holds `MVM_ALLOCATION_BUCKET_SIZE` bytes (256 in the example port file), or exactly the size of the
//! allocation that needs it when that is larger. A new bucket starts at the allocation cursor: the
//! unused tail of the previous bucket is never used again, and it does not count in
//! `virtualHeapUsed`.
//!
//! Allocations are addressed by their offset in the **virtual heap**, the buckets' used bytes laid
//! end to end, so pointers stay 16 bits however the host places the buckets. The heap can therefore
//! never exceed 64 KiB, and `MVM_MAX_HEAP_SIZE` (set by the port file: 1024 in the example port,
//! `0xFFFE` in the npm package's addon) caps it below that. Each bucket carries a host-side header,
//! `TsBucket` (the offset of its first byte in the virtual heap, and pointers to the previous and next
//! bucket and to the end of its used space): 8 bytes on a 16-bit host, 16 on a 32-bit host, 32 on a
//! 64-bit host. Bucket headers are host memory, not heap: they appear only in `totalSize`.
//!
//! There is no minimum heap. A VM restored from a snapshot with an empty heap has no bucket at all
//! (`virtualHeapAllocatedCapacity` 0); a snapshot's heap is restored into one bucket of exactly its
//! size, and the first new allocation adds a bucket.
//!
//! When a new bucket would take the heap past `MVM_MAX_HEAP_SIZE`, the engine first runs a (non-squeeze)
//! collection. If even the bytes the pending allocation needs still do not fit, the VM stops with the
//! fatal error `MVM_E_OUT_OF_MEMORY`; otherwise the new bucket is shortened to the room that is left.
//! This is the only collection the engine starts by itself.

use super::evidence::{LIMITS, STATS, measured, src};
use crate::evidence::Evidence;

const INTERNALS: &str = "native-vm/microvium_internals.h";

/// Bytes of data in a bucket the mutator adds (`MVM_ALLOCATION_BUCKET_SIZE`); measured as the growth
/// of `virtualHeapAllocatedCapacity` in steps of 256.
pub const BUCKET_BYTES: u16 = 256;

/// Where [`BUCKET_BYTES`] comes from.
pub const BUCKET_BYTES_SOURCE: Evidence = measured(STATS);

/// Bytes of the host-side `TsBucket` header (u16 offset and three pointers, padded) on a host with
/// `pointer_bytes`-byte pointers: 8, 16 or 32.
pub const fn bucket_header_bytes(pointer_bytes: u16) -> u16 {
    // offsetStart is padded to the pointer's alignment, then prev, next, pEndOfUsedSpace.
    let offset_field = if pointer_bytes > 2 { pointer_bytes } else { 2 };
    offset_field + 3 * pointer_bytes
}

/// Where the bucket header's layout comes from.
pub const BUCKET_HEADER_SOURCE: Evidence = src(INTERNALS, "TsBucket");

/// The largest virtual heap any port can have, in bytes: offsets are 16 bits.
pub const VIRTUAL_HEAP_LIMIT_BYTES: u32 = 0x1_0000;

/// `MVM_MAX_HEAP_SIZE` of the npm package's addon, in bytes: sixteen 4002-byte allocations fit
/// (64032 B), the seventeenth is `MVM_E_OUT_OF_MEMORY`.
pub const NPM_MAX_HEAP_BYTES: u16 = 0xFFFE;

/// Where [`NPM_MAX_HEAP_BYTES`] comes from.
pub const NPM_MAX_HEAP_SOURCE: Evidence = measured(LIMITS);

/// `MVM_MAX_HEAP_SIZE` of the example port file, in bytes.
pub const EXAMPLE_PORT_MAX_HEAP_BYTES: u16 = 1024;

/// Offset of the first allocation's body in an empty virtual heap: past its 2-byte header.
pub const FIRST_BODY_OFFSET: u16 = 2;

//! # The collector
//!
//! Microvium 8.0.0 collects with a Cheney semispace copy (`mvm_runGC`). There are no mark bits and no
//! mark table, and nothing is compacted in place: every reachable allocation is copied into a fresh
//! set of buckets (to-space), and the old buckets (from-space) are freed at the end. A collection
//! therefore needs extra host memory for the live bytes, not for the garbage.
//!
//! 1. To-space starts with one bucket the size of the heap after the previous collection (or of the
//!    restored snapshot heap), or 64 bytes when that was 0. Later to-space buckets are
//!    `MVM_ALLOCATION_BUCKET_SIZE` bytes, or the size of the object being copied when larger.
//! 2. Roots, in order: the global slots (including handles and the intern-list handle), the host's
//!    `mvm_Handle` list (most recently initialised first), the registers `closure`, `cpsCallback`
//!    and `jobQueue`, and every word of the stack except the 4-word frame boundaries (whose saved
//!    closure is traced).
//! 3. Copying an allocation overwrites its old header and first body word with a **tombstone**:
//!    `TOMBSTONE_HEADER` and the forwarding ShortPtr. A pointer that meets a tombstone is updated to
//!    the forwarding address.
//! 4. Then to-space is scanned from its start: each container's words that are ShortPtrs are
//!    processed the same way, so to-space ends in breadth-first order from the roots.
//! 5. While copying, objects are tidied:
//!    * an object's chain of property cells (one cell per property added since the last collection,
//!      linked through `dpNext`) is merged into one PROPERTY_LIST of `2 + 4 + 4·N` bytes;
//!    * an array's data is cut to the array's length (header rewritten in from-space before the
//!      data is copied), or dropped, `dpData = null`, when the length is 0.
//! 6. With `squeeze`, when the heap's final size differs from the first to-space bucket's size, the
//!    collection runs once more (now with the exact size as its estimate), so the heap ends as one
//!    bucket of exactly the live size.
//!
//! Strings interned in RAM are never collected: their intern list is rooted in a global handle.

use super::evidence::{STATS, measured, src};
use crate::evidence::Evidence;

/// Bytes of the first to-space bucket when the heap after the previous collection was empty.
pub const EMPTY_TO_SPACE_BYTES: u16 = 64;

/// Where [`EMPTY_TO_SPACE_BYTES`] comes from: `virtualHeapAllocatedCapacity` 64 after collecting an
/// empty heap.
pub const EMPTY_TO_SPACE_SOURCE: Evidence = measured(STATS);

/// Where the collector's algorithm comes from.
pub const COLLECTOR_SOURCE: Evidence = src("native-vm/microvium.c", "mvm_runGC");

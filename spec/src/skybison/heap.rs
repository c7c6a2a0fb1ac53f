//! Heap geometry: where an object's words are relative to the pointer that names it.
//!
//! ```text
//!   base address (16-aligned)                      address = raw - 1
//!   |                                              |
//!   v                                              v
//!   [ overflow count (SmallInt), only if count > 254 ][ header ][ field 0 ][ field 1 ] ... [ padding ]
//!                                  address - 16        address - 8
//! ```
//!
//! A tagged pointer is `address + 1`, and `address` is the **first field**, not the start of the
//! allocation: the header word sits at `address - 8` (`RawHeapObject::kHeaderOffset`), the overflow
//! word, when there is one, at `address - 16`. Field `i` of a word-field object is at
//! `address + 8 i`.
//!
//! Spaces are page-aligned `mmap`s handed out by a bump pointer, and every allocation size is a
//! multiple of 16 bytes (`kObjectAlignment`, `roundAllocationSize`), so every allocation starts on
//! a 16-byte boundary. An object without an overflow word therefore has `address mod 16 == 8`, one
//! with an overflow word `address mod 16 == 0`. The tag itself needs only `address mod 8 == 0`,
//! which `RawHeapObject::fromAddress` checks.
//!
//! A fresh space is a fresh anonymous mapping, so its bytes are zero: padding words and the
//! payload of a `MutableTuple` nobody has written yet read as SmallInt 0. Instances are filled
//! with `0xFF` bytes, which is `None` in every word (`RawInstance::initializeWithNone`).

/// Bytes of a word and of a pointer (`kPointerSize`, `kWordSize`).
pub const WORD_BYTES: u64 = 8;
/// `kObjectAlignmentLog2`.
pub const OBJECT_ALIGNMENT_LOG2: u32 = 4;
/// The allocation granule in bytes (`kObjectAlignment = 1 << kObjectAlignmentLog2`).
pub const OBJECT_ALIGNMENT_BYTES: u64 = 1 << OBJECT_ALIGNMENT_LOG2;
/// Offset of the header word from the object's address, in bytes (`RawHeapObject::kHeaderOffset`).
pub const HEADER_OFFSET_BYTES: i64 = -(WORD_BYTES as i64);
/// Offset of the overflow word from the object's address, in bytes
/// (`RawHeapObject::kHeaderOverflowOffset = kHeaderOffset - kPointerSize`).
pub const HEADER_OVERFLOW_OFFSET_BYTES: i64 = HEADER_OFFSET_BYTES - WORD_BYTES as i64;
/// `raw - address` for a heap object (`RawObject::kHeapObjectTag`).
pub const POINTER_TAG_OFFSET_BYTES: u64 = super::tags::HEAP_OBJECT_TAG;
/// `address mod 16` of an object without an overflow word: the header takes the first 8 bytes of
/// a 16-aligned allocation.
pub const ADDRESS_MOD_GRANULE: u64 = WORD_BYTES;
/// `address mod 16` of an object with an overflow word.
pub const OVERFLOW_ADDRESS_MOD_GRANULE: u64 = 2 * WORD_BYTES % OBJECT_ALIGNMENT_BYTES;
/// The byte every instance attribute is filled with: `0xFF` in all 8 bytes is `None`.
pub const NONE_FILL_BYTE: u8 = 0xFF;

/// `roundAllocationSize(size) = roundUp(size, kObjectAlignment)`.
pub const fn round_allocation_size(bytes: u64) -> u64 {
    bytes.div_ceil(OBJECT_ALIGNMENT_BYTES) * OBJECT_ALIGNMENT_BYTES
}

/// Bytes in front of an object's address: the header, and the overflow word when the count
/// (bytes or words) is over 254 (`RawHeapObject::headerSize`).
pub const fn header_bytes(count: u64) -> u64 {
    if count > super::header::COUNT_MAX {
        2 * WORD_BYTES
    } else {
        WORD_BYTES
    }
}

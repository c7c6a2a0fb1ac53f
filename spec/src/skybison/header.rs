//! The header word of a heap object, and the overflow word before it.
//!
//! ```text
//!  63                             32 31      24 23                   4  3  2  0
//! +---------------------------------+----------+----------------------+---+-----+
//! |          hash (32 bits)         | count(8) |   layout id (20)     | f | 011 |
//! +---------------------------------+----------+----------------------+---+-----+
//! ```
//!
//! * `format` (bit 3): `ObjectFormat::kData = 0`, the count is in **bytes** and the payload is not
//!   scanned; `ObjectFormat::kObjects = 1`, the count is in **words** and every payload word is a
//!   `RawObject` the collector visits.
//! * `count` 0 to 254 is the count itself. A larger count stores `255` (`kCountOverflowFlag`) and
//!   the real count as a SmallInt in one more word before the header, at `address - 16`
//!   (`kHeaderOverflowOffset`); the allocation then starts there.
//! * `hash` is 0 (`kUninitializedHash`) until someone asks for the object's identity hash, or caches
//!   a Str, Bytes or LargeInt content hash here.
//!
//! The code bounds layout ids by `kMaxLayoutId = (1 << 21) - 1`, one bit more than the 20 bits the
//! header stores; `RawHeader::withLayoutId` masks the id, so an id from `2^20` on would wrap.

use super::upstream::objects_h;
use crate::profile::{BitField, BitLayout};
use crate::width::Width;

/// `RawHeader::kFormatOffset = kPrimaryTagBits`.
pub const FORMAT_SHIFT_BITS: u32 = super::tags::PRIMARY_TAG_BITS;
/// `RawHeader::kFormatBits`.
pub const FORMAT_BITS: u32 = 1;
/// `RawHeader::kLayoutIdOffset = kFormatOffset + kFormatBits`.
pub const LAYOUT_ID_SHIFT_BITS: u32 = FORMAT_SHIFT_BITS + FORMAT_BITS;
/// `RawHeader::kLayoutIdBits`.
pub const LAYOUT_ID_BITS: u32 = 20;
/// `RawHeader::kCountOffset = kLayoutIdOffset + kLayoutIdBits`.
pub const COUNT_SHIFT_BITS: u32 = LAYOUT_ID_SHIFT_BITS + LAYOUT_ID_BITS;
/// `RawHeader::kCountBits`.
pub const COUNT_BITS: u32 = 8;
/// `RawHeader::kHashCodeOffset = kCountOffset + kCountBits`.
pub const HASH_SHIFT_BITS: u32 = COUNT_SHIFT_BITS + COUNT_BITS;
/// `RawHeader::kHashCodeBits`.
pub const HASH_BITS: u32 = 32;

/// `RawHeader::kCountOverflowFlag = (1 << kCountBits) - 1`: the count field of a header whose real
/// count is in the overflow word.
pub const COUNT_OVERFLOW_FLAG: u64 = (1 << COUNT_BITS) - 1;
/// `RawHeader::kCountMax = kCountOverflowFlag - 1`: the largest count the header holds itself.
pub const COUNT_MAX: u64 = COUNT_OVERFLOW_FLAG - 1;
/// `RawHeader::kMaxLayoutId = (1L << (kLayoutIdBits + 1)) - 1`: the bound the code checks, one bit
/// wider than the field.
pub const MAX_LAYOUT_ID_CHECKED: u64 = (1 << (LAYOUT_ID_BITS + 1)) - 1;
/// `ObjectFormat::kData`.
pub const FORMAT_DATA: u64 = 0;
/// `ObjectFormat::kObjects`.
pub const FORMAT_OBJECTS: u64 = 1;

/// The header word, field by field (`RawHeader` layout constants; `kTotalBits == 64` is asserted).
pub const HEADER: BitLayout = BitLayout {
    name: "header word",
    width: Width::W64,
    fields: &[
        BitField {
            name: "tag",
            lsb: 0,
            bits: super::tags::PRIMARY_TAG_BITS,
            meaning: "kHeaderTag = 0b011",
        },
        BitField {
            name: "format",
            lsb: FORMAT_SHIFT_BITS,
            bits: FORMAT_BITS,
            meaning: "ObjectFormat: 0 data (count in bytes, not scanned), 1 objects (count in words, scanned)",
        },
        BitField {
            name: "layout id",
            lsb: LAYOUT_ID_SHIFT_BITS,
            bits: LAYOUT_ID_BITS,
            meaning: "LayoutId: the object's layout, and so its type",
        },
        BitField {
            name: "count",
            lsb: COUNT_SHIFT_BITS,
            bits: COUNT_BITS,
            meaning: "0..=254 bytes or words; 255: the count is the SmallInt at address - 16",
        },
        BitField {
            name: "hash",
            lsb: HASH_SHIFT_BITS,
            bits: HASH_BITS,
            meaning: "identity or cached value hash; 0 until computed",
        },
    ],
    source: objects_h("RawHeader (kFormatOffset, kLayoutIdOffset, kCountOffset, kHashCodeOffset)"),
};

/// The header's fields as numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderFields {
    /// [`FORMAT_DATA`] or [`FORMAT_OBJECTS`].
    pub format: u64,
    /// The layout id.
    pub layout_id: u64,
    /// The count field: the count, or [`COUNT_OVERFLOW_FLAG`].
    pub count: u64,
    /// The hash field.
    pub hash: u64,
}

impl HeaderFields {
    /// The fields of `word`, read through [`HEADER`]. The tag is not looked at.
    pub fn of(word: u64) -> HeaderFields {
        HeaderFields {
            format: HEADER.fields[1].get(word),
            layout_id: HEADER.fields[2].get(word),
            count: HEADER.fields[3].get(word),
            hash: HEADER.fields[4].get(word),
        }
    }

    /// The header word with these fields, made through [`HEADER`].
    pub fn word(&self) -> u64 {
        HEADER.encode(&[
            super::tags::HEADER_TAG,
            self.format,
            self.layout_id,
            self.count,
            self.hash,
        ])
    }
}

/// The count field a header stores for a real count of `count` (`RawHeader::from`).
pub const fn count_field(count: u64) -> u64 {
    if count > COUNT_MAX {
        COUNT_OVERFLOW_FLAG
    } else {
        count
    }
}

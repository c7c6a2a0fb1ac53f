//! The header word (`RawHeader`) and the overflow count word before it.
//!
//! `tag 011 | format << 3 | layout id << 4 | count << 24 | hash << 32`. A count over 254 is stored
//! as 255, and the real count goes, as a SmallInt, into the word before the header.

use super::error::{Error, Result};
use super::value::{self, HEADER_TAG, PRIMARY_MASK};

/// `RawHeader::kFormatOffset`.
const FORMAT_SHIFT: u32 = 3;
/// `RawHeader::kLayoutIdOffset`.
const LAYOUT_ID_SHIFT: u32 = 4;
/// `RawHeader::kLayoutIdMask`: 20 bits.
pub const LAYOUT_ID_MASK: u64 = 0xF_FFFF;
/// `RawHeader::kCountOffset`.
const COUNT_SHIFT: u32 = 24;
/// `RawHeader::kCountMask`.
const COUNT_MASK: u64 = 0xFF;
/// `RawHeader::kHashCodeOffset`.
const HASH_SHIFT: u32 = 32;
/// `RawHeader::kCountOverflowFlag`.
pub const COUNT_OVERFLOW_FLAG: u64 = 255;
/// `RawHeader::kCountMax`.
pub const COUNT_MAX: u64 = COUNT_OVERFLOW_FLAG - 1;

/// `ObjectFormat`: what the count counts and whether the collector scans the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `kData`: the count is in bytes; the payload is raw data, never scanned.
    Data = 0,
    /// `kObjects`: the count is in words; every payload word is a `RawObject` and is scanned.
    Objects = 1,
}

/// A header word's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// The format bit.
    pub format: Format,
    /// The 20-bit layout id.
    pub layout_id: u32,
    /// The 8-bit count field: the count, or [`COUNT_OVERFLOW_FLAG`].
    pub count: u8,
    /// The 32-bit hash field.
    pub hash: u32,
}

impl Header {
    /// The header for an object of `count` bytes or words (`RawHeader::from`), and the overflow
    /// word that goes before it when `count` is over [`COUNT_MAX`].
    pub fn for_count(count: u64, hash: u32, layout_id: u32, format: Format) -> Result<(Header, Option<u64>)> {
        if u64::from(layout_id) > LAYOUT_ID_MASK {
            return Err(Error::BadArgument {
                what: "layout id wider than the header's 20 bits",
                value: i128::from(layout_id),
            });
        }
        let overflow = if count > COUNT_MAX {
            let value = i64::try_from(count).map_err(|_| Error::TooLarge {
                what: "object count",
                count: u128::from(count),
            })?;
            Some(value::small_int(value).ok_or(Error::TooLarge {
                what: "object count (must be a SmallInt in the overflow word)",
                count: u128::from(count),
            })?)
        } else {
            None
        };
        let field = if overflow.is_some() {
            COUNT_OVERFLOW_FLAG
        } else {
            count
        };
        Ok((
            Header {
                format,
                layout_id,
                count: field as u8,
                hash,
            },
            overflow,
        ))
    }

    /// The header word.
    pub const fn word(self) -> u64 {
        HEADER_TAG
            | (self.format as u64) << FORMAT_SHIFT
            | (self.layout_id as u64 & LAYOUT_ID_MASK) << LAYOUT_ID_SHIFT
            | (self.count as u64) << COUNT_SHIFT
            | (self.hash as u64) << HASH_SHIFT
    }

    /// The fields of a header word; [`Error::MalformedHeader`] (at address `at`) if it is none.
    pub const fn decode(raw: u64, at: u64) -> Result<Header> {
        if raw & PRIMARY_MASK != HEADER_TAG {
            return Err(Error::MalformedHeader {
                at,
                raw,
                why: "low bits are not 011: not a header (a forwarded object, or no object)",
            });
        }
        Ok(Header {
            format: if raw >> FORMAT_SHIFT & 1 == 1 {
                Format::Objects
            } else {
                Format::Data
            },
            layout_id: ((raw >> LAYOUT_ID_SHIFT) & LAYOUT_ID_MASK) as u32,
            count: ((raw >> COUNT_SHIFT) & COUNT_MASK) as u8,
            hash: (raw >> HASH_SHIFT) as u32,
        })
    }

    /// Whether the real count is in the overflow word (`RawHeader::hasOverflow`).
    pub const fn has_overflow(self) -> bool {
        self.count as u64 == COUNT_OVERFLOW_FLAG
    }

    /// The real count, given the overflow word (read only when [`has_overflow`](Self::has_overflow)).
    /// `at` is the overflow word's address, for the error.
    pub fn real_count(self, overflow: impl FnOnce() -> Result<u64>, at: u64) -> Result<u64> {
        if !self.has_overflow() {
            return Ok(u64::from(self.count));
        }
        let raw = overflow()?;
        if raw & value::SMALL_INT_MASK != 0 {
            return Err(Error::MalformedHeader {
                at,
                raw,
                why: "count 255 needs a SmallInt overflow word before the header",
            });
        }
        match u64::try_from(value::small_int_value(raw)) {
            Ok(n) if n > COUNT_MAX => Ok(n),
            _ => Err(Error::MalformedHeader {
                at,
                raw,
                why: "the overflow word holds a count of 254 or less, which the header would hold itself",
            }),
        }
    }
}

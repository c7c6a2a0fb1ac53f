//! The `RawObject` word: tags, immediates, and the classification of any 64-bit word.
//!
//! Classification follows the engine's own predicates (`runtime/objects.h`, `RawObject::is*`),
//! each at its own width: 1 bit for SmallInt, 3 for heap objects and headers, 5 for SmallStr and
//! SmallBytes, 8 for Bool and Error, the whole word for NotImplemented, Unbound and None. Decoding
//! is stricter than classification: a word whose class is Bool or Error but that no constructor
//! makes (`0x207`, `0x615`), or a SmallStr with bytes past its length, is an invalid word.

use memspec::TagClass;
use memspec::subject::InlineBytes;

use super::error::{Error, Result};

/// Value bits of a SmallInt (`RawSmallInt::kBits = kBitsPerPointer - kSmallIntTagBits`).
pub const SMALL_INT_BITS: u32 = 63;
/// `RawSmallInt::kMinValue`.
pub const SMALL_INT_MIN: i64 = -(1 << (SMALL_INT_BITS - 1));
/// `RawSmallInt::kMaxValue`.
pub const SMALL_INT_MAX: i64 = (1 << (SMALL_INT_BITS - 1)) - 1;

/// `kSmallIntTagMask`: SmallInts are the even words.
pub const SMALL_INT_MASK: u64 = 0b1;
/// `kPrimaryTagMask`.
pub const PRIMARY_MASK: u64 = 0b111;
/// `kImmediateTagMask`.
pub const IMMEDIATE_MASK: u64 = 0b1_1111;
/// `RawBool::kTagMask`, `RawError::kTagMask`: the low byte.
pub const LOW_BYTE_MASK: u64 = 0xFF;

/// `kHeapObjectTag`.
pub const HEAP_OBJECT_TAG: u64 = 0b001;
/// `kHeaderTag`.
pub const HEADER_TAG: u64 = 0b011;
/// `kSmallBytesTag`.
pub const SMALL_BYTES_TAG: u64 = 0b0_0101;
/// `kSmallStrTag`.
pub const SMALL_STR_TAG: u64 = 0b0_1101;
/// `kErrorTag`.
pub const ERROR_TAG: u64 = 0b1_0101;
/// `kBoolTag`.
pub const BOOL_TAG: u64 = 0b0_0111;
/// `kNotImplementedTag`, also the whole NotImplemented word.
pub const NOT_IMPLEMENTED: u64 = 0b0_1111;
/// `kUnboundTag`, also the whole Unbound word.
pub const UNBOUND: u64 = 0b1_0111;
/// `RawNoneType::object()`: `kMaxUword`.
pub const NONE: u64 = u64::MAX;
/// `RawBool::kValueOffset`, `RawError::kKindOffset`: both `kBitsPerByte`.
pub const PAYLOAD_SHIFT: u32 = 8;
/// Shift of a SmallStr or SmallBytes length (`kImmediateTagBits`).
pub const SMALL_DATA_LENGTH_SHIFT: u32 = 5;
/// `RawSmallData::kMaxLength = kWordSize - 1`.
pub const SMALL_DATA_MAX_LENGTH: usize = 7;
/// `RawFalse`: `RawBool::fromBool(false)`.
pub const FALSE: u64 = BOOL_TAG;
/// `RawTrue`: `RawBool::fromBool(true)`.
pub const TRUE: u64 = 1 << PAYLOAD_SHIFT | BOOL_TAG;

/// `enum class ErrorKind : byte`: what an Error sentinel reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// `kNone`: a generic error.
    None = 0,
    /// `kException`: an exception is pending.
    Exception = 1,
    /// `kNotFound`.
    NotFound = 2,
    /// `kOutOfBounds`.
    OutOfBounds = 3,
    /// `kOutOfMemory`.
    OutOfMemory = 4,
    /// `kNoMoreItems`: an iterator is exhausted.
    NoMoreItems = 5,
}

impl ErrorKind {
    /// Every kind, by number.
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::None,
        ErrorKind::Exception,
        ErrorKind::NotFound,
        ErrorKind::OutOfBounds,
        ErrorKind::OutOfMemory,
        ErrorKind::NoMoreItems,
    ];

    /// The kind numbered `n`.
    pub fn from_number(n: u64) -> Option<ErrorKind> {
        Self::ALL.into_iter().find(|k| *k as u64 == n)
    }
}

/// A value stored in the word itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Immediate {
    /// A SmallInt.
    SmallInt(i64),
    /// A SmallStr: up to 7 UTF-8 bytes.
    SmallStr(InlineBytes),
    /// A SmallBytes: up to 7 bytes.
    SmallBytes(InlineBytes),
    /// `True` or `False`.
    Bool(bool),
    /// `NotImplemented`.
    NotImplemented,
    /// `Unbound`, the runtime's "no value here" marker.
    Unbound,
    /// `None`.
    None,
    /// An Error sentinel.
    Error(ErrorKind),
}

/// What a valid word holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word {
    /// An immediate value.
    Immediate(Immediate),
    /// A reference to the heap object whose first field is at this address (`raw - 1`).
    HeapObject(u64),
    /// A header word (found only in the word before an object's address).
    Header(u64),
}

/// The tag class of `raw`, by the engine's predicates.
pub const fn classify(raw: u64) -> TagClass {
    if raw & SMALL_INT_MASK == 0 {
        TagClass::SmallInt
    } else if raw & PRIMARY_MASK == HEAP_OBJECT_TAG {
        TagClass::Pointer
    } else if raw & PRIMARY_MASK == HEADER_TAG {
        TagClass::Header
    } else if raw & IMMEDIATE_MASK == SMALL_BYTES_TAG {
        TagClass::SmallBytes
    } else if raw & IMMEDIATE_MASK == SMALL_STR_TAG {
        TagClass::SmallStr
    } else if raw & LOW_BYTE_MASK == ERROR_TAG {
        TagClass::Error
    } else if raw & LOW_BYTE_MASK == BOOL_TAG {
        TagClass::Bool
    } else if raw == NOT_IMPLEMENTED {
        TagClass::NotImplemented
    } else if raw == UNBOUND {
        TagClass::Unbound
    } else if raw == NONE {
        TagClass::None
    } else {
        TagClass::Invalid
    }
}

/// The SmallInt word of `value`, if it is in range (`RawSmallInt::fromWord`).
pub const fn small_int(value: i64) -> Option<u64> {
    if value < SMALL_INT_MIN || value > SMALL_INT_MAX {
        return None;
    }
    Some((value as u64) << 1)
}

/// The value of a SmallInt word (`RawSmallInt::value`: an arithmetic shift).
pub const fn small_int_value(raw: u64) -> i64 {
    raw as i64 >> 1
}

/// The x86-64 `BINARY_ADD_SMALLINT` fast path: one 64-bit add of the raw words, `None` when the
/// signed add overflows (the handler then takes the slow path). Both words must be SmallInts.
pub fn add_small_ints(a: u64, b: u64) -> Result<Option<u64>> {
    for raw in [a, b] {
        if raw & SMALL_INT_MASK != 0 {
            return Err(Error::InvalidWord {
                raw,
                why: "not a SmallInt: the add fast path needs two even words",
            });
        }
    }
    Ok((a as i64).checked_add(b as i64).map(|s| s as u64))
}

fn small_data(tag: u64, bytes: &[u8]) -> Result<u64> {
    if bytes.len() > SMALL_DATA_MAX_LENGTH {
        return Err(Error::NotImmediate {
            what: "a string or bytes longer than 7 bytes",
        });
    }
    let data = bytes.iter().rev().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
    Ok(data << 8 | (bytes.len() as u64) << SMALL_DATA_LENGTH_SHIFT | tag)
}

fn small_data_bytes(raw: u64) -> Result<InlineBytes> {
    let len = ((raw >> SMALL_DATA_LENGTH_SHIFT) & 0b111) as usize;
    let data = raw >> 8;
    // Bytes past the length are zero in every word `fromBytes` makes.
    if len < SMALL_DATA_MAX_LENGTH && data >> (8 * len) != 0 {
        return Err(Error::InvalidWord {
            raw,
            why: "a SmallStr or SmallBytes with non-zero bytes past its length",
        });
    }
    let mut out = InlineBytes {
        len: len as u8,
        data: [0; 8],
    };
    let le = data.to_le_bytes();
    out.data[..SMALL_DATA_MAX_LENGTH].copy_from_slice(&le[..SMALL_DATA_MAX_LENGTH]);
    Ok(out)
}

/// The word of an immediate. Strings and bytes longer than 7 bytes, and SmallInts out of range,
/// are [`Error::NotImmediate`].
pub fn encode(value: &Immediate) -> Result<u64> {
    Ok(match *value {
        Immediate::SmallInt(v) => small_int(v).ok_or(Error::NotImmediate {
            what: "an int outside -2^62 ..= 2^62 - 1",
        })?,
        Immediate::SmallStr(b) => small_data(SMALL_STR_TAG, b.as_slice())?,
        Immediate::SmallBytes(b) => small_data(SMALL_BYTES_TAG, b.as_slice())?,
        Immediate::Bool(v) => (v as u64) << PAYLOAD_SHIFT | BOOL_TAG,
        Immediate::NotImplemented => NOT_IMPLEMENTED,
        Immediate::Unbound => UNBOUND,
        Immediate::None => NONE,
        Immediate::Error(kind) => (kind as u64) << PAYLOAD_SHIFT | ERROR_TAG,
    })
}

/// What `raw` holds, or why it holds nothing.
pub fn decode(raw: u64) -> Result<Word> {
    let imm = match classify(raw) {
        TagClass::SmallInt => Immediate::SmallInt(small_int_value(raw)),
        TagClass::Pointer => return Ok(Word::HeapObject(raw - HEAP_OBJECT_TAG)),
        TagClass::Header => return Ok(Word::Header(raw)),
        TagClass::SmallStr => Immediate::SmallStr(small_data_bytes(raw)?),
        TagClass::SmallBytes => Immediate::SmallBytes(small_data_bytes(raw)?),
        TagClass::Bool => match raw {
            FALSE => Immediate::Bool(false),
            TRUE => Immediate::Bool(true),
            _ => {
                return Err(Error::InvalidWord {
                    raw,
                    why: "low byte 0x07 says Bool, but RawBool::fromBool makes only 0x07 and 0x107",
                });
            }
        },
        TagClass::Error => match ErrorKind::from_number(raw >> PAYLOAD_SHIFT) {
            Some(kind) => Immediate::Error(kind),
            None => {
                return Err(Error::InvalidWord {
                    raw,
                    why: "low byte 0x15 says Error, but ErrorKind has only kinds 0 to 5",
                });
            }
        },
        TagClass::NotImplemented => Immediate::NotImplemented,
        TagClass::Unbound => Immediate::Unbound,
        TagClass::None => Immediate::None,
        _ => {
            return Err(Error::InvalidWord {
                raw,
                why: invalid_reason(raw),
            });
        }
    };
    Ok(Word::Immediate(imm))
}

fn invalid_reason(raw: u64) -> &'static str {
    match raw & IMMEDIATE_MASK {
        0b1_1101 => "the 5-bit tag 11101 is unused",
        ERROR_TAG => "tag 10101 with bits 5-7 set: Error needs the whole low byte to be 0x15",
        BOOL_TAG => "tag 00111 with bits 5-7 set: Bool needs the whole low byte to be 0x07",
        NOT_IMPLEMENTED => "tag 01111 is NotImplemented only as the whole word 0x0f",
        UNBOUND => "tag 10111 is Unbound only as the whole word 0x17",
        _ => "tag 11111 is None only as the whole word of ones",
    }
}

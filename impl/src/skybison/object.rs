//! Heap objects: the tagged pointer, the header and overflow words in front of the address, the
//! allocation size, and the builtin kinds' constructors with their payload layouts.
//!
//! | kind | layout | format | count | payload at `address` |
//! |---|---|---|---|---|
//! | Float | `Float` | data | 8 | the double |
//! | Complex | `Complex` | data | 16 | real, then imaginary |
//! | LargeInt | `LargeInt` | data | 8 × digits | digits, least significant first, two's complement |
//! | LargeStr, LargeBytes, MutableBytes | their own | data | length | the bytes (LargeStr and LargeBytes only above 7 bytes) |
//! | Tuple, MutableTuple | their own | objects | length | the elements |
//! | instance | any instance id | objects | attribute words | the attributes, `None` when new |
//! | Ellipsis | `Ellipsis` | data | 0 | nothing |

use super::error::{Error, Result};
use super::header::{COUNT_MAX, Format, Header};
use super::heap::{Address, GRANULE_BYTES, Heap, WORD_BYTES};
use super::large_int;
use super::layout;
use super::value::{HEAP_OBJECT_TAG, PRIMARY_MASK, SMALL_DATA_MAX_LENGTH};

/// A reference to a heap object: the address of its first field. Its word is `address + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HeapObject {
    /// The first field's address; the header is the word before it.
    pub address: Address,
}

impl HeapObject {
    /// The tagged word (`RawHeapObject::fromAddress`).
    pub const fn raw(self) -> u64 {
        self.address.0 + HEAP_OBJECT_TAG
    }

    /// The object a word refers to, if it is a heap-object word.
    pub const fn from_raw(raw: u64) -> Result<HeapObject> {
        if raw & PRIMARY_MASK != HEAP_OBJECT_TAG {
            return Err(Error::BadPointer {
                raw,
                why: "low bits are not 001",
            });
        }
        Ok(HeapObject {
            address: Address(raw - HEAP_OBJECT_TAG),
        })
    }

    /// Where the header word is (`address + kHeaderOffset`).
    pub fn header_slot(self) -> Result<Address> {
        self.address.minus(WORD_BYTES).ok_or(Error::BadPointer {
            raw: self.raw(),
            why: "no room for a header before the address",
        })
    }
}

/// Bytes in front of the address: the header, and the overflow word for a count over 254
/// (`RawHeapObject::headerSize`).
pub const fn header_bytes(count: u64) -> u64 {
    if count > COUNT_MAX {
        2 * WORD_BYTES
    } else {
        WORD_BYTES
    }
}

/// Allocation bytes of an object of `count` bytes (data) or words (objects), header and rounding
/// to the granule included (`RawHeapObject::size`, `roundAllocationSize`).
pub fn allocation_bytes(count: u64, format: Format) -> Result<u64> {
    let too_large = Error::TooLarge {
        what: "object count",
        count: u128::from(count),
    };
    let payload = match format {
        Format::Data => Some(count),
        Format::Objects => count.checked_mul(WORD_BYTES),
    };
    payload
        .and_then(|p| p.checked_add(header_bytes(count)))
        .and_then(|s| s.checked_next_multiple_of(GRANULE_BYTES))
        .ok_or(too_large)
}

/// An object's header, its real count and the start of its allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The header word's fields.
    pub header: Header,
    /// The real count (from the overflow word when there is one).
    pub count: u64,
    /// The first byte of the allocation (`RawHeapObject::baseAddress`).
    pub base: Address,
    /// Allocation bytes (`RawHeapObject::size`).
    pub size: u64,
}

/// Reads the shape of `obj` from the heap, checking that its header slot holds a header, that the
/// overflow word is well formed, and that the builtin data kinds have the counts their layouts fix.
pub fn shape(heap: &Heap<'_>, obj: HeapObject) -> Result<Shape> {
    let slot = obj.header_slot()?;
    let header = Header::decode(heap.word(slot)?, slot.0)?;
    let overflow_at = slot.minus(WORD_BYTES);
    let count = header.real_count(
        || {
            overflow_at
                .ok_or(Error::OutOfBounds {
                    at: 0,
                    len: WORD_BYTES,
                })
                .and_then(|a| heap.word(a))
        },
        overflow_at.map_or(0, |a| a.0),
    )?;
    check_builtin(header, count, slot)?;
    let base = obj.address.minus(header_bytes(count)).ok_or(Error::OutOfBounds {
        at: obj.address.0,
        len: header_bytes(count),
    })?;
    Ok(Shape {
        header,
        count,
        base,
        size: allocation_bytes(count, header.format)?,
    })
}

/// The format and counts that the heap builtins' initialisers always write.
fn check_builtin(header: Header, count: u64, slot: Address) -> Result<()> {
    let id = header.layout_id;
    let malformed = |why| {
        Err(Error::MalformedHeader {
            at: slot.0,
            raw: header.word(),
            why,
        })
    };
    if id < layout::FIRST_HEAP {
        return malformed("layout ids below 32 belong to immediates, never to a heap object");
    }
    let data = matches!(header.format, Format::Data);
    match id {
        layout::FLOAT if !(data && count == 8) => malformed("a Float is data-format with count 8"),
        layout::COMPLEX if !(data && count == 16) => malformed("a Complex is data-format with count 16"),
        layout::ELLIPSIS if !(data && count == 0) => malformed("Ellipsis is data-format with count 0"),
        layout::LARGE_INT if !(data && count > 0 && count.is_multiple_of(WORD_BYTES)) => {
            malformed("a LargeInt is data-format with a count of 8 x digits, at least one digit")
        }
        layout::LARGE_STR | layout::LARGE_BYTES if !(data && count > SMALL_DATA_MAX_LENGTH as u64) => {
            malformed("LargeStr and LargeBytes are data-format and longer than 7 bytes")
        }
        layout::MUTABLE_BYTES if !data => malformed("MutableBytes is data-format"),
        layout::TUPLE | layout::MUTABLE_TUPLE if data => malformed("tuples are objects-format"),
        _ => Ok(()),
    }
}

/// Writes the overflow word (if any) and the header at `base`, and returns the object
/// (`RawHeapObject::initializeHeader`).
fn initialize_header(
    heap: &mut Heap<'_>,
    base: Address,
    count: u64,
    layout_id: u32,
    format: Format,
) -> Result<HeapObject> {
    let (header, overflow) = Header::for_count(count, 0, layout_id, format)?;
    let mut at = base;
    if let Some(word) = overflow {
        heap.set_word(at, word)?;
        at = Address(at.0 + WORD_BYTES);
    }
    heap.set_word(at, header.word())?;
    Ok(HeapObject {
        address: Address(at.0 + WORD_BYTES),
    })
}

/// Allocates and initialises the header of an object; the payload is what the space held (zero).
fn allocate(heap: &mut Heap<'_>, count: u64, layout_id: u32, format: Format) -> Result<HeapObject> {
    let bytes = allocation_bytes(count, format)?;
    let base = heap.allocate(bytes)?;
    initialize_header(heap, base, count, layout_id, format)
}

/// `Runtime::newFloat`.
pub fn new_float(heap: &mut Heap<'_>, value: f64) -> Result<HeapObject> {
    let obj = allocate(heap, 8, layout::FLOAT, Format::Data)?;
    heap.set_word(obj.address, value.to_bits())?;
    Ok(obj)
}

/// `Runtime::newComplex`.
pub fn new_complex(heap: &mut Heap<'_>, real: f64, imag: f64) -> Result<HeapObject> {
    let obj = allocate(heap, 16, layout::COMPLEX, Format::Data)?;
    heap.set_word(obj.address, real.to_bits())?;
    heap.set_word(Address(obj.address.0 + WORD_BYTES), imag.to_bits())?;
    Ok(obj)
}

/// `Runtime::newLargeIntWithDigits`: the digits must be canonical.
pub fn new_large_int(heap: &mut Heap<'_>, digits: &[u64]) -> Result<HeapObject> {
    large_int::check_canonical(digits)?;
    let count = (digits.len() as u64)
        .checked_mul(WORD_BYTES)
        .ok_or(Error::TooLarge {
            what: "LargeInt digits",
            count: digits.len() as u128,
        })?;
    let obj = allocate(heap, count, layout::LARGE_INT, Format::Data)?;
    for (i, d) in digits.iter().enumerate() {
        heap.set_word(Address(obj.address.0 + i as u64 * WORD_BYTES), *d)?;
    }
    Ok(obj)
}

/// A `RawDataArray` of `layout_id` holding `data` (`Runtime::createLargeStr`, `createLargeBytes`,
/// `createMutableBytes`). LargeStr and LargeBytes must be longer than 7 bytes.
pub fn new_data_array(heap: &mut Heap<'_>, layout_id: u32, data: &[u8]) -> Result<HeapObject> {
    if matches!(layout_id, layout::LARGE_STR | layout::LARGE_BYTES) && data.len() <= SMALL_DATA_MAX_LENGTH {
        return Err(Error::BadArgument {
            what: "LargeStr and LargeBytes hold more than 7 bytes; shorter ones are immediates",
            value: data.len() as i128,
        });
    }
    let obj = allocate(heap, data.len() as u64, layout_id, Format::Data)?;
    heap.write_bytes(obj.address, data)?;
    Ok(obj)
}

/// A `MutableBytes` of `len` zero bytes (`Runtime::createMutableBytes` over fresh memory).
pub fn new_mutable_bytes(heap: &mut Heap<'_>, len: u64) -> Result<HeapObject> {
    allocate(heap, len, layout::MUTABLE_BYTES, Format::Data)
}

/// `Runtime::newMutableTuple`: the elements are whatever the fresh space held, SmallInt 0.
/// Length 0 is the empty tuple's business ([`new_empty_tuple`]).
pub fn new_mutable_tuple(heap: &mut Heap<'_>, len: u64) -> Result<HeapObject> {
    if len == 0 {
        return Err(Error::BadArgument {
            what: "a MutableTuple of length 0 (the runtime uses the empty tuple instead)",
            value: 0,
        });
    }
    allocate(heap, len, layout::MUTABLE_TUPLE, Format::Objects)
}

/// `RawMutableTuple::becomeImmutable`: rewrites the header's layout id to `Tuple`.
pub fn become_immutable(heap: &mut Heap<'_>, obj: HeapObject) -> Result<()> {
    let slot = obj.header_slot()?;
    let mut header = Header::decode(heap.word(slot)?, slot.0)?;
    header.layout_id = layout::TUPLE;
    heap.set_word(slot, header.word())
}

/// A tuple of `len` elements (`newMutableTuple` then `becomeImmutable`); length 0 is refused,
/// since the runtime hands out the empty tuple singleton.
pub fn new_tuple(heap: &mut Heap<'_>, len: u64) -> Result<HeapObject> {
    let obj = new_mutable_tuple(heap, len)?;
    become_immutable(heap, obj)?;
    Ok(obj)
}

/// The empty tuple singleton as `newEmptyTuple` makes it at start-up: a `MutableTuple` of length 0
/// made immutable.
pub fn new_empty_tuple(heap: &mut Heap<'_>) -> Result<HeapObject> {
    let obj = allocate(heap, 0, layout::MUTABLE_TUPLE, Format::Objects)?;
    become_immutable(heap, obj)?;
    Ok(obj)
}

/// An instance of `layout_id` with `attrs` attribute words, all `None`
/// (`Runtime::newInstanceWithSize`, `RawInstance::initializeWithNone`).
pub fn new_instance(heap: &mut Heap<'_>, layout_id: u32, attrs: u64) -> Result<HeapObject> {
    if !layout::is_instance(layout_id) {
        return Err(Error::BadArgument {
            what: "instance layout ids are above kLastNonInstance (43)",
            value: i128::from(layout_id),
        });
    }
    let obj = allocate(heap, attrs, layout_id, Format::Objects)?;
    let bytes = attrs.checked_mul(WORD_BYTES).ok_or(Error::TooLarge {
        what: "instance attributes",
        count: u128::from(attrs),
    })?;
    heap.fill_bytes(obj.address, bytes, 0xFF)?;
    Ok(obj)
}

/// The Ellipsis singleton as `Runtime::initializePrimitiveInstances` makes it.
pub fn new_ellipsis(heap: &mut Heap<'_>) -> Result<HeapObject> {
    allocate(heap, 0, layout::ELLIPSIS, Format::Data)
}

/// Visits every object of the current semispace in address order, as `Heap::visitSpace` does:
/// words that are not headers (padding, overflow counts) are skipped one by one.
pub fn walk(heap: &Heap<'_>, mut visit: impl FnMut(HeapObject, &Shape) -> Result<()>) -> Result<()> {
    let mut scan = heap.space().start;
    while scan < heap.fill() {
        let raw = heap.word(scan)?;
        if raw & PRIMARY_MASK != super::value::HEADER_TAG {
            scan = Address(scan.0 + WORD_BYTES);
            continue;
        }
        let obj = HeapObject {
            address: Address(scan.0 + WORD_BYTES),
        };
        let s = shape(heap, obj)?;
        visit(obj, &s)?;
        scan = s.base.plus(s.size).ok_or(Error::OutOfBounds {
            at: s.base.0,
            len: s.size,
        })?;
    }
    Ok(())
}

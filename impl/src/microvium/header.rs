//! Allocation headers: one 16-bit word before every body, type code in bits 15..12 and body size in
//! bytes in bits 11..0 (`TsAllocationHeader`, `vm_makeHeaderWord`).

/// Bytes of an allocation header.
pub const HEADER_BYTES: u16 = 2;

/// The lowest bit of the type code in a header word (bits 15..12).
const TYPE_SHIFT: u32 = 12;

/// The body-size field of a header word, in place: bits 11..0.
const SIZE_MASK: u16 = (1 << TYPE_SHIFT) - 1;

/// The largest body in bytes (`MAX_ALLOCATION_SIZE`, the size field's maximum).
pub const MAX_ALLOCATION_SIZE: u16 = SIZE_MASK;

/// The smallest footprint in bytes: room for a tombstone's header and forwarding pointer.
pub const MIN_FOOTPRINT: u16 = 4;

/// The heap bytes of an allocation with a `size`-byte body: header plus the body rounded up to even,
/// `(size + 3) & ~1` as `mvm_allocate` computes it.
pub const fn footprint(size: u16) -> u32 {
    (size as u32 + HEADER_BYTES as u32 + 1) & !1
}

/// An allocation's type (`TeTypeCode`, 0x0 ..= 0xF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeCode {
    /// A copied allocation's old place during a collection: header `0x0002`, forwarding pointer.
    Tombstone = 0x0,
    /// A 32-bit integer.
    Int32 = 0x1,
    /// A double.
    Float64 = 0x2,
    /// UTF-8 bytes and a NUL.
    String = 0x3,
    /// A string used as a property key, unique by address.
    InternedString = 0x4,
    /// A bytecode function (in the image).
    Function = 0x5,
    /// A host function's import index.
    HostFunc = 0x6,
    /// Raw bytes.
    Uint8Array = 0x7,
    /// Reserved.
    Symbol = 0x8,
    /// Constructor and static properties.
    Class = 0x9,
    /// Reserved.
    Virtual = 0xA,
    /// Reserved.
    Reserved1 = 0xB,
    /// An object: `dpNext`, `dpProto`, then key/value pairs.
    PropertyList = 0xC,
    /// An array: `dpData`, `viLength`.
    Array = 0xD,
    /// Values.
    FixedLengthArray = 0xE,
    /// A closure or scope: values.
    Closure = 0xF,
}

impl TypeCode {
    /// Every type code, by number.
    pub const ALL: [TypeCode; 16] = [
        TypeCode::Tombstone,
        TypeCode::Int32,
        TypeCode::Float64,
        TypeCode::String,
        TypeCode::InternedString,
        TypeCode::Function,
        TypeCode::HostFunc,
        TypeCode::Uint8Array,
        TypeCode::Symbol,
        TypeCode::Class,
        TypeCode::Virtual,
        TypeCode::Reserved1,
        TypeCode::PropertyList,
        TypeCode::Array,
        TypeCode::FixedLengthArray,
        TypeCode::Closure,
    ];

    /// The type code numbered `code` (only the low 4 bits count).
    pub const fn from_bits(code: u16) -> TypeCode {
        TypeCode::ALL[(code & 0xF) as usize]
    }

    /// Whether the collector traces every word of the body (`TC_REF_DIVIDER_CONTAINER_TYPES` and up).
    pub const fn is_container(self) -> bool {
        self as u8 >= TypeCode::Class as u8
    }

    /// Whether no 8.0.0 code path puts it in RAM (`TC_REF_SYMBOL`, `TC_REF_VIRTUAL`, `TC_REF_RESERVED_1`).
    pub const fn is_reserved(self) -> bool {
        matches!(self, TypeCode::Symbol | TypeCode::Virtual | TypeCode::Reserved1)
    }

    /// The engine's name, without `TC_REF_`.
    pub const fn name(self) -> &'static str {
        match self {
            TypeCode::Tombstone => "TOMBSTONE",
            TypeCode::Int32 => "INT32",
            TypeCode::Float64 => "FLOAT64",
            TypeCode::String => "STRING",
            TypeCode::InternedString => "INTERNED_STRING",
            TypeCode::Function => "FUNCTION",
            TypeCode::HostFunc => "HOST_FUNC",
            TypeCode::Uint8Array => "UINT8_ARRAY",
            TypeCode::Symbol => "SYMBOL",
            TypeCode::Class => "CLASS",
            TypeCode::Virtual => "VIRTUAL",
            TypeCode::Reserved1 => "RESERVED_1",
            TypeCode::PropertyList => "PROPERTY_LIST",
            TypeCode::Array => "ARRAY",
            TypeCode::FixedLengthArray => "FIXED_LENGTH_ARRAY",
            TypeCode::Closure => "CLOSURE",
        }
    }
}

/// A header word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header(pub u16);

/// Why a header word cannot be made or is not a header a live heap may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The body is over `MAX_ALLOCATION_SIZE` bytes.
    TooLarge(u32),
    /// A type-0 header other than the tombstone `0x0002`.
    MalformedTombstone(u16),
    /// A type code no 8.0.0 code path puts in RAM.
    ReservedType(u16),
}

impl Header {
    /// The header of a copied allocation (`TOMBSTONE_HEADER`): type 0, size 2.
    pub const TOMBSTONE: Header = Header(((TypeCode::Tombstone as u16) << TYPE_SHIFT) | 2);

    /// Packs `type_code` and a `size`-byte body.
    pub const fn new(type_code: TypeCode, size: u32) -> Result<Header, HeaderError> {
        if size > MAX_ALLOCATION_SIZE as u32 {
            return Err(HeaderError::TooLarge(size));
        }
        Ok(Header(((type_code as u16) << TYPE_SHIFT) | size as u16))
    }

    /// Reads a header word found in a live heap: tombstones are `0x0002` exactly and reserved type
    /// codes do not occur.
    pub const fn check(word: u16) -> Result<Header, HeaderError> {
        let h = Header(word);
        match h.type_code() {
            TypeCode::Tombstone if word != Header::TOMBSTONE.0 => Err(HeaderError::MalformedTombstone(word)),
            t if t.is_reserved() => Err(HeaderError::ReservedType(word)),
            _ => Ok(h),
        }
    }

    /// The type code (bits 15..12).
    pub const fn type_code(self) -> TypeCode {
        TypeCode::from_bits(self.0 >> TYPE_SHIFT)
    }

    /// The body size in bytes (bits 11..0).
    pub const fn size(self) -> u16 {
        self.0 & SIZE_MASK
    }

    /// The allocation's heap bytes, header included.
    pub const fn footprint(self) -> u32 {
        footprint(self.size())
    }
}

//! The header word (`jl_taggedvalue_t`, `src/julia.h`, Julia v1.11.0): gc bits, the image bit, the type
//! tag.

/// Bytes of the header word, `sizeof(jl_taggedvalue_t)`: one 64-bit pointer.
pub const HEADER_BYTES: u64 = 8;

/// Bytes of every word of the model: Julia on a 64-bit host.
pub const WORD_BYTES: u64 = 8;

/// Mask of the `gc` bit field (`struct _jl_taggedvalue_bits`, `gc:2`).
pub const GC_BITS_MASK: u64 = 0b11;

/// `GC_CLEAN` (`src/julia_internal.h`): freshly allocated.
pub const GC_CLEAN: u8 = 0;
/// `GC_MARKED`: reachable and young; between collections, old and remembered.
pub const GC_MARKED: u8 = 1;
/// `GC_OLD`: old, not marked since the last full sweep.
pub const GC_OLD: u8 = 2;
/// `GC_OLD_MARKED`: reachable and old; every permanent object.
pub const GC_OLD_MARKED: u8 = GC_OLD | GC_MARKED;

/// `GC_IN_IMAGE`: the `in_image` bit (bit 2).
pub const IN_IMAGE_BIT: u64 = 1 << 2;

/// The unused bit 3, always clear in a valid header.
pub const UNUSED_BIT: u64 = 1 << 3;

/// `jl_set_typetagof(v, t, gc)` stores `t << 4`: the tag field starts at bit 4.
pub const TAG_SHIFT: u32 = 4;

/// `jl_typetagof(v) = header & ~15`.
pub const TYPE_TAG_MASK: u64 = !0xf;

/// `jl_max_tags`: type tags below `jl_max_tags << 4` are small tags.
pub const JL_MAX_TAGS: u64 = 64;

/// The small type tags this model allocates (`enum jl_small_typeof_tags`, v1.11.0 order).
pub mod tag {
    /// `jl_simplevector_tag`.
    pub const SIMPLEVECTOR: u64 = 9;
    /// `jl_string_tag`.
    pub const STRING: u64 = 10;
    /// `jl_bool_tag`.
    pub const BOOL: u64 = 12;
    /// `jl_int64_tag`.
    pub const INT64: u64 = 16;
    /// `jl_uint16_tag`.
    pub const UINT16: u64 = 18;
    /// `jl_tags_count`: tags from here to `jl_max_tags - 1` are unassigned in v1.11.0.
    pub const COUNT: u64 = 22;
}

/// A header word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Header(pub u64);

impl Header {
    /// The header of a new object: type tag `type_tag` (a small tag shifted left by 4, or a type
    /// pointer) with gc bits `gc`, not in an image.
    pub const fn new(type_tag: u64, gc: u8) -> Header {
        Header((type_tag & TYPE_TAG_MASK) | (gc as u64 & GC_BITS_MASK))
    }

    /// The header of an object with small type tag `tag`.
    pub const fn small(tag: u64, gc: u8) -> Header {
        Header::new(tag << TAG_SHIFT, gc)
    }

    /// The `gc` bits.
    pub const fn gc(self) -> u8 {
        (self.0 & GC_BITS_MASK) as u8
    }

    /// The header with gc bits `gc` (`gc_set_bits`).
    pub const fn with_gc(self, gc: u8) -> Header {
        Header((self.0 & !GC_BITS_MASK) | (gc as u64 & GC_BITS_MASK))
    }

    /// The `in_image` bit.
    pub const fn in_image(self) -> bool {
        self.0 & IN_IMAGE_BIT != 0
    }

    /// `jl_typetagof`: the header with its low four bits cleared.
    pub const fn type_tag(self) -> u64 {
        self.0 & TYPE_TAG_MASK
    }

    /// The small tag, when the type tag is below `jl_max_tags << 4`.
    pub const fn small_tag(self) -> Option<u64> {
        if self.type_tag() < JL_MAX_TAGS << TAG_SHIFT {
            Some(self.type_tag() >> TAG_SHIFT)
        } else {
            None
        }
    }

    /// `gc_marked(bits)`.
    pub const fn is_marked(self) -> bool {
        self.0 & GC_MARKED as u64 != 0
    }

    /// `gc_old(bits)`.
    pub const fn is_old(self) -> bool {
        self.0 & GC_OLD as u64 != 0
    }

    /// Why this word cannot be the header of a live object, if it cannot.
    pub const fn malformed(self) -> Option<&'static str> {
        if self.0 & UNUSED_BIT != 0 {
            return Some("bit 3 is set; it is unused and always 0");
        }
        match self.small_tag() {
            Some(0) => Some("the type tag is 0 (jl_null_tag)"),
            Some(t) if t >= tag::COUNT => Some("the small tag is unassigned in Julia v1.11.0 (22..63)"),
            _ => None,
        }
    }
}

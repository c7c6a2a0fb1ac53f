//! The header word (`jl_taggedvalue_t`, `src/julia.h`): gc bits, the image bit and the type tag.
//!
//! One word precedes every object's data. [`HEADER`] describes its fields; [`TAG_RULES`] sorts a
//! header word into the small type tag it carries, a type pointer, or nothing valid.

use core::fmt::Write;

use super::small_tag::{JL_MAX_TAGS, JL_TAGS_COUNT, SMALL_TAGS, SmallTag};
use super::src;
use crate::law::{LawResult, Violation};
use crate::profile::{BitField, BitLayout};
use crate::tag::{BitTest, TagClass, TagRule};
use crate::width::Width;

/// Bytes of the header word (`sizeof(jl_taggedvalue_t)`, `src/julia.h`): one pointer.
pub const HEADER_BYTES: u64 = 8;

/// `GC_CLEAN` (`src/julia_internal.h`): freshly allocated, not yet marked.
pub const GC_CLEAN: u64 = 0;
/// `GC_MARKED`: reachable and young (or old and in the remembered set, between collections).
pub const GC_MARKED: u64 = 1;
/// `GC_OLD`: old; marked old again if it is reachable at the next mark.
pub const GC_OLD: u64 = 2;
/// `GC_OLD_MARKED = GC_OLD | GC_MARKED`: reachable and old.
pub const GC_OLD_MARKED: u64 = GC_OLD | GC_MARKED;
/// `GC_IN_IMAGE` (`src/julia_internal.h`): the header bit of objects in a system or package image.
pub const GC_IN_IMAGE: u64 = 4;

/// The bit the type tag field starts at: `jl_set_typetagof(v, t, gc)` stores `(t << 4) | gc`.
pub const TAG_SHIFT_BITS: u32 = 4;

/// Mask of the type tag field in place: `jl_typetagof(v) = header & ~(uintptr_t)15`.
pub const TYPE_TAG_MASK: u64 = !((1u64 << TAG_SHIFT_BITS) - 1);

/// The header word's fields (`struct _jl_taggedvalue_bits`, `src/julia.h`), lowest bit first.
pub const HEADER: BitLayout = BitLayout {
    name: "header word (jl_taggedvalue_t)",
    width: Width::W64,
    fields: &[
        BitField {
            name: "gc",
            lsb: 0,
            bits: 2,
            meaning: "GC_CLEAN 0, GC_MARKED 1, GC_OLD 2, GC_OLD_MARKED 3",
        },
        BitField {
            name: "in_image",
            lsb: 2,
            bits: 1,
            meaning: "GC_IN_IMAGE: the object lives in a system or package image",
        },
        BitField {
            name: "unused",
            lsb: 3,
            bits: 1,
            meaning: "always 0",
        },
        BitField {
            name: "tag",
            lsb: TAG_SHIFT_BITS,
            bits: 60,
            meaning: "type pointer >> 4 (DataTypes are 16-aligned), or a small type tag (jl_small_typeof)",
        },
    ],
    source: src("src/julia.h", "struct _jl_taggedvalue_bits"),
};

/// The fields of one header word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// `gc` bits: one of [`GC_CLEAN`], [`GC_MARKED`], [`GC_OLD`], [`GC_OLD_MARKED`].
    pub gc: u64,
    /// The `in_image` bit.
    pub in_image: bool,
    /// The unused bit 3.
    pub unused: u64,
    /// The `tag` field: a small type tag, or a type pointer shifted right by 4.
    pub tag: u64,
}

impl Header {
    /// The fields of `word`.
    pub const fn decode(word: u64) -> Header {
        Header {
            gc: word & 3,
            in_image: word & GC_IN_IMAGE != 0,
            unused: (word >> 3) & 1,
            tag: word >> TAG_SHIFT_BITS,
        }
    }

    /// The word with these fields (each cut to its width).
    pub fn encode(&self) -> u64 {
        HEADER.encode(&[self.gc, self.in_image as u64, self.unused, self.tag])
    }

    /// `jl_typetagof`: the header with its low four bits cleared.
    pub const fn type_tag(&self) -> u64 {
        self.tag << TAG_SHIFT_BITS
    }

    /// The small type tag, when the type tag is one (`jl_typetagof(v) < jl_max_tags << 4`).
    pub fn small_tag(&self) -> Option<&'static SmallTag> {
        SMALL_TAGS.iter().find(|t| t.tag == self.tag)
    }
}

/// The header word of an object whose type tag field is `tag`, with `in_image` and `gc` bits.
pub fn header_word(tag: u64, in_image: bool, gc: u64) -> u64 {
    Header {
        gc,
        in_image,
        unused: 0,
        tag,
    }
    .encode()
}

/// Bit 3 clear: the one test every valid header passes.
const BIT3_CLEAR: &[BitTest] = &[BitTest::eq(1 << 3, 0)];

/// The rule for header words holding a type pointer: at least `jl_max_tags << 4`, bit 3 clear.
const TYPE_POINTER_RULE: TagRule = TagRule {
    class: TagClass::Header,
    tests: BIT3_CLEAR,
    range: Some((JL_MAX_TAGS << TAG_SHIFT_BITS, u64::MAX)),
    encoding: "DataType pointer (16-aligned) | in_image << 2 | gc",
    source: src("src/julia.h", "jl_to_typeof"),
};

/// The header-word classes of `julia64`: one rule per small type tag of v1.11.0 (the word is
/// `tag << 4 | in_image << 2 | gc`), then the rule for type pointers. Words with bit 3 set, with a
/// zero tag, or with an unassigned small tag (22..63 in v1.11.0) match none and are invalid.
pub static TAG_RULES: [TagRule; SMALL_TAGS.len() + 1] = tag_rules();

const fn tag_rules() -> [TagRule; SMALL_TAGS.len() + 1] {
    let mut rules = [TYPE_POINTER_RULE; SMALL_TAGS.len() + 1];
    let mut i = 0;
    while i < SMALL_TAGS.len() {
        let t = &SMALL_TAGS[i];
        rules[i] = TagRule {
            class: TagClass::Header,
            // Everything but gc and in_image must equal the tag, bit 3 included.
            tests: &t.test,
            range: None,
            encoding: t.type_name,
            source: src("src/julia.h", "JL_SMALL_TYPEOF"),
        };
        i += 1;
    }
    rules
}

/// A header word's fields survive decoding and encoding unchanged.
pub fn header_round_trip(word: u64) -> LawResult {
    let back = Header::decode(word).encode();
    if back == word {
        return Ok(());
    }
    Err(Violation::new(
        "header-round-trip",
        format_args!(
            "header {} decodes to {:?} which encodes as {}",
            Width::W64.hex(word),
            Header::decode(word),
            Width::W64.hex(back)
        ),
    ))
}

/// A header word of a live object: bit 3 clear, a non-zero tag, and a small tag that v1.11.0 assigns.
pub fn well_formed_header(word: u64) -> LawResult {
    let h = Header::decode(word);
    let mut why = crate::text::Text::<120>::new();
    if h.unused != 0 {
        let _ = write!(why, "bit 3 (mask 0x8) is set; it is unused and always 0");
    } else if h.tag == 0 {
        let _ = write!(why, "the tag field is 0 (jl_null_tag): no type");
    } else if h.tag < JL_MAX_TAGS && h.tag >= JL_TAGS_COUNT {
        let _ = write!(
            why,
            "small tag {} is unassigned (v1.11.0 assigns 1..{})",
            h.tag,
            JL_TAGS_COUNT - 1
        );
    } else {
        return Ok(());
    }
    Err(Violation::new(
        "well-formed-header",
        format_args!(
            "header {} = {}: {}",
            Width::W64.hex(word),
            Width::W64.bits_under(word, 0xff),
            why
        ),
    ))
}

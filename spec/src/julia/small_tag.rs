//! Small type tags (`JL_SMALL_TYPEOF`, `enum jl_small_typeof_tags`, `src/julia.h`, v1.11.0).
//!
//! Built-in types whose objects the runtime allocates itself carry a small number instead of their
//! `DataType` pointer in the header: the header is `tag << 4 | gc bits`, and `jl_typeof` looks the
//! type up in `jl_small_typeof[tag << 4 / sizeof(void*)]`. The numbering is version-specific: this is
//! the order of v1.11.0, which v1.10.0 and v1.12.1 share; the development branch after 1.12 (master at
//! `4fdd12e277`, 1.14.0-DEV) inserts `Nothing` after `Bool`, shifting `Char` and every integer tag by one.
//! `Float16`, `Float32` and `Float64` have no small tag (their entries are commented out), so a boxed
//! `Float64` carries its type pointer.

use super::header::TAG_SHIFT_BITS;
use crate::tag::BitTest;

/// `jl_max_tags` (`enum jl_small_typeof_tags`): header values below `jl_max_tags << 4` are small tags.
pub const JL_MAX_TAGS: u64 = 64;

/// `jl_tags_count`: one past the last assigned small tag in v1.11.0.
pub const JL_TAGS_COUNT: u64 = 22;

/// `jl_bitstags_first = jl_char_tag`: the first small tag of a bits type (`Bool` is not counted).
pub const JL_BITSTAGS_FIRST: u64 = 13;

/// Entries of `jl_small_typeof`: `(jl_max_tags << 4) / sizeof(jl_datatype_t*)`; tag `t` is at `2t`.
pub const JL_SMALL_TYPEOF_ENTRIES: u64 = (JL_MAX_TAGS << TAG_SHIFT_BITS) / 8;

/// One small type tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmallTag {
    /// The tag: the enumerator's value.
    pub tag: u64,
    /// The Julia type.
    pub type_name: &'static str,
    /// The enumerator in `src/julia.h`.
    pub c_name: &'static str,
    /// The header-word test for this tag: every bit but `gc` and `in_image` equals `tag << 4`.
    pub test: [BitTest; 1],
}

impl SmallTag {
    const fn new(tag: u64, type_name: &'static str, c_name: &'static str) -> SmallTag {
        SmallTag {
            tag,
            type_name,
            c_name,
            test: [BitTest::eq(!0b111, tag << TAG_SHIFT_BITS)],
        }
    }

    /// The header word's type tag: `tag << 4`.
    pub const fn header(&self) -> u64 {
        self.tag << TAG_SHIFT_BITS
    }
}

/// The small type tags of Julia v1.11.0, in `JL_SMALL_TYPEOF` order (`src/julia.h`).
pub static SMALL_TAGS: [SmallTag; 21] = [
    SmallTag::new(1, "Core.TypeofBottom", "jl_typeofbottom_tag"),
    SmallTag::new(2, "DataType", "jl_datatype_tag"),
    SmallTag::new(3, "UnionAll", "jl_unionall_tag"),
    SmallTag::new(4, "Union", "jl_uniontype_tag"),
    SmallTag::new(5, "Core.TypeofVararg", "jl_vararg_tag"),
    SmallTag::new(6, "TypeVar", "jl_tvar_tag"),
    SmallTag::new(7, "Symbol", "jl_symbol_tag"),
    SmallTag::new(8, "Module", "jl_module_tag"),
    SmallTag::new(9, "Core.SimpleVector", "jl_simplevector_tag"),
    SmallTag::new(10, "String", "jl_string_tag"),
    SmallTag::new(11, "Task", "jl_task_tag"),
    SmallTag::new(12, "Bool", "jl_bool_tag"),
    SmallTag::new(13, "Char", "jl_char_tag"),
    SmallTag::new(14, "Int16", "jl_int16_tag"),
    SmallTag::new(15, "Int32", "jl_int32_tag"),
    SmallTag::new(16, "Int64", "jl_int64_tag"),
    SmallTag::new(17, "Int8", "jl_int8_tag"),
    SmallTag::new(18, "UInt16", "jl_uint16_tag"),
    SmallTag::new(19, "UInt32", "jl_uint32_tag"),
    SmallTag::new(20, "UInt64", "jl_uint64_tag"),
    SmallTag::new(21, "UInt8", "jl_uint8_tag"),
];

/// The small tag of the Julia type named `type_name`.
pub fn tag_of(type_name: &str) -> Option<&'static SmallTag> {
    SMALL_TAGS.iter().find(|t| t.type_name == type_name)
}

//! Tag classes and the rules that sort a raw word into one.
//!
//! A [`TagRule`] is a conjunction of bit tests (`word & mask == pattern`, or its negation) and an
//! optional range on the whole word. A profile's rules are disjoint; a word that matches none is
//! [`TagClass::Invalid`]. The printed diagrams are made from the same rules.

use crate::evidence::Evidence;
use crate::width::Width;

/// The kind of thing a raw value word holds. The vocabulary is shared by all engines, so a case can
/// say `class small-int` whatever the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TagClass {
    /// An integer stored in the word itself.
    SmallInt,
    /// An interned-string index (MicroPython qstr).
    Qstr,
    /// An immediate object: a constant such as None, True, False stored in the word.
    Immediate,
    /// A float stored in the word (MicroPython REPR_C and REPR_D).
    Float,
    /// A pointer to a heap object.
    Pointer,
    /// A heap-object header word (Skybison).
    Header,
    /// A short string stored in the word (Skybison SmallStr).
    SmallStr,
    /// Short bytes stored in the word (Skybison SmallBytes).
    SmallBytes,
    /// A boolean stored in the word.
    Bool,
    /// An internal error sentinel (Skybison Error).
    Error,
    /// Python's `NotImplemented` as an immediate.
    NotImplemented,
    /// An internal "unbound" sentinel (Skybison).
    Unbound,
    /// Python's `None` as an immediate.
    None,
    /// One of Microvium's well-known values (undefined, null, true, ..., 0x01 to 0x25).
    WellKnown,
    /// A Microvium pointer into the bytecode image (ROM or a global-slot handle).
    BytecodePointer,
    /// No value of the profile has this bit pattern.
    Invalid,
}

impl TagClass {
    /// Every class, in declaration order.
    pub const ALL: [TagClass; 16] = [
        TagClass::SmallInt,
        TagClass::Qstr,
        TagClass::Immediate,
        TagClass::Float,
        TagClass::Pointer,
        TagClass::Header,
        TagClass::SmallStr,
        TagClass::SmallBytes,
        TagClass::Bool,
        TagClass::Error,
        TagClass::NotImplemented,
        TagClass::Unbound,
        TagClass::None,
        TagClass::WellKnown,
        TagClass::BytecodePointer,
        TagClass::Invalid,
    ];

    /// The class's name in cases and reports: `small-int`, `qstr`, `pointer`, ...
    pub const fn name(self) -> &'static str {
        match self {
            TagClass::SmallInt => "small-int",
            TagClass::Qstr => "qstr",
            TagClass::Immediate => "immediate",
            TagClass::Float => "float",
            TagClass::Pointer => "pointer",
            TagClass::Header => "header",
            TagClass::SmallStr => "small-str",
            TagClass::SmallBytes => "small-bytes",
            TagClass::Bool => "bool",
            TagClass::Error => "error",
            TagClass::NotImplemented => "not-implemented",
            TagClass::Unbound => "unbound",
            TagClass::None => "none",
            TagClass::WellKnown => "well-known",
            TagClass::BytecodePointer => "bytecode-pointer",
            TagClass::Invalid => "invalid",
        }
    }

    /// The class with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<TagClass> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One test on a word: `word & mask == pattern`, or `!=` when `negate` is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitTest {
    /// The bits looked at.
    pub mask: u64,
    /// The value those bits must have.
    pub pattern: u64,
    /// The test holds when the bits differ from `pattern`.
    pub negate: bool,
}

impl BitTest {
    /// `word & mask == pattern`.
    pub const fn eq(mask: u64, pattern: u64) -> Self {
        Self {
            mask,
            pattern,
            negate: false,
        }
    }

    /// `word & mask != pattern`.
    pub const fn ne(mask: u64, pattern: u64) -> Self {
        Self {
            mask,
            pattern,
            negate: true,
        }
    }

    /// Whether `word` passes.
    pub const fn holds(&self, word: u64) -> bool {
        (word & self.mask == self.pattern) != self.negate
    }
}

/// The rule for one tag class of one profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagRule {
    /// The class a matching word belongs to.
    pub class: TagClass,
    /// All of these must hold. The first test is the class's tag; it is the one drawn in diagrams.
    pub tests: &'static [BitTest],
    /// When set, the whole word must lie in `lo..=hi` (Microvium's well-known values are below 0x26).
    pub range: Option<(u64, u64)>,
    /// How the payload is encoded, e.g. `O = (v << 1) | 1`.
    pub encoding: &'static str,
    /// Where the rule comes from.
    pub source: Evidence,
}

impl TagRule {
    /// Whether `word` (already cut to the profile's width) belongs to this class.
    pub fn matches(&self, word: u64) -> bool {
        self.tests.iter().all(|t| t.holds(word))
            && match self.range {
                Some((lo, hi)) => lo <= word && word <= hi,
                None => true,
            }
    }

    /// The tag drawn as bits with `*` for payload bits, e.g. `********|...|*******1`.
    pub fn diagram(&self, width: Width) -> crate::width::Bits {
        match self.tests.first() {
            Some(t) if !t.negate => width.bits_under(t.pattern, t.mask),
            _ => width.bits_under(0, 0),
        }
    }
}

/// The class of `word` under `rules`: the first matching rule's class, or [`TagClass::Invalid`].
/// Whether the rules are disjoint is a law ([`crate::law::exactly_one_class`]), not assumed here.
pub fn classify(rules: &[TagRule], width: Width, word: u64) -> TagClass {
    let word = word & width.mask();
    rules
        .iter()
        .find(|r| r.matches(word))
        .map_or(TagClass::Invalid, |r| r.class)
}

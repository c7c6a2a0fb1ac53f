//! Profiles: one engine configuration whose layout is fixed (engine x representation x word size).

use crate::evidence::Evidence;
use crate::fact::Fact;
use crate::tag::TagRule;
use crate::width::Width;

/// The engines memspec describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    /// MicroPython (`py/`): tagged words, block heap with side tables, conservative mark-sweep.
    MicroPython,
    /// Microvium: 16-bit values, bucketed heap, Cheney copying collector.
    Microvium,
    /// Skybison: 64-bit tagged words, header words, semispace scavenger.
    Skybison,
    /// Julia: tagged header word, pooled size classes, generational mark-sweep with a write barrier.
    Julia,
}

impl Engine {
    /// Every engine.
    pub const ALL: [Engine; 4] = [
        Engine::MicroPython,
        Engine::Microvium,
        Engine::Skybison,
        Engine::Julia,
    ];

    /// The engine's name on the command line: `micropython`, `microvium`, `skybison`, `julia`.
    pub const fn name(self) -> &'static str {
        match self {
            Engine::MicroPython => "micropython",
            Engine::Microvium => "microvium",
            Engine::Skybison => "skybison",
            Engine::Julia => "julia",
        }
    }

    /// The engine with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Engine> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// Names every profile; [`PROFILES`] holds the ones with tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProfileId {
    /// MicroPython REPR_A, 32-bit words (ESP32, the WebAssembly port).
    MicropythonA32,
    /// MicroPython REPR_A, 64-bit words (the unix port on x86-64).
    MicropythonA64,
    /// MicroPython REPR_B, 64-bit words.
    MicropythonB64,
    /// MicroPython REPR_C, 32-bit words with 30-bit floats in the word.
    MicropythonC32,
    /// MicroPython REPR_D: 64-bit nan-boxed `mp_obj_t` on a 32-bit CPU.
    MicropythonD32,
    /// Microvium: 16-bit values.
    Microvium,
    /// Skybison on x86-64.
    Skybison64,
    /// Julia on a 64-bit host.
    Julia64,
}

impl ProfileId {
    /// Every profile id.
    pub const ALL: [ProfileId; 8] = [
        ProfileId::MicropythonA32,
        ProfileId::MicropythonA64,
        ProfileId::MicropythonB64,
        ProfileId::MicropythonC32,
        ProfileId::MicropythonD32,
        ProfileId::Microvium,
        ProfileId::Skybison64,
        ProfileId::Julia64,
    ];

    /// The profile's name: `micropython-a32`, `microvium`, `skybison64`, ...
    pub const fn name(self) -> &'static str {
        match self {
            ProfileId::MicropythonA32 => "micropython-a32",
            ProfileId::MicropythonA64 => "micropython-a64",
            ProfileId::MicropythonB64 => "micropython-b64",
            ProfileId::MicropythonC32 => "micropython-c32",
            ProfileId::MicropythonD32 => "micropython-d32",
            ProfileId::Microvium => "microvium",
            ProfileId::Skybison64 => "skybison64",
            ProfileId::Julia64 => "julia64",
        }
    }

    /// The engine the profile belongs to.
    pub const fn engine(self) -> Engine {
        match self {
            ProfileId::MicropythonA32
            | ProfileId::MicropythonA64
            | ProfileId::MicropythonB64
            | ProfileId::MicropythonC32
            | ProfileId::MicropythonD32 => Engine::MicroPython,
            ProfileId::Microvium => Engine::Microvium,
            ProfileId::Skybison64 => Engine::Skybison,
            ProfileId::Julia64 => Engine::Julia,
        }
    }

    /// The profile with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<ProfileId> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The profile's tables, if it has them.
    pub fn profile(self) -> Option<&'static Profile> {
        PROFILES.iter().copied().find(|p| p.id == self)
    }
}

/// A constant stored in a word: None, True, undefined, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Immediate {
    /// The engine's name for the value.
    pub name: &'static str,
    /// The stored word.
    pub raw: u64,
    /// Where the number comes from.
    pub source: Evidence,
}

/// The range of integers stored in the word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntRange {
    /// The smallest small int.
    pub min: i64,
    /// The largest small int.
    pub max: i64,
    /// Where the range comes from.
    pub source: Evidence,
}

impl IntRange {
    /// Whether `v` is stored in the word.
    pub const fn contains(&self, v: i64) -> bool {
        self.min <= v && v <= self.max
    }

    /// The number of value bits: `max - min + 1 == 2^bits`; 0 for an empty range (an engine that
    /// stores no integer in a word, such as Julia).
    pub const fn bits(&self) -> u32 {
        match (self.max as i128 - self.min as i128 + 1).checked_ilog2() {
            Some(bits) => bits,
            None => 0,
        }
    }
}

/// One bit field of a header word or other packed word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitField {
    /// The engine's name for the field.
    pub name: &'static str,
    /// The field's lowest bit.
    pub lsb: u32,
    /// The field's width in bits.
    pub bits: u32,
    /// What it holds.
    pub meaning: &'static str,
}

impl BitField {
    /// The field's mask, in place.
    pub const fn mask(&self) -> u64 {
        let ones = if self.bits >= 64 {
            u64::MAX
        } else {
            (1u64 << self.bits) - 1
        };
        ones << self.lsb
    }

    /// The field's value in `word`.
    pub const fn get(&self, word: u64) -> u64 {
        (word & self.mask()) >> self.lsb
    }

    /// `word` with the field set to `value` (cut to the field's width).
    pub const fn set(&self, word: u64, value: u64) -> u64 {
        (word & !self.mask()) | ((value << self.lsb) & self.mask())
    }
}

/// A packed word described field by field: the encoder and the printed diagram are made from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitLayout {
    /// What the word is: `header word`, `allocation header`, ...
    pub name: &'static str,
    /// The word's width.
    pub width: Width,
    /// The fields, lowest bit first. Together they cover the word without overlap.
    pub fields: &'static [BitField],
    /// Where the layout comes from.
    pub source: Evidence,
}

impl BitLayout {
    /// Packs `values` (one per field, in order) into a word.
    pub fn encode(&self, values: &[u64]) -> u64 {
        self.fields.iter().zip(values).fold(0, |w, (f, v)| f.set(w, *v))
    }
}

/// The heap cost of one object kind, block or granule rounding included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeEntry {
    /// The object kind as cases name it: `list`, `dict`, `bytearray`, ...
    pub kind: &'static str,
    /// The constructor arguments, as cases write them: `len=0`, `text="abc"`, or empty.
    pub args: &'static str,
    /// Heap bytes, all allocations of the object together.
    pub bytes: u64,
    /// How many separate allocations make up the object.
    pub allocations: u32,
    /// How the number is made, e.g. `struct 4 words (16) + items 4 words (16)`.
    pub formula: &'static str,
    /// Where it comes from.
    pub source: Evidence,
}

/// How a profile's collector works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcDiscipline {
    /// Non-moving mark-sweep that treats every aligned word as a possible pointer.
    ConservativeMarkSweep,
    /// A copying (Cheney semispace) collector: objects move, forwarding through tombstones.
    Copying,
    /// Non-moving generational mark-sweep with a write barrier and a remembered set.
    GenerationalMarkSweep,
}

impl GcDiscipline {
    /// A short name for reports.
    pub const fn name(self) -> &'static str {
        match self {
            GcDiscipline::ConservativeMarkSweep => "conservative mark-sweep",
            GcDiscipline::Copying => "copying (semispace)",
            GcDiscipline::GenerationalMarkSweep => "generational mark-sweep",
        }
    }
}

/// One engine configuration whose layout is fixed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    /// Which profile this is.
    pub id: ProfileId,
    /// One paragraph for `memspec explain`.
    pub summary: &'static str,
    /// The engine version the tables describe.
    pub engine_version: &'static str,
    /// Width of a stored value word.
    pub value_width: Width,
    /// The tag classes, disjoint; a word matching none is invalid.
    pub tags: &'static [TagRule],
    /// Constants stored in the word.
    pub immediates: &'static [Immediate],
    /// Integers stored in the word.
    pub small_int: IntRange,
    /// Heap geometry and other layout facts, each with unit and source.
    pub facts: &'static [Fact],
    /// Packed words (headers), drawn by `memspec explain`.
    pub layouts: &'static [BitLayout],
    /// The heap cost of each object kind.
    pub sizes: &'static [SizeEntry],
    /// The collector.
    pub gc: GcDiscipline,
}

impl Profile {
    /// The fact named `name`.
    pub fn fact(&self, name: &str) -> Option<&'static Fact> {
        self.facts.iter().find(|f| f.name == name)
    }

    /// The immediate named `name`.
    pub fn immediate(&self, name: &str) -> Option<&'static Immediate> {
        self.immediates.iter().find(|i| i.name == name)
    }
}

/// Every profile that has tables, in [`ProfileId`] order.
pub static PROFILES: &[&Profile] = &[
    &crate::micropython::A32,
    &crate::micropython::A64,
    &crate::micropython::B64,
    &crate::micropython::C32,
    &crate::micropython::D32,
    &crate::microvium::PROFILE,
    &crate::skybison::PROFILE,
    &crate::julia::JULIA64,
];

//! The `julia64` profile: Julia v1.11.0 on a 64-bit (x86-64) host with the stock collector.

use super::facts::FACTS;
use super::header::{HEADER, TAG_RULES};
use super::sizes::SIZES;
use super::src;
use crate::profile::{GcDiscipline, IntRange, Profile, ProfileId};
use crate::width::Width;

/// Julia stores no integer in a value word: the empty range. (Boxes of -512..=511 are cached permanent
/// heap objects, see [`super::boxes`], not small ints.)
pub const NO_SMALL_INT: IntRange = IntRange {
    min: 0,
    max: -1,
    source: src("src/julia.h", "jl_value_t: every value word is a pointer"),
};

/// The `julia64` profile.
pub static JULIA64: Profile = Profile {
    id: ProfileId::Julia64,
    summary: "Julia v1.11.0, 64-bit, stock GC. Every value word is a pointer to an object whose header word \
              (jl_taggedvalue_t) sits just before its data: 2 gc bits, the in_image bit, an unused bit, and the \
              type pointer or a small type tag << 4. The tag table below classifies header words; there are no \
              immediates and no small ints (boxes of -512..=511 are cached heap objects). Pool cells of 49 size \
              classes (8 .. 2032 bytes) on 16 KiB pages, big objects above 2024 bytes of payload, generational \
              non-moving mark-sweep with a write barrier.",
    engine_version: "Julia v1.11.0 (JuliaLang/julia 501a4f25c2b), x86-64, stock GC",
    value_width: Width::W64,
    tags: &TAG_RULES,
    immediates: &[],
    small_int: NO_SMALL_INT,
    facts: &FACTS,
    layouts: &[HEADER],
    sizes: &SIZES,
    gc: GcDiscipline::GenerationalMarkSweep,
};

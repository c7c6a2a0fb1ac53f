//! The fixed-seed generator of property inputs. It runs on the host only; the firmware receives its
//! output as vectors.
//!
//! For every profile id (with tables or not: a profile the reference does not serve replays as a
//! known error):
//! * `encode::small-int-edges`: integers at and beside the edges of every small-int range a value word
//!   can have (the profile's own range when it has tables, and each power-of-two edge from
//!   2^13 to 2^63), so the boundary is crossed whatever the profile.
//! * `encode::constants`: floats (zero, minus zero, NaN, infinities, subnormals), qstr numbers,
//!   short strings and bytes (0 to 9 bytes, across the 8-byte inline limit), booleans, named constants.
//! * `decode::random-words-N`: random words, masked to the profile's value width when known.
//! * `alloc::sequence-N`: allocation sequences (tiny to over-the-arena sizes) with figures, heap maps
//!   and collections, on an arena of 64 to 128 KiB.
//! * `graph::sequence-N`: objects linked, rooted, unrooted and collected, asking liveness and reading
//!   raw words, with collector locks.

use memspec::ProfileId;
use memspec::step::{Step, StepTarget, Var};
use memspec::subject::{GcOp, HeapConfig, ObjectSpec, Param, ParamValue, Value};
use memspec_replay::{ARENA_BYTES, MAX_VARS};

use crate::set::{PlanBuilder, PlanTooLong, VectorSet};

/// The seed of every generated set: the same vectors on every machine and every run.
pub const SEED: u64 = 0x6d65_6d73_7065_6321;
/// Random-word vectors per profile (with the allocation and graph vectors, over 10,000 in all).
pub const DECODE_VECTORS: usize = 450;
/// Words per random-word vector.
pub const WORDS_PER_VECTOR: usize = 48;
/// Allocation-sequence vectors per profile.
pub const ALLOC_VECTORS: usize = 400;
/// Object-graph vectors per profile.
pub const GRAPH_VECTORS: usize = 400;
/// The smallest arena a generated plan asks for, in bytes.
pub const MIN_ARENA_BYTES: u64 = 64 * 1024;
/// Arena sizes are multiples of this many bytes.
pub const ARENA_STEP_BYTES: u64 = 4 * 1024;

/// SplitMix64: a small, well-known generator whose sequence is fixed by its seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator at `seed`.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// Integers at and beside every edge a small-int range can have.
pub fn small_int_edges(profile: ProfileId) -> Vec<i64> {
    let mut v: Vec<i64> = vec![0, 1, -1, 2, -2, i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1];
    for bits in 13..63 {
        let edge = 1i64 << bits;
        v.extend([edge - 1, edge, edge + 1, -edge - 1, -edge, -edge + 1]);
    }
    if let Some(p) = profile.profile() {
        let r = p.small_int;
        for e in [r.min, r.max] {
            v.extend([e.saturating_sub(1), e, e.saturating_add(1)]);
        }
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The value width of `profile` in bits, when it has tables.
fn width_bits(profile: ProfileId) -> Option<u32> {
    profile.profile().map(|p| p.value_width.bits())
}

fn arena_bytes(rng: &mut SplitMix64) -> u64 {
    let steps = (ARENA_BYTES as u64 - MIN_ARENA_BYTES) / ARENA_STEP_BYTES;
    MIN_ARENA_BYTES + rng.below(steps + 1) * ARENA_STEP_BYTES
}

fn start(plan: &mut PlanBuilder, profile: ProfileId, arena_bytes: u64) {
    plan.push(&Step::Start {
        profile,
        config: HeapConfig {
            arena_bytes,
            port: None,
            options: &[],
        },
    });
}

fn alloc_raw(plan: &mut PlanBuilder, var: Var, bytes: u64) {
    let params = [Param {
        name: "bytes",
        value: ParamValue::Int(bytes as i128),
    }];
    plan.push(&Step::Alloc {
        var,
        spec: ObjectSpec {
            kind: "raw",
            params: &params,
        },
    });
}

/// A size for `alloc::sequence`: mostly small, sometimes a few KiB, rarely over the whole arena.
fn alloc_size(rng: &mut SplitMix64) -> u64 {
    match rng.below(20) {
        0 => ARENA_BYTES as u64 + rng.below(4096),
        1..=2 => 1024 + rng.below(16 * 1024),
        3..=7 => 64 + rng.below(960),
        _ => rng.below(64),
    }
}

fn encode_edges(set: &mut VectorSet, profile: ProfileId) -> Result<(), PlanTooLong> {
    let mut plan = PlanBuilder::default();
    start(&mut plan, profile, ARENA_BYTES as u64);
    for e in small_int_edges(profile) {
        plan.push(&Step::Encode(Value::Int(e)));
    }
    set.add(profile, "encode", "small-int-edges", plan)
}

fn encode_constants(set: &mut VectorSet, profile: ProfileId) -> Result<(), PlanTooLong> {
    let mut plan = PlanBuilder::default();
    start(&mut plan, profile, ARENA_BYTES as u64);
    let floats = [
        0.0,
        -0.0,
        1.5,
        -2.25,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        1e300,
    ];
    for f in floats {
        plan.push(&Step::Encode(Value::Float(f)));
    }
    for q in [0, 1, 255, 256, 1 << 20, (1 << 27) - 1, 1 << 27, 1 << 40] {
        plan.push(&Step::Encode(Value::Qstr(q)));
    }
    let text: &[u8] = b"abcdefghi";
    for n in 0..=text.len() {
        plan.push(&Step::Encode(Value::Str(&text[..n])));
        plan.push(&Step::Encode(Value::Bytes(&text[..n])));
    }
    plan.push(&Step::Encode(Value::Bool(false)));
    plan.push(&Step::Encode(Value::Bool(true)));
    for n in [
        "None",
        "True",
        "False",
        "Ellipsis",
        "NotImplemented",
        "undefined",
        "null",
        "NaN",
        "-0",
        "deleted",
        "Unbound",
        "no-such-constant",
    ] {
        plan.push(&Step::Encode(Value::Named(n)));
    }
    for e in [0, 1, 7] {
        plan.push(&Step::Encode(Value::Error(e)));
    }
    set.add(profile, "encode", "constants", plan)
}

fn decode_random(set: &mut VectorSet, profile: ProfileId, rng: &mut SplitMix64) -> Result<(), PlanTooLong> {
    for n in 0..DECODE_VECTORS {
        let mut plan = PlanBuilder::default();
        start(&mut plan, profile, ARENA_BYTES as u64);
        for i in 0..WORDS_PER_VECTOR {
            let bits = width_bits(profile).unwrap_or([16, 32, 64][i % 3]);
            let mask = if bits >= 64 { u64::MAX } else { (1 << bits) - 1 };
            plan.push(&Step::Decode(rng.next_u64() & mask));
        }
        set.add(profile, "decode", &format!("random-words-{n}"), plan)?;
    }
    Ok(())
}

fn alloc_sequences(set: &mut VectorSet, profile: ProfileId, rng: &mut SplitMix64) -> Result<(), PlanTooLong> {
    for n in 0..ALLOC_VECTORS {
        let mut plan = PlanBuilder::default();
        start(&mut plan, profile, arena_bytes(rng));
        let allocs = 16 + rng.below(48) as u16;
        for i in 0..allocs {
            alloc_raw(&mut plan, Var(i % MAX_VARS as u16), alloc_size(rng));
            if rng.one_in(8) {
                plan.push(&Step::Stats);
            }
            if rng.one_in(16) {
                plan.push(&Step::Collect);
            }
        }
        plan.push(&Step::Stats);
        plan.push(&Step::HeapMap);
        plan.push(&Step::Collect);
        plan.push(&Step::Stats);
        set.add(profile, "alloc", &format!("sequence-{n}"), plan)?;
    }
    Ok(())
}

fn graph_sequences(set: &mut VectorSet, profile: ProfileId, rng: &mut SplitMix64) -> Result<(), PlanTooLong> {
    for n in 0..GRAPH_VECTORS {
        let mut plan = PlanBuilder::default();
        start(&mut plan, profile, arena_bytes(rng));
        let objects = 4 + rng.below(28) as u16;
        let mut slots = Vec::new();
        for i in 0..objects {
            let words = 1 + rng.below(8);
            alloc_raw(&mut plan, Var(i), words * 8);
            slots.push(words as u32);
        }
        let var = |rng: &mut SplitMix64| Var(rng.below(objects as u64) as u16);
        for _ in 0..(objects as u64 * 3) {
            match rng.below(12) {
                0..=4 => {
                    let from = var(rng);
                    let slot = rng.below(slots[from.0 as usize] as u64 + 1) as u32;
                    let target = match rng.below(8) {
                        0 => StepTarget::Interior(var(rng), 8 * rng.below(2) as u32 + 4),
                        1 => StepTarget::Word(rng.next_u64() & 0xFFFF_FFFF),
                        2 => StepTarget::Empty,
                        _ => StepTarget::Object(var(rng)),
                    };
                    plan.push(&Step::Link { from, slot, target });
                }
                5..=6 => plan.push(&Step::Root(var(rng))),
                7 => plan.push(&Step::Unroot(var(rng))),
                8 => plan.push(&Step::Collect),
                9 => plan.push(&Step::ReadWord(var(rng), rng.below(4) as i32 - 1)),
                10 => {
                    let op = [GcOp::Lock, GcOp::Unlock, GcOp::Disable, GcOp::Enable][rng.below(4) as usize];
                    plan.push(&Step::Gc(op));
                }
                _ => plan.push(&Step::IsLive(var(rng))),
            }
        }
        plan.push(&Step::Gc(GcOp::Unlock));
        plan.push(&Step::Gc(GcOp::Enable));
        plan.push(&Step::Collect);
        for i in 0..objects {
            plan.push(&Step::IsLive(Var(i)));
        }
        plan.push(&Step::Stats);
        set.add(profile, "graph", &format!("sequence-{n}"), plan)?;
    }
    Ok(())
}

/// The generated vector set: the same on every run.
pub fn generated() -> Result<VectorSet, PlanTooLong> {
    let mut set = VectorSet::default();
    let mut rng = SplitMix64::new(SEED);
    for profile in ProfileId::ALL {
        encode_edges(&mut set, profile)?;
        encode_constants(&mut set, profile)?;
        decode_random(&mut set, profile, &mut rng)?;
        alloc_sequences(&mut set, profile, &mut rng)?;
        graph_sequences(&mut set, profile, &mut rng)?;
    }
    Ok(set)
}

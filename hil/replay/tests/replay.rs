//! The replay core against a small fake subject whose answers are set here, so every record the core
//! sends is known in advance.

use core::fmt;

use memspec::evidence::Evidence;
use memspec::fact::Unit;
use memspec::profile::{GcDiscipline, IntRange};
use memspec::step::{Step, Var};
use memspec::subject::{
    Allocation, Capabilities, Decoded, Encoded, ErrorKind, HeapConfig, ObjId, ObjectSpec, Param, ParamValue,
    Stat, Subject, SubjectError, SubjectResult, Value, stat,
};
use memspec::tag::{BitTest, TagRule};
use memspec::{Profile, ProfileId, TagClass, Width};
use memspec_replay::{Emitter, Flow, Replayer, TEXT_PIECE_BYTES};
use memspec_vector::frame::{self, MAX_FRAME_BYTES};
use memspec_vector::plan;
use memspec_vector::record::Record;
use memspec_vector::wire::Writer;

/// Where the fake's rules come from: this file.
const HERE: Evidence = Evidence::Case("hil/replay/tests/replay.rs");

/// A 32-bit profile with two classes: odd words are small ints, even words pointers.
static TAGS: [TagRule; 2] = [
    TagRule {
        class: TagClass::SmallInt,
        tests: &[BitTest::eq(1, 1)],
        range: None,
        encoding: "(v << 1) | 1",
        source: HERE,
    },
    TagRule {
        class: TagClass::Pointer,
        tests: &[BitTest::eq(1, 0)],
        range: None,
        encoding: "address",
        source: HERE,
    },
];

/// MicroPython's accounting law applies to this one (`alloc-plus-free-is-pool`).
static FAKE: Profile = FAKE_TABLES;

/// The generic accounting law applies to this one (`used-plus-free-is-pool`).
static FAKE_JULIA: Profile = Profile {
    id: ProfileId::Julia64,
    ..FAKE_TABLES
};

/// A 32-bit profile with two classes: odd words are small ints, even words pointers.
const FAKE_TABLES: Profile = Profile {
    id: ProfileId::MicropythonA32,
    summary: "the fake subject's profile",
    engine_version: "test",
    value_width: Width::W32,
    tags: &TAGS,
    immediates: &[],
    small_int: IntRange {
        min: -(1 << 30),
        max: (1 << 30) - 1,
        source: HERE,
    },
    facts: &[],
    layouts: &[],
    sizes: &[],
    gc: GcDiscipline::ConservativeMarkSweep,
};

static TABLES: [&Profile; 2] = [&FAKE, &FAKE_JULIA];

/// Bytes of heap-map text the fake writes: enough for three pieces.
const MAP_BYTES: usize = 2 * TEXT_PIECE_BYTES + 17;

/// Answers set by hand. `lie_about_free` makes `heap.free` one byte short, to break a law.
#[derive(Default)]
struct Fake {
    next_id: u32,
    lie_about_free: bool,
    /// Classify every encoded int as a pointer, to break a law.
    misclassify: bool,
    /// Report a growing heap: this many bytes more free, and the `gc.max_new_split` figure.
    split: Option<u64>,
}

impl Subject for Fake {
    fn name(&self) -> &str {
        "fake"
    }
    fn supports(&self, p: ProfileId) -> bool {
        p == ProfileId::MicropythonA32 || p == ProfileId::Julia64
    }
    fn capabilities(&self, _: ProfileId) -> Capabilities {
        Capabilities::all()
    }
    fn start(&mut self, p: ProfileId, _: &HeapConfig<'_>) -> SubjectResult<()> {
        if !self.supports(p) {
            return Err(SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!("not {}", p.name()),
            ));
        }
        self.next_id = 0;
        Ok(())
    }
    fn encode(&mut self, v: &Value<'_>) -> SubjectResult<Encoded> {
        match v {
            Value::Int(i) if FAKE.small_int.contains(*i) => Ok(Encoded {
                word: ((*i << 1) | 1) as u64 & 0xFFFF_FFFF,
                class: if self.misclassify {
                    TagClass::Pointer
                } else {
                    TagClass::SmallInt
                },
            }),
            Value::Int(i) => Err(SubjectError::new(
                ErrorKind::NotImmediate,
                format_args!("{i} needs the heap"),
            )),
            _ => Err(SubjectError::unsupported(memspec::subject::Capability::Encode)),
        }
    }
    fn decode(&mut self, w: u64) -> SubjectResult<(TagClass, Decoded)> {
        Ok(if w & 1 == 1 {
            (TagClass::SmallInt, Decoded::Int(Width::W32.signed(w) >> 1))
        } else {
            (TagClass::Pointer, Decoded::Pointer(w))
        })
    }
    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let bytes = spec.int("bytes").unwrap_or(0) as u64;
        let id = self.next_id;
        self.next_id += 1;
        Ok(Allocation {
            id: ObjId(id),
            word: 0x8000_1000 + 16 * id as u64,
            bytes: bytes.div_ceil(16) * 16,
        })
    }
    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let free = if self.lie_about_free { 999 } else { 1000 } + self.split.unwrap_or(0);
        for (name, value) in [(stat::USED, 24), (stat::FREE, free), (stat::TOTAL, 1024)] {
            sink(Stat {
                name,
                unit: Unit::Bytes,
                value,
            });
        }
        if let Some(split) = self.split {
            sink(Stat {
                name: memspec_replay::laws::MAX_NEW_SPLIT,
                unit: Unit::Bytes,
                value: split,
            });
        }
        Ok(())
    }
    fn heap_map(&mut self, out: &mut dyn fmt::Write) -> SubjectResult<()> {
        for i in 0..MAP_BYTES {
            let _ = out.write_char(char::from(b'a' + (i % 26) as u8));
        }
        Ok(())
    }
}

fn start(profile: ProfileId) -> Step<'static> {
    Step::Start {
        profile,
        config: HeapConfig {
            arena_bytes: 1024,
            port: None,
            options: &[],
        },
    }
}

const RAW_40: [Param<'static>; 1] = [Param {
    name: "bytes",
    value: ParamValue::Int(40),
}];

fn set_stream(vectors: &[(&str, Vec<Step<'_>>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut put = |payload: &[u8]| frame::write_frame(payload, &mut |b| out.extend_from_slice(b)).unwrap();
    let mut buf = vec![0u8; 4096];
    let mut w = Writer::new(&mut buf);
    plan::write_set(&mut w, vectors.len() as u32).unwrap();
    put(w.written());
    for (i, (name, steps)) in vectors.iter().enumerate() {
        let mut w = Writer::new(&mut buf);
        plan::write_vector(&mut w, i as u32, name, steps).unwrap();
        put(w.written());
    }
    let mut w = Writer::new(&mut buf);
    plan::write_end(&mut w, vectors.len() as u32).unwrap();
    put(w.written());
    out
}

/// Replays `stream` on `fake`; returns every record sent, as text, after the greeting.
fn replay(fake: &mut Fake, stream: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    {
        let mut send = |b: &[u8]| out.extend_from_slice(b);
        let mut em = Emitter::new(&mut send);
        let mut r = Replayer::with_tables(fake, &TABLES);
        r.hello(&mut em, "test");
        let mut rx = Box::new(frame::Deframer::<{ 2 * MAX_FRAME_BYTES }>::new());
        let mut rest = stream;
        let mut ended = false;
        while !rest.is_empty() && !ended {
            let n = rx.push(rest);
            rest = &rest[n..];
            ended = memspec_replay::pump(&mut rx, &mut r, &mut em) == Flow::SetEnded;
        }
        if !ended {
            memspec_replay::finish(&mut rx, &mut r, &mut em);
        }
    }
    let mut rx = Box::new(frame::Deframer::<{ 2 * MAX_FRAME_BYTES }>::new());
    rx.push(&out);
    rx.end();
    let mut recs = Vec::new();
    loop {
        match rx.next_event() {
            frame::Event::Frame(p) => recs.push(Record::read(p).expect("a record").to_string()),
            frame::Event::Skipped { bytes, why } => panic!("{bytes} bytes skipped: {why:?}"),
            frame::Event::NeedMore => break,
        }
    }
    assert!(recs[0].starts_with("hello from test"), "{}", recs[0]);
    recs.remove(0);
    recs
}

#[test]
fn each_step_sends_its_figures_then_its_result_and_the_vector_is_closed_with_counts() {
    let stream = set_stream(&[(
        "s::one",
        vec![
            start(ProfileId::MicropythonA32),
            Step::Encode(Value::Int(21)),
            Step::Alloc {
                var: Var(0),
                spec: ObjectSpec {
                    kind: "raw",
                    params: &RAW_40,
                },
            },
            Step::Stats,
        ],
    )]);
    let recs = replay(&mut Fake::default(), &stream);
    assert_eq!(
        recs,
        [
            "vector 0 begins",
            "step 0: done",
            "step 1: word 0x000000000000002b (small-int)",
            "step 2: object #0 word 0x0000000080001000 taking 48 bytes",
            "step 3: heap.used = 24 bytes",
            "step 3: heap.free = 1000 bytes",
            "step 3: heap.total = 1024 bytes",
            "step 3: done",
            // encode: exactly-one-class, word-has-class, small-int-iff-in-range; alloc:
            // exactly-one-class; stats: used-plus-free-is-pool.
            "vector 0 ends after 4 steps, 5 law checks, 0 broken",
            "done: 1 vectors replayed, 0 rejected",
        ]
    );
}

#[test]
fn broken_laws_are_sent_after_the_step_that_broke_them() {
    let stream = set_stream(&[(
        "s::laws",
        vec![
            start(ProfileId::MicropythonA32),
            Step::Encode(Value::Int(3)),
            Step::Stats,
        ],
    )]);
    let mut fake = Fake {
        lie_about_free: true,
        misclassify: true,
        ..Fake::default()
    };
    let recs = replay(&mut fake, &stream);
    let laws: Vec<&String> = recs.iter().filter(|r| r.contains("law `")).collect();
    assert_eq!(laws.len(), 3, "{recs:#?}");
    assert!(laws[0].starts_with("step 1: law `word-has-class` broken: micropython-a32: word 0x00000007"));
    assert!(laws[1].starts_with("step 1: law `small-int-iff-in-range` broken: 3 (0x3) was not stored as"));
    assert_eq!(
        laws[2],
        "step 2: law `alloc-plus-free-is-pool` broken: mem_alloc 24 + mem_free 999 = 1023, expected pool 1024 + max new split 0 = 1024"
    );
    assert!(recs.contains(&"vector 0 ends after 3 steps, 4 law checks, 3 broken".to_string()));
}

#[test]
fn other_engines_answer_to_the_generic_accounting_law() {
    let stream = set_stream(&[("s::julia", vec![start(ProfileId::Julia64), Step::Stats])]);
    let mut fake = Fake {
        lie_about_free: true,
        ..Fake::default()
    };
    let recs = replay(&mut fake, &stream);
    assert!(
        recs.contains(
            &"step 1: law `used-plus-free-is-pool` broken: used 24 + free 999 = 1023 bytes, expected the pool, 1024 bytes (off by -1)"
                .to_string()
        ),
        "{recs:#?}"
    );
}

#[test]
fn a_micropython_heap_that_can_grow_counts_the_growth_as_free() {
    let stream = set_stream(&[("s::grow", vec![start(ProfileId::MicropythonA32), Step::Stats])]);
    let mut fake = Fake {
        split: Some(0x0800_0000),
        ..Fake::default()
    };
    let recs = replay(&mut fake, &stream);
    assert!(
        recs.contains(&"step 1: heap.free = 134218728 bytes".to_string()),
        "{recs:#?}"
    );
    assert!(
        recs.contains(&"step 1: gc.max_new_split = 134217728 bytes".to_string()),
        "{recs:#?}"
    );
    assert!(
        recs.contains(&"vector 0 ends after 2 steps, 1 law checks, 0 broken".to_string()),
        "{recs:#?}"
    );
}

#[test]
fn an_int_that_needs_the_heap_is_checked_against_the_small_int_range() {
    let stream = set_stream(&[(
        "s::big",
        vec![
            start(ProfileId::MicropythonA32),
            Step::Encode(Value::Int(1 << 30)),
        ],
    )]);
    let recs = replay(&mut Fake::default(), &stream);
    assert_eq!(recs[2], "step 1: error not-immediate: 1073741824 needs the heap");
    assert_eq!(recs[3], "vector 0 ends after 2 steps, 1 law checks, 0 broken");
}

#[test]
fn heap_map_text_comes_in_pieces_that_join_to_the_whole() {
    let stream = set_stream(&[("s::map", vec![start(ProfileId::MicropythonA32), Step::HeapMap])]);
    let recs = replay(&mut Fake::default(), &stream);
    let pieces: Vec<&String> = recs.iter().filter(|r| r.starts_with("step 1: text")).collect();
    assert_eq!(pieces.len(), MAP_BYTES.div_ceil(TEXT_PIECE_BYTES));
    let joined: String = pieces
        .iter()
        .map(|p| p.trim_start_matches("step 1: text \"").trim_end_matches('"'))
        .collect();
    let want: String = (0..MAP_BYTES)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    assert_eq!(joined, want);
}

#[test]
fn no_laws_are_checked_for_a_profile_without_tables() {
    let stream = set_stream(&[(
        "s::other",
        vec![start(ProfileId::Skybison64), Step::Encode(Value::Int(1))],
    )]);
    let recs = replay(&mut Fake::default(), &stream);
    assert_eq!(recs[1], "step 0: error unknown-profile: not skybison64");
    assert_eq!(recs[3], "vector 0 ends after 2 steps, 0 law checks, 0 broken");
}

#[test]
fn an_undecodable_step_rejects_its_vector_and_the_next_one_still_runs() {
    let mut stream = set_stream(&[
        ("s::bad", vec![start(ProfileId::MicropythonA32), Step::Collect]),
        ("s::good", vec![start(ProfileId::MicropythonA32)]),
    ]);
    // Rewrite the `collect` tag (07) of the first vector to 0x7f and fix its frame's checksum.
    let second = stream
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == frame::MAGIC)
        .map(|(i, _)| i)
        .nth(1)
        .unwrap();
    let n = u16::from_le_bytes([stream[second + 4], stream[second + 5]]) as usize;
    let payload_end = second + 6 + n;
    assert_eq!(stream[payload_end - 1], 7, "the last step is collect");
    assert_eq!(n, 32, "the payload byte reported below is its last one");
    stream[payload_end - 1] = 0x7F;
    let crc = memspec_vector::crc::crc32(&stream[second + 4..payload_end]);
    stream[payload_end..payload_end + 4].copy_from_slice(&crc.to_le_bytes());
    let recs = replay(&mut Fake::default(), &stream);
    assert_eq!(
        recs[..4],
        [
            "vector 0 begins",
            "step 0: done",
            "vector 0 rejected: step tag has unknown tag 0x7f (payload byte 31)",
            "vector 0 ends after 1 steps, 0 law checks, 0 broken",
        ]
    );
    assert_eq!(
        recs[4..7],
        [
            "vector 1 begins",
            "step 0: done",
            "vector 1 ends after 1 steps, 0 law checks, 0 broken"
        ]
    );
    assert_eq!(recs[7], "done: 1 vectors replayed, 1 rejected");
}

#[test]
fn a_damaged_frame_going_down_is_rejected_and_counted() {
    let mut stream = set_stream(&[("s::x", vec![start(ProfileId::MicropythonA32)])]);
    let at = stream.len() / 2;
    stream[at] ^= 0xFF;
    let recs = replay(&mut Fake::default(), &stream);
    assert!(
        recs.iter()
            .any(|r| r.starts_with("frame rejected:") && r.contains("bad checksum")),
        "{recs:#?}"
    );
    assert!(recs.last().unwrap().ends_with("1 rejected"), "{recs:#?}");
}

#[test]
fn a_stream_cut_before_the_end_of_its_set_still_sends_the_counts() {
    let stream = set_stream(&[("s::x", vec![start(ProfileId::MicropythonA32)])]);
    let recs = replay(&mut Fake::default(), &stream[..stream.len() - 5]);
    assert_eq!(
        recs,
        [
            "vector 0 begins",
            "step 0: done",
            "vector 0 ends after 1 steps, 0 law checks, 0 broken",
            // The end-of-set frame is 12 bytes (10 of framing, tag 03, count 01); 7 are left.
            "frame rejected: 7 bytes dropped: truncated frame",
            "done: 1 vectors replayed, 1 rejected",
        ]
    );
}

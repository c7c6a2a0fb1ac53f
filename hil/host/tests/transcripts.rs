//! Decoding a recorded firmware transcript (see `tests/transcripts/README.md`), clean and damaged:
//! a bad checksum, a truncated frame, bytes between frames, a stream that stops.

use memspec_hil::set::VectorSet;
use memspec_hil::transcript::Transcript;
use memspec_hil::verdict::{RunEnd, Trial, judge};
use memspec_vector::frame::MAGIC;
use memspec_vector::record::Record;

const SET: &[u8] = include_bytes!("transcripts/a32-encode.set");
const RECORDED: &[u8] = include_bytes!("transcripts/a32-encode.qemu");

fn set() -> VectorSet {
    VectorSet::read(SET).expect("the recorded set reads")
}

/// Start offsets of every frame in the recording.
fn frame_starts(stream: &[u8]) -> Vec<usize> {
    stream
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == MAGIC)
        .map(|(i, _)| i)
        .collect()
}

/// The offset of the first frame whose record is vector `id`'s `begin`.
fn begin_of(stream: &[u8], id: u32) -> usize {
    frame_starts(stream)
        .into_iter()
        .find(|&at| {
            let n = u16::from_le_bytes([stream[at + 4], stream[at + 5]]) as usize;
            matches!(Record::read(&stream[at + 6..at + 6 + n]), Ok(Record::Begin { vector }) if vector == id)
        })
        .expect("the vector begins")
}

fn trials(target: &[u8], end: RunEnd) -> Vec<Trial> {
    let clean = end == RunEnd::Exited(Some(0));
    judge(
        "qemu",
        &set(),
        &Transcript::of(RECORDED),
        &Transcript::of(target),
        &end,
        clean,
    )
}

fn failed(trials: &[Trial]) -> Vec<&Trial> {
    trials.iter().filter(|t| !t.passed).collect()
}

#[test]
fn the_recorded_set_holds_the_two_encode_vectors() {
    let names: Vec<String> = set().vectors.iter().map(|v| v.name()).collect();
    assert_eq!(
        names,
        [
            "micropython-a32/encode::small-int-edges",
            "micropython-a32/encode::constants"
        ]
    );
}

#[test]
fn the_clean_recording_decodes_whole() {
    let t = Transcript::of(RECORDED);
    let hello = t.hello.as_ref().expect("a greeting");
    assert_eq!(
        (hello.firmware.as_str(), hello.version, hello.arena_bytes),
        ("qemu-virt", 1, 131072)
    );
    assert_eq!(t.done, Some((2, 0)));
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert_eq!(t.vectors.len(), 2);
    let set = set();
    for v in &set.vectors {
        let recs = &t.vectors[&v.id];
        assert!(recs.ended && recs.problems.is_empty());
        // begin, one record per step, end: no law applies before the profile's tables land.
        assert_eq!(recs.records.len(), v.plan_lines().len() + 2, "{}", v.name());
    }
    assert!(failed(&trials(RECORDED, RunEnd::Exited(Some(0)))).is_empty());
}

#[test]
fn a_bad_checksum_fails_only_the_vector_whose_record_it_hit() {
    let mut s = RECORDED.to_vec();
    let at = begin_of(&s, 1) + 30; // inside a record of vector 1, past its begin frame
    s[at] ^= 0x20;
    let t = trials(&s, RunEnd::Exited(Some(0)));
    let f = failed(&t);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].name, "qemu/micropython-a32/encode::constants");
    assert!(
        f[0].message
            .contains("bytes dropped from the stream: bad checksum"),
        "{}",
        f[0].message
    );
}

#[test]
fn a_truncated_frame_fails_its_vector_and_names_the_cut() {
    let mut s = RECORDED.to_vec();
    let starts = frame_starts(&s);
    let b = begin_of(&s, 0);
    let next = starts
        .iter()
        .copied()
        .find(|&x| x > b + 10)
        .expect("a later frame");
    let after = starts
        .iter()
        .copied()
        .find(|&x| x > next)
        .expect("a frame after it");
    s.drain(after - 3..after); // the last 3 bytes (checksum) of the frame at `next`
    let t = trials(&s, RunEnd::Exited(Some(0)));
    let f = failed(&t);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].name, "qemu/micropython-a32/encode::small-int-edges");
    assert!(f[0].message.contains("truncated frame"), "{}", f[0].message);
}

#[test]
fn bytes_between_frames_are_named_and_fail_only_the_transport_trial() {
    let junk = b"\x1b[0mboot: stray console text\r\n";
    let mut s = RECORDED.to_vec();
    let at = begin_of(&s, 1);
    s.splice(at..at, junk.iter().copied());
    let t = trials(&s, RunEnd::Exited(Some(0)));
    let f = failed(&t);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].name, "qemu/run::transport");
    assert_eq!(
        f[0].message,
        format!(
            "{} bytes dropped from the stream: bytes outside any frame",
            junk.len()
        )
    );
}

#[test]
fn a_stream_that_stops_inside_a_vector_fails_it_and_every_later_one() {
    let s = &RECORDED[..begin_of(RECORDED, 0) + 200];
    let t = trials(s, RunEnd::TimedOut(std::time::Duration::from_secs(5)));
    let f = failed(&t);
    let names: Vec<&str> = f.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "qemu/micropython-a32/encode::small-int-edges",
            "qemu/micropython-a32/encode::constants",
            "qemu/run::transport"
        ]
    );
    assert!(
        f[0].message
            .contains("the firmware hung: killed after the 5.0 s timeout"),
        "{}",
        f[0].message
    );
    assert!(
        f[1].message.starts_with("no observations from the target"),
        "{}",
        f[1].message
    );
}

#[test]
fn a_different_record_is_shown_beside_the_hosts() {
    // Exchange the two vectors' observations: each vector then sees the other's records.
    let t = Transcript::of(RECORDED);
    let mut swapped = Transcript::of(RECORDED);
    swapped.vectors.insert(0, t.vectors[&1].clone());
    swapped.vectors.insert(1, t.vectors[&0].clone());
    let trials = judge("qemu", &set(), &t, &swapped, &RunEnd::Exited(Some(0)), true);
    let f = failed(&trials);
    assert_eq!(f.len(), 2);
    let m = &f[0].message;
    assert!(
        m.contains("record 0:\n    host:   vector 0 begins\n    target: vector 1 begins"),
        "{m}"
    );
    assert!(m.contains("\n    plan:   step "), "{m}");
}

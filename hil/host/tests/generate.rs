//! The generated vector set: fixed by its seed, within its bounds, and read back from its file.

use memspec::ProfileId;
use memspec::step::Step;
use memspec_hil::generate::{self, MIN_ARENA_BYTES, SplitMix64};
use memspec_hil::set::VectorSet;
use memspec_replay::ARENA_BYTES;
use memspec_vector::plan;

fn starts(set: &VectorSet) -> Vec<(ProfileId, u64)> {
    set.vectors
        .iter()
        .map(|v| {
            let record = v.record().unwrap();
            let plan::Down::Vector(mut r) = plan::read_down(&record).unwrap() else {
                panic!("not a vector")
            };
            let mut params = plan::param_buf();
            match r.next_step(&mut params).unwrap().unwrap().1 {
                Step::Start { profile, config } => (profile, config.arena_bytes),
                other => panic!("{} begins with {other:?}", v.name()),
            }
        })
        .collect()
}

#[test]
fn splitmix64_gives_its_published_first_outputs() {
    // Computed with a Python transcription of Vigna's splitmix64.c (state += 0x9E3779B97F4A7C15;
    // z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB; z ^ z>>31, all
    // mod 2^64), seeded with 1234567.
    let mut r = SplitMix64::new(1234567);
    assert_eq!(r.next_u64(), 6457827717110365317);
    assert_eq!(r.next_u64(), 3203168211198807973);
}

#[test]
fn the_same_seed_makes_the_same_set_byte_for_byte() {
    let a = generate::generated().unwrap();
    let b = generate::generated().unwrap();
    assert_eq!(a.file_bytes(), b.file_bytes());
}

#[test]
fn every_profile_gets_every_suite_and_names_are_unique() {
    let set = generate::generated().unwrap();
    let per_profile = 2 + generate::DECODE_VECTORS + generate::ALLOC_VECTORS + generate::GRAPH_VECTORS;
    assert_eq!(set.vectors.len(), ProfileId::ALL.len() * per_profile);
    let mut names: Vec<String> = set.vectors.iter().map(|v| v.name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), set.vectors.len());
    for p in ProfileId::ALL {
        for suite in ["encode", "decode", "alloc", "graph"] {
            assert!(
                set.vectors.iter().any(|v| v.profile == p && v.suite == suite),
                "{} has no {suite} vector",
                p.name()
            );
        }
    }
}

#[test]
fn every_plan_starts_its_profile_on_an_esp32_sized_arena() {
    let set = generate::generated().unwrap();
    for ((profile, arena), v) in starts(&set).into_iter().zip(&set.vectors) {
        assert_eq!(profile, v.profile, "{}", v.name());
        assert!(
            (MIN_ARENA_BYTES..=ARENA_BYTES as u64).contains(&arena),
            "{}: arena {arena} bytes",
            v.name()
        );
    }
}

#[test]
fn small_int_edges_straddle_every_power_of_two_from_2_13_to_2_62() {
    let edges = generate::small_int_edges(ProfileId::MicropythonA32);
    for bits in 13..63 {
        let e = 1i64 << bits;
        for v in [e - 1, e, -e - 1, -e] {
            assert!(edges.contains(&v), "{v} ({bits} bits) missing");
        }
    }
    assert!(edges.contains(&i64::MIN) && edges.contains(&i64::MAX));
    assert!(edges.windows(2).all(|w| w[0] < w[1]), "sorted without repeats");
}

#[test]
fn a_filter_selects_by_name_and_renumbers() {
    let set = generate::generated().unwrap();
    let graph = set.filtered(Some("/graph::"));
    assert_eq!(
        graph.vectors.len(),
        ProfileId::ALL.len() * generate::GRAPH_VECTORS
    );
    assert!(
        graph
            .vectors
            .iter()
            .enumerate()
            .all(|(i, v)| v.id == i as u32 && v.suite == "graph")
    );
    assert!(set.filtered(Some("no-such-vector")).vectors.is_empty());
}

#[test]
fn a_set_file_reads_back_as_the_set_it_was_written_from() {
    let set = generate::generated().unwrap();
    assert_eq!(VectorSet::read(&set.file_bytes()).unwrap(), set);
}

#[test]
fn a_damaged_set_file_is_refused_with_a_reason() {
    let set = generate::generated()
        .unwrap()
        .filtered(Some("microvium/encode::"));
    let mut file = set.file_bytes();
    let at = file.len() / 2;
    file[at] ^= 0x01;
    let e = VectorSet::read(&file).unwrap_err();
    assert!(e.contains("bad checksum"), "{e}");
    let cut = &set.file_bytes()[..20];
    assert!(VectorSet::read(cut).is_err());
}

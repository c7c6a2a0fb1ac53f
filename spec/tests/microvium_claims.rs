//! The MV claims ledger: one verdict for each of the 42 claims of Microvium's 2020 memory-usage
//! document, each with evidence, out-of-date verdicts naming engine 8.0.0 and what changed; the ledger
//! as a golden. Also the profile's facts against the model's own constants, which were read from
//! the engine source independently.

use std::fmt::Write;

use memspec::claim::{CLAIMS, Doc, LEDGER, Verdict, assessments_of};
use memspec::microvium::PROFILE;
use memspec::microvium::claims::ASSESSMENTS;
use memspec::{Evidence, ProfileId};
use memspec_impl::microvium::header::{HEADER_BYTES, MAX_ALLOCATION_SIZE, MIN_FOOTPRINT};
use memspec_impl::microvium::value::{INT14_MAX, INT14_MIN, VALUE_BYTES, WELL_KNOWN_END};
use memspec_impl::microvium::{Config, Header, Host};

#[test]
fn every_mv_claim_has_exactly_one_microvium_verdict_with_evidence() {
    let mv: Vec<_> = CLAIMS.iter().filter(|c| c.doc == Doc::Mv).collect();
    assert_eq!(mv.len(), 42);
    assert!(
        LEDGER.iter().any(|l| std::ptr::eq(*l, &ASSESSMENTS[..])),
        "registered in LEDGER"
    );
    for c in mv {
        let verdicts: Vec<_> = assessments_of(c.id)
            .filter(|a| a.profiles.contains(&ProfileId::Microvium))
            .collect();
        assert_eq!(verdicts.len(), 1, "{}: {} verdicts", c.id, verdicts.len());
        let a = verdicts[0];
        assert!(!a.evidence.is_empty(), "{} has no evidence", c.id);
        if let Verdict::OutOfDate { version, truth } = a.verdict {
            assert!(version.starts_with("microvium 8.0.0 ("), "{}: {version}", c.id);
            assert!(!truth.is_empty());
        }
    }
    for a in &ASSESSMENTS {
        assert!(a.claim.starts_with("MV-"), "{} is not an MV claim", a.claim);
    }
}

#[test]
fn the_ledger_reads_claim_by_claim() {
    let mut out = String::new();
    for a in &ASSESSMENTS {
        writeln!(out, "{} {}: {}", a.claim, a.verdict.name(), a.verdict.note()).unwrap();
        if let Verdict::OutOfDate { version, .. } = a.verdict {
            writeln!(out, "    for {version}").unwrap();
        }
        for e in a.evidence {
            writeln!(out, "    {e}").unwrap();
        }
    }
    insta::assert_snapshot!("microvium_claims", out);
}

fn fact(name: &str) -> i64 {
    PROFILE
        .fact(name)
        .unwrap_or_else(|| panic!("no fact {name}"))
        .value
}

#[test]
fn the_profiles_facts_match_the_models_constants() {
    let npm = Config::default();
    let host32 = Config {
        host: Host::Host32,
        ..Config::default()
    };
    for (name, model) in [
        ("sizeof(mvm_Value)", VALUE_BYTES as i64),
        ("VM_VALUE_WELLKNOWN_END", WELL_KNOWN_END as i64),
        ("sizeof(TsAllocationHeader)", HEADER_BYTES as i64),
        ("MAX_ALLOCATION_SIZE", MAX_ALLOCATION_SIZE as i64),
        ("minimum footprint", MIN_FOOTPRINT as i64),
        ("TOMBSTONE_HEADER", Header::TOMBSTONE.0 as i64),
        ("MVM_ALLOCATION_BUCKET_SIZE", npm.bucket_bytes as i64),
        ("MVM_MAX_HEAP_SIZE (npm addon)", npm.max_heap as i64),
        (
            "sizeof(TsBucket) on a 64-bit host",
            npm.bucket_header_bytes() as i64,
        ),
        (
            "sizeof(TsBucket) on a 32-bit host",
            host32.bucket_header_bytes() as i64,
        ),
        ("sizeof(mvm_VM) (npm addon, 64-bit)", npm.vm_struct_bytes() as i64),
    ] {
        assert_eq!(fact(name), model, "{name}: profile vs model");
    }
    assert_eq!(
        (PROFILE.small_int.min, PROFILE.small_int.max),
        (INT14_MIN as i64, INT14_MAX as i64)
    );
    let bare32 = Config {
        debug_capability: false,
        gas_counter: false,
        safe_mode: false,
        ..host32
    };
    assert_eq!(fact("sizeof(mvm_VM) (32-bit)"), bare32.vm_struct_bytes() as i64);
}

#[test]
fn every_measured_figure_names_a_measure_mjs_command() {
    let check = |e: &Evidence, what: &str| {
        if let Evidence::Measured { engine, command } = e {
            assert_eq!(*engine, "microvium 8.0.0 (npm, native VM addon)", "{what}");
            assert!(
                command.starts_with("node engines/microvium/measure.mjs "),
                "{what}: {command}"
            );
        }
    };
    for f in PROFILE.facts {
        check(&f.source, f.name);
    }
    for s in PROFILE.sizes {
        check(&s.source, s.kind);
    }
    for a in &ASSESSMENTS {
        for e in a.evidence {
            check(e, a.claim);
        }
    }
}

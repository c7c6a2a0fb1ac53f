//! The claims ledger for the Julia devdocs (`JL-01` .. `JL-39`) and the `julia64` profile's registration.

use std::fmt::Write;

use memspec::claim::{CLAIMS, Doc, LEDGER, assessments_of};
use memspec::julia::{ASSESSMENTS, V0_3_12, V1_11_0};
use memspec::{Evidence, ProfileId, Verdict};

#[test]
fn every_julia_claim_has_one_verdict_for_julia64() {
    let ids: Vec<&str> = CLAIMS.iter().filter(|c| c.doc == Doc::Jl).map(|c| c.id).collect();
    assert_eq!(ids.len(), 39);
    for id in &ids {
        let n = assessments_of(id)
            .filter(|a| a.profiles.contains(&ProfileId::Julia64))
            .count();
        assert_eq!(n, 1, "{id}");
    }
    for a in &ASSESSMENTS {
        assert!(ids.contains(&a.claim), "{} is no Julia claim", a.claim);
    }
    assert!(LEDGER.iter().any(|l| l.as_ptr() == ASSESSMENTS.as_ptr()));
}

#[test]
fn every_verdict_names_v1_11_0_sources() {
    for a in &ASSESSMENTS {
        assert!(!a.evidence.is_empty(), "{}", a.claim);
        for e in a.evidence {
            match e {
                Evidence::Source {
                    upstream,
                    file,
                    symbol,
                } => {
                    assert!(**upstream == V1_11_0 || **upstream == V0_3_12, "{}: {e}", a.claim);
                    assert!(file.starts_with("src/") && !symbol.is_empty(), "{}: {e}", a.claim);
                }
                other => panic!("{}: evidence {other} is not an engine source", a.claim),
            }
        }
        if let Verdict::OutOfDate { version, .. } = a.verdict {
            assert!(version.starts_with("Julia v1.11.0"), "{}: {version}", a.claim);
        }
    }
}

#[test]
fn julia64_has_tables_for_julia_v1_11_0() {
    let p = ProfileId::Julia64.profile().unwrap();
    assert_eq!(
        p.engine_version,
        "Julia v1.11.0 (JuliaLang/julia 501a4f25c2b), x86-64, stock GC"
    );
    assert!(V1_11_0.commit.starts_with("501a4f25c2b"));
}

#[test]
fn julia_claims_golden() {
    let mut out = String::new();
    for a in &ASSESSMENTS {
        let line = format!("{} {:<11} {}", a.claim, a.verdict.name(), a.verdict.note());
        writeln!(out, "{}", line.trim_end()).unwrap();
    }
    insta::assert_snapshot!("julia64_claims", out);
}

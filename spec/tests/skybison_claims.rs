//! The `skybison64` claims ledger: one verdict for each claim SB-01..SB-34 of Skybison's
//! `doc/object-model.md`, each with evidence unless it cannot be tested here.

use std::fmt::Write as _;

use memspec::claim::{CLAIMS, Doc, Verdict, assessments_of};
use memspec::skybison::claims::ASSESSMENTS;
use memspec::{Evidence, ProfileId};

#[test]
fn every_skybison_claim_has_exactly_one_skybison64_verdict_with_evidence() {
    let sb: Vec<_> = CLAIMS.iter().filter(|c| c.doc == Doc::Sb).collect();
    assert_eq!(
        sb.len(),
        34,
        "the Skybison document makes 34 claims, SB-01..SB-34"
    );
    for c in &sb {
        let mine: Vec<_> = assessments_of(c.id)
            .filter(|a| a.profiles.contains(&ProfileId::Skybison64))
            .collect();
        assert_eq!(mine.len(), 1, "{}: {} skybison64 verdicts", c.id, mine.len());
        let a = mine[0];
        match a.verdict {
            Verdict::Untestable { .. } => {}
            _ => assert!(!a.evidence.is_empty(), "{}: a verdict needs evidence", c.id),
        }
        assert!(
            !a.verdict.note().is_empty() || a.verdict == Verdict::Holds,
            "{}",
            c.id
        );
    }
    for a in ASSESSMENTS {
        assert!(sb.iter().any(|c| c.id == a.claim), "{} is no SB claim", a.claim);
        for e in a.evidence {
            if let Evidence::Source { upstream, file, .. } = e {
                assert_eq!(upstream.commit, "25b3046e7071db0666de8294474c38354c445db3");
                assert!(
                    file.starts_with("runtime/") || file.starts_with("doc/"),
                    "{}: {file}",
                    a.claim
                );
            }
        }
    }
}

#[test]
fn the_tagging_claims_the_code_contradicts_are_marked_wrong_or_partly() {
    // runtime/objects.h: RawBool::kValueOffset = RawError::kKindOffset = kBitsPerByte (SB-16, SB-17);
    // kObjectAlignment = 16 and a 3-bit primary tag (SB-23); tag widths 1, 3, 5, 8 and whole words (SB-08).
    let verdict = |id: &str| ASSESSMENTS.iter().find(|a| a.claim == id).unwrap().verdict.name();
    assert_eq!(verdict("SB-16"), "wrong");
    assert_eq!(verdict("SB-17"), "wrong");
    assert_eq!(verdict("SB-23"), "wrong");
    assert_eq!(verdict("SB-08"), "partly");
    assert_eq!(verdict("SB-22"), "holds");
}

#[test]
fn claims_ledger_golden() {
    let mut out = String::new();
    for a in ASSESSMENTS {
        writeln!(out, "{} {}", a.claim, a.verdict.name()).unwrap();
        if !a.verdict.note().is_empty() {
            writeln!(out, "    {}", a.verdict.note()).unwrap();
        }
        for e in a.evidence {
            writeln!(out, "    - {e}").unwrap();
        }
    }
    insta::assert_snapshot!("skybison64_claims", out);
}

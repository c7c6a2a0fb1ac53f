//! The ledger and the corpus name each other correctly: every case the ledger cites as evidence exists.

use memspec::Evidence;
use memspec::claim::LEDGER;
use memspec_conformance::corpus;

#[test]
fn every_case_the_ledger_cites_is_in_the_corpus() {
    let cases = corpus::load(&corpus::default_root()).unwrap_or_else(|errs| {
        panic!(
            "the corpus does not load: {}",
            errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
        )
    });
    let ids: Vec<String> = cases.iter().map(|c| c.id.to_string()).collect();
    let mut cited = 0;
    for a in LEDGER.iter().flat_map(|l| l.iter()) {
        for e in a.evidence {
            if let Evidence::Case(id) = e {
                cited += 1;
                assert!(
                    ids.iter().any(|i| i == id),
                    "{} cites case {id}, which the corpus does not have",
                    a.claim
                );
            }
        }
    }
    assert!(cited > 0, "the ledger cites no case at all");
}

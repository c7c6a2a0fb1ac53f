//! The conformance corpus as vectors: every case under every profile it runs under, planned by the
//! harness ([`memspec_conformance::plan::Plan`]) and encoded step by step.

use std::path::Path;

use memspec_conformance::corpus;
use memspec_conformance::ledger::CaseClaims;
use memspec_conformance::plan::Plan;

use crate::set::{Origin, PlanBuilder, VectorSet};

/// Adds every case under `root` to `set`; returns what the claims ledger needs of them.
pub fn add_corpus(set: &mut VectorSet, root: &Path) -> Result<Vec<CaseClaims>, String> {
    let cases = corpus::load(root).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("the case corpus does not load:\n  {}", lines.join("\n  "))
    })?;
    for case in &cases {
        for &profile in &case.profiles {
            let Some(plan) = Plan::new(case, profile) else {
                continue;
            };
            let mut steps = PlanBuilder::default();
            for i in 0..plan.len() {
                if let Some(step) = plan.step(i) {
                    steps.push(&step);
                }
            }
            let origin = Origin::Case {
                id: case.id.to_string(),
                file: case.file.clone(),
                claims: case.claims.iter().map(|c| (*c).to_string()).collect(),
            };
            set.add_from(profile, &case.id.suite, &case.id.name, steps, origin)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(cases.iter().map(CaseClaims::of).collect())
}

/// The whole vector set: the generated vectors, then the corpus of `memspec-conformance`.
pub fn full_set() -> Result<(VectorSet, Vec<CaseClaims>), String> {
    let mut set = crate::generate::generated().map_err(|e| e.to_string())?;
    let claims = add_corpus(&mut set, &corpus::default_root())?;
    Ok((set, claims))
}

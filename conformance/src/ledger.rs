//! The claims ledger beside the results: for each claim of the documents, its verdict per profile with
//! the evidence (from `memspec::claim::LEDGER`), the cases that bear on it, and their outcome per
//! subject.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use memspec::claim::{CLAIMS, assessments_of};
use memspec::profile::Engine;
use serde::{Deserialize, Serialize};

use crate::case::Case;
use crate::report::{Status, TrialRecord};

/// What the ledger needs to know of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseClaims {
    /// `engine/suite::case`.
    pub case: String,
    /// The claims it bears on.
    pub claims: Vec<String>,
}

impl CaseClaims {
    /// Of a parsed case.
    pub fn of(case: &Case) -> Self {
        Self {
            case: case.id.to_string(),
            claims: case.claims.iter().map(|c| (*c).to_string()).collect(),
        }
    }
}

/// A verdict for some profiles, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictEntry {
    /// The profiles.
    pub profiles: Vec<String>,
    /// `holds`, `wrong`, `out-of-date`, `partly` or `untestable`.
    pub verdict: String,
    /// What is true instead, or why it cannot be tested.
    pub note: String,
    /// The evidence, one line each.
    pub evidence: Vec<String>,
}

/// One trial's outcome for the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialOutcome {
    /// The subject.
    pub subject: String,
    /// The profile.
    pub profile: String,
    /// How it ended.
    pub status: Status,
}

/// A case bearing on a claim, with its outcomes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseOutcomes {
    /// `engine/suite::case`.
    pub case: String,
    /// Its trials' outcomes (empty when nothing was run).
    pub outcomes: Vec<TrialOutcome>,
}

/// One claim of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The claim id.
    pub claim: String,
    /// The document's id prefix.
    pub doc: String,
    /// The document's section.
    pub section: String,
    /// The claim.
    pub text: String,
    /// Verdicts per profile (empty: not assessed yet).
    pub verdicts: Vec<VerdictEntry>,
    /// The cases that bear on it.
    pub cases: Vec<CaseOutcomes>,
}

/// The ledger of every claim (of `engine` only, if given), with the cases and trial outcomes given.
pub fn entries(engine: Option<Engine>, cases: &[CaseClaims], trials: &[TrialRecord]) -> Vec<LedgerEntry> {
    let mut by_case: BTreeMap<&str, Vec<TrialOutcome>> = BTreeMap::new();
    for t in trials {
        by_case.entry(t.case.as_str()).or_default().push(TrialOutcome {
            subject: t.subject.clone(),
            profile: t.profile.clone(),
            status: t.status,
        });
    }
    CLAIMS
        .iter()
        .filter(|c| engine.is_none_or(|e| c.doc.engine() == e))
        .map(|c| LedgerEntry {
            claim: c.id.to_string(),
            doc: c.doc.prefix().to_string(),
            section: c.section.to_string(),
            text: c.text.to_string(),
            verdicts: assessments_of(c.id)
                .map(|a| VerdictEntry {
                    profiles: a.profiles.iter().map(|p| p.name().to_string()).collect(),
                    verdict: a.verdict.name().to_string(),
                    note: a.verdict.note().to_string(),
                    evidence: a.evidence.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            cases: cases
                .iter()
                .filter(|k| k.claims.iter().any(|x| x == c.id))
                .map(|k| CaseOutcomes {
                    case: k.case.clone(),
                    outcomes: by_case.get(k.case.as_str()).cloned().unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// Per document: claims, claims with verdicts, claims with cases, verdict counts, outcome counts.
type DocTally<'a> = (u32, u32, u32, BTreeMap<&'a str, u32>, BTreeMap<Status, u32>);

/// One line per document: claims, how many have verdicts and cases, and the cases' outcomes.
pub fn summary_text(ledger: &[LedgerEntry]) -> String {
    let mut docs: BTreeMap<&str, DocTally<'_>> = BTreeMap::new();
    for e in ledger {
        let d = docs.entry(e.doc.as_str()).or_default();
        d.0 += 1;
        if !e.verdicts.is_empty() {
            d.1 += 1;
        }
        if !e.cases.is_empty() {
            d.2 += 1;
        }
        for v in &e.verdicts {
            *d.3.entry(v.verdict.as_str()).or_default() += 1;
        }
        for c in &e.cases {
            for o in &c.outcomes {
                *d.4.entry(o.status).or_default() += 1;
            }
        }
    }
    let mut out = String::from("claims ledger:\n");
    for (doc, (n, assessed, with_cases, verdicts, outcomes)) in docs {
        let v: Vec<String> = verdicts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let o: Vec<String> = outcomes
            .iter()
            .map(|(k, n)| format!("{n} {}", k.name()))
            .collect();
        let _ = writeln!(
            out,
            "  {doc:<5} {n:>3} claims, {assessed:>3} with verdicts{}, {with_cases:>3} with cases{}",
            if v.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.join(", "))
            },
            if o.is_empty() {
                String::new()
            } else {
                format!(" (trials: {})", o.join(", "))
            },
        );
    }
    out
}

/// Every claim with its verdicts, evidence and cases.
pub fn full_text(ledger: &[LedgerEntry]) -> String {
    let mut out = String::new();
    for e in ledger {
        let _ = writeln!(out, "{} [{}] {}", e.claim, e.section, e.text);
        if e.verdicts.is_empty() {
            let _ = writeln!(out, "    verdict: not assessed yet");
        }
        for v in &e.verdicts {
            let _ = writeln!(
                out,
                "    {}: {}{}",
                v.profiles.join(" "),
                v.verdict,
                if v.note.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", v.note)
                }
            );
            for ev in &v.evidence {
                let _ = writeln!(out, "        evidence: {ev}");
            }
        }
        for c in &e.cases {
            let o: Vec<String> = c
                .outcomes
                .iter()
                .map(|o| format!("{}/{} {}", o.subject, o.profile, o.status.name()))
                .collect();
            let _ = writeln!(
                out,
                "    case {}{}",
                c.case,
                if o.is_empty() {
                    String::new()
                } else {
                    format!(": {}", o.join(", "))
                }
            );
        }
    }
    out
}

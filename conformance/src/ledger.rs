//! The claims ledger beside the results: for each claim of the documents, its verdict per profile with
//! the evidence (from `memspec::claim::LEDGER`), the cases that bear on it, their outcome per subject,
//! and what the runs on real engines made of it: for each engine subject (with the engine and version
//! it reported), the cases naming the claim that passed there (confirming the verdict's figures), that
//! failed (refuting them), and that failed as a known engine bug (busted).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use memspec::claim::{CLAIMS, assessments_of};
use memspec::profile::Engine;
use serde::{Deserialize, Serialize};

use crate::case::Case;
use crate::report::{Status, TrialRecord};

pub mod coverage;

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

/// What the runs on one real engine made of a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineRun {
    /// The engine subject, e.g. `microvium-node`.
    pub subject: String,
    /// The engine and version it reported, e.g. `Microvium 8.0.0 (npm native addon, host64)`.
    pub engine: String,
    /// What the run says of the claim: [`Reading`]'s name.
    pub reading: Reading,
    /// Cases naming the claim that passed on it (the ledger's figures held): `profile/suite::case`.
    pub passed: Vec<String>,
    /// Cases naming the claim that failed on it, unexpected (the engine disagrees with the ledger).
    pub failed: Vec<String>,
    /// Cases naming the claim that failed as a known bug of the engine (busted).
    pub busted: Vec<String>,
}

/// What an engine's run says of a claim, from its cases' outcomes and the claim's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reading {
    /// The cases passed and the verdict is `holds`: the engine confirms the claim.
    Confirms,
    /// The cases passed and the verdict is `partly`: the engine confirms the part that holds.
    ConfirmsInPart,
    /// The cases passed and the verdict is `wrong` or `out-of-date`: the engine refutes the claim, with
    /// the figures the ledger gives instead.
    Refutes,
    /// A case failed unexpected: the engine disagrees with the ledger's figures.
    ContradictsLedger,
    /// Only cases of known engine bugs ran, and they failed as expected.
    KnownBugsOnly,
    /// The cases passed; the claim has no verdict a run can settle (not assessed, untestable).
    BearsOn,
}

impl Reading {
    /// The reading's name.
    pub fn name(self) -> &'static str {
        match self {
            Reading::Confirms => "confirms",
            Reading::ConfirmsInPart => "confirms in part",
            Reading::Refutes => "refutes",
            Reading::ContradictsLedger => "contradicts the ledger",
            Reading::KnownBugsOnly => "known engine bugs only",
            Reading::BearsOn => "bears on",
        }
    }
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
    /// What each real engine's run made of it (engine subjects only; empty when none ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<EngineRun>,
}

/// Engine subjects of a run, by name, with the engine and version each reported.
pub type Engines = BTreeMap<String, String>;

/// The ledger of every claim (of `engine` only, if given), with the cases and trial outcomes given;
/// `engines` names the subjects that are real engines.
pub fn entries(
    engine: Option<Engine>,
    cases: &[CaseClaims],
    trials: &[TrialRecord],
    engines: &Engines,
) -> Vec<LedgerEntry> {
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
            engines: engine_runs(c.id, trials, engines),
        })
        .collect()
}

/// What each engine subject's trials of the cases naming `claim` say, read against the claim's
/// verdict for the trial's profile.
fn engine_runs(claim: &str, trials: &[TrialRecord], engines: &Engines) -> Vec<EngineRun> {
    let verdict_of = |profile: &str| {
        assessments_of(claim)
            .find(|a| a.profiles.iter().any(|p| p.name() == profile))
            .map(|a| a.verdict.name())
    };
    engines
        .iter()
        .filter_map(|(subject, engine)| {
            let (mut passed, mut failed, mut busted) = (Vec::new(), Vec::new(), Vec::new());
            let mut verdicts = Vec::new();
            for t in trials
                .iter()
                .filter(|t| t.subject == *subject && t.claims.iter().any(|c| c == claim))
            {
                match t.status {
                    Status::Pass => {
                        passed.push(t.key());
                        verdicts.push(verdict_of(&t.profile));
                    }
                    Status::Fail => failed.push(t.key()),
                    Status::Busted => busted.push(t.key()),
                    Status::Skip | Status::Flaky => {}
                }
            }
            let reading = if !failed.is_empty() {
                Reading::ContradictsLedger
            } else if passed.is_empty() {
                if busted.is_empty() {
                    return None;
                }
                Reading::KnownBugsOnly
            } else {
                match verdicts.first().copied().flatten() {
                    Some("holds") => Reading::Confirms,
                    Some("partly") => Reading::ConfirmsInPart,
                    Some("wrong" | "out-of-date") => Reading::Refutes,
                    _ => Reading::BearsOn,
                }
            };
            Some(EngineRun {
                subject: subject.clone(),
                engine: engine.clone(),
                reading,
                passed,
                failed,
                busted,
            })
        })
        .collect()
}

/// Per document: claims, claims with verdicts, claims with cases, verdict counts, outcome counts,
/// and per engine subject how many claims its runs read which way.
type DocTally<'a> = (
    u32,
    u32,
    u32,
    BTreeMap<&'a str, u32>,
    BTreeMap<Status, u32>,
    BTreeMap<&'a str, BTreeMap<Reading, u32>>,
);

/// Per document, its title, then claims, how many have verdicts and cases, the verdicts over profiles and
/// the cases' trial outcomes, each on its own line of at most 100 columns.
pub fn summary_text(ledger: &[LedgerEntry]) -> String {
    let mut docs: BTreeMap<&str, DocTally<'_>> = BTreeMap::new();
    let mut trials_seen: BTreeMap<&str, std::collections::BTreeSet<(&str, &str, &str)>> = BTreeMap::new();
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
        // A trial counts once per document, however many of its claims the case names.
        let seen = trials_seen.entry(e.doc.as_str()).or_default();
        for c in &e.cases {
            for o in &c.outcomes {
                if seen.insert((c.case.as_str(), o.subject.as_str(), o.profile.as_str())) {
                    *d.4.entry(o.status).or_default() += 1;
                }
            }
        }
        for r in &e.engines {
            *d.5.entry(r.subject.as_str())
                .or_default()
                .entry(r.reading)
                .or_default() += 1;
        }
    }
    let mut out = String::from(
        "claims ledger: what the source documents claim, judged by the evidence; a verdict is about\n\
         the document (`wrong`: the document says something else than the engine does), not about\n\
         an implementation run here.\n",
    );
    for (doc, (n, assessed, with_cases, verdicts, outcomes, engine_runs)) in docs {
        let title = memspec::claim::Doc::ALL
            .iter()
            .find(|d| d.prefix() == doc)
            .map_or("", |d| d.title());
        let _ = writeln!(out, "  {doc:<5} {title}");
        let _ = writeln!(
            out,
            "        {n} claims: {assessed} with a verdict, {with_cases} named by a case"
        );
        if !verdicts.is_empty() {
            let per_profile: u32 = verdicts.values().sum();
            let v: Vec<String> = verdicts.iter().map(|(k, n)| format!("{n} {k}")).collect();
            let _ = writeln!(
                out,
                "        {per_profile} verdicts over profiles: {}",
                v.join(", ")
            );
        }
        if !outcomes.is_empty() {
            let total: u32 = outcomes.values().sum();
            let o: Vec<String> = outcomes
                .iter()
                .map(|(k, n)| format!("{n} {}", k.name()))
                .collect();
            let _ = writeln!(
                out,
                "        {total} trials of the cases naming them: {}",
                o.join(", ")
            );
        }
        for (subject, counts) in engine_runs {
            let c: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {}", k.name())).collect();
            let _ = writeln!(out, "        {subject} runs: claims {}", c.join(", "));
        }
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
        for r in &e.engines {
            let _ = writeln!(
                out,
                "    {} {} the claim ({})",
                r.subject,
                r.reading.name(),
                r.engine
            );
            for (what, list) in [
                ("passed", &r.passed),
                ("failed", &r.failed),
                ("busted (known engine bug)", &r.busted),
            ] {
                if !list.is_empty() {
                    let _ = writeln!(out, "        {what}: {}", list.join(", "));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Figures;

    fn trial(subject: &str, case: &str, claim: &str, status: Status) -> TrialRecord {
        let (suite, name) = case.split_once("::").unwrap_or(("s", case));
        TrialRecord {
            name: format!("{subject}/microvium/{suite}::{name}"),
            subject: subject.into(),
            profile: "microvium".into(),
            case: format!("microvium/{suite}::{name}"),
            suite: suite.into(),
            file: String::new(),
            claims: vec![claim.into()],
            status,
            expected: "pass".into(),
            reason: None,
            message: None,
            figures: Figures::default(),
            millis: 0.0,
        }
    }

    fn reading(entries: &[LedgerEntry], claim: &str, subject: &str) -> Option<Reading> {
        entries
            .iter()
            .find(|e| e.claim == claim)?
            .engines
            .iter()
            .find(|r| r.subject == subject)
            .map(|r| r.reading)
    }

    #[test]
    fn an_engine_run_reads_its_cases_against_the_claims_verdict() {
        // MV-08 holds, MV-04 is out of date, MV-05 holds in part (spec/src/microvium/claims.rs).
        let trials = [
            trial("mv", "sizes::a", "MV-08", Status::Pass),
            trial("mv", "stats::b", "MV-04", Status::Pass),
            trial("mv", "stats::c", "MV-05", Status::Pass),
            trial("mv", "bugs::d", "MV-18", Status::Busted),
            trial("mv", "sizes::e", "MV-23", Status::Pass),
            trial("mv", "sizes::f", "MV-23", Status::Fail),
            trial("ref", "sizes::a", "MV-08", Status::Pass),
            trial("mv", "stats::g", "MV-06", Status::Skip),
        ];
        let engines: Engines = [("mv".to_string(), "Microvium 8.0.0".to_string())].into();
        let e = entries(Some(Engine::Microvium), &[], &trials, &engines);
        assert_eq!(reading(&e, "MV-08", "mv"), Some(Reading::Confirms));
        assert_eq!(reading(&e, "MV-04", "mv"), Some(Reading::Refutes));
        assert_eq!(reading(&e, "MV-05", "mv"), Some(Reading::ConfirmsInPart));
        assert_eq!(reading(&e, "MV-18", "mv"), Some(Reading::KnownBugsOnly));
        assert_eq!(reading(&e, "MV-23", "mv"), Some(Reading::ContradictsLedger));
        // A skipped trial says nothing; `ref` is no engine.
        assert_eq!(reading(&e, "MV-06", "mv"), None);
        assert_eq!(reading(&e, "MV-08", "ref"), None);
        let text = full_text(&e);
        assert!(
            text.contains("mv refutes the claim (Microvium 8.0.0)\n        passed: microvium/stats::b"),
            "{text}"
        );
        assert!(
            summary_text(&e).contains("mv runs: claims 1 confirms, 1 confirms in part, 1 refutes"),
            "{}",
            summary_text(&e)
        );
    }

    #[test]
    fn the_summary_fits_100_columns_and_counts_a_trial_once_however_many_claims_its_case_names() {
        let mut t = trial("ref", "sizes::a", "MV-08", Status::Pass);
        t.claims = vec!["MV-08".into(), "MV-04".into()];
        let cases = [CaseClaims {
            case: t.case.clone(),
            claims: t.claims.clone(),
        }];
        let e = entries(None, &cases, &[t], &Engines::new());
        let text = summary_text(&e);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 100,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        assert!(
            text.contains("        1 trials of the cases naming them: 1 pass\n"),
            "{text}"
        );
        assert!(
            text.contains("  MV    \"Memory Usage\""),
            "the document is named: {text}"
        );
        assert!(text.contains("not about\nan implementation"), "{text}");
    }
}

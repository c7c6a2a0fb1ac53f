//! Reports: every trial with its status and the memory figures it observed, the claims ledger beside
//! them, as JSON (versioned schema `memspec-report/1`, documented in `conformance/REPORT.md`), JUnit
//! XML, Markdown and a summary matrix for the terminal. Reports from several machines merge.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::check::Figures;
use crate::ledger::{self, LedgerEntry};

pub mod html;
pub mod junit;
pub mod markdown;
pub mod terminal;

/// The report schema this harness writes and reads.
pub const SCHEMA: &str = "memspec-report/1";

/// How a trial ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every expectation held, as expected.
    Pass,
    /// Something did not hold (or a trial expected to fail passed).
    Fail,
    /// Not run: the subject lacks a capability, the expectations say skip, or the check needs tables
    /// the profile does not have.
    Skip,
    /// Failed as the expectations file says it does (a known bug or a deliberate divergence).
    Busted,
    /// The expectations file says the result varies; it is not counted either way.
    Flaky,
}

impl Status {
    /// The status's name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Busted => "busted",
            Status::Flaky => "flaky",
        }
    }
}

/// One trial: a case under one profile against one subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// `subject/profile/suite::case`.
    pub name: String,
    /// The subject.
    pub subject: String,
    /// The profile.
    pub profile: String,
    /// The case, `engine/suite::case`.
    pub case: String,
    /// The suite.
    pub suite: String,
    /// The case file, relative to the corpus root.
    pub file: String,
    /// The claims the case bears on.
    pub claims: Vec<String>,
    /// How it ended.
    pub status: Status,
    /// What the subject's expectations file said.
    pub expected: String,
    /// Why it was skipped, or why it is expected to fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What did not hold: observation beside what would have been accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The memory figures observed.
    pub figures: Figures,
    /// Wall time of the trial in milliseconds.
    pub millis: f64,
}

impl TrialRecord {
    /// The name without the subject: `profile/suite::case`.
    pub fn key(&self) -> String {
        format!(
            "{}/{}::{}",
            self.profile,
            self.suite,
            self.case.rsplit("::").next().unwrap_or("")
        )
    }
}

/// Where and how one run was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The subjects run.
    pub subjects: Vec<String>,
    /// The machine's host name, where known.
    pub host: String,
    /// Wall time of the run in seconds.
    pub seconds: f64,
    /// The harness version.
    pub harness: String,
    /// The subjects that are real engines, with the engine and version each reported.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub engines: BTreeMap<String, String>,
}

/// A report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: String,
    /// The runs merged into it.
    pub runs: Vec<RunInfo>,
    /// Every trial, by name.
    pub trials: Vec<TrialRecord>,
    /// The claims ledger with the outcomes of the cases bearing on each claim.
    pub ledger: Vec<LedgerEntry>,
}

/// Counts of one cell of the matrix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Passed.
    pub pass: u32,
    /// Failed.
    pub fail: u32,
    /// Skipped.
    pub skip: u32,
    /// Busted (known failures).
    pub busted: u32,
    /// Flaky.
    pub flaky: u32,
}

impl Counts {
    /// Adds one trial.
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Skip => self.skip += 1,
            Status::Busted => self.busted += 1,
            Status::Flaky => self.flaky += 1,
        }
    }

    /// `pass/fail/skip/busted`, with `+N~` for N flaky trials when there are any.
    pub fn cell(&self) -> String {
        let mut s = format!("{}/{}/{}/{}", self.pass, self.fail, self.skip, self.busted);
        if self.flaky > 0 {
            let _ = write!(s, "+{}~", self.flaky);
        }
        s
    }

    /// Trials counted.
    pub fn total(&self) -> u32 {
        self.pass + self.fail + self.skip + self.busted + self.flaky
    }

    /// `N trials: P passed, F failed, S skipped, B busted, K flaky`.
    pub fn summary(&self) -> String {
        format!(
            "{} trials: {} passed, {} failed, {} skipped, {} busted, {} flaky",
            self.total(),
            self.pass,
            self.fail,
            self.skip,
            self.busted,
            self.flaky
        )
    }
}

/// The host name, for run information.
pub fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

impl Report {
    /// A report of `trials` (sorted by name) with the ledger made from them.
    pub fn new(mut trials: Vec<TrialRecord>, run: RunInfo, cases: &[ledger::CaseClaims]) -> Report {
        trials.sort_by(|a, b| a.name.cmp(&b.name));
        let ledger = ledger::entries(None, cases, &trials, &run.engines);
        Report {
            schema: SCHEMA.into(),
            runs: vec![run],
            trials,
            ledger,
        }
    }

    /// Parses a report written by this harness (schema checked).
    pub fn parse(file: &str, text: &str) -> Result<Report, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{file}: not JSON: {e}"))?;
        let schema = v.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        if schema != SCHEMA {
            return Err(format!("{file}: schema `{schema}` is not {SCHEMA}"));
        }
        serde_json::from_value(v.clone()).map_err(|e| {
            // Name the trial whose record is wrong, when one is.
            let bad_trial = v
                .get("trials")
                .and_then(serde_json::Value::as_array)
                .and_then(|ts| {
                    ts.iter().enumerate().find_map(|(i, t)| {
                        let err = serde_json::from_value::<TrialRecord>(t.clone()).err()?;
                        let name = t
                            .get("name")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or("(no name)");
                        Some(format!("trial {i} (`{name}`): {err}"))
                    })
                });
            match bad_trial {
                Some(t) => format!("{file}: {t}"),
                None => format!("{file}: {e}"),
            }
        })
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Whether any trial failed.
    pub fn failed(&self) -> bool {
        self.trials.iter().any(|t| t.status == Status::Fail)
    }

    /// Counts per (subject, profile, suite).
    pub fn matrix(&self) -> BTreeMap<(String, String), BTreeMap<String, Counts>> {
        let mut m: BTreeMap<(String, String), BTreeMap<String, Counts>> = BTreeMap::new();
        for t in &self.trials {
            m.entry((t.subject.clone(), t.profile.clone()))
                .or_default()
                .entry(t.suite.clone())
                .or_default()
                .add(t.status);
        }
        m
    }

    /// Counts over all trials.
    pub fn totals(&self) -> Counts {
        let mut c = Counts::default();
        for t in &self.trials {
            c.add(t.status);
        }
        c
    }

    /// The summary matrix as text: one row per subject and profile it serves, one column per suite,
    /// in blocks of columns that fit [`terminal::WIDTH`]; then the profiles not served.
    pub fn matrix_text(&self) -> String {
        let mut out = terminal::matrix(self, terminal::WIDTH);
        out.push_str(&terminal::unserved(self, terminal::WIDTH));
        out
    }

    /// The failures, each with its message.
    pub fn failures_text(&self) -> String {
        let mut out = String::new();
        for t in self.trials.iter().filter(|t| t.status == Status::Fail) {
            let _ = writeln!(out, "FAILED {} ({})", t.name, t.file);
            if let Some(m) = &t.message {
                for l in m.lines() {
                    let _ = writeln!(out, "  {l}");
                }
            }
        }
        out
    }

    /// The reasons trials were skipped (other than a profile not served), each with how many.
    pub fn skips_text(&self) -> String {
        terminal::skips(self, terminal::WIDTH)
    }

    /// Merges reports: trials by name; when two reports disagree on a trial, it fails with both
    /// results named.
    pub fn merge(reports: Vec<(String, Report)>, cases: &[ledger::CaseClaims]) -> Report {
        let mut runs = Vec::new();
        // Each trial's first record, with what every report said of it.
        let mut by_name: BTreeMap<String, (TrialRecord, Vec<(String, Status)>)> = BTreeMap::new();
        for (file, r) in reports {
            runs.extend(r.runs);
            for t in r.trials {
                let status = t.status;
                by_name
                    .entry(t.name.clone())
                    .or_insert_with(|| (t, Vec::new()))
                    .1
                    .push((file.clone(), status));
            }
        }
        let trials: Vec<TrialRecord> = by_name
            .into_values()
            .map(|(mut kept, said)| {
                if said.iter().any(|(_, s)| *s != kept.status) {
                    let each: Vec<String> = said
                        .iter()
                        .map(|(file, s)| format!("{file} says {}", s.name()))
                        .collect();
                    let msg = format!("the reports disagree: {}", each.join(", "));
                    kept.message = Some(match kept.message.take() {
                        Some(m) => format!("{msg}\n{m}"),
                        None => msg,
                    });
                    kept.status = Status::Fail;
                }
                kept
            })
            .collect();
        let engines: ledger::Engines = runs.iter().flat_map(|r: &RunInfo| r.engines.clone()).collect();
        let ledger = ledger::entries(None, cases, &trials, &engines);
        Report {
            schema: SCHEMA.into(),
            runs,
            trials,
            ledger,
        }
    }
}

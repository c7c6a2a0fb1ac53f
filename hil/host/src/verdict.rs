//! Comparing a target's observations with the host's, byte for byte, into one trial per vector, and
//! the report those trials make.

use std::fmt::Write as _;
use std::time::Duration;

use memspec_conformance::check::Figures as CaseFigures;
use memspec_conformance::expectations::{Expectations, Outcome};
use memspec_conformance::ledger::CaseClaims;
use memspec_conformance::report::{self as harness, RunInfo, Status, TrialRecord};
use memspec_vector::FORMAT_VERSION;
use memspec_vector::record::Record;

use crate::set::{Origin, VectorSet};
use crate::transcript::{Transcript, VectorRecords};

/// Differing records shown per failed trial.
pub const SHOWN_DIFFERENCES: usize = 5;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The firmware exited by itself (QEMU), with this code if it had one.
    Exited(Option<i32>),
    /// The run was killed after the timeout: the firmware hung.
    TimedOut(Duration),
    /// The run was stopped for another reason (a probe error).
    Stopped(String),
}

impl std::fmt::Display for RunEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunEnd::Exited(Some(c)) => write!(f, "the firmware exited with code {c}"),
            RunEnd::Exited(None) => write!(f, "the firmware was ended by a signal"),
            RunEnd::TimedOut(d) => write!(
                f,
                "the firmware hung: killed after the {:.1} s timeout",
                d.as_secs_f64()
            ),
            RunEnd::Stopped(why) => write!(f, "the run stopped: {why}"),
        }
    }
}

/// One named result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trial {
    /// `<subject>/<profile>/<suite>::<case>`, or `<subject>/run::transport` for the stream itself.
    pub name: String,
    /// Whether the target's observations equal the host's and no law broke.
    pub passed: bool,
    /// Why it did not pass (empty when it passed).
    pub message: String,
    /// What the subject's expectations file says of it (see [`expect`]).
    pub expected: Outcome,
    /// How it ended once the expectations are weighed: a known difference is `busted`.
    pub status: Status,
}

impl Trial {
    /// A trial of `result`, expected to pass.
    pub fn new(name: String, result: Result<(), String>) -> Self {
        let passed = result.is_ok();
        Trial {
            name,
            passed,
            message: result.err().unwrap_or_default(),
            expected: Outcome::Pass,
            status: if passed { Status::Pass } else { Status::Fail },
        }
    }

    /// The name without the subject: `profile/suite::case`, as expectations files name trials.
    pub fn key(&self) -> &str {
        self.name.split_once('/').map_or(self.name.as_str(), |(_, k)| k)
    }
}

/// Weighs every trial against the subject's expectations, as the harness does
/// (`conformance/src/expectations.rs`): a difference the file lists as `busted` or `fail` is that
/// status, not a failure; a trial the file expects to fail that passes is a failure, so a fixed
/// difference cannot hide; `flaky` counts neither way.
pub fn expect(trials: &mut [Trial], expectations: &Expectations) {
    for t in trials {
        let Some(e) = expectations.lookup(t.key()) else {
            continue;
        };
        t.expected = e.outcome;
        let why = e.reason.as_deref().unwrap_or("");
        t.status = match (t.passed, e.outcome) {
            (true, Outcome::Pass | Outcome::Skip) => Status::Pass,
            (false, Outcome::Pass | Outcome::Skip) => Status::Fail,
            (true, Outcome::Fail | Outcome::Busted) => {
                t.message = format!(
                    "unexpected pass: the expectations file says {} ({why}); if it is fixed, remove the entry",
                    e.outcome.name()
                );
                Status::Fail
            }
            (false, Outcome::Fail | Outcome::Busted) => Status::Busted,
            (_, Outcome::Flaky) => Status::Flaky,
        };
    }
}

/// A record as text, or its bytes when it does not decode.
pub fn render(payload: &[u8]) -> String {
    match Record::read(payload) {
        Ok(r) => r.to_string(),
        Err(e) => format!("undecodable record ({e}): {payload:02x?}"),
    }
}

fn step_of(payload: &[u8]) -> Option<u16> {
    match Record::read(payload).ok()? {
        Record::Step { step, .. }
        | Record::Stat { step, .. }
        | Record::Text { step, .. }
        | Record::Law { step, .. } => Some(step),
        _ => None,
    }
}

/// Compares one vector's records; `None` when they are equal byte for byte.
fn differences(host: &[Vec<u8>], target: &[Vec<u8>], plan: &[String]) -> Option<String> {
    let n = host.len().max(target.len());
    let differing: Vec<usize> = (0..n).filter(|&i| host.get(i) != target.get(i)).collect();
    if differing.is_empty() {
        return None;
    }
    let mut m = format!(
        "{} of {n} records differ (host {} records, target {}):",
        differing.len(),
        host.len(),
        target.len()
    );
    for &i in differing.iter().take(SHOWN_DIFFERENCES) {
        let show = |r: Option<&Vec<u8>>| r.map_or_else(|| "(nothing)".to_string(), |p| render(p));
        let _ = write!(
            m,
            "\n  record {i}:\n    host:   {}\n    target: {}",
            show(host.get(i)),
            show(target.get(i))
        );
        let step = host.get(i).or(target.get(i)).and_then(|p| step_of(p));
        if let Some(line) = step.and_then(|s| plan.get(s as usize)) {
            let _ = write!(m, "\n    plan:   {line}");
        }
    }
    if differing.len() > SHOWN_DIFFERENCES {
        let _ = write!(m, "\n  ... and {} more", differing.len() - SHOWN_DIFFERENCES);
    }
    Some(m)
}

fn broken_laws(records: &[Vec<u8>]) -> Vec<String> {
    records
        .iter()
        .filter(|p| matches!(Record::read(p), Ok(Record::Law { .. })))
        .map(|p| render(p))
        .collect()
}

fn judge_vector(
    host: Option<&VectorRecords>,
    target: Option<&VectorRecords>,
    plan: &[String],
    end: &RunEnd,
) -> Result<(), String> {
    let Some(host) = host.filter(|h| h.ended) else {
        return Err("the host's own replay has no complete observations of this vector".into());
    };
    let Some(target) = target else {
        return Err(match end {
            RunEnd::Exited(Some(0)) => "no observations from the target: it never began this vector \
                 (its frame was lost on the way down; see run::transport)"
                .to_string(),
            _ => format!("no observations from the target: {end} before this vector"),
        });
    };
    if !target.ended {
        let mut m = format!(
            "the target's observations stop after {} of the host's {} records: {end}",
            target.records.len(),
            host.records.len()
        );
        if !target.problems.is_empty() {
            let _ = write!(m, "\n  the stream also lost: {}", target.problems.join("; "));
        }
        let seen = target.records.len().min(host.records.len());
        if let Some(d) = differences(&host.records[..seen], &target.records, plan) {
            let _ = write!(m, "\n{d}");
        }
        return Err(m);
    }
    if !target.problems.is_empty() {
        return Err(format!(
            "the target's observations were damaged: {}",
            target.problems.join("; ")
        ));
    }
    if let Some(d) = differences(&host.records, &target.records, plan) {
        return Err(d);
    }
    let laws = broken_laws(&target.records);
    if !laws.is_empty() {
        return Err(format!(
            "target and host agree, but laws are broken:\n  {}",
            laws.join("\n  ")
        ));
    }
    Ok(())
}

/// The transport trial: the greeting, the closing counts, and nothing outside the vectors.
fn judge_run(set: &VectorSet, target: &Transcript, end: &RunEnd, clean_exit: bool) -> Result<(), String> {
    let mut problems = Vec::new();
    match &target.hello {
        None => problems.push("the firmware never said hello".to_string()),
        Some(h) if h.version != FORMAT_VERSION => problems.push(format!(
            "the firmware speaks format version {}, the host {FORMAT_VERSION}",
            h.version
        )),
        Some(_) => {}
    }
    match target.done {
        None => problems.push(format!("the firmware never reported the end of the set: {end}")),
        Some((replayed, rejected)) => {
            if replayed as usize != set.vectors.len() || rejected != 0 {
                problems.push(format!(
                    "the firmware replayed {replayed} of {} vectors and rejected {rejected} frames",
                    set.vectors.len()
                ));
            }
        }
    }
    if !clean_exit {
        problems.push(end.to_string());
    }
    problems.extend(target.problems.iter().cloned());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

/// One trial per vector, named `<subject>/<profile>/<suite>::<case>`, and the transport trial.
pub fn judge(
    subject: &str,
    set: &VectorSet,
    host: &Transcript,
    target: &Transcript,
    end: &RunEnd,
    clean_exit: bool,
) -> Vec<Trial> {
    let mut trials: Vec<Trial> = set
        .vectors
        .iter()
        .map(|v| {
            let r = judge_vector(
                host.vectors.get(&v.id),
                target.vectors.get(&v.id),
                &v.plan_lines(),
                end,
            );
            Trial::new(format!("{subject}/{}", v.name()), r)
        })
        .collect();
    let r = judge_run(set, target, end, clean_exit);
    trials.push(Trial::new(format!("{subject}/run::transport"), r));
    trials
}

/// Figures of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// Vectors sent.
    pub vectors: usize,
    /// Bytes of the set file or stream sent down.
    pub bytes_down: usize,
    /// Bytes of observations received.
    pub bytes_up: usize,
    /// Wall-clock seconds of the run (QEMU's start and exit included).
    pub seconds: f64,
    /// Vectors per second of wall-clock time.
    pub vectors_per_second: f64,
    /// Law checks the target made, over every vector.
    pub laws_checked: u64,
    /// Law checks that failed on the target.
    pub laws_broken: u64,
}

impl Figures {
    /// The figures of a run that sent `bytes_down` bytes of `vectors` vectors in `seconds` and
    /// received `target`.
    pub fn of(vectors: usize, bytes_down: usize, seconds: f64, target: &[&Transcript]) -> Figures {
        let mut f = Figures {
            vectors,
            bytes_down,
            bytes_up: target.iter().map(|t| t.bytes).sum(),
            seconds,
            vectors_per_second: if seconds > 0.0 {
                vectors as f64 / seconds
            } else {
                0.0
            },
            laws_checked: 0,
            laws_broken: 0,
        };
        for t in target {
            for v in t.vectors.values() {
                if let Some(Ok(Record::End(e))) = v.records.last().map(|p| Record::read(p)) {
                    f.laws_checked += e.laws_checked as u64;
                    f.laws_broken += e.laws_broken as u64;
                }
            }
        }
        f
    }
}

/// The result of a run: trials in the set's order, the transport trial last.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// `qemu` or `esp32c3`.
    pub subject: String,
    /// The firmware's name from its greeting.
    pub firmware: Option<String>,
    /// How the run ended.
    pub end: String,
    /// The figures.
    pub figures: Figures,
    /// Every trial.
    pub trials: Vec<Trial>,
}

impl Report {
    /// Trials that count as passed and as failed (`busted` and `flaky` ones count as neither).
    pub fn counts(&self) -> (usize, usize) {
        let n = |st: Status| self.trials.iter().filter(|t| t.status == st).count();
        (n(Status::Pass), n(Status::Fail))
    }

    /// Prints one line per trial, the details of every trial that did not pass, and the closing
    /// `N passed, N failed` line.
    pub fn print(&self) {
        for t in &self.trials {
            let word = match t.status {
                Status::Pass => "ok",
                Status::Fail => "FAILED",
                Status::Busted => "busted (expected)",
                Status::Flaky => "flaky",
                Status::Skip => "ignored",
            };
            println!("test {} ... {word}", t.name);
        }
        for (title, status) in [
            ("failures", Status::Fail),
            ("known differences (busted)", Status::Busted),
        ] {
            let listed: Vec<&Trial> = self.trials.iter().filter(|t| t.status == status).collect();
            if !listed.is_empty() {
                println!("\n{title}:");
                for t in &listed {
                    println!("\n---- {} ----\n  {}", t.name, t.message);
                }
            }
        }
        let f = &self.figures;
        println!(
            "\n{}: {} vectors, {} bytes down, {} bytes up, {:.3} s, {:.0} vectors/s, {} law checks, {} broken",
            self.subject,
            f.vectors,
            f.bytes_down,
            f.bytes_up,
            f.seconds,
            f.vectors_per_second,
            f.laws_checked,
            f.laws_broken
        );
        let others = self
            .trials
            .iter()
            .filter(|t| matches!(t.status, Status::Busted | Status::Flaky))
            .count();
        if others > 0 {
            println!("{others} trials busted or flaky as the expectations file says");
        }
        let (p, n) = self.counts();
        println!("\n{p} passed, {n} failed");
    }
}

impl Report {
    /// The report in the harness's format (`memspec-report/1`, `conformance/REPORT.md`), so it merges
    /// with the reports of other subjects and machines (`memspec report merge`). Vectors made from
    /// cases carry the case, its file and its claims; generated vectors carry the case id
    /// `hil/<suite>::<case>`. Per-trial time is not measured on the target: `millis` is 0 and the run's
    /// wall time is in `runs`.
    pub fn harness(&self, set: &VectorSet, cases: &[CaseClaims]) -> harness::Report {
        let trials = self
            .trials
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let v = set.vectors.get(i);
                let (case, file, claims) = match v.map(|v| &v.origin) {
                    Some(Origin::Case { id, file, claims }) => (id.clone(), file.clone(), claims.clone()),
                    Some(Origin::Generated) => (
                        v.map_or_else(String::new, |v| format!("hil/{}::{}", v.suite, v.case)),
                        String::new(),
                        Vec::new(),
                    ),
                    None => ("hil/run::transport".into(), String::new(), Vec::new()),
                };
                TrialRecord {
                    name: t.name.clone(),
                    subject: self.subject.clone(),
                    profile: v.map_or_else(String::new, |v| v.profile.name().to_string()),
                    case,
                    suite: v.map_or_else(|| "run".into(), |v| v.suite.clone()),
                    file,
                    claims,
                    status: t.status,
                    expected: t.expected.name().into(),
                    reason: None,
                    message: (!t.message.is_empty()).then(|| t.message.clone()),
                    figures: CaseFigures::default(),
                    millis: 0.0,
                }
            })
            .collect();
        let run = RunInfo {
            subjects: vec![self.subject.clone()],
            host: harness::host_name(),
            seconds: self.figures.seconds,
            harness: env!("CARGO_PKG_VERSION").into(),
            // The firmware runs the reference implementation, no real engine.
            engines: Default::default(),
        };
        harness::Report::new(trials, run, cases)
    }
}

//! The trial matrix: one libtest-mimic [`Trial`] per (subject, profile, case), named
//! `subject/profile/suite::case`, so `--list`, `--exact`, filters, `--format` and nextest's
//! `--partition` work as with any Rust test binary.
//!
//! A trial whose subject does not serve the profile, lacks a capability the case needs, or whose
//! expectations say `skip` is marked ignored (nextest and libtest list it as such) and reported as a
//! skip with its reason, never as a pass.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};
use memspec::profile::ProfileId;
use memspec::subject::Capabilities;

use crate::case::{Case, Op};
use crate::check::{Execution, Figures};
use crate::expectations::{self, Expectations, Outcome};
use crate::ledger::CaseClaims;
use crate::plan::Plan;
use crate::report::terminal::{lacking, not_served};
use crate::report::{Report, RunInfo, Status, TrialRecord};
use crate::subjects::{Lease, Served, SubjectFactory};

/// The default time one case may take, per subject.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one case may take by default when a board (`micropython-serial`) is among the subjects:
/// its cases send their calls over a serial link in paced pieces; on ports/qemu VIRT_RV32 under
/// QEMU on a loaded 2-core machine the slowest (`sizes::bytearray_sweep_33_64`, `sizes::dicts`)
/// took 9.7 to 10.5 s.
pub const BOARD_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest time one case may be given (a week): `--timeout` beyond it is refused.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long past its timeout a case may run before the harness gives up on it: room for a subject's
/// own deadline to fire first, with its better diagnosis.
pub const TIMEOUT_GRACE: Duration = Duration::from_millis(500);

/// The stack of the thread a case runs on, in bytes (as much as a main thread has).
const CASE_STACK_BYTES: usize = 8 << 20;

/// The duration of `seconds`, refused when it is not a positive number of seconds up to
/// [`MAX_TIMEOUT`].
pub fn timeout_of(seconds: f64) -> Result<Duration, String> {
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if !d.is_zero() && d <= MAX_TIMEOUT => Ok(d),
        _ => Err(format!(
            "--timeout {seconds} must be a positive number of seconds, at most {} (a week)",
            MAX_TIMEOUT.as_secs()
        )),
    }
}

/// A subject to run, with what it serves and what is expected of it.
pub struct SubjectRun {
    /// The factory.
    pub factory: Arc<dyn SubjectFactory>,
    /// What it serves.
    pub served: Served,
    /// What is expected of it.
    pub expectations: Expectations,
}

impl std::fmt::Debug for SubjectRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubjectRun")
            .field("name", &self.factory.name())
            .finish_non_exhaustive()
    }
}

impl SubjectRun {
    /// Describes the subject and loads its expectations from `expectations` (its default file when
    /// `None`).
    pub fn new(factory: Arc<dyn SubjectFactory>, expectations: Option<&Path>) -> Result<Self, String> {
        let name = factory.name().to_string();
        let path = expectations.map_or_else(|| expectations::default_path(&name), Path::to_path_buf);
        let expectations = Expectations::load(&name, &path)?;
        Self::expecting(factory, expectations)
    }

    /// Describes the subject, expecting of it what `expectations` says.
    pub fn expecting(factory: Arc<dyn SubjectFactory>, expectations: Expectations) -> Result<Self, String> {
        let name = factory.name().to_string();
        let served = factory
            .describe()
            .map_err(|e| format!("cannot ask subject `{name}` what it serves: {e}"))?;
        Ok(Self {
            factory,
            served,
            expectations,
        })
    }
}

/// Everything a run needs.
#[derive(Debug)]
pub struct Harness {
    /// The subjects.
    pub subjects: Vec<SubjectRun>,
    /// The cases.
    pub cases: Vec<Arc<Case>>,
    /// The corpus root, to name case files relative to it.
    pub root: PathBuf,
    /// The time one case may take.
    pub timeout: Duration,
    /// Only these profiles, when set.
    pub profiles: Option<Vec<ProfileId>>,
    /// Only the trials of these names, when set (`memspec run --failed`).
    pub only: Option<Vec<String>>,
}

/// One cell of the matrix before it runs.
#[derive(Clone, Debug)]
pub struct Planned {
    /// `subject/profile/suite::case`.
    pub name: String,
    /// `profile/suite::case`, the key of the expectations file.
    pub key: String,
    /// Index into [`Harness::subjects`].
    pub subject: usize,
    /// Index into [`Harness::cases`].
    pub case: usize,
    /// The profile.
    pub profile: ProfileId,
    /// Why it is not run, if it is not.
    pub skip: Option<String>,
    /// The expected outcome and its reason.
    pub expected: (Outcome, Option<String>),
}

fn missing(needs: Capabilities, has: Capabilities) -> Vec<&'static str> {
    needs.iter().filter(|c| !has.has(*c)).map(|c| c.name()).collect()
}

/// The largest arena the plan's start steps ask for.
fn arena_of(plan: &Plan<'_>) -> u64 {
    (0..plan.len())
        .filter_map(|i| match plan.op(i) {
            Some(Op::Start { arena, .. }) => Some(*arena),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// Runs one case under one profile on a subject lent by `factory`, on a thread of its own: a case
/// that panics fails with the panic's message, and one that is still running [`TIMEOUT_GRACE`]
/// after its `timeout` fails at that moment (its thread is left to finish on its own, and the
/// subject it holds is never lent again).
pub fn run_case(
    factory: &Arc<dyn SubjectFactory>,
    case: &Arc<Case>,
    profile: ProfileId,
    timeout: Duration,
) -> Execution {
    let (tx, rx) = channel();
    let (factory, case) = (Arc::clone(factory), Arc::clone(case));
    let spawned = thread::Builder::new()
        .name(format!("{} {}", factory.name(), case.id))
        .stack_size(CASE_STACK_BYTES)
        .spawn(move || {
            let run = catch_unwind(AssertUnwindSafe(|| {
                run_case_here(&*factory, &case, profile, timeout)
            }));
            let _ = tx.send(run.unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                Execution::Failed(Figures::default(), vec![format!("the subject panicked: {what}")])
            }));
        });
    if let Err(e) = spawned {
        return Execution::Failed(
            Figures::default(),
            vec![format!("cannot start a thread for the case: {e}")],
        );
    }
    match rx.recv_timeout(timeout.saturating_add(TIMEOUT_GRACE)) {
        Ok(exec) => exec,
        Err(RecvTimeoutError::Timeout) => Execution::Failed(
            Figures::default(),
            vec![format!(
                "the case did not end within its timeout of {:.1} s; the subject was left to finish on its own",
                timeout.as_secs_f64()
            )],
        ),
        Err(RecvTimeoutError::Disconnected) => Execution::Failed(
            Figures::default(),
            vec!["the case's thread ended without a result".into()],
        ),
    }
}

/// Runs one case on this thread.
fn run_case_here(
    factory: &dyn SubjectFactory,
    case: &Case,
    profile: ProfileId,
    timeout: Duration,
) -> Execution {
    let Some(plan) = Plan::new(case, profile) else {
        return Execution::Skipped(format!("{} does not run under {}", case.id, profile.name()));
    };
    let lease = Lease {
        timeout,
        arena_bytes: arena_of(&plan),
    };
    let mut exec = None;
    let trial = format!("{}/{}/{}", factory.name(), profile.name(), case.id.short());
    let fault = factory.lend(&lease, &mut |s| {
        exec = Some(crate::trace::execute(&plan, s, &trial))
    });
    match (exec, fault) {
        (Some(e), Ok(())) => e,
        (Some(Execution::Failed(f, mut p) | Execution::Unsteady(f, mut p)), Err(fault)) => {
            p.push(format!(
                "the subject broke and was restarted:\n{}",
                fault.diagnosis
            ));
            Execution::Failed(f, p)
        }
        (Some(Execution::Passed(f)), Err(fault)) => Execution::Failed(
            f,
            vec![format!(
                "every expectation held, but the subject broke:\n{}",
                fault.diagnosis
            )],
        ),
        (Some(Execution::Skipped(_) | Execution::Unavailable(_)), Err(fault)) => {
            Execution::Failed(Figures::default(), vec![fault.diagnosis])
        }
        (None, Err(fault)) => Execution::Unavailable(fault.diagnosis),
        (None, Ok(())) => Execution::Failed(
            Figures::default(),
            vec!["the subject's factory returned without lending a subject".into()],
        ),
    }
}

/// The status of a trial from what happened and what was expected; the message explains a failure.
pub fn judge(exec: Execution, expected: Outcome, reason: Option<&str>) -> (Status, Option<String>, Figures) {
    let why = reason.unwrap_or("");
    match (exec, expected) {
        (Execution::Skipped(r), _) => (Status::Skip, Some(r), Figures::default()),
        (Execution::Unavailable(why), _) => (Status::Fail, Some(why), Figures::default()),
        (Execution::Unsteady(f, p), _) => (Status::Flaky, Some(p.join("\n")), f),
        (Execution::Passed(f), Outcome::Pass) => (Status::Pass, None, f),
        (Execution::Failed(f, p), Outcome::Pass | Outcome::Skip) => (Status::Fail, Some(p.join("\n")), f),
        (Execution::Passed(f), Outcome::Fail | Outcome::Busted) => (
            Status::Fail,
            Some(format!(
                "unexpected pass: the expectations file says {} ({why}); if it is fixed, remove the entry",
                expected.name()
            )),
            f,
        ),
        (Execution::Failed(f, p), Outcome::Fail | Outcome::Busted) => (Status::Busted, Some(p.join("\n")), f),
        (Execution::Passed(f), Outcome::Flaky) => (Status::Flaky, None, f),
        (Execution::Failed(f, p), Outcome::Flaky) => (Status::Flaky, Some(p.join("\n")), f),
        (Execution::Passed(f), Outcome::Skip) => (Status::Pass, None, f),
    }
}

type Store = Arc<Mutex<Vec<TrialRecord>>>;

/// Told of each trial as a run goes: a progress line, the stream's relay.
pub trait Watch: Send + Sync {
    /// The run is about to run this many trials (the skipped and filtered out not counted).
    fn planned(&self, trials: usize);
    /// A trial begins on a thread of the run.
    fn started(&self, name: &str);
    /// A trial that ran has ended, with its record (before libtest prints its outcome).
    fn finished(&self, rec: &TrialRecord);
}

/// A watch told nothing.
#[derive(Debug)]
struct Nobody;

impl Watch for Nobody {
    fn planned(&self, _: usize) {}
    fn started(&self, _: &str) {}
    fn finished(&self, _: &TrialRecord) {}
}

impl Harness {
    /// The matrix: every case under every profile it runs under, for every subject.
    pub fn plan(&self) -> Vec<Planned> {
        let mut out = Vec::new();
        for (si, s) in self.subjects.iter().enumerate() {
            for (ci, c) in self.cases.iter().enumerate() {
                for p in &c.profiles {
                    if self.profiles.as_ref().is_some_and(|ps| !ps.contains(p)) {
                        continue;
                    }
                    let key = format!("{}/{}", p.name(), c.id.short());
                    let name = format!("{}/{key}", s.factory.name());
                    if self.only.as_ref().is_some_and(|o| !o.contains(&name)) {
                        continue;
                    }
                    let entry = s.expectations.lookup(&key);
                    let expected = entry.map_or((Outcome::Pass, None), |e| (e.outcome, e.reason.clone()));
                    let skip = match s.served.iter().find(|(sp, _)| sp == p) {
                        None => Some(not_served(s.factory.name(), p.name())),
                        Some((_, caps)) if !caps.covers(c.needs) => {
                            Some(lacking(s.factory.name(), &missing(c.needs, *caps), p.name()))
                        }
                        Some(_) if expected.0 == Outcome::Skip => Some(format!(
                            "the expectations file says skip: {}",
                            expected.1.clone().unwrap_or_default()
                        )),
                        Some(_) => None,
                    };
                    out.push(Planned {
                        name,
                        key,
                        subject: si,
                        case: ci,
                        profile: *p,
                        skip,
                        expected,
                    });
                }
            }
        }
        out
    }

    fn record(
        &self,
        p: &Planned,
        status: Status,
        message: Option<String>,
        figures: Figures,
        millis: f64,
    ) -> TrialRecord {
        let case = &self.cases[p.case];
        let file = Path::new(&case.file)
            .strip_prefix(&self.root)
            .map_or_else(|_| case.file.clone(), |r| r.display().to_string());
        let (reason, message) = match status {
            Status::Skip => (message, None),
            Status::Busted | Status::Flaky => (p.expected.1.clone(), message),
            _ => (None, message),
        };
        TrialRecord {
            name: p.name.clone(),
            subject: self.subjects[p.subject].factory.name().to_string(),
            profile: p.profile.name().to_string(),
            case: case.id.to_string(),
            suite: case.id.suite.clone(),
            file,
            claims: case.claims.iter().map(|c| (*c).to_string()).collect(),
            status,
            expected: p.expected.0.name().to_string(),
            reason,
            message,
            figures,
            millis,
        }
    }

    /// The trials for libtest-mimic; each writes its record into the store.
    fn trials(self: &Arc<Self>, planned: &[Planned], store: &Store, watch: &Arc<dyn Watch>) -> Vec<Trial> {
        planned
            .iter()
            .map(|p| {
                let me = Arc::clone(self);
                let store = Arc::clone(store);
                let watch = Arc::clone(watch);
                let p2 = p.clone();
                Trial::ignorable_test(p.name.clone(), move || {
                    watch.started(&p2.name);
                    let started = Instant::now();
                    let (status, message, figures) = match &p2.skip {
                        Some(r) => (Status::Skip, Some(r.clone()), Figures::default()),
                        None => {
                            let factory = &me.subjects[p2.subject].factory;
                            let exec = run_case(factory, &me.cases[p2.case], p2.profile, me.timeout);
                            judge(exec, p2.expected.0, p2.expected.1.as_deref())
                        }
                    };
                    let millis = started.elapsed().as_secs_f64() * 1000.0;
                    let rec = me.record(&p2, status, message.clone(), figures, millis);
                    watch.finished(&rec);
                    if let Ok(mut s) = store.lock() {
                        s.push(rec);
                    }
                    match status {
                        Status::Fail => Err(Failed::from(message.unwrap_or_default())),
                        Status::Skip => Ok(Completion::ignored_with(message.unwrap_or_default())),
                        _ => Ok(Completion::Completed),
                    }
                })
                .with_ignored_flag(p.skip.is_some())
            })
            .collect()
    }

    /// Runs the matrix under libtest-mimic with `args`, and makes the report of what ran (and of the
    /// skipped trials the filter kept).
    pub fn run(self: &Arc<Self>, args: &Arguments) -> (Conclusion, Report) {
        self.run_watched(args, Arc::new(Nobody))
    }

    /// [`Harness::run`], telling `watch` of each trial as it begins and ends.
    pub fn run_watched(self: &Arc<Self>, args: &Arguments, watch: Arc<dyn Watch>) -> (Conclusion, Report) {
        // libtest-mimic waits forever for a pool of no threads.
        let mut args = args.clone();
        if args.test_threads == Some(0) {
            args.test_threads = Some(1);
        }
        let args = &args;
        let started = Instant::now();
        let planned = self.plan();
        let store: Store = Arc::new(Mutex::new(Vec::new()));
        let trials = self.trials(&planned, &store, &watch);
        let kept: Vec<bool> = trials
            .iter()
            .map(|t| !args.is_filtered_out(t) && !args.list)
            .collect();
        watch.planned(
            planned
                .iter()
                .zip(&kept)
                .filter(|(p, keep)| **keep && p.skip.is_none())
                .count(),
        );
        let conclusion = libtest_mimic::run(args, trials);
        let mut records = store.lock().map(|s| s.clone()).unwrap_or_default();
        let ran: BTreeMap<String, ()> = records.iter().map(|r| (r.name.clone(), ())).collect();
        for (p, keep) in planned.iter().zip(kept) {
            if keep && p.skip.is_some() && !ran.contains_key(&p.name) {
                records.push(self.record(p, Status::Skip, p.skip.clone(), Figures::default(), 0.0));
            }
        }
        let run = self.run_info(started);
        let cases: Vec<CaseClaims> = self.cases.iter().map(|c| CaseClaims::of(c)).collect();
        (conclusion, Report::new(records, run, &cases))
    }

    /// Runs every trial of the matrix in order on this thread, without the libtest stream, and makes
    /// the report (for library users, benchmarks and tests).
    pub fn run_plain(&self) -> Report {
        let started = Instant::now();
        let mut records = Vec::new();
        for p in self.plan() {
            let t0 = Instant::now();
            let (status, message, figures) = match &p.skip {
                Some(r) => (Status::Skip, Some(r.clone()), Figures::default()),
                None => {
                    let exec = run_case(
                        &self.subjects[p.subject].factory,
                        &self.cases[p.case],
                        p.profile,
                        self.timeout,
                    );
                    judge(exec, p.expected.0, p.expected.1.as_deref())
                }
            };
            let millis = t0.elapsed().as_secs_f64() * 1000.0;
            records.push(self.record(&p, status, message, figures, millis));
        }
        let run = self.run_info(started);
        let cases: Vec<CaseClaims> = self.cases.iter().map(|c| CaseClaims::of(c)).collect();
        Report::new(records, run, &cases)
    }

    /// Where and how the run was made, with the engine each engine subject reported.
    fn run_info(&self, started: Instant) -> RunInfo {
        RunInfo {
            subjects: self
                .subjects
                .iter()
                .map(|s| s.factory.name().to_string())
                .collect(),
            host: crate::report::host_name(),
            seconds: started.elapsed().as_secs_f64(),
            harness: env!("CARGO_PKG_VERSION").to_string(),
            engines: self
                .subjects
                .iter()
                .filter_map(|s| Some((s.factory.name().to_string(), s.factory.engine()?)))
                .collect(),
        }
    }

    /// Expectation entries of each subject that match no trial of the matrix (stale entries).
    pub fn stale_expectations(&self) -> Vec<String> {
        let planned = self.plan();
        let mut out = Vec::new();
        for (si, s) in self.subjects.iter().enumerate() {
            let keys: Vec<String> = planned
                .iter()
                .filter(|p| p.subject == si)
                .map(|p| p.key.clone())
                .collect();
            for e in s.expectations.unmatched(&keys) {
                out.push(format!(
                    "{}: the entry `{}` matches no trial",
                    expectations::default_path(s.factory.name()).display(),
                    e.name
                ));
            }
        }
        out
    }
}

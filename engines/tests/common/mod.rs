//! Helpers shared by the engine tests: running plans, and the rule for missing engines.
#![allow(dead_code)] // Each test file uses its own part of these helpers.

use std::fmt;

use memspec::step::{Outcome, Runner, Sink, Step};
use memspec::subject::{Stat, Subject, SubjectResult};

/// Collects what `stats` and `heap-map` steps produce.
#[derive(Debug, Default)]
pub struct Collected {
    pub stats: Vec<(String, u64)>,
    pub text: String,
}

impl Collected {
    pub fn stat(&self, name: &str) -> Option<u64> {
        self.stats.iter().rev().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

impl Sink for Collected {
    fn stat(&mut self, stat: Stat<'_>) {
        self.stats.push((stat.name.to_owned(), stat.value));
    }
    fn text(&mut self) -> &mut dyn fmt::Write {
        &mut self.text
    }
}

/// Runs `plan` and returns each step's outcome; the first error stops the plan.
pub fn run(subject: &mut dyn Subject, plan: &[Step<'_>]) -> (Vec<SubjectResult<Outcome>>, Collected) {
    let mut runner = Runner::<64>::new();
    let mut sink = Collected::default();
    let mut outcomes = Vec::new();
    for step in plan {
        let o = runner.run(subject, step, &mut sink);
        let stop = o.is_err();
        outcomes.push(o);
        if stop {
            break;
        }
    }
    (outcomes, sink)
}

/// Whether this run is CI (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `true` when the engine is there. When it is not: in CI, a failure; elsewhere a printed skip with
/// the reason and the install command, and `false`.
pub fn engine_present(check: Result<(), impl fmt::Display>) -> bool {
    match check {
        Ok(()) => true,
        Err(missing) if in_ci() => panic!("engine missing in CI: {missing}"),
        Err(missing) => {
            eprintln!("skipped: {missing}");
            false
        }
    }
}

//! A case under one profile: its plan of [`Step`]s and the expectations on each.
//!
//! [`Plan::new`] is the public way from a parsed case to what a subject is asked: the in-process
//! runner, the process protocol and the firmware's vectors all replay [`Plan::step`] in order with a
//! [`memspec::step::Runner`], and compare each outcome with [`Plan::expects`].
//!
//! A `fill` is no single subject call: how many allocations it makes, and of what size, depends on
//! the heap maps it reads. It is kept beside the steps ([`Plan::fills_before`]) and run by the checker
//! ([`crate::check`]) before the step it precedes; a vector made from the plan's steps replays the case
//! without it.

use std::ops::Range;

use memspec::profile::ProfileId;
use memspec::step::{Step, Var};
use memspec::subject::{HeapConfig, ObjectSpec, Param};

use crate::case::{Case, Expect, Op, OwnedParam, Source};

/// One step of a plan with the positions of its arguments in [`Plan`]'s parameter table.
#[derive(Clone, Debug)]
struct Planned<'c> {
    op: &'c Op,
    params: Range<usize>,
}

/// A `fill` of a plan, run before the plan's step [`before`](Self::before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// The index of the step it precedes ([`Plan::len`] when it comes last).
    pub before: usize,
    /// The case line it is written on.
    pub line: u32,
    /// Whether each filler is made a root.
    pub rooted: bool,
    /// Most allocations it may make.
    pub max: u32,
}

/// A case's steps and expectations under one profile.
#[derive(Debug)]
pub struct Plan<'c> {
    /// The case.
    pub case: &'c Case,
    /// The profile.
    pub profile: ProfileId,
    params: Vec<Param<'c>>,
    steps: Vec<Planned<'c>>,
    expects: Vec<Vec<&'c Expect>>,
    lines: Vec<u32>,
    fills: Vec<Fill>,
}

impl<'c> Plan<'c> {
    /// The plan of `case` under `profile`; `None` if the case does not run under it.
    pub fn new(case: &'c Case, profile: ProfileId) -> Option<Plan<'c>> {
        if !case.profiles.contains(&profile) {
            return None;
        }
        let mut plan = Plan {
            case,
            profile,
            params: Vec::new(),
            steps: Vec::new(),
            expects: Vec::new(),
            lines: Vec::new(),
            fills: Vec::new(),
        };
        for s in case.steps.iter().filter(|s| s.applies(profile)) {
            if let Op::Fill { rooted, max } = s.op {
                plan.fills.push(Fill {
                    before: plan.steps.len(),
                    line: s.pos.line,
                    rooted,
                    max,
                });
                continue;
            }
            let from = plan.params.len();
            match &s.op {
                Op::Start { options, .. } => plan.params.extend(options.iter().map(OwnedParam::borrow)),
                Op::Alloc { params, .. } => plan.params.extend(params.iter().map(OwnedParam::borrow)),
                _ => {}
            }
            plan.steps.push(Planned {
                op: &s.op,
                params: from..plan.params.len(),
            });
            plan.expects
                .push(s.expects.iter().filter(|e| e.applies(profile)).collect());
            plan.lines.push(s.pos.line);
        }
        Some(plan)
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the plan has no step.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The `i`-th step, as a subject is asked it.
    pub fn step(&self, i: usize) -> Option<Step<'_>> {
        let p = self.steps.get(i)?;
        let params = self.params.get(p.params.clone()).unwrap_or(&[]);
        Some(match p.op {
            Op::Start { arena, port, .. } => Step::Start {
                profile: self.profile,
                config: HeapConfig {
                    arena_bytes: *arena,
                    port: port.as_deref(),
                    options: params,
                },
            },
            Op::Encode(v) => Step::Encode(v.borrow()),
            Op::Decode(w) => Step::Decode(*w),
            Op::Alloc { var, kind, .. } => Step::Alloc {
                var: Var(*var),
                spec: ObjectSpec { kind, params },
            },
            Op::Link { from, slot, target } => Step::Link {
                from: Var(*from),
                slot: *slot,
                target: *target,
            },
            Op::Root(v) => Step::Root(Var(*v)),
            Op::Unroot(v) => Step::Unroot(Var(*v)),
            Op::Collect => Step::Collect,
            Op::Stats(_) => Step::Stats,
            Op::HeapMap => Step::HeapMap,
            Op::Live(v) => Step::IsLive(Var(*v)),
            Op::Gc(op) => Step::Gc(*op),
            Op::Read(v, i) => Step::ReadWord(Var(*v), *i),
            // Never stored among the steps (`Plan::new` keeps fills apart).
            Op::Fill { .. } => return None,
        })
    }

    /// The fills to run before step `i` (`i` = [`len`](Self::len): after the last step), in order.
    pub fn fills_before(&self, i: usize) -> impl Iterator<Item = &Fill> {
        self.fills.iter().filter(move |f| f.before == i)
    }

    /// The case's operation behind step `i`.
    pub fn op(&self, i: usize) -> Option<&'c Op> {
        self.steps.get(i).map(|p| p.op)
    }

    /// The expectations on step `i` under this profile.
    pub fn expects(&self, i: usize) -> &[&'c Expect] {
        self.expects.get(i).map_or(&[], Vec::as_slice)
    }

    /// The case line step `i` is written on.
    pub fn line(&self, i: usize) -> u32 {
        self.lines.get(i).copied().unwrap_or(0)
    }

    /// The source an expectation names.
    pub fn source(&self, e: &Expect) -> Option<&'c Source> {
        self.case.sources.get(e.source)
    }

    /// The name of a plan variable as the case writes it.
    pub fn var_name(&self, v: Var) -> &'c str {
        self.case.vars.get(v.0 as usize).map_or("?", String::as_str)
    }
}

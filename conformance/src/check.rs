//! Replays a plan against a subject and compares each outcome with the case's expectations.
//!
//! The result is an [`Execution`]: passed, failed with every mismatch (observation beside what would
//! have been accepted, bits and masks side by side), or skipped with the reason; each carries the
//! memory figures observed, with units.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use memspec::evidence::Evidence;
use memspec::law;
use memspec::profile::{IntRange, Profile};
use memspec::step::{Outcome, Runner, Sink};
use memspec::subject::{Decoded, ErrorKind, Stat, Subject, SubjectError, stat};
use memspec::tag::TagClass;
use memspec::width::Width;
use serde::{Deserialize, Serialize};

use crate::case::engine_law::Seen;
use crate::case::pattern::show_like;
use crate::case::{Check, Expect, ExpectedValue, Law, MAX_VARS, Op, OwnedValue, Pattern, StatWant};
use crate::plan::Plan;

pub mod relative;

/// A heap figure a stats step reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatFigure {
    /// The case line of the stats step.
    pub line: u32,
    /// The figure's name (`heap.used`, ...).
    pub name: String,
    /// Its unit (`bytes`, `blocks`, `` for counts).
    pub unit: String,
    /// Its value.
    pub value: u64,
}

/// What one alloc step took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocFigure {
    /// The case line.
    pub line: u32,
    /// The object's name in the case.
    pub object: String,
    /// Its kind.
    pub kind: String,
    /// Heap bytes it took, rounding and separate allocations included.
    pub bytes: u64,
}

/// What one collect step did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectFigure {
    /// The case line.
    pub line: u32,
    /// Allocations freed.
    pub freed_allocations: u64,
    /// Bytes freed.
    pub freed_bytes: u64,
    /// What the collect call returned to the program, if a number.
    pub returned: Option<i64>,
    /// Finalisers run.
    pub finalisers_run: u64,
}

/// The memory figures a trial observed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Every figure of every stats step.
    pub stats: Vec<StatFigure>,
    /// Every allocation.
    pub allocations: Vec<AllocFigure>,
    /// Every collection.
    pub collections: Vec<CollectFigure>,
}

/// How a plan's replay ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Execution {
    /// Every expectation held.
    Passed(Figures),
    /// Some did not: one paragraph per mismatch.
    Failed(Figures, Vec<String>),
    /// The plan could not be checked here, and why.
    Skipped(String),
    /// The subject's readings disagreed (its error [`ErrorKind::Unsteady`], with every reading): the
    /// trial is flaky whatever its expectations say.
    Unsteady(Figures, Vec<String>),
    /// The subject could not be had for the case at all (its engine is missing or will not start):
    /// an error whatever the subject's expectations say, so a known bug cannot hide it.
    Unavailable(String),
}

/// The figures of earlier stats steps: the last one, and each named `stats as <name>`.
#[derive(Default)]
struct Earlier {
    last: Option<BTreeMap<String, u64>>,
    named: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Collects what stats and heap-map steps report.
#[derive(Default)]
struct Collector {
    stats: Vec<(String, memspec::fact::Unit, u64)>,
    text: String,
}

impl Sink for Collector {
    fn stat(&mut self, s: Stat<'_>) {
        self.stats.push((s.name.to_string(), s.unit, s.value));
    }

    fn text(&mut self) -> &mut dyn std::fmt::Write {
        &mut self.text
    }
}

/// A value in one comparable shape, for the round-trip law.
#[derive(Clone, Debug, PartialEq)]
enum Plain {
    Int(i64),
    Float(u64),
    Qstr(u64),
    Str(Vec<u8>),
    Bytes(Vec<u8>),
    Bool(bool),
    Named(String),
    Error(u8),
    Other(String),
}

fn plain_of_value(v: &OwnedValue) -> Plain {
    match v {
        OwnedValue::Int(i) => Plain::Int(*i),
        OwnedValue::Float(f) => Plain::Float(f.to_bits()),
        OwnedValue::Qstr(q) => Plain::Qstr(*q),
        OwnedValue::Str(s) => Plain::Str(s.clone()),
        OwnedValue::Bytes(b) => Plain::Bytes(b.clone()),
        OwnedValue::Bool(b) => Plain::Bool(*b),
        OwnedValue::Named(n) => Plain::Named(n.clone()),
        OwnedValue::Error(e) => Plain::Error(*e),
    }
}

fn plain_of_decoded(d: &Decoded) -> Plain {
    match d {
        Decoded::Int(i) => Plain::Int(*i),
        Decoded::Float(f) => Plain::Float(f.to_bits()),
        Decoded::Qstr(q) => Plain::Qstr(*q),
        Decoded::Str(s) => Plain::Str(s.as_slice().to_vec()),
        Decoded::Bytes(b) => Plain::Bytes(b.as_slice().to_vec()),
        Decoded::Bool(b) => Plain::Bool(*b),
        Decoded::Named(n) => Plain::Named((*n).to_string()),
        Decoded::Error(e) => Plain::Error(*e),
        other => Plain::Other(format!("{other:?}")),
    }
}

/// The width to draw words of `profile` in: the profile's when it has tables, else the
/// pattern's own.
fn width_for(profile: Option<&Profile>, p: &Pattern) -> Width {
    if let Some(prof) = profile {
        return prof.value_width;
    }
    let bits = p.digits * if p.radix == 16 { 4 } else { 1 };
    if bits <= 16 {
        Width::W16
    } else if bits <= 32 {
        Width::W32
    } else {
        Width::W64
    }
}

/// A word beside the pattern it was checked against, as hex and as bits.
pub fn word_beside_pattern(profile: Option<&Profile>, p: &Pattern, word: u64) -> String {
    let w = width_for(profile, p);
    let shown_mask = p.mask & w.mask();
    format!(
        "    observed {:<20} {}\n    accepted {:<20} {}",
        show_like(p, word, w.bits()),
        w.bits_under(word, w.mask()),
        p.show((w.bits() / if p.radix == 16 { 4 } else { 1 }).max(p.digits)),
        w.bits_under(p.value, shown_mask),
    )
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Done => "done".into(),
        Outcome::Encoded(e) => format!("word {:#x} ({})", e.word, e.class.name()),
        Outcome::Decoded(c, d) => format!("{} {:?}", c.name(), d),
        Outcome::Allocated(a) => format!("object #{} word {:#x}, {} bytes", a.id.0, a.word, a.bytes),
        Outcome::Collected(c) => format!(
            "freed {} allocations, {} bytes, returned {:?}",
            c.freed_allocations, c.freed_bytes, c.returned
        ),
        Outcome::Live(b) => if *b { "live" } else { "dead" }.into(),
        Outcome::Word(w) => format!("word {w:#x}"),
    }
}

fn value_matches(want: &ExpectedValue, got: &Decoded) -> bool {
    match (want, got) {
        (ExpectedValue::Int(a), Decoded::Int(b)) => a == b,
        (ExpectedValue::Float(a), Decoded::Float(b)) => {
            (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
        }
        (ExpectedValue::Qstr(a), Decoded::Qstr(b)) => a == b,
        (ExpectedValue::Str(a), Decoded::Str(b)) => a.as_slice() == b.as_slice(),
        (ExpectedValue::Bytes(a), Decoded::Bytes(b)) => a.as_slice() == b.as_slice(),
        (ExpectedValue::Bool(a), Decoded::Bool(b)) => a == b,
        (ExpectedValue::Named(a), Decoded::Named(b)) => a == b,
        (ExpectedValue::Error(a), Decoded::Error(b)) => a == b,
        (ExpectedValue::Pointer(p), Decoded::Pointer(w))
        | (ExpectedValue::Image(p), Decoded::Image(w))
        | (ExpectedValue::Header(p), Decoded::Header(w)) => p.matches(*w),
        _ => false,
    }
}

/// The block characters of a heap map's lines, with collapsed free runs expanded.
/// Map lines are `%08x: ` followed by one character per block; `(N lines all free)` stands for
/// N lines of 64 free blocks (`py/gc.c` `gc_dump_alloc_table`).
pub fn count_map_blocks(map: &str, chars: &str) -> u64 {
    const BLOCKS_PER_MAP_LINE: u64 = 64;
    let mut n = 0u64;
    for line in map.lines() {
        let t = line.trim();
        if let Some(rest) = t
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(" lines all free)"))
        {
            if chars.contains('.')
                && let Ok(lines) = rest.trim().parse::<u64>()
            {
                n = n.saturating_add(lines.saturating_mul(BLOCKS_PER_MAP_LINE));
            }
            continue;
        }
        let Some((addr, blocks)) = line.split_once(": ") else {
            continue;
        };
        if addr.len() == 8 && addr.chars().all(|c| c.is_ascii_hexdigit()) {
            n = n.saturating_add(blocks.chars().filter(|c| chars.contains(*c)).count() as u64);
        }
    }
    n
}

/// Replays `plan` against `subject`, checking every expectation.
pub fn execute(plan: &Plan<'_>, subject: &mut dyn Subject) -> Execution {
    let tables = plan.profile.profile();
    // Laws checked against the tables cannot run before the profile's tables land.
    for i in 0..plan.len() {
        for e in plan.expects(i) {
            if let Check::Law(l) = &e.check
                && l.needs_tables()
                && tables.is_none()
            {
                return Execution::Skipped(format!(
                    "law {} (line {}) is checked against the tables of {}, which has none",
                    l.name(),
                    e.pos.line,
                    plan.profile.name()
                ));
            }
        }
    }
    let mut figures = Figures::default();
    let mut problems: Vec<String> = Vec::new();
    let mut runner = Runner::<MAX_VARS>::new();
    let mut earlier = Earlier::default();
    let mut last_encoded: Option<(&OwnedValue, u64)> = None;
    // The word each object's alloc gave, by plan variable.
    let mut alloc_words: BTreeMap<u16, u64> = BTreeMap::new();

    for i in 0..=plan.len() {
        for f in plan.fills_before(i) {
            match relative::fill(subject, tables, f) {
                Ok(made) => figures
                    .allocations
                    .extend(made.iter().enumerate().map(|(k, bytes)| AllocFigure {
                        line: f.line,
                        object: format!("filler {}", k + 1),
                        kind: "raw".into(),
                        bytes: *bytes,
                    })),
                Err(why) => {
                    problems.push(format!(
                        "line {}: `fill` failed under {}: {why}{}\n    the rest of the plan was not run",
                        f.line,
                        plan.profile.name(),
                        plan.case.echo(f.line, &[f.line])
                    ));
                    return Execution::Failed(figures, problems);
                }
            }
        }
        let (Some(step), Some(op)) = (plan.step(i), plan.op(i)) else {
            break;
        };
        let line = plan.line(i);
        let mut sink = Collector::default();
        let result = runner.run(subject, &step, &mut sink);
        let expects = plan.expects(i);
        let where_ = |e: &Expect| -> String {
            let src = plan
                .source(e)
                .map(|s| format!("{}: {}", s.label, s.kind))
                .unwrap_or_default();
            format!(
                "line {}: `expect {}` after `{}` (line {line}), from {src}{}",
                e.pos.line,
                e.check.keyword(),
                op.verb(),
                plan.case.echo(e.pos.line, &[line, e.pos.line])
            )
        };
        let expected_error = expects.iter().find_map(|e| match e.check {
            Check::Error(k) => Some((k, *e)),
            _ => None,
        });
        let outcome = match result {
            Err(err) => {
                match expected_error {
                    Some((k, _)) if k == err.kind => {}
                    Some((k, e)) => problems.push(format!(
                        "{}\n    observed error {}: {}\n    accepted error {}",
                        where_(e),
                        err.kind.name(),
                        err.detail,
                        k.name()
                    )),
                    // A subject that cannot be set up as a `start` asks (another port, a build
                    // option it was not built with) does not run the case: a skip, with its reason.
                    None if err.kind == ErrorKind::Unsupported && matches!(op, Op::Start { .. }) => {
                        return Execution::Skipped(err.detail.to_string());
                    }
                    None if err.kind == ErrorKind::Unsteady => {
                        problems.push(format!(
                            "line {}: `{}` under {}: the subject's readings disagreed: {}\n    the trial is flaky; the rest of the plan was not run",
                            plan.line(i),
                            op.verb(),
                            plan.profile.name(),
                            err.detail
                        ));
                        return Execution::Unsteady(figures, problems);
                    }
                    None => {
                        problems.push(failed_step(plan, i, op, &err));
                        return Execution::Failed(figures, problems);
                    }
                }
                continue;
            }
            Ok(o) => o,
        };
        if let Some((k, e)) = expected_error {
            problems.push(format!(
                "{}\n    observed success: {}\n    accepted error {}",
                where_(e),
                describe(&outcome),
                k.name()
            ));
            continue;
        }
        // Figures.
        let stats_now: BTreeMap<String, u64> = sink.stats.iter().map(|(n, _, v)| (n.clone(), *v)).collect();
        for (name, unit, value) in &sink.stats {
            figures.stats.push(StatFigure {
                line,
                name: name.clone(),
                unit: unit.name().to_string(),
                value: *value,
            });
        }
        match (&outcome, op) {
            (Outcome::Allocated(a), Op::Alloc { var, kind, .. }) => {
                alloc_words.insert(*var, a.word);
                figures.allocations.push(AllocFigure {
                    line,
                    object: plan.var_name(memspec::step::Var(*var)).to_string(),
                    kind: kind.clone(),
                    bytes: a.bytes,
                });
            }
            (Outcome::Collected(c), _) => figures.collections.push(CollectFigure {
                line,
                freed_allocations: c.freed_allocations,
                freed_bytes: c.freed_bytes,
                returned: c.returned,
                finalisers_run: c.finalisers_run,
            }),
            _ => {}
        }
        let word = match outcome {
            Outcome::Encoded(e) => Some(e.word),
            Outcome::Allocated(a) => Some(a.word),
            Outcome::Word(w) => Some(w),
            Outcome::Decoded(..) => match op {
                Op::Decode(w) => Some(*w),
                _ => None,
            },
            _ => None,
        };
        for e in expects {
            if let Some(msg) = check_one(
                op,
                tables,
                e,
                &outcome,
                word,
                &sink,
                &stats_now,
                &earlier,
                last_encoded,
                &alloc_words,
            ) {
                problems.push(format!("{}\n{msg}", where_(e)));
            }
        }
        if let (Op::Encode(v), Outcome::Encoded(enc)) = (op, &outcome) {
            last_encoded = Some((v, enc.word));
        }
        if let Op::Stats(name) = op {
            if let Some(n) = name {
                earlier.named.insert(n.clone(), stats_now.clone());
            }
            earlier.last = Some(stats_now);
        }
    }
    if problems.is_empty() {
        Execution::Passed(figures)
    } else {
        Execution::Failed(figures, problems)
    }
}

fn failed_step(plan: &Plan<'_>, i: usize, op: &Op, err: &SubjectError) -> String {
    let mut s = format!(
        "line {}: `{}` failed under {}: {}{}",
        plan.line(i),
        op.verb(),
        plan.profile.name(),
        err,
        plan.case.echo(plan.line(i), &[plan.line(i)])
    );
    if err.kind == ErrorKind::Unsupported {
        s.push_str(
            "\n    (the subject says it lacks a capability the case needs; its capability list is wrong)",
        );
    }
    let _ = write!(
        s,
        "\n    the case expects no error here; the rest of the plan was not run"
    );
    s
}

#[allow(clippy::too_many_arguments)] // One call site; the arguments are the step's whole context.
fn check_one(
    op: &Op,
    tables: Option<&'static Profile>,
    e: &Expect,
    outcome: &Outcome,
    word: Option<u64>,
    sink: &Collector,
    stats_now: &BTreeMap<String, u64>,
    earlier: &Earlier,
    last_encoded: Option<(&OwnedValue, u64)>,
    alloc_words: &BTreeMap<u16, u64>,
) -> Option<String> {
    let mismatch = |observed: String, accepted: String| -> Option<String> {
        Some(format!("    observed {observed}\n    accepted {accepted}"))
    };
    match &e.check {
        Check::Error(_) => None,
        Check::Word(p) => {
            let w = word?;
            (!p.matches(w)).then(|| word_beside_pattern(tables, p, w))
        }
        Check::Class(c) => {
            let got = match outcome {
                Outcome::Encoded(enc) => enc.class,
                Outcome::Decoded(cl, _) => *cl,
                _ => return mismatch(describe(outcome), format!("class {}", c.name())),
            };
            if got == *c {
                return None;
            }
            let extra = word.map_or(String::new(), |w| format!(" (word {w:#x})"));
            mismatch(
                format!("class {}{extra}", got.name()),
                format!("class {}", c.name()),
            )
        }
        Check::Value(v) => match outcome {
            Outcome::Decoded(_, d) if value_matches(v, d) => None,
            other => mismatch(describe(other), format!("{v:?}")),
        },
        Check::Bytes(n) => match outcome {
            Outcome::Allocated(a) if a.bytes == *n => None,
            Outcome::Allocated(a) => mismatch(format!("{} bytes", a.bytes), format!("{n} bytes")),
            other => mismatch(describe(other), format!("{n} bytes")),
        },
        Check::FreedAllocations(n) | Check::FreedBytes(n) | Check::Finalisers(n) => {
            let Outcome::Collected(c) = outcome else {
                return mismatch(describe(outcome), format!("{} {n}", e.check.keyword()));
            };
            let got = match e.check {
                Check::FreedAllocations(_) => c.freed_allocations,
                Check::FreedBytes(_) => c.freed_bytes,
                _ => c.finalisers_run,
            };
            (got != *n).then(|| {
                format!(
                    "    observed {} {got}\n    accepted {} {n}",
                    e.check.keyword(),
                    e.check.keyword()
                )
            })
        }
        Check::Returned(r) => {
            let Outcome::Collected(c) = outcome else {
                return mismatch(describe(outcome), format!("returned {r:?}"));
            };
            let show = |v: Option<i64>| v.map_or("none".to_string(), |n| n.to_string());
            (c.returned != *r).then(|| {
                format!(
                    "    observed returned {}\n    accepted returned {}",
                    show(c.returned),
                    show(*r)
                )
            })
        }
        Check::Stat { name, want, unit } => {
            let Some((_, got_unit, got)) = sink.stats.iter().find(|(n, _, _)| n == name) else {
                let names: Vec<_> = sink.stats.iter().map(|(n, _, _)| n.as_str()).collect();
                return mismatch(
                    format!("no figure `{name}` (reported: {})", names.join(", ")),
                    format!("{name} {want:?}"),
                );
            };
            if let Some(u) = unit
                && u != got_unit
            {
                return mismatch(
                    format!("{name} in {}", got_unit.name()),
                    format!("{name} in {}", u.name()),
                );
            }
            match want {
                StatWant::Exact(n) => (got != n).then(|| {
                    format!(
                        "    observed {name} = {got} {u}\n    accepted {name} = {n} {u}",
                        u = got_unit.name()
                    )
                }),
                StatWant::Delta(_) | StatWant::Since { .. } => {
                    let (d, base, since) = match want {
                        StatWant::Since { change, since } => (
                            *change,
                            earlier.named.get(since),
                            format!(" since `stats as {since}`"),
                        ),
                        StatWant::Delta(d) => (*d, earlier.last.as_ref(), String::new()),
                        StatWant::Exact(_) => return None,
                    };
                    let Some(before) = base.and_then(|s| s.get(name)) else {
                        return mismatch(
                            format!("{name} = {got}, and no earlier stats step{since} reported it"),
                            format!("a change of {d:+}{since}"),
                        );
                    };
                    let change = i128::from(*got) - i128::from(*before);
                    (change != i128::from(d)).then(|| {
                        format!(
                            "    observed {name} {before} -> {got} ({change:+} {u}){since}\n    accepted a change of {d:+} {u}",
                            u = got_unit.name()
                        )
                    })
                }
            }
        }
        Check::Live(want) => match outcome {
            Outcome::Live(got) if got == want => None,
            other => mismatch(describe(other), if *want { "live" } else { "dead" }.into()),
        },
        Check::MapLine(text) => {
            let found = sink.text.lines().any(|l| l.trim_end() == text.trim_end());
            (!found).then(|| {
                format!(
                    "    no line of the heap map equals\n      {text}\n    the heap map was:\n{}",
                    indent(&sink.text)
                )
            })
        }
        Check::MapContains(text) => {
            let found = sink.text.lines().any(|l| l.contains(text.as_str()));
            (!found).then(|| {
                format!(
                    "    no line of the heap map contains\n      {text}\n    the heap map was:\n{}",
                    indent(&sink.text)
                )
            })
        }
        Check::MapCount { chars, count } => {
            let got = count_map_blocks(&sink.text, chars);
            (got != *count).then(|| {
                format!(
                    "    observed {got} blocks drawn as {chars:?}\n    accepted {count}\n    the heap map was:\n{}",
                    indent(&sink.text)
                )
            })
        }
        Check::Law(l) => check_law(op, tables, l, outcome, word, stats_now, &sink.text, last_encoded),
        Check::OffsetFrom { var, offset, unit } => {
            let w = word?;
            let Some(base) = alloc_words.get(var) else {
                return mismatch(
                    format!("word {w:#x}, and object #{var} was never allocated in this plan"),
                    "a distance from the word its alloc gave".to_string(),
                );
            };
            let per = match unit {
                memspec::fact::Unit::Blocks => match relative::block_bytes(tables) {
                    Ok(b) => b,
                    Err(why) => return Some(format!("    {why}")),
                },
                _ => 1,
            };
            let got = i128::from(w) - i128::from(*base);
            let want = i128::from(*offset) * i128::from(per);
            (got != want).then(|| {
                format!(
                    "    observed word {w:#x}, {got:+} bytes from {base:#x} (the object's alloc word)\n    accepted {want:+} bytes ({offset:+} {}{})",
                    unit.name(),
                    if per > 1 { format!(" of {per} bytes") } else { String::new() }
                )
            })
        }
        Check::MapAt { var, chars } => {
            let Some(base) = alloc_words.get(var) else {
                return mismatch(
                    format!("object #{var} was never allocated in this plan"),
                    format!("the map's blocks {chars:?} from the object's block"),
                );
            };
            let bpb = match relative::block_bytes(tables) {
                Ok(b) => b,
                Err(why) => return Some(format!("    {why}")),
            };
            relative::map_at(&sink.text, *base, chars, bpb)
                .map(|m| format!("{m}\n    the heap map was:\n{}", indent(&sink.text)))
        }
        Check::AllocWord { var, same } => {
            let w = word?;
            let Some(allocated) = alloc_words.get(var) else {
                return mismatch(
                    format!("word {w:#018x}, and object #{var} was never allocated in this plan"),
                    "a comparison with the word its alloc gave".to_string(),
                );
            };
            if (w == *allocated) == *same {
                return None;
            }
            mismatch(
                format!("word {w:#018x}"),
                format!(
                    "{} {allocated:#018x}, the word the object's alloc gave",
                    if *same { "exactly" } else { "any word but" }
                ),
            )
        }
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}\n")).collect()
}

#[allow(clippy::too_many_arguments)] // One call site; the arguments are the step's whole observation.
fn check_law(
    op: &Op,
    tables: Option<&'static Profile>,
    l: &Law,
    outcome: &Outcome,
    word: Option<u64>,
    stats_now: &BTreeMap<String, u64>,
    text: &str,
    last_encoded: Option<(&OwnedValue, u64)>,
) -> Option<String> {
    let show = |r: law::LawResult| r.err().map(|v| format!("    {v}"));
    match l {
        Law::UsedPlusFreeIsPool => {
            let get = |n: &str| stats_now.get(n).copied();
            match (get(stat::USED), get(stat::FREE), get(stat::TOTAL)) {
                (Some(u), Some(f), Some(t)) => show(law::used_plus_free_is_pool(u, f, t)),
                _ => Some(format!(
                    "    the law needs {}, {} and {}; the subject reported {:?}",
                    stat::USED,
                    stat::FREE,
                    stat::TOTAL,
                    stats_now.keys().collect::<Vec<_>>()
                )),
            }
        }
        Law::RoundedToGranule { requested, granule } => match outcome {
            Outcome::Allocated(a) => show(law::rounded_to_granule(*requested, *granule, a.bytes)),
            other => Some(format!(
                "    the law needs an allocation; the step gave {}",
                describe(other)
            )),
        },
        Law::RoundTrip => {
            let Outcome::Decoded(_, d) = outcome else {
                return Some(format!(
                    "    the law needs a decoded value; the step gave {}",
                    describe(outcome)
                ));
            };
            let Some((v, w)) = last_encoded else {
                return Some("    the law compares with the last encode step, and there was none".into());
            };
            if word != Some(w) {
                return Some(format!(
                    "    the decoded word {:#x} is not the word the last encode gave ({w:#x})",
                    word.unwrap_or(0)
                ));
            }
            show(law::round_trip(
                "value",
                plain_of_value(v),
                w,
                plain_of_decoded(d),
            ))
        }
        Law::SmallIntIffInRange { min, max } => {
            let (Outcome::Encoded(enc), Op::Encode(OwnedValue::Int(v))) = (outcome, op) else {
                return Some(format!(
                    "    the law needs an encoded int; the step gave {}",
                    describe(outcome)
                ));
            };
            let range = IntRange {
                min: *min,
                max: *max,
                source: Evidence::Derived("the range written in the case's law line"),
            };
            show(law::small_int_iff_in_range(
                &range,
                *v,
                enc.class == TagClass::SmallInt,
            ))
        }
        Law::ExactlyOneClass => {
            let (Some(p), Some(w)) = (tables, word) else {
                return None;
            };
            show(law::exactly_one_class(p, w))
        }
        Law::WordHasClass(c) => {
            let (Some(p), Some(w)) = (tables, word) else {
                return None;
            };
            show(law::word_has_class(p, w, *c))
        }
        Law::Engine(l) => show(l.check(&Seen {
            outcome,
            word,
            stats: stats_now,
            text,
            profile: tables,
        })),
    }
}

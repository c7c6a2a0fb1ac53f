//! Tests of the harness itself: the case parser's errors, expectations, reports, the process protocol
//! and its fault isolation, the Python example adapter and the command line.
//!
//! The binary doubles as two test subjects: `--serve-toy` serves the toy REPR_A subject over the
//! process protocol, and `--fake MODE` is a deliberately faulty server (crash, hang, garbage,
//! oversized, wrong-id, wrong-shape, crash-once=FILE).

#[path = "support/toy.rs"]
mod toy;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use memspec_conformance::case;
use memspec_conformance::corpus;
use memspec_conformance::expectations::{Entry, Expectations, Outcome, SCHEMA};
use memspec_conformance::report::{Report, Status};
use memspec_conformance::run::{Harness, SubjectRun};
use memspec_conformance::subjects::reference::RefFactory;
use memspec_conformance::subjects::{Plain, Pooled, SubjectFactory, process};

type R = Result<(), Failed>;

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn test_cases() -> PathBuf {
    here().join("tests/cases")
}

fn toy_factory() -> Arc<dyn SubjectFactory> {
    Arc::new(Pooled::new("toy", || Ok(Plain(toy::Toy::default()))))
}

fn this_exe() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

fn memspec_exe() -> String {
    env!("CARGO_BIN_EXE_memspec").to_string()
}

fn harness(
    factory: Arc<dyn SubjectFactory>,
    root: &Path,
    expectations: Expectations,
    timeout: Duration,
) -> Result<Harness, Failed> {
    let mut s = SubjectRun::new(factory, Some(Path::new("/nonexistent/expectations.toml")))?;
    s.expectations = expectations;
    let cases = corpus::load(root).map_err(|e| format!("{e:?}"))?;
    Ok(Harness {
        subjects: vec![s],
        cases: cases.into_iter().map(Arc::new).collect(),
        root: root.to_path_buf(),
        timeout,
        profiles: None,
        only: None,
    })
}

fn status_of<'a>(r: &'a Report, name: &str) -> Result<&'a memspec_conformance::report::TrialRecord, Failed> {
    r.trials.iter().find(|t| t.name == name).ok_or_else(|| {
        format!(
            "no trial {name} in the report; trials: {:?}",
            r.trials.iter().map(|t| &t.name).collect::<Vec<_>>()
        )
        .into()
    })
}

fn check(cond: bool, msg: impl FnOnce() -> String) -> R {
    if cond { Ok(()) } else { Err(msg().into()) }
}

/// The harness cases any subject of `micropython-a32` with `raw` allocations passes.
fn the_basic_harness_cases_pass(r: &Report, subject: &str) -> R {
    for name in ["encode_decode", "raw_blocks", "reachability", "heap_map"] {
        let t = status_of(r, &format!("{subject}/micropython-a32/harness::{name}"))?;
        check(t.status == Status::Pass, || {
            format!(
                "{subject} {name}: {:?}\n{}",
                t.status,
                t.message.clone().unwrap_or_default()
            )
        })?;
    }
    Ok(())
}

// ---- the parser ----

fn the_parser_never_panics() -> R {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let samples: Vec<String> = [
        "harness/encode_decode.case",
        "harness/reachability.case",
        "harness/heap_map.case",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(test_cases().join("micropython").join(f)).unwrap_or_default())
    // A corpus case with a fill, offsets and map positions, so their parsing meets junk too.
    .chain(std::fs::read_to_string(
        corpus::default_root().join("micropython/heap/first_fit.case"),
    ))
    .collect();
    let mut runner = TestRunner::new(Config {
        cases: 512,
        failure_persistence: None,
        ..Config::default()
    });
    // Random text.
    runner
        .run(&".{0,400}", |s| {
            let _ = case::parse("fuzz.case", "micropython", "fuzz", "fuzz", &s);
            Ok(())
        })
        .map_err(|e| format!("{e}"))?;
    // Valid cases with a stretch replaced by random text.
    let strategy = (
        0..samples.len(),
        any::<prop::sample::Index>(),
        0usize..40,
        ".{0,20}",
    );
    runner
        .run(&strategy, |(which, at, len, junk)| {
            let s = &samples[which];
            let mut cut = at.index(s.len().max(1));
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut end = (cut + len).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            let mutated = format!("{}{junk}{}", &s[..cut], &s[end..]);
            let _ = case::parse("fuzz.case", "micropython", "fuzz", "fuzz", &mutated);
            Ok(())
        })
        .map_err(|e| format!("{e}"))?;
    Ok(())
}

// ---- running cases, expectations, reports ----

fn the_toy_passes_the_harness_cases_and_skips_what_it_cannot_do() -> R {
    let h = harness(
        toy_factory(),
        &test_cases(),
        Expectations::none("toy"),
        Duration::from_secs(10),
    )?;
    let r = h.run_plain();
    the_basic_harness_cases_pass(&r, "toy")?;
    let lock = status_of(&r, "toy/micropython-a32/harness::gc_lock")?;
    check(
        lock.status == Status::Skip
            && lock
                .reason
                .as_deref()
                .is_some_and(|s| s.contains("lacks gc-control")),
        || format!("gc_lock: {:?} {:?}", lock.status, lock.reason),
    )?;
    // Figures carry units and values.
    let raw = status_of(&r, "toy/micropython-a32/harness::raw_blocks")?;
    check(
        raw.figures
            .stats
            .iter()
            .any(|s| s.name == "heap.total" && s.unit == "bytes" && s.value == 8000),
        || format!("{:?}", raw.figures.stats),
    )?;
    check(
        raw.figures.allocations.iter().map(|a| a.bytes).eq([16, 32, 0]),
        || format!("{:?}", raw.figures.allocations),
    )?;
    let reach = status_of(&r, "toy/micropython-a32/harness::reachability")?;
    check(
        reach
            .figures
            .collections
            .first()
            .is_some_and(|c| c.freed_allocations == 1 && c.returned == Some(1)),
        || format!("{:?}", reach.figures.collections),
    )
}

/// What the toy cannot do, by the corpus cases it therefore fails under micropython-a32.
const TOY_LIMITS: &[(&str, &str)] = &[
    ("sizes::*", "the toy knows only the raw kind"),
    ("gc::building", "the toy knows only the raw kind"),
    ("gc::long_chain", "the toy knows only the raw kind"),
    ("gc::mark_stack*", "the toy knows only the raw kind"),
    ("gc::reachability", "the toy knows only the raw kind"),
    ("gc::whole_chain", "the toy knows only the raw kind"),
    ("gc::roots", "the toy knows only the raw kind"),
    ("heap::accounting*", "the toy knows only the raw kind"),
    ("heap::heap_map_kinds*", "the toy knows only the raw kind"),
    ("heap::object_words", "the toy knows only the raw kind"),
    (
        "heap::heap_map_1mib",
        "the toy's pool has a fixed address and its map no summary lines",
    ),
    (
        "encoding::constants",
        "the toy has no ROM objects (Ellipsis, (), b'')",
    ),
    (
        "encoding::invalid_words",
        "the toy cuts a word to 32 bits instead of refusing a wider one",
    ),
    (
        "encoding::qstr_range",
        "the toy calls a qstr past 29 bits not immediate, not a bad argument",
    ),
    (
        "gc::collect_retval",
        "the toy knows what gc.collect() returns on unix only",
    ),
    (
        "gc::conservative",
        "the toy's pool has a fixed address: it takes no base= option",
    ),
    ("gc::finalisers", "the toy has no finalisers"),
    (
        "heap::tables",
        "the toy has no side-table options, finalisers or map header line",
    ),
    (
        "heap::reuse*",
        "the toy's map has no `GC memory layout` line, which the map laws read",
    ),
    (
        "heap::heap_map",
        "the toy's map has no `GC memory layout` line, which the map laws and map-at read",
    ),
    (
        "heap::pool_reported",
        "the toy's map has no `GC memory layout` line, which the map laws read",
    ),
    (
        "heap::exact_fit",
        "the toy's map has no summary line, whose largest free run a fill reads",
    ),
    (
        "heap::first_fit",
        "the toy's map has no summary line, whose largest free run a fill reads",
    ),
    (
        "heap::no_block_header",
        "the toy's map has no summary line, whose largest free run a fill reads",
    ),
    (
        "heap::heap_map_lines",
        "the toy's map has no `GC memory layout` line, which the map laws read",
    ),
    (
        "heap::zeroing",
        "the toy's map has no summary line, whose largest free run a fill reads",
    ),
    (
        "heap::zeroing_no_clear",
        "the toy has no conservative_clear option",
    ),
    ("heap::growth", "the toy knows only the raw kind and has one area"),
    ("sizes::every_kind_a32", "the toy knows only the raw kind"),
    ("gc::*_objects_webassembly", "the toy knows only the raw kind"),
    (
        "gc::deferred_collection_webassembly",
        "the toy knows only the raw kind",
    ),
    (
        "heap::mem_info_webassembly",
        "the toy models no port: no max new split, no mem_info summary",
    ),
    ("encoding::stored_words_a32", "the toy knows no qstr"),
];

/// The corpus's micropython-a32 values agree with the toy wherever the toy can run them (it knows only
/// the `raw` kind and has no collector controls); [`TOY_LIMITS`] names the cases it cannot.
fn the_toy_agrees_with_the_corpus_under_micropython_a32() -> R {
    let mut e = Expectations::none("toy");
    e.trials = TOY_LIMITS
        .iter()
        .map(|(case, why)| Entry {
            name: format!("micropython-a32/{case}"),
            outcome: Outcome::Fail,
            reason: Some((*why).into()),
            link: None,
            repro: None,
        })
        .collect();
    let mut h = harness(toy_factory(), &corpus::default_root(), e, Duration::from_secs(10))?;
    h.profiles = Some(vec![memspec::profile::ProfileId::MicropythonA32]);
    let r = h.run_plain();
    let bad: Vec<String> = r
        .trials
        .iter()
        .filter(|t| !matches!(t.status, Status::Pass | Status::Busted | Status::Skip))
        .map(|t| {
            format!(
                "{} {:?}\n{}",
                t.name,
                t.status,
                t.message.clone().unwrap_or_default()
            )
        })
        .collect();
    check(bad.is_empty(), || bad.join("\n"))?;
    let passed = r.trials.iter().filter(|t| t.status == Status::Pass).count();
    check(passed >= 10, || {
        format!("only {passed} corpus cases passed on the toy")
    })
}

fn entry(name: &str, outcome: Outcome) -> Entry {
    Entry {
        name: name.into(),
        outcome,
        reason: Some(format!("test entry: {}", outcome.name())),
        link: None,
        repro: Some("cargo test -p memspec-conformance --test harness".into()),
    }
}

fn expectations_decide_busted_unexpected_pass_flaky_and_skip() -> R {
    let mut e = Expectations::none("toy");
    e.schema = SCHEMA;
    e.trials = vec![
        entry("micropython-a32/expected::needs_list", Outcome::Busted),
        entry("micropython-a32/expected::passes", Outcome::Busted),
        entry("micropython-a32/harness::raw_*", Outcome::Flaky),
        entry("micropython-a32/harness::heap_map", Outcome::Skip),
    ];
    let h = harness(toy_factory(), &test_cases(), e, Duration::from_secs(10))?;
    let r = h.run_plain();
    let t = status_of(&r, "toy/micropython-a32/expected::needs_list")?;
    check(t.status == Status::Busted, || {
        format!("needs_list: {:?}", t.status)
    })?;
    check(
        t.message.as_deref().is_some_and(|m| m.contains("unknown-kind")),
        || format!("{:?}", t.message),
    )?;
    let t = status_of(&r, "toy/micropython-a32/expected::passes")?;
    check(
        t.status == Status::Fail
            && t.message
                .as_deref()
                .is_some_and(|m| m.contains("unexpected pass")),
        || format!("passes: {:?} {:?}", t.status, t.message),
    )?;
    let t = status_of(&r, "toy/micropython-a32/harness::raw_blocks")?;
    check(t.status == Status::Flaky, || {
        format!("raw_blocks: {:?}", t.status)
    })?;
    let t = status_of(&r, "toy/micropython-a32/harness::heap_map")?;
    check(
        t.status == Status::Skip
            && t.reason
                .as_deref()
                .is_some_and(|s| s.contains("expectations file says skip")),
        || format!("heap_map: {:?} {:?}", t.status, t.reason),
    )?;
    // Without an entry, a mismatch fails and shows bits and masks side by side.
    let t = status_of(&r, "toy/micropython-a32/expected::wrong_word")?;
    let m = t.message.clone().unwrap_or_default();
    check(t.status == Status::Fail, || format!("wrong_word: {:?}", t.status))?;
    for want in [
        "observed 0x0000000b",
        "00000000|00000000|00000000|00001011",
        "accepted 0x0000000a",
        "00000000|00000000|00000000|00001010",
        "from deliberate",
        "line 10",
        "expected/wrong_word.case:10\n",
        "   9 | encode int 5\n",
        "  10 | expect word 0x0000000a",
    ] {
        check(m.contains(want), || format!("the message lacks {want:?}:\n{m}"))?;
    }
    check(r.failed(), || "the report must say it failed".into())?;
    // The matrix counts each cell.
    let mt = r.matrix_text();
    check(mt.contains("toy/micropython-a32"), || mt.clone())
}

fn reports_write_json_junit_markdown_and_merge() -> R {
    let h = harness(
        toy_factory(),
        &test_cases(),
        Expectations::none("toy"),
        Duration::from_secs(10),
    )?;
    let r = h.run_plain();
    let json = r.to_json();
    let back = Report::parse("r.json", &json)?;
    check(back == r, || "the JSON report does not read back the same".into())?;
    let junit = memspec_conformance::report::junit::write(&r);
    check(
        junit.contains("<testcase classname=\"toy.micropython-a32.harness\" name=\"raw_blocks\""),
        || junit.clone(),
    )?;
    check(junit.contains("<skipped message=\"toy lacks gc-control"), || {
        junit.clone()
    })?;
    check(junit.contains("<failure message="), || junit.clone())?;
    let md = memspec_conformance::report::markdown::write(&r);
    check(
        md.contains("| toy/micropython-a32 |") && md.contains("## Claims ledger"),
        || md.clone(),
    )?;
    check(md.contains("| MP-X-42 |"), || md.clone())?;
    // Merging with a second machine's report that disagrees on one trial makes it fail.
    let mut other = r.clone();
    other.runs[0].host = "board-host".into();
    if let Some(t) = other.trials.iter_mut().find(|t| t.status == Status::Pass) {
        t.status = Status::Fail;
    }
    let cases: Vec<_> = h
        .cases
        .iter()
        .map(|c| memspec_conformance::ledger::CaseClaims::of(c))
        .collect();
    let merged = Report::merge(
        vec![("a.json".into(), r.clone()), ("b.json".into(), other)],
        &cases,
    );
    check(merged.runs.len() == 2, || format!("{:?}", merged.runs))?;
    check(merged.trials.len() == r.trials.len(), || {
        "merge must keep one trial per name".into()
    })?;
    check(
        merged.trials.iter().any(|t| {
            t.message
                .as_deref()
                .is_some_and(|m| m.contains("the reports disagree"))
        }),
        || "the disagreement must be reported".into(),
    )
}

// ---- the process protocol ----

fn normalised(mut r: Report, subject: &str) -> String {
    r.runs.clear();
    for t in &mut r.trials {
        let old = t.subject.clone();
        t.millis = 0.0;
        t.name = t.name.replacen(&format!("{old}/"), &format!("{subject}/"), 1);
        t.subject = subject.into();
        for text in [&mut t.message, &mut t.reason].into_iter().flatten() {
            for phrase in [" lacks ", " does not serve "] {
                *text = text.replace(&format!("{old}{phrase}"), &format!("{subject}{phrase}"));
            }
        }
    }
    for e in &mut r.ledger {
        for c in &mut e.cases {
            for o in &mut c.outcomes {
                o.subject = subject.into();
            }
        }
    }
    r.to_json()
}

fn the_toy_through_the_protocol_reports_as_in_process() -> R {
    let inproc = harness(
        toy_factory(),
        &test_cases(),
        Expectations::none("toy"),
        Duration::from_secs(10),
    )?
    .run_plain();
    let proc_factory = Arc::new(process::factory(
        "process",
        vec![this_exe(), "--serve-toy".into()],
    ));
    let viaproc = harness(
        proc_factory,
        &test_cases(),
        Expectations::none("process"),
        Duration::from_secs(10),
    )?
    .run_plain();
    let (a, b) = (normalised(inproc, "S"), normalised(viaproc, "S"));
    check(a == b, || {
        format!("in-process and process reports differ:\n--- in-process\n{a}\n--- process\n{b}")
    })
}

fn ref_through_memspec_serve_reports_as_in_process() -> R {
    let root = corpus::default_root();
    let inproc = harness(
        Arc::new(RefFactory),
        &root,
        Expectations::none("ref"),
        Duration::from_secs(10),
    )?
    .run_plain();
    let proc_factory = Arc::new(process::factory("process", vec![memspec_exe(), "serve".into()]));
    let viaproc = harness(
        proc_factory,
        &root,
        Expectations::none("process"),
        Duration::from_secs(10),
    )?
    .run_plain();
    check(!inproc.trials.is_empty(), || "the corpus made no trial".into())?;
    let (a, b) = (normalised(inproc, "S"), normalised(viaproc, "S"));
    check(a == b, || {
        format!("ref and memspec serve reports differ:\n--- ref\n{a}\n--- serve\n{b}")
    })
}

fn fake_run(mode: &str, timeout: Duration) -> Result<Report, Failed> {
    let f = Arc::new(process::factory(
        "fake",
        vec![this_exe(), "--fake".into(), mode.into()],
    ));
    let mut h = harness(f, &test_cases(), Expectations::none("fake"), timeout)?;
    h.cases
        .retain(|c| c.id.suite == "expected" && (c.id.name == "passes" || c.id.name == "wrong_word"));
    Ok(h.run_plain())
}

fn a_faulty_subject_fails_the_case_with_a_diagnosis_and_the_run_goes_on() -> R {
    let cases: [(&str, &[&str]); 6] = [
        ("crash", &["exited with exit status: 3", "crashing on purpose"]),
        ("hang", &["no answer to request", "within the case's 1.0 s"]),
        ("garbage", &["is not JSON", "this is not json"]),
        ("oversized", &["is over 1048576 bytes"]),
        ("wrong-id", &["answered request 9 where request"]),
        ("wrong-shape", &["lacks `word`"]),
    ];
    for (mode, wants) in cases {
        let r = fake_run(mode, Duration::from_secs(1))?;
        check(r.trials.len() == 2, || {
            format!("{mode}: the run must go on to every case: {}", r.trials.len())
        })?;
        for t in &r.trials {
            let m = t.message.clone().unwrap_or_default();
            check(t.status == Status::Fail, || {
                format!("{mode}: {} is {:?}", t.name, t.status)
            })?;
            for w in wants {
                check(m.contains(w), || {
                    format!("{mode}: the diagnosis lacks {w:?}:\n{m}")
                })?;
            }
            // It answered the handshake, so its output is flushed: no advice about that.
            check(!m.contains("does not flush stdout"), || {
                format!("{mode}: a subject that answered before is told to flush:\n{m}")
            })?;
        }
    }
    // A subject that crashes once is restarted: the next case runs on a fresh process and passes.
    let tmp = tempfile::tempdir()?;
    let marker = tmp.path().join("crashed");
    let r = fake_run(
        &format!("crash-once={}", marker.display()),
        Duration::from_secs(5),
    )?;
    let first = status_of(&r, "fake/micropython-a32/expected::passes")?;
    let second = status_of(&r, "fake/micropython-a32/expected::wrong_word")?;
    check(first.status == Status::Fail, || {
        format!("first: {:?}", first.status)
    })?;
    check(
        second.status == Status::Fail
            && second
                .message
                .as_deref()
                .is_some_and(|m| m.contains("observed 0x0000000b")),
        || {
            format!(
                "the second case must run on a restarted subject: {:?}",
                second.message
            )
        },
    )
}

fn the_python_example_adapter_passes_through_the_protocol() -> R {
    let adapter = here().join("examples/python/memspec_toy.py");
    let f = Arc::new(process::factory(
        "python",
        vec!["python3".into(), adapter.display().to_string()],
    ));
    let h = harness(
        f,
        &test_cases(),
        Expectations::none("python"),
        Duration::from_secs(10),
    )?;
    let r = h.run_plain();
    the_basic_harness_cases_pass(&r, "python")?;
    let t = status_of(&r, "python/micropython-a32/expected::wrong_word")?;
    check(t.status == Status::Fail, || format!("wrong_word: {:?}", t.status))
}

// ---- the command line ----

fn memspec(args: &[&str], env: &[(&str, &str)]) -> Result<(i32, String, String), Failed> {
    let mut c = Command::new(memspec_exe());
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output()?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn a_run_past_a_second_shows_no_progress_line_when_stderr_is_not_a_terminal() -> R {
    // Two hanging cases of one second each: long enough for the line to appear on a terminal.
    let cases = test_cases().display().to_string();
    let command = format!("{} --fake hang", this_exe());
    let started = std::time::Instant::now();
    let (code, _, err) = memspec(
        &[
            "run",
            "--subject",
            "process",
            "--command",
            &command,
            "--cases",
            &cases,
            "--timeout",
            "1",
            "--threads",
            "1",
            "expected::",
        ],
        &[],
    )?;
    let secs = started.elapsed().as_secs_f64();
    check(code == 1 && secs > 1.0, || {
        format!("exit {code} after {secs:.1} s: {err}")
    })?;
    check(!err.contains(" trials, ") && !err.contains('\r'), || {
        format!("a progress line on a stderr that is a pipe:\n{err}")
    })
}

fn the_command_line_refuses_unknown_names_and_empty_filters() -> R {
    let (code, _, err) = memspec(&["run", "--profile", "micropython-z99"], &[])?;
    check(
        code == 2 && err.contains("unknown profile `micropython-z99`"),
        || format!("{code} {err}"),
    )?;
    let (code, _, err) = memspec(&["run", "--subject", "nosuch"], &[])?;
    check(
        code == 2 && err.contains("unknown subject `nosuch`; known subjects: ref, process"),
        || format!("{code} {err}"),
    )?;
    let (code, _, err) = memspec(&["run", "no-trial-has-this-name"], &[])?;
    check(
        code == 2 && err.contains("no trial name contains `no-trial-has-this-name`"),
        || format!("{code} {err}"),
    )?;
    let (code, _, err) = memspec(&["claims", "--engine", "cobol"], &[])?;
    check(code == 2 && err.contains("unknown engine `cobol`"), || {
        format!("{code} {err}")
    })?;
    Ok(())
}

fn the_command_line_runs_lists_and_writes_reports() -> R {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let cases = test_cases();
    let json = dir.join("r.json");
    let (code, out, err) = memspec(
        &[
            "run",
            "--cases",
            &cases.display().to_string(),
            "--format",
            "pretty",
            "--report",
            &json.display().to_string(),
            "--junit",
            &dir.join("r.xml").display().to_string(),
            "--markdown",
            &dir.join("r.md").display().to_string(),
            "harness::",
        ],
        &[("NO_COLOR", "1")],
    )?;
    check(code == 0, || format!("{code}\n{out}\n{err}"))?;
    check(!out.contains('\u{1b}'), || {
        format!("NO_COLOR: escape codes in\n{out}")
    })?;
    check(
        out.contains("cells: pass/fail/skip/busted") && out.contains("claims ledger:"),
        || out.clone(),
    )?;
    let r = Report::parse("r.json", &std::fs::read_to_string(&json)?)?;
    check(
        !r.trials.is_empty() && r.trials.iter().all(|t| t.status == Status::Pass),
        || format!("the harness:: cases all pass against ref: {:?}", r.trials),
    )?;
    check(
        std::fs::read_to_string(dir.join("r.xml"))?.contains("<testsuites"),
        || "junit".into(),
    )?;
    check(
        std::fs::read_to_string(dir.join("r.md"))?.contains("# memspec conformance report"),
        || "markdown".into(),
    )?;
    let (code, out, err) = memspec(
        &[
            "run",
            "--cases",
            &cases.display().to_string(),
            "expected::wrong_word",
        ],
        &[("NO_COLOR", "1")],
    )?;
    check(code == 1 && out.contains("1 failed"), || {
        format!("a failing case exits 1: {code}\n{out}\n{err}")
    })?;
    let (code, out, err) = memspec(
        &[
            "report",
            "merge",
            &json.display().to_string(),
            &json.display().to_string(),
            "--out",
            &dir.join("m.json").display().to_string(),
        ],
        &[],
    )?;
    check(code == 0 && out.contains("trials:"), || {
        format!("{code} {out} {err}")
    })?;
    let (code, out, _) = memspec(&["list"], &[])?;
    check(
        code == 0 && out.lines().any(|l| l.starts_with("ref/micropython-a32/")),
        || out.clone(),
    )?;
    let (code, out, _) = memspec(&["claims", "--format", "json"], &[])?;
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let n = v["claims"].as_array().map_or(0, Vec::len);
    check(code == 0 && n == memspec::claim::CLAIMS.len(), || {
        format!("{code} {n}")
    })?;
    let (code, out, _) = memspec(&["profiles"], &[])?;
    check(code == 0 && out.contains("micropython-a32"), || out.clone())?;
    Ok(())
}

// ---- the subjects this binary can be ----

fn serve_toy() -> ExitCode {
    let f = Pooled::new("toy", || Ok(Plain(toy::Toy::default())));
    match memspec_conformance::serve::serve(&f, std::io::stdin().lock(), std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// A server that shakes hands and starts cases properly, then misbehaves at the first other request.
fn fake(mode: &str) -> ExitCode {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut say = |line: String| {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let Ok(req) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let id = req["id"].as_u64().unwrap_or(0);
        match req["op"].as_str().unwrap_or("") {
            "hello" => say(format!(
                r#"{{"id":{id},"ok":{{"protocol":1,"name":"fake","profiles":{{"micropython-a32":["encode","decode"]}}}}}}"#
            )),
            "start" => say(format!(r#"{{"id":{id},"ok":{{}}}}"#)),
            "bye" => return ExitCode::SUCCESS,
            _ => match mode {
                "crash" => {
                    eprintln!("fake: crashing on purpose at request {id}");
                    std::process::exit(3);
                }
                m if m.starts_with("crash-once=") => {
                    let marker = Path::new(&m["crash-once=".len()..]);
                    if !marker.exists() {
                        let _ = std::fs::write(marker, b"crashed");
                        eprintln!("fake: crashing once on purpose");
                        std::process::exit(3);
                    }
                    say(format!(
                        r#"{{"id":{id},"ok":{{"word":"0xb","class":"small-int"}}}}"#
                    ));
                }
                "hang" => std::thread::sleep(Duration::from_secs(3600)),
                "garbage" => say("this is not json".into()),
                "oversized" => say("x".repeat(2 << 20)),
                "wrong-id" => say(r#"{"id":9,"ok":{"word":"0xb","class":"small-int"}}"#.to_string()),
                "wrong-shape" => say(format!(r#"{{"id":{id},"ok":{{}}}}"#)),
                other => {
                    eprintln!("fake: unknown mode {other}");
                    std::process::exit(4);
                }
            },
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    match argv.get(1).map(String::as_str) {
        Some("--serve-toy") => return serve_toy(),
        Some("--fake") => return fake(argv.get(2).map_or("", String::as_str)),
        _ => {}
    }
    let args = Arguments::from_args();
    type Test = (&'static str, fn() -> R);
    let tests: Vec<Test> = vec![
        ("parser::the_parser_never_panics", the_parser_never_panics),
        (
            "run::the_toy_passes_the_harness_cases_and_skips_what_it_cannot_do",
            the_toy_passes_the_harness_cases_and_skips_what_it_cannot_do,
        ),
        (
            "run::expectations_decide_busted_unexpected_pass_flaky_and_skip",
            expectations_decide_busted_unexpected_pass_flaky_and_skip,
        ),
        (
            "run::the_toy_agrees_with_the_corpus_under_micropython_a32",
            the_toy_agrees_with_the_corpus_under_micropython_a32,
        ),
        (
            "report::reports_write_json_junit_markdown_and_merge",
            reports_write_json_junit_markdown_and_merge,
        ),
        (
            "process::the_toy_through_the_protocol_reports_as_in_process",
            the_toy_through_the_protocol_reports_as_in_process,
        ),
        (
            "process::ref_through_memspec_serve_reports_as_in_process",
            ref_through_memspec_serve_reports_as_in_process,
        ),
        (
            "process::a_faulty_subject_fails_the_case_with_a_diagnosis_and_the_run_goes_on",
            a_faulty_subject_fails_the_case_with_a_diagnosis_and_the_run_goes_on,
        ),
        (
            "process::the_python_example_adapter_passes_through_the_protocol",
            the_python_example_adapter_passes_through_the_protocol,
        ),
        (
            "cli::the_command_line_refuses_unknown_names_and_empty_filters",
            the_command_line_refuses_unknown_names_and_empty_filters,
        ),
        (
            "cli::the_command_line_runs_lists_and_writes_reports",
            the_command_line_runs_lists_and_writes_reports,
        ),
        (
            "cli::a_run_past_a_second_shows_no_progress_line_when_stderr_is_not_a_terminal",
            a_run_past_a_second_shows_no_progress_line_when_stderr_is_not_a_terminal,
        ),
    ];
    let trials = tests.into_iter().map(|(n, f)| Trial::test(n, f)).collect();
    libtest_mimic::run(&args, trials).exit_code()
}

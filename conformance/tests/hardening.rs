//! What a careless or hostile subject or user cannot do to a run: hang it, flood its memory, crash
//! it, or make it lose or misplace a result.
//!
//! The binary doubles as misbehaving process subjects: `--fake MODE` shakes hands for
//! `micropython-a32` (encode and decode), starts cases, answers `encode` with `0x0000000b`, and
//! misbehaves as MODE says.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use memspec::profile::ProfileId;
use memspec::subject::{
    Capabilities, Capability, Encoded, ErrorKind, HeapConfig, Subject, SubjectError, SubjectResult, Value,
};
use memspec_conformance::corpus;
use memspec_conformance::expectations::Expectations;
use memspec_conformance::report::{Report, Status, TrialRecord};
use memspec_conformance::run::{Harness, SubjectRun};
use memspec_conformance::subjects::{Plain, Pooled, SubjectFactory, process};

type R = Result<(), Failed>;

/// Far longer than anything here should take: a command still running then is killed, and the
/// test fails saying it hung.
const HANG_LIMIT: Duration = Duration::from_secs(60);

fn check(cond: bool, msg: impl FnOnce() -> String) -> R {
    if cond { Ok(()) } else { Err(msg().into()) }
}

fn this_exe() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Runs `memspec args`, killing it after [`HANG_LIMIT`]: (exit code, stdout, stderr, seconds).
fn memspec(args: &[&str]) -> Result<(i32, String, String, f64), Failed> {
    let dir = tempfile::tempdir()?;
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?)
        .spawn()?;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("`memspec {}` hung: killed after {HANG_LIMIT:?}", args.join(" ")).into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok((
        status.code().unwrap_or(-1),
        std::fs::read_to_string(&out_path)?,
        std::fs::read_to_string(&err_path)?,
        started.elapsed().as_secs_f64(),
    ))
}

/// Two cases of `micropython-a32` that encode 5 and expect 0x0000000b, run in this order.
fn two_cases() -> Result<tempfile::TempDir, Failed> {
    let dir = tempfile::tempdir()?;
    let suite = dir.path().join("micropython/fake");
    std::fs::create_dir_all(&suite)?;
    for name in ["a_first", "b_second"] {
        std::fs::write(
            suite.join(format!("{name}.case")),
            ";;! case-format: 1\n;;! about: Encodes 5 as a small int.\n;;! profiles: micropython-a32\n\
             ;;! needs: encode\n;;! claims: none\n\
             ;;! source tag: derived (5 << 1) | 1, the small-int tag of REPR_A\n\n\
             start arena=4096\nencode int 5\n  expect word 0x0000000b from tag\n",
        )?;
    }
    Ok(dir)
}

fn harness_of(factory: Arc<dyn SubjectFactory>, root: &Path, timeout: Duration) -> Result<Harness, Failed> {
    let mut s = SubjectRun::new(
        Arc::clone(&factory),
        Some(Path::new("/nonexistent/expectations.toml")),
    )?;
    s.expectations = Expectations::none(factory.name());
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

fn fake_factory(mode: &str, timeout: Duration) -> Arc<dyn SubjectFactory> {
    Arc::new(process::factory_timed(
        "fake",
        vec![this_exe(), "--fake".into(), mode.into()],
        timeout,
    ))
}

fn trial<'a>(r: &'a Report, ends_with: &str) -> Result<&'a TrialRecord, Failed> {
    r.trials
        .iter()
        .find(|t| t.name.ends_with(ends_with))
        .ok_or_else(|| {
            let names: Vec<_> = r.trials.iter().map(|t| &t.name).collect();
            format!("no trial ending in {ends_with}; trials: {names:?}").into()
        })
}

// ---- subjects in this process ----

/// A subject that does something bad in `start` (`panic`, `sleep`), or whose readings never agree
/// (`unsteady`: every `encode` answers [`ErrorKind::Unsteady`] with its readings).
#[derive(Debug)]
struct Bad(&'static str);

impl Subject for Bad {
    fn name(&self) -> &str {
        "bad"
    }
    fn supports(&self, profile: ProfileId) -> bool {
        profile == ProfileId::MicropythonA32
    }
    fn capabilities(&self, _: ProfileId) -> Capabilities {
        Capabilities::of(&[Capability::Encode])
    }
    fn start(&mut self, _: ProfileId, _: &HeapConfig<'_>) -> SubjectResult<()> {
        match self.0 {
            "panic" => panic!("deliberately, in start"),
            "unsteady" => {}
            _ => std::thread::sleep(Duration::from_secs(3600)),
        }
        Ok(())
    }
    fn encode(&mut self, _: &Value<'_>) -> SubjectResult<Encoded> {
        Err(SubjectError::new(
            ErrorKind::Unsteady,
            format_args!("six readings never agreed: [0xb, 0xd, 0xb, 0xf, 0xd, 0x11]"),
        ))
    }
}

fn bad_factory(what: &'static str) -> Arc<dyn SubjectFactory> {
    Arc::new(Pooled::new("bad", move || Ok(Plain(Bad(what)))))
}

// ---- the tests ----

fn a_flooding_engine_that_never_prompts_fails_its_trial_within_the_timeout() -> R {
    let dir = tempfile::tempdir()?;
    let yes = dir.path().join("yes.sh");
    std::fs::write(&yes, "#!/bin/sh\nexec yes\n")?;
    std::fs::set_permissions(&yes, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let yes = yes.display().to_string();
    let (code, out, err, secs) = memspec(&[
        "run",
        "--subject",
        "micropython-exec",
        "--micropython",
        &yes,
        "--threads",
        "1",
        "--profile",
        "micropython-a32",
        "--timeout",
        "2",
        "heap::a",
    ])?;
    // Long message lines wrap on the terminal; the words are what counts.
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    check(
        code == 1 && out.contains("FAILED") && words.contains("within the timeout of 2.0 s"),
        || format!("exit {code} after {secs:.1} s\nstdout:\n{out}\nstderr:\n{err}"),
    )
}

fn zero_threads_is_refused() -> R {
    let (code, _, err, _) = memspec(&["run", "--threads", "0", "heap::accounting"])?;
    check(code == 2 && err.contains("--threads"), || {
        format!("exit {code}: {err}")
    })
}

fn a_timeout_past_a_week_is_refused_not_a_panic() -> R {
    for t in ["2e19", "1e19", "700000", "0", "-1", "nan"] {
        let flag = format!("--timeout={t}");
        let (code, _, err, _) = memspec(&["run", &flag, "heap::accounting"])?;
        check(
            code == 2 && err.contains("must be a positive number of seconds"),
            || format!("--timeout {t}: exit {code}: {err}"),
        )?;
    }
    Ok(())
}

fn the_longest_timeout_runs_a_process_subject_without_overflow() -> R {
    let cases = two_cases()?;
    let f = fake_factory("well-behaved", Duration::MAX);
    let r = harness_of(f, cases.path(), Duration::MAX)?.run_plain();
    check(
        r.trials.len() == 2 && r.trials.iter().all(|t| t.status == Status::Pass),
        || format!("{:#?}", r.trials),
    )
}

fn a_panicking_subject_fails_its_trial_and_the_report_keeps_it() -> R {
    let cases = two_cases()?;
    let r = harness_of(bad_factory("panic"), cases.path(), Duration::from_secs(10))?.run_plain();
    let t = trial(&r, "fake::a_first")?;
    let m = t.message.clone().unwrap_or_default();
    check(
        r.trials.len() == 2 && t.status == Status::Fail && m.contains("panicked: deliberately, in start"),
        || format!("{:#?}", r.trials),
    )?;
    // The same through the command line's report: the trials are there, and failed.
    let dir = tempfile::tempdir()?;
    let report = dir.path().join("r.json").display().to_string();
    let (code, _, err, _) = memspec(&[
        "run",
        "--subject",
        "process",
        "--timeout",
        "604800",
        "--report",
        &report,
        "--exact",
        "process/micropython-a32/heap::accounting",
    ])?;
    let text = std::fs::read_to_string(&report)?;
    let r = Report::parse(&report, &text)?;
    check(code == 0 && r.trials.len() == 1, || {
        format!("exit {code}: {err}\n{text}")
    })
}

fn an_in_process_case_slower_than_its_timeout_fails_at_the_deadline() -> R {
    let cases = two_cases()?;
    let started = Instant::now();
    let r = harness_of(bad_factory("sleep"), cases.path(), Duration::from_millis(300))?.run_plain();
    let secs = started.elapsed().as_secs_f64();
    let t = trial(&r, "fake::b_second")?;
    let m = t.message.clone().unwrap_or_default();
    check(
        t.status == Status::Fail && m.contains("did not end within its timeout of 0.3 s") && secs < 30.0,
        || format!("after {secs:.1} s: {:#?}", r.trials),
    )
}

fn readings_a_subject_cannot_settle_make_the_trial_flaky_with_every_reading() -> R {
    let cases = two_cases()?;
    let r = harness_of(bad_factory("unsteady"), cases.path(), Duration::from_secs(10))?.run_plain();
    let t = trial(&r, "fake::a_first")?;
    let m = t.message.clone().unwrap_or_default();
    check(
        t.status == Status::Flaky && m.contains("readings disagreed") && m.contains("0xd, 0xb, 0xf"),
        || format!("{:#?}", r.trials),
    )
}

fn links_to_a_parent_folder_are_walked_once() -> R {
    let cases = two_cases()?;
    let suite = cases.path().join("micropython/fake");
    std::os::unix::fs::symlink(cases.path(), suite.join("up"))?;
    std::os::unix::fs::symlink(cases.path(), suite.join("up2"))?;
    let (code, out, err, secs) = memspec(&["list", "--cases", &cases.path().display().to_string()])?;
    check(code == 0 && out.lines().count() == 2, || {
        format!("exit {code} after {secs:.1} s:\n{out}\n{err}")
    })
}

fn two_files_making_one_trial_name_are_an_error_naming_both() -> R {
    let cases = two_cases()?;
    let other = cases.path().join("deeper/micropython/fake");
    std::fs::create_dir_all(&other)?;
    std::fs::copy(
        cases.path().join("micropython/fake/a_first.case"),
        other.join("a_first.case"),
    )?;
    let (code, _, err, _) = memspec(&["list", "--cases", &cases.path().display().to_string()])?;
    check(
        code == 2
            && err.contains("micropython-a32/fake::a_first")
            && err.contains("deeper/micropython/fake/a_first.case"),
        || format!("exit {code}: {err}"),
    )
}

fn a_restarted_process_subject_shakes_hands_within_the_case_timeout() -> R {
    let dir = tempfile::tempdir()?;
    let marker = dir.path().join("crashed");
    let cases = two_cases()?;
    let f = fake_factory(
        &format!("crash-then-hang-at-hello={}", marker.display()),
        Duration::from_secs(20),
    );
    let started = Instant::now();
    let r = harness_of(f, cases.path(), Duration::from_secs(1))?.run_plain();
    let secs = started.elapsed().as_secs_f64();
    let t = trial(&r, "fake::b_second")?;
    let m = t.message.clone().unwrap_or_default();
    check(
        t.status == Status::Fail && m.contains("within the handshake's 1.0 s") && secs < 15.0,
        || format!("after {secs:.1} s: {:#?}", r.trials),
    )
}

fn a_duplicate_answer_fails_the_case_that_sent_it_not_the_next() -> R {
    let cases = two_cases()?;
    let dir = tempfile::tempdir()?;
    let marker = dir.path().join("duplicated");
    let r = harness_of(
        fake_factory(
            &format!("duplicate-encode-once={}", marker.display()),
            Duration::from_secs(20),
        ),
        cases.path(),
        Duration::from_secs(5),
    )?
    .run_plain();
    let (a, b) = (trial(&r, "fake::a_first")?, trial(&r, "fake::b_second")?);
    let m = a.message.clone().unwrap_or_default();
    check(
        a.status == Status::Fail && m.contains("to find stray answers") && b.status == Status::Pass,
        || format!("{:#?}", r.trials),
    )
}

fn a_subject_that_exits_leaving_a_child_on_its_pipe_is_diagnosed_and_the_child_ended() -> R {
    let dir = tempfile::tempdir()?;
    let pid_file = dir.path().join("pid");
    let cases = two_cases()?;
    let f = fake_factory(
        &format!("fork-and-exit={}", pid_file.display()),
        Duration::from_secs(20),
    );
    let started = Instant::now();
    let r = harness_of(f, cases.path(), Duration::from_secs(5))?.run_plain();
    let secs = started.elapsed().as_secs_f64();
    let t = trial(&r, "fake::a_first")?;
    let m = t.message.clone().unwrap_or_default();
    check(
        t.status == Status::Fail && m.contains("exited with exit status: 0") && m.contains("still open"),
        || format!("after {secs:.1} s: {:#?}", r.trials),
    )?;
    let pid = std::fs::read_to_string(&pid_file)?;
    let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
    // A killed process disappears once it is reaped; give that a moment.
    let until = Instant::now() + Duration::from_secs(5);
    while proc_dir.exists() && !is_zombie(&proc_dir) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    check(!proc_dir.exists() || is_zombie(&proc_dir), || {
        format!("the subject's child {} outlived the run", pid.trim())
    })
}

fn is_zombie(proc_dir: &Path) -> bool {
    std::fs::read_to_string(proc_dir.join("stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    })
}

fn a_subject_that_ignores_bye_is_not_waited_for() -> R {
    let cases = two_cases()?;
    let started = Instant::now();
    {
        let f = fake_factory("ignore-bye", Duration::from_secs(20));
        let r = harness_of(f, cases.path(), Duration::from_secs(30))?.run_plain();
        check(r.trials.iter().all(|t| t.status == Status::Pass), || {
            format!("{:#?}", r.trials)
        })?;
    }
    let secs = started.elapsed().as_secs_f64();
    // The case's timeout is 30 s; the goodbye is given half a second.
    check(secs < 15.0, || format!("the run took {secs:.1} s"))
}

fn merging_three_reports_says_what_each_report_said() -> R {
    let cases = two_cases()?;
    let a = harness_of(
        fake_factory("well-behaved", Duration::from_secs(20)),
        cases.path(),
        Duration::from_secs(5),
    )?
    .run_plain();
    let mut b = a.clone();
    for t in &mut b.trials {
        t.status = Status::Fail;
    }
    let c = a.clone();
    let merged = Report::merge(
        vec![("A.json".into(), a), ("B.json".into(), b), ("C.json".into(), c)],
        &[],
    );
    let t = trial(&merged, "fake::a_first")?;
    let m = t.message.clone().unwrap_or_default();
    check(
        t.status == Status::Fail
            && m.contains("the reports disagree: A.json says pass, B.json says fail, C.json says pass"),
        || m.clone(),
    )
}

fn a_wrong_field_in_a_report_names_its_trial() -> R {
    let cases = two_cases()?;
    let r = harness_of(
        fake_factory("well-behaved", Duration::from_secs(20)),
        cases.path(),
        Duration::from_secs(5),
    )?
    .run_plain();
    let mut v: serde_json::Value = serde_json::from_str(&r.to_json())?;
    v["trials"][1]["status"] = serde_json::json!("sideways");
    let e = Report::parse("r.json", &v.to_string()).err().unwrap_or_default();
    check(
        e.contains("trial 1 (`fake/micropython-a32/fake::b_second`)") && e.contains("sideways"),
        || e.clone(),
    )
}

fn a_message_with_backticks_stays_inside_its_markdown_block() -> R {
    let cases = two_cases()?;
    let mut r = harness_of(
        fake_factory("well-behaved", Duration::from_secs(20)),
        cases.path(),
        Duration::from_secs(5),
    )?
    .run_plain();
    for t in &mut r.trials {
        t.status = Status::Fail;
        t.message = Some("```\n# not a heading".into());
    }
    let md = memspec_conformance::report::markdown::write(&r);
    check(md.contains("````text\n```\n# not a heading\n````"), || md.clone())
}

fn list_and_claims_end_quietly_when_their_reader_stops() -> R {
    for cmd in ["list", "claims"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_memspec"))
            .arg(cmd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut first = String::new();
        std::io::BufReader::new(stdout).read_line(&mut first)?;
        // The reader is gone: what memspec writes next meets a closed pipe.
        let out = child.wait_with_output()?;
        let err = String::from_utf8_lossy(&out.stderr);
        check(out.status.code() == Some(0) && !err.contains("panicked"), || {
            format!("memspec {cmd}: {:?}\n{err}", out.status)
        })?;
    }
    Ok(())
}

fn control_characters_of_a_case_file_are_escaped_in_messages() -> R {
    let cases = two_cases()?;
    std::fs::write(
        cases.path().join("micropython/fake/c_third.case"),
        ";;! case-format: 1\n;;! colour\u{1b}[31m: red\n",
    )?;
    let (code, _, err, _) = memspec(&["list", "--cases", &cases.path().display().to_string()])?;
    check(
        code == 2 && !err.contains('\u{1b}') && err.contains("\\u{1b}"),
        || format!("exit {code}: {err:?}"),
    )
}

fn an_empty_cases_folder_and_failed_trials_outside_the_run_each_say_why() -> R {
    let empty = tempfile::tempdir()?;
    let (code, _, err, _) = memspec(&["run", "--cases", &empty.path().display().to_string()])?;
    check(code == 2 && err.contains("there is no case file"), || {
        format!("exit {code}: {err}")
    })?;
    let cases = two_cases()?;
    let dir = tempfile::tempdir()?;
    let report = dir.path().join("r.json");
    let mut r = harness_of(
        fake_factory("well-behaved", Duration::from_secs(20)),
        cases.path(),
        Duration::from_secs(5),
    )?
    .run_plain();
    for t in &mut r.trials {
        t.status = Status::Fail;
    }
    std::fs::write(&report, r.to_json())?;
    let (code, _, err, _) = memspec(&["run", "--failed", &report.display().to_string()])?;
    check(
        code == 2 && err.contains("none of the 2 failed trial(s) of --failed"),
        || format!("exit {code}: {err}"),
    )
}

fn a_missing_expectations_file_is_an_error() -> R {
    let (code, _, err, _) = memspec(&["run", "--expectations", "/nonexistent.toml", "heap::accounting"])?;
    check(
        code == 2 && err.contains("/nonexistent.toml: there is no such file"),
        || format!("exit {code}: {err}"),
    )
}

fn an_unwritable_output_is_refused_before_any_trial_runs() -> R {
    for flag in ["--report", "--junit", "--markdown"] {
        let (code, out, err, _) = memspec(&["run", flag, "/nonexistent/folder/out", "heap::accounting"])?;
        check(
            code == 2 && err.contains("cannot write /nonexistent/folder/out") && !out.contains("running"),
            || format!("{flag}: exit {code}\n{out}\n{err}"),
        )?;
    }
    let (code, _, err, _) = memspec(&[
        "report",
        "merge",
        "/nonexistent/a.json",
        "--out",
        "/nonexistent/folder/m.json",
    ])?;
    check(
        code == 2 && err.contains("cannot write /nonexistent/folder/m.json"),
        || format!("exit {code}: {err}"),
    )
}

fn a_subject_serving_only_unknown_profiles_is_an_error() -> R {
    let command = format!("{} --fake unknown-profiles", this_exe());
    let (code, _, err, _) = memspec(&["run", "--subject", "process", "--command", &command])?;
    check(
        code == 2 && err.contains("serves no profile this harness knows (it listed: micropython-z99)"),
        || format!("exit {code}: {err}"),
    )
}

// ---- the subjects this binary can be ----

fn fake(mode: &str) -> ExitCode {
    let (mode, arg) = mode.split_once('=').unwrap_or((mode, ""));
    if mode == "crash-then-hang-at-hello" && Path::new(arg).exists() {
        std::thread::sleep(Duration::from_secs(3600));
    }
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
            "hello" if mode == "unknown-profiles" => say(format!(
                r#"{{"id":{id},"ok":{{"protocol":1,"name":"fake","profiles":{{"micropython-z99":["encode"]}}}}}}"#
            )),
            "hello" => say(format!(
                r#"{{"id":{id},"ok":{{"protocol":1,"name":"fake","profiles":{{"micropython-a32":["encode","decode"]}}}}}}"#
            )),
            "start" => say(format!(r#"{{"id":{id},"ok":{{}}}}"#)),
            "bye" if mode == "ignore-bye" => std::thread::sleep(Duration::from_secs(3600)),
            "bye" => return ExitCode::SUCCESS,
            _ => {
                let answer = format!(r#"{{"id":{id},"ok":{{"word":"0xb","class":"small-int"}}}}"#);
                match mode {
                    "crash-then-hang-at-hello" => {
                        let _ = std::fs::write(arg, b"crashed");
                        std::process::exit(3);
                    }
                    "fork-and-exit" => {
                        // A child that inherits stdout and outlives this process.
                        let child = Command::new("sleep").arg("3600").stdin(Stdio::null()).spawn();
                        if let Ok(c) = child {
                            let _ = std::fs::write(arg, c.id().to_string());
                        }
                        std::process::exit(0);
                    }
                    "duplicate-encode-once" if !Path::new(arg).exists() => {
                        let _ = std::fs::write(arg, b"duplicated");
                        say(answer.clone());
                        say(answer);
                    }
                    _ => say(answer),
                }
            }
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--fake") {
        return fake(argv.get(2).map_or("", String::as_str));
    }
    let args = Arguments::from_args();
    type Test = (&'static str, fn() -> R);
    let tests: Vec<Test> = vec![
        (
            "flood::a_flooding_engine_that_never_prompts_fails_its_trial_within_the_timeout",
            a_flooding_engine_that_never_prompts_fails_its_trial_within_the_timeout,
        ),
        ("cli::zero_threads_is_refused", zero_threads_is_refused),
        (
            "cli::a_timeout_past_a_week_is_refused_not_a_panic",
            a_timeout_past_a_week_is_refused_not_a_panic,
        ),
        (
            "run::the_longest_timeout_runs_a_process_subject_without_overflow",
            the_longest_timeout_runs_a_process_subject_without_overflow,
        ),
        (
            "run::a_panicking_subject_fails_its_trial_and_the_report_keeps_it",
            a_panicking_subject_fails_its_trial_and_the_report_keeps_it,
        ),
        (
            "run::an_in_process_case_slower_than_its_timeout_fails_at_the_deadline",
            an_in_process_case_slower_than_its_timeout_fails_at_the_deadline,
        ),
        (
            "run::readings_a_subject_cannot_settle_make_the_trial_flaky_with_every_reading",
            readings_a_subject_cannot_settle_make_the_trial_flaky_with_every_reading,
        ),
        (
            "corpus::links_to_a_parent_folder_are_walked_once",
            links_to_a_parent_folder_are_walked_once,
        ),
        (
            "corpus::two_files_making_one_trial_name_are_an_error_naming_both",
            two_files_making_one_trial_name_are_an_error_naming_both,
        ),
        (
            "process::a_restarted_process_subject_shakes_hands_within_the_case_timeout",
            a_restarted_process_subject_shakes_hands_within_the_case_timeout,
        ),
        (
            "process::a_duplicate_answer_fails_the_case_that_sent_it_not_the_next",
            a_duplicate_answer_fails_the_case_that_sent_it_not_the_next,
        ),
        (
            "process::a_subject_that_exits_leaving_a_child_on_its_pipe_is_diagnosed_and_the_child_ended",
            a_subject_that_exits_leaving_a_child_on_its_pipe_is_diagnosed_and_the_child_ended,
        ),
        (
            "process::a_subject_that_ignores_bye_is_not_waited_for",
            a_subject_that_ignores_bye_is_not_waited_for,
        ),
        (
            "report::merging_three_reports_says_what_each_report_said",
            merging_three_reports_says_what_each_report_said,
        ),
        (
            "report::a_wrong_field_in_a_report_names_its_trial",
            a_wrong_field_in_a_report_names_its_trial,
        ),
        (
            "report::a_message_with_backticks_stays_inside_its_markdown_block",
            a_message_with_backticks_stays_inside_its_markdown_block,
        ),
        (
            "cli::list_and_claims_end_quietly_when_their_reader_stops",
            list_and_claims_end_quietly_when_their_reader_stops,
        ),
        (
            "cli::control_characters_of_a_case_file_are_escaped_in_messages",
            control_characters_of_a_case_file_are_escaped_in_messages,
        ),
        (
            "cli::an_empty_cases_folder_and_failed_trials_outside_the_run_each_say_why",
            an_empty_cases_folder_and_failed_trials_outside_the_run_each_say_why,
        ),
        (
            "cli::a_missing_expectations_file_is_an_error",
            a_missing_expectations_file_is_an_error,
        ),
        (
            "cli::an_unwritable_output_is_refused_before_any_trial_runs",
            an_unwritable_output_is_refused_before_any_trial_runs,
        ),
        (
            "process::a_subject_serving_only_unknown_profiles_is_an_error",
            a_subject_serving_only_unknown_profiles_is_an_error,
        ),
    ];
    let trials = tests.into_iter().map(|(n, f)| Trial::test(n, f)).collect();
    libtest_mimic::run(&args, trials).exit_code()
}

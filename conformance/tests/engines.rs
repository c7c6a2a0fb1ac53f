//! Real engines through the `memspec` command line: a missing engine, one of the wrong version and one
//! that dies mid-run each fail the cases they affect with a message that names the subject and what to
//! do, and the run goes on (the other subject's cases, the next cases).

use std::path::Path;
use std::process::Command;

use memspec_conformance::report::{Report, Status};

fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("memspec-engines-{name}-"))
        .tempdir()
        .unwrap()
}

/// Runs `memspec run ARGS --report DIR/r.json` with `env`; returns the exit code and the report.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, Report) {
    let report = dir.join("r.json");
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .arg("run")
        .args(args)
        .arg("--report")
        .arg(&report)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap_or_else(|e| {
        panic!(
            "no report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap_or(-1),
        Report::parse("r.json", &text).unwrap(),
    )
}

/// Every trial of `subject` that ran (was not skipped by plan) failed with `needle` in its message.
fn every_run_trial_failed_with(r: &Report, subject: &str, needle: &str) {
    let ran: Vec<_> = r
        .trials
        .iter()
        .filter(|t| t.subject == subject && t.status != Status::Skip)
        .collect();
    assert!(!ran.is_empty(), "no trial of {subject} ran");
    for t in ran {
        assert_eq!(t.status, Status::Fail, "{}: {:?}", t.name, t.message);
        let m = t.message.as_deref().unwrap_or("");
        assert!(m.contains(needle), "{}: {m}", t.name);
    }
}

#[test]
fn a_missing_engine_fails_its_cases_with_the_install_command_and_the_run_goes_on() {
    let tmp = temp_dir("missing");
    let dir = tmp.path();
    let (code, r) = run(
        dir,
        &[
            "--subject",
            "ref",
            "--subject",
            "microvium-node",
            "--profile",
            "microvium",
        ],
        &[("MEMSPEC_NODE", "/nonexistent/memspec-node")],
    );
    assert_eq!(code, 1, "a failed trial makes the run fail");
    // Every case, the busted ones included: a missing engine is no known bug.
    every_run_trial_failed_with(
        &r,
        "microvium-node",
        "microvium-node: node (`/nonexistent/memspec-node`)",
    );
    every_run_trial_failed_with(&r, "microvium-node", "install it with: install Node.js");
    let ref_passed = r
        .trials
        .iter()
        .filter(|t| t.subject == "ref" && t.status == Status::Pass)
        .count();
    assert!(ref_passed > 20, "ref ran beside it: {ref_passed} passed");
}

#[test]
fn an_engine_of_another_version_is_refused_with_how_to_reinstall_it() {
    let tmp = temp_dir("version");
    let dir = tmp.path();
    let engines = dir.join("engines");
    let pkg = engines.join("node_modules/microvium");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("package.json"), "{\"version\":\"7.9.1\"}").unwrap();
    let (code, r) = run(
        dir,
        &["--subject", "microvium-node", "--profile", "microvium"],
        &[("MEMSPEC_ENGINES_DIR", engines.to_str().unwrap())],
    );
    assert_eq!(code, 1);
    every_run_trial_failed_with(&r, "microvium-node", "7.9.1");
    every_run_trial_failed_with(&r, "microvium-node", "pinned to 8.0.0");
}

/// Writes `cases/microvium/t/NAME.case` with `body` after a standard head.
fn case(root: &Path, name: &str, body: &str) {
    let d = root.join("microvium/t");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join(format!("{name}.case")),
        format!(
            ";;! case-format: 1\n;;! about: {name}\n;;! profiles: microvium\n;;! needs: alloc\n;;! claims: none\n\
             ;;! source s: upstream native-vm/microvium.c mvm_allocate -- footprint (size + 3) & ~1\n\n\
             start arena=131072\n{body}"
        ),
    )
    .unwrap();
}

/// Whether microvium-node can run here: when it cannot, a failure in CI and a printed skip elsewhere.
fn microvium_node_here() -> bool {
    if memspec_engines::subjects::available("microvium-node", &Default::default()).is_ok() {
        return true;
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!in_ci, "microvium-node is missing in CI");
    eprintln!("skipped: microvium-node cannot run here (cargo xtask install)");
    false
}

#[test]
fn an_engine_that_dies_mid_run_fails_that_case_and_the_next_cases_run() {
    if !microvium_node_here() {
        return;
    }
    let tmp = temp_dir("dies");
    let dir = tmp.path();
    let cases = dir.join("cases");
    case(
        &cases,
        "a_before",
        "alloc a = uint8array len=1\n  expect bytes 4 from s\n",
    );
    // An empty Uint8Array stops the addon's process (a known 8.0.0 bug, every error fatal there).
    case(
        &cases,
        "b_dies",
        "alloc a = uint8array len=0\n  expect bytes 4 from s\n",
    );
    case(
        &cases,
        "c_after",
        "alloc a = uint8array len=3\n  expect bytes 6 from s\n",
    );
    let (code, r) = run(
        dir,
        &[
            "--subject",
            "microvium-node",
            "--cases",
            cases.to_str().unwrap(),
            "--threads",
            "1",
        ],
        &[],
    );
    assert_eq!(code, 1);
    let status = |n: &str| {
        r.trials
            .iter()
            .find(|t| t.name == format!("microvium-node/microvium/t::{n}"))
            .map(|t| (t.status, t.message.clone().unwrap_or_default()))
            .unwrap()
    };
    assert_eq!(status("a_before").0, Status::Pass);
    let (s, m) = status("b_dies");
    assert_eq!(s, Status::Fail);
    assert!(m.contains("microvium-node: "), "{m}");
    assert!(m.contains("restarts with the next case"), "{m}");
    assert_eq!(status("c_after").0, Status::Pass, "{:?}", status("c_after").1);
}

#[test]
fn a_case_for_another_build_is_skipped_with_the_engines_reason() {
    if !microvium_node_here() {
        return;
    }
    let tmp = temp_dir("build");
    let dir = tmp.path();
    let (code, r) = run(
        dir,
        &[
            "--subject",
            "microvium-node",
            "--exact",
            "microvium-node/microvium/stats::restored_host32",
        ],
        &[],
    );
    assert_eq!(code, 0, "a skip is no failure");
    let t = r
        .trials
        .iter()
        .find(|t| t.name == "microvium-node/microvium/stats::restored_host32")
        .unwrap();
    assert_eq!(t.status, Status::Skip);
    let why = t.reason.as_deref().unwrap_or("");
    assert!(
        why.contains("port=host32") && why.contains("a host64 build"),
        "{why}"
    );
}

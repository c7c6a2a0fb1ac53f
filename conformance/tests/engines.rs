//! Real engines through the `memspec` command line: a missing engine, one of the wrong version and a
//! port that cannot be opened stop the run before planning with one message and exit status 2; one
//! that dies mid-run fails the cases it affects with a message that names the subject and what to do,
//! and the run goes on (the next cases).

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

/// Runs `memspec run ARGS` with `env` where the run must stop before planning: its exit code, its
/// stderr, and whether it printed any trial.
fn stopped(args: &[&str], env: &[(&str, &str)]) -> (i32, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .arg("run")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout.contains("running ") || stdout.contains("test "),
    )
}

#[test]
fn a_missing_engine_stops_the_run_before_planning_with_the_install_command_and_exit_status_2() {
    let (code, stderr, planned) = stopped(
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
    assert_eq!(code, 2, "{stderr}");
    assert!(!planned, "no trial runs: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one message: {stderr}");
    assert!(
        stderr.contains("microvium-node: node (`/nonexistent/memspec-node`)"),
        "{stderr}"
    );
    assert!(stderr.contains("install it with: install Node.js"), "{stderr}");
}

#[test]
fn absent_npm_packages_stop_the_run_with_cargo_xtask_install() {
    let tmp = temp_dir("absent");
    let engines = tmp.path().join("engines");
    std::fs::create_dir_all(&engines).unwrap();
    let (code, stderr, planned) = stopped(
        &["--subject", "microvium-node"],
        &[("MEMSPEC_ENGINES_DIR", engines.to_str().unwrap())],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(!planned, "no trial runs: {stderr}");
    assert!(
        stderr.contains("the npm package microvium is not installed"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo xtask install"), "{stderr}");
}

#[test]
fn an_engine_of_another_version_stops_the_run_with_how_to_reinstall_it() {
    let tmp = temp_dir("version");
    let engines = tmp.path().join("engines");
    let pkg = engines.join("node_modules/microvium");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("package.json"), "{\"version\":\"7.9.1\"}").unwrap();
    let (code, stderr, planned) = stopped(
        &["--subject", "microvium-node", "--profile", "microvium"],
        &[("MEMSPEC_ENGINES_DIR", engines.to_str().unwrap())],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(!planned, "no trial runs: {stderr}");
    assert!(
        stderr.contains("7.9.1") && stderr.contains("pinned to 8.0.0"),
        "{stderr}"
    );
}

#[test]
fn a_board_port_that_cannot_be_opened_stops_the_run_with_how_to_name_the_board() {
    let (code, stderr, planned) = stopped(
        &["--subject", "micropython-serial", "--port", "/dev/nonexistent"],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(!planned, "no trial runs: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one message: {stderr}");
    assert!(
        stderr.contains("micropython-serial: cannot open /dev/nonexistent"),
        "{stderr}"
    );
    assert!(stderr.contains("--port PATH"), "{stderr}");
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

//! `conformance/expectations/process.toml` says what `memspec serve`, the default program of the
//! `process` subject, is expected to do; a program the user names with `--command` is held to its own
//! expectations, none unless `--expectations` names a file.

use std::process::Command;

use serde_json::Value as Json;

const BUSTED: &str = "process/microvium/bugs::uint8array_zero_length";

/// The `memspec_status` of the trial [`BUSTED`] in a run with `extra` options, and the exit code.
fn status(extra: &[&str]) -> (Option<i32>, String) {
    let exe = env!("CARGO_BIN_EXE_memspec");
    let mut args = vec![
        "run",
        "--subject",
        "process",
        "--format",
        "json",
        "--exact",
        BUSTED,
    ];
    args.extend_from_slice(extra);
    let out = Command::new(exe).args(&args).output().expect("memspec runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .find(|e| e["name"] == BUSTED && e["event"] != "started")
        .unwrap_or_else(|| panic!("no result for {BUSTED}:\n{stdout}"));
    (
        out.status.code(),
        result["memspec_status"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn process_toml_applies_to_the_default_memspec_serve() {
    assert_eq!(status(&[]), (Some(0), "busted".to_string()));
}

#[test]
fn process_toml_does_not_apply_to_a_program_given_with_command() {
    let own = format!("{} serve", env!("CARGO_BIN_EXE_memspec"));
    assert_eq!(status(&["--command", &own]), (Some(1), "fail".to_string()));
}

#[test]
fn a_program_given_with_command_is_held_to_the_expectations_file_named() {
    let own = format!("{} serve", env!("CARGO_BIN_EXE_memspec"));
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/expectations/process.toml");
    assert_eq!(
        status(&["--command", &own, "--expectations", file]),
        (Some(0), "busted".to_string())
    );
}

//! `--format json` of the listing commands: each prints one JSON document with its schema name, and
//! the coverage answer counts every claim once.

use std::process::Command;

use serde_json::Value as Json;

fn memspec_json(args: &[&str]) -> Json {
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .args(args)
        .output()
        .expect("memspec runs");
    assert!(
        out.status.success(),
        "memspec {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("memspec {}: not JSON: {e}", args.join(" ")))
}

#[test]
fn profiles_as_json_name_every_profile_with_its_word_width() {
    let v = memspec_json(&["profiles", "--format", "json"]);
    assert_eq!(v["schema"], "memspec-profiles/1");
    let list = v["profiles"].as_array().expect("a list");
    assert_eq!(list.len(), memspec::profile::ProfileId::ALL.len());
    let c32 = list
        .iter()
        .find(|p| p["name"] == "micropython-c32")
        .expect("micropython-c32");
    assert_eq!(c32["value_bits"], 32, "{c32}");
}

#[test]
fn list_as_json_gives_the_trials_a_run_would_make() {
    let v = memspec_json(&["list", "--format", "json", "--profile", "julia64", "boxes::"]);
    assert_eq!(v["schema"], "memspec-list/1");
    let names: Vec<&str> = v["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("ref/julia64/boxes::")),
        "{names:?}"
    );
}

#[test]
fn a_report_shown_as_json_and_its_coverage_count_every_trial_and_claim_once() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r.json");
    let r = r.to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .args(["run", "--profile", "julia64", "--report", r])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = memspec_json(&["report", "show", r, "--format", "json"]);
    assert_eq!(shown["schema"], "memspec-report/1");
    let trials = shown["trials"].as_array().unwrap().len();
    assert!(trials > 0);
    let cov = memspec_json(&["claims", "--subject", "ref", "--report", r, "--format", "json"]);
    assert_eq!(cov["schema"], "memspec-coverage/1");
    let entries = cov["coverage"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "only julia64 was run: {cov}");
    let e = &entries[0];
    let counted: u64 = e["counts"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Json::as_u64)
        .sum();
    assert_eq!(Some(counted), e["claims"].as_u64(), "{e}");
    assert!(
        e["counts"]["held"].as_u64().unwrap_or(0) > 0,
        "ref holds julia64's cases: {e}"
    );
}

#[test]
fn the_json_stream_marks_the_busted_trial_in_a_field_libtest_consumers_ignore() {
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .args(["run", "--format", "json", "microvium/bugs::"])
        .output()
        .expect("memspec runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let events: Vec<Json> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect();
    let busted = events
        .iter()
        .find(|e| e["name"] == "ref/microvium/bugs::uint8array_zero_length" && e["event"] != "started")
        .unwrap_or_else(|| panic!("no result for the busted trial:\n{stdout}"));
    assert_eq!(busted["event"], "ok", "libtest counts it as not failed: {busted}");
    assert_eq!(busted["memspec_status"], "busted", "{busted}");
    assert!(
        busted["memspec_reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{busted}"
    );
}

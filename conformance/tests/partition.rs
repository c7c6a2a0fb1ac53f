//! `memspec run --partition`: four partitions of the default run, joined with `memspec report merge`,
//! are the same trials with the same outcomes as one run of the whole plan.

use std::path::Path;
use std::process::Command;

use memspec_conformance::report::Report;

/// Runs `memspec` with `args`; its exit code must be `want`.
fn memspec(args: &[&str], want: i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .args(args)
        .output()
        .expect("memspec runs");
    assert_eq!(
        out.status.code(),
        Some(want),
        "memspec {}:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The trials of a report as (name, status), in name order.
fn outcomes(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("the report was written");
    let r = Report::parse(&path.display().to_string(), &text).expect("the report parses");
    let mut t: Vec<(String, String)> = r
        .trials
        .iter()
        .map(|t| (t.name.clone(), t.status.name().to_string()))
        .collect();
    t.sort();
    t
}

fn four_partitions_merged_are_the_whole_run(scheme: &str) {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let path = |n: &str| dir.path().join(n).display().to_string();
    memspec(&["run", "--report", &path("whole.json")], 0);
    let mut parts = Vec::new();
    for k in 1..=4 {
        let p = path(&format!("part{k}.json"));
        memspec(
            &["run", "--partition", &format!("{scheme}:{k}/4"), "--report", &p],
            0,
        );
        let n = outcomes(Path::new(&p)).len();
        assert!(n > 0, "{scheme}:{k}/4 ran no trial");
        parts.push(p);
    }
    let mut merge = vec!["report", "merge"];
    merge.extend(parts.iter().map(String::as_str));
    let merged = path("merged.json");
    merge.extend(["--out", &merged]);
    memspec(&merge, 0);
    let whole = outcomes(&dir.path().join("whole.json"));
    let sum: usize = parts.iter().map(|p| outcomes(Path::new(p)).len()).sum();
    assert_eq!(sum, whole.len(), "{scheme}: the partitions share no trial");
    assert_eq!(
        outcomes(Path::new(&merged)),
        whole,
        "{scheme}: merged partitions = whole run"
    );
}

#[test]
fn four_count_partitions_merged_are_the_trials_and_outcomes_of_one_run() {
    four_partitions_merged_are_the_whole_run("count");
}

#[test]
fn four_hash_partitions_merged_are_the_trials_and_outcomes_of_one_run() {
    four_partitions_merged_are_the_whole_run("hash");
}

#[test]
fn a_partition_past_its_total_is_refused() {
    memspec(&["run", "--partition", "count:5/4"], 2);
    memspec(&["run", "--partition", "shard:1/4"], 2);
}

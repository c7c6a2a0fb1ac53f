//! What `cargo memspec` prints on a terminal of 100 columns: the real default run over the shipped
//! corpus, every line of it no wider than that, naming the trials the expectations say are busted.

use std::process::Command;

use memspec_conformance::expectations::{self, Expectations, Outcome};

/// The default run's standard output, with its exit status; `args` come after the binary.
fn memspec(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("memspec runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn widest(text: &str) -> (usize, &str) {
    text.lines()
        .map(|l| (l.chars().count(), l))
        .max()
        .unwrap_or((0, ""))
}

#[test]
fn the_default_run_prints_no_line_wider_than_100_columns() {
    let (ok, out) = memspec(&[]);
    assert!(ok, "the default run passes:\n{out}");
    let (w, line) = widest(&out);
    assert!(w <= 100, "a line of {w} characters:\n{line}");
}

#[test]
fn the_terse_stream_breaks_its_line_of_outcomes_within_100_columns() {
    let (ok, out) = memspec(&["run", "--format", "terse"]);
    assert!(ok, "the run passes:\n{out}");
    let (w, line) = widest(&out);
    assert!(w <= 100, "a line of {w} characters:\n{line}");
    assert!(out.contains(" 88/"), "the outcome lines end with a count:\n{out}");
}

#[test]
fn the_default_run_names_every_trial_its_expectations_call_busted() {
    let (_, out) = memspec(&[]);
    let ex = Expectations::load("ref", &expectations::default_path("ref")).expect("ref.toml loads");
    let busted: Vec<String> = ex
        .trials
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Fail | Outcome::Busted))
        .map(|e| format!("ref/{}", e.name))
        .collect();
    assert!(!busted.is_empty(), "ref.toml names a busted trial");
    let summary = out.split("busted: ").nth(1).unwrap_or("");
    for name in &busted {
        assert!(summary.contains(name.as_str()), "{name} is not named:\n{out}");
    }
}

#[test]
fn the_default_run_ends_with_what_to_run_next() {
    let (_, out) = memspec(&[]);
    let tail = out.rsplit("\nnext:\n").next().unwrap_or("");
    assert!(out.contains("\nnext:\n"), "no `next:` section:\n{out}");
    assert!(
        tail.lines().any(|l| l.trim_start().starts_with("cargo memspec ")),
        "{tail}"
    );
    assert!(
        tail.lines().all(|l| l.starts_with("  ")),
        "nothing follows the commands:\n{tail}"
    );
}

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

/// The commands `memspec <path> --help` lists, from its `Commands:` section (`help` left out).
fn commands(path: &[&str]) -> Vec<String> {
    let mut args = path.to_vec();
    args.push("--help");
    let (_, out) = memspec(&args);
    out.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's name is indented by two; its wrapped description, deeper.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_command_s_help_gives_examples_and_its_exit_status_within_100_columns() {
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    let mut i = 0;
    while i < paths.len() {
        let p: Vec<&str> = paths[i].iter().map(String::as_str).collect();
        let subs = commands(&p);
        let mut args = p.clone();
        args.push("--help");
        let (ok, out) = memspec(&args);
        assert!(ok, "memspec {} --help fails", p.join(" "));
        for want in ["Examples:\n  memspec", "Exit status: "] {
            assert!(
                out.contains(want),
                "memspec {} --help lacks {want:?}:\n{out}",
                p.join(" ")
            );
        }
        let (w, line) = widest(&out);
        assert!(
            w <= 100,
            "memspec {} --help has a line of {w}:\n{line}",
            p.join(" ")
        );
        for s in subs {
            let mut q = paths[i].clone();
            q.push(s);
            paths.push(q);
        }
        i += 1;
    }
    assert!(paths.len() > 10, "the commands and report's: {paths:?}");
}

#[test]
fn color_always_colours_a_pipe_and_never_or_no_color_leave_it_plain() {
    let run = |color: &str, no_color: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
            .args(["--color", color, "run", "julia64/boxes::"])
            .env("NO_COLOR", no_color)
            .output()
            .expect("memspec runs");
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
    };
    assert!(run("always", ""), "--color always colours even a pipe");
    assert!(run("always", "1"), "--color always is asked for, NO_COLOR or not");
    assert!(!run("never", ""), "--color never");
    assert!(!run("auto", "1"), "--color auto on a pipe");
}

#[test]
fn every_command_the_default_run_suggests_next_runs_and_succeeds() {
    let (_, out) = memspec(&[]);
    let tail = out.rsplit("\nnext:\n").next().unwrap_or("");
    let joined = tail.replace(" \\\n", " ");
    let commands: Vec<&str> = joined
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("cargo memspec "))
        .collect();
    assert!(!commands.is_empty(), "{tail}");
    let dir = tempfile::tempdir().expect("a temporary folder");
    for c in commands {
        // The suggestions quote no argument when the run chose the default subject.
        assert!(!c.contains('"'), "{c}");
        let status = Command::new(env!("CARGO_BIN_EXE_memspec"))
            .args(c.split_whitespace())
            .current_dir(dir.path())
            .output()
            .expect("memspec runs")
            .status;
        assert!(status.success(), "`memspec {c}` exits {status}");
    }
}

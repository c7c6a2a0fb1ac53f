//! The summary a run prints on the terminal, every line at most [`WIDTH`] characters: the matrix
//! (its suite columns in as many blocks as it takes), each busted, flaky and failed trial by name,
//! the reasons for skips, the claims ledger summary, and what to run next.
//!
//! Only the profiles a subject serves get a row; the trials of the others are one line that names
//! them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{Counts, Report, Status, TrialRecord};
use crate::ledger;

/// The widest line the summary prints, in characters: a terminal of 100 columns shows it unwrapped.
pub const WIDTH: usize = 100;

/// The skip reason of a trial whose subject does not serve its profile.
pub fn not_served(subject: &str, profile: &str) -> String {
    format!("{subject} does not serve {profile}")
}

/// The skip reason of a trial whose subject lacks the capabilities `missing` for its profile.
pub fn lacking(subject: &str, missing: &[&str], profile: &str) -> String {
    format!("{subject} lacks {} for {profile}", missing.join(", "))
}

/// The capabilities a skipped trial's subject lacked, when that is why it was skipped.
fn lacked(t: &TrialRecord) -> Option<Vec<&str>> {
    if t.status != Status::Skip {
        return None;
    }
    let caps = t
        .reason
        .as_deref()?
        .strip_prefix(t.subject.as_str())?
        .strip_prefix(" lacks ")?
        .strip_suffix(t.profile.as_str())?
        .strip_suffix(" for ")?;
    Some(caps.split(", ").collect())
}

fn is_not_served(t: &TrialRecord) -> bool {
    t.status == Status::Skip && t.reason.as_deref() == Some(not_served(&t.subject, &t.profile).as_str())
}

/// `words` filled into lines of at most `width` characters, the first line starting with `first` and
/// the others with `rest` (a word longer than a line gets a line of its own).
pub fn wrap(words: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for w in words.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + w.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The words of a command line, a quoted argument (`"python3 a.py"`) one word with its quotes.
fn shell_words(cmd: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in cmd.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.push(c);
            }
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A command line broken between its words into lines of at most `width` characters where the words
/// allow, each but the last ending in ` \` as a shell continues a command.
fn command_lines(cmd: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from("  ");
    for w in &shell_words(cmd) {
        if line.trim().is_empty() {
            line.push_str(w);
        } else if line.chars().count() + 1 + w.chars().count() + 2 > width {
            out.push_str(&line);
            out.push_str(" \\\n");
            line = format!("      {w}");
        } else {
            line.push(' ');
            line.push_str(w);
        }
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The matrix: one row per subject and the profiles it serves, one column per suite, the suites in
/// blocks that fit `width` with the row labels repeated in each; the totals below.
pub fn matrix(r: &Report, width: usize) -> String {
    let mut m: BTreeMap<(&str, &str), BTreeMap<&str, Counts>> = BTreeMap::new();
    for t in r.trials.iter().filter(|t| !is_not_served(t)) {
        m.entry((t.subject.as_str(), t.profile.as_str()))
            .or_default()
            .entry(t.suite.as_str())
            .or_default()
            .add(t.status);
    }
    let suites: BTreeSet<&str> = m.values().flat_map(|r| r.keys().copied()).collect();
    let mut columns: Vec<(String, Vec<String>)> = suites
        .iter()
        .map(|s| {
            let cells = m
                .values()
                .map(|row| row.get(s).map_or_else(|| "-".to_string(), Counts::cell))
                .collect();
            ((*s).to_string(), cells)
        })
        .collect();
    let all = m
        .values()
        .map(|row| {
            let mut all = Counts::default();
            for c in row.values() {
                all.pass += c.pass;
                all.fail += c.fail;
                all.skip += c.skip;
                all.busted += c.busted;
                all.flaky += c.flaky;
            }
            all.cell()
        })
        .collect();
    columns.push(("all".into(), all));
    let labels: Vec<String> = m.keys().map(|(s, p)| format!("{s}/{p}")).collect();
    let label_w = labels
        .iter()
        .map(|l| l.chars().count())
        .chain(["subject/profile".len()])
        .max()
        .unwrap_or(0);
    let col_w = |c: &(String, Vec<String>)| {
        c.1.iter()
            .map(|x| x.chars().count())
            .chain([c.0.chars().count()])
            .max()
            .unwrap_or(0)
    };
    // Greedy blocks of columns, each as wide as fits beside the labels.
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = label_w;
    for (i, c) in columns.iter().enumerate() {
        let w = 2 + col_w(c);
        let block = blocks.last_mut().expect("one block at least");
        if !block.is_empty() && used + w > width {
            blocks.push(vec![i]);
            used = label_w + w;
        } else {
            block.push(i);
            used += w;
        }
    }
    // The same number of blocks with the columns shared out evenly, when those fit too.
    let per = columns.len().div_ceil(blocks.len()).max(1);
    let even: Vec<Vec<usize>> = (0..columns.len())
        .collect::<Vec<_>>()
        .chunks(per)
        .map(<[usize]>::to_vec)
        .collect();
    if even.len() == blocks.len()
        && even
            .iter()
            .all(|b| label_w + b.iter().map(|&i| 2 + col_w(&columns[i])).sum::<usize>() <= width)
    {
        blocks = even;
    }
    let mut out = String::from("cells: pass/fail/skip/busted (+N~ flaky)\n");
    for (bi, block) in blocks.iter().enumerate() {
        if bi > 0 {
            out.push('\n');
        }
        let mut head = format!("{:<label_w$}", "subject/profile");
        for &i in block {
            let w = col_w(&columns[i]);
            let _ = write!(head, "  {:>w$}", columns[i].0);
        }
        out.push_str(head.trim_end());
        out.push('\n');
        for (ri, label) in labels.iter().enumerate() {
            let mut line = format!("{label:<label_w$}");
            for &i in block {
                let w = col_w(&columns[i]);
                let _ = write!(line, "  {:>w$}", columns[i].1[ri]);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push_str(&r.totals().summary());
    out.push('\n');
    out
}

/// Per subject, the profiles it does not serve, with how many trials were skipped for that.
pub(crate) fn unserved(r: &Report, width: usize) -> String {
    let mut by_subject: BTreeMap<&str, (BTreeSet<&str>, u32)> = BTreeMap::new();
    for t in r.trials.iter().filter(|t| is_not_served(t)) {
        let e = by_subject.entry(t.subject.as_str()).or_default();
        e.0.insert(t.profile.as_str());
        e.1 += 1;
    }
    let mut out = String::new();
    for (subject, (profiles, n)) in by_subject {
        let names: Vec<&str> = profiles.into_iter().collect();
        let text = format!(
            "not shown: {subject} does not serve {}; its {n} trial(s) there are skipped.",
            names.join(", ")
        );
        out.push_str(&wrap(&text, "", "  ", width));
    }
    out
}

/// Each trial of `status`, by name, with its file and why (the expectations' reason for busted and
/// flaky trials).
fn named(r: &Report, status: Status, title: &str, width: usize) -> String {
    let mut out = String::new();
    let trials: Vec<&TrialRecord> = r.trials.iter().filter(|t| t.status == status).collect();
    if trials.is_empty() {
        return out;
    }
    let _ = writeln!(out, "{title} ({}):", trials.len());
    for t in trials {
        out.push_str(&wrap(&format!("{} ({})", t.name, t.file), "  ", "      ", width));
        let why = match status {
            Status::Fail => t.message.as_deref().and_then(|m| m.lines().next()),
            _ => t.reason.as_deref(),
        };
        if let Some(why) = why.filter(|w| !w.trim().is_empty()) {
            out.push_str(&wrap(why, "      ", "      ", width));
        }
    }
    out
}

/// Of one subject and profile: the trials skipped for lacking capabilities, and per capability how
/// many of them needed it.
type Lacking<'a> = (u32, BTreeMap<&'a str, u32>);

/// The skip reasons other than a profile not served, each with how many trials it skipped; the
/// trials skipped for capabilities their subject lacks are one line per subject and profile, with how
/// many of them needed each capability.
pub(crate) fn skips(r: &Report, width: usize) -> String {
    let mut reasons: BTreeMap<&str, u32> = BTreeMap::new();
    let mut lacking_by: BTreeMap<(&str, &str), Lacking<'_>> = BTreeMap::new();
    let skipped = r
        .trials
        .iter()
        .filter(|t| t.status == Status::Skip && !is_not_served(t));
    for t in skipped {
        match lacked(t) {
            Some(caps) => {
                let e = lacking_by
                    .entry((t.subject.as_str(), t.profile.as_str()))
                    .or_default();
                e.0 += 1;
                for c in caps {
                    *e.1.entry(c).or_default() += 1;
                }
            }
            None => *reasons.entry(t.reason.as_deref().unwrap_or("")).or_default() += 1,
        }
    }
    let mut out = String::new();
    for ((subject, profile), (n, caps)) in lacking_by {
        let mut caps: Vec<(&str, u32)> = caps.into_iter().collect();
        caps.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let text = if n == 1 {
            let names: Vec<&str> = caps.iter().map(|(c, _)| *c).collect();
            lacking(subject, &names, profile)
        } else {
            let each: Vec<String> = caps.iter().map(|(c, k)| format!("{c} {k}")).collect();
            format!(
                "{subject} lacks capabilities the cases need for {profile}; trials needing each: {}",
                each.join(", ")
            )
        };
        out.push_str(&wrap(
            &text,
            &format!("skipped {n:>4}: "),
            "              ",
            width,
        ));
    }
    for (why, n) in reasons {
        out.push_str(&wrap(why, &format!("skipped {n:>4}: "), "              ", width));
    }
    out
}

/// What to run next: for a failure, the command that runs the first failed trial again (with
/// `select`, the options that choose this run's subjects) and, when the run wrote `report_file`, the
/// one that runs every failed trial again; without one, where to look further.
fn next(r: &Report, select: &str, report_file: Option<&str>, width: usize) -> String {
    let mut cmds: Vec<(String, &str)> = Vec::new();
    let sel = if select.is_empty() {
        String::new()
    } else {
        format!(" {select}")
    };
    if let Some(t) = r.trials.iter().find(|t| t.status == Status::Fail) {
        cmds.push((
            format!("cargo memspec run{sel} --exact {} --format pretty", t.name),
            "the first failed trial again, with its message",
        ));
        match report_file {
            Some(f) => cmds.push((
                format!("cargo memspec run{sel} --failed {f}"),
                "every failed trial again",
            )),
            None => cmds.push((
                format!("cargo memspec run{sel} --report r.json --html r.html"),
                "the run again, writing a report (then --failed r.json)",
            )),
        }
        if t.subject != "ref" {
            cmds.push((
                format!(
                    "cargo memspec run{sel} --exact {} --trace tr --diff-against ref",
                    t.name
                ),
                "its requests, and the first answer that differs from ref",
            ));
        }
    } else {
        cmds.push((
            format!("cargo memspec run{sel} --html r.html"),
            "this run as one page: matrix, failures, ledger",
        ));
        let profile = r
            .trials
            .iter()
            .find(|t| t.profile == "micropython-a32")
            .or(r.trials.first());
        if let Some(t) = profile {
            cmds.push((
                format!("cargo memspec explain {}", t.profile),
                "a profile's tag table and heap layout",
            ));
        }
        cmds.push((
            "cargo memspec claims".into(),
            "every claim with its verdicts and evidence",
        ));
    }
    let mut out = String::from("next:\n");
    for (cmd, why) in cmds {
        out.push_str(&wrap(why, "  # ", "  # ", width));
        out.push_str(&command_lines(&cmd, width));
    }
    out
}

/// The whole summary of a run: matrix, the trials named by status, skips, ledger, what next.
/// `select` is the options that chose the run's subjects (`--subject process --command ...`, empty
/// for `ref`); `report_file` the JSON report the run wrote, if it wrote one.
pub fn summary(r: &Report, select: &str, report_file: Option<&str>) -> String {
    let mut out = String::from("\n");
    out.push_str(&matrix(r, WIDTH));
    out.push_str(&unserved(r, WIDTH));
    out.push_str(&skips(r, WIDTH));
    for (status, title) in [
        (
            Status::Busted,
            "busted: failed as the expectations file says, a known bug",
        ),
        (
            Status::Flaky,
            "flaky: the expectations file says the outcome varies",
        ),
        (Status::Fail, "failed"),
    ] {
        let part = named(r, status, title, WIDTH);
        if !part.is_empty() {
            out.push('\n');
            out.push_str(&part);
        }
    }
    out.push('\n');
    out.push_str(&ledger::summary_text(&r.ledger));
    out.push('\n');
    out.push_str(&next(r, select, report_file, WIDTH));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Figures;
    use crate::report::RunInfo;

    fn trial(subject: &str, profile: &str, case: &str, status: Status, why: Option<&str>) -> TrialRecord {
        let (suite, short) = case.split_once("::").unwrap_or(("s", case));
        TrialRecord {
            name: format!("{subject}/{profile}/{case}"),
            subject: subject.into(),
            profile: profile.into(),
            case: format!("micropython/{case}"),
            suite: suite.into(),
            file: format!("micropython/{suite}/{short}.case"),
            claims: Vec::new(),
            status,
            expected: "pass".into(),
            reason: if status == Status::Fail {
                None
            } else {
                why.map(str::to_string)
            },
            message: if status == Status::Fail {
                why.map(str::to_string)
            } else {
                None
            },
            figures: Figures::default(),
            millis: 1.0,
        }
    }

    fn report(trials: Vec<TrialRecord>) -> Report {
        let run = RunInfo {
            subjects: vec!["process".into()],
            host: "h".into(),
            seconds: 1.0,
            harness: "0".into(),
            engines: BTreeMap::new(),
        };
        Report::new(trials, run, &[])
    }

    #[test]
    fn the_summary_names_each_busted_flaky_and_failed_trial_and_how_to_run_the_failure_again() {
        let a32 = "micropython-a32";
        let r = report(vec![
            trial("process", a32, "heap::one", Status::Pass, None),
            trial("process", a32, "heap::two", Status::Busted, Some("a known bug")),
            trial("process", a32, "gc::three", Status::Flaky, Some("varies")),
            trial(
                "process",
                a32,
                "gc::four",
                Status::Fail,
                Some("observed 0x1 accepted 0x2"),
            ),
        ]);
        let out = summary(&r, "--subject process", Some("r.json"));
        for want in [
            "process/micropython-a32/heap::two",
            "a known bug",
            "process/micropython-a32/gc::three",
            "process/micropython-a32/gc::four",
            "observed 0x1 accepted 0x2",
            "cargo memspec run --subject process --exact process/micropython-a32/gc::four",
            "cargo memspec run --subject process --failed r.json",
            "--diff-against ref",
        ] {
            assert!(out.contains(want), "{want:?} is not in\n{out}");
        }
    }

    #[test]
    fn a_profile_the_subject_does_not_serve_gets_no_row_but_one_line_naming_it() {
        let a64 = "micropython-a64";
        let r = report(vec![
            trial("process", "micropython-a32", "heap::one", Status::Pass, None),
            trial(
                "process",
                a64,
                "heap::one",
                Status::Skip,
                Some(&not_served("process", a64)),
            ),
            trial(
                "process",
                a64,
                "heap::two",
                Status::Skip,
                Some(&not_served("process", a64)),
            ),
        ]);
        let out = summary(&r, "", None);
        assert!(
            !out.lines().any(|l| l.starts_with("process/micropython-a64")),
            "{out}"
        );
        assert!(
            out.lines().any(|l| l.starts_with("process/micropython-a32")),
            "{out}"
        );
        assert!(
            out.contains("not shown: process does not serve micropython-a64; its 2 trial(s)"),
            "{out}"
        );
        assert!(
            !out.contains("skipped    2"),
            "the unserved skips are counted once:\n{out}"
        );
    }

    #[test]
    fn trials_skipped_for_lacking_capabilities_are_one_line_counting_each_capability() {
        let a32 = "micropython-a32";
        let skip = |case: &str, caps: &[&str]| {
            trial(
                "process",
                a32,
                case,
                Status::Skip,
                Some(&lacking("process", caps, a32)),
            )
        };
        let r = report(vec![
            skip("heap::one", &["alloc", "stats"]),
            skip("heap::two", &["alloc"]),
            skip("gc::three", &["collect", "alloc"]),
            trial(
                "process",
                a32,
                "gc::four",
                Status::Skip,
                Some("the expectations file says skip: x"),
            ),
        ]);
        let out = skips(&r, WIDTH);
        assert_eq!(
            out,
            "skipped    3: process lacks capabilities the cases need for micropython-a32; trials \
             needing each:\n              alloc 3, collect 1, stats 1\n\
             skipped    1: the expectations file says skip: x\n"
        );
    }

    #[test]
    fn many_suites_wrap_into_blocks_of_columns_within_the_width() {
        let trials = (0..30)
            .map(|i| {
                trial(
                    "ref",
                    "micropython-a32",
                    &format!("suite{i:02}::c"),
                    Status::Pass,
                    None,
                )
            })
            .collect();
        let out = matrix(&report(trials), WIDTH);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        for i in 0..30 {
            assert!(
                out.contains(&format!("suite{i:02}")),
                "suite{i:02} is missing:\n{out}"
            );
        }
        assert!(out.matches("subject/profile").count() > 1, "{out}");
    }

    #[test]
    fn wrap_keeps_every_line_within_the_width_and_every_word() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let out = wrap(text, "> ", "  ", 16);
        assert!(out.lines().all(|l| l.chars().count() <= 16), "{out}");
        assert_eq!(
            out.split_whitespace()
                .filter(|w| *w != ">")
                .collect::<Vec<_>>()
                .join(" "),
            text
        );
        assert!(out.starts_with("> one"), "{out}");
    }

    #[test]
    fn a_command_breaks_between_words_never_inside_a_quoted_argument() {
        let cmd = r#"cargo memspec run --subject process --command "python3 conformance/examples/python/memspec_toy.py" --exact process/micropython-a32/encoding::constants"#;
        let out = command_lines(cmd, WIDTH);
        for l in out.lines() {
            assert_eq!(
                l.matches('"').count() % 2,
                0,
                "a line splits a quoted argument:\n{out}"
            );
        }
        assert!(
            out.contains(r#""python3 conformance/examples/python/memspec_toy.py""#),
            "{out}"
        );
    }

    #[test]
    fn a_long_command_continues_with_backslashes_within_the_width() {
        let cmd = format!("cargo memspec run --exact {}", "x".repeat(60));
        let out = command_lines(&format!("{cmd} --format pretty --trace tr"), 70);
        assert!(out.lines().all(|l| l.chars().count() <= 70), "{out}");
        assert!(out.lines().next().is_some_and(|l| l.ends_with(" \\")), "{out}");
        let joined: String = out
            .replace(" \\\n", " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, format!("{cmd} --format pretty --trace tr"));
    }
}

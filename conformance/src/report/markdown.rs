//! Markdown: the matrix, the failures with their messages, and the claims ledger with what the real
//! engines' runs confirmed or refuted.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Report, Status};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub fn write(report: &Report) -> String {
    let mut out = String::from("# memspec conformance report\n\n");
    for r in &report.runs {
        let _ = writeln!(
            out,
            "- run of {} on `{}` with memspec-conformance {}, {:.1} s",
            r.subjects.join(", "),
            r.host,
            r.harness,
            r.seconds
        );
    }
    let _ = writeln!(out, "\n{}.\n", report.totals().summary());
    out.push_str("## Matrix\n\nCells are pass/fail/skip/busted.\n\n");
    let m = report.matrix();
    let suites: BTreeSet<&String> = m.values().flat_map(|r| r.keys()).collect();
    out.push_str("| subject/profile |");
    for s in &suites {
        let _ = write!(out, " {} |", cell(s));
    }
    out.push_str("\n|---|");
    for _ in &suites {
        out.push_str("---|");
    }
    out.push('\n');
    for ((subject, profile), cells) in &m {
        let _ = write!(out, "| {subject}/{profile} |");
        for s in &suites {
            let _ = write!(out, " {} |", cells.get(*s).map_or("-".into(), |c| c.cell()));
        }
        out.push('\n');
    }
    let failed: Vec<_> = report
        .trials
        .iter()
        .filter(|t| t.status == Status::Fail)
        .collect();
    if !failed.is_empty() {
        out.push_str("\n## Failures\n");
        for t in failed {
            let message = t.message.as_deref().unwrap_or("");
            let fence = "`".repeat(longest_backtick_run(message).max(2) + 1);
            let _ = writeln!(
                out,
                "\n### {}\n\n{}\n\n{fence}text\n{message}\n{fence}",
                inline_code(&t.name),
                inline_code(&t.file),
            );
        }
    }
    for r in &report.runs {
        for (subject, engine) in &r.engines {
            let _ = writeln!(out, "- engine of `{subject}`: {engine}");
        }
    }
    out.push_str(
        "\n## Claims ledger\n\n| claim | verdicts | cases and outcomes | real engines |\n|---|---|---|---|\n",
    );
    for e in &report.ledger {
        let verdicts: Vec<String> = e
            .verdicts
            .iter()
            .map(|v| format!("{}: {}", v.profiles.join(" "), v.verdict))
            .collect();
        let cases: Vec<String> = e
            .cases
            .iter()
            .map(|c| {
                let o: Vec<String> = c
                    .outcomes
                    .iter()
                    .map(|o| format!("{}/{} {}", o.subject, o.profile, o.status.name()))
                    .collect();
                if o.is_empty() {
                    format!("`{}`", c.case)
                } else {
                    format!("`{}` ({})", c.case, o.join(", "))
                }
            })
            .collect();
        let engines: Vec<String> = e
            .engines
            .iter()
            .map(|r| {
                format!(
                    "`{}` {} ({}; cases: {} passed, {} failed, {} busted)",
                    r.subject,
                    r.reading.name(),
                    r.engine,
                    r.passed.len(),
                    r.failed.len(),
                    r.busted.len()
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            e.claim,
            cell(&if verdicts.is_empty() {
                "not assessed".into()
            } else {
                verdicts.join("; ")
            }),
            cell(&cases.join("; ")),
            cell(&engines.join("; "))
        );
    }
    out
}

/// The longest run of backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `s` as Markdown inline code, delimited by more backticks than it holds in a row (CommonMark's
/// rule), so that text from a case or a subject cannot end the span early.
fn inline_code(s: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

//! JUnit XML: one `testsuite` per subject and profile, one `testcase` per trial.
//!
//! The document follows the common `junit-10.xsd` (the Jenkins xUnit plugin's schema, as pytest ships
//! it in `testing/example_scripts/junit-10.xsd`): `testsuites` carries `name`, `tests`, `failures`,
//! `errors` and `time` only; every `testsuite` has the required `errors`; a `testcase` has only `name`,
//! `classname` and `time`. The schema has no place for a test's file and line on `testcase`, so a
//! failure, busted or flaky trial's text begins with the case's repository path and the line the
//! harness named, `conformance/cases/micropython/heap/atb.case:12: ...`, which CI log viewers link.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Report, Status, TrialRecord};

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// Where the shipped corpus lives in the repository: trial files are named relative to it.
pub const CORPUS_DIR: &str = "conformance/cases";

/// `path:line` of a trial: its case file in the repository, and the line its message names
/// (`line 12: ...`), else line 1 (the case's head).
pub fn location(t: &TrialRecord) -> String {
    let line = t
        .message
        .as_deref()
        .and_then(|m| m.strip_prefix("line "))
        .and_then(|m| m.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(1);
    format!("{CORPUS_DIR}/{}:{line}", t.file)
}

/// The report as JUnit XML.
pub fn write(report: &Report) -> String {
    let mut suites: BTreeMap<(String, String), Vec<&TrialRecord>> = BTreeMap::new();
    for t in &report.trials {
        suites
            .entry((t.subject.clone(), t.profile.clone()))
            .or_default()
            .push(t);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let t = report.totals();
    let _ = writeln!(
        out,
        "<testsuites name=\"memspec\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3}\">",
        t.total(),
        t.fail,
        report.trials.iter().map(|t| t.millis).sum::<f64>() / 1000.0
    );
    for ((subject, profile), trials) in suites {
        let fails = trials.iter().filter(|t| t.status == Status::Fail).count();
        let skips = trials.iter().filter(|t| t.status == Status::Skip).count();
        let time: f64 = trials.iter().map(|t| t.millis).sum::<f64>() / 1000.0;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}/{}\" tests=\"{}\" failures=\"{fails}\" errors=\"0\" skipped=\"{skips}\" time=\"{time:.3}\">",
            escape(&subject),
            escape(&profile),
            trials.len()
        );
        for t in trials {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(&format!("{}.{}.{}", t.subject, t.profile, t.suite)),
                escape(t.case.rsplit("::").next().unwrap_or(&t.case)),
                t.millis / 1000.0
            );
            match t.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Fail => {
                    let msg = t.message.as_deref().unwrap_or("");
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}: {}</failure>\n    </testcase>",
                        escape(msg.lines().next().unwrap_or("")),
                        escape(&location(t)),
                        escape(msg)
                    );
                }
                Status::Skip => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(t.reason.as_deref().unwrap_or(""))
                    );
                }
                Status::Busted | Status::Flaky => {
                    let _ = writeln!(
                        out,
                        ">\n      <system-out>{}: {}: {}\n{}</system-out>\n    </testcase>",
                        escape(&location(t)),
                        t.status.name(),
                        escape(t.reason.as_deref().unwrap_or("")),
                        escape(t.message.as_deref().unwrap_or(""))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

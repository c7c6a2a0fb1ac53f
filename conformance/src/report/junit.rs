//! JUnit XML: one `testsuite` per subject and profile, one `testcase` per trial.

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
        "<testsuites name=\"memspec\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
        t.total(),
        t.fail,
        t.skip
    );
    for ((subject, profile), trials) in suites {
        let fails = trials.iter().filter(|t| t.status == Status::Fail).count();
        let skips = trials.iter().filter(|t| t.status == Status::Skip).count();
        let time: f64 = trials.iter().map(|t| t.millis).sum::<f64>() / 1000.0;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}/{}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skips}\" time=\"{time:.3}\">",
            escape(&subject),
            escape(&profile),
            trials.len()
        );
        for t in trials {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
                escape(&format!("{}.{}.{}", t.subject, t.profile, t.suite)),
                escape(t.case.rsplit("::").next().unwrap_or(&t.case)),
                escape(&t.file),
                t.millis / 1000.0
            );
            match t.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Fail => {
                    let msg = t.message.as_deref().unwrap_or("");
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(msg.lines().next().unwrap_or("")),
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
                        ">\n      <system-out>{}: {}\n{}</system-out>\n    </testcase>",
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

//! The JUnit writer keeps the rules of the common `junit-10.xsd` (the Jenkins xUnit plugin's schema,
//! shipped by pytest's sdist as `testing/example_scripts/junit-10.xsd`): which attributes each element
//! may carry, which it must, which children it may hold, and the `SUREFIRE_TIME` pattern of `time`.
//! `xmllint --noout --schema junit-10.xsd r.xml` accepts the same output.

use std::collections::BTreeMap;

use memspec_conformance::check::Figures;
use memspec_conformance::report::{Report, SCHEMA, Status, TrialRecord, junit};

/// Names of attributes or elements.
type Names = &'static [&'static str];

/// Per element: (required attributes, the other allowed attributes, allowed children), from the xsd.
fn rules() -> BTreeMap<&'static str, (Names, Names, Names)> {
    let reason: &[&str] = &["type", "message"];
    BTreeMap::from([
        (
            "testsuites",
            (
                &[][..],
                &["name", "time", "tests", "failures", "errors"][..],
                &["testsuite"][..],
            ),
        ),
        (
            "testsuite",
            (
                &["name", "tests", "failures", "errors"][..],
                &[
                    "group",
                    "time",
                    "skipped",
                    "timestamp",
                    "hostname",
                    "id",
                    "package",
                    "file",
                    "log",
                    "url",
                    "version",
                ][..],
                &["testsuite", "properties", "testcase", "system-out", "system-err"][..],
            ),
        ),
        (
            "testcase",
            (
                &["name"][..],
                &["time", "classname", "group"][..],
                &[
                    "skipped",
                    "error",
                    "failure",
                    "rerunFailure",
                    "rerunError",
                    "flakyFailure",
                    "flakyError",
                    "system-out",
                    "system-err",
                ][..],
            ),
        ),
        ("failure", (&[][..], reason, &[][..])),
        ("error", (&[][..], reason, &[][..])),
        ("skipped", (&[][..], reason, &[][..])),
        ("system-out", (&[][..], &[][..], &[][..])),
        ("system-err", (&[][..], &[][..], &[][..])),
    ])
}

/// `SUREFIRE_TIME`: `(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?`; the writer's times are
/// plain decimals, which the pattern admits when the fraction has at most three digits.
fn surefire_time(t: &str) -> bool {
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    int.chars().all(|c| c.is_ascii_digit() || c == ',')
        && frac.len() <= 3
        && frac.chars().all(|c| c.is_ascii_digit())
}

/// Every breach of the rules in `xml`, as `element: what`.
fn breaches(xml: &str) -> Vec<String> {
    let rules = rules();
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').map(|c| open + c).expect("a tag is closed");
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "tags nest");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        let Some((required, allowed, _)) = rules.get(name) else {
            out.push(format!("{name}: no such element in the schema"));
            continue;
        };
        match stack.last() {
            None if name != "testsuites" => out.push(format!("{name}: the root must be testsuites")),
            Some(parent) if !rules[parent.as_str()].2.contains(&name) => {
                out.push(format!("{name}: not allowed inside {parent}"));
            }
            _ => {}
        }
        let mut seen = Vec::new();
        for part in attrs.split('"').collect::<Vec<_>>().chunks(2) {
            let key = part[0].trim().trim_end_matches('=');
            if key.is_empty() {
                continue;
            }
            let value = part.get(1).copied().unwrap_or("");
            if !required.contains(&key) && !allowed.contains(&key) {
                out.push(format!("{name}: attribute `{key}` is not allowed"));
            }
            if key == "time" && !surefire_time(value) {
                out.push(format!("{name}: time `{value}` is no SUREFIRE_TIME"));
            }
            seen.push(key.to_owned());
        }
        for r in *required {
            if !seen.iter().any(|s| s == r) {
                out.push(format!("{name}: required attribute `{r}` is missing"));
            }
        }
        if !self_closing {
            stack.push(name.to_owned());
        }
    }
    out
}

fn trial(case: &str, status: Status, message: Option<&str>) -> TrialRecord {
    TrialRecord {
        name: format!("ref/micropython-a32/heap::{case}"),
        subject: "ref".into(),
        profile: "micropython-a32".into(),
        case: format!("micropython/heap::{case}"),
        suite: "heap".into(),
        file: format!("micropython/heap/{case}.case"),
        claims: vec![],
        status,
        expected: "pass".into(),
        reason: (status == Status::Skip || status == Status::Busted).then(|| "a reason <&>".into()),
        message: message.map(str::to_owned),
        figures: Figures::default(),
        millis: 1.5,
    }
}

/// A report with a trial of every status.
fn every_status() -> Report {
    Report {
        schema: SCHEMA.into(),
        runs: vec![],
        trials: vec![
            trial("passes", Status::Pass, None),
            trial(
                "fails",
                Status::Fail,
                Some("line 12: `expect word` observed 0x3 \"quoted\""),
            ),
            trial("skips", Status::Skip, None),
            trial("busted", Status::Busted, Some("line 7: a known bug")),
            trial("flaky", Status::Flaky, None),
        ],
        ledger: vec![],
    }
}

#[test]
fn the_junit_of_every_trial_status_keeps_the_junit_10_schema_rules() {
    let xml = junit::write(&every_status());
    let b = breaches(&xml);
    assert!(
        b.is_empty(),
        "breaches of junit-10.xsd:\n  {}\n{xml}",
        b.join("\n  ")
    );
}

#[test]
fn a_failure_names_the_case_file_in_the_repository_and_the_line_of_the_step() {
    let xml = junit::write(&every_status());
    assert!(
        xml.contains(">conformance/cases/micropython/heap/fails.case:12: line 12:"),
        "{xml}"
    );
    assert!(
        xml.contains("conformance/cases/micropython/heap/busted.case:7: busted:"),
        "{xml}"
    );
}

#[test]
fn the_schema_rules_catch_skipped_on_testsuites_and_file_on_testcase() {
    // The writer's earlier form, which xmllint rejects against junit-10.xsd.
    let old = "<?xml version=\"1.0\"?>\n<testsuites name=\"memspec\" tests=\"1\" failures=\"0\" skipped=\"0\">\n\
               <testsuite name=\"s\" tests=\"1\" failures=\"0\" time=\"0.001\">\n\
               <testcase name=\"c\" file=\"x.case\" time=\"0.0001\"/>\n</testsuite>\n</testsuites>\n";
    assert_eq!(
        breaches(old),
        [
            "testsuites: attribute `skipped` is not allowed",
            "testsuite: required attribute `errors` is missing",
            "testcase: attribute `file` is not allowed",
            "testcase: time `0.0001` is no SUREFIRE_TIME",
        ]
    );
}

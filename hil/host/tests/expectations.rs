//! Known target differences: the expectations files of `hil/expectations/` and how they weigh trials.

use memspec_conformance::expectations::Expectations;
use memspec_conformance::report::Status;
use memspec_hil::verdict::{Trial, expect};

fn file(subject: &str) -> Expectations {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../expectations")
        .join(format!("{subject}.toml"));
    Expectations::load(subject, &path).unwrap_or_else(|e| panic!("{e}"))
}

const BOOK: &str = r#"
schema = 1
subject = "qemu"

[[trial]]
name = "micropython-c32/encoding::tags_c"
outcome = "busted"
reason = "NaN bits differ"
repro = "cargo xtask qemu micropython-c32/encoding::tags_c"

[[trial]]
name = "skybison64/graph::*"
outcome = "flaky"
reason = "a pattern entry"
"#;

fn weighed(name: &str, result: Result<(), String>) -> Trial {
    let mut t = vec![Trial::new(format!("qemu/{name}"), result)];
    expect(&mut t, &Expectations::parse("book.toml", BOOK).unwrap());
    t.remove(0)
}

#[test]
fn the_shipped_expectations_files_parse() {
    for subject in ["qemu", "esp32c3"] {
        let e = file(subject);
        assert!(e.trials.iter().all(|t| t.reason.is_some()), "{subject}");
    }
}

#[test]
fn a_listed_difference_is_busted_and_keeps_its_message() {
    let t = weighed("micropython-c32/encoding::tags_c", Err("record 8 differs".into()));
    assert_eq!(t.status, Status::Busted);
    assert_eq!(t.message, "record 8 differs");
}

#[test]
fn a_listed_difference_that_is_gone_fails_as_an_unexpected_pass() {
    let t = weighed("micropython-c32/encoding::tags_c", Ok(()));
    assert_eq!(t.status, Status::Fail);
    assert!(
        t.message
            .starts_with("unexpected pass: the expectations file says busted (NaN bits differ)")
    );
}

#[test]
fn unlisted_trials_must_pass_and_patterns_match() {
    assert_eq!(
        weighed("micropython-a32/encode::constants", Err("x".into())).status,
        Status::Fail
    );
    assert_eq!(
        weighed("micropython-a32/encode::constants", Ok(())).status,
        Status::Pass
    );
    assert_eq!(
        weighed("skybison64/graph::sequence-3", Err("x".into())).status,
        Status::Flaky
    );
}

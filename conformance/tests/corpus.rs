//! The case corpus against the reference implementation: one trial per (profile, case), named
//! `ref/profile/suite::case`. Takes the usual libtest arguments (`--list`, `--exact`, filters,
//! `--format`), so nextest and its `--partition` work.

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::Arguments;
use memspec_conformance::corpus;
use memspec_conformance::run::{DEFAULT_TIMEOUT, Harness, SubjectRun};
use memspec_conformance::subjects::reference::RefFactory;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = corpus::default_root();
    let cases = match corpus::load(&root) {
        Ok(c) => c,
        Err(errs) => {
            for e in errs {
                eprintln!("{e}");
            }
            return ExitCode::FAILURE;
        }
    };
    let subject = match SubjectRun::new(Arc::new(RefFactory), None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let h = Arc::new(Harness {
        subjects: vec![subject],
        cases: cases.into_iter().map(Arc::new).collect(),
        root,
        timeout: DEFAULT_TIMEOUT,
        profiles: None,
        only: None,
    });
    let (conclusion, report) = h.run(&args);
    if !args.list {
        eprint!("\n{}{}", report.matrix_text(), report.skips_text());
    }
    conclusion.exit_code()
}

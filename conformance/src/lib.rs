//! memspec-conformance: checks implementations against the memspec specification.
//!
//! ```text
//! case file --parse--> Case --plan--> steps --subject--> observations --expectations--> verdict
//! ```
//!
//! * [`case`]: the case format and its parser (positioned errors, never a panic).
//! * [`plan`]: a case under one profile as [`memspec::step::Step`]s and expectations; the firmware
//!   replays the same plans.
//! * [`check`]: replaying a plan on a subject and comparing what it observed with what the case expects.
//! * [`subjects`]: the subjects by name (`ref`, `process`, ...) and how they are lent to cases.
//! * [`protocol`] and [`serve`]: the JSON-lines process protocol, client and server.
//! * [`expectations`]: per-subject expected outcomes (pass, fail, busted, flaky, skip).
//! * [`run`]: the trial matrix on libtest-mimic; [`report`]: JSON, JUnit, Markdown, the summary matrix
//!   and the claims ledger.
//!
//! ## Quick start
//!
//! Run a part of the corpus against the reference and print the summary `cargo memspec` prints:
//!
//! ```
//! use std::sync::Arc;
//!
//! use memspec::ProfileId;
//! use memspec_conformance::report::terminal;
//! use memspec_conformance::run::{DEFAULT_TIMEOUT, Harness, SubjectRun};
//! use memspec_conformance::{corpus, subjects::reference::RefFactory};
//!
//! let root = corpus::default_root();
//! let cases = corpus::load(&root).map_err(|e| format!("{e:?}"))?;
//! let harness = Harness {
//!     subjects: vec![SubjectRun::new(Arc::new(RefFactory), None)?],
//!     cases: cases.into_iter().map(Arc::new).collect(),
//!     root,
//!     timeout: DEFAULT_TIMEOUT,
//!     profiles: Some(vec![ProfileId::from_name("julia64").ok_or("no julia64")?]),
//!     only: None,
//! };
//! let report = harness.run_plain();
//! assert!(!report.failed());
//! print!("{}", terminal::summary(&report, "", None));
//! # Ok::<(), String>(())
//! ```
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.

pub mod case;
pub mod check;
pub mod corpus;
pub mod expectations;
pub mod explain;
pub mod ledger;
pub mod partition;
pub mod plan;
pub mod protocol;
pub mod report;
pub mod run;
pub mod serve;
pub mod stream;
pub mod subjects;
pub mod trace;

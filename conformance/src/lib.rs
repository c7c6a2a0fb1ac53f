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

//! The coverage answer: for one subject and profile, how many of the claims about the profile's engine
//! its trials judged to hold, judged failed, or did not exercise.
//!
//! A claim's trials are the subject's trials under the profile of the cases naming it. The claim
//! **held** when one of them passed and none failed; **failed** when one failed; **busted** when its
//! only judged trials failed as the subject's expectations say (a known bug); **flaky** when its only
//! trials are flaky ones; **not exercised** when none ran (no case names it for the profile, or every
//! trial was skipped).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use memspec::claim::CLAIMS;
use memspec::profile::ProfileId;
use serde::Serialize;

use crate::report::{Status, TrialRecord};

/// How a subject's trials judged one claim under one profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judged {
    /// A trial passed and none failed.
    Held,
    /// A trial failed.
    Failed,
    /// Its judged trials failed as expected (a known bug of the subject).
    Busted,
    /// Its only trials are flaky.
    Flaky,
    /// No trial of it ran: no case names it for the profile, or every one was skipped.
    NotExercised,
}

impl Judged {
    /// The word the text answer uses.
    pub fn name(self) -> &'static str {
        match self {
            Judged::Held => "held",
            Judged::Failed => "failed",
            Judged::Busted => "busted",
            Judged::Flaky => "flaky",
            Judged::NotExercised => "not exercised",
        }
    }

    /// Of the statuses of one claim's trials.
    fn of(statuses: &[Status]) -> Judged {
        let any = |s: Status| statuses.contains(&s);
        if any(Status::Fail) {
            Judged::Failed
        } else if any(Status::Pass) {
            Judged::Held
        } else if any(Status::Busted) {
            Judged::Busted
        } else if any(Status::Flaky) {
            Judged::Flaky
        } else {
            Judged::NotExercised
        }
    }
}

/// The coverage of one subject under one profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The subject.
    pub subject: String,
    /// The profile.
    pub profile: String,
    /// Claims about the profile's engine.
    pub claims: usize,
    /// How many claims were judged which way.
    pub counts: BTreeMap<Judged, usize>,
    /// Each claim id with how it was judged.
    pub by_claim: BTreeMap<String, Judged>,
}

/// The coverage of `subject` under `profile` from a run's trials.
pub fn coverage(subject: &str, profile: ProfileId, trials: &[TrialRecord]) -> Coverage {
    let mut by_claim = BTreeMap::new();
    let mut counts = BTreeMap::new();
    let claims: Vec<_> = CLAIMS
        .iter()
        .filter(|c| c.doc.engine() == profile.engine())
        .collect();
    for c in &claims {
        let statuses: Vec<Status> = trials
            .iter()
            .filter(|t| {
                t.subject == subject && t.profile == profile.name() && t.claims.iter().any(|x| x == c.id)
            })
            .map(|t| t.status)
            .collect();
        let j = Judged::of(&statuses);
        *counts.entry(j).or_insert(0) += 1;
        by_claim.insert(c.id.to_string(), j);
    }
    Coverage {
        subject: subject.to_string(),
        profile: profile.name().to_string(),
        claims: claims.len(),
        counts,
        by_claim,
    }
}

/// The profiles `subject` has trials under in `trials`, in profile order.
pub fn profiles_of(subject: &str, trials: &[TrialRecord]) -> Vec<ProfileId> {
    ProfileId::ALL
        .into_iter()
        .filter(|p| {
            trials
                .iter()
                .any(|t| t.subject == subject && t.profile == p.name())
        })
        .collect()
}

impl Coverage {
    /// One line: `ref under micropython-a32: of 102 claims, 40 held, 3 failed, ... 59 not exercised`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} under {}: of {} claims, ",
            self.subject, self.profile, self.claims
        );
        let parts: Vec<String> = [
            Judged::Held,
            Judged::Failed,
            Judged::Busted,
            Judged::Flaky,
            Judged::NotExercised,
        ]
        .iter()
        .map(|j| format!("{} {}", self.counts.get(j).copied().unwrap_or(0), j.name()))
        .collect();
        let _ = write!(s, "{}", parts.join(", "));
        s
    }
}

/// The answer of `memspec claims --subject S [--profile P] --report r.json`: one line per profile (or
/// a `memspec-coverage/1` JSON document), for `profile` or every profile `subject` has trials under.
pub fn answer(
    subject: &str,
    profile: Option<ProfileId>,
    trials: &[TrialRecord],
    json: bool,
) -> Result<String, String> {
    let profiles = match profile {
        Some(p) => vec![p],
        None => profiles_of(subject, trials),
    };
    if !trials.iter().any(|t| t.subject == subject) {
        let mut subjects: Vec<&str> = trials.iter().map(|t| t.subject.as_str()).collect();
        subjects.sort_unstable();
        subjects.dedup();
        return Err(format!(
            "the report has no trials of subject `{subject}`; its subjects: {}",
            subjects.join(", ")
        ));
    }
    let all: Vec<Coverage> = profiles.iter().map(|p| coverage(subject, *p, trials)).collect();
    if json {
        let doc = serde_json::json!({ "schema": "memspec-coverage/1", "coverage": all });
        return serde_json::to_string_pretty(&doc).map_err(|e| e.to_string());
    }
    let mut out = String::new();
    for c in &all {
        let _ = writeln!(out, "{}", c.line());
    }
    out.push_str(
        "held: a trial of a case naming the claim passed and none failed; not exercised: no trial ran \
         (no case for the profile, or all skipped)\n",
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Figures;

    fn trial(subject: &str, profile: &str, claims: &[&str], status: Status) -> TrialRecord {
        TrialRecord {
            name: format!("{subject}/{profile}/s::c"),
            subject: subject.into(),
            profile: profile.into(),
            case: "e/s::c".into(),
            suite: "s".into(),
            file: "e/s/c.case".into(),
            claims: claims.iter().map(|c| (*c).to_string()).collect(),
            status,
            expected: "pass".into(),
            reason: None,
            message: None,
            figures: Figures::default(),
            millis: 0.0,
        }
    }

    #[test]
    fn a_claim_is_held_failed_busted_or_not_exercised_by_its_trials_of_that_subject_and_profile() {
        let mp: Vec<&str> = CLAIMS
            .iter()
            .filter(|c| c.doc.engine() == ProfileId::MicropythonA32.engine())
            .map(|c| c.id)
            .take(4)
            .collect();
        let trials = [
            trial("s", "micropython-a32", &[mp[0]], Status::Pass),
            trial("s", "micropython-a32", &[mp[1]], Status::Pass),
            trial("s", "micropython-a32", &[mp[1]], Status::Fail),
            trial("s", "micropython-a32", &[mp[2]], Status::Busted),
            trial("s", "micropython-a32", &[mp[3]], Status::Skip),
            // Another subject's and another profile's trials do not count.
            trial("t", "micropython-a32", &[mp[3]], Status::Pass),
            trial("s", "micropython-a64", &[mp[3]], Status::Pass),
        ];
        let c = coverage("s", ProfileId::MicropythonA32, &trials);
        assert_eq!(c.by_claim[mp[0]], Judged::Held);
        assert_eq!(c.by_claim[mp[1]], Judged::Failed);
        assert_eq!(c.by_claim[mp[2]], Judged::Busted);
        assert_eq!(c.by_claim[mp[3]], Judged::NotExercised);
        assert_eq!(
            c.counts.values().sum::<usize>(),
            c.claims,
            "every claim counted once"
        );
        assert_eq!(c.counts[&Judged::Held], 1);
        assert_eq!(c.counts[&Judged::NotExercised], c.claims - 3);
        assert!(
            c.line().starts_with(&format!(
                "s under micropython-a32: of {} claims, 1 held, 1 failed, 1 busted, 0 flaky, ",
                c.claims
            )),
            "{}",
            c.line()
        );
    }

    #[test]
    fn a_subject_the_report_does_not_have_is_an_error_naming_the_subjects_it_has() {
        let trials = [trial("ref", "julia64", &[], Status::Pass)];
        let e = answer("nosuch", None, &trials, false).unwrap_err();
        assert_eq!(
            e,
            "the report has no trials of subject `nosuch`; its subjects: ref"
        );
    }

    #[test]
    fn the_profiles_a_subject_served_are_the_ones_it_has_trials_under() {
        let trials = [
            trial("s", "micropython-a64", &[], Status::Pass),
            trial("s", "julia64", &[], Status::Skip),
            trial("t", "microvium", &[], Status::Pass),
        ];
        assert_eq!(
            profiles_of("s", &trials),
            [ProfileId::MicropythonA64, ProfileId::Julia64]
        );
    }
}

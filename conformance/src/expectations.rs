//! Expected outcomes per subject, as versioned data: `conformance/expectations/<subject>.toml`.
//!
//! ```toml
//! schema = 1
//! subject = "ref"
//!
//! [[trial]]
//! name = "micropython-a32/gc::interior_pointer"   # profile/suite::case; `*` matches any run of characters
//! outcome = "busted"                               # pass, fail, busted, flaky or skip
//! reason = "marks interior pointers"
//! repro = "cargo memspec run --subject ref micropython-a32/gc::interior_pointer"
//! ```
//!
//! A trial without an entry is expected to pass. `fail` is a known, deliberate divergence; `busted` a
//! known bug of the subject (with `link` or `repro`); `flaky` passes or fails; `skip` is not run. A
//! trial expected to fail that passes is a failure, so a fixed bug cannot hide.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The expectations file format version.
pub const SCHEMA: u32 = 1;

/// What a trial is expected to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Pass (the default).
    #[default]
    Pass,
    /// Fail: a known, deliberate divergence.
    Fail,
    /// Fail: a known bug of the subject.
    Busted,
    /// Pass or fail.
    Flaky,
    /// Not run: the subject cannot do it.
    Skip,
}

impl Outcome {
    /// The outcome's name.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Busted => "busted",
            Outcome::Flaky => "flaky",
            Outcome::Skip => "skip",
        }
    }
}

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `profile/suite::case`, with `*` matching any run of characters.
    pub name: String,
    /// What is expected.
    pub outcome: Outcome,
    /// Why (required but for `pass`).
    #[serde(default)]
    pub reason: Option<String>,
    /// A link to the bug.
    #[serde(default)]
    pub link: Option<String>,
    /// A command that shows the bug.
    #[serde(default)]
    pub repro: Option<String>,
}

/// A subject's expectations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// The format version, [`SCHEMA`].
    pub schema: u32,
    /// The subject's name.
    pub subject: String,
    /// The entries.
    #[serde(default, rename = "trial")]
    pub trials: Vec<Entry>,
}

/// Where the expectations of `subject` live.
pub fn default_path(subject: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("expectations")
        .join(format!("{subject}.toml"))
}

fn glob(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return pattern == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for m in middle {
        match rest.find(m) {
            Some(i) => rest = rest.get(i + m.len()..).unwrap_or(""),
            None => return false,
        }
    }
    rest.ends_with(last)
}

impl Expectations {
    /// No entries: everything is expected to pass.
    pub fn none(subject: &str) -> Self {
        Self {
            schema: SCHEMA,
            subject: subject.to_string(),
            trials: Vec::new(),
        }
    }

    /// Parses and checks a file's text.
    pub fn parse(file: &str, text: &str) -> Result<Self, String> {
        let e: Expectations = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        if e.schema != SCHEMA {
            return Err(format!(
                "{file}: schema {} is not the expectations schema this harness reads ({SCHEMA})",
                e.schema
            ));
        }
        for t in &e.trials {
            let needs_reason = t.outcome != Outcome::Pass;
            if needs_reason && t.reason.as_deref().is_none_or(str::is_empty) {
                return Err(format!(
                    "{file}: the entry for `{}` says {} but gives no `reason`",
                    t.name,
                    t.outcome.name()
                ));
            }
            if t.outcome == Outcome::Busted && t.link.is_none() && t.repro.is_none() {
                return Err(format!(
                    "{file}: the entry for `{}` says busted but gives neither `link` nor `repro`",
                    t.name
                ));
            }
        }
        Ok(e)
    }

    /// Loads `path`; a missing file means no entries.
    pub fn load(subject: &str, path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let e = Self::parse(&path.display().to_string(), &text)?;
                if e.subject != subject {
                    return Err(format!(
                        "{}: the file is for subject `{}`, not `{subject}`",
                        path.display(),
                        e.subject
                    ));
                }
                Ok(e)
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::none(subject)),
            Err(err) => Err(format!("{}: {err}", path.display())),
        }
    }

    /// The entry for the trial `profile/suite::case`: an exact name first, else the first pattern.
    pub fn lookup(&self, key: &str) -> Option<&Entry> {
        self.trials.iter().find(|t| t.name == key).or_else(|| {
            self.trials
                .iter()
                .find(|t| t.name.contains('*') && glob(&t.name, key))
        })
    }

    /// Entries that match none of `keys`: stale, to be removed.
    pub fn unmatched<'a>(&'a self, keys: &[String]) -> Vec<&'a Entry> {
        self.trials
            .iter()
            .filter(|t| !keys.iter().any(|k| t.name == *k || glob(&t.name, k)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_match_any_run_of_characters() {
        assert!(glob("micropython-*/gc::*", "micropython-a32/gc::interior"));
        assert!(!glob("micropython-*/gc::*", "micropython-a32/heap::first_fit"));
        assert!(glob("*", "anything"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
    }

    #[test]
    fn a_busted_entry_without_a_link_or_repro_is_refused() {
        let e = Expectations::parse(
            "x.toml",
            "schema = 1\nsubject = \"s\"\n[[trial]]\nname = \"p/s::c\"\noutcome = \"busted\"\nreason = \"r\"\n",
        )
        .unwrap_err();
        assert!(e.contains("neither `link` nor `repro`"), "{e}");
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let e = Expectations::parse(
            "x.toml",
            "schema = 1\nsubject = \"s\"\n[[trial]]\nname = \"p/s::c\"\noutcome = \"pass\"\nwhy = \"r\"\n",
        )
        .unwrap_err();
        assert!(e.contains("why"), "{e}");
    }
}

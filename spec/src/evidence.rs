//! Where a value or a verdict comes from. Every fact, size and verdict names one.

use core::fmt;

/// A pinned upstream repository: the engine source a fact was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// `owner/name` on GitHub.
    pub repo: &'static str,
    /// The commit the facts were read at.
    pub commit: &'static str,
    /// The engine version that commit is, or is nearest to.
    pub version: &'static str,
}

/// The evidence behind a value or a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A file and symbol of an engine's own source.
    Source {
        /// The pinned repository.
        upstream: &'static Upstream,
        /// Path inside the repository, e.g. `py/gc.c`.
        file: &'static str,
        /// The symbol, macro or function, e.g. `gc_setup_area`.
        symbol: &'static str,
    },
    /// A measurement on a real engine, with the command that reproduces it.
    Measured {
        /// The engine and version measured, e.g. `micropython-webassembly-pyscript 1.27.0`.
        engine: &'static str,
        /// The command (from the repository root) that prints the measured value.
        command: &'static str,
    },
    /// A conformance case, `engine/suite::case`, whose outcome settles the matter.
    Case(&'static str),
    /// Computed from other facts by the formula given.
    Derived(&'static str),
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Source {
                upstream,
                file,
                symbol,
            } => {
                write!(
                    f,
                    "{}@{} {file} `{symbol}`",
                    upstream.repo,
                    short(upstream.commit)
                )
            }
            Evidence::Measured { engine, command } => write!(f, "measured on {engine}: `{command}`"),
            Evidence::Case(id) => write!(f, "case {id}"),
            Evidence::Derived(formula) => write!(f, "derived: {formula}"),
        }
    }
}

/// The first 10 hex digits of a commit.
fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

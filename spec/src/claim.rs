//! The claims ledger: every statement of the five source documents, and what the evidence says of it.
//!
//! [`CLAIMS`] holds each claim's id and text (ids are stable, from the project's
//! claim list). Each engine module adds its [`Assessment`]s to [`LEDGER`]: a verdict for a set of
//! profiles, with the evidence behind it.

use crate::evidence::Evidence;
use crate::profile::{Engine, ProfileId};

mod list;
pub use list::CLAIMS;

/// The five source documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Doc {
    /// `MP-X`: a third-party MicroPython explainer, "Memory Layout and Object Structure".
    MpX,
    /// `MP-Y`: MicroPython's `docs/develop/memorymgt.rst`, "Memory Management".
    MpY,
    /// `MV`: Microvium's `doc/native-vm/memory-usage.md` (2020).
    Mv,
    /// `JL`: Julia's `doc/src/devdocs/object.md`, "Memory layout of Julia Objects".
    Jl,
    /// `SB`: Skybison's `doc/object-model.md`.
    Sb,
}

impl Doc {
    /// Every document.
    pub const ALL: [Doc; 5] = [Doc::MpX, Doc::MpY, Doc::Mv, Doc::Jl, Doc::Sb];

    /// The id prefix of the document's claims.
    pub const fn prefix(self) -> &'static str {
        match self {
            Doc::MpX => "MP-X",
            Doc::MpY => "MP-Y",
            Doc::Mv => "MV",
            Doc::Jl => "JL",
            Doc::Sb => "SB",
        }
    }

    /// The document's title and where it comes from.
    pub const fn title(self) -> &'static str {
        match self {
            Doc::MpX => "\"Memory Layout and Object Structure\" (third-party MicroPython explainer)",
            Doc::MpY => "\"Memory Management\" (MicroPython docs/develop/memorymgt.rst)",
            Doc::Mv => "\"Memory Usage\" (Microvium doc/native-vm/memory-usage.md, 2020)",
            Doc::Jl => "\"Memory layout of Julia Objects\" (Julia doc/src/devdocs/object.md)",
            Doc::Sb => "\"Object model\" (Skybison doc/object-model.md)",
        }
    }

    /// The engine the document describes.
    pub const fn engine(self) -> Engine {
        match self {
            Doc::MpX | Doc::MpY => Engine::MicroPython,
            Doc::Mv => Engine::Microvium,
            Doc::Jl => Engine::Julia,
            Doc::Sb => Engine::Skybison,
        }
    }
}

/// One statement of a source document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Stable id, e.g. `MP-Y-31`.
    pub id: &'static str,
    /// The document that makes it.
    pub doc: Doc,
    /// The document's section.
    pub section: &'static str,
    /// The claim, quoted or closely paraphrased.
    pub text: &'static str,
}

impl Claim {
    /// The claim with this id.
    pub fn find(id: &str) -> Option<&'static Claim> {
        CLAIMS.iter().find(|c| c.id == id)
    }
}

/// What the evidence says of a claim for some profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The claim holds.
    Holds,
    /// The claim is wrong; `truth` says what holds instead.
    Wrong {
        /// What is true.
        truth: &'static str,
    },
    /// The claim held for an older engine and no longer does.
    OutOfDate {
        /// What is true now.
        truth: &'static str,
        /// The engine version the verdict is for, and when the claim stopped holding where known.
        version: &'static str,
    },
    /// The claim holds only in part, or only under conditions the document does not state.
    Partly {
        /// What exactly holds.
        truth: &'static str,
    },
    /// The claim cannot be checked here.
    Untestable {
        /// Why.
        why: &'static str,
    },
}

impl Verdict {
    /// A one-word name: `holds`, `wrong`, `out-of-date`, `partly`, `untestable`.
    pub const fn name(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Wrong { .. } => "wrong",
            Verdict::OutOfDate { .. } => "out-of-date",
            Verdict::Partly { .. } => "partly",
            Verdict::Untestable { .. } => "untestable",
        }
    }

    /// The explanation that goes with the verdict, if any.
    pub const fn note(&self) -> &'static str {
        match self {
            Verdict::Holds => "",
            Verdict::Wrong { truth } | Verdict::Partly { truth } | Verdict::OutOfDate { truth, .. } => truth,
            Verdict::Untestable { why } => why,
        }
    }
}

/// A verdict on one claim for a set of profiles, with its evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The claim's id.
    pub claim: &'static str,
    /// The profiles the verdict is for.
    pub profiles: &'static [ProfileId],
    /// What the evidence says.
    pub verdict: Verdict,
    /// The evidence: upstream source, measurements, cases.
    pub evidence: &'static [Evidence],
}

/// Each engine's assessments. Each engine's module adds its slice here.
pub static LEDGER: &[&[Assessment]] = &[
    crate::micropython::ASSESSMENTS,
    &crate::microvium::claims::ASSESSMENTS,
    crate::skybison::claims::ASSESSMENTS,
    &crate::julia::ASSESSMENTS,
];

/// Every assessment of the claim `id`.
pub fn assessments_of(id: &str) -> impl Iterator<Item = &'static Assessment> + '_ {
    LEDGER
        .iter()
        .flat_map(|a| a.iter())
        .filter(move |a| a.claim == id)
}

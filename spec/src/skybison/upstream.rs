//! The pinned Skybison source every `skybison64` value is read from.

use crate::evidence::{Evidence, Upstream};

/// `facebookexperimental/skybison` at its last commit: the repository is archived, so this is the
/// final state of the engine.
pub static UPSTREAM: Upstream = Upstream {
    repo: "facebookexperimental/skybison",
    commit: "25b3046e7071db0666de8294474c38354c445db3",
    version: "final archived state (2022-06-06)",
};

/// Evidence: `symbol` in `file` of the pinned source.
pub(crate) const fn src(file: &'static str, symbol: &'static str) -> Evidence {
    Evidence::Source {
        upstream: &UPSTREAM,
        file,
        symbol,
    }
}

/// `runtime/objects.h`, where almost every layout fact lives.
pub(crate) const fn objects_h(symbol: &'static str) -> Evidence {
    src("runtime/objects.h", symbol)
}

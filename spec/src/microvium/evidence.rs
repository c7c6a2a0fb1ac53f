//! Where the Microvium profile's numbers come from: the pinned engine source, and the measurement
//! commands that print each measured figure.

use crate::evidence::{Evidence, Upstream};

/// The engine source the facts were read at: `coder-mike/microvium` as published as npm `microvium@8.0.0`.
pub static UPSTREAM: Upstream = Upstream {
    repo: "coder-mike/microvium",
    commit: "c9fecfc6f5aafa6400c0004a91001995b175cb1e",
    version: "8.0.0",
};

/// The engine every measured figure was taken from.
pub const ENGINE: &str = "microvium 8.0.0 (npm, native VM addon)";

/// Evidence from a file and symbol of the pinned engine source.
pub(crate) const fn src(file: &'static str, symbol: &'static str) -> Evidence {
    Evidence::Source {
        upstream: &UPSTREAM,
        file,
        symbol,
    }
}

/// Evidence from a run of the measurement script.
pub(crate) const fn measured(command: &'static str) -> Evidence {
    Evidence::Measured {
        engine: ENGINE,
        command,
    }
}

/// Prints raw 16-bit words of immediates and pointers.
pub const VALUES: &str = "node engines/microvium/measure.mjs values";
/// Prints heap bytes and heap words of each value and object kind, before and after a collection.
pub const SIZES: &str = "node engines/microvium/measure.mjs sizes";
/// Prints array growth and property-cell chains.
pub const GROWTH: &str = "node engines/microvium/measure.mjs growth";
/// Prints `mvm_getMemoryStats` while the heap grows, after collections and with a large allocation.
pub const STATS: &str = "node engines/microvium/measure.mjs stats";
/// Prints stack and register figures from inside calls.
pub const FRAMES: &str = "node engines/microvium/measure.mjs frames";
/// Prints the empty program's bytecode image.
pub const SNAPSHOT: &str = "node engines/microvium/measure.mjs snapshot";
/// Prints a graph with garbage before and after a squeeze collection.
pub const GC: &str = "node engines/microvium/measure.mjs gc";
/// Runs the over-size allocation and the heap-limit repros.
pub const LIMITS: &str = "node engines/microvium/measure.mjs limits";
/// Runs the repros of the engine bugs.
pub const BUGS: &str = "node engines/microvium/measure.mjs bugs";

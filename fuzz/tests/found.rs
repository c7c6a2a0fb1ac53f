//! Every input under `fuzz/corpus/<target>/` replayed through its target, one named test per file
//! (`<target>::<file>`), so a failure names its input and `--exact` reruns it. The seeds are
//! named for what they are; `found-*.input` are inputs that once crashed or hung a target, kept
//! there by `cargo xtask fuzz` as seeds and as tests.

use std::path::Path;

fn replay(target: &str, path: &Path) -> datatest_stable::Result<()> {
    let (_, run) = memspec_fuzz::TARGETS
        .into_iter()
        .find(|(n, _)| *n == target)
        .ok_or_else(|| format!("no fuzz target {target}"))?;
    let data = std::fs::read(path)?;
    run(&data);
    Ok(())
}

fn case_parser(path: &Path) -> datatest_stable::Result<()> {
    replay("case_parser", path)
}

fn protocol_decoder(path: &Path) -> datatest_stable::Result<()> {
    replay("protocol_decoder", path)
}

fn report_load(path: &Path) -> datatest_stable::Result<()> {
    replay("report_load", path)
}

fn vector_decoder(path: &Path) -> datatest_stable::Result<()> {
    replay("vector_decoder", path)
}

datatest_stable::harness! {
    { test = case_parser, root = "corpus/case_parser", pattern = r".*" },
    { test = protocol_decoder, root = "corpus/protocol_decoder", pattern = r".*" },
    { test = report_load, root = "corpus/report_load", pattern = r".*" },
    { test = vector_decoder, root = "corpus/vector_decoder", pattern = r".*" },
}

//! Every recorded firmware transcript under `tests/transcripts/` (`NAME.qemu`, with the vector set
//! it replayed, `NAME.set`) is one named test (`recorded_transcript::NAME.qemu`): it decodes whole,
//! every vector of the set with its begin, one record per step, and its end.

use std::path::Path;

use memspec_hil::set::VectorSet;
use memspec_hil::transcript::Transcript;

fn recorded_transcript(path: &Path) -> datatest_stable::Result<()> {
    let recorded = std::fs::read(path)?;
    let set_file = path.with_extension("set");
    let set_bytes = std::fs::read(&set_file).map_err(|e| format!("{}: {e}", set_file.display()))?;
    let set = VectorSet::read(&set_bytes)?;
    let t = Transcript::of(&recorded);
    if !t.problems.is_empty() || t.done.is_none() {
        return Err(format!(
            "it does not decode whole: done {:?}, problems {:?}",
            t.done, t.problems
        )
        .into());
    }
    for v in &set.vectors {
        let recs = t
            .vectors
            .get(&v.id)
            .ok_or_else(|| format!("{}: no records", v.name()))?;
        // begin, one record per step, end.
        let want = v.plan_lines().len() + 2;
        if !recs.ended || !recs.problems.is_empty() || recs.records.len() != want {
            return Err(format!(
                "{}: ended {}, {} records where {want} were expected, problems {:?}",
                v.name(),
                recs.ended,
                recs.records.len(),
                recs.problems
            )
            .into());
        }
    }
    Ok(())
}

datatest_stable::harness! {
    { test = recorded_transcript, root = "tests/transcripts", pattern = r"\.qemu$" },
}

//! Every file under `tests/malformed/` is a case file that must not parse, one named test each
//! (`malformed_case_file::<engine>/<suite>/<name>.case`), so a failure names its file and `--exact`
//! reruns it. Each file's first line is `# error: LINE:COL: text`: parsing it must fail at exactly
//! that position, with a message that contains the text and names the file.

use std::path::Path;

use memspec_conformance::case::Pos;
use memspec_conformance::corpus;

fn malformed_case_file(path: &Path) -> datatest_stable::Result<()> {
    let bytes = std::fs::read(path)?;
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    let spec = first
        .strip_prefix("# error: ")
        .ok_or("the first line must be `# error: LINE:COL: text`")?;
    let mut parts = spec.splitn(3, ':');
    let (Some(l), Some(c), Some(want)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("malformed `# error:` line; expected `# error: LINE:COL: text`".into());
    };
    let pos = Pos {
        line: l.trim().parse()?,
        col: c.trim().parse()?,
    };
    let want = want.trim();
    match corpus::load_file(path) {
        Ok(_) => Err(format!("it parsed, but should fail at {pos} with {want:?}").into()),
        Err(e) if e.pos != pos || !e.message.contains(want) => {
            Err(format!("expected an error at {pos} containing {want:?}\n     got {e}").into())
        }
        Err(e) if !e.to_string().starts_with(&path.display().to_string()) => {
            Err(format!("the error does not name the file: {e}").into())
        }
        Err(_) => Ok(()),
    }
}

datatest_stable::harness! {
    { test = malformed_case_file, root = "tests/malformed", pattern = r"\.case$" },
}

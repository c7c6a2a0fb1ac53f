//! Loading the case files under a folder (`conformance/cases/<engine>/<suite>/<name>.case`).

use std::path::{Path, PathBuf};

use crate::case::{self, Case, CaseError, Pos};

/// The corpus shipped with the harness.
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

fn io_error(file: &Path, e: &std::io::Error) -> CaseError {
    CaseError {
        file: file.display().to_string(),
        pos: Pos { line: 1, col: 1 },
        message: format!("cannot read it: {e}"),
    }
}

/// Reads and parses one case file; its engine and suite come from the two folders above it.
pub fn load_file(path: &Path) -> Result<Case, CaseError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let suite_dir = path.parent();
    let suite = suite_dir
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let engine = suite_dir
        .and_then(Path::parent)
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    case::parse(&path.display().to_string(), engine, suite, name, &text)
}

/// Every `.case` file under `root`, in path order. Every error is returned, not just the first.
pub fn load(root: &Path) -> Result<Vec<Case>, Vec<CaseError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    walk(root, &mut files, &mut errors);
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        match load_file(&f) {
            Ok(c) => cases.push(c),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(cases) } else { Err(errors) }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<CaseError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(io_error(dir, &e));
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, files, errors);
        } else if p.extension().is_some_and(|e| e == case::EXTENSION) {
            files.push(p);
        }
    }
}

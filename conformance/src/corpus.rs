//! Loading the case files under a folder (`conformance/cases/<engine>/<suite>/<name>.case`).

use std::collections::{BTreeMap, BTreeSet};
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

/// The text of a case file; bytes that are not UTF-8 are an error at their line and column.
fn read_text(path: &Path) -> Result<String, CaseError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = e
            .as_bytes()
            .get(..e.utf8_error().valid_up_to())
            .unwrap_or_default();
        // The prefix is valid UTF-8 by definition of `valid_up_to`.
        let good = std::str::from_utf8(good).unwrap_or_default();
        let line_start = good.rfind('\n').map_or(0, |i| i + 1);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).saturating_add(1);
        let bad = e.as_bytes().get(good.len()).copied().unwrap_or(0);
        CaseError {
            file: path.display().to_string(),
            pos: Pos {
                line: count(good.matches('\n').count()),
                col: count(good.get(line_start..).unwrap_or_default().chars().count()),
            },
            message: format!("the byte 0x{bad:02x} here is not UTF-8; case files are UTF-8 text"),
        }
    })
}

/// Reads and parses one case file; its engine and suite come from the two folders above it.
pub fn load_file(path: &Path) -> Result<Case, CaseError> {
    let text = read_text(path)?;
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
/// A folder or file reached twice (through symbolic links) is read once; two files that would
/// make the same trial name (`suite::name` under one profile) are an error naming both.
pub fn load(root: &Path) -> Result<Vec<Case>, Vec<CaseError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    walk(root, &mut files, &mut errors, &mut seen);
    files.sort();
    let mut cases: Vec<Case> = Vec::new();
    let mut names: BTreeMap<(String, &'static str), String> = BTreeMap::new();
    for f in files {
        match load_file(&f) {
            Ok(c) => {
                let mut clash = None;
                for p in &c.profiles {
                    let key = (c.id.short(), p.name());
                    match names.get(&key) {
                        Some(first) => clash = Some((first.clone(), p.name())),
                        None => {
                            names.insert(key, c.file.clone());
                        }
                    }
                }
                match clash {
                    Some((first, profile)) => errors.push(CaseError {
                        file: c.file.clone(),
                        pos: Pos { line: 1, col: 1 },
                        message: format!(
                            "makes the trial name {profile}/{} that {first} makes already; rename one of them",
                            c.id.short()
                        ),
                    }),
                    None => cases.push(c),
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(cases) } else { Err(errors) }
}

/// Collects the case files under `dir`; `seen` holds the folders and files already reached, by
/// their canonical path, so that links to a parent folder end the walk instead of repeating it.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<CaseError>, seen: &mut BTreeSet<PathBuf>) {
    match std::fs::canonicalize(dir) {
        Ok(real) => {
            if !seen.insert(real) {
                return;
            }
        }
        Err(e) => {
            errors.push(io_error(dir, &e));
            return;
        }
    }
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
            walk(&p, files, errors, seen);
        } else if p.extension().is_some_and(|e| e == case::EXTENSION)
            && std::fs::canonicalize(&p).is_ok_and(|real| seen.insert(real))
        {
            files.push(p);
        }
    }
}

//! `cargo xtask bench [NAME...]`: the benchmarks of `memspec-impl`, each in two modes.
//!
//! 1. Throughput: `cargo bench -p memspec-impl --bench NAME`, which prints its own rates.
//! 2. One collection under callgrind: the bench binary run with `--one-collection` under
//!    `valgrind --tool=callgrind --toggle-collect='*one_collection*'`, so that only the collection is
//!    counted; the total instruction count (Ir) is read from callgrind's out file. A bench without a
//!    `one_collection` function is counted whole, and says so.
//!
//! Without names it runs every `[[bench]]` of `impl/Cargo.toml`. `cargo xtask bench
//! --against-engines` instead counts the model's collections beside the real engines' on the same
//! heap graphs ([`engines`]).

mod engines;

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::{Result, shell, step, workspace_root};

/// The function a bench's `--one-collection` mode runs the collection in.
const TOGGLE: &str = "*one_collection*";
/// Benches whose `--one-collection` mode takes `--arena-scale K` (the same live graph in an arena
/// `K` times larger): their collection should cost what the live data costs, not the arena.
const ARENA_SCALED: [&str; 2] = ["skybison", "julia"];
/// The larger arena those benches are counted in as well.
const ARENA_SCALE: u32 = 8;

/// Runs the named benches (all when none are named).
pub fn run(args: &[String]) -> Result {
    if let Some(rest) = args.strip_prefix(&["--against-engines".to_string()]) {
        return engines::run(rest);
    }
    let sh = shell()?;
    let known = bench_names(&workspace_root().join("impl/Cargo.toml"))?;
    let names: Vec<String> = if args.is_empty() {
        known.clone()
    } else {
        args.to_vec()
    };
    for n in &names {
        if !known.contains(n) {
            return Err(format!(
                "no bench `{n}` in impl/Cargo.toml (benches: {})",
                known.join(", ")
            )
            .into());
        }
    }
    let mut figures = Vec::new();
    for n in &names {
        step(&format!("bench {n}: throughput"));
        cmd!(sh, "cargo bench -p memspec-impl --bench {n}").run()?;
        step(&format!("bench {n}: one collection under callgrind"));
        let base = callgrind(&sh, n, &[])?;
        let scaled = if ARENA_SCALED.contains(&n.as_str()) {
            step(&format!(
                "bench {n}: the same collection in an arena {ARENA_SCALE}x larger"
            ));
            Some(callgrind(&sh, n, &["--arena-scale".to_string(), ARENA_SCALE.to_string()])?.0)
        } else {
            None
        };
        figures.push((n.clone(), base, scaled));
    }
    println!();
    for (n, (ir, whole), scaled) in figures {
        let what = if whole {
            "the whole run (no one_collection function)"
        } else {
            "one collection"
        };
        println!("{n}: callgrind Ir for {what}: {ir}");
        if let Some(big) = scaled {
            println!(
                "{n}: the same collection in an arena {ARENA_SCALE}x larger: {big} ({:.2}x)",
                big as f64 / ir.max(1) as f64
            );
        }
    }
    Ok(())
}

/// The `name = "..."` of every `[[bench]]` section of a Cargo.toml.
fn bench_names(manifest: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(manifest)?;
    let mut names = Vec::new();
    let mut in_bench = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bench = line == "[[bench]]";
        } else if in_bench && let Some(v) = line.strip_prefix("name") {
            let v = v.trim_start().trim_start_matches('=').trim().trim_matches('"');
            names.push(v.to_string());
        }
    }
    if names.is_empty() {
        return Err(format!("{} declares no [[bench]]", manifest.display()).into());
    }
    Ok(names)
}

/// Builds the bench, runs its one-collection mode under callgrind, and returns the total Ir and
/// whether the whole run was counted.
fn callgrind(sh: &Shell, name: &str, extra: &[String]) -> Result<(u64, bool)> {
    require_valgrind().map_err(|e| format!("{e}; the throughput ran"))?;
    let exe = bench_executable(name)?;
    let out_dir = workspace_root().join("target/callgrind");
    std::fs::create_dir_all(&out_dir)?;
    let out = out_dir.join(format!("{name}{}.out", extra.join("")));
    let toggle = format!("--toggle-collect={TOGGLE}");
    let out_arg = format!("--callgrind-out-file={}", out.display());
    cmd!(
        sh,
        "valgrind --tool=callgrind {out_arg} {toggle} {exe} --one-collection {extra...}"
    )
    .run()?;
    let ir = total_ir(&out)?;
    if ir > 0 {
        println!(
            "callgrind out file: {} (callgrind_annotate it for the breakdown)",
            out.display()
        );
        return Ok((ir, false));
    }
    cmd!(
        sh,
        "valgrind --tool=callgrind {out_arg} {exe} --one-collection {extra...}"
    )
    .run()?;
    Ok((total_ir(&out)?, true))
}

/// An error unless valgrind runs here.
fn require_valgrind() -> Result {
    let sh = shell()?;
    if cmd!(sh, "valgrind --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_err()
    {
        return Err("valgrind is not installed (Debian: apt-get install valgrind)".into());
    }
    Ok(())
}

/// Builds bench `name` of `memspec-impl` (release) and returns its executable.
fn bench_executable(name: &str) -> Result<PathBuf> {
    let sh = shell()?;
    let json = cmd!(
        sh,
        "cargo bench -p memspec-impl --bench {name} --no-run --message-format=json"
    )
    .read()?;
    executable(&json, name).ok_or_else(|| format!("cargo built no executable for bench `{name}`").into())
}

/// The executable cargo reports for bench `name` in its JSON messages.
fn executable(json: &str, name: &str) -> Option<PathBuf> {
    json.lines()
        .filter(|l| l.contains("\"kind\":[\"bench\"]") && l.contains(&format!("\"name\":\"{name}\"")))
        .find_map(|l| {
            let rest = l.split("\"executable\":\"").nth(1)?;
            let path = rest.split('"').next()?;
            Some(PathBuf::from(path))
        })
}

/// The `totals:` (or `summary:`) line of a callgrind out file.
fn total_ir(out: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(out)?;
    text.lines()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{} has no totals line", out.display()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_executable_is_found_in_cargo_json() {
        let json = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"memspec_impl"},"executable":null}
{"reason":"compiler-artifact","target":{"kind":["bench"],"crate_types":["bin"],"name":"micropython","src_path":"/w/impl/benches/micropython.rs"},"executable":"/w/target/release/deps/micropython-0123"}"#;
        assert_eq!(
            executable(json, "micropython"),
            Some(PathBuf::from("/w/target/release/deps/micropython-0123"))
        );
        assert_eq!(executable(json, "skybison"), None);
    }

    #[test]
    fn bench_names_come_from_bench_sections_only() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("Cargo.toml");
        std::fs::write(
            &manifest,
            "[package]\nname = \"x\"\n\n[[bench]]\nname = \"a\"\nharness = false\n\n[[bench]]\nname = \"b\"\n",
        )
        .unwrap();
        assert_eq!(bench_names(&manifest).unwrap(), ["a", "b"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

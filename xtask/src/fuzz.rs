//! `cargo xtask fuzz [TARGET] [--seconds N]`: the fuzz targets of `fuzz/` under Debian's AFL++, on
//! the stable toolchain.
//!
//! The targets are built with LLVM's sanitizer coverage (`-C passes=sancov-module`, the
//! `trace-pc-guard` callbacks AFL++'s compiler runtime implements) and linked with that runtime
//! (`/usr/lib/afl/afl-compiler-rt.o`, which also starts AFL++'s fork server), into a target folder
//! of their own so the normal build is never instrumented. Each target starts from its committed
//! corpus `fuzz/corpus/<target>/`; an input that crashes or hangs it is copied there as
//! `found-<target>-<n>.input` (a seed from then on, and a named test of `cargo test -p
//! memspec-fuzz --test found`) and fails the command. `cargo xtask test` runs each target for
//! [`CI_SECONDS`].

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::{Result, in_ci, install, step, target_dir, workspace_root};

/// A tool missing: an error in CI, a printed skip elsewhere.
fn unavailable(what: &str, how: &str) -> Result {
    if in_ci() {
        return Err(format!("{what}; CI needs it: {how}").into());
    }
    println!("xtask: skipping: {what}; the fuzz targets will not run. Install it with: {how}");
    Ok(())
}

/// The fuzz targets, as `fuzz/src/bin/` names them.
pub const TARGETS: [&str; 4] = ["case_parser", "protocol_decoder", "report_load", "vector_decoder"];

/// Seconds each target runs in `cargo xtask test` (CI): four targets, about 80 s in all.
pub const CI_SECONDS: u64 = 20;

/// Seconds each target runs in `cargo xtask fuzz` without `--seconds`.
pub const DEFAULT_SECONDS: u64 = 600;

/// AFL++'s compiler runtime in Debian's `afl++`: the coverage callbacks and the fork server.
const AFL_RUNTIME: &str = "/usr/lib/afl/afl-compiler-rt.o";

/// The fuzzer.
const AFL_FUZZ: &str = "afl-fuzz";

/// The host triple the targets are built for. Naming it keeps the instrumentation flags off build
/// scripts and procedural macros.
const HOST: &str = "x86_64-unknown-linux-gnu";

/// Milliseconds one input may take before AFL++ calls it a hang.
const HANG_MILLIS: &str = "2000";

/// The flags that instrument the targets for AFL++.
fn rustflags() -> String {
    [
        "-C passes=sancov-module",
        "-C llvm-args=-sanitizer-coverage-level=3",
        "-C llvm-args=-sanitizer-coverage-trace-pc-guard",
        "-C llvm-args=-sanitizer-coverage-prune-blocks=0",
        "-C debug-assertions",
        "-C overflow-checks",
        &format!("-C link-arg={AFL_RUNTIME}"),
    ]
    .join(" ")
}

fn afl_present() -> bool {
    Path::new(AFL_RUNTIME).is_file()
        && std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(AFL_FUZZ).is_file()))
}

/// Installs Debian's `afl++` when it is missing. Returns whether it is there afterwards; with
/// `CI=true` a failed install is an error.
pub fn install(sh: &Shell) -> Result<bool> {
    if afl_present() {
        return Ok(true);
    }
    let how = "apt-get install --no-install-recommends afl++ (as root, or with sudo)";
    if !Path::new("/usr/bin/apt-get").exists() {
        unavailable("afl++ is missing and this is no Debian system", how)?;
        return Ok(false);
    }
    step("installing afl++ (for the fuzz targets)");
    if let Err(e) = install::apt_install(sh, "afl++") {
        unavailable(&format!("installing afl++ failed ({e})"), how)?;
        return Ok(false);
    }
    if !afl_present() {
        unavailable(
            &format!("afl++ is installed but {AFL_FUZZ} or {AFL_RUNTIME} is missing"),
            how,
        )?;
    }
    Ok(afl_present())
}

/// Builds the instrumented targets; returns the folder of their executables.
fn build(sh: &Shell) -> Result<PathBuf> {
    step("fuzz targets, instrumented for AFL++");
    let dir = target_dir::host().join("fuzz");
    cmd!(
        sh,
        "cargo build --release --locked -p memspec-fuzz --bins --target {HOST} --target-dir {dir}"
    )
    .env("RUSTFLAGS", rustflags())
    .run()?;
    Ok(dir.join(HOST).join("release"))
}

/// What one run of a target did, from AFL++'s `fuzzer_stats`.
#[derive(Debug, Default)]
struct Stats {
    execs_per_sec: f64,
    execs_done: u64,
    corpus_count: u64,
    found: Vec<PathBuf>,
}

fn stat(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// Runs `target` for `seconds` from its corpus; copies what crashed or hung it into the corpus.
fn fuzz_one(sh: &Shell, bin: &Path, target: &str, seconds: u64) -> Result<Stats> {
    step(&format!("fuzzing {target} for {seconds} s"));
    let corpus = workspace_root().join("fuzz/corpus").join(target);
    let out = target_dir::host().join("fuzz-out").join(target);
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let exe = bin.join(target);
    let seconds_arg = seconds.to_string();
    cmd!(
        sh,
        "{AFL_FUZZ} -V {seconds_arg} -t {HANG_MILLIS} -i {corpus} -o {out} -- {exe}"
    )
    .env("AFL_NO_UI", "1")
    .env("AFL_SKIP_CPUFREQ", "1")
    .env("AFL_NO_AFFINITY", "1")
    .env("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1")
    .run()?;
    let text = std::fs::read_to_string(out.join("default/fuzzer_stats"))?;
    let mut stats = Stats {
        execs_per_sec: stat(&text, "execs_per_sec")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        execs_done: stat(&text, "execs_done")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        corpus_count: stat(&text, "corpus_count")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        found: Vec::new(),
    };
    for kind in ["crashes", "hangs"] {
        let Ok(entries) = std::fs::read_dir(out.join("default").join(kind)) else {
            continue;
        };
        let mut inputs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("id:"))
            })
            .collect();
        inputs.sort();
        for input in inputs {
            let n = std::fs::read_dir(&corpus)?.count();
            let kept = corpus.join(format!("found-{target}-{n}.input"));
            std::fs::copy(&input, &kept)?;
            stats.found.push(kept);
        }
    }
    Ok(stats)
}

/// Fuzzes `targets` for `seconds` each; an error when one found a crash or a hang, naming the
/// inputs kept.
fn fuzz(sh: &Shell, targets: &[&str], seconds: u64) -> Result {
    let bin = build(sh)?;
    let mut summary = Vec::new();
    let mut found = Vec::new();
    for t in targets {
        let s = fuzz_one(sh, &bin, t, seconds)?;
        summary.push(format!(
            "{t:<18} {:>8.0} execs/s  {:>9} execs  {:>5} inputs in the queue  {} found",
            s.execs_per_sec,
            s.execs_done,
            s.corpus_count,
            s.found.len()
        ));
        found.extend(s.found);
    }
    println!("\nfuzzing, {seconds} s per target:\n{}", summary.join("\n"));
    if found.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "the fuzzers found {} input(s) that crash or hang a target, kept as:\n{}\nreplay one with: cargo test -p memspec-fuzz --test found -- --exact TARGET::FILE",
        found.len(),
        list.join("\n")
    )
    .into())
}

/// The fuzzing step of `cargo xtask test`: every target for [`CI_SECONDS`]. Without AFL++ an error
/// in CI and a printed skip elsewhere.
pub fn ci(sh: &Shell) -> Result {
    if !afl_present() {
        if in_ci() {
            return Err("afl++ is missing; CI fuzzes every target: cargo xtask install".into());
        }
        println!("xtask: skipping the fuzz targets: afl++ is missing; install it with: cargo xtask install");
        return Ok(());
    }
    fuzz(sh, &TARGETS, CI_SECONDS)
}

/// `cargo xtask fuzz [TARGET] [--seconds N]`.
pub fn run(args: &[String]) -> Result {
    let mut seconds = DEFAULT_SECONDS;
    let mut chosen = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|s| *s > 0)
                    .ok_or("--seconds takes a number of seconds above 0")?;
            }
            t => match TARGETS.iter().find(|n| **n == t) {
                Some(n) => chosen.push(*n),
                None => {
                    return Err(format!("no fuzz target `{t}`; targets: {}", TARGETS.join(", ")).into());
                }
            },
        }
    }
    if chosen.is_empty() {
        chosen = TARGETS.to_vec();
    }
    let sh = crate::shell()?;
    if !install(&sh)? {
        return Err("afl++ is missing and could not be installed".into());
    }
    fuzz(&sh, &chosen, seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fuzz_target_has_an_executable_and_a_corpus() {
        let root = workspace_root().join("fuzz");
        for t in TARGETS {
            assert!(
                root.join(format!("src/bin/{t}.rs")).is_file(),
                "fuzz/src/bin/{t}.rs"
            );
            let seeds = std::fs::read_dir(root.join("corpus").join(t)).map_or(0, Iterator::count);
            assert!(seeds > 0, "fuzz/corpus/{t} has no seed");
        }
    }

    #[test]
    fn fuzzer_stats_are_read_by_key() {
        let text = "start_time        : 1\nexecs_done        : 40251\nexecs_per_sec     : 2681.25\n";
        assert_eq!(stat(text, "execs_per_sec").as_deref(), Some("2681.25"));
        assert_eq!(stat(text, "execs_done").as_deref(), Some("40251"));
        assert_eq!(stat(text, "saved_crashes"), None);
    }
}

//! The QEMU runner on the real firmware: a wrong vector, a damaged vector file, a firmware that
//! hangs, a missing firmware or QEMU. `cargo xtask test` builds the firmware and sets
//! `MEMSPEC_HIL_QEMU_ELF` (the replay firmware) and `MEMSPEC_HIL_QEMU_HANG_ELF` (the build that stops
//! answering after its first vector). Without them these trials are ignored, except in CI
//! (`CI=true`), where that is a failure.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use memspec::ProfileId;
use memspec::step::Step;
use memspec::subject::{HeapConfig, Value};
use memspec_hil::generate;
use memspec_hil::qemu::{self, Config, Error};
use memspec_hil::set::{PlanBuilder, VectorSet};
use memspec_hil::verdict::RunEnd;

const ELF: &str = "MEMSPEC_HIL_QEMU_ELF";
const HANG_ELF: &str = "MEMSPEC_HIL_QEMU_HANG_ELF";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn elf(var: &str) -> Result<PathBuf, Failed> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .ok_or_else(|| format!("{var} is not set: run these through `cargo xtask test`").into())
}

fn small_set() -> VectorSet {
    generate::generated()
        .unwrap()
        .filtered(Some("micropython-a32/encode::"))
}

fn failed_names(report: &memspec_hil::verdict::Report) -> Vec<String> {
    report
        .trials
        .iter()
        .filter(|t| !t.passed)
        .map(|t| t.name.clone())
        .collect()
}

fn a_vector_sent_wrong_fails_with_the_targets_observation_beside_the_hosts() -> Result<(), Failed> {
    let set = small_set();
    // What goes down for the first vector: its own start step, then one integer (0x5A5A) where the
    // host replays the small-int edges.
    let mut sent = set.clone();
    let mut plan = PlanBuilder::default();
    plan.push(&Step::Start {
        profile: ProfileId::MicropythonA32,
        config: HeapConfig {
            arena_bytes: memspec_replay::ARENA_BYTES as u64,
            port: None,
            options: &[],
        },
    });
    plan.push(&Step::Encode(Value::Int(0x5A5A)));
    sent.vectors[0].plan = plan;
    let (report, _) = qemu::replay(&Config::new(elf(ELF)?), &set, &sent.file_bytes())?;
    let failed = failed_names(&report);
    if failed != ["qemu/micropython-a32/encode::small-int-edges"] {
        return Err(format!("expected only the wrong vector to fail, got {failed:?}").into());
    }
    // The first difference is shown as the host's record above the target's, and the plan step the
    // host ran.
    let m = &report.trials[0].message;
    let line = |tag: &str| {
        m.lines()
            .find(|l| l.trim_start().starts_with(tag))
            .map(|l| l.trim_start().trim_start_matches(tag).trim().to_string())
    };
    let (host, target, plan) = (line("host:"), line("target:"), line("plan:"));
    let shown = matches!((&host, &target), (Some(h), Some(t)) if h != t);
    if !shown || plan.is_none() {
        return Err(format!("the message does not show both observations:\n{m}").into());
    }
    Ok(())
}

fn a_damaged_vector_file_is_rejected_by_the_firmware_and_reported() -> Result<(), Failed> {
    let set = small_set();
    let mut file = set.file_bytes();
    let at = file.len() / 2; // inside the first vector's frame
    file[at] ^= 0x10;
    let (report, _) = qemu::replay(&Config::new(elf(ELF)?), &set, &file)?;
    let failed = failed_names(&report);
    let transport = report
        .trials
        .last()
        .map(|t| t.message.clone())
        .unwrap_or_default();
    if !failed.contains(&"qemu/run::transport".to_string())
        || !transport.contains("the firmware rejected a frame")
        || !transport.contains("bad checksum")
    {
        return Err(format!("failed {failed:?}; transport: {transport}").into());
    }
    Ok(())
}

fn a_firmware_that_hangs_is_killed_at_the_timeout_and_reported() -> Result<(), Failed> {
    let set = small_set();
    let mut cfg = Config::new(elf(HANG_ELF)?);
    cfg.timeout = Duration::from_secs(3);
    let started = Instant::now();
    let (report, run) = qemu::replay(&cfg, &set, &set.file_bytes())?;
    let took = started.elapsed();
    if run.end != RunEnd::TimedOut(cfg.timeout) {
        return Err(format!("expected a timeout, the run ended: {}", run.end).into());
    }
    // Killed promptly: well before a second timeout would have passed.
    if took > 2 * cfg.timeout {
        return Err(format!("the kill took {took:?}").into());
    }
    let failed = failed_names(&report);
    let want = ["qemu/micropython-a32/encode::constants", "qemu/run::transport"];
    if failed != want {
        return Err(format!("expected {want:?} to fail (the first vector ran), got {failed:?}").into());
    }
    let m = &report.trials[1].message;
    if !m.contains("the firmware hung: killed after the 3.0 s timeout") {
        return Err(format!("the hang is not named: {m}").into());
    }
    Ok(())
}

fn a_missing_firmware_is_a_clear_error() -> Result<(), Failed> {
    let set = small_set();
    match qemu::replay(&Config::new("/nonexistent/firmware.elf"), &set, &set.file_bytes()) {
        Err(e @ Error::NoFirmware(_)) => {
            let m = e.to_string();
            if m.contains("cargo xtask qemu") {
                Ok(())
            } else {
                Err(m.into())
            }
        }
        other => Err(format!("expected NoFirmware, got {other:?}").into()),
    }
}

fn a_missing_qemu_is_a_clear_error() -> Result<(), Failed> {
    let set = small_set();
    let mut cfg = Config::new(elf(ELF)?);
    cfg.qemu = "/nonexistent/qemu-system-riscv32".into();
    match qemu::replay(&cfg, &set, &set.file_bytes()) {
        Err(e @ Error::NoQemu(..)) => {
            let m = e.to_string();
            if m.contains("qemu-system-misc") {
                Ok(())
            } else {
                Err(m.into())
            }
        }
        other => Err(format!("expected NoQemu, got {other:?}").into()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let have = |var: &str| std::env::var_os(var).is_some();
    // Outside CI, trials that need a firmware are skipped when it was not built.
    let skip = |var: &str| !have(var) && !in_ci();
    let trials = vec![
        Trial::test(
            "a_vector_sent_wrong_fails_with_the_targets_observation_beside_the_hosts",
            a_vector_sent_wrong_fails_with_the_targets_observation_beside_the_hosts,
        )
        .with_ignored_flag(skip(ELF)),
        Trial::test(
            "a_damaged_vector_file_is_rejected_by_the_firmware_and_reported",
            a_damaged_vector_file_is_rejected_by_the_firmware_and_reported,
        )
        .with_ignored_flag(skip(ELF)),
        Trial::test(
            "a_firmware_that_hangs_is_killed_at_the_timeout_and_reported",
            a_firmware_that_hangs_is_killed_at_the_timeout_and_reported,
        )
        .with_ignored_flag(skip(HANG_ELF)),
        Trial::test(
            "a_missing_firmware_is_a_clear_error",
            a_missing_firmware_is_a_clear_error,
        ),
        Trial::test("a_missing_qemu_is_a_clear_error", a_missing_qemu_is_a_clear_error)
            .with_ignored_flag(skip(ELF)),
    ];
    libtest_mimic::run(&args, trials).exit();
}

//! `cargo xtask qemu [filter]`: builds the QEMU firmware and replays the vector set under Debian's
//! `qemu-system-riscv32`, comparing every observation with the host's.

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::install::{self, RISCV_TARGET};
use crate::{Result, shell, step, target_dir};

/// The firmware workspace, relative to the repository root.
pub const FIRMWARE_MANIFEST: &str = "hil/firmware/Cargo.toml";
/// The package of the QEMU firmware.
const QEMU_FIRMWARE: &str = "memspec-fw-qemu";
/// The folder under the firmware's target folder where the test build that hangs after its first
/// vector goes, so it never overwrites the real one.
const HANG_UNDER_TARGET_DIR: &str = "hang";
/// Where reports go.
pub const REPORT_DIR: &str = "target/hil";

/// The release ELF of firmware package `name` built into `target_dir`.
pub fn firmware_elf(target_dir: &Path, name: &str) -> PathBuf {
    target_dir.join(RISCV_TARGET).join("release").join(name)
}

/// Builds the QEMU firmware into the firmware's target folder, named explicitly so that the ELF
/// replayed is the one just built whatever `CARGO_TARGET_DIR` says; returns its ELF.
pub fn build_firmware(sh: &Shell) -> Result<PathBuf> {
    step("QEMU firmware");
    let dir = target_dir::firmware();
    cmd!(
        sh,
        "cargo build --manifest-path {FIRMWARE_MANIFEST} -p {QEMU_FIRMWARE} --target {RISCV_TARGET} --release --locked --target-dir {dir}"
    )
    .run()?;
    Ok(firmware_elf(&dir, QEMU_FIRMWARE))
}

/// Builds the QEMU firmware that stops answering after its first vector (for the timeout test).
pub fn build_hang_firmware(sh: &Shell) -> Result<PathBuf> {
    step("QEMU firmware that hangs after its first vector (timeout test)");
    let dir = target_dir::firmware().join(HANG_UNDER_TARGET_DIR);
    cmd!(
        sh,
        "cargo build --manifest-path {FIRMWARE_MANIFEST} -p {QEMU_FIRMWARE} --target {RISCV_TARGET} --release --locked --features hang-after-first-vector --target-dir {dir}"
    )
    .run()?;
    Ok(firmware_elf(&dir, QEMU_FIRMWARE))
}

/// Replays the vectors `filter` selects (all without one) under QEMU; fails if any trial fails.
pub fn replay(sh: &Shell, elf: &std::path::Path, filter: Option<&str>) -> Result {
    step("replay under QEMU, compared with the host");
    let report = format!("{REPORT_DIR}/qemu-report.json");
    let filter: Vec<&str> = filter.into_iter().collect();
    cmd!(
        sh,
        "cargo run --quiet -p memspec-hil --locked -- qemu --elf {elf} --report {report} {filter...}"
    )
    .run()?;
    Ok(())
}

/// `cargo xtask qemu [filter]`.
pub fn run(args: &[String]) -> Result {
    let filter = match args {
        [] => None,
        [f] if !f.starts_with('-') => Some(f.as_str()),
        _ => return Err(format!("usage: cargo xtask qemu [filter], got {args:?}").into()),
    };
    let sh = shell()?;
    install::rustup_target(&sh)?;
    if !install::qemu(&sh)? {
        return Err("qemu-system-riscv32 is missing and could not be installed".into());
    }
    let elf = build_firmware(&sh)?;
    replay(&sh, &elf, filter)
}

//! Installs what the tests need, only when it is missing.

use xshell::{Shell, cmd};

use crate::Result;

/// The bare-metal target of the ESP32-C3 (RV32IMC), for `memspec-impl` and the firmware.
pub const RISCV_TARGET: &str = "riscv32imc-unknown-none-elf";

/// Everything the tests need.
pub fn all(sh: &Shell) -> Result {
    rustup_target(sh)
}

/// Adds the riscv32imc target to the active toolchain when it is missing.
pub fn rustup_target(sh: &Shell) -> Result {
    let installed = cmd!(sh, "rustup target list --installed").quiet().read()?;
    if installed.lines().any(|l| l.trim() == RISCV_TARGET) {
        return Ok(());
    }
    crate::step(&format!("installing the rustup target {RISCV_TARGET}"));
    cmd!(sh, "rustup target add {RISCV_TARGET}").run()?;
    Ok(())
}

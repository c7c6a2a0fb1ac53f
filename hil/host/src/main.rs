//! `memspec-hil`: replays memspec vectors under QEMU or on a board and compares every observation with
//! the host's. Usually started through `cargo xtask qemu` and `cargo xtask hil`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use memspec_conformance::expectations::Expectations;
use memspec_conformance::ledger::CaseClaims;
use memspec_hil::{cases, qemu, verdict::Report};

const USAGE: &str = "\
usage:
  memspec-hil vectors [--out FILE] [FILTER]
      write the vector set, generated vectors and the conformance corpus (the file the QEMU
      firmware reads)
  memspec-hil qemu --elf ELF [--set FILE] [--qemu BIN] [--timeout SECS] [--report FILE]
                   [--transcript FILE] [--expectations FILE] [FILTER]
      replay the vectors (generated, or a saved set file) under qemu-system-riscv32 and compare
      with the host; --transcript saves the firmware's raw output
  memspec-hil board --chip esp32c3 --elf ELF [--repeat N] [--timeout SECS] [--report FILE]
                    [--expectations FILE] [FILTER]
      flash an ESP32-C3 through a debug probe, replay over RTT, compare with the host
  memspec-hil image --chip esp32c3 --elf ELF --out BIN [--max-flash BYTES]
      write the flash image of the ESP32-C3 firmware and print its flash and RAM size; with
      --max-flash, exit 1 when its flash code+rodata is over BYTES

FILTER selects the vectors whose name `<profile>/<suite>::<case>` contains it; one that matches
nothing is an error. Known differences between a target and the host are listed, with the reason,
in hil/expectations/<subject>.toml (the harness's expectations format). Exit code: 0 all trials passed, 1 some failed, 2 the run could not be made.";

/// Parsed options.
#[derive(Debug, Default)]
struct Opts {
    elf: Option<PathBuf>,
    out: Option<PathBuf>,
    qemu: Option<PathBuf>,
    report: Option<PathBuf>,
    transcript: Option<PathBuf>,
    set: Option<PathBuf>,
    expectations: Option<PathBuf>,
    chip: Option<String>,
    timeout: Option<Duration>,
    repeat: Option<u32>,
    max_flash: Option<u64>,
    filter: Option<String>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--elf" => o.elf = Some(value(a)?.into()),
            "--out" => o.out = Some(value(a)?.into()),
            "--qemu" => o.qemu = Some(value(a)?.into()),
            "--report" => o.report = Some(value(a)?.into()),
            "--transcript" => o.transcript = Some(value(a)?.into()),
            "--set" => o.set = Some(value(a)?.into()),
            "--expectations" => o.expectations = Some(value(a)?.into()),
            "--chip" => o.chip = Some(value(a)?),
            "--timeout" => {
                let v = value(a)?;
                let s: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("--timeout takes a positive number of seconds, got `{v}`"))?;
                o.timeout = Some(Duration::from_secs_f64(s));
            }
            "--repeat" => {
                let v = value(a)?;
                o.repeat = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("--repeat takes a positive count, got `{v}`"))?,
                );
            }
            "--max-flash" => {
                let v = value(a)?;
                o.max_flash = Some(
                    v.parse()
                        .map_err(|_| format!("--max-flash takes a number of bytes, got `{v}`"))?,
                );
            }
            f if f.starts_with("--") => return Err(format!("unknown option `{f}`")),
            f => {
                if o.filter.replace(f.to_string()).is_some() {
                    return Err("give at most one filter".into());
                }
            }
        }
    }
    Ok(o)
}

/// The run could not be made (as opposed to trials failing).
#[derive(Debug)]
struct Unable(String);

impl<E: std::fmt::Display> From<E> for Unable {
    fn from(e: E) -> Self {
        Unable(e.to_string())
    }
}

/// The vectors a command runs, and the claims of the cases among them.
type Selection = (memspec_hil::set::VectorSet, Vec<CaseClaims>);

fn selected(o: &Opts) -> Result<Selection, Unable> {
    let filter = o.filter.as_deref();
    let (all, cases) = match &o.set {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| Unable(format!("reading {}: {e}", p.display())))?;
            let set = memspec_hil::set::VectorSet::read(&bytes)
                .map_err(|e| Unable(format!("{}: {e}", p.display())))?;
            (set, Vec::new())
        }
        None => cases::full_set().map_err(Unable)?,
    };
    let set = all.filtered(filter);
    if set.vectors.is_empty() {
        return Err(Unable(format!(
            "the filter `{}` matches no vector (names look like `micropython-a32/encode::small-int-edges`)",
            filter.unwrap_or_default()
        )));
    }
    Ok((set, cases))
}

/// Weighs the trials against the subject's expectations file (`--expectations`, else
/// `hil/expectations/<subject>.toml`; a missing file expects every trial to pass).
fn weigh(report: &mut Report, o: &Opts) -> Result<(), Unable> {
    let path = o.expectations.clone().unwrap_or_else(|| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../expectations")
            .join(format!("{}.toml", report.subject))
    });
    let e = Expectations::load(&report.subject, &path).map_err(Unable)?;
    memspec_hil::verdict::expect(&mut report.trials, &e);
    if o.filter.is_none() {
        let keys: Vec<String> = report.trials.iter().map(|t| t.key().to_string()).collect();
        for stale in e.unmatched(&keys) {
            println!(
                "warning: {} names `{}`, which no trial has: remove the entry",
                path.display(),
                stale.name
            );
        }
    }
    Ok(())
}

fn finish(report: &Report, sel: &Selection, path: Option<&PathBuf>) -> Result<ExitCode, Unable> {
    report.print();
    if let Some(p) = path {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(p, report.harness(&sel.0, &sel.1).to_json())?;
        println!(
            "report ({}) written to {}",
            memspec_conformance::report::SCHEMA,
            p.display()
        );
    }
    let (_, failed) = report.counts();
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn vectors(o: &Opts) -> Result<ExitCode, Unable> {
    let (set, _) = selected(o)?;
    let bytes = set.file_bytes();
    let out = o.out.clone().unwrap_or_else(|| qemu::VECTOR_FILE.into());
    std::fs::write(&out, &bytes)?;
    println!(
        "{} vectors, {} bytes (format version {}) written to {}",
        set.vectors.len(),
        bytes.len(),
        memspec_vector::FORMAT_VERSION,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_qemu(o: &Opts) -> Result<ExitCode, Unable> {
    let elf = o.elf.clone().ok_or_else(|| Unable("qemu needs --elf".into()))?;
    let sel = selected(o)?;
    let set = &sel.0;
    let mut cfg = qemu::Config::new(elf);
    if let Some(q) = &o.qemu {
        cfg.qemu = q.clone();
    }
    if let Some(t) = o.timeout {
        cfg.timeout = t;
    }
    let (mut report, run) = qemu::replay(&cfg, set, &set.file_bytes())?;
    weigh(&mut report, o)?;
    if let Some(p) = &o.transcript {
        std::fs::write(p, &run.stdout)?;
        println!(
            "transcript ({} bytes) written to {}",
            run.stdout.len(),
            p.display()
        );
    }
    finish(&report, &sel, o.report.as_ref())
}

#[cfg(feature = "board")]
fn run_board(o: &Opts) -> Result<ExitCode, Unable> {
    use memspec_hil::board;
    let chip = board::Chip::from_name(o.chip.as_deref().unwrap_or_default())?;
    // Look for the probe first: without one nothing else is worth doing.
    let probe = board::find_probe()?;
    let elf = o.elf.clone().ok_or_else(|| Unable("board needs --elf".into()))?;
    let sel = selected(o)?;
    let mut cfg = board::Config::new(chip, elf);
    if let Some(t) = o.timeout {
        cfg.timeout = t;
    }
    cfg.repeat = o.repeat.unwrap_or(1);
    let mut report = board::replay(&cfg, probe, &sel.0)?;
    weigh(&mut report, o)?;
    finish(&report, &sel, o.report.as_ref())
}

#[cfg(not(feature = "board"))]
fn run_board(_: &Opts) -> Result<ExitCode, Unable> {
    Err(Unable(
        "this memspec-hil was built without the `board` feature (probe-rs); use `cargo xtask hil`".into(),
    ))
}

#[cfg(feature = "board")]
fn image(o: &Opts) -> Result<ExitCode, Unable> {
    use memspec_hil::board;
    let chip = board::Chip::from_name(o.chip.as_deref().unwrap_or_default())?;
    let elf = o.elf.clone().ok_or_else(|| Unable("image needs --elf".into()))?;
    let out = o.out.clone().ok_or_else(|| Unable("image needs --out".into()))?;
    let sizes = board::write_image(chip, &elf, &out)?;
    println!("{sizes}");
    match o.max_flash {
        Some(max) if sizes.flash_sections_bytes > max => {
            eprintln!(
                "memspec-hil: {}: flash code+rodata is {} bytes, over the {max}-byte limit",
                elf.display(),
                sizes.flash_sections_bytes
            );
            Ok(ExitCode::FAILURE)
        }
        Some(max) => {
            println!(
                "flash code+rodata {} bytes: within the {max}-byte limit",
                sizes.flash_sections_bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

#[cfg(not(feature = "board"))]
fn image(_: &Opts) -> Result<ExitCode, Unable> {
    Err(Unable(
        "this memspec-hil was built without the `board` feature; use `cargo xtask hil`".into(),
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        println!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = parse(&args[1..])
        .map_err(Unable)
        .and_then(|o| match cmd.as_str() {
            "vectors" => vectors(&o),
            "qemu" => run_qemu(&o),
            "board" => run_board(&o),
            "image" => image(&o),
            "help" | "--help" | "-h" => {
                println!("{USAGE}");
                Ok(ExitCode::SUCCESS)
            }
            other => Err(Unable(format!("unknown command `{other}`\n\n{USAGE}"))),
        });
    match result {
        Ok(code) => code,
        Err(Unable(m)) => {
            eprintln!("memspec-hil: error: {m}");
            ExitCode::from(2)
        }
    }
}

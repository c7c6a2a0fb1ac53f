//! Steps per second through the harness: one short plan replayed against `ref` in-process and against
//! `memspec serve` through the process protocol.
//!
//! `cargo bench -p memspec-conformance` prints one line per subject. The plan is steps every subject
//! of `micropython-a32` answers cheaply (start an 8 KiB heap, encode, decode), so the figure is mostly
//! the cost of a step through each transport, not of the model's work.

use std::time::{Duration, Instant};

use memspec::profile::ProfileId;
use memspec::step::{Runner, Sink, Step};
use memspec::subject::{HeapConfig, Stat, Subject, Value};
use memspec_conformance::subjects::process::ProcessSubject;
use memspec_impl::reference::Reference;

struct Null(String);

impl Sink for Null {
    fn stat(&mut self, _: Stat<'_>) {}
    fn text(&mut self) -> &mut dyn std::fmt::Write {
        &mut self.0
    }
}

/// Replays `steps` against `subject` for about `budget`; returns steps per second.
fn measure(subject: &mut dyn Subject, steps: &[Step<'_>], budget: Duration) -> (u64, f64) {
    let mut runner = Runner::<64>::new();
    let mut sink = Null(String::new());
    let mut n = 0u64;
    let t0 = Instant::now();
    while t0.elapsed() < budget {
        for s in steps {
            // Errors are answers too (a subject without the profile says so): each is one round trip.
            let _ = runner.run(subject, s, &mut sink);
            n += 1;
        }
    }
    (n, n as f64 / t0.elapsed().as_secs_f64())
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let budget = if bench_mode {
        Duration::from_secs(3)
    } else {
        Duration::from_millis(50)
    };
    let steps = [
        Step::Start {
            profile: ProfileId::MicropythonA32,
            config: HeapConfig {
                arena_bytes: 8192,
                port: None,
                options: &[],
            },
        },
        Step::Encode(Value::Int(0x5a5a)),
        Step::Encode(Value::Named("None")),
        Step::Decode(0x0000_b4b5),
    ];
    let mut arena = vec![0u8; 8192];
    let mut r = Reference::new(&mut arena);
    let (n, rate) = measure(&mut r, &steps, budget);
    println!("ref (in-process):          {n:>9} steps, {rate:>12.0} steps/s");
    let exe = env!("CARGO_BIN_EXE_memspec");
    match ProcessSubject::spawn("process", &[exe.to_string(), "serve".into()]) {
        Ok(mut p) => {
            memspec_conformance::subjects::Lendable::begin(
                &mut p,
                &memspec_conformance::subjects::Lease {
                    timeout: budget + Duration::from_secs(30),
                    arena_bytes: 8192,
                },
            );
            let (n, rate) = measure(&mut p, &steps, budget);
            println!("process (memspec serve):   {n:>9} steps, {rate:>12.0} steps/s");
        }
        Err(e) => {
            eprintln!("cannot start memspec serve: {e}");
            std::process::exit(1);
        }
    }
}

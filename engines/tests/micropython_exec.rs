//! `micropython-exec` pointed at the npm WebAssembly port's command line through our wrapper
//! (`engines/micropython/wasm-cli.sh`), driven through its REPL on a pseudo-terminal.
//!
//! Expected sizes: MicroPython v1.27.0 `py/objlist.c` (list struct 4 words, LIST_MIN_ALLOC 4 words),
//! 32-bit REPR_A with 16-byte blocks.

mod common;

use common::{engine_present, run};
use memspec::ProfileId;
use memspec::step::{Outcome, Step, Var};
use memspec::subject::{Capability, ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Subject, Value};
use memspec::tag::TagClass;
use memspec_engines::micropython::exec;
use memspec_engines::micropython::wasm::Wasm;

fn start(profile: ProfileId) -> Step<'static> {
    Step::Start {
        profile,
        config: HeapConfig {
            arena_bytes: 128 * 1024,
            port: None,
            options: &[],
        },
    }
}

const LEN0: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(0),
}];

#[test]
fn the_wasm_command_line_is_detected_as_a32_and_measures_a_list() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = exec::subject(exec::wasm_cli());
    let plan = [
        start(ProfileId::MicropythonA32),
        Step::Encode(Value::Int(-2)),
        Step::Alloc {
            var: Var(0),
            spec: ObjectSpec {
                kind: "list",
                params: LEN0,
            },
        },
        Step::Root(Var(0)),
        Step::Collect,
        Step::Stats,
    ];
    let (out, sink) = run(&mut s, &plan);
    let out: Vec<_> = out.into_iter().map(|o| o.map_err(|e| e.to_string())).collect();
    assert_eq!(out.len(), plan.len(), "{out:?}");
    let d = s.detected().unwrap();
    assert_eq!(
        (d.profile, d.version.as_str(), d.build.as_str()),
        (ProfileId::MicropythonA32, "1.27.0", "pyscript")
    );
    // REPR_A: -2 is (-2 << 1) | 1 = 0xfffffffd.
    assert!(
        matches!(out[1], Ok(Outcome::Encoded(e)) if e.word == 0xffff_fffd && e.class == TagClass::SmallInt)
    );
    assert!(
        matches!(out[2], Ok(Outcome::Allocated(a)) if a.bytes == 32),
        "{out:?}"
    );
    assert!(
        matches!(out[4], Ok(Outcome::Collected(c)) if c.freed_bytes == 0 && c.returned.is_none()),
        "{out:?}"
    );
    assert!(sink.stat("heap.total").is_some());
    // The port defers collection and every REPL line is compiled on the heap: no exact liveness,
    // and no steps after a fill has taken every block.
    let caps = s.capabilities(ProfileId::MicropythonA32);
    assert!(!caps.has(Capability::Liveness));
    assert!(!caps.has(Capability::FullHeap));
}

#[test]
fn a_case_of_another_profile_is_refused_with_what_the_engine_is() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = exec::subject(exec::wasm_cli());
    let (out, _) = run(&mut s, &[start(ProfileId::MicropythonA64)]);
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownProfile);
    assert!(
        e.detail.as_str().contains("is micropython-a32 (32-bit words"),
        "{e}"
    );
}

#[test]
fn a_path_that_is_no_executable_says_what_to_give() {
    let mut s = exec::subject("/nonexistent/micropython");
    let (out, _) = run(&mut s, &[start(ProfileId::MicropythonA32)]);
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(e.detail.as_str().contains("--micropython PATH"), "{e}");
}

/// A MicroPython executable of the user's own, given in `MEMSPEC_MICROPYTHON` (for example the unix
/// port: `make -C ports/unix`); run with `cargo test -p memspec-engines --test micropython_exec --
/// --ignored`.
///
/// Expected on the unix port on x86-64 (MicroPython v1.27.0): REPR_A with 64-bit words
/// (`micropython-a64`), 32-byte blocks, so `[]` is a 4-word struct (one block) and a 4-word item
/// array (one block); `gc.collect()` acts at once and returns the HEAD blocks it freed
/// (`MICROPY_PY_GC_COLLECT_RETVAL` in `ports/unix/variants/mpconfigvariant_common.h`).
#[test]
#[ignore = "needs MEMSPEC_MICROPYTHON, a unix-port build of the user's own"]
fn a_unix_build_given_in_memspec_micropython_is_a64_with_exact_liveness() {
    let path = std::env::var_os("MEMSPEC_MICROPYTHON")
        .expect("set MEMSPEC_MICROPYTHON to the path of a unix-port MicroPython executable");
    let mut s = exec::subject(path);
    let a64 = ProfileId::MicropythonA64;
    let list = |v| Step::Alloc {
        var: Var(v),
        spec: ObjectSpec {
            kind: "list",
            params: LEN0,
        },
    };
    let plan = [
        start(a64),
        Step::Encode(Value::Int(-1)),
        list(0),
        Step::Root(Var(0)),
        list(1),
        Step::Collect,
        Step::IsLive(Var(0)),
        Step::IsLive(Var(1)),
    ];
    let (out, _) = run(&mut s, &plan);
    let out: Vec<_> = out.into_iter().map(|o| o.map_err(|e| e.to_string())).collect();
    assert_eq!(out.len(), plan.len(), "{out:?}");
    assert!(matches!(out[1], Ok(Outcome::Encoded(e)) if e.word == u64::MAX && e.class == TagClass::SmallInt));
    assert!(
        matches!(out[2], Ok(Outcome::Allocated(a)) if a.bytes == 64),
        "{out:?}"
    );
    match &out[5] {
        Ok(Outcome::Collected(c)) => {
            assert_eq!(c.freed_bytes, 64, "{c:?}");
            // The struct and the item array of the unrooted list, and nothing of the REPL's.
            assert_eq!(c.returned, Some(2), "{c:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(s.capabilities(a64).has(Capability::Liveness));
    assert!(matches!(out[6], Ok(Outcome::Live(true))), "{out:?}");
    assert!(matches!(out[7], Ok(Outcome::Live(false))), "{out:?}");
}

/// An engine that dies before its first prompt in a case's small heap (as the unix port does at
/// `-X heapsize=8192`, `FATAL: uncaught NLR`) is started again with a heap that holds the REPL and
/// the driver. Stood in for by the WebAssembly command line behind a wrapper that dies at 8 KiB.
#[test]
fn an_engine_that_dies_in_a_small_heap_is_started_in_a_larger_one() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("small-heap-dies.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$2\" = heapsize=8192 ]; then echo 'FATAL: uncaught NLR 0x0'; exit 1; fi\nexec {} \"$@\"\n",
            exec::wasm_cli().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut s = exec::subject(&script);
    let small = Step::Start {
        profile: ProfileId::MicropythonA32,
        config: HeapConfig {
            arena_bytes: 8192,
            port: None,
            options: &[],
        },
    };
    let list = Step::Alloc {
        var: Var(0),
        spec: ObjectSpec {
            kind: "list",
            params: LEN0,
        },
    };
    let (out, _) = run(&mut s, &[small, list]);
    let out: Vec<_> = out.into_iter().map(|o| o.map_err(|e| e.to_string())).collect();
    assert!(matches!(out[0], Ok(Outcome::Done)), "{out:?}");
    assert!(
        matches!(out[1], Ok(Outcome::Allocated(a)) if a.bytes == 32),
        "{out:?}"
    );
}

//! What the engine subjects do when an engine is missing, of the wrong version, or dies mid-run:
//! an error that names the subject and what to do, for the case it affects, and the next case runs.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{engine_present, run};
use memspec::ProfileId;
use memspec::step::{Step, Var};
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Subject, SubjectError, Value};
use memspec_engines::locate::Place;
use memspec_engines::micropython::MicroPython;
use memspec_engines::micropython::wasm::{self, Wasm};
use memspec_engines::microvium::{Microvium, node};

fn start(profile: ProfileId) -> Step<'static> {
    Step::Start {
        profile,
        config: HeapConfig {
            arena_bytes: 0,
            port: None,
            options: &[],
        },
    }
}

fn first_error(subject: &mut dyn Subject, plan: &[Step<'_>]) -> SubjectError {
    let (out, _) = run(subject, plan);
    out.into_iter()
        .find_map(Result::err)
        .expect("the plan should have failed")
}

fn no_node() -> Place {
    Place {
        node: PathBuf::from("/nonexistent/memspec/node"),
        ..Place::default()
    }
}

#[test]
fn without_node_micropython_wasm_names_itself_and_how_to_install_node() {
    let mut s = MicroPython::new(
        Wasm::new().with_place(no_node()),
        Some(ProfileId::MicropythonA32),
        None,
    );
    let e = first_error(&mut s, &[start(ProfileId::MicropythonA32)]);
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(e.detail.as_str().starts_with("micropython-wasm: "), "{e}");
    assert!(e.detail.as_str().contains("install Node.js"), "{e}");
}

#[test]
fn without_node_microvium_node_names_itself_and_how_to_install_node() {
    let mut s = Microvium::new(node::Node { place: no_node() });
    let e = first_error(&mut s, &[start(ProfileId::Microvium)]);
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(e.detail.as_str().starts_with("microvium-node: "), "{e}");
    assert!(e.detail.as_str().contains("install Node.js"), "{e}");
}

/// An `engines/` folder whose MicroPython package claims another version.
fn engines_with_micropython(version: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir
        .path()
        .join("node_modules/@micropython/micropython-webassembly-pyscript");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("package.json"), format!("{{\"version\":\"{version}\"}}")).unwrap();
    dir
}

#[test]
fn a_package_of_another_version_is_refused_with_the_install_command() {
    let dir = engines_with_micropython("1.26.0");
    let place = Place {
        engines: dir.path().to_path_buf(),
        ..Place::default()
    };
    let mut s = MicroPython::new(
        Wasm::new().with_place(place),
        Some(ProfileId::MicropythonA32),
        None,
    );
    let e = first_error(&mut s, &[start(ProfileId::MicropythonA32)]);
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(
        e.detail
            .as_str()
            .contains("is 1.26.0, the subject is pinned to 1.27.0")
            && e.detail.as_str().contains("npm ci"),
        "{e}"
    );
}

fn kill(pid: u32) {
    let status = Command::new("kill")
        .arg("-9")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

const LEN0: &[Param<'static>] = &[Param {
    name: "len",
    value: ParamValue::Int(0),
}];

fn alloc(kind: &'static str) -> Step<'static> {
    Step::Alloc {
        var: Var(0),
        spec: ObjectSpec { kind, params: LEN0 },
    }
}

#[test]
fn micropython_wasm_dying_mid_case_fails_that_case_and_the_next_case_runs() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = wasm::subject();
    let (out, _) = run(&mut s, &[start(ProfileId::MicropythonA32)]);
    assert!(out[0].is_ok(), "{out:?}");
    kill(s.transport_mut().pid().unwrap());
    let e = first_error(&mut s, &[alloc("list")]);
    assert_eq!(e.kind, ErrorKind::Crashed, "{e}");
    assert!(e.detail.as_str().starts_with("micropython-wasm: "), "{e}");
    assert!(e.detail.as_str().contains("restarts with the next case"), "{e}");
    let (out, _) = run(&mut s, &[start(ProfileId::MicropythonA32), alloc("list")]);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
}

#[test]
fn microvium_node_dying_mid_case_fails_that_case_and_the_next_case_runs() {
    if !engine_present(node::Node::check()) {
        return;
    }
    let mut s = node::subject();
    let (out, _) = run(&mut s, &[start(ProfileId::Microvium)]);
    assert!(out[0].is_ok(), "{out:?}");
    kill(s.pid().unwrap());
    let e = first_error(&mut s, &[Step::Encode(Value::Int(1))]);
    assert_eq!(e.kind, ErrorKind::Crashed, "{e}");
    assert!(e.detail.as_str().starts_with("microvium-node: "), "{e}");
    let (out, _) = run(&mut s, &[start(ProfileId::Microvium), alloc("array")]);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
}

#[test]
fn a_microvium_package_of_another_version_is_refused_with_the_install_command() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("node_modules/microvium");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("package.json"), "{\"version\":\"7.9.1\"}").unwrap();
    let place = Place {
        engines: dir.path().to_path_buf(),
        ..Place::default()
    };
    let mut s = Microvium::new(node::Node { place });
    let e = first_error(&mut s, &[start(ProfileId::Microvium)]);
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(
        e.detail
            .as_str()
            .contains("microvium is 7.9.1, the subject is pinned to 8.0.0"),
        "{e}"
    );
}

#[test]
fn micropython_exec_dying_mid_case_fails_that_case_and_the_next_case_runs() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut s = memspec_engines::micropython::exec::subject(memspec_engines::micropython::exec::wasm_cli());
    let (out, _) = run(&mut s, &[start(ProfileId::MicropythonA32)]);
    assert!(out[0].is_ok(), "{out:?}");
    kill(s.transport_mut().pid().unwrap());
    let e = first_error(&mut s, &[alloc("list")]);
    assert!(matches!(e.kind, ErrorKind::Crashed | ErrorKind::Timeout), "{e}");
    assert!(e.detail.as_str().starts_with("micropython-exec: "), "{e}");
    let (out, _) = run(&mut s, &[start(ProfileId::MicropythonA32), alloc("list")]);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
}

//! `micropython-serial` against a pseudo-terminal peer that speaks the raw REPL: the npm WebAssembly
//! port's command line runs on one pseudo-terminal, and its bytes are relayed to a second one whose
//! terminal side the subject opens as its serial port, as it would a board's `/dev/ttyUSB0`.

mod common;

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use common::{engine_present, run};
use memspec::ProfileId;
use memspec::step::{Outcome, Step, Var};
use memspec::subject::{ErrorKind, HeapConfig, ObjectSpec, Param, ParamValue, Value};
use memspec::tag::TagClass;
use memspec_engines::micropython::serial::{self, PortSpec, Serial};
use memspec_engines::micropython::{exec, wasm::Wasm};
use memspec_engines::pty::Pty;

/// A board stand-in: the engine on pseudo-terminal A, relayed to pseudo-terminal B.
struct Peer {
    engine: Child,
    port: Pty,
}

impl Peer {
    fn start() -> Peer {
        let a = Pty::open().unwrap();
        let term = a.open_terminal().unwrap();
        let engine = Command::new(exec::wasm_cli())
            .args(["-X", "heapsize=131072"])
            .stdin(Stdio::from(term.try_clone().unwrap()))
            .stdout(Stdio::from(term.try_clone().unwrap()))
            .stderr(Stdio::from(term))
            .spawn()
            .unwrap();
        let port = Pty::open().unwrap();
        relay(a.master.try_clone().unwrap(), port.master.try_clone().unwrap());
        relay(port.master.try_clone().unwrap(), a.master);
        Peer { engine, port }
    }

    fn spec(&self) -> PortSpec {
        PortSpec {
            path: self.port.path.to_string_lossy().into_owned(),
            baud: 115_200,
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.engine.kill();
        let _ = self.engine.wait();
    }
}

fn relay(mut from: std::fs::File, mut to: std::fs::File) {
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
}

fn start() -> Step<'static> {
    Step::Start {
        profile: ProfileId::MicropythonA32,
        config: HeapConfig {
            arena_bytes: 0,
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
fn the_raw_repl_peer_is_detected_and_measures_a_list() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let peer = Peer::start();
    let mut s = serial::subject(peer.spec());
    let plan = [
        start(),
        Step::Encode(Value::Named("True")),
        Step::Alloc {
            var: Var(0),
            spec: ObjectSpec {
                kind: "list",
                params: LEN0,
            },
        },
        Step::Collect,
    ];
    let (out, _) = run(&mut s, &plan);
    let out: Vec<_> = out.into_iter().map(|o| o.map_err(|e| e.to_string())).collect();
    assert_eq!(out.len(), plan.len(), "{out:?}");
    assert_eq!(s.detected().map(|d| d.profile), Some(ProfileId::MicropythonA32));
    // REPR_A True: immediate 3 = (3 << 3) | 6 = 0x1e (py/obj.h MP_OBJ_NEW_IMMEDIATE_OBJ).
    assert!(matches!(out[1], Ok(Outcome::Encoded(e)) if e.word == 0x1e && e.class == TagClass::Immediate));
    // `[]`: list struct 4 words + LIST_MIN_ALLOC 4 words, 16 bytes each (py/objlist.c).
    assert!(
        matches!(out[2], Ok(Outcome::Allocated(a)) if a.bytes == 32),
        "{out:?}"
    );
    // Unrooted, so the collection frees both blocks.
    assert!(
        matches!(out[3], Ok(Outcome::Collected(c)) if c.freed_bytes == 32),
        "{out:?}"
    );
}

#[test]
fn a_board_that_stops_answering_is_a_timeout_naming_the_port_and_the_next_case_tries_again() {
    if !engine_present(Wasm::check()) {
        return;
    }
    let mut peer = Peer::start();
    let spec = peer.spec();
    let mut s = memspec_engines::micropython::MicroPython::new(
        Serial::new(spec.clone()).with_timeout(Duration::from_secs(3)),
        None,
        None,
    );
    let (out, _) = run(&mut s, &[start()]);
    assert!(out[0].is_ok(), "{out:?}");
    // The board stops: its engine is gone, the port stays open and silent.
    peer.engine.kill().unwrap();
    let (out, _) = run(&mut s, &[start(), Step::Encode(Value::Int(1))]);
    let e = out.iter().find_map(|o| o.as_ref().err()).expect("an error");
    assert!(matches!(e.kind, ErrorKind::Timeout | ErrorKind::Crashed), "{e}");
    assert!(e.detail.as_str().contains(&spec.path), "{e}");
    // The next case is an error too, not a hang and not a pass.
    let (out, _) = run(&mut s, &[start()]);
    assert!(out[0].is_err(), "{out:?}");
}

#[test]
fn a_port_that_does_not_exist_says_how_to_name_one() {
    let mut s = serial::subject(PortSpec {
        path: "/dev/memspec-no-such-port".into(),
        baud: 115_200,
    });
    let (out, _) = run(&mut s, &[start()]);
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Engine);
    assert!(e.detail.as_str().contains("--port PATH --baud N"), "{e}");
}

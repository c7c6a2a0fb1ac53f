//! `micropython-wasm`: the npm WebAssembly port (`@micropython/micropython-webassembly-pyscript`
//! 1.27.0) in one long-lived node process running `engines/micropython/host.mjs`.
//!
//! The package is loaded once per node process; a case that asks for another heap size gets a fresh
//! engine in a new process. Driver functions are called from JavaScript, so no call compiles anything
//! on the engine's heap.

use std::process::Command;
use std::time::Duration;

use memspec::ProfileId;
use memspec::subject::{ErrorKind, SubjectError, SubjectResult};
use serde_json::{Value as Json, json};

use super::{Arg, MicroPython, Transport};
use crate::child::LineChild;
use crate::locate::{MICROPYTHON_PACKAGE, Missing, Place};

/// The subject's name.
pub const NAME: &str = "micropython-wasm";

/// Heap bytes when a case leaves the size open: the package's `loadMicroPython` default (1 MiB).
pub const DEFAULT_HEAP_BYTES: u64 = 1024 * 1024;

/// How long one call may take before the engine is declared hung.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The node process hosting the engine.
#[derive(Debug)]
pub struct Wasm {
    child: Option<LineChild>,
    heap: u64,
    timeout: Duration,
    place: Place,
}

impl Wasm {
    /// A transport that starts node on first use.
    pub fn new() -> Self {
        Self {
            child: None,
            heap: 0,
            timeout: CALL_TIMEOUT,
            place: Place::default(),
        }
    }

    /// Uses node and the packages from `place` instead of the defaults.
    pub fn with_place(mut self, place: Place) -> Self {
        self.place = place;
        self
    }

    /// Sets how long one call may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks that node, the pinned package and the host script are there.
    pub fn check() -> Result<(), Missing> {
        Self::new().check_place()
    }

    /// Checks what this transport's [`Place`] holds.
    pub fn check_place(&self) -> Result<(), Missing> {
        self.place.node(NAME)?;
        self.place.npm_package(NAME, MICROPYTHON_PACKAGE)?;
        self.place.our_file(NAME, "micropython/host.mjs")?;
        Ok(())
    }

    /// The process id of the node host, when it runs (for tests that stop it).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(LineChild::id)
    }

    fn request(&mut self, req: &Json) -> SubjectResult<String> {
        let timeout = self.timeout;
        let Some(child) = self.child.as_mut() else {
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{NAME}: the engine is not running"),
            ));
        };
        let answer = child.request(&req.to_string(), timeout);
        let line = match answer {
            Ok(l) => l,
            Err(e) => {
                self.child = None;
                return Err(e);
            }
        };
        let v: Json = serde_json::from_str(&line).map_err(|e| {
            SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{NAME}: the host answered {:?}: {e}", super::probe::tail(&line)),
            )
        })?;
        let out = v.get("out").and_then(Json::as_str).unwrap_or("").to_owned();
        if v.get("ok") == Some(&Json::Bool(true)) {
            return Ok(out);
        }
        let error = v.get("error").and_then(Json::as_str).unwrap_or("no error text");
        Err(SubjectError::new(
            ErrorKind::Engine,
            format_args!("{NAME}: {}", super::probe::tail(&format!("{out}\n{error}"))),
        ))
    }
}

impl Default for Wasm {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport for Wasm {
    fn subject(&self) -> &'static str {
        NAME
    }

    fn open(&mut self, heap_bytes: Option<u64>) -> SubjectResult<bool> {
        let heap = heap_bytes.unwrap_or(DEFAULT_HEAP_BYTES);
        if let Some(c) = self.child.as_mut()
            && !c.alive()
        {
            self.child = None;
        }
        if self.child.is_some() && self.heap == heap {
            return Ok(false);
        }
        // Another heap size needs another engine, in a process of its own: the package keeps one
        // module per process (`globalThis.Module`), and the finalisers of an earlier engine's proxies
        // would free objects of the new one (seen as "memory access out of bounds").
        self.child = None;
        {
            self.check_place().map_err(|m| m.to_error())?;
            let host = self.place.engines.join("micropython/host.mjs");
            let mut cmd = Command::new(&self.place.node);
            cmd.arg(host).current_dir(&self.place.engines);
            self.child = Some(LineChild::spawn(NAME, cmd)?);
        }
        self.heap = 0;
        self.request(&json!({"op": "load", "heapsize": heap}))?;
        self.heap = heap;
        Ok(true)
    }

    fn run(&mut self, source: &str) -> SubjectResult<String> {
        let bind: &[&str] = if source == super::DRIVER {
            super::FUNCTIONS
        } else {
            &[]
        };
        self.request(&json!({"op": "run", "src": source, "bind": bind}))
    }

    fn call(&mut self, name: &str, args: &[Arg]) -> SubjectResult<String> {
        let args: Vec<Json> = args
            .iter()
            .map(|a| match a {
                Arg::Str(s) => Json::from(s.as_str()),
                Arg::Int(i) => Json::from(*i),
            })
            .collect();
        self.request(&json!({"op": "call", "fn": name, "args": args}))
    }

    fn compiles_calls(&self) -> bool {
        false
    }

    /// Each heap size is an engine started afresh with it.
    fn sized_heap(&self) -> bool {
        true
    }

    fn close(&mut self) {
        self.child = None;
    }
}

/// The `micropython-wasm` subject: profile `micropython-a32`, MicroPython 1.27.0.
pub fn subject() -> MicroPython<Wasm> {
    MicroPython::new(
        Wasm::new(),
        Some(ProfileId::MicropythonA32),
        Some(MICROPYTHON_PACKAGE.1),
    )
}

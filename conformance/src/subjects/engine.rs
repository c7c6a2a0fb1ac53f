//! Real engines as subjects (package `memspec-engines`): `micropython-wasm`, `micropython-exec`,
//! `micropython-serial`, `microvium-node`, `microvium-c32`.
//!
//! Each registers an [`Entry`] whose factory keeps engine subjects between cases (an engine starts
//! once per thread, not once per case; a board is one session for the whole run, its cases one at a
//! time). Before planning, a missing engine or a port that cannot be opened, and an engine that
//! detects its profile but serves none, stops the run with one message: what is missing and the
//! command that installs or fixes it. One of the wrong version, one that dies or a board that stops
//! answering mid-run is the error of the subject's own step, which names the subject and what to do;
//! the affected cases fail and the run goes on.
//! [`availability`] says beforehand whether a subject can run here, for `memspec engines` and
//! `cargo xtask test`.

use std::sync::{Mutex, OnceLock};

use memspec::subject::{HeapConfig, Subject};
use memspec_engines::subjects::{self, EngineSubject, Options};

use super::{Entry, Fault, Lease, Registry, Served, SubjectFactory, served_by};

/// One line about each engine subject, for the registry.
const ABOUT: [(&str, &str); 5] = [
    (
        "micropython-wasm",
        "the npm WebAssembly port of MicroPython 1.27.0, in node (micropython-a32)",
    ),
    (
        "micropython-exec",
        "a MicroPython executable through its REPL (--micropython PATH; default: the WebAssembly port's command line)",
    ),
    (
        "micropython-serial",
        "a board running MicroPython, through its raw REPL (--port PATH --baud N)",
    ),
    (
        "microvium-node",
        "Microvium 8.0.0, the npm package's native VM in node (microvium, port host64)",
    ),
    (
        "microvium-c32",
        "Microvium 8.0.0's C engine built with gcc -m32 (microvium, port host32)",
    ),
];

/// The registry with every engine subject added.
pub fn register(mut registry: Registry) -> Registry {
    for name in subjects::NAMES {
        let about = ABOUT
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("a real engine", |(_, a)| a);
        registry = registry.with(Entry::new(name, about, move |o| {
            Ok(Box::new(EngineFactory::open(name, o.engines.clone())?) as Box<dyn SubjectFactory>)
        }));
    }
    registry
}

/// Whether the engine subject `name` can run here; `Err` says what is missing and the command that
/// installs it.
pub fn availability(name: &str, options: &Options) -> Result<(), String> {
    subjects::available(name, options).map_err(|m| m.to_string())
}

/// Lends engine subjects of one name, keeping them between cases.
pub struct EngineFactory {
    name: &'static str,
    options: Options,
    pool: Mutex<Vec<Box<dyn EngineSubject>>>,
    /// The engine and version the subjects last reported.
    engine: Mutex<Option<String>>,
    /// Whether the engine can run here, checked at the first case.
    ready: OnceLock<Result<(), String>>,
    /// Held through each case of a subject that is one device (a board): its cases run one at a
    /// time through one session, whatever the number of threads.
    session: Mutex<()>,
}

impl std::fmt::Debug for EngineFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineFactory")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl EngineFactory {
    /// The factory of the engine subject `name`. Fails only when the subject cannot be made at all
    /// (a board not named); a missing engine fails the cases instead.
    pub fn open(name: &'static str, options: Options) -> Result<Self, String> {
        if subjects::make(name, &options).is_none() {
            return Err(availability(name, &options)
                .err()
                .unwrap_or_else(|| format!("{name}: cannot be made with these options")));
        }
        let factory = Self {
            name,
            options,
            pool: Mutex::new(Vec::new()),
            engine: Mutex::new(None),
            ready: OnceLock::new(),
            session: Mutex::new(()),
        };
        factory.preflight()?;
        Ok(factory)
    }

    /// Before planning: an engine that is missing, a port that cannot be opened, or an engine that
    /// serves no profile (learnt at its first start, for a subject that detects its profile) stops
    /// the run with what is wrong and how to fix it.
    fn preflight(&self) -> Result<(), String> {
        availability(self.name, &self.options)?;
        // Checked: a board's port is held open from here on, so it is not opened again to check.
        let _ = self.ready.set(Ok(()));
        if subjects::detects_profile(self.name) {
            let mut s = self.take()?;
            s.detect_engine()?;
            self.give_back(s);
        }
        Ok(())
    }

    fn take(&self) -> Result<Box<dyn EngineSubject>, String> {
        let pooled = self.pool.lock().map_or(None, |mut p| p.pop());
        match pooled {
            Some(s) => Ok(s),
            None => subjects::make(self.name, &self.options)
                .ok_or_else(|| format!("{}: cannot be made with these options", self.name)),
        }
    }

    fn give_back(&self, s: Box<dyn EngineSubject>) {
        if let (Some(e), Ok(mut engine)) = (s.engine(), self.engine.lock()) {
            *engine = Some(e);
        }
        if let Ok(mut p) = self.pool.lock() {
            p.push(s);
        }
    }
}

impl SubjectFactory for EngineFactory {
    fn name(&self) -> &str {
        self.name
    }

    /// The profiles the subject serves. A subject that learns its profile from the engine starts it
    /// once here; when that fails (the engine is missing), it answers with every profile it could
    /// serve, so the cases fail with the engine's message instead of being skipped.
    fn describe(&self) -> Result<Served, String> {
        let mut s = self.take()?;
        let detect =
            subjects::detects_profile(self.name) && subjects::available(self.name, &self.options).is_ok();
        if let (true, Some(p)) = (detect, served_by(s.as_mut()).first()) {
            let config = HeapConfig {
                arena_bytes: 0,
                port: None,
                options: &[],
            };
            // The first start reads the engine's profile, whatever profile it is asked for.
            let _ = s.start(p.0, &config);
        }
        let served = served_by(s.as_mut());
        self.give_back(s);
        Ok(served)
    }

    /// Lends an engine subject. When the engine cannot run here (checked once, at the first case),
    /// no subject is lent and every case fails with what is missing and how to install it.
    fn lend(&self, lease: &Lease, f: &mut dyn FnMut(&mut dyn Subject)) -> Result<(), Fault> {
        let _ = lease;
        let ready = self.ready.get_or_init(|| availability(self.name, &self.options));
        if let Err(diagnosis) = ready {
            return Err(Fault {
                diagnosis: diagnosis.clone(),
            });
        }
        let _one_at_a_time = subjects::one_device(self.name).then(|| self.session.lock());
        let mut s = self.take().map_err(|diagnosis| Fault { diagnosis })?;
        f(s.as_mut());
        self.give_back(s);
        Ok(())
    }

    fn engine(&self) -> Option<String> {
        self.engine.lock().ok()?.clone()
    }
}

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

use std::sync::mpsc::channel;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::Duration;

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
            let detect_timeout = o.timeout.unwrap_or(crate::run::DEFAULT_TIMEOUT);
            let f = EngineFactory::open(name, o.engines.clone(), detect_timeout)?;
            Ok(Box::new(f) as Box<dyn SubjectFactory>)
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
    /// How long the first start, which learns the engine's profile, may take.
    detect_timeout: Duration,
    /// Why the first start failed to end in time: every case then fails with it.
    stuck: OnceLock<String>,
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
    /// The factory of the engine subject `name`, checked before planning ([`Self::preflight`]):
    /// fails when the subject cannot be made (a board not named), its engine is missing, its port
    /// cannot be opened, or its engine serves no profile, saying how to fix it.
    pub fn open(name: &'static str, options: Options, detect_timeout: Duration) -> Result<Self, String> {
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
            detect_timeout,
            stuck: OnceLock::new(),
        };
        factory.preflight()?;
        Ok(factory)
    }

    /// Before planning: an engine that is missing, a port that cannot be opened, or an engine that
    /// serves no profile (learnt at its first start, for a subject that detects its profile) stops
    /// the run with what is wrong and how to fix it. The first start runs on a thread of its own
    /// and is given up on after the detection timeout, so an engine that never answers cannot
    /// hold the run: its cases fail instead.
    fn preflight(&self) -> Result<(), String> {
        availability(self.name, &self.options)?;
        // Checked: a board's port is held open from here on, so it is not opened again to check.
        let _ = self.ready.set(Ok(()));
        if subjects::detects_profile(self.name) {
            let mut s = self.take()?;
            let (tx, rx) = channel();
            thread::spawn(move || {
                let detected = s.detect_engine();
                let _ = tx.send((s, detected));
            });
            let Ok((s, detected)) = rx.recv_timeout(self.detect_timeout) else {
                // An engine that floods or never answers is no missing engine: its cases fail with
                // this diagnosis, each within its timeout.
                let _ = self.stuck.set(format!(
                    "{}: its first start, which reads the engine's profile, did not end within the timeout of {:.1} s; it was abandoned",
                    self.name,
                    self.detect_timeout.as_secs_f64()
                ));
                return Ok(());
            };
            detected?;
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
        let detect = subjects::detects_profile(self.name)
            && self.stuck.get().is_none()
            && subjects::available(self.name, &self.options).is_ok();
        let Some(p) = served_by(s.as_mut()).first().map(|p| p.0).filter(|_| detect) else {
            let served = served_by(s.as_mut());
            self.give_back(s);
            return Ok(served);
        };
        let every = served_by(s.as_mut());
        // The first start reads the engine's profile, whatever profile it is asked for. It runs
        // on a thread of its own so that an engine that never answers is given up on in time.
        let (tx, rx) = channel();
        thread::spawn(move || {
            let config = HeapConfig {
                arena_bytes: 0,
                port: None,
                options: &[],
            };
            let _ = s.start(p, &config);
            let _ = tx.send(s);
        });
        match rx.recv_timeout(self.detect_timeout) {
            Ok(mut s) => {
                let served = served_by(s.as_mut());
                self.give_back(s);
                Ok(served)
            }
            Err(_) => {
                let _ = self.stuck.set(format!(
                    "{}: its first start, which reads the engine's profile, did not end within the timeout of {:.1} s; it was abandoned",
                    self.name,
                    self.detect_timeout.as_secs_f64()
                ));
                Ok(every)
            }
        }
    }

    /// Lends an engine subject. When the engine cannot run here (checked once, at the first case),
    /// no subject is lent and every case fails with what is missing and how to install it.
    fn lend(&self, lease: &Lease, f: &mut dyn FnMut(&mut dyn Subject)) -> Result<(), Fault> {
        let _ = lease;
        if let Some(diagnosis) = self.stuck.get() {
            return Err(Fault {
                diagnosis: diagnosis.clone(),
            });
        }
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

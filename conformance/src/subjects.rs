//! Subjects under test: how the harness gets one, by name.
//!
//! A subject is anything implementing [`memspec::subject::Subject`], plus a name. The harness asks a
//! [`SubjectFactory`] to lend it one subject per case; the factory decides how subjects are made, kept
//! and thrown away (the in-process reference makes a fresh arena per case; a process subject keeps its
//! child between cases and restarts it after a fault). A new kind of subject registers an [`Entry`]
//! in [`Registry::builtin`] (or in a test's own registry) and needs nothing else from the harness.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use memspec::profile::ProfileId;
use memspec::subject::{Capabilities, Subject};

pub mod engine;
pub mod process;
pub mod reference;

/// What a case asks of the subject lent to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// How long the whole case may take.
    pub timeout: Duration,
    /// The largest arena the case's start steps ask for, in bytes.
    pub arena_bytes: u64,
}

/// Why a lent subject had to be thrown away: the process died, hung, or broke the protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What happened: exit status, the tail of its stderr, the offending output.
    pub diagnosis: String,
}

/// The profiles a subject serves, with what it can do for each.
pub type Served = Vec<(ProfileId, Capabilities)>;

/// Makes and lends subjects of one kind.
pub trait SubjectFactory: Send + Sync {
    /// The subject's name in trial names, reports and the expectations file.
    fn name(&self) -> &str;

    /// The profiles served, with their capabilities.
    fn describe(&self) -> Result<Served, String>;

    /// Lends a subject for one case: `f` replays the case's plan on it. A fault found during or after
    /// `f` is returned; the subject is then thrown away and the next case gets a fresh one.
    fn lend(&self, lease: &Lease, f: &mut dyn FnMut(&mut dyn Subject)) -> Result<(), Fault>;

    /// For a real engine: the engine and version it reported (`Microvium 8.0.0 (...)`), once it has
    /// run; the claims ledger credits its runs to it. `None` for implementations of the specification.
    fn engine(&self) -> Option<String> {
        None
    }
}

/// A subject the [`Pooled`] factory keeps between cases.
pub trait Lendable: Send {
    /// The subject.
    fn subject(&mut self) -> &mut dyn Subject;
    /// Called before each case with its lease.
    fn begin(&mut self, lease: &Lease) {
        let _ = lease;
    }
    /// After a case: `Some` if the subject broke and must be thrown away.
    fn fault(&mut self) -> Option<String> {
        None
    }
}

/// A plain [`Subject`] kept between cases as it is.
#[derive(Debug)]
pub struct Plain<S>(pub S);

impl<S: Subject + Send> Lendable for Plain<S> {
    fn subject(&mut self) -> &mut dyn Subject {
        &mut self.0
    }
}

/// Makes a subject; a lease is given when it is made for a case (`None` when it is made to be asked
/// what it serves).
type Maker<S> = Box<dyn Fn(Option<&Lease>) -> Result<S, String> + Send + Sync>;

/// A factory that makes subjects with a constructor and reuses the healthy ones.
pub struct Pooled<S> {
    name: String,
    make: Maker<S>,
    pool: Mutex<Vec<S>>,
}

impl<S> std::fmt::Debug for Pooled<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pooled")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<S: Lendable> Pooled<S> {
    /// A factory named `name` making subjects with `make`.
    pub fn new(
        name: impl Into<String>,
        make: impl Fn() -> Result<S, String> + Send + Sync + 'static,
    ) -> Self {
        Self::with_lease(name, move |_| make())
    }

    /// A factory named `name` making subjects with `make`, which is given the lease of the case a
    /// subject is made for (a process subject's handshake takes the case's time).
    pub fn with_lease(
        name: impl Into<String>,
        make: impl Fn(Option<&Lease>) -> Result<S, String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            make: Box::new(make),
            pool: Mutex::new(Vec::new()),
        }
    }

    fn take(&self, lease: Option<&Lease>) -> Result<S, String> {
        let pooled = self.pool.lock().map_or(None, |mut p| p.pop());
        match pooled {
            Some(s) => Ok(s),
            None => (self.make)(lease),
        }
    }

    fn give_back(&self, s: S) {
        if let Ok(mut p) = self.pool.lock() {
            p.push(s);
        }
    }
}

impl<S: Lendable> SubjectFactory for Pooled<S> {
    fn name(&self) -> &str {
        &self.name
    }

    fn describe(&self) -> Result<Served, String> {
        let mut s = self.take(None)?;
        let served = served_by(s.subject());
        self.give_back(s);
        Ok(served)
    }

    fn lend(&self, lease: &Lease, f: &mut dyn FnMut(&mut dyn Subject)) -> Result<(), Fault> {
        let mut s = self.take(Some(lease)).map_err(|diagnosis| Fault {
            diagnosis: format!("could not start the subject: {diagnosis}"),
        })?;
        s.begin(lease);
        f(s.subject());
        match s.fault() {
            Some(diagnosis) => Err(Fault { diagnosis }),
            None => {
                self.give_back(s);
                Ok(())
            }
        }
    }
}

/// What `subject` says it serves, profile by profile.
pub fn served_by(subject: &mut dyn Subject) -> Served {
    ProfileId::ALL
        .into_iter()
        .filter(|p| subject.supports(*p))
        .map(|p| (p, subject.capabilities(p)))
        .collect()
}

/// How a subject is opened from the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// For `process`: the program and its arguments (default: this executable's `serve`).
    pub command: Option<Vec<String>>,
    /// For the engine subjects: `--micropython PATH`, `--port PATH --baud N`.
    pub engines: memspec_engines::subjects::Options,
    /// `--timeout`: what a subject may take to say what it serves (default: each subject's own).
    pub timeout: Option<Duration>,
}

type Opener = Arc<dyn Fn(&OpenOptions) -> Result<Box<dyn SubjectFactory>, String> + Send + Sync>;

/// A named kind of subject.
#[derive(Clone)]
pub struct Entry {
    /// Its name (`ref`, `process`, ...).
    pub name: String,
    /// One line for `memspec list --subjects`.
    pub about: String,
    open: Opener,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Entry {
    /// An entry opened by `open`.
    pub fn new(
        name: impl Into<String>,
        about: impl Into<String>,
        open: impl Fn(&OpenOptions) -> Result<Box<dyn SubjectFactory>, String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            about: about.into(),
            open: Arc::new(open),
        }
    }
}

/// The subjects the harness knows by name.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// The subjects that ship with memspec: `ref`, `process`, and the real engines ([`engine`]).
    pub fn builtin() -> Self {
        let registry = Registry::default()
            .with(Entry::new(
                "ref",
                "the reference implementation, in-process (memspec-impl)",
                |_| Ok(Box::new(reference::RefFactory) as Box<dyn SubjectFactory>),
            ))
            .with(Entry::new(
                "process",
                "a program speaking the memspec process protocol (default: `memspec serve`)",
                |o| {
                    let command = match &o.command {
                        Some(c) => c.clone(),
                        None => process::self_serve_command()?,
                    };
                    let hello = o.timeout.unwrap_or(process::HELLO_TIMEOUT);
                    Ok(Box::new(process::factory_timed("process", command, hello))
                        as Box<dyn SubjectFactory>)
                },
            ));
        engine::register(registry)
    }

    /// The registry with `e` added (replacing an entry of the same name).
    pub fn with(mut self, e: Entry) -> Self {
        self.entries.retain(|x| x.name != e.name);
        self.entries.push(e);
        self
    }

    /// The entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Opens the subject named `name`; an unknown name is an error listing the known ones.
    pub fn open(&self, name: &str, options: &OpenOptions) -> Result<Box<dyn SubjectFactory>, String> {
        match self.entries.iter().find(|e| e.name == name) {
            Some(e) => (e.open)(options),
            None => {
                let names: Vec<_> = self.entries.iter().map(|e| e.name.as_str()).collect();
                Err(format!(
                    "unknown subject `{name}`; known subjects: {}",
                    names.join(", ")
                ))
            }
        }
    }
}

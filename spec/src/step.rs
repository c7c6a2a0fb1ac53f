//! Steps: one subject call each, with objects named by plan variables instead of subject ids.
//!
//! A case is parsed into a plan of [`Step`]s; the same plan runs against a subject in-process, is sent
//! over the process protocol, or is encoded as a vector and replayed by the firmware. [`Runner`] keeps
//! the table from plan variables to the ids the subject gave, so every transport replays a plan the
//! same way.

use core::fmt;

use crate::profile::ProfileId;
use crate::subject::{
    Allocation, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, ObjId, ObjectSpec, Stat, Subject,
    SubjectError, SubjectResult, Target, Value,
};
use crate::tag::TagClass;

/// A plan variable: the n-th object name a plan introduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Var(pub u16);

/// What a step stores in a slot, with objects named by plan variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepTarget {
    /// A reference to the object bound to the variable.
    Object(Var),
    /// A pointer `offset` bytes into the object bound to the variable.
    Interior(Var, u32),
    /// A raw word.
    Word(u64),
    /// The engine's empty value.
    Empty,
}

/// One subject call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step<'a> {
    /// Begin a fresh heap.
    Start {
        /// The profile.
        profile: ProfileId,
        /// The heap's set-up.
        config: HeapConfig<'a>,
    },
    /// Store a value in a word.
    Encode(Value<'a>),
    /// Read a word back.
    Decode(u64),
    /// Allocate an object and bind it to `var`.
    Alloc {
        /// The variable the object is bound to.
        var: Var,
        /// What to allocate.
        spec: ObjectSpec<'a>,
    },
    /// Store `target` in `slot` of `from`.
    Link {
        /// The object written to.
        from: Var,
        /// The slot index.
        slot: u32,
        /// What is stored.
        target: StepTarget,
    },
    /// Make an object a root.
    Root(Var),
    /// Stop an object being a root.
    Unroot(Var),
    /// Run a full collection.
    Collect,
    /// Report heap figures.
    Stats,
    /// Print the heap map.
    HeapMap,
    /// Ask whether an object is live.
    IsLive(Var),
    /// Lock, unlock, disable or enable the collector.
    Gc(GcOp),
    /// Read the word `index` words from an object's reference.
    ReadWord(Var, i32),
}

impl Step<'_> {
    /// The step's name in cases and reports.
    pub const fn name(&self) -> &'static str {
        match self {
            Step::Start { .. } => "start",
            Step::Encode(_) => "encode",
            Step::Decode(_) => "decode",
            Step::Alloc { .. } => "alloc",
            Step::Link {
                target: StepTarget::Empty,
                ..
            } => "unlink",
            Step::Link { .. } => "link",
            Step::Root(_) => "root",
            Step::Unroot(_) => "unroot",
            Step::Collect => "collect",
            Step::Stats => "stats",
            Step::HeapMap => "heap-map",
            Step::IsLive(_) => "live",
            Step::Gc(_) => "gc",
            Step::ReadWord(..) => "read",
        }
    }
}

/// What a step returned. Statistics and heap-map text go to the [`Sink`] instead.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// The step has no result of its own (start, link, root, unroot, gc, stats, heap-map).
    Done,
    /// The word a value was stored as.
    Encoded(Encoded),
    /// A word read back.
    Decoded(TagClass, Decoded),
    /// An object allocated.
    Allocated(Allocation),
    /// A collection run.
    Collected(Collection),
    /// Whether an object is live.
    Live(bool),
    /// A raw word read from an object.
    Word(u64),
}

/// Receives the figures and text steps produce.
pub trait Sink {
    /// A heap figure from a `stats` step.
    fn stat(&mut self, stat: Stat<'_>);
    /// Where a `heap-map` step writes its text.
    fn text(&mut self) -> &mut dyn fmt::Write;
}

/// Replays steps against a subject, binding plan variables to the ids the subject returns.
/// `VARS` is the most variables a plan may use.
#[derive(Clone, Debug)]
pub struct Runner<const VARS: usize> {
    bound: [Option<ObjId>; VARS],
}

impl<const VARS: usize> Default for Runner<VARS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const VARS: usize> Runner<VARS> {
    /// A runner with no variable bound.
    pub const fn new() -> Self {
        Self { bound: [None; VARS] }
    }

    /// The subject id bound to `var`.
    pub fn id(&self, var: Var) -> SubjectResult<ObjId> {
        match self.bound.get(var.0 as usize) {
            Some(Some(id)) => Ok(*id),
            Some(None) => Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("variable #{} is used before an alloc step binds it", var.0),
            )),
            None => Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("variable #{} is past the {VARS} variables a plan may use", var.0),
            )),
        }
    }

    fn target(&self, t: StepTarget) -> SubjectResult<Target> {
        Ok(match t {
            StepTarget::Object(v) => Target::Object(self.id(v)?),
            StepTarget::Interior(v, off) => Target::Interior(self.id(v)?, off),
            StepTarget::Word(w) => Target::Word(w),
            StepTarget::Empty => Target::Empty,
        })
    }

    /// Runs one step.
    pub fn run(
        &mut self,
        subject: &mut dyn Subject,
        step: &Step<'_>,
        sink: &mut dyn Sink,
    ) -> SubjectResult<Outcome> {
        Ok(match step {
            Step::Start { profile, config } => {
                self.bound = [None; VARS];
                subject.start(*profile, config)?;
                Outcome::Done
            }
            Step::Encode(v) => Outcome::Encoded(subject.encode(v)?),
            Step::Decode(w) => {
                let (class, value) = subject.decode(*w)?;
                Outcome::Decoded(class, value)
            }
            Step::Alloc { var, spec } => {
                let slot = self.bound.get_mut(var.0 as usize).ok_or_else(|| {
                    SubjectError::new(
                        ErrorKind::BadArgument,
                        format_args!("variable #{} is past the {VARS} variables a plan may use", var.0),
                    )
                })?;
                let a = subject.alloc(spec)?;
                *slot = Some(a.id);
                Outcome::Allocated(a)
            }
            Step::Link { from, slot, target } => {
                subject.link(self.id(*from)?, *slot, self.target(*target)?)?;
                Outcome::Done
            }
            Step::Root(v) => {
                subject.root(self.id(*v)?)?;
                Outcome::Done
            }
            Step::Unroot(v) => {
                subject.unroot(self.id(*v)?)?;
                Outcome::Done
            }
            Step::Collect => Outcome::Collected(subject.collect()?),
            Step::Stats => {
                subject.stats(&mut |s| sink.stat(s))?;
                Outcome::Done
            }
            Step::HeapMap => {
                subject.heap_map(sink.text())?;
                Outcome::Done
            }
            Step::IsLive(v) => Outcome::Live(subject.is_live(self.id(*v)?)?),
            Step::Gc(op) => {
                subject.gc_control(*op)?;
                Outcome::Done
            }
            Step::ReadWord(v, i) => Outcome::Word(subject.read_word(self.id(*v)?, *i)?),
        })
    }
}

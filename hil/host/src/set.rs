//! A vector set on the host: each vector's name and encoded record, the set file the firmware reads,
//! and the observations the host itself makes of the set.

use memspec::ProfileId;
use memspec::step::Step;
use memspec_impl::reference::Reference;
use memspec_replay::{ARENA_BYTES, Emitter, Flow, RECEIVE_BYTES, Replayer};
use memspec_vector::frame::{self, Deframer, Event, MAX_PAYLOAD_BYTES};
use memspec_vector::plan;
use memspec_vector::wire::Writer;

/// Where a vector comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// The fixed-seed generator (or a saved set file).
    #[default]
    Generated,
    /// A case of the conformance corpus.
    Case {
        /// `engine/suite::case`.
        id: String,
        /// The case file.
        file: String,
        /// The claims it bears on.
        claims: Vec<String>,
    },
}

/// One vector: where it comes from and its encoded record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vector {
    /// Its id in the set (its index).
    pub id: u32,
    /// The profile its plan starts.
    pub profile: ProfileId,
    /// The suite: `encode`, `decode`, `alloc`, `graph`, or a case suite.
    pub suite: String,
    /// The case within the suite.
    pub case: String,
    /// The plan: its steps, encoded.
    pub plan: PlanBuilder,
    /// Where it comes from.
    pub origin: Origin,
}

impl Vector {
    /// The trial name without the subject: `<profile>/<suite>::<case>`.
    pub fn name(&self) -> String {
        format!("{}/{}::{}", self.profile.name(), self.suite, self.case)
    }

    /// The vector record, as sent (a frame's payload).
    pub fn record(&self) -> Result<Vec<u8>, PlanTooLong> {
        let name = format!("{}::{}", self.suite, self.case);
        let mut buf = vec![0u8; MAX_PAYLOAD_BYTES];
        let mut w = Writer::new(&mut buf);
        plan::write_vector_head(&mut w, self.id, &name, self.plan.count)
            .and_then(|()| w.raw(&self.plan.steps))
            .map_err(|_| PlanTooLong(self.name()))?;
        Ok(w.written().to_vec())
    }

    /// The steps of the plan, one line each, for failure messages.
    pub fn plan_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let record = match self.record() {
            Ok(r) => r,
            Err(e) => return vec![e.to_string()],
        };
        match plan::read_down(&record) {
            Ok(plan::Down::Vector(mut v)) => {
                let mut params = plan::param_buf();
                while let Some(s) = v.next_step(&mut params) {
                    lines.push(match s {
                        Ok((i, step)) => format!("step {i}: {step:?}"),
                        Err(e) => format!("undecodable: {e}"),
                    });
                }
            }
            Ok(other) => lines.push(format!("not a vector: {other:?}")),
            Err(e) => lines.push(format!("undecodable: {e}")),
        }
        lines
    }
}

/// A plan being encoded step by step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanBuilder {
    steps: Vec<u8>,
    count: u16,
}

/// A plan that does not fit one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTooLong(pub String);

impl std::fmt::Display for PlanTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the plan of {} does not fit one {MAX_PAYLOAD_BYTES}-byte frame",
            self.0
        )
    }
}

impl std::error::Error for PlanTooLong {}

impl PlanBuilder {
    /// Appends a step.
    pub fn push(&mut self, step: &Step<'_>) {
        let mut buf = [0u8; MAX_PAYLOAD_BYTES];
        let mut w = Writer::new(&mut buf);
        match plan::write_step(&mut w, step) {
            Ok(()) => self.steps.extend_from_slice(w.written()),
            // An oversized step makes the whole plan too long; `Vector::record` reports it.
            Err(_) => self.steps.resize(MAX_PAYLOAD_BYTES + 1, 0),
        }
        self.count = self.count.saturating_add(1);
    }
}

/// A set of vectors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VectorSet {
    /// The vectors, `id` = index.
    pub vectors: Vec<Vector>,
}

fn framed(payload: &[u8], out: &mut Vec<u8>) {
    // Every record the host builds is at most MAX_PAYLOAD_BYTES (`VectorSet::add` checks).
    let _ = frame::write_frame(payload, &mut |b| out.extend_from_slice(b));
}

impl VectorSet {
    /// Adds a generated vector made of `plan`; its id is its index.
    pub fn add(
        &mut self,
        profile: ProfileId,
        suite: &str,
        case: &str,
        plan: PlanBuilder,
    ) -> Result<(), PlanTooLong> {
        self.add_from(profile, suite, case, plan, Origin::Generated)
    }

    /// Adds a vector made of `plan`, from `origin`; its id is its index.
    pub fn add_from(
        &mut self,
        profile: ProfileId,
        suite: &str,
        case: &str,
        plan: PlanBuilder,
        origin: Origin,
    ) -> Result<(), PlanTooLong> {
        let v = Vector {
            id: self.vectors.len() as u32,
            profile,
            suite: suite.into(),
            case: case.into(),
            plan,
            origin,
        };
        v.record()?;
        self.vectors.push(v);
        Ok(())
    }

    /// The vectors whose name (`<profile>/<suite>::<case>`) contains `filter`, renumbered from 0.
    pub fn filtered(&self, filter: Option<&str>) -> VectorSet {
        let mut out = VectorSet::default();
        for v in &self.vectors {
            if filter.is_none_or(|f| v.name().contains(f)) {
                let mut v = v.clone();
                v.id = out.vectors.len() as u32;
                out.vectors.push(v);
            }
        }
        out
    }

    /// The set as the firmware reads it: a set header, the vectors, the end, each framed.
    pub fn file_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 32];
        let n = self.vectors.len() as u32;
        let mut w = Writer::new(&mut buf);
        // A set header is a few bytes: it always fits.
        let _ = plan::write_set(&mut w, n);
        framed(w.written(), &mut out);
        for v in &self.vectors {
            // `add` checked that every record fits.
            if let Ok(record) = v.record() {
                framed(&record, &mut out);
            }
        }
        let mut w = Writer::new(&mut buf);
        let _ = plan::write_end(&mut w, n);
        framed(w.written(), &mut out);
        out
    }

    /// Reads a set file (as [`file_bytes`](Self::file_bytes) writes it). Each vector's profile is
    /// the one its first step starts; its name `suite::case` is split at the first `::`.
    pub fn read(file: &[u8]) -> Result<VectorSet, String> {
        let mut rx = Box::new(Deframer::<RECEIVE_BYTES>::new());
        let mut set = VectorSet::default();
        let mut rest = file;
        let mut ended = false;
        while !ended {
            let n = rx.push(rest);
            rest = &rest[n..];
            if n == 0 {
                rx.end();
            }
            loop {
                let payload = match rx.next_event() {
                    Event::NeedMore if n == 0 => return Err("the set file has no end record".into()),
                    Event::NeedMore => break,
                    Event::Skipped { bytes, why } => {
                        return Err(format!(
                            "the set file is damaged: {bytes} bytes of {}",
                            why.name()
                        ));
                    }
                    Event::Frame(p) => p,
                };
                match plan::read_down(payload).map_err(|e| format!("vector {}: {e}", set.vectors.len()))? {
                    plan::Down::Set { .. } => {}
                    plan::Down::End { .. } => {
                        ended = true;
                        break;
                    }
                    plan::Down::Vector(mut v) => {
                        let (suite, case) = v.name.split_once("::").unwrap_or(("", v.name));
                        let (suite, case) = (suite.to_string(), case.to_string());
                        let mut plan = PlanBuilder::default();
                        let mut profile = None;
                        let mut params = plan::param_buf();
                        while let Some(step) = v.next_step(&mut params) {
                            let (_, step) = step.map_err(|e| format!("vector {}: {e}", v.id))?;
                            if let (None, Step::Start { profile: p, .. }) = (profile, &step) {
                                profile = Some(*p);
                            }
                            plan.push(&step);
                        }
                        let profile = profile.ok_or_else(|| format!("vector {} starts no profile", v.id))?;
                        set.add(profile, &suite, &case, plan).map_err(|e| e.to_string())?;
                    }
                }
            }
        }
        Ok(set)
    }
}

/// The name the host gives itself in its own greeting.
pub const HOST: &str = "host";

/// Replays `stream` (a set file's bytes) on the host exactly as the firmware does, and returns the
/// framed observation records it sends.
pub fn replay_on_host(stream: &[u8]) -> Vec<u8> {
    let mut arena = vec![0u8; ARENA_BYTES];
    let mut subject = Reference::new(&mut arena);
    let mut replayer = Replayer::new(&mut subject);
    let mut out = Vec::new();
    let mut send = |b: &[u8]| out.extend_from_slice(b);
    let mut em = Emitter::new(&mut send);
    replayer.hello(&mut em, HOST);
    let mut rx = Box::new(Deframer::<RECEIVE_BYTES>::new());
    let mut rest = stream;
    loop {
        let n = rx.push(rest);
        rest = &rest[n..];
        if memspec_replay::pump(&mut rx, &mut replayer, &mut em) == Flow::SetEnded {
            break;
        }
        if n == 0 {
            memspec_replay::finish(&mut rx, &mut replayer, &mut em);
            break;
        }
    }
    out
}

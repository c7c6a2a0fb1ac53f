//! A transcript: the observation stream of one run (a firmware's output, or the host's own), cut
//! into frames and sorted by vector.

use std::collections::BTreeMap;

use memspec_replay::RECEIVE_BYTES;
use memspec_vector::frame::{Deframer, Event, SkipReason};
use memspec_vector::record::Record;

fn skip_text(bytes: usize, why: SkipReason) -> String {
    format!("{bytes} bytes dropped from the stream: {}", why.name())
}

/// The records of one vector, from its `begin` to its `end`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VectorRecords {
    /// Each record's payload, `begin` and `end` included.
    pub records: Vec<Vec<u8>>,
    /// Whether the `end` record arrived.
    pub ended: bool,
    /// Stream problems met while the vector was open (dropped bytes, undecodable records).
    pub problems: Vec<String>,
}

/// The greeting a firmware sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// Its format version.
    pub version: u16,
    /// Its name.
    pub firmware: String,
    /// Its arena in bytes.
    pub arena_bytes: u32,
}

/// Everything one run said, sorted.
#[derive(Debug)]
pub struct Transcript {
    rx: Box<Deframer<RECEIVE_BYTES>>,
    /// The greeting, if one arrived.
    pub hello: Option<Hello>,
    /// The records of each vector, by id.
    pub vectors: BTreeMap<u32, VectorRecords>,
    /// The `done` record's counts (vectors replayed, frames rejected), once it arrived.
    pub done: Option<(u32, u32)>,
    /// Problems outside any vector: dropped bytes, rejections that name no vector.
    pub problems: Vec<String>,
    open: Option<u32>,
    last_skip: Option<(SkipReason, usize)>,
    /// Bytes received in all.
    pub bytes: usize,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self {
            rx: Box::new(Deframer::new()),
            hello: None,
            vectors: BTreeMap::new(),
            done: None,
            problems: Vec::new(),
            open: None,
            last_skip: None,
            bytes: 0,
        }
    }

    /// The transcript of a whole recorded stream.
    pub fn of(stream: &[u8]) -> Self {
        let mut t = Self::new();
        t.push(stream);
        t.finish();
        t
    }

    /// Adds received bytes.
    pub fn push(&mut self, mut bytes: &[u8]) {
        self.bytes += bytes.len();
        while !bytes.is_empty() {
            let n = self.rx.push(bytes);
            bytes = &bytes[n..];
            self.drain();
        }
    }

    /// Marks the end of the stream: whatever is left is reported.
    pub fn finish(&mut self) {
        self.rx.end();
        self.drain();
    }

    /// Whether vector `id`'s `end` record has arrived.
    pub fn ended(&self, id: u32) -> bool {
        self.vectors.get(&id).is_some_and(|v| v.ended)
    }

    fn problem(&mut self, what: String) {
        match self.open.and_then(|id| self.vectors.get_mut(&id)) {
            Some(v) => v.problems.push(what),
            None => self.problems.push(what),
        }
    }

    fn skipped(&mut self, bytes: usize, why: SkipReason) {
        // Bytes arrive in pieces; one run of skipped bytes is one problem.
        if self.last_skip.is_some_and(|(w, _)| w == why) {
            let total = self.last_skip.map_or(0, |(_, n)| n) + bytes;
            self.last_skip = Some((why, total));
            let list = match self.open.and_then(|id| self.vectors.get_mut(&id)) {
                Some(v) => &mut v.problems,
                None => &mut self.problems,
            };
            if let Some(last) = list.last_mut() {
                *last = skip_text(total, why);
                return;
            }
        }
        self.last_skip = Some((why, bytes));
        self.problem(skip_text(bytes, why));
    }

    fn drain(&mut self) {
        loop {
            let payload = match self.rx.next_event() {
                Event::NeedMore => return,
                Event::Skipped { bytes, why } => {
                    self.skipped(bytes, why);
                    continue;
                }
                Event::Frame(p) => p.to_vec(),
            };
            self.last_skip = None;
            self.record(payload);
        }
    }

    fn record(&mut self, payload: Vec<u8>) {
        let rec = match Record::read(&payload) {
            Ok(r) => r,
            Err(e) => {
                self.problem(format!("undecodable record: {e}"));
                return;
            }
        };
        match rec {
            Record::Hello {
                version,
                firmware,
                arena_bytes,
                ..
            } => {
                self.hello = Some(Hello {
                    version,
                    firmware: firmware.into(),
                    arena_bytes,
                });
            }
            Record::Begin { vector } => {
                if let Some(open) = self.open {
                    self.problem(format!("vector {open} has no end before vector {vector} begins"));
                }
                self.open = Some(vector);
                let v = self.vectors.entry(vector).or_default();
                if !v.records.is_empty() {
                    v.problems.push(format!("vector {vector} began twice"));
                }
                v.records.push(payload);
            }
            Record::End(e) => {
                match self.open.take() {
                    Some(open) if open == e.vector => {}
                    Some(open) => self
                        .problems
                        .push(format!("vector {} ends while vector {open} is open", e.vector)),
                    None => self
                        .problems
                        .push(format!("vector {} ends without a begin", e.vector)),
                }
                let v = self.vectors.entry(e.vector).or_default();
                v.records.push(payload);
                v.ended = true;
            }
            Record::Done { vectors, rejected } => self.done = Some((vectors, rejected)),
            Record::Rejected { vector: None, reason } => {
                let what = format!("the firmware rejected a frame: {reason}");
                self.problem(what);
            }
            _ => match self.open.and_then(|id| self.vectors.get_mut(&id)) {
                Some(v) => v.records.push(payload),
                None => self.problems.push(format!("a record outside any vector: {rec}")),
            },
        }
    }
}

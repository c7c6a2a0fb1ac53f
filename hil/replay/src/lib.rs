//! The replay core: decodes vectors, runs each step on a subject through [`Runner`], checks the laws,
//! and sends every observation back as a framed record.
//!
//! It runs the same way on the host (the expected observations), under QEMU and on the board; the
//! firmware only supplies the bytes coming in and a function that sends bytes out. Nothing here
//! allocates: a vector is decoded one step at a time from the received frame, and heap-map text is
//! sent in pieces as it is written.
//!
//! ## Quick start
//!
//! the firmware replays the corpus as vectors: `cargo xtask qemu` under QEMU,
//! `cargo xtask hil` on an ESP32-C3 board (see `hil/README.md`).
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.
#![no_std]
#![forbid(unsafe_code)]

pub mod laws;

use core::fmt;

use memspec::step::{Outcome, Runner, Sink, Step};
use memspec::subject::{Stat, Subject, SubjectResult};
use memspec::{Profile, ProfileId};
use memspec_vector::frame::{self, Deframer, Event, SkipReason};
use memspec_vector::plan::{self, Down, VectorReader};
use memspec_vector::record::{self, VectorEnd};
use memspec_vector::wire::{Full, Writer};

use crate::laws::Figures;

/// Bytes of the arena every replay runs on, the same on the host, under QEMU and on the board: room
/// for the largest heap a vector asks for (the generator asks for 64 to 128 KiB, ESP32-sized).
pub const ARENA_BYTES: usize = 128 * 1024;
/// The most plan variables a vector may bind.
pub const MAX_VARS: usize = 64;
/// Room for one encoded record, in bytes: the longest is a broken law (a 320-byte message and its
/// name) or an error (a 240-byte detail).
pub const RECORD_BYTES: usize = 512;
/// Heap-map text is sent in pieces of at most this many bytes.
pub const TEXT_PIECE_BYTES: usize = 192;
/// Buffer of a deframer that holds one whole frame and the start of the next.
pub const RECEIVE_BYTES: usize = 2 * frame::MAX_FRAME_BYTES;

/// The profile tables laws are checked against.
pub type ProfileTables = &'static [&'static Profile];

/// Encodes records and sends them framed.
pub struct Emitter<'o> {
    out: &'o mut dyn FnMut(&[u8]),
    buf: [u8; RECORD_BYTES],
}

impl fmt::Debug for Emitter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emitter").finish_non_exhaustive()
    }
}

impl<'o> Emitter<'o> {
    /// An emitter sending through `out`.
    pub fn new(out: &'o mut dyn FnMut(&[u8])) -> Self {
        Self {
            out,
            buf: [0; RECORD_BYTES],
        }
    }

    /// Encodes one record with `write` and sends it as a frame. A record that does not fit is
    /// replaced by a rejection saying so, so the host sees the loss.
    pub fn emit(&mut self, write: impl FnOnce(&mut Writer<'_>) -> Result<(), Full>) {
        let mut w = Writer::new(&mut self.buf);
        let len = match write(&mut w) {
            Ok(()) => w.written().len(),
            Err(Full) => {
                let mut w = Writer::new(&mut self.buf);
                let reason = format_args!("a record was over the {RECORD_BYTES}-byte record buffer");
                // The rejection itself is short, so it always fits.
                let _ = record::write_rejected(&mut w, None, reason);
                w.written().len()
            }
        };
        // `len` is at most RECORD_BYTES, under MAX_PAYLOAD_BYTES, so framing cannot fail.
        let _ = frame::write_frame(&self.buf[..len], self.out);
    }
}

/// Sends the figures and heap-map text of one step as records.
struct StepSink<'e, 'o> {
    text: TextPieces<'e, 'o>,
    figures: Figures,
}

/// Cuts heap-map text into [`record::write_text`] records.
struct TextPieces<'e, 'o> {
    em: &'e mut Emitter<'o>,
    step: u16,
    piece: [u8; TEXT_PIECE_BYTES],
    len: usize,
}

impl TextPieces<'_, '_> {
    fn flush(&mut self) {
        if self.len > 0 {
            let (step, piece) = (self.step, &self.piece[..self.len]);
            self.em.emit(|w| record::write_text(w, step, piece));
            self.len = 0;
        }
    }
}

impl fmt::Write for TextPieces<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.as_bytes() {
            if self.len == TEXT_PIECE_BYTES {
                self.flush();
            }
            self.piece[self.len] = *b;
            self.len += 1;
        }
        Ok(())
    }
}

impl Sink for StepSink<'_, '_> {
    fn stat(&mut self, stat: Stat<'_>) {
        self.figures.note(stat.name, stat.value);
        let step = self.text.step;
        self.text.em.emit(|w| record::write_stat(w, step, &stat));
    }

    fn text(&mut self) -> &mut dyn fmt::Write {
        &mut self.text
    }
}

/// What the caller does after a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    More,
    /// The set has ended; [`Replayer::done`] has been sent.
    SetEnded,
}

/// Replays the vectors of a set on one subject.
pub struct Replayer<'s> {
    subject: &'s mut dyn Subject,
    tables: ProfileTables,
    replayed: u32,
    rejected: u32,
}

impl fmt::Debug for Replayer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replayer")
            .field("subject", &self.subject.name())
            .field("replayed", &self.replayed)
            .field("rejected", &self.rejected)
            .finish()
    }
}

impl<'s> Replayer<'s> {
    /// A replayer checking laws against every profile's tables ([`laws::LAW_PROFILES`]).
    pub fn new(subject: &'s mut dyn Subject) -> Self {
        Self::with_tables(subject, laws::LAW_PROFILES)
    }

    /// A replayer checking laws against `tables`.
    pub fn with_tables(subject: &'s mut dyn Subject, tables: ProfileTables) -> Self {
        Self {
            subject,
            tables,
            replayed: 0,
            rejected: 0,
        }
    }

    /// Vectors replayed so far in this set.
    pub fn replayed(&self) -> u32 {
        self.replayed
    }

    /// Frames and vectors rejected so far in this set.
    pub fn rejected(&self) -> u32 {
        self.rejected
    }

    /// Sends the greeting.
    pub fn hello(&self, em: &mut Emitter<'_>, firmware: &str) {
        em.emit(|w| record::write_hello(w, firmware, ARENA_BYTES as u32, MAX_VARS as u32));
    }

    /// Handles one received frame.
    pub fn frame(&mut self, payload: &[u8], em: &mut Emitter<'_>) -> Flow {
        match plan::read_down(payload) {
            Ok(Down::Set { .. }) => {
                self.replayed = 0;
                self.rejected = 0;
                Flow::More
            }
            Ok(Down::Vector(v)) => {
                self.vector(v, em);
                Flow::More
            }
            Ok(Down::End { .. }) => {
                self.done(em);
                Flow::SetEnded
            }
            Err(e) => {
                self.rejected += 1;
                em.emit(|w| record::write_rejected(w, None, format_args!("{e}")));
                Flow::More
            }
        }
    }

    /// Reports bytes of the incoming stream that were no frame.
    pub fn skipped(&mut self, bytes: usize, why: SkipReason, em: &mut Emitter<'_>) {
        self.rejected += 1;
        em.emit(|w| record::write_rejected(w, None, format_args!("{bytes} bytes dropped: {}", why.name())));
    }

    /// Sends the counts of the set.
    pub fn done(&self, em: &mut Emitter<'_>) {
        em.emit(|w| record::write_done(w, self.replayed, self.rejected));
    }

    fn tables_of(&self, id: ProfileId) -> Option<&'static Profile> {
        self.tables.iter().copied().find(|p| p.id == id)
    }

    fn vector(&mut self, mut v: VectorReader<'_>, em: &mut Emitter<'_>) {
        let id = v.id;
        em.emit(|w| record::write_begin(w, id));
        let mut runner = Runner::<MAX_VARS>::new();
        let mut profile: Option<&'static Profile> = None;
        let mut end = VectorEnd {
            vector: id,
            ..VectorEnd::default()
        };
        let mut params = plan::param_buf();
        while let Some(next) = v.next_step(&mut params) {
            let (index, step) = match next {
                Ok(s) => s,
                Err(e) => {
                    self.rejected += 1;
                    em.emit(|w| record::write_rejected(w, Some(id), format_args!("{e}")));
                    em.emit(|w| record::write_end(w, &end));
                    return;
                }
            };
            if let Step::Start { profile: p, .. } = step {
                profile = self.tables_of(p);
            }
            let (result, figures) = self.step(&mut runner, &step, index, em);
            em.emit(|w| record::write_step(w, index, &result));
            end.steps = index + 1;
            if let Some(p) = profile {
                laws::check(p, &step, &result, &figures, &mut |verdict| {
                    end.laws_checked += 1;
                    if let Err(v) = verdict {
                        end.laws_broken += 1;
                        em.emit(|w| record::write_law(w, index, &v));
                    }
                });
            }
        }
        self.replayed += 1;
        em.emit(|w| record::write_end(w, &end));
    }

    fn step(
        &mut self,
        runner: &mut Runner<MAX_VARS>,
        step: &Step<'_>,
        index: u16,
        em: &mut Emitter<'_>,
    ) -> (SubjectResult<Outcome>, Figures) {
        let mut sink = StepSink {
            text: TextPieces {
                em,
                step: index,
                piece: [0; TEXT_PIECE_BYTES],
                len: 0,
            },
            figures: Figures::default(),
        };
        let result = runner.run(self.subject, step, &mut sink);
        sink.text.flush();
        (result, sink.figures)
    }
}

/// Feeds the next complete frame (or run of skipped bytes) held by `rx` to `replayer`; `None` when
/// `rx` needs more bytes.
pub fn pump_one<const N: usize>(
    rx: &mut Deframer<N>,
    replayer: &mut Replayer<'_>,
    em: &mut Emitter<'_>,
) -> Option<Flow> {
    match rx.next_event() {
        Event::Frame(payload) => Some(replayer.frame(payload, em)),
        Event::Skipped { bytes, why } => {
            replayer.skipped(bytes, why, em);
            Some(Flow::More)
        }
        Event::NeedMore => None,
    }
}

/// Feeds every complete frame held by `rx` to `replayer`; returns [`Flow::SetEnded`] once a set ends
/// (frames after it stay in `rx`).
pub fn pump<const N: usize>(rx: &mut Deframer<N>, replayer: &mut Replayer<'_>, em: &mut Emitter<'_>) -> Flow {
    while let Some(flow) = pump_one(rx, replayer, em) {
        if flow == Flow::SetEnded {
            return flow;
        }
    }
    Flow::More
}

/// At the end of the incoming stream: replays or reports what is left in `rx`, then sends the counts
/// (unless a set's end already did).
pub fn finish<const N: usize>(rx: &mut Deframer<N>, replayer: &mut Replayer<'_>, em: &mut Emitter<'_>) {
    rx.end();
    if pump(rx, replayer, em) == Flow::More {
        replayer.done(em);
    }
}

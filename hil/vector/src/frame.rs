//! Frames: how records travel over a byte stream that may also carry other bytes.
//!
//! ```text
//! offset     bytes  field
//! 0          4      magic A5 4D 53 5A
//! 4          2      payload length n, little-endian, at most MAX_PAYLOAD_BYTES
//! 6          n      payload: one record
//! 6 + n      4      CRC-32 of bytes 4 .. 6 + n (length and payload), little-endian
//! ```
//!
//! The same frames carry vectors down (a vector-set file under QEMU, the RTT down channel on a board)
//! and observations up (semihosting stdout under QEMU, the RTT up channel on a board). A reader skips
//! anything between frames (console text, a half-written frame of an earlier run) and says what it
//! skipped, so a corrupted stream costs the frames it touched and no more.

use core::ops::Range;

use crate::crc::{Crc32, crc32};

/// The four bytes every frame starts with.
pub const MAGIC: [u8; 4] = [0xA5, 0x4D, 0x53, 0x5A];
/// Bytes before the payload: magic and length.
pub const HEADER_BYTES: usize = MAGIC.len() + 2;
/// Bytes after the payload: the CRC-32.
pub const TRAILER_BYTES: usize = 4;
/// Bytes a frame adds to its payload.
pub const OVERHEAD_BYTES: usize = HEADER_BYTES + TRAILER_BYTES;
/// The longest payload a frame may carry, in bytes; the firmware's receive buffer is sized from it.
pub const MAX_PAYLOAD_BYTES: usize = 4096;
/// The longest frame in bytes.
pub const MAX_FRAME_BYTES: usize = MAX_PAYLOAD_BYTES + OVERHEAD_BYTES;

/// A payload too long for one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLong {
    /// The payload's length in bytes.
    pub bytes: usize,
}

impl core::fmt::Display for TooLong {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "a payload of {} bytes is over the {MAX_PAYLOAD_BYTES} bytes a frame carries",
            self.bytes
        )
    }
}

/// Writes `payload` as one frame through `out` (header, payload, trailer: three calls).
pub fn write_frame(payload: &[u8], out: &mut dyn FnMut(&[u8])) -> Result<(), TooLong> {
    let len = u16::try_from(payload.len())
        .ok()
        .filter(|n| *n as usize <= MAX_PAYLOAD_BYTES)
        .ok_or(TooLong { bytes: payload.len() })?;
    let mut header = [0u8; HEADER_BYTES];
    header[..4].copy_from_slice(&MAGIC);
    header[4..].copy_from_slice(&len.to_le_bytes());
    let mut crc = Crc32::new();
    crc.update(&header[4..]);
    crc.update(payload);
    out(&header);
    out(payload);
    out(&crc.finish().to_le_bytes());
    Ok(())
}

/// Why bytes of a stream were skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Bytes outside any frame.
    Garbage,
    /// A frame whose checksum does not match its bytes.
    BadChecksum,
    /// A frame cut short: another frame starts inside it, or the stream ended.
    Truncated,
    /// A frame header announcing a payload over [`MAX_PAYLOAD_BYTES`].
    Oversize,
}

impl SkipReason {
    /// A short name for reports.
    pub const fn name(self) -> &'static str {
        match self {
            SkipReason::Garbage => "bytes outside any frame",
            SkipReason::BadChecksum => "bad checksum",
            SkipReason::Truncated => "truncated frame",
            SkipReason::Oversize => "oversize frame",
        }
    }
}

/// What the start of a buffer holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scan {
    /// The buffer may begin a frame that is not complete yet.
    NeedMore,
    /// A whole, valid frame: its payload and the bytes it took.
    Frame {
        /// Where the payload is in the buffer.
        payload: Range<usize>,
        /// Bytes of the buffer the frame took.
        consumed: usize,
    },
    /// The first `bytes` bytes are no frame and are dropped.
    Skip {
        /// How many bytes.
        bytes: usize,
        /// Why.
        why: SkipReason,
    },
}

/// The first position at or after `from` where the magic starts, or where the buffer ends in a
/// prefix of it.
fn find_magic(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len()).find(|&i| {
        let rest = &buf[i..];
        let n = rest.len().min(MAGIC.len());
        rest[..n] == MAGIC[..n]
    })
}

/// The payload length a header at the start of `buf` announces, if the header is all there.
fn announced(buf: &[u8]) -> Option<usize> {
    if buf.len() < HEADER_BYTES || buf[..4] != MAGIC {
        return None;
    }
    Some(u16::from_le_bytes([buf[4], buf[5]]) as usize)
}

/// The length of the complete valid frame at the start of `buf`, if there is one.
fn frame_at(buf: &[u8]) -> Option<usize> {
    let n = announced(buf)?;
    if n > MAX_PAYLOAD_BYTES {
        return None;
    }
    let total = n + OVERHEAD_BYTES;
    let frame = buf.get(..total)?;
    let (body, trailer) = frame.split_at(HEADER_BYTES + n);
    let want = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    (crc32(&body[4..]) == want).then_some(total)
}

/// Whether the bytes at the start of `buf` could still become a valid frame as more bytes arrive.
fn could_complete(buf: &[u8]) -> bool {
    match announced(buf) {
        None => buf.len() < HEADER_BYTES,
        Some(n) => n <= MAX_PAYLOAD_BYTES && buf.len() < n + OVERHEAD_BYTES,
    }
}

/// Where a frame starting inside the first `limit` bytes (not at 0) settles what `buf[0]` is.
enum Later {
    /// A complete valid frame starts here: everything before it is a damaged frame.
    Frame(usize),
    /// A frame may start here once more bytes arrive.
    Pending,
    /// No frame starts inside the limit.
    None,
}

fn later_frame(buf: &[u8], limit: usize, at_end: bool) -> Later {
    let mut from = 1;
    while let Some(k) = find_magic(buf, from) {
        if k >= limit {
            break;
        }
        if frame_at(&buf[k..]).is_some() {
            return Later::Frame(k);
        }
        if !at_end && could_complete(&buf[k..]) {
            return Later::Pending;
        }
        from = k + 1;
    }
    Later::None
}

/// Looks at the start of `buf` (see [`Scan`]) while more bytes may follow.
pub fn scan(buf: &[u8]) -> Scan {
    scan_with(buf, false)
}

/// Looks at the start of `buf`; with `at_end`, no more bytes will follow, so nothing is waited for.
pub fn scan_with(buf: &[u8], at_end: bool) -> Scan {
    if buf.is_empty() {
        return Scan::NeedMore;
    }
    match find_magic(buf, 0) {
        None => {
            return Scan::Skip {
                bytes: buf.len(),
                why: SkipReason::Garbage,
            };
        }
        Some(i) if i > 0 => {
            return Scan::Skip {
                bytes: i,
                why: SkipReason::Garbage,
            };
        }
        Some(_) => {}
    }
    let truncated = |bytes| Scan::Skip {
        bytes,
        why: SkipReason::Truncated,
    };
    let Some(n) = announced(buf) else {
        return if at_end {
            truncated(buf.len())
        } else {
            Scan::NeedMore
        };
    };
    if n > MAX_PAYLOAD_BYTES {
        return Scan::Skip {
            bytes: find_magic(buf, 1).unwrap_or(buf.len()),
            why: SkipReason::Oversize,
        };
    }
    let total = n + OVERHEAD_BYTES;
    if buf.len() < total {
        // A frame that never completes must not stall a live stream once the next one has arrived.
        return match later_frame(buf, buf.len(), at_end) {
            Later::Frame(k) => truncated(k),
            _ if at_end => truncated(buf.len()),
            _ => Scan::NeedMore,
        };
    }
    if frame_at(buf).is_some() {
        return Scan::Frame {
            payload: HEADER_BYTES..HEADER_BYTES + n,
            consumed: total,
        };
    }
    match later_frame(buf, total, at_end) {
        Later::Frame(k) => truncated(k),
        Later::Pending => Scan::NeedMore,
        Later::None => Scan::Skip {
            bytes: total,
            why: SkipReason::BadChecksum,
        },
    }
}

/// What [`Deframer::next_event`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A frame's payload.
    Frame(&'a [u8]),
    /// Bytes dropped, and why.
    Skipped {
        /// How many bytes.
        bytes: usize,
        /// Why.
        why: SkipReason,
    },
    /// Nothing more until more bytes are pushed.
    NeedMore,
}

/// Cuts a byte stream into frames, with a fixed buffer of `N` bytes (at least [`MAX_FRAME_BYTES`]
/// for every frame to fit).
#[derive(Debug)]
pub struct Deframer<const N: usize> {
    buf: [u8; N],
    start: usize,
    end: usize,
    ended: bool,
}

impl<const N: usize> Default for Deframer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Deframer<N> {
    /// An empty deframer.
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            start: 0,
            end: 0,
            ended: false,
        }
    }

    /// Room for more bytes: a slice to fill, then [`commit`](Self::commit) how many were written.
    pub fn room(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Marks `n` bytes of [`room`](Self::room) as filled.
    pub fn commit(&mut self, n: usize) {
        self.end = (self.end + n).min(N);
    }

    /// Copies as much of `bytes` as fits; returns how many were taken.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        let room = self.room();
        let n = room.len().min(bytes.len());
        room[..n].copy_from_slice(&bytes[..n]);
        self.commit(n);
        n
    }

    /// Bytes held and not yet cut.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// The next frame or skip.
    pub fn next_event(&mut self) -> Event<'_> {
        let held = &self.buf[self.start..self.end];
        match scan_with(held, self.ended) {
            Scan::NeedMore if held.len() == N => {
                // A full buffer that still needs more can never complete: drop a byte and rescan.
                self.start += 1;
                Event::Skipped {
                    bytes: 1,
                    why: SkipReason::Oversize,
                }
            }
            Scan::NeedMore => Event::NeedMore,
            Scan::Skip { bytes, why } => {
                self.start += bytes;
                Event::Skipped { bytes, why }
            }
            Scan::Frame { payload, consumed } => {
                let at = self.start;
                self.start += consumed;
                Event::Frame(&self.buf[at + payload.start..at + payload.end])
            }
        }
    }

    /// Marks the end of the stream: from now on [`next_event`](Self::next_event) waits for nothing
    /// and reports what is left (a frame cut short, or other bytes).
    pub fn end(&mut self) {
        self.ended = true;
    }
}

//! The primitive encodings inside a payload: LEB128 varints, zigzag for signed numbers, length-prefixed
//! bytes and UTF-8 text, fixed 8-byte little-endian floats.

use core::fmt;

/// Why a payload could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The payload ended inside a field.
    UnexpectedEnd,
    /// A varint longer than its type, or a number out of its field's range.
    Overflow,
    /// A tag byte that names nothing.
    BadTag(u8),
    /// Text that is not UTF-8.
    BadUtf8,
    /// A name (profile, tag class, error kind, unit) that this build does not know.
    UnknownName,
    /// More items than the decoder has room for.
    TooMany,
    /// Bytes left over after the last field.
    TrailingBytes,
    /// A format version this build does not speak.
    Version(u16),
}

/// Why a payload could not be read: what, which field, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// The field being read.
    pub field: &'static str,
    /// Byte offset in the payload.
    pub offset: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DecodeErrorKind::UnexpectedEnd => write!(f, "payload ends inside {}", self.field)?,
            DecodeErrorKind::Overflow => write!(f, "{} is out of range", self.field)?,
            DecodeErrorKind::BadTag(t) => write!(f, "{} has unknown tag {t:#04x}", self.field)?,
            DecodeErrorKind::BadUtf8 => write!(f, "{} is not UTF-8", self.field)?,
            DecodeErrorKind::UnknownName => write!(f, "{} names nothing this build knows", self.field)?,
            DecodeErrorKind::TooMany => write!(f, "{} has more items than fit", self.field)?,
            DecodeErrorKind::TrailingBytes => write!(f, "bytes left after {}", self.field)?,
            DecodeErrorKind::Version(v) => write!(
                f,
                "{} is format version {v}, this build speaks {}",
                self.field,
                crate::FORMAT_VERSION
            )?,
        }
        write!(f, " (payload byte {})", self.offset)
    }
}

/// A result of reading a payload.
pub type DecodeResult<T> = Result<T, DecodeError>;

/// The buffer was too small for what was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the record does not fit its buffer")
    }
}

/// Writes fields into a byte buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Appends raw bytes.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<(), Full> {
        let end = self.len.checked_add(bytes.len()).ok_or(Full)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(Full)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) -> Result<(), Full> {
        self.raw(&[v])
    }

    /// An unsigned LEB128 varint.
    pub fn uvar(&mut self, mut v: u128) -> Result<(), Full> {
        loop {
            let byte = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                return self.u8(byte);
            }
            self.u8(byte | 0x80)?;
        }
    }

    /// A signed number, zigzag then LEB128 (small magnitudes take few bytes).
    pub fn ivar(&mut self, v: i128) -> Result<(), Full> {
        self.uvar(((v << 1) ^ (v >> 127)) as u128)
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self, b: &[u8]) -> Result<(), Full> {
        self.uvar(b.len() as u128)?;
        self.raw(b)
    }

    /// Length-prefixed UTF-8 text.
    pub fn str(&mut self, s: &str) -> Result<(), Full> {
        self.bytes(s.as_bytes())
    }

    /// A float as its 8 IEEE-754 bytes, little-endian (every NaN payload kept).
    pub fn f64(&mut self, v: f64) -> Result<(), Full> {
        self.raw(&v.to_bits().to_le_bytes())
    }
}

/// Reads fields from a payload; every read is checked.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, at: 0 }
    }

    /// The byte offset of the next read.
    pub fn offset(&self) -> usize {
        self.at
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.at >= self.buf.len()
    }

    /// An error of `kind` reading `field` at the current offset.
    pub fn error(&self, kind: DecodeErrorKind, field: &'static str) -> DecodeError {
        DecodeError {
            kind,
            field,
            offset: self.at,
        }
    }

    /// An error for the tag byte `tag` of `field`, just read.
    pub fn bad_tag(&self, tag: u8, field: &'static str) -> DecodeError {
        DecodeError {
            kind: DecodeErrorKind::BadTag(tag),
            field,
            offset: self.at.saturating_sub(1),
        }
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self, field: &'static str) -> DecodeResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::TrailingBytes, field))
        }
    }

    /// `n` raw bytes.
    pub fn raw(&mut self, n: usize, field: &'static str) -> DecodeResult<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or(self.error(DecodeErrorKind::UnexpectedEnd, field))?;
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// One byte.
    pub fn u8(&mut self, field: &'static str) -> DecodeResult<u8> {
        Ok(self.raw(1, field)?[0])
    }

    /// An unsigned LEB128 varint of at most 128 bits.
    pub fn uvar(&mut self, field: &'static str) -> DecodeResult<u128> {
        let start = self.at;
        let mut v: u128 = 0;
        let mut shift = 0u32;
        loop {
            let byte = self.u8(field)?;
            let part = (byte & 0x7F) as u128;
            if shift >= 128 || (shift > 121 && part >> (128 - shift) != 0) {
                return Err(DecodeError {
                    kind: DecodeErrorKind::Overflow,
                    field,
                    offset: start,
                });
            }
            v |= part << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    /// A signed zigzag varint.
    pub fn ivar(&mut self, field: &'static str) -> DecodeResult<i128> {
        let u = self.uvar(field)?;
        Ok((u >> 1) as i128 ^ -((u & 1) as i128))
    }

    /// An unsigned varint that must fit `T`.
    pub fn uint<T: TryFrom<u128>>(&mut self, field: &'static str) -> DecodeResult<T> {
        let start = self.at;
        T::try_from(self.uvar(field)?).map_err(|_| DecodeError {
            kind: DecodeErrorKind::Overflow,
            field,
            offset: start,
        })
    }

    /// A signed varint that must fit `T`.
    pub fn int<T: TryFrom<i128>>(&mut self, field: &'static str) -> DecodeResult<T> {
        let start = self.at;
        T::try_from(self.ivar(field)?).map_err(|_| DecodeError {
            kind: DecodeErrorKind::Overflow,
            field,
            offset: start,
        })
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self, field: &'static str) -> DecodeResult<&'a [u8]> {
        let n = self.uint::<usize>(field)?;
        self.raw(n, field)
    }

    /// Length-prefixed UTF-8 text.
    pub fn str(&mut self, field: &'static str) -> DecodeResult<&'a str> {
        let start = self.at;
        let b = self.bytes(field)?;
        core::str::from_utf8(b).map_err(|_| DecodeError {
            kind: DecodeErrorKind::BadUtf8,
            field,
            offset: start,
        })
    }

    /// A float from its 8 bytes.
    pub fn f64(&mut self, field: &'static str) -> DecodeResult<f64> {
        let b = self.raw(8, field)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_bits(u64::from_le_bytes(a)))
    }

    /// A byte that must be 0 or 1.
    pub fn bool(&mut self, field: &'static str) -> DecodeResult<bool> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            t => Err(self.bad_tag(t, field)),
        }
    }
}

//! A caller-given byte arena read and written as little-endian words of a chosen width.

/// Bytes of a stored word: 2, 4 or 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordBytes {
    /// A 16-bit word.
    Two = 2,
    /// A 32-bit word.
    Four = 4,
    /// A 64-bit word.
    Eight = 8,
}

impl WordBytes {
    /// The width in bytes.
    pub const fn get(self) -> usize {
        self as usize
    }
}

/// The little-endian word of `width` at `at` in `bytes`: one fixed-width load, no copy loop.
pub fn le_word(bytes: &[u8], at: usize, width: WordBytes) -> Option<u64> {
    let end = at.checked_add(width.get())?;
    let src = bytes.get(at..end)?;
    Some(match width {
        WordBytes::Two => u64::from(u16::from_le_bytes(src.try_into().ok()?)),
        WordBytes::Four => u64::from(u32::from_le_bytes(src.try_into().ok()?)),
        WordBytes::Eight => u64::from_le_bytes(src.try_into().ok()?),
    })
}

/// Writes `value` (cut to `width`) little-endian at `at` in `bytes`.
pub fn set_le_word(bytes: &mut [u8], at: usize, width: WordBytes, value: u64) -> Option<()> {
    let end = at.checked_add(width.get())?;
    let dst = bytes.get_mut(at..end)?;
    match width {
        WordBytes::Two => dst.copy_from_slice(&(value as u16).to_le_bytes()),
        WordBytes::Four => dst.copy_from_slice(&(value as u32).to_le_bytes()),
        WordBytes::Eight => dst.copy_from_slice(&value.to_le_bytes()),
    }
    Some(())
}

/// A byte offset into an arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Offset(pub usize);

/// A byte arena; every access is bounds-checked and returns `None` when out of range.
#[derive(Debug)]
pub struct Arena<'a> {
    bytes: &'a mut [u8],
}

impl<'a> Arena<'a> {
    /// Wraps `bytes`.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes }
    }

    /// Gives the bytes back.
    pub fn into_inner(self) -> &'a mut [u8] {
        self.bytes
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the arena has no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The byte at `at`.
    pub fn byte(&self, at: Offset) -> Option<u8> {
        self.bytes.get(at.0).copied()
    }

    /// Sets the byte at `at`; `None` if out of range.
    pub fn set_byte(&mut self, at: Offset, value: u8) -> Option<()> {
        *self.bytes.get_mut(at.0)? = value;
        Some(())
    }

    /// The little-endian word of `width` at `at`.
    pub fn word(&self, at: Offset, width: WordBytes) -> Option<u64> {
        le_word(self.bytes, at.0, width)
    }

    /// Writes `value` (cut to `width`) little-endian at `at`.
    pub fn set_word(&mut self, at: Offset, width: WordBytes, value: u64) -> Option<()> {
        set_le_word(self.bytes, at.0, width, value)
    }

    /// Fills `len` bytes from `at` with `value`.
    pub fn fill(&mut self, at: Offset, len: usize, value: u8) -> Option<()> {
        self.bytes.get_mut(at.0..at.0.checked_add(len)?)?.fill(value);
        Some(())
    }

    /// The bytes `at .. at + len`.
    pub fn slice(&self, at: Offset, len: usize) -> Option<&[u8]> {
        self.bytes.get(at.0..at.0.checked_add(len)?)
    }

    /// The bytes `at .. at + len`, writable.
    pub fn slice_mut(&mut self, at: Offset, len: usize) -> Option<&mut [u8]> {
        self.bytes.get_mut(at.0..at.0.checked_add(len)?)
    }

    /// Copies `len` bytes from `from` to `to` (the ranges may overlap).
    pub fn copy_within(&mut self, from: Offset, to: Offset, len: usize) -> Option<()> {
        self.bytes.get(from.0..from.0.checked_add(len)?)?;
        self.bytes.get(to.0..to.0.checked_add(len)?)?;
        self.bytes.copy_within(from.0..from.0 + len, to.0);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_little_endian_and_bounds_checked() {
        let mut buf = [0u8; 8];
        let mut a = Arena::new(&mut buf);
        a.set_word(Offset(2), WordBytes::Four, 0x1122_3344).unwrap();
        assert_eq!(a.byte(Offset(2)), Some(0x44));
        assert_eq!(a.word(Offset(2), WordBytes::Two), Some(0x3344));
        assert_eq!(a.word(Offset(6), WordBytes::Four), None);
        assert_eq!(a.set_word(Offset(usize::MAX), WordBytes::Two, 1), None);
    }
}

//! A fixed-capacity UTF-8 buffer, so messages can be built with `write!` without an allocator.

use core::fmt;

/// Up to `N` bytes of UTF-8 text. Writes past the end are cut at a character boundary and the text
/// ends in `…`, so a long message is shortened, never lost silently.
#[derive(Clone, Copy)]
pub struct Text<const N: usize> {
    bytes: [u8; N],
    len: usize,
    truncated: bool,
}

impl<const N: usize> Text<N> {
    /// The empty text.
    pub const fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
            truncated: false,
        }
    }

    /// Text made from a formatter's output.
    pub fn from_fmt(args: fmt::Arguments<'_>) -> Self {
        let mut t = Self::new();
        // Writing into `Text` never fails: overflow truncates.
        let _ = fmt::write(&mut t, args);
        t
    }

    /// The text, with a trailing `…` when it was cut.
    pub fn as_str(&self) -> &str {
        // `write_str` only ever copies whole characters, so the prefix is valid UTF-8.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    /// Whether some of what was written did not fit.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.truncated {
            return Ok(());
        }
        const ELLIPSIS: &str = "…";
        let room = N - self.len;
        if s.len() <= room {
            self.bytes[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
            return Ok(());
        }
        // Keep room for the ellipsis, then copy whole characters only.
        let keep = room.saturating_sub(ELLIPSIS.len());
        let mut cut = keep.min(s.len());
        while cut > 0 && !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.bytes[self.len..self.len + cut].copy_from_slice(&s.as_bytes()[..cut]);
        self.len += cut;
        if N - self.len >= ELLIPSIS.len() {
            self.bytes[self.len..self.len + ELLIPSIS.len()].copy_from_slice(ELLIPSIS.as_bytes());
            self.len += ELLIPSIS.len();
        }
        self.truncated = true;
        Ok(())
    }
}

impl<const N: usize> fmt::Display for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> PartialEq for Text<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<const N: usize> Eq for Text<N> {}

/// Builds a [`Text`] with `format!` syntax.
#[macro_export]
macro_rules! text {
    ($($arg:tt)*) => {
        $crate::text::Text::from_fmt(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::Text;
    use core::fmt::Write;

    #[test]
    fn long_text_is_cut_at_a_character_boundary_and_marked() {
        let mut t = Text::<8>::new();
        write!(t, "ééééé").unwrap();
        assert!(t.is_truncated());
        assert!(t.as_str().ends_with('…'), "{:?}", t.as_str());
        assert!(t.as_str().len() <= 8);
    }
}

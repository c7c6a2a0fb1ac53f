//! Interned strings (qstrs): the few the model knows, and their hashes.
//!
//! A qstr is an index into a chain of pools (`py/qstr.c`). Index 0 is `MP_QSTRnull`; the static
//! pool begins with `static_qstr_list` of `py/makeqstrdata.py`, whose order is fixed because it is
//! part of the `.mpy` format, so those indices are the same in every build. The model knows the first
//! [`STATIC_QSTRS`] of them. Every other compile-time qstr has a build-dependent index; the model
//! knows a few that every build has ([`BUILD_QSTRS`]: the names of the core types and of their
//! unconditional methods) and numbers them from [`FIRST_BUILD_QSTR`], a number of its own choosing.
//!
//! Strings interned at run time (identifiers and string literals of at most
//! `MICROPY_ALLOC_PARSE_INTERN_STRING_LEN` = 10 bytes, interned by the parser) are registered with
//! [`Qstrs::intern`]. They are numbered from [`FIRST_RUNTIME_QSTR`], a number the model chooses
//! (the real one depends on the build's static qstr count); their pools and string chunks are not
//! placed in the heap under test, as the parser made them before any measurement began.
//!
//! `str` creation looks the text up first (`mp_obj_new_str` calls `qstr_find_strn`): text equal to a
//! known qstr is returned as the qstr word and costs no heap.

/// The first entries of `static_qstr_list` (`py/makeqstrdata.py`, v1.27.0), which are qstr numbers
/// 1, 2, 3, ... in every build.
pub const STATIC_QSTRS: [&str; 29] = [
    "",
    "__dir__",
    "\n",
    " ",
    "*",
    "/",
    "<module>",
    "_",
    "__call__",
    "__class__",
    "__delitem__",
    "__enter__",
    "__exit__",
    "__getattr__",
    "__getitem__",
    "__hash__",
    "__init__",
    "__int__",
    "__iter__",
    "__len__",
    "__main__",
    "__module__",
    "__name__",
    "__new__",
    "__next__",
    "__qualname__",
    "__repr__",
    "__setitem__",
    "__str__",
];

/// Qstrs every build has, at build-dependent indices: the names of the core types (`mp_type_*.name`)
/// and the methods of `list_locals_dict_table` (`py/objlist.c`) and the unconditional entries of
/// `dict_locals_dict_table` (`py/objdict.c`), v1.27.0.
pub const BUILD_QSTRS: [&str; 26] = [
    "bool",
    "bytes",
    "dict",
    "float",
    "int",
    "list",
    "str",
    "tuple",
    "append",
    "clear",
    "copy",
    "count",
    "extend",
    "index",
    "insert",
    "pop",
    "remove",
    "reverse",
    "sort",
    "get",
    "items",
    "keys",
    "popitem",
    "setdefault",
    "update",
    "values",
];

/// The number the model gives the first of [`BUILD_QSTRS`] (build-dependent in the engine).
pub const FIRST_BUILD_QSTR: u64 = 512;

/// The number the model gives the first run-time qstr (build-dependent in the engine).
pub const FIRST_RUNTIME_QSTR: u64 = 1024;

/// Run-time qstrs the model can hold.
pub const RUNTIME_QSTRS: usize = 16;

/// Bytes of run-time qstr text the model can hold.
pub const RUNTIME_TEXT_BYTES: usize = 256;

/// Longest qstr in bytes with `MICROPY_QSTR_BYTES_IN_LEN` = 1: the length must fit in one byte
/// (`qstr_from_strn_helper` raises "name too long" at 256).
pub const QSTR_MAX_BYTES: usize = 255;

/// The djb2 hash the engine stores for a string (`qstr_compute_hash`, `py/qstr.c`): masked to
/// `hash_bytes` bytes (2 when 0, as the engine's mask), never 0, since 0 means "not computed".
pub fn hash(text: &[u8], hash_bytes: u32) -> u64 {
    let mut h: u64 = 5381;
    for &b in text {
        h = h.wrapping_mul(33) ^ b as u64;
    }
    let bits = 8 * if hash_bytes == 0 { 2 } else { hash_bytes };
    let masked = h & ((1u64 << bits) - 1);
    if masked == 0 { 1 } else { masked }
}

/// The qstrs the model knows: the static ones and those interned during the case.
#[derive(Clone, Debug)]
pub struct Qstrs {
    text: [u8; RUNTIME_TEXT_BYTES],
    ends: [u16; RUNTIME_QSTRS],
    len: usize,
}

impl Default for Qstrs {
    fn default() -> Self {
        Self::new()
    }
}

/// Why [`Qstrs::intern`] refused a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InternError {
    /// Longer than [`QSTR_MAX_BYTES`].
    TooLong,
    /// The model's run-time table is full.
    Full,
}

impl Qstrs {
    /// Only the static qstrs.
    pub const fn new() -> Self {
        Self {
            text: [0; RUNTIME_TEXT_BYTES],
            ends: [0; RUNTIME_QSTRS],
            len: 0,
        }
    }

    fn runtime(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The qstr number of `text`, if it is interned (`qstr_find_strn`).
    pub fn find(&self, text: &[u8]) -> Option<u64> {
        if let Some(i) = STATIC_QSTRS.iter().position(|s| s.as_bytes() == text) {
            return Some(i as u64 + 1);
        }
        if let Some(i) = BUILD_QSTRS.iter().position(|s| s.as_bytes() == text) {
            return Some(FIRST_BUILD_QSTR + i as u64);
        }
        (0..self.len)
            .find(|&i| self.runtime(i) == text)
            .map(|i| FIRST_RUNTIME_QSTR + i as u64)
    }

    /// The text of qstr `q`, if the model knows it.
    pub fn text(&self, q: u64) -> Option<&[u8]> {
        if q >= 1 && q <= STATIC_QSTRS.len() as u64 {
            return STATIC_QSTRS.get(q as usize - 1).map(|s| s.as_bytes());
        }
        if let Some(s) = q
            .checked_sub(FIRST_BUILD_QSTR)
            .and_then(|i| BUILD_QSTRS.get(usize::try_from(i).ok()?))
        {
            return Some(s.as_bytes());
        }
        let i = usize::try_from(q.checked_sub(FIRST_RUNTIME_QSTR)?).ok()?;
        (i < self.len).then(|| self.runtime(i))
    }

    /// Interns `text` (`qstr_from_strn`), returning its number.
    pub fn intern(&mut self, text: &[u8]) -> Result<u64, InternError> {
        if let Some(q) = self.find(text) {
            return Ok(q);
        }
        if text.len() > QSTR_MAX_BYTES {
            return Err(InternError::TooLong);
        }
        let start = if self.len == 0 {
            0
        } else {
            self.ends[self.len - 1] as usize
        };
        let end = start + text.len();
        if self.len == RUNTIME_QSTRS || end > RUNTIME_TEXT_BYTES {
            return Err(InternError::Full);
        }
        self.text[start..end].copy_from_slice(text);
        self.ends[self.len] = end as u16;
        self.len += 1;
        Ok(FIRST_RUNTIME_QSTR + self.len as u64 - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_string_is_qstr_one_and_hashes_like_makeqstrdata() {
        let q = Qstrs::new();
        assert_eq!(q.find(b""), Some(1));
        assert_eq!(q.find(b"__init__"), Some(17));
        // djb2 of "" is 5381 = 0x1505 (py/makeqstrdata.py compute_hash with 2 hash bytes).
        assert_eq!(hash(b"", 2), 0x1505);
        assert_eq!(hash(b"", 1), 0x05);
    }

    #[test]
    fn run_time_qstrs_are_found_after_interning() {
        let mut q = Qstrs::new();
        assert_eq!(q.find(b"spam"), None);
        assert_eq!(q.intern(b"spam"), Ok(FIRST_RUNTIME_QSTR));
        assert_eq!(q.intern(b"eggs"), Ok(FIRST_RUNTIME_QSTR + 1));
        assert_eq!(q.intern(b"spam"), Ok(FIRST_RUNTIME_QSTR));
        assert_eq!(q.text(FIRST_RUNTIME_QSTR + 1), Some(&b"eggs"[..]));
        assert_eq!(q.intern(&[b'x'; 256]), Err(InternError::TooLong));
    }
}

//! What can go wrong in the Skybison model, as data with the numbers involved.

use core::fmt;

use memspec::subject::{ErrorKind as SubjectErrorKind, SubjectError};
use memspec::wide::{Wide, WideU};

/// An error of the Skybison model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The word is no value: no tag test accepts it, or its class accepts it but no constructor
    /// makes it.
    InvalidWord {
        /// The word.
        raw: u64,
        /// Why not.
        why: &'static str,
    },
    /// The value needs the heap (or has no Skybison word at all).
    NotImmediate {
        /// What the value is.
        what: &'static str,
    },
    /// A word where a header should be is not one, or its fields make no object.
    MalformedHeader {
        /// Where the header slot is.
        at: u64,
        /// The word found there.
        raw: u64,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A word is not a usable reference to an object of this heap.
    BadPointer {
        /// The word.
        raw: u64,
        /// Why not.
        why: &'static str,
    },
    /// The current semispace has no room for the allocation.
    OutOfMemory {
        /// Bytes asked for.
        requested: u64,
        /// Bytes left in the semispace.
        free: u64,
    },
    /// The arena cannot hold two semispaces of one granule each.
    ArenaTooSmall {
        /// Bytes given.
        bytes: u64,
        /// Bytes needed at least.
        needed: u64,
    },
    /// A count or length whose allocation size does not fit in a word, or that the header cannot
    /// describe.
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The count asked for.
        count: u128,
    },
    /// An argument the kind needs is absent or of the wrong type.
    MissingArgument {
        /// The argument's name.
        name: &'static str,
        /// What it must be: `an integer`, `a number`, `text`.
        wants: &'static str,
    },
    /// The engine has no object kind of the name asked for.
    UnknownKind,
    /// An argument out of its domain.
    BadArgument {
        /// What is wrong.
        what: &'static str,
        /// The number involved.
        value: i128,
    },
    /// A read or write outside the arena or outside the object.
    OutOfBounds {
        /// The byte address.
        at: u64,
        /// Bytes accessed.
        len: u64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InvalidWord { raw, why } => write!(f, "{raw:#018x} is no skybison64 value: {why}"),
            Error::NotImmediate { what } => write!(f, "{what} is not stored in a word"),
            Error::MalformedHeader { at, raw, why } => {
                write!(f, "header slot at {at:#x} holds {raw:#018x}: {why}")
            }
            Error::BadPointer { raw, why } => write!(f, "{raw:#018x} is no object of this heap: {why}"),
            Error::OutOfMemory { requested, free } => write!(
                f,
                "{requested} bytes requested, {free} bytes left in the semispace"
            ),
            Error::ArenaTooSmall { bytes, needed } => write!(
                f,
                "an arena of {bytes} bytes cannot hold two semispaces; at least {needed} bytes needed"
            ),
            Error::TooLarge { what, count } => write!(f, "{what} {} is too large", WideU(count)),
            Error::MissingArgument { name, wants } => write!(f, "{name}= is missing or not {wants}"),
            Error::UnknownKind => f.write_str("skybison64 has no object kind of that name"),
            Error::BadArgument { what, value } => write!(f, "{what}: {}", Wide(value)),
            Error::OutOfBounds { at, len } => write!(f, "{len} bytes at {at:#x} are out of bounds"),
        }
    }
}

impl Error {
    /// The error kind a case matches.
    pub const fn kind(&self) -> SubjectErrorKind {
        match self {
            Error::InvalidWord { .. } => SubjectErrorKind::InvalidWord,
            Error::NotImmediate { .. } => SubjectErrorKind::NotImmediate,
            Error::MalformedHeader { .. } | Error::OutOfBounds { .. } => SubjectErrorKind::Engine,
            Error::BadPointer { .. } | Error::BadArgument { .. } | Error::MissingArgument { .. } => {
                SubjectErrorKind::BadArgument
            }
            Error::OutOfMemory { .. } => SubjectErrorKind::OutOfMemory,
            Error::ArenaTooSmall { .. } => SubjectErrorKind::ArenaTooSmall,
            Error::TooLarge { .. } => SubjectErrorKind::TooLarge,
            Error::UnknownKind => SubjectErrorKind::UnknownKind,
        }
    }
}

impl From<Error> for SubjectError {
    fn from(e: Error) -> Self {
        SubjectError::new(e.kind(), format_args!("{e}"))
    }
}

/// The result of a model operation.
pub type Result<T> = core::result::Result<T, Error>;

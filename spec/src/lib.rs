//! memspec: the memory layouts of small virtual machines as data and laws.
//!
//! * [`profile`]: one engine configuration whose layout is fixed (engine x representation x word size),
//!   as plain `const` data: tag table, immediates, small-int range, heap geometry, object sizes.
//! * [`claim`]: every statement of the five source documents, with a verdict per profile and its evidence.
//! * [`law`]: invariants as plain functions over observations, returning a [`law::Violation`] that shows
//!   bits, masks and expected values side by side.
//! * [`subject`]: what an implementation under test can be asked (the capabilities).
//!
//! The crate is `no_std` and allocation-free, so the same law code runs on the host, under QEMU and on
//! the board.
//!
//! ## Quick start
//!
//! A profile's tables are plain data:
//!
//! ```
//! use memspec::ProfileId;
//!
//! let a32 = ProfileId::from_name("micropython-a32").and_then(ProfileId::profile);
//! let a32 = a32.expect("micropython-a32 has tables");
//! assert_eq!(a32.value_width.bits(), 32);
//! // REPR_A keeps a small int in 31 bits of the word.
//! assert!(a32.small_int.contains(-(1 << 30)) && !a32.small_int.contains(1 << 30));
//! ```
//!
//! `cargo memspec explain micropython-a32` draws the same tables: the tag table with its bit ruler,
//! the heap area to scale, the header words and the object sizes.
//!
//! ## The command line
//!
//! `cargo memspec` (the `memspec` binary of `memspec-conformance`) runs the corpus against the
//! reference and prints a summary; `cargo memspec --help` lists the commands, and each command's
//! `--help` ends with examples and what its exit status means. The README's
//! [Using memspec](https://github.com/memspec/memspec#using-memspec) shows them at work.
#![no_std]
#![forbid(unsafe_code)]

pub mod claim;
pub mod evidence;
pub mod fact;
pub mod float;
pub mod julia;
pub mod law;
pub mod micropython;
pub mod microvium;
pub mod profile;
pub mod skybison;
pub mod step;
pub mod subject;
pub mod tag;
pub mod text;
pub mod wide;
pub mod width;

pub use claim::{Assessment, Claim, Doc, Verdict};
pub use evidence::{Evidence, Upstream};
pub use fact::{Fact, Unit};
pub use law::{LawResult, Violation};
pub use profile::{Engine, Profile, ProfileId};
pub use tag::{TagClass, TagRule};
pub use width::Width;

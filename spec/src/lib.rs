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

//! # Microvium: memory usage (engine 8.0.0)
//!
//! This is Microvium's memory-usage document, as it holds for the engine of npm `microvium@8.0.0`
//! (upstream `coder-mike/microvium` at `c9fecfc6`), checked against the engine's source and measured on
//! the npm package's native VM addon. Everything here is an implementation detail of that version.
//!
//! A Microvium program's memory has these parts:
//!
//! * **the engine** (`microvium.c`), in flash;
//! * **the bytecode image** ([`image`]), in flash or RAM: 46 bytes for an empty program;
//! * **the VM block** ([`host`]): `sizeof(mvm_VM)`, the import table and the global variables, one host
//!   allocation made when the VM is restored;
//! * **the heap** ([`heap`]): buckets of 256 bytes (or one allocation's size) added as needed, up to
//!   `MVM_MAX_HEAP_SIZE` and never past 64 KiB; nothing at all while no object has been allocated;
//! * **the stack and registers** ([`host`]), only while the host is calling into the VM;
//! * **collector space** ([`collector`]): during a collection the live objects are copied into new
//!   buckets, so the live bytes briefly exist twice.
//!
//! Values are 16-bit words ([`value`]); heap allocations carry a 2-byte header ([`header`]); what each
//! kind of value costs is in [`sizes`]; what `mvm_getMemoryStats` reports, in [`stats`]; the engine's
//! bugs that touch memory, in [`bugs`]. The verdicts on the 2020 document's claims are in [`claims`].

pub mod bugs;
pub mod claims;
pub mod collector;
pub mod evidence;
pub mod facts;
pub mod header;
pub mod heap;
pub mod host;
pub mod image;
pub mod law;
pub mod sizes;
pub mod stats;
pub mod value;

use crate::profile::{GcDiscipline, Profile, ProfileId};
use crate::width::Width;

/// The `microvium` profile: 16-bit values, 2-byte allocation headers, bucketed heap, copying collector.
pub static PROFILE: Profile = Profile {
    id: ProfileId::Microvium,
    summary: "Microvium 8.0.0: 16-bit values tagged in the low bits (ShortPtr ...0, Int14 ...11, well-known \
              and bytecode-mapped ...01), 2-byte allocation headers (type 4 bits, size 12 bits), a heap of \
              256-byte buckets addressed by 16-bit virtual offsets, and a Cheney semispace collector that \
              merges property cells and trims arrays as it copies.",
    engine_version: "microvium 8.0.0",
    value_width: Width::W16,
    tags: &value::TAGS,
    immediates: &value::WELL_KNOWN,
    small_int: value::INT14,
    facts: &facts::FACTS,
    layouts: core::slice::from_ref(&header::ALLOCATION_HEADER),
    sizes: &sizes::SIZES,
    gc: GcDiscipline::Copying,
};

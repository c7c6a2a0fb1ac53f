//! # Skybison object model (`skybison64`)
//!
//! Skybison is a Python runtime whose speed rests on its object model. In CPython every object is a
//! heap-allocated `PyObject*`. In Skybison every managed value is a `RawObject`: one 64-bit word
//! that either holds the value itself (an *immediate*: small integers, short strings and bytes,
//! booleans, `None`, ...) or points to a heap object. This page is the project's
//! `doc/object-model.md`, corrected against the code of the pinned commit ([`UPSTREAM`]); the
//! document itself warns that it was written during early planning.
//!
//! ## Tags
//!
//! The low bits of the word say what it holds ([`tags`]). A 1-bit tag marks small integers, a
//! 3-bit primary tag marks heap pointers and headers, and the immediates are told apart on 5 bits
//! (SmallStr, SmallBytes), on the whole low byte (Bool, Error), or by comparing the whole word
//! (NotImplemented, Unbound, None):
//!
//! | low bits | class | raw words |
//! |---|---|---|
//! | `…0` | SmallInt | `value << 1`, values `-2^62 ..= 2^62 - 1` |
//! | `…001` | heap object | `address + 1` |
//! | `…011` | header | see below |
//! | `…00101` | SmallBytes | `length << 5 \| 0x05`, bytes from byte 1 |
//! | `…01101` | SmallStr | `length << 5 \| 0x0D`, UTF-8 bytes from byte 1 |
//! | `00010101` | Error | `kind << 8 \| 0x15`: `0x15 ..= 0x515` |
//! | `00000111` | Bool | False `0x07`, True `0x107` |
//! | whole word | NotImplemented, Unbound, None | `0x0F`, `0x17`, all ones |
//!
//! Every word falls in at most one class; a word in none (the unused tag `11101`, or a Bool, Error
//! or singleton tag with stray bits) is no value. Since the SmallInt tag is 0, adding two SmallInt
//! words as plain integers gives the SmallInt word of the sum, and the machine's signed overflow
//! flag says exactly when the sum leaves the range: the x86-64 interpreter adds raw words and
//! branches on overflow ([`laws::raw_small_int_add`]).
//!
//! ## Heap objects
//!
//! A heap pointer is `address + 1`, where `address` is the object's **first field**. The header
//! word is at `address - 8` ([`header::HEADER`]): tag `011`, format bit (data or objects), 20-bit
//! layout id, 8-bit count and 32-bit hash. A count over 254 is stored as 255, with the real count
//! as a SmallInt in an overflow word at `address - 16`. Allocations are multiples of 16 bytes and
//! start 16-aligned, so addresses are 8 mod 16 (0 mod 16 after an overflow word), not merely
//! "ending in 00" ([`heap`]). Payloads are in [`payloads`], sizes in [`sizes`], builtin layout ids in
//! [`layout_ids`], and LargeInt's digit form in [`large_int`].
//!
//! Headers are tagged so that a walk over a space can find where each object starts: the walk skips
//! words until it meets a header (padding and overflow words are SmallInts).
//!
//! ## Garbage collection
//!
//! A Cheney semispace scavenger copies every object reachable from the roots into a fresh space.
//! The header slot of a moved object is overwritten with the tagged pointer to its copy: a header
//! slot that holds no header means "forwarded" ([`laws::forwarding`]). Objects-format payloads are
//! scanned word by word; data-format payloads (Float, Complex, LargeInt, LargeStr, LargeBytes,
//! MutableBytes) are not. The runtime also has an immortal space for code objects, outside this
//! profile.

pub mod claims;
pub mod facts;
pub mod header;
pub mod heap;
pub mod immediates;
pub mod large_int;
pub mod laws;
pub mod layout_ids;
pub mod payloads;
pub mod sizes;
pub mod tags;
mod upstream;

pub use upstream::UPSTREAM;

use crate::profile::{GcDiscipline, Profile, ProfileId};
use crate::width::Width;

/// The `skybison64` profile.
pub static PROFILE: Profile = Profile {
    id: ProfileId::Skybison64,
    summary: "Skybison on x86-64: 64-bit RawObject words with a 1-bit SmallInt tag, 3-bit primary tags and \
              5- or 8-bit immediate tags; heap objects behind a header word at address - 8, allocated in \
              16-byte granules and moved by a Cheney semispace scavenger that forwards through the header slot.",
    engine_version: "facebookexperimental/skybison 25b3046e (final archived state, 2022-06-06)",
    value_width: Width::W64,
    tags: tags::TAGS,
    immediates: immediates::IMMEDIATES,
    small_int: immediates::SMALL_INT,
    facts: facts::FACTS,
    layouts: &[header::HEADER],
    sizes: sizes::SIZES,
    gc: GcDiscipline::Copying,
};

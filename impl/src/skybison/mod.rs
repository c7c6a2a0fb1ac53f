//! Skybison (`skybison64`): 64-bit tagged `RawObject` words, header words, a semispace heap in
//! 16-byte granules, and the Cheney scavenger, after `runtime/objects.h`, `runtime/space.cpp` and
//! `runtime/scavenger.cpp` of `facebookexperimental/skybison` at
//! `25b3046e7071db0666de8294474c38354c445db3`.
//!
//! * [`value`]: tags, classification of any word, encoding and decoding of the immediates.
//! * [`header`]: the header word and the overflow count word.
//! * [`layout`]: builtin layout ids.
//! * [`heap`]: the arena as two semispaces with a bump pointer.
//! * [`object`]: the tagged pointer, object sizes, and the builtin kinds' constructors.
//! * [`large_int`]: LargeInt digits in canonical form.
//! * [`scavenger`]: the copying collector.
//! * [`subject`]: [`Skybison`], the model as a [`memspec::subject::Subject`].

pub mod error;
pub mod header;
pub mod heap;
pub mod large_int;
pub mod layout;
pub mod object;
pub mod scavenger;
pub mod subject;
pub mod value;

pub use error::Error;
pub use subject::Skybison;

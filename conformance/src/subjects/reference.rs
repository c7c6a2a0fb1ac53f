//! `ref`: the reference implementation in-process, over a fresh arena of the case's size.

use memspec::subject::Subject;
use memspec_impl::reference::Reference;

use super::{Fault, Lease, Served, SubjectFactory, served_by};

/// The most arena one case may ask of the in-process reference, in bytes.
pub const MAX_ARENA_BYTES: u64 = 256 << 20;

/// Lends [`Reference`] subjects, each over a zeroed arena of exactly the bytes the case's `start` asks.
#[derive(Clone, Copy, Debug, Default)]
pub struct RefFactory;

impl SubjectFactory for RefFactory {
    fn name(&self) -> &str {
        "ref"
    }

    fn describe(&self) -> Result<Served, String> {
        let mut none: [u8; 0] = [];
        Ok(served_by(&mut Reference::new(&mut none)))
    }

    fn lend(&self, lease: &Lease, f: &mut dyn FnMut(&mut dyn Subject)) -> Result<(), Fault> {
        if lease.arena_bytes > MAX_ARENA_BYTES {
            return Err(Fault {
                diagnosis: format!(
                    "the case asks for an arena of {} bytes; the in-process reference gives at most {MAX_ARENA_BYTES}",
                    lease.arena_bytes
                ),
            });
        }
        let mut arena = vec![0u8; usize::try_from(lease.arena_bytes).unwrap_or(0)];
        f(&mut Reference::new(&mut arena));
        Ok(())
    }
}

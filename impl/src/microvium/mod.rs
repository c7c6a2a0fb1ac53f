//! Microvium 8.0.0: 16-bit values, a heap of buckets addressed by virtual offsets, and a Cheney
//! copying collector, modelled byte for byte inside a caller-given arena.
//!
//! The arena stands for the host's memory. It holds, from the start:
//!
//! * the VM block `mvm_restore` allocates: `sizeof(mvm_VM)` (its fields are not modelled, only its
//!   size), then the global slots of the empty program: a `deleted` padding slot and the intern-list
//!   handle;
//! * the heap's buckets, each a `TsBucket` header (offset in the virtual heap; `prev`, `next` and
//!   end-of-used-space as host pointers of the chosen width, host address = `host-base` + arena
//!   offset) followed by its data. During a collection to-space buckets follow from-space; when
//!   from-space is freed, to-space moves down in its place (the virtual heap does not change: pointers
//!   are virtual offsets);
//! * growing down from the end, the table of the objects a case allocated: for each id, its value word
//!   and whether it is live and rooted. Rooted objects form the host's `mvm_Handle` list, newest first.
//!
//! [`Microvium`] implements [`memspec::subject::Subject`]. Object kinds (arguments in brackets):
//!
//! | kind | engine operation |
//! |---|---|
//! | `int value=` | `mvm_newInt32` / `mvm_newNumber`: Int14, INT32 (6 B) or FLOAT64 (10 B) |
//! | `float value=` | `mvm_newNumber`: NaN and −0 well-known, integral numbers as `int`, else FLOAT64 |
//! | `string text= [interned=1]` | `mvm_newString` (STRING with NUL); `interned=1` uses it as a property key |
//! | `object [props=N]` | `{}` then `N` run-time properties `0 ..= N-1`, value `undefined`: one cell each |
//! | `array [len=] [capacity=] [set-length=]` | `[]`, then `length = capacity`, then `length = len` (each only when it changes the length), then `length = set-length` as given |
//! | `closure slots=` | a scope: CLOSURE of `slots` values, each `deleted` |
//! | `uint8array len=` | `mvm_uint8ArrayFromBytes` of `len` zero bytes |
//! | `raw bytes= [type=]` | one allocation of a `bytes`-byte body and a type code (default UINT8_ARRAY) |
//!
//! `property` is what [`link`](memspec::subject::Subject::link) does to an object: slot `k` is the
//! property with key `k` (an Int14); storing to a key the object lacks adds a property cell, as a
//! run-time property store does. Linking into an array stores an element (growing it as
//! `a[k] = v` does); into a closure, fixed-length array or raw container, a slot within its size.

mod alloc;
pub mod config;
mod gc;
pub mod header;
mod memory;
mod objects;
mod stats;
mod subject;
mod table;
pub mod value;

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use crate::arena::Arena;
pub use config::{Config, Host, StatsMode};
pub use header::{Header, HeaderError, TypeCode};
pub use value::{Class, HeapOffset, Number, Value, WellKnown};

/// Capacity of the construction roots: values an operation holds while it allocates (the engine's
/// stack slots and registers during the same operation).
const TEMP_ROOTS: usize = 8;

/// The Microvium reference model over one arena.
#[derive(Debug)]
pub struct Microvium<'a> {
    arena: Arena<'a>,
    /// Whether a case has started.
    started: bool,
    config: Config,
    /// Arena bytes this case may use.
    limit: usize,
    /// Arena offset of the global slots.
    globals: usize,
    /// Arena offset where buckets start.
    heap_base: usize,
    /// One past the last arena byte holding a bucket.
    host_top: usize,
    /// The last bucket of the heap (arena offset of its `TsBucket`), if any (`pLastBucket`).
    last_bucket: Option<usize>,
    /// Arena offset of the end of the last bucket's capacity (`pLastBucketEndCapacity`).
    last_end_capacity: usize,
    /// `heapSizeUsedAfterLastGC`.
    heap_size_after_last_gc: u16,
    /// `heapHighWaterMark`.
    heap_high_water_mark: u16,
    /// Objects allocated in this case (the table's length).
    ids: u32,
    /// The newest root, head of the handle list.
    roots_head: Option<u32>,
    /// Construction roots.
    temp: [Value; TEMP_ROOTS],
    temp_len: usize,
    /// Heap bytes allocated since the case started (footprints, for [`memspec::subject::Allocation`]).
    allocated_bytes: u64,
    /// The bucket the last [`locate`](Self::locate) found its body in: a walk along a property
    /// chain finds each cell in it or the next one, so the model's cost of a lookup does not grow
    /// with the number of buckets. Forgotten whenever buckets move or the heap restarts.
    located: core::cell::Cell<Option<usize>>,
}

impl<'a> Microvium<'a> {
    /// A model whose memory is `arena`. Call [`start`](memspec::subject::Subject::start) before use.
    pub fn new(arena: &'a mut [u8]) -> Self {
        let limit = arena.len();
        Self {
            arena: Arena::new(arena),
            started: false,
            config: Config::default(),
            limit,
            globals: 0,
            heap_base: 0,
            host_top: 0,
            last_bucket: None,
            last_end_capacity: 0,
            heap_size_after_last_gc: 0,
            heap_high_water_mark: 0,
            ids: 0,
            roots_head: None,
            temp: [Value::UNDEFINED; TEMP_ROOTS],
            temp_len: 0,
            allocated_bytes: 0,
            located: core::cell::Cell::new(None),
        }
    }

    /// Gives the arena back.
    pub fn into_arena(self) -> &'a mut [u8] {
        self.arena.into_inner()
    }

    /// The configuration of the current case.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn require_started(&self) -> SubjectResult<()> {
        if self.started {
            Ok(())
        } else {
            Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("no microvium case has started: call start first"),
            ))
        }
    }

    /// Checks a case has started and clears the construction roots of any earlier operation.
    fn begin(&mut self) -> SubjectResult<()> {
        self.require_started()?;
        self.temp_len = 0;
        Ok(())
    }

    /// Holds `v` as a root while the current operation allocates; returns its slot.
    fn push_temp(&mut self, v: Value) -> SubjectResult<usize> {
        let slot = self.temp_len;
        let cell = self.temp.get_mut(slot).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!("more than {TEMP_ROOTS} construction roots"),
            )
        })?;
        *cell = v;
        self.temp_len += 1;
        Ok(slot)
    }

    /// The value in construction root `slot` (updated by any collection since it was pushed).
    fn temp(&self, slot: usize) -> Value {
        self.temp.get(slot).copied().unwrap_or(Value::UNDEFINED)
    }

    /// Drops the construction roots from `slot` on.
    fn pop_temp(&mut self, slot: usize) {
        self.temp_len = slot.min(self.temp_len);
    }
}

/// An engine error: what the engine would stop with (`MVM_E_*`) and why.
fn engine(detail: core::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::Engine, detail)
}

/// A malformed argument.
fn bad(detail: core::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, detail)
}

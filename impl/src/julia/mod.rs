//! Julia v1.11.0 (`julia64`): header words, pooled size classes, big objects, permanent objects and the
//! stock generational collector with its write barrier, over a caller-given arena.
//!
//! The model follows `src/gc.c`, `src/gc.h`, `src/julia_internal.h`, `src/datatype.c`,
//! `src/genericmemory.c` and `src/array.c` of Julia v1.11.0:
//!
//! * Allocation ([`alloc`]): `jl_gc_alloc` picks the pool `jl_gc_szclass(sz + 8)`, takes a cell from
//!   its free list (linked through header words) or from the page being filled, and adds a fresh
//!   16 KiB page when both are empty; payloads above 2024 bytes become big objects behind a 64-byte
//!   `bigval_t`; `Memory` data too large to be inline comes from a managed malloc; singletons and cached
//!   boxes are permanent objects with `GC_OLD_MARKED` headers.
//! * Objects ([`object`]): the kinds `int64`, `uint16`, `float64`, `bool`, `string`, `svec`, `tuple`,
//!   `memory`, `vector`, `struct`, `singleton` and `raw`, laid out as Julia lays them out.
//! * Collection ([`collect`]): mark from the roots and the remembered set, setting `GC_MARKED` on young
//!   and `GC_OLD_MARKED` on old objects; sweep, freeing unmarked cells and promoting survivors to
//!   `GC_OLD`. A quick sweep keeps `GC_OLD_MARKED`; a full sweep resets it to `GC_OLD`. A full collection
//!   is `jl_gc_collect(JL_GC_FULL)`: a full sweep, then a second mark and quick sweep.
//! * The write barrier ([`barrier`]): `jl_gc_wb` and `jl_gc_queue_root`.
//!
//! Where the model departs from Julia it says so at the place: which free page or run is used next
//! (Julia reuses pages through lock-free stacks), the order of free lists after a sweep (ascending
//! pages here), collection on exhaustion instead of Julia's allocation-volume heuristics, and the
//! side tables of fixed capacity (with exact fallbacks when they fill up).

pub mod alloc;
pub mod barrier;
pub mod collect;
pub mod handle;
pub mod header;
pub mod heap;
pub mod object;
pub mod size_class;
pub mod subject;
pub mod types;

use heap::{Addr, Counters, Error, Limits, Map, NO_POOLS, PageIndex, PageMeta, Pool, R, Words};
use size_class::N_POOLS;

/// The Julia model over a caller-given arena.
#[derive(Debug)]
pub struct Julia<'a> {
    words: Words<'a>,
    limits: Limits,
    /// The layout, or why the arena holds no heap.
    map: Result<Map, Error>,
    pools: [Pool; N_POOLS],
    counters: Counters,
    /// Next free byte of the permanent area, as an offset from its start.
    perm_top: u64,
    /// The handle free list: index + 1 of the first free handle, 0 when none has been freed.
    handle_free: u32,
    /// Handles never used yet start here.
    handle_fresh: u32,
    /// Which of the two remembered sets is current (`heap.remset`); the other is `last_remset`.
    remset_cur: usize,
    /// Entries of each remembered set.
    remset_len: [u32; 2],
    /// Entries that did not fit in each remembered set since it was last cleared.
    remset_dropped: [u32; 2],
    /// Entries on the mark stack.
    mark_len: u32,
    /// The mark stack was full when an object had to be pushed.
    mark_overflow: bool,
    /// Objects under construction, rooted like a `JL_GC_PUSH` frame.
    tmp_roots: [Addr; 2],
    /// `prev_sweep_full`: whether the last sweep was full (1 at start-up, as in `src/gc.c`).
    prev_sweep_full: bool,
    /// One past the highest page taken since start-up: every page from here on is free, so the
    /// collector's page walks stop here and cost in proportion to the pages in use, not to the arena.
    pages_in_use: u32,
    /// `jl_gc_enable(0)` is in effect: collections are skipped.
    disabled: bool,
    /// A collection is running (allocation must not start another).
    collecting: bool,
    /// The `collect` step runs minor collections (heap option `collect=minor`).
    minor_by_default: bool,
}

impl<'a> Julia<'a> {
    /// A heap over the whole of `arena`, with the default side-table capacities. If the arena is too
    /// small for one page, every call answers [`memspec::subject::ErrorKind::ArenaTooSmall`].
    pub fn new(arena: &'a mut [u8]) -> Self {
        Self::with_limits(arena, Limits::default())
    }

    /// A heap over the whole of `arena` with side tables of the given capacities.
    pub fn with_limits(arena: &'a mut [u8], limits: Limits) -> Self {
        let words = Words::new(arena);
        let bytes = words.len();
        let mut j = Julia {
            words,
            limits,
            map: Err(Error::ArenaTooSmall { bytes, needed: 0 }),
            pools: NO_POOLS,
            counters: Counters::default(),
            perm_top: 0,
            handle_free: 0,
            handle_fresh: 0,
            remset_cur: 0,
            remset_len: [0; 2],
            remset_dropped: [0; 2],
            mark_len: 0,
            mark_overflow: false,
            tmp_roots: [Addr::NULL; 2],
            prev_sweep_full: true,
            pages_in_use: 0,
            disabled: false,
            collecting: false,
            minor_by_default: false,
        };
        // An arena too small keeps the error in `map`; every call reports it.
        let _ = j.reset(bytes);
        j
    }

    /// The caller's arena back.
    pub fn into_arena(self) -> &'a mut [u8] {
        self.words.into_bytes()
    }

    /// Starts over with an empty heap in the first `bytes` bytes of the arena.
    pub fn reset(&mut self, bytes: u64) -> R<()> {
        let avail = self.words.len();
        let layout = if bytes > avail {
            Err(Error::ArenaTooSmall {
                bytes: avail,
                needed: bytes,
            })
        } else {
            Map::new(bytes, &self.limits)
        };
        self.map = layout;
        let map = layout?;
        self.pools = NO_POOLS;
        self.counters = Counters::default();
        self.perm_top = 0;
        self.handle_free = 0;
        self.handle_fresh = 0;
        self.remset_cur = 0;
        self.remset_len = [0; 2];
        self.remset_dropped = [0; 2];
        self.mark_len = 0;
        self.mark_overflow = false;
        self.tmp_roots = [Addr::NULL; 2];
        self.prev_sweep_full = true;
        self.pages_in_use = 0;
        self.disabled = false;
        self.collecting = false;
        for p in 0..map.pages {
            self.words.set_meta(&map, PageIndex(p), &PageMeta::FREE)?;
        }
        // The permanent area is walked by looking for headers: it starts zeroed.
        self.words
            .fill(Addr(types::HEAP_BASE + map.perm), map.perm_end - map.perm, 0)?;
        Ok(())
    }

    /// The layout of the heap.
    pub fn map(&self) -> R<Map> {
        self.map
    }

    /// Live objects and bytes.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Whether the `collect` step runs minor collections.
    pub fn set_minor_by_default(&mut self, minor: bool) {
        self.minor_by_default = minor;
    }

    /// The word at `a`.
    pub fn word(&self, a: Addr) -> R<u64> {
        self.words.get(a)
    }
}

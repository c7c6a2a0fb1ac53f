//! MicroPython: tagged value words, a block heap with side tables, a conservative mark-sweep collector.
//!
//! This is a model of the engine's `py/` core, faithful enough to predict its numbers byte for byte:
//! what `gc.mem_alloc()` reads after an object is made, which block first fit picks, what
//! `micropython.mem_info(1)` prints, which objects a collection frees. It follows the engine at
//! `micropython/micropython` v1.27.0 (the version of the npm WebAssembly package); the weak-reference
//! table of v1.28 is an option.
//!
//! # Values
//!
//! An `mp_obj_t` is one word whose low bits (REPR A, B, C) or top 16 bits (REPR D) say what it holds:
//! a small int, an interned string (qstr), an immediate object (None, False, True), a float (REPR C
//! and D only) or a pointer. See [`encoding`] for the patterns. Small ints span
//! `-2^(W-2) .. 2^(W-2)` in A and C, `-2^(W-3) .. 2^(W-3)` in B and a fixed 47 bits in D. REPR D keeps
//! None, False and True as pointers to ROM objects, not as immediates.
//!
//! # The heap
//!
//! The heap starts as one area given to `gc_init`, split into an allocation table (ATB, 2 bits per
//! block), a gap byte, a finaliser table (FTB, 1 bit per block), optionally a weak-reference table, and
//! the block pool flush against the area's end ([`area`]). A block is four `mp_uint_t` words: 16 bytes
//! on 32-bit builds, 32 bytes on 64-bit builds and in REPR D. Blocks have no header; an allocation is
//! a HEAD block and the TAIL blocks after it. Allocation is first fit from a remembered area and index
//! ([`alloc`]); when nothing fits the heap collects and tries once more ([`gc`]).
//!
//! Where the port grows its heap (`MICROPY_GC_SPLIT_HEAP_AUTO`: webassembly, esp32) an allocation that
//! still finds no room mallocs a new area, about as large as the whole heap so far, and appends it to
//! the list of areas ([`split`]); each area has its own tables and pool, and the collector and
//! `mem_info` walk them in list order. The model takes new areas from the arena after the first area,
//! placed as the port's malloc places them ([`host`]); the option `heapsize=BYTES` says how much of the
//! arena the first area is.
//!
//! # The collector
//!
//! Marking is conservative ([`collect`]): every pointer-wide word of an allocation's whole block chain
//! is looked at, whatever the object, and a word keeps an allocation alive only if it points exactly
//! at the first byte of its HEAD block. A pointer into an object's middle keeps nothing alive. The mark
//! stack has 64 entries; when it overflows the allocation table is rescanned.
//!
//! # Objects
//!
//! [`objects`] builds each kind with the engine's struct layout ([`layout`]) and allocation pattern.
//! Kinds and parameters, as cases write them:
//!
//! * `int value=V [from=ll|text|neg]`, `float value=F`
//! * `str text=T [intern=1]`, `bytes text=T`, `bytearray len=N`
//! * `list len=N [append=K] [extend=M]`, `tuple len=N`, `dict keys=N [literal=1]` (or `len=N`), `set len=N [literal=1]`
//! * `function defaults=D kw_defaults=K`, `closure captured=N`, `bound-method`, `instance`
//! * `raw bytes=N [finaliser=1]`
//!
//! # Corrections to the usual descriptions
//!
//! * `gc.collect()` returns the number of HEAD blocks freed only where `MICROPY_PY_GC_COLLECT_RETVAL`
//!   is set (unix, windows); elsewhere it returns None.
//! * `gc.mem_free()` adds `max_new_split` where the heap grows by new areas: 128 MiB in the
//!   WebAssembly port, so `mem_alloc + mem_free` exceeds the pool there.
//! * The WebAssembly port collects only when control returns to JavaScript; an allocation that finds
//!   no room there does not collect, it adds an area.
//! * `max blk sz` and `max free sz` in `mem_info()` count blocks, not bytes.
//! * An explicit collection runs while the heap is locked (`gc_lock` stops allocation and `gc_free`,
//!   not `gc_collect`).
//! * After a collection the sweep gives back every added area whose highest used block is 0, which
//!   includes an area whose only live allocation is one block at block 0: the object's memory goes
//!   back to malloc while it is still referenced ([`collect`]).

pub mod alloc;
pub mod area;
pub mod collect;
pub mod config;
pub mod encoding;
pub mod gc;
pub mod handles;
pub mod heap;
pub mod host;
pub mod info;
pub mod layout;
pub mod map;
pub mod objects;
pub mod qstr;
pub mod rom;
pub mod split;
pub mod subject;
pub mod units;

pub use config::{Config, MaxNewSplit, Port, Repr};
pub use encoding::{Codec, WordClass};
pub use heap::{Heap, Kind};
pub use subject::MicroPython;

//! The heap: how the arena is divided, addresses, page metadata, and the model's errors.
//!
//! ```text
//! arena byte 0 = HEAP_BASE
//! | page 0 | page 1 | ... | page n-1 | page metadata | handles | remset A | remset B | mark stack | permanent |
//!   16 KiB each                        n x 32 bytes    16 bytes each     8 bytes each             bump area
//! ```
//!
//! Pages hold pool cells of one size class (word 0 points at the page's metadata record, cells start
//! at `GC_PAGE_OFFSET`), or runs of whole pages for big objects and managed mallocs, which Julia takes
//! from `malloc` (their accounted size stays Julia's `allocsz`). The side tables stand in for what Julia
//! keeps in `malloc`'d memory and thread-local state: `jl_gc_pagemeta_t` records, the remembered sets,
//! the mark queue, and the permanent pool (`jl_gc_perm_alloc`). Handles are the model's roots and names
//! for the objects a caller holds, like the slots of a GC frame.

use memspec::subject::{ErrorKind, SubjectError};

use super::header::WORD_BYTES;
use super::size_class::{GC_PAGE_BYTES, HEAP_ALIGNMENT_BYTES, N_POOLS};
use super::types::HEAP_BASE;
use crate::arena::{Arena, Offset, WordBytes};

/// A virtual address in the model's address space (arena byte 0 is [`HEAP_BASE`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Addr(pub u64);

impl Addr {
    /// The null pointer: an empty field, the end of a free list.
    pub const NULL: Addr = Addr(0);

    /// `self + bytes`.
    pub const fn plus(self, bytes: u64) -> Addr {
        Addr(self.0.wrapping_add(bytes))
    }

    /// `self - bytes`.
    pub const fn minus(self, bytes: u64) -> Addr {
        Addr(self.0.wrapping_sub(bytes))
    }

    /// Whether this is the null pointer.
    pub const fn is_null(self) -> bool {
        self.0 == 0
    }
}

/// The index of a page in the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageIndex(pub u32);

impl PageIndex {
    /// The page's first byte.
    pub const fn addr(self) -> Addr {
        Addr(HEAP_BASE + self.0 as u64 * GC_PAGE_BYTES)
    }
}

/// What went wrong inside the model, small enough to return from every word access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// An address outside the arena or a word that breaks the heap's own structure.
    Fault {
        /// What was being done.
        what: &'static str,
        /// The address involved.
        at: u64,
    },
    /// No room for `bytes` bytes, even after collecting.
    OutOfMemory {
        /// Bytes asked for.
        bytes: u64,
        /// Which area ran out.
        area: &'static str,
    },
    /// `bytes` bytes can never fit: more than the whole area of `limit` bytes.
    TooLarge {
        /// Bytes asked for.
        bytes: u64,
        /// Bytes of the area.
        limit: u64,
    },
    /// The arena cannot hold one page and the side tables.
    ArenaTooSmall {
        /// Bytes given.
        bytes: u64,
        /// Bytes needed at least.
        needed: u64,
    },
}

impl From<Error> for SubjectError {
    fn from(e: Error) -> SubjectError {
        match e {
            Error::Fault { what, at } => SubjectError::new(
                ErrorKind::Engine,
                format_args!("julia heap fault: {what} at {at:#x}"),
            ),
            Error::OutOfMemory { bytes, area } => SubjectError::new(
                ErrorKind::OutOfMemory,
                format_args!("no room for {bytes} bytes in the {area}, even after a full collection"),
            ),
            Error::TooLarge { bytes, limit } => SubjectError::new(
                ErrorKind::TooLarge,
                format_args!("{bytes} bytes can never fit: the heap has {limit} bytes of pages"),
            ),
            Error::ArenaTooSmall { bytes, needed } => SubjectError::new(
                ErrorKind::ArenaTooSmall,
                format_args!(
                    "an arena of {bytes} bytes cannot hold one {GC_PAGE_BYTES}-byte page and the side tables \
                     ({needed} bytes at least)"
                ),
            ),
        }
    }
}

/// Results inside the model.
pub type R<T> = Result<T, Error>;

/// Capacities of the side tables: a part per page plus a fixed part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Handles (objects a caller can name) per page, and the fixed number beside them.
    pub handles_per_page: u32,
    /// Fixed handles.
    pub handles_base: u32,
    /// Entries of each remembered set per page; beyond them the remembered set is found by a scan.
    pub remset_per_page: u32,
    /// Entries of the mark stack per page; beyond them marking rescans the heap.
    pub mark_stack_per_page: u32,
    /// Bytes of the permanent area per page.
    pub perm_bytes_per_page: u32,
    /// Fixed bytes of the permanent area.
    pub perm_bytes_base: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            handles_per_page: 64,
            handles_base: 64,
            remset_per_page: 32,
            mark_stack_per_page: 64,
            perm_bytes_per_page: 1024,
            perm_bytes_base: 4096,
        }
    }
}

/// Bytes of one page metadata record.
pub const META_BYTES: u64 = 4 * WORD_BYTES;
/// Bytes of one handle.
pub const HANDLE_BYTES: u64 = 2 * WORD_BYTES;

/// Where everything is, for an arena of `bytes` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Map {
    /// Arena bytes in use.
    pub bytes: u64,
    /// Pages.
    pub pages: u32,
    /// Offset of the page metadata records.
    pub meta: u64,
    /// Offset of the handles, and their number.
    pub handles: u64,
    /// Number of handles.
    pub handle_cap: u32,
    /// Offsets of the two remembered sets.
    pub remsets: [u64; 2],
    /// Entries of each remembered set.
    pub remset_cap: u32,
    /// Offset of the mark stack.
    pub mark: u64,
    /// Entries of the mark stack.
    pub mark_cap: u32,
    /// Offset of the permanent area (16-aligned) and of its end.
    pub perm: u64,
    /// End of the permanent area.
    pub perm_end: u64,
}

impl Map {
    /// The layout of an arena of `bytes` bytes.
    pub fn new(bytes: u64, l: &Limits) -> R<Map> {
        let per_page = GC_PAGE_BYTES
            + META_BYTES
            + l.handles_per_page as u64 * HANDLE_BYTES
            + 2 * l.remset_per_page as u64 * WORD_BYTES
            + l.mark_stack_per_page as u64 * WORD_BYTES
            + l.perm_bytes_per_page as u64;
        let fixed = l.handles_base as u64 * HANDLE_BYTES + l.perm_bytes_base as u64 + HEAP_ALIGNMENT_BYTES;
        let pages = bytes.saturating_sub(fixed) / per_page;
        if pages == 0 {
            return Err(Error::ArenaTooSmall {
                bytes,
                needed: fixed + per_page,
            });
        }
        let pages32 = u32::try_from(pages).map_err(|_| Error::TooLarge {
            bytes,
            limit: u32::MAX as u64 * GC_PAGE_BYTES,
        })?;
        let meta = pages * GC_PAGE_BYTES;
        let handles = meta + pages * META_BYTES;
        let handle_cap = l.handles_base as u64 + pages * l.handles_per_page as u64;
        let remset_cap = (pages * l.remset_per_page as u64).max(1);
        let r0 = handles + handle_cap * HANDLE_BYTES;
        let r1 = r0 + remset_cap * WORD_BYTES;
        let mark = r1 + remset_cap * WORD_BYTES;
        let mark_cap = (pages * l.mark_stack_per_page as u64).max(1);
        let perm = (mark + mark_cap * WORD_BYTES).next_multiple_of(HEAP_ALIGNMENT_BYTES);
        let perm_end = perm + l.perm_bytes_base as u64 + pages * l.perm_bytes_per_page as u64;
        let fits = |n: u64| u32::try_from(n).ok();
        match (fits(handle_cap), fits(remset_cap), fits(mark_cap)) {
            (Some(handle_cap), Some(remset_cap), Some(mark_cap)) if perm_end <= bytes => Ok(Map {
                bytes,
                pages: pages32,
                meta,
                handles,
                handle_cap,
                remsets: [r0, r1],
                remset_cap,
                mark,
                mark_cap,
                perm,
                perm_end,
            }),
            _ => Err(Error::ArenaTooSmall {
                bytes,
                needed: perm_end,
            }),
        }
    }

    /// Bytes of pages: what the collected heap can hand out.
    pub const fn page_bytes(&self) -> u64 {
        self.pages as u64 * GC_PAGE_BYTES
    }

    /// The page holding `a`, if `a` lies in the page area.
    pub const fn page_of(&self, a: Addr) -> Option<PageIndex> {
        if a.0 < HEAP_BASE || a.0 >= HEAP_BASE + self.page_bytes() {
            return None;
        }
        Some(PageIndex(((a.0 - HEAP_BASE) / GC_PAGE_BYTES) as u32))
    }

    /// Whether `a` lies in the permanent area.
    pub const fn in_perm(&self, a: Addr) -> bool {
        a.0 >= HEAP_BASE + self.perm && a.0 < HEAP_BASE + self.perm_end
    }

    /// The address of the metadata record of `page`.
    pub const fn meta_addr(&self, page: PageIndex) -> Addr {
        Addr(HEAP_BASE + self.meta + page.0 as u64 * META_BYTES)
    }
}

/// What a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// Not in use.
    Free,
    /// Cells of one pool.
    Pool,
    /// The first page of a big object (`bigval_t` at the page start).
    BigHead,
    /// The first page of a managed malloc (array or `Memory` data).
    MallocHead,
    /// A further page of a big object or managed malloc.
    Tail,
}

impl PageKind {
    const fn code(self) -> u64 {
        match self {
            PageKind::Free => 0,
            PageKind::Pool => 1,
            PageKind::BigHead => 2,
            PageKind::MallocHead => 3,
            PageKind::Tail => 4,
        }
    }

    const fn from_code(c: u64) -> Option<PageKind> {
        match c {
            0 => Some(PageKind::Free),
            1 => Some(PageKind::Pool),
            2 => Some(PageKind::BigHead),
            3 => Some(PageKind::MallocHead),
            4 => Some(PageKind::Tail),
            _ => None,
        }
    }
}

/// "No free cell" in a page's free-list offsets (`UINT16_MAX` in `jl_gc_pagemeta_t`).
pub const NO_FREE: u16 = u16::MAX;

/// A page's metadata, the model's `jl_gc_pagemeta_t`. Stored as four words: flags and pool, the
/// counters and free-list offsets, the page address (`data`), and a run length and owner for runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageMeta {
    /// What the page holds.
    pub kind: PageKind,
    /// The pool (`pool_n`), for pool pages.
    pub pool: u8,
    /// `has_marked`: a cell of the page is marked (set by marking, recomputed by the sweep).
    pub has_marked: bool,
    /// `has_young`: a cell was allocated from the page since its last sweep.
    pub has_young: bool,
    /// `osize`: cell bytes.
    pub osize: u16,
    /// `nold`: cells marked old since the last full sweep.
    pub nold: u16,
    /// `prev_nold`: cells that survived the last full sweep.
    pub prev_nold: u16,
    /// `fl_begin_offset`: the page's first free cell, or [`NO_FREE`].
    pub fl_begin: u16,
    /// `fl_end_offset`: the page's last free cell, or [`NO_FREE`].
    pub fl_end: u16,
    /// Pages of a big object or malloc run (heads only).
    pub run: u32,
    /// The `Memory` that owns a malloc run (heads only; null while it is being made).
    pub owner: Addr,
}

impl PageMeta {
    /// The metadata of a page not in use.
    pub const FREE: PageMeta = PageMeta {
        kind: PageKind::Free,
        pool: 0,
        has_marked: false,
        has_young: false,
        osize: 0,
        nold: 0,
        prev_nold: 0,
        fl_begin: NO_FREE,
        fl_end: NO_FREE,
        run: 0,
        owner: Addr::NULL,
    };

    fn pack(&self, page: PageIndex) -> [u64; 4] {
        [
            self.kind.code()
                | (self.pool as u64) << 8
                | (self.has_marked as u64) << 16
                | (self.has_young as u64) << 24
                | (self.osize as u64) << 32
                | (self.run as u64 & 0xffff) << 48,
            self.nold as u64
                | (self.prev_nold as u64) << 16
                | (self.fl_begin as u64) << 32
                | (self.fl_end as u64) << 48,
            page.addr().0,
            self.owner.0 | (self.run as u64 >> 16) << 48,
        ]
    }

    fn unpack(w: [u64; 4]) -> Option<PageMeta> {
        Some(PageMeta {
            kind: PageKind::from_code(w[0] & 0xff)?,
            pool: (w[0] >> 8) as u8,
            has_marked: (w[0] >> 16) & 1 == 1,
            has_young: (w[0] >> 24) & 1 == 1,
            osize: (w[0] >> 32) as u16,
            nold: w[1] as u16,
            prev_nold: (w[1] >> 16) as u16,
            fl_begin: (w[1] >> 32) as u16,
            fl_end: (w[1] >> 48) as u16,
            run: ((w[0] >> 48) & 0xffff) as u32 | ((w[3] >> 48) as u32) << 16,
            owner: Addr(w[3] & 0xffff_ffff_ffff),
        })
    }
}

/// One pool's allocation state (`jl_gc_pool_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pool {
    /// `freelist`: the next free cell's header, linked through headers.
    pub freelist: Addr,
    /// `newpages`: the next never-used cell of the page being filled, or null.
    pub newpages: Addr,
}

/// The arena with word access by [`Addr`].
#[derive(Debug)]
pub struct Words<'a> {
    arena: Arena<'a>,
    bytes: u64,
}

impl<'a> Words<'a> {
    /// Word access to `arena`.
    pub fn new(arena: &'a mut [u8]) -> Self {
        let bytes = arena.len() as u64;
        Words {
            arena: Arena::new(arena),
            bytes,
        }
    }

    /// The caller's bytes back.
    pub fn into_bytes(self) -> &'a mut [u8] {
        self.arena.into_inner()
    }

    /// Bytes of the arena.
    pub const fn len(&self) -> u64 {
        self.bytes
    }

    /// Whether the arena is empty.
    pub const fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    fn offset(a: Addr, len: u64) -> Option<Offset> {
        let off = a.0.checked_sub(HEAP_BASE)?;
        off.checked_add(len)?;
        usize::try_from(off).ok().map(Offset)
    }

    /// The word at `a`.
    pub fn get(&self, a: Addr) -> R<u64> {
        Self::offset(a, WORD_BYTES)
            .and_then(|o| self.arena.word(o, WordBytes::Eight))
            .ok_or(Error::Fault {
                what: "read outside the arena",
                at: a.0,
            })
    }

    /// Writes the word at `a`.
    pub fn set(&mut self, a: Addr, value: u64) -> R<()> {
        Self::offset(a, WORD_BYTES)
            .and_then(|o| self.arena.set_word(o, WordBytes::Eight, value))
            .ok_or(Error::Fault {
                what: "write outside the arena",
                at: a.0,
            })
    }

    /// Fills `len` bytes from `a` with `value`.
    pub fn fill(&mut self, a: Addr, len: u64, value: u8) -> R<()> {
        let fault = Error::Fault {
            what: "fill outside the arena",
            at: a.0,
        };
        let o = Self::offset(a, len).ok_or(fault)?;
        let n = usize::try_from(len).map_err(|_| fault)?;
        self.arena.fill(o, n, value).ok_or(fault)
    }

    /// Copies `data` to `a`.
    pub fn write_bytes(&mut self, a: Addr, data: &[u8]) -> R<()> {
        let fault = Error::Fault {
            what: "copy outside the arena",
            at: a.0,
        };
        let o = Self::offset(a, data.len() as u64).ok_or(fault)?;
        self.arena
            .slice_mut(o, data.len())
            .ok_or(fault)?
            .copy_from_slice(data);
        Ok(())
    }

    /// The metadata of `page`.
    pub fn meta(&self, map: &Map, page: PageIndex) -> R<PageMeta> {
        let at = map.meta_addr(page);
        let w = [
            self.get(at)?,
            self.get(at.plus(8))?,
            self.get(at.plus(16))?,
            self.get(at.plus(24))?,
        ];
        PageMeta::unpack(w).ok_or(Error::Fault {
            what: "corrupt page metadata",
            at: at.0,
        })
    }

    /// Writes the metadata of `page`.
    pub fn set_meta(&mut self, map: &Map, page: PageIndex, m: &PageMeta) -> R<()> {
        let at = map.meta_addr(page);
        for (i, w) in m.pack(page).into_iter().enumerate() {
            self.set(at.plus(i as u64 * WORD_BYTES), w)?;
        }
        Ok(())
    }
}

/// Live objects and bytes, kept up to date by allocation and sweeping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Bytes of live pool cells.
    pub pool_bytes: u64,
    /// Live pool cells.
    pub pool_cells: u64,
    /// Pool pages in use.
    pub pool_pages: u64,
    /// Bytes of live big objects (`allocsz`).
    pub big_bytes: u64,
    /// Live big objects.
    pub big_objects: u64,
    /// Bytes of live managed mallocs.
    pub malloc_bytes: u64,
    /// Live managed mallocs.
    pub mallocs: u64,
    /// Bytes used in the permanent area, padding included.
    pub perm_bytes: u64,
    /// Collections run (a full collection that recollects counts twice, as Julia's cycles).
    pub cycles: u64,
    /// Full sweeps run.
    pub full_sweeps: u64,
}

/// The per-pool state of a fresh heap.
pub const NO_POOLS: [Pool; N_POOLS] = [Pool {
    freelist: Addr::NULL,
    newpages: Addr::NULL,
}; N_POOLS];

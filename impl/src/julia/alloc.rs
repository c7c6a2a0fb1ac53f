//! Allocation: pool cells (`jl_gc_pool_alloc_inner`, `gc_add_page`), big objects
//! (`jl_gc_big_alloc_inner`), managed mallocs (`jl_gc_managed_malloc`) and permanent objects
//! (`jl_gc_perm_alloc`, `jl_gc_permobj`), `src/gc.c` and `src/julia_internal.h` of Julia v1.11.0.

use super::Julia;
use super::header::{HEADER_BYTES, Header};
use super::heap::{Addr, Error, PageIndex, PageKind, PageMeta, R};
use super::size_class::{
    BIGVAL_BYTES, BIGVAL_HEADER_OFFSET_BYTES, GC_MAX_SZCLASS_BYTES, GC_PAGE_BYTES, GC_PAGE_OFFSET_BYTES,
    HEAP_ALIGNMENT_BYTES, PoolIndex, big_alloc_bytes, managed_malloc_bytes, szclass, szclass_align8,
};
use super::types::HEAP_BASE;

/// Which size-class function sizes a pool object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassFn {
    /// `jl_gc_szclass`: every object but strings.
    Default,
    /// `jl_gc_szclass_align8`: strings (`jl_alloc_string`).
    Align8,
}

impl Julia<'_> {
    /// Allocates an object of `payload` bytes with header `header` (gc bits clear): a pool cell up to
    /// `GC_MAX_SZCLASS`, a big object above. The payload is zeroed. Collects when the heap is full.
    /// Returns the value address and the heap bytes taken.
    pub fn alloc_object(&mut self, payload: u64, header: Header, class: ClassFn) -> R<(Addr, u64)> {
        let allocsz = payload.checked_add(HEADER_BYTES).ok_or(Error::TooLarge {
            bytes: payload,
            limit: self.map?.page_bytes(),
        })?;
        let (cell, bytes) = if payload <= GC_MAX_SZCLASS_BYTES {
            let pool = match class {
                ClassFn::Default => szclass(allocsz),
                ClassFn::Align8 => szclass_align8(allocsz),
            }
            .ok_or(Error::Fault {
                what: "no size class for a pool payload",
                at: payload,
            })?;
            let cell = self.retrying(|j| j.pool_alloc(pool))?;
            (cell, pool.cell_bytes())
        } else {
            let bytes = big_alloc_bytes(allocsz).ok_or(Error::TooLarge {
                bytes: payload,
                limit: self.map?.page_bytes(),
            })?;
            (self.retrying(|j| j.big_alloc(bytes))?, bytes)
        };
        self.words.set(cell, header.0)?;
        let value = cell.plus(HEADER_BYTES);
        self.words.fill(value, payload, 0)?;
        Ok((value, bytes))
    }

    /// Runs `f`; when it finds the heap full, collects (minor, then full) and tries again, unless
    /// collection is disabled or running.
    fn retrying<T>(&mut self, mut f: impl FnMut(&mut Self) -> R<T>) -> R<T> {
        match f(self) {
            Err(Error::OutOfMemory { .. }) if !self.disabled && !self.collecting => {}
            other => return other,
        }
        self.collect_minor()?;
        match f(self) {
            Err(Error::OutOfMemory { .. }) => {}
            other => return other,
        }
        self.collect_full()?;
        f(self)
    }

    /// `jl_gc_pool_alloc_inner`: a cell of `pool` from its free list, else from the page being filled,
    /// else from a fresh page. Returns the cell (its header address).
    pub fn pool_alloc(&mut self, pool: PoolIndex) -> R<Addr> {
        let map = self.map?;
        let osize = pool.cell_bytes();
        let p = *self.pools.get(pool.0 as usize).ok_or(Error::Fault {
            what: "no such pool",
            at: pool.0 as u64,
        })?;
        if !p.freelist.is_null() {
            let v = p.freelist;
            let next = Addr(self.words.get(v)?);
            self.pools[pool.0 as usize].freelist = next;
            if map.page_of(v) != map.page_of(next) {
                // Julia updates a page's metadata only when the free list leaves it.
                self.set_has_young(v)?;
            }
            self.counters.pool_cells += 1;
            self.counters.pool_bytes += osize;
            return Ok(v);
        }
        let mut v = p.newpages;
        let fits = |v: Addr| {
            let page_end = (v.0 - 1 - HEAP_BASE) / GC_PAGE_BYTES * GC_PAGE_BYTES + GC_PAGE_BYTES + HEAP_BASE;
            v.0 + osize <= page_end
        };
        if v.is_null() || !fits(v) {
            if !v.is_null() {
                self.set_has_young(v.minus(1))?;
            }
            v = self.add_page(pool)?;
        }
        self.pools[pool.0 as usize].newpages = v.plus(osize);
        self.counters.pool_cells += 1;
        self.counters.pool_bytes += osize;
        Ok(v)
    }

    /// Sets `has_young` on the page holding `a`.
    pub(crate) fn set_has_young(&mut self, a: Addr) -> R<()> {
        let map = self.map?;
        let page = map.page_of(a).ok_or(Error::Fault {
            what: "pool cell outside the pages",
            at: a.0,
        })?;
        let mut m = self.words.meta(&map, page)?;
        if !m.has_young {
            m.has_young = true;
            self.words.set_meta(&map, page, &m)?;
        }
        Ok(())
    }

    /// `gc_add_page` and `gc_reset_page`: a free page for `pool`, its word 0 pointing at its metadata.
    /// Returns its first cell. (Julia takes pages from its page stacks; the model takes the lowest free
    /// page.)
    fn add_page(&mut self, pool: PoolIndex) -> R<Addr> {
        let map = self.map?;
        let page = self.find_free_run(1, GC_PAGE_BYTES)?;
        let osize = pool.cell_bytes();
        let meta = PageMeta {
            kind: PageKind::Pool,
            pool: pool.0,
            osize: osize as u16,
            ..PageMeta::FREE
        };
        self.words.set_meta(&map, page, &meta)?;
        self.words.fill(page.addr(), GC_PAGE_BYTES, 0)?;
        self.words.set(page.addr(), map.meta_addr(page).0)?;
        self.counters.pool_pages += 1;
        Ok(page.addr().plus(GC_PAGE_OFFSET_BYTES))
    }

    /// The lowest run of `n` free pages, for `bytes` bytes.
    fn find_free_run(&mut self, n: u64, bytes: u64) -> R<PageIndex> {
        let map = self.map?;
        if n > map.pages as u64 {
            return Err(Error::TooLarge {
                bytes,
                limit: map.page_bytes(),
            });
        }
        let mut start = 0u32;
        let mut len = 0u64;
        for p in 0..map.pages {
            if self.words.meta(&map, PageIndex(p))?.kind == PageKind::Free {
                if len == 0 {
                    start = p;
                }
                len += 1;
                if len == n {
                    self.pages_in_use = self.pages_in_use.max(p + 1);
                    return Ok(PageIndex(start));
                }
            } else {
                len = 0;
            }
        }
        Err(Error::OutOfMemory { bytes, area: "pages" })
    }

    /// Takes a run of whole pages of kind `head` for `bytes` bytes.
    fn take_run(&mut self, bytes: u64, head: PageKind) -> R<PageIndex> {
        let map = self.map?;
        let n = bytes.div_ceil(GC_PAGE_BYTES);
        let first = self.find_free_run(n, bytes)?;
        let run = u32::try_from(n).map_err(|_| Error::TooLarge {
            bytes,
            limit: map.page_bytes(),
        })?;
        for i in 0..run {
            let kind = if i == 0 { head } else { PageKind::Tail };
            let m = PageMeta {
                kind,
                run: if i == 0 { run } else { 0 },
                ..PageMeta::FREE
            };
            self.words.set_meta(&map, PageIndex(first.0 + i), &m)?;
        }
        Ok(first)
    }

    /// `jl_gc_big_alloc_inner`: `bytes` (already `LLT_ALIGN(allocsz + 56, 64)`) for a big object: the
    /// `bigval_t` (`next`, `prev`, `sz`, padding) at the run's start, the header word at +56. Returns the
    /// header's address. `next` and `prev` stay null: the model finds big objects by their pages, not
    /// through Julia's per-thread lists.
    fn big_alloc(&mut self, bytes: u64) -> R<Addr> {
        let page = self.take_run(bytes, PageKind::BigHead)?;
        let start = page.addr();
        self.words.fill(start, BIGVAL_BYTES, 0)?;
        self.words.set(start.plus(2 * HEADER_BYTES), bytes)?;
        self.counters.big_objects += 1;
        self.counters.big_bytes += bytes;
        Ok(start.plus(BIGVAL_HEADER_OFFSET_BYTES))
    }

    /// `jl_gc_managed_malloc(sz)`: `LLT_ALIGN(sz, 64)` bytes of zeroed, 64-aligned data, owned by no
    /// object until [`Self::set_malloc_owner`]. Returns the data address and the bytes taken.
    pub fn managed_malloc(&mut self, sz: u64) -> R<(Addr, u64)> {
        let map = self.map?;
        let bytes = managed_malloc_bytes(sz).ok_or(Error::TooLarge {
            bytes: sz,
            limit: map.page_bytes(),
        })?;
        let page = self.retrying(|j| j.take_run(bytes, PageKind::MallocHead))?;
        self.words.fill(page.addr(), bytes, 0)?;
        self.counters.mallocs += 1;
        self.counters.malloc_bytes += bytes;
        Ok((page.addr(), bytes))
    }

    /// `jl_gc_track_malloced_genericmemory`: the data at `data` belongs to `owner` and dies with it.
    pub fn set_malloc_owner(&mut self, data: Addr, owner: Addr) -> R<()> {
        let map = self.map?;
        let page = map.page_of(data).ok_or(Error::Fault {
            what: "malloc data outside the pages",
            at: data.0,
        })?;
        let mut m = self.words.meta(&map, page)?;
        m.owner = owner;
        self.words.set_meta(&map, page, &m)
    }

    /// `jl_gc_permobj(payload, type)`: a permanent object with gc bits `GC_OLD_MARKED`, 8-aligned when
    /// empty and 16-aligned otherwise (`jl_gc_perm_alloc(allocsz, 0, align, sizeof(void*) % align)`).
    /// Returns the value address.
    pub fn perm_alloc(&mut self, payload: u64, header: Header) -> R<Addr> {
        let map = self.map?;
        let align = if payload == 0 {
            HEADER_BYTES
        } else {
            HEAP_ALIGNMENT_BYTES
        };
        let offset = HEADER_BYTES % align;
        let base = HEAP_BASE + map.perm;
        let start = (base + self.perm_top + offset).next_multiple_of(align) - offset;
        let end = start + HEADER_BYTES + payload;
        if end > HEAP_BASE + map.perm_end {
            return Err(Error::OutOfMemory {
                bytes: payload + HEADER_BYTES,
                area: "permanent area",
            });
        }
        self.words
            .set(Addr(start), header.with_gc(super::header::GC_OLD_MARKED).0)?;
        self.words.fill(Addr(start + HEADER_BYTES), payload, 0)?;
        self.perm_top = end - base;
        self.counters.perm_bytes = self.perm_top;
        Ok(Addr(start + HEADER_BYTES))
    }
}

//! The stock collector of Julia v1.11.0 (`src/gc.c` `_jl_gc_collect`): a non-moving, generational
//! mark-sweep.
//!
//! One cycle:
//! 1. `gc_premark`: the remembered set becomes `last_remset`, its members get `GC_OLD_MARKED` back.
//! 2. Mark: `gc_queue_remset` traces the members of `last_remset`; then the roots are claimed
//!    (`gc_try_setmark_tag`: an unmarked object becomes `GC_OLD_MARKED` if its `GC_OLD` bit is set,
//!    `GC_MARKED` otherwise) and traced. An old object found pointing at a young one is pushed onto
//!    the new remembered set (`gc_mark_push_remset`).
//! 3. Sweep: managed mallocs whose owner is unmarked are freed (`sweep_malloced_memory`), then big
//!    objects (`sweep_big_list`) and pool pages (`gc_sweep_page`): unmarked cells are freed; marked ones
//!    become `GC_OLD` when the sweep is full or they are `GC_MARKED` (promotion after one survived
//!    collection); a quick sweep leaves `GC_OLD_MARKED` alone and skips pages nothing was allocated
//!    from when no old cell on them died.
//! 4. After a quick sweep the new remembered set's members get `GC_MARKED` (remembered); after a full
//!    sweep it is emptied.
//!
//! `jl_gc_collect(JL_GC_FULL)` after a quick sweep runs a cycle with a full sweep and then, as
//! `recollect`, a cycle with a quick sweep (`next_sweep_full` is 0 right after a full sweep). A minor
//! collection is one cycle with a quick sweep; the model never turns it into a full one (Julia does so
//! by heap-growth heuristics).

use memspec::subject::Collection;

use super::Julia;
use super::header::{GC_MARKED, GC_OLD, GC_OLD_MARKED, HEADER_BYTES, Header, WORD_BYTES};
use super::heap::{Addr, Error, NO_FREE, NO_POOLS, PageIndex, PageKind, PageMeta, R};
use super::size_class::{
    BIGVAL_HEADER_OFFSET_BYTES, GC_PAGE_BYTES, GC_PAGE_OFFSET_BYTES, N_POOLS, managed_malloc_bytes,
};
use super::types::{HEAP_BASE, Kind, is_link};

fn add(a: Collection, b: Collection) -> Collection {
    Collection {
        freed_allocations: a.freed_allocations + b.freed_allocations,
        freed_bytes: a.freed_bytes + b.freed_bytes,
        returned: None,
        finalisers_run: 0,
    }
}

impl Julia<'_> {
    /// `jl_gc_collect(JL_GC_AUTO)` as the model runs it: one cycle with a quick sweep. Nothing happens
    /// while collection is disabled (`jl_gc_enable(0)`).
    pub fn collect_minor(&mut self) -> R<Collection> {
        if self.disabled {
            return Ok(Collection::default());
        }
        self.cycle(false)
    }

    /// `jl_gc_collect(JL_GC_FULL)`: after a quick sweep, a cycle with a full sweep and one more with a
    /// quick sweep; right after start-up (`prev_sweep_full` is 1) a single quick cycle. Afterwards every
    /// object unreachable from the roots is freed.
    pub fn collect_full(&mut self) -> R<Collection> {
        if self.disabled {
            return Ok(Collection::default());
        }
        if self.prev_sweep_full {
            return self.cycle(false);
        }
        let first = self.cycle(true)?;
        let second = self.cycle(false)?;
        Ok(add(first, second))
    }

    /// Whether collections are disabled (`jl_gc_enable(0)`).
    pub fn set_disabled(&mut self, disabled: bool) {
        self.disabled = disabled;
    }

    fn cycle(&mut self, full: bool) -> R<Collection> {
        self.collecting = true;
        let result = self.mark().and_then(|()| self.sweep(full));
        self.collecting = false;
        result
    }

    // ---- mark ----

    fn mark(&mut self) -> R<()> {
        let last = self.remset_cur;
        let cur = 1 - last;
        self.remset_cur = cur;
        self.remset_len[cur] = 0;
        self.remset_dropped[cur] = 0;
        self.mark_len = 0;
        self.mark_overflow = false;
        // gc_premark, then gc_queue_remset.
        if self.remset_dropped[last] == 0 {
            for i in 0..self.remset_len[last] {
                let item = self.remset_item(last, i)?;
                self.set_gc(item, GC_OLD_MARKED)?;
            }
            for i in 0..self.remset_len[last] {
                let item = self.remset_item(last, i)?;
                self.trace(item)?;
                self.drain()?;
            }
        } else {
            // Some members did not fit: they are the objects still GC_MARKED. Tracing every
            // GC_OLD_MARKED object afterwards covers them; the others point only at marked objects.
            // One traced already (and remembered, if it points at a young object) is skipped.
            self.each_object(|j, v| match j.gc_bits(v)? {
                GC_MARKED => j.set_gc(v, GC_OLD_MARKED),
                _ => Ok(()),
            })?;
            self.each_object(|j, v| {
                if j.gc_bits(v)? == GC_OLD_MARKED && !j.in_remset_array(j.remset_cur, v)? {
                    j.trace(v)?;
                    j.drain()?;
                }
                Ok(())
            })?;
        }
        self.remset_len[last] = 0;
        self.remset_dropped[last] = 0;
        // The roots: rooted handles and objects under construction.
        for r in self.tmp_roots {
            if !r.is_null() && self.claim(r)? {
                self.push(r)?;
            }
        }
        for i in 0..self.handle_fresh {
            if let Some(h) = self.handle_at(i)?
                && h.rooted
                && self.claim(h.value)?
            {
                self.push(h.value)?;
            }
        }
        self.drain()?;
        while self.mark_overflow {
            self.mark_overflow = false;
            self.each_object(|j, v| {
                if j.needs_retrace(v)? {
                    j.trace(v)?;
                    j.drain()?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    fn set_gc(&mut self, value: Addr, gc: u8) -> R<()> {
        let at = value.minus(HEADER_BYTES);
        let h = Header(self.words.get(at)?);
        self.words.set(at, h.with_gc(gc).0)
    }

    /// `gc_try_setmark_tag` and `gc_setmark`: marks an unmarked object (`GC_OLD_MARKED` if old) and
    /// updates its page's `has_marked` and `nold`. Returns whether it was unmarked.
    fn claim(&mut self, value: Addr) -> R<bool> {
        let at = value.minus(HEADER_BYTES);
        let h = Header(self.words.get(at)?);
        if h.is_marked() {
            return Ok(false);
        }
        let mode = if h.is_old() { GC_OLD_MARKED } else { GC_MARKED };
        self.words.set(at, h.with_gc(mode).0)?;
        let map = self.map?;
        if let Some(page) = map.page_of(value) {
            let mut m = self.words.meta(&map, page)?;
            if m.kind == PageKind::Pool && (!m.has_marked || mode == GC_OLD_MARKED) {
                m.has_marked = true;
                if mode == GC_OLD_MARKED {
                    m.nold = m.nold.wrapping_add(1);
                }
                self.words.set_meta(&map, page, &m)?;
            }
        }
        Ok(true)
    }

    fn push(&mut self, value: Addr) -> R<()> {
        let map = self.map?;
        if self.mark_len >= map.mark_cap {
            self.mark_overflow = true;
            return Ok(());
        }
        let at = Addr(HEAP_BASE + map.mark + self.mark_len as u64 * WORD_BYTES);
        self.words.set(at, value.0)?;
        self.mark_len += 1;
        Ok(())
    }

    fn drain(&mut self) -> R<()> {
        let map = self.map?;
        while self.mark_len > 0 {
            self.mark_len -= 1;
            let at = Addr(HEAP_BASE + map.mark + self.mark_len as u64 * WORD_BYTES);
            let v = Addr(self.words.get(at)?);
            self.trace(v)?;
        }
        Ok(())
    }

    /// `gc_mark_outrefs` for one object: claims and queues its unmarked children; an old object with a
    /// young child goes onto the remembered set (`nptr & 3 == 3`).
    fn trace(&mut self, value: Addr) -> R<()> {
        let h = Header(self.words.get(value.minus(HEADER_BYTES))?);
        let Some(kind) = Kind::of(h) else {
            return Err(Error::Fault {
                what: "marking an object with an unknown header",
                at: value.0,
            });
        };
        let (first, n) = self.pointer_fields(value, kind)?;
        let mut young = false;
        for i in 0..n {
            let child = Addr(self.words.get(first.plus(i * WORD_BYTES))?);
            if child.is_null() {
                continue;
            }
            if !Header(self.words.get(child.minus(HEADER_BYTES))?).is_old() {
                young = true;
            }
            if self.claim(child)? {
                self.push(child)?;
            }
        }
        if h.is_old() && young {
            self.remset_push(self.remset_cur, value)?;
        }
        Ok(())
    }

    /// After the mark stack overflowed: whether a marked object may not have been traced — it has an
    /// unmarked child, or it is old with a young child and not yet remembered.
    fn needs_retrace(&self, value: Addr) -> R<bool> {
        let h = Header(self.words.get(value.minus(HEADER_BYTES))?);
        if !h.is_marked() {
            return Ok(false);
        }
        let kind = Kind::of(h).ok_or(Error::Fault {
            what: "rescanning an object with an unknown header",
            at: value.0,
        })?;
        let (first, n) = self.pointer_fields(value, kind)?;
        let mut young = false;
        for i in 0..n {
            let child = Addr(self.words.get(first.plus(i * WORD_BYTES))?);
            if child.is_null() {
                continue;
            }
            let ch = Header(self.words.get(child.minus(HEADER_BYTES))?);
            if !ch.is_marked() {
                return Ok(true);
            }
            young |= !ch.is_old();
        }
        Ok(h.is_old() && young && !self.is_remembered(value)?)
    }

    /// Calls `f` with every object in pool pages and every big object (not the permanent ones).
    fn each_object(&mut self, mut f: impl FnMut(&mut Self, Addr) -> R<()>) -> R<()> {
        let map = self.map?;
        for p in 0..self.pages_in_use.min(map.pages) {
            let page = PageIndex(p);
            let m = self.words.meta(&map, page)?;
            match m.kind {
                PageKind::Pool => {
                    let osize = m.osize as u64;
                    let end = page.addr().plus(GC_PAGE_BYTES);
                    let mut cell = page.addr().plus(GC_PAGE_OFFSET_BYTES);
                    while cell.plus(osize) <= end {
                        if !is_link(Header(self.words.get(cell)?)) {
                            f(self, cell.plus(HEADER_BYTES))?;
                        }
                        cell = cell.plus(osize);
                    }
                }
                PageKind::BigHead => f(self, page.addr().plus(BIGVAL_HEADER_OFFSET_BYTES + HEADER_BYTES))?,
                _ => {}
            }
        }
        Ok(())
    }

    // ---- sweep ----

    fn sweep(&mut self, full: bool) -> R<Collection> {
        let map = self.map?;
        let mut freed = Collection::default();
        // sweep_malloced_memory, then sweep_big.
        for p in 0..self.pages_in_use.min(map.pages) {
            let page = PageIndex(p);
            let m = self.words.meta(&map, page)?;
            match m.kind {
                PageKind::MallocHead
                    if !m.owner.is_null()
                        && !Header(self.words.get(m.owner.minus(HEADER_BYTES))?).is_marked() =>
                {
                    let bytes = self.malloc_bytes_of(m.owner)?;
                    self.release_run(page, m.run)?;
                    self.counters.mallocs -= 1;
                    self.counters.malloc_bytes -= bytes;
                    freed.freed_allocations += 1;
                    freed.freed_bytes += bytes;
                }
                PageKind::BigHead => {
                    let hdr = page.addr().plus(BIGVAL_HEADER_OFFSET_BYTES);
                    let h = Header(self.words.get(hdr)?);
                    if !h.is_marked() {
                        let bytes = self.words.get(page.addr().plus(2 * WORD_BYTES))?;
                        self.release_run(page, m.run)?;
                        self.counters.big_objects -= 1;
                        self.counters.big_bytes -= bytes;
                        freed.freed_allocations += 1;
                        freed.freed_bytes += bytes;
                    } else if full || h.gc() == GC_MARKED {
                        self.words.set(hdr, h.with_gc(GC_OLD).0)?;
                    }
                }
                _ => {}
            }
        }
        // gc_sweep_pool: the pages being allocated from count as young.
        for i in 0..N_POOLS {
            let p = self.pools[i];
            if !p.freelist.is_null() {
                self.set_has_young(p.freelist)?;
            }
            if !p.newpages.is_null() {
                self.set_has_young(p.newpages.minus(1))?;
            }
        }
        for p in 0..self.pages_in_use.min(map.pages) {
            let page = PageIndex(p);
            let m = self.words.meta(&map, page)?;
            if m.kind == PageKind::Pool {
                let (cells, bytes) = self.sweep_page(page, m, full)?;
                freed.freed_allocations += cells;
                freed.freed_bytes += bytes;
            }
        }
        self.rebuild_free_lists()?;
        // Step 7: remember the old objects found pointing at young ones, or forget them all.
        let cur = self.remset_cur;
        if full {
            self.remset_len[cur] = 0;
            self.remset_dropped[cur] = 0;
        } else {
            for i in 0..self.remset_len[cur] {
                let item = self.remset_item(cur, i)?;
                self.set_gc(item, GC_MARKED)?;
            }
            if self.remset_dropped[cur] > 0 {
                self.each_object(|j, v| {
                    if j.gc_bits(v)? == GC_OLD_MARKED && j.has_unmarked_child(v)? {
                        j.set_gc(v, GC_MARKED)?;
                    }
                    Ok(())
                })?;
            }
        }
        self.release_dead_handles()?;
        self.prev_sweep_full = full;
        self.counters.cycles += 1;
        self.counters.full_sweeps += full as u64;
        Ok(freed)
    }

    fn has_unmarked_child(&self, value: Addr) -> R<bool> {
        let kind = self.kind_of(value)?;
        let (first, n) = self.pointer_fields(value, kind)?;
        for i in 0..n {
            let child = Addr(self.words.get(first.plus(i * WORD_BYTES))?);
            if !child.is_null() && !Header(self.words.get(child.minus(HEADER_BYTES))?).is_marked() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Bytes of the managed malloc owned by the `Memory` at `owner`: `LLT_ALIGN(length * elsize, 64)`.
    fn malloc_bytes_of(&self, owner: Addr) -> R<u64> {
        let Kind::Memory(elem) = self.kind_of(owner)? else {
            return Err(Error::Fault {
                what: "malloc owner is no Memory",
                at: owner.0,
            });
        };
        let n = self.words.get(owner)?;
        n.checked_mul(elem.bytes())
            .and_then(managed_malloc_bytes)
            .ok_or(Error::Fault {
                what: "malloc owner length overflows",
                at: owner.0,
            })
    }

    fn release_run(&mut self, first: PageIndex, run: u32) -> R<()> {
        let map = self.map?;
        for i in 0..run.max(1) {
            self.words
                .set_meta(&map, PageIndex(first.0 + i), &PageMeta::FREE)?;
        }
        Ok(())
    }

    /// `gc_sweep_page`. Returns the cells freed and their bytes.
    fn sweep_page(&mut self, page: PageIndex, mut m: PageMeta, full: bool) -> R<(u64, u64)> {
        let map = self.map?;
        let osize = m.osize as u64;
        let first = page.addr().plus(GC_PAGE_OFFSET_BYTES);
        let end = page.addr().plus(GC_PAGE_BYTES);
        // Cells at and after `newpages` were never handed out.
        let pool = self.pools.get(m.pool as usize).map_or(Addr::NULL, |p| p.newpages);
        let lim_newpages = if !pool.is_null() && map.page_of(pool.minus(1)) == Some(page) {
            pool
        } else {
            end
        };
        let count_allocated = |j: &Self| -> R<u64> {
            let mut n = 0;
            let mut cell = first;
            while cell.plus(osize) <= end && cell < lim_newpages {
                n += !is_link(Header(j.words.get(cell)?)) as u64;
                cell = cell.plus(osize);
            }
            Ok(n)
        };
        if !m.has_marked {
            // Nothing on the page was marked: the whole page goes back.
            let n = count_allocated(self)?;
            self.release_run(page, 1)?;
            self.counters.pool_pages -= 1;
            self.counters.pool_cells -= n;
            self.counters.pool_bytes -= n * osize;
            return Ok((n, n * osize));
        }
        if !full && !m.has_young && (!self.prev_sweep_full || m.prev_nold == m.nold) {
            // A quick sweep skips a page nothing was allocated from, unless old cells on it died.
            return Ok((0, 0));
        }
        let mut freed = 0;
        let mut has_marked = false;
        let mut prev_nold = 0u16;
        let mut fl_begin = Addr::NULL;
        let mut fl_last = Addr::NULL;
        let mut cell = first;
        while cell.plus(osize) <= end {
            let h = Header(self.words.get(cell)?);
            if !h.is_marked() || cell >= lim_newpages {
                if !is_link(h) && cell < lim_newpages {
                    freed += 1;
                }
                if fl_last.is_null() {
                    fl_begin = cell;
                } else {
                    self.words.set(fl_last, cell.0)?;
                }
                fl_last = cell;
            } else {
                let mut gc = h.gc();
                if full || gc == GC_MARKED {
                    gc = GC_OLD;
                    self.words.set(cell, h.with_gc(gc).0)?;
                }
                prev_nold = prev_nold.wrapping_add(1);
                has_marked |= gc & GC_MARKED != 0;
            }
            cell = cell.plus(osize);
        }
        if !fl_last.is_null() {
            self.words.set(fl_last, 0)?;
        }
        let offset = |a: Addr| {
            if a.is_null() {
                NO_FREE
            } else {
                (a.0 - page.addr().0) as u16
            }
        };
        m.has_marked = has_marked;
        m.has_young = false;
        m.fl_begin = offset(fl_begin);
        m.fl_end = offset(fl_last);
        if full {
            m.nold = 0;
            m.prev_nold = prev_nold;
        }
        self.words.set_meta(&map, page, &m)?;
        self.counters.pool_cells -= freed;
        self.counters.pool_bytes -= freed * osize;
        Ok((freed, freed * osize))
    }

    /// The end of `gc_sweep_pool`: every pool's free list is its pages' free cells, pages in ascending
    /// order (Julia chains them in the order of its page stacks), and no page is being filled.
    fn rebuild_free_lists(&mut self) -> R<()> {
        let map = self.map?;
        self.pools = NO_POOLS;
        let mut last = [Addr::NULL; N_POOLS];
        for p in 0..self.pages_in_use.min(map.pages) {
            let page = PageIndex(p);
            let m = self.words.meta(&map, page)?;
            if m.kind != PageKind::Pool || m.fl_begin == NO_FREE {
                continue;
            }
            let i = m.pool as usize;
            let begin = page.addr().plus(m.fl_begin as u64);
            match last.get(i).copied() {
                Some(a) if !a.is_null() => self.words.set(a, begin.0)?,
                Some(_) => self.pools[i].freelist = begin,
                None => {
                    return Err(Error::Fault {
                        what: "page of an unknown pool",
                        at: page.addr().0,
                    });
                }
            }
            last[i] = page.addr().plus(m.fl_end as u64);
        }
        for a in last {
            if !a.is_null() {
                self.words.set(a, 0)?;
            }
        }
        Ok(())
    }
}

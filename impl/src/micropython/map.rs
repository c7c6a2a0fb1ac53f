//! Hash tables of dicts, sets and instance members (`py/map.c`).
//!
//! A table is open addressing with linear probing. `{}` and `set()` have no table; the first key
//! makes one of 2 slots. A table grows only when it is completely full and a new key arrives, to the
//! smallest of [`HASH_ALLOCATION_SIZES`] at least one larger (beyond the list, `(x + x / 2) | 1`);
//! the new table is allocated, every key is inserted again, then the old table is freed
//! (`mp_map_rehash`, `mp_set_rehash`). A dict or set literal of `n` keys presizes its table to exactly
//! `n` slots (`mp_map_init`, `mp_set_init`), so it is full but not grown.
//!
//! The model's keys are small ints, whose hash is their value (`MP_UNARY_OP_HASH` on a small int,
//! `py/runtime.c`); a key goes to slot `hash % alloc`. Instance members use the same table with
//! qstr keys in the engine; the model uses small ints there too, which gives the same table sizes.

use super::alloc::AllocError;
use super::gc::Roots;
use super::heap::Heap;
use super::units::Addr;

/// `hash_allocation_sizes` (`py/map.c`): the table sizes, in slots.
pub const HASH_ALLOCATION_SIZES: [usize; 34] = [
    0, 2, 4, 6, 8, 10, 12, 17, 23, 29, 37, 47, 59, 73, 97, 127, 167, 223, 293, 389, 521, 691, 919, 1223,
    1627, 2161, 3229, 4831, 7243, 10861, 16273, 24407, 36607, 54907,
];

/// `get_hash_alloc_greater_or_equal_to` (`py/map.c`).
pub const fn hash_alloc_at_least(x: usize) -> usize {
    let mut i = 0;
    while i < HASH_ALLOCATION_SIZES.len() {
        if HASH_ALLOCATION_SIZES[i] >= x {
            return HASH_ALLOCATION_SIZES[i];
        }
        i += 1;
    }
    (x + x / 2) | 1
}

/// `MP_OBJ_NULL`: an empty slot.
const NULL_KEY: u64 = 0;

/// Which table: the header fields differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// `mp_map_t`: a bitfield word (`all_keys_are_qstrs:1`, `is_fixed:1`, `is_ordered:1`,
    /// `used:W-3`), `alloc`, `table`; entries are key and value.
    Map,
    /// `mp_set_t`: `alloc`, `used`, `table`; entries are keys.
    Set,
}

/// A hash table whose header starts at `header` (the field after the object's base).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    /// The table's kind.
    pub kind: TableKind,
    /// Address of the header's first field.
    pub header: Addr,
}

/// What [`Table::insert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// The key was new; its value slot is at this address (maps only: the key's slot for sets).
    New(Addr),
    /// The key was there already; its value slot.
    Existing(Addr),
}

impl Table {
    fn field(&self, heap: &Heap<'_>, i: usize) -> Addr {
        self.header.add(i * heap.cfg.ptr_bytes.get())
    }

    fn entry_words(&self) -> usize {
        match self.kind {
            TableKind::Map => 2,
            TableKind::Set => 1,
        }
    }

    /// Slots in the table (`alloc`).
    pub fn alloc(&self, heap: &Heap<'_>) -> usize {
        let i = match self.kind {
            TableKind::Map => 1,
            TableKind::Set => 0,
        };
        heap.read_ptr(self.field(heap, i)).unwrap_or(0) as usize
    }

    /// Keys in the table (`used`).
    pub fn used(&self, heap: &Heap<'_>) -> usize {
        match self.kind {
            TableKind::Map => (heap.read_ptr(self.field(heap, 0)).unwrap_or(0) >> 3) as usize,
            TableKind::Set => heap.read_ptr(self.field(heap, 1)).unwrap_or(0) as usize,
        }
    }

    /// The table's address (`table`), `None` while there is none.
    pub fn table(&self, heap: &Heap<'_>) -> Option<Addr> {
        match heap.read_ptr(self.field(heap, 2)) {
            Some(0) | None => None,
            Some(a) => Some(Addr(a)),
        }
    }

    /// Writes an empty header: no table (`mp_map_init(map, 0)`, `mp_set_init(set, 0)`); a map starts
    /// with `all_keys_are_qstrs` set.
    pub fn init_empty(&self, heap: &mut Heap<'_>) {
        let first = match self.kind {
            TableKind::Map => 1,
            TableKind::Set => 0,
        };
        heap.write_ptr(self.field(heap, 0), first);
        heap.write_ptr(self.field(heap, 1), 0);
        heap.write_ptr(self.field(heap, 2), 0);
    }

    fn set_alloc(&self, heap: &mut Heap<'_>, alloc: usize) {
        let i = match self.kind {
            TableKind::Map => 1,
            TableKind::Set => 0,
        };
        heap.write_ptr(self.field(heap, i), alloc as u64);
    }

    /// Sets `used`; `qstr_keys` sets (`Some(true)`, a fresh table) or clears (`Some(false)`, a key
    /// that is no qstr) the map's `all_keys_are_qstrs` bit.
    fn set_used(&self, heap: &mut Heap<'_>, used: usize, qstr_keys: Option<bool>) {
        match self.kind {
            TableKind::Map => {
                let a = self.field(heap, 0);
                let old = heap.read_ptr(a).unwrap_or(0);
                let mut flags = old & 7;
                match qstr_keys {
                    Some(true) => flags |= 1,
                    Some(false) => flags &= !1,
                    None => {}
                }
                heap.write_ptr(a, ((used as u64) << 3 | flags) & heap.cfg.addr_mask());
            }
            TableKind::Set => {
                heap.write_ptr(self.field(heap, 1), used as u64);
            }
        }
    }

    fn entry_bytes(&self, heap: &Heap<'_>) -> usize {
        self.entry_words() * heap.cfg.obj_bytes.get()
    }

    /// Gives the table `n` zeroed slots (`mp_map_init(map, n)`, `mp_set_init(set, n)`); `n = 0`
    /// requests 0 bytes, which allocates nothing.
    pub fn presize(&self, heap: &mut Heap<'_>, n: usize, roots: &mut dyn Roots) -> Result<(), AllocError> {
        let bytes = n
            .checked_mul(self.entry_bytes(heap))
            .ok_or(AllocError::TooLarge { bytes: usize::MAX })?;
        let table = heap.gc_alloc(bytes, false, roots)?;
        if let Some(t) = table {
            // m_new0: cleared even without MICROPY_GC_CONSERVATIVE_CLEAR.
            heap.zero(t, bytes);
        }
        self.set_alloc(heap, if table.is_some() { n } else { 0 });
        heap.write_ptr(self.field(heap, 2), table.map_or(0, |t| t.0));
        self.set_used(heap, 0, Some(true));
        Ok(())
    }

    fn rehash(&self, heap: &mut Heap<'_>, roots: &mut dyn Roots) -> Result<(), AllocError> {
        let old_alloc = self.alloc(heap);
        let old_table = self.table(heap);
        let new_alloc = hash_alloc_at_least(old_alloc + 1);
        let bytes = new_alloc * self.entry_bytes(heap);
        let new_table = heap.gc_alloc(bytes, false, roots)?;
        if let Some(t) = new_table {
            heap.zero(t, bytes);
        }
        self.set_alloc(heap, new_alloc);
        heap.write_ptr(self.field(heap, 2), new_table.map_or(0, |t| t.0));
        self.set_used(heap, 0, Some(true));
        if let Some(old) = old_table {
            let obj = heap.cfg.obj_bytes.get();
            for i in 0..old_alloc {
                let slot = old.add(i * self.entry_bytes(heap));
                let key = heap.read_obj(slot).unwrap_or(0);
                if key == NULL_KEY || key == heap.sentinel() {
                    continue;
                }
                let value = heap.read_obj(slot.add(obj)).unwrap_or(0);
                if let Inserted::New(v) = self.insert(heap, key, roots)?
                    && self.kind == TableKind::Map
                {
                    heap.write_obj(v, value);
                }
            }
            heap.free(Some(old))?;
        }
        Ok(())
    }

    /// Adds `key` if it is not there (`MP_MAP_LOOKUP_ADD_IF_NOT_FOUND`), growing a full table;
    /// returns the address of its value (maps) or key (sets) slot. `hash` is the key's small-int value.
    pub fn insert(
        &self,
        heap: &mut Heap<'_>,
        key: u64,
        roots: &mut dyn Roots,
    ) -> Result<Inserted, AllocError> {
        if self.alloc(heap) == 0 {
            self.rehash(heap, roots)?;
        }
        let hash = heap.key_hash(key);
        let entry = self.entry_bytes(heap);
        let value_off = match self.kind {
            TableKind::Map => heap.cfg.obj_bytes.get(),
            TableKind::Set => 0,
        };
        loop {
            let alloc = self.alloc(heap);
            let Some(table) = self.table(heap).filter(|_| alloc > 0) else {
                return Err(AllocError::Corrupt {
                    what: "a hash table header without a table",
                });
            };
            let mut pos = (hash % alloc as u64) as usize;
            let start = pos;
            let mut avail = None;
            loop {
                let slot = table.add(pos * entry);
                let k = heap.read_obj(slot).unwrap_or(0);
                if k == NULL_KEY {
                    let s = avail.unwrap_or(slot);
                    heap.write_obj(s, key);
                    if self.kind == TableKind::Map {
                        heap.write_obj(s.add(value_off), NULL_KEY);
                    }
                    self.set_used(heap, self.used(heap) + 1, (!heap.is_qstr(key)).then_some(false));
                    return Ok(Inserted::New(s.add(value_off)));
                } else if k == heap.sentinel() {
                    avail.get_or_insert(slot);
                } else if k == key {
                    return Ok(Inserted::Existing(slot.add(value_off)));
                }
                pos = (pos + 1) % alloc;
                if pos == start {
                    break;
                }
            }
            if let Some(s) = avail {
                heap.write_obj(s, key);
                if self.kind == TableKind::Map {
                    heap.write_obj(s.add(value_off), NULL_KEY);
                }
                self.set_used(heap, self.used(heap) + 1, (!heap.is_qstr(key)).then_some(false));
                return Ok(Inserted::New(s.add(value_off)));
            }
            self.rehash(heap, roots)?;
        }
    }

    /// The value slot of `key`, if present (`MP_MAP_LOOKUP`).
    pub fn lookup(&self, heap: &Heap<'_>, key: u64) -> Option<Addr> {
        let alloc = self.alloc(heap);
        let table = self.table(heap)?;
        if alloc == 0 {
            return None;
        }
        let entry = self.entry_bytes(heap);
        let value_off = match self.kind {
            TableKind::Map => heap.cfg.obj_bytes.get(),
            TableKind::Set => 0,
        };
        let mut pos = (heap.key_hash(key) % alloc as u64) as usize;
        let start = pos;
        loop {
            let slot = table.add(pos * entry);
            let k = heap.read_obj(slot)?;
            if k == NULL_KEY {
                return None;
            }
            if k == key {
                return Some(slot.add(value_off));
            }
            pos = (pos + 1) % alloc;
            if pos == start {
                return None;
            }
        }
    }
}

impl Heap<'_> {
    /// `MP_OBJ_SENTINEL`: a deleted slot (`py/obj.h`, 4 without `MICROPY_DEBUG_MP_OBJ_SENTINELS`).
    pub(crate) const fn sentinel(&self) -> u64 {
        4
    }

    fn codec(&self) -> super::encoding::Codec {
        super::encoding::Codec::new(self.cfg.repr, self.cfg.uint_bytes)
    }

    pub(crate) fn is_qstr(&self, w: u64) -> bool {
        self.codec().classify(w) == super::encoding::WordClass::Qstr
    }

    /// The hash of a small-int key as `mp_uint_t`: its value.
    fn key_hash(&self, key: u64) -> u64 {
        let c = self.codec();
        let v = c.small_int_value(key) as u64;
        if self.cfg.uint_bits() >= 64 {
            v
        } else {
            v & ((1u64 << self.cfg.uint_bits()) - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_grow_through_the_listed_sizes() {
        // py/map.c hash_allocation_sizes: 0 -> 2 -> 4 -> 6 ..., 12 -> 17, beyond the list (x + x/2) | 1.
        assert_eq!(hash_alloc_at_least(1), 2);
        assert_eq!(hash_alloc_at_least(13), 17);
        assert_eq!(hash_alloc_at_least(54908), 82363);
    }
}

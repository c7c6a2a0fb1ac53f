//! Objects of each kind, laid out as Julia v1.11.0 lays them out, and the pointer fields the collector
//! traces.
//!
//! | kind | payload | source |
//! |---|---|---|
//! | `Int64`, `UInt16` box | the value in an 8-byte payload; cached values are permanent boxes | `src/datatype.c` `SIBOX_FUNC`, `UIBOX_FUNC` |
//! | `Float64` box | 8 bytes, no cache | `BOX_FUNC(float64, ...)` |
//! | `Bool` | the permanent `jl_false` and `jl_true` | `jl_box_bool` |
//! | `String` | `[length][bytes][NUL]`, `jl_gc_szclass_align8` | `src/array.c` `jl_alloc_string` |
//! | `SimpleVector` | `[length][data...]` | `src/simplevector.c` `jl_alloc_svec_uninit` |
//! | `Tuple{Any...}`, struct | the fields, no length word | `src/datatype.c` `jl_new_structv`, `jl_new_struct_uninit` |
//! | `Memory{T}` | `[length][ptr]` then inline data, or `[owner]` with malloc'd data | `src/genericmemory.c` `_new_genericmemory_` |
//! | `Vector{T}` | `[ptr_or_offset][mem][length]` beside its `Memory` | `src/array.c` `_new_array` |
//! | singleton | no payload: the permanent instance | `src/datatype.c` `jl_maybe_allocate_singleton_instance` |
//! | buffer | `n` bytes tagged `jl_buff_tag` | `src/julia_internal.h` `jl_gc_alloc_buf` |

use super::Julia;
use super::alloc::ClassFn;
use super::header::{HEADER_BYTES, Header, WORD_BYTES};
use super::heap::{Addr, Error, PageKind, R};
use super::size_class::{BIGVAL_BYTES, GC_MAX_SZCLASS_BYTES, HEAP_ALIGNMENT_BYTES};
use super::types::{Elem, HEAP_BASE, Kind};

/// `NBOX_C` (`src/datatype.c`): entries of each integer box cache.
pub const NBOX_C: i64 = 1024;

/// A constructed object: its value address and the heap bytes its construction took (0 for permanent
/// objects that already existed or are made once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Made {
    /// The value address (`jl_value_t *`).
    pub value: Addr,
    /// Collected-heap bytes taken: pool cells, big objects, managed mallocs.
    pub bytes: u64,
    /// Separate allocations taken.
    pub allocations: u32,
}

const fn fresh(value: Addr, bytes: u64) -> Made {
    Made {
        value,
        bytes,
        allocations: 1,
    }
}

const fn permanent(value: Addr) -> Made {
    Made {
        value,
        bytes: 0,
        allocations: 0,
    }
}

/// Payload bytes of a kind's object in the permanent area: `jl_permbox64` for `Int64`
/// (`LLT_ALIGN(64, sizeof(void*))`: the macro aligns the bit count), `jl_permbox16` for `UInt16`,
/// `jl_permbox8` for `Bool`, the empty `String` as `jl_pchar_to_string("\0", 1)` makes it (Julia
/// allocates that one from a pool at start-up and keeps it in the system image; the model keeps it
/// with the permanent objects), the empty `SimpleVector`, the empty `Memory` instance (`16 + elsize`),
/// and the header-only singletons.
pub const fn perm_payload(kind: Kind) -> Option<u64> {
    match kind {
        Kind::Int64 => Some(64),
        Kind::UInt16 => Some(16),
        Kind::Bool => Some(8),
        Kind::String => Some(WORD_BYTES + 2),
        Kind::Svec => Some(WORD_BYTES),
        Kind::Memory(e) => Some(HEAP_ALIGNMENT_BYTES + e.bytes()),
        Kind::Tuple(0)
        | Kind::Singleton(_)
        | Kind::Struct {
            fields: 0,
            mutable: false,
        } => Some(0),
        _ => None,
    }
}

impl Julia<'_> {
    /// The permanent object of `kind` whose first payload word is `first` (any, when `None`), made on
    /// first use. Julia makes these at start-up or when the type is defined; the model makes each the
    /// first time it is asked for, so the arena holds only the ones a case uses.
    fn permanent(&mut self, kind: Kind, first: Option<u64>) -> R<Addr> {
        let map = self.map?;
        let base = HEAP_BASE + map.perm;
        let mut p = base;
        while p < base + self.perm_top {
            let h = Header(self.words.get(Addr(p))?);
            if h.0 == 0 {
                p += WORD_BYTES; // alignment padding
                continue;
            }
            let k = Kind::of(h).ok_or(Error::Fault {
                what: "unknown header in the permanent area",
                at: p,
            })?;
            let value = Addr(p + HEADER_BYTES);
            if k == kind {
                match first {
                    None => return Ok(value),
                    Some(w) if self.words.get(value)? == w => return Ok(value),
                    Some(_) => {}
                }
            }
            let payload = perm_payload(k).ok_or(Error::Fault {
                what: "a kind that is never permanent in the permanent area",
                at: p,
            })?;
            p = (value.0 + payload).next_multiple_of(WORD_BYTES);
        }
        let payload = perm_payload(kind).ok_or(Error::Fault {
            what: "no permanent object of this kind",
            at: 0,
        })?;
        let value = self.perm_alloc(payload, Header::new(kind.type_tag(), 0))?;
        match kind {
            Kind::Memory(_) => self
                .words
                .set(value.plus(WORD_BYTES), value.plus(HEAP_ALIGNMENT_BYTES).0)?,
            _ => {
                if let Some(w) = first {
                    self.words.set(value, w)?;
                }
            }
        }
        Ok(value)
    }

    fn new_object(&mut self, kind: Kind, payload: u64) -> R<Made> {
        let (value, bytes) = self.alloc_object(payload, Header::new(kind.type_tag(), 0), ClassFn::Default)?;
        Ok(fresh(value, bytes))
    }

    /// `jl_box_int64(x)`: the cached permanent box for `-512 <= x <= 511`, else a fresh 16-byte cell.
    pub fn box_int64(&mut self, x: i64) -> R<Made> {
        if (-NBOX_C / 2..NBOX_C / 2).contains(&x) {
            return Ok(permanent(self.permanent(Kind::Int64, Some(x as u64))?));
        }
        let m = self.new_object(Kind::Int64, WORD_BYTES)?;
        self.words.set(m.value, x as u64)?;
        Ok(m)
    }

    /// `jl_box_uint16(x)`: the cached permanent box for `x < 1024`, else a fresh cell of
    /// `LLT_ALIGN(2, 8) = 8` payload bytes.
    pub fn box_uint16(&mut self, x: u16) -> R<Made> {
        if (x as i64) < NBOX_C {
            return Ok(permanent(self.permanent(Kind::UInt16, Some(x as u64))?));
        }
        let m = self.new_object(Kind::UInt16, WORD_BYTES)?;
        self.words.set(m.value, x as u64)?;
        Ok(m)
    }

    /// `jl_box_float64(x)`: always a fresh 16-byte cell.
    pub fn box_float64(&mut self, x: f64) -> R<Made> {
        let m = self.new_object(Kind::Float64, WORD_BYTES)?;
        self.words.set(m.value, x.to_bits())?;
        Ok(m)
    }

    /// `jl_box_bool(x)`: `jl_true` or `jl_false`.
    pub fn box_bool(&mut self, x: bool) -> R<Made> {
        Ok(permanent(self.permanent(Kind::Bool, Some(x as u64))?))
    }

    /// `jl_alloc_string(len)` filled with `fill(i)`: `jl_an_empty_string` for length 0.
    pub fn new_string(&mut self, len: u64, fill: impl Fn(u64) -> u8) -> R<Made> {
        if len == 0 {
            return Ok(permanent(self.permanent(Kind::String, None)?));
        }
        let sz = len.checked_add(WORD_BYTES + 1).ok_or(Error::TooLarge {
            bytes: len,
            limit: self.map?.page_bytes(),
        })?;
        let (value, bytes) =
            self.alloc_object(sz, Header::new(Kind::String.type_tag(), 0), ClassFn::Align8)?;
        self.words.set(value, len)?;
        let data = value.plus(WORD_BYTES);
        for i in 0..len {
            self.words.fill(data.plus(i), 1, fill(i))?;
        }
        Ok(fresh(value, bytes))
    }

    /// `jl_alloc_svec(n)`: `jl_emptysvec` for 0, else `{n, null x n}`.
    pub fn new_svec(&mut self, n: u64) -> R<Made> {
        if n == 0 {
            return Ok(permanent(self.permanent(Kind::Svec, None)?));
        }
        let payload = words_payload(n, 1)?;
        let m = self.new_object(Kind::Svec, payload)?;
        self.words.set(m.value, n)?;
        Ok(m)
    }

    /// A `Tuple{Any, ...}` of `n` fields: `jl_emptytuple` for 0, else `n` words and no length.
    pub fn new_tuple(&mut self, n: u32) -> R<Made> {
        if n == 0 {
            return Ok(permanent(self.permanent(Kind::Tuple(0), None)?));
        }
        self.new_object(Kind::Tuple(n), words_payload(n as u64, 0)?)
    }

    /// `jl_new_struct_uninit` of a struct with `fields` fields of type `Any`: the singleton instance when
    /// it is immutable and has no fields, else a zeroed object (a header-only cell without fields).
    pub fn new_struct(&mut self, fields: u32, mutable: bool) -> R<Made> {
        let kind = Kind::Struct { fields, mutable };
        if fields == 0 && !mutable {
            return Ok(permanent(self.permanent(kind, None)?));
        }
        self.new_object(kind, words_payload(fields as u64, 0)?)
    }

    /// The instance of singleton type number `k` (`jl_gc_permobj(0, T)`).
    pub fn singleton(&mut self, k: u32) -> R<Made> {
        Ok(permanent(self.permanent(Kind::Singleton(k), None)?))
    }

    /// `jl_gc_alloc_buf(n)`: `n` bytes tagged `jl_buff_tag`.
    pub fn new_buffer(&mut self, n: u64) -> R<Made> {
        self.new_object(Kind::Buffer, n)
    }

    /// `jl_alloc_genericmemory(Memory{T}, n)`: the empty instance for 0; inline data when
    /// `16 + n * elsize <= GC_MAX_SZCLASS`; else a 24-byte object `{length, ptr, owner = itself}` and
    /// `LLT_ALIGN(n * elsize, 64)` bytes of managed malloc.
    pub fn new_memory(&mut self, n: u64, elem: Elem) -> R<Made> {
        let kind = Kind::Memory(elem);
        if n == 0 {
            return Ok(permanent(self.permanent(kind, None)?));
        }
        let too_large = Error::TooLarge {
            bytes: n,
            limit: self.map?.page_bytes(),
        };
        let prod = n.checked_mul(elem.bytes()).ok_or(too_large)?;
        let tot = prod.checked_add(HEAP_ALIGNMENT_BYTES).ok_or(too_large)?;
        if tot <= GC_MAX_SZCLASS_BYTES {
            let m = self.new_object(kind, tot)?;
            self.words.set(m.value, n)?;
            self.words
                .set(m.value.plus(WORD_BYTES), m.value.plus(HEAP_ALIGNMENT_BYTES).0)?;
            return Ok(m);
        }
        let (data, data_bytes) = self.managed_malloc(prod)?;
        let m = self.new_object(kind, 3 * WORD_BYTES)?;
        self.words.set(m.value, n)?;
        self.words.set(m.value.plus(WORD_BYTES), data.0)?;
        self.words.set(m.value.plus(2 * WORD_BYTES), m.value.0)?;
        self.set_malloc_owner(data, m.value)?;
        Ok(Made {
            value: m.value,
            bytes: m.bytes + data_bytes,
            allocations: 2,
        })
    }

    /// `jl_alloc_array_1d(Vector{T}, n)`: the `Memory` first, then the array `{ptr_or_offset, mem,
    /// length}` (the memory is rooted meanwhile, as `JL_GC_PUSH1(&mem)` does).
    pub fn new_vector(&mut self, n: u64, elem: Elem) -> R<Made> {
        let mem = self.new_memory(n, elem)?;
        self.tmp_roots[0] = mem.value;
        let arr = self.new_object(Kind::Vector(elem), 3 * WORD_BYTES);
        self.tmp_roots[0] = Addr::NULL;
        let arr = arr?;
        let ptr = self.words.get(mem.value.plus(WORD_BYTES))?;
        self.words.set(arr.value, ptr)?;
        self.words.set(arr.value.plus(WORD_BYTES), mem.value.0)?;
        self.words.set(arr.value.plus(2 * WORD_BYTES), n)?;
        Ok(Made {
            value: arr.value,
            bytes: mem.bytes + arr.bytes,
            allocations: mem.allocations + arr.allocations,
        })
    }

    /// The kind of the object at `value`, from its header.
    pub fn kind_of(&self, value: Addr) -> R<Kind> {
        let h = Header(self.words.get(value.minus(HEADER_BYTES))?);
        Kind::of(h).ok_or(Error::Fault {
            what: "header names no kind of this model",
            at: value.0,
        })
    }

    /// The pointer fields of the object at `value`: the first field's address and their number.
    pub fn pointer_fields(&self, value: Addr, kind: Kind) -> R<(Addr, u64)> {
        Ok(match kind {
            Kind::Svec => (value.plus(WORD_BYTES), self.words.get(value)?),
            Kind::Tuple(n) => (value, n as u64),
            Kind::Struct { fields, .. } => (value, fields as u64),
            Kind::Memory(Elem::Any) => (
                Addr(self.words.get(value.plus(WORD_BYTES))?),
                self.words.get(value)?,
            ),
            Kind::Vector(_) => (value.plus(WORD_BYTES), 1),
            _ => (value, 0),
        })
    }

    /// Where a store into element or field `slot` of the object at `value` goes, and the object the
    /// write barrier must look at (`jl_array_owner` for a vector: its memory).
    pub fn slot(&self, value: Addr, slot: u64) -> R<Option<(Addr, Addr)>> {
        let kind = self.kind_of(value)?;
        let at =
            |first: Addr, n: u64, parent: Addr| (slot < n).then(|| (first.plus(slot * WORD_BYTES), parent));
        Ok(match kind {
            Kind::Vector(Elem::Any) => {
                let mem = Addr(self.words.get(value.plus(WORD_BYTES))?);
                let ptr = Addr(self.words.get(value)?);
                at(ptr, self.words.get(value.plus(2 * WORD_BYTES))?, mem)
            }
            Kind::Vector(Elem::Bits(_)) => None,
            _ => {
                let (first, n) = self.pointer_fields(value, kind)?;
                at(first, n, value)
            }
        })
    }

    /// Payload bytes the object at `value` may be read at: the rest of its pool cell, its big
    /// allocation, or its permanent payload.
    pub fn readable_payload(&self, value: Addr) -> R<u64> {
        let map = self.map?;
        if map.in_perm(value) {
            return perm_payload(self.kind_of(value)?).ok_or(Error::Fault {
                what: "not a permanent kind",
                at: value.0,
            });
        }
        let page = map.page_of(value).ok_or(Error::Fault {
            what: "not an object of this heap",
            at: value.0,
        })?;
        let m = self.words.meta(&map, page)?;
        match m.kind {
            PageKind::Pool => Ok(m.osize as u64 - HEADER_BYTES),
            PageKind::BigHead => {
                let sz = self.words.get(page.addr().plus(2 * WORD_BYTES))?;
                Ok(sz - BIGVAL_BYTES)
            }
            _ => Err(Error::Fault {
                what: "not an object of this heap",
                at: value.0,
            }),
        }
    }
}

/// Payload bytes of `extra + n` words.
fn words_payload(n: u64, extra: u64) -> R<u64> {
    n.checked_add(extra)
        .and_then(|w| w.checked_mul(WORD_BYTES))
        .ok_or(Error::TooLarge {
            bytes: n,
            limit: u64::MAX,
        })
}

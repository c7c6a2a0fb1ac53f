//! The host memory a growing heap takes new areas from: the model of the port's `malloc`
//! (`MP_PLAT_ALLOC_HEAP`, `MP_PLAT_FREE_HEAP`, `py/mpconfig.h`).
//!
//! The arena given to the model is one span of addresses from [`Config::arena_base`]. Its first
//! `heapsize` bytes are the area given to `gc_init`; the rest is host memory. The model places memory
//! there as dlmalloc does when nothing else is allocated in between (`system/lib/dlmalloc.c` in
//! emscripten, whose `malloc` the WebAssembly port uses):
//!
//! * A chunk starts `2 · sizeof(size_t)` bytes before the pointer `malloc` returns (`chunk2mem`).
//! * A request of `n` bytes takes a chunk of `n + sizeof(size_t)` bytes rounded up to
//!   `MALLOC_ALIGNMENT = 2 · sizeof(size_t)`, at least `MIN_CHUNK_SIZE = 4 · sizeof(size_t)`
//!   (`pad_request`): 8-byte alignment and a 4-byte size word on wasm32.
//! * Chunks follow one another: the first area's chunk (its pointer is the arena's first byte), the
//!   chunks the port's start-up leaves after it, then the areas `gc_try_add_heap` asks for, each taking
//!   the lowest free place it fits in. A freed chunk joins the free places beside it.
//!
//! Measured on the WebAssembly port (`node engines/micropython/measure_growth.mjs chunks`): the heap's
//! chunk is followed by one 72-byte chunk its start-up leaves, whatever the heapsize, and the next
//! `malloc` lands right after it; areas added one after another follow each other exactly by the
//! rule above (`node engines/micropython/measure_growth.mjs grow 16384 20000 30000 40000`). JavaScript
//! that calls `runPython` mallocs a copy of the source text for each call, which can sit between the
//! first area and the next: the model has no such calls. On ESP32 the IDF heap (TLSF) places memory
//! its own way; the model uses the same rule there, unmeasured, and no start-up chunk.

use super::area::MAX_AREAS;
use super::config::{Config, Port};
use super::units::Addr;

/// Bytes of the chunk the WebAssembly port's start-up leaves right after the heap's chunk
/// (measured: `node engines/micropython/measure_growth.mjs chunks`, the same for every heapsize).
pub const WASM_STARTUP_CHUNK_BYTES: usize = 72;

/// A chunk of host memory that holds an area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The chunk's first byte (its header).
    pub chunk: Addr,
    /// What `malloc` returned: where the area's `mp_state_mem_area_t` begins.
    pub mem: Addr,
    /// The bytes asked for.
    pub bytes: usize,
    /// The chunk's size, header included (`pad_request`).
    pub chunk_bytes: usize,
}

impl Chunk {
    /// One past the chunk's last byte.
    pub const fn end(&self) -> u64 {
        self.chunk.0.saturating_add(self.chunk_bytes as u64)
    }
}

/// The host memory of one heap: where its free part begins and ends, and the allocator's word size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    /// The first byte after the chunks the port keeps: the first area's and its start-up chunks.
    pub free_start: u64,
    /// One past the arena's last byte.
    pub end: u64,
    /// `sizeof(size_t)`: the pointer width.
    pub size_t_bytes: usize,
}

impl Host {
    /// The host memory of an arena of `arena_bytes` at `cfg.arena_base` whose first `heap_bytes`
    /// bytes are the area given to `gc_init`.
    pub fn new(cfg: &Config, heap_bytes: usize, arena_bytes: usize) -> Host {
        let size_t_bytes = cfg.ptr_bytes.get();
        let startup = match cfg.port {
            Port::WebAssembly => WASM_STARTUP_CHUNK_BYTES,
            _ => 0,
        };
        let mut host = Host {
            free_start: 0,
            end: cfg.arena_base.saturating_add(arena_bytes as u64),
            size_t_bytes,
        };
        let first_chunk = host
            .chunk_bytes(heap_bytes)
            .map_or(u64::MAX, |c| c.saturating_add(startup) as u64);
        host.free_start = cfg
            .arena_base
            .saturating_sub(host.mem_offset() as u64)
            .saturating_add(first_chunk);
        host
    }

    /// `MALLOC_ALIGNMENT`: `2 · sizeof(size_t)` bytes.
    const fn alignment(&self) -> usize {
        2 * self.size_t_bytes
    }

    /// Bytes from a chunk's start to the pointer `malloc` returns (`chunk2mem`).
    pub const fn mem_offset(&self) -> usize {
        2 * self.size_t_bytes
    }

    /// The chunk a request of `n` bytes takes (`pad_request`, at least `MIN_CHUNK_SIZE`); `None` when
    /// it overflows.
    pub const fn chunk_bytes(&self, n: usize) -> Option<usize> {
        let mask = self.alignment() - 1;
        let Some(padded) = n.checked_add(self.size_t_bytes + mask) else {
            return None;
        };
        let padded = padded & !mask;
        let min = 4 * self.size_t_bytes;
        Some(if padded < min { min } else { padded })
    }

    /// The chunk `n` bytes would take at `at`, if it fits before `limit`.
    fn fit(&self, at: u64, limit: u64, n: usize) -> Option<Chunk> {
        let chunk_bytes = self.chunk_bytes(n)?;
        let mem = at.checked_add(self.mem_offset() as u64)?;
        let fits = at.checked_add(chunk_bytes as u64)? <= limit && mem.checked_add(n as u64)? <= limit;
        fits.then_some(Chunk {
            chunk: Addr(at),
            mem: Addr(mem),
            bytes: n,
            chunk_bytes,
        })
    }

    /// The free places between the chunks in `used`, lowest first, each as `(start, end)`.
    fn gaps(&self, used: impl IntoIterator<Item = Chunk>, mut each: impl FnMut(u64, u64) -> bool) {
        let mut sorted = [(0u64, 0u64); MAX_AREAS];
        let mut n = 0;
        for c in used {
            if let Some(slot) = sorted.get_mut(n) {
                *slot = (c.chunk.0, c.end());
                n += 1;
            }
        }
        let sorted = sorted.get_mut(..n).unwrap_or(&mut []);
        // An insertion sort: at most MAX_AREAS chunks, and a few dozen bytes of code where core's
        // sort takes about 4 KB of the firmware's flash.
        for i in 1..sorted.len() {
            let mut j = i;
            while j > 0 && sorted[j - 1] > sorted[j] {
                sorted.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut cursor = self.free_start;
        for &(start, end) in sorted.iter() {
            if start > cursor && !each(cursor, start) {
                return;
            }
            cursor = cursor.max(end);
        }
        if self.end > cursor {
            each(cursor, self.end);
        }
    }

    /// `malloc(n)`: the lowest free place `n` bytes fit in, beside the chunks in `used`.
    pub fn malloc(&self, n: usize, used: impl IntoIterator<Item = Chunk>) -> Option<Chunk> {
        let mut found = None;
        self.gaps(used, |start, end| {
            found = self.fit(start, end, n);
            found.is_none()
        });
        found
    }

    /// The largest request `malloc` would grant now (ESP-IDF's `heap_caps_get_largest_free_block`).
    pub fn largest_free(&self, used: impl IntoIterator<Item = Chunk>) -> u64 {
        let mut best = 0u64;
        self.gaps(used, |start, end| {
            let room = end - start;
            let mut n = room.saturating_sub(self.mem_offset() as u64);
            // At most one alignment step down to where the padded chunk fits.
            while n > 0 && self.fit(start, end, n as usize).is_none() {
                n -= 1;
            }
            best = best.max(n);
            true
        });
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memspec::ProfileId;

    fn wasm_host(heap: usize, arena: usize) -> Host {
        let mut cfg = Config::new(ProfileId::MicropythonA32, Some(Port::WebAssembly)).unwrap();
        cfg.arena_base = 0x2fa00;
        Host::new(&cfg, heap, arena)
    }

    #[test]
    fn the_next_chunk_after_a_16_kib_heap_is_where_the_port_mallocs_it() {
        // measure_growth.mjs chunks: the heap's chunk at 0x2f9f8 is 16392 bytes, a 72-byte chunk
        // follows, and malloc(22048) gives 0x33a50.
        let host = wasm_host(16384, 1 << 20);
        assert_eq!(host.chunk_bytes(16384), Some(16392));
        let c = host.malloc(22048, []).unwrap();
        assert_eq!((c.chunk.0, c.mem.0, c.chunk_bytes), (0x33a48, 0x33a50, 22056));
        // The next area follows it: measured at 0x39078 (grow 16384 20000 30000).
        let d = host.malloc(38416, [c]).unwrap();
        assert_eq!((d.mem.0, d.chunk_bytes), (0x39078, 38424));
    }

    #[test]
    fn a_freed_chunk_is_the_first_place_tried_again() {
        let host = wasm_host(16384, 1 << 20);
        let a = host.malloc(1000, []).unwrap();
        let b = host.malloc(1000, [a]).unwrap();
        assert_eq!(host.malloc(500, [b]).unwrap().chunk, a.chunk);
        assert!(host.malloc(2000, [b]).unwrap().chunk.0 > b.chunk.0);
    }

    #[test]
    fn nothing_fits_past_the_arena_and_the_largest_free_block_shrinks() {
        let host = wasm_host(16384, 16384);
        assert_eq!(host.malloc(16, []), None);
        assert_eq!(host.largest_free([]), 0);
        let host = wasm_host(16384, 32768);
        let room = host.largest_free([]);
        let c = host.malloc(room as usize, []).unwrap();
        assert!(c.mem.0 + room <= host.end);
        assert_eq!(host.malloc(room as usize + 1, []), None);
        assert_eq!(host.largest_free([c]), 0);
    }
}

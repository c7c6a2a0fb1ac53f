//! MicroPython: how objects are stored in words, how the GC heap is laid out, and what objects cost.
//!
//! These are the facts of MicroPython's own memory-management documentation
//! (`docs/develop/memorymgt.rst`), corrected and completed from the source (`py/obj.h`, `py/mpconfig.h`,
//! `py/smallint.h`, `py/gc.c`) at [`V1_27_0`], and measured on the WebAssembly port of the same
//! version. Every number below is also in this module's tables, with its source.
//!
//! # The object model
//!
//! Every MicroPython value is an `mp_obj_t`. In representations A, B and C it is one machine word
//! (`mp_uint_t`, the width of a pointer): 32 bits on ESP32, STM32, nRF and the WebAssembly port, 64
//! bits on the unix port for x86-64. In representation D (nan-boxing) it is a 64-bit word on a
//! 32-bit CPU, while pointers and `size_t` stay 32 bits.
//!
//! Small integers, interned strings (qstrs) and, in A, B and C, the immediate objects `None`,
//! `False` and `True` are stored in the word itself and take no heap. In C and D floats are stored
//! in the word too. Everything else is a pointer to an object whose first field is its type pointer
//! (`mp_obj_base_t`). Some of those objects are static (in ROM or the binary's read-only data: the
//! empty tuple `()`, `b''`, types, modules' constant tables; and in D also `None`, `False`, `True`),
//! the rest are on the GC heap. [`repr`] has the tag tables; [`profiles`] names which build each
//! table is for.
//!
//! Representation A, the default (`py/mpconfig.h`):
//!
//! ```text
//! ********|********|********|*******1   small int, bits 1 and up are the value
//! ********|********|********|*****010   qstr, bits 3 and up are the index
//! ********|********|********|*****110   immediate object (None 0x6, False 0xe, True 0x1e)
//! ********|********|********|******00   pointer to an object
//! ```
//!
//! Representation B moves the small int one bit up (`…01`), the qstr to `…011`, the immediates to
//! `…111`, and a pointer needs only `…0`. Representation C (32-bit, with floats) keeps A's small
//! ints and pointers, stores a 30-bit float as `((bits & ~3) | 2) + 0x80800000`, and puts qstrs and
//! immediates where no float can be: `(O & 0xff80000f) == 0x6` and `== 0xe`. Representation D uses the
//! top 16 bits of its 64-bit word: `0x0000` pointer, `0x0001` small int (47 bits), `0x0002` qstr, and
//! every other value is a double stored as `bits + 0x8004_0000_0000_0000`. D has no immediate objects
//! (`MICROPY_OBJ_IMMEDIATE_OBJS` is 0 for it): `None`, `False` and `True` are pointers to ROM objects.
//!
//! # The heap
//!
//! The heap is one or more *areas*. `gc_init` rounds the area's end down to a whole block, then
//! splits the area (`gc_setup_area`, see [`heap::area_split`]): from the low end, the allocation
//! table (ATB), one gap byte that is always zero, the finaliser table (FTB) when
//! `MICROPY_ENABLE_FINALISER` is set, from v1.28.0 the weakref table (WTB) when `MICROPY_PY_WEAKREF`
//! is set, some unused slack, and the *pool* of blocks, placed flush against the area's end. (With
//! both an FTB and a WTB the formula can overshoot by one byte: when `T − 1 = A · (2 + 4 · block)` with
//! an odd ATB length `A`, the WTB's last byte is the pool's first; see
//! [`laws::side_tables_clear_of_pool`]. Without a WTB, as in v1.27.0, the tables always fit.)
//!
//! A block is `MICROPY_BYTES_PER_GC_BLOCK = 4 × MP_BYTES_PER_OBJ_WORD` bytes: 16 on 32-bit A, B and C
//! builds, 32 on 64-bit builds and in D (where `mp_uint_t` is 64 bits on a 32-bit CPU). An allocation
//! of n bytes takes `ceil(n / block)` consecutive blocks, found first-fit; a request of 0 bytes takes
//! none and returns NULL. Blocks carry **no header**: the state of every block is a 2-bit entry of the
//! ATB, four blocks to a byte, block b in bits `2·(b mod 4)` and up of byte `b / 4`:
//!
//! | code | name | block |
//! |---|---|---|
//! | 0 | FREE | free |
//! | 1 | HEAD | first block of an allocation |
//! | 2 | TAIL | a further block of the allocation begun by the nearest HEAD below it |
//! | 3 | MARK | a HEAD marked during a collection |
//!
//! The FTB holds one bit per block (eight to a byte): set when the block may have a finaliser
//! (`__del__`, or a native finaliser such as a file's `close`), looked at only for HEAD blocks.
//!
//! Collection is non-moving mark-sweep and conservative: from the roots (the root-pointer section of
//! the VM state, the Python stack, and on most ports the C stack and registers) every word that is
//! block-aligned, inside a pool and points at a HEAD marks that allocation, and every word of the
//! marked allocation's whole block chain is scanned in turn. An interior pointer keeps nothing alive.
//! The mark stack has `MICROPY_ALLOC_GC_STACK_SIZE` (64) entries; when it overflows, the ATB is rescanned
//! for MARK blocks until nothing overflows. The sweep frees every unmarked HEAD with its TAILs
//! (running the finaliser first) and turns MARK back into HEAD.
//!
//! `gc.mem_alloc()` is the number of HEAD and TAIL blocks times the block size; `gc.mem_free()` the
//! FREE blocks times the block size, plus, where the heap grows by itself
//! (`MICROPY_GC_SPLIT_HEAP_AUTO`), the largest area it could still add. `gc.collect()` returns the
//! number of allocations freed only with `MICROPY_PY_GC_COLLECT_RETVAL` (the unix and windows ports);
//! elsewhere it returns `None`. `gc.disable()` stops automatic collection only; `gc.collect()` still
//! collects. `micropython.mem_info()` prints the summary described in [`mem_info`], and with an
//! argument the heap map described in [`heap_map`].
//!
//! On the WebAssembly port `gc.collect()`, and any collection an allocation asks for, only sets a
//! flag: the collection runs when the outermost call from JavaScript into Python returns. When an
//! allocation does not fit, the port adds a new area instead of collecting.
//!
//! # Object kinds, as cases name them
//!
//! Conformance cases allocate objects by kind and arguments; [`sizes`] gives each profile's heap cost
//! for them. The vocabulary:
//!
//! | kind and arguments | the object | heap |
//! |---|---|---|
//! | `int value=V` | the int V as arithmetic on small ints makes it (`mp_obj_new_int_from_ll`) | 0 inside the small-int range; otherwise an mpz struct (4 words) and a separate digit array. The array holds `MPZ_NUM_DIG_FOR_LL` digits on this path (8 bytes); other paths size it themselves (`int('…')` parses into `len·8 / MPZ_DIG_SIZE + 1` digits, a shift into `len + ceil(shift / MPZ_DIG_SIZE)`), at least 2 (`MIN_ALLOC`) |
//! | `float value=V` | a float made at run time (`x + y`) | one struct `{base, value}` in A and B; 0 in C and D |
//! | `str text=T` | a str with the bytes of T, made at run time | 0 when T equals an existing qstr (the empty string, any name the build or the program has interned, any literal of up to 10 bytes the parser has seen); otherwise a struct `{base, hash, len, data}` and a separate buffer of `len + 1` bytes |
//! | `bytes text=T` | a bytes object copied from T at run time (`bytes(list)`) | struct and a buffer of `len + 1` bytes, also for empty T; only the literal `b''` and some operations with an empty result give the ROM empty-bytes object |
//! | `bytearray len=n` | `bytearray(n)` | struct `{base, typecode:8/free, len, items}`; items buffer of n bytes, none for n = 0 |
//! | `list len=n` | a list made with n items at once (`[None] * n`, a literal) | struct `{base, alloc, len, items}`; item array of `max(n, LIST_MIN_ALLOC = 4)` words |
//! | `tuple len=n` | `tuple(seq)` of n items | `{base, len, items[n]}` inline; `()` is the ROM empty tuple: 0 |
//! | `dict keys=n` | `{}` with n small-int keys stored one at a time | struct `{base, map: {used/flags, alloc, table}}`; no table until the first key, then a table of `alloc` (key, value) pairs, alloc growing through 2, 4, 6, 8, 10, 12, 17, 23, … when the table is full |
//! | `set len=n` | `set()` with n small ints added one at a time | struct `{base, alloc, used, table}`; table of `alloc` words growing like the dict's |
//! | `function defaults=d kw_defaults=k` | a `def` with d positional and k keyword-only defaults, executed | `mp_obj_fun_bc_t` of 4 words plus d words, plus one if k > 0, plus for k > 0 the dict of keyword defaults (`dict keys=k`). The defaults tuple is temporary; bytecode is made at compile time |
//! | `closure captured=n` | a nested `def` that reads n variables of its enclosing function, executed | the closure `{base, fun, n_closed, closed[n]}`, the inner function (as `function defaults=0 kw_defaults=0`), and one cell `{base, obj}` per captured variable: n + 2 allocations |
//! | `bound-method` | `obj.method` of an instance of a plain class | `{base, meth, self}` |
//! | `instance` | an instance of a plain class with no attributes | `{base, members map}` (4 words); the members table appears with the first attribute |
//! | `raw bytes=N` | a plain `m_malloc(N)` | `ceil(N / block)` blocks; none for N = 0 |
//!
//! Each allocation costs whole blocks: an object's heap cost is the sum over its allocations of
//! `ceil(bytes / block) × block`.
//!
//! # What each profile is for
//!
//! Every table is for MicroPython v1.27.0. `micropython-a32` is measured on the WebAssembly port
//! (`@micropython/micropython-webassembly-pyscript` 1.27.0, which has no WTB: that table arrived in
//! v1.28.0) with `engines/micropython/measure.mjs`; the other profiles are derived from the struct
//! layouts in the source for the build named in each profile's summary. Those derivations are checked
//! against the unix port of v1.27.0, measured by the same script with `--micropython PATH`: the
//! standard variant on x86-64 for `micropython-a64`, the `nanbox` variant on i386 for
//! `micropython-d32`, and the `longlong` variant on i386 (REPR_C with long-long ints) for the tags
//! and the non-int sizes of `micropython-c32`. The commands name those executables `$MICROPYTHON`,
//! `$MICROPYTHON_NANBOX` and `$MICROPYTHON_LONGLONG`.

pub mod claims;
pub mod heap;
pub mod heap_map;
pub mod laws;
pub mod mem_info;
pub mod profiles;
pub mod repr;
pub mod sizes;

pub use claims::ASSESSMENTS;
pub use profiles::{A32, A64, B64, C32, D32};

use crate::evidence::{Evidence, Upstream};

/// MicroPython v1.27.0, the version every profile describes and the npm WebAssembly port is built from.
pub static V1_27_0: Upstream = Upstream {
    repo: "micropython/micropython",
    commit: "78ff170de9e32c79db6e64d3e33d2bd60002bdcd",
    version: "v1.27.0",
};

/// MicroPython v1.28.0: the first release with the weakref table (WTB, commit `74e945752b`).
pub static V1_28_0: Upstream = Upstream {
    repo: "micropython/micropython",
    commit: "e0e9fbb17ed6fd06bb76e266ae554784c9c80804",
    version: "v1.28.0",
};

/// The development head the facts were last read at (`v1.29.0-preview-731`): `memorymgt.rst` no
/// longer has the REPL example there (commit `50218dd2a8`).
pub static HEAD: Upstream = Upstream {
    repo: "micropython/micropython",
    commit: "1c3c201149f37fe8d81246191b3127bb198d6306",
    version: "v1.29.0-preview-731",
};

/// The npm package the `micropython-a32` numbers are measured on.
pub const WASM_ENGINE: &str = "@micropython/micropython-webassembly-pyscript 1.27.0";

/// The unix-port executable the `micropython-a64` derivation is checked on. Commands name it
/// `"$MICROPYTHON"`: an executable of the unix port's standard variant at v1.27.0 on x86-64.
pub const UNIX_ENGINE: &str = "micropython v1.27.0 unix port, standard variant, x86-64 ($MICROPYTHON)";

/// The unix port's `nanbox` variant (REPR_D on i386), which the `micropython-d32` derivation is checked
/// on. Commands name it `"$MICROPYTHON_NANBOX"`.
pub const NANBOX_ENGINE: &str = "micropython v1.27.0 unix port, nanbox variant, i386 ($MICROPYTHON_NANBOX)";

/// The unix port's `longlong` variant (REPR_C on i386, with long-long ints instead of MPZ), which the
/// `micropython-c32` tags and non-int sizes are checked on. Commands name it `"$MICROPYTHON_LONGLONG"`.
pub const LONGLONG_ENGINE: &str =
    "micropython v1.27.0 unix port, longlong variant, i386 ($MICROPYTHON_LONGLONG)";

/// A file and symbol of MicroPython v1.27.0.
pub(crate) const fn src(file: &'static str, symbol: &'static str) -> Evidence {
    Evidence::Source {
        upstream: &V1_27_0,
        file,
        symbol,
    }
}

/// A file and symbol of MicroPython v1.28.0.
pub(crate) const fn src_v1_28(file: &'static str, symbol: &'static str) -> Evidence {
    Evidence::Source {
        upstream: &V1_28_0,
        file,
        symbol,
    }
}

/// A measurement on the unix port (`--micropython "$MICROPYTHON"`); `command` runs from the repository root.
pub(crate) const fn measured_unix(command: &'static str) -> Evidence {
    Evidence::Measured {
        engine: UNIX_ENGINE,
        command,
    }
}

/// A measurement on the unix port's nanbox variant (`--micropython "$MICROPYTHON_NANBOX"`).
pub(crate) const fn measured_nanbox(command: &'static str) -> Evidence {
    Evidence::Measured {
        engine: NANBOX_ENGINE,
        command,
    }
}

/// A measurement on the unix port's longlong variant (`--micropython "$MICROPYTHON_LONGLONG"`).
pub(crate) const fn measured_longlong(command: &'static str) -> Evidence {
    Evidence::Measured {
        engine: LONGLONG_ENGINE,
        command,
    }
}

/// A measurement on the WebAssembly port; `command` runs from the repository root.
pub(crate) const fn measured(command: &'static str) -> Evidence {
    Evidence::Measured {
        engine: WASM_ENGINE,
        command,
    }
}

//! The build configuration a heap follows: representation, widths, tables, and the port's choices.
//!
//! MicroPython fixes its object layout at compile time through `py/mpconfig.h` and each port's
//! `mpconfigport.h`. [`Config`] holds the handful of those settings that change a byte of the heap or
//! a number the engine reports. [`Config::for_profile`] gives each profile's reference build and lets
//! [`HeapConfig::port`] and [`HeapConfig::options`] select another.
//!
//! | profile | default port | build it stands for |
//! |---|---|---|
//! | `micropython-a32` | `webassembly` | the npm package `@micropython/micropython-webassembly-pyscript` 1.27.0 |
//! | `micropython-a64` | `unix` | the unix port's standard variant on x86-64 |
//! | `micropython-b64` | `unix` | the same build with `MICROPY_OBJ_REPR_B` |
//! | `micropython-c32` | `bare-metal` | a REPR_C board build with single floats and MPZ ints (as ESP8266) |
//! | `micropython-d32` | `unix` | the unix `nanbox` variant (`MICROPY_FORCE_32BIT`, REPR_D) |
//!
//! Ports: `unix` (32-bit profiles are the `-m32` i386 build, `c32` is the `longlong` variant),
//! `windows`, `esp32`, `webassembly` (the npm package), `bare-metal`. The 64-bit profiles are x86-64
//! builds (32-bit MPZ digits) on every port. A port takes its own collector settings to any profile:
//! what `gc.collect()` returns, whether the heap grows by new areas (and so what `gc.mem_free()`
//! adds), whether a failed allocation collects at once, single floats on the 32-bit board ports, and
//! where memory lives. So `a64` on `esp32` is a 64-bit build with the ESP32 port's settings, a build
//! that exists only in the model.
//!
//! Options (all optional, each overrides the port's value): `base=ADDR` (address of the arena's
//! first byte), `heapsize=BYTES` (the area given to `gc_init`, at the arena's start; the rest of the
//! arena is the host memory a growing heap takes new areas from; the whole arena when not given),
//! `finaliser=0|1`, `weakref=0|1`, `conservative_clear=0|1`, `collect_retval=0|1`,
//! `max_new_split=BYTES` (turns `MICROPY_GC_SPLIT_HEAP_AUTO` on with a fixed `gc_get_max_new_split`),
//! `mpz_digit_bits=16|32`, `gc_stack=ENTRIES`, `settrace=0|1`.

use memspec::ProfileId;
use memspec::subject::{ErrorKind, HeapConfig, Param, ParamValue, SubjectError, SubjectResult};
use memspec::wide::Wide;

use crate::arena::WordBytes;

/// Words of `mp_uint_t` per GC block: `MICROPY_BYTES_PER_GC_BLOCK = 4 * MP_BYTES_PER_OBJ_WORD`
/// (`py/mpconfig.h`).
pub const WORDS_PER_BLOCK: usize = 4;

/// Entries of the mark stack, `MICROPY_ALLOC_GC_STACK_SIZE` (`py/mpconfig.h`).
pub const GC_STACK_ENTRIES: usize = 64;

/// Bytes the WebAssembly port says it could still add as new heap areas: `gc_get_max_new_split`
/// returns `128 * 1024 * 1024` (`ports/webassembly/main.c`, v1.27.0).
pub const WASM_MAX_NEW_SPLIT_BYTES: u64 = 128 * 1024 * 1024;

/// The largest mark stack an option may ask for (the model keeps the stack in a fixed array).
pub const GC_STACK_ENTRIES_MAX: usize = 256;

/// What `gc_get_max_new_split` reports where the heap grows by itself (`MICROPY_GC_SPLIT_HEAP_AUTO`):
/// the most the port could still add as a new area. `gc_try_add_heap` adds no area larger than it, and
/// `gc.mem_free()` adds it to the free blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaxNewSplit {
    /// A constant: 128 MiB on the WebAssembly port (`ports/webassembly/main.c`), whatever is added.
    Fixed(u64),
    /// The largest block the host's `malloc` would grant now (ESP32, `ports/esp32/gccollect.c`:
    /// `heap_caps_get_largest_free_block`), which shrinks as areas are added.
    LargestFree,
}

/// `MICROPY_OBJ_REPR`: how an `mp_obj_t` word holds small ints, qstrs, immediates, floats and pointers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Repr {
    /// `xxx1` small int, `x010` qstr, `x110` immediate, `xx00` pointer.
    A,
    /// `xx01` small int, `x011` qstr, `x111` immediate, `xxx0` pointer.
    B,
    /// As A for small ints and pointers; qstrs, immediates and 30-bit floats stored as `R + 0x80800000`.
    C,
    /// Nan-boxing: a 64-bit `mp_obj_t` whose top 16 bits select the kind.
    D,
}

/// `MICROPY_FLOAT_IMPL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatImpl {
    /// No float type.
    None,
    /// `float` (IEEE-754 single).
    Single,
    /// `double`.
    Double,
}

/// `MICROPY_LONGINT_IMPL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LongInt {
    /// Small ints only; overflow raises.
    None,
    /// `long long` boxed in a small object (`py/objint_longlong.c`).
    LongLong,
    /// Arbitrary precision: an mpz struct and a separate digit array (`py/objint_mpz.c`, `py/mpz.c`).
    Mpz,
}

/// The port, which decides what `gc.collect()` returns, whether the heap grows by new areas, and
/// where memory lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Port {
    /// `ports/unix`.
    Unix,
    /// `ports/windows`.
    Windows,
    /// `ports/esp32`.
    Esp32,
    /// `ports/webassembly`, variant `pyscript` (the npm package).
    WebAssembly,
    /// A bare-metal board port (stm32, rp2, esp8266, ...).
    BareMetal,
}

impl Port {
    /// Every port.
    pub const ALL: [Port; 5] = [
        Port::Unix,
        Port::Windows,
        Port::Esp32,
        Port::WebAssembly,
        Port::BareMetal,
    ];

    /// The port's name in [`HeapConfig::port`].
    pub const fn name(self) -> &'static str {
        match self {
            Port::Unix => "unix",
            Port::Windows => "windows",
            Port::Esp32 => "esp32",
            Port::WebAssembly => "webassembly",
            Port::BareMetal => "bare-metal",
        }
    }

    /// The port with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Port> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The settings of one MicroPython build that shape its heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The profile the build belongs to.
    pub profile: ProfileId,
    /// `MICROPY_OBJ_REPR`.
    pub repr: Repr,
    /// The port.
    pub port: Port,
    /// `sizeof(mp_uint_t)`, `MP_BYTES_PER_OBJ_WORD`: 8 in REPR_D even on a 32-bit CPU.
    pub uint_bytes: WordBytes,
    /// `sizeof(void *)`: the stride of the collector's scan (`gc_mark_subtree`).
    pub ptr_bytes: WordBytes,
    /// `sizeof(mp_obj_t)`: 8 in REPR_D, else the pointer width.
    pub obj_bytes: WordBytes,
    /// Alignment of 8-byte scalars (`double`, `long long`, REPR_D's `mp_obj_t`) inside structs:
    /// 4 on i386 (System V ABI), 8 elsewhere.
    pub align8_bytes: usize,
    /// `MICROPY_FLOAT_IMPL`.
    pub float: FloatImpl,
    /// `MICROPY_LONGINT_IMPL`.
    pub longint: LongInt,
    /// `MPZ_DIG_SIZE`: 32 only when compiled for x86-64 or Win64, else 16 (`py/mpz.h`).
    pub mpz_digit_bits: u32,
    /// `MICROPY_ENABLE_FINALISER`: the FTB exists.
    pub finaliser: bool,
    /// `MICROPY_PY_WEAKREF` (v1.28 and later): the WTB exists.
    pub weakref: bool,
    /// `MICROPY_GC_CONSERVATIVE_CLEAR`: every new allocation is zeroed whole, not only past the request.
    pub conservative_clear: bool,
    /// `MICROPY_PY_GC_COLLECT_RETVAL`: `gc.collect()` returns the number of HEAD blocks freed.
    pub collect_retval: bool,
    /// `MICROPY_GC_SPLIT_HEAP`: the heap is a list of areas.
    pub split_heap: bool,
    /// `MICROPY_GC_SPLIT_HEAP_AUTO` is set: an allocation that finds no room adds an area, and
    /// `gc_get_max_new_split` reports this.
    pub max_new_split: Option<MaxNewSplit>,
    /// Whether an allocation that finds no room collects at once (`gc_collect`). The WebAssembly
    /// port only sets a flag there and collects when control returns to JavaScript.
    pub collect_on_failure: bool,
    /// `MICROPY_ALLOC_GC_STACK_SIZE`.
    pub gc_stack_entries: usize,
    /// `MICROPY_PY_SYS_SETTRACE`: a function object carries one more word.
    pub settrace: bool,
    /// `MICROPY_QSTR_BYTES_IN_HASH`: 2 at the EXTRA_FEATURES level and above, 1 at CORE.
    pub qstr_hash_bytes: u32,
    /// The address of the arena's first byte (the `start` given to `gc_init`).
    pub arena_base: u64,
    /// Bytes of the area given to `gc_init` (the WebAssembly port's `heapsize`, ESP32's
    /// `MICROPY_GC_INITIAL_HEAP_SIZE`) at the arena's start; the rest of the arena is host memory.
    /// `None`: the whole arena.
    pub heap_bytes: Option<u64>,
    /// Where the model places static objects: types, `None` in REPR_D, `()`, `b''`.
    pub rom_base: u64,
}

/// Where each port's memory lives in the model: the arena and the read-only data. The numbers are the
/// model's choice, made to look like the port's memory map.
/// Every arena base is a multiple of the largest block (32 bytes), as a heap from `malloc` or a
/// linker section usually is, so `gc_init` rounds nothing off the end.
const fn bases(port: Port, ptr_bytes: WordBytes) -> (u64, u64) {
    match (port, ptr_bytes) {
        // emscripten linear memory: static data low, the heap malloc'd above it.
        (Port::WebAssembly, _) => (0x0004_2ec0, 0x0000_1400),
        // ESP32 internal DRAM and flash-mapped rodata (DROM).
        (Port::Esp32, _) => (0x3ffb_4a40, 0x3f40_2000),
        // An x86-64 PIE: BSS above the read-only data.
        (Port::Unix, WordBytes::Eight) => (0x5555_5557_7040, 0x5555_5555_a000),
        // An i386 PIE.
        (Port::Unix, _) => (0x5657_a060, 0x5655_8000),
        (Port::Windows, WordBytes::Eight) => (0x7ff6_4a43_5040, 0x7ff6_4a41_0000),
        (Port::Windows, _) => (0x0063_5040, 0x0040_1000),
        // Cortex-M style: SRAM and flash.
        (Port::BareMetal, _) => (0x2000_0a00, 0x0801_0000),
    }
}

fn bad(detail: core::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, detail)
}

impl Config {
    /// The profile's reference build on `port` (the profile's default port when `None`).
    pub fn new(profile: ProfileId, port: Option<Port>) -> SubjectResult<Config> {
        let (repr, default_port) = match profile {
            ProfileId::MicropythonA32 => (Repr::A, Port::WebAssembly),
            ProfileId::MicropythonA64 => (Repr::A, Port::Unix),
            ProfileId::MicropythonB64 => (Repr::B, Port::Unix),
            ProfileId::MicropythonC32 => (Repr::C, Port::BareMetal),
            ProfileId::MicropythonD32 => (Repr::D, Port::Unix),
            other => {
                return Err(SubjectError::new(
                    ErrorKind::UnknownProfile,
                    format_args!("{} is not a MicroPython profile", other.name()),
                ));
            }
        };
        let port = port.unwrap_or(default_port);
        // The 64-bit profiles are x86-64 builds whatever the port.
        let cpu64 = matches!(profile, ProfileId::MicropythonA64 | ProfileId::MicropythonB64);
        let ptr_bytes = if cpu64 { WordBytes::Eight } else { WordBytes::Four };
        let (uint_bytes, obj_bytes) = match repr {
            Repr::D => (WordBytes::Eight, WordBytes::Eight),
            _ => (ptr_bytes, ptr_bytes),
        };
        // i386 (the unix port built with MICROPY_FORCE_32BIT) aligns 8-byte scalars to 4 in structs.
        let align8_bytes = if port == Port::Unix && !cpu64 { 4 } else { 8 };
        let float = match (repr, port) {
            (Repr::C, _) => FloatImpl::Single,
            (Repr::D, _) => FloatImpl::Double,
            (_, Port::Esp32 | Port::BareMetal) if !cpu64 => FloatImpl::Single,
            _ => FloatImpl::Double,
        };
        let longint = if repr == Repr::C && port == Port::Unix {
            // ports/unix/variants/longlong: REPR_C, single floats, long long ints.
            LongInt::LongLong
        } else {
            LongInt::Mpz
        };
        // py/mpz.h: `#if defined(__x86_64__) || defined(_WIN64)` gives 32-bit digits.
        let mpz_digit_bits = if cpu64 { 32 } else { 16 };
        let (split_heap, max_new_split) = match port {
            // ports/webassembly/variants/pyscript/mpconfigvariant.h and ports/esp32/mpconfigport.h
            // both set MICROPY_GC_SPLIT_HEAP and MICROPY_GC_SPLIT_HEAP_AUTO. ESP32's
            // gc_get_max_new_split is the IDF heap's largest free block at run time: the host
            // memory's, 0 when the arena is all first area.
            Port::WebAssembly => (true, Some(MaxNewSplit::Fixed(WASM_MAX_NEW_SPLIT_BYTES))),
            Port::Esp32 => (true, Some(MaxNewSplit::LargestFree)),
            _ => (false, None),
        };
        let (arena_base, rom_base) = bases(port, ptr_bytes);
        Ok(Config {
            profile,
            repr,
            port,
            uint_bytes,
            ptr_bytes,
            obj_bytes,
            align8_bytes,
            float,
            longint,
            mpz_digit_bits,
            // Unix always enables it (ports/unix/mpconfigport.h); the others are at the
            // EXTRA_FEATURES level or above, where py/mpconfig.h enables it.
            finaliser: true,
            weakref: false,
            conservative_clear: true,
            // ports/unix/variants/mpconfigvariant_common.h and the windows port set it.
            collect_retval: matches!(port, Port::Unix | Port::Windows),
            split_heap,
            max_new_split,
            collect_on_failure: port != Port::WebAssembly,
            gc_stack_entries: GC_STACK_ENTRIES,
            settrace: false,
            qstr_hash_bytes: 2,
            arena_base,
            heap_bytes: None,
            rom_base,
        })
    }

    /// The build a case's [`HeapConfig`] selects for `profile`.
    pub fn for_profile(profile: ProfileId, heap: &HeapConfig<'_>) -> SubjectResult<Config> {
        let port = match heap.port {
            None => None,
            Some(name) => Some(Port::from_name(name).ok_or_else(|| {
                bad(format_args!(
                    "unknown MicroPython port `{name}` (unix, windows, esp32, webassembly, bare-metal)"
                ))
            })?),
        };
        let mut cfg = Config::new(profile, port)?;
        for p in heap.options {
            cfg.apply(p)?;
        }
        Ok(cfg)
    }

    fn apply(&mut self, p: &Param<'_>) -> SubjectResult<()> {
        let int = match p.value {
            ParamValue::Int(v) => v,
            _ => {
                return Err(bad(format_args!(
                    "MicroPython option `{}` takes an integer",
                    p.name
                )));
            }
        };
        let flag = |v: i128| match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(bad(format_args!(
                "option `{}` is 0 or 1, not {}",
                p.name,
                Wide(v)
            ))),
        };
        // Messages name the value through `Wide`, as `{}` prints an i128.
        let shown = Wide(int);
        let addr_max = match self.ptr_bytes {
            WordBytes::Eight => u64::MAX as i128,
            _ => u32::MAX as i128,
        };
        match p.name {
            "base" => {
                if !(0..=addr_max).contains(&int) {
                    return Err(bad(format_args!(
                        "base {shown:#x} is no {}-bit address",
                        self.ptr_bytes.get() * 8
                    )));
                }
                self.arena_base = int as u64;
            }
            "heapsize" => {
                let v = u64::try_from(int).ok().filter(|v| *v > 0).ok_or_else(|| {
                    bad(format_args!(
                        "heapsize is a positive number of bytes, not {shown}"
                    ))
                })?;
                self.heap_bytes = Some(v);
            }
            "finaliser" => self.finaliser = flag(int)?,
            "weakref" => self.weakref = flag(int)?,
            "conservative_clear" => self.conservative_clear = flag(int)?,
            "collect_retval" => self.collect_retval = flag(int)?,
            "settrace" => self.settrace = flag(int)?,
            "max_new_split" => {
                // gc_get_max_new_split returns a size_t.
                let size_max = u64::MAX >> (64 - self.uint_bits());
                let v = u64::try_from(int)
                    .ok()
                    .filter(|v| *v <= size_max)
                    .ok_or_else(|| {
                        bad(format_args!(
                            "max_new_split is 0 ..= {size_max} bytes (a {}-bit size_t), not {shown}",
                            self.uint_bits()
                        ))
                    })?;
                self.max_new_split = Some(MaxNewSplit::Fixed(v));
                self.split_heap = true;
            }
            "mpz_digit_bits" => {
                if int != 16 && int != 32 {
                    return Err(bad(format_args!("mpz_digit_bits is 16 or 32, not {shown}")));
                }
                self.mpz_digit_bits = int as u32;
            }
            "gc_stack" => {
                if !(1..=GC_STACK_ENTRIES_MAX as i128).contains(&int) {
                    return Err(bad(format_args!(
                        "gc_stack is 1 ..= {GC_STACK_ENTRIES_MAX} entries, not {shown}"
                    )));
                }
                self.gc_stack_entries = int as usize;
            }
            other => {
                return Err(bad(format_args!(
                    "unknown MicroPython option `{other}` (base, heapsize, finaliser, weakref, \
                     conservative_clear, collect_retval, max_new_split, mpz_digit_bits, gc_stack, settrace)"
                )));
            }
        }
        Ok(())
    }

    /// `MICROPY_BYTES_PER_GC_BLOCK` in bytes.
    pub const fn bytes_per_block(&self) -> usize {
        WORDS_PER_BLOCK * self.uint_bytes.get()
    }

    /// Bits of `mp_uint_t`.
    pub const fn uint_bits(&self) -> u32 {
        self.uint_bytes.get() as u32 * 8
    }

    /// The mask of a value word (`mp_obj_t`).
    pub const fn obj_mask(&self) -> u64 {
        match self.obj_bytes {
            WordBytes::Eight => u64::MAX,
            WordBytes::Four => u32::MAX as u64,
            WordBytes::Two => u16::MAX as u64,
        }
    }

    /// The mask of an address.
    pub const fn addr_mask(&self) -> u64 {
        match self.ptr_bytes {
            WordBytes::Eight => u64::MAX,
            WordBytes::Four => u32::MAX as u64,
            WordBytes::Two => u16::MAX as u64,
        }
    }

    /// Alignment of a value word inside a struct.
    pub const fn obj_align(&self) -> usize {
        let b = self.obj_bytes.get();
        if b > self.align8_bytes {
            self.align8_bytes
        } else {
            b
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_four_words_of_mp_uint_t() {
        let a32 = Config::new(ProfileId::MicropythonA32, None).unwrap();
        let d32 = Config::new(ProfileId::MicropythonD32, None).unwrap();
        let a64 = Config::new(ProfileId::MicropythonA64, None).unwrap();
        assert_eq!(a32.bytes_per_block(), 16);
        // REPR_D: mp_uint_t is 64-bit on a 32-bit CPU, so a block is 32 bytes (py/mpconfig.h).
        assert_eq!(d32.bytes_per_block(), 32);
        assert_eq!(d32.ptr_bytes, WordBytes::Four);
        assert_eq!(a64.bytes_per_block(), 32);
    }

    #[test]
    fn an_unknown_port_or_option_is_an_error() {
        let cfg = HeapConfig {
            arena_bytes: 4096,
            port: Some("amiga"),
            options: &[],
        };
        let e = Config::for_profile(ProfileId::MicropythonA32, &cfg).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadArgument);
        let opts = [Param {
            name: "colour",
            value: ParamValue::Int(1),
        }];
        let cfg = HeapConfig {
            arena_bytes: 4096,
            port: None,
            options: &opts,
        };
        let e = Config::for_profile(ProfileId::MicropythonA32, &cfg).unwrap_err();
        assert!(e.detail.as_str().contains("colour"), "{e}");
        let e = Config::new(ProfileId::Microvium, None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownProfile);
    }
}

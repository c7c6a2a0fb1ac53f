//! Which profile a running MicroPython is: its word size and object representation, read from the
//! engine itself (`sys.maxsize` and the raw words `id()` gives for None, True, 1 and 0.5).
//!
//! The patterns are those of `py/mpconfig.h` (`MICROPY_OBJ_REPR_A` ... `_D`) and `py/obj.h`
//! (`MP_OBJ_NEW_SMALL_INT`, `MP_OBJ_NEW_IMMEDIATE_OBJ`), read at micropython/micropython v1.27.0.
//! They are restated here, not taken from the `memspec` tables, so that a disagreement between the
//! engine and the specification shows up as a failing case instead of being assumed away.

use memspec::ProfileId;
use memspec::subject::{ErrorKind, SubjectError, SubjectResult};
use memspec::tag::TagClass;

use super::probe::Reply;

/// The object representation (`MICROPY_OBJ_REPR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repr {
    /// `MICROPY_OBJ_REPR_A`: small int `xxx1`, qstr `x010`, immediate `x110`, pointer `xx00`.
    A,
    /// `MICROPY_OBJ_REPR_B`: small int `xx01`, qstr `x011`, immediate `x111`, pointer `xxx0`.
    B,
    /// `MICROPY_OBJ_REPR_C`: as A for ints and pointers; floats, qstrs and immediates offset by
    /// `0x80800000`.
    C,
    /// `MICROPY_OBJ_REPR_D`: 64-bit nan-boxing; None, False and True are pointers to ROM objects.
    D,
}

/// What the engine said about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The profile.
    pub profile: ProfileId,
    /// The representation.
    pub repr: Repr,
    /// Bits of a stored value word (`mp_obj_t`).
    pub word_bits: u32,
    /// Bytes per GC block: `4 * sizeof(mp_uint_t)` (`py/mpconfig.h` `MICROPY_BYTES_PER_GC_BLOCK`).
    pub bytes_per_block: u64,
    /// `sys.implementation.version`, e.g. `1.27.0`.
    pub version: String,
    /// `sys.implementation._build`, e.g. `pyscript`, or `-`.
    pub build: String,
    /// The port, in the names of memspec's `start port=` (`unix`, `webassembly`, `esp32`, `windows`,
    /// `bare-metal`), from `sys.platform`.
    pub port: &'static str,
    /// `MICROPY_LONGINT_IMPL`, as the driver found it: `mpz`, `longlong` or `none`.
    pub longint: String,
    /// Whether the build has `uctypes` (`MICROPY_PY_UCTYPES`), through which the driver reads and
    /// writes words of the heap.
    pub uctypes: bool,
    /// The words of None, False and True (`id()`), pointers to ROM objects in REPR_D.
    pub constants: [u64; 3],
    /// The word of the last qstr the driver made at load (`id("_m_word")`): every qstr up to it
    /// exists.
    pub last_qstr: u64,
}

/// memspec's port name for a `sys.platform` (`ports/*/mpconfigport.h` `MICROPY_PY_SYS_PLATFORM`).
pub fn port_of_platform(platform: &str) -> &'static str {
    match platform {
        "linux" | "darwin" | "freebsd" => "unix",
        "webassembly" => "webassembly",
        "esp32" => "esp32",
        "win32" => "windows",
        _ => "bare-metal",
    }
}

impl Detected {
    /// Reads the answer of the driver's `_m_hello()`.
    pub fn from_hello(subject: &str, r: &Reply) -> SubjectResult<Detected> {
        let maxsize = r.int(subject, "maxsize")?;
        let one = r.int(subject, "one")?;
        let none = r.int(subject, "none")?;
        let t = r.int(subject, "true")?;
        let f = r.int(subject, "false")?;
        if r.get("gc") == Some("0") {
            return Err(SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!(
                    "{subject}: this MicroPython build ({}) has no gc or micropython module \
                     (MICROPY_PY_GC, MICROPY_PY_MICROPYTHON), so no heap reading can be taken; \
                     memspec drives builds that have them (the unix port's standard, longlong, \
                     nanbox and coverage variants)",
                    r.get("build").unwrap_or("-")
                ),
            ));
        }
        let half = match r.get("half") {
            Some("none") => {
                return Err(SubjectError::new(
                    ErrorKind::UnknownProfile,
                    format_args!(
                        "{subject}: this MicroPython build has no floats (MICROPY_FLOAT_IMPL_NONE), \
                         and every MicroPython profile has them"
                    ),
                ));
            }
            _ => r.int(subject, "half")?,
        };
        let version = r.get("version").unwrap_or("?").to_owned();
        let build = r.get("build").unwrap_or("-").to_owned();
        let port = port_of_platform(r.get("platform").unwrap_or("?"));
        let longint = r.get("longint").unwrap_or("?");
        let refuse = |why: &str| {
            SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!(
                    "{subject}: MicroPython {version} is no profile memspec knows: {why} \
                     (sys.maxsize={maxsize}, id(1)={one:#x}, id(None)={none:#x}, id(True)={t:#x})"
                ),
            )
        };
        let (repr, word_bits, uint_bytes) = match (maxsize, one, none, f, t) {
            (m, 3, 6, 0xe, 0x1e) if m == i128::from(i32::MAX) => (Repr::A, 32, 4),
            (m, 3, 6, 0xe, 0x1e) if m == i128::from(i64::MAX) => (Repr::A, 64, 8),
            (m, 5, 7, 0xf, 0x1f) if m == i128::from(i64::MAX) => (Repr::B, 64, 8),
            (m, 5, 7, 0xf, 0x1f) if m == i128::from(i32::MAX) => (Repr::B, 32, 4),
            (m, 3, 0xe, 0x1e, 0x3e) if m == i128::from(i32::MAX) => (Repr::C, 32, 4),
            // REPR_D has 32-bit pointers and size_t: sys.maxsize (MP_SSIZE_MAX) is 2^31 - 1.
            (m, 0x0001_0000_0000_0003, _, _, _) if m == i128::from(i32::MAX) => (Repr::D, 64, 8),
            // Before v1.13 (upstream d96cfd13e3, `MICROPY_OBJ_IMMEDIATE_OBJS`) None, False and True
            // are pointers to const objects: the representation is told by 0.5 (boxed on A).
            (m, 3, n, f, t) if m == i128::from(i32::MAX) && [n, f, t].iter().all(|w| w & 3 == 0) => {
                if half as u64 & 3 == 0 {
                    (Repr::A, 32, 4)
                } else {
                    (Repr::C, 32, 4)
                }
            }
            _ => {
                return Err(refuse(
                    "the raw words of 1, None, False and True match no representation",
                ));
            }
        };
        // REPR_C and REPR_D keep floats in the word; A and B box them (a pointer).
        let float_boxed = match repr {
            Repr::A | Repr::B => true,
            Repr::C | Repr::D => false,
        };
        if float_boxed != is_pointer(repr, half as u64) {
            return Err(refuse(
                "0.5 is stored unlike the representation its ints and constants imply",
            ));
        }
        // The profiles model MPZ ints, and long long ints for REPR_C on the unix port (the
        // `longlong` variant); which a case's build has is checked at its start.
        if longint != "mpz" && longint != "longlong" {
            return Err(refuse(&format!(
                "its long ints are `{longint}` (MICROPY_LONGINT_IMPL), and memspec's MicroPython \
                 profiles model MPZ and long long ints"
            )));
        }
        let profile = match (repr, word_bits) {
            (Repr::A, 32) => ProfileId::MicropythonA32,
            (Repr::A, 64) => ProfileId::MicropythonA64,
            (Repr::B, 64) => ProfileId::MicropythonB64,
            (Repr::C, 32) => ProfileId::MicropythonC32,
            (Repr::D, 64) => ProfileId::MicropythonD32,
            _ => return Err(refuse("REPR_B with 32-bit words has no memspec profile")),
        };
        Ok(Detected {
            profile,
            repr,
            word_bits,
            bytes_per_block: 4 * uint_bytes,
            version,
            build,
            port,
            longint: longint.to_owned(),
            uctypes: r.get("uctypes") == Some("1"),
            constants: [none as u64, f as u64, t as u64],
            last_qstr: r.int(subject, "qm").map_or(0, |q| q as u64),
        })
    }

    /// `id(x)` as the raw word: cut to the word width (`py/obj.c` `mp_obj_id` returns the word as a
    /// signed `mp_int_t`).
    pub fn word(&self, id: i128) -> u64 {
        let mask = if self.word_bits >= 64 {
            u64::MAX
        } else {
            (1u64 << self.word_bits) - 1
        };
        (id as u64) & mask
    }

    /// The class of a word the engine made for a value of kind `kind` (`int`, `float`, `str`,
    /// `none`, `true`, `false`, `ellipsis`): a pointer when the representation's pointer test
    /// holds, else the class of that kind.
    pub fn class_of(&self, kind: &str, word: u64) -> TagClass {
        if is_pointer(self.repr, word) {
            return TagClass::Pointer;
        }
        match kind {
            "int" => TagClass::SmallInt,
            "float" => TagClass::Float,
            "str" => TagClass::Qstr,
            _ => TagClass::Immediate,
        }
    }
}

/// The representation's pointer test (`py/obj.h` `mp_obj_is_obj`).
pub fn is_pointer(repr: Repr, word: u64) -> bool {
    match repr {
        Repr::A | Repr::C => word & 3 == 0,
        Repr::B => word & 1 == 0,
        Repr::D => word >> 48 == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(text: &str) -> Reply {
        Reply::parse("t", "_m_hello", text).unwrap()
    }

    /// The answer of the WebAssembly port 1.27.0 (`engines/micropython/host.mjs`, `_m_hello()`).
    const WASM: &str = "@R longint=mpz maxsize=2147483647 version=1.27.0 name=micropython \
                        build=pyscript none=6 false=14 true=30 one=3 mone=-1 half=197840 qs=3514";

    #[test]
    fn the_wasm_port_is_repr_a_with_32_bit_words() {
        let d = Detected::from_hello("t", &hello(WASM)).unwrap();
        assert_eq!(d.profile, ProfileId::MicropythonA32);
        assert_eq!(d.bytes_per_block, 16);
        assert_eq!(d.word(-1), 0xffff_ffff);
        assert_eq!(d.class_of("int", 3), TagClass::SmallInt);
        assert_eq!(d.class_of("float", 197_840), TagClass::Pointer);
    }

    /// The answer of the unix port's nanbox variant 1.27.0, built for i386 (`make VARIANT=nanbox`),
    /// through `micropython-exec`.
    const NANBOX: &str = "@R longint=mpz maxsize=2147483647 version=1.27.0 name=micropython \
                          build=nanbox platform=linux none=1449377872 false=1449377260 \
                          true=1449377252 one=281474976710659 mone=562949953421311 \
                          half=-4619567317775286272 qs=562949953422257";

    #[test]
    fn the_nanbox_variant_is_repr_d_with_64_bit_words_and_32_byte_blocks() {
        let d = Detected::from_hello("t", &hello(NANBOX)).unwrap();
        assert_eq!(d.profile, ProfileId::MicropythonD32);
        assert_eq!(d.bytes_per_block, 32);
        assert_eq!(d.class_of("int", 0x0001_0000_0000_0003), TagClass::SmallInt);
        assert_eq!(d.class_of("none", 1_449_377_872), TagClass::Pointer);
    }

    /// The answer of the unix port's longlong variant 1.27.0 (REPR_C, i386).
    const LONGLONG: &str = "@R longint=longlong maxsize=2147483647 version=1.27.0 name=micropython \
                            build=longlong platform=linux none=14 false=30 true=62 one=3 mone=-1 \
                            half=-1082130430 qs=7590";

    /// The answer of the BBC micro:bit's MicroPython 1.9.2 (Debian `firmware-microbit-micropython`,
    /// under `qemu-system-arm -M microbit`): no `sys.maxsize` (the driver falls back to
    /// `ustruct.calcsize("P")`), None, False and True at addresses of the firmware's ROM.
    const MICROBIT: &str = "@R longint=mpz maxsize=2147483647 version=1.9.2 name=micropython build=- \
                            platform=microbit none=191444 false=192048 true=192040 one=3 mone=-1 \
                            half=-1082130430 qs=2222";

    #[test]
    fn micropython_1_9_2_on_the_micro_bit_is_repr_c_with_its_constants_in_rom() {
        let d = Detected::from_hello("t", &hello(MICROBIT)).unwrap();
        assert_eq!(d.profile, ProfileId::MicropythonC32);
        assert_eq!(d.port, "bare-metal");
        assert_eq!(d.class_of("none", 191_444), TagClass::Pointer);
        assert_eq!(d.class_of("float", d.word(-1_082_130_430)), TagClass::Float);
    }

    #[test]
    fn the_longlong_variant_is_repr_c_with_long_long_ints() {
        let d = Detected::from_hello("t", &hello(LONGLONG)).unwrap();
        assert_eq!(d.profile, ProfileId::MicropythonC32);
        assert_eq!(d.longint, "longlong");
    }

    /// The answer of the unix port's minimal variant (upstream 1c3c201149, x86-64): no gc or
    /// micropython module, no `sys.maxsize`, no floats.
    const MINIMAL: &str = "@R longint=none maxsize=0 version=1.29.0 name=micropython build=minimal \
                           platform=linux uctypes=0 gc=0 qm=2442 none=6 false=14 true=30 one=3 mone=-1 half=none qs=2170";

    #[test]
    fn a_build_without_a_gc_module_is_refused_naming_what_it_lacks() {
        let e = Detected::from_hello("t", &hello(MINIMAL)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownProfile);
        assert!(e.detail.as_str().contains("no gc or micropython module"), "{e}");
    }

    #[test]
    fn a_build_with_no_long_ints_is_refused_naming_its_implementation() {
        let e = Detected::from_hello("t", &hello(&LONGLONG.replace("longint=longlong", "longint=none")))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownProfile);
        assert!(e.detail.as_str().contains("long ints are `none`"), "{e}");
    }

    #[test]
    fn words_matching_no_representation_are_refused_with_the_words_shown() {
        let e = Detected::from_hello("t", &hello(&WASM.replace("one=3", "one=9"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownProfile);
        assert!(e.detail.as_str().contains("id(1)=0x9"), "{e}");
    }

    #[test]
    fn a_float_in_the_word_contradicting_repr_a_is_refused() {
        let e = Detected::from_hello("t", &hello(&WASM.replace("half=197840", "half=2"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownProfile);
    }
}

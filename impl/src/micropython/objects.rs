//! Object constructors: the engine's struct layouts and allocation patterns, kind by kind.
//!
//! Every constructor allocates what the engine allocates, in the engine's order, so first fit places
//! each piece where the engine would. `Allocation::bytes` counts the allocations the object keeps,
//! block rounding included; temporaries the engine makes on the way (the tuple of a function's default
//! arguments) are allocated too and left as garbage, and are not counted.
//!
//! | kind and params | what is allocated (source) |
//! |---|---|
//! | `int value=V [from=ll\|text\|neg]` | nothing when V is a small int; else the boxed int. MPZ: the 4-word struct, then `max(need, 2)` digits (`mpz_need_dig`), need = `ceil(64 / MPZ_DIG_SIZE)` for `from=ll` (`mp_obj_new_int_from_ll`: small-int arithmetic that overflowed, the default when V fits 64 bits), `digits * 8 / MPZ_DIG_SIZE + 1` for `from=text` (`int("...")` or a literal, `mpz_set_from_str`; boxed when \|V\| is no small int, so `-2**30` is boxed on 32-bit), the digits of \|V\| for `from=neg` (`-x` of a boxed x, `mpz_neg_inpl`: never converted back, so even a small value is boxed), the largest `len(dest) + len(x)` of `mpz_pow_inpl` for `from=pow` (`2 ** e` at run time, V a power of two). Long long: one struct, V normalised |
//! | `float value=F` | REPR_A/B: one `mp_obj_float_t`; REPR_C/D: nothing, the float is in the word |
//! | `str text=T [intern=1]` | a str built at run time (`'a' + 'b'`): nothing when T is a known qstr (`mp_obj_new_str_from_vstr` → `qstr_find_strn`) or `intern=1` (the parser interned it); else `len + 1` bytes of data (`vstr_init_len`), then the 4-word struct |
//! | `bytes text=T` | `bytes(seq)`: data and struct as for str, also for empty T (the ROM `b''` is what `bytes()` and the literal give) |
//! | `bytearray len=N` | the 4-word struct, then N bytes (none for 0) (`array_new`) |
//! | `list len=N [append=K] [extend=M]` | the 4-word struct, then `max(N, 4)` items (`mp_obj_list_init`, `[None] * N`); each append into a full list doubles `alloc` (`m_renew`); extending by a list of M items past `alloc` grows it to `len + M + 4` (`list_extend`) |
//! | `tuple len=N` | `()` for 0 (ROM); else one block chain of `sizeof + N` items (`mp_obj_new_tuple`) |
//! | `dict keys=N [literal=1]` (or `len=N`) | the 4-word struct (`mp_obj_new_dict`); `{}` gets no table until its first key, then N small-int keys stored one at a time grow the table through `hash_allocation_sizes` when it is full (`py/map.c`); a literal presizes exactly N slots of 2 words (`BUILD_MAP N`) |
//! | `set len=N [literal=1]` | the 4-word struct; `set()` requests a 0-byte table, then N small ints added one at a time grow it like a dict's; a literal presizes N slots of 1 word (`mp_obj_new_set`) |
//! | `function defaults=D kw_defaults=K` | the tuple of D defaults (garbage afterwards), with K keyword-only defaults a dict built key by key; then `fun_bc`: 4 words (+1 with settrace) + D words + 1 word when K > 0 (`mp_obj_new_fun_bc`) |
//! | `closure captured=N` | N cells (2 words each, `mp_obj_new_cell`, made when the enclosing function starts), the inner `fun_bc`, then the closure: 3 words + N (`mp_obj_new_closure`) |
//! | `bound-method` | 3 words (`mp_obj_new_bound_meth`); `meth` and `self` start as None |
//! | `instance` | 4 words: base and an empty members map (`mp_obj_new_instance`, a plain class) |
//! | `raw bytes=N [finaliser=1]` | `gc_alloc(N)` (NULL and no block for 0); with a finaliser the first word is cleared and the FTB bit set |
//!
//! Items, defaults, cells and attribute values start as None. Slots for [`link`](memspec::subject::Subject::link):
//! list and tuple items; `dict` values by small-int key (`d[k] = x`, adding the key); `set` table slots;
//! function positional defaults; closure cells' contents; bound method 0 = `meth`, 1 = `self`;
//! instance attributes by number (`obj.a<k> = x`, modelled with small-int keys); raw words.

use memspec::subject::{Allocation, ErrorKind, ObjectSpec, ParamValue, SubjectError, SubjectResult};
use memspec::wide::Wide;

use super::config::{FloatImpl, LongInt};
use super::layout::{self, Struct};
use super::map::{Table, TableKind};
use super::rom::{Const, Type};
use super::subject::MicroPython;
use super::units::Addr;

/// `LIST_MIN_ALLOC` (`py/objlist.c`): items a new list has room for at least.
pub const LIST_MIN_ALLOC_ITEMS: usize = 4;
/// `MIN_ALLOC` (`py/mpz.c`): digits an mpz allocates at least.
pub const MPZ_MIN_ALLOC_DIGITS: usize = 2;
/// Bits of `long long`, the width `mp_obj_new_int_from_ll` sizes an mpz for (`MPZ_NUM_DIG_FOR_LL`,
/// `py/mpz.h`).
pub const LONG_LONG_BITS: usize = 64;
/// Extra items `list_extend` leaves when it grows a list (`py/objlist.c`, "TODO: use alloc policy").
pub const LIST_EXTEND_SLACK_ITEMS: usize = 4;
/// `BYTEARRAY_TYPECODE` (`py/binary.h`).
pub const BYTEARRAY_TYPECODE: u64 = 1;
/// Most closed-over variables a closure takes: `MAKE_CLOSURE` encodes the count in one byte
/// (`py/vm.c`).
pub const CLOSURE_MAX_CAPTURED: usize = 255;

/// The object kinds the model constructs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjKind {
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `str`.
    Str,
    /// `bytes`.
    Bytes,
    /// `bytearray`.
    Bytearray,
    /// `list`.
    List,
    /// `tuple`.
    Tuple,
    /// `dict`.
    Dict,
    /// `set`.
    Set,
    /// A `def` function (`fun_bc`).
    Function,
    /// A closure.
    Closure,
    /// A bound method.
    BoundMethod,
    /// An instance of a plain user class.
    Instance,
    /// A plain allocation.
    Raw,
}

impl ObjKind {
    /// Every kind.
    pub const ALL: [ObjKind; 14] = [
        ObjKind::Int,
        ObjKind::Float,
        ObjKind::Str,
        ObjKind::Bytes,
        ObjKind::Bytearray,
        ObjKind::List,
        ObjKind::Tuple,
        ObjKind::Dict,
        ObjKind::Set,
        ObjKind::Function,
        ObjKind::Closure,
        ObjKind::BoundMethod,
        ObjKind::Instance,
        ObjKind::Raw,
    ];

    /// The kind's name in cases.
    pub const fn name(self) -> &'static str {
        match self {
            ObjKind::Int => "int",
            ObjKind::Float => "float",
            ObjKind::Str => "str",
            ObjKind::Bytes => "bytes",
            ObjKind::Bytearray => "bytearray",
            ObjKind::List => "list",
            ObjKind::Tuple => "tuple",
            ObjKind::Dict => "dict",
            ObjKind::Set => "set",
            ObjKind::Function => "function",
            ObjKind::Closure => "closure",
            ObjKind::BoundMethod => "bound-method",
            ObjKind::Instance => "instance",
            ObjKind::Raw => "raw",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<ObjKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The parameters the kind takes.
    pub const fn params(self) -> &'static [&'static str] {
        match self {
            ObjKind::Int => &["value", "from"],
            ObjKind::Float => &["value"],
            ObjKind::Str => &["text", "intern"],
            ObjKind::Bytes => &["text"],
            ObjKind::Bytearray => &["len"],
            ObjKind::List => &["len", "append", "extend"],
            ObjKind::Tuple => &["len"],
            ObjKind::Dict => &["keys", "len", "literal"],
            ObjKind::Set => &["len", "literal"],
            ObjKind::Function => &["defaults", "kw_defaults"],
            ObjKind::Closure => &["captured"],
            ObjKind::BoundMethod | ObjKind::Instance => &[],
            ObjKind::Raw => &["bytes", "finaliser"],
        }
    }
}

pub(crate) fn bad(detail: core::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, detail)
}

/// What a constructor made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Made {
    pub word: u64,
    pub bytes: u64,
    pub in_heap: bool,
    pub aux: u64,
}

impl Made {
    const fn word(word: u64) -> Made {
        Made {
            word,
            bytes: 0,
            in_heap: false,
            aux: 0,
        }
    }
}

/// The arguments of one constructor call, checked.
struct Args<'s, 'p> {
    spec: &'s ObjectSpec<'p>,
    kind: ObjKind,
}

impl<'p> Args<'_, 'p> {
    fn new<'s>(spec: &'s ObjectSpec<'p>, kind: ObjKind) -> SubjectResult<Args<'s, 'p>> {
        for p in spec.params {
            if !kind.params().contains(&p.name) {
                return Err(bad(format_args!(
                    "`{}` takes no parameter `{}` (it takes: {})",
                    kind.name(),
                    p.name,
                    ParamList(kind.params())
                )));
            }
        }
        Ok(Args { spec, kind })
    }

    fn count(&self, name: &str, default: Option<usize>) -> SubjectResult<usize> {
        match self.spec.param(name) {
            None => default.ok_or_else(|| bad(format_args!("`{}` needs `{name}=`", self.kind.name()))),
            Some(ParamValue::Int(v)) => usize::try_from(v).map_err(|_| {
                bad(format_args!(
                    "`{} {name}={}`: a count is 0 or more and fits the address space",
                    self.kind.name(),
                    Wide(v)
                ))
            }),
            Some(_) => Err(bad(format_args!(
                "`{} {name}=` takes an integer",
                self.kind.name()
            ))),
        }
    }

    fn flag(&self, name: &str) -> SubjectResult<bool> {
        match self.count(name, Some(0))? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(bad(format_args!(
                "`{} {name}=` is 0 or 1, not {v}",
                self.kind.name()
            ))),
        }
    }

    fn text(&self, name: &str) -> SubjectResult<&'p [u8]> {
        self.spec
            .text(name)
            .ok_or_else(|| bad(format_args!("`{}` needs `{name}=` with a text", self.kind.name())))
    }

    fn word_text(&self, name: &str) -> SubjectResult<Option<&'p [u8]>> {
        match self.spec.param(name) {
            None => Ok(None),
            Some(ParamValue::Text(t)) => Ok(Some(t)),
            Some(_) => Err(bad(format_args!("`{} {name}=` takes a word", self.kind.name()))),
        }
    }
}

struct ParamList(&'static [&'static str]);

impl core::fmt::Display for ParamList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p)?;
        }
        Ok(())
    }
}

/// Decimal digits of `m`.
/// The digits `2 ** e` computed at run time holds, for `v = 2^e` past the small ints: the
/// small-int power overflows and the mpz power takes over (`py/runtime.c` `mp_binary_op`,
/// `power_overflow`), which starts its result at 1 (`mpz_set_from_int`: `MPZ_NUM_DIG_FOR_INT`
/// digits) and multiplies it by the squares of 2 for each set bit of e (`py/mpz.c`
/// `mpz_pow_inpl`); each product asks for `len(dest) + len(x)` digits and grows the array only
/// when that is more than it has (`mpz_mul_inpl`, `mpz_need_dig`). So `2**100` gets fewer digits
/// than the literal, whose text sizes it (`mpz_set_from_str`).
fn pow_of_two_digits(v: i128, digit_bits: usize, int_bits: usize) -> SubjectResult<usize> {
    if v < 2 || v.count_ones() != 1 {
        return Err(bad(format_args!(
            "`int from=pow` makes 2 ** e at run time: the value is a power of two, not {}",
            Wide(v)
        )));
    }
    let e = v.trailing_zeros();
    let digits = |exponent: u32| (exponent as usize + 1).div_ceil(digit_bits);
    let mut alloc = int_bits.div_ceil(digit_bits).max(MPZ_MIN_ALLOC_DIGITS);
    // dest = 2^de, x = 2^xe.
    let (mut de, mut xe) = (0u32, 1u32);
    let mut n = e;
    while n > 0 {
        if n & 1 == 1 {
            alloc = alloc.max(digits(de) + digits(xe));
            de += xe;
        }
        n >>= 1;
        if n == 0 {
            break;
        }
        xe *= 2;
    }
    Ok(alloc)
}

fn decimal_digits(mut m: u128) -> usize {
    let mut n = 1;
    while m >= 10 {
        m /= 10;
        n += 1;
    }
    n
}

impl<const N: usize> MicroPython<'_, N> {
    /// Allocates an object of `spec`'s kind.
    pub(crate) fn construct(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let kind = ObjKind::from_name(spec.kind).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::UnknownKind,
                format_args!(
                    "MicroPython has no object kind `{}` (int, float, str, bytes, bytearray, list, tuple, \
                     dict, set, function, closure, bound-method, instance, raw)",
                    spec.kind
                ),
            )
        })?;
        // Refuse before allocating, so the heap is not changed by a call that fails.
        self.handles.ensure_room()?;
        let args = Args::new(spec, kind)?;
        self.building.clear();
        let made = self.make(&args);
        self.building.clear();
        let made = made?;
        let id = self.handles.insert(made.word, kind, made.in_heap, made.aux)?;
        Ok(Allocation {
            id,
            word: made.word,
            bytes: made.bytes,
        })
    }

    fn make(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        match a.kind {
            ObjKind::Int => self.make_int(a),
            ObjKind::Float => self.make_float(a),
            ObjKind::Str => self.make_str(a),
            ObjKind::Bytes => self.make_bytes(a),
            ObjKind::Bytearray => self.make_bytearray(a),
            ObjKind::List => self.make_list(a),
            ObjKind::Tuple => self.make_tuple(a),
            ObjKind::Dict => self.make_dict(a),
            ObjKind::Set => self.make_set(a),
            ObjKind::Function => self.make_function(a),
            ObjKind::Closure => self.make_closure(a),
            ObjKind::BoundMethod => self.make_bound_method(),
            ObjKind::Instance => self.make_instance(),
            ObjKind::Raw => self.make_raw(a),
        }
    }

    /// Allocates an object struct of `bytes` with type `ty` in its first word, held as under
    /// construction.
    fn new_obj(&mut self, bytes: usize, ty: Type) -> SubjectResult<Addr> {
        let addr = self
            .alloc_held(bytes, false)?
            .ok_or_else(|| SubjectError::new(ErrorKind::Engine, format_args!("a 0-byte object struct")))?;
        let rom = self.cfg()?.rom_base;
        self.heap_mut()?.write_ptr(addr, ty.addr(rom));
        Ok(addr)
    }

    fn owned(&self, addrs: &[Option<Addr>]) -> SubjectResult<u64> {
        let heap = self.heap()?;
        Ok(addrs
            .iter()
            .flatten()
            .filter_map(|a| heap.block_of(a.0))
            .map(|b| (heap.chain_blocks(b) * heap.bytes_per_block()) as u64)
            .sum())
    }

    fn made(&self, addr: Addr, parts: &[Option<Addr>], aux: u64) -> SubjectResult<Made> {
        Ok(Made {
            word: addr.0,
            bytes: self.owned(parts)?,
            in_heap: true,
            aux,
        })
    }

    fn none_word(&self) -> SubjectResult<u64> {
        self.const_word(Const::None)
    }

    fn make_int(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let v = match a.spec.param("value") {
            Some(ParamValue::Int(v)) => v,
            Some(_) => return Err(bad(format_args!("`int value=` takes an integer"))),
            None => return Err(bad(format_args!("`int` needs `value=`"))),
        };
        let shown = Wide(v);
        let from = a.word_text("from")?;
        let codec = self.codec()?;
        let cfg = *self.cfg()?;
        let small = i64::try_from(v).ok().and_then(|v| codec.small_int(v));
        let fits_ll = i64::try_from(v).ok();
        match cfg.longint {
            LongInt::None => small.map(Made::word).ok_or_else(|| {
                bad(format_args!(
                    "{shown} is no small int and this build has no long ints"
                ))
            }),
            LongInt::LongLong => {
                if from.is_some_and(|f| !matches!(f, b"ll" | b"text" | b"neg" | b"pow")) {
                    return Err(bad(format_args!("`int from=` is ll, text, neg or pow")));
                }
                // mp_obj_new_int_from_ll normalises in every path (py/objint_longlong.c).
                if let Some(w) = small {
                    return Ok(Made::word(w));
                }
                let val = fits_ll.ok_or_else(|| {
                    bad(format_args!(
                        "{shown} overflows long long storage (OverflowError)"
                    ))
                })?;
                let s = layout::long_long(&cfg);
                let addr = self.new_obj(s.size, Type::Int)?;
                self.heap_mut()?
                    .write(addr.add(s.offsets[1]), crate::arena::WordBytes::Eight, val as u64);
                self.made(addr, &[Some(addr)], 0)
            }
            LongInt::Mpz => {
                let mag = v.unsigned_abs();
                let digit_bits = cfg.mpz_digit_bits as usize;
                let digits_of_mag = if mag == 0 {
                    0
                } else {
                    (128 - mag.leading_zeros() as usize).div_ceil(digit_bits)
                };
                let small_max = codec.small_int_range().1 as u128;
                if from.is_none()
                    && let Some(w) = small
                {
                    return Ok(Made::word(w));
                }
                // MPZ_NUM_DIG_FOR_LL (py/mpz.h).
                let digits_for_ll = LONG_LONG_BITS.div_ceil(digit_bits);
                let need = match from {
                    None if fits_ll.is_some() => digits_for_ll,
                    None => decimal_digits(mag) * 8 / digit_bits + 1,
                    Some(b"ll") => {
                        fits_ll.ok_or_else(|| {
                            bad(format_args!(
                                "`int from=ll` needs a value that fits 64 bits, not {shown}"
                            ))
                        })?;
                        digits_for_ll
                    }
                    Some(b"text") => {
                        // mp_parse_num_integer checks the magnitude, before the sign.
                        if let Some(w) = small.filter(|_| mag <= small_max) {
                            return Ok(Made::word(w));
                        }
                        decimal_digits(mag) * 8 / digit_bits + 1
                    }
                    Some(b"neg") => digits_of_mag,
                    Some(b"pow") => {
                        if let Some(w) = small {
                            return Ok(Made::word(w));
                        }
                        pow_of_two_digits(v, digit_bits, cfg.uint_bytes.get() * 8)?
                    }
                    Some(_) => return Err(bad(format_args!("`int from=` is ll, text, neg or pow"))),
                };
                let alloc = need.max(MPZ_MIN_ALLOC_DIGITS);
                let s = layout::four_words(&cfg);
                let addr = self.new_obj(s.size, Type::Int)?;
                let dig_bytes = digit_bits / 8;
                let dig = self.alloc_held(alloc * dig_bytes, false)?;
                let neg = u64::from(v < 0);
                let heap = self.heap_mut()?;
                heap.write_ptr(addr.add(s.offsets[1]), neg | (alloc as u64) << 2);
                heap.write_ptr(addr.add(s.offsets[2]), digits_of_mag as u64);
                heap.write_ptr(addr.add(s.offsets[3]), dig.map_or(0, |d| d.0));
                if let Some(d) = dig {
                    let width = if dig_bytes == 4 {
                        crate::arena::WordBytes::Four
                    } else {
                        crate::arena::WordBytes::Two
                    };
                    for i in 0..digits_of_mag {
                        let digit = (mag >> (i * digit_bits)) as u64;
                        heap.write(d.add(i * dig_bytes), width, digit);
                    }
                }
                self.made(addr, &[Some(addr), dig], 0)
            }
        }
    }

    fn make_float(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let f = a
            .spec
            .float("value")
            .ok_or_else(|| bad(format_args!("`float` needs `value=` with a number")))?;
        let cfg = *self.cfg()?;
        let codec = self.codec()?;
        if let Some(w) = codec.float(f) {
            return Ok(Made::word(w));
        }
        let s = layout::float(&cfg).ok_or_else(|| bad(format_args!("this build has no floats")))?;
        let addr = self.new_obj(s.size, Type::Float)?;
        let heap = self.heap_mut()?;
        match cfg.float {
            FloatImpl::Single => heap.write(
                addr.add(s.offsets[1]),
                crate::arena::WordBytes::Four,
                (f as f32).to_bits() as u64,
            ),
            _ => heap.write(
                addr.add(s.offsets[1]),
                crate::arena::WordBytes::Eight,
                f.to_bits(),
            ),
        };
        self.made(addr, &[Some(addr)], 0)
    }

    /// A str or bytes built at run time (`vstr_init_len`, then `mp_obj_new_str_type_from_vstr`): the
    /// data buffer of `len + 1` bytes first, then the struct pointing at it.
    fn str_from_vstr(&mut self, ty: Type, text: &[u8]) -> SubjectResult<Made> {
        let cfg = *self.cfg()?;
        let s = layout::four_words(&cfg);
        let len1 = text
            .len()
            .checked_add(1)
            .ok_or_else(|| bad(format_args!("text too long")))?;
        let data = self.alloc_held(len1, false)?;
        let addr = self.new_obj(s.size, ty)?;
        let hash = super::qstr::hash(text, cfg.qstr_hash_bytes);
        let heap = self.heap_mut()?;
        heap.write_ptr(addr.add(s.offsets[1]), hash);
        heap.write_ptr(addr.add(s.offsets[2]), text.len() as u64);
        heap.write_ptr(addr.add(s.offsets[3]), data.map_or(0, |d| d.0));
        if let Some(d) = data {
            heap.write_bytes(d, text);
            heap.write_bytes(d.add(text.len()), &[0]);
        }
        self.made(addr, &[Some(addr), data], 0)
    }

    fn make_str(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let text = a.text("text")?;
        if core::str::from_utf8(text).is_err() {
            return Err(bad(format_args!(
                "`str text=` is not valid UTF-8 (the engine raises UnicodeError)"
            )));
        }
        let intern = a.flag("intern")?;
        let codec = self.codec()?;
        let q = if intern {
            Some(self.qstrs.intern(text).map_err(|e| {
                bad(format_args!(
                    "cannot intern a text of {} bytes: {e:?}",
                    text.len()
                ))
            })?)
        } else {
            self.qstrs.find(text)
        };
        if let Some(q) = q {
            let w = codec
                .qstr(q)
                .ok_or_else(|| bad(format_args!("qstr {q} does not fit the word")))?;
            return Ok(Made::word(w));
        }
        self.str_from_vstr(Type::Str, text)
    }

    fn make_bytes(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        // `bytes(seq)` builds through a vstr even when empty; only `bytes()` and the literal `b''`
        // give the ROM object (encode `b''` for that word).
        self.str_from_vstr(Type::Bytes, a.text("text")?)
    }

    fn make_bytearray(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let n = a.count("len", None)?;
        let cfg = *self.cfg()?;
        let s = layout::four_words(&cfg);
        let addr = self.new_obj(s.size, Type::Bytearray)?;
        let items = self.alloc_held(n, false)?;
        let heap = self.heap_mut()?;
        heap.write_ptr(addr.add(s.offsets[1]), BYTEARRAY_TYPECODE);
        heap.write_ptr(addr.add(s.offsets[2]), n as u64);
        heap.write_ptr(addr.add(s.offsets[3]), items.map_or(0, |d| d.0));
        if let Some(d) = items {
            heap.zero(d, n);
        }
        self.made(addr, &[Some(addr), items], 0)
    }

    fn make_list(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let n = a.count("len", None)?;
        let appends = a.count("append", Some(0))?;
        let extend = a.count("extend", Some(0))?;
        let cfg = *self.cfg()?;
        let obj = cfg.obj_bytes.get();
        let none = self.none_word()?;
        let s = layout::four_words(&cfg);
        let addr = self.new_obj(s.size, Type::List)?;
        let mut alloc = n.max(LIST_MIN_ALLOC_ITEMS);
        let bytes = alloc
            .checked_mul(obj)
            .ok_or_else(|| bad(format_args!("a list of {n} items overflows")))?;
        let mut items = self.alloc_held(bytes, false)?;
        let mut len = n;
        {
            let heap = self.heap_mut()?;
            heap.write_ptr(addr.add(s.offsets[1]), alloc as u64);
            heap.write_ptr(addr.add(s.offsets[2]), len as u64);
            heap.write_ptr(addr.add(s.offsets[3]), items.map_or(0, |i| i.0));
            if let Some(i) = items {
                heap.zero(i, bytes);
                for k in 0..n {
                    heap.write_obj(i.add(k * obj), none);
                }
            }
        }
        for _ in 0..appends {
            if len >= alloc {
                let new_alloc = alloc
                    .checked_mul(2)
                    .ok_or_else(|| bad(format_args!("list growth overflows")))?;
                let new_bytes = new_alloc
                    .checked_mul(obj)
                    .ok_or_else(|| bad(format_args!("list growth overflows")))?;
                items = self.realloc_items(addr, s.offsets[3], items, new_bytes)?;
                alloc = new_alloc;
                let heap = self.heap_mut()?;
                heap.write_ptr(addr.add(s.offsets[1]), alloc as u64);
                if let Some(i) = items {
                    heap.zero(i.add((len + 1) * obj), (alloc - len - 1) * obj);
                }
            }
            let heap = self.heap_mut()?;
            if let Some(i) = items {
                heap.write_obj(i.add(len * obj), none);
            }
            len += 1;
            heap.write_ptr(addr.add(s.offsets[2]), len as u64);
        }
        if extend > 0 {
            let total = len
                .checked_add(extend)
                .ok_or_else(|| bad(format_args!("list growth overflows")))?;
            if total > alloc {
                let new_alloc = total + LIST_EXTEND_SLACK_ITEMS;
                let new_bytes = new_alloc
                    .checked_mul(obj)
                    .ok_or_else(|| bad(format_args!("list growth overflows")))?;
                items = self.realloc_items(addr, s.offsets[3], items, new_bytes)?;
                alloc = new_alloc;
                let heap = self.heap_mut()?;
                heap.write_ptr(addr.add(s.offsets[1]), alloc as u64);
                if let Some(i) = items {
                    heap.zero(i.add(total * obj), (alloc - total) * obj);
                }
            }
            let heap = self.heap_mut()?;
            if let Some(i) = items {
                for k in len..total {
                    heap.write_obj(i.add(k * obj), none);
                }
            }
            len = total;
            heap.write_ptr(addr.add(s.offsets[2]), len as u64);
        }
        self.made(addr, &[Some(addr), items], 0)
    }

    fn make_tuple(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let n = a.count("len", None)?;
        if n == 0 {
            return Ok(Made::word(self.const_word(Const::EmptyTuple)?));
        }
        let cfg = *self.cfg()?;
        let s = layout::tuple(&cfg);
        let addr = self.new_tuple(&s, n)?;
        self.made(addr, &[Some(addr)], 0)
    }

    fn new_tuple(&mut self, s: &Struct<2>, n: usize) -> SubjectResult<Addr> {
        let bytes = s
            .bytes_with(n)
            .ok_or_else(|| bad(format_args!("a tuple of {n} items overflows")))?;
        let none = self.none_word()?;
        let addr = self.new_obj(bytes, Type::Tuple)?;
        let heap = self.heap_mut()?;
        heap.write_ptr(addr.add(s.offsets[1]), n as u64);
        for k in 0..n {
            heap.write_obj(addr.add(s.item(k)), none);
        }
        Ok(addr)
    }

    /// A dict: struct, `presize` slots, then `inserts` keys one by one.
    fn new_dict(&mut self, presize: usize, keys: usize) -> SubjectResult<Addr> {
        let cfg = *self.cfg()?;
        let s = layout::four_words(&cfg);
        let addr = self.new_obj(s.size, Type::Dict)?;
        let table = Table {
            kind: TableKind::Map,
            header: addr.add(s.offsets[1]),
        };
        table.init_empty(self.heap_mut()?);
        if presize > 0 {
            self.with_roots(|heap, roots| table.presize(heap, presize, roots))?;
        }
        let none = self.none_word()?;
        let codec = self.codec()?;
        for k in 0..keys {
            let key = codec
                .small_int(k as i64)
                .ok_or_else(|| bad(format_args!("key {k} is no small int")))?;
            let slot = self.with_roots(|heap, roots| table.insert(heap, key, roots))?;
            let (super::map::Inserted::New(v) | super::map::Inserted::Existing(v)) = slot;
            self.heap_mut()?.write_obj(v, none);
        }
        Ok(addr)
    }

    fn dict_parts(&self, addr: Addr) -> SubjectResult<[Option<Addr>; 2]> {
        let cfg = *self.cfg()?;
        let s = layout::four_words(&cfg);
        let table = Table {
            kind: TableKind::Map,
            header: addr.add(s.offsets[1]),
        };
        Ok([Some(addr), table.table(self.heap()?)])
    }

    fn make_dict(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        // `len=` is the same count: a dict's length is its number of keys.
        let n = match a.spec.param("keys") {
            Some(_) => a.count("keys", None)?,
            None => a.count("len", None)?,
        };
        // A literal presizes its table (BUILD_MAP n); `{}` filled one key at a time grows it.
        let presize = if a.flag("literal")? { n } else { 0 };
        let addr = self.new_dict(presize, n)?;
        let parts = self.dict_parts(addr)?;
        self.made(addr, &parts, 0)
    }

    fn make_set(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let n = a.count("len", None)?;
        // A literal presizes its table (mp_obj_new_set(n, items)); `set()` filled by `add` grows it.
        let presize = if a.flag("literal")? { n } else { 0 };
        let cfg = *self.cfg()?;
        let s = layout::four_words(&cfg);
        let addr = self.new_obj(s.size, Type::Set)?;
        let table = Table {
            kind: TableKind::Set,
            header: addr.add(s.offsets[1]),
        };
        table.init_empty(self.heap_mut()?);
        self.with_roots(|heap, roots| table.presize(heap, presize, roots))?;
        let codec = self.codec()?;
        for k in 0..n {
            let key = codec
                .small_int(k as i64)
                .ok_or_else(|| bad(format_args!("element {k} is no small int")))?;
            self.with_roots(|heap, roots| table.insert(heap, key, roots))?;
        }
        let t = table.table(self.heap()?);
        self.made(addr, &[Some(addr), t], 0)
    }

    /// A `fun_bc` with `extra` words of default arguments, the first `d` None and, when `kw` is set,
    /// the last one the keyword-defaults dict.
    fn new_fun(&mut self, d: usize, kw: Option<Addr>) -> SubjectResult<Addr> {
        let cfg = *self.cfg()?;
        let s = layout::fun_bc(&cfg);
        let extra = d + usize::from(kw.is_some());
        let bytes = s
            .bytes_with(extra)
            .ok_or_else(|| bad(format_args!("{d} defaults overflow")))?;
        let none = self.none_word()?;
        let addr = self.new_obj(bytes, Type::FunBc)?;
        let rom = cfg.rom_base;
        let heap = self.heap_mut()?;
        // context, child_table and bytecode point at the compiled module, outside the model's heap.
        heap.write_ptr(addr.add(s.offsets[1]), Type::Module.addr(rom));
        for k in 0..d {
            heap.write_obj(addr.add(s.item(k)), none);
        }
        if let Some(kw) = kw {
            heap.write_obj(addr.add(s.item(d)), kw.0);
        }
        Ok(addr)
    }

    fn make_function(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let d = a.count("defaults", Some(0))?;
        let k = a.count("kw_defaults", Some(0))?;
        let cfg = *self.cfg()?;
        if d > 0 {
            // BUILD_TUPLE of the default values; mp_obj_new_fun_bc copies them and drops the tuple.
            let s = layout::tuple(&cfg);
            self.new_tuple(&s, d)?;
        }
        let kw = if k > 0 {
            // BUILD_MAP 0, then STORE_MAP per keyword-only default (py/compile.c).
            Some(self.new_dict(0, k)?)
        } else {
            None
        };
        let addr = self.new_fun(d, kw)?;
        let mut parts = [Some(addr), None, None];
        if let Some(kw) = kw {
            let [x, y] = self.dict_parts(kw)?;
            parts[1] = x;
            parts[2] = y;
        }
        self.made(addr, &parts, d as u64)
    }

    fn make_closure(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let n = a.count("captured", None)?;
        if n == 0 || n > CLOSURE_MAX_CAPTURED {
            return Err(bad(format_args!(
                "`closure captured=` is 1 ..= {CLOSURE_MAX_CAPTURED}, not {n} (a function that captures \
                 nothing is no closure)"
            )));
        }
        let cfg = *self.cfg()?;
        let none = self.none_word()?;
        let cs = layout::cell(&cfg);
        let mut bytes = 0;
        let first_cell = self.building.words().len();
        for _ in 0..n {
            let cell = self.new_obj(cs.size, Type::Cell)?;
            self.heap_mut()?.write_obj(cell.add(cs.offsets[1]), none);
            bytes += self.owned(&[Some(cell)])?;
        }
        let fun = self.new_fun(0, None)?;
        let s = layout::closure(&cfg);
        let size = s
            .bytes_with(n)
            .ok_or_else(|| bad(format_args!("{n} cells overflow")))?;
        let addr = self.new_obj(size, Type::Closure)?;
        let mut cells = [0u64; CLOSURE_MAX_CAPTURED];
        for (i, c) in cells.iter_mut().take(n).enumerate() {
            *c = self.building.words().get(first_cell + i).copied().unwrap_or(0);
        }
        let heap = self.heap_mut()?;
        heap.write_obj(addr.add(s.offsets[1]), fun.0);
        heap.write_ptr(addr.add(s.offsets[2]), n as u64);
        for (i, c) in cells.iter().take(n).enumerate() {
            heap.write_obj(addr.add(s.item(i)), *c);
        }
        bytes += self.owned(&[Some(fun), Some(addr)])?;
        Ok(Made {
            word: addr.0,
            bytes,
            in_heap: true,
            aux: 0,
        })
    }

    fn make_bound_method(&mut self) -> SubjectResult<Made> {
        let cfg = *self.cfg()?;
        let s = layout::bound_meth(&cfg);
        let none = self.none_word()?;
        let addr = self.new_obj(s.size, Type::BoundMeth)?;
        let heap = self.heap_mut()?;
        heap.write_obj(addr.add(s.offsets[1]), none);
        heap.write_obj(addr.add(s.offsets[2]), none);
        self.made(addr, &[Some(addr)], 0)
    }

    fn make_instance(&mut self) -> SubjectResult<Made> {
        let cfg = *self.cfg()?;
        let s = layout::four_words(&cfg);
        let addr = self.new_obj(s.size, Type::UserClass)?;
        let table = Table {
            kind: TableKind::Map,
            header: addr.add(s.offsets[1]),
        };
        table.init_empty(self.heap_mut()?);
        self.made(addr, &[Some(addr)], 0)
    }

    fn make_raw(&mut self, a: &Args<'_, '_>) -> SubjectResult<Made> {
        let n = a.count("bytes", None)?;
        let fin = a.flag("finaliser")?;
        match self.alloc_held(n, fin)? {
            None => Ok(Made::word(0)),
            Some(addr) => self.made(addr, &[Some(addr)], n as u64),
        }
    }

    /// Grows the item array of the list at `obj` (its pointer at `field`) with `gc_realloc`.
    fn realloc_items(
        &mut self,
        obj: Addr,
        field: usize,
        items: Option<Addr>,
        bytes: usize,
    ) -> SubjectResult<Option<Addr>> {
        let new = self.with_roots(|heap, roots| heap.gc_realloc(items, bytes, roots))?;
        self.heap_mut()?.write_ptr(obj.add(field), new.map_or(0, |n| n.0));
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::pow_of_two_digits;

    /// `mpz_pow_inpl` for 2**100 with 16-bit digits and a 32-bit `mp_int_t`: the result starts with
    /// 2 digits and its products ask for 1+1, 1+3 and 3+5 digits (measured: 32 bytes in all on the
    /// unix port built for i386 and on the WebAssembly port, one block of digits).
    #[test]
    fn two_to_the_100_at_run_time_asks_for_8_digits_of_16_bits_and_5_of_32() {
        assert_eq!(pow_of_two_digits(1 << 100, 16, 32).ok(), Some(8));
        assert_eq!(pow_of_two_digits(1 << 100, 32, 64).ok(), Some(5));
    }

    #[test]
    fn a_run_time_power_that_is_no_power_of_two_is_refused() {
        assert!(pow_of_two_digits(3 << 100, 16, 32).is_err());
    }
}

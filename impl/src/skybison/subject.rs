//! [`Skybison`]: the model behind the [`Subject`] interface.
//!
//! ## Object kinds
//!
//! | kind | arguments | makes |
//! |---|---|---|
//! | `int` | `value=` | a SmallInt word (no heap) in `-2^62 ..= 2^62 - 1`, else a canonical LargeInt |
//! | `float` | `value=` | a Float |
//! | `complex` | `real=` `imag=` | a Complex |
//! | `str` | `text=` (UTF-8) | a SmallStr word up to 7 bytes, else a LargeStr |
//! | `bytes` | `text=` | a SmallBytes word up to 7 bytes, else a LargeBytes |
//! | `tuple` | `len=` | a Tuple of SmallInt 0s; `len=0` is the empty tuple singleton |
//! | `mutable-tuple` | `len=` (at least 1) | a MutableTuple of SmallInt 0s |
//! | `instance` | `attrs=`, optional `layout=` | an instance of `attrs` words, all None; layout 191 (the first user id) unless given |
//! | `ellipsis` | | the Ellipsis singleton |
//! | `raw` | `words=` | a MutableTuple of that many words |
//! | `raw` | `bytes=` | a MutableBytes of that many zero bytes |
//!
//! The empty tuple and Ellipsis are made on first request and stay alive as runtime roots; asking
//! again returns the same object and takes no bytes. As `Heap::allocate` does, an allocation that
//! does not fit runs a collection and tries once more; only then is it out of memory.
//!
//! Object ids are handles, never reused within a case. A rooted handle is a root of the
//! collection; an unrooted one follows its object if something else keeps it alive, and is dead
//! otherwise. `decode` gives a heap pointer as its address (`raw - 1`); `read_word` counts words
//! from the address, so index -1 is the header and -2 the overflow word.

use memspec::subject::{
    Allocation, Capabilities, Capability, Collection, Decoded, Encoded, ErrorKind as SubjectErrorKind,
    HeapConfig, InlineBytes, ObjId, ObjectSpec, ParamValue, Stat, Subject, SubjectError, SubjectResult,
    Target, Value, stat,
};
use memspec::wide::Wide;
use memspec::{ProfileId, TagClass, Unit};

use super::error::{Error, Result};
use super::header::Format;
use super::heap::{Address, Heap, WORD_BYTES};
use super::large_int;
use super::layout;
use super::object::{self, HeapObject, shape, walk};
use super::scavenger::Scavenge;
use super::value::{self, ErrorKind, Immediate, Word};

/// What the Skybison model can do.
pub const CAPABILITIES: Capabilities = Capabilities::of(&[
    Capability::Encode,
    Capability::Decode,
    Capability::Alloc,
    Capability::Link,
    Capability::Root,
    Capability::Collect,
    Capability::Stats,
    Capability::Liveness,
    Capability::Inspect,
    Capability::RawAlloc,
]);

/// Handles a [`Skybison`] has unless told otherwise: objects one case may name.
pub const DEFAULT_HANDLES: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handle {
    Free,
    Live { word: u64, rooted: bool },
    Dead,
}

#[derive(Debug)]
enum State<'a> {
    Idle(&'a mut [u8]),
    Running(Heap<'a>),
    Moving,
}

/// The Skybison model as a subject, over a caller-given arena, naming up to `HANDLES` objects per
/// case.
#[derive(Debug)]
pub struct Skybison<'a, const HANDLES: usize = DEFAULT_HANDLES> {
    state: State<'a>,
    handles: [Handle; HANDLES],
    next: usize,
    empty_tuple: Option<u64>,
    ellipsis: Option<u64>,
    scavenges: u64,
}

impl<'a> Skybison<'a> {
    /// A subject whose heaps live in `arena`.
    pub fn new(arena: &'a mut [u8]) -> Self {
        Self::with_handles(arena)
    }
}

fn no_case() -> Error {
    Error::BadArgument {
        what: "no case has started: call start first",
        value: 0,
    }
}

impl<'a, const HANDLES: usize> Skybison<'a, HANDLES> {
    /// A subject whose heaps live in `arena`, with `HANDLES` handles.
    pub fn with_handles(arena: &'a mut [u8]) -> Self {
        Self {
            state: State::Idle(arena),
            handles: [Handle::Free; HANDLES],
            next: 0,
            empty_tuple: None,
            ellipsis: None,
            scavenges: 0,
        }
    }

    /// Gives the arena back.
    pub fn into_arena(self) -> &'a mut [u8] {
        match self.state {
            State::Idle(a) => a,
            State::Running(h) => h.into_arena(),
            State::Moving => &mut [],
        }
    }

    /// The heap of the current case.
    pub fn heap(&self) -> Option<&Heap<'a>> {
        match &self.state {
            State::Running(h) => Some(h),
            _ => None,
        }
    }

    fn heap_mut(&mut self) -> Result<&mut Heap<'a>> {
        match &mut self.state {
            State::Running(h) => Ok(h),
            _ => Err(no_case()),
        }
    }

    /// The word that refers to object `id` now (objects move), if it is live.
    pub fn word_of(&self, id: ObjId) -> Option<u64> {
        match self.handles.get(id.0 as usize) {
            Some(Handle::Live { word, .. }) => Some(*word),
            _ => None,
        }
    }

    fn live(&self, id: ObjId) -> SubjectResult<(u64, bool)> {
        match self.handles.get(id.0 as usize) {
            Some(Handle::Live { word, rooted }) => Ok((*word, *rooted)),
            Some(Handle::Dead) => Err(SubjectError::new(
                SubjectErrorKind::NoSuchObject,
                format_args!("object #{} was not reachable at a collection and is gone", id.0),
            )),
            _ => Err(SubjectError::new(
                SubjectErrorKind::NoSuchObject,
                format_args!("no object #{} was allocated in this case", id.0),
            )),
        }
    }

    fn live_object(&self, id: ObjId) -> SubjectResult<(&Heap<'a>, HeapObject)> {
        let (word, _) = self.live(id)?;
        let heap = self.heap().ok_or_else(|| SubjectError::from(no_case()))?;
        match HeapObject::from_raw(word) {
            Ok(obj) => Ok((heap, obj)),
            Err(_) => Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!(
                    "object #{} is the immediate {word:#018x}, which has no heap words",
                    id.0
                ),
            )),
        }
    }

    /// Runs a scavenge with the rooted handles and the runtime's singletons as roots.
    fn scavenge(&mut self) -> Result<Collection> {
        let Self {
            state,
            handles,
            empty_tuple,
            ellipsis,
            scavenges,
            ..
        } = self;
        let State::Running(heap) = state else {
            return Err(no_case());
        };
        let objects_before = count_objects(heap)?;
        let mut gc = Scavenge::begin(heap)?;
        for h in handles.iter_mut() {
            if let Handle::Live { word, rooted: true } = h {
                gc.visit(word)?;
            }
        }
        for w in [empty_tuple, ellipsis].into_iter().flatten() {
            gc.visit(w)?;
        }
        for h in handles.iter_mut() {
            if let Handle::Live { word, rooted: false } = *h {
                *h = match gc.resolve(word)? {
                    Some(word) => Handle::Live { word, rooted: false },
                    None => Handle::Dead,
                };
            }
        }
        let done = gc.finish()?;
        *scavenges += 1;
        let objects_after = count_objects(heap)?;
        Ok(Collection {
            freed_allocations: objects_before.saturating_sub(objects_after),
            freed_bytes: done.bytes_before.saturating_sub(done.bytes_after),
            returned: None,
            finalisers_run: 0,
        })
    }

    /// Makes the object `spec` asks for: its word and the heap bytes it took.
    fn make(&mut self, spec: &ObjectSpec<'_>) -> Result<(u64, u64)> {
        let args = Args(spec);
        let heap = self.heap_mut()?;
        let made = |heap: &Heap<'_>, obj: HeapObject| -> Result<(u64, u64)> {
            Ok((obj.raw(), shape(heap, obj)?.size))
        };
        match spec.kind {
            "int" => {
                args.only(&["value"])?;
                let v = args.int("value")?;
                match large_int::digits_of(v) {
                    None => Ok((
                        value::small_int(v as i64).ok_or(Error::BadArgument {
                            what: "value",
                            value: v,
                        })?,
                        0,
                    )),
                    Some((digits, len)) => {
                        let obj = object::new_large_int(heap, &digits[..len])?;
                        made(heap, obj)
                    }
                }
            }
            "float" => {
                args.only(&["value"])?;
                let obj = object::new_float(heap, args.float("value")?)?;
                made(heap, obj)
            }
            "complex" => {
                args.only(&["real", "imag"])?;
                let obj = object::new_complex(heap, args.float("real")?, args.float("imag")?)?;
                made(heap, obj)
            }
            "str" | "bytes" => {
                args.only(&["text"])?;
                let text = args.text("text")?;
                let is_str = spec.kind == "str";
                let v = if is_str {
                    Value::Str(text)
                } else {
                    Value::Bytes(text)
                };
                match immediate_of(&v) {
                    Ok(imm) => return Ok((value::encode(&imm)?, 0)),
                    // Longer than 7 bytes: a LargeStr or LargeBytes.
                    Err(Error::NotImmediate { .. }) => {}
                    Err(e) => return Err(e),
                }
                let id = if is_str {
                    layout::LARGE_STR
                } else {
                    layout::LARGE_BYTES
                };
                let obj = object::new_data_array(heap, id, text)?;
                made(heap, obj)
            }
            "tuple" => {
                args.only(&["len"])?;
                let len = args.count("len")?;
                if len == 0 {
                    return self.singleton(Singleton::EmptyTuple);
                }
                let obj = object::new_tuple(heap, len)?;
                made(heap, obj)
            }
            "mutable-tuple" => {
                args.only(&["len"])?;
                let obj = object::new_mutable_tuple(heap, args.count("len")?)?;
                made(heap, obj)
            }
            "instance" => {
                args.only(&["attrs", "layout"])?;
                let attrs = args.count("attrs")?;
                let id = match spec.param("layout") {
                    None => layout::FIRST_USER,
                    Some(_) => u32::try_from(args.count("layout")?).map_err(|_| Error::BadArgument {
                        what: "layout= wider than 32 bits",
                        value: 0,
                    })?,
                };
                let obj = object::new_instance(heap, id, attrs)?;
                made(heap, obj)
            }
            "ellipsis" => {
                args.only(&[])?;
                self.singleton(Singleton::Ellipsis)
            }
            "raw" => match (spec.param("words"), spec.param("bytes")) {
                (Some(_), None) => {
                    args.only(&["words"])?;
                    let obj = object::new_mutable_tuple(heap, args.count("words")?)?;
                    made(heap, obj)
                }
                (None, Some(_)) => {
                    args.only(&["bytes"])?;
                    let obj = object::new_mutable_bytes(heap, args.count("bytes")?)?;
                    made(heap, obj)
                }
                _ => Err(Error::BadArgument {
                    what: "raw takes exactly one of words= and bytes=",
                    value: spec.params.len() as i128,
                }),
            },
            _ => Err(Error::UnknownKind),
        }
    }

    fn singleton(&mut self, which: Singleton) -> Result<(u64, u64)> {
        let existing = match which {
            Singleton::EmptyTuple => self.empty_tuple,
            Singleton::Ellipsis => self.ellipsis,
        };
        if let Some(word) = existing {
            return Ok((word, 0));
        }
        let heap = self.heap_mut()?;
        let obj = match which {
            Singleton::EmptyTuple => object::new_empty_tuple(heap)?,
            Singleton::Ellipsis => object::new_ellipsis(heap)?,
        };
        let size = shape(heap, obj)?.size;
        match which {
            Singleton::EmptyTuple => self.empty_tuple = Some(obj.raw()),
            Singleton::Ellipsis => self.ellipsis = Some(obj.raw()),
        }
        Ok((obj.raw(), size))
    }

    /// The word a link stores for `target`.
    fn target_word(&self, target: Target) -> SubjectResult<u64> {
        match target {
            Target::Object(id) => Ok(self.live(id)?.0),
            Target::Interior(id, offset) => Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!(
                    "object #{} + {offset} bytes: a Skybison reference names an object's first field, never a byte inside it",
                    id.0
                ),
            )),
            Target::Word(w) => {
                if let Ok(obj) = HeapObject::from_raw(w) {
                    let heap = self.heap().ok_or_else(|| SubjectError::from(no_case()))?;
                    let mut found = false;
                    walk(heap, |o, _| {
                        found |= o == obj;
                        Ok(())
                    })?;
                    if !found {
                        return Err(Error::BadPointer {
                            raw: w,
                            why: "no object of the current semispace has this address",
                        }
                        .into());
                    }
                }
                Ok(w)
            }
            Target::Empty => Ok(value::NONE),
        }
    }
}

#[derive(Clone, Copy)]
enum Singleton {
    EmptyTuple,
    Ellipsis,
}

fn count_objects(heap: &Heap<'_>) -> Result<u64> {
    let mut n = 0;
    walk(heap, |_, _| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// The arguments of an object spec, with errors naming what is wrong.
struct Args<'s, 'p>(&'s ObjectSpec<'p>);

impl<'p> Args<'_, 'p> {
    fn only(&self, allowed: &[&str]) -> Result<()> {
        match self.0.params.iter().position(|p| !allowed.contains(&p.name)) {
            None => Ok(()),
            Some(i) => Err(Error::BadArgument {
                what: "unknown argument for this kind (argument number given)",
                value: i as i128,
            }),
        }
    }

    fn int(&self, name: &'static str) -> Result<i128> {
        match self.0.param(name) {
            Some(ParamValue::Int(v)) => Ok(v),
            _ => Err(Error::MissingArgument {
                name,
                wants: "an integer",
            }),
        }
    }

    fn count(&self, name: &'static str) -> Result<u64> {
        let v = self.int(name)?;
        u64::try_from(v).map_err(|_| {
            if v < 0 {
                Error::BadArgument {
                    what: "a count must not be negative",
                    value: v,
                }
            } else {
                Error::TooLarge {
                    what: "count",
                    count: v as u128,
                }
            }
        })
    }

    fn float(&self, name: &'static str) -> Result<f64> {
        self.0.float(name).ok_or(Error::MissingArgument {
            name,
            wants: "a number",
        })
    }

    fn text(&self, name: &'static str) -> Result<&'p [u8]> {
        self.0
            .text(name)
            .ok_or(Error::MissingArgument { name, wants: "text" })
    }
}

/// The immediate a [`Value`] is stored as.
fn immediate_of(v: &Value<'_>) -> Result<Immediate> {
    let inline = |b: &[u8]| {
        InlineBytes::new(b)
            .filter(|_| b.len() <= value::SMALL_DATA_MAX_LENGTH)
            .ok_or(Error::NotImmediate {
                what: "a string or bytes longer than 7 bytes",
            })
    };
    Ok(match *v {
        Value::Int(i) => Immediate::SmallInt(i),
        Value::Float(_) => {
            return Err(Error::NotImmediate {
                what: "a float (always a heap Float)",
            });
        }
        Value::Qstr(q) => {
            return Err(Error::BadArgument {
                what: "Skybison has no interned-string index word",
                value: i128::from(q),
            });
        }
        Value::Str(s) => {
            if core::str::from_utf8(s).is_err() {
                return Err(Error::BadArgument {
                    what: "a str must be UTF-8",
                    value: s.len() as i128,
                });
            }
            Immediate::SmallStr(inline(s)?)
        }
        Value::Bytes(b) => Immediate::SmallBytes(inline(b)?),
        Value::Bool(b) => Immediate::Bool(b),
        Value::Named("None") => Immediate::None,
        Value::Named("NotImplemented") => Immediate::NotImplemented,
        Value::Named("Unbound") => Immediate::Unbound,
        Value::Named("Ellipsis") => {
            return Err(Error::NotImmediate {
                what: "Ellipsis (a heap singleton)",
            });
        }
        Value::Named(_) => {
            return Err(Error::BadArgument {
                what: "Skybison's named immediates are None, NotImplemented and Unbound",
                value: 0,
            });
        }
        Value::Error(k) => {
            Immediate::Error(ErrorKind::from_number(u64::from(k)).ok_or(Error::BadArgument {
                what: "ErrorKind is 0 to 5",
                value: i128::from(k),
            })?)
        }
    })
}

fn decoded_of(word: Word) -> (TagClass, Decoded) {
    match word {
        Word::HeapObject(address) => (TagClass::Pointer, Decoded::Pointer(address)),
        Word::Header(raw) => (TagClass::Header, Decoded::Header(raw)),
        Word::Immediate(imm) => match imm {
            Immediate::SmallInt(v) => (TagClass::SmallInt, Decoded::Int(v)),
            Immediate::SmallStr(b) => (TagClass::SmallStr, Decoded::Str(b)),
            Immediate::SmallBytes(b) => (TagClass::SmallBytes, Decoded::Bytes(b)),
            Immediate::Bool(b) => (TagClass::Bool, Decoded::Bool(b)),
            Immediate::NotImplemented => (TagClass::NotImplemented, Decoded::Named("NotImplemented")),
            Immediate::Unbound => (TagClass::Unbound, Decoded::Named("Unbound")),
            Immediate::None => (TagClass::None, Decoded::Named("None")),
            Immediate::Error(k) => (TagClass::Error, Decoded::Error(k as u8)),
        },
    }
}

impl<const HANDLES: usize> Subject for Skybison<'_, HANDLES> {
    fn name(&self) -> &str {
        "ref"
    }

    fn supports(&self, profile: ProfileId) -> bool {
        profile == ProfileId::Skybison64
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if self.supports(profile) {
            CAPABILITIES
        } else {
            Capabilities::NONE
        }
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        if profile != ProfileId::Skybison64 {
            return Err(SubjectError::new(
                SubjectErrorKind::UnknownProfile,
                format_args!("the Skybison model serves skybison64, not {}", profile.name()),
            ));
        }
        if let Some(port) = config.port {
            return Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!("skybison64 has one configuration; port {port:?} is not known"),
            ));
        }
        if let Some(p) = config.options.first() {
            return Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!("skybison64 takes no heap options; {:?} is not known", p.name),
            ));
        }
        let arena = match core::mem::replace(&mut self.state, State::Moving) {
            State::Idle(a) => a,
            State::Running(h) => h.into_arena(),
            State::Moving => &mut [],
        };
        self.handles = [Handle::Free; HANDLES];
        self.next = 0;
        self.empty_tuple = None;
        self.ellipsis = None;
        self.scavenges = 0;
        if let Err(e) = Heap::semispace_bytes(arena.len() as u64, config.arena_bytes) {
            self.state = State::Idle(arena);
            return Err(e.into());
        }
        self.state = State::Running(Heap::with_len(arena, config.arena_bytes)?);
        Ok(())
    }

    fn encode(&mut self, v: &Value<'_>) -> SubjectResult<Encoded> {
        let word = value::encode(&immediate_of(v)?)?;
        Ok(Encoded {
            word,
            class: value::classify(word),
        })
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        Ok(decoded_of(value::decode(word)?))
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let index = self.next;
        if index >= HANDLES {
            return Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!("this subject names at most {HANDLES} objects per case"),
            ));
        }
        let (word, bytes) = match self.make(spec) {
            // `Heap::allocateRetry`: collect, then try once more.
            Err(Error::OutOfMemory { .. }) => {
                self.scavenge()?;
                self.make(spec)?
            }
            Err(Error::UnknownKind) => {
                return Err(SubjectError::new(
                    SubjectErrorKind::UnknownKind,
                    format_args!("skybison64 has no object kind {:?}", spec.kind),
                ));
            }
            r => r?,
        };
        let slot = self
            .handles
            .get_mut(index)
            .ok_or_else(|| SubjectError::from(no_case()))?;
        *slot = Handle::Live { word, rooted: false };
        self.next = index + 1;
        Ok(Allocation {
            id: ObjId(index as u32),
            word,
            bytes,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        let stored = self.target_word(target)?;
        let (heap, obj) = self.live_object(from)?;
        let s = shape(heap, obj)?;
        if s.header.format != Format::Objects {
            return Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!(
                    "object #{} (layout {}) is data-format: it holds bytes, not references",
                    from.0, s.header.layout_id
                ),
            ));
        }
        if u64::from(slot) >= s.count {
            return Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!(
                    "object #{} has {} slots; slot {slot} is past them",
                    from.0, s.count
                ),
            ));
        }
        let at = Address(obj.address.0 + u64::from(slot) * WORD_BYTES);
        self.heap_mut()?.set_word(at, stored)?;
        Ok(())
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        let (word, _) = self.live(obj)?;
        if let Some(h) = self.handles.get_mut(obj.0 as usize) {
            *h = Handle::Live { word, rooted: true };
        }
        Ok(())
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        let (word, _) = self.live(obj)?;
        if let Some(h) = self.handles.get_mut(obj.0 as usize) {
            *h = Handle::Live { word, rooted: false };
        }
        Ok(())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        Ok(self.scavenge()?)
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let heap = self.heap().ok_or_else(|| SubjectError::from(no_case()))?;
        let objects = count_objects(heap)?;
        let figures = [
            (stat::USED, Unit::Bytes, heap.used_bytes()),
            (stat::FREE, Unit::Bytes, heap.free_bytes()),
            (stat::TOTAL, Unit::Bytes, heap.space().bytes()),
            (stat::ALLOCATIONS, Unit::Count, objects),
            ("skybison.scavenges", Unit::Count, self.scavenges),
        ];
        for (name, unit, value) in figures {
            sink(Stat { name, unit, value });
        }
        Ok(())
    }

    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        match self.handles.get(obj.0 as usize) {
            Some(Handle::Live { .. }) => Ok(true),
            Some(Handle::Dead) => Ok(false),
            _ => Err(SubjectError::new(
                SubjectErrorKind::NoSuchObject,
                format_args!("no object #{} was allocated in this case", obj.0),
            )),
        }
    }

    fn read_word(&mut self, id: ObjId, index: i32) -> SubjectResult<u64> {
        let (heap, obj) = self.live_object(id)?;
        let s = shape(heap, obj)?;
        let at = i128::from(obj.address.0) + i128::from(index) * i128::from(WORD_BYTES);
        let (lo, hi) = (i128::from(s.base.0), i128::from(s.base.0) + i128::from(s.size));
        if at < lo || at + i128::from(WORD_BYTES) > hi {
            let first = (lo - i128::from(obj.address.0)) / i128::from(WORD_BYTES);
            let last = (hi - i128::from(obj.address.0)) / i128::from(WORD_BYTES) - 1;
            return Err(SubjectError::new(
                SubjectErrorKind::BadArgument,
                format_args!(
                    "object #{} spans words {} ..= {} from its address; {index} is outside",
                    id.0,
                    Wide(first),
                    Wide(last)
                ),
            ));
        }
        Ok(heap.word(Address(at as u64))?)
    }
}

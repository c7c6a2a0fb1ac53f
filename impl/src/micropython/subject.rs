//! [`MicroPython`]: the model of one MicroPython build as a [`Subject`].

use core::fmt;

use memspec::ProfileId;
use memspec::TagClass;
use memspec::fact::Unit;
use memspec::subject::{
    Allocation, Capabilities, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, ObjId, ObjectSpec,
    Stat, Subject, SubjectError, SubjectResult, Target, Value, stat,
};

use super::alloc::AllocError;
use super::collect::Sweep;
use super::config::Config;
use super::encoding::{Codec, IMMEDIATE_FALSE, IMMEDIATE_NONE, IMMEDIATE_TRUE, WordClass};
use super::gc::Roots;
use super::handles::{Building, Handles, RootSet};
use super::heap::Heap;
use super::info::GcInfo;
use super::layout;
use super::map::{Inserted, Table, TableKind};
use super::objects::{ObjKind, bad};
use super::qstr::Qstrs;
use super::rom::{Const, ROM_BYTES};
use super::units::Addr;

/// Objects a [`MicroPython`] can name at once, by default.
pub const HANDLES: usize = 256;

/// Allocations one constructor may hold while it builds: a closure's 255 cells and a few more.
pub const BUILDING_WORDS: usize = 264;

/// Where the arena is.
// The heap carries its mark stack inline; with no allocator there is nothing to box it in, and the
// state is built once per case.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum State<'a> {
    /// No heap set up.
    Idle(&'a mut [u8]),
    /// A heap over the arena.
    Ready(Heap<'a>),
    /// Moved out for a moment.
    Moving,
}

/// The reference model of a MicroPython build: its value encoding, its GC heap over a caller-given
/// arena, its collector and its object constructors. `N` is the number of objects it can name at
/// once (handles) and of roots.
#[derive(Debug)]
pub struct MicroPython<'a, const N: usize = HANDLES> {
    state: State<'a>,
    pub(crate) qstrs: Qstrs,
    pub(crate) handles: Handles<N>,
    pub(crate) roots: RootSet<N>,
    pub(crate) building: Building<BUILDING_WORDS>,
}

/// The roots of an allocation made by the subject: its root words and what it is building; after a
/// sweep the handles of freed objects are dropped.
struct Ctx<'r, const N: usize> {
    roots: &'r [u64],
    building: &'r [u64],
    handles: &'r mut Handles<N>,
}

impl<const N: usize> Roots for Ctx<'_, N> {
    fn words(&self) -> [&[u64]; 2] {
        [self.roots, self.building]
    }

    fn swept(&mut self, heap: &Heap<'_>, _: &Sweep) {
        self.handles.refresh(heap);
    }
}

fn not_started() -> SubjectError {
    SubjectError::new(
        ErrorKind::BadArgument,
        format_args!("no MicroPython heap: call start first"),
    )
}

pub(crate) fn alloc_error(e: AllocError) -> SubjectError {
    let kind = match e {
        AllocError::Locked { .. } | AllocError::NoRoom { .. } => ErrorKind::OutOfMemory,
        AllocError::TooLarge { .. } => ErrorKind::TooLarge,
        AllocError::NotAHead { .. } | AllocError::Corrupt { .. } => ErrorKind::Engine,
    };
    SubjectError::new(kind, format_args!("{e}"))
}

impl<'a> MicroPython<'a> {
    /// A model whose heaps will live in `arena`, naming up to [`HANDLES`] objects at once;
    /// [`Subject::start`] sets a heap up.
    pub fn new(arena: &'a mut [u8]) -> Self {
        Self::with_handles(arena)
    }
}

impl<'a, const N: usize> MicroPython<'a, N> {
    /// A model whose heaps will live in `arena`, naming up to `N` objects at once.
    pub fn with_handles(arena: &'a mut [u8]) -> Self {
        Self {
            state: State::Idle(arena),
            qstrs: Qstrs::new(),
            handles: Handles::new(),
            roots: RootSet::new(),
            building: Building::new(),
        }
    }

    /// Gives the arena back.
    pub fn into_arena(self) -> &'a mut [u8] {
        match self.state {
            State::Idle(a) => a,
            State::Ready(h) => h.into_inner(),
            State::Moving => &mut [],
        }
    }

    /// Whether an arena of `arena_bytes` at the build's base overlaps the model's ROM.
    fn overlaps_rom(cfg: &Config, arena_bytes: u64) -> bool {
        let rom = cfg.rom_base..cfg.rom_base.saturating_add(ROM_BYTES);
        let area = cfg.arena_base..cfg.arena_base.saturating_add(arena_bytes);
        rom.start < area.end && area.start < rom.end
    }

    /// Takes the arena out, in place, leaving the model without a heap.
    pub fn take_arena(&mut self) -> &'a mut [u8] {
        let arena = match &mut self.state {
            State::Idle(a) => core::mem::take(a),
            State::Ready(h) => core::mem::take(&mut h.mem),
            State::Moving => &mut [],
        };
        self.state = State::Idle(&mut []);
        arena
    }

    /// Sets up a fresh heap of `arena_bytes` bytes for the build `cfg`.
    pub fn start_with(&mut self, cfg: Config, arena_bytes: u64) -> SubjectResult<()> {
        if let State::Ready(h) = &mut self.state
            && !Self::overlaps_rom(&cfg, arena_bytes)
        {
            // The heap is set up again in place: its 8 KB are not moved.
            self.qstrs = Qstrs::new();
            self.handles.clear();
            self.roots.clear();
            self.building.clear();
            if let Err(e) = h.reset(cfg, arena_bytes) {
                self.state = State::Idle(core::mem::take(&mut h.mem));
                return Err(e);
            }
            return Ok(());
        }
        let mem = match core::mem::replace(&mut self.state, State::Moving) {
            State::Idle(a) => a,
            State::Ready(h) => h.into_inner(),
            State::Moving => &mut [],
        };
        self.qstrs = Qstrs::new();
        self.handles.clear();
        self.roots.clear();
        self.building.clear();
        if Self::overlaps_rom(&cfg, arena_bytes) {
            let rom = cfg.rom_base..cfg.rom_base.saturating_add(ROM_BYTES);
            let area = cfg.arena_base..cfg.arena_base.saturating_add(arena_bytes);
            self.state = State::Idle(mem);
            return Err(bad(format_args!(
                "the arena {:#x}..{:#x} overlaps the model's ROM at {:#x}..{:#x}; choose another base",
                area.start, area.end, rom.start, rom.end
            )));
        }
        match Heap::new(mem, cfg, arena_bytes) {
            Ok(h) => {
                self.state = State::Ready(h);
                Ok(())
            }
            Err((e, mem)) => {
                self.state = State::Idle(mem);
                Err(e)
            }
        }
    }

    /// The heap, once started.
    pub fn heap(&self) -> SubjectResult<&Heap<'a>> {
        match &self.state {
            State::Ready(h) => Ok(h),
            _ => Err(not_started()),
        }
    }

    /// The heap, writable.
    pub fn heap_mut(&mut self) -> SubjectResult<&mut Heap<'a>> {
        match &mut self.state {
            State::Ready(h) => Ok(h),
            _ => Err(not_started()),
        }
    }

    /// The build.
    pub fn cfg(&self) -> SubjectResult<&Config> {
        Ok(&self.heap()?.cfg)
    }

    /// The value codec of the build.
    pub fn codec(&self) -> SubjectResult<Codec> {
        let c = self.cfg()?;
        Ok(Codec::new(c.repr, c.uint_bytes))
    }

    /// `gc_info` of the heap.
    pub fn info(&self) -> SubjectResult<GcInfo> {
        Ok(self.heap()?.info())
    }

    /// The word of a constant: an immediate in REPR A, B and C for None, False and True, else a
    /// pointer to the constant's ROM object.
    pub fn const_word(&self, c: Const) -> SubjectResult<u64> {
        let codec = self.codec()?;
        let imm = match c {
            Const::None => codec.immediate(IMMEDIATE_NONE),
            Const::False => codec.immediate(IMMEDIATE_FALSE),
            Const::True => codec.immediate(IMMEDIATE_TRUE),
            _ => None,
        };
        Ok(match imm {
            Some(w) => w,
            None => c.addr(self.cfg()?.rom_base),
        })
    }

    /// Runs `f` on the heap with the subject's roots, mapping allocation failures to errors.
    pub(crate) fn with_roots<R>(
        &mut self,
        f: impl FnOnce(&mut Heap<'a>, &mut dyn Roots) -> Result<R, AllocError>,
    ) -> SubjectResult<R> {
        let Self {
            state,
            handles,
            roots,
            building,
            ..
        } = self;
        let State::Ready(heap) = state else {
            return Err(not_started());
        };
        let mut ctx = Ctx {
            roots: roots.words(),
            building: building.words(),
            handles,
        };
        f(heap, &mut ctx).map_err(alloc_error)
    }

    /// `gc_alloc`, holding the result as under construction.
    pub(crate) fn alloc_held(&mut self, n_bytes: usize, finaliser: bool) -> SubjectResult<Option<Addr>> {
        let a = self.with_roots(|heap, roots| heap.gc_alloc(n_bytes, finaliser, roots))?;
        if let Some(a) = a {
            self.building.push(a.0)?;
        }
        Ok(a)
    }

    /// The word to store for `target`.
    fn target_word(&self, target: Target) -> SubjectResult<u64> {
        match target {
            Target::Object(id) => Ok(self.handles.get(id)?.word),
            Target::Interior(id, off) => {
                let h = self.handles.get(id)?;
                let heap = self.heap()?;
                let block = heap
                    .block_of(h.word)
                    .filter(|_| h.in_heap)
                    .ok_or_else(|| bad(format_args!("object #{} is not in the heap", id.0)))?;
                let len = heap.chain_blocks(block) * heap.bytes_per_block();
                if off == 0 || off as usize >= len {
                    return Err(bad(format_args!(
                        "an interior pointer is 1 ..< {len} bytes into object #{}, not {off}",
                        id.0
                    )));
                }
                Ok(h.word + off as u64)
            }
            Target::Word(w) => {
                let mask = self.cfg()?.obj_mask();
                if w & !mask != 0 {
                    return Err(bad(format_args!(
                        "{w:#x} is wider than a value word (mask {mask:#x})"
                    )));
                }
                Ok(w)
            }
            Target::Empty => self.const_word(Const::None),
        }
    }

    /// The address of slot `slot` of object `from`, adding a key where the kind's slots are keys.
    fn slot_addr(&mut self, from: ObjId, slot: u32) -> SubjectResult<Addr> {
        let h = self.handles.get(from)?;
        if !h.in_heap {
            return Err(bad(format_args!(
                "object #{} ({}) has no memory of its own to link into",
                from.0,
                h.kind.name()
            )));
        }
        let cfg = *self.cfg()?;
        let obj = cfg.obj_bytes.get();
        let ptr = cfg.ptr_bytes.get();
        let addr = Addr(h.word);
        let slot_us = slot as usize;
        let out_of_range = |n: u64| {
            bad(format_args!(
                "slot {slot} is past the {n} slots of object #{} ({})",
                from.0,
                h.kind.name()
            ))
        };
        let heap = self.heap()?;
        let read = |a: Addr| heap.read_ptr(a).unwrap_or(0);
        match h.kind {
            ObjKind::List => {
                let len = read(addr.add(2 * ptr));
                if slot as u64 >= len {
                    return Err(out_of_range(len));
                }
                Ok(Addr(read(addr.add(3 * ptr))).add(slot_us * obj))
            }
            ObjKind::Tuple => {
                let s = layout::tuple(&cfg);
                let len = read(addr.add(s.offsets[1]));
                if slot as u64 >= len {
                    return Err(out_of_range(len));
                }
                Ok(addr.add(s.item(slot_us)))
            }
            ObjKind::Set => {
                let t = Table {
                    kind: TableKind::Set,
                    header: addr.add(ptr),
                };
                let alloc = t.alloc(heap) as u64;
                match t.table(heap) {
                    Some(table) if (slot as u64) < alloc => Ok(table.add(slot_us * obj)),
                    _ => Err(out_of_range(alloc)),
                }
            }
            ObjKind::Function => {
                if slot as u64 >= h.aux {
                    return Err(out_of_range(h.aux));
                }
                Ok(addr.add(layout::fun_bc(&cfg).item(slot_us)))
            }
            ObjKind::Closure => {
                let s = layout::closure(&cfg);
                let n = read(addr.add(s.offsets[2]));
                if slot as u64 >= n {
                    return Err(out_of_range(n));
                }
                let cell = heap.read_obj(addr.add(s.item(slot_us))).unwrap_or(0);
                if heap.block_of(cell).is_none() {
                    return Err(bad(format_args!(
                        "closed-over slot {slot} of object #{} holds {cell:#x}, no cell",
                        from.0
                    )));
                }
                Ok(Addr(cell).add(layout::cell(&cfg).offsets[1]))
            }
            ObjKind::BoundMethod => {
                let s = layout::bound_meth(&cfg);
                match slot {
                    0 => Ok(addr.add(s.offsets[1])),
                    1 => Ok(addr.add(s.offsets[2])),
                    _ => Err(out_of_range(2)),
                }
            }
            ObjKind::Raw => {
                let n = h.aux / obj as u64;
                if slot as u64 >= n {
                    return Err(out_of_range(n));
                }
                Ok(addr.add(slot_us * obj))
            }
            ObjKind::Dict | ObjKind::Instance => {
                let key = self
                    .codec()?
                    .small_int(slot as i64)
                    .ok_or_else(|| bad(format_args!("key {slot} is no small int")))?;
                let t = Table {
                    kind: TableKind::Map,
                    header: addr.add(ptr),
                };
                let r = self.with_roots(|heap, roots| t.insert(heap, key, roots))?;
                let (Inserted::New(v) | Inserted::Existing(v)) = r;
                Ok(v)
            }
            ObjKind::Int | ObjKind::Float | ObjKind::Str | ObjKind::Bytes | ObjKind::Bytearray => Err(bad(
                format_args!("a {} holds no references: it has no slots to link", h.kind.name()),
            )),
        }
    }

    fn decode_word(&self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        let codec = self.codec()?;
        let cfg = self.cfg()?;
        if word & !codec.mask() != 0 {
            return Err(SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!("{word:#x} is wider than the {}-bit word", codec.word_bits()),
            ));
        }
        let class = codec.classify(word);
        let decoded = match class {
            WordClass::SmallInt => Decoded::Int(codec.small_int_value(word)),
            WordClass::Qstr => Decoded::Qstr(codec.qstr_value(word)),
            WordClass::Float => Decoded::Float(codec.float_value(word)),
            WordClass::Invalid => {
                return Err(SubjectError::new(
                    ErrorKind::InvalidWord,
                    format_args!(
                        "{word:#018x} has REPR_D's immediate tag, but REPR_D builds have no immediate \
                         objects (MICROPY_OBJ_IMMEDIATE_OBJS is 0)"
                    ),
                ));
            }
            WordClass::Immediate => match codec.immediate_value(word) {
                IMMEDIATE_NONE => Decoded::Named(Const::None.name()),
                IMMEDIATE_FALSE => Decoded::Named(Const::False.name()),
                IMMEDIATE_TRUE => Decoded::Named(Const::True.name()),
                v => {
                    return Err(SubjectError::new(
                        ErrorKind::InvalidWord,
                        format_args!(
                            "{word:#x} is immediate object {v}; only None (0), False (1), True (3) exist"
                        ),
                    ));
                }
            },
            WordClass::Pointer => match Const::at(word, cfg.rom_base) {
                Some(c) => Decoded::Named(c.name()),
                None if word == 0 => Decoded::Named("MP_OBJ_NULL"),
                None if word == self.heap()?.sentinel() => Decoded::Named("MP_OBJ_SENTINEL"),
                None => Decoded::Pointer(word),
            },
        };
        Ok((class.tag(), decoded))
    }

    fn encode_value(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let codec = self.codec()?;
        let not_immediate = |what: fmt::Arguments<'_>| SubjectError::new(ErrorKind::NotImmediate, what);
        let word = match *value {
            Value::Int(v) => codec.small_int(v).ok_or_else(|| {
                let (min, max) = codec.small_int_range();
                not_immediate(format_args!(
                    "{v} is outside the small-int range {min} ..= {max}: it is boxed"
                ))
            })?,
            Value::Float(f) => codec
                .float(f)
                .ok_or_else(|| not_immediate(format_args!("floats are boxed in REPR_A and REPR_B")))?,
            Value::Qstr(q) => codec.qstr(q).ok_or_else(|| {
                bad(format_args!(
                    "qstr {q} is past the word's largest, {}",
                    codec.qstr_max()
                ))
            })?,
            Value::Str(t) => {
                let q = self.qstrs.find(t).ok_or_else(|| {
                    not_immediate(format_args!(
                        "the text is no known qstr: a str object needs the heap"
                    ))
                })?;
                codec
                    .qstr(q)
                    .ok_or_else(|| bad(format_args!("qstr {q} is past the word's largest")))?
            }
            Value::Bytes(b"") => self.const_word(Const::EmptyBytes)?,
            Value::Bytes(_) => {
                return Err(not_immediate(format_args!("a bytes object needs the heap")));
            }
            Value::Bool(b) => self.const_word(if b { Const::True } else { Const::False })?,
            Value::Named(name) => match name {
                "NaN" => codec
                    .float(f64::NAN)
                    .ok_or_else(|| not_immediate(format_args!("floats are boxed in REPR_A and REPR_B")))?,
                "-0" => codec
                    .float(-0.0)
                    .ok_or_else(|| not_immediate(format_args!("floats are boxed in REPR_A and REPR_B")))?,
                "MP_OBJ_NULL" => 0,
                "MP_OBJ_SENTINEL" => self.heap()?.sentinel(),
                other => self.const_word(Const::from_name(other).ok_or_else(|| {
                    bad(format_args!(
                        "MicroPython has no constant `{other}` (None, True, False, Ellipsis, NotImplemented, \
                         (), b'', NaN, -0, MP_OBJ_NULL, MP_OBJ_SENTINEL)"
                    ))
                })?)?,
            },
            Value::Error(_) => return Err(bad(format_args!("MicroPython has no error sentinels in words"))),
        };
        Ok(Encoded {
            word,
            class: codec.classify(word).tag(),
        })
    }

    /// A full collection from the subject's roots; the handles of freed objects are dropped.
    pub fn collect_now(&mut self) -> SubjectResult<Sweep> {
        let Self {
            state,
            handles,
            roots,
            building,
            ..
        } = self;
        let State::Ready(heap) = state else {
            return Err(not_started());
        };
        let sweep = heap.collect(&[roots.words(), building.words()]);
        handles.refresh(heap);
        Ok(sweep)
    }
}

impl<const N: usize> Subject for MicroPython<'_, N> {
    fn name(&self) -> &str {
        "ref"
    }

    fn supports(&self, profile: ProfileId) -> bool {
        profile.engine() == memspec::Engine::MicroPython
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if self.supports(profile) {
            Capabilities::all()
        } else {
            Capabilities::NONE
        }
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        let cfg = Config::for_profile(profile, config)?;
        self.start_with(cfg, config.arena_bytes)
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        self.encode_value(value)
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        self.decode_word(word)
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        self.heap()?;
        self.construct(spec)
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        let word = self.target_word(target)?;
        let from_word = self.handles.get(from)?.word;
        // The engine holds both on its stack while it stores: a collection in between keeps them.
        self.building.clear();
        self.building.push(from_word)?;
        self.building.push(word)?;
        let at = self.slot_addr(from, slot);
        self.building.clear();
        let at = at?;
        self.heap_mut()?.write_obj(at, word).ok_or_else(|| {
            SubjectError::new(ErrorKind::Engine, format_args!("slot {at:x} is outside the area"))
        })
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        let h = self.handles.get(obj)?;
        self.roots.add(obj, h.word)
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.roots.remove(obj)
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        let sweep = self.collect_now()?;
        let cfg = *self.cfg()?;
        Ok(Collection {
            freed_allocations: sweep.freed_heads,
            freed_bytes: sweep.freed_blocks * cfg.bytes_per_block() as u64,
            returned: cfg.collect_retval.then_some(sweep.freed_heads as i64),
            finalisers_run: sweep.finalisers,
        })
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let i = self.info()?;
        let mut put = |name, unit, value| sink(Stat { name, unit, value });
        put(stat::USED, Unit::Bytes, i.mem_alloc());
        put(stat::FREE, Unit::Bytes, i.mem_free());
        put(stat::TOTAL, Unit::Bytes, i.total);
        put(stat::ALLOCATIONS, Unit::Count, i.heads);
        put("gc.num_1block", Unit::Count, i.num_1block);
        put("gc.num_2block", Unit::Count, i.num_2block);
        put("gc.max_block", Unit::Blocks, i.max_block);
        put("gc.max_free", Unit::Blocks, i.max_free);
        if let Some(m) = i.max_new_split {
            put("gc.max_new_split", Unit::Bytes, m);
        }
        Ok(())
    }

    fn heap_map(&mut self, out: &mut dyn fmt::Write) -> SubjectResult<()> {
        self.heap()?
            .write_mem_info(out)
            .map_err(|_| SubjectError::new(ErrorKind::Engine, format_args!("the heap map's writer failed")))
    }

    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        self.handles.is_live(obj)
    }

    fn gc_control(&mut self, op: GcOp) -> SubjectResult<()> {
        let heap = self.heap_mut()?;
        match op {
            GcOp::Lock => heap.lock(),
            GcOp::Unlock => heap.unlock()?,
            GcOp::Disable => heap.set_auto_collect(false),
            GcOp::Enable => heap.set_auto_collect(true),
        }
        Ok(())
    }

    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        let h = self.handles.get(obj)?;
        let Ok(index) = usize::try_from(index) else {
            return Err(bad(format_args!(
                "MicroPython objects have no header word: a block's state is in the ATB (py/gc.c), so \
                 index {index} reads nothing of object #{}",
                obj.0
            )));
        };
        if !h.in_heap {
            return Err(bad(format_args!(
                "object #{} is the word {:#x} itself, not memory in the heap",
                obj.0, h.word
            )));
        }
        let heap = self.heap()?;
        let block = heap
            .block_of(h.word)
            .ok_or_else(|| bad(format_args!("not in the heap")))?;
        let len = heap.chain_blocks(block) * heap.bytes_per_block();
        let w = heap.cfg.obj_bytes.get();
        let off = index.checked_mul(w).filter(|o| o + w <= len).ok_or_else(|| {
            bad(format_args!(
                "word {index} is past the {} words of object #{}'s blocks",
                len / w,
                obj.0
            ))
        })?;
        heap.read_obj(Addr(h.word).add(off))
            .ok_or_else(|| SubjectError::new(ErrorKind::Engine, format_args!("word outside the area")))
    }
}

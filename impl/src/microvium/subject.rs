//! [`Subject`] for the Microvium model: starting a case, values, object kinds, links, roots,
//! collections, statistics and inspection.

use core::fmt;

use memspec::fact::Unit;
use memspec::subject::{
    Allocation, Capabilities, Capability, Collection, Decoded, Encoded, ErrorKind, HeapConfig, ObjId,
    ObjectSpec, ParamValue, Stat, Subject, SubjectError, SubjectResult, Target, Value as CaseValue, stat,
};
use memspec::wide::Wide;
use memspec::{ProfileId, TagClass};

use super::config::{Config, StatsMode};
use super::header::{MAX_ALLOCATION_SIZE, TypeCode};
use super::objects::INTERN_LIST_SLOT;
use super::stats::GLOBALS_BYTES;
use super::value::{Class, Number, Value, WellKnown};
use super::{Microvium, bad};

/// The largest `props=` of an `object`: keys are Int14s `0 ..= 8191`.
const MAX_PROPS: i128 = 0x2000;

fn int_arg(spec: &ObjectSpec<'_>, name: &str, lo: i128, hi: i128) -> SubjectResult<Option<i128>> {
    match spec.param(name) {
        None => Ok(None),
        Some(ParamValue::Int(v)) if (lo..=hi).contains(&v) => Ok(Some(v)),
        Some(v) => Err(bad(format_args!(
            "{} argument {name} must be an integer in {} ..= {}, got {v:?}",
            spec.kind,
            Wide(lo),
            Wide(hi)
        ))),
    }
}

fn only_args(spec: &ObjectSpec<'_>, allowed: &[&str]) -> SubjectResult<()> {
    match spec.params.iter().find(|p| !allowed.contains(&p.name)) {
        Some(p) => Err(bad(format_args!(
            "microvium kind {} has no argument {} (it takes: {allowed:?})",
            spec.kind, p.name
        ))),
        None => Ok(()),
    }
}

fn required<T>(spec: &ObjectSpec<'_>, name: &str, v: Option<T>) -> SubjectResult<T> {
    v.ok_or_else(|| {
        bad(format_args!(
            "microvium kind {} needs the argument {name}",
            spec.kind
        ))
    })
}

fn class_of(v: Value) -> TagClass {
    match v.class() {
        Class::ShortPtr(_) => TagClass::Pointer,
        Class::Int14(_) => TagClass::SmallInt,
        Class::WellKnown(_) => TagClass::WellKnown,
        Class::BytecodeMapped(_) => TagClass::BytecodePointer,
    }
}

fn not_immediate(what: fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::NotImmediate, what)
}

impl<'a> Microvium<'a> {
    /// The value that refers to an object (a heap pointer, or the immediate it was stored as).
    pub fn word_of(&self, obj: ObjId) -> SubjectResult<Value> {
        self.value_of(obj)
    }

    /// What is stored in slot `slot` of an object: its property with key `slot`, element `slot` of an
    /// array (below its length), or word `slot` of a closure or other container. `None` when the
    /// object has no such property or element.
    pub fn slot(&self, obj: ObjId, slot: u32) -> SubjectResult<Option<Value>> {
        let v = self.value_of(obj)?;
        let (p, h) = self.body(v)?;
        match h.type_code() {
            TypeCode::PropertyList => {
                let key =
                    Value::int14(slot as i64).ok_or_else(|| bad(format_args!("key {slot} is no Int14")))?;
                self.get_property(v, key)
            }
            TypeCode::Array => {
                let len = Value(self.rd16(p + 2)?).as_int14().unwrap_or(0).max(0) as u32;
                if slot >= len {
                    return Ok(None);
                }
                let (pd, _) = self.body(Value(self.rd16(p)?))?;
                Ok(Some(Value(self.rd16(pd + 2 * slot as usize)?)))
            }
            t if t.is_container() && slot < (h.size() / 2) as u32 => {
                Ok(Some(Value(self.rd16(p + 2 * slot as usize)?)))
            }
            t => Err(bad(format_args!("a {} has no slot {slot}", t.name()))),
        }
    }

    /// `obj[key] = target` with a string key: the string is interned as the engine interns property
    /// keys.
    pub fn set_named_property(&mut self, obj: ObjId, key: ObjId, target: Target) -> SubjectResult<()> {
        self.begin()?;
        let value = self.target_value(target)?;
        let o = self.value_of(obj)?;
        let k = self.value_of(key)?;
        let s = self.push_temp(o)?;
        self.push_temp(value)?;
        let key = self.property_key(k);
        let (o, value) = (self.temp(s), self.temp(s + 1));
        self.pop_temp(s);
        self.set_property(o, key?, value)
    }

    /// `arr.length = length`.
    pub fn set_array_length(&mut self, arr: ObjId, length: u32) -> SubjectResult<()> {
        self.begin()?;
        let v = self.value_of(arr)?;
        self.array_set_length(v, length)
    }

    /// The head of the intern list (`undefined` when empty).
    pub fn intern_list(&self) -> SubjectResult<Value> {
        self.require_started()?;
        Ok(Value(self.rd16(self.globals + 2 * INTERN_LIST_SLOT)?))
    }

    fn target_value(&self, target: Target) -> SubjectResult<Value> {
        match target {
            Target::Object(id) => self.value_of(id),
            Target::Empty => Ok(Value::UNDEFINED),
            Target::Interior(id, off) => Err(bad(format_args!(
                "microvium has no interior pointers (object #{} + {off})",
                id.0
            ))),
            Target::Word(w) => {
                let v = u16::try_from(w).map(Value).map_err(|_| {
                    SubjectError::new(
                        ErrorKind::InvalidWord,
                        format_args!("{w:#x} is wider than 16 bits"),
                    )
                })?;
                if v.as_short_ptr().is_some() {
                    self.body(v)?;
                }
                Ok(v)
            }
        }
    }

    fn build(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Value> {
        match spec.kind {
            "int" => {
                only_args(spec, &["value"])?;
                let v = required(spec, "value", spec.int("value"))?;
                self.new_number(Number::of_int(v))
            }
            "float" => {
                only_args(spec, &["value"])?;
                let v = required(spec, "value", spec.float("value"))?;
                self.new_number(Number::of_f64(v))
            }
            "string" => {
                only_args(spec, &["text", "interned"])?;
                let text = required(spec, "text", spec.text("text"))?;
                if text.len() >= MAX_ALLOCATION_SIZE as usize {
                    return Err(SubjectError::new(
                        ErrorKind::TooLarge,
                        format_args!(
                            "MVM_E_ALLOCATION_TOO_LARGE: a {}-byte string and its NUL are over 4095 bytes",
                            text.len()
                        ),
                    ));
                }
                let s = self.new_string(text)?;
                if int_arg(spec, "interned", 0, 1)? == Some(1) {
                    return self.property_key(s);
                }
                Ok(s)
            }
            "object" => {
                only_args(spec, &["props"])?;
                let props = int_arg(spec, "props", 0, MAX_PROPS)?.unwrap_or(0) as u32;
                let o = self.new_object()?;
                let slot = self.push_temp(o)?;
                let mut result = Ok(());
                for k in 0..props {
                    let key = Value::int14(k as i64).unwrap_or(Value::UNDEFINED);
                    result = self.set_property(self.temp(slot), key, Value::UNDEFINED);
                    if result.is_err() {
                        break;
                    }
                }
                let o = self.temp(slot);
                self.pop_temp(slot);
                result.map(|()| o)
            }
            "array" => {
                only_args(spec, &["len", "capacity", "set-length"])?;
                let max = (MAX_ALLOCATION_SIZE / 2) as i128;
                let len = int_arg(spec, "len", 0, max)?.unwrap_or(0) as u32;
                let capacity = int_arg(spec, "capacity", 0, max)?.map_or(len, |c| c as u32);
                if capacity < len {
                    return Err(bad(format_args!(
                        "array capacity {capacity} is below its length {len}"
                    )));
                }
                let set_length = int_arg(spec, "set-length", 0, MAX_PROPS - 1)?;
                let a = self.new_array(0)?;
                let slot = self.push_temp(a)?;
                let mut result = Ok(());
                if capacity > 0 {
                    result = self.array_set_length(self.temp(slot), capacity);
                    if result.is_ok() && len != capacity {
                        result = self.array_set_length(self.temp(slot), len);
                    }
                }
                if let (Ok(()), Some(n)) = (&result, set_length) {
                    result = self.array_set_length(self.temp(slot), n as u32);
                }
                let a = self.temp(slot);
                self.pop_temp(slot);
                result.map(|()| a)
            }
            "closure" => {
                only_args(spec, &["slots"])?;
                let slots = required(
                    spec,
                    "slots",
                    int_arg(spec, "slots", 1, (MAX_ALLOCATION_SIZE / 2) as i128)?,
                )?;
                self.new_closure(slots as u32)
            }
            "uint8array" => {
                only_args(spec, &["len"])?;
                let len = required(spec, "len", int_arg(spec, "len", 0, u16::MAX as i128)?)?;
                self.new_uint8_array(len as u32)
            }
            "raw" => {
                only_args(spec, &["bytes", "type"])?;
                let bytes = required(spec, "bytes", int_arg(spec, "bytes", 0, u16::MAX as i128)?)?;
                let code = int_arg(spec, "type", 0, 0xF)?.unwrap_or(TypeCode::Uint8Array as i128);
                let type_code = TypeCode::from_bits(code as u16);
                let structured = matches!(
                    type_code,
                    TypeCode::Tombstone | TypeCode::PropertyList | TypeCode::Array
                );
                if structured || type_code.is_reserved() {
                    return Err(bad(format_args!(
                        "raw allocations of type {} are not plain bytes or values",
                        type_code.name()
                    )));
                }
                self.new_raw(type_code, bytes as u32)
            }
            "property" => Err(SubjectError::new(
                ErrorKind::UnknownKind,
                format_args!("a microvium property is added by linking an object's slot, not allocated"),
            )),
            other => Err(SubjectError::new(
                ErrorKind::UnknownKind,
                format_args!(
                    "microvium has no kind {other:?}: int, float, string, object, array, closure, uint8array, raw"
                ),
            )),
        }
    }

    fn report(&self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let s = self.memory_stats()?;
        let (allocations, _) = self.census()?;
        let max = self.config.max_heap as u64;
        let bytes = |name, value| Stat {
            name,
            unit: Unit::Bytes,
            value,
        };
        let count = |name, value| Stat {
            name,
            unit: Unit::Count,
            value,
        };
        sink(bytes(stat::USED, s.virtual_heap_used));
        sink(bytes(stat::FREE, max.saturating_sub(s.virtual_heap_used)));
        sink(bytes(stat::TOTAL, max));
        sink(count(stat::ALLOCATIONS, allocations));
        let (total, globals, capacity) = match self.config.stats {
            StatsMode::Reported => (
                s.total_size,
                s.global_variables_size,
                s.virtual_heap_allocated_capacity,
            ),
            StatsMode::True => (
                s.true_total_size,
                s.true_global_variables_size,
                s.true_virtual_heap_allocated_capacity,
            ),
        };
        sink(bytes("totalSize", total));
        sink(count("fragmentCount", s.fragment_count));
        sink(bytes("coreSize", s.core_size));
        sink(bytes("importTableSize", s.import_table_size));
        sink(bytes("globalVariablesSize", globals));
        sink(bytes("registersSize", s.registers_size));
        sink(bytes("stackHeight", s.stack_height));
        sink(bytes("stackAllocatedCapacity", s.stack_allocated_capacity));
        sink(bytes("stackHighWaterMark", s.stack_high_water_mark));
        sink(bytes("virtualHeapUsed", s.virtual_heap_used));
        sink(bytes("virtualHeapHighWaterMark", s.virtual_heap_high_water_mark));
        sink(bytes("virtualHeapAllocatedCapacity", capacity));
        match self.config.stats {
            StatsMode::Reported => {
                sink(bytes("true.totalSize", s.true_total_size));
                sink(bytes("true.globalVariablesSize", s.true_global_variables_size));
                sink(bytes(
                    "true.virtualHeapAllocatedCapacity",
                    s.true_virtual_heap_allocated_capacity,
                ));
            }
            StatsMode::True => {
                sink(bytes("reported.totalSize", s.total_size));
                sink(bytes("reported.globalVariablesSize", s.global_variables_size));
                sink(bytes(
                    "reported.virtualHeapAllocatedCapacity",
                    s.virtual_heap_allocated_capacity,
                ));
            }
        }
        Ok(())
    }
}

impl Subject for Microvium<'_> {
    fn name(&self) -> &str {
        "ref"
    }

    fn supports(&self, profile: ProfileId) -> bool {
        profile == ProfileId::Microvium
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if profile == ProfileId::Microvium {
            Capabilities::all().without(Capability::GcControl)
        } else {
            Capabilities::NONE
        }
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        self.started = false;
        if profile != ProfileId::Microvium {
            return Err(SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!("the microvium model does not serve {}", profile.name()),
            ));
        }
        let c = Config::from_heap_config(config)?;
        let len = self.arena.len();
        let limit = match usize::try_from(config.arena_bytes) {
            Ok(0) => len,
            Ok(n) if n <= len => n,
            _ => {
                return Err(SubjectError::new(
                    ErrorKind::ArenaTooSmall,
                    format_args!(
                        "the case asks for {} arena bytes; there are {len}",
                        config.arena_bytes
                    ),
                ));
            }
        };
        if c.host == super::config::Host::Host32 && c.host_base.saturating_add(limit as u64) > u32::MAX as u64
        {
            return Err(bad(format_args!(
                "host-base {:#x} puts a {limit}-byte arena past 32-bit addresses",
                c.host_base
            )));
        }
        let globals = c.vm_struct_bytes();
        let vm_end = globals + GLOBALS_BYTES;
        let align = 2 * c.host.pointer_bytes();
        let heap_base = vm_end.div_ceil(align) * align;
        if heap_base > limit {
            return Err(SubjectError::new(
                ErrorKind::ArenaTooSmall,
                format_args!("the VM block takes {vm_end} bytes; the arena has {limit}"),
            ));
        }
        self.config = c;
        self.limit = limit;
        self.globals = globals;
        self.heap_base = heap_base;
        self.host_top = heap_base;
        self.last_bucket = None;
        self.located.set(None);
        self.last_end_capacity = 0;
        self.heap_size_after_last_gc = 0;
        self.heap_high_water_mark = 0;
        self.ids = 0;
        self.roots_head = None;
        self.temp_len = 0;
        self.allocated_bytes = 0;
        self.wr16(globals, Value::DELETED.0)?;
        self.wr16(globals + 2 * INTERN_LIST_SLOT, Value::UNDEFINED.0)?;
        self.started = true;
        Ok(())
    }

    fn encode(&mut self, value: &CaseValue<'_>) -> SubjectResult<Encoded> {
        let v = match *value {
            CaseValue::Int(i) => Value::int14(i).ok_or_else(|| {
                not_immediate(format_args!(
                    "{i} is outside Int14 (-8192 ..= 8191): an INT32 or FLOAT64"
                ))
            })?,
            CaseValue::Float(f) => match Number::of_f64(f) {
                Number::Word(v) => v,
                _ => {
                    return Err(not_immediate(format_args!(
                        "{} needs an INT32 or FLOAT64 allocation",
                        memspec::float::Shortest(f)
                    )));
                }
            },
            CaseValue::Bool(b) => {
                if b {
                    WellKnown::True.value()
                } else {
                    WellKnown::False.value()
                }
            }
            CaseValue::Named(name) => WellKnown::from_name(name)
                .map(WellKnown::value)
                .ok_or_else(|| bad(format_args!("microvium has no well-known value {name:?}")))?,
            CaseValue::Str(b"length") => Value::STR_LENGTH,
            CaseValue::Str(b"__proto__") => Value::STR_PROTO,
            CaseValue::Str(s) => {
                return Err(not_immediate(format_args!(
                    "a {}-byte string is a heap or image string (there is no empty-string value)",
                    s.len()
                )));
            }
            CaseValue::Bytes(_) => return Err(not_immediate(format_args!("bytes need a Uint8Array"))),
            CaseValue::Qstr(_) | CaseValue::Error(_) => {
                return Err(bad(format_args!("microvium has no {value:?} values")));
            }
        };
        Ok(Encoded {
            word: v.0 as u64,
            class: class_of(v),
        })
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        let v = u16::try_from(word).map(Value).map_err(|_| {
            SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!("{word:#x} is wider than a 16-bit value"),
            )
        })?;
        let decoded = match v.class() {
            Class::ShortPtr(at) => {
                if self.started {
                    self.locate(at)?;
                } else {
                    return Err(SubjectError::new(
                        ErrorKind::InvalidWord,
                        format_args!("{:#06x} points into a heap, and no case has started", v.0),
                    ));
                }
                Decoded::Pointer(at.0 as u64)
            }
            Class::Int14(i) => Decoded::Int(i as i64),
            Class::WellKnown(WellKnown::True) => Decoded::Bool(true),
            Class::WellKnown(WellKnown::False) => Decoded::Bool(false),
            Class::WellKnown(w) => Decoded::Named(w.name()),
            Class::BytecodeMapped(off) => Decoded::Image(off as u64),
        };
        Ok((class_of(v), decoded))
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        self.begin()?;
        let before = self.allocated_bytes;
        let word = self.build(spec)?;
        let id = self.add_entry(word, word.as_short_ptr().is_some())?;
        Ok(Allocation {
            id,
            word: word.0 as u64,
            bytes: self.allocated_bytes - before,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        self.begin()?;
        let value = self.target_value(target)?;
        let container = self.value_of(from)?;
        if container.as_short_ptr().is_none() {
            return Err(bad(format_args!(
                "object #{} is the immediate {:#06x} and has no slots",
                from.0, container.0
            )));
        }
        let (p, h) = self.body(container)?;
        match h.type_code() {
            TypeCode::PropertyList => {
                let key = Value::int14(slot as i64)
                    .ok_or_else(|| bad(format_args!("property key {slot} is past Int14's 8191")))?;
                self.set_property(container, key, value)
            }
            TypeCode::Array => self.array_store(container, slot, value),
            t if t.is_container() => {
                if slot >= (h.size() / 2) as u32 {
                    return Err(bad(format_args!(
                        "a {} of {} bytes has no slot {slot}",
                        t.name(),
                        h.size()
                    )));
                }
                self.wr16(p + 2 * slot as usize, value.0)
            }
            t => Err(bad(format_args!("a {} holds bytes, not values", t.name()))),
        }
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.require_started()?;
        self.add_root(obj)
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.require_started()?;
        self.remove_root(obj)
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        self.collect_with(self.config.squeeze)
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        self.require_started()?;
        self.report(sink)
    }

    fn heap_map(&mut self, out: &mut dyn fmt::Write) -> SubjectResult<()> {
        self.require_started()?;
        self.write_heap_map(out)
    }

    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        self.require_started()?;
        self.live(obj)
    }

    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        self.require_started()?;
        let v = self.value_of(obj)?;
        let (p, h) = self.body(v)?;
        let words = (h.size() as i64 + 1) / 2;
        if index < -1 || index as i64 >= words {
            return Err(bad(format_args!(
                "a {} of {} bytes has words -1 ..= {}, not {index}",
                h.type_code().name(),
                h.size(),
                words - 1
            )));
        }
        let at = (p as i64 + 2 * index as i64) as usize;
        Ok(self.rd16(at)? as u64)
    }
}

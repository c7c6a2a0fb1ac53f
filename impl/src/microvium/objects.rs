//! Object kinds and the operations on them, as the engine performs them: numbers, strings and their
//! interning, objects and their property cells, arrays and their growth, closures, Uint8Arrays.

use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

use super::header::{Header, MAX_ALLOCATION_SIZE, TypeCode};
use super::value::{Class, Number, Value, WellKnown};
use super::{Microvium, bad, engine};
use crate::arena::Offset;

/// Bytes of `TsPropertyList`'s fixed part (`dpNext`, `dpProto`) and of `TsArray`.
const PAIR_OF_VALUES: u32 = 4;
/// Bytes of a property cell's body (`TsPropertyCell`: `dpNext`, `dpProto`, key, value).
const PROPERTY_CELL: u32 = 8;
/// Bytes of an intern-list cell's body (`TsInternedStringCell`: `spNext`, `str`).
const INTERN_CELL: u32 = 4;
/// An array's first capacity when an index store grows it (`VM_ARRAY_INITIAL_CAPACITY`).
const ARRAY_INITIAL_CAPACITY: u32 = 4;
/// The largest array capacity: `MAX_ALLOCATION_SIZE / 2`.
const ARRAY_MAX_CAPACITY: u32 = MAX_ALLOCATION_SIZE as u32 / 2;
/// The largest index key: Int14's maximum.
const MAX_INDEX: u32 = 0x1FFF;
/// Offset of the global slot holding the intern list, in slots (after the `deleted` padding).
pub(super) const INTERN_LIST_SLOT: usize = 1;

fn range_error(detail: core::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, detail)
}

impl Microvium<'_> {
    /// Arena offset and header of the allocation `v` points to.
    pub(super) fn body(&self, v: Value) -> SubjectResult<(usize, Header)> {
        let at = v.as_short_ptr().ok_or_else(|| {
            SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!("{:#06x} is not a heap pointer", v.0),
            )
        })?;
        let p = self.locate(at)?;
        Ok((p, Header(self.rd16(p - 2)?)))
    }

    fn fill_values(&mut self, p: usize, count: usize, v: Value) -> SubjectResult<()> {
        for i in 0..count {
            self.wr16(p + 2 * i, v.0)?;
        }
        Ok(())
    }

    fn write_bytes(&mut self, p: usize, bytes: &[u8]) -> SubjectResult<()> {
        self.arena
            .slice_mut(Offset(p), bytes.len())
            .ok_or_else(|| {
                engine(format_args!(
                    "MVM_E_HEAP_CORRUPT: body at {p:#x} outside the arena"
                ))
            })?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// A number as `mvm_newNumber` stores it: in the word, an INT32 or a FLOAT64.
    pub(super) fn new_number(&mut self, n: Number) -> SubjectResult<Value> {
        let mut buf = [0u8; 8];
        let (len, type_code) = match n {
            Number::Word(v) => return Ok(v),
            Number::Int32(i) => {
                buf[..4].copy_from_slice(&i.to_le_bytes());
                (4, TypeCode::Int32)
            }
            Number::Float64(f) => {
                buf = f.to_bits().to_le_bytes();
                (8, TypeCode::Float64)
            }
        };
        let at = self.allocate(len as u32, type_code)?;
        let p = self.locate(at)?;
        self.write_bytes(p, &buf[..len])?;
        Ok(Value::short_ptr(at))
    }

    /// A string made at run time (`mvm_newString`): the UTF-8 bytes and a NUL.
    pub(super) fn new_string(&mut self, text: &[u8]) -> SubjectResult<Value> {
        let size = text.len() as u32 + 1;
        let at = self.allocate(size, TypeCode::String)?;
        let p = self.locate(at)?;
        self.write_bytes(p, text)?;
        self.arena
            .set_byte(Offset(p + text.len()), 0)
            .ok_or_else(|| engine(format_args!("MVM_E_HEAP_CORRUPT: string outside the arena")))?;
        Ok(Value::short_ptr(at))
    }

    /// `mvm_uint8ArrayFromBytes` of `len` zero bytes.
    pub(super) fn new_uint8_array(&mut self, len: u32) -> SubjectResult<Value> {
        let at = self.allocate(len, TypeCode::Uint8Array)?;
        let p = self.locate(at)?;
        self.arena
            .fill(Offset(p), len as usize, 0)
            .ok_or_else(|| engine(format_args!("MVM_E_HEAP_CORRUPT: array outside the arena")))?;
        Ok(Value::short_ptr(at))
    }

    /// One allocation of `size` bytes of `type_code`: bytes zeroed, container words `deleted`.
    pub(super) fn new_raw(&mut self, type_code: TypeCode, size: u32) -> SubjectResult<Value> {
        let at = self.allocate(size, type_code)?;
        let p = self.locate(at)?;
        self.arena
            .fill(Offset(p), size as usize, 0)
            .ok_or_else(|| engine(format_args!("MVM_E_HEAP_CORRUPT: body outside the arena")))?;
        if type_code.is_container() {
            self.fill_values(p, size as usize / 2, Value::DELETED)?;
        }
        Ok(Value::short_ptr(at))
    }

    /// A scope of `slots` values, each `deleted` (`vm_scopePushOrNew` without a parent).
    pub(super) fn new_closure(&mut self, slots: u32) -> SubjectResult<Value> {
        let at = self.allocate(2 * slots, TypeCode::Closure)?;
        let p = self.locate(at)?;
        self.fill_values(p, slots as usize, Value::DELETED)?;
        Ok(Value::short_ptr(at))
    }

    /// `{}` (`VM_OP1_OBJECT_NEW`): a PROPERTY_LIST with `dpNext` and `dpProto` null.
    pub(super) fn new_object(&mut self) -> SubjectResult<Value> {
        let at = self.allocate(PAIR_OF_VALUES, TypeCode::PropertyList)?;
        let p = self.locate(at)?;
        self.fill_values(p, 2, Value::NULL)?;
        Ok(Value::short_ptr(at))
    }

    /// `[]` with room for `capacity` elements (`vm_newArray`); the elements are `deleted`.
    pub(super) fn new_array(&mut self, capacity: u32) -> SubjectResult<Value> {
        if capacity > ARRAY_MAX_CAPACITY {
            return Err(engine(format_args!(
                "MVM_E_ARRAY_TOO_LONG: capacity {capacity} is over {ARRAY_MAX_CAPACITY}"
            )));
        }
        let at = self.allocate(PAIR_OF_VALUES, TypeCode::Array)?;
        let p = self.locate(at)?;
        self.wr16(p, Value::NULL.0)?;
        self.wr16(p + 2, Value::int14(0).unwrap_or(Value::UNDEFINED).0)?;
        let mut arr = Value::short_ptr(at);
        if capacity > 0 {
            let slot = self.push_temp(arr)?;
            let data = self.allocate(2 * capacity, TypeCode::FixedLengthArray);
            arr = self.temp(slot);
            self.pop_temp(slot);
            let data = data?;
            let (p_arr, _) = self.body(arr)?;
            self.wr16(p_arr, Value::short_ptr(data).0)?;
            let p_data = self.locate(data)?;
            self.fill_values(p_data, capacity as usize, Value::DELETED)?;
        }
        Ok(arr)
    }

    /// An array's length, data pointer and capacity.
    fn array_parts(&self, arr: Value) -> SubjectResult<(usize, u32, Value, u32)> {
        let (p, h) = self.body(arr)?;
        if h.type_code() != TypeCode::Array {
            return Err(bad(format_args!(
                "{:#06x} is a {}, not an ARRAY",
                arr.0,
                h.type_code().name()
            )));
        }
        let data = Value(self.rd16(p)?);
        let len = Value(self.rd16(p + 2)?).as_int14().unwrap_or(0).max(0) as u32;
        let capacity = if data == Value::NULL {
            0
        } else {
            self.body(data)?.1.size() as u32 / 2
        };
        Ok((p, len, data, capacity))
    }

    /// `growArray`: new data of `capacity` values, the old ones copied, the rest `deleted`. The array
    /// is in construction root `slot`.
    fn grow_array(&mut self, slot: usize, length: u32, capacity: u32) -> SubjectResult<()> {
        if capacity > ARRAY_MAX_CAPACITY {
            return Err(engine(format_args!(
                "MVM_E_ARRAY_TOO_LONG: capacity {capacity} is over {ARRAY_MAX_CAPACITY}"
            )));
        }
        let new_data = self.allocate(2 * capacity, TypeCode::FixedLengthArray)?;
        let p_new = self.locate(new_data)?;
        let (p_arr, _, old_data, _) = self.array_parts(self.temp(slot))?;
        let mut old_capacity = 0;
        if old_data != Value::NULL {
            let (p_old, h) = self.body(old_data)?;
            old_capacity = h.size() as u32 / 2;
            self.copy(p_old, p_new, h.size() as usize)?;
        }
        self.fill_values(
            p_new + 2 * old_capacity as usize,
            capacity.saturating_sub(old_capacity) as usize,
            Value::DELETED,
        )?;
        self.wr16(p_arr, Value::short_ptr(new_data).0)?;
        let len = Value::int14(length as i64).ok_or_else(|| bad(format_args!("array length {length}")))?;
        self.wr16(p_arr + 2, len.0)
    }

    /// `a[index] = value` (`setProperty` on an array with an index key).
    pub(super) fn array_store(&mut self, arr: Value, index: u32, value: Value) -> SubjectResult<()> {
        if index > MAX_INDEX {
            return Err(range_error(format_args!(
                "MVM_E_INVALID_ARRAY_INDEX: index {index} is past {MAX_INDEX}"
            )));
        }
        let (_, len, _, capacity) = self.array_parts(arr)?;
        let mut arr = arr;
        let mut value = value;
        if index >= len {
            let new_len = index + 1;
            if index < capacity {
                let (p_arr, ..) = self.array_parts(arr)?;
                let v = Value::int14(new_len as i64).unwrap_or(Value::UNDEFINED);
                self.wr16(p_arr + 2, v.0)?;
            } else {
                let new_capacity = (capacity * 2).max(ARRAY_INITIAL_CAPACITY).max(new_len);
                let slot = self.push_temp(arr)?;
                self.push_temp(value)?;
                let grown = self.grow_array(slot, new_len, new_capacity);
                arr = self.temp(slot);
                value = self.temp(slot + 1);
                self.pop_temp(slot);
                grown?;
            }
        }
        let (_, _, data, _) = self.array_parts(arr)?;
        let (p_data, _) = self.body(data)?;
        self.wr16(p_data + 2 * index as usize, value.0)
    }

    /// `a.length = length` (`setProperty` on an array with the key `"length"`).
    pub(super) fn array_set_length(&mut self, arr: Value, length: u32) -> SubjectResult<()> {
        if length > MAX_INDEX {
            return Err(range_error(format_args!("array length {length} is not an Int14")));
        }
        let (p_arr, old_len, data, capacity) = self.array_parts(arr)?;
        let len_word = Value::int14(length as i64).unwrap_or(Value::UNDEFINED);
        if length < old_len {
            let (p_data, _) = self.body(data)?;
            self.fill_values(
                p_data + 2 * length as usize,
                (old_len - length) as usize,
                Value::DELETED,
            )?;
            self.wr16(p_arr + 2, len_word.0)
        } else if length == old_len {
            if self.config.engine_bugs {
                // 8.0.0's "do nothing" branch falls through to the invalid-index error.
                return Err(engine(format_args!(
                    "MVM_E_INVALID_ARRAY_INDEX: setting an array's length to its current length {length}"
                )));
            }
            Ok(())
        } else if length <= capacity {
            self.wr16(p_arr + 2, len_word.0)
        } else {
            let slot = self.push_temp(arr)?;
            let grown = self.grow_array(slot, length, length);
            self.pop_temp(slot);
            grown
        }
    }

    /// `toPropertyName`: a key as objects store it, interning a run-time string.
    pub(super) fn property_key(&mut self, key: Value) -> SubjectResult<Value> {
        match key.class() {
            Class::Int14(i) if i < 0 => Err(range_error(format_args!(
                "MVM_E_RANGE_ERROR: negative integer key {i} (internal slots only)"
            ))),
            Class::Int14(_) => Ok(key),
            Class::WellKnown(WellKnown::StrLength | WellKnown::StrProto) => Ok(key),
            Class::ShortPtr(_) => {
                let (p, h) = self.body(key)?;
                match h.type_code() {
                    TypeCode::InternedString => Ok(key),
                    TypeCode::Int32 => Err(range_error(format_args!(
                        "MVM_E_RANGE_ERROR: an INT32 is no valid property key"
                    ))),
                    TypeCode::String => {
                        let len = h.size().saturating_sub(1) as usize;
                        let digits = self
                            .arena
                            .slice(Offset(p), len)
                            .is_some_and(|s| !s.is_empty() && s.iter().all(u8::is_ascii_digit));
                        if digits {
                            return Err(SubjectError::new(
                                ErrorKind::BadArgument,
                                format_args!(
                                    "MVM_E_TYPE_ERROR: a string that spells an integer is no property key"
                                ),
                            ));
                        }
                        self.intern(key)
                    }
                    other => Err(bad(format_args!(
                        "MVM_E_TYPE_ERROR: a {} is no property key",
                        other.name()
                    ))),
                }
            }
            _ => Err(bad(format_args!(
                "MVM_E_TYPE_ERROR: {:#06x} is no property key",
                key.0
            ))),
        }
    }

    /// `toInternedString`: the interned string equal to the RAM string `s`, retyping `s` and pushing an
    /// intern cell when there is none. This model's image has no ROM strings.
    fn intern(&mut self, s: Value) -> SubjectResult<Value> {
        let (p, h) = self.body(s)?;
        let size = h.size() as usize;
        let mut result = s;
        let text = self.arena.slice(Offset(p), size).unwrap_or(&[]);
        let well_known = match text {
            b"__proto__\0" => Some(Value::STR_PROTO),
            b"length\0" => Some(Value::STR_LENGTH),
            _ => None,
        };
        if let Some(w) = well_known {
            result = w;
            if !self.config.engine_bugs {
                return Ok(result);
            }
        }
        let head_at = self.globals + 2 * INTERN_LIST_SLOT;
        let mut cell = Value(self.rd16(head_at)?);
        while cell != Value::UNDEFINED {
            let (pc, _) = self.body(cell)?;
            let other = Value(self.rd16(pc + 2)?);
            if other.as_short_ptr().is_none() {
                return Err(engine(format_args!(
                    "MVM_E_ASSERTION_FAILED: the intern list holds {:#06x}, which is no heap pointer",
                    other.0
                )));
            }
            let (po, ho) = self.body(other)?;
            if ho.size() as usize == size
                && self.arena.slice(Offset(po), size) == self.arena.slice(Offset(p), size)
            {
                return Ok(other);
            }
            cell = Value(self.rd16(pc)?);
        }
        let retyped = Header::new(TypeCode::InternedString, size as u32)
            .map_err(|e| engine(format_args!("MVM_E_ASSERTION_FAILED: {e:?}")))?;
        self.wr16(p - 2, retyped.0)?;
        let slot = self.push_temp(result)?;
        let cell = self.allocate(INTERN_CELL, TypeCode::FixedLengthArray);
        result = self.temp(slot);
        self.pop_temp(slot);
        let cell = cell?;
        let head = Value(self.rd16(head_at)?);
        let pc = self.locate(cell)?;
        self.wr16(pc, head.0)?;
        self.wr16(pc + 2, result.0)?;
        self.wr16(head_at, Value::short_ptr(cell).0)?;
        Ok(result)
    }

    /// `obj[key] = value` on an object (`setProperty`, PROPERTY_LIST case); `key` is a property key
    /// already. A key the object lacks adds a property cell at the end of its chain.
    pub(super) fn set_property(&mut self, obj: Value, key: Value, value: Value) -> SubjectResult<()> {
        if key == Value::STR_PROTO {
            return Err(engine(format_args!(
                "MVM_E_NOT_IMPLEMENTED: setting __proto__ of an object"
            )));
        }
        let mut list = self.property_list(obj)?;
        loop {
            let h = Header(self.rd16(list - 2)?);
            let count = (h.size() as usize).saturating_sub(PAIR_OF_VALUES as usize) / 4;
            for i in 0..count {
                let at = list + PAIR_OF_VALUES as usize + 4 * i;
                if self.rd16(at)? == key.0 {
                    return self.wr16(at + 2, value.0);
                }
            }
            let next = Value(self.rd16(list)?);
            if next == Value::NULL {
                break;
            }
            list = self.property_list(next)?;
        }
        let slot = self.push_temp(obj)?;
        self.push_temp(key)?;
        self.push_temp(value)?;
        let cell = self.allocate(PROPERTY_CELL, TypeCode::PropertyList);
        let (obj, key, value) = (self.temp(slot), self.temp(slot + 1), self.temp(slot + 2));
        self.pop_temp(slot);
        let cell = cell?;
        // A collection may have merged the chain: find its end again.
        let mut list = self.property_list(obj)?;
        loop {
            let next = Value(self.rd16(list)?);
            if next == Value::NULL {
                break;
            }
            list = self.property_list(next)?;
        }
        let pc = self.locate(cell)?;
        for (i, v) in [Value::NULL, Value::NULL, key, value].into_iter().enumerate() {
            self.wr16(pc + 2 * i, v.0)?;
        }
        self.wr16(list, Value::short_ptr(cell).0)
    }

    fn property_list(&self, v: Value) -> SubjectResult<usize> {
        let (p, h) = self.body(v)?;
        if h.type_code() != TypeCode::PropertyList || (h.size() as u32) < PAIR_OF_VALUES {
            return Err(bad(format_args!(
                "{:#06x} is a {} of {} bytes, not an object",
                v.0,
                h.type_code().name(),
                h.size()
            )));
        }
        Ok(p)
    }

    /// The value of property `key` of an object, if it has one.
    pub(super) fn get_property(&self, obj: Value, key: Value) -> SubjectResult<Option<Value>> {
        let mut list = self.property_list(obj)?;
        loop {
            let h = Header(self.rd16(list - 2)?);
            let count = (h.size() as usize).saturating_sub(PAIR_OF_VALUES as usize) / 4;
            for i in 0..count {
                let at = list + PAIR_OF_VALUES as usize + 4 * i;
                if self.rd16(at)? == key.0 {
                    return Ok(Some(Value(self.rd16(at + 2)?)));
                }
            }
            let next = Value(self.rd16(list)?);
            if next == Value::NULL {
                return Ok(None);
            }
            list = self.property_list(next)?;
        }
    }
}

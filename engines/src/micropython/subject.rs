//! The [`Subject`] calls of [`MicroPython`]: each step as calls of the driver, with the readings
//! around them.

use super::*;

impl<T: Transport + std::fmt::Debug> Subject for MicroPython<T> {
    fn name(&self) -> &str {
        self.transport.subject()
    }

    fn supports(&self, profile: ProfileId) -> bool {
        match (&self.detected, self.expect) {
            (Some(d), _) => d.profile == profile,
            (None, Some(p)) => p == profile,
            (None, None) => profile.engine() == memspec::Engine::MicroPython,
        }
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if !self.supports(profile) {
            return Capabilities::NONE;
        }
        let mut c = Capabilities::of(&[
            Capability::Encode,
            Capability::Alloc,
            Capability::Link,
            Capability::Root,
            Capability::Collect,
            Capability::Stats,
            Capability::HeapMap,
            Capability::GcControl,
        ]);
        if self.liveness_exact() {
            c = c.with(Capability::Liveness);
        }
        // `raw` is a tuple (engines/README.md); words are read and written through uctypes.
        c = c.with(Capability::RawAlloc);
        if self.detected.as_ref().is_none_or(|d| d.uctypes) {
            c = c.with(Capability::Decode).with(Capability::Inspect);
        }
        if self.transport.sized_heap() {
            c = c.with(Capability::SizedHeap);
        }
        // A REPL compiles each step on the heap: once a fill has taken every block, the next
        // step's compile finds none, or, where a collection frees the last step's garbage (or the
        // heap grows, py/gc.c gc_try_add_heap), leaves new free runs for the fill to take.
        if !self.transport.compiles_calls() {
            c = c.with(Capability::FullHeap);
        }
        c
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        let heap = (config.arena_bytes > 0).then_some(config.arena_bytes);
        if let Err(e) = self.boot(heap) {
            self.detected = None;
            return Err(e);
        }
        if let Some(o) = config.options.first() {
            return Err(SubjectError::new(
                ErrorKind::Unsupported,
                format_args!(
                    "{}: the engine's build is what it is; the option {}= selects a build of the model (run the case on ref)",
                    self.name_(),
                    o.name
                ),
            ));
        }
        let d = self.det()?;
        if let Some(port) = config.port
            && port != d.port
        {
            return Err(SubjectError::new(
                ErrorKind::Unsupported,
                format_args!(
                    "{}: the engine is MicroPython's {} port (sys.platform), this case is for port={port}",
                    self.name_(),
                    d.port
                ),
            ));
        }
        // The model's c32 on the unix port is the `longlong` variant; every other build has MPZ
        // ints (impl/src/micropython/config.rs).
        let model_longint = if profile == ProfileId::MicropythonC32 && config.port == Some("unix") {
            "longlong"
        } else {
            "mpz"
        };
        if d.profile == profile && d.longint != model_longint {
            return Err(SubjectError::new(
                ErrorKind::Unsupported,
                format_args!(
                    "{}: the engine's long ints are {} (MICROPY_LONGINT_IMPL); the case's build of {} (port={}) has {model_longint} ints",
                    self.name_(),
                    d.longint,
                    profile.name(),
                    config.port.unwrap_or("its default")
                ),
            ));
        }
        if d.profile != profile {
            return Err(SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!(
                    "{}: the engine is {} ({}-bit words, {:?}, MicroPython {}); this case needs {}",
                    self.name_(),
                    d.profile.name(),
                    d.word_bits,
                    d.repr,
                    d.version,
                    profile.name()
                ),
            ));
        }
        self.objects.clear();
        if self.call("_m_reset", &[]).is_err() {
            // A case before filled the heap (a REPL line compiles on it): start afresh.
            self.transport.close();
            self.boot(heap)?;
            self.call("_m_reset", &[])?;
        }
        Ok(())
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let (kind, x) = match value {
            Value::Int(i) => ("int", i.to_string()),
            Value::Float(f) => ("float", float_text(*f)),
            Value::Str(s) => ("str", hex(s)),
            Value::Bool(true) => ("true", String::new()),
            Value::Bool(false) => ("false", String::new()),
            Value::Named("None") => ("none", String::new()),
            Value::Named("True") => ("true", String::new()),
            Value::Named("False") => ("false", String::new()),
            Value::Named("Ellipsis") => ("ellipsis", String::new()),
            Value::Named("NotImplemented") => ("notimplemented", String::new()),
            Value::Named("()") => ("emptytuple", String::new()),
            Value::Named("NaN") => ("float", "nan".into()),
            Value::Named("-0") => ("float", "-0.0".into()),
            Value::Bytes(b) => ("bytes", hex(b)),
            Value::Qstr(q) => return self.encode_qstr(*q),
            other => {
                return Err(SubjectError::new(
                    ErrorKind::BadArgument,
                    format_args!("{}: cannot make {other:?} from Python", self.name_()),
                ));
            }
        };
        let r = self.call("_m_word", &[Arg::Str(kind.into()), Arg::Str(x)])?;
        let d = self.det()?;
        let word = d.word(r.int(self.name_(), "id")?);
        let class = d.class_of(kind, word);
        if class == TagClass::Pointer {
            // A pointer into one of the heap's areas is a heap object: no word holds the value. One
            // outside them is a const object of the engine's image (Ellipsis, `()`, `b''`).
            let bpb = self.bpb()?;
            let (_, info) = self.reading(true)?;
            if info.is_some_and(|i| i.is_head(word, bpb).is_some()) {
                return Err(SubjectError::new(
                    ErrorKind::NotImmediate,
                    format_args!(
                        "{}: the engine made {value:?} on the heap (word {word:#x}, a pointer into the heap)",
                        self.name_()
                    ),
                ));
            }
        }
        Ok(Encoded { word, class })
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let id = u32::try_from(self.objects.len()).unwrap_or(u32::MAX);
        if id >= MAX_OBJECTS {
            return Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("{}: a case may hold {MAX_OBJECTS} objects", self.name_()),
            ));
        }
        let raw_items = if spec.kind == "raw" {
            Some(raw_tuple_items(self.name_(), self.det()?, spec)?)
        } else {
            None
        };
        if raw_items.is_none() && !KINDS.iter().any(|(k, _)| *k == spec.kind) {
            let kinds: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
            return Err(SubjectError::new(
                ErrorKind::UnknownKind,
                format_args!(
                    "{}: no object kind `{}` (the driver makes {})",
                    self.name_(),
                    spec.kind,
                    kinds.join(", ")
                ),
            ));
        }
        let prep = match raw_items {
            Some(k) => format!("len={k}"),
            // 2 ** e takes its exponent from the subject, so the driver makes no big int to find it.
            None if spec.kind == "int" && spec.text("from") == Some(b"pow") => {
                let e = spec.int("value").map_or(0, |v| v.unsigned_abs().trailing_zeros());
                format!("{} exp={e}", make_spec(self.name_(), spec)?)
            }
            None => make_spec(self.name_(), spec)?,
        };
        self.call("_m_prep", &[Arg::Str(spec.kind.into()), Arg::Str(prep)])?;
        let before = self.settled_keeping_prep()?;
        let r = self.call("_m_new", &[Arg::Int(i64::from(id))])?;
        if r.text.contains("@R oom") {
            return Err(SubjectError::new(
                ErrorKind::OutOfMemory,
                format_args!("{}: making the {} raised MemoryError", self.name_(), spec.kind),
            ));
        }
        let d = self.det()?;
        let word = d.word(
            (r.int(self.name_(), "h")? << 32)
                | (r.int(self.name_(), "m")? << 16)
                | r.int(self.name_(), "l")?,
        );
        let heap = detect::is_pointer(d.repr, word);
        let after = self.settled_keeping_prep()?;
        let bytes = delta(self.name_(), "an allocation", before, after, false)?;
        self.objects.push(Held {
            word,
            heap,
            live: true,
            raw_items,
        });
        Ok(Allocation {
            id: ObjId(id),
            word,
            bytes,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        if let Some(items) = self.held(from)?.raw_items {
            return self.store_word(from, items, slot, target);
        }
        let to = match target {
            Target::Object(t) => {
                self.held(t)?;
                i64::from(t.0)
            }
            Target::Empty => -1,
            Target::Interior(..) | Target::Word(_) => {
                return Err(SubjectError::new(
                    ErrorKind::Unsupported,
                    format_args!(
                        "{}: Python code can store only whole objects, not {target:?}",
                        self.name_()
                    ),
                ));
            }
        };
        self.call(
            "_m_link",
            &[
                Arg::Int(i64::from(from.0)),
                Arg::Int(i64::from(slot)),
                Arg::Int(to),
            ],
        )?;
        Ok(())
    }

    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        let h = self.held(obj)?;
        let d = self.det()?;
        if !d.uctypes || !h.heap {
            return Err(self.err(
                ErrorKind::Unsupported,
                "reading a word of an object needs uctypes and an object on the heap",
            ));
        }
        let bytes = i128::from(d.word_bits / 8);
        let address = i128::from(h.word) + i128::from(index) * bytes;
        let r = self.call(
            "_m_peek",
            &[Arg::Str(address.to_string()), Arg::Int(bytes as i64)],
        )?;
        Ok(r.int(self.name_(), "w")? as u64)
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        let d = self.det()?.clone();
        if d.word(i128::from(word)) != word {
            return Err(SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!(
                    "{}: {word:#x} is wider than the engine's {}-bit word",
                    self.name_(),
                    d.word_bits
                ),
            ));
        }
        if detect::is_pointer(d.repr, word) {
            // A pointer is not loaded: the engine would follow it. The constants' words are
            // known from id().
            let named = ["None", "False", "True"];
            return Ok(match d.constants.iter().position(|c| *c == word) {
                Some(i) => (TagClass::Pointer, Decoded::Named(named[i])),
                None => (TagClass::Pointer, Decoded::Pointer(word)),
            });
        }
        let r = self.read_back(&d, word)?;
        let value = r.get("v").unwrap_or("");
        let invalid = |what: &str| {
            SubjectError::new(
                ErrorKind::InvalidWord,
                format_args!("{}: the engine reads {word:#x} as {what}", self.name_()),
            )
        };
        Ok(match r.get("t").unwrap_or("") {
            "int" => (TagClass::SmallInt, Decoded::Int(r.int(self.name_(), "v")? as i64)),
            "str" => (TagClass::Qstr, Decoded::Qstr(qstr_index(d.repr, word))),
            "float" => {
                let bits = u64::from_str_radix(value, 16)
                    .map_err(|_| invalid("a float it printed no bits of"))?
                    .swap_bytes();
                (TagClass::Float, Decoded::Float(f64::from_bits(bits)))
            }
            "NoneType" | "bool" => match value {
                "100" => (TagClass::Immediate, Decoded::Named("None")),
                "010" => (TagClass::Immediate, Decoded::Named("False")),
                "001" => (TagClass::Immediate, Decoded::Named("True")),
                _ => {
                    return Err(invalid(
                        "an immediate object that is none of None, False and True",
                    ));
                }
            },
            other => return Err(invalid(&format!("a {other}"))),
        })
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.held(obj)?;
        self.call("_m_root", &[Arg::Int(i64::from(obj.0)), Arg::Int(1)])?;
        Ok(())
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.held(obj)?;
        self.call("_m_root", &[Arg::Int(i64::from(obj.0)), Arg::Int(0)])?;
        Ok(())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        let (before, map0) = self.settled(true)?;
        let at_once = self.collects == Collects::AtOnce;
        let r = self.call("_m_co", &[Arg::Int(4 | i64::from(at_once))])?;
        let returned = match r.get("ret") {
            Some("None") | None => None,
            Some(_) => Some(i64::try_from(r.int(self.name_(), "ret")?).unwrap_or(i64::MAX)),
        };
        let bpb = self.bpb()?;
        let (after, map1) = self.reading(true)?;
        // The map that shows the heap right after the collection: printed inside the collecting call
        // where the port collects at once, in the next call where it defers.
        let live_map = if at_once {
            MemInfo::parse(self.name_(), &r.text, bpb)?
        } else {
            map1.clone().unwrap_or_default()
        };
        self.call("_m_fix", &[])?;
        for o in self.objects.iter_mut().filter(|o| o.heap && o.live) {
            o.live = live_map.is_head(o.word, bpb).unwrap_or(false);
        }
        let heads0 = map0.map_or(0, |m| m.heads());
        let heads1 = map1.map_or(0, |m| m.heads());
        Ok(Collection {
            freed_allocations: heads0.saturating_sub(heads1),
            freed_bytes: delta(self.name_(), "a collection", before, after, true)?,
            returned,
            finalisers_run: 0,
        })
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        self.call("_m_co", &[Arg::Int(0)])?;
        let (used, free, info) = self.reading_with_free(true)?;
        let info = info.unwrap_or_default();
        let used = u64::try_from(used).unwrap_or(0);
        // gc.mem_free(): the pool's free bytes, plus what the heap could still add where it grows
        // by new areas (py/modgc.c gc_mem_free).
        let free = u64::try_from(free).unwrap_or(0);
        let split = info.max_new_split.unwrap_or(0);
        let bytes = |name, value| Stat {
            name,
            unit: Unit::Bytes,
            value,
        };
        sink(bytes(stat::USED, used));
        sink(bytes(stat::FREE, free));
        sink(bytes(stat::TOTAL, info.total));
        sink(Stat {
            name: stat::ALLOCATIONS,
            unit: Unit::Count,
            value: info.heads(),
        });
        if split > 0 {
            sink(bytes("gc.max_new_split", split));
        }
        Ok(())
    }

    fn heap_map(&mut self, out: &mut dyn std::fmt::Write) -> SubjectResult<()> {
        let (_, info) = self.settled(true)?;
        let text = info.map(|i| i.text).unwrap_or_default();
        out.write_str(&text)
            .map_err(|_| self.err(ErrorKind::BadArgument, "the heap map did not fit the output"))
    }

    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        if !self.liveness_exact() {
            return Err(SubjectError::new(
                ErrorKind::Unsupported,
                format_args!(
                    "{}: this engine defers collection and compiles each call, so no block map shows the heap right after a collection",
                    self.name_()
                ),
            ));
        }
        Ok(self.held(obj)?.live)
    }

    fn gc_control(&mut self, op: GcOp) -> SubjectResult<()> {
        let op = match op {
            GcOp::Disable => "disable",
            GcOp::Enable => "enable",
            GcOp::Lock | GcOp::Unlock => {
                return Err(SubjectError::new(
                    ErrorKind::Unsupported,
                    format_args!(
                        "{}: a locked heap stops the driver itself (its replies allocate)",
                        self.name_()
                    ),
                ));
            }
        };
        self.call("_m_gc", &[Arg::Str(op.into())])?;
        Ok(())
    }
}

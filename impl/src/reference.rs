//! The reference subject: every profile's model behind one [`Subject`], over one caller-given arena.
//!
//! Each engine module provides a subject type with `new(arena)`, `into_arena()` and an implementation
//! of [`Subject`]. [`Reference`] hands the arena to the engine of the profile a case starts, and takes
//! it back when the next case starts another engine.

use memspec::subject::{
    Allocation, Capabilities, Collection, Decoded, Encoded, GcOp, HeapConfig, ObjId, ObjectSpec, Stat,
    Subject, SubjectError, SubjectResult, Target, Value,
};
use memspec::{Engine, ProfileId, TagClass};

use crate::julia::Julia;
use crate::micropython::MicroPython;
use crate::microvium::Microvium;
use crate::skybison::Skybison;

/// The engine model that owns the arena now.
// Models keep their object tables inline (there is no allocator to box them), and only one
// `Model` exists per subject, so the size gap between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Model<'a> {
    /// No case has started; the arena waits here.
    Idle(&'a mut [u8]),
    /// A MicroPython profile's case is running.
    MicroPython(MicroPython<'a>),
    /// A Microvium case owns the arena.
    Microvium(Microvium<'a>),
    /// A `skybison64` case owns the arena.
    Skybison(Skybison<'a>),
    /// A `julia64` case (Julia v1.11.0) owns the arena.
    Julia(Julia<'a>),
    /// Moved out for a moment while switching models.
    Switching,
}

/// The reference implementation of every profile, as one subject named `ref`.
#[derive(Debug)]
pub struct Reference<'a> {
    model: Model<'a>,
}

impl<'a> Reference<'a> {
    /// A reference subject whose heaps live in `arena`.
    pub fn new(arena: &'a mut [u8]) -> Self {
        Self {
            model: Model::Idle(arena),
        }
    }

    fn take_arena(&mut self) -> &'a mut [u8] {
        // Taken in place where the model allows it: moving the model out copies the whole enum.
        match &mut self.model {
            Model::Idle(a) => return core::mem::take(a),
            Model::MicroPython(m) => return m.take_arena(),
            _ => {}
        }
        match core::mem::replace(&mut self.model, Model::Switching) {
            Model::Idle(a) => a,
            Model::MicroPython(m) => m.into_arena(),
            Model::Microvium(m) => m.into_arena(),
            Model::Skybison(s) => s.into_arena(),
            Model::Julia(j) => j.into_arena(),
            Model::Switching => &mut [],
        }
    }

    fn current(&mut self) -> SubjectResult<&mut dyn Subject> {
        match &mut self.model {
            Model::MicroPython(m) => Ok(m),
            Model::Microvium(m) => Ok(m),
            Model::Skybison(s) => Ok(s),
            Model::Julia(j) => Ok(j),
            Model::Idle(_) | Model::Switching => Err(SubjectError::new(
                memspec::subject::ErrorKind::BadArgument,
                format_args!("no case has started: call start first"),
            )),
        }
    }
}

impl Subject for Reference<'_> {
    fn name(&self) -> &str {
        "ref"
    }

    fn supports(&self, profile: ProfileId) -> bool {
        // Every profile has a model.
        let _ = profile;
        true
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        match profile {
            p if p.engine() == Engine::MicroPython => Capabilities::all(),
            ProfileId::Microvium => Microvium::new(&mut []).capabilities(profile),
            ProfileId::Skybison64 => crate::skybison::subject::CAPABILITIES,
            ProfileId::Julia64 => crate::julia::subject::CAPABILITIES,
            _ => Capabilities::NONE,
        }
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        // A MicroPython model starting another MicroPython case resets itself in place (its
        // `start` sets up every field again), so its 20 KB are neither moved out nor back.
        if let Model::MicroPython(m) = &mut self.model
            && profile.engine() == Engine::MicroPython
        {
            return m.start(profile, config);
        }
        let arena = self.take_arena();
        // Each model is made where it lives and started there.
        self.model = match profile.engine() {
            Engine::MicroPython => Model::MicroPython(MicroPython::new(arena)),
            Engine::Microvium => Model::Microvium(Microvium::new(arena)),
            Engine::Skybison => Model::Skybison(Skybison::new(arena)),
            Engine::Julia => Model::Julia(Julia::new(arena)),
        };
        self.current()?.start(profile, config)
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        self.current()?.encode(value)
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        self.current()?.decode(word)
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        self.current()?.alloc(spec)
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        self.current()?.link(from, slot, target)
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.current()?.root(obj)
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.current()?.unroot(obj)
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        self.current()?.collect()
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        self.current()?.stats(sink)
    }

    fn heap_map(&mut self, out: &mut dyn core::fmt::Write) -> SubjectResult<()> {
        self.current()?.heap_map(out)
    }

    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        self.current()?.is_live(obj)
    }

    fn gc_control(&mut self, op: GcOp) -> SubjectResult<()> {
        self.current()?.gc_control(op)
    }

    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        self.current()?.read_word(obj, index)
    }
}

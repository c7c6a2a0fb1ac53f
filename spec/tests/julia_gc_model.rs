//! A state-machine model of the `julia64` object graph against the reference implementation: random
//! allocations, links, unlinks, roots, minor and full collections.
//!
//! After every step, no `GC_OLD_MARKED` object that is not remembered points at an object whose
//! `GC_MARKED` bit is clear (`jl_gc_wb` / `jl_gc_queue_root`, Julia v1.11.0 `src/julia.h`, `src/gc.c`),
//! and exactly the objects with gc bits `GC_MARKED` are remembered. After every collection each object
//! reachable from a root is live; after every full collection (`jl_gc_collect(JL_GC_FULL)`) each
//! unreachable object that is not permanent is freed. The same runs again with side tables of one
//! entry, so that the mark stack and the remembered sets overflow and the collector's fallbacks work.

use std::sync::Mutex;

use memspec::julia::barrier::old_marked_points_at_marked;
use memspec::julia::header::GC_MARKED;
use memspec::subject::{ObjId, ObjectSpec, Param, ParamValue, Stat, Subject, Target};
use memspec_impl::julia::Julia;
use memspec_impl::julia::heap::{Addr, Limits};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

/// Bytes of each test arena: room for every sequence without an automatic collection.
const ARENA_BYTES: usize = 2 << 20;

/// Arenas leaked once and handed from test case to test case.
static ARENAS: Mutex<Vec<&'static mut [u8]>> = Mutex::new(Vec::new());

fn take_arena() -> &'static mut [u8] {
    let reused = ARENAS.lock().unwrap().pop();
    reused.unwrap_or_else(|| Box::leak(vec![0u8; ARENA_BYTES].into_boxed_slice()))
}

/// An object kind the model allocates.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Svec(u8),
    Tuple(u8),
    Struct { fields: u8, mutable: bool },
    Memory(u16),
    Vector(u16),
    Int(i64),
    Float,
    Str(u16),
    Raw(u16),
}

impl Kind {
    /// Pointer slots a link can use.
    fn slots(self) -> usize {
        match self {
            Kind::Svec(n) | Kind::Tuple(n) => n as usize,
            Kind::Struct { fields, .. } => fields as usize,
            Kind::Memory(n) | Kind::Vector(n) => n as usize,
            _ => 0,
        }
    }

    /// Permanent objects: cached boxes (`jl_box_int64`, -512..=511), empty instances, singletons.
    fn permanent(self) -> bool {
        match self {
            Kind::Int(v) => (-512..512).contains(&v),
            Kind::Memory(0) | Kind::Str(0) => true,
            Kind::Struct { fields: 0, mutable } => !mutable,
            _ => false,
        }
    }

    fn spec<'a>(self, params: &'a mut Vec<Param<'static>>) -> ObjectSpec<'a> {
        let int = |name: &'static str, v: i128| Param {
            name,
            value: ParamValue::Int(v),
        };
        let kind = match self {
            Kind::Svec(n) => {
                params.push(int("len", n.into()));
                "svec"
            }
            Kind::Tuple(n) => {
                params.push(int("len", n.into()));
                "tuple"
            }
            Kind::Struct { fields, mutable } => {
                params.push(int("fields", fields.into()));
                params.push(int("mutable", mutable as i128));
                "struct"
            }
            Kind::Memory(n) => {
                params.push(int("len", n.into()));
                "memory"
            }
            Kind::Vector(n) => {
                params.push(int("len", n.into()));
                "vector"
            }
            Kind::Int(v) => {
                params.push(int("value", v.into()));
                "int64"
            }
            Kind::Float => {
                params.push(Param {
                    name: "value",
                    value: ParamValue::Float(2.5),
                });
                "float64"
            }
            Kind::Str(n) => {
                params.push(int("len", n.into()));
                "string"
            }
            Kind::Raw(n) => {
                params.push(int("bytes", n.into()));
                "raw"
            }
        };
        ObjectSpec { kind, params }
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => (1u8..=3).prop_map(Kind::Svec),
        1 => (1u8..=2).prop_map(Kind::Tuple),
        2 => (0u8..=3, any::<bool>()).prop_map(|(fields, mutable)| Kind::Struct { fields, mutable }),
        2 => prop_oneof![0u16..=4, Just(300)].prop_map(Kind::Memory),
        2 => prop_oneof![0u16..=3, Just(300)].prop_map(Kind::Vector),
        2 => prop_oneof![Just(-600i64), Just(-512), Just(0), Just(511), Just(512), Just(1000)].prop_map(Kind::Int),
        1 => Just(Kind::Float),
        1 => (0u16..=40).prop_map(Kind::Str),
        1 => prop_oneof![0u16..=64, 2000u16..=3000].prop_map(Kind::Raw),
    ]
}

#[derive(Clone, Debug)]
struct Obj {
    kind: Kind,
    slots: Vec<Option<usize>>,
    rooted: bool,
    /// The mutator may still hold it: reachable at the last collection, or allocated since.
    usable: bool,
}

#[derive(Clone, Debug, Default)]
struct Model {
    objs: Vec<Obj>,
}

impl Model {
    /// Objects reachable from a root through the slots.
    fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.objs.len()];
        let mut stack: Vec<usize> = (0..self.objs.len()).filter(|&i| self.objs[i].rooted).collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            stack.extend(self.objs[i].slots.iter().flatten().copied());
        }
        seen
    }

    fn usable(&self) -> Vec<usize> {
        (0..self.objs.len()).filter(|&i| self.objs[i].usable).collect()
    }
}

#[derive(Clone, Debug)]
enum Op {
    Alloc(Kind),
    Link { from: usize, slot: usize, to: usize },
    Unlink { from: usize, slot: usize },
    Root(usize),
    Unroot(usize),
    Minor,
    Full,
}

struct GraphModel;

impl ReferenceStateMachine for GraphModel {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::default()).boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Op> {
        let usable = state.usable();
        let with_slots: Vec<usize> = usable
            .iter()
            .copied()
            .filter(|&i| state.objs[i].kind.slots() > 0)
            .collect();
        let alloc = kind().prop_map(Op::Alloc);
        if usable.is_empty() {
            return alloc.boxed();
        }
        let pick = proptest::sample::select(usable);
        let mut ops = vec![
            (4, alloc.boxed()),
            (2, pick.clone().prop_map(Op::Root).boxed()),
            (1, pick.clone().prop_map(Op::Unroot).boxed()),
            (1, Just(Op::Minor).boxed()),
            (1, Just(Op::Full).boxed()),
        ];
        if !with_slots.is_empty() {
            let objs = state.objs.clone();
            let sel = proptest::sample::select(with_slots);
            ops.push((
                5,
                (sel.clone(), any::<prop::sample::Index>(), pick)
                    .prop_map(move |(from, slot, to)| Op::Link {
                        from,
                        slot: slot.index(objs[from].kind.slots()),
                        to,
                    })
                    .boxed(),
            ));
            let objs = state.objs.clone();
            ops.push((
                1,
                (sel, any::<prop::sample::Index>())
                    .prop_map(move |(from, slot)| Op::Unlink {
                        from,
                        slot: slot.index(objs[from].kind.slots()),
                    })
                    .boxed(),
            ));
        }
        proptest::strategy::Union::new_weighted(ops).boxed()
    }

    fn preconditions(state: &Model, op: &Op) -> bool {
        let usable = |i: &usize| state.objs.get(*i).is_some_and(|o| o.usable);
        match op {
            Op::Alloc(_) | Op::Minor | Op::Full => true,
            Op::Link { from, slot, to } => {
                usable(from) && usable(to) && *slot < state.objs[*from].kind.slots()
            }
            Op::Unlink { from, slot } => usable(from) && *slot < state.objs[*from].kind.slots(),
            Op::Root(i) | Op::Unroot(i) => usable(i),
        }
    }

    fn apply(mut state: Model, op: &Op) -> Model {
        match *op {
            Op::Alloc(kind) => state.objs.push(Obj {
                kind,
                slots: vec![None; kind.slots()],
                rooted: false,
                usable: true,
            }),
            Op::Link { from, slot, to } => state.objs[from].slots[slot] = Some(to),
            Op::Unlink { from, slot } => state.objs[from].slots[slot] = None,
            Op::Root(i) => state.objs[i].rooted = true,
            Op::Unroot(i) => state.objs[i].rooted = false,
            Op::Minor | Op::Full => {
                let reach = state.reachable();
                for (o, r) in state.objs.iter_mut().zip(reach) {
                    o.usable = r || o.kind.permanent();
                }
            }
        }
        state
    }
}

/// The reference implementation and the ids it gave, in model order.
struct Sut {
    julia: Option<Julia<'static>>,
    ids: Vec<ObjId>,
}

impl Drop for Sut {
    fn drop(&mut self) {
        if let Some(j) = self.julia.take() {
            ARENAS.lock().unwrap().push(j.into_arena());
        }
    }
}

impl Sut {
    fn j(&mut self) -> &mut Julia<'static> {
        self.julia.as_mut().unwrap()
    }
}

fn cycles(j: &mut Julia<'_>) -> u64 {
    let mut n = 0;
    j.stats(&mut |s: Stat<'_>| {
        if s.name == "julia.cycles" {
            n = s.value
        }
    })
    .unwrap();
    n
}

fn apply_op(mut sut: Sut, model: &Model, op: Op) -> Sut {
    let before = cycles(sut.j());
    match op {
        Op::Alloc(kind) => {
            let mut params = Vec::new();
            let a = sut.j().alloc(&kind.spec(&mut params)).unwrap();
            sut.ids.push(a.id);
        }
        Op::Link { from, slot, to } => {
            let (f, t) = (sut.ids[from], sut.ids[to]);
            sut.j().link(f, slot as u32, Target::Object(t)).unwrap();
        }
        Op::Unlink { from, slot } => {
            let f = sut.ids[from];
            sut.j().link(f, slot as u32, Target::Empty).unwrap();
        }
        Op::Root(i) => {
            let id = sut.ids[i];
            sut.j().root(id).unwrap();
        }
        Op::Unroot(i) => {
            let id = sut.ids[i];
            sut.j().unroot(id).unwrap();
        }
        Op::Minor => {
            sut.j().collect_minor().unwrap();
        }
        Op::Full => {
            sut.j().collect_full().unwrap();
        }
    }
    let collected = matches!(op, Op::Minor | Op::Full);
    assert!(
        collected || cycles(sut.j()) == before,
        "{op:?} ran an automatic collection: the arena is too small for the model"
    );
    if collected {
        let reach = model.reachable();
        for (i, o) in model.objs.iter().enumerate() {
            let id = sut.ids[i];
            let live = sut.j().is_live(id).unwrap();
            if reach[i] {
                assert!(
                    live,
                    "after {op:?}: object {i} ({:?}) is reachable from a root but was freed",
                    o.kind
                );
            } else if matches!(op, Op::Full) && !o.kind.permanent() {
                assert!(
                    !live,
                    "after a full collection: object {i} ({:?}) is unreachable but live",
                    o.kind
                );
            }
        }
    }
    sut
}

/// The remembered-set invariant over every edge the model knows, and over each vector's edge to its
/// memory; and "remembered" is "gc bits GC_MARKED" between collections.
fn check(sut: &Sut, model: &Model) {
    let j = sut.julia.as_ref().unwrap();
    let edge = |p: Addr, c: Addr| {
        let (pg, cg) = (j.gc_bits(p).unwrap(), j.gc_bits(c).unwrap());
        let rem = j.is_remembered(p).unwrap();
        if let Err(v) = old_marked_points_at_marked(p.0, pg as u64, rem, c.0, cg as u64) {
            panic!("{v}");
        }
    };
    for i in model.usable() {
        let o = &model.objs[i];
        let value = Addr(j.address_of(sut.ids[i]).unwrap());
        let remembered = j.is_remembered(value).unwrap();
        let gc = j.gc_bits(value).unwrap() as u64;
        assert_eq!(
            remembered,
            gc == GC_MARKED,
            "object {i} ({:?}) gc {gc:02b}, remembered {remembered}",
            o.kind
        );
        // A vector's slots live in its memory, which is also the object the barrier looks at.
        let parent = match o.kind {
            Kind::Vector(_) => {
                let mem = Addr(j.word(value.plus(8)).unwrap());
                edge(value, mem);
                mem
            }
            _ => value,
        };
        for c in o.slots.iter().flatten() {
            edge(parent, Addr(j.address_of(sut.ids[*c]).unwrap()));
        }
    }
}

struct JuliaGraph;

impl StateMachineTest for JuliaGraph {
    type SystemUnderTest = Sut;
    type Reference = GraphModel;

    fn init_test(_: &Model) -> Sut {
        Sut {
            julia: Some(Julia::new(take_arena())),
            ids: Vec::new(),
        }
    }

    fn apply(sut: Sut, model: &Model, op: Op) -> Sut {
        apply_op(sut, model, op)
    }

    fn check_invariants(sut: &Sut, model: &Model) {
        check(sut, model);
    }
}

/// The same, with a mark stack and remembered sets of one entry each.
struct JuliaGraphTinyTables;

impl StateMachineTest for JuliaGraphTinyTables {
    type SystemUnderTest = Sut;
    type Reference = GraphModel;

    fn init_test(_: &Model) -> Sut {
        let tiny = Limits {
            remset_per_page: 0,
            mark_stack_per_page: 0,
            ..Limits::default()
        };
        Sut {
            julia: Some(Julia::with_limits(take_arena(), tiny)),
            ids: Vec::new(),
        }
    }

    fn apply(sut: Sut, model: &Model, op: Op) -> Sut {
        apply_op(sut, model, op)
    }

    fn check_invariants(sut: &Sut, model: &Model) {
        check(sut, model);
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_old_marked_object_points_at_an_unmarked_one_and_full_collections_free_the_unreachable(
        sequential 1..60 => JuliaGraph
    );

    #[test]
    fn the_collector_is_exact_with_one_entry_mark_stacks_and_remembered_sets(
        sequential 1..60 => JuliaGraphTinyTables
    );
}

//! The reference model's MicroPython collector: a state-machine model of the object graph, and the
//! collector's rules one by one.
//!
//! Rules and numbers come from `py/gc.c` (`gc_collect_root`, `gc_mark_subtree`,
//! `gc_deal_with_stack_overflow`, `gc_sweep_run_finalisers`, `gc_sweep_free_blocks`, `gc_alloc`,
//! `gc_lock`) and `py/modgc.c` (`gc.collect()`'s return value).

mod support;

use std::cell::RefCell;
use std::collections::BTreeSet;

use memspec::ProfileId;
use memspec::micropython::laws::collect_return_value;
use memspec::subject::{
    ErrorKind, GcOp, ObjId, ObjectSpec, Param, ParamValue, Subject, SubjectError, Target, stat,
};
use memspec_impl::micropython::MicroPython;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use support::{MICROPYTHON, int, started};

fn start<'a>(mem: &'a mut [u8], p: ProfileId, port: Option<&str>, options: &[Param<'_>]) -> MicroPython<'a> {
    let bytes = mem.len() as u64;
    started(MicroPython::new(mem), p, bytes, port, options).unwrap()
}

fn alloc(mp: &mut MicroPython<'_>, kind: &str, params: &[Param<'_>]) -> ObjId {
    mp.alloc(&ObjectSpec { kind, params }).unwrap().id
}

fn used(mp: &mut MicroPython<'_>) -> u64 {
    let mut v = 0;
    mp.stats(&mut |s| {
        if s.name == stat::USED {
            v = s.value
        }
    })
    .unwrap();
    v
}

// ---- the state machine ----

/// One object of the reference graph.
#[derive(Clone, Debug)]
struct Obj {
    /// What each slot refers to: another object by index, or nothing that keeps anything alive.
    slots: Vec<Option<usize>>,
    kind: ObjShape,
    alive: bool,
    rooted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjShape {
    Raw,
    List,
    Tuple,
}

/// The reference: objects, their edges, roots; after a collection exactly the objects reachable from a
/// root are alive.
#[derive(Clone, Debug)]
struct Graph {
    profile: usize,
    gc_stack: i128,
    objs: Vec<Obj>,
}

impl Graph {
    fn live(&self) -> impl Iterator<Item = usize> + '_ {
        self.objs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.alive)
            .map(|(i, _)| i)
    }

    fn reachable(&self) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<usize> = self.live().filter(|i| self.objs[*i].rooted).collect();
        while let Some(i) = todo.pop() {
            if seen.insert(i) {
                todo.extend(self.objs[i].slots.iter().flatten().copied());
            }
        }
        seen
    }
}

#[derive(Clone, Debug)]
enum Step {
    Alloc(ObjShape, usize),
    Link {
        from: usize,
        slot: usize,
        to: usize,
    },
    Interior {
        from: usize,
        slot: usize,
        to: usize,
        offset: u32,
    },
    Unlink {
        from: usize,
        slot: usize,
    },
    Root(usize),
    Unroot(usize),
    Collect,
}

struct GraphModel;

impl ReferenceStateMachine for GraphModel {
    type State = Graph;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Graph> {
        // A small mark stack in some runs, so that overflow and the ATB rescan are exercised.
        (0..MICROPYTHON.len(), prop_oneof![Just(64i128), 1i128..4])
            .prop_map(|(profile, gc_stack)| Graph {
                profile,
                gc_stack,
                objs: Vec::new(),
            })
            .boxed()
    }

    fn transitions(g: &Graph) -> BoxedStrategy<Step> {
        let shapes = prop_oneof![Just(ObjShape::Raw), Just(ObjShape::List), Just(ObjShape::Tuple)];
        let alloc = (shapes, 1usize..6).prop_map(|(k, n)| Step::Alloc(k, n));
        let live: Vec<usize> = g.live().collect();
        if live.is_empty() {
            return alloc.boxed();
        }
        let pick = proptest::sample::select(live.clone());
        let pick2 = proptest::sample::select(live);
        prop_oneof![
            3 => alloc,
            4 => (pick.clone(), 0usize..6, pick2.clone()).prop_map(|(from, slot, to)| Step::Link { from, slot, to }),
            1 => (pick.clone(), 0usize..6, pick2, 1u32..16).prop_map(|(from, slot, to, offset)| Step::Interior { from, slot, to, offset }),
            2 => (pick.clone(), 0usize..6).prop_map(|(from, slot)| Step::Unlink { from, slot }),
            2 => pick.clone().prop_map(Step::Root),
            1 => pick.prop_map(Step::Unroot),
            2 => Just(Step::Collect),
        ]
        .boxed()
    }

    fn preconditions(g: &Graph, s: &Step) -> bool {
        let ok = |i: &usize| g.objs.get(*i).is_some_and(|o| o.alive);
        match s {
            Step::Alloc(..) | Step::Collect => true,
            Step::Link { from, slot, to } | Step::Interior { from, slot, to, .. } => {
                ok(from) && ok(to) && *slot < g.objs[*from].slots.len()
            }
            Step::Unlink { from, slot } => ok(from) && *slot < g.objs[*from].slots.len(),
            Step::Root(i) => ok(i),
            Step::Unroot(i) => ok(i) && g.objs[*i].rooted,
        }
    }

    fn apply(mut g: Graph, s: &Step) -> Graph {
        match *s {
            Step::Alloc(kind, n) => g.objs.push(Obj {
                slots: vec![None; n],
                kind,
                alive: true,
                rooted: false,
            }),
            Step::Link { from, slot, to } => g.objs[from].slots[slot] = Some(to),
            // A pointer into an object keeps nothing alive (py/gc.c VERIFY_PTR, gc_mark_subtree: HEAD blocks only).
            Step::Interior { from, slot, .. } | Step::Unlink { from, slot } => {
                g.objs[from].slots[slot] = None
            }
            Step::Root(i) => g.objs[i].rooted = true,
            Step::Unroot(i) => g.objs[i].rooted = false,
            Step::Collect => {
                let keep = g.reachable();
                for (i, o) in g.objs.iter_mut().enumerate() {
                    o.alive = o.alive && keep.contains(&i);
                    if !o.alive {
                        o.rooted = false;
                    }
                }
            }
        }
        g
    }
}

thread_local! {
    /// One arena per test thread, reused from case to case (the subject borrows it for `'static`).
    static ARENAS: RefCell<Vec<&'static mut [u8]>> = const { RefCell::new(Vec::new()) };
}

const SM_ARENA_BYTES: usize = 64 * 1024;

struct Sut {
    mp: MicroPython<'static>,
    ids: Vec<ObjId>,
}

struct GraphTest;

impl StateMachineTest for GraphTest {
    type SystemUnderTest = Sut;
    type Reference = GraphModel;

    fn init_test(g: &Graph) -> Sut {
        let mem = ARENAS
            .with(|a| a.borrow_mut().pop())
            .unwrap_or_else(|| Box::leak(vec![0u8; SM_ARENA_BYTES].into_boxed_slice()));
        let opts = [int("gc_stack", g.gc_stack)];
        Sut {
            mp: start(mem, MICROPYTHON[g.profile], None, &opts),
            ids: Vec::new(),
        }
    }

    fn apply(mut sut: Sut, g: &Graph, s: Step) -> Sut {
        let mp = &mut sut.mp;
        match s {
            Step::Alloc(kind, n) => {
                let slots = n as i128;
                let word = mp.heap().unwrap().cfg.obj_bytes.get() as i128;
                let id = match kind {
                    ObjShape::Raw => alloc(mp, "raw", &[int("bytes", slots * word)]),
                    ObjShape::List => alloc(mp, "list", &[int("len", slots)]),
                    ObjShape::Tuple => alloc(mp, "tuple", &[int("len", slots)]),
                };
                sut.ids.push(id);
            }
            Step::Link { from, slot, to } => {
                let t = Target::Object(sut.ids[to]);
                mp.link(sut.ids[from], slot as u32, t).unwrap();
            }
            Step::Interior {
                from,
                slot,
                to,
                offset,
            } => {
                let t = Target::Interior(sut.ids[to], offset);
                mp.link(sut.ids[from], slot as u32, t).unwrap();
            }
            Step::Unlink { from, slot } => mp.link(sut.ids[from], slot as u32, Target::Empty).unwrap(),
            Step::Root(i) => mp.root(sut.ids[i]).unwrap(),
            Step::Unroot(i) => mp.unroot(sut.ids[i]).unwrap(),
            Step::Collect => {
                mp.collect().unwrap();
                for (i, o) in g.objs.iter().enumerate() {
                    let live = mp.is_live(sut.ids[i]).unwrap();
                    assert_eq!(
                        live,
                        o.alive,
                        "{}: object {i} ({:?}, rooted {}) is {} after collect; the graph says {}",
                        MICROPYTHON[g.profile].name(),
                        o.kind,
                        o.rooted,
                        if live { "live" } else { "freed" },
                        if o.alive { "reachable" } else { "unreachable" },
                    );
                }
            }
        }
        sut
    }

    fn check_invariants(sut: &Sut, g: &Graph) {
        // The heap's own accounting never drifts: used + free = pool (no split-heap growth here).
        let info = sut.mp.info().unwrap();
        assert_eq!(info.used + info.free, info.total, "{g:?}");
    }

    fn teardown(sut: Sut, _: Graph) {
        let mem = sut.mp.into_arena();
        ARENAS.with(|a| a.borrow_mut().push(mem));
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/micropython_gc.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn after_every_collect_exactly_the_reachable_objects_are_live(sequential 1..60 => GraphTest);
}

// ---- the collector's rules ----

#[test]
fn an_interior_pointer_keeps_nothing_alive() {
    // gc_mark_subtree marks only block-aligned words that point at a HEAD (VERIFY_PTR).
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let holder = alloc(&mut mp, "raw", &[int("bytes", 16)]);
    mp.root(holder).unwrap();
    // Into the HEAD block, and block-aligned into a TAIL block.
    for offset in [4, 16] {
        let big = alloc(&mut mp, "raw", &[int("bytes", 64)]);
        mp.link(holder, 0, Target::Interior(big, offset)).unwrap();
        mp.collect().unwrap();
        assert!(!mp.is_live(big).unwrap(), "offset {offset} kept the object");
    }
    let big = alloc(&mut mp, "raw", &[int("bytes", 64)]);
    mp.link(holder, 0, Target::Object(big)).unwrap();
    mp.collect().unwrap();
    assert!(mp.is_live(big).unwrap(), "an exact pointer keeps the object");
}

#[test]
fn every_word_of_the_whole_chain_is_scanned() {
    // gc_mark_subtree scans n_blocks * BYTES_PER_BLOCK / sizeof(void *) words, TAILs included.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let holder = alloc(&mut mp, "raw", &[int("bytes", 160)]);
    let child = alloc(&mut mp, "raw", &[int("bytes", 16)]);
    mp.root(holder).unwrap();
    // The last word of the tenth block.
    mp.link(holder, 39, Target::Object(child)).unwrap();
    mp.collect().unwrap();
    assert!(mp.is_live(child).unwrap());
}

#[test]
fn a_word_that_only_looks_like_a_pointer_keeps_its_target_alive() {
    // Conservative marking: a raw word equal to an object's address is a reference (py/gc.c
    // gc_mark_subtree scans every word of the chain).
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let holder = alloc(&mut mp, "bytearray", &[int("len", 0)]);
    let raw = alloc(&mut mp, "raw", &[int("bytes", 32)]);
    let target = mp
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 16)],
        })
        .unwrap();
    mp.root(raw).unwrap();
    mp.link(raw, 3, Target::Word(target.word)).unwrap();
    mp.collect().unwrap();
    assert!(mp.is_live(target.id).unwrap());
    assert!(!mp.is_live(holder).unwrap());
}

#[test]
fn a_mark_stack_overflow_is_recovered_by_rescanning_the_table() {
    // MICROPY_ALLOC_GC_STACK_SIZE = 64: a list of 100 fresh objects pushes 100 children; 36 overflow,
    // the flag is set and gc_deal_with_stack_overflow rescans the ATB for MARK blocks.
    let mut mem = vec![0u8; 32 * 1024];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let list = alloc(&mut mp, "list", &[int("len", 100)]);
    let mut kids = Vec::new();
    for slot in 0..100 {
        let k = alloc(&mut mp, "raw", &[int("bytes", 32)]);
        // Each child holds a grandchild, which is only found by scanning the child.
        let g = alloc(&mut mp, "raw", &[int("bytes", 16)]);
        mp.link(k, 0, Target::Object(g)).unwrap();
        mp.link(list, slot, Target::Object(k)).unwrap();
        kids.push((k, g));
    }
    mp.root(list).unwrap();
    let sweep = mp.collect_now().unwrap();
    assert!(sweep.rescans >= 1, "{sweep:?}");
    assert_eq!(sweep.freed_heads, 0, "{sweep:?}");
    for (k, g) in kids {
        assert!(mp.is_live(k).unwrap() && mp.is_live(g).unwrap());
    }
}

#[test]
fn a_finaliser_runs_exactly_once() {
    // gc_sweep_run_finalisers clears the FTB bit of each unmarked HEAD it finalises.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let kept = alloc(&mut mp, "raw", &[int("bytes", 16), int("finaliser", 1)]);
    alloc(&mut mp, "raw", &[int("bytes", 16), int("finaliser", 1)]);
    alloc(&mut mp, "raw", &[int("bytes", 16)]);
    mp.root(kept).unwrap();
    let first = mp.collect().unwrap();
    assert_eq!((first.freed_allocations, first.finalisers_run), (2, 1));
    let second = mp.collect().unwrap();
    assert_eq!((second.freed_allocations, second.finalisers_run), (0, 0));
    mp.unroot(kept).unwrap();
    let third = mp.collect().unwrap();
    assert_eq!((third.freed_allocations, third.finalisers_run), (1, 1));
}

#[test]
fn collect_returns_the_heads_freed_only_on_unix_and_windows() {
    // py/modgc.c: MP_OBJ_NEW_SMALL_INT(gc_collected) with MICROPY_PY_GC_COLLECT_RETVAL, set in
    // ports/unix/variants/mpconfigvariant_common.h and the windows port; None elsewhere.
    for (p, port, expect) in [
        (ProfileId::MicropythonA64, "unix", Some(3)),
        (ProfileId::MicropythonA64, "windows", Some(3)),
        (ProfileId::MicropythonA32, "unix", Some(3)),
        (ProfileId::MicropythonA32, "webassembly", None),
        (ProfileId::MicropythonA32, "esp32", None),
        (ProfileId::MicropythonC32, "bare-metal", None),
    ] {
        let mut mem = vec![0u8; 16 * 1024];
        let mut mp = start(&mut mem, p, Some(port), &[]);
        // A list is two allocations (struct and items), a raw one more: three HEADs.
        alloc(&mut mp, "list", &[int("len", 1)]);
        alloc(&mut mp, "raw", &[int("bytes", 100)]);
        let c = mp.collect().unwrap();
        assert_eq!(c.freed_allocations, 3, "{port}");
        assert_eq!(c.returned, expect, "{} on {port}", p.name());
        // The spec's law: the HEADs freed where the port returns a count, None elsewhere.
        collect_return_value(expect.is_some(), c.returned, c.freed_allocations).unwrap();
    }
}

#[test]
fn collect_runs_while_automatic_collection_is_disabled() {
    // MP-Y-11 and py/modgc.c: gc.disable() only clears gc_auto_collect_enabled.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, Some("unix"), &[]);
    alloc(&mut mp, "raw", &[int("bytes", 100)]);
    mp.gc_control(GcOp::Disable).unwrap();
    assert_eq!(mp.collect().unwrap().returned, Some(1));
}

#[test]
fn a_full_heap_collects_then_retries_unless_disabled() {
    // gc_alloc: no run found -> gc_collect() when auto collection is on -> search again.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, Some("unix"), &[]);
    let pool = mp.info().unwrap().total as i128;
    // Garbage filling the whole pool.
    alloc(&mut mp, "raw", &[int("bytes", pool)]);
    mp.gc_control(GcOp::Disable).unwrap();
    let e = mp
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 16)],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    assert!(e.detail.as_str().contains("allocating 16 bytes"), "{e}");
    mp.gc_control(GcOp::Enable).unwrap();
    let a = mp
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 16)],
        })
        .unwrap();
    assert_eq!(a.bytes, 16);
    assert_eq!(used(&mut mp), 16, "the collection freed the garbage");
}

#[test]
fn the_webassembly_port_does_not_collect_on_a_failed_allocation() {
    // ports/webassembly/main.c: gc_collect() only sets gc_collect_pending; the heap then tries to grow
    // by a new area (py/gc.c gc_try_add_heap), and with the whole arena given to the first area the
    // host memory has no room for one, so the allocation fails with nothing freed.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, Some("webassembly"), &[]);
    let pool = mp.info().unwrap().total as i128;
    alloc(&mut mp, "raw", &[int("bytes", pool)]);
    let e = mp
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 16)],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    assert!(e.detail.as_str().contains("no collection"), "{e}");
    assert!(e.detail.as_str().contains("no area was added"), "{e}");
    assert_eq!(used(&mut mp) as i128, pool, "nothing was freed");
}

#[test]
fn an_allocation_while_locked_fails_and_an_explicit_collect_still_runs() {
    // gc_alloc returns NULL while gc_lock_depth > 0 (m_malloc_fail: "heap is locked"); gc_collect has
    // no lock check, and gc_free does nothing while locked.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, Some("unix"), &[]);
    alloc(&mut mp, "raw", &[int("bytes", 16)]);
    mp.gc_control(GcOp::Lock).unwrap();
    mp.gc_control(GcOp::Lock).unwrap();
    let e = mp
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 16)],
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory);
    assert!(e.detail.as_str().contains("heap is locked"), "{e}");
    // A 0-byte request is answered before the lock is looked at.
    assert!(
        mp.alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 0)]
        })
        .is_ok()
    );
    assert_eq!(mp.collect().unwrap().returned, Some(1));
    mp.gc_control(GcOp::Unlock).unwrap();
    assert!(
        mp.alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 16)]
        })
        .is_err()
    );
    mp.gc_control(GcOp::Unlock).unwrap();
    assert!(
        mp.alloc(&ObjectSpec {
            kind: "raw",
            params: &[int("bytes", 16)]
        })
        .is_ok()
    );
}

#[test]
fn an_unlock_without_a_lock_is_an_error() {
    let mut mem = vec![0u8; 4096];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let e = mp.gc_control(GcOp::Unlock).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadArgument, "{e}");
}

#[test]
fn a_collection_inside_an_allocation_keeps_the_object_being_built() {
    // The engine finds a half-built object on the C stack; the model holds it as a root. A list whose
    // item array does not fit until the garbage is collected comes out whole.
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, Some("unix"), &[]);
    let pool = mp.info().unwrap().total as i128;
    // One free block left; then garbage in the rest.
    alloc(&mut mp, "raw", &[int("bytes", pool - 16)]);
    let list = mp
        .alloc(&ObjectSpec {
            kind: "list",
            params: &[int("len", 6)],
        })
        .unwrap();
    // struct 16 B + 6 items 24 B = 1 + 2 blocks.
    assert_eq!(list.bytes, 48);
    assert!(mp.is_live(list.id).unwrap());
    let items = mp.read_word(list.id, 3).unwrap();
    assert_ne!(items, 0);
    assert_eq!(used(&mut mp), 48);
}

#[test]
fn freed_ids_read_as_dead_and_unknown_ids_are_errors() {
    let mut mem = vec![0u8; 4096];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let a = alloc(&mut mp, "raw", &[int("bytes", 16)]);
    mp.collect().unwrap();
    assert!(!mp.is_live(a).unwrap());
    let e: SubjectError = mp.is_live(ObjId(99)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoSuchObject, "{e}");
    let e = mp.link(a, 0, Target::Empty).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoSuchObject, "{e}");
    let e = mp.root(a).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoSuchObject, "{e}");
}

#[test]
fn link_root_and_read_errors_say_what_is_wrong() {
    let mut mem = vec![0u8; 8192];
    let mut mp = start(&mut mem, ProfileId::MicropythonA32, None, &[]);
    let list = alloc(&mut mp, "list", &[int("len", 2)]);
    let s = alloc(
        &mut mp,
        "str",
        &[Param {
            name: "text",
            value: ParamValue::Text(b"some text"),
        }],
    );
    let small = alloc(&mut mp, "int", &[int("value", 7)]);
    for (what, r) in [
        ("slot past len", mp.link(list, 2, Target::Empty)),
        ("a str has no slots", mp.link(s, 0, Target::Empty)),
        ("an immediate has no memory", mp.link(small, 0, Target::Empty)),
        ("interior offset 0", mp.link(list, 0, Target::Interior(s, 0))),
        (
            "interior offset past the blocks",
            mp.link(list, 0, Target::Interior(s, 16)),
        ),
        (
            "interior pointer into an immediate",
            mp.link(list, 0, Target::Interior(small, 1)),
        ),
        (
            "a word wider than the value word",
            mp.link(list, 0, Target::Word(1 << 32)),
        ),
        ("unroot of no root", mp.unroot(list)),
    ] {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadArgument, "{what}: {e}");
    }
    for (what, r) in [
        ("negative index: no header", mp.read_word(list, -1)),
        ("past the blocks", mp.read_word(list, 4)),
        ("an immediate", mp.read_word(small, 0)),
    ] {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadArgument, "{what}: {e}");
    }
}

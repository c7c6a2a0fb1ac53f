//! `skybison64` collection and heap errors: after a scavenge the live graph is the reachable graph
//! of before, moved objects leave forwarding pointers, and bad requests get error values.
//!
//! The collector's behaviour comes from `runtime/scavenger.cpp` (`Scavenger::scavengePointer`,
//! `transport`, `processGrayObjectsIn`) and `runtime/objects.h` (`RawHeapObject::forwardTo`,
//! `isForwarding`) of facebookexperimental/skybison at 25b3046e; retrying an allocation after a
//! collection from `runtime/heap.h` `Heap::allocate` / `runtime/heap.cpp` `Heap::allocateRetry`.

mod support;

use memspec::ProfileId;
use memspec::skybison::laws;
use memspec::subject::{ErrorKind, HeapConfig, ObjId, ObjectSpec, Param, ParamValue, Subject, Target, stat};
use memspec_impl::reference::Reference;
use memspec_impl::skybison::heap::{Address, Heap};
use memspec_impl::skybison::scavenger::Scavenge;
use memspec_impl::skybison::{Error, Skybison, object};
use proptest::prelude::*;
use support::stat_of;

fn config(bytes: u64) -> HeapConfig<'static> {
    HeapConfig {
        arena_bytes: bytes,
        port: None,
        options: &[],
    }
}

fn started(arena: &mut [u8]) -> Skybison<'_> {
    let len = arena.len() as u64;
    let mut sb = Skybison::new(arena);
    sb.start(ProfileId::Skybison64, &config(len)).unwrap();
    sb
}

/// One object of a random graph.
#[derive(Clone, Debug)]
enum Node {
    Tuple(u8),
    Instance(u8),
    Float(f64),
    Text(Vec<u8>),
    Int(i128),
}

impl Node {
    fn slots(&self) -> u32 {
        match self {
            Node::Tuple(n) | Node::Instance(n) => u32::from(*n),
            _ => 0,
        }
    }

    fn alloc(&self, sb: &mut Skybison<'_>) -> memspec::subject::Allocation {
        let (kind, p): (&str, Vec<Param<'_>>) = match self {
            Node::Tuple(n) => (
                "tuple",
                vec![Param {
                    name: "len",
                    value: ParamValue::Int(i128::from(*n)),
                }],
            ),
            Node::Instance(n) => (
                "instance",
                vec![Param {
                    name: "attrs",
                    value: ParamValue::Int(i128::from(*n)),
                }],
            ),
            Node::Float(v) => (
                "float",
                vec![Param {
                    name: "value",
                    value: ParamValue::Float(*v),
                }],
            ),
            Node::Text(t) => (
                "str",
                vec![Param {
                    name: "text",
                    value: ParamValue::Text(t),
                }],
            ),
            Node::Int(v) => (
                "int",
                vec![Param {
                    name: "value",
                    value: ParamValue::Int(*v),
                }],
            ),
        };
        sb.alloc(&ObjectSpec { kind, params: &p }).unwrap()
    }
}

fn node() -> impl Strategy<Value = Node> {
    prop_oneof![
        (1u8..=4).prop_map(Node::Tuple),
        (0u8..=4).prop_map(Node::Instance),
        any::<f64>().prop_map(Node::Float),
        "[a-z]{8,30}".prop_map(|s| Node::Text(s.into_bytes())),
        prop_oneof![Just(1i128 << 62), Just(-(1i128 << 100)), any::<i128>()].prop_map(Node::Int),
    ]
}

#[derive(Clone, Debug)]
struct Graph {
    nodes: Vec<Node>,
    /// (from, slot, to)
    edges: Vec<(usize, u32, usize)>,
    roots: Vec<bool>,
}

fn graph() -> impl Strategy<Value = Graph> {
    proptest::collection::vec(node(), 1..40).prop_flat_map(|nodes| {
        let n = nodes.len();
        let slots: Vec<(usize, u32)> = nodes
            .iter()
            .enumerate()
            .flat_map(|(i, nd)| (0..nd.slots()).map(move |s| (i, s)))
            .collect();
        let edges = proptest::collection::vec((0..n, any::<bool>()), slots.len()).prop_map(move |targets| {
            slots
                .iter()
                .zip(targets)
                .filter(|(_, (_, keep))| *keep)
                .map(|((from, slot), (to, _))| (*from, *slot, to))
                .collect::<Vec<_>>()
        });
        (Just(nodes), edges, proptest::collection::vec(any::<bool>(), n))
            .prop_map(|(nodes, edges, roots)| Graph { nodes, edges, roots })
    })
}

fn reachable(g: &Graph) -> Vec<bool> {
    let mut seen = g.roots.clone();
    let mut work: Vec<usize> = (0..g.nodes.len()).filter(|i| seen[*i]).collect();
    while let Some(i) = work.pop() {
        for (from, _, to) in &g.edges {
            if *from == i && !seen[*to] {
                seen[*to] = true;
                work.push(*to);
            }
        }
    }
    seen
}

/// Checks that the live objects are exactly the reachable ones and hold what they held, with
/// every reference pointing at the target's new word.
fn check_isomorphic(sb: &mut Skybison<'_>, g: &Graph, ids: &[ObjId], before: &[Vec<u64>], alive: &[bool]) {
    let mut live_heap_objects = 0;
    let mut live_bytes = 0;
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            sb.is_live(*id).unwrap(),
            alive[i],
            "object {i} ({:?})",
            g.nodes[i]
        );
        let Some(word) = sb.word_of(*id) else { continue };
        if word & 7 != 1 {
            assert_eq!(word, before[i][0], "immediate object {i} changed");
            continue;
        }
        live_heap_objects += 1;
        let heap = sb.heap().unwrap();
        let obj = object::HeapObject::from_raw(word).unwrap();
        let shape = object::shape(heap, obj).unwrap();
        live_bytes += shape.size;
        laws::address_in_granule(obj.address.0, shape.header.has_overflow()).unwrap();
        // Header and payload words, slot by slot: links point at the target's new word.
        let words = before[i].len() - 1;
        for w in 0..words {
            let now = sb.read_word(*id, w as i32 - 1).unwrap();
            let link = g
                .edges
                .iter()
                .rev()
                .find(|(f, s, _)| *f == i && w >= 1 && *s as usize == w - 1);
            let expected = match link {
                Some((_, _, to)) => sb.word_of(ids[*to]).unwrap(),
                None => before[i][w + 1],
            };
            assert_eq!(
                now,
                expected,
                "object {i} word {} ({:?})",
                w as i32 - 1,
                g.nodes[i]
            );
        }
    }
    assert_eq!(
        stat_of(sb, stat::ALLOCATIONS),
        live_heap_objects,
        "nothing unreachable survives"
    );
    assert_eq!(stat_of(sb, stat::USED), live_bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn after_a_scavenge_the_live_graph_is_the_reachable_graph(g in graph()) {
        let mut arena = vec![0u8; 256 * 1024];
        let mut sb = started(&mut arena);
        let allocs: Vec<_> = g.nodes.iter().map(|n| n.alloc(&mut sb)).collect();
        let ids: Vec<ObjId> = allocs.iter().map(|a| a.id).collect();
        for (from, slot, to) in &g.edges {
            sb.link(ids[*from], *slot, Target::Object(ids[*to])).unwrap();
        }
        for (i, r) in g.roots.iter().enumerate() {
            if *r {
                sb.root(ids[i]).unwrap();
            }
        }
        // Before: the object's word, then its words from the header to the end of the allocation,
        // with links resolved later.
        let before: Vec<Vec<u64>> = allocs
            .iter()
            .map(|a| {
                let mut v = vec![a.word];
                if a.word & 7 == 1 {
                    let mut w = -1;
                    while let Ok(x) = sb.read_word(a.id, w) {
                        v.push(x);
                        w += 1;
                    }
                }
                v
            })
            .collect();
        let alive = reachable(&g);
        let heap_before = allocs.iter().filter(|a| a.word & 7 == 1).count() as u64;
        let dead_heap = allocs.iter().zip(&alive).filter(|(a, l)| a.word & 7 == 1 && !**l).count() as u64;
        let c = sb.collect().unwrap();
        prop_assert_eq!(c.freed_allocations, dead_heap);
        prop_assert!(stat_of(&mut sb, stat::ALLOCATIONS) == heap_before - dead_heap);
        // The old semispace still holds what the scavenge left there: forwarding pointers in the
        // header slots of moved objects, intact headers in those of dead ones.
        for (i, a) in allocs.iter().enumerate() {
            if a.word & 7 != 1 {
                continue;
            }
            let slot = sb.heap().unwrap().word(Address(a.word - 1 - 8)).unwrap();
            laws::forwarding(slot, alive[i]).unwrap();
            if alive[i] {
                prop_assert_eq!(Some(slot), sb.word_of(ids[i]));
            }
        }
        check_isomorphic(&mut sb, &g, &ids, &before, &alive);
        // A second scavenge moves everything back and changes nothing else.
        let c2 = sb.collect().unwrap();
        prop_assert_eq!(c2.freed_allocations, 0);
        check_isomorphic(&mut sb, &g, &ids, &before, &alive);
    }
}

#[test]
fn an_allocation_that_does_not_fit_collects_and_retries_once() {
    // Semispaces of 512 bytes hold 32 Floats of 16 bytes.
    let mut arena = vec![0u8; 1024];
    let mut sb = started(&mut arena);
    let float = [Param {
        name: "value",
        value: ParamValue::Float(2.5),
    }];
    let spec = ObjectSpec {
        kind: "float",
        params: &float,
    };
    let first: Vec<_> = (0..32).map(|_| sb.alloc(&spec).unwrap()).collect();
    assert_eq!(stat_of(&mut sb, stat::FREE), 0);
    // Nothing is rooted: the 33rd allocation collects all 32 and then fits.
    let a = sb.alloc(&spec).unwrap();
    assert!(first.iter().all(|f| !sb.is_live(f.id).unwrap()));
    assert_eq!(stat_of(&mut sb, "skybison.scavenges"), 1);
    assert_eq!(stat_of(&mut sb, stat::USED), 16);
    // Root everything: now the semispace is full of live objects and the heap is out of memory.
    sb.root(a.id).unwrap();
    for _ in 0..31 {
        let f = sb.alloc(&spec).unwrap();
        sb.root(f.id).unwrap();
    }
    let e = sb.alloc(&spec).unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
    assert!(
        e.detail.as_str().contains("16 bytes requested, 0 bytes left"),
        "{e}"
    );
    // More than a whole semispace never fits.
    let big = [Param {
        name: "bytes",
        value: ParamValue::Int(600),
    }];
    let e = sb
        .alloc(&ObjectSpec {
            kind: "raw",
            params: &big,
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::OutOfMemory, "{e}");
}

#[test]
fn an_arena_too_small_for_two_semispaces_is_refused() {
    let mut arena = vec![0u8; 31];
    assert!(matches!(
        Heap::new(&mut arena),
        Err(Error::ArenaTooSmall {
            bytes: 31,
            needed: 32
        })
    ));
    let mut arena = vec![0u8; 4096];
    let mut sb = Skybison::new(&mut arena);
    let e = sb.start(ProfileId::Skybison64, &config(16)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ArenaTooSmall, "{e}");
    let e = sb.start(ProfileId::Skybison64, &config(8192)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ArenaTooSmall, "{e}");
    // The arena survives the refusals.
    sb.start(ProfileId::Skybison64, &config(4096)).unwrap();
    assert_eq!(stat_of(&mut sb, stat::TOTAL), 2048);
    assert_eq!(sb.into_arena().len(), 4096);
}

#[test]
fn bad_requests_get_error_values() {
    let mut arena = vec![0u8; 8192];
    let mut sb = Skybison::new(&mut arena);
    let tuple2 = [Param {
        name: "len",
        value: ParamValue::Int(2),
    }];
    let spec = ObjectSpec {
        kind: "tuple",
        params: &tuple2,
    };
    assert_eq!(
        sb.alloc(&spec).unwrap_err().kind,
        ErrorKind::BadArgument,
        "before start"
    );
    sb.start(ProfileId::Skybison64, &config(8192)).unwrap();
    let t = sb.alloc(&spec).unwrap();
    let f = sb
        .alloc(&ObjectSpec {
            kind: "float",
            params: &[Param {
                name: "value",
                value: ParamValue::Float(1.0),
            }],
        })
        .unwrap();
    let s = sb
        .alloc(&ObjectSpec {
            kind: "str",
            params: &[Param {
                name: "text",
                value: ParamValue::Text(b"abc"),
            }],
        })
        .unwrap();

    let kind = |r: Result<(), memspec::subject::SubjectError>| r.unwrap_err().kind;
    assert_eq!(
        kind(sb.link(t.id, 2, Target::Object(f.id))),
        ErrorKind::BadArgument,
        "slot past the tuple"
    );
    assert_eq!(
        kind(sb.link(f.id, 0, Target::Object(t.id))),
        ErrorKind::BadArgument,
        "data-format object"
    );
    assert_eq!(
        kind(sb.link(t.id, 0, Target::Interior(f.id, 8))),
        ErrorKind::BadArgument,
        "interior pointer"
    );
    assert_eq!(
        kind(sb.link(t.id, 0, Target::Word(0x1009))),
        ErrorKind::BadArgument,
        "pointer to no object"
    );
    assert_eq!(
        kind(sb.link(t.id, 0, Target::Word(f.word + 16))),
        ErrorKind::BadArgument,
        "pointer past an object"
    );
    assert_eq!(
        kind(sb.link(ObjId(99), 0, Target::Empty)),
        ErrorKind::NoSuchObject
    );
    sb.link(t.id, 0, Target::Word(f.word)).unwrap();
    sb.link(t.id, 1, Target::Word(0x15)).unwrap();
    assert_eq!(sb.read_word(t.id, 1).unwrap(), 0x15);
    assert_eq!(
        sb.read_word(s.id, 0).unwrap_err().kind,
        ErrorKind::BadArgument,
        "an immediate has no heap words"
    );
    assert_eq!(
        sb.read_word(t.id, -2).unwrap_err().kind,
        ErrorKind::BadArgument,
        "before the header"
    );

    for (kind, p, expected) in [
        ("list", vec![], ErrorKind::UnknownKind),
        (
            "tuple",
            vec![Param {
                name: "len",
                value: ParamValue::Int(-1),
            }],
            ErrorKind::BadArgument,
        ),
        (
            "tuple",
            vec![Param {
                name: "size",
                value: ParamValue::Int(1),
            }],
            ErrorKind::BadArgument,
        ),
        (
            "tuple",
            vec![Param {
                name: "len",
                value: ParamValue::Int(1 << 62),
            }],
            ErrorKind::TooLarge,
        ),
        (
            "tuple",
            vec![Param {
                name: "len",
                value: ParamValue::Int(1 << 40),
            }],
            ErrorKind::OutOfMemory,
        ),
        (
            "mutable-tuple",
            vec![Param {
                name: "len",
                value: ParamValue::Int(0),
            }],
            ErrorKind::BadArgument,
        ),
        (
            "str",
            vec![Param {
                name: "text",
                value: ParamValue::Text(&[0xC3, 0x28, 1, 2, 3, 4, 5, 6, 7]),
            }],
            ErrorKind::BadArgument,
        ),
        ("str", vec![], ErrorKind::BadArgument),
        (
            "instance",
            vec![
                Param {
                    name: "attrs",
                    value: ParamValue::Int(1),
                },
                Param {
                    name: "layout",
                    value: ParamValue::Int(43),
                },
            ],
            ErrorKind::BadArgument,
        ),
        (
            "instance",
            vec![
                Param {
                    name: "attrs",
                    value: ParamValue::Int(1),
                },
                Param {
                    name: "layout",
                    value: ParamValue::Int(1 << 20),
                },
            ],
            ErrorKind::BadArgument,
        ),
        ("raw", vec![], ErrorKind::BadArgument),
    ] {
        assert_eq!(sb_alloc_err(&mut sb, kind, &p), expected, "{kind} {p:?}");
    }
}

fn sb_alloc_err(sb: &mut Skybison<'_>, kind: &str, p: &[Param<'_>]) -> ErrorKind {
    sb.alloc(&ObjectSpec { kind, params: p }).unwrap_err().kind
}

#[test]
fn a_root_that_points_at_no_object_stops_the_scavenge_with_an_error() {
    let mut arena = vec![0u8; 4096];
    let mut heap = Heap::new(&mut arena).unwrap();
    let f = object::new_float(&mut heap, 1.0).unwrap();
    let mut gc = Scavenge::begin(&mut heap).unwrap();
    let mut past_fill = f.raw() + 64;
    assert!(matches!(gc.visit(&mut past_fill), Err(Error::BadPointer { .. })));
    let mut other_space = 3000 + 1;
    assert!(matches!(
        gc.visit(&mut other_space),
        Err(Error::BadPointer { .. })
    ));
}

#[test]
fn the_reference_subject_runs_skybison_cases_and_keeps_the_arena_across_profiles() {
    let mut arena = vec![0u8; 4096];
    let mut r = Reference::new(&mut arena);
    assert!(r.supports(ProfileId::Skybison64));
    r.start(ProfileId::Skybison64, &config(4096)).unwrap();
    let a = r
        .alloc(&ObjectSpec {
            kind: "float",
            params: &[Param {
                name: "value",
                value: ParamValue::Float(0.5),
            }],
        })
        .unwrap();
    assert_eq!(a.bytes, 16);
    r.root(a.id).unwrap();
    r.collect().unwrap();
    assert_eq!(r.read_word(a.id, 0).unwrap(), 0.5f64.to_bits());
    // Another engine's case takes the same arena, then hands it back.
    r.start(ProfileId::MicropythonA32, &config(4096)).unwrap();
    r.start(ProfileId::Skybison64, &config(4096)).unwrap();
    assert!(r.is_live(a.id).is_err(), "a new case starts with no objects");
}

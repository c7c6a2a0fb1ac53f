//! Plans and records: what is written reads back the same, and damaged payloads are errors, never
//! panics.

use memspec::ProfileId;
use memspec::law::Violation;
use memspec::step::{Outcome, Step, StepTarget, Var};
use memspec::subject::{
    Allocation, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, InlineBytes, ObjId, ObjectSpec,
    Param, ParamValue, Stat, SubjectError, Value,
};
use memspec::{TagClass, fact::Unit};
use memspec_vector::FORMAT_VERSION;
use memspec_vector::plan::{self, Down};
use memspec_vector::record::{self, DecodedView, OutcomeView, Record, VectorEnd};
use memspec_vector::wire::{DecodeErrorKind, Reader, Writer};

const OPTIONS: [Param<'static>; 2] = [
    Param {
        name: "gc-block-bytes",
        value: ParamValue::Int(16),
    },
    Param {
        name: "label",
        value: ParamValue::Text(b"\xde\xad\xbe\xef"),
    },
];

const ARGS: [Param<'static>; 3] = [
    Param {
        name: "len",
        value: ParamValue::Int(-0x1234_5678_9abc_def0_1234_5678),
    },
    Param {
        name: "value",
        value: ParamValue::Float(2.5),
    },
    Param {
        name: "text",
        value: ParamValue::Text(b"abc"),
    },
];

/// One step of every kind, with recognisable values.
fn every_step() -> Vec<Step<'static>> {
    vec![
        Step::Start {
            profile: ProfileId::MicropythonA32,
            config: HeapConfig {
                arena_bytes: 0x1_0000,
                port: Some("esp32"),
                options: &OPTIONS,
            },
        },
        Step::Start {
            profile: ProfileId::Julia64,
            config: HeapConfig {
                arena_bytes: 0,
                port: None,
                options: &[],
            },
        },
        Step::Encode(Value::Int(i64::MIN)),
        Step::Encode(Value::Int(0x3fff_ffff)),
        Step::Encode(Value::Float(-0.0)),
        Step::Encode(Value::Qstr(u64::MAX)),
        Step::Encode(Value::Str(b"hello")),
        Step::Encode(Value::Bytes(b"\x00\xff")),
        Step::Encode(Value::Bool(true)),
        Step::Encode(Value::Named("NotImplemented")),
        Step::Encode(Value::Error(0xA5)),
        Step::Decode(0xdead_beef_cafe_f00d),
        Step::Alloc {
            var: Var(63),
            spec: ObjectSpec {
                kind: "bytearray",
                params: &ARGS,
            },
        },
        Step::Link {
            from: Var(1),
            slot: 7,
            target: StepTarget::Object(Var(2)),
        },
        Step::Link {
            from: Var(1),
            slot: 0,
            target: StepTarget::Interior(Var(3), 12),
        },
        Step::Link {
            from: Var(1),
            slot: u32::MAX,
            target: StepTarget::Word(0x5555_5555),
        },
        Step::Link {
            from: Var(0),
            slot: 1,
            target: StepTarget::Empty,
        },
        Step::Root(Var(4)),
        Step::Unroot(Var(u16::MAX)),
        Step::Collect,
        Step::Stats,
        Step::HeapMap,
        Step::IsLive(Var(5)),
        Step::Gc(GcOp::Lock),
        Step::Gc(GcOp::Unlock),
        Step::Gc(GcOp::Disable),
        Step::Gc(GcOp::Enable),
        Step::ReadWord(Var(6), -1),
        Step::ReadWord(Var(6), i32::MAX),
    ]
}

fn vector_bytes(steps: &[Step<'_>]) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut w = Writer::new(&mut buf);
    plan::write_vector(&mut w, 0x0102_0304, "suite::case", steps).unwrap();
    w.written().to_vec()
}

/// Reads every step of a vector record, `Debug`-printed (steps borrow their decode buffer).
fn read_steps(bytes: &[u8]) -> Result<Vec<String>, String> {
    let Down::Vector(mut v) = plan::read_down(bytes).map_err(|e| e.to_string())? else {
        return Err("not a vector".into());
    };
    let mut params = plan::param_buf();
    let mut out = Vec::new();
    while let Some(s) = v.next_step(&mut params) {
        out.push(format!("{:?}", s.map_err(|e| e.to_string())?.1));
    }
    Ok(out)
}

#[test]
fn every_step_reads_back_as_written() {
    let steps = every_step();
    let bytes = vector_bytes(&steps);
    let Down::Vector(mut v) = plan::read_down(&bytes).unwrap() else {
        panic!("not a vector")
    };
    assert_eq!(
        (v.id, v.name, v.steps as usize),
        (0x0102_0304, "suite::case", steps.len())
    );
    let mut params = plan::param_buf();
    for (i, want) in steps.iter().enumerate() {
        let (index, got) = v.next_step(&mut params).expect("a step").expect("decodes");
        assert_eq!(index as usize, i);
        // -0.0 == 0.0 for floats: compare the printed forms, which keep the sign.
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "step {i}");
    }
    assert!(v.next_step(&mut params).is_none());
}

#[test]
fn every_cut_of_a_vector_is_an_error_not_a_panic() {
    let bytes = vector_bytes(&every_step());
    for n in 0..bytes.len() {
        assert!(
            read_steps(&bytes[..n]).is_err(),
            "{n} of {} bytes read as whole",
            bytes.len()
        );
    }
}

#[test]
fn every_single_byte_change_is_caught_or_read_without_panic() {
    let bytes = vector_bytes(&every_step());
    for i in 0..bytes.len() {
        for flip in [0x01, 0x80, 0xFF] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            // Either an error or some plan: what matters is that nothing panics.
            let _ = read_steps(&b);
        }
    }
}

#[test]
fn bytes_after_the_last_step_are_an_error() {
    let mut bytes = vector_bytes(&[Step::Collect]);
    bytes.push(0x07);
    let e = read_steps(&bytes).unwrap_err();
    assert!(e.contains("bytes left after the last step"), "{e}");
}

#[test]
fn an_unknown_step_tag_names_the_tag_and_the_offset() {
    let mut bytes = vector_bytes(&[Step::Collect]);
    let last = bytes.len() - 1;
    bytes[last] = 0x7F;
    let e = read_steps(&bytes).unwrap_err();
    assert_eq!(e, format!("step tag has unknown tag 0x7f (payload byte {last})"));
}

#[test]
fn an_unknown_profile_name_is_an_error() {
    let mut bytes = vector_bytes(&[Step::Start {
        profile: ProfileId::Microvium,
        config: HeapConfig {
            arena_bytes: 1,
            port: None,
            options: &[],
        },
    }]);
    let at = bytes.windows(9).position(|w| w == b"microvium").unwrap();
    bytes[at] = b'X';
    let e = read_steps(&bytes).unwrap_err();
    assert!(e.starts_with("profile names nothing this build knows"), "{e}");
}

#[test]
fn a_set_of_another_version_is_refused() {
    let mut buf = [0u8; 16];
    let mut w = Writer::new(&mut buf);
    plan::write_set(&mut w, 3).unwrap();
    let mut bytes = w.written().to_vec();
    assert_eq!(bytes, [plan::TAG_SET, FORMAT_VERSION as u8, 3]);
    bytes[1] = FORMAT_VERSION as u8 + 1;
    let e = plan::read_down(&bytes).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::Version(FORMAT_VERSION + 1));
}

#[test]
fn varints_round_trip_at_their_edges_and_overlong_ones_are_refused() {
    for v in [0u128, 1, 127, 128, u64::MAX as u128, u128::MAX] {
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        w.uvar(v).unwrap();
        let n = w.written().len();
        assert_eq!(Reader::new(&buf[..n]).uvar("v").unwrap(), v);
    }
    for v in [0i128, -1, 1, i64::MIN as i128, i128::MIN, i128::MAX] {
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        w.ivar(v).unwrap();
        let n = w.written().len();
        assert_eq!(Reader::new(&buf[..n]).ivar("v").unwrap(), v);
    }
    // Nineteen continuation bytes then a final one: 140 bits, more than 128.
    let mut long = [0xFFu8; 20];
    long[19] = 0x01;
    let e = Reader::new(&long).uvar("count").unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::Overflow);
    // A value that fits u128 but not the u16 field it is read into.
    let e = Reader::new(&[0x80, 0x80, 0x04]).uint::<u16>("steps").unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::Overflow);
}

#[test]
fn a_writer_that_runs_out_of_room_says_so() {
    let mut buf = [0u8; 4];
    let mut w = Writer::new(&mut buf);
    assert!(w.str("too long for four bytes").is_err());
}

fn write(f: impl FnOnce(&mut Writer<'_>) -> Result<(), memspec_vector::wire::Full>) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut w = Writer::new(&mut buf);
    f(&mut w).unwrap();
    w.written().to_vec()
}

#[test]
fn every_record_reads_back_and_prints_what_it_holds() {
    let inline = InlineBytes::new(b"hi").unwrap();
    let cases: Vec<(Vec<u8>, Record<'_>, &str)> = vec![
        (
            write(|w| record::write_hello(w, "qemu-virt", 131072, 64)),
            Record::Hello {
                version: FORMAT_VERSION,
                firmware: "qemu-virt",
                arena_bytes: 131072,
                max_vars: 64,
            },
            "hello from qemu-virt: format 1, arena 131072 bytes, 64 variables",
        ),
        (
            write(|w| record::write_begin(w, 9)),
            Record::Begin { vector: 9 },
            "vector 9 begins",
        ),
        (
            write(|w| {
                record::write_step(
                    w,
                    2,
                    &Ok(Outcome::Encoded(Encoded {
                        word: 0x8000_0001,
                        class: TagClass::SmallInt,
                    })),
                )
            }),
            Record::Step {
                step: 2,
                result: Ok(OutcomeView::Encoded {
                    word: 0x8000_0001,
                    class: TagClass::SmallInt,
                }),
            },
            "step 2: word 0x0000000080000001 (small-int)",
        ),
        (
            write(|w| {
                record::write_step(
                    w,
                    3,
                    &Ok(Outcome::Decoded(TagClass::SmallStr, Decoded::Str(inline))),
                )
            }),
            Record::Step {
                step: 3,
                result: Ok(OutcomeView::Decoded(TagClass::SmallStr, DecodedView::Str(b"hi"))),
            },
            "step 3: small-str (str \"hi\")",
        ),
        (
            write(|w| {
                record::write_step(
                    w,
                    4,
                    &Ok(Outcome::Allocated(Allocation {
                        id: ObjId(5),
                        word: 0x3fc8_1230,
                        bytes: 32,
                    })),
                )
            }),
            Record::Step {
                step: 4,
                result: Ok(OutcomeView::Allocated {
                    id: 5,
                    word: 0x3fc8_1230,
                    bytes: 32,
                }),
            },
            "step 4: object #5 word 0x000000003fc81230 taking 32 bytes",
        ),
        (
            write(|w| {
                record::write_step(
                    w,
                    5,
                    &Ok(Outcome::Collected(Collection {
                        freed_allocations: 3,
                        freed_bytes: 48,
                        returned: Some(-1),
                        finalisers_run: 0,
                    })),
                )
            }),
            Record::Step {
                step: 5,
                result: Ok(OutcomeView::Collected {
                    freed_allocations: 3,
                    freed_bytes: 48,
                    returned: Some(-1),
                    finalisers_run: 0,
                }),
            },
            "step 5: collected: 3 allocations, 48 bytes freed, 0 finalisers run, returned -1",
        ),
        (
            write(|w| record::write_step(w, 6, &Ok(Outcome::Live(false)))),
            Record::Step {
                step: 6,
                result: Ok(OutcomeView::Live(false)),
            },
            "step 6: dead",
        ),
        (
            write(|w| record::write_step(w, 7, &Ok(Outcome::Word(0xAAAA)))),
            Record::Step {
                step: 7,
                result: Ok(OutcomeView::Word(0xAAAA)),
            },
            "step 7: word 0x000000000000aaaa",
        ),
        (
            write(|w| record::write_step(w, 8, &Ok(Outcome::Done))),
            Record::Step {
                step: 8,
                result: Ok(OutcomeView::Done),
            },
            "step 8: done",
        ),
        (
            write(|w| {
                record::write_step(
                    w,
                    9,
                    &Err(SubjectError::new(
                        ErrorKind::OutOfMemory,
                        format_args!("no 17 free blocks"),
                    )),
                )
            }),
            Record::Step {
                step: 9,
                result: Err((ErrorKind::OutOfMemory, "no 17 free blocks")),
            },
            "step 9: error out-of-memory: no 17 free blocks",
        ),
        (
            write(|w| {
                record::write_stat(
                    w,
                    10,
                    &Stat {
                        name: "heap.used",
                        unit: Unit::Bytes,
                        value: 4096,
                    },
                )
            }),
            Record::Stat {
                step: 10,
                name: "heap.used",
                unit: "bytes",
                value: 4096,
            },
            "step 10: heap.used = 4096 bytes",
        ),
        (
            write(|w| record::write_text(w, 11, b"GC: total: 8000")),
            Record::Text {
                step: 11,
                text: b"GC: total: 8000",
            },
            "step 11: text \"GC: total: 8000\"",
        ),
        (
            write(|w| {
                record::write_law(
                    w,
                    12,
                    &Violation::new("used-plus-free-is-pool", format_args!("used 1 + free 2 = 3")),
                )
            }),
            Record::Law {
                step: 12,
                law: "used-plus-free-is-pool",
                message: "used 1 + free 2 = 3",
            },
            "step 12: law `used-plus-free-is-pool` broken: used 1 + free 2 = 3",
        ),
        (
            write(|w| {
                record::write_end(
                    w,
                    &VectorEnd {
                        vector: 9,
                        steps: 13,
                        laws_checked: 20,
                        laws_broken: 1,
                    },
                )
            }),
            Record::End(VectorEnd {
                vector: 9,
                steps: 13,
                laws_checked: 20,
                laws_broken: 1,
            }),
            "vector 9 ends after 13 steps, 20 law checks, 1 broken",
        ),
        (
            write(|w| record::write_rejected(w, Some(4), format_args!("bad step"))),
            Record::Rejected {
                vector: Some(4),
                reason: "bad step",
            },
            "vector 4 rejected: bad step",
        ),
        (
            write(|w| record::write_done(w, 144, 0)),
            Record::Done {
                vectors: 144,
                rejected: 0,
            },
            "done: 144 vectors replayed, 0 rejected",
        ),
    ];
    for (bytes, want, text) in &cases {
        let got = Record::read(bytes).unwrap_or_else(|e| panic!("{want:?}: {e}"));
        assert_eq!(&got, want);
        assert_eq!(got.to_string(), *text);
        for n in 0..bytes.len() {
            assert!(
                Record::read(&bytes[..n]).is_err(),
                "{n}-byte cut of {want:?} read as whole"
            );
        }
    }
}

#[test]
fn a_record_with_an_unknown_error_kind_is_refused() {
    let bytes = write(|w| {
        record::write_step(
            w,
            0,
            &Err(SubjectError::new(ErrorKind::Engine, format_args!("x"))),
        )
    });
    let at = bytes.windows(6).position(|w| w == b"engine").unwrap();
    let mut b = bytes.clone();
    b[at] = b'E';
    let e = Record::read(&b).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::UnknownName);
    assert_eq!(e.field, "error kind");
}

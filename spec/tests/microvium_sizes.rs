//! Predicted heap bytes against the engine's: every entry of the profile's size tables (each measured
//! with `node engines/microvium/measure.mjs sizes`, or `bugs` for the interned string) built in the
//! model, before and after a squeeze collection, and the size table as a golden.

mod support;

use std::fmt::Write;

use memspec::microvium::PROFILE;
use memspec::microvium::sizes::{SIZES, SIZES_COLLECTED};
use memspec::subject::Subject;
use support::microvium::{alloc, arena, start};

#[test]
fn each_kind_takes_the_measured_heap_bytes_as_built() {
    let mut failures = Vec::new();
    for e in &SIZES {
        let mut arena = arena();
        let mut m = start(&mut arena, None, "");
        let a = alloc(&mut m, e.kind, e.args);
        let mut allocations = 0;
        m.for_each_allocation(&mut |_| allocations += 1).expect("walk");
        if a.bytes != e.bytes || allocations != e.allocations {
            failures.push(format!(
                "{} {}: model {} bytes in {allocations} allocations, measured {} in {} ({}; {})",
                e.kind, e.args, a.bytes, e.bytes, e.allocations, e.formula, e.source
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn each_kind_takes_the_measured_heap_bytes_after_a_squeeze_collection() {
    let mut failures = Vec::new();
    for e in &SIZES_COLLECTED {
        let mut arena = arena();
        let mut m = start(&mut arena, None, "");
        let a = alloc(&mut m, e.kind, e.args);
        m.root(a.id).expect("root");
        m.collect().expect("collect");
        let used = m.heap_used().expect("used") as u64;
        let mut allocations = 0;
        m.for_each_allocation(&mut |_| allocations += 1).expect("walk");
        if used != e.bytes || allocations != e.allocations {
            failures.push(format!(
                "{} {}: model {used} bytes in {allocations} allocations after collection, measured {} in {} ({})",
                e.kind, e.args, e.bytes, e.allocations, e.source
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_profile_publishes_the_as_built_table() {
    assert_eq!(PROFILE.sizes.len(), SIZES.len());
}

#[test]
fn the_size_table_lists_each_kind_before_and_after_collection() {
    let mut out = String::new();
    writeln!(out, "as built (measure.mjs sizes):").unwrap();
    for e in PROFILE.sizes {
        writeln!(
            out,
            "{:<11} {:<27} {:>5} B {:>2} alloc  {}",
            e.kind, e.args, e.bytes, e.allocations, e.formula
        )
        .unwrap();
    }
    writeln!(out, "after runGC(true):").unwrap();
    for e in &SIZES_COLLECTED {
        writeln!(
            out,
            "{:<11} {:<27} {:>5} B {:>2} alloc  {}",
            e.kind, e.args, e.bytes, e.allocations, e.formula
        )
        .unwrap();
    }
    insta::assert_snapshot!("microvium_size_table", out);
}

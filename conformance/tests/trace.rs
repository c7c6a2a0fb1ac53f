//! `memspec run --trace DIR --diff-against ref` on the example adapter with an injected bug: the trace
//! holds the trial's exchanges, and the first answer unlike the reference's is the buggy one.

use std::path::Path;
use std::process::Command;

#[test]
fn a_small_int_shift_one_bit_too_wide_is_the_first_answer_unlike_the_references() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let toy =
        std::fs::read_to_string(here.join("examples/python/memspec_toy.py")).expect("the example adapter");
    let right = "return ((v << 1) | 1) & 0xFFFFFFFF, \"small-int\"";
    assert!(
        toy.contains(right),
        "the adapter encodes small ints as the test expects"
    );
    let dir = tempfile::tempdir().expect("a scratch folder");
    let buggy = dir.path().join("toy_bug.py");
    std::fs::write(
        &buggy,
        toy.replace(right, "return ((v << 2) | 1) & 0xFFFFFFFF, \"small-int\""),
    )
    .unwrap();
    let traces = dir.path().join("tr");
    let out = Command::new(env!("CARGO_BIN_EXE_memspec"))
        .args(["run", "--subject", "process", "--command"])
        .arg(format!("python3 {}", buggy.display()))
        .args([
            "--profile",
            "micropython-a32",
            "--exact",
            "process/micropython-a32/encoding::small_int_range",
        ])
        .arg("--trace")
        .arg(&traces)
        .args(["--diff-against", "ref"])
        .output()
        .expect("memspec runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "the trial fails:\n{stdout}");
    let trace = traces.join("process/micropython-a32/encoding/small_int_range.jsonl");
    let lines = std::fs::read_to_string(&trace).expect("the trace was written");
    assert!(
        lines
            .lines()
            .next()
            .is_some_and(|l| l.contains("\"op\":\"start\"")),
        "{lines}"
    );
    let want = "  request 1 differs:\n    asked     {\"op\":\"encode\",\"value\":{\"int\":1073741823}}\n    \
                subject   {\"ok\":{\"class\":\"small-int\",\"word\":\"0xfffffffd\"}}\n    \
                reference {\"ok\":{\"class\":\"small-int\",\"word\":\"0x7fffffff\"}}";
    assert!(stdout.contains(want), "{stdout}");
}

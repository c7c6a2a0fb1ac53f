//! The `memspec-hil` command line: bad input is a clear error with exit code 2.

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_memspec-hil"))
        .args(args)
        .output()
        .expect("memspec-hil runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_arguments_are_refused_with_exit_code_2_and_the_reason() {
    let cases: [(&[&str], &str); 7] = [
        (&["frobnicate"], "unknown command `frobnicate`"),
        (&["qemu", "--elf"], "--elf needs a value"),
        (
            &["qemu", "--elf", "x", "--timeout", "-1"],
            "--timeout takes a positive number of seconds, got `-1`",
        ),
        (
            &["board", "--repeat", "0"],
            "--repeat takes a positive count, got `0`",
        ),
        (&["qemu", "--bogus"], "unknown option `--bogus`"),
        (&["qemu", "one", "two"], "give at most one filter"),
        (&["qemu"], "qemu needs --elf"),
    ];
    for (args, want) in cases {
        let (code, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: expected {want:?} in {err:?}");
    }
}

#[test]
fn a_filter_that_matches_nothing_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = dir.join("v.bin");
    let (code, err) = run(&["vectors", "--out", out.to_str().unwrap(), "no-such-vector"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("the filter `no-such-vector` matches no vector"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_saved_set_that_is_damaged_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let set = dir.join("set.bin");
    std::fs::write(&set, b"not a vector set").unwrap();
    let (code, err) = run(&["qemu", "--elf", "unused", "--set", set.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("the set file is damaged: 16 bytes of bytes outside any frame"),
        "{err}"
    );
}

#[test]
fn the_board_command_says_why_it_cannot_run() {
    let (code, err) = run(&["board", "--chip", "esp32c3", "--elf", "x"]);
    assert_eq!(code, Some(2));
    // Built without probe-rs it names the way to get it; with it, on a machine without a probe
    // (CI), it names the missing probe.
    let want = if cfg!(feature = "board") {
        "no debug probe found"
    } else {
        "cargo xtask hil"
    };
    assert!(err.contains(want), "{err}");
}

//! The HTML report in a browser: `cargo xtask test` writes the report of the default run, opens it in
//! headless Chromium (Debian's `chromium`), checks that the page's script ran and its matrix and
//! ledger are in the rendered page, and keeps a screenshot as part of the test output.

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::{Result, in_ci, install, step, workspace_root};

/// The browser, from Debian's `chromium` package.
pub const CHROMIUM: &str = "chromium";

/// Where the report and its screenshot are written, under the workspace root.
const OUT_DIR: &str = "target/memspec-html";

/// Whether `chromium` is on the `PATH`.
fn chromium_present() -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(CHROMIUM).is_file()))
}

/// Installs Debian's `chromium` when it is missing; with `CI=true` a failed install is an error.
pub fn install(sh: &Shell) -> Result {
    if chromium_present() {
        return Ok(());
    }
    let how = "apt-get install --no-install-recommends chromium (as root, or with sudo)";
    if !Path::new("/usr/bin/apt-get").exists() {
        return install::unavailable("chromium is missing and this is no Debian system", how);
    }
    step("installing chromium (to check the HTML report in a browser)");
    match install::apt_install(sh, "chromium") {
        Ok(()) if chromium_present() => Ok(()),
        Ok(()) => install::unavailable("chromium is installed but not on the PATH", how),
        Err(e) => install::unavailable(&format!("installing chromium failed ({e})"), how),
    }
}

/// Writes the HTML report of the default run, renders it in headless Chromium, checks the rendered
/// page, and writes `target/memspec-html/report.png`.
pub fn check(sh: &Shell) -> Result {
    step("the HTML report, rendered in headless Chromium, with a screenshot");
    if !chromium_present() {
        let why = "chromium is missing, so the HTML report is not checked in a browser";
        if in_ci() {
            return Err(format!("{why}; CI needs it: cargo xtask install").into());
        }
        println!("xtask: skipping: {why}; install it with: cargo xtask install");
        return Ok(());
    }
    let dir: PathBuf = workspace_root().join(OUT_DIR);
    std::fs::create_dir_all(&dir)?;
    let page = dir.join("report.html");
    let shot = dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    cmd!(
        sh,
        "cargo run --quiet --locked -p memspec-conformance --bin memspec -- run --html {page}"
    )
    .quiet()
    .ignore_stdout()
    .run()?;
    let url = format!("file://{}", page.display());
    // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
    let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"];
    let dom = cmd!(sh, "{CHROMIUM} {flags...} --dump-dom {url}")
        .quiet()
        .ignore_stderr()
        .read()?;
    for (what, needle) in [
        ("the page's script ran", "data-ready=\"yes\""),
        ("the matrix is drawn", "id=\"matrix\""),
        ("the claims ledger is drawn", "id=\"ledger\""),
    ] {
        if !dom.contains(needle) {
            return Err(format!(
                "HTML report in Chromium: {what} is not so: no `{needle}` in the rendered page"
            )
            .into());
        }
    }
    cmd!(
        sh,
        "{CHROMIUM} {flags...} --window-size=1280,1600 --screenshot={shot} {url}"
    )
    .quiet()
    .ignore_stderr()
    .ignore_stdout()
    .run()?;
    let bytes = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    // A PNG starts with an 8-byte signature; a blank or failed capture leaves no file or an empty one.
    let png = std::fs::read(&shot).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n"));
    if !png {
        return Err(format!("Chromium wrote no PNG screenshot at {}", shot.display()).into());
    }
    println!(
        "HTML report: {}\nscreenshot ({bytes} bytes): {}",
        page.display(),
        shot.display()
    );
    Ok(())
}

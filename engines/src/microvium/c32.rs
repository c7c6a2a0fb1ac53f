//! `microvium-c32`: the C engine the npm package ships (`node_modules/microvium/dist-c/`), built at
//! test time with `gcc -m32` together with our port file and host program
//! (`engines/microvium/c32/`), so that a 32-bit host's structures are what is measured: bucket
//! headers of three 4-byte pointers, `sizeof(mvm_VM)`.
//!
//! The build goes to `target/microvium-c32/` and is redone when any input is newer than the binary.
//! The driver's snapshot comes from the package's compiler through the node host.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::{Launcher, Microvium};
use crate::child::LineChild;
use crate::locate::{self, MICROVIUM_PACKAGE, Missing, Place};

/// The subject's name.
pub const NAME: &str = "microvium-c32";

/// The Debian package that gives gcc its 32-bit libraries and headers.
pub const GCC_MULTILIB_INSTALL: &str =
    "cargo xtask install   (or: apt-get install gcc-multilib, with sudo when not root)";

/// The `install` of a build that failed for a reason no install fixes.
pub const BROKEN: &str =
    "nothing: the host program or port file in engines/microvium/c32/ does not build; fix it";

/// Builds and starts the 32-bit host.
#[derive(Debug, Default)]
pub struct C32 {
    built: Option<Built>,
    /// Serve the engine's host memory from the host program's never-reusing arena (`--arena`).
    pub arena: bool,
}

/// What a build made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    /// The host program.
    pub binary: PathBuf,
    /// The driver's snapshot it restores.
    pub snapshot: PathBuf,
}

/// Where the build goes: `$CARGO_TARGET_DIR` or the workspace's `target/`, then `microvium-c32/`.
pub fn build_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let engines = locate::engines_dir();
            engines
                .parent()
                .map_or_else(|| engines.join("target"), |root| root.join("target"))
        });
    target.join("microvium-c32")
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn missing(what: String, install: &'static str) -> Missing {
    Missing {
        subject: NAME,
        what,
        install,
    }
}

/// One build at a time in this process; other processes are kept apart by building into a file of
/// their own and renaming it into place.
static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Builds the host program and the snapshot when they are missing or older than their inputs.
pub fn build() -> Result<Built, Missing> {
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let place = Place::default();
    let package = place.npm_package(NAME, MICROVIUM_PACKAGE)?;
    let dist = package.join("dist-c");
    let port_dir = place.engines.join("microvium").join("c32");
    let host_c = place.our_file(NAME, "microvium/c32/host.c")?;
    let port_h = place.our_file(NAME, "microvium/c32/microvium_port.h")?;
    let driver = place.our_file(NAME, "microvium/driver.js")?;
    let engine_c = dist.join("microvium.c");
    if !engine_c.is_file() {
        return Err(missing(
            format!("{} is missing", engine_c.display()),
            locate::NPM_INSTALL,
        ));
    }
    let dir = build_dir();
    std::fs::create_dir_all(&dir).map_err(|e| {
        missing(
            format!("cannot create {}: {e}", dir.display()),
            "check the permissions",
        )
    })?;
    let binary = dir.join("host");
    let snapshot = dir.join("driver.mvm-bc");
    let newest_input = [&host_c, &port_h, &engine_c, &driver]
        .iter()
        .filter_map(|p| modified(p))
        .max();
    let stale = |out: &Path| match (modified(out), newest_input) {
        (Some(o), Some(i)) => o < i,
        _ => true,
    };
    let private = |p: &Path| p.with_extension(format!("tmp{}", std::process::id()));
    let publish = |from: &Path, to: &Path| {
        std::fs::rename(from, to)
            .map_err(|e| missing(format!("cannot move the build to {}: {e}", to.display()), BROKEN))
    };
    if stale(&snapshot) {
        write_snapshot(&private(&snapshot))?;
        publish(&private(&snapshot), &snapshot)?;
    }
    if stale(&binary) {
        let out = Command::new("gcc")
            .args(["-m32", "-O1", "-std=gnu11", "-w"])
            .arg("-I")
            .arg(&port_dir)
            .arg("-I")
            .arg(&dist)
            .arg(&engine_c)
            .arg(&host_c)
            .arg("-lm")
            .arg("-o")
            .arg(private(&binary))
            .output()
            .map_err(|e| missing(format!("gcc cannot be run: {e}"), GCC_MULTILIB_INSTALL))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().find(|l| l.contains("error")).unwrap_or(err.trim());
            // Only missing 32-bit headers or libraries mean gcc-multilib is not installed; any other
            // error is a fault of our host program or port file, never to be skipped.
            let no_multilib = [
                "stubs-32.h",
                "libc-header-start.h",
                "cannot find -lgcc",
                "cannot find crt",
            ]
            .iter()
            .any(|s| err.contains(s));
            return Err(missing(
                format!("`gcc -m32` cannot build the engine: {first}"),
                if no_multilib { GCC_MULTILIB_INSTALL } else { BROKEN },
            ));
        }
        publish(&private(&binary), &binary)?;
    }
    Ok(Built { binary, snapshot })
}

/// Asks the node host to compile the driver and write its snapshot to `path`.
fn write_snapshot(path: &Path) -> Result<(), Missing> {
    let cmd = super::node::host_command(NAME, &Place::default())?;
    let mut host = LineChild::spawn(NAME, cmd)
        .map_err(|e| missing(format!("the node host did not start: {e}"), locate::NPM_INSTALL))?;
    let answer = host
        .request(&format!("snapshot {}", path.display()), Duration::from_secs(60))
        .map_err(|e| {
            missing(
                format!("the node host did not write the snapshot: {e}"),
                locate::NPM_INSTALL,
            )
        })?;
    if answer.trim() == "ok" {
        Ok(())
    } else {
        Err(missing(
            format!("the node host answered {answer:?} when asked for the snapshot"),
            locate::NPM_INSTALL,
        ))
    }
}

impl C32 {
    /// Checks that the 32-bit host can be built (and builds it). A build that fails for a reason
    /// no install fixes is not reported here: the subject's first case fails with it instead.
    pub fn check() -> Result<(), Missing> {
        match build() {
            Err(m) if m.install == BROKEN => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

impl Launcher for C32 {
    fn subject(&self) -> &'static str {
        NAME
    }

    fn command(&mut self) -> Result<Command, Missing> {
        let built = match &self.built {
            Some(b) if b.binary.is_file() => b.clone(),
            _ => build()?,
        };
        let mut cmd = Command::new(&built.binary);
        cmd.arg(&built.snapshot);
        if self.arena {
            cmd.arg("--arena");
        }
        self.built = Some(built);
        Ok(cmd)
    }
}

/// The `microvium-c32` subject.
pub fn subject() -> Microvium<C32> {
    Microvium::new(C32::default())
}

/// The `microvium-c32` subject with its host memory from a bump arena that never reuses memory, so
/// where each heap bucket lands is the same on every run.
pub fn subject_with_arena() -> Microvium<C32> {
    Microvium::new(C32 {
        built: None,
        arena: true,
    })
}

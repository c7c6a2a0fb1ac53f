//! Finding what the engine subjects run on: node, the pinned npm packages, gcc with `-m32`.
//!
//! Nothing here downloads anything. A missing piece is a [`Missing`] value that says which subject
//! needs it and the command that installs it.

use std::fmt;
use std::path::PathBuf;
use std::process::Command;

use memspec::subject::{ErrorKind, SubjectError};

/// `engines/package.json`: its `dependencies` pin each npm engine to one exact version, which the
/// committed `package-lock.json` installs. The pins are read from it, so they are written once.
const PACKAGE_JSON: &str = include_str!("../package.json");

/// The npm package of MicroPython's WebAssembly port, and the version the subjects are pinned to
/// (`engines/package.json`).
pub const MICROPYTHON_PACKAGE: (&str, &str) = pinned("@micropython/micropython-webassembly-pyscript");

/// The npm package of Microvium, and the pinned version (`engines/package.json`).
pub const MICROVIUM_PACKAGE: (&str, &str) = pinned("microvium");

/// `package` and the version `engines/package.json` pins it to: the string after `"<package>": "`
/// in its `dependencies`. Evaluated at build time; a package the file does not pin fails the build.
const fn pinned(package: &'static str) -> (&'static str, &'static str) {
    let json = PACKAGE_JSON.as_bytes();
    let key = package.as_bytes();
    let mut at = 0;
    while !same(json, at, b"\"dependencies\"") {
        if at >= json.len() {
            panic!("engines/package.json has no dependencies");
        }
        at += 1;
    }
    while at + key.len() + 2 < json.len() {
        if json[at] == b'"' && json[at + key.len() + 1] == b'"' && same(json, at + 1, key) {
            // Past the closing quote of the key: blanks, a colon, blanks, the opening quote.
            let mut v = at + key.len() + 2;
            while v < json.len() && (json[v] == b' ' || json[v] == b':') {
                v += 1;
            }
            if v < json.len() && json[v] == b'"' {
                let start = v + 1;
                let mut end = start;
                while end < json.len() && json[end] != b'"' {
                    end += 1;
                }
                let (_, rest) = json.split_at(start);
                let (version, _) = rest.split_at(end - start);
                match core::str::from_utf8(version) {
                    Ok(v) => return (package, v),
                    Err(_) => panic!("engines/package.json: a version that is not UTF-8"),
                }
            }
        }
        at += 1;
    }
    panic!("engines/package.json does not pin the package")
}

/// Whether `json[at..]` begins with `key`.
const fn same(json: &[u8], at: usize, key: &[u8]) -> bool {
    let mut i = 0;
    while i < key.len() {
        if at + i >= json.len() || json[at + i] != key[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The command that installs the npm engines from the committed lockfile.
pub const NPM_INSTALL: &str = "cargo xtask install   (or: cd engines && npm ci)";

/// Something a subject needs that is not there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// The subject that needs it.
    pub subject: &'static str,
    /// What is missing, with what was found instead.
    pub what: String,
    /// The command that installs it.
    pub install: &'static str,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; install it with: {}",
            self.subject, self.what, self.install
        )
    }
}

impl std::error::Error for Missing {}

impl Missing {
    /// The error a subject call returns for it.
    pub fn to_error(&self) -> SubjectError {
        SubjectError::new(ErrorKind::Engine, format_args!("{self}"))
    }
}

/// The `engines/` folder: `package.json`, `node_modules/`, our host scripts. `$MEMSPEC_ENGINES_DIR`
/// when set.
pub fn engines_dir() -> PathBuf {
    std::env::var_os("MEMSPEC_ENGINES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Where a node-hosted subject finds node and its packages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The node executable.
    pub node: PathBuf,
    /// The `engines/` folder.
    pub engines: PathBuf,
}

impl Default for Place {
    /// `$MEMSPEC_NODE` (else `node` on the `PATH`) and [`engines_dir`].
    fn default() -> Self {
        Place {
            node: std::env::var_os("MEMSPEC_NODE")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("node")),
            engines: engines_dir(),
        }
    }
}

/// How to install Node.js.
const NODE_INSTALL: &str = "install Node.js 20 or later (Debian: apt-get install nodejs npm)";

impl Place {
    /// The node executable, if it answers `--version`.
    pub fn node(&self, subject: &'static str) -> Result<PathBuf, Missing> {
        match Command::new(&self.node).arg("--version").output() {
            Ok(o) if o.status.success() => Ok(self.node.clone()),
            Ok(o) => Err(Missing {
                subject,
                what: format!("`{} --version` failed ({})", self.node.display(), o.status),
                install: NODE_INSTALL,
            }),
            Err(e) => Err(Missing {
                subject,
                what: format!("node (`{}`) cannot be run: {e}", self.node.display()),
                install: NODE_INSTALL,
            }),
        }
    }

    /// Checks that `package` is installed under `node_modules` at exactly `version`, and returns its
    /// folder.
    pub fn npm_package(
        &self,
        subject: &'static str,
        (package, version): (&str, &str),
    ) -> Result<PathBuf, Missing> {
        let dir = self.engines.join("node_modules").join(package);
        let manifest = dir.join("package.json");
        let text = std::fs::read_to_string(&manifest).map_err(|e| Missing {
            subject,
            what: format!(
                "the npm package {package} is not installed ({}: {e})",
                manifest.display()
            ),
            install: NPM_INSTALL,
        })?;
        let found = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("version").and_then(|s| s.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "no version".to_owned());
        if found != version {
            return Err(Missing {
                subject,
                what: format!("the npm package {package} is {found}, the subject is pinned to {version}"),
                install: NPM_INSTALL,
            });
        }
        Ok(dir)
    }

    /// A file of ours in `engines/` (a host script, the driver), checked to exist.
    pub fn our_file(&self, subject: &'static str, relative: &str) -> Result<PathBuf, Missing> {
        let p = self.engines.join(relative);
        if p.is_file() {
            Ok(p)
        } else {
            Err(Missing {
                subject,
                what: format!("{} is missing from the checkout", p.display()),
                install: "restore it with git (git checkout -- engines/)",
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MICROPYTHON_PACKAGE, MICROVIUM_PACKAGE};

    fn json(file: &str) -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/").to_owned() + file;
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn the_pins_are_package_json_dependencies_as_a_json_parser_reads_them() {
        let deps = &json("package.json")["dependencies"];
        for (name, version) in [MICROPYTHON_PACKAGE, MICROVIUM_PACKAGE] {
            assert_eq!(
                deps[name].as_str(),
                Some(version),
                "{name}: read at build time {version:?}, package.json says {}",
                deps[name]
            );
        }
    }

    #[test]
    fn the_lockfile_installs_the_pinned_versions() {
        let packages = &json("package-lock.json")["packages"];
        for (name, version) in [MICROPYTHON_PACKAGE, MICROVIUM_PACKAGE] {
            let locked = &packages[format!("node_modules/{name}")]["version"];
            assert_eq!(
                locked.as_str(),
                Some(version),
                "{name}: pinned {version}, package-lock.json installs {locked}"
            );
        }
    }
}

//! Where builds go: the host workspace's target folder and the firmware's, with `CARGO_TARGET_DIR`
//! honoured, so that what xtask runs is what it has just built.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::workspace_root;

/// The folder under `CARGO_TARGET_DIR` the firmware workspace builds into (the host workspace and
/// the firmware's are two workspaces: each keeps its own folder).
const FIRMWARE_UNDER_TARGET_DIR: &str = "hil-firmware";

/// The host workspace's target folder: `CARGO_TARGET_DIR` (relative to `cwd` when relative, as
/// cargo reads it), or `<root>/target`.
pub fn host_for(root: &Path, cwd: &Path, env: Option<OsString>) -> PathBuf {
    match env.filter(|v| !v.is_empty()) {
        Some(dir) => cwd.join(dir),
        None => root.join("target"),
    }
}

/// The firmware workspace's target folder: `CARGO_TARGET_DIR/hil-firmware`, or
/// `<root>/hil/firmware/target`.
pub fn firmware_for(root: &Path, cwd: &Path, env: Option<OsString>) -> PathBuf {
    match env.filter(|v| !v.is_empty()) {
        Some(dir) => cwd.join(dir).join(FIRMWARE_UNDER_TARGET_DIR),
        None => root.join("hil/firmware/target"),
    }
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| workspace_root())
}

/// [`host_for`] this process's environment.
pub fn host() -> PathBuf {
    host_for(&workspace_root(), &cwd(), std::env::var_os("CARGO_TARGET_DIR"))
}

/// [`firmware_for`] this process's environment.
pub fn firmware() -> PathBuf {
    firmware_for(&workspace_root(), &cwd(), std::env::var_os("CARGO_TARGET_DIR"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_cargo_target_dir_set_host_and_firmware_builds_go_under_it_in_folders_of_their_own() {
        let (root, cwd) = (Path::new("/clone"), Path::new("/work"));
        let env = Some(OsString::from("/elsewhere/t"));
        assert_eq!(host_for(root, cwd, env.clone()), Path::new("/elsewhere/t"));
        assert_eq!(
            firmware_for(root, cwd, env),
            Path::new("/elsewhere/t/hil-firmware")
        );
        let relative = Some(OsString::from("t"));
        assert_eq!(
            firmware_for(root, cwd, relative),
            Path::new("/work/t/hil-firmware")
        );
    }

    #[test]
    fn without_cargo_target_dir_builds_stay_in_the_clone() {
        let (root, cwd) = (Path::new("/clone"), Path::new("/work"));
        for env in [None, Some(OsString::new())] {
            assert_eq!(host_for(root, cwd, env.clone()), Path::new("/clone/target"));
            assert_eq!(
                firmware_for(root, cwd, env),
                Path::new("/clone/hil/firmware/target")
            );
        }
    }
}

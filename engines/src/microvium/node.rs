//! `microvium-node`: the npm package `microvium` 8.0.0, its native C VM (the N-API addon the package
//! ships prebuilt) in one long-lived node process running `engines/microvium/host.cjs`.

use std::process::Command;

use super::{Launcher, Microvium};
use crate::locate::{self, MICROVIUM_PACKAGE, Missing};

/// The subject's name.
pub const NAME: &str = "microvium-node";

/// Starts `node --expose-gc engines/microvium/host.cjs`.
#[derive(Debug, Default)]
pub struct Node;

impl Node {
    /// Checks that node, the pinned package and the host script are there.
    pub fn check() -> Result<(), Missing> {
        locate::node(NAME)?;
        locate::npm_package(NAME, MICROVIUM_PACKAGE)?;
        locate::our_file(NAME, "microvium/host.cjs")?;
        locate::our_file(NAME, "microvium/driver.js")?;
        Ok(())
    }
}

impl Launcher for Node {
    fn subject(&self) -> &'static str {
        NAME
    }

    fn command(&mut self) -> Result<Command, Missing> {
        host_command(NAME)
    }
}

/// `node --expose-gc engines/microvium/host.cjs`, after checking what it needs.
pub fn host_command(subject: &'static str) -> Result<Command, Missing> {
    let node = locate::node(subject)?;
    locate::npm_package(subject, MICROVIUM_PACKAGE)?;
    let host = locate::our_file(subject, "microvium/host.cjs")?;
    locate::our_file(subject, "microvium/driver.js")?;
    let mut cmd = Command::new(node);
    cmd.arg("--expose-gc")
        .arg(host)
        .current_dir(locate::engines_dir());
    Ok(cmd)
}

/// The `microvium-node` subject.
pub fn subject() -> Microvium<Node> {
    Microvium::new(Node)
}

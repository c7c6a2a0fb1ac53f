//! `microvium-node`: the npm package `microvium` 8.0.0, its native C VM (the N-API addon the package
//! ships prebuilt) in one long-lived node process running `engines/microvium/host.cjs`.

use std::process::Command;

use super::{Launcher, Microvium};
use crate::locate::{MICROVIUM_PACKAGE, Missing, Place};

/// The subject's name.
pub const NAME: &str = "microvium-node";

/// Starts `node --expose-gc engines/microvium/host.cjs`.
#[derive(Debug, Default)]
pub struct Node {
    /// Where node and the package are.
    pub place: Place,
}

impl Node {
    /// Checks that node, the pinned package and the host script are there.
    pub fn check() -> Result<(), Missing> {
        host_command(NAME, &Place::default()).map(|_| ())
    }
}

impl Launcher for Node {
    fn subject(&self) -> &'static str {
        NAME
    }

    fn command(&mut self) -> Result<Command, Missing> {
        host_command(NAME, &self.place)
    }
}

/// `node --expose-gc engines/microvium/host.cjs`, after checking what it needs.
pub fn host_command(subject: &'static str, place: &Place) -> Result<Command, Missing> {
    let node = place.node(subject)?;
    place.npm_package(subject, MICROVIUM_PACKAGE)?;
    let host = place.our_file(subject, "microvium/host.cjs")?;
    place.our_file(subject, "microvium/driver.js")?;
    let mut cmd = Command::new(node);
    cmd.arg("--expose-gc").arg(host).current_dir(&place.engines);
    Ok(cmd)
}

/// The `microvium-node` subject.
pub fn subject() -> Microvium<Node> {
    Microvium::new(Node::default())
}

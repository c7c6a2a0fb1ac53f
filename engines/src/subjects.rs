//! Every engine subject by name, for a harness's registry: which ones exist, whether each can run
//! here, and a fresh instance.

use std::path::PathBuf;

use memspec::subject::Subject;

use crate::locate::Missing;
use crate::micropython::{exec, serial, wasm};
use crate::microvium::{c32, node};

/// What the command line says about engines the user brings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--micropython PATH`: a MicroPython executable for `micropython-exec`. Without it the subject
    /// runs the npm WebAssembly port's command line through `engines/micropython/wasm-cli.sh`.
    pub micropython: Option<PathBuf>,
    /// `--port PATH --baud N`: a board for `micropython-serial`; without it that subject is not made.
    pub serial: Option<serial::PortSpec>,
}

/// The names of the engine subjects.
pub const NAMES: [&str; 5] = [wasm::NAME, exec::NAME, serial::NAME, node::NAME, c32::NAME];

/// Whether the subject `name` can run here; `Err` says what is missing and how to install it.
pub fn available(name: &str, options: &Options) -> Result<(), Missing> {
    match name {
        wasm::NAME => wasm::Wasm::check(),
        exec::NAME => match &options.micropython {
            Some(p) if p.is_file() => Ok(()),
            Some(p) => Err(Missing {
                subject: exec::NAME,
                what: format!("no MicroPython executable at {}", p.display()),
                install: "give the path of a MicroPython build with --micropython PATH",
            }),
            None => wasm::Wasm::check(),
        },
        serial::NAME => match &options.serial {
            Some(spec) => serial::can_open(spec),
            None => Err(Missing {
                subject: serial::NAME,
                what: "no board was named".into(),
                install: "connect a board running MicroPython and give --port PATH --baud N",
            }),
        },
        node::NAME => node::Node::check(),
        c32::NAME => c32::C32::check(),
        _ => Err(Missing {
            subject: "engines",
            what: format!("no engine subject is called {name}"),
            install: "use one of micropython-wasm, micropython-exec, micropython-serial, microvium-node, microvium-c32",
        }),
    }
}

/// Whether the subject `name` learns its profile from the engine at its first start (an
/// executable, a board), rather than being pinned to one.
pub fn detects_profile(name: &str) -> bool {
    matches!(name, exec::NAME | serial::NAME)
}

/// Whether the subject `name` is one device (a board): it holds one session for the whole run, its
/// trials run one at a time through it, whatever the number of threads.
pub fn one_device(name: &str) -> bool {
    name == serial::NAME
}

/// An engine subject: a [`Subject`] that can also say which engine it runs.
pub trait EngineSubject: Subject + Send {
    /// The engine and its version as the engine itself reported them at its last start (e.g.
    /// `MicroPython 1.27.0 (build pyscript)`, `Microvium 8.0.0`), with the build the subject runs;
    /// `None` before the engine has started.
    fn engine(&self) -> Option<String>;

    /// Starts the engine and learns what it is (its profile and version), for a subject that
    /// [`detects_profile`]; `Err` says why it cannot serve any profile. Others have nothing to learn.
    fn detect_engine(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// A fresh instance of the subject `name`; `None` for an unknown name or a board not named.
pub fn make(name: &str, options: &Options) -> Option<Box<dyn EngineSubject>> {
    Some(match name {
        wasm::NAME => Box::new(wasm::subject()),
        exec::NAME => Box::new(exec::subject(
            options.micropython.clone().unwrap_or_else(exec::wasm_cli),
        )),
        serial::NAME => Box::new(serial::subject(options.serial.clone()?)),
        node::NAME => Box::new(node::subject()),
        c32::NAME => Box::new(c32::subject()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_makes_its_subject_and_unknown_names_make_none() {
        let options = Options {
            micropython: None,
            serial: Some(serial::PortSpec {
                path: "/dev/null".into(),
                baud: 115_200,
            }),
        };
        for name in NAMES {
            assert_eq!(
                make(name, &options).map(|s| s.name().to_owned()).as_deref(),
                Some(name)
            );
        }
        assert!(make("micropython-nope", &options).is_none());
        assert!(available("micropython-nope", &options).is_err());
    }

    #[test]
    fn a_port_that_cannot_be_opened_is_missing_with_how_to_name_the_board() {
        let options = Options {
            micropython: None,
            serial: Some(serial::PortSpec {
                path: "/dev/nonexistent".into(),
                baud: 115_200,
            }),
        };
        let e = available(serial::NAME, &options).unwrap_err().to_string();
        assert!(e.contains("cannot open /dev/nonexistent at 115200 baud"), "{e}");
        assert!(e.contains("--port PATH"), "{e}");
    }

    #[test]
    fn without_a_port_the_serial_subject_says_how_to_name_a_board() {
        let e = available(serial::NAME, &Options::default()).unwrap_err();
        assert!(e.to_string().contains("--port PATH --baud N"), "{e}");
        assert!(make(serial::NAME, &Options::default()).is_none());
    }
}

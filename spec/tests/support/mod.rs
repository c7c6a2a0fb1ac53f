//! Helpers shared by the integration tests: arguments as cases write them, starting a subject, and
//! reading back its figures and heap map. [`microvium`] holds the Microvium model's own.
#![allow(dead_code)] // Each test file uses a different subset of these helpers.

pub mod microvium;

use memspec::ProfileId;
use memspec::subject::{HeapConfig, Param, ParamValue, Stat, Subject, SubjectError};

/// Every MicroPython profile.
pub const MICROPYTHON: [ProfileId; 5] = [
    ProfileId::MicropythonA32,
    ProfileId::MicropythonA64,
    ProfileId::MicropythonB64,
    ProfileId::MicropythonC32,
    ProfileId::MicropythonD32,
];

/// An integer argument.
pub fn int(name: &str, v: i128) -> Param<'_> {
    Param {
        name,
        value: ParamValue::Int(v),
    }
}

/// A text argument.
pub fn text<'a>(name: &'a str, t: &'a [u8]) -> Param<'a> {
    Param {
        name,
        value: ParamValue::Text(t),
    }
}

/// Parses `name=value` arguments separated by spaces, as cases and size tables write them: `"text"`,
/// `true` and `false` (as text), integers (decimal or `0x`), floats (with a `.` or an `e`, or `inf`).
pub fn params(args: &str) -> Vec<Param<'_>> {
    args.split_whitespace()
        .map(|tok| {
            let (name, value) = tok
                .split_once('=')
                .unwrap_or_else(|| panic!("argument {tok:?} has no ="));
            let value = if let Some(t) = value.strip_prefix('"') {
                let t = t
                    .strip_suffix('"')
                    .unwrap_or_else(|| panic!("argument {tok:?} has no closing quote"));
                ParamValue::Text(t.as_bytes())
            } else if value == "true" || value == "false" {
                ParamValue::Text(value.as_bytes())
            } else if let Some(h) = value.strip_prefix("0x") {
                ParamValue::Int(i128::from_str_radix(h, 16).unwrap_or_else(|e| panic!("{tok:?}: {e}")))
            } else if value == "inf" {
                ParamValue::Float(f64::INFINITY)
            } else if value.contains('.') || value.contains('e') {
                ParamValue::Float(value.parse().unwrap_or_else(|e| panic!("{tok:?}: {e}")))
            } else {
                ParamValue::Int(value.parse().unwrap_or_else(|e| panic!("{tok:?}: {e}")))
            };
            Param { name, value }
        })
        .collect()
}

/// `subject` with a case begun: `profile`, `arena_bytes` of arena, `port` and `options`.
pub fn started<S: Subject>(
    mut subject: S,
    profile: ProfileId,
    arena_bytes: u64,
    port: Option<&str>,
    options: &[Param<'_>],
) -> Result<S, SubjectError> {
    subject.start(
        profile,
        &HeapConfig {
            arena_bytes,
            port,
            options,
        },
    )?;
    Ok(subject)
}

/// Every figure a `stats` call reports, by name, in order.
pub fn stats(subject: &mut dyn Subject) -> Vec<(String, u64)> {
    let mut v = Vec::new();
    subject
        .stats(&mut |s: Stat<'_>| v.push((s.name.to_string(), s.value)))
        .unwrap_or_else(|e| panic!("stats: {e}"));
    v
}

/// The figure named `name` of a `stats` call.
pub fn stat_of(subject: &mut dyn Subject, name: &str) -> u64 {
    stats(subject)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no stat {name}"))
}

/// The heap map the subject prints.
pub fn map_text(subject: &mut dyn Subject) -> String {
    let mut s = String::new();
    subject
        .heap_map(&mut s)
        .unwrap_or_else(|e| panic!("heap-map: {e}"));
    s
}

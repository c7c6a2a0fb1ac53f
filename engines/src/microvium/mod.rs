//! Microvium as a subject: the driver script (`engines/microvium/driver.js`), compiled once with the
//! npm package's compiler, restored into a native VM for each case and called one export at a time.
//!
//! Two hosts speak the same line protocol (see `engines/microvium/host.cjs`):
//! * `microvium-node`: the package's N-API addon, the C VM built with the package's test port (safe
//!   mode, debug capability) for the host's word size;
//! * `microvium-c32`: the C engine the package ships (`dist-c/`), built by [`c32`] with `gcc -m32`
//!   and our port file, so the 32-bit host structures (bucket headers, `sizeof(mvm_VM)`) are measured.
//!
//! Raw 16-bit values come back from every call; heap figures from `mvm_getMemoryStats`, read after a
//! squeezing collection (`mvm_runGC(vm, true)`), so each reading is one exactly-sized bucket with no
//! garbage.

pub mod c32;
pub mod node;

use std::process::Command;
use std::time::Duration;

use memspec::ProfileId;
use memspec::fact::Unit;
use memspec::subject::{
    Allocation, Capabilities, Capability, Collection, Encoded, ErrorKind, HeapConfig, ObjId, ObjectSpec,
    Stat, Subject, SubjectError, SubjectResult, Target, Value, stat,
};
use memspec::tag::TagClass;

use crate::child::LineChild;
use crate::locate::Missing;

/// Objects a case may allocate (the driver's table size, `N` in `driver.js`).
pub const MAX_OBJECTS: u32 = 64;

/// How long one request may take before the host is declared hung.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The driver's exports (`vmExport` ids in `driver.js`).
mod export {
    pub const ALLOC: u32 = 1;
    pub const VALUE: u32 = 2;
    pub const LINK: u32 = 3;
    pub const ROOT: u32 = 4;
    pub const REL: u32 = 5;
    pub const ADOPT: u32 = 6;
    pub const FOLLOW: u32 = 7;
    pub const INTERN_LENGTH: u32 = 9;
    pub const INTERN_PROTO: u32 = 10;
}

/// Object kinds as cases name them, and the driver's number for each (`make` in `driver.js`).
pub const KINDS: &[(&str, u32)] = &[
    ("object", 1),
    ("array", 2),
    ("string", 3),
    ("number", 4),
    ("uint8array", 5),
    ("closure", 6),
];

/// How to start a host process.
pub trait Launcher: std::fmt::Debug {
    /// The subject's name.
    fn subject(&self) -> &'static str;
    /// The command that starts the host, after checking (and building) what it needs.
    fn command(&mut self) -> Result<Command, Missing>;
}

/// The 16-bit value classes of `native-vm/microvium_internals.h` (restated from the engine's
/// source, not taken from the `memspec` tables): ShortPtr `…0`, Int14 `…11`, well-known `…01` below
/// `0x26`, bytecode-mapped pointer `…01` from `0x26`.
pub fn class_of(raw: u16) -> TagClass {
    if raw & 1 == 0 {
        TagClass::Pointer
    } else if raw & 3 == 3 {
        TagClass::SmallInt
    } else if raw < 0x26 {
        TagClass::WellKnown
    } else {
        TagClass::BytecodePointer
    }
}

/// A Microvium host as a [`Subject`].
#[derive(Debug)]
pub struct Microvium<L: Launcher> {
    launcher: L,
    child: Option<LineChild>,
    objects: u32,
    roots: Vec<u32>,
    links: Vec<(u32, u32, u32)>,
}

impl<L: Launcher> Microvium<L> {
    /// A subject whose host starts on the first case.
    pub fn new(launcher: L) -> Self {
        Self {
            launcher,
            child: None,
            objects: 0,
            roots: Vec::new(),
            links: Vec::new(),
        }
    }

    /// The launcher.
    pub fn launcher(&self) -> &L {
        &self.launcher
    }

    /// The host's process id, when it runs (for tests that stop it).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(LineChild::id)
    }

    fn name_(&self) -> &'static str {
        self.launcher.subject()
    }

    /// Sends one request; a dead or hung host is dropped so the next case starts a new one.
    pub fn request(&mut self, line: &str) -> SubjectResult<Vec<String>> {
        let name = self.name_();
        let Some(child) = self.child.as_mut() else {
            return Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{name}: no case has started: call start first"),
            ));
        };
        let answer = match child.request(line, CALL_TIMEOUT) {
            Ok(a) => a,
            Err(e) => {
                self.child = None;
                return Err(e);
            }
        };
        let mut words = answer.split_whitespace().map(str::to_owned);
        match words.next().as_deref() {
            Some("ok") => Ok(words.collect()),
            Some("err") => Err(SubjectError::new(
                ErrorKind::Engine,
                format_args!("{name}: `{line}` failed: {}", words.collect::<Vec<_>>().join(" ")),
            )),
            _ => Err(SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{name}: `{line}` was answered {answer:?}"),
            )),
        }
    }

    /// Calls export `id` with integer arguments; returns the raw value.
    pub fn call(&mut self, id: u32, args: &[i64]) -> SubjectResult<u16> {
        let mut line = format!("call {id}");
        for a in args {
            line.push_str(&format!(" {a}"));
        }
        let words = self.request(&line)?;
        self.raw(&line, &words)
    }

    fn raw(&self, line: &str, words: &[String]) -> SubjectResult<u16> {
        words
            .first()
            .and_then(|w| u16::from_str_radix(w, 16).ok())
            .ok_or_else(|| {
                SubjectError::new(
                    ErrorKind::Protocol,
                    format_args!("{}: `{line}` gave no raw value: {words:?}", self.name_()),
                )
            })
    }

    /// The memory statistics (`mvm_getMemoryStats`), by field name.
    pub fn memory_stats(&mut self) -> SubjectResult<Vec<(String, u64)>> {
        let words = self.request("stats")?;
        words
            .iter()
            .map(|w| {
                let parsed = w
                    .split_once('=')
                    .and_then(|(k, v)| Some((k.to_owned(), v.parse().ok()?)));
                parsed.ok_or_else(|| {
                    SubjectError::new(
                        ErrorKind::Protocol,
                        format_args!("{}: bad statistic {w:?}", self.name_()),
                    )
                })
            })
            .collect()
    }

    fn stat_named(&mut self, name: &str) -> SubjectResult<u64> {
        let stats = self.memory_stats()?;
        stats
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                SubjectError::new(
                    ErrorKind::Protocol,
                    format_args!("{}: the statistics have no {name}", self.name_()),
                )
            })
    }

    /// Collects with squeeze, then reads `virtualHeapUsed`.
    fn settled(&mut self) -> SubjectResult<u64> {
        self.request("gc 1")?;
        self.stat_named("virtualHeapUsed")
    }

    fn check(&self, id: ObjId) -> SubjectResult<u32> {
        if id.0 < self.objects {
            Ok(id.0)
        } else {
            Err(SubjectError::new(
                ErrorKind::NoSuchObject,
                format_args!("{}: no object #{} in this case", self.name_(), id.0),
            ))
        }
    }

    /// Runs the repro of a known engine bug (`intern-length`, `intern-proto`) in the current case.
    pub fn repro(&mut self, bug: &str) -> SubjectResult<u16> {
        let id = match bug {
            "intern-length" => export::INTERN_LENGTH,
            "intern-proto" => export::INTERN_PROTO,
            _ => {
                return Err(SubjectError::new(
                    ErrorKind::BadArgument,
                    format_args!("{}: no repro named {bug}", self.name_()),
                ));
            }
        };
        self.call(id, &[])
    }
}

impl<L: Launcher> Subject for Microvium<L> {
    fn name(&self) -> &str {
        self.launcher.subject()
    }

    fn supports(&self, profile: ProfileId) -> bool {
        profile == ProfileId::Microvium
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if !self.supports(profile) {
            return Capabilities::NONE;
        }
        Capabilities::of(&[
            Capability::Encode,
            Capability::Alloc,
            Capability::Link,
            Capability::Root,
            Capability::Collect,
            Capability::Stats,
        ])
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        let name = self.name_();
        if profile != ProfileId::Microvium {
            return Err(SubjectError::new(
                ErrorKind::UnknownProfile,
                format_args!(
                    "{name}: serves only the microvium profile, not {}",
                    profile.name()
                ),
            ));
        }
        let _ = config;
        if let Some(c) = self.child.as_mut()
            && !c.alive()
        {
            self.child = None;
        }
        if self.child.is_none() {
            let cmd = self.launcher.command().map_err(|m| m.to_error())?;
            self.child = Some(LineChild::spawn(name, cmd)?);
            let words = self.request("version")?;
            let version = words.first().map_or("?", String::as_str);
            // The node host reports the package version (8.0.0); the C host the engine's own
            // MVM_ENGINE_MAJOR_VERSION.MVM_ENGINE_MINOR_VERSION (8.0).
            let pinned = crate::locate::MICROVIUM_PACKAGE.1;
            if version != pinned && !pinned.starts_with(&format!("{version}.")) {
                self.child = None;
                return Err(SubjectError::new(
                    ErrorKind::Engine,
                    format_args!(
                        "{name}: the engine is Microvium {version}, the subject is pinned to {pinned}; reinstall it (cargo xtask install)"
                    ),
                ));
            }
        }
        self.request("restore")?;
        self.objects = 0;
        self.roots.clear();
        self.links.clear();
        Ok(())
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let raw = match value {
            Value::Int(i) => {
                let line = format!("num {i}");
                let w = self.request(&line)?;
                self.raw(&line, &w)?
            }
            Value::Float(f) if f.is_finite() => {
                let line = format!("num {f:?}");
                let w = self.request(&line)?;
                self.raw(&line, &w)?
            }
            Value::Float(f) if f.is_nan() => self.call(export::VALUE, &[7, 0])?,
            Value::Named("undefined") => self.call(export::VALUE, &[1, 0])?,
            Value::Named("null") => self.call(export::VALUE, &[2, 0])?,
            Value::Bool(true) | Value::Named("true") => self.call(export::VALUE, &[3, 0])?,
            Value::Bool(false) | Value::Named("false") => self.call(export::VALUE, &[4, 0])?,
            Value::Named("-0") => self.call(export::VALUE, &[6, 0])?,
            Value::Named("NaN") => self.call(export::VALUE, &[7, 0])?,
            other => {
                return Err(SubjectError::new(
                    ErrorKind::BadArgument,
                    format_args!("{}: cannot make {other:?} in Microvium", self.name_()),
                ));
            }
        };
        Ok(Encoded {
            word: u64::from(raw),
            class: class_of(raw),
        })
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let name = self.name_();
        let Some(&(_, kind)) = KINDS.iter().find(|(k, _)| *k == spec.kind) else {
            let kinds: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
            return Err(SubjectError::new(
                ErrorKind::UnknownKind,
                format_args!(
                    "{name}: no object kind `{}` (the driver makes {})",
                    spec.kind,
                    kinds.join(", ")
                ),
            ));
        };
        if self.objects >= MAX_OBJECTS {
            return Err(SubjectError::new(
                ErrorKind::BadArgument,
                format_args!("{name}: a case may hold {MAX_OBJECTS} objects"),
            ));
        }
        let n = ["len", "props", "value", "count"]
            .iter()
            .find_map(|k| spec.int(k))
            .unwrap_or(0);
        let n = i64::try_from(n)
            .ok()
            .filter(|n| (-(1 << 31)..1 << 31).contains(n))
            .ok_or_else(|| {
                SubjectError::new(
                    ErrorKind::BadArgument,
                    format_args!("{name}: argument {n} is outside the int32 range the driver takes"),
                )
            })?;
        let before = self.settled()?;
        let id = self.objects;
        let raw = self.call(export::ALLOC, &[i64::from(id), i64::from(kind), n])?;
        self.objects += 1;
        let after = self.settled()?;
        let bytes = after.checked_sub(before).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!("{name}: the heap shrank from {before} to {after} bytes while allocating"),
            )
        })?;
        Ok(Allocation {
            id: ObjId(id),
            word: u64::from(raw),
            bytes,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        let f = self.check(from)?;
        let t = match target {
            Target::Object(t) => i64::from(self.check(t)?),
            Target::Empty => -1,
            Target::Interior(..) | Target::Word(_) => {
                return Err(SubjectError::new(
                    ErrorKind::Unsupported,
                    format_args!(
                        "{}: script code stores only whole values, not {target:?}",
                        self.name_()
                    ),
                ));
            }
        };
        self.call(export::LINK, &[i64::from(f), i64::from(slot), t])?;
        self.links.retain(|&(lf, ls, _)| (lf, ls) != (f, slot));
        if let Ok(t) = u32::try_from(t) {
            self.links.push((f, slot, t));
        }
        Ok(())
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        let i = self.check(obj)?;
        self.call(export::ROOT, &[i64::from(i), 1])?;
        if !self.roots.contains(&i) {
            self.roots.push(i);
        }
        Ok(())
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        let i = self.check(obj)?;
        self.call(export::ROOT, &[i64::from(i), 0])?;
        self.roots.retain(|&r| r != i);
        Ok(())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        let before = self.settled()?;
        self.call(export::REL, &[])?;
        let after = self.settled()?;
        // Refill the table from the roots along the recorded links.
        for r in self.roots.clone() {
            self.call(export::ADOPT, &[i64::from(r)])?;
        }
        let links = self.links.clone();
        loop {
            let mut more = false;
            for &(f, s, t) in &links {
                let got = self.call(export::FOLLOW, &[i64::from(f), i64::from(s), i64::from(t)])?;
                // `follow` answers Int14 1 (0x0007) when it filled a slot.
                more |= got == 0x0007;
            }
            if !more {
                break;
            }
        }
        let freed = before.checked_sub(after).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Engine,
                format_args!(
                    "{}: the heap grew from {before} to {after} bytes in a collection",
                    self.name_()
                ),
            )
        })?;
        Ok(Collection {
            freed_allocations: 0,
            freed_bytes: freed,
            returned: None,
            finalisers_run: 0,
        })
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        self.request("gc 1")?;
        let stats = self.memory_stats()?;
        let get = |n: &str| stats.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
        let (Some(used), Some(capacity)) = (get("virtualHeapUsed"), get("virtualHeapAllocatedCapacity"))
        else {
            return Err(SubjectError::new(
                ErrorKind::Protocol,
                format_args!(
                    "{}: the statistics lack the virtual heap figures: {stats:?}",
                    self.name_()
                ),
            ));
        };
        let bytes = |name, value| Stat {
            name,
            unit: Unit::Bytes,
            value,
        };
        sink(bytes(stat::USED, used));
        sink(bytes(stat::TOTAL, capacity));
        sink(bytes(stat::FREE, capacity.saturating_sub(used)));
        for (k, v) in &stats {
            let unit = if k == "fragmentCount" {
                Unit::Count
            } else {
                Unit::Bytes
            };
            sink(Stat {
                name: k,
                unit,
                value: *v,
            });
        }
        Ok(())
    }
}

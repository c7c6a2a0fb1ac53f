//! Laws of one engine's profile, written in that engine's cases as `law <name> [arg=value ...]`.
//!
//! The profile-independent laws (`round-trip`, `exactly-one-class`, ...) are in [`super::Law`]. An
//! engine law is one of the `no_std` laws of `memspec::<engine>` whose observation is the outcome of
//! a single step; the name is looked up among the laws of the engine whose folder the case is in.
//!
//! | engine | law | after | checks |
//! |---|---|---|---|
//! | skybison | `header-round-trip format=F layout=L count=C hash=H` | `read` of a header word | `memspec::skybison::laws::header_round_trip` |
//! | skybison | `object-size format=F count=N` | `alloc` | `memspec::skybison::laws::object_size` on the bytes taken |
//! | skybison | `address-in-granule overflow=0\|1` | a step giving a heap-object word | `memspec::skybison::laws::address_in_granule` on `word - 1` |
//! | julia | `header-round-trip` | `read` of a header word | `memspec::julia::header::header_round_trip` |
//! | julia | `well-formed-header` | `read` of a header word | `memspec::julia::header::well_formed_header` |
//! | julia | `cell-is-smallest-class payload=N` | `alloc` | `memspec::julia::size_class::cell_is_smallest_class` on the bytes taken |
//! | microvium | `footprint size=N` | `alloc` of one allocation of an N-byte body | `memspec::microvium::law::footprint_is_header_plus_even_body` on the bytes taken |
//! | microvium | `header-round-trip type=T size=N` | `read` of a header word (`a[-1]`) | `memspec::microvium::law::header_round_trip` |
//! | micropython | the laws of `memspec::micropython::laws` | `stats`, `collect` or `heap-map` | see [`micropython`] |

use std::collections::BTreeMap;

use memspec::julia;
use memspec::law::LawResult;
use memspec::microvium;
use memspec::profile::{Engine, Profile};
use memspec::skybison;
use memspec::skybison::header::HeaderFields;
use memspec::step::Outcome;

use super::{Op, Pos};

pub mod micropython;

pub use micropython::MicroPythonLaw;

/// What the step a law follows gave.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    /// The step's outcome.
    pub outcome: &'a Outcome,
    /// The word it gave: from an encode, an alloc, a read, or the word a decode read.
    pub word: Option<u64>,
    /// Figures a `stats` step reported, by name.
    pub stats: &'a BTreeMap<String, u64>,
    /// Text a `heap-map` step wrote.
    pub text: &'a str,
    /// The profile's tables.
    pub profile: Option<&'static Profile>,
}

/// The error for law `law` written after a step `op` that does not give what it needs.
fn misplaced(law: &str, needs: &str, op: &Op, at: Pos) -> (Pos, String) {
    (
        at,
        format!("`law {law}` needs {needs}; it follows a `{}` step", op.verb()),
    )
}

/// A law of one engine's profile, with the arguments the case gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineLaw {
    /// skybison `header-round-trip format=F layout=L count=C hash=H`.
    SkybisonHeaderRoundTrip(HeaderFields),
    /// skybison `object-size format=F count=N`.
    SkybisonObjectSize {
        /// 0 data (count in bytes), 1 objects (count in words).
        format: u64,
        /// The real count, overflow included.
        count: u64,
    },
    /// skybison `address-in-granule overflow=0|1`.
    SkybisonAddressInGranule {
        /// Whether an overflow word precedes the header.
        overflow: bool,
    },
    /// julia `header-round-trip`.
    JuliaHeaderRoundTrip,
    /// julia `well-formed-header`.
    JuliaWellFormedHeader,
    /// julia `cell-is-smallest-class payload=N`.
    JuliaCellIsSmallestClass {
        /// Payload bytes of the object.
        payload: u64,
    },
    /// microvium `footprint size=N`.
    MicroviumFootprint {
        /// Bytes of the allocation's body.
        size: u16,
    },
    /// microvium `header-round-trip type=T size=N`.
    MicroviumHeaderRoundTrip {
        /// The type code.
        type_code: u8,
        /// Bytes of the body.
        size: u16,
    },
    /// A law of `memspec::micropython::laws`.
    MicroPython(MicroPythonLaw),
}

/// What an engine law is applied to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// The word a `read` gave.
    Read,
    /// The bytes an `alloc` took.
    Alloc,
    /// A heap-object word from `alloc` or `read`.
    Pointer,
    /// The law checks its step itself.
    Own,
}

type Res<T> = Result<T, (Pos, String)>;

/// The names of `engine`'s laws, for error messages.
pub fn names(engine: Engine) -> &'static [&'static str] {
    match engine {
        Engine::Skybison => &["header-round-trip", "object-size", "address-in-granule"],
        Engine::Julia => &[
            "header-round-trip",
            "well-formed-header",
            "cell-is-smallest-class",
        ],
        Engine::MicroPython => micropython::NAMES,
        Engine::Microvium => &["footprint", "header-round-trip"],
    }
}

impl EngineLaw {
    /// The law's name as written.
    pub fn name(&self) -> &'static str {
        match self {
            EngineLaw::SkybisonHeaderRoundTrip(_)
            | EngineLaw::JuliaHeaderRoundTrip
            | EngineLaw::MicroviumHeaderRoundTrip { .. } => "header-round-trip",
            EngineLaw::MicroviumFootprint { .. } => "footprint",
            EngineLaw::SkybisonObjectSize { .. } => "object-size",
            EngineLaw::SkybisonAddressInGranule { .. } => "address-in-granule",
            EngineLaw::JuliaWellFormedHeader => "well-formed-header",
            EngineLaw::JuliaCellIsSmallestClass { .. } => "cell-is-smallest-class",
            EngineLaw::MicroPython(l) => l.name(),
        }
    }

    /// Whether the law reads the profile's tables.
    pub fn needs_tables(&self) -> bool {
        matches!(self, EngineLaw::MicroPython(_))
    }

    fn after(&self) -> After {
        match self {
            EngineLaw::SkybisonHeaderRoundTrip(_)
            | EngineLaw::JuliaHeaderRoundTrip
            | EngineLaw::JuliaWellFormedHeader
            | EngineLaw::MicroviumHeaderRoundTrip { .. } => After::Read,
            EngineLaw::SkybisonObjectSize { .. }
            | EngineLaw::JuliaCellIsSmallestClass { .. }
            | EngineLaw::MicroviumFootprint { .. } => After::Alloc,
            EngineLaw::SkybisonAddressInGranule { .. } => After::Pointer,
            EngineLaw::MicroPython(_) => After::Own,
        }
    }

    /// Parses the law `name` of `engine` after the step `op`; `arg` reads the next `key=<number>`.
    /// `Ok(None)` when `engine` has no law of that name.
    pub fn parse(
        engine: Engine,
        name: &str,
        op: &Op,
        at: Pos,
        arg: &mut dyn FnMut(&str) -> Res<i128>,
    ) -> Res<Option<EngineLaw>> {
        let mut unsigned = |key: &str| -> Res<u64> {
            let v = arg(key)?;
            u64::try_from(v).map_err(|_| (at, format!("`{key}={v}` must be 0 or more")))
        };
        let bounded = |v: u64, max: u64, key: &str| -> Res<u16> {
            u16::try_from(v)
                .ok()
                .filter(|v| u64::from(*v) <= max)
                .ok_or_else(|| (at, format!("`{key}={v}` is past {max}")))
        };
        if engine == Engine::MicroPython {
            return MicroPythonLaw::parse(name, op, at, &mut unsigned).map(|l| l.map(EngineLaw::MicroPython));
        }
        let law = match (engine, name) {
            (Engine::Skybison, "header-round-trip") => EngineLaw::SkybisonHeaderRoundTrip(HeaderFields {
                format: unsigned("format")?,
                layout_id: unsigned("layout")?,
                count: unsigned("count")?,
                hash: unsigned("hash")?,
            }),
            (Engine::Skybison, "object-size") => EngineLaw::SkybisonObjectSize {
                format: unsigned("format")?,
                count: unsigned("count")?,
            },
            (Engine::Skybison, "address-in-granule") => match unsigned("overflow")? {
                0 => EngineLaw::SkybisonAddressInGranule { overflow: false },
                1 => EngineLaw::SkybisonAddressInGranule { overflow: true },
                v => return Err((at, format!("`overflow={v}` must be 0 or 1"))),
            },
            (Engine::Julia, "header-round-trip") => EngineLaw::JuliaHeaderRoundTrip,
            (Engine::Julia, "well-formed-header") => EngineLaw::JuliaWellFormedHeader,
            (Engine::Julia, "cell-is-smallest-class") => EngineLaw::JuliaCellIsSmallestClass {
                payload: unsigned("payload")?,
            },
            (Engine::Microvium, "footprint") => EngineLaw::MicroviumFootprint {
                size: bounded(
                    unsigned("size")?,
                    microvium::header::MAX_ALLOCATION_SIZE_BYTES.into(),
                    "size",
                )?,
            },
            (Engine::Microvium, "header-round-trip") => EngineLaw::MicroviumHeaderRoundTrip {
                type_code: bounded(unsigned("type")?, 0xF, "type")? as u8,
                size: bounded(
                    unsigned("size")?,
                    microvium::header::MAX_ALLOCATION_SIZE_BYTES.into(),
                    "size",
                )?,
            },

            _ => return Ok(None),
        };
        let fits = match law.after() {
            After::Read => matches!(op, Op::Read(..)),
            After::Alloc => matches!(op, Op::Alloc { .. }),
            After::Pointer => matches!(op, Op::Alloc { .. } | Op::Read(..)),
            After::Own => true,
        };
        if !fits {
            let needs = match law.after() {
                After::Read => "a read step",
                After::Alloc => "an alloc step",
                After::Pointer => "an alloc or read step",
                After::Own => "its own step",
            };
            return Err(misplaced(law.name(), needs, op, at));
        }
        Ok(Some(law))
    }

    /// Checks the law against what the step gave.
    pub fn check(&self, seen: &Seen<'_>) -> LawResult {
        let (outcome, word) = (seen.outcome, seen.word);
        let no_word = || {
            memspec::law::Violation::new(
                self.name(),
                format_args!("the law needs the word the step gave, and it gave none"),
            )
        };
        let allocated = || match outcome {
            Outcome::Allocated(a) => Ok(a.bytes),
            _ => Err(memspec::law::Violation::new(
                self.name(),
                format_args!("the law needs an allocation, and the step allocated nothing"),
            )),
        };
        match *self {
            EngineLaw::SkybisonHeaderRoundTrip(fields) => {
                let w = word.ok_or_else(no_word)?;
                skybison::laws::header_round_trip(fields, w, HeaderFields::of(w))
            }
            EngineLaw::SkybisonObjectSize { format, count } => {
                skybison::laws::object_size(format, count, allocated()?)
            }
            EngineLaw::SkybisonAddressInGranule { overflow } => {
                let w = word.ok_or_else(no_word)?;
                let tag = skybison::tags::PRIMARY_TAG_MASK;
                if w & tag != skybison::tags::HEAP_OBJECT_TAG {
                    return Err(memspec::law::Violation::new(
                        self.name(),
                        format_args!(
                            "{w:#018x} is no heap-object word: low bits {:03b}, expected 001",
                            w & tag
                        ),
                    ));
                }
                skybison::laws::address_in_granule(w - skybison::heap::POINTER_TAG_OFFSET_BYTES, overflow)
            }
            EngineLaw::JuliaHeaderRoundTrip => julia::header::header_round_trip(word.ok_or_else(no_word)?),
            EngineLaw::JuliaWellFormedHeader => julia::header::well_formed_header(word.ok_or_else(no_word)?),
            EngineLaw::JuliaCellIsSmallestClass { payload } => {
                julia::size_class::cell_is_smallest_class(payload, allocated()?)
            }
            EngineLaw::MicroviumFootprint { size } => {
                microvium::law::footprint_is_header_plus_even_body(size, allocated()?)
            }
            EngineLaw::MicroviumHeaderRoundTrip { type_code, size } => {
                let w = word.ok_or_else(no_word)?;
                let w = u16::try_from(w).map_err(|_| {
                    memspec::law::Violation::new(
                        self.name(),
                        format_args!("{w:#x} is wider than Microvium's 16-bit allocation header"),
                    )
                })?;
                let fields = microvium::header::ALLOCATION_HEADER.fields;
                let unpacked = (fields[1].get(w.into()) as u8, fields[0].get(w.into()) as u16);
                microvium::law::header_round_trip(type_code, size, w, unpacked)
            }
            EngineLaw::MicroPython(l) => l.check(seen),
        }
    }
}

#[cfg(test)]
mod tests {
    use memspec::profile::ProfileId;
    use memspec_impl::reference::Reference;

    use super::*;
    use crate::check::{Execution, execute};
    use crate::plan::Plan;

    /// Runs `body` as a case of `engine` under `profile` against the reference; the problems found.
    fn problems(engine: &str, profile: ProfileId, head: &str, body: &str) -> Vec<String> {
        let text = format!(
            ";;! case-format: 1\n;;! about: engine laws\n;;! profiles: {}\n{head}\n;;! claims: none\n\
             ;;! source s: derived the test's own values\n{body}",
            profile.name()
        );
        let case = match crate::case::parse("test.case", engine, "laws", "t", &text) {
            Ok(c) => c,
            Err(e) => panic!("the test case does not parse: {e}"),
        };
        let Some(plan) = Plan::new(&case, profile) else {
            panic!("no plan under {}", profile.name());
        };
        let mut arena = vec![0u8; 1 << 20];
        match execute(&plan, &mut Reference::new(&mut arena)) {
            Execution::Passed(_) => Vec::new(),
            Execution::Failed(_, p) | Execution::Unsteady(_, p) => p,
            Execution::Skipped(why) | Execution::Unavailable(why) => panic!("not run: {why}"),
        }
    }

    #[test]
    fn skybison_laws_hold_for_a_tuple_and_name_themselves_when_broken() {
        let head = ";;! needs: alloc inspect raw-alloc";
        let good = "start arena=4096\nalloc t = tuple len=3\n\
                    \x20 expect law object-size format=1 count=3 from s\n\
                    \x20 expect law address-in-granule overflow=0 from s\n\
                    read t[-1]\n  expect law header-round-trip format=1 layout=43 count=3 hash=0 from s\n";
        assert_eq!(
            problems("skybison", ProfileId::Skybison64, head, good),
            Vec::<String>::new()
        );
        let bad = "start arena=4096\nalloc t = tuple len=3\n\
                   \x20 expect law object-size format=1 count=4 from s\n\
                   \x20 expect law address-in-granule overflow=1 from s\n\
                   read t[-1]\n  expect law header-round-trip format=1 layout=41 count=3 hash=0 from s\n\
                   read t[0]\n  expect law address-in-granule overflow=0 from s\n";
        let p = problems("skybison", ProfileId::Skybison64, head, bad);
        assert_eq!(p.len(), 4, "{p:#?}");
        for (got, law) in p.iter().zip([
            "object-size",
            "address-in-granule",
            "header-round-trip",
            "address-in-granule",
        ]) {
            assert!(got.contains(&format!("law `{law}` broken")), "{got}");
        }
        assert!(p[3].contains("no heap-object word"), "{}", p[3]);
    }

    #[test]
    fn julia_laws_hold_for_a_buffer_and_name_themselves_when_broken() {
        let head = ";;! needs: alloc inspect raw-alloc";
        let good = "start arena=1048576\nalloc b = raw bytes=24\n\
                    \x20 expect law cell-is-smallest-class payload=24 from s\n\
                    read b[-1]\n  expect law header-round-trip from s\n  expect law well-formed-header from s\n";
        assert_eq!(
            problems("julia", ProfileId::Julia64, head, good),
            Vec::<String>::new()
        );
        let bad = "start arena=1048576\nalloc b = raw bytes=24\n\
                   \x20 expect law cell-is-smallest-class payload=40 from s\n";
        let p = problems("julia", ProfileId::Julia64, head, bad);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(p[0].contains("law `cell-is-smallest-class` broken"), "{}", p[0]);
    }

    #[test]
    fn microvium_laws_hold_for_a_string_and_name_themselves_when_broken() {
        let head = ";;! needs: alloc inspect raw-alloc";
        let ok = problems(
            "microvium",
            ProfileId::Microvium,
            head,
            "start arena=65536\nalloc s = string text=\"ab\"\n  expect law footprint size=3 from s\n\
             read s[-1]\n  expect law header-round-trip type=3 size=3 from s\n",
        );
        assert!(ok.is_empty(), "{ok:?}");
        let bad = problems(
            "microvium",
            ProfileId::Microvium,
            head,
            "start arena=65536\nalloc s = string text=\"abc\"\n  expect law footprint size=5 from s\n\
             read s[-1]\n  expect law header-round-trip type=4 size=4 from s\n",
        );
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(
            bad[0].contains("footprint-is-header-plus-even-body"),
            "{}",
            bad[0]
        );
        assert!(bad[1].contains("packed as 0x3004"), "{}", bad[1]);
    }

    #[test]
    fn a_microvium_header_word_wider_than_16_bits_breaks_the_law_instead_of_being_cut() {
        // 0x1_3003 would pass as 0x3003 (a string of 3 bytes) if the word were cut to 16 bits.
        let law = EngineLaw::MicroviumHeaderRoundTrip {
            type_code: 3,
            size: 3,
        };
        let stats = BTreeMap::new();
        let check = |word| {
            law.check(&Seen {
                outcome: &Outcome::Word(word),
                word: Some(word),
                stats: &stats,
                text: "",
                profile: ProfileId::Microvium.profile(),
            })
        };
        assert!(check(0x3003).is_ok());
        let v = check(0x1_3003).unwrap_err();
        assert!(v.message.as_str().contains("0x13003 is wider than"), "{v}");
    }

    #[test]
    fn alloc_word_compares_with_the_alloc_and_sees_a_copying_collector_move_it() {
        let head = ";;! needs: alloc link root collect inspect raw-alloc";
        let body = "start arena=4096\nalloc b = float value=1.5\nalloc a = tuple len=1\nroot a\n\
                    link a[0] -> b\nread a[0]\n  expect alloc-word b from s\n  expect not-alloc-word b from s\n\
                    collect\nread a[0]\n  expect alloc-word b from s\n  expect not-alloc-word b from s\n";
        let p = problems("skybison", ProfileId::Skybison64, head, body);
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(
            p[0].contains("`expect not-alloc-word`") && p[0].contains("any word but"),
            "{}",
            p[0]
        );
        assert!(
            p[1].contains("`expect alloc-word`") && p[1].contains("exactly"),
            "{}",
            p[1]
        );
    }

    #[test]
    fn a_law_without_its_observation_says_what_it_needed() {
        let stats = BTreeMap::new();
        let seen = |word| Seen {
            outcome: &Outcome::Done,
            word,
            stats: &stats,
            text: "",
            profile: None,
        };
        let header = EngineLaw::JuliaHeaderRoundTrip.check(&seen(None));
        assert!(header.is_err_and(|v| v.message.as_str().contains("needs the word")));
        let size = EngineLaw::SkybisonObjectSize { format: 0, count: 8 }.check(&seen(Some(0)));
        assert!(size.is_err_and(|v| v.message.as_str().contains("needs an allocation")));
    }
}

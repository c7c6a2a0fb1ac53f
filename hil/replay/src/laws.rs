//! Which laws a step's result is checked against, on the target as on the host.

use memspec::law::{self, LawResult};
use memspec::micropython::laws as mp_laws;
use memspec::profile::IntRange;
use memspec::step::{Outcome, Step};
use memspec::subject::{ErrorKind, SubjectResult, Value, stat};
use memspec::{Engine, Evidence, Profile, TagClass, TagRule};

use crate::ProfileTables;

/// The evidence a table made for the laws gives in place of the original's.
const NO_EVIDENCE: Evidence = Evidence::Derived("");

/// A copy of `profile` holding only what [`check`] reads: the id, the word width, `tags` (see
/// [`law_tags`]) and the small-int range. Its prose (summary, facts, sizes, layouts, immediates,
/// evidence) is left out, so a firmware that checks laws against it does not carry that text in its
/// flash. Use it through [`law_profile!`](crate::law_profile).
pub const fn for_laws(profile: &Profile, tags: &'static [TagRule]) -> Profile {
    Profile {
        summary: "",
        engine_version: "",
        tags,
        immediates: &[],
        small_int: IntRange {
            source: NO_EVIDENCE,
            ..profile.small_int
        },
        facts: &[],
        layouts: &[],
        sizes: &[],
        ..*profile
    }
}

/// The tag rules of a profile made for the laws: each rule's class, bit tests and range, without its
/// encoding text and evidence. `N` is `tags.len()`.
pub const fn law_tags<const N: usize>(tags: &[TagRule]) -> [TagRule; N] {
    const EMPTY: TagRule = TagRule {
        class: TagClass::Invalid,
        tests: &[],
        range: None,
        encoding: "",
        source: NO_EVIDENCE,
    };
    let mut out = [EMPTY; N];
    let mut i = 0;
    while i < N {
        out[i] = TagRule {
            encoding: "",
            source: NO_EVIDENCE,
            ..tags[i]
        };
        i += 1;
    }
    out
}

/// `&'static Profile`: the profile at the constant path given, made [`for_laws`].
#[macro_export]
macro_rules! law_profile {
    ($profile:path) => {{
        const TAGS: [::memspec::TagRule; $profile.tags.len()] = $crate::laws::law_tags($profile.tags);
        const PROFILE: ::memspec::Profile = $crate::laws::for_laws(&$profile, &TAGS);
        &PROFILE
    }};
}

/// Every profile of [`memspec::profile::PROFILES`], in its order, made [`for_laws`]: the tables the
/// host, QEMU and the board check laws against.
pub static LAW_PROFILES: ProfileTables = &[
    law_profile!(memspec::micropython::A32),
    law_profile!(memspec::micropython::A64),
    law_profile!(memspec::micropython::B64),
    law_profile!(memspec::micropython::C32),
    law_profile!(memspec::micropython::D32),
    law_profile!(memspec::microvium::PROFILE),
    law_profile!(memspec::skybison::PROFILE),
    law_profile!(memspec::julia::JULIA64),
];

/// The MicroPython figure of the largest area the heap could still add, which `gc.mem_free()`
/// counts as free (`py/gc.c` `gc_get_max_new_split`; named so by the reference's MicroPython
/// subject, `impl/src/micropython/subject.rs`).
pub const MAX_NEW_SPLIT: &str = "gc.max_new_split";

/// The heap figures a `stats` step reported, for the accounting laws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// `heap.used`, in bytes.
    pub used: Option<u64>,
    /// `heap.free`, in bytes.
    pub free: Option<u64>,
    /// `heap.total`, in bytes.
    pub total: Option<u64>,
    /// [`MAX_NEW_SPLIT`], in bytes.
    pub max_new_split: Option<u64>,
}

impl Figures {
    /// Notes a figure if it is one the laws use.
    pub fn note(&mut self, name: &str, value: u64) {
        match name {
            stat::USED => self.used = Some(value),
            stat::FREE => self.free = Some(value),
            stat::TOTAL => self.total = Some(value),
            MAX_NEW_SPLIT => self.max_new_split = Some(value),
            _ => {}
        }
    }
}

/// Checks every law that applies to `step` having returned `result`, calling `verdict` once per check.
pub fn check(
    profile: &Profile,
    step: &Step<'_>,
    result: &SubjectResult<Outcome>,
    figures: &Figures,
    verdict: &mut dyn FnMut(LawResult),
) {
    match (step, result) {
        (Step::Encode(v), Ok(Outcome::Encoded(e))) => {
            verdict(law::exactly_one_class(profile, e.word));
            verdict(law::word_has_class(profile, e.word, e.class));
            if let Value::Int(i) = v {
                verdict(law::small_int_iff_in_range(
                    &profile.small_int,
                    *i,
                    e.class == TagClass::SmallInt,
                ));
            }
        }
        (Step::Encode(Value::Int(i)), Err(e)) if e.kind == ErrorKind::NotImmediate => {
            verdict(law::small_int_iff_in_range(&profile.small_int, *i, false));
        }
        (Step::Decode(word), Ok(Outcome::Decoded(class, _))) => {
            verdict(law::exactly_one_class(profile, *word));
            verdict(law::word_has_class(profile, *word, *class));
        }
        (Step::Alloc { .. }, Ok(Outcome::Allocated(a))) => {
            verdict(law::exactly_one_class(profile, a.word));
        }
        (Step::Stats, Ok(_)) => {
            if let (Some(used), Some(free), Some(total)) = (figures.used, figures.free, figures.total) {
                // MicroPython's free bytes include the area a growing heap could still add.
                verdict(match profile.id.engine() {
                    Engine::MicroPython => mp_laws::alloc_plus_free_is_pool(
                        used,
                        free,
                        total,
                        figures.max_new_split.unwrap_or(0),
                    ),
                    _ => law::used_plus_free_is_pool(used, free, total),
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_law_tables_are_the_profile_tables_in_what_the_laws_read() {
        let full = memspec::profile::PROFILES;
        assert_eq!(LAW_PROFILES.len(), full.len());
        for (slim, p) in LAW_PROFILES.iter().zip(full) {
            assert_eq!(slim.id, p.id);
            assert_eq!(slim.value_width, p.value_width, "{}", p.id.name());
            assert_eq!(
                (slim.small_int.min, slim.small_int.max),
                (p.small_int.min, p.small_int.max),
                "{}",
                p.id.name()
            );
            assert_eq!(slim.gc, p.gc, "{}", p.id.name());
            assert_eq!(slim.tags.len(), p.tags.len(), "{}", p.id.name());
            for (s, t) in slim.tags.iter().zip(p.tags) {
                assert_eq!(
                    (s.class, s.tests, s.range),
                    (t.class, t.tests, t.range),
                    "{}",
                    p.id.name()
                );
            }
            assert!(slim.facts.is_empty() && slim.sizes.is_empty() && slim.summary.is_empty());
        }
    }
}

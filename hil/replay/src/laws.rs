//! Which laws a step's result is checked against, on the target as on the host.

use memspec::law::{self, LawResult};
use memspec::micropython::laws as mp_laws;
use memspec::step::{Outcome, Step};
use memspec::subject::{ErrorKind, SubjectResult, Value, stat};
use memspec::{Engine, Profile, TagClass};

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

//! Splitting one run across machines: `memspec run --partition count:K/N` or `hash:K/N`, spelt as
//! nextest spells it. Partition K of N (counted from 1) keeps:
//!
//! * `count:K/N`: the planned trials at positions K-1, K-1+N, K-1+2N, ... of the plan (the matrix in
//!   subject, case, profile order, after `--subject`, `--profile` and `--failed`);
//! * `hash:K/N`: the trials whose name's FNV-1a hash is K-1 modulo N, so a trial stays in its
//!   partition when others are added or removed.
//!
//! The N partitions of a plan are disjoint and together hold every trial once; their reports joined
//! with `memspec report merge` are the report of the whole run.

use std::fmt;

/// How a partition picks its trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// By position in the plan.
    Count,
    /// By a hash of the trial's name.
    Hash,
}

/// One partition of a run: `scheme:index/total`, `index` counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// How trials are assigned.
    pub scheme: Scheme,
    /// Which partition, 1 ..= `total`.
    pub index: u64,
    /// How many partitions.
    pub total: u64,
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.scheme {
            Scheme::Count => "count",
            Scheme::Hash => "hash",
        };
        write!(f, "{s}:{}/{}", self.index, self.total)
    }
}

/// FNV-1a, 64 bits: a hash that is the same on every machine and every build.
fn fnv1a(text: &str) -> u64 {
    /// The FNV-1a 64-bit offset basis and prime (the FNV specification, draft-eastlake-fnv).
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    text.bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

impl Partition {
    /// Parses `count:K/N` or `hash:K/N`.
    pub fn parse(text: &str) -> Result<Partition, String> {
        let usage = || format!("--partition `{text}`: write count:K/N or hash:K/N with 1 <= K <= N");
        let (scheme, rest) = text.split_once(':').ok_or_else(usage)?;
        let scheme = match scheme {
            "count" => Scheme::Count,
            "hash" => Scheme::Hash,
            _ => return Err(usage()),
        };
        let (k, n) = rest.split_once('/').ok_or_else(usage)?;
        let index: u64 = k.parse().map_err(|_| usage())?;
        let total: u64 = n.parse().map_err(|_| usage())?;
        if index == 0 || index > total {
            return Err(usage());
        }
        Ok(Partition { scheme, index, total })
    }

    /// Whether the trial at `position` of the plan, named `name`, is in this partition.
    pub fn keeps(&self, position: usize, name: &str) -> bool {
        let bucket = match self.scheme {
            Scheme::Count => position as u64 % self.total,
            Scheme::Hash => fnv1a(name) % self.total,
        };
        bucket == self.index - 1
    }

    /// The names of `planned` (in plan order) this partition keeps.
    pub fn select<'a>(&self, planned: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        planned
            .into_iter()
            .enumerate()
            .filter(|(i, n)| self.keeps(*i, n))
            .map(|(_, n)| n.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_spelt_as_nextest_spells_them() {
        assert_eq!(
            Partition::parse("count:2/4"),
            Ok(Partition {
                scheme: Scheme::Count,
                index: 2,
                total: 4
            })
        );
        assert_eq!(
            Partition::parse("hash:1/3").map(|p| p.to_string()),
            Ok("hash:1/3".into())
        );
        for bad in [
            "count:0/4",
            "count:5/4",
            "count:1",
            "slice:1/2",
            "hash:a/2",
            "count:1/0",
            "",
        ] {
            let e = Partition::parse(bad).unwrap_err();
            assert!(e.contains("count:K/N or hash:K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_partitions_of_a_plan_are_disjoint_and_hold_every_trial_once() {
        let names: Vec<String> = (0..103)
            .map(|i| format!("ref/micropython-a32/s::case_{i}"))
            .collect();
        for scheme in ["count", "hash"] {
            let mut all: Vec<String> = Vec::new();
            let mut sizes = Vec::new();
            for k in 1..=4 {
                let p = Partition::parse(&format!("{scheme}:{k}/4")).unwrap();
                let part = p.select(names.iter().map(String::as_str));
                sizes.push(part.len());
                all.extend(part);
            }
            all.sort();
            let mut want = names.clone();
            want.sort();
            assert_eq!(all, want, "{scheme}: every trial in exactly one partition");
            assert!(
                sizes.iter().all(|s| *s > 0),
                "{scheme}: no empty partition: {sizes:?}"
            );
        }
    }

    #[test]
    fn count_partitions_deal_the_plan_round_robin() {
        let names = ["a", "b", "c", "d", "e"];
        let p = Partition::parse("count:2/2").unwrap();
        assert_eq!(p.select(names), ["b", "d"]);
    }

    #[test]
    fn the_hash_is_fnv1a() {
        // FNV-1a 64 test vectors from the FNV specification: "" and "a".
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}

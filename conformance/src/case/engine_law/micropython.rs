//! The MicroPython laws of `memspec::micropython::laws`, as cases write them.
//!
//! | law | after | checks |
//! |---|---|---|
//! | `mem-alloc-is-whole-blocks` | `stats` | `heap.used` with `laws::mem_alloc_is_whole_blocks` |
//! | `alloc-plus-free-is-pool split=N` | `stats` | `heap.used + heap.free = heap.total + N` with `laws::alloc_plus_free_is_pool` |
//! | `pool-follows-area-formula area=T ftb=0\|1 wtb=0\|1` | `stats` | `heap.total` with `laws::pool_follows_area_formula` |
//! | `free-counts-reported-split` | `stats` | `heap.used + heap.free = heap.total + gc.max_new_split`, the split as the subject reports it (0 when it reports none), with `laws::alloc_plus_free_is_pool` |
//! | `pool-is-whole-atb-bytes` | `stats` | `heap.total`, as the subject reports it, with `laws::pool_is_whole_atb_bytes` |
//! | `side-tables-clear-of-pool area=T ftb=0\|1 wtb=0\|1` | `stats` | the heap is that area's pool, then `laws::side_tables_clear_of_pool` |
//! | `collect-return-value retval=0\|1` | `collect` | what collect returned beside what it freed, `laws::collect_return_value` |
//! | `atb-entry-is block=B kind=K` | `heap-map` | the map's ATB entry of block B is the code K (`AT_FREE` 0 .. `AT_MARK` 3), `laws::atb_entry_is` |
//! | `no-orphan-tail` | `heap-map` | `laws::no_orphan_tail` on the blocks of each area of the map |
//! | `mem-info-agrees-with-atb` | `heap-map` | `laws::mem_info_agrees_with_areas`: the `GC:` summary against the blocks of all the map's areas |
//! | `heap-map-agrees-with-atb` | `heap-map` | `laws::heap_map_agrees_with_atb` on each area: the map's lines keep `gc_dump_alloc_table`'s rules |
//!
//! The block size is the profile's `MICROPY_BYTES_PER_GC_BLOCK` fact. The map laws read the blocks from
//! the map itself (`heap_map::decode`), so they check how the map is printed and what the summary says
//! of it, not which blocks are used: the case's `map-line` expectations say that.

use memspec::law::{LawResult, Violation};
use memspec::micropython::heap::{BLOCKS_PER_ATB, BlockIndex, BlockKind, SideTables};
use memspec::micropython::{heap_map, laws};
use memspec::step::Outcome;
use memspec::subject::stat;

use super::Seen;
use crate::case::{Op, Pos};

/// A MicroPython law with the arguments the case gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MicroPythonLaw {
    /// `mem-alloc-is-whole-blocks`.
    MemAllocIsWholeBlocks,
    /// `alloc-plus-free-is-pool split=N`.
    AllocPlusFreeIsPool {
        /// Bytes the heap could still add (`max new split`), 0 where it does not grow.
        split: u64,
    },
    /// `pool-follows-area-formula area=T ftb=F wtb=W`.
    PoolFollowsAreaFormula {
        /// The area's bytes after `gc_init` rounded its end down to a block.
        area: u64,
        /// Which side tables the build has.
        tables: SideTables,
    },
    /// `pool-is-whole-atb-bytes`.
    PoolIsWholeAtbBytes,
    /// `free-counts-reported-split`.
    FreeCountsReportedSplit,
    /// `side-tables-clear-of-pool area=T ftb=F wtb=W`.
    SideTablesClearOfPool {
        /// The area's bytes after rounding.
        area: u64,
        /// Which side tables the build has.
        tables: SideTables,
    },
    /// `collect-return-value retval=0|1`.
    CollectReturnValue {
        /// `MICROPY_PY_GC_COLLECT_RETVAL`.
        retval: bool,
    },
    /// `atb-entry-is block=B kind=K`.
    AtbEntryIs {
        /// The block, counted from the pool's start.
        block: u64,
        /// The ATB code expected.
        kind: BlockKind,
    },
    /// `no-orphan-tail`.
    NoOrphanTail,
    /// `mem-info-agrees-with-atb`.
    MemInfoAgreesWithAtb,
    /// `heap-map-agrees-with-atb`.
    HeapMapAgreesWithAtb,
}

/// The names of the MicroPython laws, for error messages.
pub const NAMES: &[&str] = &[
    "mem-alloc-is-whole-blocks",
    "alloc-plus-free-is-pool",
    "pool-follows-area-formula",
    "pool-is-whole-atb-bytes",
    "free-counts-reported-split",
    "side-tables-clear-of-pool",
    "collect-return-value",
    "atb-entry-is",
    "no-orphan-tail",
    "mem-info-agrees-with-atb",
    "heap-map-agrees-with-atb",
];

type Res<T> = Result<T, (Pos, String)>;

/// The figure a subject reports `max new split` under, where its heap grows by new areas
/// (`py/gc.c` `gc_dump_info` with `MICROPY_GC_SPLIT_HEAP_AUTO`).
pub const MAX_NEW_SPLIT: &str = "gc.max_new_split";

fn flag(at: Pos, key: &str, v: u64) -> Res<bool> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err((at, format!("`{key}={v}` must be 0 or 1"))),
    }
}

impl MicroPythonLaw {
    /// The law's name as written.
    pub fn name(&self) -> &'static str {
        match self {
            MicroPythonLaw::MemAllocIsWholeBlocks => "mem-alloc-is-whole-blocks",
            MicroPythonLaw::AllocPlusFreeIsPool { .. } => "alloc-plus-free-is-pool",
            MicroPythonLaw::PoolFollowsAreaFormula { .. } => "pool-follows-area-formula",
            MicroPythonLaw::PoolIsWholeAtbBytes => "pool-is-whole-atb-bytes",
            MicroPythonLaw::FreeCountsReportedSplit => "free-counts-reported-split",
            MicroPythonLaw::SideTablesClearOfPool { .. } => "side-tables-clear-of-pool",
            MicroPythonLaw::CollectReturnValue { .. } => "collect-return-value",
            MicroPythonLaw::AtbEntryIs { .. } => "atb-entry-is",
            MicroPythonLaw::NoOrphanTail => "no-orphan-tail",
            MicroPythonLaw::MemInfoAgreesWithAtb => "mem-info-agrees-with-atb",
            MicroPythonLaw::HeapMapAgreesWithAtb => "heap-map-agrees-with-atb",
        }
    }

    /// The step the law's observation comes from, and how the case says it.
    fn after(&self) -> (fn(&Op) -> bool, &'static str) {
        match self {
            MicroPythonLaw::MemAllocIsWholeBlocks
            | MicroPythonLaw::AllocPlusFreeIsPool { .. }
            | MicroPythonLaw::PoolFollowsAreaFormula { .. }
            | MicroPythonLaw::PoolIsWholeAtbBytes
            | MicroPythonLaw::FreeCountsReportedSplit
            | MicroPythonLaw::SideTablesClearOfPool { .. } => {
                (|op| matches!(op, Op::Stats(_)), "a stats step")
            }
            MicroPythonLaw::CollectReturnValue { .. } => (|op| matches!(op, Op::Collect), "a collect step"),
            MicroPythonLaw::AtbEntryIs { .. }
            | MicroPythonLaw::NoOrphanTail
            | MicroPythonLaw::MemInfoAgreesWithAtb
            | MicroPythonLaw::HeapMapAgreesWithAtb => (|op| matches!(op, Op::HeapMap), "a heap-map step"),
        }
    }

    /// Parses the law `name`, written at `at`, after the step `op`; `arg` reads the next
    /// `key=<number>` as 0 or more. `Ok(None)` when MicroPython has no law of that name.
    pub fn parse(
        name: &str,
        op: &Op,
        at: Pos,
        arg: &mut dyn FnMut(&str) -> Res<u64>,
    ) -> Res<Option<MicroPythonLaw>> {
        let tables = |arg: &mut dyn FnMut(&str) -> Res<u64>| -> Res<(u64, SideTables)> {
            let area = arg("area")?;
            let finaliser = flag(at, "ftb", arg("ftb")?)?;
            let weakref = flag(at, "wtb", arg("wtb")?)?;
            Ok((area, SideTables { finaliser, weakref }))
        };
        let law = match name {
            "mem-alloc-is-whole-blocks" => MicroPythonLaw::MemAllocIsWholeBlocks,
            "alloc-plus-free-is-pool" => MicroPythonLaw::AllocPlusFreeIsPool { split: arg("split")? },
            "pool-follows-area-formula" => {
                let (area, tables) = tables(arg)?;
                MicroPythonLaw::PoolFollowsAreaFormula { area, tables }
            }
            "pool-is-whole-atb-bytes" => MicroPythonLaw::PoolIsWholeAtbBytes,
            "free-counts-reported-split" => MicroPythonLaw::FreeCountsReportedSplit,
            "side-tables-clear-of-pool" => {
                let (area, tables) = tables(arg)?;
                MicroPythonLaw::SideTablesClearOfPool { area, tables }
            }
            "collect-return-value" => MicroPythonLaw::CollectReturnValue {
                retval: flag(at, "retval", arg("retval")?)?,
            },
            "atb-entry-is" => {
                let block = arg("block")?;
                let code = arg("kind")?;
                let kind = BlockKind::ALL
                    .into_iter()
                    .find(|k| u64::from(k.code()) == code)
                    .ok_or_else(|| {
                        (
                            at,
                            format!(
                                "`kind={code}` is no ATB code: AT_FREE 0, AT_HEAD 1, AT_TAIL 2, AT_MARK 3"
                            ),
                        )
                    })?;
                MicroPythonLaw::AtbEntryIs { block, kind }
            }
            "no-orphan-tail" => MicroPythonLaw::NoOrphanTail,
            "mem-info-agrees-with-atb" => MicroPythonLaw::MemInfoAgreesWithAtb,
            "heap-map-agrees-with-atb" => MicroPythonLaw::HeapMapAgreesWithAtb,
            _ => return Ok(None),
        };
        let (fits, needs) = law.after();
        if !fits(op) {
            return Err(super::misplaced(law.name(), needs, op, at));
        }
        Ok(Some(law))
    }

    /// Checks the law against what its step gave.
    pub fn check(&self, seen: &Seen<'_>) -> LawResult {
        let fail = |message: std::fmt::Arguments<'_>| Violation::new(self.name(), message);
        let figure = |name: &str| {
            seen.stats.get(name).copied().ok_or_else(|| {
                let names: Vec<_> = seen.stats.keys().map(String::as_str).collect();
                fail(format_args!(
                    "the law needs the figure {name}; the step reported {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            })
        };
        let block_bytes = || {
            seen.profile
                .and_then(|p| p.fact("MICROPY_BYTES_PER_GC_BLOCK"))
                .and_then(|f| u64::try_from(f.value).ok())
                .ok_or_else(|| fail(format_args!("the profile has no MICROPY_BYTES_PER_GC_BLOCK fact")))
        };
        match *self {
            MicroPythonLaw::MemAllocIsWholeBlocks => {
                laws::mem_alloc_is_whole_blocks(figure(stat::USED)?, block_bytes()?)
            }
            MicroPythonLaw::AllocPlusFreeIsPool { split } => laws::alloc_plus_free_is_pool(
                figure(stat::USED)?,
                figure(stat::FREE)?,
                figure(stat::TOTAL)?,
                split,
            ),
            MicroPythonLaw::PoolFollowsAreaFormula { area, tables } => {
                laws::pool_follows_area_formula(area, block_bytes()?, tables, figure(stat::TOTAL)?)
            }
            MicroPythonLaw::FreeCountsReportedSplit => laws::alloc_plus_free_is_pool(
                figure(stat::USED)?,
                figure(stat::FREE)?,
                figure(stat::TOTAL)?,
                seen.stats.get(MAX_NEW_SPLIT).copied().unwrap_or(0),
            ),
            MicroPythonLaw::PoolIsWholeAtbBytes => {
                laws::pool_is_whole_atb_bytes(figure(stat::TOTAL)?, block_bytes()?)
            }
            MicroPythonLaw::SideTablesClearOfPool { area, tables } => {
                let bpb = block_bytes()?;
                // The law is about this heap only if its pool is the area's.
                laws::pool_follows_area_formula(area, bpb, tables, figure(stat::TOTAL)?)?;
                laws::side_tables_clear_of_pool(area, bpb, tables)
            }
            MicroPythonLaw::CollectReturnValue { retval } => match seen.outcome {
                Outcome::Collected(c) => laws::collect_return_value(retval, c.returned, c.freed_allocations),
                _ => Err(fail(format_args!(
                    "the law needs a collection, and the step collected nothing"
                ))),
            },
            MicroPythonLaw::AtbEntryIs { block, kind } => {
                let blocks = map_blocks(seen.text, self.name())?;
                laws::atb_entry_is(&atb_bytes(&blocks), BlockIndex(block), kind)
            }
            MicroPythonLaw::NoOrphanTail => {
                for (_, blocks) in map_areas(seen.text, self.name())? {
                    laws::no_orphan_tail(&blocks)?;
                }
                Ok(())
            }
            MicroPythonLaw::MemInfoAgreesWithAtb => {
                let areas = map_areas(seen.text, self.name())?;
                let atbs: Vec<&[BlockKind]> = areas.iter().map(|(_, b)| b.as_slice()).collect();
                laws::mem_info_agrees_with_areas(seen.text, &atbs, block_bytes()?)
            }
            MicroPythonLaw::HeapMapAgreesWithAtb => {
                let bpb = block_bytes()?;
                for (from, blocks) in map_areas(seen.text, self.name())? {
                    laws::heap_map_agrees_with_atb(&seen.text[from..], &blocks, bpb)?;
                }
                Ok(())
            }
        }
    }
}

/// The blocks of the first area of a heap map, one kind each.
fn map_blocks(text: &str, law: &'static str) -> Result<Vec<BlockKind>, Violation> {
    // Every map character and every collapsed line's blocks, so the buffer always has room.
    let room = crate::check::count_map_blocks(text, ".=mTLDSAFBMh");
    let mut blocks = vec![BlockKind::Free; usize::try_from(room).unwrap_or(0)];
    let n = heap_map::decode(text, &mut blocks)
        .map_err(|v| Violation::new(law, format_args!("{}", v.message)))?;
    blocks.truncate(n);
    Ok(blocks)
}

/// Every area of a heap map, where its `GC memory layout; from` line starts in `text` and its
/// blocks; at least one (a map without any is an error).
fn map_areas(text: &str, law: &'static str) -> Result<Vec<(usize, Vec<BlockKind>)>, Violation> {
    let starts: Vec<usize> = text
        .match_indices(heap_map::AREA_HEADER)
        .map(|(i, _)| i)
        .filter(|i| *i == 0 || text[..*i].ends_with('\n'))
        .collect();
    if starts.is_empty() {
        return map_blocks(text, law).map(|b| vec![(0, b)]);
    }
    starts
        .into_iter()
        .map(|from| map_blocks(&text[from..], law).map(|b| (from, b)))
        .collect()
}

/// The ATB bytes of `blocks`: four 2-bit entries a byte, block 0 of a byte in its lowest bits
/// (`py/gc.c` `BLOCK_SHIFT`).
fn atb_bytes(blocks: &[BlockKind]) -> Vec<u8> {
    blocks
        .chunks(BLOCKS_PER_ATB as usize)
        .map(|four| {
            four.iter()
                .enumerate()
                .fold(0u8, |byte, (i, k)| byte | k.code() << (2 * i))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use memspec::profile::ProfileId;
    use memspec::subject::Collection;

    use super::*;

    /// A heap map of four 16-byte blocks: HEAD, TAIL, FREE, HEAD.
    const MAP: &str = "GC: total: 64, used: 48, free: 16\n No. of 1-blocks: 1, 2-blocks: 1, max blk sz: 2, max free sz: 1\n\
                       GC memory layout; from 20000000:\n00000000: h=.h\n";

    fn seen<'a>(outcome: &'a Outcome, stats: &'a BTreeMap<String, u64>, text: &'a str) -> Seen<'a> {
        Seen {
            outcome,
            word: None,
            stats,
            text,
            profile: ProfileId::MicropythonA32.profile(),
        }
    }

    fn figures(used: u64, free: u64, total: u64) -> BTreeMap<String, u64> {
        [(stat::USED, used), (stat::FREE, free), (stat::TOTAL, total)]
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect()
    }

    fn broken(law: MicroPythonLaw, s: &Seen<'_>) -> String {
        match law.check(s) {
            Ok(()) => panic!("law {} held", law.name()),
            Err(v) => v.to_string(),
        }
    }

    #[test]
    fn the_map_laws_hold_for_a_map_that_keeps_the_rules_and_show_the_block_when_not() {
        let none = BTreeMap::new();
        let done = Outcome::Done;
        for law in [
            MicroPythonLaw::NoOrphanTail,
            MicroPythonLaw::MemInfoAgreesWithAtb,
            MicroPythonLaw::HeapMapAgreesWithAtb,
            MicroPythonLaw::AtbEntryIs {
                block: 1,
                kind: BlockKind::Tail,
            },
        ] {
            assert_eq!(law.check(&seen(&done, &none, MAP)), Ok(()), "{}", law.name());
        }
        let m = broken(
            MicroPythonLaw::AtbEntryIs {
                block: 2,
                kind: BlockKind::Head,
            },
            &seen(&done, &none, MAP),
        );
        assert!(m.contains("entry 00 FREE, expected 01 HEAD"), "{m}");
        let orphan = MAP.replace("h=.h", "h.=h");
        let m = broken(MicroPythonLaw::NoOrphanTail, &seen(&done, &none, &orphan));
        assert!(m.contains("block 2 is TAIL"), "{m}");
        let m = broken(
            MicroPythonLaw::MemInfoAgreesWithAtb,
            &seen(&done, &none, &MAP.replace("used: 48", "used: 32")),
        );
        assert!(m.contains("printed  total 64 used 32"), "{m}");
        let m = broken(
            MicroPythonLaw::HeapMapAgreesWithAtb,
            &seen(&done, &none, "no map"),
        );
        assert!(m.contains("no line starts with `GC memory layout; from `"), "{m}");
    }

    #[test]
    fn the_map_laws_read_every_area_of_a_heap_that_grew() {
        // Two areas of four blocks: `h=..` and `h...`; gc_info sums them, and takes the largest runs.
        let two = "GC: total: 128, used: 48, free: 80\n No. of 1-blocks: 1, 2-blocks: 1, max blk sz: 2, max free sz: 3\n\
                   GC memory layout; from 20000000:\n00000000: h=..\nGC memory layout; from 30000000:\n00000000: h...\n";
        let none = BTreeMap::new();
        let done = Outcome::Done;
        for law in [
            MicroPythonLaw::NoOrphanTail,
            MicroPythonLaw::MemInfoAgreesWithAtb,
            MicroPythonLaw::HeapMapAgreesWithAtb,
        ] {
            assert_eq!(law.check(&seen(&done, &none, two)), Ok(()), "{}", law.name());
        }
        let m = broken(
            MicroPythonLaw::MemInfoAgreesWithAtb,
            &seen(&done, &none, &two.replace("max free sz: 3", "max free sz: 5")),
        );
        assert!(m.contains("max free 5") && m.contains("max free 3"), "{m}");
        let m = broken(
            MicroPythonLaw::NoOrphanTail,
            &seen(&done, &none, &two.replace("00000000: h...", "00000000: .=..")),
        );
        assert!(m.contains("block 1 is TAIL"), "{m}");
    }

    #[test]
    fn the_figure_laws_read_the_stats_step_and_say_what_is_missing() {
        let done = Outcome::Done;
        let ok = figures(48, 7952, 8000);
        let tables = SideTables {
            finaliser: true,
            weakref: false,
        };
        for law in [
            MicroPythonLaw::MemAllocIsWholeBlocks,
            MicroPythonLaw::AllocPlusFreeIsPool { split: 0 },
            MicroPythonLaw::PoolFollowsAreaFormula { area: 8192, tables },
            MicroPythonLaw::PoolIsWholeAtbBytes,
            MicroPythonLaw::FreeCountsReportedSplit,
            MicroPythonLaw::SideTablesClearOfPool { area: 8192, tables },
        ] {
            assert_eq!(law.check(&seen(&done, &ok, "")), Ok(()), "{}", law.name());
        }
        let m = broken(
            MicroPythonLaw::AllocPlusFreeIsPool { split: 134_217_728 },
            &seen(&done, &ok, ""),
        );
        assert!(m.contains("expected pool 8000 + max new split 134217728"), "{m}");
        let mut split = figures(48, 7952 + 134_217_728, 8000);
        assert_eq!(
            MicroPythonLaw::FreeCountsReportedSplit.check(&seen(&done, &split, "")),
            Err(Violation::new(
                "alloc-plus-free-is-pool",
                format_args!(
                    "mem_alloc 48 + mem_free 134225680 = 134225728, expected pool 8000 + max new split 0 = 8000"
                )
            ))
        );
        split.insert(MAX_NEW_SPLIT.to_string(), 134_217_728);
        assert_eq!(
            MicroPythonLaw::FreeCountsReportedSplit.check(&seen(&done, &split, "")),
            Ok(())
        );
        let m = broken(
            MicroPythonLaw::MemAllocIsWholeBlocks,
            &seen(&done, &figures(40, 7960, 8000), ""),
        );
        assert!(m.contains("2 blocks and 8 bytes"), "{m}");
        // The side tables of another area than this heap's: the law says so rather than judge them.
        let m = broken(
            MicroPythonLaw::SideTablesClearOfPool { area: 16384, tables },
            &seen(&done, &ok, ""),
        );
        assert!(m.contains("observed pool 8000 B"), "{m}");
        let none = BTreeMap::new();
        let m = broken(MicroPythonLaw::MemAllocIsWholeBlocks, &seen(&done, &none, ""));
        assert!(
            m.contains("needs the figure heap.used; the step reported none"),
            "{m}"
        );
        let mut no_tables = seen(&done, &ok, "");
        no_tables.profile = None;
        let m = broken(MicroPythonLaw::MemAllocIsWholeBlocks, &no_tables);
        assert!(m.contains("no MICROPY_BYTES_PER_GC_BLOCK fact"), "{m}");
    }

    #[test]
    fn the_return_value_law_needs_a_collection() {
        let none = BTreeMap::new();
        let freed = Outcome::Collected(Collection {
            freed_allocations: 3,
            freed_bytes: 48,
            returned: Some(3),
            finalisers_run: 0,
        });
        let law = MicroPythonLaw::CollectReturnValue { retval: true };
        assert_eq!(law.check(&seen(&freed, &none, "")), Ok(()));
        let m = broken(
            MicroPythonLaw::CollectReturnValue { retval: false },
            &seen(&freed, &none, ""),
        );
        assert!(m.contains("returned 3, expected None"), "{m}");
        let m = broken(law, &seen(&Outcome::Done, &none, ""));
        assert!(m.contains("needs a collection"), "{m}");
    }

    #[test]
    fn atb_bytes_put_block_0_in_the_lowest_bits() {
        use BlockKind::*;
        assert_eq!(
            atb_bytes(&[Head, Tail, Free, Mark, Head]),
            vec![0b11_00_10_01, 0b01]
        );
    }
}

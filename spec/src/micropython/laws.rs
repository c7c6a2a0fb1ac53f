//! MicroPython laws: invariants of the block heap, its tables and what `gc` and `mem_info` report.
//!
//! Each law takes observations (numbers a subject reported, the text it printed, the ATB it exposes)
//! and returns a [`Violation`] that puts the observed bits and numbers beside the expected ones. Like
//! every law, these allocate nothing.

use crate::law::{LawResult, Violation};
use crate::micropython::heap::{
    ALLOC_TABLE_GAP_BYTES, BLOCKS_PER_ATB, BlockIndex, BlockKind, SideTables, area_split, area_split_divisor,
    atb_slot,
};
use crate::micropython::heap_map::{
    AREA_HEADER, BLOCKS_PER_LINE, COLLAPSE_MIN_FREE_BLOCKS, COLLAPSED_PREFIX, COLLAPSED_SUFFIX, kind_of,
    line_prefix,
};
use crate::micropython::mem_info::{self, GcInfo};
use crate::text::Text;

/// `gc.mem_alloc()` (or any figure `gc_info` counts) is a whole number of blocks.
pub fn mem_alloc_is_whole_blocks(bytes: u64, bytes_per_block: u64) -> LawResult {
    if bytes_per_block != 0 && bytes.is_multiple_of(bytes_per_block) {
        return Ok(());
    }
    Err(Violation::new(
        "mem-alloc-is-whole-blocks",
        format_args!(
            "{bytes} bytes is {} blocks and {} bytes of {bytes_per_block}-byte blocks; gc_info counts whole blocks",
            bytes.checked_div(bytes_per_block).unwrap_or(0),
            bytes.checked_rem(bytes_per_block).unwrap_or(bytes),
        ),
    ))
}

/// `mem_alloc() + mem_free()` is the pool, plus the largest area the heap could still add where it
/// grows by itself (`max new split`, 0 elsewhere).
pub fn alloc_plus_free_is_pool(used: u64, free: u64, pool: u64, max_new_split: u64) -> LawResult {
    let expected = pool.checked_add(max_new_split);
    if used.checked_add(free).is_some() && used.checked_add(free) == expected {
        return Ok(());
    }
    Err(Violation::new(
        "alloc-plus-free-is-pool",
        format_args!(
            "mem_alloc {used} + mem_free {free} = {}, expected pool {pool} + max new split {max_new_split} = {}",
            crate::wide::WideU(used as u128 + free as u128),
            crate::wide::WideU(pool as u128 + max_new_split as u128),
        ),
    ))
}

/// The pool of an area of `area_bytes` has the size `gc_setup_area`'s formula gives.
pub fn pool_follows_area_formula(
    area_bytes: u64,
    bytes_per_block: u64,
    tables: SideTables,
    pool_bytes: u64,
) -> LawResult {
    let Some(s) = area_split(area_bytes, bytes_per_block, tables) else {
        return Err(Violation::new(
            "pool-follows-area-formula",
            format_args!("an area of {area_bytes} bytes with {bytes_per_block}-byte blocks has no split"),
        ));
    };
    if s.pool_bytes == pool_bytes {
        return Ok(());
    }
    Err(Violation::new(
        "pool-follows-area-formula",
        format_args!(
            "area {area_bytes} B, FTB {}, WTB {}: ATB = floor(({area_bytes} - {ALLOC_TABLE_GAP_BYTES}) x 8 / {}) = {} B, \
             {} blocks, pool {} B; observed pool {pool_bytes} B ({} blocks)",
            tables.finaliser as u8,
            tables.weakref as u8,
            area_split_divisor(bytes_per_block, tables),
            s.atb_bytes,
            s.blocks,
            s.pool_bytes,
            pool_bytes.checked_div(bytes_per_block).unwrap_or(0),
        ),
    ))
}

/// The pool, whatever the size of the area it was made from, is a whole number of ATB bytes'
/// worth of blocks: `gc_setup_area` gives A ATB bytes 4A blocks, so a heap of several areas sums
/// such pools too. It needs no chosen area: it holds for the pool a subject reports.
pub fn pool_is_whole_atb_bytes(pool_bytes: u64, bytes_per_block: u64) -> LawResult {
    let per_atb_byte = BLOCKS_PER_ATB * bytes_per_block;
    if per_atb_byte != 0 && pool_bytes.is_multiple_of(per_atb_byte) {
        return Ok(());
    }
    Err(Violation::new(
        "pool-is-whole-atb-bytes",
        format_args!(
            "pool {pool_bytes} B = {} blocks of {bytes_per_block} B, {} past a multiple of {BLOCKS_PER_ATB} \
             (one ATB byte maps {BLOCKS_PER_ATB} blocks, {per_atb_byte} B)",
            pool_bytes.checked_div(bytes_per_block).unwrap_or(0),
            pool_bytes
                .checked_div(bytes_per_block)
                .unwrap_or(0)
                .checked_rem(BLOCKS_PER_ATB)
                .unwrap_or(0),
        ),
    ))
}

/// The side tables of an area end at or before its pool's first byte (`gc_setup_area` asserts it).
pub fn side_tables_clear_of_pool(area_bytes: u64, bytes_per_block: u64, tables: SideTables) -> LawResult {
    let Some(s) = area_split(area_bytes, bytes_per_block, tables) else {
        return Err(Violation::new(
            "side-tables-clear-of-pool",
            format_args!("an area of {area_bytes} bytes with {bytes_per_block}-byte blocks has no split"),
        ));
    };
    if s.pool_clear_of_tables() {
        return Ok(());
    }
    Err(Violation::new(
        "side-tables-clear-of-pool",
        format_args!(
            "area {area_bytes} B: tables end at {} (ATB {} + gap {ALLOC_TABLE_GAP_BYTES} + FTB {} + WTB {}), \
             the pool ({} blocks) starts at {}: {} byte(s) shared",
            s.tables_end,
            s.atb_bytes,
            s.ftb_bytes,
            s.wtb_bytes,
            s.blocks,
            s.pool_offset,
            s.tables_end - s.pool_offset,
        ),
    ))
}

/// `gc.collect()` returns the number of allocations it freed where `MICROPY_PY_GC_COLLECT_RETVAL` is
/// set, and `None` everywhere else.
pub fn collect_return_value(
    retval_configured: bool,
    returned: Option<i64>,
    freed_allocations: u64,
) -> LawResult {
    let expected = if retval_configured {
        i64::try_from(freed_allocations).ok()
    } else {
        None
    };
    if returned == expected {
        return Ok(());
    }
    let show = |v: Option<i64>| match v {
        Some(n) => Text::<24>::from_fmt(format_args!("{n}")),
        None => Text::from_fmt(format_args!("None")),
    };
    Err(Violation::new(
        "collect-return-value",
        format_args!(
            "gc.collect() returned {}, expected {} (MICROPY_PY_GC_COLLECT_RETVAL {}, {freed_allocations} allocations freed)",
            show(returned),
            show(expected),
            retval_configured as u8,
        ),
    ))
}

/// The ATB entry of `block` in the raw table bytes `atb` holds `expected`.
pub fn atb_entry_is(atb: &[u8], block: BlockIndex, expected: BlockKind) -> LawResult {
    let slot = atb_slot(block);
    let Some(byte) = usize::try_from(slot.byte).ok().and_then(|i| atb.get(i)).copied() else {
        return Err(Violation::new(
            "atb-entry-is",
            format_args!(
                "block {} is in ATB byte {}, past the table's {} bytes",
                block.0,
                slot.byte,
                atb.len()
            ),
        ));
    };
    let got = BlockKind::from_bits(slot.get(byte));
    if got == expected {
        return Ok(());
    }
    Err(Violation::new(
        "atb-entry-is",
        format_args!(
            "block {}: ATB byte {} = {byte:08b}, mask {:08b}: entry {:02b} {}, expected {:02b} {}",
            block.0,
            slot.byte,
            slot.mask,
            got.code(),
            got.name(),
            expected.code(),
            expected.name(),
        ),
    ))
}

/// Every TAIL continues an allocation: the block before it is a HEAD, a MARK or a TAIL.
pub fn no_orphan_tail(atb: &[BlockKind]) -> LawResult {
    let mut prev = BlockKind::Free;
    for (i, kind) in atb.iter().enumerate() {
        if *kind == BlockKind::Tail && prev == BlockKind::Free {
            return Err(Violation::new(
                "no-orphan-tail",
                format_args!(
                    "block {i} is TAIL ({:02b}) after {}: a TAIL must follow HEAD (01), MARK (11) or TAIL (10)",
                    BlockKind::Tail.code(),
                    if i == 0 {
                        "the start of the pool"
                    } else {
                        "FREE (00)"
                    },
                ),
            ));
        }
        prev = *kind;
    }
    Ok(())
}

/// The summary `mem_info()` prints (`GC: total: …` and the block counts) is what `gc_info` makes of
/// the ATB of the heap's only area.
pub fn mem_info_agrees_with_atb(text: &str, atb: &[BlockKind], bytes_per_block: u64) -> LawResult {
    mem_info_agrees_with_areas(text, &[atb], bytes_per_block)
}

/// The summary `mem_info()` prints is what `gc_info` makes of the ATBs of all the heap's areas: the
/// figures and block counts summed over the areas, the largest block and free run the largest of any
/// area (`gc_info` counts each area's runs on their own).
pub fn mem_info_agrees_with_areas(text: &str, areas: &[&[BlockKind]], bytes_per_block: u64) -> LawResult {
    const LAW: &str = "mem-info-agrees-with-atb";
    let Some((printed, _)) = mem_info::parse(text) else {
        return Err(Violation::new(
            LAW,
            format_args!("no `GC: total: …` line followed by ` No. of 1-blocks: …` in the text"),
        ));
    };
    let mut want = GcInfo::default();
    for atb in areas {
        let g = mem_info::gc_info(atb, bytes_per_block);
        want.total += g.total;
        want.used += g.used;
        want.free += g.free;
        want.one_block += g.one_block;
        want.two_blocks += g.two_blocks;
        want.max_block = want.max_block.max(g.max_block);
        want.max_free = want.max_free.max(g.max_free);
    }
    if printed == want {
        return Ok(());
    }
    let row = |g: &GcInfo| {
        Text::<120>::from_fmt(format_args!(
            "total {} used {} free {} 1-blocks {} 2-blocks {} max blk {} max free {}",
            g.total, g.used, g.free, g.one_block, g.two_blocks, g.max_block, g.max_free
        ))
    };
    Err(Violation::new(
        LAW,
        format_args!("printed  {}\nthe ATB  {}", row(&printed), row(&want)),
    ))
}

/// The heap map printed for an area (`micropython.mem_info(1)`; the first area in `text`) is what
/// `gc_dump_alloc_table` makes of the area's ATB: one line per 64 blocks with its byte-offset prefix,
/// one character per block of the right kind (any head character for a HEAD), and free runs of two
/// lines or more from a line's start collapsed into `(N lines all free)`.
pub fn heap_map_agrees_with_atb(text: &str, atb: &[BlockKind], bytes_per_block: u64) -> LawResult {
    const LAW: &str = "heap-map-agrees-with-atb";
    let mut lines = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| !l.starts_with(AREA_HEADER));
    if lines.next().is_none() {
        return Err(Violation::new(
            LAW,
            format_args!("no line starts with `{AREA_HEADER}`"),
        ));
    }
    let total = atb.len();
    let per_line = BLOCKS_PER_LINE as usize;
    let mut bl = 0usize;
    while bl < total {
        let run = atb
            .get(bl..)
            .unwrap_or(&[])
            .iter()
            .take_while(|k| **k == BlockKind::Free)
            .count();
        if run as u64 >= COLLAPSE_MIN_FREE_BLOCKS {
            let n = run / per_line;
            let Some((i, line)) = lines.next() else {
                return Err(Violation::new(
                    LAW,
                    format_args!(
                        "the map ends at block {bl}; expected `{COLLAPSED_PREFIX}{n}{COLLAPSED_SUFFIX}`"
                    ),
                ));
            };
            let got = line
                .strip_prefix(COLLAPSED_PREFIX)
                .and_then(|r| r.strip_suffix(COLLAPSED_SUFFIX))
                .and_then(|c| c.parse::<usize>().ok());
            if got != Some(n) {
                return Err(Violation::new(
                    LAW,
                    format_args!(
                        "line {}: `{line}`, expected `{COLLAPSED_PREFIX}{n}{COLLAPSED_SUFFIX}` for the {run} free blocks from block {bl}",
                        i + 1
                    ),
                ));
            }
            bl += n * per_line;
            if bl >= total {
                break;
            }
        }
        let end = total.min(bl + per_line);
        let prefix = Text::<16>::from_fmt(format_args!("{}", line_prefix(bl as u64, bytes_per_block)));
        let Some((i, line)) = lines.next() else {
            return Err(Violation::new(
                LAW,
                format_args!(
                    "the map ends at block {bl} of {total}; expected a line `{}` for blocks {bl}..{end}",
                    prefix
                ),
            ));
        };
        let Some(chars) = line.strip_prefix(prefix.as_str()) else {
            return Err(Violation::new(
                LAW,
                format_args!(
                    "line {}: `{}`, expected the prefix `{}` = block {bl} x {bytes_per_block} bytes",
                    i + 1,
                    line.get(..10).unwrap_or(line),
                    prefix
                ),
            ));
        };
        let mut cs = chars.chars();
        for (b, kind) in atb.get(bl..end).unwrap_or(&[]).iter().enumerate() {
            let b = bl + b;
            let Some(c) = cs.next() else {
                return Err(Violation::new(
                    LAW,
                    format_args!(
                        "line {}: {} characters for blocks {bl}..{end}, expected {}",
                        i + 1,
                        b - bl,
                        end - bl
                    ),
                ));
            };
            if kind_of(c) != Some(*kind) {
                return Err(Violation::new(
                    LAW,
                    format_args!(
                        "line {} column {}: block {b} is `{c}` ({}), the ATB entry is {:02b} {}",
                        i + 1,
                        prefix.as_str().len() + (b - bl) + 1,
                        kind_of(c).map_or("no heap-map character", |k| k.name()),
                        kind.code(),
                        kind.name(),
                    ),
                ));
            }
        }
        if cs.next().is_some() {
            return Err(Violation::new(
                LAW,
                format_args!(
                    "line {}: more than the {} characters of blocks {bl}..{end}",
                    i + 1,
                    end - bl
                ),
            ));
        }
        bl = end;
    }
    if let Some((i, line)) = lines.next()
        && !line.starts_with(AREA_HEADER)
    {
        return Err(Violation::new(
            LAW,
            format_args!("line {}: `{line}` goes on past the ATB's {total} blocks", i + 1),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    const BOTH: SideTables = SideTables {
        finaliser: true,
        weakref: true,
    };
    const FTB: SideTables = SideTables {
        finaliser: true,
        weakref: false,
    };

    fn message(r: LawResult) -> String {
        r.unwrap_err().message.as_str().into()
    }

    #[test]
    fn mem_alloc_of_a_partial_block_breaks_the_law() {
        assert!(mem_alloc_is_whole_blocks(1312, 32).is_ok());
        let m = message(mem_alloc_is_whole_blocks(1320, 32));
        assert!(m.contains("41 blocks and 8 bytes"), "{m}");
        assert!(mem_alloc_is_whole_blocks(16, 0).is_err());
    }

    #[test]
    fn alloc_plus_free_counts_the_split_the_heap_could_still_add() {
        assert!(alloc_plus_free_is_pool(496, 1_024_016 + 134_217_728, 1_024_512, 134_217_728).is_ok());
        let m = message(alloc_plus_free_is_pool(496, 1_024_016, 1_024_512, 134_217_728));
        assert!(
            m.contains("expected pool 1024512 + max new split 134217728"),
            "{m}"
        );
        assert!(alloc_plus_free_is_pool(u64::MAX, 1, u64::MAX, 0).is_err());
    }

    #[test]
    fn a_pool_of_blocks_not_a_multiple_of_four_is_no_whole_atb() {
        // The pool of MicroPython's ports/qemu VIRT_RV32 heap, 8752 blocks of 16 bytes.
        assert!(pool_is_whole_atb_bytes(140_032, 16).is_ok());
        assert!(pool_is_whole_atb_bytes(2_072_832, 32).is_ok());
        let m = message(pool_is_whole_atb_bytes(8016, 16));
        assert!(m.contains("501 blocks of 16 B, 1 past a multiple of 4"), "{m}");
        assert!(pool_is_whole_atb_bytes(64, 0).is_err());
    }

    #[test]
    fn a_pool_off_the_formula_breaks_the_law() {
        assert!(pool_follows_area_formula(8192, 16, FTB, 8000).is_ok());
        let m = message(pool_follows_area_formula(8192, 16, FTB, 8016));
        assert!(
            m.contains("floor((8192 - 1) x 8 / 524) = 125 B, 500 blocks, pool 8000 B; observed pool 8016 B (501 blocks)"),
            "{m}"
        );
        assert!(pool_follows_area_formula(0, 16, FTB, 0).is_err());
    }

    #[test]
    fn with_both_side_tables_an_area_of_66_odd_blocks_plus_one_shares_a_byte_with_the_pool() {
        // v1.28+ with FTB and WTB, 16-byte blocks: when (T - 1) = 66 x A with A odd, the FTB and WTB take
        // (A + 1) / 2 bytes each and the tables end one byte past the pool's start.
        assert!(side_tables_clear_of_pool(8192, 16, BOTH).is_ok());
        assert!(side_tables_clear_of_pool(66 * 125 + 1, 16, FTB).is_ok());
        let m = message(side_tables_clear_of_pool(66 * 125 + 1, 16, BOTH));
        assert!(
            m.contains("tables end at 252 (ATB 125 + gap 1 + FTB 63 + WTB 63)"),
            "{m}"
        );
        assert!(m.contains("starts at 251: 1 byte(s) shared"), "{m}");
        assert!(side_tables_clear_of_pool(0, 16, BOTH).is_err());
    }

    #[test]
    fn collect_returns_a_count_only_where_the_port_asks_for_it() {
        assert!(collect_return_value(true, Some(19), 19).is_ok());
        assert!(collect_return_value(false, None, 19).is_ok());
        let m = message(collect_return_value(false, Some(19), 19));
        assert!(m.contains("returned 19, expected None"), "{m}");
        let m = message(collect_return_value(true, None, 3));
        assert!(m.contains("returned None, expected 3"), "{m}");
    }

    #[test]
    fn an_atb_entry_of_another_kind_shows_the_byte_and_mask() {
        // Blocks 4..8 in byte 1: FREE, MARK, HEAD, TAIL.
        let atb = [0b0000_0001, 0b10_01_11_00];
        assert!(atb_entry_is(&atb, BlockIndex(5), BlockKind::Mark).is_ok());
        let m = message(atb_entry_is(&atb, BlockIndex(6), BlockKind::Tail));
        assert!(
            m.contains("block 6: ATB byte 1 = 10011100, mask 00110000: entry 01 HEAD, expected 10 TAIL"),
            "{m}"
        );
        assert!(atb_entry_is(&atb, BlockIndex(8), BlockKind::Free).is_err());
    }

    #[test]
    fn a_tail_after_a_free_block_is_an_orphan() {
        use BlockKind::*;
        assert!(no_orphan_tail(&[Head, Tail, Tail, Free, Mark, Tail]).is_ok());
        let m = message(no_orphan_tail(&[Head, Free, Tail]));
        assert!(m.contains("block 2 is TAIL (10) after FREE (00)"), "{m}");
        assert!(no_orphan_tail(&[Tail]).is_err());
    }

    /// An ATB of `n` blocks: `heads` are HEAD with `tail` TAILs each, the rest FREE.
    fn atb(n: usize, heads: &[(usize, usize)]) -> Vec<BlockKind> {
        let mut v = std::vec![BlockKind::Free; n];
        for &(at, tail) in heads {
            v[at] = BlockKind::Head;
            for t in 1..=tail {
                v[at + t] = BlockKind::Tail;
            }
        }
        v
    }

    fn map_line(offset: u32, chars: &str) -> String {
        std::format!("{offset:08x}: {chars}\n")
    }

    #[test]
    fn a_map_with_a_collapsed_run_agrees_with_its_atb() {
        // 300 blocks: a 3-block allocation at 0, a 1-block at 200; free runs collapse from line 1.
        let a = atb(300, &[(0, 2), (200, 0)]);
        let mut text = String::from("GC memory layout; from 35800:\n");
        text += &map_line(0, &(String::from("h==") + &".".repeat(61)));
        text += "       (2 lines all free)\n";
        text += &map_line(0xc00, &(".".repeat(8) + "L" + &".".repeat(55)));
        text += &map_line(0x1000, &".".repeat(44));
        assert_eq!(heap_map_agrees_with_atb(&text, &a, 16), Ok(()));

        let wrong_count = text.replace("(2 lines", "(3 lines");
        let m = message(heap_map_agrees_with_atb(&wrong_count, &a, 16));
        assert!(
            m.contains("expected `       (2 lines all free)` for the 136 free blocks from block 64"),
            "{m}"
        );

        let wrong_prefix = text.replace("00000c00: ", "00000800: ");
        let m = message(heap_map_agrees_with_atb(&wrong_prefix, &a, 16));
        assert!(
            m.contains("expected the prefix `00000c00: ` = block 192 x 16 bytes"),
            "{m}"
        );

        let wrong_kind = text.replacen("h==", "h=.", 1);
        let m = message(heap_map_agrees_with_atb(&wrong_kind, &a, 16));
        assert!(
            m.contains("block 2 is `.` (FREE), the ATB entry is 10 TAIL"),
            "{m}"
        );

        let too_short = text.replace(&".".repeat(44), &".".repeat(43));
        assert!(heap_map_agrees_with_atb(&too_short, &a, 16).is_err());
        let too_long = text.clone() + "00001400: .\n";
        assert!(heap_map_agrees_with_atb(&too_long, &a, 16).is_err());
        assert!(heap_map_agrees_with_atb("mem: nothing", &a, 16).is_err());
    }

    #[test]
    fn a_summary_that_miscounts_the_atb_breaks_the_law() {
        let a = atb(300, &[(0, 2), (200, 0), (250, 1)]);
        let text = "GC: total: 4800, used: 96, free: 4704\n No. of 1-blocks: 1, 2-blocks: 1, max blk sz: 3, max free sz: 197\n";
        assert_eq!(mem_info_agrees_with_atb(text, &a, 16), Ok(()));
        let m = message(mem_info_agrees_with_atb(
            &text.replace("used: 96", "used: 112"),
            &a,
            16,
        ));
        assert!(m.contains("printed  total 4800 used 112"), "{m}");
        assert!(m.contains("the ATB  total 4800 used 96"), "{m}");
        assert!(mem_info_agrees_with_atb("stack: 1", &a, 16).is_err());
    }

    #[test]
    fn a_run_of_one_line_and_a_bit_is_printed_not_collapsed() {
        let a = atb(200, &[(0, 0), (127, 0)]);
        let mut text = String::from("GC memory layout; from 0:\n");
        text += &map_line(0, &(String::from("h") + &".".repeat(63)));
        text += &map_line(0x400, &(".".repeat(63) + "h"));
        text += &map_line(0x800, &".".repeat(64));
        text += &map_line(0xc00, &".".repeat(8));
        assert_eq!(heap_map_agrees_with_atb(&text, &a, 16), Ok(()));
    }
}

//! The pictures of `memspec explain`: a bit ruler over the tag table, every test of a tag rule (the
//! patterns it excludes as well as the tag), and a MicroPython heap area drawn to scale.

use std::fmt::Write as _;

use memspec::profile::{Engine, Profile};
use memspec::tag::TagRule;
use memspec::width::Width;
use memspec_impl::micropython::Config;
use memspec_impl::micropython::area::{ALLOC_TABLE_GAP_BYTES, Area};

/// The ruler over a [`memspec::width::Bits`] drawing: each byte's highest and lowest bit number, in
/// the same columns (`31....24|23....16|15.....8|7......0`).
pub fn bit_ruler(width: Width) -> String {
    let bytes = width.bits() / 8;
    let mut s = String::new();
    for b in (0..bytes).rev() {
        let (hi, lo) = (b * 8 + 7, b * 8);
        let (hi, lo) = (hi.to_string(), lo.to_string());
        let dots = 8 - hi.len() - lo.len();
        let _ = write!(s, "{hi}{}{lo}", ".".repeat(dots));
        if b != 0 {
            s.push('|');
        }
    }
    s
}

/// Every test of `rule` on its own line: the tag (`is`), further tests that must hold (`and`), and the
/// patterns a word must not have (`not`), each drawn under its mask.
pub fn rule_lines(rule: &TagRule, width: Width) -> Vec<(&'static str, String)> {
    rule.tests
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let label = match (i, t.negate) {
                (_, true) => "not",
                (0, false) => "is",
                (_, false) => "and",
            };
            (label, width.bits_under(t.pattern, t.mask).to_string())
        })
        .collect()
}

/// Characters of the heap-area bar.
const BAR_CHARS: usize = 64;

/// The arena the heap-area picture splits, in bytes: the size most cases start.
pub const PICTURE_ARENA_BYTES: usize = 8192;

/// One part of a heap area: its name, arena offset and length in bytes.
struct Part {
    name: &'static str,
    at: usize,
    bytes: usize,
}

/// The first area of a MicroPython heap of `arena_bytes` bytes on the profile's default port, drawn to
/// scale (`ATB | gap | FTB | pool`) with the byte offset of each part; `None` for other engines.
pub fn heap_area(p: &Profile, arena_bytes: usize) -> Option<String> {
    if p.id.engine() != Engine::MicroPython {
        return None;
    }
    let cfg = Config::new(p.id, None).ok()?;
    let area = match Area::setup(&cfg, arena_bytes) {
        Ok(a) => a,
        Err(e) => return Some(format!("an arena of {arena_bytes} bytes: {e}\n")),
    };
    let start = area.start.0 as usize;
    let pool_at = area.pool_start.0 as usize - start;
    let total = area.end.0 as usize - start;
    let mut parts = vec![
        Part {
            name: "ATB",
            at: 0,
            bytes: area.atb_bytes,
        },
        Part {
            name: "gap",
            at: area.atb_bytes,
            bytes: ALLOC_TABLE_GAP_BYTES,
        },
    ];
    let mut at = area.atb_bytes + ALLOC_TABLE_GAP_BYTES;
    for (name, bytes) in [("FTB", area.ftb_bytes), ("WTB", area.wtb_bytes)] {
        if bytes > 0 {
            parts.push(Part { name, at, bytes });
            at += bytes;
        }
    }
    if pool_at > at {
        parts.push(Part {
            name: "unused",
            at,
            bytes: pool_at - at,
        });
    }
    parts.push(Part {
        name: "pool",
        at: pool_at,
        bytes: total - pool_at,
    });
    // Widths to scale, each part at least one character, the pool taking what rounding leaves.
    let scale = total.div_ceil(BAR_CHARS).max(1);
    let mut widths: Vec<usize> = parts.iter().map(|q| (q.bytes / scale).max(1)).collect();
    let others: usize = widths[..widths.len() - 1].iter().sum();
    if let Some(last) = widths.last_mut() {
        *last = BAR_CHARS.saturating_sub(others).max(1);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "heap area: an arena of {arena_bytes} bytes at {:#x} ({} port), to scale;\n  one character = \
         {scale} bytes, a part under one character drawn as one:",
        area.start.0,
        cfg.port.name()
    );
    let mut bar = String::from("  |");
    for (q, w) in parts.iter().zip(&widths) {
        let fill = match q.name {
            "ATB" => 'A',
            "gap" => 'g',
            "FTB" => 'F',
            "WTB" => 'W',
            "pool" => 'p',
            _ => '-',
        };
        bar.extend(std::iter::repeat_n(fill, *w));
        bar.push('|');
    }
    let _ = writeln!(out, "{bar}");
    for q in &parts {
        let _ = writeln!(
            out,
            "  {:<6} at +{:#06x} ({:>5}), {:>5} bytes{}",
            q.name,
            q.at,
            q.at,
            q.bytes,
            if q.name == "pool" {
                format!(
                    " = {} blocks of {} bytes, from {:#x}",
                    area.blocks, area.bytes_per_block, area.pool_start.0
                )
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(out, "  end    at +{total:#06x} ({total:>5})");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use memspec::profile::ProfileId;

    #[test]
    fn the_ruler_numbers_each_bytes_bits_in_the_columns_of_the_drawing() {
        assert_eq!(bit_ruler(Width::W32), "31....24|23....16|15.....8|7......0");
        let p = ProfileId::MicropythonC32.profile().unwrap();
        let drawn = p.tags[0].diagram(p.value_width).to_string();
        assert_eq!(bit_ruler(p.value_width).len(), drawn.len(), "{drawn}");
    }

    #[test]
    fn repr_c_float_rule_draws_the_qstr_and_immediate_pattern_it_excludes() {
        let p = ProfileId::MicropythonC32.profile().unwrap();
        let float = p.tags.iter().find(|t| t.class.name() == "float").unwrap();
        assert_eq!(
            rule_lines(float, p.value_width),
            [
                ("is", "********|********|********|******10".to_string()),
                ("not", "00000000|0*******|********|*****110".to_string()),
            ]
        );
    }

    #[test]
    fn the_c32_area_of_8192_bytes_is_atb_gap_ftb_and_a_pool_of_500_blocks() {
        let p = ProfileId::MicropythonC32.profile().unwrap();
        let text = heap_area(p, PICTURE_ARENA_BYTES).unwrap();
        // py/gc.c gc_setup_area: (8192 - 1) * 8 / (8 + 1 + 512) = 125 ATB bytes, 500 blocks, an FTB of
        // 500 / 8 = 63 bytes (rounded up), the pool the last 8000 bytes.
        assert!(
            text.contains("  ATB    at +0x0000 (    0),   125 bytes"),
            "{text}"
        );
        assert!(
            text.contains("  gap    at +0x007d (  125),     1 bytes"),
            "{text}"
        );
        assert!(
            text.contains("  FTB    at +0x007e (  126),    63 bytes"),
            "{text}"
        );
        assert!(
            text.contains("  pool   at +0x00c0 (  192),  8000 bytes = 500 blocks of 16 bytes"),
            "{text}"
        );
        let bar = text.lines().nth(2).unwrap();
        assert_eq!(
            bar.chars().filter(|c| "AgFWp-".contains(*c)).count(),
            BAR_CHARS,
            "{bar}"
        );
    }

    #[test]
    fn only_micropython_profiles_have_a_heap_area_picture() {
        assert!(heap_area(ProfileId::Julia64.profile().unwrap(), PICTURE_ARENA_BYTES).is_none());
    }
}

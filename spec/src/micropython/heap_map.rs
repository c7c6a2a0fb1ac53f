//! The heap map `micropython.mem_info(1)` prints (`py/gc.c` `gc_dump_alloc_table`), as data.
//!
//! For each area: the line `GC memory layout; from <pool start>:` (the address printed by `%p`, in
//! hex without `0x`), then one line per 64 blocks: the offset of the line's first block from the
//! pool start (`%08x: `, so lines step by `0x400` with 16-byte blocks and `0x800` with 32-byte
//! blocks) and one character per block. The last line of an area may be shorter.
//!
//! At the start of a line, when at least 128 consecutive FREE blocks begin there, the line
//! `       (N lines all free)` (seven spaces) stands for them, `N = floor(run / 64)`, and printing
//! resumes with the line holding the first block that is not free; if the run reaches the end of the
//! area, the area ends there. A shorter run is printed block by block.

use core::fmt;

use crate::law::Violation;
use crate::micropython::heap::BlockKind;

/// Blocks per map line (`py/gc.c` `DUMP_BYTES_PER_LINE`, which counts blocks despite its name).
pub const BLOCKS_PER_LINE: u64 = 64;
/// The shortest free run that is collapsed into one `(N lines all free)` line: two whole lines.
pub const COLLAPSE_MIN_FREE_BLOCKS: u64 = 2 * BLOCKS_PER_LINE;
/// The line that opens each area's map; the pool's address and `:` follow.
pub const AREA_HEADER: &str = "GC memory layout; from ";
/// How a collapsed line begins (seven spaces); `N lines all free)` follows.
pub const COLLAPSED_PREFIX: &str = "       (";
/// How a collapsed line ends, after N.
pub const COLLAPSED_SUFFIX: &str = " lines all free)";

/// One character of the map and the block it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapChar {
    /// The character.
    pub ch: char,
    /// The block's ATB kind.
    pub kind: BlockKind,
    /// What it says beyond the kind.
    pub meaning: &'static str,
}

/// Every character `gc_dump_alloc_table` prints. A HEAD's character comes from its first word, the
/// type pointer, when the allocation is an object of one of these types; every other HEAD is `h`.
pub static MAP_CHARS: &[MapChar] = &[
    MapChar {
        ch: '.',
        kind: BlockKind::Free,
        meaning: "free block",
    },
    MapChar {
        ch: '=',
        kind: BlockKind::Tail,
        meaning: "tail block of an allocation",
    },
    MapChar {
        ch: 'm',
        kind: BlockKind::Mark,
        meaning: "marked head (seen only when the map is printed during a collection)",
    },
    MapChar {
        ch: 'T',
        kind: BlockKind::Head,
        meaning: "tuple (first word &mp_type_tuple)",
    },
    MapChar {
        ch: 'L',
        kind: BlockKind::Head,
        meaning: "list (&mp_type_list)",
    },
    MapChar {
        ch: 'D',
        kind: BlockKind::Head,
        meaning: "dict (&mp_type_dict)",
    },
    MapChar {
        ch: 'S',
        kind: BlockKind::Head,
        meaning: "str or bytes (&mp_type_str, &mp_type_bytes)",
    },
    MapChar {
        ch: 'A',
        kind: BlockKind::Head,
        meaning: "bytearray or array (&mp_type_bytearray, &mp_type_array)",
    },
    MapChar {
        ch: 'F',
        kind: BlockKind::Head,
        meaning: "float (&mp_type_float)",
    },
    MapChar {
        ch: 'B',
        kind: BlockKind::Head,
        meaning: "bytecode function (&mp_type_fun_bc)",
    },
    MapChar {
        ch: 'M',
        kind: BlockKind::Head,
        meaning: "module (&mp_type_module)",
    },
    MapChar {
        ch: 'h',
        kind: BlockKind::Head,
        meaning: "any other head: raw buffers (list items, str data, map tables, mpz digits), instances, \
                  closures, cells, ints, ...",
    },
];

/// The block kind a map character stands for.
pub fn kind_of(ch: char) -> Option<BlockKind> {
    MAP_CHARS.iter().find(|m| m.ch == ch).map(|m| m.kind)
}

/// The prefix of the map line whose first block is `block`: `%08x: ` of `block × bytes per block`,
/// cut to 32 bits as `gc_dump_alloc_table` casts it to `uint`.
pub fn line_prefix(block: u64, bytes_per_block: u64) -> LinePrefix {
    LinePrefix(block.wrapping_mul(bytes_per_block) as u32)
}

/// A map line's prefix (see [`line_prefix`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinePrefix(pub u32);

impl fmt::Display for LinePrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}: ", self.0)
    }
}

/// Reads the first area's map out of `text` (which may hold other `mem_info` lines before it) into
/// `out`, one kind per block, and returns the number of blocks. Collapsed lines expand to FREE blocks.
/// The text is only read, not checked against the format rules: that is
/// [`laws::heap_map_agrees_with_atb`](crate::micropython::laws::heap_map_agrees_with_atb).
pub fn decode(text: &str, out: &mut [BlockKind]) -> Result<usize, Violation> {
    let mut lines = text.lines().enumerate();
    if !lines.any(|(_, l)| l.starts_with(AREA_HEADER)) {
        return Err(Violation::new(
            "heap-map-format",
            format_args!("no line starts with `{AREA_HEADER}`"),
        ));
    }
    let mut n = 0usize;
    for (i, line) in lines {
        if line.starts_with(AREA_HEADER) {
            break;
        }
        let free_lines = line
            .strip_prefix(COLLAPSED_PREFIX)
            .and_then(|r| r.strip_suffix(COLLAPSED_SUFFIX));
        if let Some(count) = free_lines {
            let lines_free: u64 = count.parse().map_err(|_| {
                Violation::new(
                    "heap-map-format",
                    format_args!("line {}: `{line}` has no line count", i + 1),
                )
            })?;
            let blocks = lines_free.saturating_mul(BLOCKS_PER_LINE);
            for _ in 0..blocks {
                *slot(out, n, i)? = BlockKind::Free;
                n += 1;
            }
            continue;
        }
        let Some((_, chars)) = line.split_once(": ") else {
            // Lines after the map (none in `mem_info`) end it.
            break;
        };
        for ch in chars.chars() {
            let kind = kind_of(ch).ok_or_else(|| {
                Violation::new(
                    "heap-map-format",
                    format_args!("line {}: `{ch}` is no heap-map character", i + 1),
                )
            })?;
            *slot(out, n, i)? = kind;
            n += 1;
        }
    }
    Ok(n)
}

fn slot(out: &mut [BlockKind], n: usize, line: usize) -> Result<&mut BlockKind, Violation> {
    let len = out.len();
    out.get_mut(n).ok_or_else(|| {
        Violation::new(
            "heap-map-format",
            format_args!(
                "line {}: the map has more than the {len} blocks there is room for",
                line + 1
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn lines_step_by_64_blocks_of_the_block_size() {
        assert_eq!(line_prefix(64, 16).to_string(), "00000400: ");
        assert_eq!(line_prefix(64, 32).to_string(), "00000800: ");
        assert_eq!(line_prefix(64032, 16).to_string(), "000fa200: ");
    }

    #[test]
    fn every_head_character_is_a_head_and_the_rest_are_not() {
        for m in MAP_CHARS {
            assert_eq!(kind_of(m.ch), Some(m.kind));
        }
        assert_eq!(kind_of('x'), None);
    }

    #[test]
    fn a_map_that_does_not_fit_is_an_error_not_a_panic() {
        let text = "GC memory layout; from 35800:\n00000000: hh==.\n";
        let mut small = [BlockKind::Free; 3];
        assert!(decode(text, &mut small).is_err());
        let mut room = [BlockKind::Free; 8];
        assert_eq!(decode(text, &mut room), Ok(5));
        assert!(decode("no map here", &mut room).is_err());
        assert!(decode("GC memory layout; from 0:\n00000000: h?\n", &mut room).is_err());
        assert!(
            decode(
                "GC memory layout; from 0:\n       (x lines all free)\n",
                &mut room
            )
            .is_err()
        );
    }
}

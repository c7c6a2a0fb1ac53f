//! Readings that hold on any heap: `fill`, positions relative to the case's own allocations
//! (`offset-from`, `map-at`).
//!
//! An engine's heap holds the interpreter and the driver, and a board's heap is the size its firmware
//! gives it; a case that must hold there says where its objects are relative to one another, not to
//! block 0, and fills what is free instead of asking for a heap of a chosen size.

use memspec::micropython::heap::BlockKind;
use memspec::micropython::heap_map::{
    self, AREA_HEADER, BLOCKS_PER_LINE, COLLAPSED_PREFIX, COLLAPSED_SUFFIX,
};
use memspec::micropython::mem_info;
use memspec::profile::Profile;
use memspec::subject::{ObjectSpec, Param, ParamValue, Subject};

use crate::plan::Fill;

/// The profile's block size, `MICROPY_BYTES_PER_GC_BLOCK`, in bytes.
pub fn block_bytes(profile: Option<&Profile>) -> Result<u64, String> {
    profile
        .and_then(|p| p.fact("MICROPY_BYTES_PER_GC_BLOCK"))
        .and_then(|f| u64::try_from(f.value).ok())
        .filter(|b| *b > 0)
        .ok_or_else(|| "the profile has no MICROPY_BYTES_PER_GC_BLOCK fact".to_string())
}

/// The largest free run the heap map's summary gives (`max free sz`, in blocks).
fn largest_free_run(subject: &mut dyn Subject) -> Result<u64, String> {
    let mut text = String::new();
    subject
        .heap_map(&mut text)
        .map_err(|e| format!("the heap map could not be read: {e}"))?;
    mem_info::parse(&text)
        .map(|(info, _)| info.max_free)
        .ok_or_else(|| {
            format!(
                "the heap map has no ` No. of 1-blocks: ..., max free sz: N` summary line; it was:\n{}",
                super::indent(&text)
            )
        })
}

/// Runs a `fill`: allocates the largest free run, as a `raw` allocation of exactly its blocks, until
/// no block is free. Returns the bytes of each filler.
pub fn fill(subject: &mut dyn Subject, profile: Option<&Profile>, f: &Fill) -> Result<Vec<u64>, String> {
    let bpb = block_bytes(profile)?;
    let mut made = Vec::new();
    loop {
        let run = largest_free_run(subject)?;
        if run == 0 {
            return Ok(made);
        }
        if made.len() >= f.max as usize {
            return Err(format!(
                "after {} allocations the heap still has a free run of {run} blocks; the case allows `max={}`",
                made.len(),
                f.max
            ));
        }
        let bytes = run.saturating_mul(bpb);
        let params = [Param {
            name: "bytes",
            value: ParamValue::Int(i128::from(bytes)),
        }];
        let a = subject
            .alloc(&ObjectSpec {
                kind: "raw",
                params: &params,
            })
            .map_err(|e| {
                format!(
                    "filler {}: `raw bytes={bytes}`, the largest free run of {run} blocks, failed: {e}",
                    made.len() + 1
                )
            })?;
        if f.rooted {
            subject
                .root(a.id)
                .map_err(|e| format!("filler {}: `root` failed: {e}", made.len() + 1))?;
        }
        made.push(a.bytes);
    }
}

/// One area of a heap map: where its pool starts and one character per block.
struct Area {
    start: u64,
    blocks: Vec<char>,
}

/// The areas of a heap map (`micropython.mem_info(1)`), each from its `GC memory layout; from %p:`
/// line, collapsed free lines expanded.
fn areas(text: &str) -> Vec<Area> {
    let mut out: Vec<Area> = Vec::new();
    for line in text.lines() {
        if let Some(addr) = line.strip_prefix(AREA_HEADER) {
            let hex = addr.trim_end().trim_end_matches(':');
            if let Ok(start) = u64::from_str_radix(hex.trim_start_matches("0x"), 16) {
                out.push(Area {
                    start,
                    blocks: Vec::new(),
                });
            }
            continue;
        }
        let Some(area) = out.last_mut() else { continue };
        if let Some(n) = line
            .strip_prefix(COLLAPSED_PREFIX)
            .and_then(|r| r.strip_suffix(COLLAPSED_SUFFIX))
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            let free = n.saturating_mul(BLOCKS_PER_LINE).min(1 << 24);
            area.blocks.extend(std::iter::repeat_n('.', free as usize));
        } else if let Some((prefix, chars)) = line.split_once(": ")
            && prefix.len() == 8
            && prefix.chars().all(|c| c.is_ascii_hexdigit())
        {
            area.blocks.extend(chars.trim_end().chars());
        }
    }
    out
}

/// Whether the map character `got` is what `want` asks for: the same, or any HEAD for `*`.
fn block_matches(want: char, got: char) -> bool {
    want == got || (want == '*' && heap_map::kind_of(got) == Some(BlockKind::Head))
}

/// Checks `map-at`: the blocks from the one `word` points at are `want`. `None` when they are.
pub fn map_at(text: &str, word: u64, want: &str, bpb: u64) -> Option<String> {
    let all = areas(text);
    let Some(area) = all
        .iter()
        .find(|a| word >= a.start && word < a.start + a.blocks.len() as u64 * bpb)
    else {
        let spans: Vec<String> = all
            .iter()
            .map(|a| format!("{:#x}..{:#x}", a.start, a.start + a.blocks.len() as u64 * bpb))
            .collect();
        return Some(format!(
            "    the object's word {word:#x} is in no area of the heap map (areas {})",
            if spans.is_empty() {
                "none".to_string()
            } else {
                spans.join(", ")
            }
        ));
    };
    let offset = word - area.start;
    if !offset.is_multiple_of(bpb) {
        return Some(format!(
            "    the object's word {word:#x} is {offset} bytes into the pool from {:#x}, not at a block's start",
            area.start
        ));
    }
    let block = (offset / bpb) as usize;
    let n = want.chars().count();
    let got: String = area.blocks.iter().skip(block).take(n).collect();
    let same = got.chars().count() == n && want.chars().zip(got.chars()).all(|(w, g)| block_matches(w, g));
    (!same).then(|| {
        format!(
            "    from block {block} (word {word:#x}, pool from {:#x}):\n    observed {got:?}\n    accepted {want:?} (`*` any HEAD)",
            area.start
        )
    })
}

#[cfg(test)]
mod tests {
    use memspec::profile::ProfileId;
    use memspec_impl::reference::Reference;

    use super::*;
    use crate::check::{Execution, execute};

    /// Runs `body` as a MicroPython case under a32 against the reference; what went wrong.
    fn problems(needs: &str, body: &str) -> Vec<String> {
        let text = format!(
            ";;! case-format: 1\n;;! about: relative readings\n;;! profiles: micropython-a64\n;;! needs: {needs}\n\
             ;;! claims: none\n;;! source s: derived the test's own values\n{body}"
        );
        let case = crate::case::parse("test.case", "micropython", "heap", "t", &text)
            .unwrap_or_else(|e| panic!("the test case does not parse: {e}"));
        let plan = crate::plan::Plan::new(&case, ProfileId::MicropythonA64).expect("a plan");
        let mut arena = vec![0u8; 1 << 16];
        match execute(&plan, &mut Reference::new(&mut arena)) {
            Execution::Passed(_) => Vec::new(),
            Execution::Failed(_, p) | Execution::Unsteady(_, p) => p,
            Execution::Skipped(why) | Execution::Unavailable(why) => panic!("not run: {why}"),
        }
    }

    #[test]
    fn a_fill_takes_every_free_run_and_fails_when_its_bound_is_too_small() {
        // Three holes (between a, c and e, and after e) once b and d are garbage.
        let holes = "start arena=8192 port=unix\nalloc a = raw bytes=1\nalloc b = raw bytes=64\nalloc c = raw bytes=1\n\
                     alloc d = raw bytes=96\nalloc e = raw bytes=1\nroot a\nroot c\nroot e\ncollect\n";
        let full = format!(
            "{holes}fill rooted max=3\nstats\n  expect free 0 bytes from s\n  expect allocations 6 from s\n"
        );
        assert_eq!(
            problems("alloc root collect stats heap-map raw-alloc full-heap", &full),
            Vec::<String>::new()
        );
        let short = format!("{holes}fill rooted max=2\nstats\n  expect free 0 bytes from s\n");
        let p = problems("alloc root collect stats heap-map raw-alloc full-heap", &short);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].contains("line 17: `fill` failed")
                && p[0].contains("after 2 allocations the heap still has a free run of")
                && p[0].contains("\n  --> test.case:17\n  17 | fill rooted max=2\n"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn a_change_since_a_named_stats_reads_from_that_step_not_the_last() {
        // a64: a raw byte is one 32-byte block; two of them between `before` and the last stats.
        let body = "start arena=8192 port=unix\nstats as before\nalloc a = raw bytes=1\nstats\nalloc b = raw bytes=1\nstats\n\
                    \x20 expect used +64 since before from s\n  expect used +32 from s\n  expect used +32 since before from s\n";
        let p = problems("alloc stats raw-alloc", body);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].contains("heap.used 0 -> 64 (+64 bytes) since `stats as before`")
                && p[0].contains("accepted a change of +32"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn offset_from_and_map_at_name_the_object_and_the_distance() {
        let body = "start arena=8192 port=unix\nalloc a = raw bytes=1\nalloc b = raw bytes=33\n\
                    \x20 expect offset-from a +1 blocks from s\n  expect offset-from a +64 bytes from s\n\
                    heap-map\n  expect map-at a \"**=.\" from s\n  expect map-at b \"h.\" from s\n";
        let p = problems("alloc heap-map raw-alloc", body);
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(
            p[0].contains("observed word") && p[0].contains("+32 bytes from"),
            "{}",
            p[0]
        );
        assert!(p[0].contains("accepted +64 bytes (+64 bytes)"), "{}", p[0]);
        assert!(
            p[1].contains("observed \"h=\"") && p[1].contains("accepted \"h.\""),
            "{}",
            p[1]
        );
    }

    const MAP: &str = "GC: total: 2048, used: 96, free: 1952\n No. of 1-blocks: 2, 2-blocks: 1, max blk sz: 2, max free sz: 123\n\
                       GC memory layout; from 20000100:\n00000000: LhT=............................................................\n\
                       00000400: ...................................................h..........\n";

    #[test]
    fn map_at_reads_from_the_objects_block_and_a_star_is_any_head() {
        assert_eq!(map_at(MAP, 0x2000_0100, "Lh", 16), None);
        assert_eq!(map_at(MAP, 0x2000_0120, "*=..", 16), None);
        let m = map_at(MAP, 0x2000_0120, "h=..", 16).unwrap();
        assert!(
            m.contains("observed \"T=..\"") && m.contains("from block 2"),
            "{m}"
        );
        // Block 64 + 51 on the second line.
        assert_eq!(map_at(MAP, 0x2000_0100 + (64 + 51) * 16, "*.", 16), None);
        let m = map_at(MAP, 0x2000_0108, "*", 16).unwrap();
        assert!(m.contains("not at a block's start"), "{m}");
        let m = map_at(MAP, 0x1000, "*", 16).unwrap();
        assert!(m.contains("in no area"), "{m}");
    }

    #[test]
    fn collapsed_lines_count_64_free_blocks_each() {
        let map = "GC memory layout; from 1000:\n00000000: h...............................................................\n       (2 lines all free)\n00000c00: T.\n";
        assert_eq!(map_at(map, 0x1000 + 192 * 16, "T.", 16), None);
        assert!(map_at(map, 0x1000 + 191 * 16, ".T", 16).is_none());
    }
}

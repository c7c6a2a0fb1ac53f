//! The heap summary `micropython.mem_info()` prints (`py/gc.c` `gc_info`, `gc_dump_info`):
//!
//! ```text
//! GC: total: <pool bytes>, used: <bytes>, free: <bytes>[, max new split: <bytes>]
//!  No. of 1-blocks: <n>, 2-blocks: <n>, max blk sz: <blocks>, max free sz: <blocks>
//! ```
//!
//! `used` counts HEAD and TAIL blocks, `free` FREE blocks (MARK blocks, seen only during a collection,
//! count as neither); `max new split` appears where the heap grows by itself. The second line counts
//! allocations of one and two blocks and gives the longest allocation and the longest free run, both
//! in blocks.

use crate::micropython::heap::BlockKind;

/// What `gc_info` reports for the areas it walks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcInfo {
    /// Pool bytes.
    pub total: u64,
    /// Bytes in HEAD and TAIL blocks (`gc.mem_alloc()`).
    pub used: u64,
    /// Bytes in FREE blocks (`gc.mem_free()` without the split).
    pub free: u64,
    /// Allocations of exactly one block.
    pub one_block: u64,
    /// Allocations of exactly two blocks.
    pub two_blocks: u64,
    /// The longest allocation, in blocks.
    pub max_block: u64,
    /// The longest run of free blocks that ends at a HEAD or at the pool's end, in blocks.
    pub max_free: u64,
}

/// `gc_info` over one area's ATB, walked block by block as `py/gc.c` does it.
pub fn gc_info(atb: &[BlockKind], bytes_per_block: u64) -> GcInfo {
    let mut info = GcInfo::default();
    let (mut used, mut free, mut len, mut len_free) = (0u64, 0u64, 0u64, 0u64);
    for (i, kind) in atb.iter().enumerate() {
        match kind {
            BlockKind::Free => {
                free += 1;
                len_free += 1;
                len = 0;
            }
            BlockKind::Head => {
                used += 1;
                len = 1;
            }
            BlockKind::Tail => {
                used += 1;
                len += 1;
            }
            BlockKind::Mark => {}
        }
        let next = atb.get(i + 1);
        let finish = next.is_none();
        if finish || matches!(next, Some(BlockKind::Free | BlockKind::Head)) {
            match len {
                1 => info.one_block += 1,
                2 => info.two_blocks += 1,
                _ => {}
            }
            info.max_block = info.max_block.max(len);
            if finish || next == Some(&BlockKind::Head) {
                info.max_free = info.max_free.max(len_free);
                len_free = 0;
            }
        }
    }
    info.total = atb.len() as u64 * bytes_per_block;
    info.used = used * bytes_per_block;
    info.free = free * bytes_per_block;
    info
}

/// The summary and the `max new split` figure read from `mem_info` text; `None` when the two lines are
/// missing or malformed.
pub fn parse(text: &str) -> Option<(GcInfo, Option<u64>)> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("GC: total: "));
    let gc = lines.next()?.strip_prefix("GC: total: ")?;
    let blocks = lines.next()?.strip_prefix(" No. of 1-blocks: ")?;
    let mut fields = gc.split(", ");
    let total = fields.next()?.parse().ok()?;
    let used = fields.next()?.strip_prefix("used: ")?.parse().ok()?;
    let free = fields.next()?.strip_prefix("free: ")?.parse().ok()?;
    let split = match fields.next() {
        Some(f) => Some(f.strip_prefix("max new split: ")?.parse().ok()?),
        None => None,
    };
    let mut fields = blocks.split(", ");
    let one_block = fields.next()?.parse().ok()?;
    let two_blocks = fields.next()?.strip_prefix("2-blocks: ")?.parse().ok()?;
    let max_block = fields.next()?.strip_prefix("max blk sz: ")?.parse().ok()?;
    let max_free = fields.next()?.strip_prefix("max free sz: ")?.parse().ok()?;
    Some((
        GcInfo {
            total,
            used,
            free,
            one_block,
            two_blocks,
            max_block,
            max_free,
        },
        split,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use BlockKind::*;

    #[test]
    fn runs_and_allocations_are_counted_as_gc_info_walks_them() {
        let atb = [Head, Head, Tail, Free, Free, Free, Head, Tail, Tail, Free, Mark];
        let info = gc_info(&atb, 16);
        assert_eq!(
            info,
            GcInfo {
                total: 11 * 16,
                used: 6 * 16,
                free: 4 * 16,
                one_block: 1,
                two_blocks: 1,
                max_block: 3,
                max_free: 3,
            }
        );
    }

    #[test]
    fn a_summary_with_a_missing_field_does_not_parse() {
        let text = "stack: 432 out of 32768\r\nGC: total: 1024512, used: 960, free: 1023552, max new split: 134217728\r\n \
                    No. of 1-blocks: 23, 2-blocks: 6, max blk sz: 11, max free sz: 63933\r\n";
        let (info, split) = parse(text).unwrap();
        assert_eq!(
            (info.total, info.used, info.max_free, split),
            (1024512, 960, 63933, Some(134217728))
        );
        assert_eq!(parse("GC: total: 1, used: 2\n No. of 1-blocks: 1"), None);
        assert_eq!(parse("nothing"), None);
    }
}

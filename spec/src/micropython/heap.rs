//! The GC heap's geometry: blocks, the allocation table (ATB), the finaliser and weakref tables, and
//! how `gc_setup_area` splits an area between tables and pool (`py/gc.c`).

/// The index of a block in one area's pool, counted from the pool's first block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockIndex(pub u64);

/// The state of a block: its 2-bit ATB entry (`py/gc.c` `AT_FREE`, `AT_HEAD`, `AT_TAIL`, `AT_MARK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum BlockKind {
    /// `AT_FREE` = 0: a free block.
    Free = 0,
    /// `AT_HEAD` = 1: the first block of an allocation.
    Head = 1,
    /// `AT_TAIL` = 2: a further block of the allocation begun by the nearest HEAD below it.
    Tail = 2,
    /// `AT_MARK` = 3: a HEAD marked during a collection.
    Mark = 3,
}

impl BlockKind {
    /// Every kind, by code.
    pub const ALL: [BlockKind; 4] = [BlockKind::Free, BlockKind::Head, BlockKind::Tail, BlockKind::Mark];

    /// The kind whose code is the low two bits of `bits`.
    pub const fn from_bits(bits: u8) -> BlockKind {
        match bits & 0b11 {
            0 => BlockKind::Free,
            1 => BlockKind::Head,
            2 => BlockKind::Tail,
            _ => BlockKind::Mark,
        }
    }

    /// The 2-bit code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The name `py/gc.c` uses: `FREE`, `HEAD`, `TAIL`, `MARK`.
    pub const fn name(self) -> &'static str {
        match self {
            BlockKind::Free => "FREE",
            BlockKind::Head => "HEAD",
            BlockKind::Tail => "TAIL",
            BlockKind::Mark => "MARK",
        }
    }
}

/// Bits of one ATB entry (`py/gc.c`: two bits per block).
pub const ATB_BITS_PER_BLOCK: u32 = 2;
/// Blocks per ATB byte (`py/gc.c` `BLOCKS_PER_ATB`).
pub const BLOCKS_PER_ATB: u64 = 8 / ATB_BITS_PER_BLOCK as u64;
/// Bytes, always zero, between the ATB and the FTB, so that a chain ending at the last block never
/// reads FTB bits as TAIL entries (`py/gc.c` `ALLOC_TABLE_GAP_BYTE`).
pub const ALLOC_TABLE_GAP_BYTES: u64 = 1;
/// Blocks per finaliser-table byte: one bit per block (`py/gc.c` `BLOCKS_PER_FTB`).
pub const BLOCKS_PER_FTB: u64 = 8;
/// Blocks per weakref-table byte: one bit per block, v1.28.0 and later (`py/gc.c` `BLOCKS_PER_WTB`).
pub const BLOCKS_PER_WTB: u64 = 8;
/// Entries of the explicit mark stack (`py/mpconfig.h` `MICROPY_ALLOC_GC_STACK_SIZE`).
pub const GC_STACK_ENTRIES: u64 = 64;

/// Where a block's entry sits in a side table: byte offset from the table's start, and the entry's
/// bits within that byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSlot {
    /// The byte, counted from the table's start.
    pub byte: u64,
    /// The entry's lowest bit within the byte.
    pub shift: u32,
    /// The entry's bits within the byte, in place.
    pub mask: u8,
}

impl TableSlot {
    /// The entry's value in `byte` (shifted down).
    pub const fn get(&self, byte: u8) -> u8 {
        (byte & self.mask) >> self.shift
    }
}

/// The ATB entry of `block`: byte `block / 4`, bits `2·(block mod 4)` and the one above
/// (`py/gc.c` `BLOCK_SHIFT`, `ATB_GET_KIND`). Block 0 of a byte is in its lowest two bits.
pub const fn atb_slot(block: BlockIndex) -> TableSlot {
    let shift = (block.0 % BLOCKS_PER_ATB) as u32 * ATB_BITS_PER_BLOCK;
    TableSlot {
        byte: block.0 / BLOCKS_PER_ATB,
        shift,
        mask: 0b11 << shift,
    }
}

/// The FTB (or WTB) bit of `block`: byte `block / 8`, bit `block mod 8` (`py/gc.c` `FTB_GET`).
pub const fn ftb_slot(block: BlockIndex) -> TableSlot {
    let shift = (block.0 % BLOCKS_PER_FTB) as u32;
    TableSlot {
        byte: block.0 / BLOCKS_PER_FTB,
        shift,
        mask: 1 << shift,
    }
}

/// Which side tables follow the ATB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SideTables {
    /// The finaliser table (`MICROPY_ENABLE_FINALISER`).
    pub finaliser: bool,
    /// The weakref table (`MICROPY_PY_WEAKREF`, v1.28.0 and later only).
    pub weakref: bool,
}

/// How `gc_setup_area` splits an area of `area_bytes` (after `gc_init` rounded its end down to a block).
/// Offsets count from the area's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AreaSplit {
    /// The area, in bytes (`T`).
    pub area_bytes: u64,
    /// Bytes of the ATB (`A`), at offset 0.
    pub atb_bytes: u64,
    /// Bytes of the FTB, right after the gap byte: `ceil(blocks / 8)`, or 0 without one.
    pub ftb_bytes: u64,
    /// Bytes of the WTB, right after the FTB: `ceil(blocks / 8)`, or 0 without one.
    pub wtb_bytes: u64,
    /// Where the side tables end.
    pub tables_end: u64,
    /// Blocks in the pool: `4 · A`.
    pub blocks: u64,
    /// Bytes of the pool: `blocks × bytes per block`.
    pub pool_bytes: u64,
    /// Where the pool starts: flush against the area's end, `T − pool_bytes`.
    pub pool_offset: u64,
}

impl AreaSplit {
    /// Whether the pool starts at or after the end of the side tables (`gc_setup_area` asserts it).
    pub const fn pool_clear_of_tables(&self) -> bool {
        self.pool_offset >= self.tables_end
    }

    /// Bytes between the side tables and the pool (0 when they touch or overlap).
    pub const fn slack_bytes(&self) -> u64 {
        self.pool_offset.saturating_sub(self.tables_end)
    }
}

/// The divisor of the ATB-length formula: ATB bits per table byte plus, per ATB byte, the FTB and WTB
/// bits its four blocks need plus the pool bits they need: `8 + 4·[FTB] + 4·[WTB] + 32 · bytes per block`.
pub const fn area_split_divisor(bytes_per_block: u64, tables: SideTables) -> u64 {
    let per_side_table = 8 * BLOCKS_PER_ATB / BLOCKS_PER_FTB;
    8 + if tables.finaliser { per_side_table } else { 0 }
        + if tables.weakref { per_side_table } else { 0 }
        + 8 * BLOCKS_PER_ATB * bytes_per_block
}

/// The split of an area of `area_bytes` with blocks of `bytes_per_block`, as `gc_setup_area` computes
/// it:
///
/// * with an FTB or a WTB: `A = floor((T − 1) · 8 / divisor)` (see [`area_split_divisor`]);
/// * with neither: `A = floor((T − 1) / (1 + 4 · bytes per block))`;
///
/// then `blocks = 4 · A` and the pool is placed flush against the end. `None` when the area is empty,
/// the block size is zero, or the numbers overflow.
pub const fn area_split(area_bytes: u64, bytes_per_block: u64, tables: SideTables) -> Option<AreaSplit> {
    if bytes_per_block == 0 {
        return None;
    }
    let Some(usable) = area_bytes.checked_sub(ALLOC_TABLE_GAP_BYTES) else {
        return None;
    };
    let atb_bytes = if tables.finaliser || tables.weakref {
        let Some(bits) = usable.checked_mul(8) else {
            return None;
        };
        bits / area_split_divisor(bytes_per_block, tables)
    } else {
        usable / (1 + (8 / ATB_BITS_PER_BLOCK as u64) * bytes_per_block)
    };
    let blocks = atb_bytes * BLOCKS_PER_ATB;
    let side = blocks.div_ceil(BLOCKS_PER_FTB);
    let ftb_bytes = if tables.finaliser { side } else { 0 };
    let wtb_bytes = if tables.weakref { side } else { 0 };
    let Some(pool_bytes) = blocks.checked_mul(bytes_per_block) else {
        return None;
    };
    let Some(pool_offset) = area_bytes.checked_sub(pool_bytes) else {
        return None;
    };
    Some(AreaSplit {
        area_bytes,
        atb_bytes,
        ftb_bytes,
        wtb_bytes,
        tables_end: atb_bytes + ALLOC_TABLE_GAP_BYTES + ftb_bytes + wtb_bytes,
        blocks,
        pool_bytes,
        pool_offset,
    })
}

/// The area `gc_init(start, end)` hands to `gc_setup_area`: the end rounded down to a whole block,
/// minus the start. `None` when the block size is not a power of two or the rounded end is below the
/// start.
pub const fn gc_init_area_bytes(start: u64, end: u64, bytes_per_block: u64) -> Option<u64> {
    if !bytes_per_block.is_power_of_two() {
        return None;
    }
    (end & !(bytes_per_block - 1)).checked_sub(start)
}

/// Blocks an allocation of `bytes` takes: `ceil(bytes / bytes per block)`; 0 for 0 bytes, for which
/// `gc_alloc` returns NULL (`py/gc.c` `gc_alloc`). `None` for a zero block size.
pub const fn blocks_for(bytes: u64, bytes_per_block: u64) -> Option<u64> {
    if bytes_per_block == 0 {
        None
    } else {
        Some(bytes.div_ceil(bytes_per_block))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FTB_ONLY: SideTables = SideTables {
        finaliser: true,
        weakref: false,
    };

    #[test]
    fn block_0_of_an_atb_byte_is_in_its_lowest_two_bits() {
        assert_eq!(
            atb_slot(BlockIndex(0)),
            TableSlot {
                byte: 0,
                shift: 0,
                mask: 0b0000_0011
            }
        );
        assert_eq!(
            atb_slot(BlockIndex(7)),
            TableSlot {
                byte: 1,
                shift: 6,
                mask: 0b1100_0000
            }
        );
        assert_eq!(ftb_slot(BlockIndex(9)).byte, 1);
        assert_eq!(ftb_slot(BlockIndex(9)).mask, 0b10);
        // 0b10_01_11_00: block 4 FREE, 5 MARK, 6 HEAD, 7 TAIL.
        let byte = 0b10_01_11_00;
        let kinds: [BlockKind; 4] =
            core::array::from_fn(|i| BlockKind::from_bits(atb_slot(BlockIndex(4 + i as u64)).get(byte)));
        assert_eq!(
            kinds,
            [BlockKind::Free, BlockKind::Mark, BlockKind::Head, BlockKind::Tail]
        );
    }

    #[test]
    fn the_pool_sits_flush_against_the_end_of_the_area() {
        // py/gc.c gc_setup_area, 32-bit, FTB, T = 8192: A = (8192 - 1) * 8 / (8 + 4 + 32 * 16) = 125,
        // N = 4A = 500 blocks, P = 16N = 8000 bytes, placed at the end.
        let s = area_split(8192, 16, FTB_ONLY).unwrap();
        assert_eq!((s.atb_bytes, s.blocks, s.pool_bytes), (125, 500, 8000));
        assert_eq!(s.pool_offset + s.pool_bytes, 8192);
        assert_eq!(s.tables_end, 125 + 1 + 63);
        assert!(s.pool_clear_of_tables());
    }

    #[test]
    fn an_empty_area_or_a_zero_block_size_is_an_error_not_a_panic() {
        assert_eq!(area_split(0, 16, FTB_ONLY), None);
        assert_eq!(area_split(8192, 0, FTB_ONLY), None);
        assert_eq!(area_split(u64::MAX, 16, FTB_ONLY), None);
        assert_eq!(gc_init_area_bytes(0x1000, 0x0ff0, 16), None);
        assert_eq!(gc_init_area_bytes(0x1000, 0x2000, 24), None);
        assert_eq!(blocks_for(1, 0), None);
    }

    #[test]
    fn gc_init_rounds_the_end_down_to_a_block() {
        assert_eq!(gc_init_area_bytes(0x1000, 0x1000 + 65537, 16), Some(65536));
        assert_eq!(gc_init_area_bytes(0x1008, 0x1008 + 65536, 16), Some(65528));
    }

    #[test]
    fn a_zero_byte_request_takes_no_block() {
        assert_eq!(blocks_for(0, 16), Some(0));
        assert_eq!(blocks_for(1, 16), Some(1));
        assert_eq!(blocks_for(16, 16), Some(1));
        assert_eq!(blocks_for(17, 16), Some(2));
    }
}

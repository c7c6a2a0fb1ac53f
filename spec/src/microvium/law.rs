//! Microvium's laws: invariants of headers, heap accounting and the copying collector, as plain
//! functions over observations.

use super::header::{ALLOCATION_HEADER, FIRST_CONTAINER_TYPE_CODE, TOMBSTONE_HEADER, footprint};
use crate::law::{LawResult, Violation};

/// An allocation of a `size`-byte body takes `2 + roundup_even(size)` bytes of heap.
pub fn footprint_is_header_plus_even_body(size: u16, taken: u64) -> LawResult {
    let expected = footprint(size) as u64;
    if taken == expected {
        return Ok(());
    }
    Err(Violation::new(
        "footprint-is-header-plus-even-body",
        format_args!(
            "a {size}-byte body took {taken} bytes, expected 2 + roundup_even({size}) = {expected} \
             (size {size:#05x}, odd bit {})",
            size & 1
        ),
    ))
}

/// A header word packs the type code in bits 15..12 and the size in bits 11..0; unpacking gives
/// both back.
pub fn header_round_trip(type_code: u8, size: u16, word: u16, unpacked: (u8, u16)) -> LawResult {
    let fields = ALLOCATION_HEADER.fields;
    let expected = ALLOCATION_HEADER.encode(&[size as u64, type_code as u64]) as u16;
    if word == expected && unpacked == (type_code, size) {
        return Ok(());
    }
    Err(Violation::new(
        "header-round-trip",
        format_args!(
            "type {type_code:#x} size {size:#05x} packed as {word:#06x} (expected {expected:#06x}: \
             type mask {:#06x}, size mask {:#06x}), unpacked as type {:#x} size {:#05x}",
            fields[1].mask(),
            fields[0].mask(),
            unpacked.0,
            unpacked.1
        ),
    ))
}

/// The collector traces an allocation's body exactly when its type code is a container (0x9 and up,
/// that is, header word `>= 0x9000`).
pub fn traced_iff_container(header: u16, traced: bool) -> LawResult {
    let container = (header >> 12) as u8 >= FIRST_CONTAINER_TYPE_CODE;
    if container == traced {
        return Ok(());
    }
    Err(Violation::new(
        "traced-iff-container",
        format_args!(
            "header {header:#06x} (type {:#x}) was {}traced; containers are types >= {FIRST_CONTAINER_TYPE_CODE:#x} \
             (header >= 0x9000)",
            header >> 12,
            if traced { "" } else { "not " }
        ),
    ))
}

/// The heap's used bytes are the sum of its allocations' footprints: nothing between allocations.
pub fn used_is_sum_of_footprints(footprints: impl IntoIterator<Item = u64>, used: u64) -> LawResult {
    let (mut sum, mut count) = (0u64, 0u64);
    for f in footprints {
        sum = sum.saturating_add(f);
        count += 1;
    }
    if sum == used {
        return Ok(());
    }
    Err(Violation::new(
        "used-is-sum-of-footprints",
        format_args!("{count} allocations take {sum} bytes, but the heap reports {used} bytes used"),
    ))
}

/// After a collection no tombstone is left in the heap: `(offset, header word)` of every allocation.
pub fn no_tombstone_survives(headers: impl IntoIterator<Item = (u32, u16)>) -> LawResult {
    for (offset, header) in headers {
        if header == TOMBSTONE_HEADER || header >> 12 == 0 {
            return Err(Violation::new(
                "no-tombstone-survives",
                format_args!(
                    "header {header:#06x} at heap offset {offset:#06x} has type 0 (tombstone header is \
                     {TOMBSTONE_HEADER:#06x}) after the collection"
                ),
            ));
        }
    }
    Ok(())
}

/// One object of an observed graph: its id, and the object each of its slots refers to, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphNode<'a> {
    /// The object's id, stable across a collection.
    pub id: u32,
    /// For each slot (property value, element, closure slot), the id of the object it refers to.
    pub slots: &'a [Option<u32>],
}

fn find<'a>(nodes: &'a [GraphNode<'a>], id: u32) -> Option<(usize, &'a GraphNode<'a>)> {
    nodes.iter().enumerate().find(|(_, n)| n.id == id)
}

/// After a copying collection the live graph is the graph reachable from `roots` before it, object
/// for object and slot for slot, and nothing unreachable survives. `scratch` must have one entry per
/// node of `before`.
pub fn collection_keeps_exactly_the_reachable(
    before: &[GraphNode<'_>],
    roots: &[u32],
    after: &[GraphNode<'_>],
    scratch: &mut [bool],
) -> LawResult {
    const LAW: &str = "collection-keeps-exactly-the-reachable";
    let Some(reachable) = scratch.get_mut(..before.len()) else {
        return Err(Violation::new(
            LAW,
            format_args!(
                "scratch has {} entries, the graph {} nodes",
                scratch.len(),
                before.len()
            ),
        ));
    };
    reachable.fill(false);
    for r in roots {
        match find(before, *r) {
            Some((i, _)) => reachable[i] = true,
            None => {
                return Err(Violation::new(
                    LAW,
                    format_args!("root #{r} is not in the graph before"),
                ));
            }
        }
    }
    let mut changed = true;
    while changed {
        changed = false;
        for (i, node) in before.iter().enumerate() {
            if !reachable[i] {
                continue;
            }
            for target in node.slots.iter().flatten() {
                match find(before, *target) {
                    Some((j, _)) if !reachable[j] => {
                        reachable[j] = true;
                        changed = true;
                    }
                    Some(_) => {}
                    None => {
                        return Err(Violation::new(
                            LAW,
                            format_args!(
                                "#{} refers to #{target}, which is not in the graph before",
                                node.id
                            ),
                        ));
                    }
                }
            }
        }
    }
    for (i, node) in before.iter().enumerate() {
        match (reachable[i], find(after, node.id)) {
            (true, None) => {
                return Err(Violation::new(
                    LAW,
                    format_args!("#{} was reachable but did not survive the collection", node.id),
                ));
            }
            (false, Some(_)) => {
                return Err(Violation::new(
                    LAW,
                    format_args!("#{} was unreachable but survived the collection", node.id),
                ));
            }
            (true, Some((_, now))) if now.slots != node.slots => {
                return Err(Violation::new(
                    LAW,
                    format_args!(
                        "#{} had slots {:?} before the collection and {:?} after",
                        node.id, node.slots, now.slots
                    ),
                ));
            }
            _ => {}
        }
    }
    if let Some(stray) = after.iter().find(|n| find(before, n.id).is_none()) {
        return Err(Violation::new(
            LAW,
            format_args!(
                "#{} is live after the collection but was not in the graph before",
                stray.id
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_footprint_off_by_the_padding_byte_is_reported_with_the_formula() {
        assert!(footprint_is_header_plus_even_body(3, 6).is_ok());
        let v = footprint_is_header_plus_even_body(3, 5).unwrap_err();
        assert!(
            v.message.as_str().contains("expected 2 + roundup_even(3) = 6"),
            "{v}"
        );
    }

    #[test]
    fn a_header_with_swapped_fields_breaks_the_round_trip() {
        assert!(header_round_trip(0xC, 4, 0xC004, (0xC, 4)).is_ok());
        assert!(header_round_trip(0xC, 4, 0x400C, (0xC, 4)).is_err());
        assert!(header_round_trip(0xC, 4, 0xC004, (0x4, 0xC)).is_err());
    }

    #[test]
    fn tracing_a_byte_allocation_or_skipping_a_container_breaks_the_rule() {
        assert!(traced_iff_container(0x9000, true).is_ok());
        assert!(traced_iff_container(0x8FFF, false).is_ok());
        assert!(traced_iff_container(0x3004, true).is_err());
        assert!(traced_iff_container(0xE004, false).is_err());
    }

    #[test]
    fn a_gap_or_a_tombstone_in_the_heap_is_caught() {
        assert!(used_is_sum_of_footprints([6, 10], 16).is_ok());
        assert!(used_is_sum_of_footprints([6, 10], 18).is_err());
        assert!(no_tombstone_survives([(2, 0xC004), (8, 0x3002)]).is_ok());
        assert!(no_tombstone_survives([(2, 0xC004), (8, TOMBSTONE_HEADER)]).is_err());
    }

    #[test]
    fn survivors_losses_and_changed_slots_each_break_the_collection_law() {
        let a = [Some(2)];
        let before = [
            GraphNode { id: 1, slots: &a },
            GraphNode { id: 2, slots: &[] },
            GraphNode { id: 3, slots: &[] },
        ];
        let mut scratch = [false; 3];
        let kept = [GraphNode { id: 1, slots: &a }, GraphNode { id: 2, slots: &[] }];
        assert!(collection_keeps_exactly_the_reachable(&before, &[1], &kept, &mut scratch).is_ok());
        let survivor = [kept[0], kept[1], GraphNode { id: 3, slots: &[] }];
        let v = collection_keeps_exactly_the_reachable(&before, &[1], &survivor, &mut scratch).unwrap_err();
        assert!(
            v.message.as_str().contains("#3 was unreachable but survived"),
            "{v}"
        );
        let v = collection_keeps_exactly_the_reachable(&before, &[1], &kept[..1], &mut scratch).unwrap_err();
        assert!(v.message.as_str().contains("#2 was reachable"), "{v}");
        let changed = [
            GraphNode {
                id: 1,
                slots: &[None],
            },
            kept[1],
        ];
        let v = collection_keeps_exactly_the_reachable(&before, &[1], &changed, &mut scratch).unwrap_err();
        assert!(v.message.as_str().contains("#1 had slots"), "{v}");
        assert!(collection_keeps_exactly_the_reachable(&before, &[1], &kept, &mut [false; 1]).is_err());
    }
}

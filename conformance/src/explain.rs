//! `memspec explain <profile>`: a profile's layout for people (text) and programs (JSON).
//!
//! The tag table is drawn bit by bit from [`memspec::tag::TagRule::diagram`]; header layouts field by
//! field from their [`BitLayout`]; facts and sizes carry units and sources. The size table also gives
//! the heap bytes the reference implementation takes for each kind, found by allocating it in `ref`.

use std::fmt::Write as _;
use std::time::Duration;

use memspec::profile::{BitLayout, Profile};
use memspec::subject::{HeapConfig, ObjectSpec};
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::case;
use crate::protocol;
use crate::subjects::{Lease, SubjectFactory};

pub mod picture;

/// Bytes of arena the reference gets for measuring one size-table entry.
pub const SIZE_ARENA_BYTES: u64 = 1 << 20;

/// What the reference implementation took for one size-table entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefSize {
    /// Heap bytes, if it could allocate the kind.
    pub bytes: Option<u64>,
    /// Why not, if it could not.
    pub error: Option<String>,
}

/// Allocates every kind of the size table in a fresh heap of `factory` (the reference) and reads the
/// bytes it took.
pub fn ref_sizes(profile: &Profile, factory: &dyn SubjectFactory) -> Vec<RefSize> {
    profile
        .sizes
        .iter()
        .map(|entry| {
            let params = match case::parse_params(entry.args) {
                Ok(p) => p,
                Err(e) => {
                    return RefSize {
                        bytes: None,
                        error: Some(format!("the table's args `{}`: {e}", entry.args)),
                    };
                }
            };
            let params = protocol::borrow_params(&params);
            let mut got = RefSize {
                bytes: None,
                error: Some("the reference lent no subject".into()),
            };
            let lease = Lease {
                timeout: Duration::from_secs(10),
                arena_bytes: SIZE_ARENA_BYTES,
            };
            let fault = factory.lend(&lease, &mut |s| {
                let config = HeapConfig {
                    arena_bytes: SIZE_ARENA_BYTES,
                    port: None,
                    options: &[],
                };
                got = match s.start(profile.id, &config).and_then(|()| {
                    s.alloc(&ObjectSpec {
                        kind: entry.kind,
                        params: &params,
                    })
                }) {
                    Ok(a) => RefSize {
                        bytes: Some(a.bytes),
                        error: None,
                    },
                    Err(e) => RefSize {
                        bytes: None,
                        error: Some(e.to_string()),
                    },
                };
            });
            if let Err(f) = fault {
                got.error = Some(f.diagnosis);
            }
            got
        })
        .collect()
}

/// A layout drawn field by field, highest bit first: `| size [31:2] | kind [1:0] |`.
pub fn layout_diagram(l: &BitLayout) -> String {
    let mut fields: Vec<_> = l.fields.iter().collect();
    fields.sort_by_key(|f| std::cmp::Reverse(f.lsb));
    let mut s = String::from("|");
    for f in fields {
        let hi = f.lsb + f.bits.saturating_sub(1);
        if f.bits == 1 {
            let _ = write!(s, " {} [{}] |", f.name, f.lsb);
        } else {
            let _ = write!(s, " {} [{hi}:{}] |", f.name, f.lsb);
        }
    }
    s
}

/// The profile as text.
pub fn text(p: &Profile, sizes: &[RefSize]) -> String {
    let w = p.value_width;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({} {})",
        p.id.name(),
        p.id.engine().name(),
        p.engine_version
    );
    let _ = writeln!(out, "{}\n", p.summary);
    let _ = writeln!(out, "value word: {} bits; collector: {}\n", w.bits(), p.gc.name());
    let _ = writeln!(
        out,
        "tag table (bit {} .. bit 0, * = payload), tried in order: the first rule that matches names the \
         class;\n`is` is the tag, `and` a further test, `not` a pattern the class excludes:",
        w.bits() - 1
    );
    let name_w = p.tags.iter().map(|t| t.class.name().len()).max().unwrap_or(0);
    let _ = writeln!(out, "  {:<name_w$}       {}", "", picture::bit_ruler(w));
    for t in p.tags {
        for (i, (label, bits)) in picture::rule_lines(t, w).into_iter().enumerate() {
            let (class, encoding) = if i == 0 {
                (t.class.name(), t.encoding)
            } else {
                ("", "")
            };
            let line = format!("  {class:<name_w$}  {label:<3}  {bits}  {encoding}");
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if let Some((lo, hi)) = t.range {
            let _ = writeln!(
                out,
                "  {:<name_w$}  whole word in {} ..= {}",
                "",
                w.hex(lo),
                w.hex(hi)
            );
        }
        let _ = writeln!(out, "  {:<name_w$}  source: {}", "", t.source);
    }
    if !p.immediates.is_empty() {
        let _ = writeln!(out, "\nimmediates:");
        for i in p.immediates {
            let _ = writeln!(out, "  {:<16} {}  source: {}", i.name, w.hex(i.raw), i.source);
        }
    }
    let r = &p.small_int;
    let _ = writeln!(
        out,
        "\nsmall ints: {} ..= {} ({} bits)\n  source: {}",
        r.min,
        r.max,
        r.bits(),
        r.source
    );
    if !p.facts.is_empty() {
        let _ = writeln!(out, "\nheap geometry and other facts:");
        for f in p.facts {
            let _ = writeln!(
                out,
                "  {} = {} {}: {}\n      source: {}",
                f.name,
                f.value,
                f.unit.name(),
                f.meaning,
                f.source
            );
        }
    }
    if let Some(area) = picture::heap_area(p, picture::PICTURE_ARENA_BYTES) {
        let _ = write!(out, "\n{area}");
    }
    for l in p.layouts {
        let _ = writeln!(
            out,
            "\n{} ({} bits), source: {}",
            l.name,
            l.width.bits(),
            l.source
        );
        let _ = writeln!(out, "  {}", layout_diagram(l));
        for f in l.fields {
            let _ = writeln!(
                out,
                "  bits {:>2}..{:<2} {:<12} {}",
                f.lsb,
                f.lsb + f.bits.saturating_sub(1),
                f.name,
                f.meaning
            );
        }
    }
    if !p.sizes.is_empty() {
        let _ = writeln!(
            out,
            "\nobject sizes (heap bytes, rounding included; ref = the reference implementation):"
        );
        for (e, r) in p
            .sizes
            .iter()
            .zip(sizes.iter().map(Some).chain(std::iter::repeat(None)))
        {
            let measured = match r {
                Some(RefSize { bytes: Some(b), .. }) if *b == e.bytes => format!("ref {b}"),
                Some(RefSize { bytes: Some(b), .. }) => format!("ref {b} (DIFFERS)"),
                Some(RefSize { error: Some(err), .. }) => format!("ref: {err}"),
                _ => "ref: not measured".into(),
            };
            let _ = writeln!(
                out,
                "  {:<10} {:<14} {:>5} bytes in {} allocation(s)  {measured}\n      {}\n      source: {}",
                e.kind, e.args, e.bytes, e.allocations, e.formula, e.source
            );
        }
    }
    out
}

/// The profile as JSON (shape documented in `conformance/REPORT.md`, "explain").
pub fn json(p: &Profile, sizes: &[RefSize]) -> Json {
    let w = p.value_width;
    let mut size_table = serde_json::Map::new();
    for (e, r) in p.sizes.iter().zip(sizes) {
        let key = if e.args.is_empty() {
            e.kind.to_string()
        } else {
            format!("{} {}", e.kind, e.args)
        };
        size_table.insert(key, json!(r.bytes));
    }
    json!({
        "schema": "memspec-explain/1",
        "profile": p.id.name(),
        "engine": p.id.engine().name(),
        "engine_version": p.engine_version,
        "summary": p.summary,
        "value_bits": w.bits(),
        "gc": p.gc.name(),
        "tags": p.tags.iter().map(|t| json!({
            "class": t.class.name(),
            "diagram": t.diagram(w).to_string(),
            "tests": t.tests.iter().map(|b| json!({
                "mask": protocol::word(b.mask), "pattern": protocol::word(b.pattern), "negate": b.negate,
            })).collect::<Vec<_>>(),
            "range": t.range.map(|(lo, hi)| json!([protocol::word(lo), protocol::word(hi)])),
            "encoding": t.encoding,
            "source": t.source.to_string(),
        })).collect::<Vec<_>>(),
        "immediates": p.immediates.iter().map(|i| json!({
            "name": i.name, "word": protocol::word(i.raw), "source": i.source.to_string(),
        })).collect::<Vec<_>>(),
        "small_int": {
            "min": p.small_int.min, "max": p.small_int.max, "bits": p.small_int.bits(),
            "source": p.small_int.source.to_string(),
        },
        "facts": p.facts.iter().map(|f| json!({
            "name": f.name, "value": f.value, "unit": protocol::unit(f.unit), "meaning": f.meaning,
            "source": f.source.to_string(),
        })).collect::<Vec<_>>(),
        "layouts": p.layouts.iter().map(|l| json!({
            "name": l.name, "bits": l.width.bits(), "diagram": layout_diagram(l), "source": l.source.to_string(),
            "fields": l.fields.iter().map(|f| json!({
                "name": f.name, "lsb": f.lsb, "bits": f.bits, "mask": protocol::word(f.mask()), "meaning": f.meaning,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "sizes": p.sizes.iter().zip(sizes).map(|(e, r)| json!({
            "kind": e.kind, "args": e.args, "bytes": e.bytes, "allocations": e.allocations,
            "formula": e.formula, "source": e.source.to_string(),
            "ref_bytes": r.bytes, "ref_error": r.error,
        })).collect::<Vec<_>>(),
        "size_table": size_table,
    })
}

//! What the Python driver (`engines/micropython/driver.py`) prints, parsed: its `@R` result lines and
//! the engine's own `micropython.mem_info(1)` report.

use memspec::micropython::heap_map;
use memspec::subject::{ErrorKind, SubjectError, SubjectResult};

/// The driver's result line: the words after `@R`, as `key=value` pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Everything the call printed, result line included.
    pub text: String,
    words: Vec<(String, String)>,
}

impl Reply {
    /// Finds the `@R` line in `text`. `subject` and `call` name the call in errors.
    pub fn parse(subject: &str, call: &str, text: &str) -> SubjectResult<Reply> {
        let line = text.lines().rev().find_map(|l| l.trim_end().strip_prefix("@R"));
        let Some(line) = line else {
            return Err(SubjectError::new(
                ErrorKind::Protocol,
                format_args!(
                    "{subject}: `{call}` printed no result line; it printed {:?}",
                    tail(text)
                ),
            ));
        };
        let words = line
            .split_whitespace()
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (w.to_owned(), String::new()),
            })
            .collect();
        Ok(Reply {
            text: text.to_owned(),
            words,
        })
    }

    /// The value of `key`, as text.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.words.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The value of `key` as an integer (any size the engine prints).
    pub fn int(&self, subject: &str, key: &str) -> SubjectResult<i128> {
        let v = self.get(key).ok_or_else(|| {
            SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{subject}: result has no `{key}`: {:?}", tail(&self.text)),
            )
        })?;
        v.parse().map_err(|_| {
            SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{subject}: `{key}={v}` is not an integer"),
            )
        })
    }
}

/// The last 160 characters of `text`, for messages.
pub fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(160);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text.get(start..).unwrap_or("")
}

/// One GC area of a `mem_info(1)` map: where its pool starts and one character per block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    /// The pool's first byte (the `from` address of `GC memory layout; from ...:`).
    pub pool_start: u64,
    /// One character per block, in the engine's notation (`.` free, `=` tail, letters heads).
    pub blocks: Vec<u8>,
}

/// The parts of `micropython.mem_info(1)` the subjects use (`py/gc.c` `gc_dump_info`,
/// `gc_dump_alloc_table`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MemInfo {
    /// `GC: total: P` in bytes: the pool of the first area.
    pub total: u64,
    /// `used:` in bytes.
    pub used: u64,
    /// `free:` in bytes.
    pub free: u64,
    /// `max new split:` in bytes, where the port grows its heap on demand.
    pub max_new_split: Option<u64>,
    /// The areas, as dumped.
    pub areas: Vec<Area>,
    /// The report from the `GC:` line on, as printed (line ends normalised to `\n`).
    pub text: String,
}

/// Blocks per map line, as an index.
const BLOCKS_PER_LINE: usize = heap_map::BLOCKS_PER_LINE as usize;

impl MemInfo {
    /// Parses the report in `text`; `bytes_per_block` converts the line offsets into block indices.
    pub fn parse(subject: &str, text: &str, bytes_per_block: u64) -> SubjectResult<MemInfo> {
        let bad = |what: &str, line: &str| {
            SubjectError::new(
                ErrorKind::Protocol,
                format_args!("{subject}: mem_info(1): {what}: {line:?}"),
            )
        };
        let mut info = MemInfo::default();
        let mut seen_gc = false;
        for raw in text.lines() {
            let line = raw.trim_end_matches('\r');
            if let Some(rest) = line.strip_prefix("GC: total: ") {
                seen_gc = true;
                for (i, part) in rest.split(", ").enumerate() {
                    let num = |p: &str| p.trim().parse::<u64>().map_err(|_| bad("bad number", line));
                    match (i, part.split_once(": ")) {
                        (0, None) => info.total = num(part)?,
                        (_, Some(("used", v))) => info.used = num(v)?,
                        (_, Some(("free", v))) => info.free = num(v)?,
                        (_, Some(("max new split", v))) => info.max_new_split = Some(num(v)?),
                        _ => return Err(bad("unknown figure", line)),
                    }
                }
            }
            // The driver's own result line (`@R ...`) follows the map; it is no part of it.
            if seen_gc && !line.starts_with("@R") {
                info.text.push_str(line);
                info.text.push('\n');
            }
            if let Some(rest) = line.strip_prefix(heap_map::AREA_HEADER) {
                let addr = rest.trim_end_matches(':').trim();
                let addr = addr.strip_prefix("0x").unwrap_or(addr);
                let pool_start = u64::from_str_radix(addr, 16).map_err(|_| bad("bad pool address", line))?;
                info.areas.push(Area {
                    pool_start,
                    blocks: Vec::new(),
                });
                continue;
            }
            let Some(area) = info.areas.last_mut() else {
                continue;
            };
            if let Some(rest) = line.trim_start().strip_prefix('(') {
                // `       (N lines all free)`
                let n: usize = rest
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| bad("bad free-lines count", line))?;
                let total = n
                    .checked_mul(BLOCKS_PER_LINE)
                    .and_then(|b| area.blocks.len().checked_add(b))
                    .ok_or_else(|| bad("free run too long", line))?;
                area.blocks.resize(total, b'.');
                continue;
            }
            if let Some((offset, map)) = line.split_once(": ")
                && offset.len() == 8
                && offset.bytes().all(|b| b.is_ascii_hexdigit())
            {
                let offset = u64::from_str_radix(offset, 16).map_err(|_| bad("bad offset", line))?;
                let first = usize::try_from(offset / bytes_per_block.max(1))
                    .map_err(|_| bad("offset too large", line))?;
                // A collapsed run ends at the line holding the next used block.
                if first > area.blocks.len() {
                    area.blocks.resize(first, b'.');
                }
                area.blocks.truncate(first);
                area.blocks.extend(map.bytes());
            }
        }
        if !seen_gc {
            return Err(bad("no `GC: total:` line", tail(text)));
        }
        Ok(info)
    }

    /// The number of HEAD blocks (allocations) in all areas.
    pub fn heads(&self) -> u64 {
        self.areas
            .iter()
            .flat_map(|a| a.blocks.iter())
            .filter(|b| !matches!(b, b'.' | b'='))
            .count() as u64
    }

    /// Whether `addr` is the first block of an allocation: `Some(true)` for a head, `Some(false)` for
    /// a free or tail block, `None` when no area holds it.
    pub fn is_head(&self, addr: u64, bytes_per_block: u64) -> Option<bool> {
        self.areas.iter().find_map(|a| {
            let off = addr.checked_sub(a.pool_start)?;
            let block = usize::try_from(off / bytes_per_block.max(1)).ok()?;
            let c = a.blocks.get(block)?;
            Some(!matches!(c, b'.' | b'='))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by the WebAssembly port 1.27.0 (`engines/micropython/host.mjs`, heapsize 65536,
    /// `micropython.mem_info(1)` after loading the driver), cut to its first lines.
    const WASM_REPORT: &str = "stack: 432 out of 32768\r\n\
GC: total: 64000, used: 19264, free: 44736, max new split: 134217728\r\n\
 No. of 1-blocks: 51, 2-blocks: 8, max blk sz: 256, max free sz: 2184\r\n\
GC memory layout; from 30000:\r\n\
00000000: h=hLhhh=hhLSDhhhSThSLh==L..L...L.Lh.LLhL.Dhh===BBBBB..hBBBBBB.h=\r\n\
       (2 lines all free)\r\n\
00000c00: ..h=\r\n";

    #[test]
    fn a_wasm_report_gives_figures_areas_and_heads() {
        let m = MemInfo::parse("t", WASM_REPORT, 16).unwrap();
        assert_eq!((m.total, m.used, m.free), (64000, 19264, 44736));
        assert_eq!(m.max_new_split, Some(134_217_728));
        assert_eq!(m.areas.len(), 1);
        assert_eq!(m.areas[0].pool_start, 0x30000);
        assert_eq!(m.areas[0].blocks.len(), 3 * 64 + 4);
        assert_eq!(m.is_head(0x30000, 16), Some(true));
        assert_eq!(m.is_head(0x30010, 16), Some(false), "block 1 is a tail");
        assert_eq!(m.is_head(0x30000 + 194 * 16, 16), Some(true));
        assert_eq!(m.is_head(0x10, 16), None);
        assert!(m.text.starts_with("GC: total: 64000"));
        let with_reply = format!("{WASM_REPORT}@R used=19264 free=44736\r\n");
        let m = MemInfo::parse("t", &with_reply, 16).unwrap();
        assert!(
            !m.text.contains("@R"),
            "the driver's result line is kept in the map: {}",
            m.text
        );
        assert!(m.text.ends_with("00000c00: ..h=\n"), "{}", m.text);
    }

    #[test]
    fn a_report_without_a_gc_line_is_a_protocol_error() {
        let e = MemInfo::parse("t", "stack: 1\n", 16).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Protocol);
    }

    #[test]
    fn a_result_line_is_found_after_other_output() {
        let r = Reply::parse("t", "c", "noise\r\n@R id=-1 ret=none\r\n").unwrap();
        assert_eq!(r.int("t", "id").unwrap(), -1);
        assert_eq!(r.get("ret"), Some("none"));
        assert_eq!(r.int("t", "ret").unwrap_err().kind, ErrorKind::Protocol);
        assert_eq!(
            Reply::parse("t", "c", "Traceback\n").unwrap_err().kind,
            ErrorKind::Protocol
        );
    }
}

//! A toy MicroPython REPR_A 32-bit subject: a second, small implementation for testing the harness,
//! written apart from the reference model.
//!
//! Its numbers follow MicroPython's sources: the REPR_A encodings and immediates of `py/obj.h`
//! (`MP_OBJ_NEW_SMALL_INT`, `MP_OBJ_NEW_QSTR`, `MP_OBJ_NEW_IMMEDIATE_OBJ`), 16-byte blocks without
//! headers (`py/mpconfig.h` `MICROPY_BYTES_PER_GC_BLOCK`), the ATB/FTB area split of `py/gc.c`
//! `gc_setup_area`, first fit (`gc_alloc`), conservative marking of whole chains (`gc_mark_subtree`),
//! `gc.collect()` returning HEAD blocks freed on unix (`py/modgc.c` `gc_collect` with
//! `MICROPY_PY_GC_COLLECT_RETVAL`), the `mem_info(1)` map lines (`gc_dump_alloc_table`). It knows only
//! the `raw` kind and has no collector controls.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use memspec::fact::Unit;
use memspec::profile::ProfileId;
use memspec::subject::{
    Allocation, Capabilities, Capability, Collection, Decoded, Encoded, ErrorKind, HeapConfig, ObjId,
    ObjectSpec, Stat, Subject, SubjectError, SubjectResult, Target, Value, stat,
};
use memspec::tag::TagClass;

/// Bytes per GC block, 32-bit: `4 * MP_BYTES_PER_OBJ_WORD` (py/mpconfig.h `MICROPY_BYTES_PER_GC_BLOCK`).
const BLOCK_BYTES: u64 = 16;
/// Where the toy says its pool starts (any 16-byte-aligned address would do).
const POOL_ADDRESS: u64 = 0x3ffb_0000;
/// Blocks per heap-map line (py/gc.c `gc_dump_alloc_table`).
const MAP_LINE_BLOCKS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Block {
    Free,
    Head,
    Tail,
}

/// What the toy can do.
pub const CAPS: Capabilities = Capabilities::of(&[
    Capability::Encode,
    Capability::Decode,
    Capability::Alloc,
    Capability::Link,
    Capability::Root,
    Capability::Collect,
    Capability::Stats,
    Capability::HeapMap,
    Capability::Liveness,
    Capability::Inspect,
    Capability::RawAlloc,
    Capability::SizedHeap,
    Capability::FullHeap,
]);

/// The toy subject.
#[derive(Debug, Default)]
pub struct Toy {
    blocks: Vec<Block>,
    words: Vec<u64>,
    objects: Vec<Option<usize>>,
    roots: BTreeSet<u32>,
    unix: bool,
    started: bool,
}

fn err(kind: ErrorKind, msg: std::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(kind, msg)
}

impl Toy {
    fn chain(&self, head: usize) -> usize {
        1 + self
            .blocks
            .iter()
            .skip(head + 1)
            .take_while(|b| **b == Block::Tail)
            .count()
    }

    fn head_of(&self, id: ObjId) -> SubjectResult<usize> {
        match self.objects.get(id.0 as usize) {
            Some(Some(h)) => Ok(*h),
            _ => Err(err(
                ErrorKind::NoSuchObject,
                format_args!("no live object #{}", id.0),
            )),
        }
    }

    fn address(head: usize) -> u64 {
        POOL_ADDRESS + head as u64 * BLOCK_BYTES
    }

    fn pointed_head(&self, w: u64) -> Option<usize> {
        if w < POOL_ADDRESS || !(w - POOL_ADDRESS).is_multiple_of(BLOCK_BYTES) {
            return None;
        }
        let b = usize::try_from((w - POOL_ADDRESS) / BLOCK_BYTES).ok()?;
        (self.blocks.get(b) == Some(&Block::Head)).then_some(b)
    }

    fn used_blocks(&self) -> u64 {
        self.blocks.iter().filter(|b| **b != Block::Free).count() as u64
    }
}

impl Subject for Toy {
    fn name(&self) -> &str {
        "toy"
    }

    fn supports(&self, profile: ProfileId) -> bool {
        profile == ProfileId::MicropythonA32
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        if self.supports(profile) {
            CAPS
        } else {
            Capabilities::NONE
        }
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        if !self.supports(profile) {
            return Err(err(
                ErrorKind::UnknownProfile,
                format_args!("the toy is micropython-a32 only"),
            ));
        }
        // gc_init rounds the end down to a block; gc_setup_area with an FTB:
        // ATB bytes = floor((T - 1) * 8 / (8 + 4 + 32 * BPB)), blocks = 4 * ATB bytes.
        let total = config.arena_bytes / BLOCK_BYTES * BLOCK_BYTES;
        if total < 2 * BLOCK_BYTES {
            return Err(err(
                ErrorKind::ArenaTooSmall,
                format_args!("{} bytes hold no block", config.arena_bytes),
            ));
        }
        let atb = (total - 1) * 8 / (8 + 4 + 32 * BLOCK_BYTES);
        let n = usize::try_from(4 * atb).unwrap_or(0);
        *self = Toy {
            blocks: vec![Block::Free; n],
            words: vec![0; n * 4],
            objects: Vec::new(),
            roots: BTreeSet::new(),
            unix: config.port == Some("unix"),
            started: true,
        };
        Ok(())
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let (word, class) = match value {
            Value::Int(v) if (-(1 << 30)..1 << 30).contains(v) => ((*v as u64) << 1 | 1, TagClass::SmallInt),
            Value::Qstr(q) if *q < 1 << 29 => (q << 3 | 2, TagClass::Qstr),
            Value::Named("None") => (0x6, TagClass::Immediate),
            Value::Named("False") | Value::Bool(false) => (0xe, TagClass::Immediate),
            Value::Named("True") | Value::Bool(true) => (0x1e, TagClass::Immediate),
            Value::Named(n) => return Err(err(ErrorKind::NotImmediate, format_args!("{n} is a ROM object"))),
            other => {
                return Err(err(
                    ErrorKind::NotImmediate,
                    format_args!("{other:?} needs the heap"),
                ));
            }
        };
        Ok(Encoded {
            word: word & 0xffff_ffff,
            class,
        })
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        let w = word & 0xffff_ffff;
        Ok(if w & 1 == 1 {
            (TagClass::SmallInt, Decoded::Int(((w as u32 as i32) >> 1) as i64))
        } else if w & 7 == 2 {
            (TagClass::Qstr, Decoded::Qstr(w >> 3))
        } else if w & 7 == 6 {
            let name = match w >> 3 {
                0 => "None",
                1 => "False",
                3 => "True",
                v => {
                    return Err(err(
                        ErrorKind::InvalidWord,
                        format_args!("immediate {v} is no constant"),
                    ));
                }
            };
            (TagClass::Immediate, Decoded::Named(name))
        } else {
            (TagClass::Pointer, Decoded::Pointer(w))
        })
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        if !self.started {
            return Err(err(ErrorKind::BadArgument, format_args!("no case has started")));
        }
        if spec.kind != "raw" {
            return Err(err(
                ErrorKind::UnknownKind,
                format_args!("the toy knows only `raw`, not `{}`", spec.kind),
            ));
        }
        let bytes = spec
            .int("bytes")
            .and_then(|b| u64::try_from(b).ok())
            .ok_or_else(|| {
                err(
                    ErrorKind::BadArgument,
                    format_args!("`raw` needs bytes=N, N >= 0"),
                )
            })?;
        let id = ObjId(self.objects.len() as u32);
        if bytes == 0 {
            self.objects.push(None);
            return Ok(Allocation {
                id,
                word: 0,
                bytes: 0,
            });
        }
        let need = usize::try_from(bytes.div_ceil(BLOCK_BYTES)).unwrap_or(usize::MAX);
        let mut run = 0;
        let mut at = None;
        for (i, b) in self.blocks.iter().enumerate() {
            run = if *b == Block::Free { run + 1 } else { 0 };
            if run == need {
                at = Some(i + 1 - need);
                break;
            }
        }
        let Some(head) = at else {
            return Err(err(
                ErrorKind::OutOfMemory,
                format_args!("no run of {need} free blocks"),
            ));
        };
        self.blocks[head] = Block::Head;
        for b in &mut self.blocks[head + 1..head + need] {
            *b = Block::Tail;
        }
        for w in &mut self.words[head * 4..(head + need) * 4] {
            *w = 0;
        }
        self.objects.push(Some(head));
        Ok(Allocation {
            id,
            word: Self::address(head),
            bytes: need as u64 * BLOCK_BYTES,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        let head = self.head_of(from)?;
        let words = self.chain(head) * 4;
        if slot as usize >= words {
            return Err(err(
                ErrorKind::BadArgument,
                format_args!("slot {slot} is past the {words} words"),
            ));
        }
        let w = match target {
            Target::Object(o) => Self::address(self.head_of(o)?),
            Target::Interior(o, off) => Self::address(self.head_of(o)?) + u64::from(off),
            Target::Word(w) => w,
            Target::Empty => 0x6,
        };
        self.words[head * 4 + slot as usize] = w;
        Ok(())
    }

    fn root(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.head_of(obj)?;
        self.roots.insert(obj.0);
        Ok(())
    }

    fn unroot(&mut self, obj: ObjId) -> SubjectResult<()> {
        self.roots.remove(&obj.0);
        Ok(())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        let mut marked = vec![false; self.blocks.len()];
        let mut stack: Vec<usize> = Vec::new();
        for r in &self.roots {
            if let Some(Some(h)) = self.objects.get(*r as usize) {
                stack.push(*h);
            }
        }
        while let Some(h) = stack.pop() {
            if std::mem::replace(&mut marked[h], true) {
                continue;
            }
            for i in h * 4..(h + self.chain(h)) * 4 {
                if let Some(c) = self.pointed_head(self.words[i])
                    && !marked[c]
                {
                    stack.push(c);
                }
            }
        }
        let mut freed = 0u64;
        let mut freed_blocks = 0u64;
        for (h, m) in marked.iter().enumerate() {
            if self.blocks[h] == Block::Head && !m {
                let n = self.chain(h);
                for b in &mut self.blocks[h..h + n] {
                    *b = Block::Free;
                }
                freed += 1;
                freed_blocks += n as u64;
            }
        }
        for o in &mut self.objects {
            if o.is_some_and(|h| self.blocks[h] != Block::Head) {
                *o = None;
            }
        }
        Ok(Collection {
            freed_allocations: freed,
            freed_bytes: freed_blocks * BLOCK_BYTES,
            returned: self.unix.then_some(freed as i64),
            finalisers_run: 0,
        })
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let total = self.blocks.len() as u64 * BLOCK_BYTES;
        let used = self.used_blocks() * BLOCK_BYTES;
        let heads = self.blocks.iter().filter(|b| **b == Block::Head).count() as u64;
        for (name, unit, value) in [
            (stat::USED, Unit::Bytes, used),
            (stat::FREE, Unit::Bytes, total - used),
            (stat::TOTAL, Unit::Bytes, total),
            (stat::ALLOCATIONS, Unit::Count, heads),
        ] {
            sink(Stat { name, unit, value });
        }
        Ok(())
    }

    fn heap_map(&mut self, out: &mut dyn std::fmt::Write) -> SubjectResult<()> {
        let mut text = String::new();
        let mut b = 0;
        while b < self.blocks.len() {
            let free_run = self.blocks[b..].iter().take_while(|x| **x == Block::Free).count();
            if free_run >= 2 * MAP_LINE_BLOCKS {
                let lines = free_run / MAP_LINE_BLOCKS;
                let _ = writeln!(text, "       ({lines} lines all free)");
                b += lines * MAP_LINE_BLOCKS;
                continue;
            }
            let _ = write!(text, "{:08x}: ", b as u64 * BLOCK_BYTES);
            for x in &self.blocks[b..(b + MAP_LINE_BLOCKS).min(self.blocks.len())] {
                text.push(match x {
                    Block::Free => '.',
                    Block::Head => 'h',
                    Block::Tail => '=',
                });
            }
            text.push('\n');
            b += MAP_LINE_BLOCKS;
        }
        out.write_str(&text)
            .map_err(|_| err(ErrorKind::Engine, format_args!("write failed")))
    }

    fn is_live(&mut self, obj: ObjId) -> SubjectResult<bool> {
        Ok(matches!(self.objects.get(obj.0 as usize), Some(Some(_))))
    }

    fn read_word(&mut self, obj: ObjId, index: i32) -> SubjectResult<u64> {
        let head = self.head_of(obj)?;
        let i = usize::try_from(index)
            .ok()
            .filter(|i| *i < self.chain(head) * 4)
            .ok_or_else(|| {
                err(
                    ErrorKind::BadArgument,
                    format_args!("word {index} is outside the object (blocks have no header)"),
                )
            })?;
        Ok(self.words[head * 4 + i])
    }
}

#!/usr/bin/env node
// Measures how MicroPython's WebAssembly port (@micropython/micropython-webassembly-pyscript, pinned
// in engines/package.json) grows its GC heap by new areas (MICROPY_GC_SPLIT_HEAP_AUTO).
//
// Run from the repository root (after `npm ci` in engines/):
//
//   node engines/micropython/measure_growth.mjs chunks [HEAPSIZE ...]
//       the host malloc's chunks from the heap's own chunk on, right after loadMicroPython, and where
//       the next malloc of a new area would land
//   node engines/micropython/measure_growth.mjs grow HEAPSIZE BYTES [BYTES ...]
//       one bytearray(BYTES) per argument, each kept in a list, then the report below
//   node engines/micropython/measure_growth.mjs fill HEAPSIZE COUNT BYTES
//       COUNT bytearray(BYTES) kept in a list, made by one statement, then the report below
//   node engines/micropython/measure_growth.mjs lone-block [HEAPSIZE]
//       fills the first area with one-block floats until an area is added, keeping them all, and
//       reads the last one back after the collection that follows
//
// The report: the text of micropython.mem_info(1) (every area's map), gc.mem_alloc(), gc.mem_free(),
// and for every area the mp_state_mem_area_t read from the engine's memory: where it is, its ATB, its
// pool, and for an added area the size word of the malloc chunk it lives in.
//
// Every statement is typed into the engine's REPL one character at a time (replProcessChar). Unlike
// runPython, which mallocs a copy of the source text and a 12-byte result for every call, the REPL
// path mallocs nothing on the JavaScript side, so a new area lands where the port's malloc puts the
// next chunk after the ones loadMicroPython left. The REPL's own state lives in the GC heap.
//
// Memory is read with the module's getValue (HEAPU32 is not exported by this build).

import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const ENGINE = "@micropython/micropython-webassembly-pyscript 1.27.0";
// py/mpstate.h mp_state_mem_area_t with MICROPY_GC_SPLIT_HEAP and MICROPY_ENABLE_FINALISER: next,
// gc_alloc_table_start, gc_alloc_table_byte_len, gc_finaliser_table_start, gc_pool_start, gc_pool_end,
// gc_last_free_atb_index, gc_last_used_block: eight 32-bit words.
const AREA_FIELDS = ["next", "atb", "atb_len", "ftb", "pool_start", "pool_end", "last_free_atb", "last_used_block"];
// The largest address scanned for area headers.
const SCAN_END = 0x0100_0000;

async function engine(heapsize) {
  const out = [];
  const mp = await loadMicroPython({
    heapsize,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push("stderr: " + line),
  });
  const M = mp._module;
  const word = (a) => M.getValue(a, "i32") >>> 0;
  return { mp, M, out, word };
}

// Types `src` into the REPL and returns what the engine printed for it (the echo and prompts removed).
function repl(e, src) {
  const before = e.out.length;
  for (const c of Buffer.from(src + "\r", "latin1")) e.mp.replProcessChar(c);
  return e.out.slice(before).filter((l) => !l.startsWith(">>> ") && l !== ">>> ");
}

const hex = (n) => "0x" + n.toString(16);

// Every area's mp_state_mem_area_t: found by scanning memory for the words gc_pool_start, gc_pool_end
// of each pool the map names.
function areas(e, memInfo) {
  const pools = memInfo
    .map((l) => l.match(/^GC memory layout; from ([0-9a-f]+):/))
    .filter(Boolean)
    .map((m) => parseInt(m[1], 16));
  const found = [];
  for (const pool of pools) {
    for (let a = 16; a < SCAN_END; a += 4) {
      if (e.word(a) !== pool) continue;
      const h = a - 16;
      // The ATB length must give the pool's size: 4 blocks per ATB byte, 16 bytes per block.
      if (e.word(a + 4) - pool !== e.word(h + 8) * 4 * 16) continue;
      const f = Object.fromEntries(AREA_FIELDS.map((name, i) => [name, e.word(h + 4 * i)]));
      found.push({ header: h, ...f, chunkWord: e.word(h - 4) });
      break;
    }
  }
  return found;
}

function report(e) {
  const info = repl(e, "micropython.mem_info(1)");
  console.log(info.join("\n"));
  console.log(repl(e, "print('gc.mem_alloc()', gc.mem_alloc(), 'gc.mem_free()', gc.mem_free())").join("\n"));
  for (const [i, a] of areas(e, info).entries()) {
    const blocks = a.atb_len * 4;
    let line =
      `area ${i}: mp_state_mem_area_t at ${hex(a.header)}; ATB ${hex(a.atb)} ${a.atb_len} bytes, ` +
      `FTB ${hex(a.ftb)}; pool ${hex(a.pool_start)}..${hex(a.pool_end)} = ${a.pool_end - a.pool_start} bytes ` +
      `(${blocks} blocks); next ${hex(a.next)}`;
    if (a.atb === a.header + 32) {
      // An added area: the header is the malloc'd pointer, the word before it dlmalloc's size word.
      line += `; malloc chunk size word ${hex(a.chunkWord)} (chunk ${a.chunkWord & ~7} bytes)`;
    }
    console.log(line);
  }
}

async function chunks(sizes) {
  for (const heapsize of sizes) {
    const e = await engine(heapsize);
    e.mp.replInit();
    const info = repl(e, "import micropython; micropython.mem_info()");
    console.log(`heapsize ${heapsize}: ${info.filter((l) => l.startsWith("GC:")).join(" ")}`);
    // The first area's start: the pool end minus the heapsize, rounded as gc_init does.
    const pool = areas(e, repl(e, "micropython.mem_info(1)"))[0];
    const start = pool.atb;
    // dlmalloc on wasm32: the chunk header is 8 bytes before the pointer, its size word 4 before.
    let c = start - 8;
    for (let i = 0; i < 4; i++) {
      const size = e.word(c + 4);
      console.log(`  chunk ${hex(c)}: size ${size & ~7} bytes, flags ${size & 7} (bit 0: the chunk before is in use, bit 1: this one is)`);
      if ((size & ~7) === 0) break;
      c += size & ~7;
    }
    const p = e.M._malloc(22048);
    console.log(`  malloc(22048) gives ${hex(p)}, ${p - start} bytes past the first area's start`);
  }
}

async function grow(heapsize, sizes) {
  const e = await engine(heapsize);
  e.mp.replInit();
  e.out.length = 0;
  repl(e, "import gc, micropython");
  repl(e, "keep = []");
  for (const n of sizes) {
    console.log(`keep.append(bytearray(${n}))`, repl(e, `keep.append(bytearray(${n}))`).join("\n"));
  }
  report(e);
}

async function fill(heapsize, count, bytes) {
  const e = await engine(heapsize);
  e.mp.replInit();
  e.out.length = 0;
  repl(e, "import gc, micropython");
  console.log(repl(e, `keep = [bytearray(${bytes}) for i in range(${count})]`).join("\n"));
  report(e);
}

async function loneBlock(heapsize) {
  const e = await engine(heapsize);
  e.mp.replInit();
  e.out.length = 0;
  repl(e, "import gc, micropython");
  repl(e, "keep = [None] * 2000");
  repl(e, "r = [0, 0]");
  // Floats take one block each; stop right after the first one that made the heap grow.
  repl(
    e,
    'exec("def fill():\\n i = 0\\n t0 = gc.mem_alloc() + gc.mem_free()\\n f = 0.5\\n' +
      ' while i < 2000:\\n  keep[i] = f + i\\n  if gc.mem_alloc() + gc.mem_free() != t0:\\n' +
      '   r[0] = i\\n   r[1] = id(keep[i])\\n   return\\n  i += 1\\n")',
  );
  console.log(repl(e, "fill(); print('grew at float', r[0], 'at', hex(r[1]))").join("\n"));
  // The call has returned: the pending collection has run.
  report(e);
  console.log("reading keep[r[0]] back (the float r[0] + 0.5):");
  try {
    console.log(repl(e, "print(keep[r[0]])").join("\n"));
  } catch (err) {
    console.log(`the engine stopped: ${err}`);
  }
}

const [cmd, ...args] = process.argv.slice(2);
const nums = args.map(Number);
console.log(`# ${ENGINE}: measure_growth.mjs ${[cmd, ...args].join(" ")}`);
switch (cmd) {
  case "chunks":
    await chunks(nums.length ? nums : [16384, 20000, 65536, 1048576]);
    break;
  case "grow":
    if (nums.length < 2) throw new Error("grow HEAPSIZE BYTES [BYTES ...]");
    await grow(nums[0], nums.slice(1));
    break;
  case "fill":
    if (nums.length !== 3) throw new Error("fill HEAPSIZE COUNT BYTES");
    await fill(nums[0], nums[1], nums[2]);
    break;
  case "lone-block":
    await loneBlock(nums[0] || 16384);
    break;
  default:
    throw new Error("usage: measure_growth.mjs chunks|grow|fill|lone-block ...");
}

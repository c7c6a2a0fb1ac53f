#!/usr/bin/env node
// Measures MicroPython heap figures on the WebAssembly port from npm
// (@micropython/micropython-webassembly-pyscript, pinned in engines/package.json).
//
// Run from the repository root (after `npm ci` in engines/):
//
//   node engines/micropython/measure.mjs sizes                  every object kind of the size table
//   node engines/micropython/measure.mjs size KIND [ARG=V ...]   one kind, e.g. `size list len=0`
//   node engines/micropython/measure.mjs bytearray [FROM TO]    bytearray(n) for n = FROM..TO (0..64)
//   node engines/micropython/measure.mjs pool [HEAPSIZE ...]    `GC: total:` for each heapsize, beside
//                                                               the area-split formula
//   node engines/micropython/measure.mjs heap-map               a heap map sample (`mem_info(1)`)
//   node engines/micropython/measure.mjs collect                what gc.collect() returns
//   node engines/micropython/measure.mjs ids                    the stored words of None, True, 1, 1.75, ...
//   node engines/micropython/measure.mjs deferred               gc.collect() frees nothing until the call
//                                                               from JavaScript returns
//   node engines/micropython/measure.mjs disabled               gc.collect() still collects after gc.disable()
//   node engines/micropython/measure.mjs negation               -2**30 made by negating a boxed 2**30,
//                                                               beside the same value made by subtraction
//
// With `--micropython PATH` before the subcommand, `sizes`, `size`, `pool`, `collect`, `negation`, `ids`
// and `repl` (the REPL example of docs/develop/memorymgt.rst) run
// on a MicroPython executable of the unix port instead (e.g. one built from the v1.27.0 tag), one
// process per measurement: `node engines/micropython/measure.mjs --micropython PATH sizes`. The unix
// port collects on the spot, so there every step is a statement of one script.
//
// How a heap cost is measured. In this port gc.collect() only sets a flag: the collection runs when
// the outermost call from JavaScript into Python returns. So every step is its own runPython call
// ending in gc.collect(), and the two readings of gc.mem_alloc() are taken by same-shaped source
// (`mark(0)` and `mark(1)`), because the compiled code of the running call is itself on the heap while
// it runs. Between the readings COPIES fresh objects are stored in a list made before the first
// reading; the cost of one object is the difference divided by COPIES. Only what stays alive is
// counted, block rounding included. A difference that is not a multiple of COPIES is reported as an
// error, never rounded away.

import { execFileSync } from "node:child_process";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const ENGINE = "@micropython/micropython-webassembly-pyscript 1.27.0";
const COPIES = 32;
const HEAPSIZE = 1024 * 1024;

// Texts are built at run time from character codes: a string literal of up to 10 bytes in the
// measuring source would be interned by the parser, and a run-time string equal to an existing qstr
// is that qstr (no heap at all).
const codes = (s) => "(" + [...Buffer.from(s, "latin1")].map((c) => `${c},`).join(" ") + ")";

// Each object kind: how cases name it, and the Python that makes one object of it.
// `prelude` runs once before any reading; `make` is the body of `def make():`.
const KINDS = [
  { kind: "int", args: "value=1073741823", prelude: "H = 1 << 29", make: "return H + (H - 1)" },
  { kind: "int", args: "value=1073741824", prelude: "H = 1 << 29", make: "return H + H" },
  { kind: "int", args: "value=-1073741824", prelude: "H = 1 << 29", make: "return -H - H" },
  { kind: "int", args: "value=-1073741825", prelude: "H = 1 << 29", make: "return -H - H - 1" },
  { kind: "int", args: "value=1099511627776", prelude: "A = 1 << 20", make: "return A * A" },
  { kind: "int", args: "value=2305843009213693951", prelude: "H = 1 << 60", make: "return H + (H - 1)" },
  { kind: "int", args: "value=4611686018427387904", prelude: "H = 1 << 61", make: "return H + H" },
  { kind: "int", args: "value=-4611686018427387905", prelude: "H = 1 << 61", make: "return -H - H - 1" },
  { kind: "float", args: "value=1.75", prelude: "FA = 1.5\nFB = 0.25", make: "return FA + FB" },
  { kind: "str", args: 'text=""', prelude: `T = ${codes("")}`, make: "return ''.join([chr(c) for c in T])" },
  { kind: "str", args: 'text="append"', prelude: `T = ${codes("append")}`, make: "return ''.join([chr(c) for c in T])" },
  { kind: "str", args: 'text="memspec-str-15b"', prelude: `T = ${codes("memspec-str-15b")}`, make: "return ''.join([chr(c) for c in T])" },
  { kind: "str", args: 'text="memspec-str-16by"', prelude: `T = ${codes("memspec-str-16by")}`, make: "return ''.join([chr(c) for c in T])" },
  { kind: "str", args: 'text="memspec-str-0123456789abcdefghijklmnopqrs"', prelude: `T = ${codes("memspec-str-0123456789abcdefghijklmnopqrs")}`, make: "return ''.join([chr(c) for c in T])" },
  { kind: "bytes", args: 'text=""', prelude: `T = list(${codes("")})`, make: "return bytes(T)" },
  { kind: "bytes", args: 'text="memspec-byt-15b"', prelude: `T = list(${codes("memspec-byt-15b")})`, make: "return bytes(T)" },
  { kind: "bytes", args: 'text="memspec-byt-16by"', prelude: `T = list(${codes("memspec-byt-16by")})`, make: "return bytes(T)" },
  { kind: "bytearray", args: "len=0", prelude: "K = 0", make: "return bytearray(K)" },
  { kind: "bytearray", args: "len=16", prelude: "K = 16", make: "return bytearray(K)" },
  { kind: "bytearray", args: "len=17", prelude: "K = 17", make: "return bytearray(K)" },
  { kind: "list", args: "len=0", prelude: "K = 0", make: "return [None] * K" },
  { kind: "list", args: "len=3", prelude: "K = 3", make: "return [None] * K" },
  { kind: "list", args: "len=4", prelude: "K = 4", make: "return [None] * K" },
  { kind: "list", args: "len=5", prelude: "K = 5", make: "return [None] * K" },
  { kind: "list", args: "len=9", prelude: "K = 9", make: "return [None] * K" },
  { kind: "tuple", args: "len=0", prelude: "L = [None] * 0", make: "return tuple(L)" },
  { kind: "tuple", args: "len=1", prelude: "L = [None] * 1", make: "return tuple(L)" },
  { kind: "tuple", args: "len=2", prelude: "L = [None] * 2", make: "return tuple(L)" },
  { kind: "tuple", args: "len=3", prelude: "L = [None] * 3", make: "return tuple(L)" },
  { kind: "tuple", args: "len=4", prelude: "L = [None] * 4", make: "return tuple(L)" },
  { kind: "dict", args: "keys=0", prelude: "K = 0", make: "d = {}\n    for j in range(K):\n        d[j] = None\n    return d" },
  { kind: "dict", args: "keys=1", prelude: "K = 1", make: "d = {}\n    for j in range(K):\n        d[j] = None\n    return d" },
  { kind: "dict", args: "keys=3", prelude: "K = 3", make: "d = {}\n    for j in range(K):\n        d[j] = None\n    return d" },
  { kind: "dict", args: "keys=13", prelude: "K = 13", make: "d = {}\n    for j in range(K):\n        d[j] = None\n    return d" },
  { kind: "set", args: "len=0", prelude: "K = 0", make: "s = set()\n    for j in range(K):\n        s.add(j)\n    return s" },
  { kind: "set", args: "len=1", prelude: "K = 1", make: "s = set()\n    for j in range(K):\n        s.add(j)\n    return s" },
  { kind: "set", args: "len=5", prelude: "K = 5", make: "s = set()\n    for j in range(K):\n        s.add(j)\n    return s" },
  { kind: "function", args: "defaults=0 kw_defaults=0", prelude: "", make: "def f(a, b):\n        return a\n    return f" },
  { kind: "function", args: "defaults=2 kw_defaults=0", prelude: "", make: "def f(a=1, b=2):\n        return a\n    return f" },
  { kind: "function", args: "defaults=0 kw_defaults=1", prelude: "", make: "def f(*, a=1):\n        return a\n    return f" },
  { kind: "closure", args: "captured=1", prelude: "", make: "v1 = 1\n    def g():\n        return v1\n    return g" },
  { kind: "closure", args: "captured=2", prelude: "", make: "v1 = 1\n    v2 = 2\n    def g():\n        return v1, v2\n    return g" },
  // The classes are made with type(): a class statement leaves its body function as garbage, which a
  // stale pointer on the unix port's C stack can keep alive across the first readings.
  { kind: "bound-method", args: "", prelude: 'C = type("C", (), {"m": lambda self: 0})\nO = C()', make: "return O.m" },
  { kind: "instance", args: "", prelude: 'C = type("C", (), {})', make: "return C()" },
];

async function engine(heapsize = HEAPSIZE) {
  const out = [];
  const mp = await loadMicroPython({
    heapsize,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push("stderr: " + line),
  });
  const run = (src) => {
    mp.runPython(src);
  };
  return { mp, out, run };
}

function indent(body) {
  return body
    .split("\n")
    .map((l, i) => (i === 0 ? "    " + l : l))
    .join("\n");
}

// The unix executable given with --micropython, if any.
let unixBinary = null;

// Runs `src` on the unix executable; returns its output lines.
function runUnix(src, heapsize) {
  const args = heapsize ? ["-X", `heapsize=${heapsize}`, "-c", src] : ["-c", src];
  const out = execFileSync(unixBinary, args, { encoding: "utf8" });
  return out.split("\n").filter((l) => l.length > 0);
}

// Checks the readings `before after again` (again: after dropping the objects once more) and
// returns [bytes per object, before, after].
function costFrom(line, extra) {
  const [before, after, again] = line.split(" ").map(Number);
  if (extra.length > 0) throw new Error("unexpected output: " + extra.join(" | "));
  if (again !== before) {
    throw new Error(`the heap did not return to ${before} bytes after dropping the objects (${again}): something else moved`);
  }
  const delta = after - before;
  if (delta % COPIES !== 0) {
    throw new Error(`${delta} bytes for ${COPIES} objects is not a whole number per object (${before} -> ${after})`);
  }
  return [delta / COPIES, before, after];
}

// The same measurement as a single script for the unix port, where gc.collect() collects at once.
function costUnix(prelude, make) {
  const lines = runUnix(
    [
      "import gc",
      `N = ${COPIES}`,
      "keep = [None] * N",
      "m = [0, 0, 0]",
      prelude,
      "def make():",
      indent(make),
      "def mark(j):",
      "    m[j] = gc.mem_alloc()",
      "def fill():",
      "    for i in range(N):",
      "        keep[i] = make()",
      "def drop():",
      "    for i in range(N):",
      "        keep[i] = None",
      // The C stack is scanned conservatively: deep calls that store None overwrite what the frames of
      // fill() and make() left below the caller, so no stale pointer keeps an old object alive.
      "def scrub(n):",
      "    a = b = c = d = e = f = g = h = None",
      "    if n > 0:",
      "        scrub(n - 1)",
      "def settle():",
      "    scrub(32)",
      "    gc.collect()",
      "    gc.collect()",
      // Two warm-up rounds: after the first, a stale pointer can still hold one old object.
      "fill()",
      "drop()",
      "settle()",
      "fill()",
      "drop()",
      "settle()",
      "mark(0)",
      "fill()",
      "settle()",
      "mark(1)",
      "drop()",
      "settle()",
      "mark(2)",
      "print(m[0], m[1], m[2])",
    ].join("\n"),
  );
  const line = lines.pop();
  return costFrom(line, lines);
}

// Heap bytes one object of `make` keeps alive, as [bytes per object, before, after].
async function cost(prelude, make) {
  if (unixBinary) return costUnix(prelude, make);
  const { out, run } = await engine();
  run(
    [
      "import gc",
      `N = ${COPIES}`,
      "keep = [None] * N",
      "m = [0, 0, 0]",
      prelude,
      "def make():",
      indent(make),
      "def mark(j):",
      "    m[j] = gc.mem_alloc()",
      "def fill():",
      "    for i in range(N):",
      "        keep[i] = make()",
      "def drop():",
      "    for i in range(N):",
      "        keep[i] = None",
      "gc.collect()",
    ].join("\n"),
  );
  run("fill()\ngc.collect()"); // warm up: first use may intern qstrs or grow tables
  run("drop()\ngc.collect()");
  run("mark(0)\ngc.collect()");
  run("fill()\ngc.collect()");
  run("mark(1)\ngc.collect()");
  run("drop()\ngc.collect()");
  run("mark(2)\ngc.collect()");
  run("print(m[0], m[1], m[2])");
  const line = out.pop();
  return costFrom(line, out);
}

function engineName() {
  if (!unixBinary) return ENGINE;
  const [version] = runUnix("import sys\nprint(sys.implementation.version, sys.implementation._build, sys.maxsize)");
  return `unix port ${unixBinary}: ${version}`;
}

function findKind(kind, args) {
  const k = KINDS.find((e) => e.kind === kind && e.args === args);
  if (!k) {
    const known = KINDS.map((e) => `  ${e.kind} ${e.args}`.trimEnd()).join("\n");
    throw new Error(`no measurement for \`${kind} ${args}\`; known:\n${known}`);
  }
  return k;
}

async function sizes() {
  console.log(`# heap bytes per object on ${engineName()} (${COPIES} copies, readings before -> after)`);
  for (const k of KINDS) {
    const [bytes, before, after] = await cost(k.prelude, k.make);
    console.log(`${`${k.kind} ${k.args}`.trimEnd().padEnd(56)} ${String(bytes).padStart(4)} bytes   (${before} -> ${after})`);
  }
}

async function size(argv) {
  const [kind, ...rest] = argv;
  if (!kind) throw new Error("usage: size KIND [ARG=V ...]");
  const k = findKind(kind, rest.join(" "));
  const [bytes, before, after] = await cost(k.prelude, k.make);
  console.log(`${`${k.kind} ${k.args}`.trimEnd()}: ${bytes} bytes   (${COPIES} copies: ${before} -> ${after})`);
}

async function bytearrays(argv) {
  const from = argv.length > 0 ? parseInt(argv[0], 10) : 0;
  const to = argv.length > 1 ? parseInt(argv[1], 10) : 64;
  if (!(from >= 0 && to >= from)) throw new Error("usage: bytearray [FROM TO], 0 <= FROM <= TO");
  console.log(`# bytearray(n) heap bytes on ${ENGINE}`);
  for (let n = from; n <= to; n++) {
    const [bytes] = await cost(`K = ${n}`, "return bytearray(K)");
    console.log(`bytearray len=${n}: ${bytes} bytes`);
  }
}

// The pool size of one area with a finaliser table and no weakref table (the wasm port at 1.27.0),
// from py/gc.c `gc_setup_area`: ATB bytes = (T - 1) * 8 / (8 + 4 + 32 * BPB), blocks = 4 * ATB bytes.
function poolFormula(areaBytes, bpb) {
  const atb = Math.floor(((areaBytes - 1) * 8) / (8 + 4 + 32 * bpb));
  return 4 * atb * bpb;
}

async function pools(argv) {
  const sizesAsked = argv.length > 0 ? argv.map((a) => parseInt(a, 10)) : [65536, 100000, 131072, 262144, 1048576];
  console.log(`# GC pool size on ${engineName()}: \`GC: total:\` of micropython.mem_info() at start-up`);
  for (const heapsize of sizesAsked) {
    if (!(heapsize > 0)) throw new Error(`bad heapsize ${heapsize}`);
    let out;
    if (unixBinary) {
      out = runUnix("import micropython\nmicropython.mem_info(1)", heapsize);
    } else {
      const e = await engine(heapsize);
      e.run("import micropython\nmicropython.mem_info(1)");
      out = e.out;
    }
    const total = Number(/GC: total: (\d+)/.exec(out.join("\n"))?.[1]);
    const areas = out.filter((l) => l.includes("GC memory layout; from")).length;
    // gc_init gets the malloc'd block whole and rounds its end down to a block, so the area is the
    // heapsize less 0 .. block - 8 bytes, depending on where malloc put the start.
    const bpb = unixBinary ? blockBytesUnix() : 16;
    const formulas = [];
    for (let cut = 0; cut < bpb; cut += 8) formulas.push(`T = heapsize - ${cut}: ${poolFormula(heapsize - cut, bpb)}`);
    console.log(
      `heapsize ${heapsize}: GC total ${total} bytes in ${areas} area(s); ${bpb}-byte blocks; formula with ${formulas.join(", ")}`,
    );
  }
}

async function heapMap() {
  const { out, run } = await engine();
  run(
    [
      "import gc, micropython",
      "keep = [None] * 8",
      "FA = 1.5",
      "gc.collect()",
    ].join("\n"),
  );
  run(
    [
      "keep[0] = [None] * 5",
      "keep[1] = {}",
      "keep[1][7] = 7",
      "keep[2] = bytearray(40)",
      "keep[3] = FA + FA",
      "keep[4] = tuple(keep[0])",
      "gc.collect()",
    ].join("\n"),
  );
  out.length = 0;
  run("micropython.mem_info(1)");
  console.log(out.join("\n"));
}

// Bytes per block of the unix executable: the heap grows by whole blocks for a one-byte bytearray.
function blockBytesUnix() {
  const [line] = runUnix("import gc\nk = [None]\ngc.collect()\na = gc.mem_alloc()\nk[0] = bytearray(1)\nb = gc.mem_alloc()\nk[0] = None\ngc.collect()\nc = gc.mem_alloc()\nk[0] = bytearray(0)\nd = gc.mem_alloc()\nprint(b - a - (d - c))");
  return Number(line);
}

async function collect() {
  if (unixBinary) {
    const lines = runUnix("import gc\nprint(repr(gc.collect()))");
    console.log(`gc.collect() returns: ${lines.join(" ")}`);
    return;
  }
  const { out, run } = await engine();
  run("import gc\nprint(repr(gc.collect()))");
  console.log(`gc.collect() returns: ${out.join(" ")}`);
}

// The stored word of some values, as id() returns it (py/obj.c `mp_obj_id`: the word itself for
// anything that is not a pointer), cut to the word's width: 64 bits on 64-bit builds and in REPR_D.
const IDS_SOURCE = [
  "import sys",
  "W = 64 if sys.maxsize > 2**32 or id(1) > 2**32 else 32",
  "M = (1 << W) - 1",
  "for name, v in (('None', None), ('False', False), ('True', True), ('0', 0), ('1', 1), ('-1', -1),",
  "                ('1.75', 1.75), ('append', 'append'), ('[]', [])):",
  "    print('%-7s 0x%0*x' % (name, W // 4, id(v) & M))",
].join("\n");

async function ids() {
  if (unixBinary) {
    console.log(runUnix(IDS_SOURCE).join("\n"));
    return;
  }
  const { out, run } = await engine();
  run(IDS_SOURCE);
  console.log(out.join("\n"));
}

// Garbage made and collected within one call is still counted until the call returns.
async function deferred() {
  const { out, run } = await engine();
  run("import gc\nkeep = [None]\ngc.collect()");
  run(
    [
      "a = gc.mem_alloc()",
      "keep[0] = [bytearray(1000) for i in range(8)]",
      "b = gc.mem_alloc()",
      "keep[0] = None",
      "gc.collect()",
      "c = gc.mem_alloc()",
    ].join("\n"),
  );
  run("d = gc.mem_alloc()\nprint(a, b, c, d)");
  const [a, b, c, d] = out.pop().split(" ").map(Number);
  console.log(`before: ${a}; garbage made: ${b}; after gc.collect() in the same call: ${c}; in the next call: ${d}`);
  console.log(`freed within the call: ${b - c} bytes; freed once the call returned: ${c - d} bytes`);
}

// gc.disable() stops automatic collection only.
async function disabled() {
  const { out, run } = await engine();
  run("import gc\nkeep = [None]\ngc.disable()\nkeep[0] = [bytearray(1000) for i in range(8)]\ngc.collect()");
  run("a = gc.mem_alloc()\nkeep[0] = None\ngc.collect()");
  run("b = gc.mem_alloc()\nprint(gc.isenabled(), a, b)");
  const [enabled, a, b] = out.pop().split(" ");
  console.log(`gc.isenabled(): ${enabled}; mem_alloc with the garbage: ${a}; after gc.collect(): ${b}; freed ${a - b} bytes`);
}

// MPZ negation returns a new boxed int even when the result fits a small int (py/objint_mpz.c
// `mp_obj_int_unary_op`); binary operations convert back. Equal values, different heap costs.
// H + H is one past the largest small int of a 32-bit or 64-bit REPR_A build: H = (sys.maxsize + 1) / 4.
async function negation() {
  const prelude = "import sys\nH = (sys.maxsize + 1) >> 2";
  const [negated] = await cost(prelude, "return -(H + H)");
  const [subtracted] = await cost(prelude, "return -H - H");
  console.log(
    `-(2 * H), the smallest small int, by negating a boxed int: ${negated} bytes; by subtracting small ints: ${subtracted} bytes`,
  );
}

// The REPL example of docs/develop/memorymgt.rst, typed into the unix port's REPL.
function repl() {
  const lines = ["x = 5", "x", "import gc", "gc.enable()", "gc.mem_alloc()", "gc.mem_free()", "gc.collect()", "gc.disable()"];
  const out = execFileSync(unixBinary, ["-i"], { input: lines.join("\n") + "\n", encoding: "utf8" });
  console.log(out.split("\n").filter((l) => l.startsWith(">>>") || /^\d+$/.test(l)).join("\n"));
}

let argvAll = process.argv.slice(2);
if (argvAll[0] === "--micropython") {
  if (!argvAll[1]) {
    console.error("--micropython needs the path of a MicroPython unix-port executable");
    process.exit(2);
  }
  unixBinary = argvAll[1];
  argvAll = argvAll.slice(2);
}
const [cmd, ...argv] = argvAll;
const commands = { sizes, size, bytearray: bytearrays, pool: pools, "heap-map": heapMap, collect, deferred, disabled, negation, repl, ids };
const unixCommands = ["sizes", "size", "pool", "collect", "negation", "repl", "ids"];
if (unixBinary && !unixCommands.includes(cmd)) {
  console.error(`with --micropython only ${unixCommands.join(", ")} run`);
  process.exit(2);
}
if (cmd === "repl" && !unixBinary) {
  console.error("repl runs on the unix port only: --micropython PATH repl");
  process.exit(2);
}
if (!commands[cmd]) {
  console.error(`usage: node engines/micropython/measure.mjs (${Object.keys(commands).join(" | ")}) ...`);
  process.exit(2);
}
try {
  await commands[cmd](argv);
} catch (e) {
  console.error(`error: ${e.message}`);
  process.exit(1);
}

// memspec host for Microvium's native VM (the npm package `microvium`, its N-API addon).
//
// Started as `node --expose-gc host.cjs`. Compiles engines/microvium/driver.js once with the
// package's compiler (without the standard library, so the restored heap is empty), then answers one
// text line per request line on stdin (the same protocol as our 32-bit C host,
// engines/microvium/c32/host.c):
//
//   restore [OFFSET]     a fresh VM from the driver's snapshot; every held value dropped  -> ok
//   val H ARG            the value of ARG, held as H (`-`: not held)                       -> ok RAW TYPE
//   call H ID ARG...     call export ID with the ARGs; the result held as H (or `-`)        -> ok RAW TYPE
//   drop H               let go of held value H                                            -> ok
//   gc 0|1               mvm_runGC(squeeze), after every dropped value is let go            -> ok
//   stats                mvm_getMemoryStats                                                 -> ok name=value ...
//   heap                 the virtual heap's bytes (the HEAP section of a snapshot), in hex  -> ok HEX
//                        (`err heap too large to snapshot` past 64 KiB with the image)
//   snapshot PATH        write the driver's snapshot to PATH                                -> ok
//   version              the package version                                               -> ok 8.0.0
//
// ARG is a number (`5`, `-1.5`, `nan`, `inf`, `-inf`, `-0`: mvm_newNumber), `undefined`, `@H` (a
// held value), `s:HEX` (mvm_newString of these UTF-8 bytes) or `u:LEN` (mvm_uint8ArrayFromBytes of
// LEN zero bytes). Errors answer `err TEXT`. RAW is the 16-bit mvm_Value in hex. OFFSET (where the C
// host's arena starts) means nothing here and is ignored.
//
// A held value is a NativeVM `Value`, whose C++ side owns an mvm_Handle (a GC root) until node
// collects the wrapper. Before each collection of the VM, node is made to collect until every
// wrapper the host let go of is gone, so handles never keep heap objects alive that the case dropped.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");
const { Microvium } = require("microvium");
const { NativeVM } = require("microvium/dist/lib/native-vm");

const driver = fs.readFileSync(path.join(__dirname, "driver.js"), "utf8");
const compiler = Microvium.create({}, { noLib: true });
compiler.globalThis.vmExport = compiler.vmExport;
compiler.evaluateModule({ sourceText: driver });
const snapshot = compiler.createSnapshot();

/** Node collections tried before a let-go wrapper still alive is an error. */
const MAX_NODE_COLLECTIONS = 20;

let vm = null;
const exportsCache = new Map();
const held = new Map();
// Wrappers let go of and not yet collected by node, by token.
const pending = new Set();
let nextToken = 0;
const registry = new FinalizationRegistry((token) => pending.delete(token));

function exp(id) {
  let f = exportsCache.get(id);
  if (f === undefined) {
    f = vm.resolveExport(id);
    exportsCache.set(id, f);
  }
  return f;
}

function needVm() {
  if (vm === null) throw new Error("no VM: send restore first");
}

const tick = () => new Promise((r) => setImmediate(r));

/** Lets go of the wrapper held as `h`, if any. */
function letGo(h) {
  const w = held.get(h);
  if (w === undefined) return;
  held.delete(h);
  const token = nextToken++;
  pending.add(token);
  registry.register(w.value, token);
}

function hold(h, value) {
  if (h === "-") return;
  const n = Number(h);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bad hold number ${h}`);
  letGo(n);
  held.set(n, { value });
}

function arg(a) {
  if (a === "undefined") return vm.undefined;
  if (a.startsWith("@")) {
    const w = held.get(Number(a.slice(1)));
    if (w === undefined) throw new Error(`nothing is held as ${a.slice(1)}`);
    return w.value;
  }
  if (a.startsWith("s:")) return vm.newString(Buffer.from(a.slice(2), "hex").toString("utf8"));
  if (a.startsWith("u:")) return vm.uint8ArrayFromBytes(Buffer.alloc(Number(a.slice(2))));
  const number = { nan: NaN, inf: Infinity, "-inf": -Infinity, "-0": -0 }[a] ?? Number(a);
  if (Number.isNaN(number) && a !== "nan") throw new Error(`bad argument ${a}`);
  return vm.newNumber(number);
}

const answer = (v) => `ok ${v.raw.toString(16)} ${v.type}`;

/** Collects in node until every let-go wrapper is finalised (its handle released). */
async function releaseLetGo() {
  for (let i = 0; i < MAX_NODE_COLLECTIONS && pending.size > 0; i++) {
    global.gc();
    await tick();
    await tick();
  }
  if (pending.size > 0) {
    throw new Error(`node kept ${pending.size} released values alive after ${MAX_NODE_COLLECTIONS} collections`);
  }
  // The addon's finalisers release the handles; give them a turn of the event loop too.
  await tick();
}

async function handle(words) {
  const op = words[0];
  if (op === "restore") {
    for (const h of [...held.keys()]) letGo(h);
    vm = null;
    exportsCache.clear();
    await releaseLetGo();
    vm = new NativeVM(snapshot.data, () => () => vm.undefined);
    return "ok";
  }
  if (op === "version") return "ok " + require("microvium/package.json").version;
  if (op === "snapshot") {
    fs.writeFileSync(words[1], snapshot.data);
    return "ok";
  }
  needVm();
  if (op === "val") {
    const v = arg(words[2]);
    hold(words[1], v);
    return answer(v);
  }
  if (op === "call") {
    const args = words.slice(3).map(arg);
    const v = vm.call(exp(Number(words[2])), args);
    hold(words[1], v);
    return answer(v);
  }
  if (op === "drop") {
    letGo(Number(words[1]));
    return "ok";
  }
  if (op === "gc") {
    await releaseLetGo();
    vm.runGC(words[1] === "1");
    return "ok";
  }
  if (op === "stats") {
    const s = vm.getMemoryStats();
    return "ok " + Object.entries(s).map(([k, v]) => `${k}=${v}`).join(" ");
  }
  if (op === "heap") {
    // A snapshot is at most 64 KiB (MVM_E_SNAPSHOT_TOO_LARGE, fatal in the addon): the restored
    // image, whose heap is empty, and the heap.
    const used = vm.getMemoryStats().virtualHeapUsed;
    if (snapshot.data.length + used > 0xffff) {
      throw new Error(`heap too large to snapshot: ${used} bytes of heap and ${snapshot.data.length} of image`);
    }
    const b = vm.createSnapshot();
    const heapOffset = b.readUInt16LE(12 + 7 * 2);
    return "ok " + (b.subarray(heapOffset).toString("hex") || "-");
  }
  throw new Error(`unknown request ${op}`);
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  const words = line.trim().split(/\s+/);
  if (words[0] === "") return;
  chain = chain.then(async () => {
    let text;
    try {
      text = await handle(words);
    } catch (e) {
      text = "err " + String((e && e.message) || e).replace(/\s+/g, " ");
    }
    process.stdout.write(text + "\n");
  });
});
rl.on("close", () => chain.then(() => process.exit(0)));

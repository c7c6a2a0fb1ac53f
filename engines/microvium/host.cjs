// memspec host for Microvium's native VM (the npm package `microvium`, its N-API addon).
//
// Started as `node --expose-gc host.cjs`. Compiles engines/microvium/driver.js once with the
// package's compiler, then answers one text line per request line on stdin (the same protocol as our
// 32-bit C host, engines/microvium/c32/host.c):
//   restore              a fresh VM from the driver's snapshot          -> ok
//   call ID A B C        call export ID with numbers A, B, C            -> ok RAW TYPE
//   num X                the host API's newNumber(X)                    -> ok RAW TYPE
//   gc 0|1               mvm_runGC(squeeze)                             -> ok
//   stats                mvm_getMemoryStats                             -> ok name=value ...
//   snapshot PATH        write the driver's snapshot to PATH            -> ok
//   version              the package version                            -> ok 8.0.0
// Errors answer `err TEXT`. RAW is the 16-bit mvm_Value in hex.
//
// Values the VM returns hold a handle (a GC root) until node collects the wrapper; `gc` first lets
// node release every wrapper it holds, so handles never keep heap objects alive.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");
const { Microvium } = require("microvium");
const { NativeVM } = require("microvium/dist/lib/native-vm");

const driver = fs.readFileSync(path.join(__dirname, "driver.js"), "utf8");
const compiler = Microvium.create({}, { noLib: false });
compiler.globalThis.vmExport = compiler.vmExport;
compiler.evaluateModule({ sourceText: driver });
const snapshot = compiler.createSnapshot();

let vm = null;
const exportsCache = new Map();

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

async function handle(words) {
  const op = words[0];
  if (op === "restore") {
    vm = null;
    exportsCache.clear();
    global.gc();
    await tick();
    vm = new NativeVM(snapshot.data, () => () => vm.undefined);
    return "ok";
  }
  if (op === "version") return "ok " + require("microvium/package.json").version;
  if (op === "snapshot") {
    fs.writeFileSync(words[1], snapshot.data);
    return "ok";
  }
  needVm();
  if (op === "call") {
    const args = words.slice(2).map((w) => vm.newNumber(Number(w)));
    const v = vm.call(exp(Number(words[1])), args);
    return `ok ${v.raw.toString(16)} ${v.type}`;
  }
  if (op === "num") {
    const v = vm.newNumber(Number(words[1]));
    return `ok ${v.raw.toString(16)} ${v.type}`;
  }
  if (op === "gc") {
    // The wrappers are young: a minor collection finds them, and their finalisers (which release
    // the handles) run on the next turns of the event loop.
    global.gc({ type: "minor" });
    await tick();
    await tick();
    vm.runGC(words[1] === "1");
    return "ok";
  }
  if (op === "stats") {
    const s = vm.getMemoryStats();
    return "ok " + Object.entries(s).map(([k, v]) => `${k}=${v}`).join(" ");
  }
  throw new Error(`unknown request ${op}`);
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  const words = line.trim().split(/\s+/);
  if (words[0] === "") return;
  chain = chain.then(async () => {
    let answer;
    try {
      answer = await handle(words);
    } catch (e) {
      answer = "err " + String((e && e.message) || e).replace(/\s+/g, " ");
    }
    process.stdout.write(answer + "\n");
  });
});
rl.on("close", () => chain.then(() => process.exit(0)));

// memspec host for MicroPython's WebAssembly port (@micropython/micropython-webassembly-pyscript).
//
// One long-lived process; the Rust side writes one JSON request per line on stdin and reads one JSON
// answer per line on stdout:
//   {"op":"load","heapsize":BYTES,"pystack":WORDS}   a fresh engine (the package loads once per process)
//   {"op":"run","src":"...","bind":["f",..]}          runPython: one top-level call; then look up the
//                                                     functions named in bind, so later calls allocate
//                                                     no proxy
//   {"op":"call","fn":"name","args":["..",..]}        call a global function of __main__, no compiling
// Answers: {"ok":true,"out":"<stdout text>","ms":<milliseconds>} or {"ok":false,"error":"...","out":"..."}.
//
// Every request is its own call from JavaScript into the engine, so a gc.collect() made in one request
// has taken effect when the next begins (the port defers collection to the end of the outermost call).
import { createInterface } from "node:readline";

let mp = null;
let out = [];
const fns = new Map();

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function load(req) {
  const { loadMicroPython } = await import("@micropython/micropython-webassembly-pyscript");
  out = [];
  fns.clear();
  mp = await loadMicroPython({
    heapsize: req.heapsize,
    pystack: req.pystack ?? 2048,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(line),
  });
}

function fn(name) {
  // Proxies are cached: each new proxy takes a slot in the engine's proxy table, a heap allocation.
  let f = fns.get(name);
  if (f === undefined) {
    f = mp.globals.get(name);
    if (typeof f !== "function") throw new Error(`the engine has no function ${name}`);
    fns.set(name, f);
  }
  return f;
}

async function handle(req) {
  const t0 = performance.now();
  out = [];
  try {
    if (req.op === "load") await load(req);
    else if (mp === null) throw new Error("no engine loaded: send a load request first");
    else if (req.op === "run") {
      mp.runPython(req.src);
      for (const name of req.bind ?? []) fn(name);
    }
    else if (req.op === "call") fn(req.fn)(...(req.args ?? []));
    else throw new Error(`unknown op ${req.op}`);
    answer({ ok: true, out: out.join("\n"), ms: performance.now() - t0 });
  } catch (e) {
    const error = e && e.name === "PythonError" ? `${e.type}: ${e.message}` : String(e && e.stack || e);
    answer({ ok: false, error, out: out.join("\n") });
  }
}

const rl = createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  if (line.trim() === "") return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    answer({ ok: false, error: `bad request: ${e}` });
    return;
  }
  chain = chain.then(() => handle(req));
});
rl.on("close", () => chain.then(() => process.exit(0)));

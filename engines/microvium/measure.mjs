// Measures Microvium 8.0.0 (the npm package's native C VM addon): raw 16-bit values, heap bytes and
// heap words of each value and object kind before and after a collection, memory statistics, limits,
// and the engine bugs memspec records.
//
// Usage (from the repository root, after `npm ci` in engines/):
//   node engines/microvium/measure.mjs <what>
// where <what> is one of: values frames sizes growth stats snapshot gc limits bugs all
//
// Every VM here is restored from a snapshot whose heap is empty, so the first allocation's body is at
// virtual-heap offset 2 and raw heap pointers can be compared with memspec's reference model.
// Heap words come from the HEAP section of `createSnapshot()`, which is the virtual heap verbatim.

import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Microvium } = require('microvium');
const { NativeVM } = require('microvium/dist/lib/native-vm');

const SELF = fileURLToPath(import.meta.url);
const hex = (v) => '0x' + (v >>> 0).toString(16).padStart(4, '0');

// The measured program: one global `g` (the root of whatever is measured) and exported functions
// that build each kind from numbers passed by the host. It references no builtin object, so the
// snapshot's heap is empty.
const closureExports = [1, 2, 3, 4]
  .map((k) => {
    const names = Array.from({ length: k }, (_, i) => `v${i}`);
    return `vmExport(${20 + k}, () => { let ${names.map((n, i) => `${n} = ${i}`).join(', ')}; ` +
      `g = () => ${names.join(' + ')}; return g; });`;
  })
  .join('\n');

const PROGRAM = `
let g;
vmExport(1, () => { g = undefined; });
vmExport(2, (x) => { g = x; return x; });
vmExport(3, (n) => { const o = {}; for (let i = 0; i < n; i++) o[i] = undefined; g = o; return o; });
vmExport(4, (len, cap) => { const a = []; a.length = cap; if (len !== cap) a.length = len; g = a; return a; });
vmExport(5, (n) => { const a = []; for (let i = 0; i < n; i++) a[i] = i; g = a; return a; });
vmExport(6, () => { g = []; return g; });
vmExport(7, () => { g = {}; return g; });
vmExport(33, () => { g = {}; });
vmExport(8, (n) => { let s = ''; for (let i = 0; i < n; i++) s = s + 'x'; g = s; return s; });
vmExport(9, (n) => { g = n + 8191; return g; });
vmExport(10, (n) => { g = n / 2; return g; });
vmExport(11, () => 'length');
vmExport(12, () => '__proto__');
vmExport(13, () => '');
vmExport(14, () => null);
vmExport(15, () => true);
vmExport(16, () => false);
vmExport(17, () => 0 / 0);
vmExport(18, () => -0);
vmExport(19, () => undefined);
vmExport(30, (a, b) => { const o = {}; o.x = a; o.y = b; g = o; return o; });
vmExport(31, (k) => { const o = {}; o[k] = 1; g = o; return o; });
vmExport(32, () => { const keep = {}; keep[0] = [1, 2]; keep[1] = {}; keep[1][0] = keep; const junk = []; junk[0] = {}; g = keep; return keep; });
${closureExports}
`;

function compile(source) {
  const vm = Microvium.create({}, { noLib: true });
  vm.globalThis.vmExport = vm.vmExport;
  vm.globalThis.vmImport = vm.vmImport;
  vm.evaluateModule({ sourceText: source });
  return vm.createSnapshot().data;
}

const SNAPSHOT = compile(PROGRAM);

function fresh() {
  const nvm = new NativeVM(SNAPSHOT, () => () => nvm.undefined);
  return nvm;
}

const call = (nvm, id, ...args) =>
  nvm.call(nvm.resolveExport(id), args.map((x) => (typeof x === 'number' ? nvm.newNumber(x) : x)));

/** The virtual heap as 16-bit words (hex), from the HEAP section of a snapshot. */
function heapWords(nvm) {
  const b = nvm.createSnapshot();
  const heapOffset = b.readUInt16LE(12 + 7 * 2);
  const words = [];
  for (let i = heapOffset; i + 1 < b.length; i += 2) words.push(b.readUInt16LE(i).toString(16).padStart(4, '0'));
  if (words.length <= 48) return words.join(' ');
  return `${words.slice(0, 4).join(' ')} ... ${words.slice(-2).join(' ')} (${words.length} words)`;
}

const stats = (nvm) => nvm.getMemoryStats();

/** Builds one value in a fresh VM and reports raw word, heap bytes and words before and after a squeeze. */
function measure(label, build) {
  const nvm = fresh();
  const base = stats(nvm).virtualHeapUsed;
  const v = build(nvm);
  const before = stats(nvm).virtualHeapUsed - base;
  const wordsBefore = heapWords(nvm);
  nvm.runGC(true);
  const after = stats(nvm).virtualHeapUsed - base;
  console.log(`${label}: raw ${hex(v.raw)} bytes-before ${before} bytes-after ${after}`);
  console.log(`  heap-before [${wordsBefore}]`);
  console.log(`  heap-after  [${heapWords(nvm)}]`);
}

function values() {
  const nvm = fresh();
  console.log('# raw 16-bit words of values (NativeVM Value.raw)');
  for (const x of [0, 1, -1, 2, 8191, -8192, 3.0, NaN, -0]) {
    console.log(`newNumber(${Object.is(x, -0) ? '-0' : x}): ${hex(nvm.newNumber(x).raw)}`);
  }
  for (const x of [8192, -8193, 1.5, Infinity]) {
    const v = nvm.newNumber(x);
    console.log(`newNumber(${x}): ${hex(v.raw)} (even: heap pointer)`);
  }
  const named = {
    11: "'length'", 12: "'__proto__'", 13: "'' (literal)", 14: 'null', 15: 'true', 16: 'false',
    17: '0/0', 18: '-0', 19: 'undefined',
  };
  for (const [id, what] of Object.entries(named)) console.log(`script ${what}: ${hex(call(nvm, Number(id)).raw)}`);
  console.log(`newBoolean(true): ${hex(nvm.newBoolean(true).raw)}`);
  console.log(`newBoolean(false): ${hex(nvm.newBoolean(false).raw)}`);
  console.log(`undefined: ${hex(nvm.undefined.raw)}`);
}

function sizes() {
  console.log('# heap bytes of each kind (virtualHeapUsed delta), fresh VM each, before and after runGC(true)');
  for (const x of [8192, -8193, 2147483647, -2147483648]) measure(`int value=${x}`, (n) => n.newNumber(x));
  for (const x of [2147483648, 1.5, Infinity]) measure(`float value=${x}`, (n) => n.newNumber(x));
  for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'length']) {
    measure(`string text=${JSON.stringify(s)} (newString)`, (n) => n.newString(s));
  }
  for (const k of [1, 2, 3]) measure(`string len=${k} (script concatenation)`, (n) => call(n, 8, k));
  for (const k of [1, 2, 3, 4, 5, 4095]) {
    measure(`uint8array len=${k}`, (n) => n.uint8ArrayFromBytes(Buffer.alloc(k)));
  }
  measure('object props=0 ({})', (n) => call(n, 7));
  for (const k of [0, 1, 2, 3]) measure(`object props=${k} (o[i] = undefined)`, (n) => call(n, 3, k));
  measure('object o.x, o.y (ROM string keys)', (n) => call(n, 30, 1, 2));
  measure('array len=0 ([])', (n) => call(n, 6));
  for (const [len, cap] of [[0, 3], [2, 5], [3, 3], [1, 4]]) {
    measure(`array len=${len} capacity=${cap}`, (n) => call(n, 4, len, cap));
  }
  for (const k of [1, 2, 3, 4]) measure(`closure slots=${k + 1} (${k} captured)`, (n) => call(n, 20 + k));
  measure('int value=8192 (script 1 + 8191)', (n) => call(n, 9, 1));
  measure('float value=1.5 (script 3 / 2)', (n) => call(n, 10, 3));
}

function growth() {
  console.log('# array growth by index assignment a[i] = i (data header after each length, no collection)');
  for (const k of [1, 4, 5, 8, 9, 17]) measure(`array after ${k} assignments`, (n) => call(n, 5, k));
  console.log('# property cells: one per property added at run time, merged by the collector');
  for (const k of [1, 2, 5]) measure(`object props=${k}`, (n) => call(n, 3, k));
}

function printStats(label, s) {
  console.log(`${label}: ${Object.entries(s).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

function statsCmd() {
  console.log('# mvm_getMemoryStats field by field');
  let nvm = fresh();
  printStats('restored, empty heap', stats(nvm));
  nvm.runGC(true);
  printStats('after runGC(true) of the empty heap', stats(nvm));
  nvm = fresh();
  const keep = [];
  for (let i = 1; i <= 40; i++) {
    keep.push(nvm.newString('abcdefghijklmnopqrstuvwxyz'.slice(0, 13))); // 2 + 14 = 16 B each
    if (i % 8 === 0) printStats(`after ${i} strings of 13 chars (16 B each), no collection`, stats(nvm));
  }
  nvm.runGC(false);
  printStats('after runGC(false)', stats(nvm));
  nvm.runGC(true);
  printStats('after runGC(true)', stats(nvm));
  keep.push(nvm.newString('abcdefghijklm'));
  printStats('one more 16 B string after the squeeze', stats(nvm));
  const big = fresh();
  const b = big.uint8ArrayFromBytes(Buffer.alloc(1000));
  printStats('fresh VM, one 1000-byte Uint8Array (bucket sized to the allocation)', stats(big));
  void b;
}

function snapshotCmd() {
  console.log('# bytecode image of the empty program');
  const b = compile('');
  const sections = [];
  for (let i = 0; i < 8; i++) sections.push(b.readUInt16LE(12 + 2 * i));
  console.log(`size ${b.length} bytecodeVersion ${b[0]} headerSize ${b[1]} requiredEngineVersion ${b[2]} ` +
    `bytecodeSize ${b.readUInt16LE(4)} requiredFeatureFlags ${b.readUInt32LE(8)}`);
  console.log(`sectionOffsets ${sections.join(' ')}`);
  console.log(`bytes ${b.toString('hex')}`);
  const globals = [];
  for (let i = sections[6]; i < sections[7]; i += 2) globals.push(hex(b.readUInt16LE(i)));
  console.log(`globals [${globals.join(' ')}]`);
}

function gcCmd() {
  console.log('# a graph with garbage, collected with runGC(true)');
  measure('keep = {0: [1, 2], 1: {0: keep}}; junk = [{}]', (n) => call(n, 32));
  console.log('# collection of an unreachable object');
  const nvm = fresh();
  call(nvm, 33);
  call(nvm, 1);
  printStats('{} allocated then dropped, before collection', stats(nvm));
  nvm.runGC(true);
  printStats('after runGC(true)', stats(nvm));
}

/** Runs `node measure.mjs --child <name>` and reports how it ended. */
function child(name) {
  const r = spawnSync(process.execPath, [SELF, '--child', name], { encoding: 'utf8' });
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  console.log(`${name}: exit status ${r.status} signal ${r.signal}`);
  for (const l of lines) console.log(`  ${l}`);
}

const CHILDREN = {
  // An allocation over MAX_ALLOCATION_SIZE (4095 B body).
  'too-large': () => {
    const nvm = fresh();
    console.log('uint8ArrayFromBytes(4096)');
    nvm.uint8ArrayFromBytes(Buffer.alloc(4096));
    console.log('returned');
  },
  // Heap over MVM_MAX_HEAP_SIZE (0xFFFE in the addon): 4000-byte arrays take 4002 B each.
  'max-heap': () => {
    const nvm = fresh();
    const keep = [];
    for (let i = 1; i <= 17; i++) {
      keep.push(nvm.uint8ArrayFromBytes(Buffer.alloc(4000)));
      const s = stats(nvm);
      console.log(`array ${i}: virtualHeapUsed ${s.virtualHeapUsed} capacity ${s.virtualHeapAllocatedCapacity}`);
    }
  },
  'uint8array-0-host': () => {
    const nvm = fresh();
    console.log('uint8ArrayFromBytes(Buffer.alloc(0))');
    const v = nvm.uint8ArrayFromBytes(Buffer.alloc(0));
    console.log(`returned raw ${hex(v.raw)}`);
  },
  'uint8array-0-script': () => {
    const snap = (() => {
      const vm = Microvium.create({}, { noLib: true });
      vm.globalThis.vmExport = vm.vmExport;
      vm.evaluateModule({ sourceText: 'let g; vmExport(1, (n) => { g = Microvium.newUint8Array(n); return g; });' });
      return vm.createSnapshot().data;
    })();
    const nvm = new NativeVM(snap, () => () => nvm.undefined);
    console.log('Microvium.newUint8Array(0)');
    const v = nvm.call(nvm.resolveExport(1), [nvm.newNumber(0)]);
    console.log(`returned raw ${hex(v.raw)}`);
  },
  'length-key': () => {
    const snap = compile(`
      let g;
      vmExport(1, () => { g = {}; g['len' + 'gth' + ''] = 1; return g; });
      vmExport(2, () => { g['k' + 2] = 2; return g; });`);
    const nvm = new NativeVM(snap, () => () => nvm.undefined);
    console.log("g = {}; g['len' + 'gth' + ''] = 1");
    call(nvm, 1);
    console.log(`  heap [${heapWords(nvm)}]`);
    console.log("g['k' + 2] = 2");
    call(nvm, 2);
    console.log('returned');
  },
  'array-length-same': () => {
    const snap = compile('let g; vmExport(1, () => { g = [1, 2, 3]; g.length = 3; return g; });');
    const nvm = new NativeVM(snap, () => () => nvm.undefined);
    console.log('g = [1, 2, 3]; g.length = 3');
    call(nvm, 1);
    console.log('returned');
  },
  'other-key': () => {
    const snap = compile(`
      let g;
      vmExport(1, () => { g = {}; g['wid' + 'th' + ''] = 1; return g; });
      vmExport(2, () => { g['k' + 2] = 2; return g; });`);
    const nvm = new NativeVM(snap, () => () => nvm.undefined);
    console.log("g = {}; g['wid' + 'th' + ''] = 1");
    call(nvm, 1);
    console.log(`  heap [${heapWords(nvm)}]`);
    console.log("g['k' + 2] = 2");
    call(nvm, 2);
    console.log(`  heap [${heapWords(nvm)}]`);
    nvm.runGC(true);
    console.log(`  after runGC(true) [${heapWords(nvm)}]`);
  },
};

function limits() {
  console.log('# limits (each in its own process: a fatal error ends the process)');
  child('too-large');
  child('max-heap');
}

function bugs() {
  console.log('# bug 1: globalVariablesSize is the import-table section size, not the globals section');
  for (const [label, source] of [
    ['empty program', ''],
    ['one global', 'let g; vmExport(1, () => { g = 1; });'],
    ['one import, one global', 'const f = vmImport(7); let g; vmExport(1, () => { g = f(); });'],
  ]) {
    const vm = Microvium.create({}, { noLib: true });
    vm.globalThis.vmExport = vm.vmExport;
    vm.globalThis.vmImport = vm.vmImport;
    vm.evaluateModule({ sourceText: source });
    const b = vm.createSnapshot().data;
    const off = (i) => b.readUInt16LE(12 + 2 * i);
    const nvm = new NativeVM(b, () => () => nvm.undefined);
    const s = stats(nvm);
    console.log(`${label}: import section ${off(1) - off(0)} B, globals section ${off(7) - off(6)} B; ` +
      `reported importTableSize=${s.importTableSize} globalVariablesSize=${s.globalVariablesSize} ` +
      `coreSize=${s.coreSize} totalSize=${s.totalSize}`);
  }
  console.log('# bug 2: virtualHeapAllocatedCapacity from the low 16 bits of two host pointers');
  // 200-byte arrays take 202 B; each needs a new 256 B bucket, which starts at the allocation cursor.
  // The true capacity is then (cursor before the allocation) + 256. When the bucket's data crosses a
  // 64 KiB-aligned host address the engine reports true - 65536 as a size_t (2^64 wrap on this host);
  // node receives it as a double, so the check compares it with that value rounded the same way.
  let found = 0;
  let checked = 0;
  for (let v = 0; v < 40 && found < 2; v++) {
    const nvm = fresh();
    const keep = [];
    for (let i = 0; i < 250 && found < 2; i++) {
      const cursor = stats(nvm).virtualHeapUsed;
      keep.push(nvm.uint8ArrayFromBytes(Buffer.alloc(200)));
      const s = stats(nvm);
      checked++;
      const truth = cursor + 256;
      if (s.virtualHeapAllocatedCapacity !== truth) {
        found++;
        const wrapped = Number(2n ** 64n + BigInt(truth) - 65536n);
        console.log(`after ${i + 1} arrays (${s.fragmentCount - 1} buckets): virtualHeapUsed=${s.virtualHeapUsed} ` +
          `virtualHeapAllocatedCapacity=${s.virtualHeapAllocatedCapacity} totalSize=${s.totalSize}; ` +
          `true capacity ${truth}; 2^64 + ${truth} - 65536 as a double = ${wrapped}: ` +
          `${wrapped === s.virtualHeapAllocatedCapacity ? 'equal' : 'different'}`);
      }
    }
  }
  console.log(`${found} wrong values in ${checked} readings; every other reading equals the true capacity`);
  console.log('# bug 3: a zero-length Uint8Array is a 2-byte allocation, below the 4-byte minimum');
  child('uint8array-0-host');
  child('uint8array-0-script');
  console.log("# bug 4: a computed 'length' property key leaves a well-known value on the intern list");
  child('length-key');
  child('other-key');
  console.log('# bug 5: setting an array\'s length to its current length is an invalid-index error');
  child('array-length-same');
  console.log('# bug 6: merging a property cell checks room for 1 word per property but copies 2');
  // The first to-space bucket is 64 B (the heap was empty after restore). A string of n characters
  // (global s, copied first) leaves 64 - (2 + roundup_even(n + 1)) bytes for g = {} plus one cell.
  const snap = compile(`
    let s; let g;
    vmExport(1, (n) => { let t = ''; for (let i = 0; i < n; i++) t = t + 'x'; s = t; g = {}; g.x = 1; });`);
  for (const n of [51, 52, 53, 54]) {
    const nvm = new NativeVM(snap, () => () => nvm.undefined);
    call(nvm, 1, n);
    nvm.runGC(false);
    const st = stats(nvm);
    const words = heapWords(nvm).split(' ');
    console.log(`string of ${n}: after runGC(false) virtualHeapUsed=${st.virtualHeapUsed} ` +
      `virtualHeapAllocatedCapacity=${st.virtualHeapAllocatedCapacity} fragmentCount=${st.fragmentCount} ` +
      `heap ends [${words.slice(-6).join(' ')}]`);
  }
}

function frames() {
  console.log('# stack and registers while the VM runs (read from a host function the script calls)');
  const snap = compile(`
    const report = vmImport(1);
    function rec(n) { if (n === 0) return report(); return rec(n - 1); }
    vmExport(1, (n) => rec(n));`);
  const seen = [];
  const nvm = new NativeVM(snap, () => () => {
    seen.push(nvm.getMemoryStats());
    return nvm.undefined;
  });
  printStats('idle', stats(nvm));
  for (const depth of [0, 1, 2, 3]) {
    seen.length = 0;
    nvm.call(nvm.resolveExport(1), [nvm.newNumber(depth)]);
    printStats(`inside the host call at recursion depth ${depth}`, seen[0]);
  }
  printStats('idle again', stats(nvm));
}

const COMMANDS = { values, frames, sizes, growth, stats: statsCmd, snapshot: snapshotCmd, gc: gcCmd, limits, bugs };

const [what, name] = process.argv.slice(2);
if (what === '--child' && CHILDREN[name]) {
  CHILDREN[name]();
} else if (what === 'all') {
  for (const [k, f] of Object.entries(COMMANDS)) {
    console.log(`## ${k}`);
    f();
  }
} else if (COMMANDS[what]) {
  COMMANDS[what]();
} else {
  console.error(`usage: node engines/microvium/measure.mjs <${Object.keys(COMMANDS).join('|')}|all>`);
  process.exit(2);
}

// memspec probe driver for Microvium, compiled once with the npm package's compiler into a snapshot
// that the native VM (the node addon, or our 32-bit C build) restores. The host calls its exports one
// at a time; every argument and every result the host keeps is a number or a well-known value, so
// the host never holds a reference into the heap between calls.
//
// Objects of a case live in T (slot = object id). Around a collection T is emptied (rel) so only the
// roots R and the objects' own slots keep objects alive; the host then refills T (adopt, follow)
// from the roots along the links it recorded.
const N = 64;
const T = [];
const R = [];
for (let i = 0; i < N; i++) {
  T.push(undefined);
  R.push(undefined);
}

// Object kinds, as the host numbers them.
const OBJECT = 1;
const ARRAY = 2;
const STRING = 3;
const NUMBER = 4;
const UINT8ARRAY = 5;
const CLOSURE = 6;

function make(kind, n) {
  if (kind === OBJECT) {
    const o = {};
    for (let k = 0; k < n; k++) o[k] = undefined;
    return o;
  }
  if (kind === ARRAY) {
    const a = [];
    for (let k = 0; k < n; k++) a.push(undefined);
    return a;
  }
  if (kind === STRING) {
    // Built at run time from a number, so even one character is a new RAM string (a literal such
    // as 'a' would be an interned string in the image).
    if (n === 0) return '';
    let s = '' + 0;
    for (let k = 1; k < n; k++) s = s + 'a';
    return s;
  }
  if (kind === NUMBER) return n;
  if (kind === UINT8ARRAY) return Microvium.newUint8Array(n);
  if (kind === CLOSURE) {
    let captured = n;
    return () => captured;
  }
  return undefined;
}

// Allocates an object of `kind` into slot i and returns it (the host reads its raw word).
function alloc(i, kind, n) {
  const o = make(kind, n);
  T[i] = o;
  return o;
}

// A value for encoding: 1 undefined, 2 null, 3 true, 4 false, 5 the number n, 6 -0, 7 NaN.
function value(k, n) {
  if (k === 1) return undefined;
  if (k === 2) return null;
  if (k === 3) return true;
  if (k === 4) return false;
  if (k === 5) return n;
  if (k === 6) return -0;
  if (k === 7) return 0 / 0;
  return undefined;
}

function link(f, s, t) {
  T[f][s] = t < 0 ? undefined : T[t];
  return 0;
}

function root(i, on) {
  R[i] = on ? T[i] : undefined;
  return 0;
}

function rel() {
  for (let i = 0; i < N; i++) T[i] = undefined;
  return 0;
}

function adopt(i) {
  T[i] = R[i];
  return T[i] === undefined ? 0 : 1;
}

function follow(f, s, t) {
  if (T[f] === undefined || T[t] !== undefined) return 0;
  T[t] = T[f][s];
  return T[t] === undefined ? 0 : 1;
}

// Known bug (engine 8.0.0): a property key built at run time that spells "length" is interned with
// the well-known value in place of a heap pointer; the next run-time key lookup then misreads it.
function internLength() {
  const g = {};
  g['len' + 'gth' + ''] = 1;
  g['k' + 2] = 2;
  return 0;
}

// The same with "__proto__", read rather than written (writing __proto__ is not implemented).
function internProto() {
  const g = {};
  const p = g['__pro' + 'to__' + ''];
  g['k' + 3] = 3;
  return p === undefined ? 0 : 1;
}

vmExport(1, alloc);
vmExport(2, value);
vmExport(3, link);
vmExport(4, root);
vmExport(5, rel);
vmExport(6, adopt);
vmExport(7, follow);
vmExport(9, internLength);
vmExport(10, internProto);

// memspec probe driver for Microvium, compiled once (without the standard library) with the npm
// package's compiler into a snapshot that the native VM (the node addon, or our 32-bit C build)
// restores for each case.
//
// The program has no global variable and builds nothing at load time, so a restored VM has what the
// empty program has: the two engine globals (a `deleted` padding slot and the intern-list handle)
// and an empty heap, as memspec's reference model starts a case. The host keeps the objects of a
// case through handles (`mvm_Handle`), never in the VM, and passes them back as arguments.
//
// Each export builds one object kind exactly as the reference model does (see
// `impl/src/microvium/mod.rs`), so that the bytes it allocates can be compared byte for byte;
// numbers, strings and Uint8Arrays are made by the host API instead (`mvm_newNumber`,
// `mvm_newString`, `mvm_uint8ArrayFromBytes`).

// 1: the argument itself: a fresh handle to a value the host holds already.
vmExport(1, (x) => x);

// 2: a well-known value by number: 1 undefined, 2 null, 3 true, 4 false, 6 -0, 7 NaN.
vmExport(2, (k) => {
  if (k === 1) return undefined;
  if (k === 2) return null;
  if (k === 3) return true;
  if (k === 4) return false;
  if (k === 6) return -0;
  if (k === 7) return 0 / 0;
  return undefined;
});

// 3: `object props=n`: `{}`, then properties 0 .. n-1 stored at run time, one property cell each.
vmExport(3, (n) => {
  const o = {};
  for (let i = 0; i < n; i++) o[i] = undefined;
  return o;
});

// 4: `array len= capacity= [set-length=]`: `[]`, then `length = capacity`, then `length = len`
// (each only when it changes the length), then `length = setLength` when setLength >= 0.
vmExport(4, (len, cap, setLength) => {
  const a = [];
  if (cap > 0) {
    a.length = cap;
    if (len !== cap) a.length = len;
  }
  if (setLength >= 0) a.length = setLength;
  return a;
});

// 5: `o[k] = v`.
vmExport(5, (o, k, v) => {
  o[k] = v;
});

// 6: `o[k]`.
vmExport(6, (o, k) => o[k]);

// 7: reads `o[s]`, which interns the run-time string `s` as a property key (`toPropertyName`).
vmExport(7, (o, s) => {
  const v = o[s];
  return v;
});

// 9 and 10: repros of a known engine bug (8.0.0): a key built at run time that spells "length"
// (or "__proto__") is interned with the well-known value in place of a heap pointer; the next
// run-time key lookup then misreads it.
vmExport(9, () => {
  const g = {};
  g['len' + 'gth' + ''] = 1;
  g['k' + 2] = 2;
  return 0;
});
vmExport(10, () => {
  const g = {};
  const p = g['__pro' + 'to__' + ''];
  g['k' + 3] = 3;
  return p === undefined ? 0 : 1;
});

// 11 and 12: the string literals "length" and "__proto__", which are well-known values.
vmExport(11, () => 'length');
vmExport(12, () => '__proto__');

// 20 + n: `closure slots=n`: a function whose n - 1 variables are captured allocates its scope on
// entry, a CLOSURE of n slots (the inner function, then the variables); that scope is the closure
// returned.
vmExport(22, () => {
  let v0 = 0;
  return () => v0;
});
vmExport(23, () => {
  let v0 = 0, v1 = 1;
  return () => v0 + v1;
});
vmExport(24, () => {
  let v0 = 0, v1 = 1, v2 = 2;
  return () => v0 + v1 + v2;
});
vmExport(25, () => {
  let v0 = 0, v1 = 1, v2 = 2, v3 = 3;
  return () => v0 + v1 + v2 + v3;
});
vmExport(26, () => {
  let v0 = 0, v1 = 1, v2 = 2, v3 = 3, v4 = 4;
  return () => v0 + v1 + v2 + v3 + v4;
});
vmExport(27, () => {
  let v0 = 0, v1 = 1, v2 = 2, v3 = 3, v4 = 4, v5 = 5;
  return () => v0 + v1 + v2 + v3 + v4 + v5;
});
vmExport(28, () => {
  let v0 = 0, v1 = 1, v2 = 2, v3 = 3, v4 = 4, v5 = 5, v6 = 6;
  return () => v0 + v1 + v2 + v3 + v4 + v5 + v6;
});

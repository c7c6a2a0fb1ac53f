# memspec probe driver: loaded once into a MicroPython engine, then called one function per top-level
# call (a REPL line, a raw-REPL execution, or a call from JavaScript). Every function prints one line
# that starts with "@R" and carries its results as key=value words; the Rust side parses it.
#
# Objects of a case live in the table _T (strong references, slot = object id). Around a collection
# the table is emptied (_m_co) so that only the roots list _R and the objects' own slots keep objects
# alive, and refilled afterwards (_m_fix) by walking the recorded links from the roots. _A and _AL keep
# each object's id() as two small ints (its high bits and its low 16 bits), which the collector does
# not trace and which take no heap even when the id itself is no small int.
import gc
import micropython
import sys

_N = 64
_NL = 256
_T = [None] * _N
_A = [0] * _N
_AL = [0] * _N
_R = [None] * _N
_LF = [-1] * _NL
_LS = [0] * _NL
_LT = [-1] * _NL
# _C[0]: link records in use (the loops over _LF stop there).
_C = [0]


class _I:
    pass


def _o(*a):
    print("@" + "R", *a)


def _longint():
    # MICROPY_LONGINT_IMPL: arbitrary precision (mpz), 64 bits (longlong), or small ints only.
    try:
        1 << 100
        return "mpz"
    except OverflowError:
        pass
    try:
        1 << 40
        return "longlong"
    except OverflowError:
        return "none"


def _m_hello():
    i = sys.implementation
    v = i.version
    m = getattr(sys, "maxsize", 0)
    if not m:
        # No sys.maxsize (MICROPY_PY_SYS_MAXSIZE off, as on the micro:bit): from the pointer size.
        import ustruct

        m = (1 << (8 * ustruct.calcsize("P") - 1)) - 1
    _o(
        "longint=" + _longint(),
        "maxsize=%d" % m,
        "version=%d.%d.%d" % (v[0], v[1], v[2]),
        "name=" + i.name,
        "build=" + str(getattr(i, "_build", "-")),
        "platform=" + sys.platform,
        "none=%d" % id(None),
        "false=%d" % id(False),
        "true=%d" % id(True),
        "one=%d" % id(1),
        "mone=%d" % id(-1),
        "half=%d" % id(float("0.5")),
        "qs=%d" % id("gc"),
    )


def _m_reset():
    for i in range(_N):
        _T[i] = None
        _A[i] = 0
        _AL[i] = 0
        _R[i] = None
    for i in range(_C[0]):
        _LF[i] = -1
        _LT[i] = -1
    _C[0] = 0
    _o("ok")


def _m_co(m):
    # m: 1 prints the block map; 2 keeps what _m_prep made (the readings around an allocation),
    # else it is let go first; 4 collects the garbage of the lines before (their compiling and
    # printing) first, then lets go of every object without allocating, so that what
    # gc.collect() returns counts the case's objects alone.
    if not m & 2:
        _P[0] = None
        _P[1] = ()
    if m & 4:
        gc.collect()
        i = 0
        while i < _N:
            _T[i] = None
            i += 1
    n = gc.collect()
    if m & 1:
        micropython.mem_info(1)
    _o("ret=" + ("none" if n is None else "%d" % n))


def _m_rd(m):
    # m: 1 prints the block map; 2 reads without collecting first, after a gc.collect() at the top
    # level of the same line. Ports that collect at once do that: a collection from inside a call
    # would scan this call's frame, whose unwritten slots may still hold pointers left by the call
    # before (the object maker's temporaries). The WebAssembly port defers collections, and relies
    # on the one the call before asked for.
    if not m & 2:
        gc.collect()
    u = gc.mem_alloc()
    f = gc.mem_free()
    if m & 1:
        micropython.mem_info(1)
    _o("used=%d" % u, "free=%d" % f)


class _B:
    def m(self):
        return 0


# The self of every bound method the driver makes (made at load, so a bound method keeps nothing new
# alive).
_S = _B()

# What _m_prep made for the next _m_new: the maker and its arguments. They are made before the
# "before" reading and held until the next _m_prep, so only the object itself is counted.
_P = [None, ()]


def _text(h):
    return bytes.fromhex(h).decode()


def _compile(src):
    # The function `_f` compiled from `src`, held in _P with its code: calling it allocates only what
    # its body makes.
    g = {}
    exec(src, g)
    return g["_f"]


def _mul(a, b):
    return a * b


def _add(a, b):
    return a + b


def _neg(a):
    return -a


def _mk_list(n, append, extend):
    o = [None] * n
    for _ in range(append):
        o.append(None)
    if extend is not None:
        o.extend(extend)
    return o


def _mk_dict(n):
    d = {}
    for k in range(n):
        d[k] = None
    return d


def _mk_set(n):
    s = set()
    for k in range(n):
        s.add(k)
    return s


def _m_prep(kind, spec):
    # spec: `name=value` words: numbers in decimal, text in hex (`text=616263`). The arguments may
    # come padded with spaces (a REPL line's short literals would be interned).
    kind = kind.strip()
    a = {}
    for w in spec.split():
        k, _, v = w.partition("=")
        a[k] = v
    n = int(a.get("len", a.get("keys", "0")))
    lit = a.get("literal", "0") == "1"
    _P[0] = None
    _P[1] = ()
    if kind == "list":
        extend = [None] * int(a["extend"]) if "extend" in a else None
        _P[0] = _mk_list
        _P[1] = (n, int(a.get("append", "0")), extend)
    elif kind == "tuple":
        _P[0] = tuple
        _P[1] = ([None] * n,)
    elif kind == "dict" and lit:
        _P[0] = _compile("def _f():\n return {" + "".join("%d: None," % k for k in range(n)) + "}")
    elif kind == "dict":
        _P[0] = _mk_dict
        _P[1] = (n,)
    elif kind == "set" and lit:
        if n == 0:
            raise ValueError("a set display has at least one item")
        _P[0] = _compile("def _f():\n return {" + "".join("%d," % k for k in range(n)) + "}")
    elif kind == "set":
        _P[0] = _mk_set
        _P[1] = (n,)
    elif kind == "str" and a.get("intern", "0") == "1":
        # A literal: the parser interns it.
        _P[0] = _compile("def _f():\n return " + repr(_text(a["text"])))
    elif kind == "str":
        # Built at run time through a vstr, as ''.join does.
        _P[0] = "".join
        _P[1] = (list(_text(a["text"])),)
    elif kind == "bytes":
        _P[0] = bytes
        _P[1] = (list(bytes.fromhex(a["text"])),)
    elif kind == "bytearray":
        _P[0] = bytearray
        _P[1] = (n,)
    elif kind == "float":
        _P[0] = _mul
        _P[1] = (float(a["value"]), 1.0)
    elif kind == "int":
        v = int(a["value"])
        # The model's default: as small-int arithmetic makes it when the value fits 64 bits, else
        # from its digits.
        how = a.get("from", "ll" if -(1 << 63) <= v < (1 << 63) else "text")
        if how == "text":
            _P[0] = int
            _P[1] = (a["value"],)
        elif how == "neg":
            _P[0] = _neg
            _P[1] = (int(str(-v)),)
        elif how == "ll":
            # The sum of two halves: small ints that overflow make the int as
            # mp_obj_new_int_from_ll does.
            h = v // 2
            _P[0] = _add
            _P[1] = (h, v - h)
        else:
            raise ValueError("int from=" + how)
    elif kind == "function":
        d = int(a.get("defaults", "0"))
        kw = int(a.get("kw_defaults", "0"))
        params = ["a%d=None" % k for k in range(d)]
        if kw:
            params.append("*")
            params.extend("k%d=None" % k for k in range(kw))
        _P[0] = _compile("def _f():\n def f(" + ",".join(params) + "):\n  return None\n return f")
    elif kind == "closure":
        c = int(a["captured"])
        body = "".join(" v%d = None\n" % k for k in range(c))
        used = ",".join("v%d" % k for k in range(c))
        _P[0] = _compile("def _f():\n" + body + " def g():\n  return (" + used + ",)\n return g")
    elif kind == "bound-method":
        _P[0] = getattr
        _P[1] = (_S, "m")
    elif kind == "instance":
        _P[0] = _I
    else:
        raise ValueError("unknown kind " + kind)
    _o("ok")


def _m_new(i):
    o = _P[0](*_P[1])
    _T[int(i)] = o
    d = id(o)
    _A[int(i)] = d >> 16
    _AL[int(i)] = d & 0xFFFF
    _o("id=%d" % id(o))


def _m_word(kind, x):
    # The word a value is stored as, without keeping it: id() of a run-time value. The arguments
    # may come padded with spaces.
    kind = kind.strip()
    x = x.strip()
    if kind == "int":
        # The sum of two halves, so a small value is the small int however its text parses
        # (mp_parse_num_integer boxes -2**30 on 32-bit: it checks the magnitude before the sign).
        v = int(x)
        h = v // 2
        v = h + (v - h)
    elif kind == "float":
        v = float(x)
    elif kind == "str":
        v = bytes.fromhex(x).decode()
    elif kind == "none":
        v = None
    elif kind == "true":
        v = True
    elif kind == "false":
        v = False
    elif kind == "ellipsis":
        v = ...
    elif kind == "notimplemented":
        v = NotImplemented
    elif kind == "emptytuple":
        v = ()
    elif kind == "bytes":
        v = bytes.fromhex(x) if x else bytes()
    else:
        raise ValueError("unknown value kind " + kind)
    _o("id=%d" % id(v), "type=" + type(v).__name__)


def _m_link(f, s, t):
    f = int(f)
    s = int(s)
    t = int(t)
    o = _T[f]
    if o is None:
        raise KeyError("object %d is not held" % f)
    _set(o, s, None if t < 0 else _T[t])
    for k in range(_C[0]):
        if _LF[k] == f and _LS[k] == s:
            _LF[k] = -1
    if t >= 0:
        for k in range(_NL):
            if _LF[k] < 0:
                _LF[k] = f
                _LS[k] = s
                _LT[k] = t
                if k >= _C[0]:
                    _C[0] = k + 1
                break
        else:
            raise MemoryError("link record full")
    _o("ok")


def _set(o, s, v):
    # Slot s of an object: an instance's attribute a<s>, else an item or a dict value.
    if isinstance(o, (list, dict, bytearray)):
        o[s] = v
    elif isinstance(o, _I):
        setattr(o, "a%d" % s, v)
    else:
        raise TypeError("Python code cannot store into a slot of a " + type(o).__name__)


def _get(o, s):
    if isinstance(o, _I):
        return getattr(o, "a%d" % s, None)
    if isinstance(o, dict):
        return o.get(s)
    return o[s]


def _m_root(i, on):
    i = int(i)
    _R[i] = _T[i] if int(on) else None
    _o("ok")


def _m_fix():
    n = 0
    for i in range(_N):
        if _R[i] is not None:
            _T[i] = _R[i]
            n += 1
    more = True
    while more:
        more = False
        for k in range(_C[0]):
            f = _LF[k]
            if f >= 0 and _T[f] is not None and _T[_LT[k]] is None:
                o = _get(_T[f], _LS[k])
                d = id(o)
                if o is not None and d >> 16 == _A[_LT[k]] and d & 0xFFFF == _AL[_LT[k]]:
                    _T[_LT[k]] = o
                    n += 1
                    more = True
    _o("held=%d" % n)


def _m_gc(op):
    op = op.strip()
    if op == "disable":
        gc.disable()
    elif op == "enable":
        gc.enable()
    else:
        raise ValueError("unknown gc op " + op)
    _o("ok")

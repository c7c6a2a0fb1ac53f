# memspec probe driver: loaded once into a MicroPython engine, then called one function per top-level
# call (a REPL line, a raw-REPL execution, or a call from JavaScript). Every function prints one line
# that starts with "@R" and carries its results as key=value words; the Rust side parses it.
#
# Objects of a case live in the table _T (strong references, slot = object id). Around a collection
# the table is emptied (_m_co) so that only the roots list _R and the objects' own slots keep objects
# alive, and refilled afterwards (_m_fix) by walking the recorded links from the roots. _A and _AL keep
# the low 32 bits of each object's word as two 16-bit small ints (enough to tell apart the objects of
# one heap), which the collector does not trace and which take no heap.


def _imp(n):
    # A module the build may lack (the minimal variant has no gc, micropython or sys): None.
    try:
        return __import__(n)
    except ImportError:
        return None


gc = _imp("gc")
micropython = _imp("micropython")
sys = _imp("sys")
uctypes = _imp("uctypes")

_N = 1024
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
    print("@" "R", *a)


def _ok():
    # As _o("ok"), making nothing on the heap.
    print("@" "R ok")


def _longint():
    # MICROPY_LONGINT_IMPL: arbitrary precision (mpz), 64 bits (longlong), or small ints only.
    try:
        1 << 100
        return "mpz"
    except OverflowError:
        pass
    try:
        1 << 62
        return "longlong"
    except OverflowError:
        return "none"


def _maxsize():
    # Without sys.maxsize (MICROPY_PY_SYS_MAXSIZE off, as on the micro:bit): from the pointer size.
    m = getattr(sys, "maxsize", 0)
    u = None if m else _imp("ustruct")
    return (1 << (8 * u.calcsize("P") - 1)) - 1 if u else m


def _m_hello():
    # Without % on str (the minimal variant), without float() where floats are off.
    i = getattr(sys, "implementation", None)
    v = getattr(i, "version", (0, 0, 0))
    try:
        h = id(float("0.5"))
    except NameError:
        h = "none"
    w = ["longint", _longint(), "maxsize", _maxsize()]
    w += ["version", ".".join([str(v[0]), str(v[1]), str(v[2])]), "name", getattr(i, "name", "-")]
    w += ["build", getattr(i, "_build", "-"), "platform", getattr(sys, "platform", "-")]
    w += ["uctypes", int(uctypes is not None), "gc", int(gc is not None and micropython is not None)]
    w += ["qm", id("_m_word"), "none", id(None), "false", id(False), "true", id(True)]
    w += ["one", id(1), "mone", id(-1), "half", h, "qs", id("gc")]
    _o(*[w[k] + "=" + str(w[k + 1]) for k in range(0, len(w), 2)])


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
    _ok()


def _m_co(m):
    # m: 1 prints the block map; 2 keeps what _m_prep made (the readings around an allocation),
    # else it is let go first; 4 collects the garbage of the lines before (their compiling and
    # printing) first, then lets go of every object without allocating, so that what
    # gc.collect() returns counts the case's objects alone.
    if not m & 2:
        _P[0] = None
        _P[1] = ()
        _P[2] = None
    if m & 4:
        gc.collect()
        i = 0
        while i < _N:
            _T[i] = None
            i += 1
    n = gc.collect()
    if m & 1:
        micropython.mem_info(1)
    print("@" "R ret=", n, sep="")


def _z(n):
    # n nested calls, allocating nothing: their C frames overwrite the stack's stale words.
    if n:
        _z(n - 1)


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
    # Printed without making a string on the heap, so a reading leaves no garbage for the next.
    print("@" "R used=", u, " free=", f, sep="")


class _B:
    def m(self):
        return 0


# The self of every bound method the driver makes (made at load, so a bound method keeps nothing new
# alive).
_S = _B()

# What _m_prep made for the next _m_new: the maker and its arguments. They are made before the
# "before" reading and held until the next _m_prep, so only the object itself is counted.
_P = [None, (), None]


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


def _pow(a, b):
    return a ** b


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


# 2**63, made at load; 0 where long ints are long long (every int fits 64 bits).
try:
    _LL = 1 << 63
except OverflowError:
    _LL = 0


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
    _P[2] = None
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
    elif kind == "raw":
        # One gc_alloc of the tuple's struct and its n items (py/objtuple.c tuple_binary_op).
        _P[0] = _mul
        _P[1] = ((None,), n)
    elif kind == "bytes":
        _P[0] = bytes
        _P[1] = (list(bytes.fromhex(a["text"])),)
    elif kind == "bytearray":
        _P[0] = bytearray
        _P[1] = (n,)
    elif kind == "float":
        _P[0] = _mul
        _P[1] = (float(a["value"]), 1)
    elif kind == "int":
        # The value is held in _P[2], so neither reading counts it nor a stale word keeps it.
        v = int(a["value"])
        _P[2] = v
        # The model's default: as small-int arithmetic makes it when the value fits 64 bits, else
        # from its digits.
        how = a.get("from", "ll" if not _LL or -_LL <= v < _LL else "text")
        if how == "text":
            _P[0] = int
            _P[1] = (a["value"],)
        elif how == "neg":
            _P[0] = _neg
            _P[1] = (int(str(-v)),)
        elif how == "pow":
            # 2 ** e from two small ints, at run time.
            e = int(a["exp"])
            _P[0] = _pow
            _P[1] = (2, e)
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
    _ok()


# _V: a view of the word in item 0 of _WL, set up by _m_view where the build has uctypes. On a
# 32-bit build id() of a heap object is a boxed int, garbage that a stale word on the C stack may
# keep alive into the next reading; the view reads the word as small ints, allocating nothing.
_WL = [None]
_V = [None]


def _m_view(a, n, w):
    # a: bytes into a list to its item array's pointer (n bytes, little end first); w: bytes of
    # an item.
    b = uctypes.bytearray_at(id(_WL) + a, n)
    p = 0
    for k in range(n):
        p |= b[k] << (8 * k)
    _V[0] = uctypes.bytearray_at(p, w)
    _ok()


def _hl(o):
    # The word of o in _HL as three small ints: its bits 32 to 63, 16 to 31 and 0 to 15.
    v = _V[0]
    if v is None:
        d = id(o)
        _HL[0] = d >> 32
        _HL[1] = (d >> 16) & 0xFFFF
        _HL[2] = d & 0xFFFF
        return
    _WL[0] = o
    h = 0
    for k in range(len(v) - 1, 3, -1):
        h = (h << 8) | v[k]
    _HL[0] = h
    _HL[1] = v[2] | (v[3] << 8)
    _HL[2] = v[0] | (v[1] << 8)
    _WL[0] = None


_HL = [0, 0, 0]


def _m_new(i):
    i = int(i)
    try:
        o = _P[0](*_P[1])
    except MemoryError:
        # Caught here, so the exception and its traceback are garbage after the call.
        print("@" "R oom")
        return
    _T[i] = o
    _hl(o)
    _A[i] = _HL[1]
    _AL[i] = _HL[2]
    print("@" "R h=", _HL[0], " m=", _HL[1], " l=", _HL[2], sep="")


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


def _poke(a, w, n):
    # Stores the n-byte word w at address a, little end first (uctypes.bytearray_at).
    b = uctypes.bytearray_at(a, n)
    for k in range(n):
        b[k] = (w >> (8 * k)) & 255


def _m_peek(a, n):
    b = uctypes.bytearray_at(int(a), n)
    w = 0
    for k in range(n):
        w |= b[k] << (8 * k)
    _o("w=%d" % w)


# A tuple whose item 0 the decoder stores words into (made at load, so decoding allocates no
# holder).
_D = (None,) * 2


def _m_dec(a, w, n):
    # The value the n-byte word w is, as the engine reads it from an item of _D (a bytes past its
    # address); the caller gives no word the engine would follow as a pointer, and a qstr only of
    # an index the engine has made (its text is read).
    _poke(id(_D) + a, int(w), n)
    x = _D[0]
    _poke(id(_D) + a, id(None), n)
    t = type(x).__name__
    if t == "str":
        v = "".join(["%02x" % b for b in x.encode()])
    elif t == "int":
        v = str(x)
    elif t == "float":
        # Its bits as a double, little end first: exact where repr() rounds.
        v = "".join(["%02x" % b for b in _imp("struct").pack("<d", x)])
    else:
        v = "%d%d%d" % (x is None, x is False, x is True)
    _o("t=" + t, "v=" + v)


def _m_link(f, s, t, a=-1, w="0", n=0):
    # a >= 0: store the word w (n bytes) a bytes into the object, where no Python code can store:
    # a tuple's item, a pointer into an object, any word. t >= 0 records it as a link to t.
    f = int(f)
    s = int(s)
    t = int(t)
    o = _T[f]
    if o is None:
        raise KeyError("object %d is not held" % f)
    if a >= 0:
        _poke(id(o) + a, int(w), n)
    else:
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
    _ok()


# The attribute names of an instance's first slots, interned as qstrs when the driver loads: setattr
# with a name not yet interned adds it to the qstr pool (py/qstr.c qstr_from_strn, through
# mp_obj_str_get_qstr in py/modbuiltins.c mp_builtin_setattr), and a new pool or chunk on the heap
# would show in the reading around the store.
_SLOT_NAMES = ("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7")


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
    _ok()


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
                _hl(o)
                if o is not None and _HL[1] == _A[_LT[k]] and _HL[2] == _AL[_LT[k]]:
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
    _ok()

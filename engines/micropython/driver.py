# memspec probe driver: loaded once into a MicroPython engine, then called one function per top-level
# call (a REPL line, a raw-REPL execution, or a call from JavaScript). Every function prints one line
# that starts with "@R" and carries its results as key=value words; the Rust side parses it.
#
# Objects of a case live in the table _T (strong references, slot = object id). Around a collection
# the table is emptied (_m_rel) so that only the roots list _R and the objects' own slots keep objects
# alive, and refilled afterwards (_m_fix) by walking the recorded links from the roots. _A keeps each
# object's id() as an int, which the collector does not trace.
import gc
import micropython
import sys

_N = 64
_NL = 256
_T = [None] * _N
_A = [0] * _N
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


def _m_hello():
    i = sys.implementation
    v = i.version
    _o(
        "maxsize=%d" % sys.maxsize,
        "version=%d.%d.%d" % (v[0], v[1], v[2]),
        "name=" + i.name,
        "build=" + str(getattr(i, "_build", "-")),
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
        _R[i] = None
    for i in range(_C[0]):
        _LF[i] = -1
        _LT[i] = -1
    _C[0] = 0
    _o("ok")


def _m_co(m):
    n = gc.collect()
    if m:
        micropython.mem_info(1)
    _o("ret=" + ("none" if n is None else "%d" % n))


def _m_rd(m):
    # Ports that collect at once do it here, with only this call's own code live beside the case's
    # objects; the WebAssembly port defers it, and relies on the collection the call before asked for.
    gc.collect()
    u = gc.mem_alloc()
    f = gc.mem_free()
    if m:
        micropython.mem_info(1)
    _o("used=%d" % u, "free=%d" % f)


def _m_int(s):
    return int(s)


def _m_make(kind, n, x):
    # n: a length or count as a decimal string; x: text as hex, or a number as a decimal string.
    if kind == "list":
        return [None] * int(n)
    if kind == "tuple":
        return tuple([None] * int(n))
    if kind == "dict":
        d = {}
        for k in range(int(n)):
            d[k] = None
        return d
    if kind == "set":
        s = set()
        for k in range(int(n)):
            s.add(k)
        return s
    if kind == "str":
        return bytes.fromhex(x).decode()
    if kind == "bytes":
        return bytes(bytearray(bytes.fromhex(x)))
    if kind == "bytearray":
        return bytearray(int(n))
    if kind == "float":
        return float(x)
    if kind == "int":
        return int(x)
    if kind == "instance":
        return _I()
    raise ValueError("unknown kind " + kind)


def _m_new(i, kind, n, x):
    o = _m_make(kind, n, x)
    _T[int(i)] = o
    _A[int(i)] = id(o)
    _o("id=%d" % id(o))


def _m_word(kind, x):
    # The word a value is stored as, without keeping it: id() of a run-time value.
    if kind == "int":
        v = int(x)
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
    o[s] = None if t < 0 else _T[t]
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


def _m_root(i, on):
    i = int(i)
    _R[i] = _T[i] if int(on) else None
    _o("ok")


def _m_rel():
    for i in range(_N):
        _T[i] = None
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
                o = _T[f][_LS[k]]
                if o is not None and id(o) == _A[_LT[k]]:
                    _T[_LT[k]] = o
                    n += 1
                    more = True
    _o("held=%d" % n)


def _m_gc(op):
    if op == "disable":
        gc.disable()
    elif op == "enable":
        gc.enable()
    else:
        raise ValueError("unknown gc op " + op)
    _o("ok")

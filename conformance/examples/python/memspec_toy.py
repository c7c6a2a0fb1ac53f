#!/usr/bin/env python3
"""An example memspec process-protocol adapter (protocol 1), standard library only.

It wraps a toy MicroPython REPR_A 32-bit implementation: the value encoding of py/mpconfig.h and a
tiny block heap after py/gc.c (16-byte blocks without headers, the ATB/FTB split of gc_setup_area,
first fit, conservative marking of whole chains, gc.collect() returning the HEAD blocks freed on the
unix port, and the mem_info(1) map lines). It knows only the `raw` kind.

Run it through the harness:

    cargo memspec run --subject process --command "python3 conformance/examples/python/memspec_toy.py"

Read conformance/PROTOCOL.md for the messages. To adapt another implementation, keep `main` and
`handle`, and replace the `Toy` class.
"""

import json
import sys

PROTOCOL = 1
BLOCK_BYTES = 16            # MICROPY_BYTES_PER_GC_BLOCK on 32-bit: 4 words of 4 bytes
POOL_ADDRESS = 0x3FFB0000   # where the toy says its pool starts
MAP_LINE_BLOCKS = 64        # blocks per line of gc_dump_alloc_table
FREE, HEAD, TAIL = 0, 1, 2
CAPABILITIES = ["encode", "decode", "alloc", "link", "root", "collect", "stats", "heap-map",
                "liveness", "inspect", "raw-alloc", "sized-heap", "full-heap"]


class SubjectError(Exception):
    """An error answered as data: `kind` is one of the protocol's error kinds."""

    def __init__(self, kind, detail):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class Toy:
    """A toy micropython-a32 heap."""

    def __init__(self, arena, port):
        total = arena // BLOCK_BYTES * BLOCK_BYTES
        if total < 2 * BLOCK_BYTES:
            raise SubjectError("arena-too-small", f"{arena} bytes hold no block")
        atb = (total - 1) * 8 // (8 + 4 + 32 * BLOCK_BYTES)   # gc_setup_area with an FTB
        n = 4 * atb
        self.blocks = [FREE] * n
        self.words = [0] * (4 * n)
        self.objects = []          # object id -> head block, or None
        self.roots = set()
        self.unix = port == "unix"

    # -- values --
    @staticmethod
    def encode(value):
        (kind, v), = value.items()
        if kind == "int" and -(1 << 30) <= v < (1 << 30):
            return ((v << 1) | 1) & 0xFFFFFFFF, "small-int"
        if kind == "qstr" and 0 <= v < (1 << 29):
            return (v << 3) | 2, "qstr"
        consts = {"None": 0x6, "False": 0xE, "True": 0x1E}
        if kind == "named" and v in consts:
            return consts[v], "immediate"
        if kind == "bool":
            return (0x1E if v else 0xE), "immediate"
        raise SubjectError("not-immediate", f"{kind} {v!r} needs the heap")

    @staticmethod
    def decode(word):
        w = word & 0xFFFFFFFF
        if w & 1:
            v = w >> 1
            return "small-int", {"int": v - (1 << 31) if v & (1 << 30) else v}
        if w & 7 == 2:
            return "qstr", {"qstr": w >> 3}
        if w & 7 == 6:
            names = {0: "None", 1: "False", 3: "True"}
            if (w >> 3) not in names:
                raise SubjectError("invalid-word", f"immediate {w >> 3} is no constant")
            return "immediate", {"named": names[w >> 3]}
        return "pointer", {"pointer": hex(w)}

    # -- heap --
    def chain(self, head):
        n = 1
        while head + n < len(self.blocks) and self.blocks[head + n] == TAIL:
            n += 1
        return n

    def head_of(self, obj):
        if 0 <= obj < len(self.objects) and self.objects[obj] is not None:
            return self.objects[obj]
        raise SubjectError("no-such-object", f"no live object #{obj}")

    def alloc(self, kind, params):
        if kind != "raw":
            raise SubjectError("unknown-kind", f"the toy knows only `raw`, not `{kind}`")
        size = params.get("bytes")
        if not isinstance(size, int) or size < 0:
            raise SubjectError("bad-argument", "`raw` needs bytes=N, N >= 0")
        obj = len(self.objects)
        if size == 0:
            self.objects.append(None)
            return {"obj": obj, "word": "0x0", "bytes": 0}
        need = -(-size // BLOCK_BYTES)
        run = 0
        for i, b in enumerate(self.blocks):
            run = run + 1 if b == FREE else 0
            if run == need:
                head = i + 1 - need
                self.blocks[head] = HEAD
                for j in range(head + 1, head + need):
                    self.blocks[j] = TAIL
                self.words[head * 4:(head + need) * 4] = [0] * (need * 4)
                self.objects.append(head)
                return {"obj": obj, "word": hex(POOL_ADDRESS + head * BLOCK_BYTES),
                        "bytes": need * BLOCK_BYTES}
        raise SubjectError("out-of-memory", f"no run of {need} free blocks")

    def link(self, obj, slot, target):
        head = self.head_of(obj)
        if slot >= self.chain(head) * 4:
            raise SubjectError("bad-argument", f"slot {slot} is past the object")
        if target == "empty":
            word = 0x6
        elif "word" in target:
            word = int(target["word"], 16)
        else:
            word = POOL_ADDRESS + self.head_of(target["obj"]) * BLOCK_BYTES + target.get("offset", 0)
        self.words[head * 4 + slot] = word

    def pointed_head(self, w):
        if w < POOL_ADDRESS or (w - POOL_ADDRESS) % BLOCK_BYTES:
            return None
        b = (w - POOL_ADDRESS) // BLOCK_BYTES
        return b if b < len(self.blocks) and self.blocks[b] == HEAD else None

    def collect(self):
        marked = set()
        stack = [self.objects[r] for r in self.roots if self.objects[r] is not None]
        while stack:
            h = stack.pop()
            if h in marked:
                continue
            marked.add(h)
            for w in self.words[h * 4:(h + self.chain(h)) * 4]:
                c = self.pointed_head(w)
                if c is not None and c not in marked:
                    stack.append(c)
        freed = freed_blocks = 0
        for h, b in enumerate(self.blocks):
            if b == HEAD and h not in marked:
                n = self.chain(h)
                self.blocks[h:h + n] = [FREE] * n
                freed += 1
                freed_blocks += n
        self.objects = [h if h is not None and self.blocks[h] == HEAD else None for h in self.objects]
        return {"freed_allocations": freed, "freed_bytes": freed_blocks * BLOCK_BYTES,
                "returned": freed if self.unix else None, "finalisers_run": 0}

    def stats(self):
        total = len(self.blocks) * BLOCK_BYTES
        used = sum(1 for b in self.blocks if b != FREE) * BLOCK_BYTES
        heads = sum(1 for b in self.blocks if b == HEAD)
        return [{"name": "heap.used", "unit": "bytes", "value": used},
                {"name": "heap.free", "unit": "bytes", "value": total - used},
                {"name": "heap.total", "unit": "bytes", "value": total},
                {"name": "heap.allocations", "unit": "count", "value": heads}]

    def heap_map(self):
        """`micropython.mem_info(1)` from the heap lines on: gc_dump_info, then gc_dump_alloc_table."""
        runs, b, n = [], 0, len(self.blocks)      # (is_free, length in blocks) of each run
        while b < n:
            e = b + 1
            if self.blocks[b] == FREE:
                while e < n and self.blocks[e] == FREE:
                    e += 1
            else:
                while e < n and self.blocks[e] == TAIL:
                    e += 1
            runs.append((self.blocks[b] == FREE, e - b))
            b = e
        allocs = [length for free, length in runs if not free]
        total = n * BLOCK_BYTES
        used = sum(allocs) * BLOCK_BYTES
        out = [f"GC: total: {total}, used: {used}, free: {total - used}",
               f" No. of 1-blocks: {allocs.count(1)}, 2-blocks: {allocs.count(2)}, "
               f"max blk sz: {max(allocs, default=0)}, "
               f"max free sz: {max((l for free, l in runs if free), default=0)}",
               f"GC memory layout; from {POOL_ADDRESS:x}:"]
        b = 0
        while b < n:
            run = 0
            while b + run < n and self.blocks[b + run] == FREE:
                run += 1
            if run >= 2 * MAP_LINE_BLOCKS:
                lines = run // MAP_LINE_BLOCKS
                out.append(f"       ({lines} lines all free)")
                b += lines * MAP_LINE_BLOCKS
                continue
            chars = "".join(".h="[x] for x in self.blocks[b:b + MAP_LINE_BLOCKS])
            out.append(f"{b * BLOCK_BYTES:08x}: {chars}")
            b += MAP_LINE_BLOCKS
        return "".join(line + "\n" for line in out)

    def read(self, obj, index):
        head = self.head_of(obj)
        if not 0 <= index < self.chain(head) * 4:
            raise SubjectError("bad-argument", f"word {index} is outside the object")
        return self.words[head * 4 + index]


def handle(state, req):
    """Answers one request; returns the `ok` payload or raises SubjectError."""
    op = req["op"]
    if op == "hello":
        if req.get("protocol") != PROTOCOL:
            raise SubjectError("protocol", f"this adapter speaks protocol {PROTOCOL}")
        return {"protocol": PROTOCOL, "name": "python-toy-a32",
                "profiles": {"micropython-a32": CAPABILITIES}}
    if op == "bye":
        return {}
    if op == "start":
        if req["profile"] != "micropython-a32":
            raise SubjectError("unknown-profile", "the toy is micropython-a32 only")
        state["toy"] = Toy(req["arena"], req.get("port"))
        return {}
    toy = state.get("toy")
    if toy is None:
        raise SubjectError("bad-argument", "no case has started: send start first")
    if op == "encode":
        word, cls = toy.encode(req["value"])
        return {"word": hex(word), "class": cls}
    if op == "decode":
        cls, value = toy.decode(int(req["word"], 16))
        return {"class": cls, "value": value}
    if op == "alloc":
        return toy.alloc(req["kind"], req.get("params", {}))
    if op == "link":
        toy.link(req["obj"], req["slot"], req["target"])
        return {}
    if op == "root":
        toy.head_of(req["obj"])
        toy.roots.add(req["obj"])
        return {}
    if op == "unroot":
        toy.roots.discard(req["obj"])
        return {}
    if op == "collect":
        return toy.collect()
    if op == "stats":
        return {"stats": toy.stats()}
    if op == "heap-map":
        return {"text": toy.heap_map()}
    if op == "live":
        obj = req["obj"]
        return {"live": 0 <= obj < len(toy.objects) and toy.objects[obj] is not None}
    if op == "read":
        return {"word": hex(toy.read(req["obj"], req["index"]))}
    raise SubjectError("unsupported", f"this adapter cannot `{op}`")


def main():
    state = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        answer = {"id": req.get("id")}
        try:
            answer["ok"] = handle(state, req)
        except SubjectError as e:
            answer["error"] = {"kind": e.kind, "detail": e.detail}
        except (KeyError, TypeError, ValueError) as e:
            answer["error"] = {"kind": "bad-argument", "detail": f"malformed request: {e!r}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if req.get("op") == "bye":
            break


if __name__ == "__main__":
    main()

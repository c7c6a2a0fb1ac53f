#!/bin/sh
# The npm WebAssembly port's command line (micropython.mjs) as one executable, so that it can be
# given as `--micropython PATH` like a unix-port build. Arguments pass through (`-X heapsize=N`).
here=$(dirname "$0")
exec "${MEMSPEC_NODE:-node}" "$here/../node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs" "$@"

/*
 * memspec's 32-bit host for the Microvium C engine: restores the driver's snapshot and answers one
 * text line per request line on stdin, in the protocol of engines/microvium/host.cjs:
 *   restore | call ID A B C | num X | gc 0|1 | stats | version
 * Answers `ok ...` or `err TEXT`. RAW values are the 16-bit mvm_Value in hex.
 *
 * Usage: host SNAPSHOT-FILE [--arena]
 *
 * With --arena, the engine's host memory (MVM_MALLOC) comes from a bump allocator over a static
 * arena that never reuses memory, so successive heap buckets march upwards through the address space
 * and the placement of a bucket across a 64 KiB-aligned address (which the capacity statistic
 * mishandles) happens at the same point on every run. Without it, the C library's malloc is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microvium.h"

/* 8 MiB, 64 KiB-aligned: room for every bucket of a few hundred squeezing collections. */
#define ARENA_BYTES (8u << 20)
static uint8_t arena[ARENA_BYTES] __attribute__((aligned(65536)));
static size_t arena_used;
static int use_arena;

void *memspec_malloc(size_t size) {
  if (!use_arena) return malloc(size);
  size_t start = (arena_used + 7u) & ~(size_t)7u;
  if (start > ARENA_BYTES || size > ARENA_BYTES - start) {
    fprintf(stderr, "memspec host arena exhausted\n");
    exit(3);
  }
  arena_used = start + size;
  return arena + start;
}

void memspec_free(void *p) {
  if (!use_arena) free(p);
}

static uint8_t *snapshot;
static size_t snapshot_size;
static mvm_VM *vm;

static mvm_TeError no_imports(mvm_HostFunctionID id, void *context, mvm_TfHostFunction *out) {
  (void)id;
  (void)context;
  (void)out;
  return MVM_E_UNRESOLVED_IMPORT;
}

static void read_snapshot(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open snapshot %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (n <= 0) {
    fprintf(stderr, "empty snapshot %s\n", path);
    exit(2);
  }
  snapshot = malloc((size_t)n);
  if (!snapshot || fread(snapshot, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read snapshot %s\n", path);
    exit(2);
  }
  snapshot_size = (size_t)n;
  fclose(f);
}

static void answer_value(mvm_Value v) {
  printf("ok %x %d\n", (unsigned)v, (int)mvm_typeOf(vm, v));
}

static void handle(char *line) {
  char *op = strtok(line, " \t\r\n");
  if (!op) return;
  if (strcmp(op, "version") == 0) {
    printf("ok %d.%d\n", MVM_ENGINE_MAJOR_VERSION, MVM_ENGINE_MINOR_VERSION);
    return;
  }
  if (strcmp(op, "restore") == 0) {
    if (vm) mvm_free(vm);
    vm = NULL;
    mvm_TeError e = mvm_restore(&vm, snapshot, snapshot_size, NULL, no_imports);
    if (e != MVM_E_SUCCESS) {
      vm = NULL;
      printf("err restore failed with error %d\n", (int)e);
      return;
    }
    printf("ok\n");
    return;
  }
  if (!vm) {
    printf("err no VM: send restore first\n");
    return;
  }
  if (strcmp(op, "call") == 0) {
    char *w = strtok(NULL, " \t\r\n");
    if (!w) {
      printf("err call needs an export id\n");
      return;
    }
    mvm_VMExportID id = (mvm_VMExportID)strtol(w, NULL, 10);
    mvm_Value func;
    mvm_TeError e = mvm_resolveExports(vm, &id, &func, 1);
    if (e != MVM_E_SUCCESS) {
      printf("err no export %u (error %d)\n", (unsigned)id, (int)e);
      return;
    }
    mvm_Value args[8];
    uint8_t n = 0;
    while (n < 8 && (w = strtok(NULL, " \t\r\n")) != NULL) args[n++] = mvm_newInt32(vm, (int32_t)strtol(w, NULL, 10));
    mvm_Value result;
    e = mvm_call(vm, func, &result, args, n);
    if (e != MVM_E_SUCCESS) {
      printf("err call %u failed with error %d\n", (unsigned)id, (int)e);
      return;
    }
    answer_value(result);
    return;
  }
  if (strcmp(op, "num") == 0) {
    char *w = strtok(NULL, " \t\r\n");
    answer_value(mvm_newNumber(vm, w ? strtod(w, NULL) : 0.0));
    return;
  }
  if (strcmp(op, "gc") == 0) {
    char *w = strtok(NULL, " \t\r\n");
    mvm_runGC(vm, w && strcmp(w, "1") == 0);
    printf("ok\n");
    return;
  }
  if (strcmp(op, "stats") == 0) {
    mvm_TsMemoryStats s;
    mvm_getMemoryStats(vm, &s);
    printf("ok totalSize=%zu fragmentCount=%zu coreSize=%zu importTableSize=%zu globalVariablesSize=%zu "
           "registersSize=%zu stackHeight=%zu stackAllocatedCapacity=%zu stackHighWaterMark=%zu "
           "virtualHeapUsed=%zu virtualHeapHighWaterMark=%zu virtualHeapAllocatedCapacity=%zu "
           "pointerBytes=%zu\n",
           s.totalSize, s.fragmentCount, s.coreSize, s.importTableSize, s.globalVariablesSize, s.registersSize,
           s.stackHeight, s.stackAllocatedCapacity, s.stackHighWaterMark, s.virtualHeapUsed,
           s.virtualHeapHighWaterMark, s.virtualHeapAllocatedCapacity, sizeof(void *));
    return;
  }
  printf("err unknown request %s\n", op);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[2], "--arena") == 0) use_arena = 1;
  else if (argc != 2) {
    fprintf(stderr, "usage: %s SNAPSHOT-FILE [--arena]\n", argv[0]);
    return 2;
  }
  read_snapshot(argv[1]);
  char line[512];
  while (fgets(line, sizeof line, stdin)) {
    handle(line);
    fflush(stdout);
  }
  if (vm) mvm_free(vm);
  return 0;
}

/*
 * memspec's 32-bit host for the Microvium C engine: restores the driver's snapshot and answers one
 * text line per request line on stdin, in the protocol of engines/microvium/host.cjs:
 *   restore [OFFSET] | val H ARG | call H ID ARG... | drop H | gc 0|1 | stats | heap | version
 * Answers `ok ...` or `err TEXT`. RAW values are the 16-bit mvm_Value in hex. Held values (H, 0 to
 * HELD-1, or `-` for none) are kept in mvm_Handles, so the VM treats them as roots.
 *
 * Usage: host SNAPSHOT-FILE [--arena]
 *
 * With --arena, the engine's host memory (MVM_MALLOC) comes from a bump allocator over a static,
 * 64 KiB-aligned arena that never reuses memory within a case, so where each heap bucket lands, and
 * so whether one crosses a 64 KiB-aligned address (which the capacity statistic mishandles), is the
 * same on every run. `restore OFFSET` starts the case's memory OFFSET bytes into the arena (OFFSET
 * below 65536). Without --arena, the C library's malloc is used and OFFSET is ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microvium.h"

/* 16 MiB, 64 KiB-aligned: room for the buckets of every collection a case makes. */
#define ARENA_BYTES (16u << 20)
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

/* Values the host holds (one per object of a case). */
#define HELD 64
static mvm_Handle held[HELD];
static int held_in_use[HELD];

/* Most arguments of one call. */
#define MAX_ARGS 8

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

static void release(int h) {
  if (h >= 0 && h < HELD && held_in_use[h]) {
    mvm_releaseHandle(vm, &held[h]);
    held_in_use[h] = 0;
  }
}

static void release_all(void) {
  for (int h = 0; h < HELD; h++) release(h);
}

/* The hold number H, -1 for `-`, or -2 when malformed. */
static int hold_number(const char *w) {
  if (!w) return -2;
  if (strcmp(w, "-") == 0) return -1;
  char *end;
  long h = strtol(w, &end, 10);
  if (*end != '\0' || h < 0 || h >= HELD) return -2;
  return (int)h;
}

/* Holds v as h (a new handle, at the head of the VM's handle list), unless h is -1. */
static void hold(int h, mvm_Value v) {
  if (h < 0) return;
  release(h);
  mvm_initializeHandle(vm, &held[h]);
  mvm_handleSet(&held[h], v);
  held_in_use[h] = 1;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Makes the value of an argument; 0 on success, else writes the error. */
static int make_arg(const char *a, mvm_Value *out) {
  if (strcmp(a, "undefined") == 0) {
    *out = mvm_undefined;
    return 0;
  }
  if (a[0] == '@') {
    int h = hold_number(a + 1);
    if (h < 0 || !held_in_use[h]) {
      printf("err nothing is held as %s\n", a + 1);
      return 1;
    }
    *out = mvm_handleGet(&held[h]);
    return 0;
  }
  if (a[0] == 's' && a[1] == ':') {
    const char *hex = a + 2;
    size_t n = strlen(hex);
    if (n % 2 != 0) {
      printf("err odd hex string %s\n", a);
      return 1;
    }
    char *bytes = malloc(n / 2 + 1);
    if (!bytes) {
      printf("err out of host memory\n");
      return 1;
    }
    for (size_t i = 0; i < n / 2; i++) {
      int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) {
        free(bytes);
        printf("err bad hex string %s\n", a);
        return 1;
      }
      bytes[i] = (char)(hi * 16 + lo);
    }
    *out = mvm_newString(vm, bytes, n / 2);
    free(bytes);
    return 0;
  }
  if (a[0] == 'u' && a[1] == ':') {
    char *end;
    long len = strtol(a + 2, &end, 10);
    if (*end != '\0' || len < 0 || len > 0xFFFF) {
      printf("err bad length %s\n", a);
      return 1;
    }
    uint8_t *zeros = calloc((size_t)len + 1, 1);
    if (!zeros) {
      printf("err out of host memory\n");
      return 1;
    }
    *out = mvm_uint8ArrayFromBytes(vm, zeros, (size_t)len);
    free(zeros);
    return 0;
  }
  char *end;
  double x = strtod(a, &end);
  if (*end != '\0' || end == a) {
    printf("err bad argument %s\n", a);
    return 1;
  }
  *out = mvm_newNumber(vm, x);
  return 0;
}

static void answer_value(mvm_Value v) {
  printf("ok %x %d\n", (unsigned)v, (int)mvm_typeOf(vm, v));
}

static void heap(void) {
  /* A snapshot is at most 64 KiB (MVM_E_SNAPSHOT_TOO_LARGE, a fatal error): the restored image,
     whose heap is empty, and the heap. */
  mvm_TsMemoryStats s;
  mvm_getMemoryStats(vm, &s);
  if (snapshot_size + s.virtualHeapUsed > 0xFFFF) {
    printf("err heap too large to snapshot: %zu bytes of heap and %zu of image\n", s.virtualHeapUsed,
           snapshot_size);
    return;
  }
  size_t mark = arena_used;
  size_t size = 0;
  uint8_t *image = mvm_createSnapshot(vm, &size);
  if (!image) {
    printf("err no snapshot\n");
    return;
  }
  uint16_t heap_offset = (uint16_t)(image[12 + 7 * 2] | image[13 + 7 * 2] << 8);
  printf("ok ");
  if (heap_offset >= size) printf("-");
  for (size_t i = heap_offset; i < size; i++) printf("%02x", image[i]);
  printf("\n");
  memspec_free(image);
  /* The image was the arena's last allocation: give it back, so the snapshot moves nothing. */
  if (use_arena) arena_used = mark;
}

static void handle(char *line) {
  char *op = strtok(line, " \t\r\n");
  if (!op) return;
  if (strcmp(op, "version") == 0) {
    printf("ok %d.%d\n", MVM_ENGINE_MAJOR_VERSION, MVM_ENGINE_MINOR_VERSION);
    return;
  }
  if (strcmp(op, "restore") == 0) {
    if (vm) {
      release_all();
      mvm_free(vm);
    }
    vm = NULL;
    char *w = strtok(NULL, " \t\r\n");
    long offset = w ? strtol(w, NULL, 10) : 0;
    if (offset < 0 || offset >= 65536) {
      printf("err arena offset %ld is outside 0 .. 65535\n", offset);
      return;
    }
    if (use_arena) arena_used = (size_t)offset;
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
  if (strcmp(op, "val") == 0 || strcmp(op, "call") == 0) {
    int is_call = op[0] == 'c';
    int h = hold_number(strtok(NULL, " \t\r\n"));
    if (h == -2) {
      printf("err bad hold number\n");
      return;
    }
    mvm_VMExportID id = 0;
    if (is_call) {
      char *w = strtok(NULL, " \t\r\n");
      if (!w) {
        printf("err call needs an export id\n");
        return;
      }
      id = (mvm_VMExportID)strtol(w, NULL, 10);
    }
    /* Each argument made is held in a handle of its own while the others are made. */
    mvm_Handle temp[MAX_ARGS];
    uint8_t n = 0;
    char *w;
    int failed = 0;
    while (!failed && (w = strtok(NULL, " \t\r\n")) != NULL) {
      if (n == MAX_ARGS || (!is_call && n == 1)) {
        printf("err too many arguments\n");
        failed = 1;
        break;
      }
      mvm_Value v;
      if (make_arg(w, &v) != 0) {
        failed = 1;
        break;
      }
      mvm_initializeHandle(vm, &temp[n]);
      mvm_handleSet(&temp[n], v);
      n++;
    }
    mvm_Value args[MAX_ARGS];
    for (uint8_t i = 0; i < n; i++) args[i] = mvm_handleGet(&temp[i]);
    mvm_Value result = mvm_undefined;
    if (!failed && !is_call) {
      if (n != 1) {
        printf("err val needs one argument\n");
        failed = 1;
      } else {
        result = args[0];
      }
    }
    if (!failed && is_call) {
      mvm_Value func;
      mvm_TeError e = mvm_resolveExports(vm, &id, &func, 1);
      if (e == MVM_E_SUCCESS) e = mvm_call(vm, func, &result, args, n);
      if (e != MVM_E_SUCCESS) {
        printf("err call %u failed with error %d\n", (unsigned)id, (int)e);
        failed = 1;
      }
    }
    if (!failed) hold(h, result);
    for (uint8_t i = 0; i < n; i++) mvm_releaseHandle(vm, &temp[i]);
    if (!failed) answer_value(result);
    return;
  }
  if (strcmp(op, "drop") == 0) {
    int h = hold_number(strtok(NULL, " \t\r\n"));
    if (h < 0) {
      printf("err bad hold number\n");
      return;
    }
    release(h);
    printf("ok\n");
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
           "virtualHeapUsed=%zu virtualHeapHighWaterMark=%zu virtualHeapAllocatedCapacity=%zu\n",
           s.totalSize, s.fragmentCount, s.coreSize, s.importTableSize, s.globalVariablesSize, s.registersSize,
           s.stackHeight, s.stackAllocatedCapacity, s.stackHighWaterMark, s.virtualHeapUsed,
           s.virtualHeapHighWaterMark, s.virtualHeapAllocatedCapacity);
    return;
  }
  if (strcmp(op, "heap") == 0) {
    heap();
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
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    handle(line);
    fflush(stdout);
  }
  if (vm) {
    release_all();
    mvm_free(vm);
  }
  return 0;
}

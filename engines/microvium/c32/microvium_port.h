/*
 * memspec's port file for Microvium 8.0 (port interface version 1), for the 32-bit host program
 * engines/microvium/c32/host.c. Built with `gcc -m32` at test time; see engines/src/microvium/c32.rs.
 *
 * The settings follow the npm package's own N-API addon where a choice matters to the layout (256-byte
 * buckets, a maximum heap just under 64 KiB, safe mode), so the only difference left between the
 * `microvium-node` and `microvium-c32` subjects is the host's word size and the debug capability.
 */
#pragma once

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MVM_PORT_VERSION 1

/* A version-1 port must size the stack itself (the engine's default applies only without a version). */
#define MVM_STACK_SIZE 256

/* Bytes of data in each heap bucket. */
#define MVM_ALLOCATION_BUCKET_SIZE 256

/* The virtual heap is addressed with 16-bit offsets. */
#define MVM_MAX_HEAP_SIZE 0xFFFE

#define MVM_NATIVE_POINTER_IS_16_BIT 0
#define MVM_SUPPORT_FLOAT 1
#define MVM_FLOAT64 double
#define MVM_FLOAT64_NAN ((MVM_FLOAT64)NAN)
#define MVM_SAFE_MODE 1
#define MVM_DONT_TRUST_BYTECODE 1
#define MVM_VERY_EXPENSIVE_MEMORY_CHECKS 0
#define MVM_INCLUDE_SNAPSHOT_CAPABILITY 0
#define MVM_INCLUDE_DEBUG_CAPABILITY 0
#define MVM_USE_SINGLE_RAM_PAGE 0

/* Bytecode is read from ordinary RAM through plain pointers. */
#define MVM_LONG_PTR_TYPE void *
#define MVM_ALL_ERRORS_FATAL 0

/* Host memory comes from host.c, which can serve it from a never-reusing arena (see there). */
void *memspec_malloc(size_t size);
void memspec_free(void *p);
#define MVM_MALLOC(size) memspec_malloc(size)
#define MVM_FREE(p) memspec_free(p)

/* A fatal error ends the host with the engine's error code, which the Rust side reports. */
#define MVM_FATAL_ERROR(vm, e) (fprintf(stderr, "microvium fatal error %d\n", (int)(e)), exit(100 + (int)(e)))

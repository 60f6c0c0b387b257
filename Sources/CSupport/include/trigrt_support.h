/* Small C helpers of the runtime that must not be built for the x86-64-v3 baseline. */
#ifndef TRIGRT_SUPPORT_H
#define TRIGRT_SUPPORT_H

/* 1 if this CPU and OS support everything -march=x86-64-v3 code may use (AVX, AVX2, FMA, BMI1/2,
   F16C, LZCNT, MOVBE, and the OS saving ymm state), else 0. Compiled for baseline x86-64, so it
   can run before any AVX instruction is reached. */
int trigrtsupport_cpu_supports_v3(void);

/* Name of the first missing feature, or "" when trigrtsupport_cpu_supports_v3() is 1. */
const char *trigrtsupport_cpu_missing_feature(void);

/* Atomics for the misuse checks (inline, so Swift inlines them; no lock, no allocation). */
#include <stdint.h>

/* Sets *flag from 0 to 1 and returns 1, or returns 0 if it was not 0 (acquire). */
static inline int trigrtsupport_try_enter(int32_t *flag) {
  int32_t expected = 0;
  return __atomic_compare_exchange_n(flag, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Sets *flag to 0 (release). */
static inline void trigrtsupport_leave(int32_t *flag) { __atomic_store_n(flag, 0, __ATOMIC_RELEASE); }

/* Adds delta to *counter and returns the new value. */
static inline int64_t trigrtsupport_add(int64_t *counter, int64_t delta) {
  return __atomic_add_fetch(counter, delta, __ATOMIC_ACQ_REL);
}

static inline int64_t trigrtsupport_load(const int64_t *counter) { return __atomic_load_n(counter, __ATOMIC_ACQUIRE); }

static inline uint64_t trigrtsupport_load_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void trigrtsupport_store_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

#endif

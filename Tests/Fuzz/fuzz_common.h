/* Shared by the libFuzzer harnesses: everything a host would do with a model that loaded, done
 * with the fuzzer's bytes as input values, with the contract checked on every call.
 *
 * A broken contract aborts (a finding): a status outside the documented set, an error message
 * that is not NUL-terminated or empty, *out not NULL after a failure, an introspection answer
 * that does not add up, a run that is not deterministic, TRIGRT_E_INTERNAL. Crashes, traps,
 * hangs and sanitizer reports are findings by themselves. */
#ifndef TRIGRT_FUZZ_COMMON_H
#define TRIGRT_FUZZ_COMMON_H

#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigrt.h"

#define FUZZ_FAIL(...) do { fprintf(stderr, "FUZZ CONTRACT: " __VA_ARGS__); fprintf(stderr, "\n"); abort(); } while (0)

/* Largest session the harness creates (the library's caps are tested separately). */
#define FUZZ_MAX_ARENA ((size_t)64 << 20)
#define FUZZ_MAX_ELEMENTS ((size_t)1 << 20)

static inline void fuzz_check_error(trigrt_status st, const trigrt_error *err, const char *what) {
  if (st < TRIGRT_OK || st > 12) FUZZ_FAIL("%s: status %d is not a trigrt status", what, st);
  if (err->code != st) FUZZ_FAIL("%s: err.code %d != status %d", what, err->code, st);
  if (memchr(err->message, 0, sizeof err->message) == NULL) FUZZ_FAIL("%s: message not NUL-terminated", what);
  if (st != TRIGRT_OK && err->message[0] == 0) FUZZ_FAIL("%s: status %d with an empty message", what, st);
  if (st == TRIGRT_OK && err->message[0] != 0) FUZZ_FAIL("%s: OK with a message '%s'", what, err->message);
  if (st == TRIGRT_E_INTERNAL && !getenv("FUZZ_ALLOW_INTERNAL")) FUZZ_FAIL("%s: internal error: %s", what, err->message);
  if (strcmp(trigrt_status_string(st), "unknown status") == 0) FUZZ_FAIL("%s: status %d has no text", what, st);
}

/* The i-th input value drawn from the fuzzer's bytes: alternately raw float bit patterns (NaN,
 * infinities, subnormals, huge values) and small values on a 1/16 grid. */
static inline double fuzz_value(const uint8_t *data, size_t size, size_t i) {
  if (size == 0) return 0;
  size_t k = (i * 5) % size;
  uint8_t b = data[k];
  if ((i / 7) % 3 == 0) {
    uint32_t bits = 0;
    for (int j = 0; j < 4; j++) bits = bits << 8 | data[(k + (size_t)j) % size];
    float f;
    memcpy(&f, &bits, 4);
    return f;
  }
  return (double)(int8_t)b / 16.0;
}

/* Runs `batch` rows on `s` in float and f64; returns the status of the float run. */
static trigrt_status fuzz_run(trigrt_session *s, int32_t ni, int32_t no, float **xf, float **yf, double **xd, double **yd,
                              uint32_t batch) {
  trigrt_error err;
  trigrt_status st = trigrt_session_run(s, (const float *const *)xf, yf, batch, &err);
  fuzz_check_error(st, &err, "run");
  trigrt_status sd = trigrt_session_run_f64(s, (const double *const *)xd, yd, batch, &err);
  fuzz_check_error(sd, &err, "run_f64");
  if (st != sd) FUZZ_FAIL("run gives %d, run_f64 %d", st, sd);
  (void)ni; (void)no;
  return st;
}

/* Everything a host does with a loaded model. `fixed` is the mode it was loaded in. */
static void fuzz_exercise(trigrt_model *m, const uint8_t *data, size_t size, int fixed) {
  int32_t ni = trigrt_model_input_count(m), no = trigrt_model_output_count(m);
  if (ni < 1 || no < 1 || ni > 1024 || no > 1024) FUZZ_FAIL("input/output counts %d/%d", ni, no);
  if (trigrt_model_mode(m) != (fixed ? TRIGRT_MODE_FIXED : TRIGRT_MODE_FLOAT)) FUZZ_FAIL("mode");
  if (trigrt_model_input_size(m, ni) != 0 || trigrt_model_input_name(m, -1) != NULL || trigrt_model_output_shape(m, no, NULL, 0) != -1)
    FUZZ_FAIL("out-of-range index answered");
  size_t *isz = calloc((size_t)ni, sizeof *isz), *osz = calloc((size_t)no, sizeof *osz);
  size_t total = 0;
  for (int32_t i = 0; i < ni + no; i++) {
    int in = i < ni;
    int32_t k = in ? i : i - ni;
    size_t n = in ? trigrt_model_input_size(m, k) : trigrt_model_output_size(m, k);
    const char *name = in ? trigrt_model_input_name(m, k) : trigrt_model_output_name(m, k);
    if (!name) FUZZ_FAIL("no name for %s %d", in ? "input" : "output", k);
    (void)strlen(name);
    int64_t dims[16];
    int32_t rank = in ? trigrt_model_input_shape(m, k, dims, 16) : trigrt_model_output_shape(m, k, dims, 16);
    if (rank < 0) FUZZ_FAIL("rank %d", rank);
    size_t prod = 1;
    for (int32_t d = 0; d < rank && d < 16; d++) {
      if (dims[d] <= 0) FUZZ_FAIL("dimension %lld", (long long)dims[d]);
      prod *= (size_t)dims[d];
    }
    if (rank <= 16 && prod != n) FUZZ_FAIL("shape product %zu != size %zu", prod, n);
    if (n == 0) FUZZ_FAIL("%s %d has size 0", in ? "input" : "output", k);
    if (in) isz[k] = n; else osz[k] = n;
    total += n;
  }
  size_t arena1 = trigrt_model_arena_size(m, 1), arena2 = trigrt_model_arena_size(m, 2);
  if (arena2 < arena1) FUZZ_FAIL("arena for 2 (%zu) < arena for 1 (%zu)", arena2, arena1);
  if (trigrt_model_arena_size(m, 0) != 0) FUZZ_FAIL("arena for 0");
  if (arena2 > FUZZ_MAX_ARENA || total > FUZZ_MAX_ELEMENTS) { free(isz); free(osz); return; }

  trigrt_error err;
  trigrt_session *s = NULL, *s2 = NULL;
  trigrt_status st = trigrt_session_create(m, 2, &s, &err);
  fuzz_check_error(st, &err, "session_create");
  if (st != TRIGRT_OK) {
    if (s) FUZZ_FAIL("session set after failure");
    free(isz); free(osz); return;
  }
  float **xf = calloc((size_t)ni, sizeof *xf), **yf = calloc((size_t)no, sizeof *yf), **y1 = calloc((size_t)no, sizeof *y1);
  double **xd = calloc((size_t)ni, sizeof *xd), **yd = calloc((size_t)no, sizeof *yd);
  size_t v = 0;
  for (int32_t i = 0; i < ni; i++) {
    xf[i] = malloc(sizeof(float) * isz[i] * 2);    /* exact sizes: ASan sees any overrun */
    xd[i] = malloc(sizeof(double) * isz[i] * 2);
    for (size_t e = 0; e < isz[i] * 2; e++, v++) { xd[i][e] = fuzz_value(data, size, v); xf[i][e] = (float)xd[i][e]; }
  }
  for (int32_t j = 0; j < no; j++) {
    yf[j] = malloc(sizeof(float) * osz[j] * 2);
    y1[j] = malloc(sizeof(float) * osz[j] * 2);
    yd[j] = malloc(sizeof(double) * osz[j] * 2);
  }
  st = fuzz_run(s, ni, no, xf, yf, xd, yd, 1);
  if (st != TRIGRT_OK) FUZZ_FAIL("run of a valid session failed: %d", st);
  for (int32_t j = 0; j < no; j++) memcpy(y1[j], yf[j], sizeof(float) * osz[j]);
  if (fuzz_run(s, ni, no, xf, yf, xd, yd, 2) != TRIGRT_OK) FUZZ_FAIL("batch 2 failed");
  if (fuzz_run(s, ni, no, xf, yf, xd, yd, 0) != TRIGRT_E_BATCH) FUZZ_FAIL("batch 0 accepted");
  if (fuzz_run(s, ni, no, xf, yf, xd, yd, 3) != TRIGRT_E_BATCH) FUZZ_FAIL("batch 3 > max 2 accepted");
  /* Determinism: a second session that first runs the second row, then the first row, gives
     the first run's bits (no state survives a run; nothing reads memory it did not write). */
  st = trigrt_session_create(m, 1, &s2, &err);
  fuzz_check_error(st, &err, "session_create(1)");
  if (st == TRIGRT_OK) {
    float **x2 = calloc((size_t)ni, sizeof *x2);
    for (int32_t i = 0; i < ni; i++) x2[i] = xf[i] + isz[i];
    trigrt_status a = trigrt_session_run(s2, (const float *const *)x2, yf, 1, &err);
    trigrt_status b = trigrt_session_run(s2, (const float *const *)xf, yf, 1, &err);
    if (a != TRIGRT_OK || b != TRIGRT_OK) FUZZ_FAIL("second session failed");
    for (int32_t j = 0; j < no; j++)
      if (memcmp(y1[j], yf[j], sizeof(float) * osz[j]) != 0) FUZZ_FAIL("output %d differs between sessions (state leaks between runs)", j);
    free(x2);
    trigrt_session_destroy(s2);
  }
  if (fixed) {
    st = trigrt_session_set_report(s, 1, &err);
    fuzz_check_error(st, &err, "set_report");
    int32_t nr = trigrt_session_report_count(s);
    if ((st == TRIGRT_OK) != (nr > 0)) FUZZ_FAIL("set_report %d with %d report layers", st, nr);
    if (fuzz_run(s, ni, no, xf, yf, xd, yd, 2) != TRIGRT_OK) FUZZ_FAIL("observed run failed");
    if (trigrt_session_run(s, (const float *const *)xf, yf, 1, &err) != TRIGRT_OK) FUZZ_FAIL("observed run failed");
    for (int32_t j = 0; j < no; j++)   /* the observed kernels compute the same bits */
      if (memcmp(y1[j], yf[j], sizeof(float) * osz[j]) != 0) FUZZ_FAIL("observed run differs from the fast run at output %d", j);
    for (int32_t r = 0; r <= nr; r++) {
      trigrt_layer_report rep;
      memset(&rep, 0, sizeof rep);
      rep.struct_size = sizeof rep;
      st = trigrt_session_report(s, r, &rep, &err);
      fuzz_check_error(st, &err, "report");
      if ((st == TRIGRT_OK) != (r < nr)) FUZZ_FAIL("report %d of %d: %d", r, nr, st);
      if (st == TRIGRT_OK && (!rep.name || !rep.result_format)) FUZZ_FAIL("report without names");
    }
    trigrt_session_reset_report(s);
  }
  for (int32_t i = 0; i < ni; i++) { free(xf[i]); free(xd[i]); }
  for (int32_t j = 0; j < no; j++) { free(yf[j]); free(y1[j]); free(yd[j]); }
  free(xf); free(xd); free(yf); free(y1); free(yd); free(isz); free(osz);
  trigrt_session_destroy(s);
}

#endif

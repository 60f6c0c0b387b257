/* Allocation check: this program defines malloc & co. itself (the executable's definitions
 * interpose libc's for every shared library, libtrigrt.so and its static Swift runtime
 * included) and counts heap calls while armed. For each model it creates a session, arms the
 * counters, makes 10,000 batch-1 runs, 1,000 batch-max runs, 1,000 run_f64 calls and 1,000
 * failing runs (batch 0, NULL inputs) with an error struct, and requires 0 heap calls.
 * Usage: alloc_check MODEL...   (MODEL::CONFIG: fixed mode with that hls4ml precision config) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigrt.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static volatile int armed = 0;
static volatile long calls = 0;
#define COUNT() do { if (armed) calls++; } while (0)

void *malloc(size_t n) { COUNT(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { COUNT(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { COUNT(); return __libc_realloc(p, n); }
void free(void *p) { if (p) COUNT(); __libc_free(p); }
void *memalign(size_t a, size_t n) { COUNT(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { COUNT(); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
  COUNT();
  void *p = __libc_memalign(a, n);
  if (!p) return 12;
  *out = p;
  return 0;
}
void *valloc(size_t n) { COUNT(); return __libc_memalign(4096, n); }

int main(int argc, char **argv) {
  int failed = 0;
  /* the interposition is live: an armed malloc must be counted */
  armed = 1; calls = 0;
  void *probe = malloc(16);
  armed = 0;
  free(probe);
  if (calls != 1) { fprintf(stderr, "FAIL: malloc interposition is not active (%ld)\n", calls); return 1; }
  for (int a = 1; a < argc; a++) {
    trigrt_error err;
    trigrt_model *m = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s", argv[a]);
    trigrt_options opts;
    trigrt_options_init(&opts);
    char *sep = strstr(path, "::");
    if (sep) { *sep = 0; opts.mode = TRIGRT_MODE_FIXED; opts.precision_config = sep + 2; }
    if (trigrt_model_load_file(path, &opts, &m, &err) != TRIGRT_OK) { fprintf(stderr, "FAIL load %s: %s\n", argv[a], err.message); return 1; }
    const uint32_t maxb = 16;
    trigrt_session *s = NULL;
    if (trigrt_session_create(m, maxb, &s, &err) != TRIGRT_OK) { fprintf(stderr, "FAIL session: %s\n", err.message); return 1; }
    size_t nin = trigrt_model_input_size(m, 0), nout = trigrt_model_output_size(m, 0);
    float *x = malloc(sizeof(float) * nin * maxb), *y = malloc(sizeof(float) * nout * maxb);
    double *xd = malloc(sizeof(double) * nin * maxb), *yd = malloc(sizeof(double) * nout * maxb);
    for (size_t i = 0; i < nin * maxb; i++) { x[i] = (float)((i * 37 % 101) / 50.0 - 1.0); xd[i] = x[i]; }
    const float *in[1] = {x};
    float *out[1] = {y};
    const double *ind[1] = {xd};
    double *outd[1] = {yd};
    int bad = 0;
    calls = 0;
    armed = 1;   /* from the very first run on */
    for (int i = 0; i < 10000; i++) bad |= trigrt_session_run(s, in, out, 1, &err);
    for (int i = 0; i < 1000; i++) bad |= trigrt_session_run(s, in, out, maxb, &err);
    for (int i = 0; i < 1000; i++) bad |= trigrt_session_run_f64(s, ind, outd, 1 + i % maxb, &err);
    int errors = 0;
    for (int i = 0; i < 500; i++) errors += trigrt_session_run(s, in, out, 0, &err) == TRIGRT_E_BATCH;
    for (int i = 0; i < 500; i++) errors += trigrt_session_run(s, NULL, out, 1, &err) == TRIGRT_E_INVALID_ARGUMENT;
    armed = 0;
    long c = calls;
    printf("%s  %s: %ld heap calls in 12,000 runs + 1,000 failing runs\n", c == 0 && !bad && errors == 1000 ? "ok " : "FAIL", argv[a], c);
    if (c != 0 || bad || errors != 1000) failed = 1;
    free(x); free(y); free(xd); free(yd);
    trigrt_session_destroy(s);
    trigrt_model_destroy(m);
  }
  return failed;
}

/* trigrt's fixed mode next to hls4ml's compiled C simulation, in one process, interleaved.
 *
 *   bench_fixed CSIM.so MODEL.onnx CONFIG INPUTS.f64 ROWS N_IN N_OUT CYCLES
 *
 * CSIM.so is the library hls4ml's build_lib.sh made for the same model and config
 * (myproject_double: void f(double in[N_IN], double out[N_OUT])). Each cycle runs all ROWS
 * samples through csim and through trigrt (batch 1 via trigrt_session_run_f64, then one call of
 * batch 64 per 64 rows), alternating which goes first, each timed as a block; the medians over
 * cycles give µs per sample. The outputs of the two are compared bit for bit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trigrt.h"

typedef void (*top_fn)(double *, double *);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 9) { fprintf(stderr, "usage: %s CSIM.so MODEL CONFIG INPUTS.f64 ROWS N_IN N_OUT CYCLES\n", argv[0]); return 2; }
  long rows = atol(argv[5]), nin = atol(argv[6]), nout = atol(argv[7]);
  int cycles = atoi(argv[8]);
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
  top_fn csim = (top_fn)dlsym(lib, "myproject_double");
  if (!csim) { fprintf(stderr, "no myproject_double in %s\n", argv[1]); return 1; }
  double *x = malloc(sizeof(double) * rows * nin), *yc = malloc(sizeof(double) * rows * nout), *yt = malloc(sizeof(double) * rows * nout);
  double *yb = malloc(sizeof(double) * rows * nout);
  FILE *f = fopen(argv[4], "rb");
  if (!f || fread(x, sizeof(double), rows * nin, f) != (size_t)(rows * nin)) { fprintf(stderr, "cannot read %s\n", argv[4]); return 1; }
  fclose(f);
  trigrt_options o;
  TRIGRT_OPTIONS_INIT(&o);
  o.mode = TRIGRT_MODE_FIXED;
  o.precision_config = argv[3];
  trigrt_error err;
  trigrt_model *m;
  if (trigrt_model_load_file(argv[2], &o, &m, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
  trigrt_session *s1, *s64;
  trigrt_session_create(m, 1, &s1, &err);
  trigrt_session_create(m, 64, &s64, &err);
  double tmp[4096];
  csim(x, tmp);   /* the first call loads the weights and builds the tables */
  double *tc = malloc(sizeof(double) * cycles), *t1 = malloc(sizeof(double) * cycles), *tb = malloc(sizeof(double) * cycles);
  for (int c = 0; c < cycles; c++) {
    for (int v = 0; v < 3; v++) {
      int which = (v + c) % 3;
      double a = now();
      if (which == 0) {
        for (long r = 0; r < rows; r++) csim(x + r * nin, yc + r * nout);
        tc[c] = (now() - a) / rows * 1e6;
      } else if (which == 1) {
        for (long r = 0; r < rows; r++) {
          const double *in[1] = {x + r * nin};
          double *out[1] = {yt + r * nout};
          trigrt_session_run_f64(s1, in, out, 1, NULL);
        }
        t1[c] = (now() - a) / rows * 1e6;
      } else {
        for (long r = 0; r < rows; r += 64) {
          uint32_t b = (uint32_t)(rows - r < 64 ? rows - r : 64);
          const double *in[1] = {x + r * nin};
          double *out[1] = {yb + r * nout};
          trigrt_session_run_f64(s64, in, out, b, NULL);
        }
        tb[c] = (now() - a) / rows * 1e6;
      }
    }
  }
  long diff = 0, diffb = 0;
  for (long i = 0; i < rows * nout; i++) { diff += memcmp(&yc[i], &yt[i], 8) != 0; diffb += memcmp(&yc[i], &yb[i], 8) != 0; }
  qsort(tc, cycles, 8, cmp); qsort(t1, cycles, 8, cmp); qsort(tb, cycles, 8, cmp);
  double mc = tc[cycles / 2], m1 = t1[cycles / 2], mb = tb[cycles / 2];
  printf("{\"rows\": %ld, \"cycles\": %d, \"csim_us\": %.3f, \"trigrt_b1_us\": %.4f, \"trigrt_b64_us\": %.4f, "
         "\"speedup_b1\": %.1f, \"speedup_b64\": %.1f, \"differing_b1\": %ld, \"differing_b64\": %ld}\n",
         rows, cycles, mc, m1, mb, mc / m1, mc / mb, diff, diffb);
  return diff || diffb ? 1 : 0;
}

/* Calls to profile under valgrind --tool=callgrind --collect-atstart=no (instruction counts,
 * reproducible on a busy machine). Each mode makes warm-up calls, then collects exactly N batch-1
 * calls of one function (CALLGRIND_TOGGLE_COLLECT around them; no-ops outside valgrind):
 *   profile_run trigrt MODEL.onnx CONFIG|- float|fixed|fixed32 INPUTS.npy N
 *                                     (float: trigrt_session_run; fixed: _run_f64; fixed32: fixed mode
 *                                      through trigrt_session_run, float32 inputs and outputs)
 *   profile_run cnet NET.bin INPUTS.npy N                              (cnet_run: the plain C loop)
 *   profile_run csim LIB.so INPUTS.npy N                               (myproject_double: hls4ml csim) */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include "cnet.h"
#include "trigrt.h"
#include "../../Tests/Consumers/npy.h"

typedef void (*csim_fn)(double *, double *);

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: see the comment at the top of profile_run.c\n"); return 2; }
  const char *mode = argv[1];
  npy_array x;
  const char *inputs = strcmp(mode, "trigrt") == 0 ? argv[5] : argv[3];
  int n = atoi(strcmp(mode, "trigrt") == 0 ? argv[6] : argv[4]);
  if (npy_read(inputs, &x)) { fprintf(stderr, "cannot read %s\n", inputs); return 1; }
  size_t rows = x.rows < 64 ? x.rows : 64, nin = x.cols;
  float *xf = malloc(sizeof(float) * rows * nin);
  for (size_t i = 0; i < rows * nin; i++) xf[i] = (float)x.data[i];
  double yd[4096];
  float yf[4096];
  if (strcmp(mode, "trigrt") == 0) {
    trigrt_options o;
    TRIGRT_OPTIONS_INIT(&o);
    const int f64 = strcmp(argv[4], "fixed") == 0;
    o.mode = f64 || strcmp(argv[4], "fixed32") == 0 ? TRIGRT_MODE_FIXED : TRIGRT_MODE_FLOAT;
    o.precision_config = strcmp(argv[3], "-") ? argv[3] : NULL;
    trigrt_error err;
    trigrt_model *m;
    trigrt_session *s;
    if (trigrt_model_load_file(argv[2], &o, &m, &err) || trigrt_session_create(m, 1, &s, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
    for (int i = 0; i < n + 8; i++) {
      size_t r = (size_t)i % rows;
      if (i == 8) CALLGRIND_TOGGLE_COLLECT;
      if (f64) {
        const double *in[1] = {x.data + r * nin};
        double *out[1] = {yd};
        trigrt_session_run_f64(s, in, out, 1, NULL);
      } else {
        const float *in[1] = {xf + r * nin};
        float *out[1] = {yf};
        trigrt_session_run(s, in, out, 1, NULL);
      }
    }
  } else if (strcmp(mode, "cnet") == 0) {
    cnet *net = cnet_read(argv[2], 1);
    if (!net) return 1;
    for (int i = 0; i < n + 8; i++) {
      if (i == 8) CALLGRIND_TOGGLE_COLLECT;
      cnet_run(net, xf + ((size_t)i % rows) * nin, yf);
    }
  } else if (strcmp(mode, "csim") == 0) {
    void *lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    csim_fn f = lib ? (csim_fn)dlsym(lib, "myproject_double") : NULL;
    if (!f) { fprintf(stderr, "no myproject_double in %s\n", argv[2]); return 1; }
    for (int i = 0; i < n + 2; i++) {
      if (i == 2) CALLGRIND_TOGGLE_COLLECT;
      f(x.data + ((size_t)i % rows) * nin, yd);
    }
  } else {
    return 2;
  }
  CALLGRIND_TOGGLE_COLLECT;
  printf("%d\n", n);
  return 0;
}

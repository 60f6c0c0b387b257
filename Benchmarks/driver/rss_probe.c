/* Peak resident memory of a process that uses trigrt the way a framework does, and nothing else:
 * load the model, create a batch-1 and a batch-256 session, run 20,000 batch-1 calls and 20
 * batch-256 calls. Prints JSON: the peak RSS (VmHWM) before the model is loaded (the process with
 * libtrigrt.so mapped) and at the end, in KiB.
 * Usage: rss_probe MODEL.onnx [PRECISION_CONFIG | -] [fixed] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigrt.h"

static long hwm_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) v = atol(line + 6);
  if (f) fclose(f);
  return v;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s MODEL [CONFIG|-] [fixed]\n", argv[0]); return 2; }
  long before = hwm_kb();
  trigrt_options o;
  TRIGRT_OPTIONS_INIT(&o);
  o.mode = argc > 3 && strcmp(argv[3], "fixed") == 0 ? TRIGRT_MODE_FIXED : TRIGRT_MODE_FLOAT;
  o.precision_config = argc > 2 && strcmp(argv[2], "-") != 0 ? argv[2] : NULL;
  trigrt_error err;
  trigrt_model *m;
  if (trigrt_model_load_file(argv[1], &o, &m, &err) != TRIGRT_OK) { fprintf(stderr, "%s\n", err.message); return 1; }
  trigrt_session *s1, *sb;
  if (trigrt_session_create(m, 1, &s1, &err) || trigrt_session_create(m, 256, &sb, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
  size_t nin = trigrt_model_input_size(m, 0), nout = trigrt_model_output_size(m, 0);
  double *x = malloc(sizeof(double) * nin * 256), *y = malloc(sizeof(double) * nout * 256);
  for (size_t i = 0; i < nin * 256; i++) x[i] = (double)((i * 37) % 101) / 50.0 - 1.0;
  const double *in[1] = {x};
  double *out[1] = {y};
  for (int i = 0; i < 20000; i++) trigrt_session_run_f64(s1, in, out, 1, NULL);
  for (int i = 0; i < 20; i++) trigrt_session_run_f64(sb, in, out, 256, NULL);
  printf("{\"baseline_kb\": %ld, \"peak_kb\": %ld}\n", before, hwm_kb());
  trigrt_session_destroy(s1);
  trigrt_session_destroy(sb);
  trigrt_model_destroy(m);
  free(x);
  free(y);
  return 0;
}

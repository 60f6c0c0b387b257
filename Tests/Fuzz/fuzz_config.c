/* libFuzzer harness: fixed-mode loading with an arbitrary precision config. The first byte picks
 * one of the firmware-sim models (read once from FUZZ_MODELS, a ':'-separated list of paths, or
 * from the repository beside this file); the rest is the config text (YAML or JSON), written to
 * a private file because trigrt_options.precision_config is a path. A model that loads is
 * exercised like every other (fuzz_common.h). Seeds: firmware-sim/configs. */
#define _GNU_SOURCE
#include <unistd.h>

#include "fuzz_common.h"

#define MAX_MODELS 16
static uint8_t *models[MAX_MODELS];
static size_t model_sizes[MAX_MODELS];
static int nmodels;
static char config_path[256];

static void read_models(void) {
  const char *list = getenv("FUZZ_MODELS");
  if (!list) { fprintf(stderr, "fuzz_config: set FUZZ_MODELS=a.onnx:b.onnx:...\n"); exit(2); }
  char *copy = strdup(list);
  for (char *p = strtok(copy, ":"); p && nmodels < MAX_MODELS; p = strtok(NULL, ":")) {
    FILE *f = fopen(p, "rb");
    if (!f) { fprintf(stderr, "fuzz_config: cannot open %s\n", p); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    models[nmodels] = malloc((size_t)n);
    if (fread(models[nmodels], 1, (size_t)n, f) != (size_t)n) exit(2);
    model_sizes[nmodels++] = (size_t)n;
    fclose(f);
  }
  free(copy);
  const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(config_path, sizeof config_path, "%s/trigrt-fuzz-config-%d.yml", dir, (int)getpid());
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  read_models();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int k = data[0] % nmodels;
  FILE *f = fopen(config_path, "wb");
  if (!f) abort();
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  trigrt_options o;
  TRIGRT_OPTIONS_INIT(&o);
  o.mode = TRIGRT_MODE_FIXED;
  o.precision_config = config_path;
#ifdef TRIGRT_OPTIONS_HAVE_LIMITS
  o.max_weight_bytes = (uint64_t)64 << 20;
  o.max_arena_bytes = (uint64_t)64 << 20;
#endif
  trigrt_model *m = NULL;
  trigrt_error err;
  trigrt_status st = trigrt_model_load_memory(models[k], model_sizes[k], &o, &m, &err);
  fuzz_check_error(st, &err, "load_memory with a config");
  if (st != TRIGRT_OK) {
    if (m) FUZZ_FAIL("*out not NULL after a failed load");
    /* the model is valid and the file readable: the config is to blame, never the model */
    if (st == TRIGRT_E_MALFORMED || st == TRIGRT_E_IO || st == TRIGRT_E_INVALID_ARGUMENT)
      FUZZ_FAIL("a config gave status %d: %s", st, err.message);
    return 0;
  }
  fuzz_exercise(m, data, size, 1);
  trigrt_model_destroy(m);
  return 0;
}

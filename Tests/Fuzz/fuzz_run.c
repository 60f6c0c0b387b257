/* libFuzzer harness: run and run_f64 with arbitrary input values (every bit pattern: NaN,
 * ±inf, subnormals, huge values) and batch sizes on the zoo in float mode and in fixed mode
 * (hls4ml configs, QONNX). The models are loaded once (FUZZ_RUN_MODELS: entries
 * MODEL[@CONFIG|@fixed], ':'-separated). Input: byte 0 picks the model, byte 1 the batch
 * (0..max_batch+1), then the raw values (float32 or float64 bit patterns, byte 2 says which),
 * cycled to fill the inputs. Checked: the documented statuses, outputs untouched on failure,
 * determinism (the same row gives the same bits alone and inside a batch), fixed-mode outputs
 * finite (NaN and ±inf convert as ap_fixed does; a fixed result is never NaN). */
#include "fuzz_common.h"

#define MAX_MODELS 32
#define MAXB 4
typedef struct { trigrt_model *m; trigrt_session *s; int fixed; int all_fixed; int32_t ni, no; size_t isz[8], osz[8]; } entry;
static entry models[MAX_MODELS];
static int nmodels;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  const char *list = getenv("FUZZ_RUN_MODELS");
  if (!list) { fprintf(stderr, "fuzz_run: set FUZZ_RUN_MODELS=a.onnx:b.onnx@cfg.yml:c.onnx@fixed...\n"); exit(2); }
  char *copy = strdup(list);
  for (char *p = strtok(copy, ":"); p && nmodels < MAX_MODELS; p = strtok(NULL, ":")) {
    char *at = strchr(p, '@');
    trigrt_options o;
    TRIGRT_OPTIONS_INIT(&o);
    entry *e = &models[nmodels];
    if (at) {
      *at = 0;
      o.mode = TRIGRT_MODE_FIXED;
      e->fixed = 1;
      if (strcmp(at + 1, "fixed") != 0) { o.precision_config = at + 1; e->all_fixed = 1; }
    }
    trigrt_error err;
    if (trigrt_model_load_file(p, &o, &e->m, &err) != TRIGRT_OK) { fprintf(stderr, "fuzz_run: %s: %s\n", p, err.message); exit(2); }
    if (trigrt_session_create(e->m, MAXB, &e->s, &err) != TRIGRT_OK) { fprintf(stderr, "fuzz_run: %s\n", err.message); exit(2); }
    e->ni = trigrt_model_input_count(e->m);
    e->no = trigrt_model_output_count(e->m);
    if (e->ni > 8 || e->no > 8) exit(2);
    for (int i = 0; i < e->ni; i++) e->isz[i] = trigrt_model_input_size(e->m, i);
    for (int j = 0; j < e->no; j++) e->osz[j] = trigrt_model_output_size(e->m, j);
    nmodels++;
  }
  free(copy);
  return 0;
}

static double value(const uint8_t *v, size_t n, size_t i, int f64) {
  if (n == 0) return 0;
  size_t w = f64 ? 8 : 4;
  size_t count = n / w ? n / w : 1;
  size_t k = (i % count) * w;
  uint8_t b[8] = {0};
  for (size_t j = 0; j < w; j++) b[j] = v[(k + j) % n];
  if (f64) { double d; memcpy(&d, b, 8); return d; }
  float f; memcpy(&f, b, 4); return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  entry *e = &models[data[0] % nmodels];
  uint32_t batch = data[1] % (MAXB + 2);
  int f64 = data[2] & 1;
  const uint8_t *v = data + 3;
  size_t n = size - 3;
  float *xf[8], *yf[8], *yb[8];
  double *xd[8], *yd[8];
  size_t idx = 0;
  for (int i = 0; i < e->ni; i++) {
    size_t c = e->isz[i] * MAXB;
    xf[i] = malloc(sizeof(float) * c);
    xd[i] = malloc(sizeof(double) * c);
    for (size_t k = 0; k < c; k++, idx++) { xd[i][k] = value(v, n, idx, f64); xf[i][k] = (float)xd[i][k]; }
  }
  for (int j = 0; j < e->no; j++) {
    size_t c = e->osz[j] * MAXB;
    yf[j] = malloc(sizeof(float) * c); yb[j] = malloc(sizeof(float) * c); yd[j] = malloc(sizeof(double) * c);
    memset(yf[j], 0xA5, sizeof(float) * c);
    memset(yd[j], 0xA5, sizeof(double) * c);
  }
  trigrt_error err;
  trigrt_status st = trigrt_session_run(e->s, (const float *const *)xf, yf, batch, &err);
  fuzz_check_error(st, &err, "run");
  trigrt_status sd = trigrt_session_run_f64(e->s, (const double *const *)xd, yd, batch, &err);
  fuzz_check_error(sd, &err, "run_f64");
  int ok = batch >= 1 && batch <= MAXB;
  if ((st == TRIGRT_OK) != ok || (sd == TRIGRT_OK) != ok) FUZZ_FAIL("batch %u: statuses %d/%d", batch, st, sd);
  if (!ok) {
    if (st != TRIGRT_E_BATCH || sd != TRIGRT_E_BATCH) FUZZ_FAIL("batch %u: %d/%d, expected TRIGRT_E_BATCH", batch, st, sd);
    for (int j = 0; j < e->no; j++)
      for (size_t k = 0; k < e->osz[j] * MAXB; k++) {
        uint32_t bits; memcpy(&bits, &yf[j][k], 4);
        if (bits != 0xA5A5A5A5u) FUZZ_FAIL("a failed run wrote its outputs");
      }
  } else {
    for (int j = 0; j < e->no; j++)
      for (size_t k = 0; k < e->osz[j] * batch; k++) {
        if (e->all_fixed && !isfinite(yd[j][k])) FUZZ_FAIL("fixed output %d[%zu] is %g", j, k, yd[j][k]);
        if (e->all_fixed && !f64 && (double)yf[j][k] != (double)(float)yd[j][k]) FUZZ_FAIL("run and run_f64 disagree in fixed mode");
      }
    /* each row alone gives what it gave inside the batch: the same bits in fixed mode; in
       float mode (batched kernels sum in another order) the same within rounding, checked
       where the inputs are moderate so that no order overflows */
    int moderate = 1;
    for (int i = 0; i < e->ni; i++)
      for (size_t k = 0; k < e->isz[i] * batch; k++) if (!(fabsf(xf[i][k]) <= 1e3f)) moderate = 0;
    for (uint32_t r = 0; r < batch; r++) {
      const float *x1[8];
      float *y1[8];
      for (int i = 0; i < e->ni; i++) x1[i] = xf[i] + r * e->isz[i];
      for (int j = 0; j < e->no; j++) y1[j] = yb[j];
      if (trigrt_session_run(e->s, x1, y1, 1, &err) != TRIGRT_OK) FUZZ_FAIL("batch-1 run failed");
      for (int j = 0; j < e->no; j++) {
        if (e->all_fixed) {
          if (memcmp(yb[j], yf[j] + r * e->osz[j], sizeof(float) * e->osz[j]) != 0) FUZZ_FAIL("row %u differs alone and in a batch of %u", r, batch);
        } else if (moderate) {
          for (size_t k = 0; k < e->osz[j]; k++) {
            float a = yb[j][k], b = yf[j][r * e->osz[j] + k];
            if (isnan(a) != isnan(b) || (!isnan(a) && fabsf(a - b) > 1e-4f * (1 + fabsf(a))))
              FUZZ_FAIL("row %u output %d[%zu]: %g alone, %g in a batch of %u", r, j, k, a, b, batch);
          }
        }
      }
    }
  }
  for (int i = 0; i < e->ni; i++) { free(xf[i]); free(xd[i]); }
  for (int j = 0; j < e->no; j++) { free(yf[j]); free(yb[j]); free(yd[j]); }
  return 0;
}

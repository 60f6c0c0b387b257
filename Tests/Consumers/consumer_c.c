/* C consumer test: built against the installed include/ and lib/ only. For each model
 * (MODEL INPUTS.npy GOLDENS.npy triples): loads it, checks the introspection calls, runs every
 * row at batch 1 and at batch 7 (float and f64) and compares with the goldens; then checks the
 * documented statuses for bad input and NULL pointers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigrt.h"
#include "npy.h"

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } } while (0)

static void check_model(const char *path, const char *inputs, const char *goldens, double atol) {
  trigrt_error err;
  trigrt_model *m = NULL;
  trigrt_status st = trigrt_model_load_file(path, NULL, &m, &err);
  CHECK(st == TRIGRT_OK && m, "load %s: %s", path, err.message);
  if (!m) return;
  CHECK(err.code == TRIGRT_OK && err.message[0] == 0, "err not cleared on success");
  CHECK(trigrt_model_input_count(m) == 1 && trigrt_model_output_count(m) == 1, "counts");
  CHECK(trigrt_model_mode(m) == TRIGRT_MODE_FLOAT, "mode");
  npy_array x, y;
  CHECK(npy_read(inputs, &x) == 0 && npy_read(goldens, &y) == 0, "read npy");
  size_t nin = trigrt_model_input_size(m, 0), nout = trigrt_model_output_size(m, 0);
  CHECK(nin == x.cols && nout == y.cols, "sizes %zu/%zu vs npy %zu/%zu", nin, nout, x.cols, y.cols);
  CHECK(trigrt_model_input_name(m, 0) && trigrt_model_output_name(m, 0), "names");
  CHECK(trigrt_model_input_name(m, 1) == NULL && trigrt_model_input_size(m, -1) == 0, "out-of-range index");
  int64_t dims[8];
  int32_t rank = trigrt_model_input_shape(m, 0, dims, 8);
  size_t prod = 1;
  for (int i = 0; i < rank; i++) prod *= (size_t)dims[i];
  CHECK(rank >= 1 && prod == nin, "input shape");
  trigrt_session *s = NULL;
  CHECK(trigrt_session_create(m, 7, &s, &err) == TRIGRT_OK && s, "session: %s", err.message);
  CHECK(trigrt_session_max_batch(s) == 7, "max_batch");
  float *xf = malloc(sizeof(float) * nin * 7), *yf = malloc(sizeof(float) * nout * 7);
  double *xd = malloc(sizeof(double) * nin * 7), *yd = malloc(sizeof(double) * nout * 7);
  double worst = 0;
  for (size_t r = 0; r < x.rows; r += 7) {
    uint32_t b = (uint32_t)((x.rows - r) < 7 ? (x.rows - r) : 7);
    for (size_t i = 0; i < b * nin; i++) { xf[i] = (float)x.data[r * nin + i]; xd[i] = x.data[r * nin + i]; }
    const float *in[1] = {xf};
    float *out[1] = {yf};
    CHECK(trigrt_session_run(s, in, out, b, &err) == TRIGRT_OK, "run: %s", err.message);
    const double *ind[1] = {xd};
    double *outd[1] = {yd};
    CHECK(trigrt_session_run_f64(s, ind, outd, b, &err) == TRIGRT_OK, "run_f64: %s", err.message);
    for (size_t i = 0; i < b * nout; i++) {
      double g = y.data[r * nout + i];
      double d = fabs((double)yf[i] - g);
      if (d > worst) worst = d;
      CHECK((double)yf[i] == yd[i], "f32 and f64 runs differ at row %zu", r);
    }
    /* batch 1 gives the same as the batched call, row by row */
    for (uint32_t k = 0; k < b; k++) {
      float one[4096];
      const float *in1[1] = {xf + k * nin};
      float *out1[1] = {one};
      CHECK(trigrt_session_run(s, in1, out1, 1, &err) == TRIGRT_OK, "run b1");
      for (size_t i = 0; i < nout; i++) CHECK(fabs(one[i] - yf[k * nout + i]) <= 1e-6, "batch-1 vs batched differ");
    }
  }
  CHECK(worst <= atol, "%s: max |diff| %g > %g", path, worst, atol);
  printf("ok  %s: %zu rows, max |diff| vs goldens %.3g\n", path, x.rows, worst);
  /* run errors: statuses, messages, outputs untouched */
  const float *in[1] = {xf};
  float *out[1] = {yf};
  CHECK(trigrt_session_run(s, in, out, 0, &err) == TRIGRT_E_BATCH && strstr(err.message, "batch 0"), "batch 0: %s", err.message);
  CHECK(trigrt_session_run(s, in, out, 8, &err) == TRIGRT_E_BATCH && strstr(err.message, "max_batch (7)"), "batch 8: %s", err.message);
  CHECK(trigrt_session_run(s, NULL, out, 1, &err) == TRIGRT_E_INVALID_ARGUMENT && strstr(err.message, "inputs is NULL"), "NULL inputs");
  CHECK(trigrt_session_run(s, in, NULL, 1, &err) == TRIGRT_E_INVALID_ARGUMENT, "NULL outputs");
  const float *nullin[1] = {NULL};
  CHECK(trigrt_session_run(s, nullin, out, 1, &err) == TRIGRT_E_INVALID_ARGUMENT && strstr(err.message, "inputs[0] is NULL"), "NULL input element: %s", err.message);
  float *nullout[1] = {NULL};
  CHECK(trigrt_session_run(s, in, nullout, 1, NULL) == TRIGRT_E_INVALID_ARGUMENT, "NULL output element, NULL err");
  CHECK(trigrt_session_run(NULL, in, out, 1, &err) == TRIGRT_E_INVALID_ARGUMENT, "NULL session");
  CHECK(trigrt_session_run_f64(NULL, NULL, NULL, 1, &err) == TRIGRT_E_INVALID_ARGUMENT, "NULL session f64");
  /* NaN and infinity propagate */
  for (size_t i = 0; i < nin; i++) xf[i] = NAN;
  CHECK(trigrt_session_run(s, in, out, 1, &err) == TRIGRT_OK, "NaN run");
  CHECK(isnan(yf[0]), "NaN input gives NaN output (got %g)", yf[0]);
  trigrt_session_destroy(s);
  trigrt_model_destroy(m);
  free(xf); free(yf); free(xd); free(yd); free(x.data); free(y.data);
}

static void check_bad_inputs(const char *dir) {
  trigrt_error err;
  trigrt_model *m = (trigrt_model *)1;
  char p[4096];
  struct { const char *file; trigrt_status code; const char *needle; } cases[] = {
    {"missing.onnx", TRIGRT_E_IO, "cannot open"},
    {"empty.onnx", TRIGRT_E_MALFORMED, "empty"},
    {"truncated.onnx", TRIGRT_E_MALFORMED, "not a valid ONNX model"},
    {"random.onnx", TRIGRT_E_MALFORMED, ""},
    {"unsupported_op.onnx", TRIGRT_E_UNSUPPORTED, "unsupported operator 'TopK'"},
    {"no_shape.onnx", TRIGRT_E_SHAPE, "has no shape"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, cases[i].file);
    m = (trigrt_model *)1;
    trigrt_status st = trigrt_model_load_file(p, NULL, &m, &err);
    CHECK(st == cases[i].code && err.code == st && m == NULL && strstr(err.message, cases[i].needle),
          "%s: status %d (%s), message '%s'", cases[i].file, st, trigrt_status_string(st), err.message);
    printf("ok  %-20s -> %s: %s\n", cases[i].file, trigrt_status_string(st), err.message);
  }
  /* NULL pointers everywhere */
  CHECK(trigrt_model_load_file(NULL, NULL, &m, &err) == TRIGRT_E_INVALID_ARGUMENT && m == NULL, "NULL path");
  CHECK(trigrt_model_load_file("x", NULL, NULL, &err) == TRIGRT_E_INVALID_ARGUMENT, "NULL out");
  CHECK(trigrt_model_load_memory(NULL, 10, NULL, &m, &err) == TRIGRT_E_INVALID_ARGUMENT, "NULL data");
  CHECK(trigrt_model_load_memory("abc", 0, NULL, &m, NULL) == TRIGRT_E_MALFORMED, "zero bytes, NULL err");
  CHECK(trigrt_model_load_memory("\x08\x07garbage", 9, NULL, &m, &err) == TRIGRT_E_MALFORMED, "garbage bytes: %s", err.message);
  trigrt_options o;
  trigrt_options_init(&o);
  trigrt_options_init(NULL);
  CHECK(o.struct_size == sizeof o && o.mode == TRIGRT_MODE_FLOAT && o.precision_config == NULL, "options_init");
  /* options_init never writes past the version-1 fields: a canary after a v1-sized struct survives */
  unsigned char buf[64];
  memset(buf, 0xA5, sizeof buf);
  trigrt_options_init((trigrt_options *)buf);
  CHECK(buf[16] == 0xA5 && buf[63] == 0xA5, "options_init wrote past the version-1 fields");
  trigrt_options o2;
  memset(&o2, 0xA5, sizeof o2);
  TRIGRT_OPTIONS_INIT(&o2);
  CHECK(o2.struct_size == sizeof o2 && o2.mode == TRIGRT_MODE_FLOAT && o2.precision_config == NULL, "TRIGRT_OPTIONS_INIT");
  o.struct_size = 0;
  snprintf(p, sizeof p, "%s/missing.onnx", dir);
  CHECK(trigrt_model_load_file(p, &o, &m, &err) == TRIGRT_E_INVALID_ARGUMENT && strstr(err.message, "struct_size"), "bad struct_size: %s", err.message);
  trigrt_options_init(&o);
  o.mode = 7;
  CHECK(trigrt_model_load_file(p, &o, &m, &err) == TRIGRT_E_INVALID_ARGUMENT && strstr(err.message, "mode"), "bad mode");
  trigrt_session *s = (trigrt_session *)1;
  CHECK(trigrt_session_create(NULL, 1, &s, &err) == TRIGRT_E_INVALID_ARGUMENT && s == NULL, "NULL model");
  CHECK(trigrt_session_create(NULL, 1, NULL, &err) == TRIGRT_E_INVALID_ARGUMENT, "NULL session out");
  CHECK(trigrt_model_input_count(NULL) == -1 && trigrt_model_output_count(NULL) == -1, "NULL counts");
  CHECK(trigrt_model_input_size(NULL, 0) == 0 && trigrt_model_output_size(NULL, 0) == 0, "NULL sizes");
  CHECK(trigrt_model_input_name(NULL, 0) == NULL && trigrt_model_output_name(NULL, 0) == NULL, "NULL names");
  CHECK(trigrt_model_input_shape(NULL, 0, NULL, 0) == -1 && trigrt_model_mode(NULL) == -1, "NULL shape/mode");
  CHECK(trigrt_model_arena_size(NULL, 1) == 0 && trigrt_session_max_batch(NULL) == 0, "NULL arena/max_batch");
  trigrt_model_destroy(NULL);
  trigrt_session_destroy(NULL);
  CHECK(strcmp(trigrt_status_string(TRIGRT_OK), "ok") == 0 && trigrt_status_string(9999) != NULL, "status strings");
  CHECK(trigrt_abi_version() == TRIGRT_ABI_VERSION && trigrt_version_number() == TRIGRT_VERSION_NUMBER, "versions");
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s BADDIR [MODEL INPUTS GOLDENS]...\n", argv[0]); return 2; }
  check_bad_inputs(argv[1]);
  for (int i = 2; i + 2 < argc; i += 3) check_model(argv[i], argv[i + 1], argv[i + 2], 1e-5);
  if (failures) { fprintf(stderr, "%d failures\n", failures); return 1; }
  printf("consumer_c: all checks passed\n");
  return 0;
}

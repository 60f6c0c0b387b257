/* classify.c — trigrt from plain C, built with pkg-config against an installed tree:
 *
 *   PKG_CONFIG_PATH=DIR/lib/pkgconfig cc -std=c11 classify.c $(pkg-config --cflags --libs trigrt) -o classify
 *   ./classify MODEL INPUTS.npy REFERENCE.npy [ATOL]
 *
 * Loads the model, runs every row of INPUTS.npy (float32 rows, C order) through one session in
 * batches of up to 64, and compares the outputs with REFERENCE.npy within ATOL (default 1e-5).
 * Exit status 0 when all match, 1 on a mismatch, 2 on an error (the library's message printed).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trigrt.h>

/* A little-endian float32 .npy file in C order, as rows x cols floats (cols: the product of the
   dimensions after the first). Returns NULL (with a message) on anything else. */
static float *read_npy_f32(const char *path, size_t *rows, size_t *cols) {
  FILE *f = fopen(path, "rb");
  unsigned char pre[10];
  if (!f || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) {
    fprintf(stderr, "%s: not a version-1 .npy file\n", path);
    if (f) fclose(f);
    return NULL;
  }
  size_t hl = (size_t)pre[8] | ((size_t)pre[9] << 8);
  char *h = calloc(hl + 1, 1);
  float *data = NULL;
  if (!h || fread(h, 1, hl, f) != hl || !strstr(h, "'<f4'") || strstr(h, "'fortran_order': True") || !strstr(h, "'shape': (")) {
    fprintf(stderr, "%s: expected float32 ('<f4') in C order\n", path);
    goto done;
  }
  char *s = strstr(h, "'shape': (") + 10;
  *rows = 1;
  *cols = 1;
  for (int d = 0; *s && *s != ')';) {
    if (*s == ' ' || *s == ',') { s++; continue; }
    size_t n = strtoull(s, &s, 10);
    if (d++ == 0) *rows = n; else *cols *= n;
  }
  data = malloc(sizeof(float) * (*rows * *cols + 1));
  if (data && fread(data, sizeof(float), *rows * *cols, f) != *rows * *cols) {
    fprintf(stderr, "%s: truncated\n", path);
    free(data);
    data = NULL;
  }
done:
  free(h);
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s MODEL INPUTS.npy REFERENCE.npy [ATOL]\n", argv[0]);
    return 2;
  }
  double atol = argc > 4 ? atof(argv[4]) : 1e-5;
  if (trigrt_version_number() / 1000000 != TRIGRT_VERSION_MAJOR || trigrt_abi_version() != TRIGRT_ABI_VERSION) {
    fprintf(stderr, "libtrigrt %u (ABI %u) does not match trigrt.h %s (ABI %d)\n", trigrt_version_number(),
            trigrt_abi_version(), TRIGRT_VERSION, TRIGRT_ABI_VERSION);
    return 2;
  }

  trigrt_error err;
  trigrt_model *model = NULL;
  if (trigrt_model_load_file(argv[1], NULL, &model, &err) != TRIGRT_OK) {
    fprintf(stderr, "%s: %s [%s]\n", argv[1], err.message, trigrt_status_string(err.code));
    return 2;
  }
  if (trigrt_model_input_count(model) != 1 || trigrt_model_output_count(model) != 1) {
    fprintf(stderr, "%s: this example handles one input and one output\n", argv[1]);
    trigrt_model_destroy(model);
    return 2;
  }
  size_t in_size = trigrt_model_input_size(model, 0), out_size = trigrt_model_output_size(model, 0);
  size_t rows, cols, ref_rows, ref_cols;
  float *x = read_npy_f32(argv[2], &rows, &cols);
  float *ref = read_npy_f32(argv[3], &ref_rows, &ref_cols);
  int status = 2;
  trigrt_session *session = NULL;
  float *y = NULL;
  if (!x || !ref) goto out;
  if (cols != in_size || ref_cols != out_size || ref_rows != rows) {
    fprintf(stderr, "shapes: inputs %zux%zu, reference %zux%zu; the model takes %zu and gives %zu values\n", rows, cols,
            ref_rows, ref_cols, in_size, out_size);
    goto out;
  }
  const uint32_t max_batch = 64;
  if (trigrt_session_create(model, max_batch, &session, &err) != TRIGRT_OK) {
    fprintf(stderr, "session: %s\n", err.message);
    goto out;
  }
  y = malloc(sizeof(float) * (rows * out_size + 1));
  for (size_t r = 0; r < rows; r += max_batch) {
    uint32_t n = (uint32_t)(rows - r < max_batch ? rows - r : max_batch);
    const float *in[1] = {x + r * in_size};
    float *out[1] = {y + r * out_size};
    if (trigrt_session_run(session, in, out, n, &err) != TRIGRT_OK) {
      fprintf(stderr, "run: %s\n", err.message);
      goto out;
    }
  }
  size_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < rows * out_size; i++) {
    double d = fabs((double)y[i] - (double)ref[i]);
    if (!(d <= atol)) bad++;
    if (d > worst) worst = d;
  }
  printf("%s  %s: %zu rows, max |diff| %.3g (atol %g), %zu mismatches [C, pkg-config, trigrt %s]\n", bad ? "FAIL" : "ok  ",
         argv[1], rows, worst, atol, bad, TRIGRT_VERSION);
  status = bad ? 1 : 0;
out:
  free(y);
  free(x);
  free(ref);
  trigrt_session_destroy(session);
  trigrt_model_destroy(model);
  return status;
}

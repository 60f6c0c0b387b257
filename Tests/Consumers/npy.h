/* Minimal .npy reader for the consumer tests: little-endian float32 / float64, C order. */
#ifndef TRIGRT_TEST_NPY_H
#define TRIGRT_TEST_NPY_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { size_t rows, cols; double *data; } npy_array;   /* cols = product of dims after the first */

static int npy_read(const char *path, npy_array *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  unsigned char pre[12];
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) { fclose(f); return -1; }
  size_t hl;
  if (pre[6] == 1) hl = pre[8] | (pre[9] << 8);
  else { if (fread(pre + 10, 1, 2, f) != 2) { fclose(f); return -1; } hl = pre[8] | (pre[9] << 8) | (pre[10] << 16) | ((size_t)pre[11] << 24); }
  char *h = (char *)calloc(hl + 1, 1);
  if (fread(h, 1, hl, f) != hl) { free(h); fclose(f); return -1; }
  int f4 = strstr(h, "'<f4'") != NULL, f8 = strstr(h, "'<f8'") != NULL;
  char *s = strstr(h, "'shape': (");
  if ((!f4 && !f8) || !s) { free(h); fclose(f); return -1; }
  s += 10;
  size_t dims[8], nd = 0;
  while (*s && *s != ')' && nd < 8) {
    while (*s == ' ' || *s == ',') s++;
    if (*s == ')') break;
    dims[nd++] = strtoul(s, &s, 10);
  }
  free(h);
  out->rows = nd ? dims[0] : 1;
  out->cols = 1;
  for (size_t i = 1; i < nd; i++) out->cols *= dims[i];
  size_t n = out->rows * out->cols;
  out->data = (double *)malloc(sizeof(double) * (n ? n : 1));
  for (size_t i = 0; i < n; i++) {
    if (f4) { float v; if (fread(&v, 4, 1, f) != 1) { fclose(f); return -1; } out->data[i] = v; }
    else { double v; if (fread(&v, 8, 1, f) != 1) { fclose(f); return -1; } out->data[i] = v; }
  }
  fclose(f);
  return 0;
}
#endif

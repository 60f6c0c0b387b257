/* See cnet.h. */
#include "cnet.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int kind, k, m, act; float *a, *b; } layer;   /* kind 1: (x - a) / b, kind 2: x W + b */
struct cnet { int n; layer l[32]; int maxw, max_batch; float *buf0, *buf1; };

static void *alloc64(size_t bytes) { return aligned_alloc(64, ((bytes + 63) / 64) * 64); }

cnet *cnet_read(const char *path, int max_batch) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  cnet *nt = calloc(1, sizeof *nt);
  char magic[4];
  if (fread(magic, 1, 4, f) != 4 || memcmp(magic, "TRGN", 4) || fread(&nt->n, 4, 1, f) != 1 || nt->n > 32 || nt->n < 1) goto bad;
  for (int i = 0; i < nt->n; i++) {
    layer *l = &nt->l[i];
    int h[4];
    if (fread(h, 4, 4, f) != 4) goto bad;
    l->kind = h[0]; l->k = h[1]; l->m = h[2]; l->act = h[3];
    size_t na = l->kind == 1 ? (size_t)l->k : (size_t)l->k * l->m, nb = l->kind == 1 ? (size_t)l->k : (size_t)l->m;
    l->a = alloc64(na * 4);
    l->b = alloc64(nb * 4);
    if (fread(l->a, 4, na, f) != na || fread(l->b, 4, nb, f) != nb) goto bad;
    if (l->m > nt->maxw) nt->maxw = l->m;
    if (l->k > nt->maxw) nt->maxw = l->k;
  }
  fclose(f);
  nt->max_batch = max_batch;
  nt->buf0 = alloc64((size_t)nt->maxw * max_batch * 4);
  nt->buf1 = alloc64((size_t)nt->maxw * max_batch * 4);
  return nt;
bad:
  fclose(f);
  free(nt);
  return NULL;
}

int cnet_inputs(const cnet *n) { return n->l[0].k; }
int cnet_outputs(const cnet *n) { return n->l[n->n - 1].m; }

static void activate(float *restrict y, int m, int act) {
  if (act == 1) { for (int i = 0; i < m; i++) y[i] = y[i] > 0 ? y[i] : 0; }
  else if (act == 2) { for (int i = 0; i < m; i++) y[i] = 1.0f / (1.0f + expf(-y[i])); }
  else if (act == 3) {
    float mx = y[0], s = 0;
    for (int i = 1; i < m; i++) mx = y[i] > mx ? y[i] : mx;
    for (int i = 0; i < m; i++) { y[i] = expf(y[i] - mx); s += y[i]; }
    for (int i = 0; i < m; i++) y[i] /= s;
  }
}

/* The loop a careful C programmer writes: axpy form over W[K][M], restrict, -O3. */
static void dense(const float *restrict x, const float *restrict w, const float *restrict b, float *restrict y, int k, int m) {
  for (int j = 0; j < m; j++) y[j] = b[j];
  for (int i = 0; i < k; i++) {
    const float xi = x[i];
    const float *restrict row = w + (size_t)i * m;
    for (int j = 0; j < m; j++) y[j] += row[j] * xi;
  }
}

void cnet_run(cnet *nt, const float *x, float *out) {
  const float *in = x;
  float *bufs[2] = {nt->buf0, nt->buf1};
  for (int i = 0; i < nt->n; i++) {
    layer *l = &nt->l[i];
    float *y = i == nt->n - 1 ? out : bufs[i & 1];
    if (l->kind == 1) { for (int j = 0; j < l->k; j++) y[j] = (in[j] - l->a[j]) / l->b[j]; }
    else dense(in, l->a, l->b, y, l->k, l->m);
    activate(y, l->m, l->act);
    in = y;
  }
}

void cnet_run_blas(cnet *nt, const float *x, float *out, int batch) {
  const float *in = x;
  float *bufs[2] = {nt->buf0, nt->buf1};
  for (int i = 0; i < nt->n; i++) {
    layer *l = &nt->l[i];
    float *y = i == nt->n - 1 ? out : bufs[i & 1];
    if (l->kind == 1) {
      for (int r = 0; r < batch; r++)
        for (int j = 0; j < l->k; j++) y[r * l->k + j] = (in[r * l->k + j] - l->a[j]) / l->b[j];
    } else {
      for (int r = 0; r < batch; r++) memcpy(y + (size_t)r * l->m, l->b, sizeof(float) * l->m);
      if (batch == 1)
        cblas_sgemv(CblasRowMajor, CblasTrans, l->k, l->m, 1.0f, l->a, l->m, in, 1, 1.0f, y, 1);
      else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, l->m, l->k, 1.0f, in, l->k, l->a, l->m, 1.0f, y, l->m);
    }
    for (int r = 0; r < batch; r++) activate(y + (size_t)r * l->m, l->m, l->act);
    in = y;
  }
}

const char *cnet_blas_config(void) {
  static char buf[256];
  snprintf(buf, sizeof buf, "%s (core %s)", openblas_get_config(), openblas_get_corename());
  return buf;
}

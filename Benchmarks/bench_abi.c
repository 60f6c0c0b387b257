/* Batch-1 latency of trigrt through its C ABI next to a plain C -O3 loop of the same net, in one
 * process, interleaved (SWIFT-NOTES "How measured"): per cycle and per variant, 4 untimed warm-up
 * calls, 32 calls each timed with clock_gettime, then 32 calls timed as one block; 3,125 cycles
 * give 100,000 per-call samples per variant. Inputs cycle through 64 rows of the model's inputs.
 * Also batch 64 (ns/sample): trigrt's batched kernels, the C loop per sample, and an OpenBLAS
 * sgemm version of the C net.
 * Usage: bench_abi MODEL.onnx NET.bin INPUTS.npy [cycles] */
#define _GNU_SOURCE
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trigrt.h"
#include "../Tests/Consumers/npy.h"

/* ---- the plain C net ---- */
typedef struct { int kind, k, m, act; float *a, *b; } layer;
typedef struct { int n; layer l[16]; int maxw; float *buf0, *buf1; } net;

static int read_net(const char *path, net *nt) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char magic[4];
  if (fread(magic, 1, 4, f) != 4 || memcmp(magic, "TRGN", 4) || fread(&nt->n, 4, 1, f) != 1 || nt->n > 16) return -1;
  nt->maxw = 0;
  for (int i = 0; i < nt->n; i++) {
    layer *l = &nt->l[i];
    int h[4];
    if (fread(h, 4, 4, f) != 4) return -1;
    l->kind = h[0]; l->k = h[1]; l->m = h[2]; l->act = h[3];
    size_t na = l->kind == 1 ? (size_t)l->k : (size_t)l->k * l->m, nb = l->kind == 1 ? (size_t)l->k : (size_t)l->m;
    l->a = aligned_alloc(64, ((na * 4 + 63) / 64) * 64);
    l->b = aligned_alloc(64, ((nb * 4 + 63) / 64) * 64);
    if (fread(l->a, 4, na, f) != na || fread(l->b, 4, nb, f) != nb) return -1;
    if (l->m > nt->maxw) nt->maxw = l->m;
    if (l->k > nt->maxw) nt->maxw = l->k;
  }
  fclose(f);
  nt->buf0 = aligned_alloc(64, (size_t)nt->maxw * 256 * 4 + 64);
  nt->buf1 = aligned_alloc(64, (size_t)nt->maxw * 256 * 4 + 64);
  return 0;
}

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

__attribute__((noinline)) static void cnet_run(net *nt, const float *x, float *out) {
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

/* The same net with OpenBLAS sgemm for a batch. */
__attribute__((noinline)) static void cnet_run_blas(net *nt, const float *x, float *out, int batch) {
  const float *in = x;
  float *bufs[2] = {nt->buf0, nt->buf1};
  for (int i = 0; i < nt->n; i++) {
    layer *l = &nt->l[i];
    float *y = i == nt->n - 1 ? out : bufs[i & 1];
    if (l->kind == 1) {
      for (int r = 0; r < batch; r++) for (int j = 0; j < l->k; j++) y[r * l->k + j] = (in[r * l->k + j] - l->a[j]) / l->b[j];
    } else {
      for (int r = 0; r < batch; r++) memcpy(y + (size_t)r * l->m, l->b, sizeof(float) * l->m);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, l->m, l->k, 1.0f, in, l->k, l->a, l->m, 1.0f, y, l->m);
    }
    for (int r = 0; r < batch; r++) activate(y + (size_t)r * l->m, l->m, l->act);
    in = y;
  }
}

static inline uint64_t now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
static double q(uint64_t *s, size_t n, double p) { size_t i = (size_t)(p * n); return (double)s[i < n ? i : n - 1]; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s MODEL NET.bin INPUTS.npy [cycles]\n", argv[0]); return 2; }
  int cycles = argc > 4 ? atoi(argv[4]) : 3125;
  openblas_set_num_threads(1);
  trigrt_error err;
  trigrt_model *model;
  if (trigrt_model_load_file(argv[1], NULL, &model, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
  trigrt_session *s1, *s64;
  trigrt_session_create(model, 1, &s1, &err);
  trigrt_session_create(model, 64, &s64, &err);
  net nt;
  if (read_net(argv[2], &nt)) { fprintf(stderr, "cannot read %s\n", argv[2]); return 1; }
  npy_array x;
  if (npy_read(argv[3], &x) || x.rows < 64) return 1;
  size_t nin = trigrt_model_input_size(model, 0), nout = trigrt_model_output_size(model, 0);
  float *xs = aligned_alloc(64, sizeof(float) * nin * 64 + 64), *y = aligned_alloc(64, sizeof(float) * nout * 64 + 64);
  float *yc = aligned_alloc(64, sizeof(float) * nout * 64 + 64);
  for (size_t i = 0; i < nin * 64; i++) xs[i] = (float)x.data[i];
  /* the two agree */
  double worst = 0;
  for (int r = 0; r < 64; r++) {
    const float *in[1] = {xs + r * nin};
    float *out[1] = {y};
    trigrt_session_run(s1, in, out, 1, &err);
    cnet_run(&nt, xs + r * nin, yc);
    for (size_t j = 0; j < nout; j++) worst = fmax(worst, fabs(y[j] - yc[j]));
  }
  if (!(worst < 1e-4)) { fprintf(stderr, "trigrt and the C loop disagree: %g\n", worst); return 1; }
  size_t n = (size_t)cycles * 32;
  uint64_t *st = malloc(n * 8), *sc = malloc(n * 8), *bt = malloc(cycles * 8), *bc = malloc(cycles * 8);
  volatile float sink = 0;
  for (int c = 0; c < cycles; c++) {
    for (int v = 0; v < 2; v++) {
      int first = (c & 1) ? 1 - v : v;   /* alternate which variant goes first */
      for (int i = 0; i < 4 + 32 + 32; i++) {
        int r = (c * 7 + i) & 63;
        uint64_t t0 = 0, t1;
        if (i == 36) t0 = now();
        uint64_t a = i >= 4 && i < 36 ? now() : 0;
        if (first == 0) { const float *in[1] = {xs + r * nin}; float *out[1] = {y}; trigrt_session_run(s1, in, out, 1, NULL); }
        else cnet_run(&nt, xs + r * nin, yc);
        if (i >= 4 && i < 36) { t1 = now(); (first == 0 ? st : sc)[(size_t)c * 32 + (i - 4)] = t1 - a; }
        if (i == 36) { /* block of 32 */
          for (int j = 1; j < 32; j++) {
            int rr = (c * 7 + i + j) & 63;
            if (first == 0) { const float *in[1] = {xs + rr * nin}; float *out[1] = {y}; trigrt_session_run(s1, in, out, 1, NULL); }
            else cnet_run(&nt, xs + rr * nin, yc);
          }
          (first == 0 ? bt : bc)[c] = now() - t0;
          break;
        }
      }
      sink += y[0] + yc[0];
    }
  }
  qsort(st, n, 8, cmp_u64); qsort(sc, n, 8, cmp_u64); qsort(bt, cycles, 8, cmp_u64); qsort(bc, cycles, 8, cmp_u64);
  /* timer overhead: back-to-back clock_gettime */
  uint64_t *ov = malloc(100000 * 8);
  for (int i = 0; i < 100000; i++) { uint64_t a = now(); ov[i] = now() - a; }
  qsort(ov, 100000, 8, cmp_u64);
  double tm = q(st, n, 0.5), cm = q(sc, n, 0.5), tb = q(bt, cycles, 0.5) / 32, cb = q(bc, cycles, 0.5) / 32;
  printf("%-28s batch 1, %zu calls each, interleaved (timer overhead %.0f ns, included in per-call numbers)\n", argv[1], n, q(ov, 100000, 0.5));
  printf("  trigrt C ABI : median %7.0f ns  p99 %7.0f ns  p99.9 %7.0f ns  block-of-32 %7.0f ns/call\n", tm, q(st, n, 0.99), q(st, n, 0.999), tb);
  printf("  plain C -O3  : median %7.0f ns  p99 %7.0f ns  p99.9 %7.0f ns  block-of-32 %7.0f ns/call\n", cm, q(sc, n, 0.99), q(sc, n, 0.999), cb);
  printf("  ratio trigrt / C: median %.3f, block %.3f\n", tm / cm, tb / cb);
  /* batch 64 throughput */
  const int B = 64, reps = 2000;
  uint64_t tt = 0, tc = 0, tbl = 0;
  for (int rep = 0; rep < reps; rep++) {
    const float *in[1] = {xs};
    float *out[1] = {y};
    uint64_t a = now();
    trigrt_session_run(s64, in, out, B, NULL);
    uint64_t b = now();
    for (int r = 0; r < B; r++) cnet_run(&nt, xs + r * nin, yc);
    uint64_t c = now();
    cnet_run_blas(&nt, xs, yc, B);
    uint64_t d = now();
    tt += b - a; tc += c - b; tbl += d - c;
    sink += y[0] + yc[0];
  }
  printf("  batch 64 ns/sample: trigrt %.0f, plain C loop %.0f, OpenBLAS sgemm %.0f\n",
         (double)tt / reps / B, (double)tc / reps / B, (double)tbl / reps / B);
  (void)sink;
  return 0;
}

/* Batch-1 latency of trigrt (C ABI) next to a plain C -O3 loop of the same CNN, in one process,
 * interleaved as bench_abi.c does (per cycle and variant: 4 untimed warm-up calls, 32 calls each
 * timed with clock_gettime, 32 calls timed as one block; the variant that goes first alternates).
 * The CNN is issue 6's bar: 1x16x16 -> Conv 3x3 x8 (pad 1) relu -> MaxPool 2 -> Conv 3x3 x16
 * (pad 1) relu -> MaxPool 2 -> Flatten -> Dense 32 relu -> Dense 3 (cnn_model.py writes it).
 * The C loop is what a careful C programmer writes: a zero-padded copy of each input plane,
 * then per output channel and tap an axpy over output rows (vectorised by gcc), restrict
 * everywhere; max pooling and dense layers in the same style. Both are checked against ONNX
 * Runtime's outputs before timing.
 * Built with -DTRIGRT_BENCH_ORT (and ONNX Runtime's C header and library), ONNX Runtime's C API
 * runs as a third variant in the same interleaving (one intra-op thread, all graph
 * optimisations, input and output tensors bound once).
 * Usage: bench_cnn MODEL.onnx WEIGHTS.bin INPUTS.npy OUTPUTS.npy [cycles] */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trigrt.h"
#include "../Tests/Consumers/npy.h"
#ifdef TRIGRT_BENCH_ORT
#include <onnxruntime_c_api.h>
static const OrtApi *ort;
static OrtSession *ort_sess;
static OrtValue *ort_in[64], *ort_out;
static float ort_y[4];
static void ort_check(OrtStatus *st) {
  if (st) { fprintf(stderr, "ONNX Runtime: %s\n", ort->GetErrorMessage(st)); exit(1); }
}
static void ort_setup(const char *path, float *xs) {
  ort = OrtGetApiBase()->GetApi(ORT_API_VERSION);
  OrtEnv *env;
  OrtSessionOptions *so;
  OrtMemoryInfo *mi;
  ort_check(ort->CreateEnv(ORT_LOGGING_LEVEL_WARNING, "bench_cnn", &env));
  ort_check(ort->CreateSessionOptions(&so));
  ort_check(ort->SetIntraOpNumThreads(so, 1));
  ort_check(ort->SetInterOpNumThreads(so, 1));
  ort_check(ort->SetSessionGraphOptimizationLevel(so, ORT_ENABLE_ALL));
  ort_check(ort->CreateSession(env, path, so, &ort_sess));
  ort_check(ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &mi));
  int64_t shape[4] = {1, 1, 16, 16}, oshape[2] = {1, 3};
  for (int r = 0; r < 64; r++)
    ort_check(ort->CreateTensorWithDataAsOrtValue(mi, xs + r * 256, 256 * 4, shape, 4, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &ort_in[r]));
  ort_check(ort->CreateTensorWithDataAsOrtValue(mi, ort_y, 3 * 4, oshape, 2, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &ort_out));
}
static void ort_run(int r) {
  static const char *in_names[1] = {"x"}, *out_names[1] = {"y"};
  ort_check(ort->Run(ort_sess, NULL, in_names, (const OrtValue *const *)&ort_in[r], 1, out_names, 1, &ort_out));
}
#define VARIANTS 3
#else
#define VARIANTS 2
#endif

static float *W1, *B1, *W2, *B2, *W3, *B3, *W4, *B4;
static float pad_buf[8 * 18 * 18], c1[8 * 16 * 16], p1[8 * 8 * 8], c2[16 * 8 * 8], p2[256], h3[32];

/* y[M][H][W] = relu(b + conv3x3(x[C][H][W], pad 1)) */
static void conv3x3_relu(const float *restrict x, int C, int H, int W, const float *restrict w, const float *restrict b, int M,
                         float *restrict y, float *restrict pad) {
  const int PH = H + 2, PW = W + 2;
  memset(pad, 0, sizeof(float) * C * PH * PW);
  for (int c = 0; c < C; c++)
    for (int i = 0; i < H; i++) memcpy(pad + (c * PH + i + 1) * PW + 1, x + (c * H + i) * W, sizeof(float) * W);
  for (int m = 0; m < M; m++) {
    float *restrict ym = y + m * H * W;
    for (int p = 0; p < H * W; p++) ym[p] = b[m];
    for (int c = 0; c < C; c++)
      for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
          const float wv = w[((m * C + c) * 3 + ky) * 3 + kx];
          for (int i = 0; i < H; i++) {
            const float *restrict row = pad + (c * PH + i + ky) * PW + kx;
            float *restrict yr = ym + i * W;
            for (int j = 0; j < W; j++) yr[j] += wv * row[j];
          }
        }
    for (int p = 0; p < H * W; p++) ym[p] = ym[p] > 0 ? ym[p] : 0;
  }
}

static void maxpool2(const float *restrict x, int C, int H, int W, float *restrict y) {
  const int OH = H / 2, OW = W / 2;
  for (int c = 0; c < C; c++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++) {
        const float *r0 = x + (c * H + 2 * i) * W + 2 * j, *r1 = r0 + W;
        float a = r0[0] > r0[1] ? r0[0] : r0[1], b = r1[0] > r1[1] ? r1[0] : r1[1];
        y[(c * OH + i) * OW + j] = a > b ? a : b;
      }
}

static void dense(const float *restrict x, const float *restrict w, const float *restrict b, float *restrict y, int k, int m, int relu) {
  for (int j = 0; j < m; j++) y[j] = b[j];
  for (int i = 0; i < k; i++) {
    const float xi = x[i];
    const float *restrict row = w + (size_t)i * m;
    for (int j = 0; j < m; j++) y[j] += row[j] * xi;
  }
  if (relu) for (int j = 0; j < m; j++) y[j] = y[j] > 0 ? y[j] : 0;
}

__attribute__((noinline)) static void cnn_run(const float *x, float *out) {
  conv3x3_relu(x, 1, 16, 16, W1, B1, 8, c1, pad_buf);
  maxpool2(c1, 8, 16, 16, p1);
  conv3x3_relu(p1, 8, 8, 8, W2, B2, 16, c2, pad_buf);
  maxpool2(c2, 16, 8, 8, p2);
  dense(p2, W3, B3, h3, 256, 32, 1);
  dense(h3, W4, B4, out, 32, 3, 0);
}

static float *take(float **p, size_t n) {
  float *a = aligned_alloc(64, ((n * 4 + 63) / 64) * 64);
  memcpy(a, *p, n * 4);
  *p += n;
  return a;
}

static int read_weights(const char *path) {
  const size_t n = 72 + 8 + 1152 + 16 + 8192 + 32 + 96 + 3;
  float *all = malloc(n * 4), *p = all;
  FILE *f = fopen(path, "rb");
  if (!f || fread(all, 4, n, f) != n) return -1;
  fclose(f);
  W1 = take(&p, 72); B1 = take(&p, 8); W2 = take(&p, 1152); B2 = take(&p, 16);
  W3 = take(&p, 8192); B3 = take(&p, 32); W4 = take(&p, 96); B4 = take(&p, 3);
  free(all);
  return 0;
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
  if (argc < 5) { fprintf(stderr, "usage: %s MODEL.onnx WEIGHTS.bin INPUTS.npy OUTPUTS.npy [cycles]\n", argv[0]); return 2; }
  int cycles = argc > 5 ? atoi(argv[5]) : 3125;
  trigrt_error err;
  trigrt_model *model;
  if (trigrt_model_load_file(argv[1], NULL, &model, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
  trigrt_session *s1;
  if (trigrt_session_create(model, 1, &s1, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
  if (read_weights(argv[2])) { fprintf(stderr, "cannot read %s\n", argv[2]); return 1; }
  npy_array x, ref;
  if (npy_read(argv[3], &x) || x.rows < 64 || x.cols != 256 || npy_read(argv[4], &ref) || ref.cols != 3) return 1;
  float *xs = aligned_alloc(64, sizeof(float) * 256 * 64), y[4], yc[4];
  for (size_t i = 0; i < 256 * 64; i++) xs[i] = (float)x.data[i];
  double wt = 0, wc = 0;
  for (int r = 0; r < 64; r++) {
    const float *in[1] = {xs + r * 256};
    float *out[1] = {y};
    if (trigrt_session_run(s1, in, out, 1, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
    cnn_run(xs + r * 256, yc);
    for (int j = 0; j < 3; j++) {
      wt = fmax(wt, fabs(y[j] - ref.data[r * 3 + j]));
      wc = fmax(wc, fabs(yc[j] - ref.data[r * 3 + j]));
    }
  }
#ifdef TRIGRT_BENCH_ORT
  ort_setup(argv[1], xs);
  double wo = 0;
  for (int r = 0; r < 64; r++) {
    ort_run(r);
    for (int j = 0; j < 3; j++) wo = fmax(wo, fabs(ort_y[j] - ref.data[r * 3 + j]));
  }
  if (!(wo < 1e-5)) { fprintf(stderr, "ONNX Runtime's C API differs from its Python outputs: %g\n", wo); return 1; }
#endif
  if (!(wt < 1e-4 && wc < 1e-4)) { fprintf(stderr, "outputs differ from ONNX Runtime: trigrt %g, C %g\n", wt, wc); return 1; }
  size_t n = (size_t)cycles * 32;
  uint64_t *samples[3], *blocks[3];
  for (int v = 0; v < 3; v++) { samples[v] = malloc(n * 8); blocks[v] = malloc(cycles * 8); }
  volatile float sink = 0;
  for (int c = 0; c < cycles; c++) {
    for (int v = 0; v < VARIANTS; v++) {
      int which = (v + c) % VARIANTS;   /* 0 trigrt, 1 C, 2 ONNX Runtime; the first one rotates */
      for (int i = 0; i < 4 + 32; i++) {
        int r = (c * 7 + i) & 63;
        uint64_t a = now();
        if (which == 0) { const float *in[1] = {xs + r * 256}; float *out[1] = {y}; trigrt_session_run(s1, in, out, 1, NULL); }
        else if (which == 1) cnn_run(xs + r * 256, yc);
#ifdef TRIGRT_BENCH_ORT
        else ort_run(r);
#endif
        uint64_t t = now() - a;
        if (i >= 4) samples[which][(size_t)c * 32 + (i - 4)] = t;
      }
      uint64_t t0 = now();
      for (int j = 0; j < 32; j++) {
        int r = (c * 5 + j) & 63;
        if (which == 0) { const float *in[1] = {xs + r * 256}; float *out[1] = {y}; trigrt_session_run(s1, in, out, 1, NULL); }
        else if (which == 1) cnn_run(xs + r * 256, yc);
#ifdef TRIGRT_BENCH_ORT
        else ort_run(r);
#endif
      }
      blocks[which][c] = now() - t0;
      sink += y[0] + yc[0];
    }
  }
  for (int v = 0; v < VARIANTS; v++) { qsort(samples[v], n, 8, cmp_u64); qsort(blocks[v], cycles, 8, cmp_u64); }
  uint64_t *st = samples[0], *sc = samples[1], *bt = blocks[0], *bc = blocks[1];
  uint64_t *ov = malloc(100000 * 8);
  for (int i = 0; i < 100000; i++) { uint64_t a = now(); ov[i] = now() - a; }
  qsort(ov, 100000, 8, cmp_u64);
  double tm = q(st, n, 0.5), cm = q(sc, n, 0.5), tb = q(bt, cycles, 0.5) / 32, cb = q(bc, cycles, 0.5) / 32;
  printf("cnn 1x16x16 -> conv3x3x8 -> pool -> conv3x3x16 -> pool -> dense 32 -> 3, batch 1, %zu calls each, interleaved\n"
         "  (timer overhead %.0f ns, included in per-call numbers; max |diff| vs ONNX Runtime: trigrt %.2g, C %.2g)\n",
         n, q(ov, 100000, 0.5), wt, wc);
  printf("  trigrt C ABI : median %7.0f ns  p99 %7.0f ns  p99.9 %7.0f ns  block-of-32 %7.0f ns/call\n", tm, q(st, n, 0.99), q(st, n, 0.999), tb);
  printf("  plain C -O3  : median %7.0f ns  p99 %7.0f ns  p99.9 %7.0f ns  block-of-32 %7.0f ns/call\n", cm, q(sc, n, 0.99), q(sc, n, 0.999), cb);
#ifdef TRIGRT_BENCH_ORT
  double om = q(samples[2], n, 0.5), ob = q(blocks[2], cycles, 0.5) / 32;
  printf("  ONNX Runtime : median %7.0f ns  p99 %7.0f ns  p99.9 %7.0f ns  block-of-32 %7.0f ns/call (C API, 1 thread)\n", om,
         q(samples[2], n, 0.99), q(samples[2], n, 0.999), ob);
#endif
  printf("  ratio trigrt / C: median %.3f, block %.3f (bar: 1.3)\n", tm / cm, tb / cb);
#ifdef TRIGRT_BENCH_ORT
  printf("  ratio trigrt / ONNX Runtime: median %.3f, block %.3f\n", tm / om, tb / ob);
#endif
  (void)sink;
  trigrt_session_destroy(s1);
  trigrt_model_destroy(model);
  return 0;
}

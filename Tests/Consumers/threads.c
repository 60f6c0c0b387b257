#define _GNU_SOURCE
/* One model shared by 4 threads, each with its own session, running every input row in a
 * different order and with batches of 1 to 4; every output must equal the single-thread result
 * for the same rows and batch size bit for bit. The main thread drops its model reference
 * while the sessions run (they keep it alive).
 * With RUNS, each thread makes RUNS runs (the TSan stress of make sanitize: 100000) and the
 * main thread polls trigrt_model_session_count meanwhile.
 * Usage: threads MODEL INPUTS.npy [RUNS] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigrt.h"
#include "npy.h"

static trigrt_model *model;
static npy_array x;
static size_t nin, nout;
static float *reference[5];     /* reference[b] + r * nout * b: rows r..r+b-1 run as one batch */
static pthread_barrier_t created;
static long runs_per_thread;   /* 0: 20 passes over the rows */

typedef struct { int id; int mismatches; int errors; } job;

static void *worker(void *arg) {
  job *j = arg;
  trigrt_session *s = NULL;
  trigrt_error err;
  if (trigrt_session_create(model, 4, &s, &err) != TRIGRT_OK) j->errors++;
  pthread_barrier_wait(&created);
  if (!s) return NULL;
  float *xi = malloc(sizeof(float) * nin * 4), *yo = malloc(sizeof(float) * nout * 4);
  long total = runs_per_thread ? runs_per_thread : 20 * (long)x.rows;
  for (long n = 0; n < total; n++) {
    {
      size_t k = (size_t)n % x.rows, rep = (size_t)n / x.rows;
      size_t r = (k * 7919 + (size_t)j->id * 131 + rep) % x.rows;
      uint32_t b = 1 + (uint32_t)((r + (size_t)j->id) % 4);
      if (r + b > x.rows) b = 1;
      for (size_t i = 0; i < b * nin; i++) xi[i] = (float)x.data[r * nin + i];
      const float *in[1] = {xi};
      float *out[1] = {yo};
      if (trigrt_session_run(s, in, out, b, &err) != TRIGRT_OK) { j->errors++; continue; }
      if (memcmp(yo, reference[b] + r * nout * b, sizeof(float) * nout * b) != 0) j->mismatches++;
    }
  }
  free(xi); free(yo);
  trigrt_session_destroy(s);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) return 2;
  if (argc == 4) runs_per_thread = atol(argv[3]);
  trigrt_error err;
  if (trigrt_model_load_file(argv[1], NULL, &model, &err) != TRIGRT_OK) { fprintf(stderr, "%s\n", err.message); return 1; }
  if (npy_read(argv[2], &x)) return 1;
  nin = trigrt_model_input_size(model, 0);
  nout = trigrt_model_output_size(model, 0);
  trigrt_session *s = NULL;
  trigrt_session_create(model, 4, &s, &err);
  float *xi = malloc(sizeof(float) * nin * 4);
  float *yo = malloc(sizeof(float) * nout * 4);
  for (uint32_t b = 1; b <= 4; b++) {     /* single thread, every start row, every batch size */
    reference[b] = calloc(nout * b * (x.rows + 1), sizeof(float));
    for (size_t r = 0; r + b <= x.rows; r++) {
      for (size_t i = 0; i < b * nin; i++) xi[i] = (float)x.data[r * nin + i];
      const float *in[1] = {xi};
      float *out[1] = {yo};
      trigrt_session_run(s, in, out, b, &err);
      memcpy(reference[b] + r * nout * b, yo, sizeof(float) * nout * b);
    }
  }
  trigrt_session_destroy(s);
  pthread_t t[4];
  job jobs[4];
  pthread_barrier_init(&created, NULL, 5);
  for (int i = 0; i < 4; i++) { jobs[i] = (job){i, 0, 0}; pthread_create(&t[i], NULL, worker, &jobs[i]); }
  pthread_barrier_wait(&created);
  int32_t live = trigrt_model_session_count(model);
  if (live != 4) { fprintf(stderr, "FAIL: %d sessions alive, expected 4\n", live); return 1; }
  if (runs_per_thread)   /* concurrent reads of the session count while the sessions run */
    for (int k = 0; k < 1000; k++) if (trigrt_model_session_count(model) < 0) return 1;
  trigrt_model_destroy(model);   /* the sessions keep the model alive */
  int bad = 0;
  for (int i = 0; i < 4; i++) { pthread_join(t[i], NULL); bad += jobs[i].mismatches + jobs[i].errors; }
  printf("%s  %s: 4 threads x %ld runs, %d mismatches vs single thread\n", bad ? "FAIL" : "ok ", argv[1],
         runs_per_thread ? runs_per_thread : 20 * (long)x.rows, bad);
  free(xi); free(yo); free(x.data);
  for (int b = 1; b <= 4; b++) free(reference[b]);
  return bad ? 1 : 0;
}

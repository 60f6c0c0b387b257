#define _GNU_SOURCE
/* Resource hygiene of the C ABI.
 *  1. CYCLES times: load the model from memory, create a session, run it, destroy both (in
 *     alternating order). The process's RSS after the cycles must not exceed its RSS after the
 *     first 100 cycles by more than 1 MiB (10,000 cycles that leaked even 100 bytes each would
 *     show); under AddressSanitizer LeakSanitizer checks every allocation at exit instead.
 *  2. 64 extra sessions with max_batch 256: the RSS they add, per session, must be at most
 *     trigrt_session_memory_size() (the arena plus the documented per-session constant) plus
 *     one page of allocator rounding, and at least the arena (the arena is zeroed, so resident).
 * Usage: hygiene MODEL.onnx [CYCLES] (default 10000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trigrt.h"

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#define UNDER_ASAN 1
#endif

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  long cycles = argc > 2 ? atol(argv[2]) : 10000;
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = malloc((size_t)size);
  if (fread(bytes, 1, (size_t)size, f) != (size_t)size) return 1;
  fclose(f);

  trigrt_error err;
  long rss100 = 0;
  float *x = NULL, *y = NULL;
  for (long c = 0; c < cycles; c++) {
    trigrt_model *m = NULL;
    trigrt_session *s = NULL;
    if (trigrt_model_load_memory(bytes, (size_t)size, NULL, &m, &err) != TRIGRT_OK) { fprintf(stderr, "FAIL: %s\n", err.message); return 1; }
    if (trigrt_session_create(m, 2, &s, &err) != TRIGRT_OK) { fprintf(stderr, "FAIL: %s\n", err.message); return 1; }
    if (!x) {
      x = calloc(trigrt_model_input_size(m, 0) * 2, sizeof(float));
      y = calloc(trigrt_model_output_size(m, 0) * 2, sizeof(float));
    }
    if (trigrt_model_input_count(m) == 1 && trigrt_model_output_count(m) == 1) {
      const float *in[1] = {x};
      float *out[1] = {y};
      if (trigrt_session_run(s, in, out, 2, &err) != TRIGRT_OK) { fprintf(stderr, "FAIL: %s\n", err.message); return 1; }
    }
    if (c & 1) { trigrt_model_destroy(m); trigrt_session_destroy(s); }   /* either order */
    else { trigrt_session_destroy(s); trigrt_model_destroy(m); }
    if (c == 99) rss100 = rss_bytes();
  }
  long rssEnd = rss_bytes();
  int bad = 0;
#ifndef UNDER_ASAN
  if (cycles > 100 && rssEnd - rss100 > (1L << 20)) {
    fprintf(stderr, "FAIL: RSS grew by %ld bytes from cycle 100 to cycle %ld\n", rssEnd - rss100, cycles);
    bad = 1;
  }
#endif
  printf("%s  %s: %ld load/session/run/destroy cycles, RSS %ld KiB after 100, %ld KiB after all (%+ld bytes)\n",
         bad ? "FAIL" : "ok ", argv[1], cycles, rss100 >> 10, rssEnd >> 10, rssEnd - rss100);

  /* RSS per extra session */
  trigrt_model *m = NULL;
  if (trigrt_model_load_memory(bytes, (size_t)size, NULL, &m, &err) != TRIGRT_OK) return 1;
  enum { N = 64, B = 256 };
  size_t arena = trigrt_model_arena_size(m, B), total = trigrt_session_memory_size(m, B);
  trigrt_session *ss[N];
  long before = rss_bytes();
  for (int i = 0; i < N; i++)
    if (trigrt_session_create(m, B, &ss[i], &err) != TRIGRT_OK) { fprintf(stderr, "FAIL: %s\n", err.message); return 1; }
  long per = (rss_bytes() - before) / N;
  if (trigrt_model_session_count(m) != N) { fprintf(stderr, "FAIL: session count %d\n", trigrt_model_session_count(m)); bad = 1; }
#ifndef UNDER_ASAN
  long page = sysconf(_SC_PAGESIZE);
  if (per > (long)total + page || per < (long)arena - page) {
    fprintf(stderr, "FAIL: %ld bytes of RSS per session; arena %zu, session memory %zu\n", per, arena, total);
    bad = 1;
  }
#endif
  printf("%s  %s: %ld bytes of RSS per extra session (max_batch %d): arena %zu + constant %zu = %zu\n", bad ? "FAIL" : "ok ",
         argv[1], per, B, arena, total - arena, total);
  for (int i = 0; i < N; i++) trigrt_session_destroy(ss[i]);
  if (trigrt_model_session_count(m) != 0) bad = 1;
  trigrt_model_destroy(m);
  free(bytes); free(x); free(y);
  return bad;
}

/* libFuzzer harness: trigrt_model_load_memory on arbitrary bytes, in float mode or (built with
 * -DFUZZ_FIXED=1) fixed mode, then everything a host does with a model that loaded
 * (fuzz_common.h). Mutations: onnx_mutator.c (structure-aware) and libFuzzer's byte-level ones.
 * Seeds: the zoo, the op fixtures, the firmware-sim models and the published QONNX models. */
#include "fuzz_common.h"

#ifndef FUZZ_FIXED
#define FUZZ_FIXED 0
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  trigrt_options o;
  TRIGRT_OPTIONS_INIT(&o);
  o.mode = FUZZ_FIXED ? TRIGRT_MODE_FIXED : TRIGRT_MODE_FLOAT;
#ifdef TRIGRT_OPTIONS_HAVE_LIMITS
  o.max_weight_bytes = (uint64_t)64 << 20;
  o.max_arena_bytes = (uint64_t)64 << 20;
#endif
  trigrt_model *m = (trigrt_model *)(uintptr_t)1;   /* must be reset to NULL on failure */
  trigrt_error err;
  trigrt_status st = trigrt_model_load_memory(size ? data : (const uint8_t *)"", size, &o, &m, &err);
  fuzz_check_error(st, &err, "load_memory");
  if (st != TRIGRT_OK) {
    if (m != NULL) FUZZ_FAIL("*out not NULL after a failed load");
    return 0;
  }
  if (!m) FUZZ_FAIL("OK without a model");
  fuzz_exercise(m, data, size, FUZZ_FIXED);
  trigrt_model_destroy(m);
  return 0;
}

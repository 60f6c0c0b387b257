/* The model-loading entry points of libtrigrt, in C compiled for baseline x86-64.
 *
 * The Swift core is built for x86-64-v3 (AVX2, FMA, BMI2). Generic code the Swift layers share
 * (string handling, array helpers) is emitted once, possibly with v3 instructions, so even the
 * baseline-ISA Swift exports may reach AVX code before a check written in Swift returns. The check
 * therefore runs here, before any Swift code: on a CPU without x86-64-v3, loading returns
 * TRIGRT_E_UNSUPPORTED_CPU with a message naming the missing feature. No model can exist without
 * a load, so the other entry points need no check. Tests/Consumers/cpu_check.c runs this under
 * an emulated Nehalem (qemu-x86_64 -cpu Nehalem). */
#include <stdio.h>

#include "trigrt.h"
#include "trigrt_entry.h"
#include "trigrt_support.h"

static trigrt_status unsupported_cpu(trigrt_model **out, trigrt_error *err) {
  if (out) *out = NULL;
  if (err) {
    err->code = TRIGRT_E_UNSUPPORTED_CPU;
    snprintf(err->message, sizeof err->message,
             "this CPU lacks %s; trigrt is built for x86-64-v3 (AVX2 and FMA)",
             trigrtsupport_cpu_missing_feature());
  }
  return TRIGRT_E_UNSUPPORTED_CPU;
}

trigrt_status trigrt_model_load_file(const char *path, const trigrt_options *opts,
                                     trigrt_model **out, trigrt_error *err) {
  if (!trigrtsupport_cpu_supports_v3()) return unsupported_cpu(out, err);
  return trigrtimpl_model_load_file(path, opts, out, err);
}

trigrt_status trigrt_model_load_memory(const void *data, size_t size, const trigrt_options *opts,
                                       trigrt_model **out, trigrt_error *err) {
  if (!trigrtsupport_cpu_supports_v3()) return unsupported_cpu(out, err);
  return trigrtimpl_model_load_memory(data, size, opts, out, err);
}

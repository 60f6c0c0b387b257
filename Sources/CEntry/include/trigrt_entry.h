/* The Swift implementations behind the two C entry points that check the CPU first (entry.c).
   Defined with @_cdecl in Sources/CABI; not exported from libtrigrt (trigrt.map exports trigrt_*). */
#ifndef TRIGRT_ENTRY_H
#define TRIGRT_ENTRY_H

#include "trigrt.h"

trigrt_status trigrtimpl_model_load_file(const char *path, const trigrt_options *opts,
                                         trigrt_model **out, trigrt_error *err);
trigrt_status trigrtimpl_model_load_memory(const void *data, size_t size, const trigrt_options *opts,
                                           trigrt_model **out, trigrt_error *err);

#endif

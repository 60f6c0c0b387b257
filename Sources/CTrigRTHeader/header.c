/* Exposes include/trigrt.h to the Swift C-ABI layer, so the exports use the header's own types
   (trigrt_options, trigrt_error, the status constants) instead of a second description of them. */
#include "trigrt.h"

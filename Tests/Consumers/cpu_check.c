/* Run under an emulated CPU without AVX2/FMA (qemu-x86_64 -cpu Nehalem): loading a model must
 * return TRIGRT_E_UNSUPPORTED_CPU with a message naming a missing feature, not fault.
 * Usage: cpu_check MODEL EXPECTED_STATUS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigrt.h"

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  trigrt_model *m = (trigrt_model *)1;
  trigrt_error e;
  trigrt_status s = trigrt_model_load_file(argv[1], NULL, &m, &e);
  printf("status %d (%s): %s\n", s, trigrt_status_string(s), e.message);
  if (s != atoi(argv[2])) return 1;
  if (s == TRIGRT_E_UNSUPPORTED_CPU && (m != NULL || strstr(e.message, "x86-64-v3") == NULL)) return 1;
  trigrt_model_destroy(s == TRIGRT_OK ? m : NULL);
  return 0;
}

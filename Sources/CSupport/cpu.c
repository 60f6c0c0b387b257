/* CPU feature check, compiled without -march flags (baseline x86-64). */
#include "trigrt_support.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
  unsigned int lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}

const char *trigrtsupport_cpu_missing_feature(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return "cpuid";
  if (!(c & (1u << 12))) return "FMA";
  if (!(c & (1u << 22))) return "MOVBE";
  if (!(c & (1u << 23))) return "POPCNT";
  if (!(c & (1u << 27))) return "OSXSAVE";
  if (!(c & (1u << 28))) return "AVX";
  if (!(c & (1u << 29))) return "F16C";
  if ((xgetbv0() & 6) != 6) return "OS support for AVX state";
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return "cpuid leaf 7";
  if (!(b & (1u << 3))) return "BMI1";
  if (!(b & (1u << 5))) return "AVX2";
  if (!(b & (1u << 8))) return "BMI2";
  if (!__get_cpuid(0x80000001u, &a, &b, &c, &d)) return "cpuid leaf 0x80000001";
  if (!(c & (1u << 5))) return "LZCNT";
  return "";
}
#else
const char *trigrtsupport_cpu_missing_feature(void) { return "an x86-64 CPU"; }
#endif

int trigrtsupport_cpu_supports_v3(void) { return trigrtsupport_cpu_missing_feature()[0] == '\0'; }

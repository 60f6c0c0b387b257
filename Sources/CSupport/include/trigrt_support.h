/* Small C helpers of the runtime that must not be built for the x86-64-v3 baseline. */
#ifndef TRIGRT_SUPPORT_H
#define TRIGRT_SUPPORT_H

/* 1 if this CPU and OS support everything -march=x86-64-v3 code may use (AVX, AVX2, FMA, BMI1/2,
   F16C, LZCNT, MOVBE, and the OS saving ymm state), else 0. Compiled for baseline x86-64, so it
   can run before any AVX instruction is reached. */
int trigrtsupport_cpu_supports_v3(void);

/* Name of the first missing feature, or "" when trigrtsupport_cpu_supports_v3() is 1. */
const char *trigrtsupport_cpu_missing_feature(void);

#endif

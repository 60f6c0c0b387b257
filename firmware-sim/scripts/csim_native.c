/* csim_native: time an hls4ml C-simulation library called natively (no Python per sample).
 *
 *   csim_native LIB.so SYMBOL IN.f64 OUT.f64 ROWS N_IN N_OUT MIN_SECONDS MAX_PASSES
 *
 * dlopens LIB.so (built by hls4ml's build_lib.sh), looks up SYMBOL (myproject_double:
 * void f(double in[N_IN], double out[N_OUT])), makes one warm-up call (the first call loads
 * the weights from their txt files and builds the activation tables), then runs all ROWS
 * samples in passes until MIN_SECONDS of wall time or MAX_PASSES passes (at least one).
 * Writes the last pass's outputs to OUT.f64 and prints JSON timing on stdout:
 * per-pass wall and process-CPU microseconds per sample, and their medians.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*top_fn)(double *, double *);

static double now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 10) {
        fprintf(stderr, "usage: %s LIB SYMBOL IN OUT ROWS N_IN N_OUT MIN_SECONDS MAX_PASSES\n", argv[0]);
        return 2;
    }
    long rows = atol(argv[5]), n_in = atol(argv[6]), n_out = atol(argv[7]);
    double min_s = atof(argv[8]);
    int max_passes = atoi(argv[9]);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
    top_fn f = (top_fn)dlsym(lib, argv[2]);
    if (!f) { fprintf(stderr, "dlsym: %s\n", dlerror()); return 1; }
    double *in = malloc(sizeof(double) * rows * n_in), *out = calloc(rows * n_out, sizeof(double));
    FILE *fi = fopen(argv[3], "rb");
    if (!fi || fread(in, sizeof(double), rows * n_in, fi) != (size_t)(rows * n_in)) { fprintf(stderr, "read\n"); return 1; }
    fclose(fi);
    f(in, out); /* warm-up: weights and tables */
    double wall[64], cpu[64];
    int passes = 0;
    double start = now(CLOCK_MONOTONIC);
    if (max_passes > 64) max_passes = 64;
    do {
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        for (long i = 0; i < rows; i++) f(in + i * n_in, out + i * n_out);
        wall[passes] = (now(CLOCK_MONOTONIC) - w0) * 1e6 / rows;
        cpu[passes] = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e6 / rows;
        passes++;
    } while (passes < max_passes && now(CLOCK_MONOTONIC) - start < min_s);
    FILE *fo = fopen(argv[4], "wb");
    if (!fo || fwrite(out, sizeof(double), rows * n_out, fo) != (size_t)(rows * n_out)) { fprintf(stderr, "write\n"); return 1; }
    fclose(fo);
    printf("{\"passes\": %d, \"rows\": %ld, \"wall_us_per_sample\": [", passes, rows);
    for (int i = 0; i < passes; i++) printf("%s%.3f", i ? ", " : "", wall[i]);
    printf("], \"cpu_us_per_sample\": [");
    for (int i = 0; i < passes; i++) printf("%s%.3f", i ? ", " : "", cpu[i]);
    qsort(wall, passes, sizeof(double), cmp);
    qsort(cpu, passes, sizeof(double), cmp);
    printf("], \"median_wall_us_per_sample\": %.3f, \"median_cpu_us_per_sample\": %.3f}\n",
           wall[passes / 2], cpu[passes / 2]);
    free(in);
    free(out);
    return 0;
}

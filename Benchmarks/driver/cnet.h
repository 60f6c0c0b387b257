/* The plain C -O3 baseline: a dense net (normalise / dense + activation layers) read from the
 * flat file export_net.py writes, run the way a careful C programmer writes it (axpy form over
 * W[K][M], restrict), and the same net on OpenBLAS (sgemv at batch 1, sgemm for a batch).
 * Compiled as C (gcc -O3 -march=x86-64-v3), called from the C++ driver. */
#ifndef TRIGRT_BENCH_CNET_H
#define TRIGRT_BENCH_CNET_H
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cnet cnet;

/* Reads NET.bin; buffers for up to max_batch samples. NULL on failure. */
cnet *cnet_read(const char *path, int max_batch);
int cnet_inputs(const cnet *n);
int cnet_outputs(const cnet *n);
/* One sample, plain loops. */
void cnet_run(cnet *n, const float *x, float *y);
/* `batch` samples with OpenBLAS (sgemv when batch == 1, sgemm otherwise), single-threaded. */
void cnet_run_blas(cnet *n, const float *x, float *y, int batch);
/* openblas_get_config() and the core it picked. */
const char *cnet_blas_config(void);

#ifdef __cplusplus
}
#endif
#endif

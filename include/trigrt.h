/*
 * trigrt.h — the C interface of trigrt, an embeddable inference runtime for particle-physics
 * trigger and reconstruction software.
 *
 * trigrt loads a small ONNX or QONNX network once, plans it into a static execution plan and
 * runs it with no allocation, no locks and no traps, in float32 or in bit-accurate fixed point
 * (Xilinx ap_fixed semantics, as hls4ml firmware computes).
 *
 * Usage:
 *
 *     trigrt_error err;
 *     trigrt_model *model = NULL;
 *     if (trigrt_model_load_file("tagger.onnx", NULL, &model, &err) != TRIGRT_OK) {
 *         fprintf(stderr, "%s\n", err.message);  // names the file, the node and the reason
 *         return 1;
 *     }
 *     trigrt_session *session = NULL;          // one per thread; the model is shared
 *     trigrt_session_create(model, 1, &session, &err);
 *     const float *in[1] = { features };       // trigrt_model_input_size(model, 0) floats
 *     float *out[1] = { scores };               // trigrt_model_output_size(model, 0) floats
 *     trigrt_session_run(session, in, out, 1, &err);
 *     trigrt_session_destroy(session);
 *     trigrt_model_destroy(model);
 *
 * Conventions (they hold for every function below):
 *  - Handles are opaque. A trigrt_model is immutable after loading and may be used from any
 *    number of threads at once. A trigrt_session belongs to one thread at a time.
 *  - Functions that can fail return a trigrt_status and, when `err` is not NULL, fill it with the
 *    same code and a NUL-terminated message that names what went wrong. On success `err` is
 *    set to code TRIGRT_OK and an empty message. `err` is caller-owned: nothing to release.
 *  - Out-parameters come last; on failure `*out` is set to NULL (when `out` itself is not NULL).
 *  - Destroy functions accept NULL.
 *  - No function aborts the host process, throws, or calls exit(), whatever its arguments.
 *  - Status codes are append-only; their numeric values never change.
 *
 * Handles and misuse (each gives a status, never a trap):
 *  - NULL handles and pointers: TRIGRT_E_INVALID_ARGUMENT from functions that return a status,
 *    -1 / 0 / NULL from the accessors, nothing from the destroy functions.
 *  - A destroyed handle, or a pointer of the other handle type: every handle starts with a tag
 *    that trigrt_*_destroy clears, so such a pointer gives TRIGRT_E_MISUSE (accessors: -1 / 0 /
 *    NULL; destroy: nothing) while its memory is still trigrt's. This is always the case for a
 *    model that sessions keep alive; for memory already returned to the allocator it is a best
 *    effort (using freed memory is undefined behaviour, and AddressSanitizer reports it).
 *  - Destroying a model that still has sessions is allowed: the sessions keep the model's data
 *    alive and keep working; the model handle itself is dead from that call on (TRIGRT_E_MISUSE).
 *    The memory is released when the last of the model handle and its sessions is destroyed, in
 *    any order. trigrt_model_session_count tells how many sessions are still alive.
 *  - Destroying a handle twice: the second call is a no-op while the memory is still trigrt's
 *    (see above), undefined behaviour otherwise.
 *  - Running one session from two threads at once is undefined behaviour. Debug builds of the
 *    library (and builds with -D TRIGRT_CHECKS) detect it with an atomic flag and refuse the
 *    second call with TRIGRT_E_MISUSE; release builds do not check (run stays lock-free).
 *
 * Limits (a file is never trusted; each limit gives TRIGRT_E_LIMIT and a message naming it):
 *  - the constants of a model (weights, folded constants, packed plan data and index tables,
 *    each checked before it is built): max_weight_bytes
 *    (default TRIGRT_DEFAULT_MAX_WEIGHT_BYTES, 256 MiB), settable in trigrt_options;
 *  - the arena of one session: max_arena_bytes (default TRIGRT_DEFAULT_MAX_ARENA_BYTES, 1 GiB),
 *    settable in trigrt_options, checked at load (for batch 1) and by trigrt_session_create;
 *  - fixed: 2^31 elements per tensor (and per sample), messages nested at most 64 deep,
 *    attribute lists of at most 2^20 elements, at most 2^20 nodes / initialisers / graph inputs /
 *    graph outputs, 2^16 inputs, outputs or attributes per node, 2^16 bytes per name or string
 *    attribute, 2 GiB per file.
 *  Memory used while loading is therefore bounded by a small multiple of the file size plus a
 *  small multiple of max_weight_bytes; sessions allocate the arena plus
 *  trigrt_session_memory_size() - trigrt_model_arena_size() bytes (a few hundred).
 */
#ifndef TRIGRT_H
#define TRIGRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header: X*1000000 + Y*1000 + Z. Compare with trigrt_version_number(). */
#define TRIGRT_VERSION_MAJOR 0
#define TRIGRT_VERSION_MINOR 1
#define TRIGRT_VERSION_PATCH 0
#define TRIGRT_VERSION "0.1.0"
#define TRIGRT_VERSION_NUMBER (TRIGRT_VERSION_MAJOR * 1000000 + TRIGRT_VERSION_MINOR * 1000 + TRIGRT_VERSION_PATCH)
/* Incremented only on an incompatible change of this interface. Compare with trigrt_abi_version(). */
#define TRIGRT_ABI_VERSION 1

/* An immutable, loaded and planned model. Share it across threads. */
typedef struct trigrt_model trigrt_model;
/* A plan bound to one arena (the activation memory). Use from one thread at a time. */
typedef struct trigrt_session trigrt_session;

/* Result of a call. Append-only: values never change meaning. */
typedef int32_t trigrt_status;
enum {
  TRIGRT_OK = 0,
  /* A required pointer was NULL, an index was out of range, or an options struct is invalid. */
  TRIGRT_E_INVALID_ARGUMENT = 1,
  /* A file could not be opened or read (missing, a directory, permission denied). */
  TRIGRT_E_IO = 2,
  /* The bytes are not a valid model: empty, truncated, not protobuf, or an inconsistent graph
     (an index, dimension, data type or byte count that does not add up). */
  TRIGRT_E_MALFORMED = 3,
  /* A valid model that uses something trigrt does not implement: an operator (the message
     names the op and the node), an attribute value, a data type, an opset, external data. */
  TRIGRT_E_UNSUPPORTED = 4,
  /* Shapes that cannot be resolved or do not fit together, e.g. a graph input without a shape. */
  TRIGRT_E_SHAPE = 5,
  /* The batch passed to run is 0 or larger than the session's max_batch. */
  TRIGRT_E_BATCH = 6,
  /* This CPU lacks an instruction set the library was built for (x86-64-v3: AVX2 and FMA). */
  TRIGRT_E_UNSUPPORTED_CPU = 7,
  /* An allocation at load or session creation failed (never returned by run). */
  TRIGRT_E_OUT_OF_MEMORY = 8,
  /* The precision configuration could not be read or does not fit the model: an unknown key,
     an unknown layer name, an invalid ap_fixed spelling. */
  TRIGRT_E_PRECISION_CONFIG = 9,
  /* A bug in trigrt. Please report it with the model. */
  TRIGRT_E_INTERNAL = 10,
  /* A documented limit was exceeded (see "Limits" above): the message names the limit and, for
     max_weight_bytes and max_arena_bytes, the option that raises it. */
  TRIGRT_E_LIMIT = 11,
  /* The interface was used against its rules: a destroyed handle, a pointer that is not a handle
     of the expected type, a session run from two threads at once (detected in debug builds). */
  TRIGRT_E_MISUSE = 12
};

/* Filled by failing calls when non-NULL. Messages longer than the buffer are cut. */
typedef struct trigrt_error {
  trigrt_status code;
  char message[512];
} trigrt_error;

/* Numeric mode of a loaded model. */
enum {
  /* float32 kernels. */
  TRIGRT_MODE_FLOAT = 0,
  /* Bit-accurate fixed point: every tensor carries an ap_fixed format (from QONNX Quant nodes
     and/or the precision config) and kernels compute on raw integers as hls4ml 1.3.0 does. */
  TRIGRT_MODE_FIXED = 1
};

/* Defaults of the caps in trigrt_options (version 2). */
#define TRIGRT_DEFAULT_MAX_WEIGHT_BYTES ((uint64_t)256 << 20)
#define TRIGRT_DEFAULT_MAX_ARENA_BYTES ((uint64_t)1 << 30)

/* Load options. Always initialise with trigrt_options_init(); fields are only ever appended,
   and struct_size tells the library which fields the caller knows about. */
typedef struct trigrt_options {
  uint32_t struct_size;          /* sizeof(trigrt_options), set by trigrt_options_init */
  int32_t mode;                  /* TRIGRT_MODE_FLOAT (default) or TRIGRT_MODE_FIXED */
  const char *precision_config;  /* path of an hls4ml-style precision config (YAML or JSON), or NULL */
  /* ---- version 2 (struct_size >= 32) */
  uint64_t max_weight_bytes;     /* cap on the model's constants in bytes; 0: the default (256 MiB) */
  uint64_t max_arena_bytes;      /* cap on one session's arena in bytes; 0: the default (1 GiB) */
} trigrt_options;
/* Defined when trigrt_options has max_weight_bytes and max_arena_bytes. */
#define TRIGRT_OPTIONS_HAVE_LIMITS 1

/* Sets the fields of ABI version 1 (struct_size, mode, precision_config: 16 bytes on LP64) to
   their defaults (float mode, no precision config) and struct_size to that size (so the caps
   of version 2 keep their defaults). It never writes
   beyond those fields, so a caller built against this header keeps working with a newer library
   whose trigrt_options has more fields. NULL is ignored. Thread-safe.
   To default every field this header knows, use TRIGRT_OPTIONS_INIT(opts). */
void trigrt_options_init(trigrt_options *opts);

/* Sets the first `size` bytes of *opts to their defaults and struct_size to `size`: the fields a
   caller compiled against some version of this header knows. Fields beyond `size` are left
   alone; the library treats them as absent. NULL or a size smaller than the version-1 fields is
   ignored. Thread-safe. */
void trigrt_options_init_sized(trigrt_options *opts, size_t size);

/* Defaults every field of *opts that this header declares. */
#define TRIGRT_OPTIONS_INIT(opts) trigrt_options_init_sized((opts), sizeof(*(opts)))

/* Loads, validates and plans an ONNX / QONNX model from a file.
 *  path: a NUL-terminated file name.  opts: NULL for defaults.  out: receives the model.
 *  Every field of the file is validated before use; nothing in the file is trusted.
 *  Returns TRIGRT_OK, TRIGRT_E_INVALID_ARGUMENT (NULL path/out, bad opts), TRIGRT_E_IO,
 *  TRIGRT_E_MALFORMED, TRIGRT_E_UNSUPPORTED, TRIGRT_E_SHAPE, TRIGRT_E_PRECISION_CONFIG,
 *  TRIGRT_E_UNSUPPORTED_CPU, TRIGRT_E_OUT_OF_MEMORY.
 *  The caller owns *out and releases it with trigrt_model_destroy. Thread-safe. */
trigrt_status trigrt_model_load_file(const char *path, const trigrt_options *opts,
                                     trigrt_model **out, trigrt_error *err);

/* Like trigrt_model_load_file, from `size` bytes at `data`. The bytes are copied as needed;
 * the caller may free them as soon as the call returns. Same statuses (TRIGRT_E_IO only for the
 * precision config file). */
trigrt_status trigrt_model_load_memory(const void *data, size_t size, const trigrt_options *opts,
                                       trigrt_model **out, trigrt_error *err);

/* Releases a model. NULL is a no-op. Sessions created from it keep it alive until they are
 * destroyed, so the order of destruction does not matter; the handle is dead from this call on
 * (later calls with it give TRIGRT_E_MISUSE, a second destroy does nothing) while the sessions
 * work on. Must not race with other calls that use the same model pointer. */
void trigrt_model_destroy(trigrt_model *model);

/* Number of sessions created from this model that are not destroyed yet; -1 if model is NULL or
 * not a live model handle. Thread-safe. */
int32_t trigrt_model_session_count(const trigrt_model *model);

/* Number of graph inputs / outputs (tensors the caller provides / receives). -1 if model is NULL.
 * Thread-safe. */
int32_t trigrt_model_input_count(const trigrt_model *model);
int32_t trigrt_model_output_count(const trigrt_model *model);

/* Number of elements of one sample of input / output `index` (the product of all dimensions
 * after the leading batch dimension). 0 if model is NULL or index is out of range. */
size_t trigrt_model_input_size(const trigrt_model *model, int32_t index);
size_t trigrt_model_output_size(const trigrt_model *model, int32_t index);

/* Name of input / output `index` as in the model file. The string is owned by the model and
 * valid until it is destroyed. NULL if model is NULL or index is out of range. */
const char *trigrt_model_input_name(const trigrt_model *model, int32_t index);
const char *trigrt_model_output_name(const trigrt_model *model, int32_t index);

/* Per-sample shape of input / output `index` (dimensions after the batch dimension).
 * Writes up to max_dims dimensions to dims (may be NULL when max_dims is 0) and returns the
 * rank, or -1 if model is NULL or index is out of range. */
int32_t trigrt_model_input_shape(const trigrt_model *model, int32_t index, int64_t *dims, int32_t max_dims);
int32_t trigrt_model_output_shape(const trigrt_model *model, int32_t index, int64_t *dims, int32_t max_dims);

/* The model's numeric mode (TRIGRT_MODE_FLOAT or TRIGRT_MODE_FIXED), -1 if model is NULL. */
int32_t trigrt_model_mode(const trigrt_model *model);

/* Bytes of activation memory (the arena) that a session with this max_batch allocates.
 * 0 if model is NULL, max_batch is 0 or the size would overflow. */
size_t trigrt_model_arena_size(const trigrt_model *model, uint32_t max_batch);

/* Every byte a session with this max_batch allocates: the arena plus a per-session constant
 * (the session object: its header, one pointer per tensor slot, the overflow-report counters of
 * a fixed-mode model, alignment), a few hundred bytes for the zoo models. The RSS a session adds
 * is this plus malloc's bookkeeping. 0 as trigrt_model_arena_size. */
size_t trigrt_session_memory_size(const trigrt_model *model, uint32_t max_batch);

/* Creates a session: the model's plan plus one arena sized for batches up to max_batch. This is
 * the only allocation a session makes; run never allocates. The session keeps the model alive.
 * Returns TRIGRT_OK, TRIGRT_E_INVALID_ARGUMENT (NULL model/out, max_batch 0),
 * TRIGRT_E_LIMIT (the arena for max_batch exceeds the model's max_arena_bytes),
 * TRIGRT_E_OUT_OF_MEMORY, TRIGRT_E_MISUSE (a destroyed model handle).
 * Thread-safe: any number of threads may create sessions from one model at the same time. */
trigrt_status trigrt_session_create(const trigrt_model *model, uint32_t max_batch,
                                    trigrt_session **out, trigrt_error *err);

/* Releases a session. NULL is a no-op; so is a session handle already destroyed (while its
 * memory is still trigrt's; see "Handles and misuse"). Must not race with a run on it. */
void trigrt_session_destroy(trigrt_session *session);

/* Runs `batch` samples. inputs[i] points to batch * trigrt_model_input_size(model, i) floats of
 * input i, row-major in the model's own layout (sample after sample); outputs[j] to room for
 * batch * trigrt_model_output_size(model, j) floats. Output buffers must not overlap an input
 * buffer or each other (checked: TRIGRT_E_INVALID_ARGUMENT); inputs may overlap each other.
 * An int32 / int64 model input (e.g. embedding indices for a Gather) takes its integers as
 * float values (exact up to 2^24); an index that is not an integer in range selects zeros.
 * In fixed mode the float inputs are converted to each input's ap_fixed format (with its
 * quantization and overflow modes) and the exact results are rounded to float.
 *
 * Special values. Float mode computes in IEEE 754 float32 with no flush-to-zero (trigrt never
 * changes the floating-point environment): subnormal inputs are exact inputs; NaN propagates
 * through every layer whose result depends on it (Gemm/MatMul: every output of the sample row,
 * element-wise ops: that element, Softmax: the whole axis, BatchNormalization: that element);
 * Relu, LeakyRelu and Clip keep NaN (NaN, not 0 or a bound); Sigmoid(±inf) = 1 / 0, Tanh(±inf)
 * = ±1; ±inf otherwise follows IEEE arithmetic (inf - inf, 0 * inf and Softmax over several +inf
 * give NaN). Outputs of rows without NaN or inf are never affected by another row's values.
 * Fixed mode converts inputs exactly as ap_fixed's constructor from float/double does
 * (HLS4ML-SEMANTICS.md): subnormals are tiny values that the format's quantization mode rounds
 * (to 0, or to one LSB under a rounding mode that rounds them up); +inf gives the format's
 * maximum under AP_SAT*, 0 under AP_WRAP; -inf the minimum / 0; a NaN behaves as the infinity
 * of its sign bit (x86's default NaN, 0.0/0.0, has the sign bit set: minimum / 0). Every fixed
 * result is a finite value of its format, so fixed-mode outputs are never NaN or inf (QONNX
 * models without a config compute outside their Quant nodes in float32, as qonnx does, with
 * the float rules). NaN inputs are counted while the overflow report is on
 * (trigrt_session_report_nan_inputs).
 *
 * Hot path: no allocation, no lock, no trap, also on the error path.
 * Returns TRIGRT_OK, TRIGRT_E_INVALID_ARGUMENT (NULL session, inputs, outputs or element;
 * overlapping buffers), TRIGRT_E_BATCH (batch 0 or > max_batch), TRIGRT_E_MISUSE (a destroyed
 * session handle; in debug builds a run already in progress on another thread).
 * On error the outputs are untouched.
 * Not thread-safe for one session; distinct sessions may run concurrently. */
trigrt_status trigrt_session_run(trigrt_session *session, const float *const *inputs,
                                 float *const *outputs, uint32_t batch, trigrt_error *err);

/* Like trigrt_session_run with double buffers. In fixed mode the inputs are converted exactly
 * from double and outputs are exact (fixed-point values up to 53 bits fit a double), so results
 * can be compared bit for bit with firmware. In float mode inputs are rounded to float and the
 * float results widened. Same statuses, same hot-path guarantees. */
trigrt_status trigrt_session_run_f64(trigrt_session *session, const double *const *inputs,
                                     double *const *outputs, uint32_t batch, trigrt_error *err);

/* The session's max_batch, 0 if session is NULL. */
uint32_t trigrt_session_max_batch(const trigrt_session *session);

/* ---- Fixed mode: the overflow report ------------------------------------------------------
 * Per fixed-point layer: how many conversions wrapped or saturated, in the accumulator (every
 * product and every partial sum of a Dense layer; the intermediate types of a softmax) and in
 * the result, and the range of the exact values before the result conversion against the range
 * of the result format. Counting is off by default and then costs nothing; while it is on, runs
 * use the general fixed-point kernels (slower, same results). Counters accumulate over runs
 * until reset. */

/* needed_integer_bits when no integer-bit count holds the values seen (or none were seen). */
#define TRIGRT_INTEGER_BITS_UNKNOWN INT32_MIN

typedef struct trigrt_layer_report {
  uint32_t struct_size;          /* set by the caller: sizeof(trigrt_layer_report) */
  int32_t layer;                 /* index of the layer in trigrt inspect's listing */
  const char *name;              /* the layer's name (hls4ml's names), owned by the model */
  const char *result_format;     /* e.g. "ap_fixed<16,6>", owned by the model */
  uint64_t values;               /* values converted into the result since the last reset */
  uint64_t accum_wrapped;        /* accumulator conversions that wrapped (AP_WRAP) */
  uint64_t accum_saturated;      /* accumulator conversions that saturated (AP_SAT*) */
  uint64_t result_wrapped;       /* result conversions that wrapped */
  uint64_t result_saturated;     /* result conversions that saturated */
  double seen_min, seen_max;     /* exact values before the result conversion; NaN if none yet */
  double format_min, format_max; /* what the result format holds (a signed AP_SAT_SYM format:
                                    [-format_max, format_max], its most negative code is never
                                    produced) */
  int32_t integer_bits;          /* I of the result format */
  int32_t needed_integer_bits;   /* I (same signedness, F and overflow mode) that holds
                                    [seen_min, seen_max] (any value, negative ones included), or
                                    TRIGRT_INTEGER_BITS_UNKNOWN (nothing seen yet, or negatives
                                    into an unsigned type) */
} trigrt_layer_report;

/* Turns the overflow report of a fixed-mode session on (enable != 0) or off. The counters keep
 * their values; see trigrt_session_reset_report. Not allocating.
 * Returns TRIGRT_OK, TRIGRT_E_INVALID_ARGUMENT (NULL session, or a float-mode model). */
trigrt_status trigrt_session_set_report(trigrt_session *session, int32_t enable, trigrt_error *err);

/* Number of layers in the report (the fixed-point layers); 0 for NULL or a float-mode session. */
int32_t trigrt_session_report_count(const trigrt_session *session);

/* Copies the report of layer `index` (0 ..< trigrt_session_report_count) into *out.
 * Returns TRIGRT_OK, TRIGRT_E_INVALID_ARGUMENT (NULL pointer, index out of range,
 * out->struct_size smaller than the version-1 fields). Not allocating. */
trigrt_status trigrt_session_report(const trigrt_session *session, int32_t index, trigrt_layer_report *out,
                                    trigrt_error *err);

/* Sets every counter of the report to zero and forgets the ranges. NULL is ignored. */
void trigrt_session_reset_report(trigrt_session *session);

/* Fixed mode: NaN values among the inputs of the runs made while the report was on, since the
 * last reset (they convert as ap_fixed converts NaN; see trigrt_session_run). 0 for NULL. */
uint64_t trigrt_session_report_nan_inputs(const trigrt_session *session);

/* ---- Tools: the model's description and a per-layer trace ----------------------------------
 * For inspection and validation tools (trigrt inspect / trace, the Python binding's
 * Model.inspect() and Model.trace()). Unlike run, these allocate; do not call them on a hot path. */

/* The description `trigrt inspect --json` prints, as one JSON object: model, mode, inputs,
 * outputs (name, shape, size), layers (index, name, class, kind, shape, macs, parameter_bytes,
 * types: every resolved ap_fixed type of the layer in fixed mode, constants, notes), totals,
 * arena sizes and warnings (every known-hls4ml-trap and note of every layer: layer, name,
 * severity "trap" | "note" | "info", message).
 * Writes at most size - 1 bytes and a NUL to buf (nothing when buf is NULL or size is 0) and
 * returns the length of the whole document without the NUL: call once with NULL to size the
 * buffer. 0 if model is NULL. Thread-safe. */
size_t trigrt_model_describe_json(const trigrt_model *model, char *buf, size_t size);

/* Receives one layer's output for every row of a traced call: `count` = batch * the layer's
 * per-sample size values, row after row, exact (raw integer * 2^-F). Valid during the call only. */
typedef void (*trigrt_trace_callback)(void *user, int32_t layer, const double *values, size_t count);

/* Fixed mode: runs `batch` rows of double inputs (as trigrt_session_run_f64) step by step and calls
 * `callback(user, layer, values, count)` once per layer, in the order of trigrt inspect's listing,
 * with that layer's outputs. While the session's report is on (trigrt_session_set_report) the
 * counters accumulate as in a run. Returns TRIGRT_OK, TRIGRT_E_INVALID_ARGUMENT (NULL session,
 * inputs, element or callback; a float-mode model), TRIGRT_E_BATCH (batch 0 or > max_batch).
 * Allocates; same threading rule as run. */
trigrt_status trigrt_session_trace_f64(trigrt_session *session, const double *const *inputs, uint32_t batch,
                                       trigrt_trace_callback callback, void *user, trigrt_error *err);

/* Static English text for a status ("ok", "invalid argument", ...); never NULL. */
const char *trigrt_status_string(trigrt_status status);

/* TRIGRT_ABI_VERSION and TRIGRT_VERSION_NUMBER of the library actually loaded. */
uint32_t trigrt_abi_version(void);
uint32_t trigrt_version_number(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TRIGRT_H */

// bench_driver: trigrt through its C ABI next to its peers, in one process, interleaved.
//
// How a C++ trigger framework calls trigrt: load the model once, one session per thread, then
// trigrt_session_run (float) or trigrt_session_run_f64 (fixed, exact) per jet or seed. This
// program does exactly that and times it next to, on the same inputs and in the same process:
//   float mode: the plain C -O3 loop of the same dense net (cnet.c), the same net on OpenBLAS,
//               ONNX Runtime through its C API (header from Debian's libonnxruntime-dev, the pip
//               wheel's libonnxruntime.so, dlopen'ed) and through its Python API with IOBinding
//               (embedded interpreter);
//   fixed mode: hls4ml's compiled C simulation of the same model and precision config
//               (myproject_double from the library hls4ml's build_lib.sh made), called natively.
//
// Batch-1 latency: cycles of (warm-up calls, per-call timed calls, one timed block of calls) per
// variant, the variants' order rotated every cycle (A B C, B C A, ...), so load on the machine hits
// every variant alike and cancels in the ratios. 3,125 cycles give trigrt 100,000 per-call samples
// (and 100,000 more in blocks). Peers much slower than trigrt take fewer calls per cycle (a time
// budget), never fewer cycles, so they stay interleaved over the whole run.
// Throughput: batch 1, 16, 256, the variants again interleaved call by call.
// Heap calls: this executable defines malloc & co. (they interpose libc's for every library in the
// process, libtrigrt.so's static Swift runtime included) and counts them per variant while that
// variant's timed calls run.
//
// Usage:
//   bench_driver --model M.onnx --inputs X.npy [--mode float|fixed] [--config CFG.yml] [--net NET.bin]
//                [--csim LIB.so] [--ort-c LIBONNXRUNTIME.so] [--ort-python PEER_DIR] [--cycles N]
//                [--slow-budget S] [--json OUT]
#include <dlfcn.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cnet.h"
#include "trigrt.h"
extern "C" {
#include "../../Tests/Consumers/npy.h"
}

#ifdef BENCH_ORT_C
#include <onnxruntime_c_api.h>
#endif

#ifdef BENCH_PYTHON
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif

// ---------------------------------------------------------------- heap-call counting

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);
void *__libc_memalign(size_t, size_t);
}
// Armed when non-null: the counter of the running variant. Thread-local (initial-exec TLS of the
// executable: no allocation on first use), so only the measuring thread's calls count, not those
// of threads a peer runs in the background (ONNX Runtime's environment has some).
static __thread long *g_heap = nullptr;
#define COUNT_HEAP() do { long *c = g_heap; if (c) ++*c; } while (0)
extern "C" {
void *malloc(size_t n) { COUNT_HEAP(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { COUNT_HEAP(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { COUNT_HEAP(); return __libc_realloc(p, n); }
void free(void *p) { if (p) COUNT_HEAP(); __libc_free(p); }
void *memalign(size_t a, size_t n) { COUNT_HEAP(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { COUNT_HEAP(); return __libc_memalign(a, n); }
void *valloc(size_t n) { COUNT_HEAP(); return __libc_memalign(4096, n); }
int posix_memalign(void **out, size_t a, size_t n) {
  COUNT_HEAP();
  void *p = __libc_memalign(a, n);
  if (!p) return 12;
  *out = p;
  return 0;
}
}

// ---------------------------------------------------------------- helpers

static inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

[[noreturn]] static void die(const std::string &m) {
  fprintf(stderr, "bench_driver: %s\n", m.c_str());
  exit(1);
}

static double quantile(const std::vector<uint64_t> &sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = (size_t)(p * (double)sorted.size());
  return (double)sorted[std::min(i, sorted.size() - 1)];
}

static double median_of(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  return quantile(v, 0.5);
}

static std::string jstr(const std::string &s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') { o += '\\'; o += c; }
    else if ((unsigned char)c < 0x20) { char b[8]; snprintf(b, sizeof b, "\\u%04x", c); o += b; }
    else o += c;
  }
  return o + "\"";
}

static std::string jnum(double v) {
  if (!std::isfinite(v)) return "null";
  char b[64];
  snprintf(b, sizeof b, "%.6g", v);
  return b;
}

static std::string loadavg() {
  FILE *f = fopen("/proc/loadavg", "r");
  char b[128] = {0};
  if (f) { if (!fgets(b, sizeof b, f)) b[0] = 0; fclose(f); }
  double a = 0, c = 0, d = 0;
  sscanf(b, "%lf %lf %lf", &a, &c, &d);
  return "[" + jnum(a) + ", " + jnum(c) + ", " + jnum(d) + "]";
}

template <class T> static T *alloc_aligned(size_t n) {
  void *p = nullptr;
  if (posix_memalign(&p, 64, sizeof(T) * (n ? n : 1))) die("out of memory");
  memset(p, 0, sizeof(T) * (n ? n : 1));
  return (T *)p;
}

// ---------------------------------------------------------------- variants

constexpr int kRows = 64;     // batch-1 inputs cycle through this many rows
constexpr int kMaxBatch = 256;

struct Variant {
  std::string key, name;
  int warm = 4, per = 32, block = 32;      // per cycle; set by the time budget
  std::vector<uint64_t> lat, blk;           // per-call ns; block ns (block calls)
  long heap = 0, runs = 0;                  // heap calls in `runs` timed runs
  std::vector<std::pair<int, double>> thr;  // (batch, samples/s)
  std::vector<std::pair<int, long>> thr_heap;
  double est_ns = 0;
  virtual ~Variant() {}
  virtual void run1(int row) = 0;           // one sample: row of the batch-1 inputs
  virtual void runb(int b) = 0;             // b samples at once (or a loop for per-sample peers)
  virtual bool has_batch() const { return true; }
};

struct TrigrtFloat : Variant {
  trigrt_session *s1 = nullptr, *sb = nullptr;
  float *x1, *xb, *y1, *yb;
  size_t nin, nout;
  void run1(int r) override {
    const float *in[1] = {x1 + (size_t)r * nin};
    float *out[1] = {y1 + (size_t)r * nout};
    trigrt_session_run(s1, in, out, 1, nullptr);
  }
  void runb(int b) override {
    const float *in[1] = {xb};
    float *out[1] = {yb};
    trigrt_session_run(sb, in, out, (uint32_t)b, nullptr);
  }
};

struct TrigrtFixed : Variant {
  trigrt_session *s1 = nullptr, *sb = nullptr;
  double *x1, *xb, *y1, *yb;
  size_t nin, nout;
  void run1(int r) override {
    const double *in[1] = {x1 + (size_t)r * nin};
    double *out[1] = {y1 + (size_t)r * nout};
    trigrt_session_run_f64(s1, in, out, 1, nullptr);
  }
  void runb(int b) override {
    const double *in[1] = {xb};
    double *out[1] = {yb};
    trigrt_session_run_f64(sb, in, out, (uint32_t)b, nullptr);
  }
};

struct PlainC : Variant {
  cnet *net;
  const float *x1, *xb;
  float *y1, *yb;
  int nin, nout;
  void run1(int r) override { cnet_run(net, x1 + (size_t)r * nin, y1 + (size_t)r * nout); }
  void runb(int b) override {
    for (int r = 0; r < b; r++) cnet_run(net, xb + (size_t)r * nin, yb + (size_t)r * nout);
  }
};

struct Blas : Variant {
  cnet *net;
  const float *x1, *xb;
  float *y1, *yb;
  int nin, nout;
  void run1(int r) override { cnet_run_blas(net, x1 + (size_t)r * nin, y1 + (size_t)r * nout, 1); }
  void runb(int b) override { cnet_run_blas(net, xb, yb, b); }
};

// Fixed mode with float32 inputs and outputs (trigrt_session_run): the entry point whose input
// quantizer is vectorised; exact for inputs that are float32 values.
struct TrigrtFixed32 : Variant {
  trigrt_session *s1 = nullptr, *sb = nullptr;
  float *x1, *xb, *y1, *yb;
  size_t nin, nout;
  void run1(int r) override {
    const float *in[1] = {x1 + (size_t)r * nin};
    float *out[1] = {y1 + (size_t)r * nout};
    trigrt_session_run(s1, in, out, 1, nullptr);
  }
  void runb(int b) override {
    const float *in[1] = {xb};
    float *out[1] = {yb};
    trigrt_session_run(sb, in, out, (uint32_t)b, nullptr);
  }
};

typedef void (*csim_fn)(double *, double *);
typedef void (*csim_float_fn)(float *, float *);
struct Csim : Variant {
  csim_fn fn;
  double *x1, *xb, *y1, *yb;
  size_t nin, nout;
  void run1(int r) override { fn(x1 + (size_t)r * nin, y1 + (size_t)r * nout); }
  void runb(int b) override {
    for (int r = 0; r < b; r++) fn(xb + (size_t)r * nin, yb + (size_t)r * nout);
  }
};

#ifdef BENCH_ORT_C
// ONNX Runtime through its C API, as a C++ framework embeds it at its fastest: one session (CPU
// execution provider, one intra-op and one inter-op thread, no spinning, the same settings as the
// Python peer), input and output OrtValues created once over the caller's buffers and bound once
// (OrtIoBinding), and per call only OrtApi::RunWithBinding (ONNX Runtime writes into the bound
// output; plain OrtApi::Run with the same values measured ~1 µs slower here). The library is the pip wheel's libonnxruntime.so,
// dlopen'ed; the header (Debian's libonnxruntime-dev) fixes the API version asked for, which a
// newer library still serves (the function table is append-only).
static const OrtApi *g_ort = nullptr;
static void ort_check(OrtStatus *st, const char *what) {
  if (!st) return;
  std::string m = std::string(what) + ": " + g_ort->GetErrorMessage(st);
  g_ort->ReleaseStatus(st);
  die("ONNX Runtime C API: " + m);
}

struct OrtC : Variant {
  OrtSession *sess = nullptr;
  OrtIoBinding *b1[kRows] = {}, *bb[3] = {};   // bound once: input and output OrtValues
  float *y1 = nullptr;
  static int slot(int b) { return b == 1 ? 0 : b == 16 ? 1 : 2; }
  void call(OrtIoBinding *b) {
    OrtStatus *st = g_ort->RunWithBinding(sess, nullptr, b);
    if (st) ort_check(st, "RunWithBinding");
  }
  void run1(int r) override { call(b1[r]); }
  void runb(int b) override { call(bb[slot(b)]); }
};

// dims of the model's input or output with the batch (first, or any symbolic dim) set to b
static std::vector<int64_t> ort_dims(OrtTypeInfo *ti, int64_t b) {
  const OrtTensorTypeAndShapeInfo *tsi = nullptr;
  ort_check(g_ort->CastTypeInfoToTensorInfo(ti, &tsi), "CastTypeInfoToTensorInfo");
  size_t n = 0;
  ort_check(g_ort->GetDimensionsCount(tsi, &n), "GetDimensionsCount");
  std::vector<int64_t> d(n);
  ort_check(g_ort->GetDimensions(tsi, d.data(), n), "GetDimensions");
  for (size_t i = 0; i < n; i++) if (i == 0 || d[i] < 0) d[i] = i == 0 ? b : 1;
  return d;
}

static OrtC *make_ort_c(const std::string &lib, const std::string &model, float *x1, float *xb, size_t nin, size_t nout,
                        std::string &version) {
  void *h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) die(std::string("dlopen: ") + dlerror());
  auto base = (const OrtApiBase *(*)(void))dlsym(h, "OrtGetApiBase");
  if (!base) die("no OrtGetApiBase in " + lib);
  version = base()->GetVersionString();
  g_ort = base()->GetApi(ORT_API_VERSION);
  if (!g_ort) die("ONNX Runtime " + version + " does not serve C API version " + std::to_string(ORT_API_VERSION));
  OrtEnv *env = nullptr;
  ort_check(g_ort->CreateEnv(ORT_LOGGING_LEVEL_WARNING, "trigrt-bench", &env), "CreateEnv");
  OrtSessionOptions *so = nullptr;
  ort_check(g_ort->CreateSessionOptions(&so), "CreateSessionOptions");
  ort_check(g_ort->SetIntraOpNumThreads(so, 1), "SetIntraOpNumThreads");
  ort_check(g_ort->SetInterOpNumThreads(so, 1), "SetInterOpNumThreads");
  ort_check(g_ort->SetSessionExecutionMode(so, ORT_SEQUENTIAL), "SetSessionExecutionMode");
  ort_check(g_ort->SetSessionGraphOptimizationLevel(so, ORT_ENABLE_ALL), "SetSessionGraphOptimizationLevel");
  ort_check(g_ort->AddSessionConfigEntry(so, "session.intra_op.allow_spinning", "0"), "AddSessionConfigEntry");
  auto *o = new OrtC;
  ort_check(g_ort->CreateSession(env, model.c_str(), so, &o->sess), "CreateSession");
  OrtAllocator *al = nullptr;
  ort_check(g_ort->GetAllocatorWithDefaultOptions(&al), "GetAllocatorWithDefaultOptions");
  char *in_name = nullptr, *out_name = nullptr;
  ort_check(g_ort->SessionGetInputName(o->sess, 0, al, &in_name), "SessionGetInputName");
  ort_check(g_ort->SessionGetOutputName(o->sess, 0, al, &out_name), "SessionGetOutputName");
  OrtTypeInfo *iti = nullptr, *oti = nullptr;
  ort_check(g_ort->SessionGetInputTypeInfo(o->sess, 0, &iti), "SessionGetInputTypeInfo");
  ort_check(g_ort->SessionGetOutputTypeInfo(o->sess, 0, &oti), "SessionGetOutputTypeInfo");
  OrtMemoryInfo *mi = nullptr;
  ort_check(g_ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &mi), "CreateCpuMemoryInfo");
  auto value = [&](OrtTypeInfo *ti, float *data, size_t per, int64_t b) {
    std::vector<int64_t> d = ort_dims(ti, b);
    OrtValue *v = nullptr;
    ort_check(g_ort->CreateTensorWithDataAsOrtValue(mi, data, sizeof(float) * per * (size_t)b, d.data(), d.size(),
                                                    ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &v), "CreateTensorWithDataAsOrtValue");
    return v;
  };
  // the input and output values over the driver's buffers, bound once per row and per batch size
  auto bind = [&](float *x, float *y, int64_t b) {
    OrtIoBinding *bd = nullptr;
    ort_check(g_ort->CreateIoBinding(o->sess, &bd), "CreateIoBinding");
    ort_check(g_ort->BindInput(bd, in_name, value(iti, x, nin, b)), "BindInput");
    ort_check(g_ort->BindOutput(bd, out_name, value(oti, y, nout, b)), "BindOutput");
    return bd;
  };
  float *y1 = alloc_aligned<float>(kRows * nout), *yb = alloc_aligned<float>(kMaxBatch * nout);
  for (int r = 0; r < kRows; r++) o->b1[r] = bind(x1 + (size_t)r * nin, y1 + (size_t)r * nout, 1);
  const int bs[3] = {1, 16, kMaxBatch};
  for (int i = 0; i < 3; i++) o->bb[i] = bind(xb, yb, bs[i]);
  o->y1 = y1;
  return o;
}
#endif

#ifdef BENCH_PYTHON
struct OrtPython : Variant {
  PyObject *calls1[kRows];   // bound run_with_iobinding per input row
  PyObject *callsb[3];       // batch 1, 16, 256
  void run1(int r) override {
    PyObject *res = PyObject_CallNoArgs(calls1[r]);
    if (!res) { PyErr_Print(); die("ONNX Runtime run failed"); }
    Py_DECREF(res);
  }
  void runb(int b) override {
    PyObject *res = PyObject_CallNoArgs(callsb[b == 1 ? 0 : b == 16 ? 1 : 2]);
    if (!res) { PyErr_Print(); die("ONNX Runtime run failed"); }
    Py_DECREF(res);
  }
};

static PyObject *py_get(PyObject *d, const char *k) {
  PyObject *v = PyDict_GetItemString(d, k);   // borrowed
  if (!v) die(std::string("ort_peer.setup() result has no '") + k + "'");
  return v;
}
#endif

// ---------------------------------------------------------------- measurement

static void measure_latency(std::vector<Variant *> &vs, int cycles) {
  for (Variant *v : vs) {
    v->lat.reserve((size_t)cycles * v->per);
    v->blk.reserve((size_t)cycles);
  }
  const size_t nv = vs.size();
  for (int c = 0; c < cycles; c++) {
    for (size_t k = 0; k < nv; k++) {
      Variant *v = vs[(k + (size_t)c) % nv];
      int r = (c * 7) % kRows;
      for (int i = 0; i < v->warm; i++) v->run1((r + i) % kRows);
      g_heap = &v->heap;
      for (int i = 0; i < v->per; i++) {
        int row = (r + v->warm + i) % kRows;
        uint64_t a = now_ns();
        v->run1(row);
        uint64_t b = now_ns();
        v->lat.push_back(b - a);   // reserved: no allocation
      }
      if (v->block) {
        uint64_t a = now_ns();
        for (int i = 0; i < v->block; i++) v->run1((r + i) % kRows);
        v->blk.push_back(now_ns() - a);
      }
      g_heap = nullptr;
      v->runs += v->per + v->block;
    }
  }
}

static void measure_throughput(std::vector<Variant *> &vs, double budget_s) {
  const int batches[3] = {1, 16, 256};
  for (int b : batches) {
    std::vector<Variant *> act;
    for (Variant *v : vs) if (v->has_batch()) act.push_back(v);
    // reps per variant: enough for a stable median within the budget, at least 5, at most 3000
    std::vector<int> reps(act.size());
    int maxreps = 0;
    for (size_t i = 0; i < act.size(); i++) {
      act[i]->runb(b);   // warm-up + estimate
      uint64_t a = now_ns();
      act[i]->runb(b);
      double t = (double)(now_ns() - a);
      reps[i] = (int)std::max(5.0, std::min(3000.0, budget_s * 1e9 / std::max(t, 1.0)));
      maxreps = std::max(maxreps, reps[i]);
    }
    std::vector<std::vector<uint64_t>> ts(act.size());
    std::vector<long> heaps(act.size(), 0), runs(act.size(), 0);
    for (size_t i = 0; i < act.size(); i++) ts[i].reserve(reps[i]);
    for (int rep = 0; rep < maxreps; rep++) {
      for (size_t k = 0; k < act.size(); k++) {
        size_t i = (k + (size_t)rep) % act.size();
        if (rep >= reps[i]) continue;
        g_heap = &heaps[i];
        uint64_t a = now_ns();
        act[i]->runb(b);
        uint64_t t = now_ns() - a;
        g_heap = nullptr;
        ts[i].push_back(t);
        runs[i]++;
      }
    }
    for (size_t i = 0; i < act.size(); i++) {
      act[i]->thr.push_back({b, (double)b / median_of(ts[i]) * 1e9});
      act[i]->thr_heap.push_back({b, heaps[i]});
    }
  }
}

// ---------------------------------------------------------------- main

struct Args {
  std::string model, inputs, mode = "float", config, net, csim, ort_dir, ort_c, json;
  int cycles = 3125;
  double slow_budget = 4.0, thr_budget = 0.4;
};

static Args parse(int argc, char **argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + k);
      return argv[++i];
    };
    if (k == "--model") a.model = val();
    else if (k == "--inputs") a.inputs = val();
    else if (k == "--mode") a.mode = val();
    else if (k == "--config") a.config = val();
    else if (k == "--net") a.net = val();
    else if (k == "--csim") a.csim = val();
    else if (k == "--ort-python") a.ort_dir = val();
    else if (k == "--ort-c") a.ort_c = val();
    else if (k == "--json") a.json = val();
    else if (k == "--cycles") a.cycles = atoi(val().c_str());
    else if (k == "--slow-budget") a.slow_budget = atof(val().c_str());
    else if (k == "--throughput-budget") a.thr_budget = atof(val().c_str());
    else die("unknown argument " + k);
  }
  if (a.model.empty() || a.inputs.empty()) die("--model and --inputs are required");
  if (a.mode != "float" && a.mode != "fixed") die("--mode is float or fixed");
  return a;
}

static trigrt_model *load(const Args &a, trigrt_error *err) {
  trigrt_options o;
  TRIGRT_OPTIONS_INIT(&o);
  o.mode = a.mode == "fixed" ? TRIGRT_MODE_FIXED : TRIGRT_MODE_FLOAT;
  o.precision_config = a.config.empty() ? nullptr : a.config.c_str();
  trigrt_model *m = nullptr;
  if (trigrt_model_load_file(a.model.c_str(), &o, &m, err) != TRIGRT_OK) return nullptr;
  return m;
}

int main(int argc, char **argv) {
  Args a = parse(argc, argv);
  const bool fixed = a.mode == "fixed";
  npy_array x;
  if (npy_read(a.inputs.c_str(), &x) || x.rows < 1) die("cannot read " + a.inputs);

  trigrt_error err;
  trigrt_model *model = load(a, &err);
  if (!model) {
    // An unsupported model/mode is a result, not a crash: report it.
    std::string o = "{\"model\": " + jstr(a.model) + ", \"mode\": " + jstr(a.mode) + ", \"config\": " + jstr(a.config) +
                    ", \"error\": " + jstr(err.message) + ", \"status\": " + std::to_string(err.code) + "}\n";
    if (!a.json.empty()) { FILE *f = fopen(a.json.c_str(), "w"); fputs(o.c_str(), f); fclose(f); }
    fputs(o.c_str(), stdout);
    return 3;
  }
  const size_t nin = trigrt_model_input_size(model, 0), nout = trigrt_model_output_size(model, 0);
  if (trigrt_model_input_count(model) != 1 || trigrt_model_output_count(model) != 1)
    die("the driver handles one input and one output");
  if (x.cols != nin) die("inputs have " + std::to_string(x.cols) + " columns, the model takes " + std::to_string(nin));

  // Inputs: 64 rows for batch 1, 256 for batches (the file's rows, repeated if fewer).
  double *xd1 = alloc_aligned<double>(kRows * nin), *xdb = alloc_aligned<double>(kMaxBatch * nin);
  float *xf1 = alloc_aligned<float>(kRows * nin), *xfb = alloc_aligned<float>(kMaxBatch * nin);
  for (int r = 0; r < kMaxBatch; r++)
    for (size_t j = 0; j < nin; j++) {
      double v = x.data[(r % x.rows) * nin + j];
      if (r < kRows) { xd1[r * nin + j] = v; xf1[r * nin + j] = (float)v; }
      xdb[r * nin + j] = v;
      xfb[r * nin + j] = (float)v;
    }

  // Model load and session creation times (median of repeats, at most ~2 s).
  std::vector<uint64_t> loads, creates;
  uint64_t t_start = now_ns();
  for (int i = 0; i < 50 && (i < 5 || now_ns() - t_start < 2000000000ull); i++) {
    uint64_t t0 = now_ns();
    trigrt_model *m2 = load(a, &err);
    uint64_t t1 = now_ns();
    trigrt_session *s = nullptr;
    trigrt_session_create(m2, 1, &s, &err);
    uint64_t t2 = now_ns();
    loads.push_back(t1 - t0);
    creates.push_back(t2 - t1);
    trigrt_session_destroy(s);
    trigrt_model_destroy(m2);
  }

  std::vector<std::unique_ptr<Variant>> owned;
  std::vector<Variant *> vs;
  std::string checks;   // JSON members
  if (!fixed) {
    auto *t = new TrigrtFloat;
    t->key = "trigrt"; t->name = "trigrt (C ABI)";
    t->nin = nin; t->nout = nout; t->x1 = xf1; t->xb = xfb;
    t->y1 = alloc_aligned<float>(kRows * nout); t->yb = alloc_aligned<float>(kMaxBatch * nout);
    if (trigrt_session_create(model, 1, &t->s1, &err) || trigrt_session_create(model, kMaxBatch, &t->sb, &err)) die(err.message);
    owned.emplace_back(t); vs.push_back(t);
    for (int r = 0; r < kRows; r++) t->run1(r);
    if (!a.net.empty()) {
      cnet *net = cnet_read(a.net.c_str(), kMaxBatch);
      if (!net) die("cannot read " + a.net);
      if ((size_t)cnet_inputs(net) != nin || (size_t)cnet_outputs(net) != nout) die("the C net's shape differs from the model's");
      auto *p = new PlainC;
      p->key = "plain_c"; p->name = "plain C -O3 loop";
      p->net = net; p->nin = (int)nin; p->nout = (int)nout; p->x1 = xf1; p->xb = xfb;
      p->y1 = alloc_aligned<float>(kRows * nout); p->yb = alloc_aligned<float>(kMaxBatch * nout);
      auto *o = new Blas;
      o->key = "openblas"; o->name = "OpenBLAS (sgemv / sgemm)";
      o->net = net; o->nin = (int)nin; o->nout = (int)nout; o->x1 = xf1; o->xb = xfb;
      o->y1 = alloc_aligned<float>(kRows * nout); o->yb = alloc_aligned<float>(kMaxBatch * nout);
      owned.emplace_back(p); vs.push_back(p);
      owned.emplace_back(o); vs.push_back(o);
      double wp = 0, wo = 0;
      for (int r = 0; r < kRows; r++) { p->run1(r); o->run1(r); }
      for (size_t i = 0; i < kRows * nout; i++) {
        wp = std::max(wp, (double)std::fabs(p->y1[i] - t->y1[i]));
        wo = std::max(wo, (double)std::fabs(o->y1[i] - t->y1[i]));
      }
      if (!(wp < 1e-4) || !(wo < 1e-4)) die("trigrt and the C net disagree (" + jnum(wp) + ", " + jnum(wo) + ")");
      checks += "\"plain_c_max_abs_diff\": " + jnum(wp) + ", \"openblas_max_abs_diff\": " + jnum(wo) + ", ";
      checks += "\"openblas\": " + jstr(cnet_blas_config()) + ", ";
    }
#ifdef BENCH_ORT_C
    if (!a.ort_c.empty()) {
      std::string ver;
      OrtC *o = make_ort_c(a.ort_c, a.model, xf1, xfb, nin, nout, ver);
      o->key = "ort_c"; o->name = "ONNX Runtime (C API)";
      for (int r = 0; r < kRows; r++) o->run1(r);
      double wd = 0;
      for (size_t i = 0; i < kRows * nout; i++) wd = std::max(wd, (double)std::fabs(o->y1[i] - t->y1[i]));
      if (!(wd < 1e-4)) die("trigrt and ONNX Runtime (C API) disagree (" + jnum(wd) + ")");
      checks += "\"ort_c_max_abs_diff\": " + jnum(wd) + ", \"ort_c_version\": " + jstr(ver) +
                ", \"ort_c_api_version\": " + std::to_string(ORT_API_VERSION) + ", ";
      owned.emplace_back(o); vs.push_back(o);
    }
#else
    if (!a.ort_c.empty()) die("built without onnxruntime_c_api.h: no ONNX Runtime C API peer");
#endif
#ifdef BENCH_PYTHON
    if (!a.ort_dir.empty()) {
      Py_Initialize();
      PyObject *sys_path = PySys_GetObject("path");
      PyObject *dir = PyUnicode_FromString(a.ort_dir.c_str());
      PyList_Insert(sys_path, 0, dir);
      Py_DECREF(dir);
      PyObject *mod = PyImport_ImportModule("ort_peer");
      if (!mod) { PyErr_Print(); die("cannot import ort_peer"); }
      PyObject *res = PyObject_CallMethod(mod, "setup", "ssnn", a.model.c_str(), a.inputs.c_str(), (Py_ssize_t)kRows, (Py_ssize_t)kMaxBatch);
      if (!res || !PyDict_Check(res)) { PyErr_Print(); die("ort_peer.setup failed"); }
      auto *o = new OrtPython;
      o->key = "ort_python"; o->name = "ONNX Runtime (Python, IOBinding)";
      PyObject *c1 = py_get(res, "run1"), *cb = py_get(res, "runb");
      for (int r = 0; r < kRows; r++) { o->calls1[r] = PyList_GetItem(c1, r); Py_INCREF(o->calls1[r]); }
      for (int i = 0; i < 3; i++) { o->callsb[i] = PyList_GetItem(cb, i); Py_INCREF(o->callsb[i]); }
      for (int r = 0; r < kRows; r++) o->run1(r);
      // compare ONNX Runtime's batch-1 outputs (float32 bytes) with trigrt's
      PyObject *outs = PyObject_CallNoArgs(py_get(res, "outputs1"));
      if (!outs || !PyBytes_Check(outs) || (size_t)PyBytes_Size(outs) != sizeof(float) * kRows * nout) { PyErr_Print(); die("ort_peer outputs1"); }
      const float *yo = (const float *)PyBytes_AsString(outs);
      double wd = 0;
      for (size_t i = 0; i < kRows * nout; i++) wd = std::max(wd, (double)std::fabs(yo[i] - t->y1[i]));
      Py_DECREF(outs);
      if (!(wd < 1e-4)) die("trigrt and ONNX Runtime disagree (" + jnum(wd) + ")");
      checks += "\"ort_max_abs_diff\": " + jnum(wd) + ", ";
      checks += "\"ort_version\": " + jstr(PyUnicode_AsUTF8(py_get(res, "version"))) + ", ";
      checks += "\"ort_settings\": " + jstr(PyUnicode_AsUTF8(py_get(res, "settings"))) + ", ";
      owned.emplace_back(o); vs.push_back(o);
    }
#else
    if (!a.ort_dir.empty()) die("built without Python: no ONNX Runtime peer");
#endif
  } else {
    auto *t = new TrigrtFixed;
    t->key = "trigrt"; t->name = "trigrt fixed (C ABI, run_f64)";
    t->nin = nin; t->nout = nout; t->x1 = xd1; t->xb = xdb;
    t->y1 = alloc_aligned<double>(kRows * nout); t->yb = alloc_aligned<double>(kMaxBatch * nout);
    if (trigrt_session_create(model, 1, &t->s1, &err) || trigrt_session_create(model, kMaxBatch, &t->sb, &err)) die(err.message);
    owned.emplace_back(t); vs.push_back(t);
    auto *t32 = new TrigrtFixed32;
    t32->key = "trigrt_f32"; t32->name = "trigrt fixed (C ABI, run: float32 I/O)";
    t32->nin = nin; t32->nout = nout; t32->x1 = xf1; t32->xb = xfb;
    t32->y1 = alloc_aligned<float>(kRows * nout); t32->yb = alloc_aligned<float>(kMaxBatch * nout);
    if (trigrt_session_create(model, 1, &t32->s1, &err) || trigrt_session_create(model, kMaxBatch, &t32->sb, &err)) die(err.message);
    owned.emplace_back(t32); vs.push_back(t32);
    for (int r = 0; r < kRows; r++) t32->run1(r);
    if (!a.csim.empty()) {
      void *lib = dlopen(a.csim.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!lib) die(std::string("dlopen: ") + dlerror());
      auto *c = new Csim;
      c->key = "csim"; c->name = "hls4ml 1.3.0 C simulation";
      c->fn = (csim_fn)dlsym(lib, "myproject_double");
      if (!c->fn) die("no myproject_double in " + a.csim);
      c->nin = nin; c->nout = nout; c->x1 = xd1; c->xb = xdb;
      c->y1 = alloc_aligned<double>(kRows * nout); c->yb = alloc_aligned<double>(kMaxBatch * nout);
      c->run1(0);   // the first call reads the weights and builds the tables
      // bit-exactness over every row of the file (batch 1 and batched trigrt), up to 4,000 rows
      size_t rows = std::min<size_t>(x.rows, 4000);
      double *xa = alloc_aligned<double>(rows * nin), *yc = alloc_aligned<double>(rows * nout);
      double *y1 = alloc_aligned<double>(rows * nout), *yb = alloc_aligned<double>(rows * nout);
      for (size_t i = 0; i < rows * nin; i++) xa[i] = x.data[i];
      for (size_t r = 0; r < rows; r++) {
        c->fn(xa + r * nin, yc + r * nout);
        const double *in[1] = {xa + r * nin};
        double *out[1] = {y1 + r * nout};
        trigrt_session_run_f64(t->s1, in, out, 1, nullptr);
      }
      for (size_t r = 0; r < rows; r += kMaxBatch) {
        uint32_t b = (uint32_t)std::min<size_t>(kMaxBatch, rows - r);
        const double *in[1] = {xa + r * nin};
        double *out[1] = {yb + r * nout};
        trigrt_session_run_f64(t->sb, in, out, b, nullptr);
      }
      long d1 = 0, db = 0;
      for (size_t i = 0; i < rows * nout; i++) {
        d1 += memcmp(&yc[i], &y1[i], 8) != 0;
        db += memcmp(&yc[i], &yb[i], 8) != 0;
      }
      checks += "\"bit_exact_rows\": " + std::to_string(rows) + ", \"differing_outputs_batch1\": " + std::to_string(d1) +
                ", \"differing_outputs_batched\": " + std::to_string(db) + ", ";
      // the float32 entry points: trigrt_session_run against myproject_float, on the inputs
      // rounded to float32 (both quantize the same float32 values); the first 1,000 rows
      auto cf = (csim_float_fn)dlsym(lib, "myproject_float");
      if (cf) {
        const size_t rows32 = std::min<size_t>(rows, 1000);
        float *xa32 = alloc_aligned<float>(rows32 * nin), *yc32 = alloc_aligned<float>(rows32 * nout), *y32 = alloc_aligned<float>(rows32 * nout);
        for (size_t i = 0; i < rows32 * nin; i++) xa32[i] = (float)x.data[i];
        for (size_t r = 0; r < rows32; r++) {
          cf(xa32 + r * nin, yc32 + r * nout);
          const float *in[1] = {xa32 + r * nin};
          float *out[1] = {y32 + r * nout};
          trigrt_session_run(t32->s1, in, out, 1, nullptr);
        }
        long d32 = 0;
        for (size_t i = 0; i < rows32 * nout; i++) d32 += memcmp(&yc32[i], &y32[i], 4) != 0;
        checks += "\"bit_exact_rows_float32\": " + std::to_string(rows32) + ", \"differing_outputs_float32\": " + std::to_string(d32) + ", ";
      }
      owned.emplace_back(c); vs.push_back(c);
    }
    for (int r = 0; r < kRows; r++) t->run1(r);
  }

  // Timer overhead (back-to-back clock_gettime).
  std::vector<uint64_t> ov(100000);
  for (auto &o : ov) { uint64_t q = now_ns(); o = now_ns() - q; }
  const double timer_ns = median_of(ov);

  // Calls per cycle from a time budget: a variant whose full share (cycles x (warm + 2 x 32) calls)
  // would exceed --slow-budget seconds drops the warm-up and the block, then times fewer calls
  // per cycle (at least one per cycle).
  for (Variant *v : vs) {
    std::vector<uint64_t> e;
    for (int i = 0; i < 15; i++) { uint64_t q = now_ns(); v->run1(i % kRows); e.push_back(now_ns() - q); }
    v->est_ns = median_of(e);
    double full = (double)a.cycles * (v->warm + v->per + v->block) * v->est_ns * 1e-9;
    if (v->key.rfind("trigrt", 0) != 0 && full > a.slow_budget) {
      v->warm = 0; v->block = 0;
      v->per = (int)std::max(1.0, std::min(32.0, std::floor(a.slow_budget / ((double)a.cycles * v->est_ns * 1e-9))));
    }
  }

  std::string load_before = loadavg();
  uint64_t t0 = now_ns();
  measure_latency(vs, a.cycles);
  uint64_t t1 = now_ns();
  measure_throughput(vs, a.thr_budget);
  uint64_t t2 = now_ns();
  std::string load_after = loadavg();

  // ---- report
  std::string o = "{\n";
  o += " \"model\": " + jstr(a.model) + ", \"mode\": " + jstr(a.mode) + ", \"config\": " + jstr(a.config) + ",\n";
  o += " \"inputs_file\": " + jstr(a.inputs) + ", \"input_size\": " + std::to_string(nin) + ", \"output_size\": " + std::to_string(nout) + ",\n";
  o += " \"trigrt_version\": " + std::to_string(trigrt_version_number()) + ", \"cycles\": " + std::to_string(a.cycles) + ",\n";
  o += " \"timer_overhead_ns\": " + jnum(timer_ns) + ", \"latency_seconds\": " + jnum((t1 - t0) * 1e-9) +
       ", \"throughput_seconds\": " + jnum((t2 - t1) * 1e-9) + ",\n";
  o += " \"load_before\": " + load_before + ", \"load_after\": " + load_after + ",\n";
  o += " \"load_ms\": " + jnum(median_of(loads) * 1e-6) + ", \"session_create_us\": " + jnum(median_of(creates) * 1e-3) +
       ", \"load_repeats\": " + std::to_string(loads.size()) + ",\n";
  o += " \"arena_bytes\": {\"1\": " + std::to_string(trigrt_model_arena_size(model, 1)) + ", \"16\": " +
       std::to_string(trigrt_model_arena_size(model, 16)) + ", \"256\": " + std::to_string(trigrt_model_arena_size(model, 256)) + "},\n";
  o += " \"checks\": {" + checks + "\"ok\": true},\n";
  o += " \"variants\": [\n";
  for (size_t i = 0; i < vs.size(); i++) {
    Variant *v = vs[i];
    std::vector<uint64_t> s = v->lat;
    std::sort(s.begin(), s.end());
    double mean = 0;
    for (uint64_t q : s) mean += (double)q;
    mean /= (double)std::max<size_t>(1, s.size());
    double blk = v->blk.empty() ? NAN : median_of(v->blk) / v->block;
    o += "  {\"key\": " + jstr(v->key) + ", \"name\": " + jstr(v->name) + ", \"calls\": " + std::to_string(s.size()) +
         ", \"per_cycle\": " + std::to_string(v->per) + ", \"warm\": " + std::to_string(v->warm) + ", \"block\": " + std::to_string(v->block) + ",\n";
    o += "   \"p50\": " + jnum(quantile(s, 0.5)) + ", \"p90\": " + jnum(quantile(s, 0.9)) + ", \"p99\": " + jnum(quantile(s, 0.99)) +
         ", \"p999\": " + jnum(quantile(s, 0.999)) + ", \"p9999\": " + jnum(quantile(s, 0.9999)) + ", \"max\": " + jnum(s.empty() ? 0 : (double)s.back()) +
         ", \"mean\": " + jnum(mean) + ", \"min\": " + jnum(s.empty() ? 0 : (double)s.front()) + ", \"block_ns_per_call\": " + jnum(blk) + ",\n";
    o += "   \"heap_calls\": " + std::to_string(v->heap) + ", \"runs\": " + std::to_string(v->runs) + ",\n";
    o += "   \"throughput\": {";
    for (size_t k = 0; k < v->thr.size(); k++)
      o += (k ? ", " : "") + jstr(std::to_string(v->thr[k].first)) + ": " + jnum(v->thr[k].second);
    o += "}, \"throughput_heap_calls\": {";
    for (size_t k = 0; k < v->thr_heap.size(); k++)
      o += (k ? ", " : "") + jstr(std::to_string(v->thr_heap[k].first)) + ": " + std::to_string(v->thr_heap[k].second);
    o += "},\n   \"cdf\": [";
    // quantiles on a "nines" grid: p = 1 - 10^-s, s in [0, 5], plus the maximum
    const int npts = 240;
    for (int k = 0; k <= npts; k++) {
      double sx = 5.0 * k / npts, p = k == 0 ? 0.0 : 1.0 - std::pow(10.0, -sx);
      if ((double)s.size() * (1 - p) < 1) break;
      o += (k ? ", " : "") + std::string("[") + jnum(p) + ", " + jnum(quantile(s, p)) + "]";
    }
    o += std::string(", [1, ") + jnum(s.empty() ? 0 : (double)s.back()) + "]]}";
    o += i + 1 < vs.size() ? ",\n" : "\n";
  }
  o += " ]\n}\n";
  if (!a.json.empty()) {
    FILE *f = fopen(a.json.c_str(), "w");
    if (!f) die("cannot write " + a.json);
    fputs(o.c_str(), f);
    fclose(f);
  }
  // a short human summary on stdout
  printf("%s [%s%s%s] timer %.0f ns, load %s -> %s\n", a.model.c_str(), a.mode.c_str(), a.config.empty() ? "" : " ",
         a.config.c_str(), timer_ns, load_before.c_str(), load_after.c_str());
  for (Variant *v : vs) {
    std::vector<uint64_t> s = v->lat;
    std::sort(s.begin(), s.end());
    printf("  %-34s %7zu calls  p50 %9.0f  p99 %9.0f  p99.9 %9.0f  max %9.0f ns  heap %ld/%ld runs  b256 %.3g/s\n", v->name.c_str(),
           s.size(), quantile(s, 0.5), quantile(s, 0.99), quantile(s, 0.999), s.empty() ? 0.0 : (double)s.back(), v->heap, v->runs,
           v->thr.empty() ? 0.0 : v->thr.back().second);
  }
  fflush(stdout);
  // Leave the Python interpreter and the libraries to process exit (ORT's teardown order with
  // an embedded interpreter is not ours to test here).
  _exit(0);
}

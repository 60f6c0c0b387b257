// reco_framework.cpp — trigrt inside a multi-threaded event-processing framework, the way a
// CMSSW / Athena / Gaudi module would use it:
//
//   * the model is loaded once, at job start, and shared by every thread (a trigrt_model is
//     immutable: a "global cache");
//   * every worker thread ("stream") owns its session and its I/O buffers (a "stream cache"):
//     sessions are not shared, so nothing is locked on the event path;
//   * each event is one batch-1 call, with no allocation inside the event loop;
//   * errors come through trigrt.hpp as trigrt::Error (status + the library's message), and an
//     error in a worker is carried to the main thread with std::exception_ptr, the way a
//     framework turns a module exception into a failed job.
//
//   reco_framework MODEL INPUTS.npy REFERENCE.npy [--threads N] [--atol X]
//                  [--fixed [--precision CFG]]
//
// Runs every row of INPUTS.npy as an event on N threads (default 4), then compares each event's
// output with the row of REFERENCE.npy: within --atol (default 1e-5) in float mode; in fixed
// mode (--fixed, doubles through trigrt::run_f64) bit for bit unless --atol is given. Exit status
// 0 when every event matches, 1 otherwise, 2 on a usage or trigrt error.

#include <trigrt.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "npy.hpp"

namespace {

struct Config {
  std::string model, inputs, reference, precision;
  unsigned threads = 4;
  double atol = -1;  // < 0: the mode's default
  bool fixed = false;
};

/// Job-level state, created once and read by every stream: the model and its I/O sizes.
struct GlobalCache {
  std::shared_ptr<const trigrt_model> model;
  size_t in_size = 0, out_size = 0;
  bool fixed = false;
};

GlobalCache load_global_cache(const Config &cfg) {
  trigrt_options opts;
  TRIGRT_OPTIONS_INIT(&opts);
  opts.mode = cfg.fixed ? TRIGRT_MODE_FIXED : TRIGRT_MODE_FLOAT;
  opts.precision_config = cfg.precision.empty() ? nullptr : cfg.precision.c_str();
  trigrt::Model model = trigrt::load_file(cfg.model, &opts);  // throws trigrt::Error
  if (trigrt_model_input_count(model.get()) != 1 || trigrt_model_output_count(model.get()) != 1)
    throw std::runtime_error(cfg.model + ": this example handles models with one input and one output");
  GlobalCache g;
  g.in_size = trigrt_model_input_size(model.get(), 0);
  g.out_size = trigrt_model_output_size(model.get(), 0);
  g.fixed = cfg.fixed;
  g.model = std::shared_ptr<const trigrt_model>(model.release(), trigrt::ModelDeleter());
  return g;
}

/// Per-stream state: a session of max_batch 1 and the event's input/output buffers, all made
/// before the first event. The event path below only copies and calls.
struct StreamCache {
  trigrt::Session session;
  std::vector<float> in32, out32;
  std::vector<double> in64, out64;
};

std::unique_ptr<StreamCache> make_stream_cache(const GlobalCache &g) {
  trigrt_error err;
  trigrt_session *s = nullptr;
  trigrt::check(trigrt_session_create(g.model.get(), 1, &s, &err), err);
  auto c = std::make_unique<StreamCache>();
  c->session = trigrt::Session(s);
  c->in32.resize(g.in_size);
  c->out32.resize(g.out_size);
  c->in64.resize(g.in_size);
  c->out64.resize(g.out_size);
  return c;
}

/// One event: batch-1 inference on `features`, the scores written to `scores`.
void produce(const GlobalCache &g, StreamCache &c, const double *features, double *scores) {
  if (g.fixed) {  // doubles in and out: the exact fixed-point values
    std::copy(features, features + g.in_size, c.in64.begin());
    const double *in[] = {c.in64.data()};
    double *out[] = {c.out64.data()};
    trigrt::run_f64(c.session, in, out, 1);
    std::copy(c.out64.begin(), c.out64.end(), scores);
  } else {
    for (size_t i = 0; i < g.in_size; i++) c.in32[i] = static_cast<float>(features[i]);
    const float *in[] = {c.in32.data()};
    float *out[] = {c.out32.data()};
    trigrt::run(c.session, in, out, 1);
    std::copy(c.out32.begin(), c.out32.end(), scores);
  }
}

Config parse(int argc, char **argv) {
  Config cfg;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--threads") cfg.threads = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--atol") cfg.atol = std::stod(value());
    else if (a == "--fixed") cfg.fixed = true;
    else if (a == "--precision") cfg.precision = value();
    else pos.push_back(a);
  }
  if (pos.size() != 3 || cfg.threads == 0)
    throw std::runtime_error("usage: reco_framework MODEL INPUTS.npy REFERENCE.npy [--threads N] [--atol X] [--fixed [--precision CFG]]");
  cfg.model = pos[0];
  cfg.inputs = pos[1];
  cfg.reference = pos[2];
  return cfg;
}

/// The error path through trigrt.hpp: a missing file and a batch the session cannot take must
/// arrive as trigrt::Error with the right status and a message naming the problem.
bool check_errors(const GlobalCache &g) {
  bool ok = true;
  try {
    trigrt::load_file("/nonexistent/model.onnx");
    ok = false;
    std::printf("FAIL  loading a missing file did not throw\n");
  } catch (const trigrt::Error &e) {
    if (e.status() != TRIGRT_E_IO || std::string(e.what()).find("/nonexistent/model.onnx") == std::string::npos) ok = false;
    std::printf("%s  missing file: trigrt::Error status %d (%s): %s\n", ok ? "ok  " : "FAIL", e.status(),
                trigrt_status_string(e.status()), e.what());
  }
  auto c = make_stream_cache(g);
  std::vector<float> x(2 * g.in_size), y(2 * g.out_size);
  const float *in[] = {x.data()};
  float *out[] = {y.data()};
  try {
    trigrt::run(c->session, in, out, 2);  // max_batch is 1
    ok = false;
    std::printf("FAIL  batch 2 on a max_batch-1 session did not throw\n");
  } catch (const trigrt::Error &e) {
    bool good = e.status() == TRIGRT_E_BATCH;
    ok = ok && good;
    std::printf("%s  batch 2 > max_batch 1: trigrt::Error status %d (%s): %s\n", good ? "ok  " : "FAIL", e.status(),
                trigrt_status_string(e.status()), e.what());
  }
  return ok;
}

}  // namespace

int main(int argc, char **argv) {
  Config cfg;
  GlobalCache global;
  npy::Array events, reference;
  try {
    cfg = parse(argc, argv);
    global = load_global_cache(cfg);  // once per job
    events = npy::read(cfg.inputs);
    reference = npy::read(cfg.reference);
  } catch (const trigrt::Error &e) {
    std::fprintf(stderr, "trigrt error %d (%s): %s\n", e.status(), trigrt_status_string(e.status()), e.what());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  if (events.cols != global.in_size || reference.cols != global.out_size || events.rows != reference.rows) {
    std::fprintf(stderr, "error: %s is %zux%zu and %s %zux%zu; the model takes %zu values and gives %zu\n",
                 cfg.inputs.c_str(), events.rows, events.cols, cfg.reference.c_str(), reference.rows, reference.cols,
                 global.in_size, global.out_size);
    return 2;
  }
  const double atol = cfg.atol >= 0 ? cfg.atol : (cfg.fixed ? 0.0 : 1e-5);

  // The event loop: workers take the next event number until none is left (a framework's
  // scheduler); each writes its event's scores into that event's slot.
  std::vector<double> scores(events.rows * global.out_size);
  std::vector<size_t> per_stream(cfg.threads, 0);
  std::vector<std::exception_ptr> failures(cfg.threads);
  std::atomic<size_t> next{0};
  // Every stream sets up its cache first (beginStream); the event loop starts when all are ready.
  std::mutex m;
  std::condition_variable all_ready;
  unsigned ready = 0;
  std::chrono::steady_clock::time_point t0;
  std::vector<std::thread> streams;
  for (unsigned t = 0; t < cfg.threads; t++) {
    streams.emplace_back([&, t] {
      try {
        std::unique_ptr<StreamCache> cache;
        try {
          cache = make_stream_cache(global);
        } catch (...) {
          std::lock_guard<std::mutex> lock(m);
          ready++;
          all_ready.notify_all();
          throw;
        }
        {
          std::unique_lock<std::mutex> lock(m);
          if (++ready == cfg.threads) {
            t0 = std::chrono::steady_clock::now();
            all_ready.notify_all();
          } else {
            all_ready.wait(lock, [&] { return ready == cfg.threads; });
          }
        }
        for (size_t ev; (ev = next.fetch_add(1)) < events.rows;) {
          produce(global, *cache, events.row(ev), scores.data() + ev * global.out_size);
          per_stream[t]++;
        }
      } catch (...) {
        failures[t] = std::current_exception();
        next = events.rows;  // stop the other streams too
      }
    });
  }
  for (auto &s : streams) s.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto &f : failures) {
    if (!f) continue;
    try {
      std::rethrow_exception(f);
    } catch (const trigrt::Error &e) {
      std::fprintf(stderr, "a stream failed: trigrt error %d (%s): %s\n", e.status(), trigrt_status_string(e.status()), e.what());
    } catch (const std::exception &e) {
      std::fprintf(stderr, "a stream failed: %s\n", e.what());
    }
    return 2;
  }

  size_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < scores.size(); i++) {
    double d = std::fabs(scores[i] - reference.data[i]);
    if (!(d <= atol)) {  // NaN counts as a mismatch
      if (bad < 5) std::printf("  event %zu, output %zu: %.9g, reference %.9g\n", i / global.out_size, i % global.out_size,
                               scores[i], reference.data[i]);
      bad++;
    }
    if (d > worst) worst = d;
  }
  std::printf("%s  %s (%s): %zu events on %u streams (", bad ? "FAIL" : "ok  ", cfg.model.c_str(),
              cfg.fixed ? "fixed" : "float", events.rows, cfg.threads);
  for (unsigned t = 0; t < cfg.threads; t++) std::printf("%s%zu", t ? "/" : "", per_stream[t]);
  std::printf(" per stream), %.3f ms wall; max |diff| %.3g (atol %g), %zu mismatches\n", seconds * 1e3, worst, atol, bad);
  bool errors_ok = check_errors(global);
  return bad || !errors_ok ? 1 : 0;
}

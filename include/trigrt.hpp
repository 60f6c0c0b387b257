// trigrt.hpp — header-only C++17 RAII layer over trigrt.h. No logic of its own: handles are
// unique_ptrs with the C destroy functions as deleters, and every failing status becomes a
// trigrt::Error carrying the status and the library's message.
//
//     trigrt::Model model = trigrt::load_file("tagger.onnx");
//     trigrt::Session session = trigrt::create_session(model, 1);   // one per thread
//     const float *in[] = { x };  float *out[] = { y };
//     trigrt::check(trigrt_session_run(session.get(), in, out, 1, nullptr));  // or trigrt::run(...)
#ifndef TRIGRT_HPP
#define TRIGRT_HPP

#include <memory>
#include <stdexcept>
#include <string>

#include "trigrt.h"

namespace trigrt {

/// A failed call: status() is the trigrt_status, what() the message that names the problem.
class Error : public std::runtime_error {
 public:
  Error(trigrt_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
  trigrt_status status() const noexcept { return status_; }

 private:
  trigrt_status status_;
};

/// Throws trigrt::Error unless status is TRIGRT_OK. `err` is the trigrt_error the call filled.
inline void check(trigrt_status status, const trigrt_error &err) {
  if (status != TRIGRT_OK) {
    std::string message = err.message[0] ? err.message : trigrt_status_string(status);
    throw Error(status, message);
  }
}

struct ModelDeleter { void operator()(trigrt_model *m) const noexcept { trigrt_model_destroy(m); } };
struct SessionDeleter { void operator()(trigrt_session *s) const noexcept { trigrt_session_destroy(s); } };

/// Owns a trigrt_model (immutable; share it across threads, e.g. through a std::shared_ptr).
using Model = std::unique_ptr<trigrt_model, ModelDeleter>;
/// Owns a trigrt_session (one thread at a time).
using Session = std::unique_ptr<trigrt_session, SessionDeleter>;

inline Model load_file(const std::string &path, const trigrt_options *opts = nullptr) {
  trigrt_error err;
  trigrt_model *m = nullptr;
  check(trigrt_model_load_file(path.c_str(), opts, &m, &err), err);
  return Model(m);
}

inline Model load_memory(const void *data, size_t size, const trigrt_options *opts = nullptr) {
  trigrt_error err;
  trigrt_model *m = nullptr;
  check(trigrt_model_load_memory(data, size, opts, &m, &err), err);
  return Model(m);
}

inline Session create_session(const Model &model, uint32_t max_batch) {
  trigrt_error err;
  trigrt_session *s = nullptr;
  check(trigrt_session_create(model.get(), max_batch, &s, &err), err);
  return Session(s);
}

inline void run(const Session &session, const float *const *inputs, float *const *outputs, uint32_t batch) {
  trigrt_error err;
  check(trigrt_session_run(session.get(), inputs, outputs, batch, &err), err);
}

inline void run_f64(const Session &session, const double *const *inputs, double *const *outputs, uint32_t batch) {
  trigrt_error err;
  check(trigrt_session_run_f64(session.get(), inputs, outputs, batch, &err), err);
}

}  // namespace trigrt

#endif  // TRIGRT_HPP

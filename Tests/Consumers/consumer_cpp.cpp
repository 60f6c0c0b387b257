// C++ consumer test: trigrt.hpp's RAII handles and exceptions, built against the installed
// headers and library only. Usage: consumer_cpp MODEL INPUTS.npy GOLDENS.npy
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "trigrt.hpp"
extern "C" {
#include "npy.h"
}

int main(int argc, char **argv) {
  if (argc != 4) { std::fprintf(stderr, "usage: %s MODEL INPUTS GOLDENS\n", argv[0]); return 2; }
  try {
    trigrt::load_file("/nonexistent/model.onnx");
    std::fprintf(stderr, "FAIL: loading a missing file did not throw\n");
    return 1;
  } catch (const trigrt::Error &e) {
    if (e.status() != TRIGRT_E_IO) { std::fprintf(stderr, "FAIL: status %d\n", e.status()); return 1; }
    std::printf("ok  missing file throws trigrt::Error(%s): %s\n", trigrt_status_string(e.status()), e.what());
  }
  std::shared_ptr<trigrt_model> model(trigrt::load_file(argv[1]).release(), trigrt::ModelDeleter());
  trigrt::Model owned = trigrt::load_file(argv[1]);
  trigrt::Session session = trigrt::create_session(owned, 16);
  npy_array x, y;
  if (npy_read(argv[2], &x) || npy_read(argv[3], &y)) { std::fprintf(stderr, "FAIL: npy\n"); return 1; }
  size_t nin = trigrt_model_input_size(owned.get(), 0), nout = trigrt_model_output_size(owned.get(), 0);
  std::vector<double> out(nout * x.rows);
  for (size_t r = 0; r < x.rows; r += 16) {
    uint32_t b = static_cast<uint32_t>(std::min<size_t>(16, x.rows - r));
    const double *in[] = {x.data + r * nin};
    double *o[] = {out.data() + r * nout};
    trigrt::run_f64(session, in, o, b);
  }
  double worst = 0;
  for (size_t i = 0; i < out.size(); i++) worst = std::fmax(worst, std::fabs(out[i] - y.data[i]));
  if (!(worst <= 1e-5)) { std::fprintf(stderr, "FAIL: max diff %g\n", worst); return 1; }
  try {
    const float *in[] = {nullptr};
    float dummy[64];
    float *o[] = {dummy};
    trigrt::run(session, in, o, 1);
    std::fprintf(stderr, "FAIL: NULL input did not throw\n");
    return 1;
  } catch (const trigrt::Error &e) {
    std::printf("ok  NULL input throws: %s\n", e.what());
  }
  std::printf("consumer_cpp: ok (%s, %zu rows, max |diff| %.3g)\n", argv[1], x.rows, worst);
  free(x.data);
  free(y.data);
  return 0;
}

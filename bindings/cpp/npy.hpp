// npy.hpp — the smallest .npy reader the examples need: little-endian float32 / float64, C order.
// Not part of trigrt; a real framework has its own event data.
#ifndef TRIGRT_EXAMPLE_NPY_HPP
#define TRIGRT_EXAMPLE_NPY_HPP

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace npy {

/// rows x cols values (cols: the product of the dimensions after the first), widened to double.
struct Array {
  size_t rows = 0, cols = 0;
  std::vector<double> data;
  const double *row(size_t r) const { return data.data() + r * cols; }
};

inline Array read(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  char pre[10];
  if (!f.read(pre, 10) || std::memcmp(pre, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
  size_t header_len = static_cast<unsigned char>(pre[8]) | (static_cast<unsigned char>(pre[9]) << 8);
  if (pre[6] != 1) {  // versions 2 and 3: a 4-byte header length
    unsigned char more[2];
    if (!f.read(reinterpret_cast<char *>(more), 2)) throw std::runtime_error(path + ": truncated header");
    header_len |= (size_t(more[0]) << 16) | (size_t(more[1]) << 24);
  }
  std::string header(header_len, '\0');
  if (!f.read(&header[0], static_cast<std::streamsize>(header_len))) throw std::runtime_error(path + ": truncated header");
  const bool f4 = header.find("'<f4'") != std::string::npos, f8 = header.find("'<f8'") != std::string::npos;
  if ((!f4 && !f8) || header.find("'fortran_order': True") != std::string::npos)
    throw std::runtime_error(path + ": expected little-endian float32/float64 in C order");
  size_t at = header.find("'shape': (");
  if (at == std::string::npos) throw std::runtime_error(path + ": no shape");
  std::vector<size_t> dims;
  for (const char *s = header.c_str() + at + 10; *s && *s != ')';) {
    if (*s == ' ' || *s == ',') { ++s; continue; }
    char *end = nullptr;
    dims.push_back(std::strtoull(s, &end, 10));
    s = end;
  }
  Array a;
  a.rows = dims.empty() ? 1 : dims[0];
  a.cols = 1;
  for (size_t i = 1; i < dims.size(); i++) a.cols *= dims[i];
  a.data.resize(a.rows * a.cols);
  for (double &v : a.data) {
    if (f4) { float x; f.read(reinterpret_cast<char *>(&x), 4); v = x; }
    else { f.read(reinterpret_cast<char *>(&v), 8); }
  }
  if (!f) throw std::runtime_error(path + ": truncated data");
  return a;
}

}  // namespace npy

#endif  // TRIGRT_EXAMPLE_NPY_HPP

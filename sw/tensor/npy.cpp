#include "sw/tensor/npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/common/read_file.h"

namespace vtpu::sw {

namespace {

// The value of `key` in the header dict ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3),
// }").
std::string field(const std::string& header, const std::string& key, const std::string& path) {
  const size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw Error(path + ": .npy header has no '" + key + "'");
  size_t v = header.find(':', k);
  if (v == std::string::npos) throw Error(path + ": malformed .npy header");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  if (v >= header.size()) throw Error(path + ": malformed .npy header");
  const char open = header[v];
  if (open == '\'') {
    const size_t end = header.find('\'', v + 1);
    if (end == std::string::npos) throw Error(path + ": malformed .npy header");
    return header.substr(v + 1, end - v - 1);
  }
  if (open == '(') {
    const size_t end = header.find(')', v);
    if (end == std::string::npos) throw Error(path + ": malformed .npy header");
    return header.substr(v + 1, end - v - 1);
  }
  const size_t end = header.find_first_of(",}", v);
  return header.substr(v, end - v);
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& path) {
  std::vector<int64_t> shape;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t a = item.find_first_not_of(' ');
    if (a == std::string::npos) continue;
    const size_t b = item.find_last_not_of(' ');
    const std::string digits = item.substr(a, b - a + 1);
    if (digits.empty() || digits.size() > 12 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      throw Error(path + ": bad shape (" + text + "): dimensions are whole numbers");
    shape.push_back(std::stoll(digits));
  }
  return shape;
}

}  // namespace

Tensor read_npy(const std::string& path, std::string* descr_out) {
  const std::string data = read_file(path);
  if (data.size() < 10 || std::memcmp(data.data(), "\x93NUMPY", 6) != 0)
    throw Error(path + ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(data[6]);
  size_t header_len, start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(data[8]) | static_cast<unsigned char>(data[9]) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12) throw Error(path + ": truncated .npy header");
    uint32_t n;
    std::memcpy(&n, data.data() + 8, 4);
    header_len = n;
    start = 12;
  } else {
    throw Error(path + ": .npy format version " + std::to_string(major) + " is not supported");
  }
  if (data.size() < start + header_len) throw Error(path + ": truncated .npy header");
  const std::string header = data.substr(start, header_len);
  const std::string descr = field(header, "descr", path);
  if (field(header, "fortran_order", path).find("False") == std::string::npos)
    throw Error(path + ": Fortran-order arrays are not supported (save with C order)");
  Tensor t;
  t.shape = parse_shape(field(header, "shape", path), path);
  check_limits(t.shape, path, true);
  struct Kind {
    const char* descr;
    DType type;
    size_t size;
  };
  static const Kind kinds[] = {{"<f4", DType::kFloat32, 4}, {"<f8", DType::kFloat32, 8},
                               {"<i8", DType::kInt64, 8},   {"<i4", DType::kInt32, 4},
                               {"|i1", DType::kInt8, 1},    {"|u1", DType::kUint8, 1},
                               {"|b1", DType::kBool, 1}};
  const Kind* kind = nullptr;
  for (const Kind& k : kinds)
    if (descr == k.descr) kind = &k;
  if (!kind)
    throw Error(path + ": dtype '" + descr +
                "' is not supported (float32, float64, int64, int32, int8, uint8, bool)");
  t.dtype = kind->type;
  if (descr_out) *descr_out = descr;
  const uint64_t n = static_cast<uint64_t>(t.numel());
  const char* p = data.data() + start + header_len;
  if (data.size() - start - header_len < n * kind->size)
    throw Error(path + ": data is shorter than its shape " + field(header, "shape", path) +
                " needs");
  if (kind->type == DType::kFloat32) {
    t.f.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      if (kind->size == 4) {
        std::memcpy(&t.f[i], p + 4 * i, 4);
      } else {
        double d;
        std::memcpy(&d, p + 8 * i, 8);
        t.f[i] = static_cast<float>(d);
      }
    }
  } else {
    t.i.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      switch (kind->size) {
        case 8: std::memcpy(&t.i[i], p + 8 * i, 8); break;
        case 4: {
          int32_t v;
          std::memcpy(&v, p + 4 * i, 4);
          t.i[i] = v;
          break;
        }
        default:
          t.i[i] = kind->type == DType::kInt8 ? static_cast<int8_t>(p[i])
                                              : static_cast<unsigned char>(p[i]);
      }
    }
  }
  return t;
}

void write_npy(const std::string& path, const Tensor& t) {
  std::string shape = "(";
  for (int64_t d : t.shape) shape += std::to_string(d) + ", ";
  if (t.shape.size() > 1) shape.resize(shape.size() - 2);
  if (t.shape.size() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = std::string("{'descr': '") + (t.is_float() ? "<f4" : "<i8") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  write_file_atomically(path, [&](std::ostream& out) {
    const uint16_t len = static_cast<uint16_t>(header.size());
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(static_cast<char>(len & 0xff));
    out.put(static_cast<char>(len >> 8));
    out << header;
    if (t.is_float())
      out.write(reinterpret_cast<const char*>(t.f.data()),
                static_cast<std::streamsize>(4 * t.f.size()));
    else
      out.write(reinterpret_cast<const char*>(t.i.data()),
                static_cast<std::streamsize>(8 * t.i.size()));
    return static_cast<bool>(out);
  });
}

}  // namespace vtpu::sw

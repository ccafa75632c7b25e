// Unit testbench of the bf16 processing element's arithmetic (mxu_fp.sv,
// docs/numerics.md): the fp32 sum and the bf16 x bf16 -> fp32 product against
// the host's IEEE 754 float arithmetic (x86 SSE, round to nearest even, no
// flush to zero), on every pair of edge-case values (signed zeros, subnormals,
// the largest finite values, infinities, quiet and signalling NaNs with
// payloads) and on random operands: random bit patterns, nearly cancelling
// sums, products that overflow or underflow. A NaN result must be the first
// NaN operand with its quiet bit set, or 0xFFC00000 for an invalid operation:
// the documented rule, checked as such rather than against the host, whose
// choice between two NaNs docs/numerics.md leaves open.
//   tb_mxu_fp [--random N] [--seed S]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "Vmxu_fp_check.h"
#include "verilated.h"

namespace {

float as_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
uint32_t as_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}
bool is_nan(uint32_t bits) {
  return (bits & 0x7fffffffu) > 0x7f800000u;
}

// The documented result of x + y (or x * y) when an operand is a NaN or the
// operation is invalid; `host` otherwise.
uint32_t expected(uint32_t x, uint32_t y, bool invalid, uint32_t host) {
  if (is_nan(x)) return x | 0x00400000u;
  if (is_nan(y)) return y | 0x00400000u;
  if (invalid) return 0xffc00000u;
  return host;
}

struct Check {
  Vmxu_fp_check& dut;
  uint64_t sums = 0, products = 0;
  int failures = 0;

  void add(uint32_t x, uint32_t y) {
    volatile float fx = as_float(x), fy = as_float(y);
    const uint32_t host = as_bits(fx + fy);
    const bool invalid =
        (x & 0x7fffffffu) == 0x7f800000u && (y & 0x7fffffffu) == 0x7f800000u && (x ^ y) >> 31;
    const uint32_t want = expected(x, y, invalid, host);
    dut.x = x;
    dut.y = y;
    dut.eval();
    ++sums;
    if (dut.sum != want && failures++ < 10)
      std::printf("FAIL 0x%08x + 0x%08x: expected 0x%08x, got 0x%08x\n", x, y, want, dut.sum);
  }

  void mul(uint16_t a, uint16_t b) {
    const uint32_t x = uint32_t{a} << 16, y = uint32_t{b} << 16;
    volatile float fx = as_float(x), fy = as_float(y);
    const uint32_t host = as_bits(fx * fy);
    const bool inf_x = (x & 0x7fffffffu) == 0x7f800000u, inf_y = (y & 0x7fffffffu) == 0x7f800000u;
    const bool zero_x = (x & 0x7fffffffu) == 0, zero_y = (y & 0x7fffffffu) == 0;
    const uint32_t want = expected(x, y, (inf_x && zero_y) || (inf_y && zero_x), host);
    dut.a = a;
    dut.b = b;
    dut.eval();
    ++products;
    if (dut.product != want && failures++ < 10)
      std::printf("FAIL 0x%04x * 0x%04x: expected 0x%08x, got 0x%08x\n", a, b, want, dut.product);
  }
};

}  // namespace

int main(int argc, char** argv) {
  uint64_t random = 1000000;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--random")) random = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--seed")) seed = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  VerilatedContext context;
  Vmxu_fp_check dut(&context);
  Check check{dut};

  // Edge cases, each with both signs.
  const uint16_t bf16_edges[] = {0x0000, 0x0001, 0x0002, 0x003f, 0x0040, 0x007f, 0x0080,
                                 0x0081, 0x00ff, 0x0100, 0x1f80, 0x2000, 0x3f80, 0x3fc0,
                                 0x3fff, 0x4000, 0x5f80, 0x5fff, 0x7f00, 0x7f7f, 0x7f80,
                                 0x7f81, 0x7fa5, 0x7fc0, 0x7fc1, 0x7fff};
  const uint32_t f32_edges[] = {
      0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x003fffff, 0x00400000, 0x007fffff,
      0x00800000, 0x00800001, 0x00ffffff, 0x01000000, 0x33800000, 0x33800001, 0x3f7fffff,
      0x3f800000, 0x3f800001, 0x3fffffff, 0x4b000000, 0x4b7fffff, 0x7effffff, 0x7f000000,
      0x7f7fffff, 0x7f800000, 0x7f800001, 0x7fa00000, 0x7fc00000, 0x7fc00001, 0x7fffffff};
  std::vector<uint16_t> b16;
  for (uint16_t v : bf16_edges) b16.insert(b16.end(), {v, static_cast<uint16_t>(v | 0x8000)});
  std::vector<uint32_t> f32;
  for (uint32_t v : f32_edges) f32.insert(f32.end(), {v, v | 0x80000000u});
  for (uint16_t a : b16)
    for (uint16_t b : b16) check.mul(a, b);
  for (uint32_t x : f32)
    for (uint32_t y : f32) check.add(x, y);
  // Every bf16 value times a few others: all exponents, subnormals included.
  for (uint32_t a = 0; a < 0x10000; ++a)
    for (uint16_t b : {0x3f80, 0x0001, 0x7f7f, 0x2000, 0x5f80, 0xbfc1})
      check.mul(static_cast<uint16_t>(a), b);

  std::mt19937_64 rng(seed);
  auto bits32 = [&] { return static_cast<uint32_t>(rng()); };
  for (uint64_t i = 0; i < random; ++i) {
    const uint32_t r = bits32();
    check.mul(static_cast<uint16_t>(r), static_cast<uint16_t>(r >> 16));  // any bits
    check.add(bits32(), bits32());                                        // any bits
    const uint32_t x = bits32() & 0x7fffffffu;                            // x - (x +- a few ulps)
    check.add(x, (x ^ 0x80000000u) + static_cast<uint32_t>(rng() % 9) - 4);
    // Products of bf16 (as the array adds them), with close exponents.
    const uint32_t p = bits32() & 0x3fff3fffu;
    check.add((p & 0xffff0000u) | (bits32() & 0xffffu), (p << 16) ^ (r & 0x80000000u));
    // Exponents near the edges of the range: over- and underflow.
    const uint16_t big = static_cast<uint16_t>((0x5e00 + rng() % 0x200) | (r & 0x8000));
    const uint16_t tiny = static_cast<uint16_t>((0x1f00 + rng() % 0x180) | (r >> 1 & 0x8000));
    check.mul(big, big);
    check.mul(tiny, tiny);
    check.mul(tiny, static_cast<uint16_t>(rng() % 0x100));
  }
  if (check.failures) {
    std::printf("FAIL mxu_fp: %d mismatches in %llu sums and %llu products\n", check.failures,
                static_cast<unsigned long long>(check.sums),
                static_cast<unsigned long long>(check.products));
    return 1;
  }
  std::printf("PASS mxu_fp: %llu sums and %llu products as the host and docs/numerics.md say\n",
              static_cast<unsigned long long>(check.sums),
              static_cast<unsigned long long>(check.products));
  return 0;
}

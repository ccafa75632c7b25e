// The MXU without SystemC: its cycle formulas against SCALE-Sim v2's (and two
// figures from SCALE-Sim runs), the fast functional path against the scalar
// reference bit for bit, and the instruction checks (docs/mxu.md); the same
// for 2:4 sparse MATMULs.
#include "models/mxu/mxu.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>

#include "models/mxu/reference.h"
#include "models/vpu/numerics.h"

namespace vtpu::mxu {
namespace {

uint64_t cdiv(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

ArrayConfig array(unsigned r, unsigned c, Dataflow d, TimingMode t) {
  ArrayConfig a;
  a.rows = r;
  a.cols = c;
  a.dataflow = d;
  a.timing = t;
  return a;
}

// SCALE-Sim v2 stall-free, written out here as REFERENCE-FIGURES states it.
uint64_t scalesim_ws(uint64_t m, uint64_t k, uint64_t n, uint64_t r, uint64_t c) {
  return cdiv(k, r) * cdiv(n, c) * (2 * r + c + m - 2) - 1;
}
uint64_t scalesim_os(uint64_t m, uint64_t k, uint64_t n, uint64_t r, uint64_t c) {
  return cdiv(m, r) * cdiv(n, c) * (k + r + c - 2) - 1;
}

// ResNet-18's convolutions and FC as GEMMs (M = Ho*Wo, K = Fh*Fw*Cin,
// N = Cout), with SCALE-Sim's unpadded output sizes for a 224 x 224 input.
struct Shape {
  uint64_t m, k, n;
};
const Shape kResnet18[] = {
    {110 * 110, 7 * 7 * 3, 64},                                               // conv1
    {54 * 54, 9 * 64, 64},      {52 * 52, 9 * 64, 64},                        // layer1
    {25 * 25, 9 * 64, 128},     {23 * 23, 9 * 128, 128}, {27 * 27, 64, 128},  // layer2
    {11 * 11, 9 * 128, 256},    {9 * 9, 9 * 256, 256},   {13 * 13, 128, 256}, {4 * 4, 9 * 256, 512},
    {2 * 2, 9 * 512, 512},      {7 * 7, 256, 512},       {1, 512, 1000},  // fc
};

TEST(MxuTiming, StallFreeIsScaleSimOnResnet18Shapes) {
  for (unsigned size : {32u, 128u})
    for (const Shape& s : kResnet18) {
      EXPECT_EQ(
          array_cycles(s.m, s.k, s.n,
                       array(size, size, Dataflow::kWeightStationary, TimingMode::kStallFree)),
          scalesim_ws(s.m, s.k, s.n, size, size));
      EXPECT_EQ(
          array_cycles(s.m, s.k, s.n,
                       array(size, size, Dataflow::kOutputStationary, TimingMode::kStallFree)),
          scalesim_os(s.m, s.k, s.n, size, size));
    }
  // Two figures from actual SCALE-Sim v2 runs on 32 x 32 WS (REFERENCE-FIGURES.md).
  const ArrayConfig ws32 = array(32, 32, Dataflow::kWeightStationary, TimingMode::kStallFree);
  EXPECT_EQ(array_cycles(12100, 147, 64, ws32), 121939u);
  EXPECT_EQ(array_cycles(2916, 576, 64, ws32), 108359u);
}

// docs/mxu.md, "auto": an array that runs both dataflows takes
// output-stationary for a VTPU_DATAFLOW_AUTO instruction when its cycles on
// idle ports (the array's, or, where the ports cannot carry A and B in them,
// the time all ports but one take to) plus the
// port time of re-reading B (B's bytes x (ceil(M/R) - 1) over all ports'
// bytes per cycle) weighed by the other units' share of the ports are fewer
// than weight-stationary's; bf16 only where K <= R.
// Named dataflows run on an auto array; a fixed array runs its own and
// refuses the other.
TEST(MxuDataflow, AutoPicksTheFasterByTheFormula) {
  ArrayConfig both = array(32, 32, Dataflow::kWeightStationary, TimingMode::kOverlapped);
  both.both_dataflows = true;
  both.vmem_port_bytes = 128;  // two 64-byte ports
  both.vmem_ports = 2;
  vtpu_insn_matmul x{};
  x.dataflow = VTPU_DATAFLOW_AUTO;
  x.precision = VTPU_TYPE_INT8;
  auto picked = [&](uint32_t m, uint32_t k, uint32_t n) {
    x.m = m, x.k = k, x.n = n;
    return for_instruction(both, x)->dataflow;
  };
  // 8 x 64 x 32: ws 32 + (2 - 1) 32 + 8 + 32 + 32 + 2 = 138, os 64 + 32 + 32 - 3 = 125, one
  // row fold: B is read once either way.
  EXPECT_EQ(picked(8, 64, 32), Dataflow::kOutputStationary);
  // 512 x 147 x 64 (a tile of ResNet's first convolution): ws 32 + 9 x 512 + 512 + 66 =
  // 5218; os 16 x 2 x 147 + 61 = 4765 cycles (its A and B, 2 x 150,528 bytes, take the
  // ports 2352 cycles, fewer). B (147 x 64 bytes) again 15 times is 141,120 bytes, 1102.5
  // cycles of both ports: with the ports otherwise idle os; with the other units on them
  // a quarter of the time 4765 + 275.6 < 5218, still os; half the time 5316.25 > 5218, ws.
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kOutputStationary);
  both.port_busy_permille = 250;
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kOutputStationary);
  both.port_busy_permille = 500;
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kWeightStationary);
  // 410 of 1000: 4765 + 452.0 = 5217.0 < 5218, os; 411: 5218.1, ws.
  both.port_busy_permille = 410;
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kOutputStationary);
  both.port_busy_permille = 411;
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kWeightStationary);
  // Without port limits nothing is weighed: output-stationary.
  both.vmem_port_bytes = 0;
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kOutputStationary);
  // Ports too narrow for the operands (8 bytes a cycle over two): each dataflow gets
  // one port's 4, os's 301,056 bytes take 75,264 cycles, ws's 150,528 + 9,408 =
  // 159,936 bytes 39,984: ws.
  both.port_busy_permille = 0;
  both.vmem_port_bytes = 8;
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kWeightStationary);
  both.vmem_port_bytes = 128;
  // A tile of ResNet-50's layer4.0 conv2 on tpuv1-like (256 x 256, two 256-byte
  // ports): 49 x 4608 x 256, ws 256 + 17 x 256 + 49 + 514 = 5171 cycles, os 4608 + 509
  // = 5117, 1,405,440 bytes either way (one row fold). Each holds both ports for what
  // one does not carry in its cycles, ws (1,405,440 - 256 x 5171) / 256 = 319 cycles,
  // os 373: 5171 + 319 = 5117 + 373, a tie, ws. With four 128-byte ports (as many bytes
  // a cycle) three carry either, one stays free: os, for its fewer cycles.
  ArrayConfig big = array(256, 256, Dataflow::kWeightStationary, TimingMode::kOverlapped);
  big.both_dataflows = true;
  big.vmem_port_bytes = 512;
  big.vmem_ports = 2;
  vtpu_insn_matmul tile = x;
  tile.m = 49, tile.k = 4608, tile.n = 256;
  EXPECT_EQ(for_instruction(big, tile)->dataflow, Dataflow::kWeightStationary);
  big.vmem_ports = 4;
  EXPECT_EQ(for_instruction(big, tile)->dataflow, Dataflow::kOutputStationary);
  // bf16 8 x 32 x 32: ws 32 + 8 + 66 = 106, os 32 + 61 = 93.
  x.precision = VTPU_TYPE_BF16;
  EXPECT_EQ(picked(8, 32, 32), Dataflow::kOutputStationary) << "bf16, K = R: same order";
  EXPECT_EQ(picked(8, 64, 32), Dataflow::kWeightStationary) << "bf16, K > R: ws's order";

  x.dataflow = VTPU_DATAFLOW_OS;
  EXPECT_EQ(for_instruction(both, x)->dataflow, Dataflow::kOutputStationary);
  const ArrayConfig ws = array(32, 32, Dataflow::kWeightStationary, TimingMode::kOverlapped);
  EXPECT_FALSE(for_instruction(ws, x)) << "a fixed ws array refuses os";
  x.dataflow = VTPU_DATAFLOW_AUTO;
  EXPECT_EQ(for_instruction(ws, x)->dataflow, Dataflow::kWeightStationary);
  x.dataflow = 4;
  EXPECT_FALSE(for_instruction(both, x));
}

// docs/mxu.md: WS overlapped = R + (F-1)*max(M, R) + M + R + C + 2 with
// F = ceil(K/R)*ceil(N/C) (the RTL tile's count); OS overlapped =
// F*max(K, R) + R + C - 2 - 1 with F = ceil(M/R)*ceil(N/C).
TEST(MxuTiming, OverlappedFollowsItsFormula) {
  const ArrayConfig ws = array(32, 16, Dataflow::kWeightStationary, TimingMode::kOverlapped);
  EXPECT_EQ(array_cycles(100, 70, 40, ws), 32 + 8 * 100 + 100 + 32 + 16 + 2u);
  EXPECT_EQ(array_cycles(10, 70, 40, ws), 32 + 8 * 32 + 10 + 32 + 16 + 2u)
      << "M < R: the weight load shows";
  const ArrayConfig os = array(32, 16, Dataflow::kOutputStationary, TimingMode::kOverlapped);
  EXPECT_EQ(array_cycles(100, 70, 40, os), 4 * 3 * 70 + 32 + 16 - 2 - 1u);
  EXPECT_EQ(array_cycles(100, 7, 40, os), 4 * 3 * 32 + 32 + 16 - 2 - 1u);
  for (const Shape& s : kResnet18) {
    const ArrayConfig sf = array(32, 32, Dataflow::kWeightStationary, TimingMode::kStallFree);
    const ArrayConfig ov = array(32, 32, Dataflow::kWeightStationary, TimingMode::kOverlapped);
    EXPECT_LT(array_cycles(s.m, s.k, s.n, ov), array_cycles(s.m, s.k, s.n, sf));
  }
  // One fold with M >= R: SCALE-Sim's count plus the tile's five registers
  // that SCALE-Sim's idealised array does not have (docs/mxu.md).
  EXPECT_EQ(
      array_cycles(64, 32, 32, array(32, 32, Dataflow::kWeightStationary, TimingMode::kOverlapped)),
      scalesim_ws(64, 32, 32, 32, 32) + 5);
}

struct Bench {
  std::vector<uint8_t> vbytes, abytes;
  Memory vmem, amem;
  Bench(uint64_t vsize, uint64_t asize) : vbytes(vsize), abytes(asize) {
    vmem = Memory{0x20000000, vsize, vbytes.data()};
    amem = Memory{0x30000000, asize, abytes.data()};
  }
};

// Random operands with gaps between rows; returns the instruction.
vtpu_insn_matmul random_matmul(Bench& b, std::mt19937_64& rng, uint8_t precision, uint32_t m,
                               uint32_t k, uint32_t n, bool accumulate) {
  const uint32_t es = vtpu_type_size(precision);
  vtpu_insn_matmul x{};
  x.h = vtpu_insn_header{VTPU_OP_MATMUL, VTPU_SEM_NONE, VTPU_SEM_NONE, 0};
  x.precision = precision;
  x.accumulate = accumulate;
  x.m = m, x.k = k, x.n = n;
  x.a_stride = k * es + es * (rng() % 3);
  x.b_stride = n * es + es * (rng() % 3);
  x.c_stride = n * 4 + 4 * (rng() % 3);
  x.a_addr = 0x20000000 + es * (rng() % 8);
  x.b_addr = x.a_addr + m * x.a_stride + 64;
  x.c_addr = 0x30000000 + 4 * (rng() % 8);
  std::uniform_real_distribution<float> value(-3, 3);
  for (size_t i = 0; i < b.vbytes.size(); i += 2) {
    if (precision == VTPU_TYPE_BF16) {
      uint16_t h = numerics::f32_to_bf16(value(rng));
      std::memcpy(&b.vbytes[i], &h, 2);
    } else {
      b.vbytes[i] = static_cast<uint8_t>(rng());
      b.vbytes[i + 1] = static_cast<uint8_t>(rng());
    }
  }
  for (size_t i = 0; i + 4 <= b.abytes.size(); i += 4) {
    if (precision == VTPU_TYPE_BF16) {
      float f = value(rng) * 10;
      std::memcpy(&b.abytes[i], &f, 4);
    } else {
      uint32_t w = static_cast<uint32_t>(rng());
      std::memcpy(&b.abytes[i], &w, 4);
    }
  }
  return x;
}

TEST(MxuFunctional, FastPathMatchesReferenceBitForBit) {
  std::mt19937_64 rng(3);
  int cases = 0;
  for (uint8_t precision : {uint8_t{VTPU_TYPE_INT8}, uint8_t{VTPU_TYPE_BF16}})
    for (Dataflow d : {Dataflow::kWeightStationary, Dataflow::kOutputStationary})
      for (int trial = 0; trial < 12; ++trial) {
        // Ragged: not multiples of the 8 x 4 array.
        const uint32_t m = 1 + rng() % 37, k = 1 + rng() % 45, n = 1 + rng() % 29;
        const bool accumulate = trial % 2;
        Bench b(1 << 16, 1 << 16);
        vtpu_insn_matmul x = random_matmul(b, rng, precision, m, k, n, accumulate);
        ASSERT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_NONE);
        const ArrayConfig a = array(8, 4, d, TimingMode::kStallFree);
        std::vector<uint8_t> want;
        reference_matmul(x, b.vmem, b.amem, a, want);
        const std::vector<uint8_t> before = b.abytes;
        EXPECT_EQ(execute(x, b.vmem, b.amem, a), uint64_t{m} * k * n);
        const uint8_t* got = b.abytes.data() + (x.c_addr - b.amem.base);
        ASSERT_EQ(std::memcmp(got, want.data(), want.size()), 0)
            << "precision " << int(precision) << " m " << m << " k " << k << " n " << n;
        // Bytes between C's rows stay as they were.
        for (uint32_t i = 0; i + 1 < m; ++i)
          for (uint32_t g = n * 4; g < x.c_stride; ++g) {
            const size_t at = x.c_addr - b.amem.base + size_t{i} * x.c_stride + g;
            ASSERT_EQ(b.abytes[at], before[at]);
          }
        ++cases;
      }
  EXPECT_EQ(cases, 48);
}

// The MXU's own int8 kernels (AVX2 where the host has it, and the portable
// one), which it uses where oneDNN's is not exact, on every host: against
// sums in int64 wrapped to int32, on shapes with ragged edges, rows of A that
// overlap, products large enough to share among threads, all -128 operands
// (the largest pairs, 2 x 2^14) and a K whose sums wrap around 2^31.
TEST(MxuFunctional, OwnInt8KernelsAreTheWrappedSums) {
  std::mt19937_64 rng(11);
  struct Shape {
    uint32_t m, k, n, a_stride;
    bool extreme, accumulate;
  };
  const Shape shapes[] = {{1, 1, 1, 1, false, false},         {7, 5, 17, 5, false, true},
                          {13, 33, 31, 40, false, false},     {40, 20, 24, 3, false, true},
                          {300, 211, 70, 211, false, true},   {6, 64, 16, 64, true, false},
                          {3, 140001, 17, 140001, true, true}};
  for (const Shape& s : shapes)
    for (bool portable : {false, true}) {
      const size_t b_stride = s.n + 3, c_stride = 4 * s.n + 8;
      std::vector<uint8_t> a(size_t{s.m - 1} * s.a_stride + s.k), b(size_t{s.k} * b_stride);
      std::vector<uint8_t> c(size_t{s.m} * c_stride + 1);  // C one byte off alignment
      for (auto& v : a) v = s.extreme ? 0x80 : static_cast<uint8_t>(rng());
      for (auto& v : b) v = s.extreme ? 0x80 : static_cast<uint8_t>(rng());
      for (auto& v : c) v = static_cast<uint8_t>(rng());
      std::vector<uint8_t> want = c;
      for (uint32_t i = 0; i < s.m; ++i)
        for (uint32_t j = 0; j < s.n; ++j) {
          int64_t sum = 0;
          for (uint32_t q = 0; q < s.k; ++q)
            sum += int64_t{static_cast<int8_t>(a[i * size_t{s.a_stride} + q])} *
                   static_cast<int8_t>(b[q * b_stride + j]);
          uint8_t* at = want.data() + 1 + i * c_stride + 4 * j;
          uint32_t before;
          std::memcpy(&before, at, 4);
          const uint32_t got = static_cast<uint32_t>(sum) + (s.accumulate ? before : 0);
          std::memcpy(at, &got, 4);
        }
      matmul_int8_own(a.data(), s.a_stride, b.data(), b_stride, c.data() + 1, c_stride, s.m, s.k,
                      s.n, s.accumulate, portable);
      ASSERT_EQ(c, want) << "m " << s.m << " k " << s.k << " n " << s.n << " portable " << portable;
    }
}

// The MXU's bf16 kernels, AVX2 and portable, give the same bits (each
// element's sum in the same order) on every host, a product shared among
// threads and K-tiles of 8, 32 and all of K included; the scalar reference
// checks the order itself (FastPathMatchesReferenceBitForBit).
TEST(MxuFunctional, OwnBf16KernelsAgreeBitForBit) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<float> value(-3, 3);
  struct Shape {
    uint32_t m, k, n, k_tile;
    bool accumulate;
  };
  const Shape shapes[] = {
      {1, 1, 1, 8, false}, {7, 45, 29, 8, true}, {13, 64, 16, 64, false}, {300, 200, 70, 32, true}};
  for (const Shape& s : shapes) {
    vtpu_insn_matmul x{};
    x.precision = VTPU_TYPE_BF16;
    x.m = s.m, x.k = s.k, x.n = s.n, x.accumulate = s.accumulate;
    x.a_stride = 2 * s.k + 2, x.b_stride = 2 * s.n + 4, x.c_stride = 4 * s.n + 4;
    std::vector<uint8_t> a(size_t{s.m} * x.a_stride), b(size_t{s.k} * x.b_stride);
    std::vector<uint8_t> c(size_t{s.m} * x.c_stride);
    auto fill = [&](std::vector<uint8_t>& v, bool bf16) {
      for (size_t i = 0; i + 4 <= v.size(); i += 4) {
        const float f = value(rng);
        if (bf16) {
          const uint16_t h[2] = {numerics::f32_to_bf16(f), numerics::f32_to_bf16(-f / 3)};
          std::memcpy(&v[i], h, 4);
        } else {
          std::memcpy(&v[i], &f, 4);
        }
      }
    };
    fill(a, true), fill(b, true), fill(c, false);
    std::vector<uint8_t> best = c, portable = c;
    matmul_bf16_own(x, a.data(), b.data(), best.data(), s.k_tile, false);
    matmul_bf16_own(x, a.data(), b.data(), portable.data(), s.k_tile, true);
    ASSERT_EQ(best, portable) << "m " << s.m << " k " << s.k << " n " << s.n;
    ASSERT_NE(best, c);
  }
}

// Shifted feeds give A rows that overlap (a stride of one pixel under a K of
// a kernel row): the fast path lays them apart for the library and must still
// agree with the reference, int8 and bf16.
TEST(MxuFunctional, OverlappingRowsOfAMatchTheReference) {
  std::mt19937_64 rng(9);
  for (uint8_t precision : {uint8_t{VTPU_TYPE_INT8}, uint8_t{VTPU_TYPE_BF16}})
    for (uint32_t pixel : {1u, 3u, 16u}) {
      const uint32_t es = vtpu_type_size(precision), m = 40, k = 3 * pixel + 5, n = 24;
      Bench b(1 << 16, 1 << 16);
      vtpu_insn_matmul x = random_matmul(b, rng, precision, m, k, n, pixel != 3);
      x.a_stride = pixel * es;
      ASSERT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_NONE);
      const ArrayConfig a = array(8, 8, Dataflow::kWeightStationary, TimingMode::kOverlapped);
      std::vector<uint8_t> want;
      reference_matmul(x, b.vmem, b.amem, a, want);
      execute(x, b.vmem, b.amem, a);
      const uint8_t* got = b.abytes.data() + (x.c_addr - b.amem.base);
      ASSERT_EQ(std::memcmp(got, want.data(), want.size()), 0)
          << "precision " << int(precision) << " stride " << x.a_stride << " k " << k;
    }
}

// The two dataflows add bf16 products in different orders (docs/numerics.md),
// and the difference is visible: they are separate contracts, not one.
TEST(MxuFunctional, Bf16OrderDependsOnTheDataflow) {
  Bench b(1 << 16, 1 << 16);
  std::mt19937_64 rng(5);
  vtpu_insn_matmul x = random_matmul(b, rng, VTPU_TYPE_BF16, 16, 300, 16, false);
  std::vector<uint8_t> ws, os;
  reference_matmul(x, b.vmem, b.amem,
                   array(8, 8, Dataflow::kWeightStationary, TimingMode::kStallFree), ws);
  reference_matmul(x, b.vmem, b.amem,
                   array(8, 8, Dataflow::kOutputStationary, TimingMode::kStallFree), os);
  EXPECT_NE(std::memcmp(ws.data(), os.data(), ws.size()), 0);
}

TEST(MxuCheck, RefusesBadInstructions) {
  Bench b(4096, 4096);
  vtpu_insn_matmul good{};
  good.precision = VTPU_TYPE_INT8;
  good.m = 8, good.k = 8, good.n = 8;
  good.a_addr = 0x20000000, good.a_stride = 8;
  good.b_addr = 0x20000100, good.b_stride = 8;
  good.c_addr = 0x30000000, good.c_stride = 32;
  EXPECT_EQ(check(good, b.vmem, b.amem).cause, VTPU_ERR_NONE);
  auto cause = [&](auto change) {
    vtpu_insn_matmul x = good;
    change(x);
    return check(x, b.vmem, b.amem);
  };
  EXPECT_EQ(cause([](auto& x) { x.precision = VTPU_TYPE_FP32; }).cause, VTPU_ERR_TYPE);
  EXPECT_EQ(cause([](auto& x) { x.m = 0; }).cause, VTPU_ERR_SHAPE);
  EXPECT_EQ(cause([](auto& x) { x.k = 1u << 25; }).cause, VTPU_ERR_SHAPE);
  EXPECT_EQ(cause([](auto& x) { x.c_stride = 16; }).cause, VTPU_ERR_SHAPE) << "C rows overlap";
  Fault f = cause([](auto& x) { x.a_addr = 0x20000ff8; });
  EXPECT_EQ(f.cause, VTPU_ERR_ADDRESS);
  EXPECT_EQ(f.address, 0x20000ff8u);
  EXPECT_EQ(cause([](auto& x) { x.b_addr = 0x30000000; }).cause, VTPU_ERR_ADDRESS)
      << "B not in VMEM";
  f = cause([](auto& x) { x.c_addr = 0x30000fe0 + 4; });
  EXPECT_EQ(f.cause, VTPU_ERR_ADDRESS);
  EXPECT_EQ(cause([](auto& x) { x.c_addr = 0x30000002; }).cause, VTPU_ERR_ADDRESS)
      << "misaligned C";
  EXPECT_EQ(cause([](auto& x) {
              x.precision = VTPU_TYPE_BF16;
              x.a_addr = 0x20000001;
            }).cause,
            VTPU_ERR_ADDRESS);
}

// 2:4 sparse MATMULs (docs/mxu.md, "2:4 sparsity"): results against the
// scalar reference and the dense product of the pruned weights, bit for bit;
// cycles and bytes against the formulas written out here; the checks.
constexpr uint64_t kVmem = 0x20000000, kAmem = 0x30000000;

struct SparseBench {
  std::vector<uint8_t> vbytes = std::vector<uint8_t>(1 << 17),
                       abytes = std::vector<uint8_t>(1 << 17);
  Memory vmem{kVmem, vbytes.size(), vbytes.data()}, amem{kAmem, abytes.size(), abytes.data()};
  uint8_t* at(uint64_t address) { return vbytes.data() + (address - kVmem); }
};

// A sparse instruction over random bytes: A, the K_s stored rows of B, the
// positions (any nibble, a group may name one position twice), random C.
vtpu_insn_matmul random_sparse(SparseBench& b, std::mt19937_64& rng, uint32_t m, uint32_t k,
                               uint32_t n, bool accumulate) {
  for (auto& v : b.vbytes) v = static_cast<uint8_t>(rng());
  for (auto& v : b.abytes) v = static_cast<uint8_t>(rng());
  vtpu_insn_matmul x{};
  x.h = vtpu_insn_header{VTPU_OP_MATMUL, VTPU_SEM_NONE, VTPU_SEM_NONE, 0};
  x.precision = VTPU_TYPE_INT8;
  x.sparsity = VTPU_SPARSITY_2_4;
  x.accumulate = accumulate;
  x.m = m, x.k = k, x.n = n;
  x.a_addr = kVmem + rng() % 8, x.a_stride = k + rng() % 3;
  x.b_addr = x.a_addr + uint64_t{m} * x.a_stride + 16, x.b_stride = n + rng() % 3;
  const uint32_t k_s = 2 * static_cast<uint32_t>(cdiv(k, 4));
  x.meta_addr = x.b_addr + k_s * x.b_stride + 16;
  x.meta_stride = static_cast<uint32_t>(cdiv(n, 2)) + rng() % 3;
  x.c_addr = kAmem + 4 * (rng() % 8), x.c_stride = 4 * n + 4 * (rng() % 3);
  return x;
}

// Ragged shapes (K not a multiple of 4, odd N), both dataflows and C modes:
// the fast path (stored weights placed into a dense B, the library's product)
// against the scalar reference (each stored weight times the activation at
// its position).
TEST(MxuSparse, FastPathMatchesTheReferenceBitForBit) {
  std::mt19937_64 rng(21);
  int ragged_k = 0, doubled = 0;
  for (Dataflow d : {Dataflow::kWeightStationary, Dataflow::kOutputStationary})
    for (int trial = 0; trial < 20; ++trial) {
      const uint32_t m = 1 + rng() % 37, k = 1 + rng() % 61, n = 1 + rng() % 29;
      SparseBench b;
      const vtpu_insn_matmul x = random_sparse(b, rng, m, k, n, trial % 2);
      ASSERT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_NONE);
      const ArrayConfig a = array(8, 4, d, TimingMode::kOverlapped);
      std::vector<uint8_t> want;
      reference_matmul(x, b.vmem, b.amem, a, want);
      EXPECT_EQ(execute(x, b.vmem, b.amem, a), uint64_t{m} * 2 * cdiv(k, 4) * n);
      ASSERT_EQ(std::memcmp(b.abytes.data() + (x.c_addr - kAmem), want.data(), want.size()), 0)
          << "m " << m << " k " << k << " n " << n;
      ragged_k += k % 4 != 0;
      for (uint32_t g = 0; g < cdiv(k, 4); ++g)
        for (uint32_t j = 0; j < n; ++j) {
          const unsigned nibble = (b.at(x.meta_addr + g * x.meta_stride)[j / 2] >> (4 * (j % 2)));
          doubled += (nibble & 3) == ((nibble >> 2) & 3);
        }
    }
  EXPECT_GT(ragged_k, 10);
  EXPECT_GT(doubled, 100) << "positions named twice are covered";
}

// What pruning gives: a dense B with at most two non-zeros in each group of
// four rows of K, compressed to its stored weights and positions, multiplies
// to the same C as the dense instruction on the dense B.
TEST(MxuSparse, EqualsTheDenseProductOfThePrunedWeights) {
  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 10; ++trial) {
    const uint32_t m = 1 + rng() % 50, k = 1 + rng() % 70, n = 1 + rng() % 40;
    SparseBench b;
    vtpu_insn_matmul sparse = random_sparse(b, rng, m, k, n, trial % 2);
    // The pruned dense B (K x N, at dense_addr): per group and column, the
    // two largest magnitudes of four random weights kept, the others zero.
    const uint64_t dense_addr = sparse.meta_addr + cdiv(k, 4) * sparse.meta_stride + 64;
    for (uint32_t g = 0; g < cdiv(k, 4); ++g)
      for (uint32_t j = 0; j < n; ++j) {
        int8_t w[4];
        for (auto& v : w) v = static_cast<int8_t>(rng());
        uint32_t order[4] = {0, 1, 2, 3};
        std::stable_sort(order, order + 4,
                         [&](uint32_t p, uint32_t q) { return std::abs(w[p]) > std::abs(w[q]); });
        const uint32_t p0 = std::min(order[0], order[1]), p1 = std::max(order[0], order[1]);
        for (uint32_t p = 0; p < 4 && 4 * g + p < k; ++p)
          *b.at(dense_addr + (4 * g + p) * uint64_t{n} + j) =
              p == p0 || p == p1 ? static_cast<uint8_t>(w[p]) : 0;
        *b.at(sparse.b_addr + 2 * g * uint64_t{sparse.b_stride} + j) = static_cast<uint8_t>(w[p0]);
        *b.at(sparse.b_addr + (2 * g + 1) * uint64_t{sparse.b_stride} + j) =
            static_cast<uint8_t>(w[p1]);
        uint8_t& byte = *b.at(sparse.meta_addr + g * uint64_t{sparse.meta_stride} + j / 2);
        const unsigned nibble = p0 | p1 << 2;
        byte = static_cast<uint8_t>(j % 2 ? (byte & 0x0f) | nibble << 4 : (byte & 0xf0) | nibble);
      }
    vtpu_insn_matmul dense = sparse;
    dense.sparsity = VTPU_SPARSITY_DENSE;
    dense.b_addr = static_cast<uint32_t>(dense_addr), dense.b_stride = n;
    const ArrayConfig a = array(16, 16, Dataflow::kWeightStationary, TimingMode::kOverlapped);
    const std::vector<uint8_t> c_in = b.abytes;
    ASSERT_EQ(check(dense, b.vmem, b.amem).cause, VTPU_ERR_NONE);
    execute(dense, b.vmem, b.amem, a);
    const std::vector<uint8_t> c_dense = b.abytes;
    b.abytes = c_in;
    ASSERT_EQ(check(sparse, b.vmem, b.amem).cause, VTPU_ERR_NONE);
    execute(sparse, b.vmem, b.amem, a);
    ASSERT_EQ(b.abytes, c_dense) << "m " << m << " k " << k << " n " << n;
  }
}

// The array holds and streams K_s = 2 ceil(K/4) rows of weights: the dense
// formulas of docs/mxu.md with K_s for K, written out here.
TEST(MxuSparse, CyclesAreTheDenseFormulasWithKs) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 50; ++trial) {
    const uint64_t m = 1 + rng() % 300, k = 1 + rng() % 900, n = 1 + rng() % 300;
    const uint64_t r = 8u << (rng() % 3), c = 8u << (rng() % 3), ks = 2 * cdiv(k, 4);
    vtpu_insn_matmul x{};
    x.precision = VTPU_TYPE_INT8;
    x.sparsity = VTPU_SPARSITY_2_4;
    x.m = static_cast<uint32_t>(m), x.k = static_cast<uint32_t>(k), x.n = static_cast<uint32_t>(n);
    const uint64_t ws_folds = cdiv(ks, r) * cdiv(n, c), os_folds = cdiv(m, r) * cdiv(n, c);
    using D = Dataflow;
    using T = TimingMode;
    EXPECT_EQ(instruction_cycles(x, array(r, c, D::kWeightStationary, T::kStallFree)),
              ws_folds * (2 * r + c + m - 2) - 1);
    EXPECT_EQ(instruction_cycles(x, array(r, c, D::kWeightStationary, T::kOverlapped)),
              r + (ws_folds - 1) * std::max(m, r) + m + r + c + 2);
    EXPECT_EQ(instruction_cycles(x, array(r, c, D::kOutputStationary, T::kStallFree)),
              os_folds * (ks + r + c - 2) - 1);
    EXPECT_EQ(instruction_cycles(x, array(r, c, D::kOutputStationary, T::kOverlapped)),
              os_folds * std::max(ks, r) + r + c - 2 - 1);
    // Bytes: A whole, B's K_s rows and the positions (again per row fold in os).
    const Traffic ws = traffic(x, array(r, c, D::kWeightStationary, T::kOverlapped));
    EXPECT_EQ(ws.a_bytes, m * k * cdiv(n, c));
    EXPECT_EQ(ws.b_bytes, ks * n + cdiv(k, 4) * cdiv(n, 2));
    const Traffic os = traffic(x, array(r, c, D::kOutputStationary, T::kOverlapped));
    EXPECT_EQ(os.b_bytes, (ks * n + cdiv(k, 4) * cdiv(n, 2)) * cdiv(m, r));
    EXPECT_EQ(ws.c_write_bytes, m * n * 4 * cdiv(ks, r));
  }
  // Half the folds of the dense instruction when K is a multiple of 2R.
  vtpu_insn_matmul x{};
  x.precision = VTPU_TYPE_INT8;
  x.m = 256, x.k = 1024, x.n = 128;
  const ArrayConfig a = array(128, 128, Dataflow::kWeightStationary, TimingMode::kOverlapped);
  const uint64_t dense = instruction_cycles(x, a);
  x.sparsity = VTPU_SPARSITY_2_4;
  EXPECT_EQ(instruction_cycles(x, a), 128 + 3 * 256 + 256 + 128 + 128 + 2u);
  EXPECT_EQ(dense, 128 + 7 * 256 + 256 + 128 + 128 + 2u);
}

TEST(MxuSparse, CheckRefusesWhatTheModeCannotTake) {
  SparseBench b;
  std::mt19937_64 rng(1);
  const vtpu_insn_matmul good = random_sparse(b, rng, 8, 10, 7, false);
  ASSERT_EQ(check(good, b.vmem, b.amem).cause, VTPU_ERR_NONE);
  auto fault = [&](auto change) {
    vtpu_insn_matmul x = good;
    change(x);
    return check(x, b.vmem, b.amem);
  };
  Fault f = fault([](auto& x) { x.precision = VTPU_TYPE_BF16; });
  EXPECT_EQ(f.cause, VTPU_ERR_TYPE) << "2:4 is int8's";
  EXPECT_EQ(f.address, VTPU_SPARSITY_2_4);
  f = fault([](auto& x) { x.sparsity = 2; });
  EXPECT_EQ(f.cause, VTPU_ERR_TYPE);
  EXPECT_EQ(f.address, 2u);
  // The positions must be in VMEM: ceil(10/4) = 3 rows of ceil(7/2) = 4 bytes.
  const uint64_t last = kVmem + b.vbytes.size() - 4;
  f = fault([&](auto& x) { x.meta_addr = static_cast<uint32_t>(last - 2 * x.meta_stride + 1); });
  EXPECT_EQ(f.cause, VTPU_ERR_ADDRESS);
  EXPECT_EQ(
      fault([&](auto& x) { x.meta_addr = static_cast<uint32_t>(last - 2 * x.meta_stride); }).cause,
      VTPU_ERR_NONE);
  // B is its K_s = 6 stored rows, not K = 10.
  EXPECT_EQ(fault([&](auto& x) {
              x.b_addr = static_cast<uint32_t>(kVmem + b.vbytes.size() - 5 * x.b_stride - x.n);
            }).cause,
            VTPU_ERR_NONE);
  EXPECT_EQ(fault([&](auto& x) {
              x.b_addr = static_cast<uint32_t>(kVmem + b.vbytes.size() - 5 * x.b_stride - x.n + 1);
            }).cause,
            VTPU_ERR_ADDRESS);
}

// int4 weights (w4a8; docs/mxu.md, "int4 weights"): ragged shapes against
// the scalar reference, and against the int8 instruction on the same weights
// widened; cycles with ceil(K/P) for K, P products per PE per cycle; bytes.
TEST(MxuInt4, MatchesTheReferenceAndTheWidenedInt8Product) {
  std::mt19937_64 rng(33);
  for (int trial = 0; trial < 24; ++trial) {
    const uint32_t m = 1 + rng() % 37, k = 1 + rng() % 61, n = 1 + rng() % 29;
    SparseBench b;
    vtpu_insn_matmul x = random_sparse(b, rng, m, k, n, trial % 2);
    x.sparsity = VTPU_SPARSITY_DENSE;
    x.precision = VTPU_TYPE_INT4;
    x.b_stride = static_cast<uint32_t>(cdiv(n, 2)) + rng() % 3;
    ASSERT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_NONE);
    const ArrayConfig a =
        array(8, 4, trial % 3 ? Dataflow::kWeightStationary : Dataflow::kOutputStationary,
              TimingMode::kOverlapped);
    std::vector<uint8_t> want;
    reference_matmul(x, b.vmem, b.amem, a, want);
    const std::vector<uint8_t> c_in = b.abytes;
    EXPECT_EQ(execute(x, b.vmem, b.amem, a), uint64_t{m} * k * n);
    ASSERT_EQ(std::memcmp(b.abytes.data() + (x.c_addr - kAmem), want.data(), want.size()), 0)
        << "m " << m << " k " << k << " n " << n;
    // The same weights widened to int8 by this test, run as an int8 MATMUL.
    vtpu_insn_matmul wide = x;
    wide.precision = VTPU_TYPE_INT8;
    wide.b_addr = static_cast<uint32_t>(x.b_addr + k * uint64_t{x.b_stride} + 64),
    wide.b_stride = n;
    for (uint32_t kk = 0; kk < k; ++kk)
      for (uint32_t j = 0; j < n; ++j) {
        const int nibble =
            (*b.at(x.b_addr + kk * uint64_t{x.b_stride} + j / 2) >> (j % 2 * 4)) & 15;
        *b.at(wide.b_addr + kk * uint64_t{n} + j) = static_cast<uint8_t>(nibble - (nibble & 8) * 2);
      }
    const std::vector<uint8_t> c_int4 = b.abytes;
    b.abytes = c_in;
    ASSERT_EQ(check(wide, b.vmem, b.amem).cause, VTPU_ERR_NONE);
    execute(wide, b.vmem, b.amem, a);
    ASSERT_EQ(b.abytes, c_int4);
  }
}

TEST(MxuInt4, CyclesAndBytesAreTheDenseFormulasWithKOverP) {
  std::mt19937_64 rng(6);
  for (int trial = 0; trial < 40; ++trial) {
    const uint64_t m = 1 + rng() % 300, k = 1 + rng() % 900, n = 1 + rng() % 300;
    const uint64_t r = 8u << (rng() % 3), c = 8u << (rng() % 3);
    vtpu_insn_matmul x{};
    x.precision = VTPU_TYPE_INT4;
    x.m = static_cast<uint32_t>(m), x.k = static_cast<uint32_t>(k), x.n = static_cast<uint32_t>(n);
    for (unsigned p : {1u, 2u, 4u}) {
      ArrayConfig ws = array(r, c, Dataflow::kWeightStationary, TimingMode::kOverlapped);
      ArrayConfig os = array(r, c, Dataflow::kOutputStationary, TimingMode::kStallFree);
      ws.int4_macs_per_pe = os.int4_macs_per_pe = p;
      const uint64_t kp = cdiv(k, p);
      EXPECT_EQ(instruction_cycles(x, ws),
                r + (cdiv(kp, r) * cdiv(n, c) - 1) * std::max(m, r) + m + r + c + 2);
      EXPECT_EQ(instruction_cycles(x, os), cdiv(m, r) * cdiv(n, c) * (kp + r + c - 2) - 1);
      EXPECT_EQ(traffic(x, ws).a_bytes, m * k * cdiv(n, c));
      EXPECT_EQ(traffic(x, ws).b_bytes, k * cdiv(n, 2));
      EXPECT_EQ(traffic(x, os).b_bytes, k * cdiv(n, 2) * cdiv(m, r));
      // A partial sum of C per fold the array does: ceil(ceil(K/P)/R) of them.
      EXPECT_EQ(traffic(x, ws).c_write_bytes, m * n * 4 * cdiv(kp, r));
    }
  }
}

TEST(MxuInt4, CheckTakesHalfByteRowsOfB) {
  SparseBench b;
  std::mt19937_64 rng(2);
  vtpu_insn_matmul x = random_sparse(b, rng, 8, 10, 7, false);
  x.sparsity = VTPU_SPARSITY_DENSE;
  x.precision = VTPU_TYPE_INT4;
  x.b_stride = 4;  // ceil(7/2)
  const uint64_t end = kVmem + b.vbytes.size();
  x.b_addr = static_cast<uint32_t>(end - 9 * 4 - 4);  // 10 rows, the last 4 bytes
  EXPECT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_NONE);
  x.b_addr += 1;
  EXPECT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_ADDRESS);
  x.b_addr -= 1;
  x.sparsity = VTPU_SPARSITY_2_4;
  EXPECT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_TYPE) << "2:4 is int8's";
}

// A's rows in pieces and lines (a_segments, a_line_rows; docs/mxu.md, "A in
// place"): each mode against the scalar reference on A gathered row by row
// by this test, and what feed() hands the array gives the same; the checks.
TEST(MxuPieces, RowsInPiecesEqualTheProductOnGatheredRows) {
  std::mt19937_64 rng(41);
  int cases = 0;
  for (int mode = 0; mode < 4; ++mode)  // int8, bf16, 2:4 int8, int4 weights
    for (int trial = 0; trial < 10; ++trial) {
      const uint32_t pieces = 2 + rng() % 3, length = 1 + rng() % 17;
      const uint32_t m = 1 + rng() % 37, k = pieces * length, n = 1 + rng() % 29;
      SparseBench b;
      vtpu_insn_matmul x = random_sparse(b, rng, m, k, n, trial % 2);
      if (mode != 2) x.sparsity = VTPU_SPARSITY_DENSE;
      if (mode == 1) x.precision = VTPU_TYPE_BF16;
      if (mode == 3) x.precision = VTPU_TYPE_INT4;
      const uint32_t es = mode == 1 ? 2 : 1;
      if (mode == 1)  // bf16 values, no NaNs
        for (size_t i = 0; i < b.vbytes.size(); i += 2) {
          const uint16_t h = numerics::f32_to_bf16(static_cast<float>(rng() % 2001) / 500 - 2);
          std::memcpy(&b.vbytes[i], &h, 2);
        }
      // Rows a pixel or two apart that overlap, in lines of a few rows or
      // one line (a third of the trials); pieces a line apart.
      x.a_addr = static_cast<uint32_t>(kVmem + es * (rng() % 8));
      x.a_stride = es * (1 + static_cast<uint32_t>(rng() % 6));
      x.a_segments = static_cast<uint16_t>(pieces);
      x.a_segment_stride = es * (length + static_cast<uint32_t>(rng() % 40));
      x.a_line_rows = static_cast<uint16_t>(trial % 3 == 0 ? 0 : 1 + rng() % 9);
      x.a_line_stride = es * static_cast<uint32_t>(rng() % 120);
      auto row_at = [&](uint32_t q) {  // docs/isa.md's formula, written out here
        if (x.a_line_rows == 0) return uint64_t{q} * x.a_stride;
        return uint64_t{q / x.a_line_rows} * x.a_line_stride +
               uint64_t{q % x.a_line_rows} * x.a_stride;
      };
      uint64_t last_row = 0;
      for (uint32_t q = 0; q < m; ++q) last_row = std::max(last_row, row_at(q));
      EXPECT_EQ(a_last_row_offset(x), last_row);
      const uint64_t a_end =
          x.a_addr + last_row + uint64_t{pieces - 1} * x.a_segment_stride + uint64_t{length} * es;
      x.b_addr = static_cast<uint32_t>((a_end + 64) / 64 * 64);
      x.b_stride = mode == 3 ? static_cast<uint32_t>(cdiv(n, 2)) : n * es;
      const uint64_t b_rows = mode == 2 ? 2 * cdiv(k, 4) : k;
      x.meta_addr = static_cast<uint32_t>(x.b_addr + b_rows * x.b_stride + 64);
      // A gathered here: row i is its pieces one after another.
      vtpu_insn_matmul g = x;
      g.a_segments = g.a_line_rows = 0;
      g.a_segment_stride = g.a_line_stride = 0;
      g.a_addr = static_cast<uint32_t>((x.meta_addr + cdiv(k, 4) * x.meta_stride + 64) / 64 * 64);
      g.a_stride = k * es;
      for (uint32_t i = 0; i < m; ++i)
        for (uint32_t p = 0; p < pieces; ++p)
          std::memcpy(b.at(g.a_addr + (uint64_t{i} * k + uint64_t{p} * length) * es),
                      b.at(x.a_addr + row_at(i) + uint64_t{p} * x.a_segment_stride),
                      uint64_t{length} * es);
      ASSERT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_NONE) << "mode " << mode;
      ASSERT_EQ(check(g, b.vmem, b.amem).cause, VTPU_ERR_NONE);
      for (Dataflow d : {Dataflow::kWeightStationary, Dataflow::kOutputStationary}) {
        const ArrayConfig a = array(8, 4, d, TimingMode::kOverlapped);
        std::vector<uint8_t> want, fed_c;
        reference_matmul(g, b.vmem, b.amem, a, want);
        Fed fed;
        ASSERT_TRUE(feed(x, b.vmem, fed));
        EXPECT_EQ(a_segments(fed.insn), 1u);
        reference_matmul(fed.insn, fed.vmem, b.amem, a, fed_c);
        EXPECT_EQ(fed_c, want) << "mode " << mode << " what feed() hands the array";
        const std::vector<uint8_t> c_in = b.abytes;
        execute(x, b.vmem, b.amem, a);
        ASSERT_EQ(std::memcmp(b.abytes.data() + (x.c_addr - kAmem), want.data(), want.size()), 0)
            << "mode " << mode << " m " << m << " k " << k << " n " << n << " pieces " << pieces;
        b.abytes = c_in;
        ++cases;
      }
      Fed untouched;
      EXPECT_FALSE(feed(g, b.vmem, untouched)) << "one piece, one line: nothing to feed";
    }
  EXPECT_EQ(cases, 80);
}

TEST(MxuPieces, CheckRefusesPiecesThatDoNotFit) {
  SparseBench b;
  std::mt19937_64 rng(8);
  vtpu_insn_matmul x = random_sparse(b, rng, 6, 12, 8, false);
  x.sparsity = VTPU_SPARSITY_DENSE;
  x.a_addr = kVmem, x.a_stride = 4, x.a_segments = 3, x.a_segment_stride = 100;
  x.b_addr = kVmem + 4096;
  ASSERT_EQ(check(x, b.vmem, b.amem).cause, VTPU_ERR_NONE);
  vtpu_insn_matmul y = x;
  y.a_segments = 5;  // 12 elements do not split into 5 pieces
  EXPECT_EQ(check(y, b.vmem, b.amem).cause, VTPU_ERR_SHAPE);
  EXPECT_EQ(check(y, b.vmem, b.amem).address, 5u);
  // The last piece of the last row ends VMEM's last byte, then one past.
  const uint64_t end = kVmem + b.vbytes.size();
  y = x;
  y.a_addr = static_cast<uint32_t>(end - (5 * 4 + 2 * 100 + 4));
  EXPECT_EQ(check(y, b.vmem, b.amem).cause, VTPU_ERR_NONE);
  y.a_segment_stride = 101;
  EXPECT_EQ(check(y, b.vmem, b.amem).cause, VTPU_ERR_ADDRESS);
  EXPECT_EQ(check(y, b.vmem, b.amem).address, y.a_addr);
  y = x;
  y.precision = VTPU_TYPE_BF16;
  y.b_stride = 16;
  y.a_segment_stride = 101;  // bf16 pieces on odd bytes
  EXPECT_EQ(check(y, b.vmem, b.amem).cause, VTPU_ERR_ADDRESS);
  // Six rows in lines of four: the last line's two rows end before the
  // first line's last row when lines are only 2 bytes apart; the footprint
  // is the farther one's.
  y = x;
  y.a_line_rows = 4, y.a_line_stride = 2;
  const uint64_t far = 3 * 4 + 2 * 100 + 4;  // row 3's end
  y.a_addr = static_cast<uint32_t>(end - far);
  EXPECT_EQ(a_last_row_offset(y), 12u);
  EXPECT_EQ(check(y, b.vmem, b.amem).cause, VTPU_ERR_NONE);
  y.a_addr += 1;
  EXPECT_EQ(check(y, b.vmem, b.amem).cause, VTPU_ERR_ADDRESS);
  y = x;
  y.precision = VTPU_TYPE_BF16;
  y.b_stride = 16, y.a_segment_stride = 100;
  y.a_line_rows = 2, y.a_line_stride = 33;  // bf16 lines on odd bytes
  EXPECT_EQ(check(y, b.vmem, b.amem).cause, VTPU_ERR_ADDRESS);
}

}  // namespace
}  // namespace vtpu::mxu

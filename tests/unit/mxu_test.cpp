// The MXU without SystemC: its cycle formulas against SCALE-Sim v2's (and two
// figures from SCALE-Sim runs), the fast functional path against the scalar
// reference bit for bit, and the instruction checks (docs/mxu.md).
#include "models/mxu/mxu.h"

#include <gtest/gtest.h>

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
// output-stationary for a VTPU_DATAFLOW_AUTO instruction when its cycles plus
// the port time of re-reading B (B's bytes x (ceil(M/R) - 1) over all ports'
// bytes per cycle) are fewer than weight-stationary's; bf16 only where K <= R.
// Named dataflows run on an auto array; a fixed array runs its own and
// refuses the other.
TEST(MxuDataflow, AutoPicksTheFasterByTheFormula) {
  ArrayConfig both = array(32, 32, Dataflow::kWeightStationary, TimingMode::kOverlapped);
  both.both_dataflows = true;
  both.vmem_port_bytes = 128;  // two 64-byte ports
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
  // 5218; os 16 x 2 x 147 + 61 = 4765 cycles, but B (147 x 64 bytes) again 15 times is
  // 141,120 bytes, 1102.5 cycles of both ports: 5867.5 > 5218.
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kWeightStationary);
  // Without port limits the same tile goes output-stationary.
  both.vmem_port_bytes = 0;
  EXPECT_EQ(picked(512, 147, 64), Dataflow::kOutputStationary);
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

}  // namespace
}  // namespace vtpu::mxu

// The transactor against the MXU's functional model (models/mxu/mxu.h): random
// int8 MATMUL instructions (ragged M, K, N, row strides, C = and C +=) run on
// the Verilated tile leave AMEM byte for byte as mxu::execute() does.
#include "rtl/mxu_tile/transactor.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "models/mxu/mxu.h"

namespace vtpu::rtl {
namespace {

TEST(MxuTileTransactor, MatchesTheFunctionalModelByteForByte) {
  MxuTileTransactor tile;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int trial = 0; trial < 30; ++trial) {
    const uint32_t r = tile.rows(), c = tile.cols();
    vtpu_insn_matmul x{};
    x.h.opcode = VTPU_OP_MATMUL;
    x.precision = VTPU_TYPE_INT8;
    x.m = std::uniform_int_distribution<uint32_t>(1, 30)(rng);
    x.k = std::uniform_int_distribution<uint32_t>(1, 3 * r + 2)(rng);
    x.n = std::uniform_int_distribution<uint32_t>(1, 2 * c + 3)(rng);
    x.accumulate = trial % 2;
    x.a_stride = x.k + trial % 3;
    x.b_stride = x.n + trial % 5;
    x.c_stride = 4 * x.n + 4 * (trial % 2);
    std::vector<uint8_t> vmem(x.m * x.a_stride + x.k * x.b_stride), amem(x.m * x.c_stride);
    for (auto& v : vmem) v = static_cast<uint8_t>(byte(rng));
    for (auto& v : amem) v = static_cast<uint8_t>(byte(rng));
    x.a_addr = 0x1000;
    x.b_addr = 0x1000 + x.m * x.a_stride;
    x.c_addr = 0x8000;
    std::vector<uint8_t> vmem2 = vmem, amem2 = amem;
    const UnitMemory v1{0x1000, vmem.size(), vmem.data()}, a1{0x8000, amem.size(), amem.data()};
    const UnitMemory v2{0x1000, vmem2.size(), vmem2.data()}, a2{0x8000, amem2.size(), amem2.data()};
    ASSERT_TRUE(mxu::check(x, v1, a1).ok());
    mxu::ArrayConfig array;
    array.rows = r;
    array.cols = c;
    mxu::execute(x, v1, a1, array);
    const uint64_t cycles = tile.execute(x, v2, a2);
    ASSERT_EQ(amem, amem2) << "m " << x.m << " k " << x.k << " n " << x.n << " accumulate "
                           << int{x.accumulate};
    EXPECT_GT(cycles, x.m);
  }
}

}  // namespace
}  // namespace vtpu::rtl

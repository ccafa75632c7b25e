// A tile of one's own, built the way VTPU_MXU_RTL builds one (docs/cosim.md,
// "Your own tile"): the example late tile (rtl/examples/late_tile), the
// project's tile behind one more result register. Its results are the
// model's bit for bit, int8 and bf16; its cycles are the formula's plus one,
// and lockstep stops at the first instruction saying so.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "models/mxu/engine.h"
#include "rtl/mxu_tile/transactor.h"

namespace vtpu::rtl {
namespace {

struct Instruction {
  vtpu_insn_matmul x{};
  std::vector<uint8_t> vmem, amem;
};

// A 20x19x11 MATMUL, C =, of random int8 or finite bf16 operands.
Instruction random_matmul(uint8_t precision, std::mt19937& rng) {
  Instruction in;
  vtpu_insn_matmul& x = in.x;
  x.h.opcode = VTPU_OP_MATMUL;
  x.precision = precision;
  x.m = 20, x.k = 19, x.n = 11;
  const uint32_t element = vtpu_type_size(precision);
  x.a_stride = element * x.k, x.b_stride = element * x.n, x.c_stride = 4 * x.n;
  x.a_addr = 0x1000, x.b_addr = 0x1000 + x.m * x.a_stride, x.c_addr = 0x8000;
  in.vmem.resize(x.m * x.a_stride + x.k * x.b_stride);
  in.amem.resize(x.m * x.c_stride);
  for (size_t i = 0; i < in.vmem.size(); i += element) {
    const uint32_t v = rng();
    const uint16_t value = element == 1 ? v & 0xff : (v & 0x807f) | ((120 + (v >> 8) % 12) << 7);
    std::memcpy(&in.vmem[i], &value, element);
  }
  return in;
}

TEST(OwnTile, LateTileComputesTheModelsResultsOneCycleLater) {
  TileOptions options;  // 8x8: the one shape the test library has
  const std::unique_ptr<mxu::RtlArray> tile = make_tile(options);
  EXPECT_TRUE(tile->runs_bf16());
  mxu::ArrayConfig array;
  array.rows = array.cols = 8;
  array.dataflow = mxu::Dataflow::kWeightStationary;
  array.timing = mxu::TimingMode::kOverlapped;
  std::mt19937 rng(5);
  for (uint8_t precision : {VTPU_TYPE_INT8, VTPU_TYPE_BF16}) {
    Instruction in = random_matmul(precision, rng);
    std::vector<uint8_t> amem_rtl = in.amem;
    const UnitMemory v{0x1000, in.vmem.size(), in.vmem.data()};
    const UnitMemory a{0x8000, in.amem.size(), in.amem.data()};
    const UnitMemory a_rtl{0x8000, amem_rtl.size(), amem_rtl.data()};
    mxu::execute(in.x, v, a, array);
    const uint64_t cycles = tile->execute(in.x, v, a_rtl);
    EXPECT_EQ(amem_rtl, in.amem) << "precision " << int{precision};
    EXPECT_EQ(cycles, mxu::array_cycles(in.x.m, in.x.k, in.x.n, array) + 1);
  }
}

TEST(OwnTile, LockstepStopsTheLateTileAtItsFirstInstruction) {
  const std::unique_ptr<mxu::RtlArray> tile = make_tile(TileOptions{});
  mxu::ArrayConfig array;
  array.rows = array.cols = 8;
  array.dataflow = mxu::Dataflow::kWeightStationary;
  array.timing = mxu::TimingMode::kOverlapped;
  std::string stopped;
  const auto engine =
      mxu::lockstep_engine(array, *tile, [&](const std::string& why) { stopped = why; });
  std::mt19937 rng(6);
  Instruction in = random_matmul(VTPU_TYPE_INT8, rng);
  const UnitMemory v{0x1000, in.vmem.size(), in.vmem.data()};
  const UnitMemory a{0x8000, in.amem.size(), in.amem.data()};
  EXPECT_FALSE(engine->run(in.x, v, a, 0).has_value());
  const uint64_t formula = mxu::array_cycles(20, 19, 11, array);
  EXPECT_EQ(stopped, "mxu lockstep: MATMUL #0 (int8 20x19x11, C =): cycles expected " +
                         std::to_string(formula) + " (tlm overlapped), got " +
                         std::to_string(formula + 1) + " (rtl)");
}

}  // namespace
}  // namespace vtpu::rtl

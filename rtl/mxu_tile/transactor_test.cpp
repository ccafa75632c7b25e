// The RTL backend at unit level (docs/cosim.md): random int8 and bf16 MATMUL
// instructions (ragged M, K, N; row strides; C = and C +=) run on each
// Verilated tile leave AMEM byte for byte as the MXU's functional model
// (mxu::execute) and its scalar reference do, in exactly the cycles of the
// TLM overlapped formula (mxu::array_cycles, docs/mxu.md).
#include "rtl/mxu_tile/transactor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "models/common/error.h"
#include "models/mxu/reference.h"

namespace vtpu::rtl {
namespace {

class RtlTile : public testing::TestWithParam<unsigned> {};

TEST_P(RtlTile, MatchesTheModelBitForBitAndTheFormulaCycleForCycle) {
  TileOptions options;
  options.rows = options.cols = GetParam();
  const std::unique_ptr<mxu::RtlArray> tile = make_tile(options);
  const uint32_t r = tile->rows(), c = tile->cols();
  mxu::ArrayConfig array;
  array.rows = r;
  array.cols = c;
  array.dataflow = mxu::Dataflow::kWeightStationary;
  array.timing = mxu::TimingMode::kOverlapped;
  std::mt19937 rng(11 + r);
  std::uniform_int_distribution<int> byte(0, 255);
  // A finite bf16 of either sign, or the fp32 with its bits as its upper half
  // and random lower bits: values whose sums cancel and round.
  auto bf16 = [&rng] {
    const uint32_t v = rng();
    return static_cast<uint16_t>((v & 0x807f) | ((112 + (v >> 8) % 30) << 7));
  };
  for (int trial = 0; trial < 40; ++trial) {
    vtpu_insn_matmul x{};
    x.h.opcode = VTPU_OP_MATMUL;
    x.precision = trial % 4 >= 2 ? VTPU_TYPE_BF16 : VTPU_TYPE_INT8;
    const uint32_t element = vtpu_type_size(x.precision);
    // M both sides of R (the weight load shows below R), K and N ragged.
    x.m = std::uniform_int_distribution<uint32_t>(1, 3 * r)(rng);
    x.k = std::uniform_int_distribution<uint32_t>(1, 3 * r + 2)(rng);
    x.n = std::uniform_int_distribution<uint32_t>(1, 2 * c + 3)(rng);
    x.accumulate = trial % 2;
    x.a_stride = element * (x.k + trial % 3);
    x.b_stride = element * (x.n + trial % 5);
    x.c_stride = 4 * x.n + 4 * (trial % 2);
    std::vector<uint8_t> vmem(x.m * x.a_stride + x.k * x.b_stride), amem(x.m * x.c_stride);
    if (x.precision == VTPU_TYPE_INT8) {
      for (auto& v : vmem) v = static_cast<uint8_t>(byte(rng));
      for (auto& v : amem) v = static_cast<uint8_t>(byte(rng));
    } else {
      for (size_t i = 0; i + 1 < vmem.size(); i += 2) {
        const uint16_t h = bf16();
        std::memcpy(&vmem[i], &h, 2);
      }
      for (size_t i = 0; i + 3 < amem.size(); i += 4) {
        const uint32_t f = uint32_t{bf16()} << 16 | (rng() & 0xffff);
        std::memcpy(&amem[i], &f, 4);
      }
    }
    x.a_addr = 0x1000;
    x.b_addr = 0x1000 + x.m * x.a_stride;
    x.c_addr = 0x8000;
    std::vector<uint8_t> amem_rtl = amem;
    const UnitMemory v{0x1000, vmem.size(), vmem.data()}, a{0x8000, amem.size(), amem.data()};
    const UnitMemory a_rtl{0x8000, amem_rtl.size(), amem_rtl.data()};
    ASSERT_TRUE(mxu::check(x, v, a).ok());
    std::vector<uint8_t> reference;
    mxu::reference_matmul(x, v, a, array, reference);
    const uint64_t cycles = tile->execute(x, v, a_rtl);
    mxu::execute(x, v, a, array);
    const std::string shape = std::string(element == 2 ? "bf16 " : "int8 ") + std::to_string(x.m) +
                              "x" + std::to_string(x.k) + "x" + std::to_string(x.n) +
                              (x.accumulate ? " C +=" : " C =");
    ASSERT_EQ(amem_rtl, amem) << shape << ": RTL vs TLM";
    ASSERT_TRUE(std::equal(reference.begin(), reference.end(), amem_rtl.begin()))
        << shape << ": RTL vs the scalar reference";
    EXPECT_EQ(cycles, mxu::array_cycles(x.m, x.k, x.n, array)) << shape;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, RtlTile, testing::Values(8u, 16u, 32u), [](const auto& info) {
  return std::to_string(info.param) + "x" + std::to_string(info.param);
});

// The default build (VTPU_RTL_SHAPES) has the presets' small arrays; a shape
// it lacks is refused with the option that builds it.
TEST(RtlTileFactory, NamesTheShapesItHasAndHowToBuildOthers) {
  const std::string built = built_tiles();
  EXPECT_EQ(built.rfind("8x8, 16x16, 32x32", 0), 0u) << built;
  EXPECT_TRUE(tile_built(32, 32, -1));
  EXPECT_TRUE(tile_built(8, 8, 3));
  EXPECT_FALSE(tile_built(999, 999, -1));
  TileOptions options;
  options.rows = options.cols = 999;
  try {
    make_tile(options);
    FAIL() << "a 999x999 tile was made";
  } catch (const Error& e) {
    std::string shapes = built;
    for (size_t i; (i = shapes.find(", ")) != std::string::npos;) shapes.replace(i, 2, ";");
    EXPECT_EQ(std::string(e.what()), "no RTL tile of 999x999 in this build (built: " + built +
                                         "; cmake -DVTPU_RTL_SHAPES='" + shapes +
                                         ";999x999' builds it)");
  }
}

}  // namespace
}  // namespace vtpu::rtl

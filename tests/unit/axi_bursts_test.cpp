// AXI4 burst arithmetic (rtl/axi/bursts.h) against the byte lanes and
// addresses of IHI 0022 A3.4, worked out by hand.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "rtl/axi/bursts.h"

namespace vtpu::rtl::axi {
namespace {

using Runs = std::vector<std::pair<uint64_t, std::vector<uint32_t>>>;

Runs runs_of(const ByteMap& map) {
  Runs runs;
  for (const ByteMap::Run& r : map.runs) runs.emplace_back(r.address, r.at);
  return runs;
}

TEST(AxiBursts, AlignedIncrIsOneRun) {
  EXPECT_EQ(runs_of(byte_map({0x1000, 4, 4, kIncr}, 4)),
            (Runs{{0x1000, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}}));
}

TEST(AxiBursts, UnalignedIncrStartsAtItsAddress) {
  // Beat 0 moves lane 3 only (0x1003); beats 1 and 2 whole words.
  EXPECT_EQ(runs_of(byte_map({0x1003, 3, 4, kIncr}, 4)),
            (Runs{{0x1003, {3, 4, 5, 6, 7, 8, 9, 10, 11}}}));
  // On an 8-byte bus: 0x1006 takes lanes 6-7, then 0x1008-0x100b lanes 0-3.
  EXPECT_EQ(runs_of(byte_map({0x1006, 2, 4, kIncr}, 8)), (Runs{{0x1006, {6, 7, 8, 9, 10, 11}}}));
}

TEST(AxiBursts, NarrowBeatsWalkTheLanes) {
  // Bytes on a 4-byte bus from 0x2001: lanes 1, 2, 3, then 0 of the next word.
  EXPECT_EQ(runs_of(byte_map({0x2001, 4, 1, kIncr}, 4)), (Runs{{0x2001, {1, 6, 11, 12}}}));
  // Half-words on an 8-byte bus from 0x2004: lanes 4-5, 6-7, then 0-1.
  EXPECT_EQ(runs_of(byte_map({0x2004, 3, 2, kIncr}, 8)), (Runs{{0x2004, {4, 5, 14, 15, 16, 17}}}));
}

TEST(AxiBursts, WrapTurnsAtItsBoundary) {
  // 4 x 4 bytes from 0x1008 wrap at 16: 0x1008, 0x100c, 0x1000, 0x1004.
  EXPECT_EQ(beat_address({0x1008, 4, 4, kWrap}, 2), 0x1000u);
  EXPECT_EQ(runs_of(byte_map({0x1008, 4, 4, kWrap}, 4)),
            (Runs{{0x1008, {0, 1, 2, 3, 4, 5, 6, 7}}, {0x1000, {8, 9, 10, 11, 12, 13, 14, 15}}}));
}

TEST(AxiBursts, FixedRepeatsItsAddress) {
  EXPECT_EQ(runs_of(byte_map({0x3000, 3, 4, kFixed}, 4)),
            (Runs{{0x3000, {0, 1, 2, 3}}, {0x3000, {4, 5, 6, 7}}, {0x3000, {8, 9, 10, 11}}}));
}

TEST(AxiBursts, StrobesLeaveBytesOut) {
  const std::vector<bool> strobes = {true, true, false, true, true, true, true, true};
  EXPECT_EQ(runs_of(byte_map({0x4000, 2, 4, kIncr}, 4, strobes)),
            (Runs{{0x4000, {0, 1}}, {0x4003, {3, 4, 5, 6, 7}}}));
}

TEST(AxiBursts, RulesOfA3_4) {
  EXPECT_EQ(check({0xff8, 1, 8, kIncr}, 8), "");
  EXPECT_EQ(check({0x0, 256, 16, kIncr}, 16), "");  // 4 KiB exactly
  EXPECT_NE(check({0xff8, 2, 8, kIncr}, 8).find("crosses a 4 KiB boundary"), std::string::npos);
  EXPECT_NE(check({0x10, 3, 4, kWrap}, 4).find("WRAP burst of 3 beats"), std::string::npos);
  EXPECT_NE(check({0x12, 4, 4, kWrap}, 4).find("not aligned"), std::string::npos);
  EXPECT_EQ(check({0x10, 16, 4, kWrap}, 4), "");
  EXPECT_NE(check({0x10, 17, 4, kFixed}, 4).find("FIXED burst of 17 beats"), std::string::npos);
  EXPECT_NE(check({0x10, 1, 4, 3}, 4).find("reserved"), std::string::npos);
  EXPECT_NE(check({0x10, 1, 16, kIncr}, 8).find("wider than the 8-byte data bus"),
            std::string::npos);
}

}  // namespace
}  // namespace vtpu::rtl::axi

// Typed registers and their access rules (models/common/register_bank.*,
// docs/memory-map.md "Register access rules").
#include "models/common/register_bank.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vtpu {
namespace {

using Access = RegisterBank::Access;

struct Bank {
  RegisterBank regs;
  uint8_t byte = 0x5a;
  uint16_t half = 0x1234;
  uint32_t word = 0xdeadbeef;
  uint64_t wide = 0x1122334455667788;
  uint64_t counter = 0xaabbccdd00112233;
  std::vector<uint64_t> wide_writes;
  Bank() {
    regs.add_typed<uint8_t>(
        "byte", 0x00, Access::kReadWrite, [this] { return byte; }, [this](uint8_t v) { byte = v; });
    regs.add_typed<uint16_t>(
        "half", 0x04, Access::kReadWrite, [this] { return half; },
        [this](uint16_t v) { half = v; });
    regs.add_storage("word", 0x08, word);
    regs.add64(
        "wide", 0x10, Access::kReadWrite, [this] { return wide; },
        [this](uint64_t v) {
          wide = v;
          wide_writes.push_back(v);
        });
    regs.add64("counter", 0x18, Access::kReadOnly, [this] { return counter; });
    regs.add("go", 0x20, Access::kWriteOnly, nullptr, [](uint32_t) {});
  }
  // The value read, or -1 for an access fault.
  int64_t read(uint64_t offset, unsigned length) {
    uint64_t v = 0;
    if (regs.access(tlm::TLM_READ_COMMAND, offset, reinterpret_cast<uint8_t*>(&v), length) !=
        tlm::TLM_OK_RESPONSE)
      return -1;
    return static_cast<int64_t>(v);
  }
  bool write(uint64_t offset, unsigned length, uint64_t v) {
    return regs.access(tlm::TLM_WRITE_COMMAND, offset, reinterpret_cast<uint8_t*>(&v), length) ==
           tlm::TLM_OK_RESPONSE;
  }
};

TEST(RegisterBank, NarrowRegistersZeroExtendAndTruncate) {
  Bank b;
  EXPECT_EQ(b.read(0x00, 4), 0x5a);
  EXPECT_EQ(b.read(0x04, 4), 0x1234);
  EXPECT_EQ(b.read(0x04, 1), 0x34);
  EXPECT_TRUE(b.write(0x04, 4, 0xffffabcd));
  EXPECT_EQ(b.half, 0xabcd);
  EXPECT_TRUE(b.write(0x08, 1, 0x77));  // a narrower write is zero-extended
  EXPECT_EQ(b.word, 0x77u);
}

TEST(RegisterBank, SixtyFourBitRegistersByWord) {
  Bank b;
  EXPECT_EQ(b.read(0x10, 4), 0x55667788);
  EXPECT_EQ(b.read(0x14, 4), 0x11223344);
  EXPECT_EQ(b.read(0x14, 2), 0x3344);
  EXPECT_EQ(b.read(0x10, 8), 0x1122334455667788);
  // A word write keeps the other word; the callback sees the whole register.
  EXPECT_TRUE(b.write(0x14, 4, 0xcafef00d));
  EXPECT_EQ(b.wide, 0xcafef00d55667788u);
  EXPECT_TRUE(b.write(0x10, 2, 0x9999));
  EXPECT_EQ(b.wide, 0xcafef00d00009999u);
  EXPECT_TRUE(b.write(0x10, 8, 0x0102030405060708));
  EXPECT_EQ(b.wide, 0x0102030405060708u);
  EXPECT_EQ(b.wide_writes.size(), 3u);
  EXPECT_EQ(b.read(0x1c, 4), 0xaabbccdd);  // read-only counter, upper word
}

TEST(RegisterBank, AccessRulesFault) {
  Bank b;
  EXPECT_EQ(b.read(0x01, 1), -1);     // not at a register's offset
  EXPECT_EQ(b.read(0x0c, 4), -1);     // past a 32-bit register
  EXPECT_EQ(b.read(0x12, 2), -1);     // inside a word of a 64-bit register
  EXPECT_EQ(b.read(0x14, 8), -1);     // 8 bytes from the upper word
  EXPECT_EQ(b.read(0x08, 8), -1);     // 8 bytes of a 32-bit register
  EXPECT_EQ(b.read(0x08, 3), -1);     // not 1, 2, 4 or 8 bytes
  EXPECT_FALSE(b.write(0x18, 4, 1));  // read-only
  EXPECT_FALSE(b.write(0x1c, 4, 1));  // read-only, upper word
  EXPECT_EQ(b.read(0x20, 4), -1);     // write-only
  EXPECT_TRUE(b.write(0x20, 4, 1));
  EXPECT_EQ(b.read(0x40, 4), -1);  // nothing there
  EXPECT_EQ(b.counter, 0xaabbccdd00112233u);
}

}  // namespace
}  // namespace vtpu

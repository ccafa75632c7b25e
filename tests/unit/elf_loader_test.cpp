#include "platform/elf_loader.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "models/common/error.h"

namespace vtpu {
namespace {

std::string write_temp(const std::string& name, const std::vector<uint8_t>& bytes) {
  std::string path = ::testing::TempDir() + "/elf_loader_test_" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

// A minimal valid RV32 executable: one PT_LOAD of 8 bytes at 0x80000000.
std::vector<uint8_t> tiny_elf() {
  std::vector<uint8_t> f(sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr) + 8, 0);
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = 0x80000000;
  eh.e_phoff = sizeof(Elf32_Ehdr);
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = 1;
  Elf32_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr);
  ph.p_vaddr = ph.p_paddr = 0x80000000;
  ph.p_filesz = 8;
  ph.p_memsz = 16;
  std::memcpy(f.data(), &eh, sizeof eh);
  std::memcpy(f.data() + sizeof eh, &ph, sizeof ph);
  return f;
}

std::string error_of(const std::string& path) {
  try {
    read_elf(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ElfLoader, ReadsAValidImage) {
  ElfImage image = read_elf(write_temp("ok.elf", tiny_elf()));
  EXPECT_EQ(image.entry, 0x80000000u);
  ASSERT_EQ(image.segments.size(), 1u);
  EXPECT_EQ(image.segments[0].data.size(), 8u);
  EXPECT_EQ(image.segments[0].memory_size, 16u);
  EXPECT_FALSE(image.tohost.has_value());
}

TEST(ElfLoader, RejectsBadFiles) {
  EXPECT_EQ(error_of("/nonexistent.elf"), "/nonexistent.elf: cannot open file");
  std::string p = write_temp("empty.elf", {});
  EXPECT_EQ(error_of(p), p + ": file is empty");
  p = write_temp("text.elf", {'h', 'e', 'l', 'l', 'o'});
  EXPECT_EQ(error_of(p), p + ": not an ELF file");

  std::vector<uint8_t> f = tiny_elf();
  p = write_temp("header.elf", std::vector<uint8_t>(f.begin(), f.begin() + 20));
  EXPECT_EQ(error_of(p), p + ": truncated ELF header");
  p = write_temp("phdr.elf", std::vector<uint8_t>(f.begin(), f.begin() + sizeof(Elf32_Ehdr) + 8));
  EXPECT_EQ(error_of(p), p + ": truncated: program header 0 lies beyond the end of the file");
  p = write_temp("data.elf", std::vector<uint8_t>(f.begin(), f.end() - 4));
  EXPECT_EQ(error_of(p), p + ": truncated: segment 0 data lies beyond the end of the file");

  std::vector<uint8_t> wrong = f;
  wrong[EI_CLASS] = ELFCLASS64;
  p = write_temp("class.elf", wrong);
  EXPECT_EQ(error_of(p), p + ": not a 32-bit ELF (RV32 expected)");
  wrong = f;
  wrong[18] = EM_ARM;  // e_machine
  p = write_temp("arm.elf", wrong);
  EXPECT_EQ(error_of(p), p + ": not a RISC-V ELF (e_machine 40)");
}

}  // namespace
}  // namespace vtpu

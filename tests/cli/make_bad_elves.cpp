// Writes broken variants of a good firmware ELF for the CLI tests:
//   empty.elf, truncated.elf (header and half the program headers), text.elf,
//   arm.elf (e_machine = EM_ARM), elf64.elf (EI_CLASS = ELFCLASS64).
#include <elf.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

void write(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_bad_elves GOOD.elf OUT_DIR\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<char> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (good.size() < sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr)) {
    std::cerr << "make_bad_elves: " << argv[1] << " is too small\n";
    return 1;
  }
  const std::string dir = argv[2];
  write(dir + "/empty.elf", {});
  write(dir + "/truncated.elf", std::vector<char>(good.begin(), good.begin() + sizeof(Elf32_Ehdr) +
                                                                    sizeof(Elf32_Phdr) / 2));
  const std::string text = "this is not an ELF file\n";
  write(dir + "/text.elf", std::vector<char>(text.begin(), text.end()));
  std::vector<char> arm = good;
  arm[18] = static_cast<char>(EM_ARM);
  arm[19] = 0;
  write(dir + "/arm.elf", arm);
  std::vector<char> elf64 = good;
  elf64[EI_CLASS] = ELFCLASS64;
  write(dir + "/elf64.elf", elf64);
  return 0;
}

#include "platform/elf_loader.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iterator>

#include "models/common/error.h"
#include "models/common/read_file.h"

namespace vtpu {
namespace {

template <typename T>
bool read_at(const std::vector<uint8_t>& file, uint64_t offset, T& out) {
  if (offset > file.size() || file.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, file.data() + offset, sizeof(T));
  return true;
}

// The symbol table's functions: STT_FUNC symbols, and global or weak
// untyped ones in sections of code (assembly labels); by address, one name
// per address. A malformed table gives what was read of it.
std::vector<ElfFunction> read_functions(const std::vector<uint8_t>& file, const Elf32_Ehdr& eh) {
  std::vector<ElfFunction> out;
  if (eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf32_Shdr)) return out;
  const auto section = [&](unsigned i, Elf32_Shdr& h) {
    return i < eh.e_shnum && read_at(file, eh.e_shoff + uint64_t{i} * sizeof(Elf32_Shdr), h);
  };
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf32_Shdr symtab, strtab;
    if (!section(i, symtab) || symtab.sh_type != SHT_SYMTAB ||
        symtab.sh_entsize != sizeof(Elf32_Sym) || !section(symtab.sh_link, strtab))
      continue;
    for (uint64_t off = 0; off + sizeof(Elf32_Sym) <= symtab.sh_size; off += sizeof(Elf32_Sym)) {
      Elf32_Sym sym;
      if (!read_at(file, symtab.sh_offset + off, sym)) break;
      const unsigned type = ELF32_ST_TYPE(sym.st_info), bind = ELF32_ST_BIND(sym.st_info);
      Elf32_Shdr in;
      const bool code_label = type == STT_NOTYPE && (bind == STB_GLOBAL || bind == STB_WEAK) &&
                              section(sym.st_shndx, in) && (in.sh_flags & SHF_EXECINSTR) != 0;
      if (type != STT_FUNC && !code_label) continue;
      const uint64_t name_at = uint64_t{strtab.sh_offset} + sym.st_name;
      if (sym.st_name >= strtab.sh_size || name_at >= file.size()) continue;
      const char* s = reinterpret_cast<const char*>(file.data() + name_at);
      const size_t max_len =
          std::min<uint64_t>(strtab.sh_size - sym.st_name, file.size() - name_at);
      out.push_back({sym.st_value, sym.st_size, std::string(s, strnlen(s, max_len))});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ElfFunction& a, const ElfFunction& b) {
    return a.address < b.address;
  });
  out.erase(std::unique(
                out.begin(), out.end(),
                [](const ElfFunction& a, const ElfFunction& b) { return a.address == b.address; }),
            out.end());
  return out;
}

std::optional<uint32_t> find_symbol(const std::vector<uint8_t>& file, const Elf32_Ehdr& eh,
                                    const std::string& name) {
  if (eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf32_Shdr)) return std::nullopt;
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf32_Shdr symtab;
    if (!read_at(file, eh.e_shoff + uint64_t{i} * sizeof(Elf32_Shdr), symtab)) return std::nullopt;
    if (symtab.sh_type != SHT_SYMTAB || symtab.sh_entsize != sizeof(Elf32_Sym)) continue;
    Elf32_Shdr strtab;
    if (!read_at(file, eh.e_shoff + uint64_t{symtab.sh_link} * sizeof(Elf32_Shdr), strtab))
      return std::nullopt;
    for (uint64_t off = 0; off + sizeof(Elf32_Sym) <= symtab.sh_size; off += sizeof(Elf32_Sym)) {
      Elf32_Sym sym;
      if (!read_at(file, symtab.sh_offset + off, sym)) return std::nullopt;
      uint64_t name_at = uint64_t{strtab.sh_offset} + sym.st_name;
      if (sym.st_name >= strtab.sh_size || name_at >= file.size()) continue;
      const char* s = reinterpret_cast<const char*>(file.data() + name_at);
      size_t max_len = std::min<uint64_t>(strtab.sh_size - sym.st_name, file.size() - name_at);
      if (strnlen(s, max_len) == name.size() && std::memcmp(s, name.data(), name.size()) == 0)
        return sym.st_value;
    }
  }
  return std::nullopt;
}

}  // namespace

ElfImage read_elf(const std::string& path) {
  auto fail = [&path](const std::string& why) { return Error(path + ": " + why); };
  // read_file() refuses a device (/dev/zero) or a directory, which would be
  // read forever or fail late; core RAM is at most 1 GiB.
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw fail("cannot open file");
  const std::string bytes = read_file(path, uint64_t{1} << 30);
  const std::vector<uint8_t> file(bytes.begin(), bytes.end());
  if (file.empty()) throw fail("file is empty");

  Elf32_Ehdr eh;
  if (file.size() < 4 || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0)
    throw fail("not an ELF file");
  if (!read_at(file, 0, eh)) throw fail("truncated ELF header");
  if (eh.e_ident[EI_CLASS] != ELFCLASS32) throw fail("not a 32-bit ELF (RV32 expected)");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) throw fail("not a little-endian ELF");
  if (eh.e_machine != EM_RISCV)
    throw fail("not a RISC-V ELF (e_machine " + std::to_string(eh.e_machine) + ")");
  if (eh.e_type != ET_EXEC)
    throw fail("not an executable ELF (e_type " + std::to_string(eh.e_type) + ")");
  if (eh.e_phnum == 0) throw fail("no program headers");
  if (eh.e_phentsize != sizeof(Elf32_Phdr)) throw fail("bad program header size");

  ElfImage image;
  image.path = path;
  image.entry = eh.e_entry;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf32_Phdr ph;
    if (!read_at(file, eh.e_phoff + uint64_t{i} * sizeof(Elf32_Phdr), ph))
      throw fail("truncated: program header " + std::to_string(i) +
                 " lies beyond the end of the file");
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz)
      throw fail("segment " + std::to_string(i) + ": file size exceeds memory size");
    if (uint64_t{ph.p_offset} + ph.p_filesz > file.size())
      throw fail("truncated: segment " + std::to_string(i) +
                 " data lies beyond the end of the file");
    if (uint64_t{ph.p_paddr} + ph.p_memsz > (uint64_t{1} << 32))
      throw fail("segment " + std::to_string(i) + " extends beyond the 32-bit address space");
    ElfSegment seg;
    seg.address = ph.p_paddr;
    seg.memory_size = ph.p_memsz;
    seg.data.assign(file.begin() + ph.p_offset, file.begin() + ph.p_offset + ph.p_filesz);
    image.segments.push_back(std::move(seg));
  }
  if (image.segments.empty()) throw fail("no loadable segments");
  image.tohost = find_symbol(file, eh, "tohost");
  image.functions = read_functions(file, eh);
  return image;
}

const ElfFunction* function_at(const ElfImage& image, uint32_t address) {
  const auto& f = image.functions;
  auto after = std::upper_bound(f.begin(), f.end(), address,
                                [](uint32_t a, const ElfFunction& e) { return a < e.address; });
  if (after == f.begin()) return nullptr;
  const ElfFunction& in = *std::prev(after);
  if (in.size != 0 && address - in.address >= in.size) return nullptr;
  return &in;
}

}  // namespace vtpu

// Summarises a waveform, VCD or FST, one line per signal of the top scope (the
// tile's pins): name, width, how many values it took, the first and last
// times it changed, and its last value in binary. The VCD is read by a parser
// of its own, the FST by GTKWave's reader (fstapi, shipped with Verilator), so
// that the two files of one replay can be held to each other (tests: the FST
// must say what the VCD says).
//   wave_summary FILE.vcd|FILE.fst
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtkwave/fstapi.h"

namespace {

struct Signal {
  unsigned width = 0;
  uint64_t values = 0, first = 0, last = 0;
  std::string value;
  void take(uint64_t time, std::string v) {
    if (values++ == 0) first = time;
    last = time;
    value = std::move(v);
  }
};

using Signals = std::map<std::string, Signal>;  // by name, top scope only

bool read_vcd(const std::string& path, Signals& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::map<std::string, std::vector<Signal*>> by_code;  // a code may name several signals
  std::string line;
  int depth = 0;
  uint64_t time = 0;
  bool header = true;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word.empty()) continue;
    if (header) {
      if (word == "$scope") {
        ++depth;
      } else if (word == "$upscope") {
        --depth;
      } else if (word == "$var" && depth == 1) {  // $var wire WIDTH CODE NAME [RANGE] $end
        std::string kind, code, name;
        unsigned width = 0;
        words >> kind >> width >> code >> name;
        out[name].width = width;
        by_code[code].push_back(&out[name]);
      } else if (word == "$enddefinitions") {
        header = false;
      }
      continue;
    }
    std::string value, code;
    if (word[0] == '#') {
      time = std::stoull(word.substr(1));
      continue;
    } else if (word[0] == 'b') {  // b0101 CODE: leading zeros may be left out
      value = word.substr(1);
      words >> code;
    } else if (word[0] == '0' || word[0] == '1' || word[0] == 'x' || word[0] == 'z') {
      value = word.substr(0, 1);
      code = word.substr(1);
    } else {
      continue;  // $dumpvars, $end and the like
    }
    for (Signal* s : by_code[code]) {
      std::string v = value;
      if (v.size() < s->width) v.insert(0, s->width - v.size(), '0');
      s->take(time, v);
    }
  }
  return true;
}

bool read_fst(const std::string& path, Signals& out) {
  void* fst = fstReaderOpen(path.c_str());
  if (!fst) return false;
  std::map<fstHandle, std::vector<Signal*>> by_handle;
  int depth = 0;
  while (const fstHier* h = fstReaderIterateHier(fst)) {
    if (h->htyp == FST_HT_SCOPE) {
      ++depth;
    } else if (h->htyp == FST_HT_UPSCOPE) {
      --depth;
    } else if (h->htyp == FST_HT_VAR && depth == 1) {
      std::string name(h->u.var.name, h->u.var.name_length);
      name = name.substr(0, name.find(' '));  // "c_data [255:0]" -> "c_data"
      out[name].width = h->u.var.length;
      by_handle[h->u.var.handle].push_back(&out[name]);
    }
  }
  fstReaderSetFacProcessMaskAll(fst);
  auto change = [](void* user, uint64_t time, fstHandle handle, const unsigned char* value) {
    auto& handles = *static_cast<std::map<fstHandle, std::vector<Signal*>>*>(user);
    for (Signal* s : handles[handle])
      s->take(time, std::string(reinterpret_cast<const char*>(value), s->width));
  };
  fstReaderIterBlocks(fst, change, &by_handle, nullptr);
  fstReaderClose(fst);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: wave_summary FILE.vcd|FILE.fst\n", stderr);
    return 2;
  }
  const std::string path = argv[1];
  const bool fst = path.size() > 4 && path.compare(path.size() - 4, 4, ".fst") == 0;
  Signals signals;
  if (!(fst ? read_fst(path, signals) : read_vcd(path, signals)) || signals.empty()) {
    std::fprintf(stderr, "wave_summary: %s: not a readable %s with signals\n", path.c_str(),
                 fst ? "FST" : "VCD");
    return 2;
  }
  for (const auto& [name, s] : signals)
    std::printf("%s %u values %llu first %llu last %llu = %s\n", name.c_str(), s.width,
                static_cast<unsigned long long>(s.values), static_cast<unsigned long long>(s.first),
                static_cast<unsigned long long>(s.last), s.value.c_str());
  return 0;
}

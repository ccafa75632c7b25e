// Replays an MXU stimulus recording (mxu.record, traces/mxu_stimulus.proto)
// into the RTL tile of the recording's array shape, through the transactor,
// with no SystemC platform: every instruction's result must equal the
// recorded one and, for a recording made with `ws overlapped` timing, its
// cycles the recorded cycles. What an RTL team runs in its own CI
// (docs/cosim.md, "Recording and replay").
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "models/common/error.h"
#include "rtl/mxu_tile/transactor.h"
#include "traces/mxu_stimulus.h"

namespace {

constexpr const char* kUsage =
    "usage: mxu_replay FILE [--from I] [--count N] [--vcd OUT.vcd | --fst OUT.fst]\n"
    "                  [--fault-bit B]\n"
    "Replays the MATMULs of an mxu.record recording (FILE) on the RTL tile of its array\n"
    "shape and checks each result bit for bit against the recorded one, and its cycles\n"
    "when the recording was made with `ws overlapped` timing.\n"
    "  --from I       start at instruction I (counted from 0; default 0)\n"
    "  --count N      replay N instructions at most (default: all from I)\n"
    "  --vcd OUT.vcd  dump the tile's signals for the replayed instructions (VCD)\n"
    "  --fst OUT.fst  the same as FST (compressed: 10-15 times smaller; GTKWave reads it)\n"
    "  --fault-bit B  (test only) replay on the tile built with PE (0, 0)'s sum bit B stuck\n"
    "Exit status: 0 every replayed instruction matched; 1 a mismatch, or no instruction\n"
    "replayed; 2 bad input (usage, not a recording, a shape this build has no tile for).\n";

// The value of option `name`: a whole number in [0, max].
uint64_t parse_count(const char* name, const char* text, uint64_t max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (!*text || *end || text[0] == '-' || errno == ERANGE || v > max)
    throw vtpu::Error(std::string(name) + ": '" + text + "' is not a whole number from 0 to " +
                      std::to_string(max));
  return v;
}

struct Options {
  std::string path, waveform;
  bool fst = false;
  uint64_t from = 0, count = std::numeric_limits<uint64_t>::max();
  int fault_bit = -1;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--from" && has_value) {
      o.from = parse_count("--from", argv[++i], std::numeric_limits<uint64_t>::max());
    } else if (arg == "--count" && has_value) {
      o.count = parse_count("--count", argv[++i], std::numeric_limits<uint64_t>::max());
    } else if ((arg == "--vcd" || arg == "--fst") && has_value) {
      if (!o.waveform.empty()) throw vtpu::Error(arg + ": one waveform at a time");
      o.waveform = argv[++i];
      o.fst = arg == "--fst";
    } else if (arg == "--fault-bit" && has_value) {
      o.fault_bit = static_cast<int>(parse_count("--fault-bit", argv[++i], 31));
    } else if (arg.empty() || arg[0] == '-' || !o.path.empty()) {
      throw vtpu::Error("unexpected argument '" + arg + "' (mxu_replay --help)");
    } else {
      o.path = arg;
    }
  }
  if (o.path.empty()) throw vtpu::Error("no recording given (mxu_replay --help)");
  return o;
}

// What one precision's instructions came to.
struct Tally {
  uint64_t matmuls = 0, cycles = 0;
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  try {
    const Options o = parse(argc, argv);
    vtpu::trace::MatmulReader reader(o.path);
    vtpu::rtl::TileOptions options;
    options.rows = reader.rows();
    options.cols = reader.cols();
    options.fault_bit = o.fault_bit;
    options.waveform = o.waveform;
    options.fst = o.fst;
    options.waveform_count = std::numeric_limits<uint64_t>::max();
    if (!vtpu::rtl::tile_built(options.rows, options.cols, o.fault_bit))
      throw vtpu::Error(o.path + ": recorded on a " + std::to_string(options.rows) + "x" +
                        std::to_string(options.cols) + " array; this build has RTL tiles of " +
                        vtpu::rtl::built_tiles() + " (" +
                        vtpu::rtl::how_to_build(options.rows, options.cols) + ")");
    const auto tile = vtpu::rtl::make_tile(options);
    const bool timed = reader.timing() == "ws overlapped";
    vtpu::trace::RecordedMatmul r;
    Tally int8, bf16;
    uint64_t index = 0, time_ps = 0;
    for (; (index < o.from || index - o.from < o.count) && reader.next(r); ++index) {
      if (index < o.from) continue;
      const bool is_bf16 = r.precision == VTPU_TYPE_BF16;
      const uint32_t element = is_bf16 ? 2 : 1;
      std::vector<uint8_t> vmem(r.a);
      vmem.insert(vmem.end(), r.b.begin(), r.b.end());
      std::vector<uint8_t> amem(r.c_before);
      vtpu_insn_matmul x{};
      x.h.opcode = VTPU_OP_MATMUL;
      x.precision = static_cast<uint8_t>(r.precision);
      x.accumulate = r.accumulate;
      x.m = r.m, x.k = r.k, x.n = r.n;
      x.a_addr = 0, x.a_stride = r.k * element;
      x.b_addr = static_cast<uint32_t>(r.a.size()), x.b_stride = r.n * element;
      x.c_addr = 0, x.c_stride = 4 * r.n;
      const vtpu::UnitMemory v{0, vmem.size(), vmem.data()}, a{0, amem.size(), amem.data()};
      const uint64_t took = tile->execute(x, v, a, time_ps);
      time_ps += took * options.clock_period_ps;
      std::string fail;
      if (const auto d = vtpu::mxu::first_difference(r.c_after, amem, r.n, is_bf16))
        fail = "C[" + std::to_string(d->row) + "][" + std::to_string(d->col) + "] expected " +
               d->want + ", got " + d->got;
      else if (timed && took != r.cycles)
        fail = "cycles expected " + std::to_string(r.cycles) + ", got " + std::to_string(took);
      if (!fail.empty()) {
        std::printf("FAIL instruction %llu (%s %ux%ux%u): %s\n",
                    static_cast<unsigned long long>(index), is_bf16 ? "bf16" : "int8", r.m, r.k,
                    r.n, fail.c_str());
        return 1;
      }
      Tally& t = is_bf16 ? bf16 : int8;
      ++t.matmuls;
      t.cycles += took;
    }
    const uint64_t replayed = int8.matmuls + bf16.matmuls;
    if (replayed == 0) {
      std::printf("FAIL no instruction replayed (the recording has %llu from %llu on)\n",
                  static_cast<unsigned long long>(index > o.from ? index - o.from : 0),
                  static_cast<unsigned long long>(o.from));
      return 1;
    }
    std::printf("PASS %llu MATMULs replayed on the %ux%u RTL tile bit-exact%s\n",
                static_cast<unsigned long long>(replayed), options.rows, options.cols,
                timed ? " and cycle-exact" : " (cycles not compared: not ws overlapped)");
    for (const auto& [name, t] : {std::pair<const char*, const Tally&>{"int8", int8},
                                  std::pair<const char*, const Tally&>{"bf16", bf16}})
      std::printf("  %s: %llu MATMULs, %llu cycles\n", name,
                  static_cast<unsigned long long>(t.matmuls),
                  static_cast<unsigned long long>(t.cycles));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxu_replay: %s\n", e.what());
    return 2;
  }
}

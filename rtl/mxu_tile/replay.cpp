// Replays an MXU stimulus recording (mxu.record, traces/mxu_stimulus.proto)
// into the RTL tile of the recording's array shape, through the transactor,
// with no SystemC platform: every int8 instruction's result must equal the
// recorded one and, for a recording made with `ws overlapped` timing, its
// cycles the recorded cycles. What an RTL team runs in its own CI.
//   mxu_replay FILE [--fault-bit N]
//   exit 0: every int8 record matched; 1: a mismatch; 2: bad input
// --fault-bit (test only) replays on the tile built with that injected fault.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "models/common/error.h"
#include "rtl/mxu_tile/transactor.h"
#include "traces/mxu_stimulus.h"

int main(int argc, char** argv) {
  const char* path = nullptr;
  int fault_bit = -1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--fault-bit") && i + 1 < argc)
      fault_bit = std::atoi(argv[++i]);
    else if (!path && argv[i][0] != '-')
      path = argv[i];
    else
      path = nullptr, i = argc;
  }
  if (!path) {
    std::fprintf(stderr, "usage: mxu_replay FILE [--fault-bit N]\n");
    return 2;
  }
  try {
    vtpu::trace::MatmulReader reader(path);
    vtpu::rtl::TileOptions options;
    options.rows = reader.rows();
    options.cols = reader.cols();
    options.fault_bit = fault_bit;
    if (!vtpu::rtl::tile_built(options.rows, options.cols, fault_bit))
      throw vtpu::Error(std::string(path) + ": recorded on a " + std::to_string(options.rows) +
                        "x" + std::to_string(options.cols) +
                        " array; this build has RTL tiles of " + vtpu::rtl::built_tiles() + " (" +
                        vtpu::rtl::how_to_build(options.rows, options.cols) + ")");
    const auto tile = vtpu::rtl::make_tile(options);
    const bool timed = reader.timing() == "ws overlapped";
    vtpu::trace::RecordedMatmul r;
    uint64_t replayed = 0, skipped = 0, cycles = 0, index = 0;
    for (; reader.next(r); ++index) {
      if (r.precision != VTPU_TYPE_INT8) {  // the tile computes int8 only
        ++skipped;
        continue;
      }
      std::vector<uint8_t> vmem(r.a);
      vmem.insert(vmem.end(), r.b.begin(), r.b.end());
      std::vector<uint8_t> amem(r.c_before);
      vtpu_insn_matmul x{};
      x.h.opcode = VTPU_OP_MATMUL;
      x.precision = VTPU_TYPE_INT8;
      x.accumulate = r.accumulate;
      x.m = r.m, x.k = r.k, x.n = r.n;
      x.a_addr = 0, x.a_stride = r.k;
      x.b_addr = static_cast<uint32_t>(r.a.size()), x.b_stride = r.n;
      x.c_addr = 0, x.c_stride = 4 * r.n;
      const vtpu::UnitMemory v{0, vmem.size(), vmem.data()}, a{0, amem.size(), amem.data()};
      const uint64_t took = tile->execute(x, v, a);
      cycles += took;
      std::string fail;
      if (const auto d = vtpu::mxu::first_difference(r.c_after, amem, r.n))
        fail = "C[" + std::to_string(d->row) + "][" + std::to_string(d->col) + "] expected " +
               std::to_string(d->want) + ", got " + std::to_string(d->got);
      else if (timed && took != r.cycles)
        fail = "cycles expected " + std::to_string(r.cycles) + ", got " + std::to_string(took);
      if (!fail.empty()) {
        std::printf("FAIL instruction %llu (%ux%ux%u): %s\n",
                    static_cast<unsigned long long>(index), r.m, r.k, r.n, fail.c_str());
        return 1;
      }
      ++replayed;
    }
    std::printf(
        "PASS %llu int8 MATMULs replayed on the %ux%u RTL tile bit-exact%s (%llu bf16 "
        "skipped), %llu cycles\n",
        static_cast<unsigned long long>(replayed), options.rows, options.cols,
        timed ? " and cycle-exact" : " (cycles not compared: not ws overlapped)",
        static_cast<unsigned long long>(skipped), static_cast<unsigned long long>(cycles));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxu_replay: %s\n", e.what());
    return 2;
  }
}

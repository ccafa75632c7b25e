// Replays an MXU stimulus recording (mxu.record, traces/mxu_stimulus.proto)
// into the RTL tile through the transactor, with no SystemC platform: every
// int8 instruction's result must equal the recorded one. What an RTL team
// runs in its own CI.
//   mxu_replay FILE   exit 0: all int8 records bit-exact; 1: a mismatch; 2: bad input
#include <cstdio>
#include <cstring>
#include <exception>

#include "models/common/error.h"
#include "rtl/mxu_tile/transactor.h"
#include "traces/mxu_stimulus.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: mxu_replay FILE\n");
    return 2;
  }
  try {
    vtpu::trace::MatmulReader reader(argv[1]);
    vtpu::rtl::MxuTileTransactor tile;
    vtpu::trace::RecordedMatmul r;
    uint64_t replayed = 0, skipped = 0, rtl_cycles = 0, tlm_cycles = 0, index = 0;
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
      rtl_cycles += tile.execute(x, v, a);
      tlm_cycles += r.cycles;
      if (amem != r.c_after) {
        size_t i = 0;
        while (amem[i] == r.c_after[i]) ++i;
        const size_t element = i / 4;
        int32_t want, got;
        std::memcpy(&want, &r.c_after[4 * element], 4);
        std::memcpy(&got, &amem[4 * element], 4);
        std::printf("FAIL instruction %llu (%ux%ux%u): C[%zu][%zu] expected %d, got %d\n",
                    static_cast<unsigned long long>(index), r.m, r.k, r.n, element / r.n,
                    element % r.n, want, got);
        return 1;
      }
      ++replayed;
    }
    std::printf(
        "PASS %llu int8 MATMULs replayed on the %ux%u RTL tile bit-exact (%llu bf16 "
        "skipped); RTL %llu cycles, recorded TLM array cycles %llu\n",
        static_cast<unsigned long long>(replayed), tile.rows(), tile.cols(),
        static_cast<unsigned long long>(skipped), static_cast<unsigned long long>(rtl_cycles),
        static_cast<unsigned long long>(tlm_cycles));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxu_replay: %s\n", e.what());
    return 2;
  }
}

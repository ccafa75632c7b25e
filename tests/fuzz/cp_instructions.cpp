// Fuzzes the accelerator's instruction checks and units: the input is a
// sequence of (queue byte, 64-byte instruction) records pushed to the command
// processor of the unit tests' small chip (tests/unit/cp_chip.h: 16x16 MXU,
// VMEM, AMEM, one HBM2 channel, the two-channel DMA), released with one doorbell and run until the
// queues are idle or stopped by an error. Errors are the processor's to report (cause registers,
// flushed queues); a crash, a sanitizer report or a run that does not end within its simulated-time
// cap is a finding (DMA copies beyond 64 Ki memory requests per input are left out: legal, but
// minutes of host time under the sanitizers).
// The chip lives for the whole fuzzing process (SystemC elaborates once): memories and semaphores
// carry over from one input to the next.
#include <algorithm>
#include <cstring>
#include <memory>

#include "platform/simulate.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/cp_chip.h"

namespace {

using sc_core::sc_time;
using sc_core::SC_US;
using vtpu::simulate;
using vtpu::cp::Chip;

// A legal DMA may repeat a block 2^32 times (stride 0), or copy a megabyte a
// byte at a time: correct, but minutes of host time per input under the
// sanitizers. An input's copies beyond this many memory requests in all (a row
// costs one per 64 bytes, at least one) are left out.
constexpr uint64_t kMaxDmaRequests = 1 << 16;

uint64_t dma_requests(const vtpu_dma_desc& d) {
  uint64_t n = d.size[0] == 0 ? 0 : (uint64_t{d.size[0]} + 63) / 64;
  for (int i = 1; i < 4; ++i)
    n = d.size[i] == 0 ? 0 : std::min<uint64_t>(n * d.size[i], kMaxDmaRequests + 1);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Chip* chip = [] {  // lives as long as the process, as SystemC's modules must
    // Inputs that end at once make sc_start() warn that nothing happened.
    sc_core::sc_report_handler::set_actions(sc_core::SC_ID_NO_SC_START_ACTIVITY_,
                                            sc_core::SC_DO_NOTHING);
    auto* c = new Chip;
    c->cp.record_executions(false);  // a record of every instruction would only grow
    return c;
  }();
  constexpr size_t kRecord = 1 + sizeof(vtpu_insn);
  uint64_t dma_budget = kMaxDmaRequests;
  for (size_t at = 0; at + kRecord <= size && at < 64 * kRecord; at += kRecord) {
    vtpu_insn insn;
    std::memcpy(&insn, data + at + 1, sizeof insn);
    if (insn.h.opcode == VTPU_OP_DMA) {
      const uint64_t requests = dma_requests(insn.dma.copy);
      if (requests > dma_budget) continue;
      dma_budget -= requests;
    }
    chip->cp.push(data[at] % VTPU_QUEUES, insn);
  }
  chip->cp.release();
  // A chip this size finishes any checked instruction within milliseconds.
  const sc_time cap = sc_core::sc_time_stamp() + sc_time(50, sc_core::SC_MS);
  while (!chip->cp.idle() && !chip->cp.has_error()) {
    const sc_time before = sc_core::sc_time_stamp();
    if (before >= cap) std::abort();  // never ends
    simulate(sc_time(100, SC_US));    // for 100 us at most
    const bool stuck = sc_core::sc_time_stamp() == before && !sc_core::sc_pending_activity();
    if (stuck && !chip->cp.idle() && !chip->cp.has_error()) std::abort();  // and no deadlock said
  }
  // An error stops the processor: let running instructions finish, then clear.
  simulate(sc_time(1, SC_US));
  chip->cp.clear_error();
  chip->cp.clear_done();
  return 0;
}

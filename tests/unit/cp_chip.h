// A small chip around the command processor with its real units: VMEM,
// AMEM, one HBM2 channel behind the router, the two-channel DMA and a 16 x 16
// MXU (tests/unit/command_processor_test.cpp, tests/fuzz/cp_instructions.cpp).
#pragma once

#include <functional>

#include "models/command_processor/command_processor.h"
#include "models/hbm/hbm.h"
#include "models/interconnect/router.h"
#include "models/isa/vtpu/soc_map.h"
#include "platform/memspec.h"

namespace vtpu::cp {

using sc_core::SC_NS;
using sc_core::sc_time;

constexpr uint64_t kVmem = 0x20000000, kAmem = 0x30000000, kHbm = 0x100000000ull;

struct Chip {
  sc_time cycle{1, SC_NS};
  interconnect::Router router{"router", cycle};
  memory::Ram vmem{"vmem", 1 << 20, cycle, memory::PortModel{64, 2, cycle}};
  memory::Ram amem{"amem", 1 << 18, cycle, memory::PortModel{128, 2, cycle}};
  hbm::Hbm hbm{"hbm", options()};
  dma::Dma dma{"dma", dma_options()};
  CommandProcessor cp;
  sc_core::sc_signal<bool> dma_done{"dma_done"}, dma_error{"dma_error"};
  sc_core::sc_signal<bool> done{"done"}, error{"error"};

  // `edit` changes the command processor's options (the MXU backend).
  explicit Chip(const std::function<void(CpOptions&)>& edit = nullptr)
      : cp("cp", cp_options(edit)) {
    router.connect("dma", dma.bus, interconnect::Link{cycle, 64});
    interconnect::MapOptions hbm_link;
    hbm_link.link = interconnect::Link{cycle * 2.0, 0};
    hbm_link.nb = true;
    router.map("vmem", kVmem, vmem.size(), vmem.socket);
    router.map("amem", kAmem, amem.size(), amem.socket);
    router.map("hbm", kHbm, hbm.capacity(), hbm.socket, hbm_link);
    router.map("dma_regs", VTPU_DMA_BASE, VTPU_DMA_SIZE, dma.socket);
    router.map("cp_regs", VTPU_CP_BASE, VTPU_CP_SIZE, cp.socket);
    dma.irq_done.bind(dma_done);
    dma.irq_error.bind(dma_error);
    cp.irq_done.bind(done);
    cp.irq_error.bind(error);
    cp.record_executions(true);
  }
  static hbm::HbmOptions options() {
    hbm::HbmOptions o;
    o.timing = config::memspec("hbm2");
    o.channels = 1;
    o.frontend_latency = sc_time(2, SC_NS);
    o.lookahead = sc_time(5, SC_NS);
    return o;
  }
  dma::DmaOptions dma_options() {
    dma::DmaOptions o;
    o.clock_period = cycle;
    o.register_latency = cycle;
    o.channels = 2;
    o.memories = {{"vmem", kVmem, 1 << 20}, {"amem", kAmem, 1 << 18}, {"hbm", kHbm, 512u << 20}};
    return o;
  }
  CpOptions cp_options(const std::function<void(CpOptions&)>& edit) {
    CpOptions o;
    o.clock_period = cycle;
    o.register_latency = cycle;
    o.array.rows = o.array.cols = 16;
    o.vmem = &vmem;
    o.vmem_base = kVmem;
    o.amem = &amem;
    o.amem_base = kAmem;
    o.dma = &dma;
    if (edit) edit(o);
    return o;
  }
};

}  // namespace vtpu::cp

// How the config turns into the memory system's and the MXU's parts; shared by
// the SoC, by `vtpu memtest`, which drives the same HBM through the same
// interconnect, and by `vtpu gemm`, which drives the same command processor
// (its MXU engine: platform/mxu_backend.h).
#pragma once

#include <memory>
#include <string>
#include <systemc>

#include "models/command_processor/command_processor.h"
#include "models/hbm/hbm.h"
#include "models/interconnect/router.h"
#include "models/mxu/mxu.h"
#include "platform/config.pb.h"
#include "platform/memspec.h"

namespace vtpu {

inline sc_core::sc_time clock_period(const config::Soc& c) {
  return sc_core::sc_time(1e3 / c.clock_mhz(), sc_core::SC_NS);
}

inline interconnect::Link make_link(const config::Soc& c, const config::LinkConfig& link) {
  return interconnect::Link{clock_period(c) * static_cast<double>(link.latency_cycles()),
                            link.bytes_per_cycle()};
}

// `initiator` is the fastest link that reaches the HBM: its latency, with the
// HBM link's and the controller's, bounds how soon a request can arrive.
inline hbm::HbmOptions make_hbm_options(const config::Soc& c, const config::LinkConfig& initiator) {
  const config::HbmConfig& h = c.hbm();
  hbm::HbmOptions o;
  o.timing = config::memspec(h.preset());
  o.stacks = h.stacks();
  o.channels = h.channels();
  o.mapping = h.address_mapping();
  o.queue_depth = h.queue_depth();
  o.refresh = h.refresh();
  o.frontend_latency = clock_period(c) * static_cast<double>(h.controller_latency_cycles());
  o.lookahead = o.frontend_latency + make_link(c, initiator).latency +
                make_link(c, c.interconnect().hbm()).latency;
  o.corrected_per_access = c.faults().hbm_corrected_per_access();
  o.uncorrected_per_access = c.faults().hbm_uncorrected_per_access();
  o.fault_seed = c.faults().seed();
  return o;
}

// The HBM's address mapping as the HBM model builds it (channels 0: the
// preset's): capacity and controllers for tools that do not build the HBM.
inline hbm::AddressMapping hbm_mapping(const config::Soc& c) {
  const config::HbmConfig& h = c.hbm();
  const hbm::TimingSet timing = config::memspec(h.preset());
  return hbm::AddressMapping(timing, h.stacks(), h.channels() ? h.channels() : timing.channels,
                             h.address_mapping());
}

inline mxu::ArrayConfig array_config(const config::MxuConfig& m) {
  mxu::ArrayConfig a;
  a.rows = m.rows();
  a.cols = m.cols();
  a.int4_macs_per_pe = m.int4_macs_per_pe();
  mxu::set_mode(a, m.dataflow(), m.timing());
  return a;
}

inline mxu::ArrayConfig array_config(const config::Soc& c) {
  mxu::ArrayConfig a = array_config(c.mxu());
  const config::SramPorts& ports = c.memory().vmem_ports();
  a.vmem_port_bytes = uint64_t{ports.bytes_per_cycle()} * ports.ports();
  a.vmem_ports = ports.ports();
  return a;
}

// The command processor's options both the SoC and `vtpu gemm` start from:
// clock, register latency, array, lanes, and VMEM/AMEM where the config maps
// them. The caller adds the DMA, core RAM and the MXU engine it has.
inline cp::CpOptions command_processor_options(const config::Soc& c, memory::Ram& vmem,
                                               memory::Ram& amem,
                                               sc_core::sc_time register_latency) {
  cp::CpOptions o;
  o.clock_period = clock_period(c);
  o.register_latency = register_latency;
  o.array = array_config(c);
  o.vpu_lanes = c.vpu().lanes();
  o.vmem = &vmem;
  o.vmem_base = c.address_map().vmem_base();
  o.amem = &amem;
  o.amem_base = c.address_map().amem_base();
  o.mxu_slowdown = c.faults().mxu_slowdown();
  o.vpu_slowdown = c.faults().vpu_slowdown();
  o.dma_slowdown = c.faults().dma_slowdown();
  o.mxu_stuck_after = c.faults().mxu_stuck_after();
  o.vpu_stuck_after = c.faults().vpu_stuck_after();
  o.dma_stuck_after = c.faults().dma_stuck_after();
  return o;
}

}  // namespace vtpu

// How the config turns into the memory system's and the MXU's parts; shared by
// the SoC, by `vtpu memtest`, which drives the same HBM through the same
// interconnect, and by `vtpu gemm`, which drives the same command processor.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <systemc>

#include "models/command_processor/command_processor.h"
#include "models/hbm/hbm.h"
#include "models/interconnect/router.h"
#include "models/mxu/mxu.h"
#include "platform/config.pb.h"
#include "platform/memspec.h"
#include "rtl/mxu_tile/transactor.h"

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

inline mxu::ArrayConfig array_config(const config::Soc& c) {
  mxu::ArrayConfig a;
  a.rows = c.mxu().rows();
  a.cols = c.mxu().cols();
  a.dataflow = mxu::parse_dataflow(c.mxu().dataflow());
  a.timing = mxu::parse_timing(c.mxu().timing());
  return a;
}

// mxu.backend rtl or lockstep: the command processor's RTL tile and how it
// ends a run (`stop`), set into `cp`; the tile is returned (null for tlm).
inline std::unique_ptr<mxu::RtlArray> attach_mxu_backend(
    const config::Soc& c, sc_core::sc_time clock, cp::CpOptions& cp,
    std::function<void(const std::string&)> stop) {
  const config::MxuConfig& m = c.mxu();
  if (m.backend() == "tlm") return nullptr;
  rtl::TileOptions tile;
  tile.rows = m.rows();
  tile.cols = m.cols();
  tile.fault_bit = m.rtl_fault_bit();
  tile.vcd = m.rtl_vcd();
  tile.vcd_from = m.rtl_vcd_from();
  tile.vcd_count = m.rtl_vcd_count();
  tile.clock_period_ps = static_cast<uint64_t>(clock / sc_core::sc_time(1, sc_core::SC_PS) + 0.5);
  std::unique_ptr<mxu::RtlArray> array = rtl::make_tile(tile);
  cp.rtl = array.get();
  cp.backend = m.backend() == "rtl" ? cp::MxuBackend::kRtl : cp::MxuBackend::kLockstep;
  cp.stop = std::move(stop);
  return array;
}

}  // namespace vtpu

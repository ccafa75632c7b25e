#include "models/interconnect/router.h"

#include <algorithm>

#include "models/common/error.h"

namespace vtpu::interconnect {

Router::Router(sc_core::sc_module_name name, sc_core::sc_time latency)
    : sc_module(name),
      targets_in("targets_in"),
      initiators_out("initiators_out"),
      latency_(latency) {
  targets_in.register_b_transport(this, &Router::b_transport);
  targets_in.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  targets_in.register_transport_dbg(this, &Router::transport_dbg);
  initiators_out.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
}

void Router::add_region(const std::string& name, uint64_t base, uint64_t size, bool overlay) {
  unsigned port = static_cast<unsigned>(regions_.size());
  for (const Region& r : regions_) {
    bool overlaps = base < r.base + r.size && r.base < base + size;
    if (overlaps && !overlay && !r.overlay)
      throw Error("address map: region '" + name + "' overlaps '" + r.name + "'");
  }
  Region region{name, base, size, port, overlay};
  auto pos = overlay ? std::find_if(regions_.begin(), regions_.end(),
                                    [](const Region& r) { return !r.overlay; })
                     : regions_.end();
  regions_.insert(pos, region);
}

const Router::Region* Router::decode(uint64_t addr) const {
  for (const Region& r : regions_)
    if (r.contains(addr)) return &r;
  return nullptr;
}

void Router::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  uint64_t addr = trans.get_address();
  const Region* r = decode(addr);
  if (r == nullptr || trans.get_data_length() > r->base + r->size - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += latency_;
  trans.set_address(addr - r->base);
  initiators_out[r->port]->b_transport(trans, delay);
  trans.set_address(addr);
}

bool Router::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  uint64_t addr = trans.get_address();
  const Region* r = decode(addr);
  if (r == nullptr || r->overlay) return false;
  trans.set_address(addr - r->base);
  bool granted = initiators_out[r->port]->get_direct_mem_ptr(trans, dmi);
  trans.set_address(addr);
  if (!granted) return false;
  uint64_t start = dmi.get_start_address() + r->base;
  uint64_t end = std::min<uint64_t>(dmi.get_end_address() + r->base, r->base + r->size - 1);
  for (const Region& o : regions_) {
    if (!o.overlay || o.base > end || o.base + o.size - 1 < start) continue;
    if (addr < o.base)
      end = o.base - 1;
    else
      start = std::max(start, o.base + o.size);
  }
  dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (start - r->base - dmi.get_start_address()));
  dmi.set_start_address(start);
  dmi.set_end_address(end);
  dmi.set_read_latency(dmi.get_read_latency() + latency_);
  dmi.set_write_latency(dmi.get_write_latency() + latency_);
  return true;
}

unsigned int Router::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  uint64_t addr = trans.get_address();
  const Region* r = decode(addr);
  if (r == nullptr) return 0;
  unsigned len = trans.get_data_length();
  unsigned clipped = static_cast<unsigned>(std::min<uint64_t>(len, r->base + r->size - addr));
  trans.set_address(addr - r->base);
  trans.set_data_length(clipped);
  unsigned done = initiators_out[r->port]->transport_dbg(trans);
  trans.set_address(addr);
  trans.set_data_length(len);
  return done;
}

void Router::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (const Region& r : regions_) {
    if (r.port != static_cast<unsigned>(port)) continue;
    uint64_t last = std::min<uint64_t>(end, r.size - 1);
    for (unsigned i = 0; i < targets_in.size(); ++i)
      targets_in[i]->invalidate_direct_mem_ptr(r.base + start, r.base + last);
  }
}

}  // namespace vtpu::interconnect

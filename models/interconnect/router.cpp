#include "models/interconnect/router.h"

#include <algorithm>

#include "models/common/error.h"

namespace vtpu::interconnect {

Router::Router(sc_core::sc_module_name name, sc_core::sc_time clock_period)
    : sc_module(name),
      targets_in("targets_in"),
      initiators_out("initiators_out"),
      clock_period_(clock_period) {
  targets_in.register_b_transport(this, &Router::b_transport);
  targets_in.register_nb_transport_fw(this, &Router::nb_transport_fw);
  targets_in.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  targets_in.register_transport_dbg(this, &Router::transport_dbg);
  initiators_out.register_nb_transport_bw(this, &Router::nb_transport_bw);
  initiators_out.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
}

void Router::add_region(const std::string& name, uint64_t base, uint64_t size,
                        const MapOptions& options) {
  unsigned port = static_cast<unsigned>(out_.size());
  for (const Region& r : regions_) {
    bool overlaps = base < r.base + r.size && r.base < base + size;
    if (overlaps && !options.overlay && !r.overlay)
      throw Error("address map: region '" + name + "' overlaps '" + r.name + "'");
  }
  Region region{name, base, size, port, options.overlay, options.nb};
  auto pos = options.overlay ? std::find_if(regions_.begin(), regions_.end(),
                                            [](const Region& r) { return !r.overlay; })
                             : regions_.end();
  regions_.insert(pos, region);
  out_.emplace_back(options.link, name);
}

const Router::Region* Router::decode(uint64_t addr) const {
  for (const Region& r : regions_)
    if (r.contains(addr)) return &r;
  return nullptr;
}

Router::Port& Router::initiator_port(int id) {
  if (static_cast<size_t>(id) < in_.size() && in_[id].stats.initiator) return in_[id];
  // Initiators bound without connect() get an unnamed link with no cost.
  while (in_.size() <= static_cast<size_t>(id))
    in_.emplace_back(Link{}, "initiator " + std::to_string(in_.size()));
  in_[id].stats.initiator = true;
  return in_[id];
}

sc_core::sc_time Router::pass(int id, Port& out, const tlm::tlm_generic_payload& trans,
                              const sc_core::sc_time& delay) {
  Port& in = initiator_port(id);
  const uint64_t bytes = trans.get_data_length();
  const int direction = trans.is_write() ? 1 : 0;
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time arrival = now + delay;
  const sc_core::sc_time grant = std::max({arrival, in.free_at[direction], out.free_at[direction]});
  for (Port* p : {&in, &out}) {
    LinkStats& s = p->stats;
    ++s.transactions;
    s.bytes += bytes;
    s.stall += grant - arrival;
    if (p->link.bytes_per_cycle == 0) continue;
    if (bytes != p->busy_bytes) {  // most transactions are the size of the one before
      p->busy_bytes = bytes;
      p->busy = clock_period_ * (static_cast<double>(bytes) / p->link.bytes_per_cycle);
    }
    const sc_core::sc_time busy = p->busy;
    p->free_at[direction] = grant + busy;
    s.busy += busy;
  }
  return grant - now + in.link.latency + out.link.latency;
}

void Router::record(int initiator, unsigned target, const tlm::tlm_generic_payload& trans,
                    uint64_t address, sc_core::sc_time begin, sc_core::sc_time end) {
  TransactionRecord t;
  t.initiator = static_cast<unsigned>(initiator);
  t.target = target;
  t.write = trans.is_write();
  t.address = address;
  t.length = trans.get_data_length();
  t.begin = begin;
  t.end = end;
  transactions_->transaction(t);
}

std::vector<std::string> Router::initiator_names() const {
  std::vector<std::string> names;
  for (const Port& p : in_) names.push_back(p.stats.name);
  return names;
}

std::vector<std::string> Router::target_names() const {
  std::vector<std::string> names;
  for (const Port& p : out_) names.push_back(p.stats.name);
  return names;
}

void Router::b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  uint64_t addr = trans.get_address();
  const Region* r = decode(addr);
  if (r == nullptr || trans.get_data_length() > r->base + r->size - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const sc_core::sc_time begin = sc_core::sc_time_stamp() + delay;
  delay = pass(id, out_[r->port], trans, delay);
  trans.set_address(addr - r->base);
  initiators_out[r->port]->b_transport(trans, delay);
  trans.set_address(addr);
  if (transactions_) record(id, r->port, trans, addr, begin, sc_core::sc_time_stamp() + delay);
}

tlm::tlm_sync_enum Router::nb_transport_fw(int id, tlm::tlm_generic_payload& trans,
                                           tlm::tlm_phase& phase, sc_core::sc_time& delay) {
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED;  // END_RESP: targets need nothing
  uint64_t addr = trans.get_address();
  const Region* r = decode(addr);
  if (r == nullptr || trans.get_data_length() > r->base + r->size - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  // (When it is recorded: sc_time_stamp() is a library call, on every request.)
  const sc_core::sc_time begin =
      transactions_ ? sc_core::sc_time_stamp() + delay : sc_core::SC_ZERO_TIME;
  delay = pass(id, out_[r->port], trans, delay);
  trans.set_address(addr - r->base);
  if (!r->nb) {
    initiators_out[r->port]->b_transport(trans, delay);
    trans.set_address(addr);
    if (transactions_) record(id, r->port, trans, addr, begin, sc_core::sc_time_stamp() + delay);
    return tlm::TLM_COMPLETED;
  }
  Route* route = trans.get_extension<Route>();
  if (route == nullptr) {
    route = new Route;
    trans.set_extension(route);
  }
  route->in_flight = true;
  route->initiator = id;
  route->address = addr;
  route->begin = begin;
  route->target = r->port;
  tlm::tlm_sync_enum status = initiators_out[r->port]->nb_transport_fw(trans, phase, delay);
  if (status == tlm::TLM_COMPLETED) {
    route->in_flight = false;
    trans.set_address(addr);
    if (transactions_) record(id, r->port, trans, addr, begin, sc_core::sc_time_stamp() + delay);
  }
  return status;
}

tlm::tlm_sync_enum Router::nb_transport_bw(int, tlm::tlm_generic_payload& trans,
                                           tlm::tlm_phase& phase, sc_core::sc_time& delay) {
  Route* route = trans.get_extension<Route>();
  if (route == nullptr || !route->in_flight) return tlm::TLM_COMPLETED;
  trans.set_address(route->address);
  if (phase == tlm::BEGIN_RESP) {
    route->in_flight = false;
    if (transactions_)
      record(route->initiator, route->target, trans, route->address, route->begin,
             sc_core::sc_time_stamp() + delay);
  }
  // The initiator may send the payload again from inside this call.
  const int initiator = route->initiator;
  return targets_in[initiator]->nb_transport_bw(trans, phase, delay);
}

bool Router::get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
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
  const sc_core::sc_time latency = initiator_port(id).link.latency + out_[r->port].link.latency;
  dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (start - r->base - dmi.get_start_address()));
  dmi.set_start_address(start);
  dmi.set_end_address(end);
  dmi.set_read_latency(dmi.get_read_latency() + latency);
  dmi.set_write_latency(dmi.get_write_latency() + latency);
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

std::vector<LinkStats> Router::stats() const {
  std::vector<LinkStats> all;
  for (const Port& p : in_) all.push_back(p.stats);
  for (const Port& p : out_) all.push_back(p.stats);
  return all;
}

}  // namespace vtpu::interconnect

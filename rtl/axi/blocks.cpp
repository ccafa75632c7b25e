// The AXI blocks this build verilates (rtl/CMakeLists.txt: the examples, and
// VTPU_AXI_RTL's), and the factory behind the config's axi_blocks.
// The models, then the bridge (Verilator's headers before SystemC's: bridge.h).
// clang-format off
#include "rtl_axi_headers.inc"
#include "rtl/axi/bridge.h"
// clang-format on

namespace vtpu::rtl {

AxiBlock::AxiBlock(sc_core::sc_module_name name, bool has_slave, bool has_master,
                   unsigned slave_address_bits)
    : sc_module(name), irq("irq"), slave_span_(uint64_t{1} << slave_address_bits) {
  if (has_slave) {
    slave = std::make_unique<tlm_utils::simple_target_socket<AxiBlock>>("slave");
    slave->register_b_transport(this, &AxiBlock::b_transport);
  }
  if (has_master) master = std::make_unique<tlm_utils::simple_initiator_socket<AxiBlock>>("master");
}

namespace {

struct Built {
  const char* top;
  std::unique_ptr<AxiBlock> (*make)(const std::string&, const AxiBlockOptions&);
};

template <typename V, unsigned kBusBytes, unsigned kSlaveAddressBits>
std::unique_ptr<AxiBlock> make_bridge(const std::string& name, const AxiBlockOptions& options) {
  return std::make_unique<AxiBridge<V, kBusBytes, kSlaveAddressBits>>(name, options);
}

const Built kBuilt[] = {
#include "rtl_axi_table.inc"
};

}  // namespace

std::string built_axi_blocks() {
  std::string list;
  for (const Built& b : kBuilt) list += (list.empty() ? "" : ", ") + std::string(b.top);
  return list;
}

bool axi_block_built(const std::string& rtl) {
  for (const Built& b : kBuilt)
    if (rtl == b.top) return true;
  return false;
}

std::unique_ptr<AxiBlock> make_axi_block(const std::string& rtl, const std::string& name,
                                         const AxiBlockOptions& options) {
  for (const Built& b : kBuilt)
    if (rtl == b.top) return b.make(name, options);
  throw Error("no AXI block '" + rtl + "' in this build (built: " + built_axi_blocks() +
              "; cmake -DVTPU_AXI_RTL=FILES -DVTPU_AXI_RTL_TOP=" + rtl + " builds one)");
}

}  // namespace vtpu::rtl

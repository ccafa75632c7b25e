// A Verilated block on the SoC's bus (docs/cosim.md, "Blocks on the bus"):
// its AXI4-Lite slave port appears as a TLM target the address map maps, its
// AXI4 master port as a TLM initiator on the interconnect, its `irq` pin as a
// PLIC source. Which ports a block has follows from its RTL (the pin
// contract); rtl/CMakeLists.txt builds the blocks and blocks.cpp lists them.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>

namespace vtpu::rtl {

struct AxiBlockOptions {
  sc_core::sc_time clock_period;
  unsigned outstanding = 4;  // master: bursts accepted per direction before AxREADY drops
  std::string vcd;           // the block's signals to this file ("": none)
  // A protocol error of the block's master (a burst AXI4 forbids, a WLAST in
  // the wrong place): the run must stop with this message.
  std::function<void(const std::string&)> protocol_error;
};

class AxiBlock : public sc_core::sc_module {
 public:
  // Present when the RTL has the port: an AXI4-Lite slave to map, an AXI4
  // master to connect.
  std::unique_ptr<tlm_utils::simple_target_socket<AxiBlock>> slave;
  std::unique_ptr<tlm_utils::simple_initiator_socket<AxiBlock>> master;
  sc_core::sc_out<bool> irq;  // low when the RTL has no irq pin

  virtual bool has_irq() const = 0;
  // The bytes the slave's address pins reach (its region may not be larger).
  uint64_t slave_span() const { return slave_span_; }

 protected:
  AxiBlock(sc_core::sc_module_name name, bool has_slave, bool has_master,
           unsigned slave_address_bits);
  // The AXI4-Lite slave's TLM side (blocking, from the initiator's thread).
  virtual void lite_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) = 0;

 private:
  uint64_t slave_span_;
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    lite_transport(trans, delay);
  }
};

// The blocks this build verilated ("axi_regs, axi_copy"), whether one is
// there, and one of them by its top module's name; throws vtpu::Error for a
// name not built, or a waveform file that cannot be written.
std::string built_axi_blocks();
bool axi_block_built(const std::string& rtl);
std::unique_ptr<AxiBlock> make_axi_block(const std::string& rtl, const std::string& name,
                                         const AxiBlockOptions& options);

}  // namespace vtpu::rtl

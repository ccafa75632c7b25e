// The AXI bridge around one Verilated block (docs/cosim.md, "Blocks on the
// bus"), written once for every block the build verilates: `V` is the model
// class, kBusBytes its master's data width in bytes (the slave's is 4).
// Included by blocks.cpp only; the address map keeps the slave's region
// within its address pins (the offsets it is given fit them).
//
// One process clocks the block at the SoC's clock, edge k at k periods. Each
// cycle the bridge drives its side of every channel, lets the block settle
// with the clock low, samples both sides (a handshake is VALID and READY
// before the edge), raises the clock, then moves the channels on:
// - AXI4-Lite slave: a TLM access (from the core, after it syncs its local
//   time) becomes one AW + W or AR per 32-bit word, presented from the next
//   edge; the access returns at the edge of the B or R handshake.
// - AXI4 master: a read burst, once AR is taken, is read through the
//   interconnect in one TLM transaction per run of consecutive addresses; its
//   R beats follow one per cycle from the first edge after the data came
//   back. A write burst is taken beat by beat after its AW (WREADY waits for
//   an AW), written when WLAST arrives, and answered on B at the first edge
//   after the write completed. Up to `outstanding` bursts per direction are
//   in flight; responses come back in order.
// A block with a `busy` pin promises that with busy low and its bus idle a
// clock edge changes nothing: the bridge then stops its clock until the next
// access, so an idle block costs nothing and a firmware that waits forever
// still ends in a deadlock report.
#pragma once

// Verilator's headers first: after SystemC's, they would take the time from
// SystemC's kernel, which a model verilated without --sc does not do.
// clang-format off
#include "verilated_vcd_c.h"
// clang-format on

#include <deque>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/common/error.h"
#include "models/common/hex.h"
#include "rtl/axi/axi_block.h"
#include "rtl/axi/bursts.h"
#include "rtl/ports.h"
#include "rtl/waveform.h"

namespace vtpu::rtl {

// Which optional parts of the pin contract a Verilated block has.
#define VTPU_AXI_HAS(Trait, pin)         \
  template <typename V, typename = void> \
  struct Trait : std::false_type {};     \
  template <typename V>                  \
  struct Trait<V, std::void_t<decltype(std::declval<V&>().pin)>> : std::true_type {};
VTPU_AXI_HAS(HasLiteSlave, s_axil_awvalid)
VTPU_AXI_HAS(HasLiteProt, s_axil_awprot)
VTPU_AXI_HAS(HasMaster, m_axi_arvalid)
VTPU_AXI_HAS(HasMasterIds, m_axi_arid)
VTPU_AXI_HAS(HasIrqPin, irq)
VTPU_AXI_HAS(HasBusyPin, busy)
#undef VTPU_AXI_HAS

template <typename V, unsigned kBusBytes, unsigned kSlaveAddressBits>
class AxiBridge : public AxiBlock {
  static constexpr bool kLite = HasLiteSlave<V>::value;
  static constexpr bool kMaster = HasMaster<V>::value;

 public:
  AxiBridge(const std::string& name, const AxiBlockOptions& options)
      : AxiBlock(name.c_str(), kLite, kMaster, kSlaveAddressBits), options_(options) {
    if (!options.vcd.empty()) prepare_waveform(context_, options.vcd, "");
    model_ = std::make_unique<V>(&context_);
    if (!options.vcd.empty()) {
      vcd_ = std::make_unique<VerilatedVcdC>();
      model_->trace(vcd_.get(), 99);
      vcd_->open(options.vcd.c_str());
    }
    sc_core::sc_spawn([this] { clock(); }, sc_core::sc_gen_unique_name("clock"));
  }
  ~AxiBridge() override {
    if (vcd_) vcd_->close();
  }

  bool has_irq() const override { return HasIrqPin<V>::value; }

 private:
  // ---- AXI4-Lite slave: one word at a time ------------------------------
  struct LiteWord {
    bool write = false;
    uint64_t offset = 0;  // word-aligned, from the block's base
    uint32_t data = 0;
    uint8_t strobes = 0;
    bool address_taken = false, data_taken = false;
    uint32_t read_data = 0;
    unsigned response = 0;
    bool done = false;
  };

  void lite_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override {
    if (trans.get_byte_enable_ptr() != nullptr) {
      trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
      return;
    }
    if (!trans.is_read() && !trans.is_write()) {
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    sc_core::wait(delay);  // the access starts at the initiator's time
    delay = sc_core::SC_ZERO_TIME;
    while (lite_busy_) sc_core::wait(lite_free_);  // one access at a time
    lite_busy_ = true;
    const uint64_t start = trans.get_address(), end = start + trans.get_data_length();
    uint8_t* data = trans.get_data_ptr();
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    for (uint64_t word = start & ~uint64_t{3}; word < end; word += 4) {
      LiteWord w;
      w.write = trans.is_write();
      w.offset = word;
      for (unsigned lane = 0; lane < 4; ++lane) {
        const uint64_t a = word + lane;
        if (a < start || a >= end) continue;
        w.strobes |= 1u << lane;
        if (w.write) w.data |= uint32_t{data[a - start]} << (8 * lane);
      }
      lite_ = &w;
      wake_.notify(sc_core::SC_ZERO_TIME);
      while (!w.done) sc_core::wait(lite_done_);
      lite_ = nullptr;
      for (unsigned lane = 0; lane < 4 && !w.write; ++lane)
        if (w.strobes & (1u << lane))
          data[word + lane - start] = static_cast<uint8_t>(w.read_data >> (8 * lane));
      if (w.response != 0) {  // SLVERR or DECERR
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        break;
      }
    }
    lite_busy_ = false;
    lite_free_.notify(sc_core::SC_ZERO_TIME);
  }

  // ---- AXI4 master: bursts in flight --------------------------------------
  struct Transfer {
    axi::Burst burst;
    uint32_t id = 0;
    std::vector<uint8_t> data;  // beats x kBusBytes
    std::vector<bool> strobes;  // writes: one per data byte
    unsigned beats_in = 0;      // writes: W beats taken
    unsigned beats_out = 0;     // reads: R beats given
    unsigned response = 0;      // OKAY, SLVERR (2) or DECERR (3)
    bool done = false;          // the TLM side finished
    axi::ByteMap map;           // the TLM side's runs, payload and bytes
    tlm::tlm_generic_payload payload;
    std::vector<uint8_t> staging;
  };

  static unsigned response_of(const tlm::tlm_generic_payload& p) {
    if (p.is_response_ok()) return 0;
    return p.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE ? 3 : 2;
  }

  // The TLM side of a burst, in a process of its own.
  // Everything it holds lives in the Transfer (owned by the bridge), so that
  // a run that ends while it waits leaves nothing on a suspended stack.
  void carry(Transfer* t, bool write) {
    t->map = axi::byte_map(t->burst, kBusBytes, write ? t->strobes : std::vector<bool>{});
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    std::vector<uint8_t>& bytes = t->staging;
    tlm::tlm_generic_payload& p = t->payload;
    for (const axi::ByteMap::Run& run : t->map.runs) {
      bytes.resize(run.at.size());
      if (write)
        for (size_t i = 0; i < run.at.size(); ++i) bytes[i] = t->data[run.at[i]];
      p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      p.set_address(run.address);
      p.set_data_ptr(bytes.data());
      p.set_data_length(static_cast<unsigned>(bytes.size()));
      p.set_streaming_width(static_cast<unsigned>(bytes.size()));
      p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      (*master)->b_transport(p, delay);
      if (!p.is_response_ok()) {
        t->response = response_of(p);
        break;
      }
      if (!write)
        for (size_t i = 0; i < run.at.size(); ++i) t->data[run.at[i]] = bytes[i];
    }
    sc_core::wait(delay);
    t->done = true;
  }

  void start(Transfer* t, bool write) {
    sc_core::sc_spawn([this, t, write] { carry(t, write); },
                      sc_core::sc_gen_unique_name(write ? "write" : "read"));
  }

  // Ends the run; the bridge does nothing more (no transfer starts).
  void protocol_error(const std::string& why) {
    stopped_ = true;
    options_.protocol_error(why);
  }

  // A burst the block asked for: checked against AXI4's rules.
  std::unique_ptr<Transfer> take_burst(uint64_t address, unsigned len, unsigned size, unsigned type,
                                       uint32_t id, bool write) {
    auto t = std::make_unique<Transfer>();
    t->burst = {address, len + 1, 1u << size, type};
    t->id = id;
    const std::string why = axi::check(t->burst, kBusBytes);
    if (!why.empty())
      protocol_error(std::string("AXI block '") + basename() + "': " + (write ? "write" : "read") +
                     " burst: " + why);
    t->data.assign(size_t{t->burst.beats} * kBusBytes, 0);
    if (write) t->strobes.assign(t->data.size(), false);
    return t;
  }

  // The first write burst still taking W beats.
  Transfer* filling() {
    for (auto& w : writes_)
      if (w->beats_in < w->burst.beats) return w.get();
    return nullptr;
  }

  // ---- the clock ----------------------------------------------------------
  bool idle() const {
    if constexpr (!HasBusyPin<V>::value) {
      return false;
    } else {
      const V& m = *model_;
      bool quiet = !m.busy && lite_ == nullptr;
      if constexpr (kLite) quiet = quiet && !m.s_axil_bvalid && !m.s_axil_rvalid;
      if constexpr (kMaster)
        quiet = quiet && reads_.empty() && writes_.empty() && !m.m_axi_arvalid &&
                !m.m_axi_awvalid && !m.m_axi_wvalid;
      return quiet;
    }
  }

  void clock() {
    const sc_core::sc_time period = options_.clock_period;
    V& m = *model_;
    m.rst_n = 0;
    for (int i = 0; i < 2; ++i) {
      edge();
      sc_core::wait(period);
    }
    m.rst_n = 1;
    for (;;) {
      if (idle()) {
        sc_core::wait(wake_);
        // On to the next edge (k periods).
        const uint64_t now = sc_core::sc_time_stamp().value(), p = period.value();
        const uint64_t next = (now + p - 1) / p * p;
        if (next > now) sc_core::wait(sc_core::sc_time::from_value(next - now));
      }
      edge();
      sc_core::wait(period);
    }
  }

  // One clock cycle: drive, settle, sample, rising edge, move on.
  void edge() {
    if (stopped_) return;
    V& m = *model_;
    // No access is presented while the block is held in reset (AXI: VALID
    // low during reset); it waits for the first cycle after.
    LiteWord* w = m.rst_n ? lite_ : nullptr;
    if constexpr (kLite) {
      m.s_axil_awvalid = w && w->write && !w->address_taken;
      m.s_axil_wvalid = w && w->write && !w->data_taken;
      m.s_axil_arvalid = w && !w->write && !w->address_taken;
      if (w) {
        using Address = std::remove_reference_t<decltype(m.s_axil_awaddr)>;
        m.s_axil_awaddr = static_cast<Address>(w->offset);
        m.s_axil_araddr = static_cast<Address>(w->offset);
        m.s_axil_wdata = w->data;
        m.s_axil_wstrb = w->strobes;
      }
      m.s_axil_bready = 1;
      m.s_axil_rready = 1;
      if constexpr (HasLiteProt<V>::value) {
        m.s_axil_awprot = 1;  // privileged, secure, data
        m.s_axil_arprot = 1;
      }
    }
    Transfer* r = nullptr;
    Transfer* b = nullptr;
    Transfer* fill = nullptr;
    if constexpr (kMaster) {
      m.m_axi_arready = reads_.size() < options_.outstanding;
      m.m_axi_awready = writes_.size() < options_.outstanding;
      fill = filling();
      m.m_axi_wready = fill != nullptr;
      if (!reads_.empty() && reads_.front()->done) r = reads_.front().get();
      m.m_axi_rvalid = r != nullptr;
      if (r) {
        for (unsigned i = 0; i < kBusBytes; ++i)
          set_byte(m.m_axi_rdata, i, r->data[size_t{r->beats_out} * kBusBytes + i]);
        m.m_axi_rresp = r->response;
        m.m_axi_rlast = r->beats_out + 1 == r->burst.beats;
        if constexpr (HasMasterIds<V>::value) m.m_axi_rid = r->id;
      }
      if (!writes_.empty() && writes_.front()->done) b = writes_.front().get();
      m.m_axi_bvalid = b != nullptr;
      if (b) {
        m.m_axi_bresp = b->response;
        if constexpr (HasMasterIds<V>::value) m.m_axi_bid = b->id;
      }
    }
    m.clk = 0;
    m.eval();
    if (vcd_) vcd_->dump(uint64_t{sc_core::sc_time_stamp().value()});

    // What the edge takes: VALID and READY both high before it.
    if constexpr (kLite) {
      if (w) {
        if (m.s_axil_awvalid && m.s_axil_awready) w->address_taken = true;
        if (m.s_axil_arvalid && m.s_axil_arready) w->address_taken = true;
        if (m.s_axil_wvalid && m.s_axil_wready) w->data_taken = true;
        if (m.s_axil_bvalid && w->write && w->address_taken && w->data_taken) {
          w->response = m.s_axil_bresp;
          w->done = true;
        }
        if (m.s_axil_rvalid && !w->write && w->address_taken) {
          w->read_data = m.s_axil_rdata;
          w->response = m.s_axil_rresp;
          w->done = true;
        }
      }
    }
    if constexpr (kMaster) {
      uint32_t ar_id = 0, aw_id = 0;
      if constexpr (HasMasterIds<V>::value) {
        ar_id = m.m_axi_arid;
        aw_id = m.m_axi_awid;
      }
      if (m.m_axi_arvalid && m.m_axi_arready) {
        reads_.push_back(take_burst(m.m_axi_araddr, m.m_axi_arlen, m.m_axi_arsize, m.m_axi_arburst,
                                    ar_id, false));
        if (!stopped_) start(reads_.back().get(), false);
      }
      if (m.m_axi_awvalid && m.m_axi_awready)
        writes_.push_back(take_burst(m.m_axi_awaddr, m.m_axi_awlen, m.m_axi_awsize, m.m_axi_awburst,
                                     aw_id, true));
      if (fill && m.m_axi_wvalid) {
        const size_t at = size_t{fill->beats_in} * kBusBytes;
        for (unsigned i = 0; i < kBusBytes; ++i) {
          fill->data[at + i] = get_byte(m.m_axi_wdata, i);
          fill->strobes[at + i] = get_bit(m.m_axi_wstrb, i);
        }
        const bool last = ++fill->beats_in == fill->burst.beats;
        if (bool(m.m_axi_wlast) != last)
          protocol_error(std::string("AXI block '") + basename() + "': WLAST " +
                         (last ? "low on the last"
                               : "high on beat " + std::to_string(fill->beats_in) + " of a " +
                                     std::to_string(fill->burst.beats) + "-beat") +
                         " write burst");
        if (last && !stopped_) start(fill, true);
      }
      if (r && m.m_axi_rready && ++r->beats_out == r->burst.beats) reads_.pop_front();
      if (b && m.m_axi_bready) writes_.pop_front();
    }
    m.clk = 1;
    m.eval();
    if (vcd_)
      vcd_->dump(uint64_t{sc_core::sc_time_stamp().value() + options_.clock_period.value() / 2});
    if (w && w->done) lite_done_.notify(sc_core::SC_ZERO_TIME);
    if constexpr (HasIrqPin<V>::value) {
      if (bool(m.irq) != irq_level_) {
        irq_level_ = m.irq;
        irq.write(irq_level_);
      }
    }
  }

  AxiBlockOptions options_;
  VerilatedContext context_;
  std::unique_ptr<V> model_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  bool irq_level_ = false;
  bool stopped_ = false;      // a protocol error ended the run
  LiteWord* lite_ = nullptr;  // the word being presented (null: none)
  bool lite_busy_ = false;    // an access is under way (its words one by one)
  // An access's word is done; the next access may begin; an access waits for
  // the clock. (Members, not locals: a run may end while a thread waits.)
  sc_core::sc_event lite_done_, lite_free_, wake_;
  std::deque<std::unique_ptr<Transfer>> reads_, writes_;  // in AR and AW order
};

}  // namespace vtpu::rtl

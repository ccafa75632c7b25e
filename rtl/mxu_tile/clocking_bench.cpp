// How to clock a Verilated tile inside the platform, measured (docs/cosim.md,
// "Why --cc"): the same stream of folds (R weight beats, then 64 activation
// rows, over and over; results always taken) for a number of cycles through
// the 8x8 tile verilated two ways:
//   --cc: a C++ loop toggles clk and calls eval() (what the transactor does);
//   --sc: a SystemC model clocked by an sc_clock, driven from an SC_CTHREAD.
// Prints cycles per host second; both must count the same result beats.
//   mxu_clocking_bench_{cc,sc} [CYCLES]
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "rtl/ports.h"
#if VM_SC
#include <systemc>

#include "Vmxu_tile_sc.h"
#else
#include "Vmxu_tile_cc.h"
#endif

namespace {

constexpr unsigned kRows = 64;  // activation rows per fold

// The stimulus: what to drive in cycle `t` given the beats that fired so far.
struct Stream {
  unsigned weights = 0, rows = 0;  // beats of the current fold
  uint64_t results = 0;
  uint8_t value(uint64_t i) const { return static_cast<uint8_t>(i * 37 + 11); }
  template <typename Tile>
  void drive(Tile& t) {
    t.w_valid = 1;
    for (unsigned i = 0; i < 8; ++i) vtpu::rtl::set_half(t.w_data, i, value(weights + i));
    t.a_valid = 1;
    for (unsigned i = 0; i < 8; ++i) vtpu::rtl::set_half(t.a_data, i, value(rows + i));
    t.a_last = rows + 1 == kRows;
    t.c_ready = 1;
  }
  void fired(bool w, bool a, bool c) {
    if (w) weights = (weights + 1) % 8;
    if (a) rows = (rows + 1) % kRows;
    results += c;
  }
};

}  // namespace

#if VM_SC
// The SystemC way: pins are signals, the clock an sc_clock, the driver a
// clocked thread that sees each edge's handshakes and drives the next beat.
SC_MODULE(Bench) {
  sc_core::sc_clock clk{"clk", 1, sc_core::SC_NS};
  sc_core::sc_signal<bool> rst_n{"rst_n"}, bf16{"bf16"}, w_valid{"w_valid"}, w_ready{"w_ready"},
      a_valid{"a_valid"}, a_ready{"a_ready"}, a_last{"a_last"}, c_valid{"c_valid"},
      c_ready{"c_ready"};
  sc_core::sc_signal<sc_dt::sc_bv<128>> w_data{"w_data"}, a_data{"a_data"};  // 8 lanes of 16 bits
  sc_core::sc_signal<sc_dt::sc_bv<256>> c_data{"c_data"};
  Vmxu_tile_sc tile{"tile"};
  Stream stream;
  uint64_t cycles = 0, limit = 0;

  struct Pins {  // the stream's view of the input signals
    bool w_valid, a_valid, a_last, c_ready;
    std::array<uint32_t, 4> w_data{}, a_data{};  // 8 lanes of 16 bits
  };
  static sc_dt::sc_bv<128> bits(const std::array<uint32_t, 4>& words) {
    sc_dt::sc_bv<128> v;
    for (int i = 0; i < 4; ++i) v.set_word(i, words[i]);
    return v;
  }

  SC_CTOR(Bench) {
    tile.clk(clk);
    tile.rst_n(rst_n);
    tile.bf16(bf16);
    tile.w_valid(w_valid);
    tile.w_ready(w_ready);
    tile.w_data(w_data);
    tile.a_valid(a_valid);
    tile.a_ready(a_ready);
    tile.a_data(a_data);
    tile.a_last(a_last);
    tile.c_valid(c_valid);
    tile.c_ready(c_ready);
    tile.c_data(c_data);
    SC_THREAD(run);
    sensitive << clk.posedge_event();
  }
  void run() {
    rst_n = 0;
    wait();
    rst_n = 1;
    Pins p{};
    for (;;) {
      stream.drive(p);
      w_valid = p.w_valid, a_valid = p.a_valid, a_last = p.a_last, c_ready = p.c_ready;
      w_data = bits(p.w_data), a_data = bits(p.a_data);
      wait();  // the edge: these were sampled with the ready flags seen now
      stream.fired(w_valid && w_ready, a_valid && a_ready, c_valid && c_ready);
      if (++cycles == limit) sc_core::sc_stop();
    }
  }
};

int sc_main(int argc, char** argv) {
  Bench bench("bench");
  bench.limit = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  const auto start = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("--sc: %llu cycles in %.3f s: %.0f cycles/s (%llu result beats)\n",
              static_cast<unsigned long long>(bench.cycles), s, bench.cycles / s,
              static_cast<unsigned long long>(bench.stream.results));
  return 0;
}
#else
int main(int argc, char** argv) {
  const uint64_t limit = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  Vmxu_tile_cc t;
  Stream stream;
  t.rst_n = 0;
  t.clk = 0;
  t.eval();
  t.clk = 1;
  t.eval();
  t.rst_n = 1;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t cycle = 0; cycle < limit; ++cycle) {
    stream.drive(t);
    t.clk = 0;
    t.eval();
    const bool w = t.w_valid && t.w_ready, a = t.a_valid && t.a_ready, c = t.c_valid && t.c_ready;
    t.clk = 1;
    t.eval();
    stream.fired(w, a, c);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("--cc: %llu cycles in %.3f s: %.0f cycles/s (%llu result beats)\n",
              static_cast<unsigned long long>(limit), s, limit / s,
              static_cast<unsigned long long>(stream.results));
  return 0;
}
#endif

#include "models/hbm/timing.h"

#include "models/common/error.h"

namespace vtpu::hbm {
namespace {

// Every value's source is in docs/memory.md ("Presets and their sources").
std::vector<TimingSet> make_presets() {
  std::vector<TimingSet> sets;

  TimingSet hbm2{};
  hbm2.name = "hbm2";
  hbm2.source = "JESD235D via Ramulator 2.1 hbm2.py (2000 Mb/s); WL, tWTR from DRAMSys HBM2.json";
  hbm2.channels = 8;
  hbm2.pseudo_channels = 2;
  hbm2.bank_groups = 4;
  hbm2.banks_per_group = 4;
  hbm2.rows = 16384;  // 4 Gb per channel: a 4 GiB, 4-high stack
  hbm2.row_bytes = 1024;
  hbm2.bus_bits = 64;
  hbm2.burst_length = 4;
  hbm2.tck_ps = 1000;
  hbm2.beats_per_clock = 2;
  hbm2.RL = 14;
  hbm2.WL = 7;
  hbm2.tRCDRD = 14;
  hbm2.tRCDWR = 12;
  hbm2.tRP = 14;
  hbm2.tRAS = 34;
  hbm2.tRC = 48;
  hbm2.tCCD_S = 2;
  hbm2.tCCD_L = 4;
  hbm2.tRRD_S = 4;
  hbm2.tRRD_L = 4;
  hbm2.tFAW = 15;
  hbm2.tWR = 16;
  hbm2.tWTR_S = 4;
  hbm2.tWTR_L = 9;
  hbm2.tRTP = 5;
  hbm2.tREFI = 3900;
  hbm2.tRFC = 260;  // 4 Gb channel density
  hbm2.tRTRS = 2;
  sets.push_back(hbm2);

  // HBM2E at 3.2 Gb/s: HBM2's core timings in ns on a 1.6 GHz clock, rounded
  // up (tRC raised to tRAS + tRP); column-to-column spacing in clocks as HBM3's.
  TimingSet hbm2e = hbm2;
  hbm2e.name = "hbm2e";
  hbm2e.source = "HBM2 (JESD235D) timings in ns converted to tCK 0.625 ns (3200 Mb/s)";
  hbm2e.tck_ps = 625;
  hbm2e.RL = 23;
  hbm2e.WL = 12;
  hbm2e.tRCDRD = 23;
  hbm2e.tRCDWR = 20;
  hbm2e.tRP = 23;
  hbm2e.tRAS = 55;
  hbm2e.tRC = 78;
  hbm2e.tRRD_S = 7;
  hbm2e.tRRD_L = 7;
  hbm2e.tFAW = 24;
  hbm2e.tWR = 26;
  hbm2e.tWTR_S = 7;
  hbm2e.tWTR_L = 15;
  hbm2e.tRTP = 8;
  hbm2e.tREFI = 6240;
  hbm2e.tRFC = 416;
  sets.push_back(hbm2e);

  TimingSet hbm3{};
  hbm3.name = "hbm3";
  hbm3.source = "JESD238 Table 84 via Ramulator 2.1 hbm3.py (6400 Mb/s); WL, tWTR derived";
  hbm3.channels = 16;
  hbm3.pseudo_channels = 2;
  hbm3.bank_groups = 4;
  hbm3.banks_per_group = 4;
  hbm3.rows = 16384;
  hbm3.row_bytes = 1024;
  hbm3.bus_bits = 32;
  hbm3.burst_length = 8;
  hbm3.tck_ps = 625;
  hbm3.beats_per_clock = 4;
  hbm3.RL = 20;
  hbm3.WL = 8;
  hbm3.tRCDRD = 31;
  hbm3.tRCDWR = 15;
  hbm3.tRP = 26;
  hbm3.tRAS = 45;
  hbm3.tRC = 72;
  hbm3.tCCD_S = 2;
  hbm3.tCCD_L = 4;
  hbm3.tRRD_S = 4;
  hbm3.tRRD_L = 5;
  hbm3.tFAW = 24;
  hbm3.tWR = 33;
  hbm3.tWTR_S = 7;
  hbm3.tWTR_L = 15;
  hbm3.tRTP = 9;
  hbm3.tREFI = 6240;
  hbm3.tRFC = 416;  // 260 ns, the lowest density's tRFCab
  hbm3.tRTRS = 2;
  sets.push_back(hbm3);

  // Two 64-bit DDR3-2133N (14-14-14) channels of 4 Gb x8 devices: TPUv1's 34 GB/s.
  TimingSet ddr3{};
  ddr3.name = "ddr3-2133";
  ddr3.source = "JESD79-3F speed bin DDR3-2133N, 4 Gb x8 devices (tCK 0.938 ns)";
  ddr3.channels = 2;
  ddr3.pseudo_channels = 1;
  ddr3.bank_groups = 1;
  ddr3.banks_per_group = 8;
  ddr3.rows = 65536;
  ddr3.row_bytes = 8192;  // 1 KB page x 8 devices
  ddr3.bus_bits = 64;
  ddr3.burst_length = 8;
  ddr3.tck_ps = 938;
  ddr3.beats_per_clock = 2;
  ddr3.RL = 14;
  ddr3.WL = 10;
  ddr3.tRCDRD = 14;
  ddr3.tRCDWR = 14;
  ddr3.tRP = 14;
  ddr3.tRAS = 36;
  ddr3.tRC = 50;
  ddr3.tCCD_S = 4;
  ddr3.tCCD_L = 4;
  ddr3.tRRD_S = 6;
  ddr3.tRRD_L = 6;
  ddr3.tFAW = 27;
  ddr3.tWR = 16;
  ddr3.tWTR_S = 8;
  ddr3.tWTR_L = 8;
  ddr3.tRTP = 8;
  ddr3.tREFI = 8315;
  ddr3.tRFC = 278;  // 260 ns for 4 Gb
  ddr3.tRTRS = 2;
  sets.push_back(ddr3);
  return sets;
}

}  // namespace

const std::vector<TimingSet>& presets() {
  static const std::vector<TimingSet> sets = make_presets();
  return sets;
}

const TimingSet& preset(const std::string& name) {
  std::string known;
  for (const TimingSet& t : presets()) {
    if (t.name == name) return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  throw Error("hbm.preset: unknown preset '" + name + "' (known: " + known + ")");
}

}  // namespace vtpu::hbm

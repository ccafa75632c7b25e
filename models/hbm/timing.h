// A DRAM standard and speed grade: the organisation of a stack and the timing
// constraints in clock cycles. The sets themselves are data (DRAMSys'
// memspecs): platform/configs/memspecs/*.textproto, read by platform/memspec.*;
// docs/memory.md lists every value with its source.
#pragma once

#include <cstdint>
#include <string>

namespace vtpu::hbm {

struct TimingSet {
  std::string name;    // hbm.preset: the memspec file's stem
  std::string source;  // where the numbers come from

  // Organisation of one stack (a DDR "stack" is a set of independent channels).
  unsigned channels;         // per stack
  unsigned pseudo_channels;  // per channel; each has its own controller
  unsigned bank_groups;      // per pseudo-channel
  unsigned banks_per_group;
  unsigned rows;          // per bank
  unsigned row_bytes;     // page size of one pseudo-channel
  unsigned bus_bits;      // data pins of one pseudo-channel
  unsigned burst_length;  // beats per column access
  // Command buses per channel, shared by its pseudo-channels: 1 carries every
  // command (DDR); 2 are a row bus (ACT, PRE, REF) and a column bus (RD, WR).
  unsigned command_buses;

  uint64_t tck_ps;           // command clock period
  unsigned beats_per_clock;  // data beats per tCK on the data pins (2: DDR, 4: HBM3 QDR-like)

  // Constraints in tCK.
  unsigned RL, WL;          // read / write latency (command to first data)
  unsigned tRCDRD, tRCDWR;  // ACT to RD / WR
  unsigned tRP;             // PRE to ACT
  unsigned tRAS;            // ACT to PRE
  unsigned tRC;             // ACT to ACT, same bank
  unsigned tCCD_S, tCCD_L;  // column to column, other / same bank group
  unsigned tRRD_S, tRRD_L;  // ACT to ACT, other / same bank group
  unsigned tFAW;            // window for four ACTs
  unsigned tWR;             // end of write data to PRE
  unsigned tWTR_S, tWTR_L;  // end of write data to RD, other / same bank group
  unsigned tRTP;            // RD to PRE
  unsigned tREFI;           // average refresh interval
  unsigned tRFC;            // all-bank refresh cycle time
  unsigned tRTRS;           // extra bus turnaround on a read-to-write switch
  unsigned act_cycles;      // command-bus cycles an ACT occupies (HBM: 2)

  // Energy, for reports only: the model's timing does not depend on it.
  double pj_per_bit = 0;      // one bit read or written
  std::string energy_source;  // where pj_per_bit comes from

  // Derived figures.
  unsigned burst_clocks() const { return burst_length / beats_per_clock; }  // tBL
  unsigned access_bytes() const { return bus_bits / 8 * burst_length; }
  unsigned banks() const { return bank_groups * banks_per_group; }
  unsigned tRTW() const { return RL + burst_clocks() + tRTRS - WL; }  // RD to WR
  // Bytes per second at the pins of one pseudo-channel.
  // (Integer operands until the one division: exact for whole-number rates.)
  double pseudo_channel_bytes_per_s() const {
    return access_bytes() * 1e12 / (static_cast<double>(burst_clocks()) * tck_ps);
  }
  uint64_t pseudo_channel_bytes() const { return uint64_t{rows} * row_bytes * banks(); }
};

}  // namespace vtpu::hbm

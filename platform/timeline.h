// A timeline of a run in Chrome's trace-event JSON (docs/observability.md),
// which ui.perfetto.dev and chrome://tracing open: one thread per unit (the
// core's layers, the DMA, MXU and VPU queues), a slice per layer and per
// accelerator instruction, counters of DMA bandwidth and of each queue's
// depth. Events are written as
// they happen, so memory stays bounded however long the run.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "models/common/trace.h"

namespace vtpu {

class ChromeTrace : public TraceSink {
 public:
  // `layers` names the layer markers (index -> name, op); empty for plain firmware.
  struct Layer {
    std::string name, op;
  };
  ChromeTrace(const std::string& path, const std::string& process, std::vector<Layer> layers);
  ~ChromeTrace() override;  // closes the JSON, valid even after a failed run
  // Closes the JSON now; throws vtpu::Error when the file could not be
  // written (a full disk, /dev/full).
  void close();
  // What the closing line says in "otherData": {"status": ...}: "complete"
  // unless set, e.g. "partial: interrupted at pc 0x80000102" for a run that
  // ended early (the events up to then stay valid).
  void set_status(const std::string& status) { status_ = status; }
  // A further member of "otherData" (the vtpu version, the config), in order.
  void add_other(const std::string& key, const std::string& value) {
    other_.emplace_back(key, value);
  }

  void instruction(unsigned queue, const vtpu_insn& insn, sc_core::sc_time start,
                   sc_core::sc_time end, uint64_t bytes, uint32_t depth, uint32_t tag) override;
  void marker(uint32_t value, sc_core::sc_time at) override;

 private:
  void event(const std::string& json);

  std::FILE* file_ = nullptr;
  std::vector<Layer> layers_;
  std::string path_;
  std::string status_ = "complete";
  std::vector<std::pair<std::string, std::string>> other_;
  bool first_ = true;
  double layer_start_us_ = -1;
};

}  // namespace vtpu

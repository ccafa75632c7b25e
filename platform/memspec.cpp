#include "platform/memspec.h"

#include <map>

#include "models/common/error.h"
#include "platform/config.h"
#include "platform/memspec.pb.h"
#include "platform/presets.h"

namespace vtpu::config {
namespace {

namespace pb = google::protobuf;

// Every field of `msg` and of its messages must be set: a memspec that forgot
// one would otherwise run with a zero.
void check_complete(const pb::Message& msg, const std::string& prefix, const std::string& source) {
  const pb::Descriptor* d = msg.GetDescriptor();
  const pb::Reflection* r = msg.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    const std::string path = prefix.empty() ? f->name() : prefix + "." + f->name();
    if (!r->HasField(msg, f)) throw Error(source + ": field '" + path + "' is missing");
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE)
      check_complete(r->GetMessage(msg, f), path, source);
  }
}

// A rule `holds` of a consistent set, or an error naming the field.
void require(bool holds, const std::string& source, const std::string& field,
             const std::string& rule) {
  if (!holds) throw Error(source + ": field '" + field + "': must be " + rule);
}

}  // namespace

hbm::TimingSet parse_memspec(const std::string& name, const std::string& text,
                             const std::string& source) {
  MemSpec spec;
  merge_text(spec, text, source);
  check_complete(spec, "", source);
  try {
    validate_message(spec, "");
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  const MemSpec::Organisation& o = spec.organisation();
  const MemSpec::Timing& m = spec.timing();
  hbm::TimingSet t{};
  t.name = name;
  t.source = spec.source();
  t.channels = o.channels();
  t.pseudo_channels = o.pseudo_channels();
  t.bank_groups = o.bank_groups();
  t.banks_per_group = o.banks_per_group();
  t.rows = o.rows();
  t.row_bytes = o.row_bytes();
  t.bus_bits = o.bus_bits();
  t.burst_length = o.burst_length();
  t.command_buses = o.command_buses();
  t.tck_ps = m.tck_ps();
  t.beats_per_clock = m.beats_per_clock();
  t.RL = m.rl();
  t.WL = m.wl();
  t.tRCDRD = m.trcdrd();
  t.tRCDWR = m.trcdwr();
  t.tRP = m.trp();
  t.tRAS = m.tras();
  t.tRC = m.trc();
  t.tCCD_S = m.tccd_s();
  t.tCCD_L = m.tccd_l();
  t.tRRD_S = m.trrd_s();
  t.tRRD_L = m.trrd_l();
  t.tFAW = m.tfaw();
  t.tWR = m.twr();
  t.tWTR_S = m.twtr_s();
  t.tWTR_L = m.twtr_l();
  t.tRTP = m.trtp();
  t.tREFI = m.trefi();
  t.tRFC = m.trfc();
  t.tRTRS = m.trtrs();
  t.act_cycles = m.act_cycles();
  t.pj_per_bit = spec.energy().pj_per_bit();
  t.energy_source = spec.energy().source();

  // The slips a hand-written set makes (Ramulator 2.0's HBM2 had tRC < tRAS + tRP).
  require(t.burst_length % t.beats_per_clock == 0, source, "organisation.burst_length",
          "a multiple of timing.beats_per_clock");
  require(t.access_bytes() <= t.row_bytes, source, "organisation.row_bytes",
          "at least one access (bus_bits / 8 x burst_length)");
  require(t.tRC >= t.tRAS + t.tRP, source, "timing.tRC", "at least tRAS + tRP");
  require(t.tRAS >= t.tRCDRD, source, "timing.tRAS", "at least tRCDRD");
  require(t.tCCD_S >= t.burst_clocks(), source, "timing.tCCD_S",
          "at least the burst's clocks (burst_length / beats_per_clock)");
  require(t.tCCD_L >= t.tCCD_S, source, "timing.tCCD_L", "at least tCCD_S");
  require(t.tRRD_L >= t.tRRD_S, source, "timing.tRRD_L", "at least tRRD_S");
  require(t.tWTR_L >= t.tWTR_S, source, "timing.tWTR_L", "at least tWTR_S");
  require(t.tREFI > t.tRFC, source, "timing.tREFI", "more than tRFC");
  require(t.RL + t.burst_clocks() + t.tRTRS >= t.WL, source, "timing.WL",
          "at most RL + burst clocks + tRTRS");
  return t;
}

std::vector<std::string> memspec_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin_memspecs()) names.push_back(name);
  return names;
}

const hbm::TimingSet& memspec(const std::string& name) {
  // All parsed and checked once, on first use (thread-safe).
  static const std::map<std::string, hbm::TimingSet> parsed = [] {
    std::map<std::string, hbm::TimingSet> sets;
    for (const auto& [n, text] : builtin_memspecs())
      sets.emplace(n, parse_memspec(n, text, "memspecs/" + n + ".textproto"));
    return sets;
  }();
  auto found = parsed.find(name);
  if (found != parsed.end()) return found->second;
  std::string known;
  for (const auto& [n, t] : parsed) known += (known.empty() ? "" : ", ") + n;
  throw Error("hbm.preset: unknown memspec '" + name + "' (known: " + known + ")");
}

}  // namespace vtpu::config

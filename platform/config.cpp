#include "platform/config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <regex>
#include <sstream>

#include "models/common/error.h"
#include "models/common/read_file.h"
#include "models/hbm/address_mapping.h"
#include "models/isa/vtpu/soc_map.h"
#include "platform/memspec.h"
#include "platform/presets.h"

namespace vtpu::config {
namespace {

namespace pb = google::protobuf;

std::string join_path(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Dotted path of the first place a message type occurs in the schema, so that a
// parser message about "vtpu.config.CoreConfig" can name "core" instead.
std::string path_of_type(const pb::Descriptor* root, const std::string& type_name,
                         const std::string& prefix = "") {
  if (root->full_name() == type_name) return prefix;
  for (int i = 0; i < root->field_count(); ++i) {
    const pb::FieldDescriptor* f = root->field(i);
    if (f->type() != pb::FieldDescriptor::TYPE_MESSAGE) continue;
    std::string found = path_of_type(f->message_type(), type_name, join_path(prefix, f->name()));
    if (!found.empty() || f->message_type()->full_name() == type_name) return found;
  }
  return "";
}

// The field path at a (0-based) line/column of a text-format document, found by
// following `name {` / `}` up to that point. Good enough for error messages.
std::string path_at(const std::string& text, int line, int column) {
  std::vector<std::string> stack;
  std::string last_name, current;
  int l = 0, c = 0;
  bool in_comment = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (l > line || (l == line && c >= column)) break;
    char ch = text[i];
    if (ch == '\n') {
      ++l;
      c = 0;
      in_comment = false;
    } else {
      ++c;
    }
    if (in_comment) continue;
    if (quote) {
      if (ch == quote && text[i - 1] != '\\') quote = 0;
      continue;
    }
    if (ch == '#') {
      in_comment = true;
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
    } else if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
      current += ch;
      continue;
    } else if (ch == '{' || ch == '<') {
      if (!current.empty()) last_name = current;
      stack.push_back(last_name);
      last_name.clear();
    } else if (ch == '}' || ch == '>') {
      if (!stack.empty()) stack.pop_back();
    }
    if (!current.empty() && !std::isdigit(static_cast<unsigned char>(current[0])))
      last_name = current;
    current.clear();
  }
  if (!current.empty() && !std::isdigit(static_cast<unsigned char>(current[0])))
    last_name = current;
  std::string path;
  for (const auto& s : stack) path = join_path(path, s);
  return join_path(path, last_name);
}

class CollectFirstError : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (!has_error) {
      has_error = true;
      this->line = line;
      this->column = column;
      this->message = message;
    }
  }
  bool has_error = false;
  int line = 0;
  int column = 0;
  std::string message;
};

}  // namespace

void merge_text(pb::Message& into, const std::string& text, const std::string& source) {
  CollectFirstError errors;
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  std::unique_ptr<pb::Message> parsed(into.New());
  if (parser.ParseFromString(text, parsed.get())) {
    into.MergeFrom(*parsed);
    return;
  }
  std::ostringstream where;
  where << source << ":" << errors.line + 1 << ":" << errors.column + 1 << ": ";
  static const std::regex unknown(R"(Message type \"([\w.]+)\" has no field named \"(\w+)\")");
  std::smatch m;
  if (std::regex_search(errors.message, m, unknown)) {
    std::string prefix = path_of_type(into.GetDescriptor(), m[1]);
    throw Error(where.str() + "unknown field '" + join_path(prefix, m[2]) + "'");
  }
  std::string path = path_at(text, errors.line, errors.column);
  throw Error(where.str() + (path.empty() ? "" : "field '" + path + "': ") + errors.message);
}

namespace {

std::string read_config_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw Error(path + ": cannot open config file");
  return read_file(path, uint64_t{1} << 24);
}

Soc defaults() {
  Soc soc;
  merge_text(soc, builtin_presets().at("defaults"), "defaults.textproto");
  AddressMap* map = soc.mutable_address_map();
  map->set_core_ram_base(VTPU_CORE_RAM_BASE);
  auto region = [](Region* r, uint64_t base, uint64_t size) {
    r->set_base(base);
    r->set_size(size);
  };
  region(map->mutable_clint(), VTPU_CLINT_BASE, VTPU_CLINT_SIZE);
  region(map->mutable_plic(), VTPU_PLIC_BASE, VTPU_PLIC_SIZE);
  region(map->mutable_uart(), VTPU_UART_BASE, VTPU_UART_SIZE);
  region(map->mutable_sim_ctrl(), VTPU_SIMCTRL_BASE, VTPU_SIMCTRL_SIZE);
  region(map->mutable_dma(), VTPU_DMA_BASE, VTPU_DMA_SIZE);
  region(map->mutable_chip_info(), VTPU_CHIPINFO_BASE, VTPU_CHIPINFO_SIZE);
  region(map->mutable_command_processor(), VTPU_CP_BASE, VTPU_CP_SIZE);
  region(map->mutable_ecc(), VTPU_ECC_BASE, VTPU_ECC_SIZE);
  map->set_vmem_base(VTPU_VMEM_BASE);
  map->set_amem_base(VTPU_AMEM_BASE);
  map->set_hbm_base(VTPU_HBM_BASE);
  return soc;
}

double numeric_value(const pb::Message& msg, const pb::FieldDescriptor* f) {
  const pb::Reflection* r = msg.GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: return r->GetInt32(msg, f);
    case pb::FieldDescriptor::CPPTYPE_INT64: return static_cast<double>(r->GetInt64(msg, f));
    case pb::FieldDescriptor::CPPTYPE_UINT32: return r->GetUInt32(msg, f);
    case pb::FieldDescriptor::CPPTYPE_UINT64: return static_cast<double>(r->GetUInt64(msg, f));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: return r->GetDouble(msg, f);
    case pb::FieldDescriptor::CPPTYPE_FLOAT: return r->GetFloat(msg, f);
    default: return 0;
  }
}

// Whole numbers in full (1048577, not 1.04858e+06: a limit and a value
// beside it must not print alike), others to 15 significant digits.
std::string format_number(double v) {
  std::ostringstream s;
  s << std::setprecision(15) << v;
  return s.str();
}

}  // namespace

void validate_message(const pb::Message& msg, const std::string& prefix) {
  const pb::Reflection* r = msg.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(msg, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    std::string path = join_path(prefix, f->name());
    if (f->is_repeated()) {  // a list (sweep specs): each message in it, by index
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE)
        for (int i = 0; i < r->FieldSize(msg, f); ++i)
          validate_message(r->GetRepeatedMessage(msg, f, i), path + "[" + std::to_string(i) + "]");
      continue;  // scalars in a list: their user checks them
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      validate_message(r->GetMessage(msg, f), path);
      continue;
    }
    const pb::FieldOptions& opt = f->options();
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      if (!opt.HasExtension(choices)) continue;
      std::string value = r->GetString(msg, f);
      std::string allowed = "|" + opt.GetExtension(choices) + "|";
      if (allowed.find("|" + value + "|") == std::string::npos)
        throw Error(path + ": '" + value + "' is not one of " + opt.GetExtension(choices));
      continue;
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_BOOL) continue;
    double v = numeric_value(msg, f);
    bool low = opt.HasExtension(min) && v < opt.GetExtension(min);
    bool high = opt.HasExtension(max) && v > opt.GetExtension(max);
    if (low || high || std::isnan(v)) {
      const std::string range =
          !opt.HasExtension(min)   ? "(at most " + format_number(opt.GetExtension(max)) + ")"
          : !opt.HasExtension(max) ? "(at least " + format_number(opt.GetExtension(min)) + ")"
                                   : "[" + format_number(opt.GetExtension(min)) + ", " +
                                         format_number(opt.GetExtension(max)) + "]";
      throw Error(path + ": " + format_number(v) + " is out of range " + range);
    }
    if (!opt.GetExtension(power_of_two)) continue;
    const uint64_t n = v > 0 ? static_cast<uint64_t>(v) : 0;  // 0: "the preset's"
    if (v < 0 || (n & (n - 1)) != 0)
      throw Error(path + ": " + format_number(v) + " is not a power of two");
  }
}

namespace {

// HBM lies above the 32-bit space; its size follows from the preset.
void check_hbm(const Soc& soc) {
  const hbm::TimingSet& t = memspec(soc.hbm().preset());
  if (soc.hbm().channels() > t.channels)
    throw Error("hbm.channels: " + std::to_string(soc.hbm().channels()) + " is more than " +
                t.name + "'s " + std::to_string(t.channels) + " per stack");
  hbm::AddressMapping mapping(t, soc.hbm().stacks(),
                              soc.hbm().channels() ? soc.hbm().channels() : t.channels,
                              soc.hbm().address_mapping());
  if (soc.address_map().hbm_base() < (uint64_t{1} << 32))
    throw Error("address_map.hbm_base: must lie above the 32-bit address space");
  if (soc.address_map().hbm_base() + mapping.capacity() < soc.address_map().hbm_base())
    throw Error("address_map.hbm_base: HBM does not fit the 64-bit address space");
}

void check_address_map(const Soc& soc) {
  struct Named {
    const char* name;
    uint64_t base, size;
  };
  const AddressMap& map = soc.address_map();
  std::vector<Named> regions = {
      {"address_map.core_ram", map.core_ram_base(), uint64_t{soc.memory().core_ram_kib()} * 1024},
      {"address_map.clint", map.clint().base(), map.clint().size()},
      {"address_map.plic", map.plic().base(), map.plic().size()},
      {"address_map.uart", map.uart().base(), map.uart().size()},
      {"address_map.sim_ctrl", map.sim_ctrl().base(), map.sim_ctrl().size()},
      {"address_map.dma", map.dma().base(), map.dma().size()},
      {"address_map.chip_info", map.chip_info().base(), map.chip_info().size()},
      {"address_map.command_processor", map.command_processor().base(),
       map.command_processor().size()},
      {"address_map.ecc", map.ecc().base(), map.ecc().size()},
      {"address_map.vmem_base", map.vmem_base(), uint64_t{soc.memory().vmem_kib()} * 1024},
      {"address_map.amem_base", map.amem_base(), uint64_t{soc.memory().amem_kib()} * 1024},
  };
  std::vector<std::string> block_names;  // kept alive for `regions`
  block_names.reserve(soc.axi_blocks_size());
  for (int i = 0; i < soc.axi_blocks_size(); ++i) {
    const AxiBlock& b = soc.axi_blocks(i);
    block_names.push_back("axi_blocks[" + std::to_string(i) + "]");
    if (b.size() > 0) regions.push_back({block_names.back().c_str(), b.base(), b.size()});
  }
  for (size_t i = 0; i < regions.size(); ++i) {
    const Named& a = regions[i];
    if (a.base + a.size > (uint64_t{1} << 32) || a.base + a.size < a.base)
      throw Error(std::string(a.name) + ": region does not fit the 32-bit address space");
    for (size_t j = 0; j < i; ++j) {
      const Named& b = regions[j];
      if (a.base < b.base + b.size && b.base < a.base + a.size)
        throw Error(std::string(a.name) + ": region overlaps " + b.name);
    }
  }
}

// Names, interrupt lines and counts of the AXI blocks; which RTL is built is
// the SoC's to check (it builds them).
void check_axi_blocks(const Soc& soc) {
  if (soc.axi_blocks_size() > 8)
    throw Error("axi_blocks: " + std::to_string(soc.axi_blocks_size()) + " blocks (at most 8)");
  std::vector<std::string> names;
  uint32_t lines = 0;
  for (int i = 0; i < soc.axi_blocks_size(); ++i) {
    const AxiBlock& b = soc.axi_blocks(i);
    const std::string at = "axi_blocks[" + std::to_string(i) + "]";
    if (b.rtl().empty()) throw Error(at + ".rtl: empty (name the block's top module)");
    const std::string name = b.name().empty() ? b.rtl() : b.name();
    for (const std::string& other : names)
      if (other == name)
        throw Error(at + ".name: '" + name + "' names another block too (set name)");
    names.push_back(name);
    if (b.irq() != 0 && (b.irq() < 16 || b.irq() > 31))
      throw Error(at + ".irq: " + std::to_string(b.irq()) +
                  " is not a free PLIC source (16..31; 0: none)");
    if (b.irq() != 0 && (lines & (1u << b.irq())))
      throw Error(at + ".irq: source " + std::to_string(b.irq()) + " is another block's");
    if (b.irq() != 0) lines |= 1u << b.irq();
  }
}

}  // namespace

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin_presets())
    if (name != "defaults") names.push_back(name);
  return names;
}

void set_field(Soc& soc, const std::string& path, const std::string& value) {
  const std::string item = "--set " + path + "=" + value;
  pb::LogSilencer quiet;  // the text parser would also log what we report
  pb::Message* msg = &soc;
  std::string walked;
  std::istringstream parts(path);
  std::string part;
  std::vector<std::string> names;
  while (std::getline(parts, part, '.')) names.push_back(part);
  if (names.empty()) throw Error("--set: empty field path");
  for (size_t i = 0; i < names.size(); ++i) {
    const pb::FieldDescriptor* f = msg->GetDescriptor()->FindFieldByName(names[i]);
    walked = join_path(walked, names[i]);
    if (f == nullptr) throw Error(item + ": unknown field '" + walked + "'");
    if (f->is_repeated()) throw Error(item + ": '" + walked + "' is a list");
    bool last = i + 1 == names.size();
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last) throw Error(item + ": '" + walked + "' is a message; name one of its fields");
      msg = msg->GetReflection()->MutableMessage(msg, f);
      continue;
    }
    if (!last) throw Error(item + ": '" + walked + "' has no fields");
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      msg->GetReflection()->SetString(msg, f, value);
    } else if (!pb::TextFormat::ParseFieldValueFromString(value, f, msg)) {
      throw Error(item + ": '" + value + "' is not a valid " + f->type_name());
    }
  }
}

void validate(const Soc& soc) {
  validate_message(soc, "");
  check_address_map(soc);
  check_axi_blocks(soc);
  check_hbm(soc);
  // A recording is a file the run creates: a value such as "1" or "on" would
  // quietly write a file of that name.
  const std::string& record = soc.mxu().record();
  if (!record.empty() && (record.size() <= 5 || record.substr(record.size() - 5) != ".stim"))
    throw Error("mxu.record: '" + record + "' is not a recording's file name (FILE.stim)");
}

Soc load(const std::string& config, const std::vector<std::string>& overrides) {
  Soc soc = defaults();
  std::string name = config.empty() ? kDefaultPreset : config;
  const auto& presets = builtin_presets();
  auto preset = presets.find(name);
  if (preset != presets.end() && name != "defaults")
    merge_text(soc, preset->second, name + ".textproto");
  else
    merge_text(soc, read_config_file(name), name);
  if (soc.overrides_size() > 0)
    throw Error(name + ": field 'overrides' is written by vtpu from --set, not by a config file");
  for (const std::string& item : overrides) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--set " + item + ": expected path=value");
    set_field(soc, item.substr(0, eq), item.substr(eq + 1));
    soc.add_overrides(item);
  }
  validate(soc);
  return soc;
}

std::string describe(const Soc& soc) {
  std::string text = soc.name();
  for (const std::string& item : soc.overrides()) text += " --set " + item;
  return text;
}

std::string text(const Soc& soc) {
  std::string out;
  pb::TextFormat::PrintToString(soc, &out);
  return out;
}

}  // namespace vtpu::config

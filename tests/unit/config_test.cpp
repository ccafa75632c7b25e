#include "platform/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "models/common/error.h"
#include "models/isa/vtpu/soc_map.h"
#include "platform/memspec.h"

namespace vtpu::config {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string write_temp(const std::string& text) {
  // One file per test: ctest runs tests in parallel processes.
  std::string path = ::testing::TempDir() + "/" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".textproto";
  std::ofstream(path) << text;
  return path;
}

TEST(Config, DefaultPresetAndMap) {
  Soc soc = load("", {});
  EXPECT_EQ(soc.name(), "edge");
  EXPECT_EQ(soc.address_map().core_ram_base(), VTPU_CORE_RAM_BASE);
  EXPECT_EQ(soc.address_map().uart().base(), VTPU_UART_BASE);
  EXPECT_DOUBLE_EQ(soc.core().quantum_ns(), 1000);
  EXPECT_TRUE(soc.core().dmi());
  EXPECT_TRUE(soc.runtime().double_buffering());
}

TEST(Config, EveryPresetLoads) {
  for (const std::string& name : preset_names()) {
    Soc soc = load(name, {});
    EXPECT_EQ(soc.name(), name);
  }
  EXPECT_EQ(load("tpuv1-like", {}).mxu().rows(), 256u);
  EXPECT_DOUBLE_EQ(load("tpuv1-like", {}).clock_mhz(), 700);
}

TEST(Config, PresetFilesLoadByPath) {
  Soc soc = load(std::string(VTPU_SOURCE_DIR) + "/platform/configs/tpuv3-like.textproto", {});
  EXPECT_EQ(soc.mxu().rows(), 128u);
}

TEST(Config, SetOverridesWithAndWithoutConfig) {
  EXPECT_EQ(load("", {"mxu.rows=64"}).mxu().rows(), 64u);
  Soc soc =
      load("tpuv3-like", {"mxu.rows=64", "core.quantum_ns=10", "runtime.double_buffering=false",
                          "mxu.dataflow=os", "address_map.uart.base=0x10002000"});
  EXPECT_EQ(soc.mxu().rows(), 64u);
  EXPECT_EQ(soc.mxu().cols(), 128u);
  EXPECT_DOUBLE_EQ(soc.core().quantum_ns(), 10);
  EXPECT_FALSE(soc.runtime().double_buffering());
  EXPECT_EQ(soc.mxu().dataflow(), "os");
  EXPECT_EQ(soc.address_map().uart().base(), 0x10002000u);
}

TEST(Config, FileFalseOverridesDefaultTrue) {
  Soc soc = load(write_temp("runtime { double_buffering: false }\n"), {});
  EXPECT_FALSE(soc.runtime().double_buffering());
}

TEST(Config, UnknownFieldNamesThePath) {
  EXPECT_EQ(error_of([] { load("", {"mxu.rowz=3"}); }),
            "--set mxu.rowz=3: unknown field 'mxu.rowz'");
  std::string path = write_temp("name: \"x\"\ncore {\n  quantum_ns: 5\n  turbo: true\n}\n");
  std::string msg = error_of([&] { load(path, {}); });
  EXPECT_EQ(msg.rfind(path + ":4:", 0), 0u) << msg;
  EXPECT_NE(msg.find(": unknown field 'core.turbo'"), std::string::npos) << msg;
}

TEST(Config, WrongTypeNamesThePath) {
  std::string path = write_temp("mxu {\n  rows: \"many\"\n}\n");
  std::string msg = error_of([&] { load(path, {}); });
  EXPECT_NE(msg.find(path + ":2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mxu.rows"), std::string::npos) << msg;
  EXPECT_EQ(error_of([] { load("", {"mxu.rows=many"}); }),
            "--set mxu.rows=many: 'many' is not a valid uint32");
  EXPECT_EQ(error_of([] { load("", {"mxu=3"}); }),
            "--set mxu=3: 'mxu' is a message; name one of its fields");
  EXPECT_EQ(error_of([] { load("", {"mxu.rows"}); }), "--set mxu.rows: expected path=value");
}

TEST(Config, OutOfRangeNamesThePathAndRange) {
  EXPECT_EQ(error_of([] { load("", {"mxu.rows=0"}); }), "mxu.rows: 0 is out of range [1, 1024]");
  EXPECT_EQ(error_of([] { load("", {"core.quantum_ns=0"}); }),
            "core.quantum_ns: 0 is out of range [0.001, 1000000000]");
  // A value just past a large limit prints apart from it; a one-sided range says its side.
  EXPECT_EQ(error_of([] { load("", {"memory.core_ram_kib=1048577"}); }),
            "memory.core_ram_kib: 1048577 is out of range [4, 1048576]");
  EXPECT_EQ(error_of([] { load("", {"runtime.watchdog_us=100000001"}); }),
            "runtime.watchdog_us: 100000001 is out of range (at most 100000000)");
  EXPECT_EQ(error_of([] { load("", {"mxu.dataflow=diagonal"}); }),
            "mxu.dataflow: 'diagonal' is not one of ws|os|auto");
  EXPECT_EQ(error_of([] { load("", {"address_map.uart.base=0x80000010"}); }),
            "address_map.uart: region overlaps address_map.core_ram");
  // A recording's name, not a switch (issue 19: "=1" wrote a file named 1).
  EXPECT_EQ(error_of([] { load("", {"mxu.record=1"}); }),
            "mxu.record: '1' is not a recording's file name (FILE.stim)");
  EXPECT_EQ(error_of([] { load("", {"mxu.record=.stim"}); }),
            "mxu.record: '.stim' is not a recording's file name (FILE.stim)");
  EXPECT_NO_THROW(load("", {"mxu.record=out/matmuls.stim"}));
}

TEST(Config, MissingFile) {
  EXPECT_EQ(error_of([] { load("/nonexistent/x.textproto", {}); }),
            "/nonexistent/x.textproto: cannot open config file");
}

}  // namespace
}  // namespace vtpu::config

namespace vtpu::config {
namespace {

void leaf_paths(const google::protobuf::Descriptor* d, const std::string& prefix,
                std::vector<std::string>& out) {
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    std::string path = prefix.empty() ? f->name() : prefix + "." + f->name();
    if (f->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE)
      leaf_paths(f->message_type(), path, out);
    else
      out.push_back(path);
  }
}

// Memspecs are data (platform/configs/memspecs): the built-in file read as
// any file is, and a file with a slip refused with its name and field.
std::string hbm2_text() {
  std::ifstream in(std::string(VTPU_SOURCE_DIR) + "/platform/configs/memspecs/hbm2.textproto");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(Memspec, ANewSpeedGradeIsAFile) {
  // HBM2 at 2400 Mb/s: another clock, the same organisation.
  const std::string text = replaced(hbm2_text(), "tck_ps: 1000", "tck_ps: 833");
  const hbm::TimingSet t = parse_memspec("hbm2-2400", text, "hbm2-2400.textproto");
  EXPECT_EQ(t.name, "hbm2-2400");
  EXPECT_EQ(t.tck_ps, 833u);
  EXPECT_EQ(t.tRC, memspec("hbm2").tRC);
  EXPECT_NEAR(t.pseudo_channel_bytes_per_s() / memspec("hbm2").pseudo_channel_bytes_per_s(),
              1000.0 / 833, 1e-12);
}

TEST(Memspec, SlipsAreRefusedNamingFileAndField) {
  const std::string t = hbm2_text();
  auto error = [](const std::string& text) {
    return error_of([&] { parse_memspec("x", text, "x.textproto"); });
  };
  EXPECT_EQ(error(replaced(t, "  tRC: 48", "  tRC: 47")),
            "x.textproto: field 'timing.tRC': must be at least tRAS + tRP");
  EXPECT_EQ(error(replaced(t, "  tFAW: 15", "")), "x.textproto: field 'timing.tFAW' is missing");
  EXPECT_EQ(error(replaced(t, "  channels: 8", "  channels: 6")),
            "x.textproto: organisation.channels: 6 is not a power of two");
  EXPECT_EQ(error(replaced(t, "  tck_ps: 1000", "  tck_ps: 0")),
            "x.textproto: timing.tck_ps: 0 is out of range [100, 100000]");
  EXPECT_EQ(error(replaced(t, "  tCCD_S: 2", "  tCCD_S: 1")),
            "x.textproto: field 'timing.tCCD_S': must be at least the burst's clocks "
            "(burst_length / beats_per_clock)");
  // The line after tRP's, column 7 (the name's end, as protobuf's parser reports it).
  const size_t trp_line = std::count(t.begin(), t.begin() + t.find("  tRP: 14"), '\n') + 1;
  EXPECT_EQ(error(replaced(t, "  tRP: 14", "  tRP: 14\n  tXYZ: 3")),
            "x.textproto:" + std::to_string(trp_line + 1) + ":7: unknown field 'timing.tXYZ'");
  EXPECT_EQ(error_of([] { memspec("hbm4"); }),
            "hbm.preset: unknown memspec 'hbm4' (known: ddr3-2133, hbm2, hbm2e, hbm3)");
  EXPECT_EQ(error_of([] { load("", {"hbm.preset=hbm4"}); }),
            "hbm.preset: unknown memspec 'hbm4' (known: ddr3-2133, hbm2, hbm2e, hbm3)");
}

// docs/configuration.md must stay true: every schema field has a row.
TEST(ConfigDocs, EveryFieldIsDocumented) {
  std::ifstream in(std::string(VTPU_SOURCE_DIR) + "/docs/configuration.md");
  std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(docs.empty());
  std::vector<std::string> paths;
  leaf_paths(Soc::descriptor(), "", paths);
  for (const std::string& p : paths) {
    bool documented = docs.find("`" + p + "`") != std::string::npos;
    const std::string size = ".size";
    if (!documented && p.size() > size.size() &&
        p.compare(p.size() - size.size(), size.size(), size) == 0) {
      std::string parent = p.substr(0, p.size() - size.size());
      documented = docs.find("`" + parent + ".base`, `.size`") != std::string::npos;
    }
    EXPECT_TRUE(documented) << p << " is not in docs/configuration.md";
  }
}

}  // namespace
}  // namespace vtpu::config

// The `vtpu` command line (docs/cli.md). Every error becomes one line on
// stderr and an exit status from vtpu::ExitCode; the firmware's own exit code
// is passed through as the exit status.
#include <malloc.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <systemc>
#include <vector>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/common/version.h"
#include "platform/config.h"
#include "platform/elf_loader.h"
#include "platform/firmware_profile.h"
#include "platform/mxu_backend.h"
#include "platform/soc.h"
#include "sw/compiler/compiler.h"
#include "tools/gemm.h"
#include "tools/memtest.h"
#include "tools/network.h"
#include "tools/report.h"
#include "tools/sweep.h"
#include "tools/trace_tool.h"

namespace po = boost::program_options;

namespace {

// `name` in the share/vtpu folder of an installed vtpu (`cmake --install`:
// PREFIX/bin/vtpu beside PREFIX/share/vtpu) when it is there, else `built`,
// this build's own.
std::string installed_or(const std::string& name, const std::string& built) {
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return built;
  const std::filesystem::path installed = exe.parent_path().parent_path() / "share" / "vtpu" / name;
  return std::filesystem::exists(installed, error) ? installed.string() : built;
}

// The firmware runtime `vtpu run` boots.
std::string default_runtime_elf() {
  return installed_or("runtime.elf", VTPU_RUNTIME_ELF);
}

// The folder of the Python package `vtpu plot` runs (python/ in the tree).
std::string python_package_dir() {
  return installed_or("python", VTPU_PYTHON_DIR);
}

constexpr const char* kUsage =
    "usage: vtpu <command> [options]\n"
    "\n"
    "commands:\n"
    "  firmware FILE.elf   boot the SoC with FILE as firmware; UART to stdout;\n"
    "                      exit status = the firmware's exit code\n"
    "  memtest             drive the HBM model through the interconnect with a\n"
    "                      pattern or a trace; print bandwidth and latency as JSON\n"
    "  gemm                one GEMM of random data on the MXU through the command\n"
    "                      processor; print cycles and the reference check as JSON\n"
    "  compile MODEL.onnx  compile an ONNX model (int8 or bf16) into a .vtpu executable\n"
    "  run MODEL           run an ONNX model or .vtpu executable on the virtual chip\n"
    "                      through the firmware; outputs as .npy, a JSON report\n"
    "  trace FILE          print, filter or summarise a transaction trace\n"
    "  plot DIR            plots of a sweep's results (PNG and SVG into DIR)\n"
    "  config              print the merged config (--config, --set) and exit; a bad one\n"
    "                      is refused as any command refuses it\n"
    "  sweep SPEC --out D  run a design-space sweep (networks x precisions x configs);\n"
    "                      runs.csv and layers.csv in D; resumable; --slurm for a cluster\n"
    "\n"
    "`vtpu <command> --help` lists a command's options; `vtpu --version` the build's version.\n"
    "docs/cli.md has the details.\n";

// "10ms", "2.5 us", "1s", "500ns", "100ps"
sc_core::sc_time parse_time(const std::string& text) {
  static const std::regex form(R"(\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ps|ns|us|ms|s)\s*)");
  std::smatch m;
  if (!std::regex_match(text, m, form))
    throw vtpu::Error("--max-time " + text + ": expected a number and a unit (ps, ns, us, ms, s)");
  double value = 0;
  try {
    value = std::stod(m[1]);
  } catch (const std::out_of_range&) {
    throw vtpu::Error("--max-time " + text + ": out of range");
  }
  std::string unit = m[2];
  sc_core::sc_time_unit u = unit == "ps"   ? sc_core::SC_PS
                            : unit == "ns" ? sc_core::SC_NS
                            : unit == "us" ? sc_core::SC_US
                            : unit == "ms" ? sc_core::SC_MS
                                           : sc_core::SC_SEC;
  // SystemC's time is 64 bits of its resolution (1 ps): up to about 213 days.
  const sc_core::sc_time most(1e6, sc_core::SC_SEC);
  if (value > most.to_seconds() / sc_core::sc_time(1, u).to_seconds())
    throw vtpu::Error("--max-time " + text + ": more than 1e6 s of simulated time");
  sc_core::sc_time t(value, u);
  if (t == sc_core::SC_ZERO_TIME) throw vtpu::Error("--max-time " + text + ": must be positive");
  return t;
}

// SystemC appends ".vcd" to a trace file's name. The file must be writable:
// SystemC does not say when it is not (and crashes closing it).
std::string vcd_base(const std::string& file) {
  const std::string ext = ".vcd";
  const bool has_ext =
      file.size() > ext.size() && file.compare(file.size() - ext.size(), ext.size(), ext) == 0;
  const std::string base = has_ext ? file.substr(0, file.size() - ext.size()) : file;
  if (!std::ofstream(base + ext))
    throw vtpu::Error("--vcd " + file + ": cannot write " + base + ext + " (" +
                      std::strerror(errno) + ")");
  return base;
}

void add_config_options(po::options_description& desc) {
  desc.add_options()(
      "config", po::value<std::string>()->default_value(""),
      "config file (.textproto) or preset name: edge (default), tpuv1-like, tpuv3-like")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override one field, e.g. --set mxu.rows=64 (repeatable)");
}

// The configuration add_config_options() asked for: --config, then each --set.
vtpu::config::Soc load_config(const po::variables_map& vm) {
  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  if (!vm["config"].defaulted() && vm["config"].as<std::string>().empty())
    throw vtpu::Error("--config: empty (a preset name or a .textproto file)");
  vtpu::config::Soc config = vtpu::config::load(vm["config"].as<std::string>(), sets);
  vtpu::check_rtl_backend(config.mxu());  // before any work, not when the SoC is built
  return config;
}

po::variables_map parse(const po::options_description& desc,
                        const po::positional_options_description& positional,
                        const std::vector<std::string>& args) {
  po::variables_map vm;
  try {
    const po::parsed_options parsed =
        po::command_line_parser(args).options(desc).positional(positional).run();
    // Boost reads "-1" into an unsigned option as 2^N - 1: refused here, for
    // every unsigned option at once (--seed, --requests, --stride, ...).
    for (const po::option& o : parsed.options) {
      const po::option_description* d = desc.find_nothrow(o.string_key, false);
      if (d == nullptr || o.value.empty() || o.value[0].empty() || o.value[0][0] != '-') continue;
      const po::value_semantic* s = d->semantic().get();
      if (dynamic_cast<const po::typed_value<uint64_t>*>(s) ||
          dynamic_cast<const po::typed_value<uint32_t>*>(s) ||
          dynamic_cast<const po::typed_value<uint16_t>*>(s))
        throw vtpu::Error("--" + o.string_key + " " + o.value[0] + ": expected 0 or more");
    }
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw vtpu::Error(e.what());
  }
  return vm;
}

// Parses a command whose one positional argument is the option `name`;
// false after printing the help it was asked for.
bool parse_command(const po::options_description& desc, const std::vector<std::string>& args,
                   po::variables_map& vm, const char* name = "model") {
  po::positional_options_description positional;
  positional.add(name, 1);
  vm = parse(desc, positional, args);
  if (!vm.count("help")) return true;
  std::cout << desc;
  return false;
}

const char* const kProfileHelp =
    "write the core's profile to FILE: cycles and instructions per firmware function, then "
    "the busiest addresses (the ISS runs slower, the cycles are the same)";

int firmware_command(const std::vector<std::string>& args) {
  po::options_description desc("vtpu firmware FILE.elf [options]");
  add_config_options(desc);
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("elf", po::value<std::string>(), "firmware ELF (RV32)")
      ("max-instructions", po::value<uint64_t>()->default_value(0),
       "stop with an error after N instructions (0: no limit)")
      ("max-time", po::value<std::string>(), "stop with an error at this simulated time, e.g. 10ms")
      ("stats", "print instructions, simulated time, host time, MIPS, link and HBM statistics on stderr at the end")
      ("gdb", po::value<uint16_t>(),
       "serve GDB's remote protocol on 127.0.0.1:PORT (0: any free port, reported on stderr)")
      ("gdb-wait", "with --gdb: halt before the first instruction until GDB connects")
      ("transactions", po::value<std::string>(),
       "write every interconnect transaction to FILE (protobuf; read with vtpu trace)")
      ("vcd", po::value<std::string>(),
       "write waveforms to FILE.vcd (interrupts, unit busy flags, queue depths; GTKWave)")
      ("profile", po::value<std::string>(), kProfileHelp);
  // clang-format on
  po::variables_map vm;
  if (!parse_command(desc, args, vm, "elf")) return 0;
  if (!vm.count("elf")) throw vtpu::Error("firmware: missing FILE.elf (see vtpu firmware --help)");

  vtpu::config::Soc config = load_config(vm);
  vtpu::ElfImage image = vtpu::read_elf(vm["elf"].as<std::string>());

  vtpu::RunOptions limits;
  limits.max_instructions = vm["max-instructions"].as<uint64_t>();
  // Read as unsigned, "-1" arrives as 2^64 - 1.
  if (limits.max_instructions > (uint64_t{1} << 62))
    throw vtpu::Error("--max-instructions: at most 2^62 (0: no limit)");
  if (vm.count("max-time")) limits.max_time = parse_time(vm["max-time"].as<std::string>());
  if (vm.count("gdb")) limits.gdb_port = vm["gdb"].as<uint16_t>();
  if (vm.count("transactions")) limits.transactions = vm["transactions"].as<std::string>();
  if (vm.count("vcd")) limits.vcd = vcd_base(vm["vcd"].as<std::string>());
  const std::string profile = vm.count("profile") ? vm["profile"].as<std::string>() : "";
  if (!profile.empty()) {
    vtpu::check_writable("--profile", profile);
    limits.profile = true;
  }
  limits.workload = vm["elf"].as<std::string>();
  if (vm.count("gdb-wait")) {
    if (!limits.gdb_port) throw vtpu::Error("--gdb-wait needs --gdb PORT");
    limits.gdb_wait = true;
  }

  vtpu::Soc soc("vtpu", config, image, limits);
  vtpu::RunResult result = soc.run();
  if (!profile.empty())
    vtpu::write_profile(profile, image, result.profile, {result.cycles, result.instructions});

  if (vm.count("stats")) {
    double mips = result.host_seconds > 0 ? result.instructions / result.host_seconds / 1e6 : 0;
    std::fprintf(stderr,
                 "instructions retired: %llu\n"
                 "core cycles:          %llu\n"
                 "simulated time:       %.3f us\n"
                 "host time:            %.3f s\n"
                 "MIPS:                 %.1f\n",
                 static_cast<unsigned long long>(result.instructions),
                 static_cast<unsigned long long>(result.cycles),
                 result.simulated_time.to_seconds() * 1e6, result.host_seconds, mips);
    std::fprintf(stderr, "interconnect links:   transactions, bytes, busy us, stalled us\n");
    for (const vtpu::interconnect::LinkStats& l : result.links) {
      if (l.transactions == 0) continue;
      std::fprintf(stderr, "  %-5s %-12s  %llu, %llu, %.3f, %.3f\n", l.initiator ? "from" : "to",
                   l.name.c_str(), static_cast<unsigned long long>(l.transactions),
                   static_cast<unsigned long long>(l.bytes), l.busy.to_seconds() * 1e6,
                   l.stall.to_seconds() * 1e6);
    }
    const vtpu::hbm::HbmStats& h = result.hbm;
    if (h.requests > 0) {
      const uint64_t accesses = h.reads + h.writes;
      std::fprintf(
          stderr,
          "hbm:                  %llu requests, %llu bytes, %llu reads, %llu writes, "
          "row hits %.1f %%, %llu refreshes\n",
          static_cast<unsigned long long>(h.requests), static_cast<unsigned long long>(h.bytes),
          static_cast<unsigned long long>(h.reads), static_cast<unsigned long long>(h.writes),
          accesses ? 100.0 * h.row_hits / accesses : 0.0,
          static_cast<unsigned long long>(h.refreshes));
      if (h.corrected_errors + h.uncorrected_errors > 0)
        std::fprintf(stderr, "hbm faults:           %llu corrected, %llu uncorrected (ECC)\n",
                     static_cast<unsigned long long>(h.corrected_errors),
                     static_cast<unsigned long long>(h.uncorrected_errors));
      if (result.vmem_upsets + result.amem_upsets + result.core_ram_upsets > 0)
        std::fprintf(stderr, "sram upsets:          vmem %llu, amem %llu, core RAM %llu\n",
                     static_cast<unsigned long long>(result.vmem_upsets),
                     static_cast<unsigned long long>(result.amem_upsets),
                     static_cast<unsigned long long>(result.core_ram_upsets));
    }
  }
  if (result.end == vtpu::RunResult::End::kStopped) {
    std::fprintf(stderr, "vtpu: %s: %s\n", image.path.c_str(), result.message.c_str());
    return static_cast<int>(result.stop_code);
  }
  if (result.firmware_exit_code > 255) {
    std::fprintf(stderr, "vtpu: firmware exit code %llu does not fit an exit status; using 255\n",
                 static_cast<unsigned long long>(result.firmware_exit_code));
    return 255;
  }
  return static_cast<int>(result.firmware_exit_code);
}

int memtest_command(const std::vector<std::string>& args) {
  po::options_description desc(
      "vtpu memtest [--config C] [--set ...] (--pattern seq|random|stride --requests N --size "
      "BYTES [--stride B] [--write-ratio F] | --trace FILE)");
  add_config_options(desc);
  vtpu::MemtestOptions o;
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("pattern", po::value<std::string>(&o.pattern), "seq, random or stride")
      ("requests", po::value<uint64_t>(&o.requests), "number of requests")
      ("size", po::value<uint64_t>(&o.size), "bytes per request")
      ("stride", po::value<uint64_t>(&o.stride), "bytes between requests (--pattern stride)")
      ("write-ratio", po::value<double>(&o.write_ratio)->default_value(0),
       "fraction of requests that write (0..1)")
      ("seed", po::value<uint64_t>(&o.seed)->default_value(1), "random seed")
      ("outstanding", po::value<unsigned>(&o.outstanding)->default_value(0),
       "requests in flight (0: twice what the controller queues hold)")
      ("trace", po::value<std::string>(&o.trace),
       "trace file: one '<time_ns>: read|write <address> <size>' per line");
  // clang-format on
  po::variables_map vm = parse(desc, {}, args);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (vm.count("trace") && vm.count("pattern"))
    throw vtpu::Error("memtest: --trace and --pattern exclude each other");
  if (!vm.count("trace")) {
    for (const char* needed : {"pattern", "requests", "size"})
      if (!vm.count(needed))
        throw vtpu::Error(std::string("memtest: --") + needed + " is needed without --trace");
  }
  vtpu::config::Soc config = load_config(vm);
  std::ostringstream report;
  vtpu::run_memtest(config, o, report);
  std::cout << report.str();
  return 0;
}

int gemm_command(const std::vector<std::string>& args) {
  po::options_description desc(
      "vtpu gemm [--config C] [--set ...] --m M --k K --n N [--precision int8|bf16|int4] "
      "[--sparsity dense|2:4] [--dataflow ws|os] [--timing stall-free|overlapped]");
  add_config_options(desc);
  vtpu::GemmOptions o;
  int64_t shape[3] = {0, 0, 0};  // signed, so that -1 is refused rather than wrapped
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("m", po::value<int64_t>(&shape[0]), "rows of A and C (1 to 2^24)")
      ("k", po::value<int64_t>(&shape[1]), "columns of A, rows of B (1 to 2^24)")
      ("n", po::value<int64_t>(&shape[2]), "columns of B and C (1 to 2^24)")
      ("precision", po::value<std::string>(&o.precision)->default_value("int8"),
       "int8, bf16, or int4 (int8 activations, int4 weights)")
      ("sparsity", po::value<std::string>(&o.sparsity)->default_value("dense"),
       "dense, or 2:4 (int8; B as 2 stored weights per group of 4 along K, docs/mxu.md)")
      ("dataflow", po::value<std::string>(&o.dataflow), "ws or os (default: mxu.dataflow)")
      ("timing", po::value<std::string>(&o.timing),
       "stall-free or overlapped (default: mxu.timing)")
      ("accumulate", "C += A * B onto random C (default: C = A * B)")
      ("seed", po::value<uint64_t>(&o.seed)->default_value(1), "random seed");
  // clang-format on
  po::variables_map vm = parse(desc, {}, args);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  const char* names[3] = {"m", "k", "n"};
  for (int i = 0; i < 3; ++i) {
    if (!vm.count(names[i])) throw vtpu::Error(std::string("gemm: --") + names[i] + " is needed");
    // A MATMUL's m, k and n fields (docs/isa.md).
    if (shape[i] < 1 || shape[i] > (int64_t{1} << 24))
      throw vtpu::Error(std::string("gemm: --") + names[i] + " " + std::to_string(shape[i]) +
                        ": expected 1 to 16777216 (a MATMUL's " + names[i] + ")");
  }
  o.m = static_cast<uint32_t>(shape[0]);
  o.k = static_cast<uint32_t>(shape[1]);
  o.n = static_cast<uint32_t>(shape[2]);
  o.accumulate = vm.count("accumulate") > 0;
  vtpu::config::Soc config = load_config(vm);
  std::ostringstream report;
  vtpu::run_gemm(config, o, report);
  std::cout << report.str();
  return 0;
}

// Options of a command whose one positional argument is the model; false
// when --help was asked (and printed).

// --batch N: a positive batch of at most 65536 images.
void check_batch(const po::variables_map& vm) {
  if (!vm.count("batch")) return;
  const int64_t n = vm["batch"].as<int64_t>();
  if (n < 1 || n > 65536)
    throw vtpu::Error("--batch " + std::to_string(n) + ": expected 1 to 65536");
}

// Options that would do nothing are refused rather than ignored (docs/cli.md):
// an empty file name or value, an option a .vtpu executable or the chosen
// precision has no use for. `vtpu_model`: the model is a .vtpu.
void check_option_use(const po::variables_map& vm, bool vtpu_model) {
  const auto given = [&vm](const char* name) {
    return vm.count(name) > 0 && !vm[name].defaulted();
  };
  for (const char* name :
       {"sparsity", "sparsity-skip", "calibration", "emit-qdq", "output", "output-dir", "report",
        "trace", "transactions", "vcd", "profile", "firmware"})
    if (given(name) && vm[name].as<std::string>().empty())
      throw vtpu::Error(std::string("--") + name + ": empty");
  const std::string precision = vm["precision"].as<std::string>();
  if (vtpu_model) {
    // What the executable was compiled with is in it; these choose a compilation.
    for (const char* name :
         {"precision", "sparsity", "sparsity-skip", "calibration", "accuracy-budget", "explain"})
      if (given(name))
        throw vtpu::Error(std::string("--") + name +
                          ": compiles ONNX models; a .vtpu keeps what it was compiled with");
    return;
  }
  if (given("accuracy-budget") && precision != "auto")
    throw vtpu::Error("--accuracy-budget: only with --precision auto");
  if (vm["explain"].as<bool>() && precision != "auto" && !vm["tune"].as<bool>())
    throw vtpu::Error("--explain: only with --precision auto or --tune");
  // (--calibration with bf16 is let be: scripts give one command line for
  // every precision, this project's tests among them.)
}

// `vtpu plot DIR`: the Python package's plots (python/vtpu/plot.py) with
// Debian's matplotlib, run with this vtpu as the package's binary.
int plot_command(const std::vector<std::string>& args) {
  if (args.empty()) throw vtpu::Error("plot: missing DIR (see vtpu plot --help)");
  std::error_code error;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
  const std::string package = python_package_dir();
  const char* old = std::getenv("PYTHONPATH");
  const std::string path = package + (old && *old ? ":" + std::string(old) : "");
  setenv("PYTHONPATH", path.c_str(), 1);
  if (!self.empty()) setenv("VTPU", self.c_str(), 1);
  // Debian's python3 (its pandas and matplotlib), unless $VTPU_PYTHON names another.
  const char* python = std::getenv("VTPU_PYTHON");
  std::vector<std::string> argv = {python && *python ? python : VTPU_PYTHON3, "-m", "vtpu.plot"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (std::string& a : argv) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  std::fflush(stdout);
  execvp(pointers[0], pointers.data());
  throw vtpu::Error("plot: cannot run " + argv[0] + " (" + std::strerror(errno) +
                    "): vtpu plot needs python3 with python3-matplotlib and python3-pandas");
}

int config_command(const std::vector<std::string>& args) {
  po::options_description desc("vtpu config [--config C] [--set ...] [--json]");
  add_config_options(desc);
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("json", "print JSON (protobuf's mapping) instead of protobuf text");
  // clang-format on
  po::variables_map vm = parse(desc, {}, args);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  const vtpu::config::Soc config = load_config(vm);
  if (vm.count("json")) {
    vtpu::Json j;
    vtpu::describe_config(j, config);
    std::cout << vtpu::json_text(j, 2) << "\n";
  } else {
    std::cout << "# " << vtpu::config::describe(config) << " (vtpu " << vtpu::version() << ")\n"
              << vtpu::config::text(config);
  }
  return 0;
}

int trace_command(const std::vector<std::string>& args) {
  po::options_description desc(
      "vtpu trace FILE [--summary] [--initiator NAME] [--target NAME] [--from NS] [--to NS] "
      "[--limit N]");
  vtpu::TraceQuery q;
  std::string file;
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("model", po::value<std::string>(&file), "the transaction trace")
      ("summary", "one line per initiator and target: count, bytes, mean latency, bandwidth")
      ("initiator", po::value<std::string>(&q.initiator), "only this initiator (e.g. dma)")
      ("target", po::value<std::string>(&q.target), "only this target (e.g. hbm)")
      ("from", po::value<double>(&q.from_ns), "only transactions beginning at or after NS")
      ("to", po::value<double>(&q.to_ns)->default_value(-1), "only those beginning before NS")
      ("limit", po::value<uint64_t>(&q.limit)->default_value(0), "print at most N (0: all)");
  // clang-format on
  po::variables_map vm;
  if (!parse_command(desc, args, vm)) return 0;
  if (file.empty()) throw vtpu::Error("trace: missing FILE (see vtpu trace --help)");
  if (!(q.from_ns >= 0)) throw vtpu::Error("--from: expected a time of 0 ns or more");
  if (vm.count("to") && !vm["to"].defaulted() && !(q.to_ns > q.from_ns))
    throw vtpu::Error("--to: expected a time after --from's");
  q.summary = vm.count("summary") > 0;
  vtpu::print_trace(file, q, std::cout);
  return 0;
}

int compile_command(const std::vector<std::string>& args) {
  po::options_description desc(
      "vtpu compile MODEL.onnx [--precision int8|bf16|int4|auto [--accuracy-budget X] "
      "[--explain]] [--tune] [--sparsity 2:4 [--sparsity-skip NODE,...]] [--calibration DIR] "
      "[--emit-qdq FILE] [--config C] [--set ...] -o OUT.vtpu | --list-ops");
  add_config_options(desc);
  vtpu::CompileRequest r;
  std::string out;
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("model", po::value<std::string>(&r.model), "the ONNX model")
      ("precision", po::value<std::string>(&r.precision)->default_value("int8"),
       "int8, bf16, int4 (int8 with int4 weights), or auto (int8, int4 or 2:4 weights per "
       "layer, the fastest within --accuracy-budget)")
      ("accuracy-budget", po::value<double>(&r.accuracy_budget)->default_value(0.01),
       "with --precision auto: the output cosine against fp32 (worst calibration input) it may "
       "lose beyond all-int8's")
      ("explain", po::bool_switch(&r.explain),
       "with --precision auto or --tune: print the choice (per layer: losses and cycles)")
      ("tune", po::bool_switch(&r.tune),
       "per layer, one buffer set or two (and with mxu.dataflow auto, ws or os), the faster on "
       "--config's chip (simulates the model three times, and up to four more for the "
       "dataflow)")
      ("sparsity", po::value<std::string>(&r.sparsity),
       "2:4: int8 Conv/Gemm/MatMul weights pruned to 2 of every 4 along K")
      ("sparsity-skip", po::value<std::string>(&r.sparsity_skip),
       "with --sparsity 2:4: the nodes (comma-separated) whose weights stay dense")
      ("calibration", po::value<std::string>(&r.calibration),
       "int8: a directory of .npy input samples for the activation ranges")
      ("emit-qdq", po::value<std::string>(&r.emit_qdq),
       "int8: also write the quantized graph as a QDQ ONNX model (for ONNX Runtime)")
      ("batch", po::value<int64_t>(&r.batch), "re-export a batch-1 model for batch N")
      ("output,o", po::value<std::string>(&out), "the .vtpu file to write")
      ("list-ops", "print the operators vtpu compiles, with their limits (Markdown), and exit");
  // clang-format on
  po::variables_map vm;
  if (!parse_command(desc, args, vm)) return 0;
  if (vm.count("list-ops")) {
    std::cout << vtpu::sw::operator_table_markdown();
    return 0;
  }
  if (r.model.empty()) throw vtpu::Error("compile: missing MODEL.onnx (see vtpu compile --help)");
  if (out.empty()) throw vtpu::Error("compile: missing -o OUT.vtpu");
  check_batch(vm);
  check_option_use(vm, false);
  r.chip = load_config(vm);  // the chip the mapping is for
  vtpu::compile_model(r, out);
  return 0;
}

int run_command(const std::vector<std::string>& args) {
  po::options_description desc(
      "vtpu run MODEL.onnx|OUT.vtpu [--precision int8|bf16|int4] [--sparsity 2:4] [--tune] "
      "[--calibration DIR] [--config C] [--set ...] [--input NAME=FILE.npy ...] [--output-dir D] "
      "[--report R.json]");
  add_config_options(desc);
  vtpu::RunRequest r;
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("model", po::value<std::string>(&r.model), "the ONNX model or .vtpu executable")
      ("precision", po::value<std::string>(&r.compile.precision)->default_value("int8"),
       "int8, bf16, int4 (int8 with int4 weights), or auto (per layer; ONNX models)")
      ("accuracy-budget", po::value<double>(&r.compile.accuracy_budget)->default_value(0.01),
       "with --precision auto: the output cosine against fp32 it may lose beyond all-int8's")
      ("explain", po::bool_switch(&r.compile.explain),
       "with --precision auto or --tune: print the choice (per layer: losses and cycles)")
      ("tune", po::bool_switch(&r.compile.tune),
       "ONNX models: per layer, one buffer set or two (and with mxu.dataflow auto, ws or os), "
       "the faster on the chip (simulates the model three times first, up to four more for "
       "the dataflow)")
      ("sparsity", po::value<std::string>(&r.compile.sparsity),
       "2:4: int8 Conv/Gemm/MatMul weights pruned to 2 of every 4 along K (ONNX models)")
      ("sparsity-skip", po::value<std::string>(&r.compile.sparsity_skip),
       "with --sparsity 2:4: the nodes (comma-separated) whose weights stay dense")
      ("calibration", po::value<std::string>(&r.compile.calibration),
       "int8: a directory of .npy input samples for the activation ranges")
      ("batch", po::value<int64_t>(&r.compile.batch),
       "ONNX models: re-export a batch-1 model for batch N")
      ("input", po::value<std::vector<std::string>>(&r.inputs)->composing(),
       "NAME=FILE.npy (float32), one per graph input; FILE.npy alone for one input; "
       "random[:SEED] (or NAME=random[:SEED]): drawn from N(0, 1) by the seed")
      ("output-dir", po::value<std::string>(&r.output_dir),
       "write each graph output as D/<name>.npy (float32); D is made when missing")
      ("report", po::value<std::string>(&r.report), "write the run's report as JSON")
      ("trace", po::value<std::string>(&r.trace),
       "write a timeline (Chrome trace-event JSON for ui.perfetto.dev)")
      ("transactions", po::value<std::string>(&r.transactions),
       "write every interconnect transaction to FILE (protobuf; read with vtpu trace)")
      ("vcd", po::value<std::string>(&r.vcd),
       "write waveforms to FILE.vcd (interrupts, unit busy flags, queue depths; GTKWave)")
      ("profile", po::value<std::string>(&r.profile), kProfileHelp)
      ("firmware", po::value<std::string>(&r.firmware)->default_value(default_runtime_elf()),
       "the firmware runtime ELF")
      ("max-time", po::value<std::string>(), "stop with an error at this simulated time")
      ("check", po::bool_switch(&r.check),
       "compare every output byte with the host reference of the same layer table (exit 3 "
       "when one differs)");
  // clang-format on
  po::variables_map vm;
  if (!parse_command(desc, args, vm)) return 0;
  if (r.model.empty()) throw vtpu::Error("run: missing MODEL (see vtpu run --help)");
  vtpu::config::Soc config;
  try {  // refused before the run: its report still says why (docs/observability.md)
    check_batch(vm);
    check_option_use(vm, vtpu::is_executable(r.model));
    r.compile.model = r.model;
    if (!r.vcd.empty()) r.vcd = vcd_base(r.vcd);
    if (vm.count("max-time")) r.limits.max_time = parse_time(vm["max-time"].as<std::string>());
    config = load_config(vm);
  } catch (const vtpu::Error& e) {
    if (!r.report.empty() && !vtpu::is_run_input(r, r.report))
      vtpu::write_refused_report(
          r.report, vm["config"].as<std::string>(),
          vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{},
          r.model, e);
    throw;
  }
  vtpu::run_network(config, r);
  return 0;
}

int sweep_command(const std::vector<std::string>& args) {
  po::options_description desc(
      "vtpu sweep SPEC.textproto --out DIR [-j N] [--force] [--slurm [--partition P] [--time T] "
      "[--array-limit K] [--wait]] | --collect DIR | --point DIR INDEX");
  vtpu::SweepOptions o;
  std::string collect;
  std::vector<std::string> point;
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("spec", po::value<std::string>(&o.spec), "the sweep spec (platform/sweep.proto)")
      ("out", po::value<std::string>(&o.out), "the results directory (made when missing)")
      ("jobs,j", po::value<unsigned>(&o.jobs)->default_value(0),
       "points run at a time (0: the host's cores)")
      ("force", po::bool_switch(&o.force), "redo points that are done")
      ("slurm", po::bool_switch(&o.slurm),
       "submit the points as one Slurm job array (sbatch) instead of running them here")
      ("partition", po::value<std::string>(&o.partition), "--slurm: the partition")
      ("time", po::value<std::string>(&o.time_limit), "--slurm: each task's time limit (sbatch --time)")
      ("array-limit", po::value<unsigned>(&o.array_limit)->default_value(0),
       "--slurm: at most K array tasks at once (0: Slurm's limit)")
      ("wait", po::bool_switch(&o.wait), "--slurm: wait for the job to end, then collect")
      ("collect", po::value<std::string>(&collect),
       "write DIR/runs.csv and DIR/layers.csv from the points' reports, and exit")
      ("point", po::value<std::vector<std::string>>(&point)->multitoken(),
       "DIR INDEX: run one point of DIR/sweep.json (what a Slurm array task runs)");
  // clang-format on
  po::variables_map vm;
  if (!parse_command(desc, args, vm, "spec")) return 0;
  if (!collect.empty()) {
    vtpu::collect_sweep(collect);
    return 0;
  }
  if (vm.count("point")) {
    if (point.size() != 2 || point[1].find_first_not_of("0123456789") != std::string::npos ||
        point[1].empty() || point[1].size() > 9)
      throw vtpu::Error("--point: expected DIR INDEX");
    return vtpu::run_sweep_point(point[0], std::stoul(point[1]));
  }
  if (o.spec.empty()) throw vtpu::Error("sweep: missing SPEC (see vtpu sweep --help)");
  if (o.out.empty()) throw vtpu::Error("sweep: missing --out DIR");
  if (o.jobs > 1024) throw vtpu::Error("--jobs: at most 1024");
  if (!o.slurm && (vm.count("partition") || vm.count("time") || o.array_limit || o.wait))
    throw vtpu::Error("--partition, --time, --array-limit and --wait go with --slurm");
  vtpu::run_sweep(o);
  return 0;
}

}  // namespace

// Our own main(): the SystemC banner is silenced before the kernel starts.
int main(int argc, char* argv[]) {
  // oneDNN's OpenMP threads spin between products by default (libgomp's
  // spin count): on the MXU's many short MATMULs that kept a core busy,
  // nearly doubling vtpu's CPU time and slowing whatever ran beside it, for
  // no gain in wall time. libgomp reads its environment once, as it loads,
  // so vtpu starts itself again (about 8 ms) with OpenMP passive, unless the
  // environment already says how OpenMP should wait.
  if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT")) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    // The file itself rather than /proc/self/exe, whose name the process
    // would then take ("exe" in ps and pkill).
    char self[4096];
    const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length > 0) {
      self[length] = '\0';
      execv(self, argv);  // returns only on failure: then run as we are
    }
  }
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  // The compiler and calibration allocate and free tensors of megabytes by
  // the thousand: glibc would map each from the kernel afresh and give the
  // heap's top back when freed, paying a page fault per 4 KiB every time
  // (about 15 % of a ResNet-50 compile). Kept in the heap, they are reused.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args[0] == "--version") {
      std::cout << "vtpu " << vtpu::version() << "\n";
      return 0;
    }
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << kUsage;
      return args.empty() ? static_cast<int>(vtpu::ExitCode::kUsage) : 0;
    }
    std::string command = args[0];
    args.erase(args.begin());
    if (command == "firmware") return firmware_command(args);
    if (command == "memtest") return memtest_command(args);
    if (command == "gemm") return gemm_command(args);
    if (command == "compile") return compile_command(args);
    if (command == "run") return run_command(args);
    if (command == "trace") return trace_command(args);
    if (command == "sweep") return sweep_command(args);
    if (command == "config") return config_command(args);
    if (command == "plot") return plot_command(args);
    throw vtpu::Error("unknown command '" + command + "' (see vtpu --help)");
  } catch (const vtpu::Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "vtpu: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "vtpu: internal error: %s\n", e.what());
    return 1;
  }
}

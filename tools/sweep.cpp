#include "tools/sweep.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/common/json.h"
#include "models/common/read_file.h"
#include "platform/config.h"
#include "platform/sweep.pb.h"
#include "tools/digest.h"
#include "tools/network.h"
#include "tools/process.h"
#include "tools/report.h"

extern char** environ;

namespace vtpu {
namespace {

namespace fs = std::filesystem;

// One run of the sweep: a network at a precision and batch on a config.
struct Point {
  std::string id;         // file names: stem-precision-bBATCH-hash
  std::string network;    // the model as the spec names it, resolved
  std::string precision;  // "" for a .vtpu (it keeps its own)
  int64_t batch = 0;      // 0: the model's own
  std::string config;     // preset or file, resolved
  std::vector<std::pair<std::string, std::string>> values;  // axis path -> value
  std::vector<std::string> sets;  // the spec's sets, then the axes' values
  uint32_t rows = 0;              // the config's MXU rows: what the mapping is compiled for
  std::string executable;         // what `vtpu run` runs: the compiled .vtpu, or the network
};

bool is_vtpu(const std::string& path) {
  return fs::path(path).extension() == ".vtpu";
}

// A spec's path, relative ones from the spec's folder, made absolute: a
// Slurm task or `--point` may run in another folder.
std::string resolve(const fs::path& folder, const std::string& path) {
  if (path.empty()) return path;
  return fs::absolute(folder / path).lexically_normal().string();
}

std::string resolve_config(const fs::path& folder, const std::string& config) {
  const std::vector<std::string> presets = config::preset_names();
  if (std::find(presets.begin(), presets.end(), config) != presets.end()) return config;
  return resolve(folder, config);
}

// The values of the axes at each point: every combination (grid, the last
// axis fastest) or the i-th of each (zip).
std::vector<std::vector<std::pair<std::string, std::string>>> combinations(
    const config::Sweep& spec) {
  std::vector<std::vector<std::pair<std::string, std::string>>> out{{}};
  if (spec.combine() == "zip") {
    if (spec.axes().empty()) return out;
    out.assign(spec.axes(0).values_size(), {});
    for (const config::Sweep::Axis& a : spec.axes())
      for (int i = 0; i < a.values_size(); ++i) out[i].emplace_back(a.path(), a.values(i));
    return out;
  }
  for (const config::Sweep::Axis& a : spec.axes()) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& partial : out)
      for (const std::string& v : a.values()) {
        next.push_back(partial);
        next.back().emplace_back(a.path(), v);
      }
    out = std::move(next);
  }
  return out;
}

config::Sweep read_spec(const std::string& path) {
  config::Sweep spec;
  config::merge_text(spec, read_file(path, uint64_t{1} << 24), path);
  try {
    config::validate_message(spec, "");
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  return spec;
}

// Every point of the spec at `path`, checked: each field's problem is one
// line naming the spec and the field, before anything runs.
std::vector<Point> expand(const std::string& path, const config::Sweep& spec) {
  const fs::path folder = fs::path(path).parent_path();
  auto refuse = [&path](const std::string& field, const std::string& why) {
    throw Error(path + ": " + field + ": " + why);
  };
  if (spec.networks().empty()) refuse("networks", "no network to run");
  for (int i = 0; i < spec.networks_size(); ++i) {
    const std::string field = "networks[" + std::to_string(i) + "] '" + spec.networks(i) + "'";
    const std::string file = resolve(folder, spec.networks(i));
    const std::string ext = fs::path(file).extension().string();
    if (ext != ".onnx" && ext != ".vtpu") refuse(field, "expected an .onnx or .vtpu file");
    std::error_code error;
    if (!fs::is_regular_file(file, error)) refuse(field, "no such file (" + file + ")");
  }
  for (const std::string& p : spec.precisions())
    if (p != "int8" && p != "bf16" && p != "int4")
      refuse("precisions '" + p + "'", "expected int8, bf16 or int4");
  for (int64_t b : spec.batches())
    if (b < 1 || b > 65536) refuse("batches " + std::to_string(b), "expected 1 to 65536");
  if (spec.has_input()) {
    uint64_t seed = 0;
    bool random = false;
    try {
      random = random_source(spec.input(), seed);
    } catch (const Error&) {  // a bad seed: the same refusal as any other input
    }
    if (!random) refuse("input '" + spec.input() + "'", "expected random or random:SEED");
  }
  if (spec.has_calibration()) {
    const std::string dir = resolve(folder, spec.calibration());
    std::error_code error;
    if (!fs::is_directory(dir, error))
      refuse("calibration '" + spec.calibration() + "'", "not a directory");
    // Its samples against each ONNX network a calibrated precision compiles
    // (a point would find a wrong shape only when it runs).
    const bool calibrated =
        spec.precisions().empty() ||
        std::any_of(spec.precisions().begin(), spec.precisions().end(),
                    [](const std::string& p) { return p == "int8" || p == "int4"; });
    for (int i = 0; calibrated && i < spec.networks_size(); ++i) {
      const std::string file = resolve(folder, spec.networks(i));
      if (fs::path(file).extension() != ".onnx") continue;
      try {
        check_calibration(dir, file);
      } catch (const Error& e) {
        refuse("calibration '" + spec.calibration() + "'",
               "for networks[" + std::to_string(i) + "]: " + e.what());
      }
    }
  }
  // Each override alone on the defaults: the field it names, its type, its range.
  auto check_set = [&](const std::string& field, const std::string& item) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) refuse(field, "expected path=value");
    config::Soc soc = config::load("", {});
    try {
      config::set_field(soc, item.substr(0, eq), item.substr(eq + 1));
      config::validate(soc);  // its range
    } catch (const Error& e) {
      refuse(field, e.what());
    }
  };
  for (int i = 0; i < spec.sets_size(); ++i)
    check_set("sets[" + std::to_string(i) + "]", spec.sets(i));
  for (int i = 0; i < spec.axes_size(); ++i) {
    const config::Sweep::Axis& a = spec.axes(i);
    const std::string field = "axes[" + std::to_string(i) + "] '" + a.path() + "'";
    if (a.path().empty()) refuse("axes[" + std::to_string(i) + "]", "no path");
    if (a.values().empty()) refuse(field, "no values");
    for (const std::string& v : a.values()) check_set(field, a.path() + "=" + v);
    if (spec.combine() == "zip" && a.values_size() != spec.axes(0).values_size())
      refuse(field, std::to_string(a.values_size()) + " values; zip needs as many as axes[0] (" +
                        std::to_string(spec.axes(0).values_size()) + ")");
  }
  std::vector<std::string> configs(spec.configs().begin(), spec.configs().end());
  if (configs.empty()) configs.push_back(config::kDefaultPreset);
  const std::vector<std::string> precisions =
      spec.precisions().empty()
          ? std::vector<std::string>{"int8"}
          : std::vector<std::string>(spec.precisions().begin(), spec.precisions().end());
  const std::vector<int64_t> batches =
      spec.batches().empty() ? std::vector<int64_t>{0}
                             : std::vector<int64_t>(spec.batches().begin(), spec.batches().end());
  const auto combos = combinations(spec);

  std::vector<Point> points;
  std::set<std::string> ids;
  for (const std::string& network : spec.networks()) {
    const std::string file = resolve(folder, network);
    // A .vtpu keeps its precision and batch: one point per config.
    const std::vector<std::string> ps = is_vtpu(file) ? std::vector<std::string>{""} : precisions;
    const std::vector<int64_t> bs = is_vtpu(file) ? std::vector<int64_t>{0} : batches;
    for (const std::string& precision : ps)
      for (int64_t batch : bs)
        for (size_t c = 0; c < configs.size(); ++c)
          for (const auto& combo : combos) {
            Point p;
            p.network = file;
            p.precision = precision;
            p.batch = batch;
            p.config = resolve_config(folder, configs[c]);
            p.values = combo;
            p.sets.assign(spec.sets().begin(), spec.sets().end());
            for (const auto& [axis, value] : combo) p.sets.push_back(axis + "=" + value);
            std::string described =
                p.network + "|" + precision + "|" + std::to_string(batch) + "|" + p.config;
            for (const std::string& s : p.sets) described += "|" + s;
            try {  // the whole point: a combination may break a rule one value keeps
              p.rows = config::load(p.config, p.sets).mxu().rows();
            } catch (const Error& e) {
              std::string with;
              for (const std::string& item : p.sets) with += " --set " + item;
              refuse("configs[" + std::to_string(c) + "] '" + configs[c] + "'" + with, e.what());
            }
            p.id = fs::path(file).stem().string() + (precision.empty() ? "" : "-" + precision) +
                   (batch ? "-b" + std::to_string(batch) : "") + "-" +
                   sha256_hex(described).substr(0, 10);
            if (!ids.insert(p.id).second) continue;  // the same point twice (a repeated value)
            points.push_back(std::move(p));
          }
  }
  return points;
}

Json to_json(const Point& p) {
  Json j;
  j["id"] = p.id;
  j["network"] = p.network;
  j["precision"] = p.precision;
  j["batch"] = p.batch;
  j["config"] = p.config;
  Json values = Json::object();
  for (const auto& [axis, value] : p.values) values[axis] = value;
  j["values"] = std::move(values);
  j["sets"] = p.sets;
  j["executable"] = p.executable;
  return j;
}

Point point_of(const Json& j) {
  Point p;
  p.id = j.at("id").get<std::string>();
  p.network = j.at("network").get<std::string>();
  p.precision = j.at("precision").get<std::string>();
  p.batch = j.at("batch").get<int64_t>();
  p.config = j.at("config").get<std::string>();
  for (const auto& [axis, value] : j.at("values").items())
    p.values.emplace_back(axis, value.get<std::string>());
  p.sets = j.at("sets").get<std::vector<std::string>>();
  p.executable = j.at("executable").get<std::string>();
  return p;
}

// DIR/sweep.json, as run_sweep wrote it.
Json read_sweep(const std::string& dir) {
  const std::string path = (fs::path(dir) / "sweep.json").string();
  try {
    return Json::parse(read_file(path, uint64_t{1} << 28));
  } catch (const Json::exception& e) {
    throw Error(path + ": not a sweep's point list (" + e.what() + ")");
  }
}

struct Job {
  std::vector<std::string> argv;
  std::string log;
  int status = -1;  // the exit status; 128 + N for signal N
};

// Runs the jobs, `parallel` at a time; `done(i)` after job i ends. Shows
// progress with an ETA on a terminal.
void run_jobs(std::vector<Job>& jobs, unsigned parallel, const std::string& what,
              const std::function<void(size_t)>& done) {
  const bool tty = isatty(fileno(stdout));
  const auto start = std::chrono::steady_clock::now();
  std::map<pid_t, size_t> running;
  size_t next = 0, finished = 0, failed = 0;
  while (finished < jobs.size()) {
    while (next < jobs.size() && running.size() < std::max(parallel, 1u)) {
      running[spawn(jobs[next].argv, jobs[next].log)] = next;
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("waiting for a point: ") + std::strerror(errno));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    Job& job = jobs[it->second];
    job.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    failed += job.status != 0;
    ++finished;
    done(it->second);
    running.erase(it);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = elapsed / finished * (jobs.size() - finished);
    if (tty)
      std::printf("\r  %s %zu/%zu (%zu failed), %.1f s, ETA %.0f s   ", what.c_str(), finished,
                  jobs.size(), failed, elapsed, eta);
    else
      std::printf("  %s %zu/%zu: %s %s\n", what.c_str(), finished, jobs.size(),
                  job.status == 0 ? "ok" : "failed", job.log.c_str());
    std::fflush(stdout);
  }
  if (tty && !jobs.empty()) std::printf("\n");
}

std::string report_path(const std::string& dir, const Point& p) {
  return (fs::path(dir) / "points" / (p.id + ".json")).string();
}

// A point is done when its report says how it ended, unless that was an
// interruption (Ctrl-C reaches the sweep's `vtpu run`s too: status 130), or
// the report cannot be read: such a point runs again.
bool point_done(const std::string& report) {
  try {
    const Json r = Json::parse(read_file(report, uint64_t{1} << 28));
    return r.value("status", "") == "ok" ||
           r.value("error", Json::object()).value("exit_code", 0) !=
               static_cast<int>(ExitCode::kInterrupted);
  } catch (const std::exception&) {
    return false;
  }
}

// `vtpu run` of point `p`, reporting to its file.
std::vector<std::string> run_argv(const std::string& self, const Point& p, const std::string& dir,
                                  const std::string& input, const std::string& calibration) {
  std::vector<std::string> argv = {self, "run", p.executable, "--config", p.config};
  for (const std::string& s : p.sets) argv.insert(argv.end(), {"--set", s});
  argv.insert(argv.end(), {"--input", input, "--report", report_path(dir, p)});
  if (!is_vtpu(p.executable)) {  // not compiled (its compile failed): the run says why
    if (!p.precision.empty()) argv.insert(argv.end(), {"--precision", p.precision});
    if (p.batch) argv.insert(argv.end(), {"--batch", std::to_string(p.batch)});
    if (!calibration.empty()) argv.insert(argv.end(), {"--calibration", calibration});
  }
  return argv;
}

// A point whose `vtpu run` ended without its report (killed, crashed): the
// report says so, so that the sweep records every point.
void ensure_report(const std::string& dir, const Point& p, int status, const std::string& log) {
  const std::string path = report_path(dir, p);
  std::error_code error;
  if (fs::exists(path, error)) return;
  config::Soc described;
  described.set_name(p.config);
  for (const std::string& s : p.sets) described.add_overrides(s);
  Report report = make_report(run_header(described, p.network), 0.0);
  report.header.precision = p.precision;
  report.header.batch = p.batch;
  set_error(report.header, Error("vtpu run ended with status " + std::to_string(status) +
                                     " and no report (its output: " + log + ")",
                                 static_cast<ExitCode>(status)));
  write_report(path, report);
}

// CSV fields: quoted when they hold a comma, a quote or a line break.
std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csv(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv(v.get<std::string>());
  return v.dump();
}

// "0-3,5,7-9": Slurm's --array list of the indexes, ranges folded.
std::string array_list(const std::vector<size_t>& indexes) {
  std::string out;
  for (size_t i = 0; i < indexes.size();) {
    size_t j = i;
    while (j + 1 < indexes.size() && indexes[j + 1] == indexes[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(indexes[i]) +
           (j > i ? "-" + std::to_string(indexes[j]) : "");
    i = j + 1;
  }
  return out;
}

// Single quotes for a shell word.
std::string shell_word(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// One `sbatch --array` job of the points not done: each task runs
// `vtpu sweep --point OUT INDEX`, which writes that point's report into the
// shared OUT. With --wait, sbatch returns when the job has ended, and the
// CSVs are collected.
void submit_to_slurm(const SweepOptions& o, const std::vector<size_t>& todo,
                     const std::string& self) {
  if (todo.empty()) {
    collect_sweep(o.out);
    return;
  }
  const fs::path out = fs::absolute(o.out);
  std::string script = "#!/bin/sh\n";
  script += "# Written by vtpu sweep --slurm: one array task per point not done.\n";
  script += "#SBATCH --job-name=vtpu-sweep\n";
  script += "#SBATCH --array=" + array_list(todo) +
            (o.array_limit ? "%" + std::to_string(o.array_limit) : "") + "\n";
  script += "#SBATCH --output=" + (out / "points" / "slurm-%A_%a.out").string() + "\n";
  script += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
  if (!o.partition.empty()) script += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.time_limit.empty()) script += "#SBATCH --time=" + o.time_limit + "\n";
  script += "exec " + shell_word(self) + " sweep --point " + shell_word(out.string()) +
            " \"$SLURM_ARRAY_TASK_ID\"\n";
  const std::string path = (out / "sweep.sbatch").string();
  write_file_atomically(path,
                        [&script](std::ostream& s) { return static_cast<bool>(s << script); });
  std::string command =
      "sbatch --parsable" + std::string(o.wait ? " --wait" : "") + " " + shell_word(path);
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error("--slurm: cannot run sbatch");
  std::string answer;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe)) answer += buffer;
  const int status = pclose(pipe);
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) answer.pop_back();
  if (answer.empty() || (!o.wait && status != 0))
    throw Error("--slurm: sbatch " + path + " failed (status " + std::to_string(status) +
                "): is Slurm installed and its controller up?");
  std::printf("sweep: submitted Slurm job %s (%zu array tasks)%s\n", answer.c_str(), todo.size(),
              o.wait ? "" : "; `vtpu sweep --collect DIR` gathers the results when it has ended");
  if (o.wait) collect_sweep(o.out);
}

}  // namespace

void collect_sweep(const std::string& dir) {
  const Json sweep = read_sweep(dir);
  const std::vector<std::string> axes = sweep.at("axes").get<std::vector<std::string>>();
  std::string runs = "point,network,precision,batch,config";
  for (const std::string& a : axes) runs += "," + csv(a);
  runs +=
      ",status,error,error_layer,cycles,simulated_time_ns,mxu_utilization,macs,hbm_read_bytes,"
      "hbm_write_bytes,energy_uj,wall_time_s\n";
  std::string layers = "point,network,precision,batch,config";
  for (const std::string& a : axes) layers += "," + csv(a);
  const std::vector<std::string> layer_keys = {"index",
                                               "name",
                                               "op",
                                               "kind",
                                               "dataflow",
                                               "cycles",
                                               "macs",
                                               "mxu_macs",
                                               "mxu_utilization",
                                               "mxu_busy_cycles",
                                               "vpu_busy_cycles",
                                               "dma_busy_cycles",
                                               "hbm_read_bytes",
                                               "hbm_write_bytes",
                                               "roofline_cycles",
                                               "bound",
                                               "energy_uj"};
  for (const std::string& k : layer_keys) layers += "," + k;
  layers += "\n";
  for (const Json& pj : sweep.at("points")) {
    const Point p = point_of(pj);
    Json r;
    try {
      r = Json::parse(read_file(report_path(dir, p), uint64_t{1} << 28));
    } catch (const std::exception&) {  // not run yet, or not readable: "missing"
    }
    const bool have = r.is_object();
    // The report's precision and batch: what ran (a .vtpu's own, a model's batch).
    const std::string precision =
        have && !r.value("precision", "").empty() ? r.value("precision", "") : p.precision;
    const int64_t batch = have && r.value("batch", 0) > 0 ? r.value("batch", int64_t{0}) : p.batch;
    std::string fields = csv(p.id) + "," + csv(p.network) + "," + precision + "," +
                         std::to_string(batch) + "," + csv(p.config);
    for (const std::string& a : axes) {
      const auto v = std::find_if(p.values.begin(), p.values.end(),
                                  [&a](const auto& kv) { return kv.first == a; });
      fields += "," + (v == p.values.end() ? std::string() : csv(v->second));
    }
    runs += fields + "," + (have ? r.value("status", "error") : "missing");
    const Json error = have && r.contains("error") ? r["error"] : Json::object();
    runs += "," + csv(error.value("message", "")) + "," + csv(error.value("layer", ""));
    for (const char* k : {"cycles", "simulated_time_ns", "mxu_utilization", "macs",
                          "hbm_read_bytes", "hbm_write_bytes", "energy_uj", "wall_time_s"})
      runs += "," + (have && r.contains(k) ? csv(r[k]) : std::string());
    runs += "\n";
    if (!have) continue;
    for (const Json& l : r.value("layers", Json::array())) {
      layers += fields;
      for (const std::string& k : layer_keys)
        layers += "," + (l.contains(k) ? csv(l[k]) : std::string());
      layers += "\n";
    }
  }
  for (const auto& [name, text] : {std::pair{"runs.csv", &runs}, std::pair{"layers.csv", &layers}})
    write_file_atomically((fs::path(dir) / name).string(), [text = text](std::ostream& out) {
      return static_cast<bool>(out << *text);
    });
}

int run_sweep_point(const std::string& dir, size_t index) {
  const Json sweep = read_sweep(dir);
  const Json& points = sweep.at("points");
  if (index >= points.size())
    throw Error(dir + ": point " + std::to_string(index) + " of " + std::to_string(points.size()));
  const Point p = point_of(points[index]);
  const std::string log = (fs::path(dir) / "points" / (p.id + ".log")).string();
  std::vector<Job> jobs{{run_argv(self_executable(), p, dir, sweep.at("input").get<std::string>(),
                                  sweep.at("calibration").get<std::string>()),
                         log}};
  run_jobs(jobs, 1, "point", [&](size_t) { ensure_report(dir, p, jobs[0].status, log); });
  return jobs[0].status;
}

void run_sweep(const SweepOptions& o) {
  const config::Sweep spec = read_spec(o.spec);
  std::vector<Point> points = expand(o.spec, spec);
  const fs::path out(o.out);
  std::error_code error;
  fs::create_directories(out / "points", error);
  fs::create_directories(out / "compiled", error);
  if (!fs::is_directory(out / "points") || !fs::is_directory(out / "compiled"))
    throw Error(o.out + ": --out is not a directory and cannot be made");
  const std::string self = self_executable();
  const unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  const std::string calibration =
      spec.has_calibration() ? resolve(fs::path(o.spec).parent_path(), spec.calibration()) : "";
  const std::string input = spec.has_input() ? spec.input() : "random:0";

  // Each ONNX network once per precision, batch and array height (the
  // mapping is chosen for the array: docs/compiler.md).
  std::map<std::string, std::vector<size_t>> groups;  // .vtpu to make -> its points
  for (size_t i = 0; i < points.size(); ++i) {
    Point& p = points[i];
    if (is_vtpu(p.network)) {
      p.executable = p.network;
      continue;
    }
    p.executable = (out / "compiled" /
                    (fs::path(p.network).stem().string() + "-" + p.precision + "-b" +
                     std::to_string(p.batch) + "-r" + std::to_string(p.rows) + ".vtpu"))
                       .string();
    groups[p.executable].push_back(i);
  }
  Json list;
  list["name"] = spec.name();
  list["spec"] = fs::absolute(o.spec).string();
  list["input"] = input;
  list["calibration"] = calibration;
  list["combine"] = spec.combine().empty() ? "grid" : spec.combine();
  list["axes"] = Json::array();
  for (const config::Sweep::Axis& a : spec.axes()) list["axes"].push_back(a.path());
  list["points"] = Json::array();
  for (const Point& p : points) list["points"].push_back(to_json(p));
  const std::string text = json_text(list, 2) + "\n";
  write_file_atomically((out / "sweep.json").string(),
                        [&text](std::ostream& s) { return static_cast<bool>(s << text); });

  // What is done stays done, unless --force.
  std::vector<size_t> todo;
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string report = report_path(o.out, points[i]);
    if (o.force) fs::remove(report, error);
    if (!point_done(report)) todo.push_back(i);
  }
  std::printf("sweep %s: %zu points, %zu done, %zu to run%s\n", o.spec.c_str(), points.size(),
              points.size() - todo.size(), todo.size(),
              o.slurm ? " on Slurm" : (", " + std::to_string(jobs) + " at a time").c_str());
  std::fflush(stdout);

  std::vector<Job> compiles;
  std::vector<std::string> targets;
  for (const auto& [target, members] : groups) {
    const bool needed = std::any_of(members.begin(), members.end(), [&](size_t i) {
      return std::find(todo.begin(), todo.end(), i) != todo.end();
    });
    if (!needed || (!o.force && fs::exists(target, error))) continue;
    const Point& p = points[members[0]];
    Job job{{self, "compile", p.network, "--precision", p.precision, "--set",
             "mxu.rows=" + std::to_string(p.rows), "-o", target},
            target + ".log"};
    if (p.batch) job.argv.insert(job.argv.end(), {"--batch", std::to_string(p.batch)});
    if (!calibration.empty()) job.argv.insert(job.argv.end(), {"--calibration", calibration});
    compiles.push_back(std::move(job));
    targets.push_back(target);
  }
  run_jobs(compiles, jobs, "compiled", [](size_t) {});
  // A network that did not compile runs from its ONNX file: each point's
  // report then carries the compiler's refusal.
  for (size_t c = 0; c < compiles.size(); ++c)
    if (compiles[c].status != 0)
      for (size_t i : groups[targets[c]]) points[i].executable = points[i].network;
  if (!compiles.empty()) {
    list["points"] = Json::array();
    for (const Point& p : points) list["points"].push_back(to_json(p));
    const std::string again = json_text(list, 2) + "\n";
    write_file_atomically((out / "sweep.json").string(),
                          [&again](std::ostream& s) { return static_cast<bool>(s << again); });
  }

  if (o.slurm) {
    submit_to_slurm(o, todo, self);
    return;
  }
  std::vector<Job> runs;
  for (size_t i : todo)
    runs.push_back(Job{run_argv(self, points[i], o.out, input, calibration),
                       (out / "points" / (points[i].id + ".log")).string()});
  run_jobs(runs, jobs, "points",
           [&](size_t k) { ensure_report(o.out, points[todo[k]], runs[k].status, runs[k].log); });
  collect_sweep(o.out);
  size_t failed = 0;
  for (const Point& p : points) {
    const Json r = Json::parse(read_file(report_path(o.out, p), uint64_t{1} << 28));
    failed += r.value("status", "error") != "ok";
  }
  std::printf("sweep %s: %zu points, %zu failed -> %s/runs.csv, %s/layers.csv\n", o.spec.c_str(),
              points.size(), failed, o.out.c_str(), o.out.c_str());
}

}  // namespace vtpu

// Fuzzes the ONNX importer and what follows it up to a model image: import
// (validation, libonnx's checker and shape inference), the graph passes and
// the compiler in bf16 and in int8 (calibrating on the default input). A
// refusal is a vtpu::Error; anything else (another exception, a crash, a
// sanitizer report, a timeout or memory blow-up) is a finding.
#include <algorithm>
#include <cstdint>

#include "sw/compiler/compiler.h"
#include "sw/graph/passes.h"
#include "sw/onnx/importer.h"
#include "tests/fuzz/fuzz.h"

namespace {

// What one input may cost, so that no legal but huge model takes longer
// than libFuzzer's timeout under the sanitizers (tests/fuzz/README.md): each
// tensor the graph passes evaluate at most 1 M elements (sw::set_max_elements;
// vtpu's own limit is 2^28), a model whose tensors hold more than 16 M in all
// once simplify() has given each its shape is not compiled (calibration
// evaluates them all in fp32), and the image at most 64 MiB.
constexpr int64_t kTensorElements = int64_t{1} << 20;
constexpr uint64_t kElementBudget = uint64_t{16} << 20;
constexpr uint64_t kImageLimit = uint64_t{64} << 20;

uint64_t elements(const vtpu::sw::Graph& graph) {
  uint64_t total = 0;
  for (const auto& [name, value] : graph.values) {
    uint64_t n = 1;
    for (int64_t d : value.shape)
      n = std::min<uint64_t>(n * static_cast<uint64_t>(std::max<int64_t>(d, 0)),
                             kElementBudget + 1);
    total = std::min(total + n, kElementBudget + 1);
  }
  return total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vtpu::sw::set_max_elements(kTensorElements);
  const std::string path = vtpu::fuzz::as_file(data, size, ".onnx");
  vtpu::sw::Graph graph;
  try {
    graph = vtpu::sw::import_onnx(path);
  } catch (const vtpu::Error&) {
    return 0;
  }
  vtpu::sw::Graph simplified = graph;  // every value with a shape
  try {
    vtpu::sw::simplify(simplified);
  } catch (const vtpu::Error&) {
    return 0;
  }
  if (elements(simplified) > kElementBudget) return 0;
  for (vtpu::sw::Precision p : {vtpu::sw::Precision::kBf16, vtpu::sw::Precision::kInt8}) {
    vtpu::sw::CompileOptions options;
    options.precision = p;
    options.max_image_bytes = kImageLimit;
    try {
      vtpu::sw::compile(graph, options);
    } catch (const vtpu::Error&) {
    }
  }
  return 0;
}

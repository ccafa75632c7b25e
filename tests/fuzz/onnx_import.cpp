// Fuzzes the ONNX importer and what follows it up to a model image: import
// (validation, libonnx's checker and shape inference), the graph passes and
// the compiler in bf16 and in int8 (calibrating on the default input). A
// refusal is a vtpu::Error; anything else (another exception, a crash, a
// sanitizer report, a timeout or memory blow-up) is a finding.
#include "sw/compiler/compiler.h"
#include "sw/onnx/importer.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = vtpu::fuzz::as_file(data, size, ".onnx");
  vtpu::sw::Graph graph;
  try {
    graph = vtpu::sw::import_onnx(path);
  } catch (const vtpu::Error&) {
    return 0;
  }
  for (vtpu::sw::Precision p : {vtpu::sw::Precision::kBf16, vtpu::sw::Precision::kInt8}) {
    vtpu::sw::CompileOptions options;
    options.precision = p;
    try {
      vtpu::sw::compile(graph, options);
    } catch (const vtpu::Error&) {
    }
  }
  return 0;
}

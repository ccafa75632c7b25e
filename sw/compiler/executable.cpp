#include "sw/compiler/executable.h"

#include <google/protobuf/stubs/logging.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/common/read_file.h"
#include "models/isa/vtpu/isa.h"
#include "sw/compiler/executable.pb.h"

namespace vtpu::sw {

namespace {

void to_proto(const Binding& b, exe::Binding* out) {
  out->set_name(b.name);
  for (int64_t d : b.shape) out->add_shape(d);
  out->set_offset(b.offset);
  out->set_nhwc(b.nhwc);
  out->set_type(b.type);
  out->set_scale(b.scale);
  out->set_zero_point(b.zero_point);
  out->set_block(b.block);
  for (int64_t p : b.pads) out->add_pads(p);
}

Binding from_proto(const exe::Binding& b) {
  Binding out{b.name(),
              std::vector<int64_t>(b.shape().begin(), b.shape().end()),
              b.offset(),
              b.nhwc(),
              static_cast<uint8_t>(b.type()),
              b.scale(),
              b.zero_point()};
  out.block = std::max(b.block(), 1u);
  out.pads.assign(b.pads().begin(), b.pads().end());
  return out;
}

// The last field of a .vtpu: key (field 9, length-delimited), length 32,
// then the SHA-256 of every byte before it.
constexpr size_t kDigestField = 2 + SHA256_DIGEST_LENGTH;

std::string digest_field(const char* before, size_t size) {
  std::string field(kDigestField, '\0');
  field[0] = static_cast<char>(9 << 3 | 2);
  field[1] = static_cast<char>(SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const unsigned char*>(before), size,
         reinterpret_cast<unsigned char*>(field.data() + 2));
  return field;
}

}  // namespace

void write_executable(const std::string& path, const Program& program, const std::string& source) {
  exe::Executable e;
  e.set_format_version(kExecutableFormatVersion);
  e.set_precision(precision_name(program.precision));
  e.set_source(source);
  const std::vector<uint8_t>& bytes = program.image.bytes();
  e.set_image_size(bytes.size());
  for (const runtime::ModelImage::Segment& s : program.image.segments()) {
    exe::Segment* seg = e.add_segments();
    seg->set_offset(s.offset);
    seg->set_data(bytes.data() + s.offset, s.size);
  }
  for (const Binding& b : program.inputs) to_proto(b, e.add_inputs());
  for (const Binding& b : program.outputs) to_proto(b, e.add_outputs());
  for (const LayerInfo& l : program.layers) {
    exe::Layer* layer = e.add_layers();
    layer->set_name(l.name);
    layer->set_op(l.op);
    layer->set_macs(l.macs);
  }
  const std::string body = e.SerializeAsString();
  write_file_atomically(path, [&body](std::ostream& out) {
    out << body << digest_field(body.data(), body.size());
    return static_cast<bool>(out);
  });
}

Program read_executable(const std::string& path) {
  const std::string bytes = read_file(path);
  exe::Executable e;
  bool parsed = false;
  {
    // A string field of invalid UTF-8 fails the parse; protobuf would also
    // print its own line about it on stderr.
    google::protobuf::LogSilencer quiet;
    parsed = e.ParseFromString(bytes);
  }
  if (!parsed || e.format_version() == 0) throw Error(path + ": not a .vtpu executable");
  if (e.format_version() != kExecutableFormatVersion)
    throw Error(path + ": executable format version " + std::to_string(e.format_version()) +
                "; this vtpu reads version " + std::to_string(kExecutableFormatVersion) +
                " (compile the model again)");
  if (bytes.size() < kDigestField ||
      bytes.compare(bytes.size() - kDigestField, kDigestField,
                    digest_field(bytes.data(), bytes.size() - kDigestField)) != 0)
    throw Error(path + ": damaged: its bytes do not match the SHA-256 it ends with");
  Program p;
  p.precision = parse_precision(e.precision(), path + ": precision");
  std::vector<runtime::ModelImage::Segment> segments;
  std::vector<std::vector<uint8_t>> data;
  for (const exe::Segment& s : e.segments()) {
    segments.push_back({s.offset(), s.data().size()});
    data.emplace_back(s.data().begin(), s.data().end());
  }
  try {
    p.image = runtime::ModelImage::from_segments(e.image_size(), segments, data);
  } catch (const Error& err) {
    throw Error(path + ": " + err.what());
  }
  for (const exe::Binding& b : e.inputs()) p.inputs.push_back(from_proto(b));
  for (const exe::Binding& b : e.outputs()) p.outputs.push_back(from_proto(b));
  for (const exe::Layer& l : e.layers()) p.layers.push_back(LayerInfo{l.name(), l.op(), l.macs()});
  if (p.layers.size() != p.image.layers().size())
    throw Error(path + ": " + std::to_string(p.layers.size()) + " layer names for " +
                std::to_string(p.image.layers().size()) + " layers");
  for (const std::vector<Binding>* list : {&p.inputs, &p.outputs})
    for (const Binding& b : *list)
      if (b.type != VTPU_TYPE_INT8 && b.type != VTPU_TYPE_BF16 && b.type != VTPU_TYPE_FP32)
        throw Error(path + ": binding '" + b.name + "' has element type " + std::to_string(b.type) +
                    " (int8, bf16 or fp32 expected)");
  for (const Binding& b : p.inputs) {
    // Space to depth: a 4-D NHWC image, a block of 2 to 16, four pads of 0 to 255.
    if ((b.block <= 1 && !b.pads.empty()) ||
        (b.block > 1 &&
         (b.block > 16 || !b.nhwc || b.shape.size() != 4 || b.pads.size() != 4 ||
          std::any_of(b.pads.begin(), b.pads.end(), [](int64_t v) { return v < 0 || v > 255; }))))
      throw Error(path + ": input '" + b.name + "' has a space-to-depth block " +
                  std::to_string(b.block) + " that is not a 2..16 block of a padded NHWC image");
    if (b.offset + b.bytes() > e.image_size())
      throw Error(path + ": input '" + b.name + "' lies outside the image");
  }
  for (const Binding& b : p.outputs)
    if (b.offset + b.bytes() > e.image_size())
      throw Error(path + ": output '" + b.name + "' lies outside the image");
  return p;
}

}  // namespace vtpu::sw

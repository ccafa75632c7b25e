#include "sw/graph/resize.h"

#include <algorithm>
#include <cmath>

#include "models/common/error.h"

namespace vtpu::sw {

bool ResizeMap::identity() const {
  for (size_t j = 0; j < first.size(); ++j)
    if (first[j] != static_cast<int64_t>(j) || weight[j] != 0.0f) return false;
  return true;
}

size_t resize_scales_input(const Node& n) {
  return n.inputs.size() == 2 ? 1 : 2;
}

namespace {

// Opset 10's Resize has no coordinate_transformation_mode: it is asymmetric.
std::string transform_of(const Node& n) {
  if (resize_scales_input(n) == 1) return "asymmetric";
  return n.get_string("coordinate_transformation_mode", "half_pixel");
}

}  // namespace

bool resize_is_linear(const Node& n) {
  auto refuse = [&n](const std::string& what) {
    throw Error(n.where() + ": " + what +
                " (vtpu resizes nearest or linear, coordinates "
                "half_pixel, pytorch_half_pixel, align_corners or asymmetric)");
  };
  const std::string mode = n.get_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear") refuse("mode '" + mode + "'");
  const std::string t = transform_of(n);
  if (t != "half_pixel" && t != "pytorch_half_pixel" && t != "align_corners" && t != "asymmetric")
    refuse("coordinate_transformation_mode '" + t + "'");
  const std::string r = n.get_string("nearest_mode", "round_prefer_floor");
  if (r != "round_prefer_floor" && r != "round_prefer_ceil" && r != "floor" && r != "ceil")
    refuse("nearest_mode '" + r + "'");
  if (n.get_int("antialias", 0)) refuse("antialias = 1");
  if (n.get_string("keep_aspect_ratio_policy", "stretch") != "stretch")
    refuse("keep_aspect_ratio_policy '" + n.get_string("keep_aspect_ratio_policy", "") + "'");
  if (n.has("axes")) refuse("the axes attribute");
  return mode == "linear";
}

std::vector<ResizeMap> resize_maps(const Node& n, const std::vector<int64_t>& in,
                                   const std::vector<int64_t>& out,
                                   const std::vector<float>& scales) {
  const bool linear = resize_is_linear(n);
  const std::string transform = transform_of(n);
  const std::string rounding = n.get_string("nearest_mode", "round_prefer_floor");
  if (in.size() != out.size() || (!scales.empty() && scales.size() != in.size()))
    throw Error(n.where() + ": the scales or sizes do not match the input's rank");
  std::vector<ResizeMap> maps(in.size());
  for (size_t a = 0; a < in.size(); ++a) {
    const int64_t length = in[a], resized = out[a];
    if (length < 1 || resized < 1) throw Error(n.where() + ": an empty axis");
    const float scale =
        scales.empty() ? static_cast<float>(resized) / static_cast<float>(length) : scales[a];
    if (!(scale > 0.0f)) throw Error(n.where() + ": scale " + std::to_string(scale));
    ResizeMap& m = maps[a];
    for (int64_t j = 0; j < resized; ++j) {
      const float x = static_cast<float>(j);
      float at = 0.0f;  // the output index's coordinate in the input
      if (transform == "half_pixel")
        at = (x + 0.5f) / scale - 0.5f;
      else if (transform == "pytorch_half_pixel")
        at = resized > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
      else if (transform == "align_corners")
        at = resized == 1 ? 0.0f
                          : x * static_cast<float>(length - 1) / static_cast<float>(resized - 1);
      else
        at = x / scale;
      int64_t first = 0, second = 0;
      float weight = 0.0f;
      if (linear) {
        at = std::clamp(at, 0.0f, static_cast<float>(length - 1));
        first = static_cast<int64_t>(at);
        second = std::min(first + 1, length - 1);
        weight = at - static_cast<float>(first);
      } else {
        const float below = std::floor(at);
        const bool half = at - below == 0.5f;
        float picked = rounding == "floor"  ? below
                       : rounding == "ceil" ? std::ceil(at)
                       : half ? (rounding == "round_prefer_floor" ? below : below + 1.0f)
                              : std::round(at);
        first = std::clamp<int64_t>(static_cast<int64_t>(picked), 0, length - 1);
        second = first;
      }
      m.first.push_back(first);
      m.second.push_back(second);
      m.weight.push_back(weight);
    }
  }
  return maps;
}

}  // namespace vtpu::sw

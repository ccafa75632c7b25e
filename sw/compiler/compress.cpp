#include "sw/compiler/compress.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "models/common/error.h"
#include "models/isa/vtpu/model.h"
#include "models/vpu/numerics.h"

namespace vtpu::sw {
namespace {

// The element of a node's weight tensor at row r of K and column c (output
// channel), as the chip multiplies it.
struct WeightIndex {
  int64_t k = 0, n = 0;
  // Conv: [co][cg][kh][kw], K in (ky, kx, ci) order; linear: B k x n or,
  // transposed, n x k.
  bool conv = false, transposed = false;
  int64_t cg = 1, kh = 1, kw = 1;

  int64_t operator()(int64_t r, int64_t c) const {
    if (conv) {
      const int64_t ci = r % cg, tap = r / cg, ky = tap / kw, kx = tap % kw;
      return ((c * cg + ci) * kh + ky) * kw + kx;
    }
    return transposed ? c * k + r : r * n + c;
  }
};

WeightIndex weight_index(const Node& n, const Tensor& w) {
  WeightIndex x;
  if (n.op == "Conv") {
    x.conv = true;
    x.cg = w.shape[1], x.kh = w.shape[2], x.kw = w.shape[3];
    x.k = x.cg * x.kh * x.kw, x.n = w.shape[0];
    return x;
  }
  x.transposed = n.op == "Gemm" && n.get_int("transB", 0) != 0;
  x.k = w.shape[x.transposed ? 1 : 0], x.n = w.shape[x.transposed ? 0 : 1];
  return x;
}

// The low nibble for even columns.
void put_nibble(uint8_t* row, int64_t j, uint8_t v) {
  row[j / 2] |= static_cast<uint8_t>(j % 2 == 0 ? v & 0xf : (v & 0xf) << 4);
}

}  // namespace

bool has_constant_weights(const Graph& g, const Node& n) {
  if ((n.op != "Conv" && n.op != "Gemm" && n.op != "MatMul") || n.inputs.size() < 2) return false;
  const auto w = g.constants.find(n.inputs[1]);
  if (w == g.constants.end() || !w->second.is_float()) return false;
  return w->second.shape.size() == (n.op == "Conv" ? 4u : 2u);
}

bool prunable_2_4(const Graph& g, const Node& n) {
  if (!has_constant_weights(g, n)) return false;
  const std::vector<int64_t>& s = g.constants.at(n.inputs[1]).shape;
  return n.op != "Conv" ? s.size() == 2 : !is_depthwise(g, n);
}

bool is_depthwise(const Graph& g, const Node& n) {
  return n.op == "Conv" && has_constant_weights(g, n) && n.get_int("group", 1) > 1 &&
         g.constants.at(n.inputs[1]).shape[1] == 1;
}

void prune_node_2_4(Graph& g, const Node& n) {
  Tensor& w = g.constants.at(n.inputs[1]);
  const WeightIndex at = weight_index(n, w);
  for (int64_t c = 0; c < at.n; ++c)
    for (int64_t r0 = 0; r0 < at.k; r0 += 4) {
      std::array<int64_t, 4> idx{};
      const int64_t rows = std::min<int64_t>(4, at.k - r0);
      for (int64_t i = 0; i < rows; ++i) idx[i] = at(r0 + i, c);
      // The two largest magnitudes stay, ties to the lower row: the
      // others, by rank, go.
      for (int64_t i = 0; i < rows; ++i) {
        int64_t above = 0;
        for (int64_t j = 0; j < rows; ++j) {
          const float a = std::fabs(w.f[idx[i]]), b = std::fabs(w.f[idx[j]]);
          if (b > a || (b == a && j < i)) ++above;
        }
        if (above >= 2) w.f[idx[i]] = 0.0f;
      }
    }
}

void quantize_node_int4(Graph& g, const Node& n) {
  Tensor& w = g.constants.at(n.inputs[1]);
  const WeightIndex at = weight_index(n, w);
  for (int64_t c = 0; c < at.n; ++c) {
    float most = 0.0f;
    for (int64_t r = 0; r < at.k; ++r) most = std::max(most, std::fabs(w.f[at(r, c)]));
    const float scale = most > 0 ? most / 7.0f : 1.0f;
    for (int64_t r = 0; r < at.k; ++r) {
      float& v = w.f[at(r, c)];
      v = static_cast<float>(numerics::quantize_int8(v, scale, 0)) * scale;
    }
  }
}

std::set<std::string> prune_2_4(Graph& g, const std::set<std::string>& skip) {
  std::set<std::string> unknown = skip, pruned;
  for (const Node& n : g.nodes) {
    if (has_constant_weights(g, n)) unknown.erase(n.name);
    if (!prunable_2_4(g, n) || skip.count(n.name)) continue;
    pruned.insert(n.name);
    prune_node_2_4(g, n);
  }
  if (!unknown.empty())
    throw Error("--sparsity-skip: no Conv, Gemm or MatMul with constant weights is named '" +
                *unknown.begin() + "'");
  return pruned;
}

bool compress_2_4(const std::vector<uint8_t>& dense, int64_t groups, int64_t k, int64_t n,
                  std::vector<uint8_t>& kept, std::vector<uint8_t>& positions) {
  const int64_t quads = vtpu_weights_groups(static_cast<uint32_t>(k));
  const int64_t meta_row = vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, static_cast<uint32_t>(n));
  kept.assign(static_cast<size_t>(groups * 2 * quads * n), 0);
  positions.assign(static_cast<size_t>(groups * quads * meta_row), 0);
  for (int64_t gi = 0; gi < groups; ++gi) {
    const uint8_t* w = dense.data() + gi * k * n;
    for (int64_t q = 0; q < quads; ++q)
      for (int64_t c = 0; c < n; ++c) {
        // The rows of the group's non-zero weights, then rows not taken.
        std::array<int64_t, 2> rows{};
        int64_t count = 0;
        for (int64_t p = 0; p < 4 && 4 * q + p < k; ++p) {
          if (w[(4 * q + p) * n + c] == 0) continue;
          if (count == 2) {
            kept.clear(), positions.clear();
            return false;
          }
          rows[count++] = p;
        }
        for (int64_t p = 0; count < 2; ++p)
          if (count == 0 || rows[0] != p) rows[count++] = p;
        uint8_t* out = kept.data() + (gi * 2 * quads + 2 * q) * n + c;
        for (int64_t i = 0; i < 2; ++i) {
          const int64_t r = 4 * q + rows[i];
          out[i * n] = r < k ? w[r * n + c] : 0;
        }
        put_nibble(positions.data() + (gi * quads + q) * meta_row, c,
                   static_cast<uint8_t>(rows[0] | rows[1] << 2));
      }
  }
  return true;
}

std::vector<uint8_t> pack_int4(const std::vector<uint8_t>& dense, int64_t groups, int64_t k,
                               int64_t n) {
  const int64_t row = vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, static_cast<uint32_t>(n));
  std::vector<uint8_t> packed(static_cast<size_t>(groups * k * row), 0);
  for (int64_t r = 0; r < groups * k; ++r)
    for (int64_t c = 0; c < n; ++c) put_nibble(packed.data() + r * row, c, dense[r * n + c]);
  return packed;
}

}  // namespace vtpu::sw

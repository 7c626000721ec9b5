//===- Winograd.h - Minimal filtering algorithms F(m, 2) --------*- C++ -*-===//
//
// Winograd's minimal filtering for a two-tap 1-D correlation: m outputs
//   y[i] = d[i] g[0] + d[i+1] g[1],  i = 0..m-1
// from m + 1 inputs with m + 1 products instead of 2m,
//   y = A^T ((G g) . (B^T d)),
// derived by transposing Toom-Cook's linear convolution at m finite points
// and infinity. The points are chosen for fp32 accuracy (0, +-1, +-2, -1/2);
// the scales are folded into G so that B^T and A^T are small integers: the
// input transform, applied per tile and input channel, costs additions and
// small multiples only; G is applied once per weight.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_WINOGRAD_H
#define KILN_CODEGEN_WINOGRAD_H

#include <array>
#include <vector>

namespace kiln {
namespace codegen {

struct WinogradF2 {
  /// Outputs per tile.
  int m = 0;
  /// (m + 1) x (m + 1): the transformed inputs, row p from d[0..m].
  std::vector<std::vector<int>> inputTransform;
  /// (m + 1) x 2: the transformed filter, row p from (g[0], g[1]).
  std::vector<std::array<double, 2>> filterTransform;
  /// m x (m + 1): output i from the m + 1 products.
  std::vector<std::vector<int>> outputTransform;
};

/// The largest tile winogradF2 derives: beyond it, the points' powers in A^T
/// (2^(m-1) and more) cost accuracy for little gain.
constexpr int kMaxWinogradOutputs = 6;

/// F(m, 2) for 2 <= m <= kMaxWinogradOutputs.
WinogradF2 winogradF2(int m);

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_WINOGRAD_H

// SPDX-License-Identifier: MIT
#include "rasters/cost/cost_distance.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "rasters/core/error.hpp"
#include "rasters/core/parallel.hpp"

namespace nexusmap {

IsotropicFriction::IsotropicFriction(const Raster<float>& friction) : raw_(friction.data()) {
  const Grid& grid = friction.grid();
  const std::int64_t n = friction.size();
  const std::int64_t grain = std::int64_t{1} << 20;
  const std::int64_t chunks = (n + grain - 1) / grain;
  std::vector<std::int64_t> counts(static_cast<std::size_t>(chunks), 0);
  std::vector<float> least(static_cast<std::size_t>(chunks), std::numeric_limits<float>::infinity());
  parallel_for(0, n, grain, [&](std::int64_t begin, std::int64_t end) {
    std::int64_t count = 0;
    float low = std::numeric_limits<float>::infinity();
    for (std::int64_t i = begin; i < end; ++i) {
      if (raw_[i] > 0) {  // false for NaN
        ++count;
        low = std::min(low, raw_[i]);
      }
    }
    counts[static_cast<std::size_t>(begin / grain)] = count;
    least[static_cast<std::size_t>(begin / grain)] = low;
  });
  for (const std::int64_t c : counts) passable_ += c;
  const double f_min = least.empty() ? 0.0 : *std::min_element(least.begin(), least.end());

  for (int k = 0; k < 16; ++k) length_[static_cast<std::size_t>(k)] = move_length(grid, k);
  // Every move is at least as long as the shorter cell side and its averaged friction is at least
  // f_min; fl is monotone, so the computed costs are >= fl(side * f_min) too.
  if (passable_ > 0) min_edge_cost_ = std::min(std::abs(grid.dx()), std::abs(grid.dy())) * f_min;
  for (int k = 8; k < 16; ++k) {
    const Move m = kStencilMoves[static_cast<std::size_t>(k)];
    auto& b = between_[static_cast<std::size_t>(k - 8)];
    if (std::abs(m.dr) == 2) {
      b = {(m.dr / 2) * grid.width, (m.dr / 2) * grid.width + m.dc};
    } else {
      b = {m.dc / 2, m.dr * grid.width + m.dc / 2};
    }
  }
}

CostDistanceResult cost_distance(const Raster<float>& friction, std::span<const Seed> seeds,
                                 const CostDistanceOptions& options) {
  const IsotropicFriction cost(friction);
  if (cost.passable_cells() == 0)
    input_error("cost distance: the cost raster has no passable cell (every cell is NaN or <= 0)");
  return cost_distance(friction.grid(), seeds, cost, options);
}

}  // namespace nexusmap

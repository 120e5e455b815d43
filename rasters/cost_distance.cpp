// SPDX-License-Identifier: MIT
#include "rasters/cost_distance.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "rasters/error.hpp"
#include "rasters/memory.hpp"
#include "rasters/parallel.hpp"

namespace nexusmap {

IsotropicFriction::IsotropicFriction(const Raster<float>& friction) {
  const Grid& grid = friction.grid();
  check_grid_memory(grid, sizeof(float), "cost distance (friction)");
  const auto n = static_cast<std::size_t>(friction.size());
  friction_.reserve(n);
  advise_huge_pages(friction_.data(), n * sizeof(float));
  friction_.resize(n);
  float* out = friction_.data();
  const float* in = friction.data();
  const std::int64_t grain = std::int64_t{1} << 20;
  const std::int64_t chunks = (static_cast<std::int64_t>(n) + grain - 1) / grain;
  std::vector<std::int64_t> counts(static_cast<std::size_t>(chunks), 0);
  std::vector<float> least(static_cast<std::size_t>(chunks), std::numeric_limits<float>::infinity());
  parallel_for(0, static_cast<std::int64_t>(n), grain, [&](std::int64_t begin, std::int64_t end) {
    std::int64_t count = 0;
    float low = std::numeric_limits<float>::infinity();
    for (std::int64_t i = begin; i < end; ++i) {
      const bool ok = in[i] > 0;  // false for NaN
      out[i] = ok ? in[i] : std::nanf("");
      count += ok ? 1 : 0;
      if (ok) low = std::min(low, in[i]);
    }
    counts[static_cast<std::size_t>(begin / grain)] = count;
    least[static_cast<std::size_t>(begin / grain)] = low;
  });
  for (const std::int64_t c : counts) passable_ += c;
  const double f_min = *std::min_element(least.begin(), least.end());

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

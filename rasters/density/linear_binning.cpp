// SPDX-License-Identifier: MIT
#include "rasters/density/linear_binning.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {

void check_weighted_point(const WeightedPoint& p, std::size_t index) {
  if (!std::isfinite(p.weight) || p.weight < 0)
    input_error(fmt::format("event {} has weight {}; weights must be finite and >= 0", index, p.weight));
  if (!std::isfinite(p.x) || !std::isfinite(p.y))
    input_error(fmt::format("event {} has a non-finite coordinate ({}, {})", index, p.x, p.y));
}

LinearBins linear_binning(const Grid& grid, std::span<const WeightedPoint> points) {
  LinearBins bins;
  bins.width = grid.width + 2;
  bins.height = grid.height + 2;
  const auto w = static_cast<double>(grid.width);
  const auto h = static_cast<double>(grid.height);
  struct Share {
    std::int64_t key;  // framed row × width + framed column
    double mass;
  };
  std::vector<Share> shares;
  shares.reserve(4 * points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const WeightedPoint& p = points[i];
    check_weighted_point(p, i);
    const auto [px, py] = grid.pixel_of(p.x, p.y);
    if (!(px >= 0 && px < w && py >= 0 && py < h)) {
      ++bins.outside;
      bins.weight_outside += p.weight;
      continue;
    }
    ++bins.inside;
    bins.weight_inside += p.weight;
    // Framed bin k has its centre at pixel coordinate k − 0.5.
    const double u = px + 0.5;
    const double v = py + 0.5;
    const double fu = std::floor(u);
    const double fv = std::floor(v);
    const double tu = u - fu;
    const double tv = v - fv;
    const std::int64_t key = static_cast<std::int64_t>(fv) * bins.width + static_cast<std::int64_t>(fu);
    const Share four[] = {{key, p.weight * (1 - tu) * (1 - tv)},
                          {key + 1, p.weight * tu * (1 - tv)},
                          {key + bins.width, p.weight * (1 - tu) * tv},
                          {key + bins.width + 1, p.weight * tu * tv}};
    for (const Share& s : four)
      if (s.mass > 0) shares.push_back(s);
  }
  // Stable: shares of one bin keep point order, so their sum is reproducible.
  std::stable_sort(shares.begin(), shares.end(), [](const Share& a, const Share& b) { return a.key < b.key; });
  bins.row_start.assign(static_cast<std::size_t>(bins.height + 1), 0);
  for (std::size_t i = 0; i < shares.size();) {
    const std::int64_t key = shares[i].key;
    double mass = 0;
    for (; i < shares.size() && shares[i].key == key; ++i) mass += shares[i].mass;
    bins.column.push_back(key % bins.width);
    bins.mass.push_back(mass);
    ++bins.row_start[static_cast<std::size_t>(key / bins.width + 1)];
  }
  for (std::size_t r = 1; r < bins.row_start.size(); ++r) bins.row_start[r] += bins.row_start[r - 1];
  return bins;
}

}  // namespace nexusmap

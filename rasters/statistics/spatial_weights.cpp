// SPDX-License-Identifier: MIT
#include "rasters/statistics/spatial_weights.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/core/parallel.hpp"

namespace nexusmap {
namespace {

void check_coordinates(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) input_error("spatial weights: x and y have different lengths");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      input_error(fmt::format("spatial weights: unit {} has a non-finite coordinate", i));
}

// Builds the compressed rows from per-unit neighbour lists computed in parallel.
template <class RowFn>
SpatialWeights build(std::int64_t n, RowFn row) {
  std::vector<std::vector<std::int64_t>> rows(static_cast<std::size_t>(n));
  parallel_for(0, n, 64, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) rows[static_cast<std::size_t>(i)] = row(i);
  });
  SpatialWeights w;
  w.start.assign(static_cast<std::size_t>(n + 1), 0);
  for (std::int64_t i = 0; i < n; ++i)
    w.start[static_cast<std::size_t>(i + 1)] = w.start[static_cast<std::size_t>(i)] +
                                               static_cast<std::int64_t>(rows[static_cast<std::size_t>(i)].size());
  w.neighbour.reserve(static_cast<std::size_t>(w.start.back()));
  for (auto& r : rows) w.neighbour.insert(w.neighbour.end(), r.begin(), r.end());
  w.weight.assign(w.neighbour.size(), 1.0);
  return w;
}

}  // namespace

SpatialWeights distance_band_weights(std::span<const double> x, std::span<const double> y, double band,
                                     bool include_self) {
  check_coordinates(x, y);
  if (!(band > 0) || !std::isfinite(band))
    config_error(fmt::format("spatial weights: distance band {} must be a finite number > 0", band));
  const auto n = static_cast<std::int64_t>(x.size());
  const double limit = band * band * (1 + 1e-12);
  return build(n, [&](std::int64_t i) {
    std::vector<std::int64_t> row;
    const auto ui = static_cast<std::size_t>(i);
    for (std::int64_t j = 0; j < n; ++j) {
      const auto uj = static_cast<std::size_t>(j);
      if (j == i) {
        if (include_self) row.push_back(j);
        continue;
      }
      const double dx = x[uj] - x[ui], dy = y[uj] - y[ui];
      if (dx * dx + dy * dy <= limit) row.push_back(j);
    }
    return row;
  });
}

SpatialWeights k_nearest_weights(std::span<const double> x, std::span<const double> y, std::int64_t k,
                                 bool include_self) {
  check_coordinates(x, y);
  const auto n = static_cast<std::int64_t>(x.size());
  if (k < 1 || k >= n)
    config_error(fmt::format("spatial weights: k = {} nearest neighbours needs 1 <= k < {} (the number of units)", k, n));
  return build(n, [&](std::int64_t i) {
    const auto ui = static_cast<std::size_t>(i);
    std::vector<std::pair<double, std::int64_t>> d;
    d.reserve(static_cast<std::size_t>(n - 1));
    for (std::int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const auto uj = static_cast<std::size_t>(j);
      const double dx = x[uj] - x[ui], dy = y[uj] - y[ui];
      d.emplace_back(dx * dx + dy * dy, j);
    }
    std::nth_element(d.begin(), d.begin() + (k - 1), d.end());
    std::sort(d.begin(), d.begin() + k);
    std::vector<std::int64_t> row;
    for (std::int64_t m = 0; m < k; ++m) row.push_back(d[static_cast<std::size_t>(m)].second);
    if (include_self) row.push_back(i);
    std::sort(row.begin(), row.end());
    return row;
  });
}

void row_standardize(SpatialWeights& w) {
  for (std::int64_t i = 0; i < w.size(); ++i) {
    double s = 0;
    for (std::int64_t e = w.begin(i); e < w.end(i); ++e) s += w.weight[static_cast<std::size_t>(e)];
    if (s > 0)
      for (std::int64_t e = w.begin(i); e < w.end(i); ++e) w.weight[static_cast<std::size_t>(e)] /= s;
  }
}

std::vector<double> nearest_neighbour_distances(std::span<const double> x, std::span<const double> y) {
  check_coordinates(x, y);
  const auto n = static_cast<std::int64_t>(x.size());
  std::vector<double> out(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  parallel_for(0, n, 64, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      const auto ui = static_cast<std::size_t>(i);
      double best = std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const auto uj = static_cast<std::size_t>(j);
        const double dx = x[uj] - x[ui], dy = y[uj] - y[ui];
        best = std::min(best, dx * dx + dy * dy);
      }
      out[ui] = std::sqrt(best);
    }
  });
  return out;
}

}  // namespace nexusmap

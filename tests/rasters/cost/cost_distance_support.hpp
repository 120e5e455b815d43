// SPDX-License-Identifier: MIT
// Shared by the cost-distance test files (one per concern, so the sanitizer build compiles them in
// parallel): small grids, and bit-for-bit comparison of results.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "rasters/cost/cost_distance.hpp"

namespace nexusmap::cost_test {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline const double kSqrt2 = std::sqrt(2.0);
inline const double kSqrt5 = std::sqrt(5.0);

// A grid without CRS: cells of `cell` map units, top-left corner at (0, height * cell).
inline Grid plain_grid(std::int64_t w, std::int64_t h, double cell = 1.0) {
  return Grid::north_up("", 0.0, static_cast<double>(h) * cell, cell, w, h);
}

inline Raster<float> friction_from(std::int64_t w, std::int64_t h, const std::vector<float>& values, double cell = 1.0) {
  Raster<float> r(plain_grid(w, h, cell));
  for (CellIndex i = 0; i < r.size(); ++i) r[i] = values[static_cast<std::size_t>(i)];
  return r;
}

inline std::vector<Seed> one_seed(const Grid& g, std::int64_t col, std::int64_t row) { return {{g.index(col, row), 0.0}}; }

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Bit-for-bit equality of costs (NaN pattern included), back-link values and validity.
inline ::testing::AssertionResult identical(const CostDistanceResult& a, const CostDistanceResult& b) {
  if (a.settled != b.settled)
    return ::testing::AssertionFailure() << "settled " << a.settled << " vs " << b.settled;
  for (CellIndex i = 0; i < a.accumulated.size(); ++i) {
    const double x = a.accumulated[i], y = b.accumulated[i];
    if (!(same_bits(x, y) || (std::isnan(x) && std::isnan(y))))
      return ::testing::AssertionFailure() << "cell " << i << ": cost " << x << " vs " << y;
  }
  if (a.backlinks.size() != b.backlinks.size())
    return ::testing::AssertionFailure() << "back-link rasters of " << a.backlinks.size() << " and "
                                         << b.backlinks.size() << " cells";
  for (CellIndex i = 0; i < a.backlinks.size(); ++i) {
    if (a.backlinks[i] != b.backlinks[i] || a.backlinks.valid(i) != b.backlinks.valid(i))
      return ::testing::AssertionFailure() << "cell " << i << ": back-link " << int{a.backlinks[i]} << "/"
                                           << a.backlinks.valid(i) << " vs " << int{b.backlinks[i]} << "/"
                                           << b.backlinks.valid(i);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace nexusmap::cost_test

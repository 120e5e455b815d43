// SPDX-License-Identifier: MIT
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "rasters/core/error.hpp"
#include "rasters/statistics/normalize.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::expect_error;
using test::expect_values;
using test::row_of;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

const double nan = std::nan("");

// min 2, max 10: (x − 2)/8.
TEST(Normalize, MinMax) {
  expect_values(normalize(row_of({2, 4, kNaN, 10, 6}), {Normalization::min_max}), {0, 0.25, nan, 1, 0.5});
}

// Valid values sorted 1 3 5 5 9 (n = 5): mid-rank/(n − 1): 1 → 0/4, 3 → 1/4, 5 → (2 + (2 − 1)/2)/4 = 0.625,
// 9 → 4/4.
TEST(Normalize, PercentileRankWithTies) {
  expect_values(normalize(row_of({5, 1, 5, 3, kNaN, 9}), {Normalization::percentile_rank}),
                {0.625, 0, 0.625, 0.25, nan, 1});
}

// 1 2 3: x̄ = 2, S = sqrt(2/3), z = ∓sqrt(1.5) = ∓1.224745, Φ = 0.110336, 0.5, 0.889664.
TEST(Normalize, ZScoreThroughNormalCdf) {
  expect_values(normalize(row_of({1, 2, kNaN, 3}), {Normalization::z_score}), {0.1103357, 0.5, nan, 0.8896643});
}

// low 2, high 6: (x − 2)/4 clamped; reversed (low 6, high 2): (x − 6)/(−4) clamped.
TEST(Normalize, FuzzyLinearBothDirections) {
  const Raster<float> x = row_of({0, 2, 3, 6, 8, kNaN});
  expect_values(normalize(x, {Normalization::fuzzy_linear, 2, 6}), {0, 0, 0.25, 1, 1, nan});
  expect_values(normalize(x, {Normalization::fuzzy_linear, 6, 2}), {1, 1, 0.75, 0, 0, nan});
}

// A constant layer maps to the neutral 0.5 under the three data-driven methods; fuzzy_linear keeps its
// absolute thresholds.
TEST(Normalize, ConstantLayer) {
  const Raster<float> c = row_of({3, 3, kNaN, 3});
  for (const Normalization m : {Normalization::min_max, Normalization::percentile_rank, Normalization::z_score})
    expect_values(normalize(c, {m}), {0.5, 0.5, nan, 0.5});
  expect_values(normalize(c, {Normalization::fuzzy_linear, 0, 4}), {0.75, 0.75, nan, 0.75});
  expect_values(normalize(row_of({kNaN, 8}), {Normalization::percentile_rank}), {nan, 0.5});
}

// Floor 0.25: the values 0, 0.125 and 0.25 are at or below it and map to 0; above it 0.5 0.75 0.75 1.5
// (m = 4): 0.5 → (0 + 1)/4 = 0.25, 0.75 → (1 + (2 + 1)/2)/4 = 0.625, 1.5 → (3 + 1)/4 = 1. However much
// dust lies below the floor, the ranks above it do not change.
TEST(Normalize, PercentileRankWithFloor) {
  NormalizeOptions o{Normalization::percentile_rank};
  o.floor = 0.25;
  expect_values(normalize(row_of({0.75F, 0, 0.125F, kNaN, 0.5F, 0.25F, 1.5F, 0.75F}), o),
                {0.625, 0, 0, nan, 0.25, 0, 1, 0.625});
  expect_values(normalize(row_of({1e-7F, 2e-7F, 3e-7F, 0.75F, 0.5F, 0.75F, 1.5F}), o), {0, 0, 0, 0.625, 0.25, 0.625, 1});
  // Nothing above the floor: every valid cell 0; one cell above it: 1; equal values share (m + 1)/(2m).
  expect_values(normalize(row_of({0.125F, kNaN, 0.25F}), o), {0, nan, 0});
  expect_values(normalize(row_of({0.125F, 3.0F}), o), {0, 1});
  expect_values(normalize(row_of({0.125F, 3.0F, 3.0F, 3.0F}), o), {0, 2.0 / 3, 2.0 / 3, 2.0 / 3});
}

// min_max with a floor 2: (x − 2)/(10 − 2), 0 at or below 2.
TEST(Normalize, MinMaxWithFloor) {
  NormalizeOptions o{Normalization::min_max};
  o.floor = 2.0;
  expect_values(normalize(row_of({1, 2, 4, kNaN, 10}), o), {0, 0, 0.25, nan, 1});
  NormalizeOptions z{Normalization::z_score};
  z.floor = 1.0;
  expect_error([&] { normalize(row_of({1, 2}), z); }, ErrorKind::config, "floor applies to");
  o.floor = std::nan("");
  expect_error([&] { normalize(row_of({1, 2}), o); }, ErrorKind::config, "floor");
}

TEST(Normalize, ResultsStayInUnitInterval) {
  Raster<float> r(test::small_grid(64, 48, 100.0));
  test::fill_random(r, 99, -1e6F, 3e7F);
  for (CellIndex i = 0; i < r.size(); i += 11) r[i] = kNaN;
  for (const NormalizeOptions o : {NormalizeOptions{Normalization::min_max}, NormalizeOptions{Normalization::percentile_rank},
                                   NormalizeOptions{Normalization::z_score},
                                   NormalizeOptions{Normalization::fuzzy_linear, 0, 1e7}}) {
    const Raster<float> n = normalize(r, o);
    float lo = 1, hi = 0;
    for (CellIndex i = 0; i < r.size(); ++i) {
      ASSERT_EQ(std::isnan(n[i]), std::isnan(r[i])) << "cell " << i;
      if (std::isnan(n[i])) continue;
      ASSERT_GE(n[i], 0.0F);
      ASSERT_LE(n[i], 1.0F);
      lo = std::min(lo, n[i]);
      hi = std::max(hi, n[i]);
    }
    if (o.method != Normalization::z_score) {
      EXPECT_EQ(lo, 0.0F);
      EXPECT_EQ(hi, 1.0F);
    }
  }
}

TEST(Normalize, Errors) {
  expect_error([] { normalize(row_of({kNaN, kNaN}), {Normalization::min_max}); }, ErrorKind::input_data,
               "every cell of the layer is nodata");
  expect_error([] { normalize(row_of({kNaN, kNaN}), {Normalization::fuzzy_linear, 0, 1}); }, ErrorKind::input_data,
               "nodata");
  expect_error([] { normalize(row_of({1, std::numeric_limits<float>::infinity()}), {Normalization::z_score}); },
               ErrorKind::input_data, "(col 1, row 0) is infinite");
  expect_error([] { normalize(row_of({1, 2}), {Normalization::fuzzy_linear, 3, 3}); }, ErrorKind::config,
               "low != high");
}

}  // namespace
}  // namespace nexusmap

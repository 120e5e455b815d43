// SPDX-License-Identifier: MIT
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "rasters/core/error.hpp"
#include "rasters/statistics/overlay.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::expect_error;
using test::expect_values;
using test::row_of;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
const double nan = std::nan("");

// a = 0.2 0.8 NaN 0.5, b = 0.6 0.4 0.3 0, weights 1 and 3 (normalised 0.25, 0.75):
//   weighted sum      0.05 + 0.45 = 0.5;  0.2 + 0.3 = 0.5;  NaN;  0.125
//   geometric mean    0.2^.25·0.6^.75 = 0.455901;  0.8^.25·0.4^.75 = 0.475683;  NaN;  0 (b = 0)
//   fuzzy AND / OR    0.2 / 0.6;  0.4 / 0.8;  NaN;  0 / 0.5
//   gamma 0.9         (1 − 0.8·0.4)^.9·(0.2·0.6)^.1 = 0.571710;  (1 − 0.2·0.6)^.9·(0.8·0.4)^.1 = 0.795334;
//                     NaN;  (1 − 0.5·1)^.9·(0.5·0)^.1 = 0
class CombineHandComputed : public testing::Test {
 protected:
  Raster<float> a = row_of({0.2F, 0.8F, kNaN, 0.5F});
  Raster<float> b = row_of({0.6F, 0.4F, 0.3F, 0.0F});
  std::vector<const Raster<float>*> layers{&a, &b};
  std::vector<double> weights{1.0, 3.0};
  Raster<float> run(Combine m, double gamma = 0.9) { return combine(layers, weights, {m, gamma}); }
};

TEST_F(CombineHandComputed, WeightedSum) { expect_values(run(Combine::weighted_sum), {0.5, 0.5, nan, 0.125}); }
TEST_F(CombineHandComputed, WeightedGeometricMean) {
  expect_values(run(Combine::weighted_geometric_mean), {0.4559014, 0.4756828, nan, 0});
}
TEST_F(CombineHandComputed, FuzzyAndOr) {
  expect_values(run(Combine::fuzzy_and), {0.2, 0.4, nan, 0});
  expect_values(run(Combine::fuzzy_or), {0.6, 0.8, nan, 0.5});
}
TEST_F(CombineHandComputed, FuzzyGamma) {
  expect_values(run(Combine::fuzzy_gamma), {0.5717105, 0.7953337, nan, 0});
  // γ = 0 is the algebraic product, γ = 1 the algebraic sum.
  expect_values(run(Combine::fuzzy_gamma, 0.0), {0.12, 0.32, nan, 0});
  expect_values(run(Combine::fuzzy_gamma, 1.0), {0.68, 0.88, nan, 0.5});
}

// A layer with weight 0 is not selected: its NaN does not propagate and it does not take part in
// AND/OR.
TEST_F(CombineHandComputed, ZeroWeightIgnoresLayer) {
  weights = {0.0, 2.0};
  a[3] = kNaN;
  expect_values(run(Combine::weighted_sum), {0.6, 0.4, 0.3, 0});
  expect_values(run(Combine::fuzzy_or), {0.6, 0.4, 0.3, 0});
}

TEST_F(CombineHandComputed, Errors) {
  weights = {0.0, 0.0};
  expect_error([&] { run(Combine::weighted_sum); }, ErrorKind::config, "sum to 0");
  weights = {1.0, -1.0};
  expect_error([&] { run(Combine::weighted_sum); }, ErrorKind::config, "weight -1 of layer 1");
  weights = {1.0};
  expect_error([&] { run(Combine::weighted_sum); }, ErrorKind::config, "2 layers but 1 weights");
  weights = {1.0, 1.0};
  expect_error([&] { run(Combine::fuzzy_gamma, 1.5); }, ErrorKind::config, "gamma");
  b[1] = 1.2F;
  expect_error([&] { run(Combine::weighted_sum); }, ErrorKind::input_data, "layer 1 has value 1.2 at cell (col 1, row 0)");
  Raster<float> other(test::small_grid(5, 1, 100.0), 0.5F);
  layers = {&a, &other};
  expect_error([&] { run(Combine::weighted_sum); }, ErrorKind::input_data, "not on the grid of layer 0");
  layers.clear();
  weights.clear();
  expect_error([&] { run(Combine::weighted_sum); }, ErrorKind::config, "no layers");
}

TEST(Combine, ResultsStayInUnitInterval) {
  std::vector<Raster<float>> rasters;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    Raster<float> r(test::small_grid(40, 30, 100.0));
    test::fill_random(r, seed, 0.0F, 1.0F);
    r[static_cast<CellIndex>(seed * 7)] = 1.0F;
    r[static_cast<CellIndex>(seed * 11)] = 0.0F;
    rasters.push_back(std::move(r));
  }
  std::vector<const Raster<float>*> layers;
  for (const auto& r : rasters) layers.push_back(&r);
  const std::vector<double> weights = {0.1, 2.0, 0.7, 1.2};
  for (const Combine m : {Combine::weighted_sum, Combine::weighted_geometric_mean, Combine::fuzzy_and, Combine::fuzzy_or,
                          Combine::fuzzy_gamma}) {
    const Raster<float> out = combine(layers, weights, {m, 0.7});
    for (CellIndex i = 0; i < out.size(); ++i) {
      ASSERT_GE(out[i], 0.0F) << static_cast<int>(m) << " cell " << i;
      ASSERT_LE(out[i], 1.0F) << static_cast<int>(m) << " cell " << i;
    }
  }
}

}  // namespace
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "rasters/density/distance_transform.hpp"
#include "rasters/density/smoothing.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

TEST(DistanceTransform, DistanceToTheNearestNonZeroCell) {
  Raster<float> r(test::small_grid(9, 7, 100.0), 0.0F);
  r.at(2, 3) = 0.5F;
  r.at(8, 0) = std::nanf("");  // nodata is not a target
  const Raster<float> d = distance_to_nonzero_exact(r);
  EXPECT_FLOAT_EQ(d.at(2, 3), 0.0F);
  EXPECT_FLOAT_EQ(d.at(5, 3), 300.0F);
  EXPECT_NEAR(d.at(5, 7 - 1), std::hypot(300.0, 300.0), 1e-3);
  EXPECT_NEAR(d.at(8, 0), std::hypot(600.0, 300.0), 1e-3);
}

TEST(DistanceTransform, NoTargetGivesNaN) {
  Raster<float> r(test::small_grid(4, 4), 0.0F);
  const Raster<float> d = distance_to_nonzero_exact(r);
  for (CellIndex i = 0; i < d.size(); ++i) EXPECT_TRUE(std::isnan(d[i]));
}

// Against the definition: the minimum over all targets, on random grids with rectangular cells.
TEST(DistanceTransform, EqualsBruteForceOnRandomGrids) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 20; ++trial) {
    const std::int64_t w = 1 + static_cast<std::int64_t>(rng() % 40), h = 1 + static_cast<std::int64_t>(rng() % 40);
    const double density = std::uniform_real_distribution<double>(0.0, 0.2)(rng);
    Grid g = test::small_grid(w, h, 100.0);
    g.geotransform[5] = -70.0;  // rectangular cells: 100 m wide, 70 m high
    Raster<float> r(g, 0.0F);
    std::vector<std::pair<std::int64_t, std::int64_t>> targets;
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x)
        if (std::uniform_real_distribution<double>(0, 1)(rng) < density) {
          r.at(x, y) = 1.0F;
          targets.emplace_back(x, y);
        }
    const Raster<float> d = distance_to_nonzero_exact(r);
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x) {
        double best = std::numeric_limits<double>::infinity();
        for (const auto& [tx, ty] : targets) best = std::min(best, std::hypot(static_cast<double>(tx - x) * 100.0, static_cast<double>(ty - y) * 70.0));
        if (targets.empty()) {
          ASSERT_TRUE(std::isnan(d.at(x, y))) << "seed " << seed << " trial " << trial;
        } else {
          ASSERT_NEAR(d.at(x, y), best, 1e-3 * (1 + best)) << "seed " << seed << " trial " << trial << " size " << w
                                                         << "x" << h << " cell " << x << "," << y;
        }
      }
  }
}

TEST(GaussianSmooth, KeepsTheTotalAndStopsAtTheReach) {
  Raster<float> r(test::small_grid(101, 101, 100.0), 0.0F);
  r.at(50, 50) = 1.0F;
  const Raster<float> s = gaussian_smooth(r, {500.0, 3.0});
  double total = 0;
  for (CellIndex i = 0; i < s.size(); ++i) total += s[i];
  EXPECT_NEAR(total, 1.0 - std::exp(-4.5), 0.002);  // a 2-D Gaussian keeps 1 - exp(-r²/2σ²) inside r
  EXPECT_GT(s.at(50 + 15, 50), 0.0F);
  EXPECT_EQ(s.at(50 + 16, 50), 0.0F);  // 1600 m > 3 x 500 m
  EXPECT_EQ(s.at(50 + 11, 50 + 11), 0.0F);  // 1556 m
}

// The reach is radial and optional: with sigma_reach = 6 the cut is 1.5e-8 of the peak (no visible step
// where the layer enters a product), with infinity there is none within the kernel's 7.5σ taps; the
// values inside the reach do not depend on it.
TEST(GaussianSmooth, ReachIsOptionalAndDoesNotChangeTheValuesInside) {
  Raster<float> r(test::small_grid(101, 101, 100.0), 0.0F);
  r.at(50, 50) = 1.0F;
  r.at(20, 70) = 0.5F;
  const Raster<float> three = gaussian_smooth(r, {500.0, 3.0});
  const Raster<float> six = gaussian_smooth(r, {500.0, 6.0});
  const Raster<float> none = gaussian_smooth(r, {500.0, std::numeric_limits<double>::infinity()});
  for (CellIndex i = 0; i < r.size(); ++i) {
    if (three[i] > 0) {
      ASSERT_EQ(three[i], six[i]) << "cell " << i;
    }
    if (six[i] > 0) {
      ASSERT_EQ(six[i], none[i]) << "cell " << i;
    }
  }
  EXPECT_EQ(six.at(50 + 31, 50), 0.0F);     // 3100 m > 6 × 500 m
  EXPECT_GT(none.at(50 + 31, 50), 0.0F);
  EXPECT_GT(six.at(50 + 30, 50), 0.0F);
  test::expect_error([&] { (void)gaussian_smooth(r, {200.0, 0.0}); }, ErrorKind::config, "sigma_reach");
}

TEST(GaussianSmooth, RejectsNegativeValues) {
  Raster<float> r(test::small_grid(5, 5), 0.0F);
  r.at(2, 2) = -1.0F;
  test::expect_error([&] { (void)gaussian_smooth(r, {200.0, 3.0}); }, ErrorKind::config, "negative");
}

}  // namespace
}  // namespace nexusmap

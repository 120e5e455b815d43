// SPDX-License-Identifier: MIT
#include <cmath>
#include <limits>
#include <numbers>
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

// Hard cut (taper 0): one source keeps the mass within 3σ and nothing beyond it.
TEST(GaussianSmooth, KeepsTheTotalAndStopsAtTheReach) {
  Raster<float> r(test::small_grid(101, 101, 100.0), 0.0F);
  r.at(50, 50) = 1.0F;
  const Raster<float> s = gaussian_smooth(r, {500.0, 3.0, 0.0});
  double total = 0;
  for (CellIndex i = 0; i < s.size(); ++i) total += s[i];
  EXPECT_NEAR(total, 1.0 - std::exp(-4.5), 0.002);  // a 2-D Gaussian keeps 1 - exp(-r²/2σ²) inside r
  EXPECT_GT(s.at(50 + 15, 50), 0.0F);
  EXPECT_EQ(s.at(50 + 16, 50), 0.0F);  // 1600 m > 3 x 500 m
  EXPECT_EQ(s.at(50 + 11, 50 + 11), 0.0F);  // 1556 m
}

// The default window: the plain Gaussian within 3σ of the nearest source, ½(1 + cos(π(d − 3σ)/σ)) of
// it between 3σ and 4σ (within 1e-5: the distance transform is Float32), 0 beyond; so the layer
// falls continuously to 0 (no step at the reach).
TEST(GaussianSmooth, FadesToZeroOverTheTaper) {
  Raster<float> r(test::small_grid(121, 121, 100.0), 0.0F);
  r.at(60, 60) = 1.0F;
  const Raster<float> hard = gaussian_smooth(r, {500.0, 3.0, 0.0});
  const Raster<float> none = gaussian_smooth(r, {500.0, std::numeric_limits<double>::infinity(), 0.0});
  const Raster<float> s = gaussian_smooth(r, {500.0});
  for (std::int64_t row = 0; row < 121; ++row)
    for (std::int64_t c = 0; c < 121; ++c) {
      const double d = std::hypot(static_cast<double>(c - 60), static_cast<double>(row - 60)) * 100.0;
      const float v = s.at(c, row);
      if (d <= 1500) {
        ASSERT_EQ(v, hard.at(c, row)) << c << "," << row;
      } else if (d < 2000) {
        const double w = 0.5 * (1 + std::cos(std::numbers::pi * (d - 1500) / 500));
        ASSERT_NEAR(v, none.at(c, row) * w, 1e-5 * none.at(c, row) + 1e-12) << c << "," << row;
      } else {
        ASSERT_EQ(v, 0.0F) << c << "," << row;
      }
    }
  // Continuity along the row through the source: the hard cut drops the whole value h at 3σ to 0; with
  // the window no step beyond 3σ exceeds 0.6 h (the Gaussian's own fall over one cell there is 0.46 h),
  // and the last non-zero cell (3.8σ) holds 0.6 % of h.
  const double h = hard.at(60 + 15, 60);
  double step = 0;
  for (std::int64_t c = 60 + 15; c < 60 + 21; ++c) step = std::max(step, static_cast<double>(s.at(c, 60) - s.at(c + 1, 60)));
  EXPECT_LT(step, 0.6 * h);
  EXPECT_LT(s.at(60 + 19, 60), 0.01 * h);
  EXPECT_GT(s.at(60 + 19, 60), 0.0F);
}

// The reach is radial and optional (hard cuts here): with infinity there is none within the kernel's
// 7.5σ taps; the values inside the reach do not depend on it.
TEST(GaussianSmooth, ReachIsOptionalAndDoesNotChangeTheValuesInside) {
  Raster<float> r(test::small_grid(101, 101, 100.0), 0.0F);
  r.at(50, 50) = 1.0F;
  r.at(20, 70) = 0.5F;
  const Raster<float> three = gaussian_smooth(r, {500.0, 3.0, 0.0});
  const Raster<float> six = gaussian_smooth(r, {500.0, 6.0, 0.0});
  const Raster<float> none = gaussian_smooth(r, {500.0, std::numeric_limits<double>::infinity(), 0.0});
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
  test::expect_error([&] { (void)gaussian_smooth(r, {200.0, 3.0, -1.0}); }, ErrorKind::config, "taper_sigmas");
}

TEST(GaussianSmooth, RejectsNegativeValues) {
  Raster<float> r(test::small_grid(5, 5), 0.0F);
  r.at(2, 2) = -1.0F;
  test::expect_error([&] { (void)gaussian_smooth(r, {200.0, 3.0}); }, ErrorKind::config, "negative");
}

}  // namespace
}  // namespace nexusmap

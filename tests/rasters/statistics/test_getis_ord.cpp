// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <omp.h>

#include "rasters/core/error.hpp"
#include "rasters/statistics/fdr.hpp"
#include "rasters/statistics/getis_ord.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::expect_error;
using test::test_seed;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- Benjamini–Hochberg ----

// m = 10 p-values (NaNs ignored), sorted: 0.001 0.008 0.039 0.041 0.042 0.060 0.074 0.205 0.212 0.216.
// q = 0.05, critical values k·q/m = 0.005·k: k = 1 (0.001 <= 0.005) and k = 2 (0.008 <= 0.010) pass,
//   k = 3..10 fail (0.039 > 0.015, ..., 0.216 > 0.050): threshold p(2) = 0.008.
// q = 0.25, critical values 0.025·k: k = 1..7 pass (0.074 <= 0.175), k = 8 fails (0.205 > 0.200),
//   but k = 9 (0.212 <= 0.225) and k = 10 (0.216 <= 0.250) pass: the largest k counts, threshold 0.216.
// q = 0.004: even p(1) = 0.001 > 0.0004, nothing is significant: 0.
TEST(BenjaminiHochberg, MatchesHandComputedExample) {
  const std::vector<float> p = {0.205F, kNaN, 0.042F, 0.001F, 0.216F, 0.060F, 0.039F,
                                0.008F, kNaN, 0.212F, 0.074F, 0.041F};
  EXPECT_FLOAT_EQ(static_cast<float>(bh_threshold(p, 0.05)), 0.008F);
  EXPECT_FLOAT_EQ(static_cast<float>(bh_threshold(p, 0.25)), 0.216F);
  EXPECT_EQ(bh_threshold(p, 0.004), 0.0);
  const double qs[] = {0.25, 0.05, 0.004};
  const std::vector<double> t = bh_thresholds(p, qs);
  EXPECT_FLOAT_EQ(static_cast<float>(t[0]), 0.216F);
  EXPECT_FLOAT_EQ(static_cast<float>(t[1]), 0.008F);
  EXPECT_EQ(t[2], 0.0);
}

TEST(BenjaminiHochberg, EdgeCasesAndErrors) {
  EXPECT_EQ(bh_threshold({}, 0.05), 0.0);
  const std::vector<float> nans = {kNaN, kNaN};
  EXPECT_EQ(bh_threshold(nans, 0.05), 0.0);
  const std::vector<float> zeros = {0.0F, 0.5F};
  EXPECT_EQ(bh_threshold(zeros, 0.05), 0.0);  // p = 0 passes and is the threshold
  const std::vector<float> one = {0.3F};
  EXPECT_FLOAT_EQ(static_cast<float>(bh_threshold(one, 1.0)), 0.3F);
  for (const double q : {0.0, -0.1, 1.5, std::nan("")})
    expect_error([&] { bh_threshold(one, q); }, ErrorKind::config, "level q");
  const std::vector<float> bad = {0.1F, 1.5F};
  expect_error([&] { bh_threshold(bad, 0.05); }, ErrorKind::input_data, "index 1");
}

// ---- Gi* ----

// 3 × 1 cells of 100 m, values 1, 2, 6, band 100 m (left/right neighbours and the cell itself):
// n = 3, x̄ = 3, S = sqrt((4 + 1 + 9)/3) = sqrt(14/3) = 2.160247.
//   cell 0: N = {0, 1}, W = 2, Σ(x − x̄) = −2 − 1 = −3, (nW − W²)/(n − 1) = (6 − 4)/2 = 1,
//           z = −3 / 2.160247 = −1.388730;
//   cell 1: N = all three, W = n: z = 0 by the documented policy;
//   cell 2: N = {1, 2}, Σ = −1 + 3 = 2, z = 2 / 2.160247 = 0.925820.
TEST(GetisOrd, MatchesHandComputedExample) {
  Raster<float> v(test::small_grid(3, 1, 100.0));
  v[0] = 1;
  v[1] = 2;
  v[2] = 6;
  const GiStarResult r = getis_ord_gi_star(v, {100.0, false});
  EXPECT_EQ(r.n, 3);
  EXPECT_DOUBLE_EQ(r.mean, 3.0);
  EXPECT_NEAR(r.sd, 2.160247, 1e-6);
  EXPECT_NEAR(r.z[0], -1.388730, 1e-5);
  EXPECT_EQ(r.z[1], 0.0F);
  EXPECT_EQ(r.p[1], 1.0F);
  EXPECT_NEAR(r.z[2], 0.925820, 1e-5);
  EXPECT_NEAR(r.p[0], std::erfc(1.388730 / std::sqrt(2.0)), 1e-5);
}

struct BruteGi {
  std::vector<double> z, p;
};

// Direct Gi*: every pair of cells, distance between centres <= band (same 1e-12 relative slack).
BruteGi brute_gi(const Raster<float>& v, double band) {
  const Grid& g = v.grid();
  std::int64_t n = 0;
  double sum = 0;
  for (const float x : v.values())
    if (!std::isnan(x)) {
      ++n;
      sum += x;
    }
  const double mean = sum / static_cast<double>(n);
  double ss = 0;
  for (const float x : v.values())
    if (!std::isnan(x)) ss += (x - mean) * (x - mean);
  const double s = std::sqrt(ss / static_cast<double>(n));
  BruteGi out{std::vector<double>(static_cast<std::size_t>(v.size()), std::nan("")),
              std::vector<double>(static_cast<std::size_t>(v.size()), std::nan(""))};
  for (CellIndex i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) continue;
    const Cell ci = g.cell(i);
    double local = 0, w = 0;
    for (CellIndex j = 0; j < v.size(); ++j) {
      if (std::isnan(v[j])) continue;
      const Cell cj = g.cell(j);
      const double dx = static_cast<double>(ci.col - cj.col) * g.dx();
      const double dy = static_cast<double>(ci.row - cj.row) * g.dy();
      if (dx * dx + dy * dy > band * band * (1 + 1e-12)) continue;
      local += v[j];
      w += 1;
    }
    const double nn = static_cast<double>(n);
    const double var = (nn * w - w * w) / (nn - 1);
    const double z = (s > 0 && var > 0) ? (local - mean * w) / (s * std::sqrt(var)) : 0.0;
    out.z[static_cast<std::size_t>(i)] = z;
    out.p[static_cast<std::size_t>(i)] = std::erfc(std::abs(z) / std::sqrt(2.0));
  }
  return out;
}

int expected_bin(double z, double p, const GiStarResult& r) {
  const int level = p <= r.p_threshold_99 ? 3 : p <= r.p_threshold_95 ? 2 : p <= r.p_threshold_90 ? 1 : 0;
  return z < 0 ? -level : level;
}

// Random small grids with NaNs, square and non-square cells, bands from one cell to beyond the grid.
TEST(GetisOrd, MatchesBruteForceOnRandomGrids) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 120; ++trial) {
    const std::int64_t w = std::uniform_int_distribution<std::int64_t>(1, 36)(rng);
    const std::int64_t h = std::uniform_int_distribution<std::int64_t>(1, 36)(rng);
    const double dx = 100.0;
    const double dy = std::bernoulli_distribution(0.7)(rng) ? dx : std::uniform_real_distribution<double>(60, 160)(rng);
    Grid g = test::small_grid(w, h, dx);
    g.geotransform[5] = -dy;
    Raster<float> v(g);
    test::fill_random(v, rng(), -5.0F, 20.0F);
    const double nan_fraction = std::uniform_real_distribution<double>(0, 0.5)(rng);
    for (CellIndex i = 0; i < v.size(); ++i)
      if (std::bernoulli_distribution(nan_fraction)(rng)) v[i] = kNaN;
    if (v.count_valid() == 0) v[0] = 1.0F;
    // Smooth part so that some cells are significant.
    for (CellIndex i = 0; i < v.size(); ++i)
      if (!std::isnan(v[i])) v[i] += static_cast<float>(10 * std::sin(0.3 * static_cast<double>(g.cell(i).col)));
    const double band = std::max(dx, dy) * std::uniform_real_distribution<double>(1.0, trial % 10 == 0 ? 60.0 : 6.0)(rng);
    const bool fdr = trial % 2 == 0;
    SCOPED_TRACE(testing::Message() << "seed " << seed << " trial " << trial << " size " << w << "x" << h
                                    << " dy " << dy << " band " << band << " fdr " << fdr);
    const GiStarResult r = getis_ord_gi_star(v, {band, fdr});
    const BruteGi b = brute_gi(v, band);
    EXPECT_EQ(r.n, v.count_valid());
    for (CellIndex i = 0; i < v.size(); ++i) {
      const auto ui = static_cast<std::size_t>(i);
      if (std::isnan(v[i])) {
        ASSERT_TRUE(std::isnan(r.z[i])) << "cell " << i;
        ASSERT_TRUE(std::isnan(r.p[i])) << "cell " << i;
        ASSERT_FALSE(r.bins.valid(i)) << "cell " << i;
        continue;
      }
      ASSERT_NEAR(r.z[i], b.z[ui], 1e-5 * std::max(1.0, std::abs(b.z[ui]))) << "cell " << i;
      ASSERT_NEAR(r.p[i], b.p[ui], 1e-6) << "cell " << i;
      ASSERT_TRUE(r.bins.valid(i)) << "cell " << i;
      const bool near_threshold = std::abs(b.p[ui] - r.p_threshold_90) < 1e-6 ||
                                  std::abs(b.p[ui] - r.p_threshold_95) < 1e-6 ||
                                  std::abs(b.p[ui] - r.p_threshold_99) < 1e-6;
      if (!near_threshold) {
        ASSERT_EQ(r.bins[i], expected_bin(b.z[ui], b.p[ui], r)) << "cell " << i;
      }
    }
  }
}

// Without FDR the bins are ArcGIS's fixed critical values: |z| > 2.576 → ±3 (99%), > 1.960 → ±2
// (95%), > 1.645 → ±1 (90%), else 0. With FDR the thresholds are the BH thresholds of all p-values at
// q = 0.10, 0.05, 0.01 and can only shrink the bins.
TEST(GetisOrd, BinsFollowConfidenceThresholds) {
  Raster<float> v(test::small_grid(120, 90, 100.0));
  test::fill_random(v, 5, 0.0F, 1.0F);
  for (std::int64_t r = 0; r < 90; ++r)
    for (std::int64_t c = 0; c < 120; ++c) {
      const auto x = static_cast<double>(c), y = static_cast<double>(r);
      const double hot = std::exp(-((x - 30) * (x - 30) + (y - 30) * (y - 30)) / 80.0);
      const double cold = std::exp(-((x - 90) * (x - 90) + (y - 60) * (y - 60)) / 80.0);
      v.at(c, r) += static_cast<float>(1.5 * hot - 1.5 * cold);
    }
  const GiStarResult plain = getis_ord_gi_star(v, {300.0, false});
  const GiStarResult fdr = getis_ord_gi_star(v, {300.0, true});
  EXPECT_EQ(plain.p_threshold_99, 0.01);
  EXPECT_EQ(plain.p_threshold_95, 0.05);
  EXPECT_EQ(plain.p_threshold_90, 0.10);
  EXPECT_EQ(fdr.p_threshold_99, bh_threshold(fdr.p.values(), 0.01));
  EXPECT_EQ(fdr.p_threshold_95, bh_threshold(fdr.p.values(), 0.05));
  EXPECT_EQ(fdr.p_threshold_90, bh_threshold(fdr.p.values(), 0.10));
  int counts[7] = {};
  for (CellIndex i = 0; i < v.size(); ++i) {
    const double z = plain.z[i];
    const double az = std::abs(z);
    if (std::abs(az - 2.5758) > 1e-3 && std::abs(az - 1.95996) > 1e-3 && std::abs(az - 1.64485) > 1e-3) {
      const int level = az > 2.5758 ? 3 : az > 1.95996 ? 2 : az > 1.64485 ? 1 : 0;
      ASSERT_EQ(plain.bins[i], z < 0 ? -level : level) << "cell " << i << " z " << z;
    }
    ASSERT_EQ(fdr.z[i], plain.z[i]);
    ASSERT_LE(std::abs(fdr.bins[i]), std::abs(plain.bins[i])) << "cell " << i;
    ASSERT_EQ(fdr.bins[i], expected_bin(fdr.z[i], fdr.p[i], fdr)) << "cell " << i;
    ++counts[plain.bins[i] + 3];
  }
  // The synthetic hot and cold spots are found at every confidence level.
  for (const int c : counts) EXPECT_GT(c, 0);
  EXPECT_GT(fdr.p_threshold_99, 0.0);
}

TEST(GetisOrd, ConstantLayerGivesZeroScores) {
  Raster<float> v(test::small_grid(10, 8, 100.0), 4.25F);
  v.at(3, 3) = kNaN;
  for (const bool fdr : {false, true}) {
    const GiStarResult r = getis_ord_gi_star(v, {250.0, fdr});
    EXPECT_EQ(r.n, 79);
    EXPECT_EQ(r.sd, 0.0);
    EXPECT_DOUBLE_EQ(r.mean, 4.25);
    for (CellIndex i = 0; i < v.size(); ++i) {
      if (std::isnan(v[i])) {
        EXPECT_TRUE(std::isnan(r.z[i]));
        EXPECT_FALSE(r.bins.valid(i));
        continue;
      }
      ASSERT_EQ(r.z[i], 0.0F);
      ASSERT_EQ(r.p[i], 1.0F);
      ASSERT_TRUE(r.bins.valid(i));
      ASSERT_EQ(r.bins[i], 0);
    }
  }
  // A single valid cell is constant too.
  Raster<float> one(test::small_grid(4, 4, 100.0));
  one.at(1, 2) = 7.0F;
  const GiStarResult r = getis_ord_gi_star(one, {100.0, true});
  EXPECT_EQ(r.n, 1);
  EXPECT_EQ(r.z.at(1, 2), 0.0F);
  EXPECT_EQ(r.bins.at(1, 2), 0);
}

// A band covering the whole grid makes every neighbourhood the whole layer (W = n): z = 0, p = 1.
TEST(GetisOrd, BandBeyondTheGridGivesZeroScores) {
  Raster<float> v(test::small_grid(12, 9, 100.0));
  test::fill_random(v, 4, 0.0F, 1.0F);
  v[5] = kNaN;
  for (const double band : {1e5, 1e300}) {
    const GiStarResult r = getis_ord_gi_star(v, {band, true});
    for (CellIndex i = 0; i < v.size(); ++i) {
      if (std::isnan(v[i])) continue;
      ASSERT_EQ(r.z[i], 0.0F) << "cell " << i;
      ASSERT_EQ(r.p[i], 1.0F) << "cell " << i;
      ASSERT_EQ(r.bins[i], 0) << "cell " << i;
    }
  }
}

TEST(GetisOrd, RejectsBadInput) {
  Raster<float> nan(test::small_grid(5, 5, 100.0));
  expect_error([&] { getis_ord_gi_star(nan, {200.0, true}); }, ErrorKind::input_data, "every cell of the layer is nodata");
  Raster<float> v(test::small_grid(5, 5, 100.0), 1.0F);
  v.at(2, 4) = std::numeric_limits<float>::infinity();
  expect_error([&] { getis_ord_gi_star(v, {200.0, true}); }, ErrorKind::input_data, "(col 2, row 4) is infinite");
  v.at(2, 4) = 1.0F;
  for (const double band : {99.0, 0.0, -5.0, std::nan("")})
    expect_error([&] { getis_ord_gi_star(v, {band, true}); }, ErrorKind::config, "smaller than a cell");
  EXPECT_NO_THROW(getis_ord_gi_star(v, {100.0, true}));
}

TEST(GetisOrd, OneAndTwoThreadsGiveIdenticalResults) {
  Raster<float> v(test::small_grid(530, 410, 100.0));
  test::fill_random(v, 21, 0.0F, 10.0F);
  for (CellIndex i = 0; i < v.size(); i += 7) v[i] = kNaN;
  for (CellIndex i = 0; i < v.size(); ++i)
    if (!std::isnan(v[i])) v[i] += static_cast<float>(5 * std::sin(0.05 * static_cast<double>(i % 530)));
  auto run = [&](int threads) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    GiStarResult r = getis_ord_gi_star(v, {1250.0, true});
    omp_set_num_threads(before);
    return r;
  };
  const GiStarResult a = run(1);
  const GiStarResult b = run(2);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.sd, b.sd);
  EXPECT_EQ(a.p_threshold_99, b.p_threshold_99);
  for (CellIndex i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) continue;
    ASSERT_EQ(a.z[i], b.z[i]) << "cell " << i;
    ASSERT_EQ(a.p[i], b.p[i]) << "cell " << i;
    ASSERT_EQ(a.bins[i], b.bins[i]) << "cell " << i;
  }
}

}  // namespace
}  // namespace nexusmap

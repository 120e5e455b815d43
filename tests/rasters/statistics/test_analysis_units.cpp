// SPDX-License-Identifier: MIT
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "rasters/core/error.hpp"
#include "rasters/statistics/analysis_units.hpp"
#include "rasters/statistics/incremental_autocorrelation.hpp"
#include "rasters/statistics/spatial_weights.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::expect_error;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- lattices and aggregation ----

// Hexagons of spacing s: every cell belongs to the hexagon whose centre is nearest (the defining
// property of a hexagonal Voronoi lattice), the centroids of inner hexagons are s apart, and a
// hexagon holds about s²·√3/2 of area.
TEST(AnalysisUnits, HexagonLatticeIsAVoronoiPartition) {
  const Grid g = test::small_grid(150, 120, 100.0);
  const double spacing = 1500.0;
  const ZoneLattice h = hexagon_zones(g, spacing);
  Raster<float> ones(g, 1.0F);
  const AnalysisUnits u = aggregate_to_units(h.zones, h.count, ones);
  // Inner hexagons (away from the grid edge) have ~spacing²·√3/2 / 100² = 194.9 cells.
  std::int64_t inner = 0;
  for (std::int64_t k = 0; k < u.size(); ++k) {
    const auto uk = static_cast<std::size_t>(k);
    const Extent e = g.extent();
    if (u.x[uk] - e.xmin < spacing || e.xmax - u.x[uk] < spacing || u.y[uk] - e.ymin < spacing || e.ymax - u.y[uk] < spacing)
      continue;
    ++inner;
    EXPECT_NEAR(static_cast<double>(u.cells[uk]), spacing * spacing * std::sqrt(3.0) / 2 / 1e4, 6.0) << "hexagon " << k;
  }
  EXPECT_GT(inner, 20);
  // Each cell's hexagon centroid (inner hexagons: the hexagon centre) is the nearest of all inner centres.
  const std::vector<double> nnd = nearest_neighbour_distances(u.x, u.y);
  for (std::int64_t r = 20; r < 100; r += 7)
    for (std::int64_t c = 20; c < 130; c += 5) {
      const auto mine = static_cast<std::size_t>(h.zones.at(c, r));
      const double d_mine = std::hypot(g.x_center(c) - u.x[mine], g.y_center(r) - u.y[mine]);
      EXPECT_LE(d_mine, spacing / std::sqrt(3.0) + 75.0) << c << "," << r;  // within the circumradius (+ a cell's rounding)
    }
  expect_error([&] { hexagon_zones(g, 50.0); }, ErrorKind::config, "spacing");
}

// 5 × 3 cells of 100 m in blocks of 2: zones 0 1 2 / 3 4 5; values with one NaN; the mean and the
// centroid of each block by hand; min_valid_share 0.5 drops a block with 1 valid cell of 2.
TEST(AnalysisUnits, SquareBlocksAggregateAndPaintBack) {
  const Grid g = test::small_grid(5, 3, 100.0);
  const ZoneLattice b = square_block_zones(g, 2);
  EXPECT_EQ(b.count, 6);
  EXPECT_EQ(b.zones.at(4, 0), 2);
  EXPECT_EQ(b.zones.at(0, 2), 3);
  Raster<float> v(g);
  for (std::int64_t r = 0; r < 3; ++r)
    for (std::int64_t c = 0; c < 5; ++c) v.at(c, r) = static_cast<float>(10 * r + c);
  v.at(4, 1) = std::nanf("");
  const AnalysisUnits u = aggregate_to_units(b.zones, b.count, v);
  // Block 0: cells (0,0) (1,0) (0,1) (1,1): values 0 1 10 11, mean 5.5, centroid at the shared corner.
  EXPECT_DOUBLE_EQ(u.value[0], 5.5);
  EXPECT_DOUBLE_EQ(u.x[0], g.x_center(0) + 50.0);
  EXPECT_DOUBLE_EQ(u.y[0], g.y_center(0) - 50.0);
  EXPECT_EQ(u.cells[0], 4);
  // Block 2: column 4, rows 0-1: 4 and NaN: 1 of 2 valid, share 0.5: kept, mean 4.
  EXPECT_EQ(u.valid[2], 1);
  EXPECT_DOUBLE_EQ(u.value[2], 4.0);
  const AnalysisUnits strict = aggregate_to_units(b.zones, b.count, v, {0.75});
  EXPECT_TRUE(std::isnan(strict.value[2]));
  // Block 5: cell (4, 2) = 24.
  EXPECT_DOUBLE_EQ(u.value[5], 24.0);
  const Raster<float> painted = paint_units(b.zones, u.value);
  EXPECT_EQ(painted.at(1, 1), 5.5F);
  EXPECT_EQ(painted.at(4, 2), 24.0F);
  const std::vector<std::int16_t> classes = {1, 2, 3, -1, -2, -3};
  const std::vector<std::uint8_t> tested = {1, 1, 0, 1, 1, 1};
  const Raster<std::int16_t> bins = paint_unit_classes(b.zones, classes, tested);
  EXPECT_EQ(bins.at(3, 0), 2);
  EXPECT_FALSE(bins.valid(bins.grid().index(4, 0)));
  EXPECT_EQ(bins.at(4, 2), -3);
  expect_error([&] { aggregate_to_units(b.zones, 3, v); }, ErrorKind::input_data, "outside [0, 3)");
  expect_error([&] { paint_units(b.zones, std::vector<double>(2, 0.0)); }, ErrorKind::input_data, "outside [0, 2)");
}

// ---- Moran's I ----

// Dense-matrix Moran's I and its randomisation z-score, written out from the formulas (independent of
// the compressed-row implementation).
MoranBand dense_moran(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& v,
                      double band, bool row_std) {
  const std::size_t n = v.size();
  std::vector<std::vector<double>> w(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::size_t j = 0; j < n; ++j)
      if (i != j && std::hypot(x[i] - x[j], y[i] - y[j]) <= band * (1 + 1e-9)) {
        w[i][j] = 1;
        s += 1;
      }
    if (row_std && s > 0)
      for (std::size_t j = 0; j < n; ++j) w[i][j] /= s;
  }
  double mean = 0;
  for (const double a : v) mean += a;
  mean /= static_cast<double>(n);
  double s0 = 0, s1 = 0, s2 = 0, num = 0, m2 = 0, m4 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double zi = v[i] - mean;
    m2 += zi * zi;
    m4 += zi * zi * zi * zi;
    double ri = 0, ci = 0;
    for (std::size_t j = 0; j < n; ++j) {
      s0 += w[i][j];
      s1 += 0.5 * (w[i][j] + w[j][i]) * (w[i][j] + w[j][i]);
      num += w[i][j] * zi * (v[j] - mean);
      ri += w[i][j];
      ci += w[j][i];
    }
    s2 += (ri + ci) * (ri + ci);
  }
  const double nn = static_cast<double>(n);
  MoranBand m;
  m.i = nn / s0 * num / m2;
  m.expected = -1 / (nn - 1);
  const double b2 = nn * m4 / (m2 * m2);
  m.variance = (nn * ((nn * nn - 3 * nn + 3) * s1 - nn * s2 + 3 * s0 * s0) - b2 * ((nn * nn - nn) * s1 - 2 * nn * s2 + 6 * s0 * s0)) /
                   ((nn - 1) * (nn - 2) * (nn - 3) * s0 * s0) -
               m.expected * m.expected;
  m.z = (m.i - m.expected) / std::sqrt(m.variance);
  return m;
}

// A checkerboard of ±1 on rook neighbours (band = one cell) with row-standardised weights: every
// neighbour is the opposite value, so I = −n/S0 = −1 exactly. Random layouts: equal to the dense
// formulas, binary and row-standardised.
TEST(MoransI, MatchesCheckerboardAndDenseFormulas) {
  std::vector<double> x, y, v;
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 6; ++c) {
      x.push_back(100.0 * c);
      y.push_back(100.0 * r);
      v.push_back((r + c) % 2 == 0 ? 1.0 : -1.0);
    }
  EXPECT_NEAR(global_morans_i(x, y, v, 100.0, true).i, -1.0, 1e-12);
  std::mt19937_64 rng(test::test_seed());
  for (int trial = 0; trial < 20; ++trial) {
    const int n = std::uniform_int_distribution<int>(6, 40)(rng);
    std::vector<double> px, py, pv;
    for (int i = 0; i < n; ++i) {
      px.push_back(std::uniform_real_distribution<double>(0, 1000)(rng));
      py.push_back(std::uniform_real_distribution<double>(0, 1000)(rng));
      pv.push_back(std::uniform_real_distribution<double>(0, 1)(rng) + px.back() / 1000);
    }
    const double band = std::uniform_real_distribution<double>(250, 600)(rng);
    for (const bool rs : {false, true}) {
      const MoranBand a = global_morans_i(px, py, pv, band, rs);
      const MoranBand b = dense_moran(px, py, pv, band, rs);
      ASSERT_NEAR(a.i, b.i, 1e-10) << "trial " << trial;
      ASSERT_NEAR(a.variance, b.variance, 1e-10) << "trial " << trial;
      ASSERT_NEAR(a.z, b.z, 1e-8) << "trial " << trial;
    }
  }
}

// Blobs of radius ~4 units on a lattice of units: z(I) rises and then falls with the band, the chosen
// band is the first peak, and its distance lies within the blobs' size; white noise has no
// significant band (chosen −1) for this seed.
TEST(IncrementalAutocorrelation, FirstPeakOnClusteredField) {
  std::vector<double> x, y, v, noise;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> nd(0, 1);
  for (int r = 0; r < 30; ++r)
    for (int c = 0; c < 30; ++c) {
      x.push_back(100.0 * c);
      y.push_back(100.0 * r);
      // Blobs on a period of 10 units.
      v.push_back(std::cos(2 * 3.14159265 * c / 10.0) * std::cos(2 * 3.14159265 * r / 10.0) + 0.3 * nd(rng));
      noise.push_back(nd(rng));
    }
  IncrementalAutocorrelationOptions o;
  o.bands = 10;
  const IncrementalAutocorrelationResult res = incremental_autocorrelation(x, y, v, o);
  ASSERT_EQ(res.bands.size(), 10U);
  EXPECT_DOUBLE_EQ(res.bands[0].distance, 100.0);
  EXPECT_DOUBLE_EQ(res.bands[1].distance, 200.0);
  ASSERT_GE(res.chosen, 1);
  EXPECT_TRUE(res.peak);
  const auto k = static_cast<std::size_t>(res.chosen);
  EXPECT_GT(res.bands[k].z, res.bands[k - 1].z);
  EXPECT_GE(res.bands[k].z, res.bands[k + 1].z);
  for (std::size_t j = 1; j < k; ++j) EXPECT_FALSE(res.bands[j].z > res.bands[j - 1].z && res.bands[j].z >= res.bands[j + 1].z);
  EXPECT_LE(res.chosen_distance(), 500.0);
  const IncrementalAutocorrelationResult white = incremental_autocorrelation(x, y, noise, o);
  EXPECT_EQ(white.chosen, -1);
  EXPECT_EQ(white.chosen_distance(), 0.0);
  expect_error([&] { incremental_autocorrelation(std::vector<double>{0, 1, 2}, std::vector<double>{0, 0, 0},
                                                 std::vector<double>{1, 2, kNaN}); },
               ErrorKind::input_data, "at least 4 units");
}

}  // namespace
}  // namespace nexusmap

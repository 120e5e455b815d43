// SPDX-License-Identifier: MIT
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "rasters/core/error.hpp"
#include "rasters/statistics/zonal.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::expect_error;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// zones (- = masked)   values            classes (- = masked)
//   0  0  1  1           1   2   3  NaN     3  0 -1  2
//   0  2  1  -           4   5   6   7      1  3  0  2
//   2  2  -  1           8  NaN  9  10     -2  -  2  3
class ZonalTiny : public testing::Test {
 protected:
  void SetUp() override {
    const Grid g = test::small_grid(4, 3, 100.0);
    zones = Raster<std::int32_t>(g);
    const int z[12] = {0, 0, 1, 1, 0, 2, 1, -1, 2, 2, -1, 1};
    for (CellIndex i = 0; i < 12; ++i)
      if (z[i] >= 0) zones.set_valid(i, z[i]);
    values = Raster<float>(g);
    const float v[12] = {1, 2, 3, kNaN, 4, 5, 6, 7, 8, kNaN, 9, 10};
    for (CellIndex i = 0; i < 12; ++i) values[i] = v[i];
    classes = Raster<std::int16_t>(g);
    const int k[12] = {3, 0, -1, 2, 1, 3, 0, 2, -2, 99, 2, 3};
    for (CellIndex i = 0; i < 12; ++i)
      if (k[i] != 99) classes.set_valid(i, static_cast<std::int16_t>(k[i]));
  }
  Raster<std::int32_t> zones;
  Raster<float> values;
  Raster<std::int16_t> classes;
};

// zone 0: 1, 2, 4             → cells 3, valid 3, sum 7, min 1, max 4
// zone 1: 3, NaN, 6, 10       → cells 4, valid 3, sum 19, min 3, max 10
// zone 2: 5, 8, NaN           → cells 3, valid 2, sum 13, min 5, max 8
// zone 3: no cells            → NaN statistics
// Masked zone cells (values 7 and 9) are in no zone.
TEST_F(ZonalTiny, Statistics) {
  const std::vector<ZoneStats> s = zonal_stats(zones, 4, values);
  ASSERT_EQ(s.size(), 4U);
  EXPECT_EQ(s[0].cells, 3);
  EXPECT_EQ(s[0].valid, 3);
  EXPECT_EQ(s[0].sum, 7);
  EXPECT_EQ(s[0].min, 1);
  EXPECT_EQ(s[0].max, 4);
  EXPECT_DOUBLE_EQ(s[0].mean(), 7.0 / 3.0);
  EXPECT_EQ(s[1].cells, 4);
  EXPECT_EQ(s[1].valid, 3);
  EXPECT_EQ(s[1].sum, 19);
  EXPECT_EQ(s[1].min, 3);
  EXPECT_EQ(s[1].max, 10);
  EXPECT_EQ(s[2].cells, 3);
  EXPECT_EQ(s[2].valid, 2);
  EXPECT_EQ(s[2].sum, 13);
  EXPECT_EQ(s[2].min, 5);
  EXPECT_EQ(s[2].max, 8);
  EXPECT_DOUBLE_EQ(s[2].mean(), 6.5);
  EXPECT_EQ(s[3].cells, 0);
  EXPECT_TRUE(std::isnan(s[3].min));
  EXPECT_TRUE(std::isnan(s[3].max));
  EXPECT_TRUE(std::isnan(s[3].mean()));
}

// Classes >= 2 per zone: zone 0 {3, 0, 1} → 1; zone 1 {-1, 2, 0, 3} → 2; zone 2 {3, -2, masked} → 1.
TEST_F(ZonalTiny, CountIf) {
  const std::vector<std::int64_t> n = zonal_count_if(zones, 3, classes, [](std::int16_t c) { return c >= 2; });
  EXPECT_EQ(n, (std::vector<std::int64_t>{1, 2, 1}));
  const std::vector<std::int64_t> cold = zonal_count_if(zones, 3, classes, [](std::int16_t c) { return c < 0; });
  EXPECT_EQ(cold, (std::vector<std::int64_t>{0, 1, 1}));
}

TEST_F(ZonalTiny, Errors) {
  expect_error([&] { zonal_stats(zones, 2, values); }, ErrorKind::input_data, "zone index 2 at cell (col 1, row 1)");
  zones.set_valid(0, -4);
  expect_error([&] { zonal_stats(zones, 3, values); }, ErrorKind::input_data, "zone index -4");
  expect_error([&] { zonal_stats(zones, -1, values); }, ErrorKind::config, "zone count");
  Raster<float> other(test::small_grid(5, 3, 100.0));
  expect_error([&] { zonal_stats(zones, 3, other); }, ErrorKind::input_data, "not on the grid of the zones");
  expect_error([&] { zonal_count_if(zones, 3, classes, {}); }, ErrorKind::config, "predicate");
}

}  // namespace
}  // namespace nexusmap

namespace nexusmap {
namespace {

TEST(ZonalQuantile, InterpolatesBetweenOrderStatisticsPerZone) {
  // Zone 0: 1..5 (and a NaN), zone 1: 10 alone, zone 2: no cell.
  Raster<float> v(test::small_grid(7, 1), 0.0F);
  Raster<std::int32_t> z(test::small_grid(7, 1));
  const float values[] = {5, 3, 1, 4, 2, std::nanf(""), 10};
  for (std::int64_t c = 0; c < 7; ++c) {
    v.at(c, 0) = values[c];
    z.set_valid(z.grid().index(c, 0), c < 6 ? 0 : 1);
  }
  const auto q90 = zonal_quantile(z, 3, v, 0.9);
  EXPECT_DOUBLE_EQ(q90[0], 4.6);  // position 0.9 · 4 = 3.6 between 4 and 5
  EXPECT_DOUBLE_EQ(q90[1], 10.0);
  EXPECT_TRUE(std::isnan(q90[2]));
  EXPECT_DOUBLE_EQ(zonal_quantile(z, 3, v, 0.5)[0], 3.0);
  EXPECT_DOUBLE_EQ(zonal_quantile(z, 3, v, 0.0)[0], 1.0);
  EXPECT_DOUBLE_EQ(zonal_quantile(z, 3, v, 1.0)[0], 5.0);
  test::expect_error([&] { (void)zonal_quantile(z, 3, v, 1.5); }, ErrorKind::config, "not in [0, 1]");
}

}  // namespace
}  // namespace nexusmap

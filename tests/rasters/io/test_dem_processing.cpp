// SPDX-License-Identifier: MIT
#include <cmath>

#include <gtest/gtest.h>

#include "rasters/io/dem_processing.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

// z = 0.1 * x rising eastwards: slope atan(0.1) everywhere, aspect 270 (facing west, downhill).
TEST(DemProcessing, PlaneHasKnownSlopeAndAspect) {
  Raster<float> dem(test::small_grid(12, 9, 50.0));
  for (std::int64_t r = 0; r < 9; ++r)
    for (std::int64_t c = 0; c < 12; ++c) dem.at(c, r) = static_cast<float>(0.1 * 50.0 * static_cast<double>(c));
  const Raster<float> slope = slope_degrees(dem);
  const Raster<float> aspect = aspect_degrees(dem);
  const double expected = std::atan(0.1) * 180.0 / M_PI;
  // Interior cells (GDAL's -compute_edges extrapolates the border and is not exact there).
  for (std::int64_t r = 1; r < 8; ++r)
    for (std::int64_t c = 1; c < 11; ++c) {
      EXPECT_NEAR(slope.at(c, r), expected, 1e-4) << c << "," << r;
      EXPECT_NEAR(aspect.at(c, r), 270.0, 1e-3) << c << "," << r;
    }
  EXPECT_FALSE(std::isnan(slope.at(0, 0)));  // edges are computed, not left empty
}

TEST(DemProcessing, NodataStaysNodataAndFlatAspectIsNodata) {
  Raster<float> dem(test::small_grid(6, 6, 100.0), 1000.0F);
  dem.at(2, 2) = std::nanf("");
  const Raster<float> slope = slope_degrees(dem);
  EXPECT_TRUE(std::isnan(slope.at(2, 2)));
  EXPECT_NEAR(slope.at(5, 5), 0.0, 1e-6);
  const Raster<float> aspect = aspect_degrees(dem);
  EXPECT_TRUE(std::isnan(aspect.at(5, 5)));
}

TEST(DemProcessing, HillshadeOfFlatGroundIsUniform) {
  Raster<float> dem(test::small_grid(8, 8, 100.0), 500.0F);
  const auto hs = hillshade(dem);
  // Flat ground lit from 45 degrees altitude: 255 * sin(45) = 180.
  for (CellIndex i = 0; i < hs.size(); ++i) EXPECT_NEAR(hs[i], 180, 1) << i;
}

TEST(ColorRelief, InterpolatesBetweenEntriesAndLeavesNodataTransparent) {
  Raster<float> v(test::small_grid(4, 1), 0.0F);
  v[0] = 0;
  v[1] = 5;
  v[2] = 20;  // beyond the last entry: its colour
  v[3] = std::nanf("");
  const ColorEntry table[] = {{10, 200, 100, 0, 255}, {0, 0, 100, 200, 255}};  // unsorted on purpose
  const RgbaImage img = color_relief(v, table);
  ASSERT_EQ(img.rgba.size(), 16u);
  const auto px = [&](int i) { return std::vector<int>(img.rgba.begin() + 4 * i, img.rgba.begin() + 4 * i + 4); };
  EXPECT_EQ(px(0), (std::vector<int>{0, 100, 200, 255}));
  EXPECT_EQ(px(1), (std::vector<int>{100, 100, 100, 255}));
  EXPECT_EQ(px(2), (std::vector<int>{200, 100, 0, 255}));
  EXPECT_EQ(px(3)[3], 0);
}

// Classes: every listed value gets its colour (GDAL 3.6.2's own exact mode only matched the first
// entry), values not listed are transparent.
TEST(ColorRelief, ExactClassesEachGetTheirColour) {
  Raster<float> v(test::small_grid(8, 1), 0.0F);
  for (CellIndex i = 0; i < 7; ++i) v[i] = static_cast<float>(i - 3);
  v[7] = 0.5F;
  std::vector<ColorEntry> table;
  for (int k = -3; k <= 3; ++k)
    table.push_back({static_cast<double>(k), static_cast<std::uint8_t>(100 + 20 * k), 0, 0, 255});
  const RgbaImage img = color_relief(v, table, ColorMatch::exact);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(img.rgba[4 * i], 100 + 20 * (i - 3)) << i;
    EXPECT_EQ(img.rgba[4 * i + 3], 255) << i;
  }
  EXPECT_EQ(img.rgba[4 * 7 + 3], 0);
}

}  // namespace
}  // namespace nexusmap

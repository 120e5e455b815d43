// SPDX-License-Identifier: MIT
#include <cmath>

#include <gtest/gtest.h>
#include <ogr_geometry.h>

#include "vectors/rasterize.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::from_wkt;

// Grid of 30x30 cells of 10 m with its top-left corner at (0, 300).
Grid grid30() { return Grid::north_up(test::utm42_wkt(), 0, 300, 10, 30, 30); }

TEST(Rasterize, SquareOfTenByTenCellsBurnsExactly100Cells) {
  auto square = from_wkt("POLYGON ((50 50,150 50,150 150,50 150,50 50))");
  const OGRGeometry* geoms[] = {square.get()};
  const Raster<float> r = rasterize(grid30(), geoms);
  EXPECT_EQ(r.count_valid(), 100);
  for (CellIndex i = 0; i < r.size(); ++i) {
    if (r.valid(i)) {
      EXPECT_EQ(r[i], 1.0F);
    }
  }
  EXPECT_TRUE(r.valid(r.grid().index(5, 15)));    // x 55, y 145
  EXPECT_FALSE(r.valid(r.grid().index(4, 15)));
}

TEST(Rasterize, AllTouchedBurnsEveryCellALineCrosses) {
  auto diag = from_wkt("LINESTRING (0.5 299.5,299.5 0.5)");  // corner to corner
  const OGRGeometry* geoms[] = {diag.get()};
  const Raster<float> centres = rasterize(grid30(), geoms);
  RasterizeOptions touched;
  touched.all_touched = true;
  const Raster<float> all = rasterize(grid30(), geoms, {}, touched);
  EXPECT_GE(centres.count_valid(), 30);
  EXPECT_GE(all.count_valid(), centres.count_valid());
  for (std::int64_t k = 0; k < 30; ++k) EXPECT_TRUE(all.valid(all.grid().index(k, k)));
}

TEST(Rasterize, BurnValuesAndAddMerge) {
  auto a = from_wkt("POLYGON ((0 200,100 200,100 300,0 300,0 200))");
  auto b = from_wkt("POLYGON ((50 200,150 200,150 300,50 300,50 200))");
  const OGRGeometry* geoms[] = {a.get(), b.get()};
  const double values[] = {2.0, 3.0};
  const Raster<float> replace = rasterize(grid30(), geoms, values);
  EXPECT_EQ(replace.at(7, 2), 3.0F);  // overlap: the later wins
  RasterizeOptions add;
  add.merge = BurnMerge::add;
  const Raster<float> sum = rasterize(grid30(), geoms, values, add);
  EXPECT_EQ(sum.at(7, 2), 5.0F);
  EXPECT_EQ(sum.at(2, 2), 2.0F);
  EXPECT_TRUE(std::isnan(sum.at(20, 20)));
}

TEST(Rasterize, PointsAndIds) {
  auto p1 = from_wkt("POINT (15 285)");
  auto p2 = from_wkt("POINT (295 5)");
  const OGRGeometry* geoms[] = {p1.get(), p2.get()};
  const Raster<std::int32_t> ids = rasterize_ids(grid30(), geoms);
  EXPECT_EQ(ids.count_valid(), 2);
  EXPECT_EQ(ids.at(1, 1), 0);
  EXPECT_EQ(ids.at(29, 29), 1);
}

}  // namespace
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
#include <cmath>

#include <gtest/gtest.h>

#include "rasters/io/analysis_grid.hpp"
#include "rasters/core/error.hpp"
#include "rasters/core/memory.hpp"
#include "rasters/core/raster.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

TEST(Grid, IndexAndCellRoundTripWith64BitIndices) {
  Grid g = Grid::north_up("", 0, 0, 1, 100000, 100000);
  EXPECT_EQ(g.cells(), 10'000'000'000LL);  // beyond 32 bits
  const CellIndex i = g.index(99999, 99999);
  EXPECT_EQ(i, 9'999'999'999LL);
  EXPECT_EQ(g.cell(i), (Cell{99999, 99999}));
}

TEST(Grid, CellCentresAndLookup) {
  Grid g = Grid::north_up("", 1000, 5000, 100, 10, 20);
  EXPECT_DOUBLE_EQ(g.x_center(0), 1050);
  EXPECT_DOUBLE_EQ(g.y_center(0), 4950);
  EXPECT_EQ(g.cell_at(1050, 4950), (Cell{0, 0}));
  EXPECT_EQ(g.cell_at(1999.9, 3000.1), (Cell{9, 19}));
  EXPECT_FALSE(g.cell_at(999.9, 4950).has_value());
  EXPECT_FALSE(g.cell_at(1050, 5000.1).has_value());
  const Extent e = g.extent();
  EXPECT_DOUBLE_EQ(e.xmin, 1000);
  EXPECT_DOUBLE_EQ(e.ymin, 3000);
  EXPECT_DOUBLE_EQ(e.xmax, 2000);
  EXPECT_DOUBLE_EQ(e.ymax, 5000);
}

TEST(Raster, FloatNodataIsNaN) {
  Raster<float> r(Grid::north_up("", 0, 0, 1, 3, 2));
  EXPECT_EQ(r.count_valid(), 0);
  r[4] = 2.5F;
  EXPECT_TRUE(r.valid(4));
  EXPECT_EQ(r.count_valid(), 1);
  r.set_nodata(4);
  EXPECT_TRUE(std::isnan(r[4]));
}

TEST(Raster, IntegerNodataIsAnExplicitMask) {
  Raster<std::int32_t> all_valid(Grid::north_up("", 0, 0, 1, 3, 2), 7);
  EXPECT_FALSE(all_valid.has_mask());
  EXPECT_EQ(all_valid.count_valid(), 6);
  all_valid.set_nodata(2);
  EXPECT_TRUE(all_valid.has_mask());
  EXPECT_FALSE(all_valid.valid(2));
  EXPECT_EQ(all_valid.count_valid(), 5);

  Raster<std::int32_t> empty(Grid::north_up("", 0, 0, 1, 3, 2));
  EXPECT_EQ(empty.count_valid(), 0);
  empty.set_valid(1, -5);  // a negative value is data, not nodata
  EXPECT_TRUE(empty.valid(1));
  EXPECT_EQ(empty[1], -5);
}

TEST(AnalysisGrid, AutoCrsIsEqualAreaCentredOnTheArea) {
  GridRequest req;
  req.lonlat = {66, 35, 76, 41};
  req.resolution = 1000;
  const Grid g = make_analysis_grid(req);
  EXPECT_NE(g.crs_wkt.find("Lambert Azimuthal Equal Area"), std::string::npos);
  EXPECT_DOUBLE_EQ(g.dx(), 1000);
  EXPECT_DOUBLE_EQ(g.dy(), 1000);
  // 10 degrees of longitude at 35-41 N is ~ 870-910 km; 6 degrees of latitude ~ 666 km.
  EXPECT_GT(g.width, 880);
  EXPECT_LT(g.width, 940);
  EXPECT_GT(g.height, 660);
  EXPECT_LT(g.height, 700);
  // Snapped to whole cells.
  EXPECT_DOUBLE_EQ(std::fmod(g.geotransform[0], 1000.0), 0.0);
  EXPECT_DOUBLE_EQ(std::fmod(g.geotransform[3], 1000.0), 0.0);
}

TEST(AnalysisGrid, BufferAndExplicitCrs) {
  GridRequest req;
  req.lonlat = {69, 37, 70, 38};
  req.crs = "EPSG:32642";
  req.resolution = 500;
  const Grid plain = make_analysis_grid(req);
  req.buffer = 5000;
  const Grid buffered = make_analysis_grid(req);
  EXPECT_EQ(buffered.width, plain.width + 20);
  EXPECT_EQ(buffered.height, plain.height + 20);
}

TEST(AnalysisGrid, GeographicCrsIsRejected) {
  GridRequest req;
  req.lonlat = {66, 35, 76, 41};
  req.crs = "EPSG:4326";
  try {
    (void)make_analysis_grid(req);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("not a projected CRS in metres"), std::string::npos) << e.what();
  }
}

TEST(AnalysisGrid, GridTooLargeForMemoryIsRefusedBeforeAllocating) {
  GridRequest req;
  req.lonlat = {-180, -80, 180, 80};
  req.resolution = 10;  // ~4e12 cells
  try {
    (void)make_analysis_grid(req);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input_data);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("grid too large for memory"), std::string::npos) << msg;
    EXPECT_NE(msg.find("use a coarser resolution"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace nexusmap

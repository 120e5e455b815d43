// SPDX-License-Identifier: MIT
// The tool commands run through the real binary: known answers, vector sources, the back-link +
// least-cost-path round trip, and every error with its message and exit code.
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "tests/support.hpp"
#include "vectors/features.hpp"

namespace nexusmap {
namespace {

constexpr double kCell = 100.0;  // test::small_grid cells, EPSG:32642
const double kSqrt2 = std::sqrt(2.0);

std::string q(const std::filesystem::path& p) { return fmt::format("'{}'", p.string()); }

// A GeoJSON FeatureCollection of points in EPSG:32642 with a "name" property.
void write_points(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::pair<double, double>>>& pts) {
  std::ofstream js(path);
  js << R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32642"}},)"
     << R"("features":[)";
  for (std::size_t i = 0; i < pts.size(); ++i) {
    js << (i ? "," : "")
       << fmt::format(R"({{"type":"Feature","properties":{{"name":"{}"}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}})",
                      pts[i].first, pts[i].second.first, pts[i].second.second);
  }
  js << "]}\n";
}

// Centre of cell (col, row) of test::small_grid.
std::pair<double, double> centre(const Grid& g, std::int64_t col, std::int64_t row) {
  return {g.x_center(col), g.y_center(row)};
}

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grid_ = test::small_grid(9, 7, kCell);
    Raster<float> friction(grid_, 2.0F);
    friction.at(6, 1) = std::nanf("");  // one impassable cell
    test::write_tiff(dir_ / "cost.tif", friction, -9999.0);
    Raster<float> sources(grid_, 0.0F);
    sources.at(4, 3) = 1.0F;
    test::write_tiff(dir_ / "sources.tif", sources);
  }
  test::TempDir dir_;
  Grid grid_;

  // cost-distance from sources.tif with back-links: acc.tif and bl.tif in the test directory.
  void cost_distance_with_backlinks() {
    ASSERT_EQ(test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --neighbours 8 --out {} --backlinks {}",
                                             q(dir_ / "cost.tif"), q(dir_ / "sources.tif"), q(dir_ / "acc.tif"),
                                             q(dir_ / "bl.tif")))
                  .exit_code,
              0);
  }
};

TEST_F(ToolsTest, RasterSourcesUniformCostKnownAnswer) {
  const auto r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --neighbours 8 --out {} --backlinks {}",
                                                q(dir_ / "cost.tif"), q(dir_ / "sources.tif"), q(dir_ / "acc.tif"),
                                                q(dir_ / "bl.tif")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(inspect_raster(dir_ / "acc.tif").data_type, "Float32");
  const Raster<double> acc = read_raster<double>(dir_ / "acc.tif");
  for (std::int64_t row = 0; row < 7; ++row)
    for (std::int64_t col = 0; col < 9; ++col) {
      if (col == 6 && row == 1) {
        EXPECT_TRUE(std::isnan(acc.at(col, row)));
        continue;
      }
      const double dx = std::abs(static_cast<double>(col - 4)), dy = std::abs(static_cast<double>(row - 3));
      double chamfer = std::max(dx, dy) - std::min(dx, dy) + kSqrt2 * std::min(dx, dy);
      if (col == 7 && row == 0) chamfer = 2 + 2 * kSqrt2;  // its only chamfer path crosses (6,1)
      EXPECT_NEAR(acc.at(col, row), chamfer * kCell * 2.0, 1e-6 * chamfer * kCell * 2.0) << col << "," << row;
    }
  const RasterInfo bl_info = inspect_raster(dir_ / "bl.tif");
  EXPECT_EQ(bl_info.data_type, "Byte");
  ASSERT_TRUE(bl_info.nodata.has_value());
  EXPECT_EQ(*bl_info.nodata, 255.0);
  const Raster<std::uint8_t> bl = read_raster<std::uint8_t>(dir_ / "bl.tif");
  EXPECT_FALSE(bl.valid(grid_.index(4, 3)));  // the source
  EXPECT_FALSE(bl.valid(grid_.index(6, 1)));  // unreached
  EXPECT_EQ(bl.at(5, 3), 2);                  // from the west (move E)
  EXPECT_EQ(bl.at(3, 2), 7);                  // from the south-east (move NW)
  EXPECT_EQ(bl.at(4, 0), 0);                  // from the south (move N)
}

TEST_F(ToolsTest, SixteenNeighboursAndMaxCost) {
  const auto r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --neighbours 16 --max-cost 500 "
                                                "--out {}",
                                                q(dir_ / "cost.tif"), q(dir_ / "sources.tif"), q(dir_ / "acc.tif")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Raster<double> acc = read_raster<double>(dir_ / "acc.tif");
  EXPECT_NEAR(acc.at(6, 4), std::sqrt(5.0) * kCell * 2.0, 1e-4);  // a knight's move away
  EXPECT_NEAR(acc.at(6, 3), 400.0, 1e-4);
  EXPECT_TRUE(std::isnan(acc.at(8, 3)));  // 800 > max cost
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bl.tif"));
}

TEST_F(ToolsTest, VectorSourcesWithLayerFilter) {
  write_points(dir_ / "towns.geojson", {{"a", centre(grid_, 0, 0)}, {"b", centre(grid_, 8, 6)}});
  auto r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --neighbours 8 --out {}",
                                          q(dir_ / "cost.tif"), q(dir_ / "towns.geojson"), q(dir_ / "acc.tif")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Raster<double> acc = read_raster<double>(dir_ / "acc.tif");
  EXPECT_EQ(acc.at(0, 0), 0.0);
  EXPECT_EQ(acc.at(8, 6), 0.0);
  EXPECT_NEAR(acc.at(4, 3), (3 * kSqrt2 + 1) * kCell * 2.0, 1e-3);

  r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --sources-where \"name = 'b'\" --out {}",
                                     q(dir_ / "cost.tif"), q(dir_ / "towns.geojson"), q(dir_ / "acc.tif")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  acc = read_raster<double>(dir_ / "acc.tif");
  EXPECT_EQ(acc.at(8, 6), 0.0);
  EXPECT_NEAR(acc.at(0, 6), 8 * kCell * 2.0, 1e-3);
}

TEST_F(ToolsTest, BacklinksAndLeastCostPathRoundTrip) {
  ASSERT_NO_FATAL_FAILURE(cost_distance_with_backlinks());
  // East of the source, behind the impassable cell, at the source itself, unreachable, outside.
  write_points(dir_ / "dest.geojson", {{"east", centre(grid_, 8, 1)},
                                       {"here", centre(grid_, 4, 3)},
                                       {"wall", centre(grid_, 6, 1)},
                                       {"far", {0.0, 0.0}}});
  const auto r = test::run_nexusmap(fmt::format("least-cost-path --acc {} --backlinks {} --to {} --name-field name "
                                                "--out {}",
                                                q(dir_ / "acc.tif"), q(dir_ / "bl.tif"), q(dir_ / "dest.geojson"),
                                                q(dir_ / "paths.gpkg")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("destination 'wall' is unreachable from the sources"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("destination 'far' at (0.0, 0.0) lies outside the grid"), std::string::npos) << r.output;

  VectorSource src;
  src.path = dir_ / "paths.gpkg";
  src.layer = "least_cost_paths";
  ReadOptions raw;
  raw.repair = false;  // keep the zero-length line of the destination on the source
  const FeatureTable paths = read_features(src, raw);
  ASSERT_EQ(paths.features.size(), 2U);
  const int name = paths.require_field("name", "paths");
  const int cost = paths.require_field("cost", "paths");
  const int length = paths.require_field("length_m", "paths");
  const int cells = paths.require_field("cells", "paths");
  const Raster<double> acc = read_raster<double>(dir_ / "acc.tif");
  for (const Feature& f : paths.features) {
    const std::string n = attr_text(paths.attr(f, name));
    const auto* line = f.geometry->toLineString();
    // Starts at the source's centre and ends at the destination's.
    EXPECT_DOUBLE_EQ(line->getX(0), grid_.x_center(4));
    EXPECT_DOUBLE_EQ(line->getY(0), grid_.y_center(3));
    if (n == "east") {
      EXPECT_DOUBLE_EQ(line->getX(line->getNumPoints() - 1), grid_.x_center(8));
      EXPECT_DOUBLE_EQ(line->getY(line->getNumPoints() - 1), grid_.y_center(1));
      EXPECT_DOUBLE_EQ(*attr_number(paths.attr(f, cost)), acc.at(8, 1));
      EXPECT_NEAR(*attr_number(paths.attr(f, cost)), (2 + 2 * kSqrt2) * kCell * 2.0, 1e-3);
      EXPECT_NEAR(*attr_number(paths.attr(f, length)), (2 + 2 * kSqrt2) * kCell, 1e-9);
      EXPECT_EQ(*attr_number(paths.attr(f, cells)), 5.0);
      // Consecutive vertices are stencil neighbours; the path avoids the impassable cell.
      for (int i = 1; i < line->getNumPoints(); ++i) {
        EXPECT_LE(std::abs(line->getX(i) - line->getX(i - 1)), kCell + 1e-6);
        EXPECT_LE(std::abs(line->getY(i) - line->getY(i - 1)), kCell + 1e-6);
        EXPECT_FALSE(line->getX(i) == grid_.x_center(6) && line->getY(i) == grid_.y_center(1));
      }
    } else {
      EXPECT_EQ(n, "here");
      EXPECT_EQ(*attr_number(paths.attr(f, cost)), 0.0);
      EXPECT_EQ(*attr_number(paths.attr(f, cells)), 1.0);
      EXPECT_EQ(*attr_number(paths.attr(f, length)), 0.0);
    }
  }
}

TEST_F(ToolsTest, MissingFilesAreInputErrorsNamingTheFile) {
  auto r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --out {}", q(dir_ / "nope.tif"),
                                          q(dir_ / "sources.tif"), q(dir_ / "acc.tif")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(fmt::format("{}: file not found", (dir_ / "nope.tif").string())), std::string::npos) << r.output;

  r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --out {}", q(dir_ / "cost.tif"),
                                     q(dir_ / "nosrc.gpkg"), q(dir_ / "acc.tif")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(fmt::format("{}: file not found; check the --sources path", (dir_ / "nosrc.gpkg").string())),
            std::string::npos)
      << r.output;

  r = test::run_nexusmap(fmt::format("least-cost-path --acc {} --backlinks {} --to {} --out {}", q(dir_ / "acc.tif"),
                                     q(dir_ / "bl.tif"), q(dir_ / "d.geojson"), q(dir_ / "p.gpkg")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(fmt::format("{}: file not found", (dir_ / "acc.tif").string())), std::string::npos) << r.output;
}

TEST_F(ToolsTest, AllNaNCostRasterIsAnInputError) {
  test::write_tiff(dir_ / "empty.tif", Raster<float>(grid_), -9999.0);
  const auto r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --out {}", q(dir_ / "empty.tif"),
                                                q(dir_ / "sources.tif"), q(dir_ / "acc.tif")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(fmt::format("error: {}: the cost raster has no passable cell (every cell is nodata, NaN or <= 0)",
                                      (dir_ / "empty.tif").string())),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "acc.tif"));
}

TEST_F(ToolsTest, SourcesOutsideTheGridOrWithoutCellsAreInputErrors) {
  write_points(dir_ / "away.geojson", {{"x", {900000.0, 100000.0}}});
  auto r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --out {}", q(dir_ / "cost.tif"),
                                          q(dir_ / "away.geojson"), q(dir_ / "acc.tif")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("all 1 source feature(s) lie outside the cost raster"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("away.geojson"), std::string::npos) << r.output;

  test::write_tiff(dir_ / "zeros.tif", Raster<float>(grid_, 0.0F));
  r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --out {}", q(dir_ / "cost.tif"),
                                     q(dir_ / "zeros.tif"), q(dir_ / "acc.tif")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(fmt::format("{}: no source cell", (dir_ / "zeros.tif").string())), std::string::npos) << r.output;

  write_points(dir_ / "towns.geojson", {{"a", centre(grid_, 0, 0)}});
  r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --sources-where \"name = 'zz'\" --out {}",
                                     q(dir_ / "cost.tif"), q(dir_ / "towns.geojson"), q(dir_ / "acc.tif")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("layer is empty"), std::string::npos) << r.output;
}

TEST_F(ToolsTest, UsageErrorsExitWith2) {
  auto r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {}", q(dir_ / "cost.tif"),
                                          q(dir_ / "sources.tif")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--out is required"), std::string::npos) << r.output;
  r = test::run_nexusmap(fmt::format("cost-distance --cost {} --sources {} --neighbours 12 --out {}",
                                     q(dir_ / "cost.tif"), q(dir_ / "sources.tif"), q(dir_ / "acc.tif")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--neighbours"), std::string::npos) << r.output;
  r = test::run_nexusmap(fmt::format("least-cost-path --acc {} --to {} --out {}", q(dir_ / "acc.tif"),
                                     q(dir_ / "d.geojson"), q(dir_ / "p.gpkg")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--backlinks is required"), std::string::npos) << r.output;
}

TEST_F(ToolsTest, LeastCostPathRejectsMismatchedRastersAndNonPointDestinations) {
  ASSERT_NO_FATAL_FAILURE(cost_distance_with_backlinks());
  test::write_tiff(dir_ / "other.tif", Raster<float>(test::small_grid(5, 5, kCell), 1.0F));
  auto r = test::run_nexusmap(fmt::format("least-cost-path --acc {} --backlinks {} --to {} --out {}",
                                          q(dir_ / "acc.tif"), q(dir_ / "other.tif"), q(dir_ / "sources.tif"),
                                          q(dir_ / "p.gpkg")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("the rasters have different grids"), std::string::npos) << r.output;

  std::ofstream(dir_ / "line.geojson")
      << R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32642"}},)"
      << R"("features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":)"
      << fmt::format("[[{},{}],[{},{}]]", grid_.x_center(1), grid_.y_center(1), grid_.x_center(2), grid_.y_center(2))
      << "}}]}\n";
  r = test::run_nexusmap(fmt::format("least-cost-path --acc {} --backlinks {} --to {} --out {}", q(dir_ / "acc.tif"),
                                     q(dir_ / "bl.tif"), q(dir_ / "line.geojson"), q(dir_ / "p.gpkg")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("is a LINESTRING; --to needs points"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace nexusmap

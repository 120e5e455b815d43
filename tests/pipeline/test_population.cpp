// SPDX-License-Identifier: MIT
// The population stage: the worked example of docs/adding-a-stage.md. Its test shows that a stage
// added by that recipe (the stage file, its registration, this test) reaches the QGIS project, the
// maps, the nexus index and the ranking without any edit to the publish, hotspots or zonal stages.
#include <cmath>

#include <gtest/gtest.h>

#include "rasters/io/crs.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "tests/pipeline/fixtures.hpp"
#include "tests/support.hpp"
#include "vectors/features.hpp"
#include "vectors/gpkg.hpp"

namespace nexusmap {
namespace {

using json = nlohmann::json;

class Population : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_synthetic_dem(dir_ / "dem.tif");
    // Two towns inside the grid (lon 70.2-71.8, lat 37.2-38.0), one without a population, one hamlet.
    test::write_text(dir_ / "towns.csv",
                     "name,lon,lat,population\n"
                     "Big,70.6,37.6,120000\n"
                     "Small,71.4,37.7,30000\n"
                     "Unknown,71.0,37.5,\n"
                     "Hamlet,71.1,37.4,40\n");
    FeatureTable t;
    t.name = "provinces";
    t.crs_wkt = crs_to_wkt("EPSG:4326");
    t.fields = {{"code", FieldType::string}, {"name", FieldType::string}};
    const char* polys[] = {"POLYGON ((70 37,71 37,71 38.2,70 38.2,70 37))", "POLYGON ((71 37,72 37,72 38.2,71 38.2,71 37))"};
    for (int i = 0; i < 2; ++i) {
      Feature f;
      f.fid = i + 1;
      f.geometry = test::from_wkt(polys[i]);
      f.attributes = {std::string(i == 0 ? "XA-W" : "XB-E"), std::string(i == 0 ? "West" : "East")};
      t.features.push_back(std::move(f));
    }
    write_gpkg_layer(dir_ / "provinces.gpkg", t);
    test::write_text(dir_ / "c.toml", test::basic_config(dir_ / "dem.tif", dir_ / "out") + R"(
[[stage]]
id = "population"
places = { path = "towns.csv", x_field = "lon", y_field = "lat" }
min_population = 1000
bandwidth = 8000

[[stage]]
id = "hotspots"
distance_band = 10000
layers = [{ name = "population", input = "population.density", normalize = "min_max" }]

[[stage]]
id = "zonal"
provinces = "provinces.gpkg"
key_field = "code"
country_field = ""
layers = [{ input = "population.density", column = "population" }]
rank_by = "population_mean"

[[stage]]
id = "publish"
date = "2026-01-01"
map_width = 400
)");
  }
  [[nodiscard]] std::filesystem::path latest(const std::string& f) const { return dir_ / "out" / "latest" / f; }
  test::TempDir dir_;
};

TEST_F(Population, ReachesTheProjectTheMapsTheIndexAndTheRanking) {
  const auto r = test::run_nexusmap("run " + (dir_ / "c.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 place(s)"), std::string::npos) << "the town without a population is named: " << r.output;

  // People per km² integrate to the people of the towns kept (the hamlet is below min_population).
  const Raster<float> d = read_raster<float>(latest("population_density.tif"));
  double people = 0;
  for (CellIndex i = 0; i < d.size(); ++i) people += d[i];
  people *= d.grid().dx() * d.grid().dy() / 1e6;
  EXPECT_NEAR(people, 150000.0, 0.02 * 150000.0);

  // The QGIS project shows the layer with its declared title; the GeoTIFF has its style beside it.
  const std::string project = test::read_text(latest("nexusmap.qgs"));
  EXPECT_NE(project.find("./population_density.tif"), std::string::npos);
  EXPECT_NE(project.find("<layername>Population density</layername>"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(latest("population_density.qml")));
  // Its map is drawn and listed in the manifest.
  EXPECT_TRUE(std::filesystem::exists(latest("map_population.png")));
  const json m = test::latest_manifest(dir_ / "out");
  bool listed = false;
  for (const auto& o : m["outputs"]) listed = listed || (o["role"] == "map" && o["path"] == "map_population.png");
  EXPECT_TRUE(listed);
  // It is the one layer of the nexus index ...
  const std::string layers = read_metadata_item(latest("nexus_index.tif"), "NEXUSMAP_LAYERS");
  EXPECT_NE(layers.find("\"layer\":\"population\""), std::string::npos) << layers;
  // ... and the ranking's score: the west holds the bigger town.
  const std::string csv = test::read_text(latest("province_ranking.csv"));
  EXPECT_NE(csv.find(",population_mean,"), std::string::npos) << csv;
  EXPECT_EQ(csv.substr(csv.find('\n') + 1, 7), "1,XA-W,") << csv;
}

TEST_F(Population, NoPlaceAboveTheMinimumIsAnInputError) {
  test::write_text(dir_ / "c2.toml", test::basic_config(dir_ / "dem.tif", dir_ / "out2") + R"(
[[stage]]
id = "population"
places = { path = "towns.csv", x_field = "lon", y_field = "lat" }
min_population = 1000000
)");
  const auto r = test::run_nexusmap("run " + (dir_ / "c2.toml").string());
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("towns.csv"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no place with a population of at least 1000000"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// activity, governance, hotspots and zonal end to end: synthetic inputs with known answers, edge
// cases, and the real regional data (skipped when ../shared/data is absent).
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
using test::from_wkt;
using test::TempDir;

// Two provinces side by side (west: country A, east: country B) over the synthetic grid area.
void write_provinces(const std::filesystem::path& path) {
  FeatureTable t;
  t.name = "provinces";
  t.crs_wkt = crs_to_wkt("EPSG:4326");
  t.fields = {{"code", FieldType::string}, {"name", FieldType::string}, {"country", FieldType::string}};
  const char* polys[] = {"POLYGON ((70 37,71 37,71 38.2,70 38.2,70 37))", "POLYGON ((71 37,72 37,72 38.2,71 38.2,71 37))"};
  const char* codes[] = {"XA-W", "XB-E"};
  const char* names[] = {"West", "East"};
  const char* countries[] = {"Aland", "Bland"};
  for (int i = 0; i < 2; ++i) {
    Feature f;
    f.fid = i + 1;
    f.geometry = from_wkt(polys[i]);
    f.attributes = {std::string(codes[i]), std::string(names[i]), std::string(countries[i])};
    t.features.push_back(std::move(f));
  }
  write_gpkg_layer(path, t);
}

class Analysis : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_synthetic_dem(dir_ / "dem.tif");
    write_provinces(dir_ / "provinces.gpkg");
    // Events: 3 in the west province (dates 2020-2022, types 1 and 3), one far outside the grid.
    test::write_text(dir_ / "events.csv",
                     "id,lon,lat,date,type,deaths\n"
                     "1,70.6,37.6,2022-01-01,1,0\n"
                     "2,70.62,37.62,2021-01-01,1,9\n"
                     "3,70.58,37.58,2020-01-01,3,99\n"
                     "4,60.0,30.0,2022-06-01,1,5\n");
    test::write_text(dir_ / "wgi.csv",
                     "country,year,rl_est\n"
                     "Aland,2022,-1.5\nAland,2023,-2.0\n"
                     "Bland Republic,2023,1.5\n");
  }
  void write_config(const std::string& stages) {
    test::write_text(dir_ / "c.toml", test::basic_config(dir_ / "dem.tif", dir_ / "out", "") + stages);
  }
  test::CommandResult run(const std::string& args = "") {
    return test::run_nexusmap("run " + (dir_ / "c.toml").string() + " " + args);
  }
  [[nodiscard]] json summary(const std::string& stage) const {
    const json m = test::latest_manifest(dir_ / "out");
    for (const auto& s : m["stages"])
      if (s["id"] == stage) return s["summary"];
    return nullptr;
  }
  [[nodiscard]] std::filesystem::path latest(const std::string& file) const { return dir_ / "out" / "latest" / file; }
  static std::string activity(const std::string& extra = "") {
    return R"(
[[stage]]
id = "activity"
events = { path = "events.csv", x_field = "lon", y_field = "lat" }
date_field = "date"
weight_field = "deaths"
weight_transform = "none"
weight_offset = 1
kernel = "gaussian"
bandwidth = 8000
)" + extra;
  }
  TempDir dir_;
};

TEST_F(Analysis, ActivityDensityIntegratesToTheWeightsInside) {
  write_config(activity());
  const auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json s = summary("activity");
  EXPECT_EQ(s["events_used"], 4);
  EXPECT_EQ(s["events_outside_grid"], 1);
  EXPECT_EQ(s["as_of"], "2022-06-01");
  // Weights without decay: deaths + 1 = 1, 10, 100 inside the grid.
  EXPECT_DOUBLE_EQ(s["weight_inside_grid"].get<double>(), 111.0);
  const Raster<float> d = read_raster<float>(latest("activity_density.tif"));
  double integral = 0;
  for (CellIndex i = 0; i < d.size(); ++i) integral += d[i];
  integral *= d.grid().dx() * d.grid().dy() / 1e8;  // per 100 km2 -> events
  EXPECT_NEAR(integral, 111.0, 111.0 * 0.01);
}

TEST_F(Analysis, ActivityFiltersAndHalfLifeDecay) {
  write_config(activity("types = [\"1\"]\ntype_field = \"type\"\nfrom = \"2021-01-01\"\nhalf_life = 365\nas_of = \"2022-01-01\"\n"));
  ASSERT_EQ(run().exit_code, 0);
  const json s = summary("activity");
  // Event 3 (type 3, 2020) filtered; event 4 dated after as_of dropped; event 1 (age 0) weighs 1,
  // event 2 (age 365 d) weighs 10 * 0.5.
  EXPECT_EQ(s["events_used"], 2);
  EXPECT_EQ(s["events_dropped"]["outside the date range"], 1);  // event 3, 2020
  EXPECT_EQ(s["events_dropped"]["after the reference date"], 1); // event 4, 2022-06
  EXPECT_NEAR(s["weight_inside_grid"].get<double>(), 1.0 + 10.0 * 0.5, 1e-9);
  write_config(activity("types = [\"3\"]\ntype_field = \"type\"\n"));
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(summary("activity")["events_used"], 1);
  EXPECT_EQ(summary("activity")["events_dropped"]["type not selected"], 3);
}

TEST_F(Analysis, EmptyEventSetGivesAZeroDensityNotNaN) {
  write_config(activity("from = \"2030-01-01\"\n"));
  const auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("density is zero everywhere"), std::string::npos) << r.output;
  const Raster<float> d = read_raster<float>(latest("activity_density.tif"));
  for (CellIndex i = 0; i < d.size(); ++i) ASSERT_EQ(d[i], 0.0F) << i;
}

TEST_F(Analysis, GovernanceJoinsCountriesWithAliasesAndTheLatestYear) {
  const std::string gov = R"(
[[stage]]
id = "governance"
units = "provinces.gpkg"
unit_country_field = "country"
country_table = "wgi.csv"
country_key = "country"
country_indicators = [ { column = "rl_est", direction = "higher_is_stronger", low = -2.5, high = 2.5 } ]
)";
  write_config(gov);
  auto r = run();
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("'Bland'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("country_aliases"), std::string::npos) << r.output;

  write_config(gov + "country_aliases = { \"Bland Republic\" = \"Bland\" }\n");
  r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Raster<float> gap = read_raster<float>(latest("governance_gap.tif"));
  // Aland: latest year 2023, rl -2.0 -> weakness (2.5 - -2.0... ) = 1 - (-2 + 2.5) / 5 = 0.9; Bland: 1 - 4/5 = 0.2.
  const auto west = gap.grid().cell_at(gap.grid().extent().xmin + 1000, (gap.grid().extent().ymin + gap.grid().extent().ymax) / 2);
  const auto east = gap.grid().cell_at(gap.grid().extent().xmax - 1000, (gap.grid().extent().ymin + gap.grid().extent().ymax) / 2);
  EXPECT_NEAR(gap.at(west->col, west->row), 0.9, 1e-6);
  EXPECT_NEAR(gap.at(east->col, east->row), 0.2, 1e-6);
  EXPECT_EQ(summary("governance")["country_join"]["Aland"]["rl_est"]["year"], 2023);

  // A chosen year falls back to the latest earlier one with a value.
  write_config(gov + "country_aliases = { \"Bland Republic\" = \"Bland\" }\nyear = 2022\n");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(summary("governance")["country_join"]["Aland"]["rl_est"]["year"], 2022);
  EXPECT_EQ(summary("governance")["country_join"]["Bland Republic"].size(), 0U);
}

TEST_F(Analysis, HotspotsAndZonalRankTheProvinces) {
  write_config(activity() + R"(
[[stage]]
id = "hotspots"
method = "cells"
distance_band = 10000
layers = [{ name = "activity", input = "activity.density", normalize = "min_max" }]

[[stage]]
id = "zonal"
provinces = "provinces.gpkg"
key_field = "code"
country_field = "country"
districts = "provinces.gpkg"
district_key_field = "code"
district_name_field = "name"
)");
  const auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = test::read_text(latest("province_ranking.csv"));
  // All events are in the west: it ranks first, with hot spots; the east has none.
  const auto first = csv.find('\n') + 1;
  EXPECT_EQ(csv.substr(first, 7), "1,XA-W,") << csv;
  // The same polygons as districts (without a country column): the same order and values.
  const std::string districts = test::read_text(latest("district_ranking.csv"));
  EXPECT_EQ(districts.substr(first, 12), "1,XA-W,West,") << districts;
  EXPECT_EQ(districts.substr(districts.find('\n', first) + 1, 12), "2,XB-E,East,") << districts;
  const Raster<float> bins = read_raster<float>(latest("hotspot_bins.tif"));
  const Raster<float> nexus = read_raster<float>(latest("nexus_index.tif"));
  double max_bin = -9;
  for (CellIndex i = 0; i < bins.size(); ++i)
    if (bins.valid(i)) max_bin = std::max(max_bin, static_cast<double>(bins[i]));
  EXPECT_EQ(max_bin, 3.0);
  for (CellIndex i = 0; i < nexus.size(); ++i)
    if (nexus.valid(i)) {
      ASSERT_GE(nexus[i], 0.0F);
      ASSERT_LE(nexus[i], 1.0F);
    }
  // The weights are recorded in the output's metadata.
  const std::string layers = read_metadata_item(latest("nexus_index.tif"), "NEXUSMAP_LAYERS");
  EXPECT_NE(layers.find("\"weight\":1.0"), std::string::npos) << layers;
  EXPECT_NE(layers.find("activity"), std::string::npos) << layers;
}

TEST_F(Analysis, ZeroWeightsAreRejectedBeforeRunning) {
  write_config(activity() +
               "\n[[stage]]\nid = \"hotspots\"\nlayers = [{ name = \"activity\", input = \"activity.density\", weight = 0 }]\n");
  const auto r = run();
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("stage 'hotspots'"), std::string::npos) << r.output;
}

TEST_F(Analysis, ConstantLayerGivesADocumentedResult) {
  // No events at all: the activity layer is constant 0. min_max of a constant is documented (not NaN).
  write_config(activity("from = \"2030-01-01\"\n") +
               "\n[[stage]]\nid = \"hotspots\"\nlayers = [{ name = \"activity\", input = \"activity.density\", normalize = "
               "\"min_max\" }]\n");
  const auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Raster<float> nexus = read_raster<float>(latest("nexus_index.tif"));
  const Raster<float> z = read_raster<float>(latest("hotspot_z.tif"));
  for (CellIndex i = 0; i < nexus.size(); ++i) {
    ASSERT_FALSE(std::isnan(nexus[i])) << "a constant layer must not spread NaN";
    ASSERT_EQ(nexus[i], nexus[0]);
    ASSERT_EQ(z[i], 0.0F);
  }
}

TEST(RealDataAnalysis, UcdpDensityPeaksInAfghanistanAndWgiCoversEveryProvince) {
  NEXUSMAP_REQUIRE_SHARED_DATA();
  TempDir dir;
  std::string cfg = test::read_text(test::source_dir() / "configs" / "badakhshan.toml");
  cfg.replace(cfg.find("output = \"../out/badakhshan\""), 28, "output = \"" + (dir / "out").string() + "\"");
  cfg.replace(cfg.find("${NEXUSMAP_DATA:-../../shared/data/region}"), 42, test::shared_data().string());
  test::write_text(dir / "c.toml", cfg);
  const auto r = test::run_nexusmap("run " + (dir / "c.toml").string() + " --only activity governance");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // --only does not repoint latest: read the run folder it printed.
  const std::string run_dir = r.output.substr(r.output.rfind('\n', r.output.size() - 2) + 1);
  const std::filesystem::path folder = std::filesystem::path(run_dir.substr(0, run_dir.find('\n')));
  const json m = test::read_json(folder / "manifest.json");
  json act, gov;
  for (const auto& s : m["stages"]) {
    if (s["id"] == "activity") act = s["summary"];
    if (s["id"] == "governance") gov = s["summary"];
  }
  const Raster<float> d = read_raster<float>(folder / "activity_density.tif");
  CellIndex peak = 0;
  double integral = 0;
  for (CellIndex i = 0; i < d.size(); ++i) {
    integral += d[i];
    if (d[i] > d[peak]) peak = i;
  }
  integral *= d.grid().dx() * d.grid().dy() / 1e8;
  const double inside = act["weight_inside_grid"];
  // The kernel mass of each event (inside the grid or just outside it) that falls inside the grid
  // rectangle — for a Gaussian a product of normal CDF differences — is what the surface must integrate
  // to; the rest spills over the edges.
  const double h = act["bandwidth_m"];
  const Extent e = d.grid().extent();
  const auto phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  double expected = 0;
  {
    VectorSource ev;
    ev.path = folder.parent_path().parent_path() / "cache";
    for (const auto& s : m["stages"])
      if (s["id"] == "activity") ev.path /= s["cache_entry"].get<std::string>() + "/events.gpkg";
    ReadOptions o;
    o.repair = false;
    const FeatureTable events = read_features(ev, o);
    for (const auto& f : events.features) {
      const OGRPoint* p = f.geometry->toPoint();
      const double w = *attr_number(events.attr(f, events.field_index("nexusmap_weight")));
      expected += w * (phi((e.xmax - p->getX()) / h) - phi((e.xmin - p->getX()) / h)) *
                  (phi((e.ymax - p->getY()) / h) - phi((e.ymin - p->getY()) / h));
    }
  }
  RecordProperty("density_integral", std::to_string(integral));
  RecordProperty("weight_inside", std::to_string(inside));
  RecordProperty("kernel_mass_inside", std::to_string(expected));
  EXPECT_NEAR(integral, expected, expected * 0.01);
  EXPECT_GT(inside, 0.5 * expected);
  // The peak lies in Afghanistan.
  const Cell c = d.grid().cell(peak);
  const CrsTransform to_ll(d.grid().crs_wkt, "EPSG:4326");
  const auto [lon, lat] = to_ll.forward(d.grid().x_center(c.col), d.grid().y_center(c.row));
  VectorSource afg;
  afg.path = test::shared_data() / "boundaries" / "ne10m_admin0_region.gpkg";
  afg.where = "country_a3 = 'AFG'";
  const FeatureTable t = read_features(afg);
  OGRPoint p(lon, lat);
  EXPECT_TRUE(t.features[0].geometry->Contains(&p)) << "peak at " << lon << ", " << lat;
  // Every province in the grid got its country's WGI values.
  VectorSource units;
  units.path = folder.parent_path().parent_path() / "cache";
  for (const auto& s : m["stages"])
    if (s["id"] == "governance") units.path /= s["cache_entry"].get<std::string>() + "/units.gpkg";
  ReadOptions o;
  o.repair = false;
  const FeatureTable u = read_features(units, o);
  EXPECT_GT(u.features.size(), 30U);
  for (const auto& f : u.features) {
    EXPECT_TRUE(attr_number(u.attr(f, u.field_index("country_score"))).has_value())
        << attr_text(u.attr(f, u.field_index("name")));
    EXPECT_TRUE(attr_number(u.attr(f, u.field_index("rl_est"))).has_value());
  }
}

}  // namespace
}  // namespace nexusmap

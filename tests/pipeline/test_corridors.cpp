// SPDX-License-Identifier: MIT
// barriers + cost + corridors end to end on a synthetic world with known answers, and on the real
// regional data (skipped when ../shared/data is absent).
#include <cmath>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include "pipeline/hash.hpp"
#include "rasters/io/crs.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "rasters/cost/travel_time.hpp"
#include "tests/pipeline/fixtures.hpp"
#include "tests/support.hpp"
#include "vectors/features.hpp"
#include "vectors/gpkg.hpp"

namespace nexusmap {
namespace {

using json = nlohmann::json;
using test::from_wkt;
using test::TempDir;

void write_layer(const std::filesystem::path& path, const std::string& name, const std::vector<std::string>& wkts,
                 const std::vector<std::string>& names) {
  FeatureTable t;
  t.name = name;
  t.crs_wkt = crs_to_wkt("EPSG:4326");
  t.fields = {{"name", FieldType::string}};
  for (std::size_t i = 0; i < wkts.size(); ++i) {
    Feature f;
    f.fid = static_cast<std::int64_t>(i) + 1;
    f.geometry = from_wkt(wkts[i]);
    f.attributes = {names[i]};
    t.features.push_back(std::move(f));
  }
  write_gpkg_layer(path, t);
}

struct PathRow {
  std::string destination, crossing;
  double hours = 0, km = 0;
  std::vector<std::pair<double, double>> points;
};

std::vector<PathRow> read_paths(const std::filesystem::path& gpkg) {
  VectorSource src;
  src.path = gpkg;
  ReadOptions o;
  o.allow_empty = true;
  o.repair = false;
  const FeatureTable t = read_features(src, o);
  std::vector<PathRow> rows;
  for (const auto& f : t.features) {
    PathRow r;
    r.destination = attr_text(t.attr(f, t.field_index("destination")));
    r.crossing = t.field_index("crossing") >= 0 ? attr_text(t.attr(f, t.field_index("crossing"))) : "";
    r.hours = attr_number(t.attr(f, t.field_index("hours"))).value_or(NAN);
    if (t.field_index("km") >= 0) r.km = attr_number(t.attr(f, t.field_index("km"))).value_or(NAN);
    const auto* line = f.geometry->toLineString();
    for (int i = 0; i < line->getNumPoints(); ++i) r.points.emplace_back(line->getX(i), line->getY(i));
    rows.push_back(std::move(r));
  }
  return rows;
}

// A flat plateau at 1000 m crossed west-east by a river at latitude 37.6, with two crossings (west at
// lon 70.5, east at 71.5); the sources lie south of the river, the destination town north of it.
class SyntheticCorridors : public ::testing::Test {
 protected:
  void SetUp() override {
    const Grid g = Grid::north_up(crs_to_wkt("EPSG:4326"), 70.0, 38.2, 0.01, 200, 120);
    Raster<float> dem(g, 1000.0F);
    test::write_tiff(dir_ / "dem.tif", dem);
    write_layer(dir_ / "river.gpkg", "river", {"LINESTRING (70.0 37.6,72.0 37.6)"}, {"Panj"});
    write_layer(dir_ / "crossings.gpkg", "crossings", {"POINT (70.5 37.6)", "POINT (71.5 37.6)"}, {"West bridge", "East bridge"});
    write_layer(dir_ / "sources.gpkg", "sources", {"POLYGON ((70.9 37.3,71.1 37.3,71.1 37.4,70.9 37.4,70.9 37.3))"}, {"South"});
    write_layer(dir_ / "towns.gpkg", "towns", {"POINT (71.0 37.9)"}, {"North town"});
    write_config("");
  }
  void write_config(const std::string& barrier_extra, const std::string& corridor_extra = "") {
    test::write_text(dir_ / "c.toml", test::basic_config(dir_ / "dem.tif", out(), "") + R"(
[[stage]]
id = "barriers"
rivers = "river.gpkg"
crossings = "crossings.gpkg"
crossing_name_field = "name"
crossing_hours = 2.0
crossing_radius = 2500
date = "2026-06-01"
)" + barrier_extra + R"(
[[stage]]
id = "cost"

[[stage]]
id = "corridors"
origins = "sources.gpkg"
destinations = "towns.gpkg"
neighbours = "16"
alternatives = 3
frequency_draws = 8
)" + corridor_extra);
  }
  [[nodiscard]] std::filesystem::path out() const { return dir_ / "out"; }
  test::CommandResult run(const std::string& args = "") {
    return test::run_nexusmap("run " + (dir_ / "c.toml").string() + " " + args);
  }
  [[nodiscard]] std::filesystem::path entry(const std::string& stage) const {
    const json manifest = test::latest_manifest(out());
    for (const auto& s : manifest["stages"])
      if (s["id"] == stage) return out() / "cache" / s["cache_entry"].get<std::string>();
    return {};
  }
  [[nodiscard]] json summary(const std::string& stage) const {
    const json manifest = test::latest_manifest(out());
    for (const auto& s : manifest["stages"])
      if (s["id"] == stage) return s["summary"];
    return nullptr;
  }
  TempDir dir_;
};

TEST_F(SyntheticCorridors, PathCrossesTheRiverOnlyAtACrossing) {
  const auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto paths = read_paths(entry("corridors") / "paths.gpkg");
  ASSERT_EQ(paths.size(), 1U);
  EXPECT_EQ(paths[0].destination, "North town");
  EXPECT_FALSE(paths[0].crossing.empty());
  // Every cell on the path that is a river cell is an open crossing zone.
  const Raster<float> barrier = read_raster<float>(entry("barriers") / "barrier.tif");
  int river_cells_on_path = 0;
  for (const auto& [x, y] : paths[0].points) {
    const auto c = barrier.grid().cell_at(x, y);
    ASSERT_TRUE(c.has_value());
    const auto flags = static_cast<std::uint8_t>(barrier.at(c->col, c->row));
    if (flags & travel_flags::river) {
      ++river_cells_on_path;
      EXPECT_TRUE(flags & travel_flags::open_crossing) << "river crossed away from a crossing at " << x << "," << y;
    }
  }
  // Known answer on flat ground: the walk at 5.036 km/h plus 2 h at the crossing. The straight line
  // through the nearer (east? no — both are 0.5 degrees off) crossing is the lower bound.
  const double flat_kmh = 6.0 * std::exp(-0.175);
  EXPECT_GT(paths[0].hours, 2.0 + paths[0].km / flat_kmh * 0.97);
  EXPECT_LT(paths[0].hours, 2.0 + paths[0].km / flat_kmh * 1.03);
  // From the sources at lat 37.3-37.4 via a crossing 0.4-0.5 degrees east or west to lat 37.9: 70-110 km.
  EXPECT_GT(paths[0].km, 60.0);
  EXPECT_LT(paths[0].km, 120.0);
}

TEST_F(SyntheticCorridors, ClosingTheCrossingUsedMovesThePath) {
  ASSERT_EQ(run().exit_code, 0);
  const auto open = read_paths(entry("corridors") / "paths.gpkg");
  ASSERT_EQ(open.size(), 1U);
  const std::string used = open[0].crossing;
  const std::string other = used == "West bridge" ? "East bridge" : "West bridge";
  write_config("closures = [ { crossing = \"" + used + "\", from = \"2026-05-01\", to = \"2026-07-01\" } ]\n");
  ASSERT_EQ(run().exit_code, 0);
  const auto moved = read_paths(entry("corridors") / "paths.gpkg");
  ASSERT_EQ(moved.size(), 1U);
  EXPECT_EQ(moved[0].crossing, other);
  // A closure outside the run's date changes nothing.
  write_config("closures = [ { crossing = \"" + used + "\", from = \"2025-01-01\", to = \"2025-02-01\" } ]\n");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(read_paths(entry("corridors") / "paths.gpkg")[0].crossing, used);
  // Both closed: no route is left, so the flow would be zero everywhere: the run stops with a clear
  // error instead of publishing a constant layer (the last good results stay in latest).
  write_config("closures = [ { crossing = \"West bridge\", from = \"2026-01-01\", to = \"2026-12-31\" },\n"
               "             { crossing = \"East bridge\", from = \"2026-01-01\", to = \"2026-12-31\" } ]\n");
  const auto r = run();
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("no origin reaches any destination"), std::string::npos) << r.output;
  EXPECT_EQ(read_paths(entry("corridors") / "paths.gpkg")[0].crossing, used);  // latest is the previous run
}

TEST_F(SyntheticCorridors, AlternativesAreDistinctAndFrequencyIsAShare) {
  ASSERT_EQ(run().exit_code, 0);
  const auto alts = read_paths(entry("corridors") / "alternatives.gpkg");
  ASSERT_GE(alts.size(), 2U);
  for (std::size_t i = 0; i < alts.size(); ++i)
    for (std::size_t j = i + 1; j < alts.size(); ++j) EXPECT_NE(alts[i].points, alts[j].points) << i << " vs " << j;
  // The first alternative is the least-cost path.
  const auto paths = read_paths(entry("corridors") / "paths.gpkg");
  EXPECT_EQ(alts[0].points, paths[0].points);
  EXPECT_NEAR(alts[0].hours, paths[0].hours, 1e-9);
  for (std::size_t i = 1; i < alts.size(); ++i) EXPECT_GE(alts[i].hours, alts[0].hours - 1e-9);
  const Raster<float> freq = read_raster<float>(out() / "latest" / "route_frequency.tif");
  double max = 0;
  for (CellIndex i = 0; i < freq.size(); ++i)
    if (freq.valid(i)) {
      EXPECT_GE(freq[i], 0.0F);
      EXPECT_LE(freq[i], 1.0F);
      max = std::max(max, static_cast<double>(freq[i]));
    }
  EXPECT_EQ(max, 1.0);  // every draw's path ends at the destination cell
  // The corridor contains the least-cost path.
  const Raster<float> corridor = read_raster<float>(out() / "latest" / "corridor.tif");
  for (const auto& [x, y] : paths[0].points) {
    const auto c = corridor.grid().cell_at(x, y);
    EXPECT_EQ(corridor.at(c->col, c->row), 1.0F);
  }
}

TEST_F(SyntheticCorridors, SameOutputsWithOneAndTwoThreads) {
  ASSERT_EQ(run("--threads 1").exit_code, 0);
  const json m1 = test::latest_manifest(out());
  ASSERT_EQ(run("--threads 2 --force").exit_code, 0);
  const json m2 = test::latest_manifest(out());
  ASSERT_EQ(m1["outputs"].size(), m2["outputs"].size());
  for (std::size_t i = 0; i < m1["outputs"].size(); ++i)
    EXPECT_EQ(m1["outputs"][i]["sha256"], m2["outputs"][i]["sha256"]) << m1["outputs"][i]["path"];
  for (const auto& s : m2["stages"]) EXPECT_EQ(s["status"], "ran");
  // Vector artifacts too (GeoPackages are byte-identical: nexusmap fixes their timestamps).
  for (const char* f : {"paths.gpkg", "alternatives.gpkg", "corridor_polygons.gpkg"})
    EXPECT_EQ(sha256_file(entry("corridors") / f), sha256_file(entry("corridors") / f));
}

TEST_F(SyntheticCorridors, SourcesOutsideTheGridAreAClearError) {
  write_layer(dir_ / "sources.gpkg", "sources", {"POLYGON ((60 30,60.1 30,60.1 30.1,60 30.1,60 30))"}, {"Far"});
  const auto r = run();
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("cover no passable cell of the grid"), std::string::npos) << r.output;
}

TEST_F(SyntheticCorridors, UnknownClosureNameIsAnInputError) {
  write_config("closures = [ { crossing = \"Middle bridge\", from = \"2026-01-01\", to = \"2026-12-31\" } ]\n");
  const auto r = run();
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("'Middle bridge'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'East bridge', 'West bridge'"), std::string::npos) << r.output;
}

// The cost stage's layers by hand: roads, multiplier rasters and the seasonal altitude rules.
TEST(CostLayers, RoadsMultipliersAndSeasons) {
  TempDir dir;
  // Flat at 1000 m with a 4500 m plateau in the north-east corner.
  const Grid g = Grid::north_up(crs_to_wkt("EPSG:4326"), 70.0, 38.2, 0.01, 200, 120);
  Raster<float> dem(g, 1000.0F);
  for (std::int64_t r = 0; r < 30; ++r)
    for (std::int64_t c = 150; c < 200; ++c) dem.at(c, r) = 4500.0F;
  test::write_tiff(dir / "dem.tif", dem);
  // Multiplier 3 in the western half.
  Raster<float> mult(g, 1.0F);
  for (std::int64_t r = 0; r < 120; ++r)
    for (std::int64_t c = 0; c < 100; ++c) mult.at(c, r) = 3.0F;
  test::write_tiff(dir / "risk.tif", mult);
  write_layer(dir / "roads.gpkg", "roads", {"LINESTRING (70.9 37.3,70.9 38.0)"}, {"track"});
  const auto config = [&](const std::string& season) {
    return test::basic_config(dir / "dem.tif", dir / "out", "") + R"(
[[stage]]
id = "cost"
season = ")" + season + R"("
roads = "roads.gpkg"
road_class_field = "name"
road_speeds = { track = 15 }
[[stage.multipliers]]
path = "risk.tif"
name = "enforcement risk"
resampling = "nearest"
)";
  };
  test::write_text(dir / "c.toml", config("summer"));
  auto r = test::run_nexusmap("run " + (dir / "c.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Raster<float> t = read_raster<float>(dir / "out" / "latest" / "travel_cost.tif");
  const CrsTransform ll(crs_to_wkt("EPSG:4326"), t.grid().crs_wkt);
  const auto at = [&](double lon, double lat) {
    const auto [x, y] = ll.forward(lon, lat);
    const auto c = t.grid().cell_at(x, y);
    if (!c) throw std::runtime_error("test point outside the grid");
    return static_cast<double>(t.at(c->col, c->row));
  };
  const double flat = 1.0 / (6.0 * std::exp(-0.175));  // h/km walking on the flat
  EXPECT_NEAR(at(71.3, 37.5), flat, 1e-5);               // east: plain ground
  EXPECT_NEAR(at(70.5, 37.5), 3 * flat, 1e-5);           // west: risk multiplier 3
  EXPECT_NEAR(at(70.9, 37.6), 1.0 / 15.0, 1e-6);         // on the road
  EXPECT_NEAR(at(71.7, 37.95), 2 * flat, 1e-5);           // summer: 4500 m is above the 4000 m penalty line
  test::write_text(dir / "c.toml", config("winter"));
  r = test::run_nexusmap("run " + (dir / "c.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  t = read_raster<float>(dir / "out" / "latest" / "travel_cost.tif");
  EXPECT_TRUE(std::isnan(at(71.7, 37.95)));               // winter: closed above 4200 m
  EXPECT_NEAR(at(71.3, 37.5), flat, 1e-5);
  const json m = test::latest_manifest(dir / "out");
  EXPECT_EQ(test::stage_status(m)["terrain"], "cached");  // only the cost model changed
  EXPECT_GT(m["stages"][2]["summary"]["cells_closed_by_altitude"].get<int>(), 0);
}

// Real data: from Afghan Badakhshan the paths to Dushanbe and Osh exist, cross the Panj at a crossing,
// and take a plausible number of hours for pack animals on mountain tracks.
TEST(RealDataCorridors, BadakhshanToDushanbeAndOsh) {
  NEXUSMAP_REQUIRE_SHARED_DATA();
  TempDir dir;
  std::string cfg = test::read_text(test::source_dir() / "configs" / "badakhshan.toml");
  const auto cut = cfg.find("[[stage]]\nid = \"activity\"");
  ASSERT_NE(cut, std::string::npos);
  cfg = cfg.substr(0, cut);
  cfg.replace(cfg.find("output = \"../out/badakhshan\""), 28, "output = \"" + (dir / "out").string() + "\"");
  cfg.replace(cfg.find("${NEXUSMAP_DATA:-../../shared/data/region}"), 42, test::shared_data().string());
  cfg.replace(cfg.find("frequency_draws = 40"), 20, "frequency_draws = 4");
  // Only Badakhshan's districts as origins (the default also has Takhar and Kunduz).
  const std::string regions = "iso_3166_2 IN ('AF-BDS', 'AF-TAK', 'AF-KDZ')";
  cfg.replace(cfg.find(regions), regions.size(), "iso_3166_2 = 'AF-BDS'");
  test::write_text(dir / "c.toml", cfg);
  const auto r = test::run_nexusmap("run " + (dir / "c.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json manifest = test::latest_manifest(dir / "out");
  json paths;
  for (const auto& s : manifest["stages"])
    if (s["id"] == "corridors") paths = s["summary"]["paths"];
  std::map<std::string, json> by_name;
  for (const auto& p : paths) by_name[p["destination"]] = p;
  ASSERT_TRUE(by_name.count("Dushanbe")) << paths.dump(2);
  ASSERT_TRUE(by_name.count("Osh")) << paths.dump(2);
  for (const char* town : {"Dushanbe", "Osh"}) {
    const json& p = by_name[town];
    RecordProperty(std::string(town) + "_hours", p["hours"].dump());
    RecordProperty(std::string(town) + "_km", p["km"].dump());
    RecordProperty(std::string(town) + "_crossing", p["crossing"].get<std::string>());
    EXPECT_FALSE(p["crossing"].get<std::string>().empty()) << town << " crosses the Panj at a crossing: " << p.dump();
    EXPECT_NE(p["provinces"].get<std::string>().find("Badakhshan"), std::string::npos) << p.dump();
  }
  // Pack animals (0.8 x Tobler) over the Pamir: Dushanbe ~150 km of track, Osh ~300 km.
  EXPECT_GT(by_name["Dushanbe"]["hours"].get<double>(), 20);
  EXPECT_LT(by_name["Dushanbe"]["hours"].get<double>(), 90);
  EXPECT_GT(by_name["Osh"]["hours"].get<double>(), 50);
  EXPECT_LT(by_name["Osh"]["hours"].get<double>(), 200);
  EXPECT_GT(by_name["Osh"]["hours"].get<double>(), by_name["Dushanbe"]["hours"].get<double>());
  EXPECT_NE(by_name["Dushanbe"]["provinces"].get<std::string>().find("Khatlon"), std::string::npos);
  EXPECT_NE(by_name["Osh"]["provinces"].get<std::string>().find("Osh"), std::string::npos);
}

// Radii in metres hold across resolutions: the default scenario's main routes to the towns cross the
// Panj at the same crossing on 1, 2 and 4 km grids (a 3 km crossing zone on a 4 km grid used to be a
// single cell inside a two-cell river, and those crossings silently stopped working).
TEST(RealDataCorridors, SameCrossingsAtOneTwoAndFourKilometres) {
  NEXUSMAP_REQUIRE_SHARED_DATA();
  TempDir dir;
  std::string cfg = test::read_text(test::source_dir() / "configs" / "badakhshan.toml");
  cfg = cfg.substr(0, cfg.find("[[stage]]\nid = \"activity\""));
  cfg.replace(cfg.find("output = \"../out/badakhshan\""), 28, "output = \"" + (dir / "out").string() + "\"");
  cfg.replace(cfg.find("${NEXUSMAP_DATA:-../../shared/data/region}"), 42, test::shared_data().string());
  cfg.replace(cfg.find("frequency_draws = 40"), 20, "frequency_draws = 2");
  test::write_text(dir / "c.toml", cfg);
  std::map<int, std::map<std::string, std::string>> first_crossing;  // resolution -> town -> crossing
  for (int km : {1, 2, 4}) {
    const auto r = test::run_nexusmap(fmt::format("run {} --set grid.resolution={} --out {}", (dir / "c.toml").string(),
                                                  km * 1000, (dir / ("out" + std::to_string(km))).string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const json m = test::latest_manifest(dir / ("out" + std::to_string(km)));
    for (const auto& s : m["stages"])
      if (s["id"] == "corridors")
        for (const auto& p : s["summary"]["paths"]) {
          const std::string x = p["crossing"];
          first_crossing[km][p["destination"]] = x.substr(0, x.find(';'));
        }
  }
  for (const char* town : {"Dushanbe", "Kulob", "Khorugh", "Osh"}) {
    ASSERT_TRUE(first_crossing[1].count(town)) << town;
    EXPECT_FALSE(first_crossing[1][town].empty()) << town;
    EXPECT_EQ(first_crossing[2][town], first_crossing[1][town]) << town << " at 2 km";
    EXPECT_EQ(first_crossing[4][town], first_crossing[1][town]) << town << " at 4 km";
  }
}

}  // namespace
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// The publish stage in a complete synthetic run through the runner, and on real data.
#include "tests/pipeline/publish/publish_test_support.hpp"

namespace nexusmap {
namespace {

using namespace publish_test;

// ---- a complete synthetic run through the runner -------------------------------------------------

class PublishRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Logging::init(Verbosity::quiet);
    CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    dir_ = new TempDir();
    run_ = new test::FixtureRun(test::run_publish_fixture(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete run_;
    delete dir_;
  }
  void SetUp() override { ASSERT_EQ(run_->exit_code, 0) << run_->message; }
  static const std::filesystem::path& run_dir() { return run_->run_dir; }
  static const json& manifest() { return run_->manifest; }

  static TempDir* dir_;
  static test::FixtureRun* run_;
};

TempDir* PublishRun::dir_ = nullptr;
test::FixtureRun* PublishRun::run_ = nullptr;

std::vector<json> outputs_with_role(const json& manifest, const std::string& role) {
  std::vector<json> out;
  for (const auto& o : manifest.at("outputs"))
    if (o.at("role") == role) out.push_back(o);
  return out;
}

TEST_F(PublishRun, ManifestListsTheGeoPackageLayersProjectReportAndMaps) {
  const auto vectors = outputs_with_role(manifest(), "vectors");
  ASSERT_EQ(vectors.size(), 1u);
  EXPECT_EQ(vectors[0].at("path"), "nexusmap.gpkg");
  const std::map<std::string, std::string> layer_roles = {{"least_cost_paths", "least_cost_paths"},
                                                          {"alternative_routes", "alternative_routes"},
                                                          {"corridor", "corridor_polygons"},
                                                          {"province_stats", "province_stats"},
                                                          {"inputs", "crossings"}};
  for (const auto& [role, layer] : layer_roles) {
    bool found = false;
    for (const auto& o : outputs_with_role(manifest(), role))
      found = found || (o.value("path", "") == "nexusmap.gpkg" && o.value("layer", "") == layer);
    EXPECT_TRUE(found) << role << " -> " << layer;
  }
  const auto project = outputs_with_role(manifest(), "qgis_project");
  ASSERT_EQ(project.size(), 1u);
  EXPECT_EQ(project[0].at("path"), "nexusmap.qgs");
  ASSERT_EQ(outputs_with_role(manifest(), "report").size(), 1u);
  std::set<std::string> maps;
  for (const auto& m : outputs_with_role(manifest(), "map")) maps.insert(m.at("path"));
  EXPECT_EQ(maps, (std::set<std::string>{"map_nexus.png", "map_corridors.png", "map_activity.png", "map_governance.png",
                                         "map_hotspots.png"}));
  for (const auto& o : manifest().at("outputs"))
    EXPECT_TRUE(std::filesystem::exists(run_dir() / o.at("path").get<std::string>()));
}

TEST_F(PublishRun, EveryStyledGeoTiffHasItsQmlBesideIt) {
  const std::map<std::string, std::string> expected = {{"nexus_index", "singlebandpseudocolor"},
                                                       {"hotspot_z", "singlebandpseudocolor"},
                                                       {"hotspot_bins", "paletted"},
                                                       {"activity_density", "singlebandpseudocolor"},
                                                       {"governance_gap", "singlebandpseudocolor"},
                                                       {"remoteness", "singlebandpseudocolor"},
                                                       {"route_frequency", "singlebandpseudocolor"},
                                                       {"corridor", "paletted"},
                                                       {"accumulated_cost", "singlebandpseudocolor"},
                                                       {"hillshade", "singlebandgray"}};
  int checked = 0;
  for (const auto& o : manifest().at("outputs")) {
    if (o.at("kind") != "raster") continue;
    const std::filesystem::path tif = o.at("path").get<std::string>();
    const auto qml = run_dir() / tif.stem().concat(".qml");
    ASSERT_TRUE(std::filesystem::exists(qml)) << qml;
    ASSERT_TRUE(o.contains("sidecars")) << tif;
    EXPECT_EQ(o.at("sidecars")[0].at("path"), qml.filename().string());
    const XmlDoc doc(read_file(qml));
    ASSERT_NE(doc.root("qgis"), nullptr) << qml;
    const std::string role = o.at("role");
    ASSERT_EQ(expected.count(role), 1u) << role;
    EXPECT_EQ(attr(all(doc.root("qgis"), "rasterrenderer")[0], "type"), expected.at(role)) << role;
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST_F(PublishRun, GeoPackageLayersCarryTheirDefaultStyles) {
  const auto rows = read_layer_styles(run_dir() / "nexusmap.gpkg");
  std::map<std::string, StyleRow> by_table;
  for (const auto& r : rows) by_table[r.table] = r;
  for (const char* layer :
       {"least_cost_paths", "alternative_routes", "corridor_polygons", "province_stats", "crossings"}) {
    ASSERT_EQ(by_table.count(layer), 1u) << layer;
    EXPECT_EQ(by_table[layer].use_as_default, 1);
    const XmlDoc qml(by_table[layer].qml);
    ASSERT_NE(qml.root("qgis"), nullptr) << layer;
    EXPECT_NE(XmlDoc(by_table[layer].sld).root("StyledLayerDescriptor"), nullptr) << layer;
  }
  EXPECT_EQ(attr(all(XmlDoc(by_table["province_stats"].qml).root("qgis"), "renderer-v2")[0], "type"),
            "graduatedSymbol");
  // Gorno-Badakhshan (a multipolygon among polygons) kept both parts.
  VectorSource src;
  src.path = run_dir() / "nexusmap.gpkg";
  src.layer = "province_stats";
  ReadOptions opts;
  opts.repair = false;
  const FeatureTable provinces = read_features(src, opts);
  ASSERT_EQ(provinces.features.size(), 6u);
  EXPECT_EQ(provinces.features[3].geometry->toMultiPolygon()->getNumGeometries(), 2);
}

TEST_F(PublishRun, ProjectUsesRelativePathsGroupsAndTheGridCrs) {
  const XmlDoc doc(read_file(run_dir() / "nexusmap.qgs"));
  const CPLXMLNode* root = doc.root("qgis");
  ASSERT_NE(root, nullptr);
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto* g : all(root, "layer-tree-group")) {
    if (attr(g, "name").empty()) continue;
    for (const auto* l : all(g, "layer-tree-layer")) groups[attr(g, "name")].push_back(attr(l, "id"));
  }
  const auto ids = [](std::vector<std::string> names) {
    for (auto& n : names) n = "nexusmap_" + n;
    return names;
  };
  EXPECT_EQ(groups["Analysis"], ids({"province_stats", "hotspot_bins", "nexus_index", "hotspot_z", "activity_density",
                                     "governance_gap", "remoteness"}));
  EXPECT_EQ(groups["Corridors"], ids({"least_cost_paths", "alternative_routes", "corridor_polygons", "corridor",
                                      "route_frequency", "accumulated_cost"}));
  EXPECT_EQ(groups["Inputs"], ids({"crossings", "provinces", "hillshade"}));
  // Every source is relative and exists in the run folder.
  const auto maplayers = all(root, "maplayer");
  EXPECT_EQ(maplayers.size(), 16u);
  for (const auto* l : maplayers) {
    const std::string source = CPLGetXMLValue(l, "datasource", "");
    ASSERT_EQ(source.rfind("./", 0), 0u) << source;
    const std::string file = source.substr(2, source.find('|') - 2);
    EXPECT_TRUE(std::filesystem::exists(run_dir() / file)) << source;
  }
  // Drawing order: points, lines, polygons, then rasters.
  std::map<std::string, std::string> type_of;
  for (const auto* l : maplayers)
    type_of[CPLGetXMLValue(l, "id", "")] = attr(l, "type") == "raster" ? "raster" : attr(l, "geometry");
  const std::map<std::string, int> rank = {{"Point", 0}, {"Line", 1}, {"Polygon", 2}, {"raster", 3}};
  int last = 0;
  for (const auto* item : all(all(root, "custom-order")[0], "item")) {
    const int r = rank.at(type_of.at(CPLGetXMLValue(item, "", "")));
    EXPECT_GE(r, last);
    last = r;
  }
  // The project CRS is the grid's, which is also every GeoTIFF's.
  OGRSpatialReference project, tif;
  ASSERT_EQ(project.importFromWkt(CPLGetXMLValue(root, "projectCrs.spatialrefsys.wkt", "")), OGRERR_NONE);
  const RasterInfo info = inspect_raster(run_dir() / "nexus_index.tif");
  ASSERT_EQ(tif.importFromWkt(info.grid.crs_wkt.c_str()), OGRERR_NONE);
  EXPECT_TRUE(project.IsSame(&tif));
  EXPECT_EQ(std::string(CPLGetXMLValue(root, "properties.Paths.Absolute", "")), "false");
  EXPECT_NEAR(std::stod(CPLGetXMLValue(root, "mapcanvas.extent.xmin", "nan")), info.grid.extent().xmin, 1e-6);
  // The raster styles embedded are the .qml files beside the GeoTIFFs.
  for (const auto* l : maplayers) {
    if (attr(l, "type") != "raster") continue;
    const std::string source = CPLGetXMLValue(l, "datasource", "");
    const XmlDoc qml(read_file(run_dir() / std::filesystem::path(source.substr(2)).replace_extension(".qml")));
    const auto a = all(l, "rasterrenderer");
    const auto b = all(qml.root("qgis"), "rasterrenderer");
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    char* sa = CPLSerializeXMLTree(a[0]);
    char* sb = CPLSerializeXMLTree(b[0]);
    EXPECT_STREQ(sa, sb) << source;
    CPLFree(sa);
    CPLFree(sb);
  }
}

TEST_F(PublishRun, ReportIsSelfContained) {
  const std::string html = read_file(run_dir() / "report.html");
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // Every src is an embedded image; one per map.
  int images = 0;
  for (auto pos = html.find("src=\""); pos != std::string::npos; pos = html.find("src=\"", pos + 1)) {
    EXPECT_EQ(html.compare(pos + 5, 22, "data:image/png;base64,"), 0) << html.substr(pos, 60);
    ++images;
  }
  EXPECT_EQ(images, 5);
  const std::string map = read_file(run_dir() / "map_nexus.png");
  EXPECT_NE(html.find(base64_encode(map)), std::string::npos);
  for (const char* s : {"Badakhshan", "Gorno-Badakhshan", "Dushanbe side", "Osh", "Khorog", "61.5", "resolution",
                        "hillshade_exaggeration", "3.6", "sha256"})
    EXPECT_NE(html.find(s), std::string::npos) << s;
}

TEST_F(PublishRun, MapsAreDrawnAtTheRequestedWidth) {
  for (const char* name : {"map_nexus", "map_corridors", "map_activity", "map_governance", "map_hotspots"}) {
    const Png png = read_png(run_dir() / (std::string(name) + ".png"));
    EXPECT_EQ(png.width, 900) << name;
    EXPECT_GT(png.height, 400) << name;
    EXPECT_GT(distinct_colours(png), 300u) << name;
  }
}

TEST_F(PublishRun, SameInputsGiveTheSameFiles) {
  TempDir other;
  const auto again = test::run_publish_fixture(other.path());
  ASSERT_EQ(again.exit_code, 0) << again.message;
  // (The GeoTIFFs' provenance names the DEM by its absolute path, which differs here; their cells must not.)
  for (const char* f :
       {"nexusmap.qgs", "nexusmap.gpkg", "map_nexus.png", "map_hotspots.png", "nexus_index.qml", "hillshade.qml"})
    EXPECT_TRUE(read_file(run_dir() / f) == read_file(again.run_dir / f)) << f << " differs between equal runs";
  const auto a = read_raster<std::uint8_t>(run_dir() / "hillshade.tif");
  const auto b = read_raster<std::uint8_t>(again.run_dir / "hillshade.tif");
  EXPECT_TRUE(std::equal(a.values().begin(), a.values().end(), b.values().begin(), b.values().end()));
}

TEST(PublishRunMinimal, WithoutAnalysisStagesTheProjectHasTheHillshadeAndNoMaps) {
  Logging::init(Verbosity::quiet);
  TempDir dir;
  test::FixtureOptions opts;
  opts.stages = {};
  const auto run = test::run_publish_fixture(dir.path(), opts);
  ASSERT_EQ(run.exit_code, 0) << run.message;
  EXPECT_TRUE(outputs_with_role(run.manifest, "map").empty());
  EXPECT_TRUE(outputs_with_role(run.manifest, "vectors").empty());
  const XmlDoc doc(read_file(run.run_dir / "nexusmap.qgs"));
  const auto layers = all(doc.root("qgis"), "maplayer");
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(std::string(CPLGetXMLValue(layers[0], "datasource", "")), "./hillshade.tif");
  const std::string html = read_file(run.run_dir / "report.html");
  EXPECT_NE(html.find("No map layers in this run"), std::string::npos);
}

TEST(RealData, GridTerrainPublishRun) {
  NEXUSMAP_REQUIRE_SHARED_DATA();
  TempDir dir;
  const auto config = dir / "real.toml";
  {
    std::ofstream out(config);
    out << fmt::format(
        "[run]\nname = \"Badakhshan relief\"\noutput = \"out\"\n\n"
        "[[stage]]\nid = \"grid\"\nbounds = [69.0, 36.0, 73.5, 39.5]\nresolution = 2000\n\n"
        "[[stage]]\nid = \"terrain\"\ndem = \"{}\"\n\n"
        "[[stage]]\nid = \"publish\"\nmap_width = 800\n",
        (test::shared_data() / "dem" / "srtm30plus_region_1min.tif").string());
  }
  const auto r = test::run_nexusmap("-q run " + config.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto latest = dir / "out" / "latest";
  const XmlDoc doc(read_file(latest / "nexusmap.qgs"));
  ASSERT_NE(doc.root("qgis"), nullptr);
  EXPECT_TRUE(std::filesystem::exists(latest / "hillshade.qml"));
  const RasterInfo info = inspect_raster(latest / "hillshade.tif");
  EXPECT_EQ(info.data_type, "Byte");
  EXPECT_EQ(info.driver, "GTiff");
}

}  // namespace
}  // namespace nexusmap

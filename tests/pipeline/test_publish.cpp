// SPDX-License-Identifier: MIT
// The publish stage: raster styles (.qml), vector styles in the GeoPackage, the QGIS project, the
// maps and the report; first piece by piece, then on a complete synthetic run through the runner.
#include <cmath>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include <cpl_conv.h>
#include <fmt/format.h>
#include <cpl_minixml.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "pipeline/context.hpp"
#include "pipeline/logging.hpp"
#include "pipeline/publish/catalog.hpp"
#include "pipeline/publish/gpkg_styles.hpp"
#include "pipeline/publish/map_render.hpp"
#include "pipeline/publish/qgis_project.hpp"
#include "pipeline/publish/report.hpp"
#include "pipeline/publish/styles.hpp"
#include "pipeline/publish/vector_styles.hpp"
#include "rasters/io/crs.hpp"
#include "rasters/io/dem_processing.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"
#include "tests/pipeline/publish_fixture.hpp"
#include "tests/support.hpp"
#include "vectors/gpkg.hpp"

namespace nexusmap {
namespace {

using test::TempDir;
using json = nlohmann::json;

// ---- small helpers ------------------------------------------------------------------------------

struct XmlDoc {
  std::unique_ptr<CPLXMLNode, decltype(&CPLDestroyXMLNode)> tree{nullptr, CPLDestroyXMLNode};
  explicit XmlDoc(const std::string& text) : tree(CPLParseXMLString(text.c_str()), CPLDestroyXMLNode) {}
  [[nodiscard]] const CPLXMLNode* root(const char* name) const {
    return tree ? CPLGetXMLNode(tree.get(), (std::string("=") + name).c_str()) : nullptr;
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Every element named `name` below `node`, depth first.
void collect(const CPLXMLNode* node, const std::string& name, std::vector<const CPLXMLNode*>& out) {
  for (const CPLXMLNode* c = node ? node->psChild : nullptr; c != nullptr; c = c->psNext) {
    if (c->eType != CXT_Element) continue;
    if (name == c->pszValue) out.push_back(c);
    collect(c, name, out);
  }
}

std::vector<const CPLXMLNode*> all(const CPLXMLNode* node, const std::string& name) {
  std::vector<const CPLXMLNode*> out;
  collect(node, name, out);
  return out;
}

std::string attr(const CPLXMLNode* n, const char* key) { return CPLGetXMLValue(n, key, ""); }

Raster<float> ramp_raster(std::int64_t n) {
  Raster<float> r(test::small_grid(n, 1), 0.0F);
  for (CellIndex i = 0; i < n; ++i) r[i] = static_cast<float>(i);
  return r;
}

double luminance(const std::string& hex) {
  const Rgba c = rgb(hex.c_str());
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

// ---- raster statistics and styles ---------------------------------------------------------------

TEST(RasterStats, MinMaxPercentilesOfValidCellsOnly) {
  Raster<float> r = ramp_raster(101);  // 0..100
  r[50] = std::nanf("");
  const RasterStats s = raster_stats(r);
  EXPECT_EQ(s.valid, 100);
  EXPECT_EQ(s.min, 0);
  EXPECT_EQ(s.max, 100);
  // 100 values 0..49, 51..100: rank 0.02*99 = 1.98 -> between 1 and 2; rank 97.02 -> between 98 and 99.
  EXPECT_NEAR(s.p2, 1.98, 1e-9);
  EXPECT_NEAR(s.p98, 98.02, 1e-9);
  EXPECT_NEAR(s.zero_fraction, 0.01, 1e-12);
}

TEST(RasterStats, IntegerRasterHonoursItsMask) {
  Raster<std::int16_t> r(test::small_grid(4, 1), std::int16_t{0});
  r[0] = -3;
  r[1] = 2;
  r[2] = 3;
  r.set_nodata(3);
  const RasterStats s = raster_stats(r);
  EXPECT_EQ(s.valid, 3);
  EXPECT_EQ(s.min, -3);
  EXPECT_EQ(s.max, 3);
}

TEST(RasterStats, EmptyRasterHasNoRange) {
  Raster<float> r(test::small_grid(3, 3));
  const RasterStats s = raster_stats(r);
  EXPECT_EQ(s.valid, 0);
  EXPECT_TRUE(std::isnan(s.min));
  // A style can still be made (QGIS needs some range).
  const RasterSymbology sym = raster_symbology(RasterStyle::uniform, s);
  EXPECT_LT(sym.min, sym.max);
}

TEST(RasterQml, UniformIsViridisFromZeroToTheDataMaximum) {
  const RasterSymbology sym = raster_symbology(RasterStyle::uniform, raster_stats(ramp_raster(51)), "index");
  const XmlDoc doc(raster_qml(sym));
  const CPLXMLNode* root = doc.root("qgis");
  ASSERT_NE(root, nullptr);
  const auto renderers = all(root, "rasterrenderer");
  ASSERT_EQ(renderers.size(), 1u);
  EXPECT_EQ(attr(renderers[0], "type"), "singlebandpseudocolor");
  EXPECT_EQ(std::stod(attr(renderers[0], "classificationMin")), 0);
  EXPECT_EQ(std::stod(attr(renderers[0], "classificationMax")), 50);
  const auto items = all(root, "item");
  ASSERT_EQ(items.size(), 9u);
  EXPECT_EQ(attr(items.front(), "color"), "#440154");
  EXPECT_EQ(attr(items.back(), "color"), "#fde725");
  EXPECT_EQ(std::stod(attr(items.back(), "value")), 50);
  EXPECT_EQ(attr(all(root, "colorrampshader")[0], "colorRampType"), "INTERPOLATED");
  EXPECT_EQ(attr(all(root, "rampLegendSettings")[0], "suffix"), " index");
  // Only 2% zeros: zero is data, not "no signal".
  EXPECT_TRUE(all(root, "pixelListEntry").empty());
}

TEST(RasterQml, ZeroInflatedUniformLayersShowZeroAsTransparent) {
  Raster<float> r(test::small_grid(10, 10), 0.0F);
  for (CellIndex i = 0; i < 20; ++i) r[i] = 0.05F * static_cast<float>(i);
  const XmlDoc doc(raster_qml(raster_symbology(RasterStyle::uniform, raster_stats(r))));
  const auto px = all(doc.root("qgis"), "pixelListEntry");
  ASSERT_EQ(px.size(), 1u);
  EXPECT_EQ(attr(px[0], "min"), "0");
  EXPECT_EQ(attr(px[0], "max"), "0");
  EXPECT_EQ(attr(px[0], "percentTransparent"), "100");
}

TEST(RasterQml, SequentialRunsLightToDarkFromMinToThe98thPercentile) {
  const RasterStats st = raster_stats(ramp_raster(201));
  const XmlDoc doc(raster_qml(raster_symbology(RasterStyle::sequential, st, "h")));
  const auto items = all(doc.root("qgis"), "item");
  ASSERT_GE(items.size(), 3u);
  EXPECT_GT(luminance(attr(items.front(), "color")), luminance(attr(items.back(), "color")) + 100);
  EXPECT_EQ(std::stod(attr(items.front(), "value")), 0);
  EXPECT_NEAR(std::stod(attr(items.back(), "value")), st.p98, 1e-6);
}

TEST(RasterQml, DivergingIsCentredOnZeroBlueWhiteRed) {
  Raster<float> z = ramp_raster(101);
  for (CellIndex i = 0; i < z.size(); ++i) z[i] = (z[i] - 30.0F) / 10.0F;  // -3 .. 7: asymmetric
  const RasterSymbology sym = raster_symbology(RasterStyle::diverging, raster_stats(z));
  EXPECT_DOUBLE_EQ(sym.min, -sym.max);
  EXPECT_GT(sym.max, 6.5);
  const XmlDoc doc(raster_qml(sym));
  const auto items = all(doc.root("qgis"), "item");
  ASSERT_EQ(items.size() % 2, 1u);
  const auto* mid = items[items.size() / 2];
  EXPECT_NEAR(std::stod(attr(mid, "value")), 0.0, 1e-9);
  EXPECT_EQ(attr(mid, "color"), "#f7f7f7");
  const Rgba lo = rgb(attr(items.front(), "color").c_str());
  const Rgba hi = rgb(attr(items.back(), "color").c_str());
  EXPECT_GT(lo.b, lo.r);  // blue for cold
  EXPECT_GT(hi.r, hi.b);  // red for hot
}

TEST(RasterQml, DivergingNeverStretchesInsignificantZScoresToFullColour) {
  Raster<float> z = ramp_raster(21);
  for (CellIndex i = 0; i < z.size(); ++i) z[i] = (z[i] - 10.0F) / 20.0F;  // -0.5 .. 0.5
  const RasterSymbology sym = raster_symbology(RasterStyle::diverging, raster_stats(z));
  EXPECT_DOUBLE_EQ(sym.max, 2.58);
}

TEST(RasterQml, HotspotBinsArePalettedWithArcGisLabels) {
  Raster<std::int16_t> bins(test::small_grid(7, 1), std::int16_t{0});
  for (CellIndex i = 0; i < 7; ++i) bins[i] = static_cast<std::int16_t>(i - 3);
  const XmlDoc doc(raster_qml(raster_symbology(RasterStyle::hotspot_bins, raster_stats(bins))));
  const CPLXMLNode* root = doc.root("qgis");
  EXPECT_EQ(attr(all(root, "rasterrenderer")[0], "type"), "paletted");
  const auto entries = all(root, "paletteEntry");
  ASSERT_EQ(entries.size(), 7u);
  const std::vector<std::string> labels = {
      "Cold spot – 99% confidence", "Cold spot – 95% confidence", "Cold spot – 90% confidence", "Not significant",
      "Hot spot – 90% confidence",  "Hot spot – 95% confidence",  "Hot spot – 99% confidence"};
  const std::vector<std::string> colors = {"#4575b5", "#849eba", "#c0ccbe", "#ffffbf", "#fab984", "#ed7551", "#d62f27"};
  for (int k = 0; k < 7; ++k) {
    EXPECT_EQ(std::stoi(attr(entries[k], "value")), k - 3);
    EXPECT_EQ(attr(entries[k], "label"), labels[k]);
    EXPECT_EQ(attr(entries[k], "color"), colors[k]);
  }
}

TEST(RasterQml, BinaryMaskHidesZeroAndNamesOne) {
  const XmlDoc doc(raster_qml(raster_symbology(RasterStyle::binary, {}, "", "Least-cost corridor")));
  const auto entries = all(doc.root("qgis"), "paletteEntry");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(attr(entries[0], "value"), "0");
  EXPECT_EQ(attr(entries[0], "alpha"), "0");
  EXPECT_EQ(attr(entries[1], "value"), "1");
  EXPECT_EQ(attr(entries[1], "alpha"), "255");
  EXPECT_EQ(attr(entries[1], "label"), "Least-cost corridor");
}

TEST(RasterQml, TerrainSpansTheElevationsAndHillshadeMultipliesInGrey) {
  Raster<float> dem = ramp_raster(11);
  for (CellIndex i = 0; i < dem.size(); ++i) dem[i] = 300.0F + 500.0F * static_cast<float>(i);
  const XmlDoc terrain(raster_qml(raster_symbology(RasterStyle::terrain, raster_stats(dem), "m")));
  const auto r = all(terrain.root("qgis"), "rasterrenderer")[0];
  EXPECT_EQ(std::stod(attr(r, "classificationMin")), 300);
  EXPECT_EQ(std::stod(attr(r, "classificationMax")), 5300);
  const XmlDoc shade(raster_qml(raster_symbology(RasterStyle::hillshade, {})));
  const CPLXMLNode* root = shade.root("qgis");
  EXPECT_EQ(attr(all(root, "rasterrenderer")[0], "type"), "singlebandgray");
  EXPECT_EQ(std::string(CPLGetXMLValue(root, "blendMode", "")), "6");
  EXPECT_EQ(std::string(CPLGetXMLValue(all(root, "contrastEnhancement")[0], "maxValue", "")), "255");
}

TEST(RasterQml, NoStyleIsAnInternalError) { EXPECT_THROW((void)raster_symbology(RasterStyle::none, {}), Error); }

TEST(FormatValue, ReadableLegendNumbers) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1.5), "1.5");
  EXPECT_EQ(format_value(2.0), "2");
  EXPECT_EQ(format_value(1234.4), "1,234");
  EXPECT_EQ(format_value(-1234567), "-1,234,567");
  EXPECT_EQ(format_value(0.00123), "0.00123");
  EXPECT_EQ(format_value(-2.58), "-2.58");
}

// ---- write_raster publishes a style sidecar ------------------------------------------------------

TEST(StageContextStyles, WriteRasterAddsTheQmlSidecarOnlyForStyledRasters) {
  TempDir dir;
  StageDef def;
  def.info.kind = "demo";
  def.info.outputs = {{"styled", ArtifactKind::raster, "styled", "Styled"},
                      {"plain", ArtifactKind::raster, "", "Plain"}};
  StageInstance inst;
  inst.id = "demo";
  inst.def = &def;
  inst.options = json::object();
  StageEnv env;
  env.staging_dir = dir.path();
  env.logger = Logging::get("demo");
  env.provenance = json::object();
  StageContext ctx(inst, env);
  const Raster<float> r = ramp_raster(16);
  ctx.write_raster("styled", r, {"Travel time", "h", RasterStyle::sequential, Resampling::average, {}});
  ctx.write_raster("plain", r, {"Intermediate", "", RasterStyle::none, Resampling::average, {}});
  ASSERT_EQ(ctx.sidecars().count("styled"), 1u);
  EXPECT_EQ(ctx.sidecars().at("styled"), std::vector<std::string>{"styled.qml"});
  EXPECT_EQ(ctx.sidecars().count("plain"), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir / "plain.qml"));
  const XmlDoc doc(read_file(dir / "styled.qml"));
  ASSERT_NE(doc.root("qgis"), nullptr);
  EXPECT_EQ(attr(all(doc.root("qgis"), "colorrampshader")[0], "colorRampType"), "INTERPOLATED");
}

// ---- vector styles and the layer_styles table ----------------------------------------------------

FeatureTable lines_table(const std::string& name) {
  FeatureTable t;
  t.name = name;
  t.crs_wkt = test::utm42_wkt();
  t.fields = {{"destination", FieldType::string}, {"hours", FieldType::real}};
  for (int i = 0; i < 2; ++i) {
    Feature f;
    f.fid = i + 1;
    OGRGeometry* g = nullptr;
    const std::string wkt = fmt::format("LINESTRING (500000 4200000, {} 4210000)", 505000 + 1000 * i);
    OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g);
    f.geometry.reset(g);
    f.attributes = {std::string(i == 0 ? "Osh" : "Dushanbe"), 10.0 + i};
    t.features.push_back(std::move(f));
  }
  return t;
}

TEST(VectorStyles, QuantileClassesCoverTheValuesInOrder) {
  const auto classes = quantile_classes({5, 1, 2, 3, 4, 6, 7, 8, 9, 10}, 5, choropleth_ramp());
  ASSERT_EQ(classes.size(), 5u);
  EXPECT_EQ(classes.front().lower, 1);
  EXPECT_EQ(classes.back().upper, 10);
  for (std::size_t i = 1; i < classes.size(); ++i) EXPECT_EQ(classes[i].lower, classes[i - 1].upper);
  EXPECT_EQ(classes.front().fill, choropleth_ramp().front().color);
  EXPECT_EQ(classes.back().fill, choropleth_ramp().back().color);
  EXPECT_EQ(quantile_classes({2, 2, 2}, 5, choropleth_ramp()).size(), 1u);
  EXPECT_TRUE(quantile_classes({}, 5, choropleth_ramp()).empty());
}

TEST(VectorStyles, GraduatedQmlAndSld) {
  const VectorStyle st = province_stats_style("score", {0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
  const XmlDoc qml(vector_qml(st));
  const CPLXMLNode* root = qml.root("qgis");
  ASSERT_NE(root, nullptr);
  const auto r = all(root, "renderer-v2");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(attr(r[0], "type"), "graduatedSymbol");
  EXPECT_EQ(attr(r[0], "attr"), "score");
  EXPECT_EQ(all(r[0], "range").size(), st.classes.size());
  EXPECT_EQ(all(all(r[0], "symbols")[0], "symbol").size(), st.classes.size());
  const XmlDoc sld(vector_sld(st, "province_stats"));
  const CPLXMLNode* sroot = sld.root("StyledLayerDescriptor");
  ASSERT_NE(sroot, nullptr);
  EXPECT_EQ(all(sroot, "se:Rule").size(), st.classes.size());
  EXPECT_EQ(all(sroot, "se:PolygonSymbolizer").size(), st.classes.size());
}

TEST(VectorStyles, LinesWithCasingAndLabelledPoints) {
  const XmlDoc paths(vector_qml(least_cost_paths_style()));
  const auto layers = all(paths.root("qgis"), "layer");
  ASSERT_EQ(layers.size(), 2u);  // white casing under the red line
  EXPECT_EQ(attr(layers[0], "class"), "SimpleLine");
  EXPECT_EQ(attr(paths.root("qgis"), "labelsEnabled"), "0");
  const XmlDoc crossings(vector_qml(crossings_style("name")));
  EXPECT_EQ(attr(crossings.root("qgis"), "labelsEnabled"), "1");
  EXPECT_EQ(attr(all(crossings.root("qgis"), "text-style")[0], "fieldName"), "name");
  EXPECT_EQ(attr(all(crossings.root("qgis"), "layer")[0], "class"), "SimpleMarker");
}

struct StyleRow {
  std::string table, geometry_column, name, qml, sld;
  int use_as_default = -1;
};

std::vector<StyleRow> read_layer_styles(const std::filesystem::path& gpkg) {
  ensure_gdal_registered();
  GDALDatasetUniquePtr ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  std::vector<StyleRow> rows;
  if (!ds) return rows;
  OGRLayer* l = ds->ExecuteSQL(
      "SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault FROM layer_styles "
      "ORDER BY f_table_name",
      nullptr, nullptr);
  if (l == nullptr) return rows;
  for (auto& f : *l)
    rows.push_back({f->GetFieldAsString(0), f->GetFieldAsString(1), f->GetFieldAsString(2), f->GetFieldAsString(3),
                    f->GetFieldAsString(4), f->GetFieldAsInteger(5)});
  ds->ReleaseResultSet(l);
  return rows;
}

TEST(GpkgStyles, LayerStylesTableFollowsTheQgisConvention) {
  TempDir dir;
  const auto gpkg = dir / "v.gpkg";
  write_gpkg_layer(gpkg, lines_table("least_cost_paths"));
  write_gpkg_layer(gpkg, lines_table("alternative_routes"));
  const VectorStyle st = least_cost_paths_style();
  write_layer_styles(gpkg,
                     {{"least_cost_paths", "Least-cost paths", vector_qml(st), vector_sld(st, "least_cost_paths"), "d"},
                      {"alternative_routes", "Alternatives", vector_qml(alternative_routes_style()), "", "d"}},
                     "2024-05-01T00:00:00.000Z");
  // Writing again replaces a layer's row rather than adding a second default.
  write_layer_styles(gpkg, {{"least_cost_paths", "Least-cost paths", vector_qml(st), "", "again"}},
                     "2024-05-01T00:00:00.000Z");
  const auto rows = read_layer_styles(gpkg);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].table, "alternative_routes");
  EXPECT_EQ(rows[1].table, "least_cost_paths");
  for (const auto& r : rows) {
    EXPECT_EQ(r.geometry_column, "geom");
    EXPECT_EQ(r.use_as_default, 1);
    EXPECT_NE(XmlDoc(r.qml).root("qgis"), nullptr);
  }
  // The table is registered like QGIS registers it, so GDAL lists it (and QGIS finds it).
  ensure_gdal_registered();
  GDALDatasetUniquePtr ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  EXPECT_NE(ds->GetLayerByName("layer_styles"), nullptr);
  EXPECT_NE(ds->GetLayerByName("least_cost_paths"), nullptr);
}

TEST(GpkgStyles, UnknownLayerIsAnError) {
  TempDir dir;
  write_gpkg_layer(dir / "v.gpkg", lines_table("least_cost_paths"));
  try {
    write_layer_styles(dir / "v.gpkg", {{"nope", "x", "<qgis/>", "", ""}}, "2024-05-01T00:00:00.000Z");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no layer 'nope'"), std::string::npos) << e.what();
  }
}

// ---- QGIS project --------------------------------------------------------------------------------

TEST(QgisProject, RelativeSourcesGroupsOrderAndCrs) {
  const std::string wkt = laea_wkt(71.0, 37.5);
  QgisProjectSpec spec;
  spec.title = "T & <check>";
  spec.crs_wkt = wkt;
  spec.extent = {-1000, -2000, 3000, 4000};
  ProjectLayer raster;
  raster.id = "nexus_index";
  raster.name = "Nexus index";
  raster.source = "./nexus_index.tif";
  raster.extent = spec.extent;
  raster.style_body = raster_style_body(raster_symbology(RasterStyle::uniform, {}));
  ProjectLayer lines;
  lines.id = "least_cost_paths";
  lines.name = "Least-cost paths";
  lines.source = "./nexusmap.gpkg|layername=least_cost_paths";
  lines.raster = false;
  lines.geometry = "Line";
  lines.wkb_type = "LineString";
  lines.extent = spec.extent;
  lines.style_attrs = vector_root_attrs(least_cost_paths_style());
  lines.style_body = vector_style_body(least_cost_paths_style());
  spec.groups = {{"Analysis", {raster}}, {"Corridors", {lines}}};
  spec.render_order = {"least_cost_paths", "nexus_index"};
  const XmlDoc doc(qgis_project_xml(spec));
  const CPLXMLNode* root = doc.root("qgis");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(attr(root, "projectname"), "T & <check>");
  EXPECT_EQ(std::string(CPLGetXMLValue(root, "projectCrs.spatialrefsys.wkt", "")), wkt);
  EXPECT_EQ(std::string(CPLGetXMLValue(root, "properties.Paths.Absolute", "")), "false");
  const auto groups = all(root, "layer-tree-group");
  std::vector<std::string> names;
  for (const auto* g : groups)
    if (!attr(g, "name").empty()) names.push_back(attr(g, "name"));
  EXPECT_EQ(names, (std::vector<std::string>{"Analysis", "Corridors"}));
  const auto sources = all(root, "datasource");
  ASSERT_EQ(sources.size(), 2u);
  for (const auto* s : sources) EXPECT_EQ(std::string(CPLGetXMLValue(s, "", "")).rfind("./", 0), 0u);
  const auto order = all(all(root, "custom-order")[0], "item");
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(std::string(CPLGetXMLValue(order[0], "", "")), "least_cost_paths");
  // The embedded styles are there.
  EXPECT_EQ(all(root, "rasterrenderer").size(), 1u);
  EXPECT_EQ(all(root, "renderer-v2").size(), 1u);
}

TEST(QgisProject, RenderOrderMustListEveryLayerOnce) {
  QgisProjectSpec spec;
  ProjectLayer l;
  l.id = "a";
  spec.groups = {{"G", {l}}};
  spec.render_order = {"a", "a"};
  EXPECT_THROW((void)qgis_project_xml(spec), Error);
  spec.render_order = {};
  EXPECT_THROW((void)qgis_project_xml(spec), Error);
}

// ---- report --------------------------------------------------------------------------------------

TEST(Report, Base64AndCsv) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\x10", 3)), "/wAQ");
  const auto rows = parse_csv("a,b,c\r\n1,\"x, \"\"y\"\"\",\n\n2,z,3");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x, \"y\"", ""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "z", "3"}));
}

TEST(Report, EscapesAndEmbeds) {
  TempDir dir;
  {
    std::ofstream png(dir / "m.png", std::ios::binary);
    png << "\x89PNG fake";
  }
  ReportInput in;
  in.title = "Run <1>";
  in.date = "2024-05-01";
  in.maps = {{"Nexus & more", dir / "m.png"}};
  in.ranking_csv = "rank,name\n1,\"Badakhshan <AF>\"\n";
  in.stages = json::array({{{"id", "grid"}, {"kind", "grid"}, {"options", {{"resolution", 1000}}}}});
  in.provenance = {{"stage", "publish"}};
  in.versions = {{"gdal", "3.6.2"}};
  const std::string html = report_html(in);
  EXPECT_EQ(html.find("<1>"), std::string::npos);
  EXPECT_NE(html.find("Run &lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("Badakhshan &lt;AF&gt;"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64," + base64_encode("\x89PNG fake")), std::string::npos);
  EXPECT_NE(html.find("<th>resolution</th><td><code>1000</code>"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
}

// ---- maps ----------------------------------------------------------------------------------------

struct Png {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;  // interleaved
  [[nodiscard]] const std::uint8_t* at(int x, int y) const {
    return &rgba[(static_cast<std::size_t>(y) * width + x) * 4];
  }
};

Png read_png(const std::filesystem::path& p) {
  ensure_gdal_registered();
  Png out;
  GDALDatasetUniquePtr ds(GDALDataset::Open(p.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!ds || ds->GetRasterCount() < 3) return out;
  out.width = ds->GetRasterXSize();
  out.height = ds->GetRasterYSize();
  out.rgba.assign(static_cast<std::size_t>(out.width) * out.height * 4, 255);
  const int n = std::min(4, ds->GetRasterCount());
  int bands[4] = {1, 2, 3, 4};
  if (ds->RasterIO(GF_Read, 0, 0, out.width, out.height, out.rgba.data(), out.width, out.height, GDT_Byte, n, bands, 4,
                   4 * static_cast<GSpacing>(out.width), 1, nullptr) != CE_None)
    out.width = out.height = 0;
  return out;
}

std::size_t distinct_colours(const Png& png) {
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i + 3 < png.rgba.size(); i += 4)
    colours.insert((std::uint32_t{png.rgba[i]} << 16) | (std::uint32_t{png.rgba[i + 1]} << 8) | png.rgba[i + 2]);
  return colours.size();
}

TEST(MapRender, KeyLayerOverHillshadeWithLegendAndOverlays) {
  TempDir dir;
  const Grid g = Grid::north_up(laea_wkt(71, 37.5), -50000, 40000, 1000, 100, 80);
  Raster<float> dem(g, 0.0F), value(g, 0.0F);
  for (std::int64_t r = 0; r < g.height; ++r)
    for (std::int64_t c = 0; c < g.width; ++c) {
      dem.at(c, r) = static_cast<float>(2000 + 800 * std::sin(static_cast<double>(c) / 7.0) *
                                                   std::cos(static_cast<double>(r) / 9.0));
      value.at(c, r) = static_cast<float>(c) / 99.0F;
    }
  const Raster<std::uint8_t> shade = hillshade(dem);
  FeatureTable paths = lines_table("paths");
  for (auto& f : paths.features) {
    OGRGeometry* geom = nullptr;
    OGRGeometryFactory::createFromWkt("LINESTRING (-40000 -30000, 0 0, 40000 30000)", nullptr, &geom);
    f.geometry.reset(geom);
  }
  MapSpec spec;
  spec.grid = g;
  spec.width = 800;
  spec.title = "Nexus index";
  spec.subtitle = "Test · 2024-05-01";
  spec.footer = "footer";
  spec.hillshade = &shade;
  spec.layer = MapRaster{&value, raster_symbology(RasterStyle::uniform, raster_stats(value)), "Nexus index"};
  spec.overlays = {{&paths, least_cost_paths_style(), "Least-cost path", ""}};
  render_map(spec, dir / "map.png");
  const Png png = read_png(dir / "map.png");
  ASSERT_EQ(png.width, 800);
  EXPECT_GT(png.height, 400);
  EXPECT_GT(distinct_colours(png), 500u);
  // Left of the frame's centre the values are low (dark purple), right of it high (yellow): the
  // key layer is drawn, in its viridis colours, west to east.
  const int frame_left = 18, frame_right = 800 - 18 * 2 - 165;
  const int y = png.height / 2;
  const std::uint8_t* west = png.at(frame_left + 15, y);
  const std::uint8_t* east = png.at(frame_right - 15, y);
  EXPECT_GT(west[2], west[1]);                // purple: more blue than green
  EXPECT_GT(east[0] + east[1], 2 * east[2]);  // yellow: red and green over blue
  // The path's dark red is there.
  bool red = false;
  for (std::size_t i = 0; i + 3 < png.rgba.size() && !red; i += 4)
    red = png.rgba[i] > 140 && png.rgba[i + 1] < 40 && png.rgba[i + 2] < 60;
  EXPECT_TRUE(red);
}

// A grid with far more cells than map pixels is thinned before colouring; it must still fill the frame.
TEST(MapRender, LargeGridIsThinnedAndStillFillsTheFrame) {
  TempDir dir;
  const Grid g = Grid::north_up(laea_wkt(71, 37.5), 0, 300000, 100, 3000, 3000);
  Raster<float> value(g, 1.0F);
  for (std::int64_t r = 0; r < g.height; ++r) value.at(g.width - 1, r) = 1.0F;
  MapSpec spec;
  spec.grid = g;
  spec.width = 400;
  spec.layer = MapRaster{&value, raster_symbology(RasterStyle::binary, raster_stats(value), "", "Mask"), "Mask"};
  render_map(spec, dir / "map.png");
  const Png png = read_png(dir / "map.png");
  ASSERT_EQ(png.width, 400);
  // Frame: x from 7 to 400 - 3*7 - 82.5; every pixel inside it is the mask's orange, corner to corner
  // except where the scale bar and north arrow sit (bottom-left, top-right).
  const int x0 = 8, x1 = 400 - 21 - 83 - 2, y0 = 7 + 24 + 2;
  const std::vector<std::pair<int, int>> probes = {{x0, y0}, {x1, y0 + 60}, {x1, y0 + 200}, {x0 + 100, y0 + 150}};
  for (const auto& [x, y] : probes) {
    const std::uint8_t* p = png.at(x, y);
    EXPECT_GT(p[0], 200) << x << "," << y;
    EXPECT_LT(p[2], 60) << x << "," << y;
  }
}

TEST(MapRender, WithoutHillshadeOrLayerStillAMap) {
  TempDir dir;
  MapSpec spec;
  spec.grid = Grid::north_up(laea_wkt(71, 37.5), 0, 50000, 1000, 50, 50);
  spec.width = 600;
  spec.title = "Empty";
  render_map(spec, dir / "map.png");
  const Png png = read_png(dir / "map.png");
  EXPECT_EQ(png.width, 600);
  EXPECT_GT(distinct_colours(png), 10u);  // title, frame, scale bar, north arrow
}

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

// SPDX-License-Identifier: MIT
// Vector styles (QML, SLD) and the GeoPackage layer_styles table.
#include "tests/pipeline/publish/publish_test_support.hpp"

namespace nexusmap {
namespace {

using namespace publish_test;

// ---- vector styles and the layer_styles table ----------------------------------------------------


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

}  // namespace
}  // namespace nexusmap

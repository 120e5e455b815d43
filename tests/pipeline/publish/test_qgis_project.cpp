// SPDX-License-Identifier: MIT
// The QGIS project writer.
#include "tests/pipeline/publish/publish_test_support.hpp"

namespace nexusmap {
namespace {

using namespace publish_test;

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

}  // namespace
}  // namespace nexusmap

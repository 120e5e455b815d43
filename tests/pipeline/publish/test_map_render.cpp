// SPDX-License-Identifier: MIT
// Map images (cairo).
#include "tests/pipeline/publish/publish_test_support.hpp"

namespace nexusmap {
namespace {

using namespace publish_test;

// ---- maps ----------------------------------------------------------------------------------------




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

}  // namespace
}  // namespace nexusmap

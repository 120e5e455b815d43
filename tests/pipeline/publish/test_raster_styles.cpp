// SPDX-License-Identifier: MIT
// Raster statistics, raster styles (.qml) and the style sidecar write_raster adds.
#include "tests/pipeline/publish/publish_test_support.hpp"

namespace nexusmap {
namespace {

using namespace publish_test;

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
  Presentation styled;
  styled.title = "Travel time";
  styled.units = "h";
  styled.style = RasterStyle::sequential;
  Presentation plain;
  plain.title = "Intermediate";
  def.info.outputs = {{"styled", ArtifactKind::raster, "styled", "Styled", false, {}, styled},
                      {"plain", ArtifactKind::raster, "", "Plain", false, {}, plain}};
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
  ctx.write_raster("styled", r);
  ctx.write_raster("plain", r);
  ASSERT_EQ(ctx.sidecars().count("styled"), 1u);
  EXPECT_EQ(ctx.sidecars().at("styled"), std::vector<std::string>{"styled.qml"});
  EXPECT_EQ(ctx.sidecars().count("plain"), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir / "plain.qml"));
  const XmlDoc doc(read_file(dir / "styled.qml"));
  ASSERT_NE(doc.root("qgis"), nullptr);
  EXPECT_EQ(attr(all(doc.root("qgis"), "colorrampshader")[0], "colorRampType"), "INTERPOLATED");
}

}  // namespace
}  // namespace nexusmap

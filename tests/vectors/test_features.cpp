// SPDX-License-Identifier: MIT
#include <fstream>

#include <gtest/gtest.h>
#include <ogr_geometry.h>

#include "rasters/io/crs.hpp"
#include "rasters/core/error.hpp"
#include "vectors/features.hpp"
#include "vectors/gpkg.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::from_wkt;

using test::expect_error_all;

using test::TempDir;

FeatureTable provinces_table() {
  FeatureTable t;
  t.name = "provinces";
  t.crs_wkt = crs_to_wkt("EPSG:4326");
  t.fields = {{"code", FieldType::string}, {"pop", FieldType::integer}, {"score", FieldType::real}};
  const char* wkts[] = {"POLYGON ((70 37,71 37,71 38,70 38,70 37))", "POLYGON ((71 37,72 37,72 38,71 38,71 37))",
                        "POLYGON ((72 37,73 37,73 38,72 38,72 37))"};
  const char* codes[] = {"AF-BDS", "TJ-GB", "TJ-KT"};
  for (int i = 0; i < 3; ++i) {
    Feature f;
    f.fid = i + 1;
    f.geometry = from_wkt(wkts[i]);
    f.attributes = {std::string(codes[i]), std::int64_t{1000 * (i + 1)}, 0.5 * i};
    t.features.push_back(std::move(f));
  }
  return t;
}

TEST(Features, GpkgRoundTripWithFilter) {
  TempDir dir;
  write_gpkg_layer(dir / "p.gpkg", provinces_table());
  VectorSource src;
  src.path = dir / "p.gpkg";
  FeatureTable all = read_features(src);
  ASSERT_EQ(all.features.size(), 3U);
  EXPECT_EQ(attr_text(all.attr(all.features[1], all.field_index("code"))), "TJ-GB");
  EXPECT_EQ(attr_number(all.attr(all.features[2], all.field_index("pop"))), 3000.0);

  src.where = "code = 'AF-BDS'";
  FeatureTable one = read_features(src);
  ASSERT_EQ(one.features.size(), 1U);
  EXPECT_EQ(attr_text(one.attr(one.features[0], one.field_index("code"))), "AF-BDS");
}

TEST(Features, GpkgMixedPolygonAndMultiPolygonKeepsEveryPart) {
  TempDir dir;
  FeatureTable t = provinces_table();
  t.features[1].geometry = from_wkt("MULTIPOLYGON (((71 37,72 37,72 38,71 38,71 37)),((74 37,75 37,75 38,74 37)))");
  write_gpkg_layer(dir / "p.gpkg", t);
  VectorSource src;
  src.path = dir / "p.gpkg";
  ReadOptions opts;
  opts.repair = false;
  const FeatureTable back = read_features(src, opts);
  ASSERT_EQ(back.features.size(), 3u);
  for (const auto& f : back.features) EXPECT_EQ(wkbFlatten(f.geometry->getGeometryType()), wkbMultiPolygon);
  const auto* multi = back.features[1].geometry->toMultiPolygon();
  ASSERT_EQ(multi->getNumGeometries(), 2);
  EXPECT_NEAR(multi->get_Area(), 1.5, 1e-9);
  EXPECT_TRUE(back.features[1].geometry->IsValid());
}

TEST(Features, ReprojectsToTheAnalysisCrsInGisAxisOrder) {
  TempDir dir;
  write_gpkg_layer(dir / "p.gpkg", provinces_table());
  VectorSource src;
  src.path = dir / "p.gpkg";
  ReadOptions opts;
  opts.target_crs_wkt = crs_to_wkt("EPSG:32642");
  FeatureTable t = read_features(src, opts);
  const OGRLinearRing* ring = t.features[0].geometry->toPolygon()->getExteriorRing();
  const CrsTransform tr("EPSG:4326", "EPSG:32642");
  const auto [x, y] = tr.forward(70.0, 37.0);  // first vertex, lon/lat order in, easting/northing out
  EXPECT_NEAR(ring->getX(0), x, 1e-3);
  EXPECT_NEAR(ring->getY(0), y, 1e-3);
}

TEST(Features, CsvWithLonLatColumns) {
  TempDir dir;
  std::ofstream(dir / "towns.csv") << "name,lon,lat,population\nKhorugh,71.55304,37.48974,30000\n"
                                      "Dushanbe,68.77905,38.53575,863400\n";
  VectorSource src;
  src.path = dir / "towns.csv";
  src.x_field = "lon";
  src.y_field = "lat";
  FeatureTable t = read_features(src);
  ASSERT_EQ(t.features.size(), 2U);
  const auto* p = t.features[1].geometry->toPoint();
  EXPECT_NEAR(p->getX(), 68.77905, 1e-9);
  EXPECT_NEAR(p->getY(), 38.53575, 1e-9);
  EXPECT_EQ(attr_number(t.attr(t.features[1], t.field_index("population"))), 863400.0);
}

TEST(FeatureErrors, MissingFile) {
  VectorSource src;
  src.path = "/nonexistent/provinces.gpkg";
  expect_error_all([&] { (void)read_features(src); }, ErrorKind::input_data, {"/nonexistent/provinces.gpkg", "not found"});
}

TEST(FeatureErrors, UnknownLayerListsTheLayers) {
  TempDir dir;
  write_gpkg_layer(dir / "p.gpkg", provinces_table());
  VectorSource src;
  src.path = dir / "p.gpkg";
  src.layer = "admin2";
  expect_error_all([&] { (void)read_features(src); }, ErrorKind::input_data, {"p.gpkg", "no layer 'admin2'", "'provinces'"});
}

TEST(FeatureErrors, EmptyLayerAfterFilter) {
  TempDir dir;
  write_gpkg_layer(dir / "p.gpkg", provinces_table());
  VectorSource src;
  src.path = dir / "p.gpkg";
  src.where = "code = 'XX-YY'";
  expect_error_all([&] { (void)read_features(src); }, ErrorKind::input_data, {"p.gpkg", "layer is empty", "XX-YY"});
}

TEST(FeatureErrors, UnknownAttributeInFilterAndRequiredField) {
  TempDir dir;
  write_gpkg_layer(dir / "p.gpkg", provinces_table());
  VectorSource src;
  src.path = dir / "p.gpkg";
  src.where = "iso_code = 'AF-BDS'";
  expect_error_all([&] { (void)read_features(src); }, ErrorKind::input_data, {"p.gpkg", "iso_code", "invalid", "code, pop, score"});
  src.where = "";
  ReadOptions opts;
  opts.required_fields = {"iso_3166_2"};
  expect_error_all([&] { (void)read_features(src, opts); }, ErrorKind::input_data,
               {"p.gpkg", "unknown attribute 'iso_3166_2'", "available: code, pop, score"});
}

TEST(FeatureErrors, LayerWithoutCrs) {
  TempDir dir;
  FeatureTable t = provinces_table();
  t.crs_wkt.clear();
  write_gpkg_layer(dir / "nocrs.gpkg", t);
  VectorSource src;
  src.path = dir / "nocrs.gpkg";
  expect_error_all([&] { (void)read_features(src); }, ErrorKind::input_data, {"nocrs.gpkg", "has no CRS", "crs ="});
}

TEST(Features, RepairReportCountsRepairedAndDropped) {
  TempDir dir;
  FeatureTable t = provinces_table();
  t.features[0].geometry = from_wkt("POLYGON ((0 0,2 2,2 0,0 2,0 0))");  // bow-tie
  t.features[1].geometry.reset();                                       // no geometry
  write_gpkg_layer(dir / "p.gpkg", t);
  VectorSource src;
  src.path = dir / "p.gpkg";
  RepairReport rep;
  FeatureTable back = read_features(src, {}, &rep);
  EXPECT_EQ(rep.read, 3);
  EXPECT_EQ(rep.repaired, 1);
  EXPECT_EQ(rep.dropped, 1);
  EXPECT_EQ(back.features.size(), 2U);
  EXPECT_NE(rep.summary().find("Self-intersection"), std::string::npos) << rep.summary();
  EXPECT_TRUE(back.features[0].geometry->IsValid());
}

TEST(RealData, BadakhshanProvinceByAttribute) {
  NEXUSMAP_REQUIRE_SHARED_DATA();
  VectorSource src;
  src.path = test::shared_data() / "boundaries" / "ne10m_admin1_region.gpkg";
  src.where = "iso_3166_2 = 'AF-BDS'";
  ReadOptions opts;
  opts.target_crs_wkt = laea_wkt(71, 38);
  RepairReport rep;
  const FeatureTable t = read_features(src, opts, &rep);
  ASSERT_EQ(t.features.size(), 1U);
  EXPECT_EQ(attr_text(t.attr(t.features[0], t.field_index("name"))), "Badakhshan");
  // Badakhshan is ~44,000 km2.
  const double area_km2 = t.features[0].geometry->toMultiPolygon()->get_Area() / 1e6;
  EXPECT_NEAR(area_km2, 44000, 4000);
}

}  // namespace
}  // namespace nexusmap

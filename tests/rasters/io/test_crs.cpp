// SPDX-License-Identifier: MIT
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "rasters/io/crs.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

TEST(Crs, ReprojectionRoundTripWithinMicrometres) {
  const std::string laea = laea_wkt(71.0, 38.0);
  const CrsTransform t("EPSG:4326", laea);
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> lon(60, 80), lat(33, 44);
  for (int k = 0; k < 1000; ++k) {
    const double x = lon(rng), y = lat(rng);
    const auto [px, py] = t.forward(x, y);
    const auto [bx, by] = t.inverse(px, py);
    // PROJ 9.1 inverts LAEA with a series for the authalic latitude: ~1e-8 degrees (~1 mm).
    ASSERT_NEAR(bx, x, 1e-6) << "seed 2024, point " << k;
    ASSERT_NEAR(by, y, 1e-6) << "seed 2024, point " << k;
    const auto [qx, qy] = t.forward(bx, by);
    ASSERT_NEAR(qx, px, 1e-2);
    ASSERT_NEAR(qy, py, 1e-2);
  }
}

TEST(Crs, UtmRoundTripWithinMicrometres) {
  const CrsTransform t("EPSG:4326", "EPSG:32642");
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(66, 72), lat(33, 44);
  for (int k = 0; k < 1000; ++k) {
    const double x = lon(rng), y = lat(rng);
    const auto [px, py] = t.forward(x, y);
    const auto [bx, by] = t.inverse(px, py);
    const auto [qx, qy] = t.forward(bx, by);
    ASSERT_NEAR(qx, px, 1e-6) << "seed 7, point " << k;
    ASSERT_NEAR(qy, py, 1e-6) << "seed 7, point " << k;
  }
}

TEST(Crs, GisAxisOrderForGeographicInput) {
  // EPSG:4326 is officially lat/lon; we always use lon/lat (x/y).
  const CrsTransform t("EPSG:4326", "EPSG:32642");
  const auto [x, y] = t.forward(69.0, 0.0);  // central meridian of zone 42 on the equator
  EXPECT_NEAR(x, 500000.0, 1e-3);
  EXPECT_NEAR(y, 0.0, 1e-3);
}

TEST(Crs, LaeaCentreMapsToOrigin) {
  const CrsTransform t("EPSG:4326", laea_wkt(71.0, 38.0));
  const auto [x, y] = t.forward(71.0, 38.0);
  EXPECT_NEAR(x, 0.0, 1e-6);
  EXPECT_NEAR(y, 0.0, 1e-6);
}

TEST(Crs, ProjectedMetresDetection) {
  EXPECT_TRUE(crs_is_projected_metres("EPSG:32642"));
  EXPECT_TRUE(crs_is_projected_metres(laea_wkt(70, 38)));
  EXPECT_FALSE(crs_is_projected_metres("EPSG:4326"));
  EXPECT_FALSE(crs_is_projected_metres("EPSG:2277"));  // US survey feet
}

TEST(Crs, UnparsableDefinitionIsAConfigError) {
  try {
    (void)crs_to_wkt("EPSG:99999999", "grid.crs");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("grid.crs"), std::string::npos);
  }
}

}  // namespace
}  // namespace nexusmap

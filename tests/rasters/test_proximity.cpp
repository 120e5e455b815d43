// SPDX-License-Identifier: MIT
#include <cmath>

#include <gtest/gtest.h>

#include "rasters/proximity.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

TEST(Proximity, DistanceToTheNearestNonZeroCell) {
  Raster<float> r(test::small_grid(9, 7, 100.0), 0.0F);
  r.at(2, 3) = 0.5F;
  r.at(8, 0) = std::nanf("");  // nodata is not a target
  const Raster<float> d = distance_to_nonzero(r);
  EXPECT_FLOAT_EQ(d.at(2, 3), 0.0F);
  EXPECT_FLOAT_EQ(d.at(5, 3), 300.0F);
  EXPECT_NEAR(d.at(5, 7 - 1), std::hypot(300.0, 300.0), 1e-3);
  EXPECT_NEAR(d.at(8, 0), std::hypot(600.0, 300.0), 1e-3);
}

TEST(Proximity, NoTargetGivesNaN) {
  Raster<float> r(test::small_grid(4, 4), 0.0F);
  const Raster<float> d = distance_to_nonzero(r);
  for (CellIndex i = 0; i < d.size(); ++i) EXPECT_TRUE(std::isnan(d[i]));
}

}  // namespace
}  // namespace nexusmap

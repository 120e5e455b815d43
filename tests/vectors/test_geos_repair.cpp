// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <ogr_geometry.h>

#include "tests/support.hpp"
#include "vectors/geos_repair.hpp"

namespace nexusmap {
namespace {

using test::from_wkt;

TEST(GeosRepair, BowTieBecomesTwoValidTriangles) {
  auto bowtie = from_wkt("POLYGON ((0 0,2 2,2 0,0 2,0 0))");
  ASSERT_FALSE(bowtie->IsValid());
  const RepairResult r = repair_geometry(*bowtie);
  EXPECT_EQ(r.status, RepairResult::Status::repaired);
  EXPECT_EQ(r.reason, "Self-intersection");
  ASSERT_TRUE(r.geometry);
  EXPECT_TRUE(r.geometry->IsValid());
  EXPECT_EQ(wkbFlatten(r.geometry->getGeometryType()), wkbMultiPolygon);
  EXPECT_EQ(r.geometry->toMultiPolygon()->getNumGeometries(), 2);
  EXPECT_NEAR(r.geometry->toMultiPolygon()->get_Area(), 2.0, 1e-12);  // two triangles of area 1
}

TEST(GeosRepair, ValidGeometryIsKept) {
  auto square = from_wkt("POLYGON ((0 0,1 0,1 1,0 1,0 0))");
  const RepairResult r = repair_geometry(*square);
  EXPECT_EQ(r.status, RepairResult::Status::valid);
  EXPECT_TRUE(r.geometry->Equals(square.get()));
}

TEST(GeosRepair, CollapsedPolygonIsDropped) {
  auto flat = from_wkt("POLYGON ((0 0,1 1,2 2,0 0))");
  const RepairResult r = repair_geometry(*flat);
  EXPECT_EQ(r.status, RepairResult::Status::dropped);
  EXPECT_FALSE(r.reason.empty());
}

TEST(GeosRepair, LinesStayLines) {
  auto line = from_wkt("LINESTRING (0 0,1 1,2 0)");
  const RepairResult r = repair_geometry(*line);
  EXPECT_EQ(r.status, RepairResult::Status::valid);
  EXPECT_EQ(wkbFlatten(r.geometry->getGeometryType()), wkbLineString);
}

}  // namespace
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Geometry validation and repair with GEOS (GEOSisValidReason, GEOSMakeValidWithParams).
#pragma once

#include <string>

#include <ogr_geometry.h>

namespace nexusmap {

struct RepairResult {
  enum class Status { valid, repaired, dropped };
  Status status = Status::valid;
  std::string reason;            // GEOS's validity reason when not valid
  OGRGeometryUniquePtr geometry; // the (repaired) geometry; null when dropped
};

// Checks `geometry` and, when invalid, repairs it with the "structure" method of MakeValid, keeping
// only parts of the input's dimension (a bow-tie polygon stays polygonal). Empty or
// unrepairable geometries are dropped.
RepairResult repair_geometry(const OGRGeometry& geometry);

}  // namespace nexusmap

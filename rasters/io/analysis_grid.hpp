// SPDX-License-Identifier: MIT
// The one analysis grid of a run, derived from an area of interest.
#pragma once

#include <string>

#include "rasters/core/grid.hpp"

namespace nexusmap {

struct GridRequest {
  Extent lonlat;              // area of interest in degrees: west, south, east, north (WGS 84)
  std::string crs = "auto";   // "auto" = Lambert equal-area centred on the area; else any PROJ definition
  double resolution = 1000;   // cell size in CRS units (metres)
  double buffer = 0;          // added on every side, metres
  double bytes_per_cell = 64; // working-set estimate used to refuse grids that cannot fit in memory
};

// Projects the area's outline (densified edges), adds the buffer, snaps the extent outward to
// whole cells and checks the memory estimate. Throws Error(config) for a non-metric CRS or bad bounds.
Grid make_analysis_grid(const GridRequest& request);

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Least-cost paths from the back-links of a cost-distance run (rasters/cost_distance.hpp): follow the
// predecessor moves from a cell back to its source, as GRASS r.drain / ArcGIS Cost Path do with a
// back-link or direction raster.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rasters/cost/cost_distance_types.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

// Cells from `cell` back to its source (both included), following backlinks; empty if `cell` is
// unreached (masked in `backlinks`). A cell holding kNoBacklink that is not masked is a source. Throws
// Error(input_data) when a back-link is not a move (16..254), points outside the grid or into an
// unreached cell, or the links form a cycle (possible only with zero-cost moves).
std::vector<CellIndex> trace_back(const Raster<std::uint8_t>& backlinks, CellIndex cell);

// Length in map units of a path of neighbouring cells (centre to centre).
double path_length(const Grid& grid, std::span<const CellIndex> path);

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Distance to the nearest target cell, through GDALComputeProximity.
#pragma once

#include "rasters/raster.hpp"

namespace nexusmap {

// Distance in map units from every cell centre to the nearest cell whose value is valid and not 0
// (the target itself is at distance 0). Cells are NaN when there is no target at all.
Raster<float> distance_to_nonzero(const Raster<float>& layer);

}  // namespace nexusmap

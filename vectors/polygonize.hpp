// SPDX-License-Identifier: MIT
// Raster regions to polygons with GDALPolygonize.
#pragma once

#include <string>

#include "rasters/core/raster.hpp"
#include "vectors/features.hpp"

namespace nexusmap {

// One polygon per connected region of equal value (4-connected, or 8-connected when asked); masked
// cells are left out. The value goes into the integer field `value_field`. CRS = the grid's.
FeatureTable polygonize(const Raster<std::int32_t>& classes, const std::string& value_field,
                        bool eight_connected = false);

}  // namespace nexusmap

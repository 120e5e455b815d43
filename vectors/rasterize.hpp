// SPDX-License-Identifier: MIT
// Burning vector geometries onto the analysis grid with GDALRasterizeGeometries.
#pragma once

#include <cstdint>
#include <limits>
#include <span>

#include <ogr_geometry.h>

#include "rasters/core/grid.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class BurnMerge { replace, add };

struct RasterizeOptions {
  bool all_touched = false;  // every cell a line or polygon touches, not only cell centres inside
  BurnMerge merge = BurnMerge::replace;
};

// Burns geometry i with values[i] (or 1 when values is empty) into a Float32 raster whose unburnt
// cells hold `background` (NaN by default). Geometries must be in the grid's CRS.
Raster<float> rasterize(const Grid& grid, std::span<const OGRGeometry* const> geometries,
                        std::span<const double> values = {}, const RasterizeOptions& options = {},
                        float background = std::numeric_limits<float>::quiet_NaN());

// Burns the index of each geometry (0..n-1); unburnt cells are masked. Later geometries win where
// they overlap, as with GDAL.
Raster<std::int32_t> rasterize_ids(const Grid& grid, std::span<const OGRGeometry* const> geometries,
                                   const RasterizeOptions& options = {});

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Zonal statistics of a raster over integer zones on the same grid (e.g. provinces rasterised to zone
// indices), in one sequential pass so that sums are reproducible bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "rasters/core/raster.hpp"

namespace nexusmap {

struct ZoneStats {
  std::int64_t cells = 0, valid = 0;  // cells of the zone, and those with a valid (non-NaN) value
  double sum = 0;                     // over the valid cells
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  // sum / valid; NaN when the zone has no valid cell.
  [[nodiscard]] double mean() const {
    return valid > 0 ? sum / static_cast<double>(valid) : std::numeric_limits<double>::quiet_NaN();
  }
};

// zones: Int32 zone index per cell (masked = no zone); zone indices must be < zone_count.
// Entry k describes zone k; zones without cells have cells = 0, min = max = NaN.
// Errors: Error(config) for zone_count < 0; Error(input_data) when values is not on the zones' grid or
// a zone index is negative or >= zone_count (naming the cell).
std::vector<ZoneStats> zonal_stats(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                   const Raster<float>& values);

// Count of cells per zone where predicate(value) holds, over the zone's cells. Masked class cells are
// not counted (the predicate is not called for them). Errors as zonal_stats, and Error(config) for an
// empty predicate.
std::vector<std::int64_t> zonal_count_if(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                         const Raster<std::int16_t>& classes,
                                         std::function<bool(std::int16_t)> predicate);

// The q-quantile (0 <= q <= 1) of each zone's valid values, interpolated linearly between order
// statistics (Hyndman & Fan 1996 type 7, R's and NumPy's default: position q·(n − 1)); NaN for a zone
// without valid values. Errors as zonal_stats, and Error(config) for q outside [0, 1].
//   R.J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", The American Statistician
//   50(4), 361-365, 1996, doi:10.2307/2684934.
std::vector<double> zonal_quantile(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                   const Raster<float>& values, double q);

}  // namespace nexusmap

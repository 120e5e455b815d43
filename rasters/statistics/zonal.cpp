// SPDX-License-Identifier: MIT
#include "rasters/statistics/zonal.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

void check_inputs(const Raster<std::int32_t>& zones, std::int32_t zone_count, const Grid& other, const char* what) {
  if (zone_count < 0) config_error(fmt::format("zonal statistics: zone count {} must be >= 0", zone_count));
  if (!zones.grid().same_georeferencing(other))
    input_error(fmt::format("zonal statistics: the {} raster ({}x{}) is not on the grid of the zones ({}x{})", what,
                            other.width, other.height, zones.width(), zones.height()));
}

// The zone of cell i, or −1 when the cell has no zone.
std::int32_t zone_of(const Raster<std::int32_t>& zones, std::int32_t zone_count, CellIndex i) {
  if (!zones.valid(i)) return -1;
  const std::int32_t z = zones[i];
  if (z < 0 || z >= zone_count) {
    const Cell c = zones.grid().cell(i);
    input_error(fmt::format("zonal statistics: zone index {} at cell (col {}, row {}) is outside [0, {})", z, c.col,
                            c.row, zone_count));
  }
  return z;
}

}  // namespace

std::vector<ZoneStats> zonal_stats(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                   const Raster<float>& values) {
  check_inputs(zones, zone_count, values.grid(), "values");
  std::vector<ZoneStats> stats(static_cast<std::size_t>(zone_count));
  for (CellIndex i = 0; i < zones.size(); ++i) {
    const std::int32_t z = zone_of(zones, zone_count, i);
    if (z < 0) continue;
    ZoneStats& s = stats[static_cast<std::size_t>(z)];
    ++s.cells;
    const float v = values[i];
    if (std::isnan(v)) continue;
    const auto d = static_cast<double>(v);
    s.min = s.valid == 0 ? d : std::min(s.min, d);
    s.max = s.valid == 0 ? d : std::max(s.max, d);
    ++s.valid;
    s.sum += d;
  }
  return stats;
}

std::vector<std::int64_t> zonal_count_if(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                         const Raster<std::int16_t>& classes,
                                         std::function<bool(std::int16_t)> predicate) {
  check_inputs(zones, zone_count, classes.grid(), "classes");
  if (!predicate) config_error("zonal statistics: count_if needs a predicate");
  std::vector<std::int64_t> counts(static_cast<std::size_t>(zone_count), 0);
  for (CellIndex i = 0; i < zones.size(); ++i) {
    const std::int32_t z = zone_of(zones, zone_count, i);
    if (z < 0 || !classes.valid(i)) continue;
    if (predicate(classes[i])) ++counts[static_cast<std::size_t>(z)];
  }
  return counts;
}

}  // namespace nexusmap

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

std::vector<double> zonal_quantile(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                   const Raster<float>& values, double q) {
  if (!(q >= 0 && q <= 1)) config_error(fmt::format("zonal quantile {} is not in [0, 1]", q));
  (void)zonal_stats(zones, zone_count, values);  // the same checks of the grids and zone indices
  std::vector<std::vector<float>> by_zone(static_cast<std::size_t>(zone_count));
  for (CellIndex i = 0; i < zones.size(); ++i)
    if (zones.valid(i) && !std::isnan(values[i])) by_zone[static_cast<std::size_t>(zones[i])].push_back(values[i]);
  std::vector<double> out(static_cast<std::size_t>(zone_count), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t z = 0; z < by_zone.size(); ++z) {
    auto& v = by_zone[z];
    if (v.empty()) continue;
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
    const double a = v[lo];
    double b = a;
    if (lo + 1 < v.size()) b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
    out[z] = a + (pos - static_cast<double>(lo)) * (b - a);
  }
  return out;
}

}  // namespace nexusmap

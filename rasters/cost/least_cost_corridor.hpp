// SPDX-License-Identifier: MIT
// Least-cost corridor: the cells x whose best route from the sources through x to the destination is
// within a threshold of the least-cost route, A(x) + B(x) - A(dest) <= threshold, as in Linkage Mapper
// (B. McRae & D. Kavanagh, 2011, "Linkage Mapper Connectivity Analysis Software", The Nature
// Conservancy) and ArcGIS Least Cost Corridor. A is the accumulated cost from the sources, B the cost
// from x to the destination (the reversed graph when costs are direction dependent).
#pragma once

#include <cmath>
#include <cstdint>

#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class CorridorThreshold { percent, absolute };

struct CorridorOptions {
  CorridorThreshold mode = CorridorThreshold::percent;
  double value = 10;  // percent of the least cost, or cost units
};

// Marks (sets to 1) every cell of `corridor` inside the corridor; cells outside keep their value.
// NaN in either surface means unreachable: never in the corridor.
inline std::int64_t mark_least_cost_corridor(const Raster<double>& from_sources, const Raster<double>& to_destination,
                                             double least_cost, const CorridorOptions& options,
                                             Raster<std::uint8_t>& corridor) {
  const double slack = options.mode == CorridorThreshold::percent ? least_cost * options.value / 100.0 : options.value;
  const double limit = least_cost + slack;
  std::int64_t marked = 0;
  for (CellIndex i = 0; i < corridor.size(); ++i) {
    const double a = from_sources[i], b = to_destination[i];
    if (std::isnan(a) || std::isnan(b)) continue;
    // The small relative tolerance keeps the least-cost path itself inside at a zero threshold.
    if (a + b <= limit * (1 + 1e-12)) {
      corridor[i] = 1;
      ++marked;
    }
  }
  return marked;
}

}  // namespace nexusmap

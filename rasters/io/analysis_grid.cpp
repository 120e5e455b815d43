// SPDX-License-Identifier: MIT
#include "rasters/io/analysis_grid.hpp"

#include <cmath>

#include <fmt/format.h>

#include "rasters/io/crs.hpp"
#include "rasters/core/error.hpp"
#include "rasters/core/memory.hpp"

namespace nexusmap {

Grid make_analysis_grid(const GridRequest& r) {
  const Extent& ll = r.lonlat;
  if (!(ll.xmin < ll.xmax && ll.ymin < ll.ymax) || ll.xmin < -180 || ll.xmax > 180 || ll.ymin < -90 ||
      ll.ymax > 90) {
    config_error(fmt::format("grid bounds [{}, {}, {}, {}] are not west < east, south < north in degrees",
                             ll.xmin, ll.ymin, ll.xmax, ll.ymax));
  }
  if (!(r.resolution > 0)) config_error(fmt::format("grid resolution {} must be > 0 metres", r.resolution));
  if (!(r.buffer >= 0)) config_error(fmt::format("grid buffer {} must be >= 0 metres", r.buffer));

  const std::string wkt = (r.crs.empty() || r.crs == "auto")
                              ? laea_wkt(0.5 * (ll.xmin + ll.xmax), 0.5 * (ll.ymin + ll.ymax))
                              : crs_to_wkt(r.crs, "grid.crs");
  if (!crs_is_projected_metres(wkt)) {
    config_error(fmt::format("grid.crs '{}' is not a projected CRS in metres; the analysis needs metric cells "
                             "(use \"auto\" or e.g. a UTM zone)", r.crs));
  }
  const Extent p = CrsTransform("EPSG:4326", wkt).forward_bounds(ll);
  const double res = r.resolution;
  const double xmin = std::floor((p.xmin - r.buffer) / res) * res;
  const double xmax = std::ceil((p.xmax + r.buffer) / res) * res;
  const double ymin = std::floor((p.ymin - r.buffer) / res) * res;
  const double ymax = std::ceil((p.ymax + r.buffer) / res) * res;
  const auto width = static_cast<std::int64_t>(std::llround((xmax - xmin) / res));
  const auto height = static_cast<std::int64_t>(std::llround((ymax - ymin) / res));
  Grid g = Grid::north_up(wkt, xmin, ymax, res, width, height);
  check_grid_memory(g, r.bytes_per_cell, fmt::format("analysis grid at {} m", res));
  return g;
}

}  // namespace nexusmap

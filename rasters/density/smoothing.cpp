// SPDX-License-Identifier: MIT
#include "rasters/density/smoothing.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/density/kernel_density.hpp"

namespace nexusmap {

Raster<float> gaussian_smooth(const Raster<float>& layer, const SmoothingOptions& options) {
  if (!(options.sigma_reach > 0))
    config_error(fmt::format("smoothing: sigma_reach {} must be > 0 (infinity for no cut)", options.sigma_reach));
  const Grid& g = layer.grid();
  std::vector<WeightedPoint> points;
  for (CellIndex i = 0; i < layer.size(); ++i) {
    if (!layer.valid(i) || layer[i] == 0.0F) continue;
    if (layer[i] < 0) config_error("smoothing needs a layer without negative values");
    const Cell c = g.cell(i);
    points.push_back({g.x_center(c.col), g.y_center(c.row), static_cast<double>(layer[i])});
  }
  KdeOptions ko;
  ko.kernel = Kernel::gaussian;
  ko.bandwidth = std::max(options.sigma, g.dx());
  ko.per_area = g.dx() * g.dy();
  ko.support = options.sigma_reach;
  Raster<float> out = kernel_density(g, points, ko).density;
  for (CellIndex i = 0; i < out.size(); ++i)
    if (!layer.valid(i)) out.set_nodata(i);
  return out;
}

}  // namespace nexusmap

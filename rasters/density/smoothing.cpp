// SPDX-License-Identifier: MIT
#include "rasters/density/smoothing.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/density/distance_transform.hpp"
#include "rasters/density/kernel_density.hpp"

namespace nexusmap {

Raster<float> gaussian_smooth(const Raster<float>& layer, const SmoothingOptions& options) {
  if (!(options.sigma_reach > 0))
    config_error(fmt::format("smoothing: sigma_reach {} must be > 0 (infinity for no cut)", options.sigma_reach));
  if (!(options.taper_sigmas >= 0) || !std::isfinite(options.taper_sigmas))
    config_error(fmt::format("smoothing: taper_sigmas {} must be a finite number >= 0", options.taper_sigmas));
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
  ko.support = options.sigma_reach + options.taper_sigmas;
  Raster<float> out = kernel_density(g, points, ko).density;
  if (options.taper_sigmas > 0 && std::isfinite(options.sigma_reach) && !points.empty()) {
    const Raster<float> distance = distance_to_nonzero_exact(layer);
    const double a = options.sigma_reach * ko.bandwidth;
    const double b = options.taper_sigmas * ko.bandwidth;
    for (CellIndex i = 0; i < out.size(); ++i) {
      const double d = distance[i];
      if (!(d > a) || out[i] == 0.0F) continue;
      const double w = d >= a + b ? 0.0 : 0.5 * (1 + std::cos(std::numbers::pi * (d - a) / b));
      out[i] = static_cast<float>(static_cast<double>(out[i]) * w);
    }
  }
  for (CellIndex i = 0; i < out.size(); ++i)
    if (!layer.valid(i)) out.set_nodata(i);
  return out;
}

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
#include "rasters/density/density_floor.hpp"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {

double density_floor(const KdeOptions& kde, const DensityFloorOptions& options) {
  if (!(options.reference_weight > 0) || !std::isfinite(options.reference_weight))
    config_error(fmt::format("density floor: reference_weight {} must be a finite number > 0", options.reference_weight));
  if (!(options.at_sigmas >= 0) || !std::isfinite(options.at_sigmas))
    config_error(fmt::format("density floor: at_sigmas {} must be a finite number >= 0", options.at_sigmas));
  const double h = kde.bandwidth;
  if (!(h > 0) || !std::isfinite(h))
    config_error(fmt::format("density floor: bandwidth {} m must be a finite number > 0", h));
  if (!(kde.per_area > 0) || !std::isfinite(kde.per_area))
    config_error(fmt::format("density floor: per_area {} m² must be a finite number > 0", kde.per_area));
  const double w = options.reference_weight;
  if (kde.kernel == Kernel::gaussian) {
    const double t = options.at_sigmas;
    return w * kde.per_area / (2 * std::numbers::pi * h * h) * std::exp(-0.5 * t * t);
  }
  const double r = options.at_sigmas * h / std::sqrt(8.0);  // the 2-D biweight's per-axis SD is h/√8
  const double q = 1 - (r / h) * (r / h);
  return q > 0 ? w * kde.per_area * 3 / (std::numbers::pi * h * h) * q * q : 0.0;
}

std::int64_t apply_floor(Raster<float>& density, double floor) {
  if (!std::isfinite(floor)) config_error(fmt::format("density floor {} must be a finite number", floor));
  std::int64_t zeroed = 0;
  for (float& v : density.values()) {
    if (std::isnan(v) || v == 0.0F) continue;
    if (static_cast<double>(v) <= floor) {
      v = 0.0F;
      ++zeroed;
    }
  }
  return zeroed;
}

}  // namespace nexusmap

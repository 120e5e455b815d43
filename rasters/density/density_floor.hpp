// SPDX-License-Identifier: MIT
// The density floor: the value at or below which a kernel density counts as no activity. A Gaussian
// density is positive far from every event (its tails, and the fast method's rounding); without a floor
// a map shades that dust and a percentile rank ranks it. One number, used the same way by the map, the
// QGIS style (transparent at or below it) and the normalisation (percentile rank 0 at or below it,
// normalize.hpp).
//
// Default: the density that one event of weight 1 produces 3σ away, w·K(3σ) = K(0)·exp(−4.5) = 1.1 % of
// one event's peak. It is stated in the layer's own units, so it does not change with the resolution
// (unlike a count per cell) or with the strongest cluster (unlike a fraction of the maximum, which
// would hide a lone event when a massacre elsewhere is added); 3σ is the reach the smoothed layers use
// (98.9 % of a 2-D Gaussian's mass lies within it), so a lone unit event shows as a disc of radius 3σ,
// a weaker (older, less precise) event as a smaller one (radius σ·sqrt(9 + 2·ln w)), and clusters
// as the region where their summed tails reach one event's 3σ level. It lies far above the fast method's
// error (6e-6 of one event's peak per unit weight, gaussian_convolution.hpp) and the support cut
// (1.5e-8 at the default 6σ, kernel_density.hpp), so neither can show through it.
#pragma once

#include <cstdint>

#include "rasters/core/raster.hpp"
#include "rasters/density/kernel_density.hpp"

namespace nexusmap {

struct DensityFloorOptions {
  double reference_weight = 1.0;  // weight of the reference event (> 0)
  double at_sigmas = 3.0;         // its distance, in Gaussian standard deviations (>= 0)
};

// reference_weight · K(at_sigmas · σ) in the density's units (KdeOptions::per_area). For the quartic
// kernel σ is its per-axis standard deviation h/√8, and the floor is 0 (only exact zeros count as
// none) when at_sigmas·σ >= h, as at the default 3σ = 1.06 h: the quartic has no tails.
// Errors: Error(config) for reference_weight not > 0 or at_sigmas not >= 0 (NaN included), and the
// kernel_density errors for the bandwidth and per_area.
double density_floor(const KdeOptions& kde, const DensityFloorOptions& options = {});

// Sets every valid cell whose value is at or below `floor` to 0 (NaN stays NaN); returns how many
// non-zero cells it zeroed. floor = 0 changes nothing (negative values are not expected in a density,
// and are zeroed too). Errors: Error(config) when floor is NaN or infinite.
std::int64_t apply_floor(Raster<float>& density, double floor);

}  // namespace nexusmap

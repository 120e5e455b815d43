// SPDX-License-Identifier: MIT
// Normalisation of a layer to [0, 1] before overlay (criterion standardisation in GIS multi-criteria
// evaluation: J. Malczewski, "GIS-based multicriteria decision analysis: a survey of the literature",
// International Journal of Geographical Information Science 20(7), 703-726, 2006,
// doi:10.1080/13658810600661508; fuzzy_linear is the linear fuzzy membership of ArcGIS Fuzzy
// Membership / Rescale by Function).
#pragma once

#include <optional>

#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class Normalization { min_max, percentile_rank, z_score, fuzzy_linear };

struct NormalizeOptions {
  Normalization method = Normalization::min_max;
  double low = 0, high = 1;  // fuzzy_linear: value <= low -> 0, >= high -> 1 (low > high reverses); unused otherwise
  // percentile_rank and min_max: values at or below the floor count as none (density_floor.hpp);
  // unset = no floor (the plain definitions below).
  std::optional<double> floor{};
};

// Maps valid cells to [0, 1]; NaN stays NaN. With the valid values x and their count n:
//   min_max          (x − min) / (max − min)
//   percentile_rank  mid-rank scaled to [0, 1]: (#{x_j < x} + (#{x_j = x} − 1)/2) / (n − 1), so the
//                    smallest value maps to 0, the largest to 1, and ties share their mean rank
//   z_score          Φ((x − x̄)/S), the standard normal CDF of the z-score (S the population SD)
//   fuzzy_linear     clamp((x − low) / (high − low), 0, 1)
// With a floor f (percentile_rank and min_max only): cells with x <= f map to 0, and the m cells above
// it are ranked among themselves only:
//   percentile_rank  (#{x_j > f : x_j < x} + (#{x_j = x} + 1)/2) / m, the mid-rank among the m cells
//                    (ranks 1..m, ties share their mean rank) over m: in (0, 1], the largest value 1
//                    when it is unique, the smallest above the floor 1/m; so numerical dust below the
//                    floor gets rank 0 however much of it there is, and cannot outrank real values
//   min_max          (x − f) / (max − f), continuous at the floor
// m = 0 (nothing above the floor) maps every valid cell to 0. The constant-layer rule below does not
// apply with a floor: equal values above it share the mean rank (m + 1)/(2m).
// A constant layer (every valid value equal, including n = 1) carries no contrast and maps to 0.5
// under min_max, percentile_rank and z_score: the neutral middle, which shifts a weighted sum equally
// everywhere (so rankings are unchanged), where 0 would zero a geometric mean or fuzzy AND and 1 would
// saturate a fuzzy OR; it is also what the mid-rank and Φ(0) give. fuzzy_linear uses absolute
// thresholds and has no special case.
// Errors: Error(input_data) when every cell is NaN or a value is infinite (naming the cell);
// Error(config) for fuzzy_linear when low or high is not finite or low == high, and for a floor that is
// not finite or is given with z_score or fuzzy_linear.
Raster<float> normalize(const Raster<float>& layer, const NormalizeOptions& options);

}  // namespace nexusmap

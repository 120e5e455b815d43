// SPDX-License-Identifier: MIT
// Normalisation of a layer to [0, 1] before overlay (criterion standardisation in GIS multi-criteria
// evaluation: J. Malczewski, "GIS-based multicriteria decision analysis: a survey of the literature",
// International Journal of Geographical Information Science 20(7), 703-726, 2006,
// doi:10.1080/13658810600661508; fuzzy_linear is the linear fuzzy membership of ArcGIS Fuzzy
// Membership / Rescale by Function).
#pragma once

#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class Normalization { min_max, percentile_rank, z_score, fuzzy_linear };

struct NormalizeOptions {
  Normalization method = Normalization::min_max;
  double low = 0, high = 1;  // fuzzy_linear: value <= low -> 0, >= high -> 1 (low > high reverses); unused otherwise
};

// Maps valid cells to [0, 1]; NaN stays NaN. With the valid values x and their count n:
//   min_max          (x − min) / (max − min)
//   percentile_rank  mid-rank scaled to [0, 1]: (#{x_j < x} + (#{x_j = x} − 1)/2) / (n − 1), so the
//                    smallest value maps to 0, the largest to 1, and ties share their mean rank
//   z_score          Φ((x − x̄)/S), the standard normal CDF of the z-score (S the population SD)
//   fuzzy_linear     clamp((x − low) / (high − low), 0, 1)
// A constant layer (every valid value equal, including n = 1) carries no contrast and maps to 0.5
// under min_max, percentile_rank and z_score: the neutral middle, which shifts a weighted sum equally
// everywhere (so rankings are unchanged), where 0 would zero a geometric mean or fuzzy AND and 1 would
// saturate a fuzzy OR; it is also what the mid-rank and Φ(0) give. fuzzy_linear uses absolute
// thresholds and has no special case.
// Errors: Error(input_data) when every cell is NaN or a value is infinite (naming the cell);
// Error(config) for fuzzy_linear when low or high is not finite or low == high.
Raster<float> normalize(const Raster<float>& layer, const NormalizeOptions& options);

}  // namespace nexusmap

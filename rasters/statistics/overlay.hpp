// SPDX-License-Identifier: MIT
// Overlay of normalised criterion layers into one index (GIS multi-criteria evaluation).
//   Weighted sum and weighted geometric mean: J. Malczewski, "GIS-based multicriteria decision
//   analysis: a survey of the literature", IJGIS 20(7), 703-726, 2006, doi:10.1080/13658810600661508.
//   Fuzzy AND/OR and the gamma operator: H.-J. Zimmermann and P. Zysno, "Latent connectives in human
//   decision making", Fuzzy Sets and Systems 4(1), 37-51, 1980, doi:10.1016/0165-0114(80)90062-7;
//   P. An, W.M. Moon and A. Rencz, "Application of fuzzy set theory for integration of geological,
//   geophysical and remote sensing data", Canadian Journal of Exploration Geophysics 27(1), 1-11, 1991
//   (no DOI); as in G.F. Bonham-Carter, "Geographic Information Systems for Geoscientists", 1994.
#pragma once

#include <span>

#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class Combine { weighted_sum, weighted_geometric_mean, fuzzy_and, fuzzy_or, fuzzy_gamma };

struct CombineOptions {
  Combine method = Combine::weighted_sum;
  double gamma = 0.9;  // fuzzy_gamma only, in [0, 1]
};

// Layers with weight > 0 are "selected"; the others are ignored entirely. With the selected values
// v_k and normalised weights ω_k = w_k / Σ w:
//   weighted_sum             Σ ω_k·v_k
//   weighted_geometric_mean  Π v_k^ω_k   (0 when any selected v_k is 0)
//   fuzzy_and / fuzzy_or     min_k v_k / max_k v_k        (weights only select)
//   fuzzy_gamma              (1 − Π(1 − v_k))^γ · (Π v_k)^(1−γ), the fuzzy algebraic sum and product
//                            (weights only select; γ = 0 is the product, γ = 1 the sum)
// A cell is NaN when any selected layer is NaN there: the index is undefined where a criterion is
// unknown, rather than silently computed from the others. The result lies in [0, 1].
// Errors: Error(config) when the numbers of layers and weights differ, there are no layers, a weight is
// negative or not finite, the weights do not sum to > 0, or gamma is outside [0, 1];
// Error(input_data) when a layer is not on the first layer's grid or a selected layer has a value
// outside [0, 1] (naming the layer and cell).
Raster<float> combine(std::span<const Raster<float>* const> layers, std::span<const double> weights,
                      const CombineOptions& options);

}  // namespace nexusmap

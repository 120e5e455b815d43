// SPDX-License-Identifier: MIT
// Spatial weights between analysis units given by their centroids: binary distance-band or
// k-nearest-neighbour weights, in compressed rows (as PySAL's libpysal.weights, R spdep's nb/listw).
// Distances are Euclidean in map units; O(n²) pairs, parallel over units (n is a few thousand
// units, so this is milliseconds; a grid of cells uses the summed-area Gi* of getis_ord.hpp instead).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nexusmap {

struct SpatialWeights {
  std::vector<std::int64_t> start;      // n + 1 offsets: unit i's neighbours are [start[i], start[i+1])
  std::vector<std::int64_t> neighbour;  // ascending within a row
  std::vector<double> weight;
  [[nodiscard]] std::int64_t size() const { return static_cast<std::int64_t>(start.size()) - 1; }
  [[nodiscard]] std::int64_t begin(std::int64_t i) const { return start[static_cast<std::size_t>(i)]; }
  [[nodiscard]] std::int64_t end(std::int64_t i) const { return start[static_cast<std::size_t>(i + 1)]; }
};

// w_ij = 1 when the centroids are within `band` (d² <= band²·(1 + 1e-12), so lattice neighbours exactly
// on the band count despite rounding); i itself is a neighbour when include_self (Gi*), not otherwise
// (Moran's I, Gi). Errors: Error(config) for a band that is not finite and > 0; Error(input_data)
// for different lengths or a non-finite coordinate.
SpatialWeights distance_band_weights(std::span<const double> x, std::span<const double> y, double band,
                                     bool include_self);

// w_ij = 1 for the k nearest other units (ties at the k-th distance broken by the lower index), plus i
// itself when include_self. Not symmetric in general. Errors: Error(config) for k < 1 or k >= n.
SpatialWeights k_nearest_weights(std::span<const double> x, std::span<const double> y, std::int64_t k,
                                 bool include_self);

// Divides each row by its sum (rows without neighbours stay empty).
void row_standardize(SpatialWeights& w);

// Distance from each unit to its nearest other unit (+infinity when n = 1).
std::vector<double> nearest_neighbour_distances(std::span<const double> x, std::span<const double> y);

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Getis–Ord Gi* hot-spot statistic on a grid with binary weights over a circular distance band, with
// ArcGIS-style confidence bins (optionally FDR-corrected).
//   A. Getis and J.K. Ord, "The analysis of spatial association by use of distance statistics",
//   Geographical Analysis 24(3), 189-206, 1992, doi:10.1111/j.1538-4632.1992.tb00261.x.
//   J.K. Ord and A. Getis, "Local spatial autocorrelation statistics: distributional issues and an
//   application", Geographical Analysis 27(4), 286-306, 1995, doi:10.1111/j.1538-4632.1995.tb00912.x.
//
// For a valid cell i with W_i valid neighbours (cells whose centres lie within the band of i's centre,
// i itself included; NaN cells are neither neighbours nor counted in n):
//   z_i = Σ_{j∈N(i)} (x_j − x̄) / ( S · sqrt((n·W_i − W_i²) / (n − 1)) ),
//   x̄ = Σx/n, S = sqrt(Σ(x − x̄)²/n)  (population standard deviation, as Ord & Getis 1995 and ArcGIS).
// This is Ord & Getis's (1995) standardised Gi* with binary weights (Σ_j w_ij = Σ_j w_ij² = W_i).
//
// Cost: O(cells × (2·band/cell + 1)): the neighbourhood is a stack of row segments, each summed in
// O(1) from per-row prefix sums of the centred values and of the valid-cell counts (a summed-area
// table per row; a 2-D table would fit a square window, not the circle). Exact circles need one
// segment per row, so O(band/cell) per cell is the floor for this approach; it does not cost band²
// per cell. Prefix sums are kept per band of rows, not for the whole grid.
#pragma once

#include <cstdint>

#include "rasters/core/raster.hpp"

namespace nexusmap {

struct GiStarOptions {
  double distance_band = 0;  // metres: cells whose centres lie within this distance of cell i (i included) are its neighbours (binary weights)
  bool fdr = true;           // bins from Benjamini–Hochberg thresholds instead of the plain 0.10/0.05/0.01
};

struct GiStarResult {
  Raster<float> z;            // Gi* z-score; NaN where the value is NaN
  Raster<float> p;            // two-sided p-value, 2·(1 − Φ(|z|)); NaN where the value is NaN
  Raster<std::int16_t> bins;  // -3..+3 as ArcGIS Hot Spot Analysis: ±3 99%, ±2 95%, ±1 90% confidence, 0 not significant; masked where NaN
  std::int64_t n = 0;         // valid cells
  double mean = 0, sd = 0;    // x̄ and S over the valid cells
  // p-value thresholds used for the bins at 90/95/99% confidence: 0.10/0.05/0.01 without FDR, the
  // Benjamini–Hochberg thresholds at q = 0.10/0.05/0.01 over all valid cells with FDR (0 = none).
  double p_threshold_90 = 0, p_threshold_95 = 0, p_threshold_99 = 0;
};

// Bins: a cell is ±3 when p <= p_threshold_99, else ±2 when p <= p_threshold_95, else ±1 when
// p <= p_threshold_90, else 0; the sign is that of z (ArcGIS Gi_Bin with "Apply False Discovery Rate
// Correction" when options.fdr).
// A neighbour is within the band when its centre distance d satisfies d² <= band²·(1 + 1e-12), so that
// cells exactly on the band are included despite rounding.
// Policies: a constant layer (S = 0, including n = 1) gives z = 0, p = 1, bins 0 on every valid cell
// (no evidence of clustering; never NaN); a cell whose neighbourhood holds every valid cell
// (W_i = n) has z = 0, p = 1.
// Errors: Error(config) when the band is not finite or is smaller than the larger cell side (no
// neighbours); Error(input_data) when every cell is NaN, or a value is infinite (naming the cell).
// Parallel over rows; identical results for any number of threads.
GiStarResult getis_ord_gi_star(const Raster<float>& values, const GiStarOptions& options);

}  // namespace nexusmap

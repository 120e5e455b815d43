// SPDX-License-Identifier: MIT
// Incremental spatial autocorrelation: Global Moran's I of the analysis units over a series of
// distance bands, and the scale it suggests — the first band at which clustering peaks — as ArcGIS's
// Incremental Spatial Autocorrelation and Optimized Hot Spot Analysis choose a Gi* distance band.
//   P.A.P. Moran, "Notes on continuous stochastic phenomena", Biometrika 37(1/2), 17-23, 1950,
//   doi:10.2307/2332142.
//   A.D. Cliff and J.K. Ord, "Spatial Processes: Models and Applications", Pion, London, 1981
//   (ISBN 0-85086-081-4), §1.5 and §2.3: the moments of I under randomisation.
//
// With z_i = x_i − x̄ over the n units with a value and weights w_ij (no self-weights; binary within
// the band, row-standardised by default as ArcGIS and PySAL do):
//   I = (n / S0) · Σ_i Σ_j w_ij z_i z_j / Σ_i z_i²,   E[I] = −1/(n − 1),
//   Var[I] = [n((n² − 3n + 3)S1 − n·S2 + 3S0²) − b2((n² − n)S1 − 2n·S2 + 6S0²)]
//            / ((n − 1)(n − 2)(n − 3)S0²) − E[I]²      (randomisation; b2 = n·Σz⁴/(Σz²)²),
//   S0 = Σ w_ij, S1 = ½ Σ (w_ij + w_ji)², S2 = Σ_i (w_i· + w_·i)²,   z(I) = (I − E[I]) / sqrt(Var[I]).
// The chosen band is the first local maximum of z(I) over the bands (z_k > z_{k−1} and z_k >= z_{k+1},
// so neither the first nor the last band is a peak: z may still rise beyond them) whose z is at least
// `min_z` (1.96: significant at 95 %); when no band peaks, the band with the largest significant z; when no z is significant, none
// (chosen = −1): the layer shows no clustering at these scales and the caller keeps its own band.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nexusmap {

struct IncrementalAutocorrelationOptions {
  std::int64_t bands = 10;   // number of distance bands (>= 1)
  double start = 0;          // first band, metres; 0 = the largest nearest-neighbour distance, so every unit has a neighbour
  double increment = 0;      // between bands, metres; 0 = the mean nearest-neighbour distance
  bool row_standardize = true;
  double min_z = 1.96;       // a peak must be at least this significant
};

struct MoranBand {
  double distance = 0;       // metres
  double i = 0, expected = 0, variance = 0, z = 0;
  double mean_neighbours = 0;  // average number of neighbours per unit (binary count)
  std::int64_t isolated = 0;   // units without a neighbour at this band
};

struct IncrementalAutocorrelationResult {
  std::vector<MoranBand> bands;
  std::int64_t n = 0;          // units with a value
  std::int64_t chosen = -1;    // index into bands, or −1
  bool peak = false;           // chosen is a first peak (false: the largest z, or nothing)
  [[nodiscard]] double chosen_distance() const { return chosen >= 0 ? bands[static_cast<std::size_t>(chosen)].distance : 0.0; }
};

// Global Moran's I at one band (the building block; exposed for tests and reports). NaN values are
// left out. A constant layer or a band without any pair gives I = z = NaN.
MoranBand global_morans_i(std::span<const double> x, std::span<const double> y, std::span<const double> values,
                          double band, bool row_standardize);

// Errors: Error(config) for bands < 1, a negative or non-finite start or increment; Error(input_data)
// for different lengths, fewer than 4 units with a value (Var[I] needs n > 3), or infinite values.
IncrementalAutocorrelationResult incremental_autocorrelation(std::span<const double> x, std::span<const double> y,
                                                             std::span<const double> values,
                                                             const IncrementalAutocorrelationOptions& options = {});

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Getis–Ord Gi* over analysis units (hexagons, districts: any units given by centroid and value) with
// conditional permutation inference, Benjamini–Hochberg FDR and ArcGIS-style confidence bins.
//   Statistic: A. Getis and J.K. Ord, "The analysis of spatial association by use of distance
//   statistics", Geographical Analysis 24(3), 189-206, 1992, doi:10.1111/j.1538-4632.1992.tb00261.x;
//   J.K. Ord and A. Getis, "Local spatial autocorrelation statistics: distributional issues and an
//   application", Geographical Analysis 27(4), 286-306, 1995, doi:10.1111/j.1538-4632.1995.tb00912.x.
//   Inference: L. Anselin, "Local indicators of spatial association — LISA", Geographical Analysis
//   27(2), 93-115, 1995, doi:10.1111/j.1538-4632.1995.tb00338.x (conditional randomisation: unit i
//   keeps its value, the others are permuted over the remaining locations), as PySAL's
//   esda.G_Local(star=True, permutations=...) computes it (S.J. Rey and L. Anselin, "PySAL: a Python
//   library of spatial analytical methods", Review of Regional Studies 37(1), 5-27, 2007).
//   FDR: Benjamini and Hochberg 1995 (fdr.hpp).
//
// For unit i with the neighbour set N(i) (i included, binary weights, W_i = |N(i)|):
//   S_i = Σ_{j∈N(i)} x_j;  z_i = (S_i − W_i·x̄) / (S·sqrt((n·W_i − W_i²)/(n − 1)))  (as getis_ord.hpp)
// Permutation: the W_i − 1 neighbour values other than x_i are drawn without replacement from the
// n − 1 values of the other units, `permutations` times; with `larger` draws whose S is >= S_i and
// `smaller` draws whose S is <= S_i, the two-sided pseudo p-value is
//   p_i = min(1, 2·(min(larger, smaller) + 1) / (permutations + 1))
// (PySAL's folded one-sided p_sim, doubled to compare with the two-sided confidence levels); its
// smallest value is 2/(permutations + 1): 0.002 with 999 permutations. The reference distribution is
// the unit's own, so a unit with few neighbours, a skewed layer or ties do not rest on a normal
// approximation. Each unit draws from its own generator seeded by (seed, unit index), so results are
// identical for any number of threads and do not depend on which other units are tested.
// Cost: O(n² + n·permutations·W̄) with W̄ the mean neighbourhood: 0.09 s for 1,200 units with 50
// neighbours and 999 permutations on 2 cores (bench/README.md), ten times that with 9999.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nexusmap {

enum class UnitWeights { distance_band, k_nearest };

struct GiUnitsOptions {
  UnitWeights weights = UnitWeights::distance_band;
  double distance_band = 0;     // metres between centroids (distance_band)
  std::int64_t k = 6;           // k_nearest: neighbours besides the unit itself
  // 9999: with FDR a ±3 bin needs p <= k·0.01/m for the k most significant of m units; 999
  // permutations cannot give p below 0.002, which a few hundred units never reach (0.2 s for 215 units).
  std::int64_t permutations = 9999;
  std::uint64_t seed = 20261202;
  bool fdr = true;              // bins from Benjamini–Hochberg thresholds of the pseudo p-values
};

struct GiUnitsResult {
  // Per unit (same order as the input); NaN / 0 / not tested for units whose value is NaN.
  std::vector<double> z;         // Gi* z-score (Ord & Getis 1995), the effect size and its sign
  std::vector<double> p_normal;  // two-sided p-value of z under the normal approximation, for reference
  std::vector<double> p;         // two-sided conditional-permutation pseudo p-value (what the bins use)
  std::vector<std::int64_t> neighbours;  // W_i, the unit itself included
  std::vector<std::int16_t> bins;        // −3..+3: ±3 99 %, ±2 95 %, ±1 90 % confidence, 0 not significant
  std::vector<std::uint8_t> tested;      // 1 where the unit has a value
  std::int64_t n = 0;                    // units with a value
  double mean = 0, sd = 0;               // x̄ and population S over them
  // p thresholds of the bins: 0.10/0.05/0.01, or the BH thresholds at q = 0.10/0.05/0.01 (0 = none).
  double p_threshold_90 = 0, p_threshold_95 = 0, p_threshold_99 = 0;
};

// Units whose value is NaN take no part (neither tested nor anyone's neighbour). A unit whose only
// neighbour is itself, or whose neighbourhood holds every unit, has no reference distribution: z = 0,
// p = 1, bin 0. A constant layer (S = 0) gives z = 0, p = 1, bins 0 everywhere.
// Errors: Error(config) for permutations < 9, a bad band or k (spatial_weights.hpp);
// Error(input_data) for different lengths, an infinite value, a non-finite coordinate of a unit with
// a value, or no unit with a value.
GiUnitsResult gi_star_permutation(std::span<const double> x, std::span<const double> y,
                                  std::span<const double> values, const GiUnitsOptions& options);

}  // namespace nexusmap

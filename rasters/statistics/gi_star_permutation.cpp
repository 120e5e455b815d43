// SPDX-License-Identifier: MIT
#include "rasters/statistics/gi_star_permutation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/statistics/fdr.hpp"
#include "rasters/statistics/spatial_weights.hpp"

namespace nexusmap {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
__extension__ using Uint128 = unsigned __int128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet

// SplitMix64 (Steele, Lea and Flood 2014): a small, fast generator whose output is fixed by the
// seed on every platform (std:: distributions are not), seeded per unit.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), exactly (D. Lemire, "Fast random integer generation in an interval",
  // ACM TOMACS 29(1), 2019, doi:10.1145/3230636).
  std::uint64_t below(std::uint64_t bound) {
    Uint128 m = static_cast<Uint128>(next()) * bound;
    auto low = static_cast<std::uint64_t>(m);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        m = static_cast<Uint128>(next()) * bound;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
};

}  // namespace

GiUnitsResult gi_star_permutation(std::span<const double> x, std::span<const double> y,
                                  std::span<const double> values, const GiUnitsOptions& options) {
  if (x.size() != values.size() || y.size() != values.size())
    input_error("Gi* over units: coordinates and values have different lengths");
  if (options.permutations < 9)
    config_error(fmt::format("Gi* over units: {} permutations are too few (at least 9; 999 is usual)",
                             options.permutations));
  const auto total = static_cast<std::int64_t>(values.size());
  GiUnitsResult res;
  res.z.assign(values.size(), kNaN);
  res.p_normal.assign(values.size(), kNaN);
  res.p.assign(values.size(), kNaN);
  res.neighbours.assign(values.size(), 0);
  res.bins.assign(values.size(), 0);
  res.tested.assign(values.size(), 0);

  // The units with a value, compressed.
  std::vector<std::int64_t> unit;
  std::vector<double> ux, uy, v;
  for (std::int64_t i = 0; i < total; ++i) {
    const double xi = values[static_cast<std::size_t>(i)];
    if (std::isnan(xi)) continue;
    if (std::isinf(xi)) input_error(fmt::format("Gi* over units: the value of unit {} is infinite", i));
    unit.push_back(i);
    ux.push_back(x[static_cast<std::size_t>(i)]);
    uy.push_back(y[static_cast<std::size_t>(i)]);
    v.push_back(xi);
  }
  const auto n = static_cast<std::int64_t>(v.size());
  if (n == 0) input_error("Gi* over units: no unit has a value; there is nothing to test");
  res.n = n;
  double sum = 0;
  for (const double xi : v) sum += xi;
  res.mean = sum / static_cast<double>(n);
  double ss = 0;
  for (const double xi : v) ss += (xi - res.mean) * (xi - res.mean);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  res.sd = *lo == *hi ? 0.0 : std::sqrt(ss / static_cast<double>(n));

  const SpatialWeights w = n == 1 ? SpatialWeights{{0, 1}, {0}, {1.0}}
                           : options.weights == UnitWeights::distance_band
                               ? distance_band_weights(ux, uy, options.distance_band, true)
                               : k_nearest_weights(ux, uy, options.k, true);
  const double nn = static_cast<double>(n);
  const auto perms = options.permutations;
  parallel_for(0, n, 16, [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> pool(static_cast<std::size_t>(n));
    for (std::int64_t i = begin; i < end; ++i) {
      const auto k = static_cast<std::size_t>(unit[static_cast<std::size_t>(i)]);
      const std::int64_t wi = w.end(i) - w.begin(i);
      res.neighbours[k] = wi;
      res.tested[k] = 1;
      double s_obs = 0;
      for (std::int64_t e = w.begin(i); e < w.end(i); ++e) s_obs += v[static_cast<std::size_t>(w.neighbour[static_cast<std::size_t>(e)])];
      const double wd = static_cast<double>(wi);
      const double var = (nn * wd - wd * wd) / (nn - 1);
      if (res.sd == 0 || !(var > 0) || wi <= 1) {
        res.z[k] = 0;
        res.p_normal[k] = 1;
        res.p[k] = 1;
        continue;
      }
      const double z = (s_obs - wd * res.mean) / (res.sd * std::sqrt(var));
      res.z[k] = z;
      res.p_normal[k] = std::erfc(std::abs(z) / std::numbers::sqrt2);
      // The other n − 1 values in the first n − 1 places of the pool; a partial Fisher–Yates shuffle
      // draws each permutation's W_i − 1 neighbours (the pool stays a permutation of the same values,
      // so every draw is a uniform sample without replacement).
      std::copy(v.begin(), v.end(), pool.begin());
      std::swap(pool[static_cast<std::size_t>(i)], pool[static_cast<std::size_t>(n - 1)]);
      const auto others = static_cast<std::uint64_t>(n - 1);
      const auto draws = static_cast<std::uint64_t>(wi - 1);
      SplitMix64 rng{options.seed ^ (0xD1B54A32D192ED03ULL * (static_cast<std::uint64_t>(k) + 1))};
      std::int64_t larger = 0, smaller = 0;
      // Relative slack so that a draw of the very same values, summed in another order, counts as a tie.
      const double eps = 1e-12 * (std::abs(s_obs) + wd * std::max(std::abs(*lo), std::abs(*hi)));
      const double xi = v[static_cast<std::size_t>(i)];
      for (std::int64_t p = 0; p < perms; ++p) {
        double s = xi;
        for (std::uint64_t t = 0; t < draws; ++t) {
          const std::uint64_t j = t + rng.below(others - t);
          std::swap(pool[t], pool[j]);
          s += pool[t];
        }
        larger += s >= s_obs - eps ? 1 : 0;
        smaller += s <= s_obs + eps ? 1 : 0;
      }
      const auto extreme = static_cast<double>(std::min(larger, smaller));
      res.p[k] = std::min(1.0, 2 * (extreme + 1) / (static_cast<double>(perms) + 1));
    }
  });

  if (options.fdr) {
    std::vector<float> ps;
    for (std::size_t k = 0; k < res.p.size(); ++k)
      if (res.tested[k] != 0) ps.push_back(static_cast<float>(res.p[k]));
    const double qs[] = {0.10, 0.05, 0.01};
    const std::vector<double> t = bh_thresholds(ps, qs);
    res.p_threshold_90 = t[0];
    res.p_threshold_95 = t[1];
    res.p_threshold_99 = t[2];
  } else {
    res.p_threshold_90 = 0.10;
    res.p_threshold_95 = 0.05;
    res.p_threshold_99 = 0.01;
  }
  for (std::size_t k = 0; k < res.p.size(); ++k) {
    if (res.tested[k] == 0) continue;
    // Compared as float, as the thresholds were found among the float p-values.
    const double pv = static_cast<float>(res.p[k]);
    const int level = pv <= res.p_threshold_99 ? 3 : pv <= res.p_threshold_95 ? 2 : pv <= res.p_threshold_90 ? 1 : 0;
    res.bins[k] = static_cast<std::int16_t>(res.z[k] < 0 ? -level : level);
  }
  return res;
}

}  // namespace nexusmap

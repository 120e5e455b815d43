// SPDX-License-Identifier: MIT
#include "rasters/statistics/normalize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/core/parallel.hpp"

namespace nexusmap {
namespace {

constexpr std::int64_t kRowGrain = 64;

struct Summary {
  std::int64_t n = 0;
  double min = 0, max = 0, mean = 0, sd = 0;
};

// Count, range, mean and population SD of the valid cells; per-row partial sums are combined in row
// order, so the result does not depend on the number of threads.
Summary summarize(const Raster<float>& layer) {
  const std::int64_t w = layer.width();
  const std::int64_t h = layer.height();
  struct Row {
    std::int64_t n = 0;
    double sum = 0;
    float min = std::numeric_limits<float>::infinity(), max = -std::numeric_limits<float>::infinity();
    std::int64_t bad = -1;
  };
  std::vector<Row> rows(static_cast<std::size_t>(h));
  parallel_for(0, h, kRowGrain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      Row& row = rows[static_cast<std::size_t>(r)];
      const float* x = layer.data() + r * w;
      for (std::int64_t c = 0; c < w; ++c) {
        if (std::isnan(x[c])) continue;
        if (std::isinf(x[c])) {
          row.bad = c;
          break;
        }
        ++row.n;
        row.sum += static_cast<double>(x[c]);
        row.min = std::min(row.min, x[c]);
        row.max = std::max(row.max, x[c]);
      }
    }
  });
  Summary s;
  double sum = 0;
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (std::int64_t r = 0; r < h; ++r) {
    const Row& row = rows[static_cast<std::size_t>(r)];
    if (row.bad >= 0) input_error(fmt::format("normalize: value at cell (col {}, row {}) is infinite", row.bad, r));
    s.n += row.n;
    sum += row.sum;
    lo = std::min(lo, row.min);
    hi = std::max(hi, row.max);
  }
  if (s.n == 0) input_error("normalize: every cell of the layer is nodata (NaN); there is nothing to normalise");
  s.min = lo;
  s.max = hi;
  s.mean = sum / static_cast<double>(s.n);
  std::vector<double> ss(static_cast<std::size_t>(h), 0.0);
  parallel_for(0, h, kRowGrain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const float* x = layer.data() + r * w;
      double acc = 0;
      for (std::int64_t c = 0; c < w; ++c)
        if (!std::isnan(x[c])) acc += (static_cast<double>(x[c]) - s.mean) * (static_cast<double>(x[c]) - s.mean);
      ss[static_cast<std::size_t>(r)] = acc;
    }
  });
  double total = 0;
  for (const double v : ss) total += v;
  s.sd = lo == hi ? 0.0 : std::sqrt(total / static_cast<double>(s.n));
  return s;
}

// Applies f to every valid cell, clamping the result to [0, 1].
template <class F>
Raster<float> map_valid(const Raster<float>& layer, F f) {
  Raster<float> out(layer.grid());
  parallel_for(0, layer.size(), kRowGrain * std::max<std::int64_t>(1, layer.width()),
               [&](std::int64_t begin, std::int64_t end) {
                 for (CellIndex i = begin; i < end; ++i) {
                   const float x = layer[i];
                   if (std::isnan(x)) continue;
                   out[i] = static_cast<float>(std::clamp(f(static_cast<double>(x)), 0.0, 1.0));
                 }
               });
  return out;
}

// percentile_rank or min_max with a floor (normalize.hpp).
Raster<float> normalize_above_floor(const Raster<float>& layer, Normalization method, double floor, double max) {
  if (!(max > floor)) return map_valid(layer, [](double) { return 0.0; });
  if (method == Normalization::min_max) {
    const double range = max - floor;
    return map_valid(layer, [&](double x) { return x <= floor ? 0.0 : (x - floor) / range; });
  }
  std::vector<float> sorted;
  for (const float x : layer.values())
    if (!std::isnan(x) && static_cast<double>(x) > floor) sorted.push_back(x);
  std::sort(sorted.begin(), sorted.end());
  const auto m = static_cast<double>(sorted.size());
  return map_valid(layer, [&](double xd) {
    if (xd <= floor) return 0.0;
    const auto x = static_cast<float>(xd);
    const auto [lo, hi] = std::equal_range(sorted.begin(), sorted.end(), x);
    const auto less = static_cast<double>(lo - sorted.begin());
    const auto equal = static_cast<double>(hi - lo);
    return (less + (equal + 1) / 2) / m;
  });
}

}  // namespace

Raster<float> normalize(const Raster<float>& layer, const NormalizeOptions& options) {
  if (options.method == Normalization::fuzzy_linear &&
      (!std::isfinite(options.low) || !std::isfinite(options.high) || options.low == options.high))
    config_error(fmt::format("normalize: fuzzy_linear needs finite low != high (got low {}, high {})", options.low,
                             options.high));
  if (options.floor) {
    if (!std::isfinite(*options.floor))
      config_error(fmt::format("normalize: floor {} must be a finite number", *options.floor));
    if (options.method != Normalization::percentile_rank && options.method != Normalization::min_max)
      config_error("normalize: a floor applies to percentile_rank and min_max only");
  }
  const Summary s = summarize(layer);
  if (options.floor) return normalize_above_floor(layer, options.method, *options.floor, s.max);
  const bool constant = s.min == s.max;
  switch (options.method) {
    case Normalization::min_max: {
      if (constant) return map_valid(layer, [](double) { return 0.5; });
      const double range = s.max - s.min;
      return map_valid(layer, [&](double x) { return (x - s.min) / range; });
    }
    case Normalization::percentile_rank: {
      if (constant) return map_valid(layer, [](double) { return 0.5; });
      std::vector<float> sorted;
      sorted.reserve(static_cast<std::size_t>(s.n));
      for (const float x : layer.values())
        if (!std::isnan(x)) sorted.push_back(x);
      std::sort(sorted.begin(), sorted.end());
      const auto denominator = static_cast<double>(s.n - 1);
      return map_valid(layer, [&](double xd) {
        const auto x = static_cast<float>(xd);
        const auto [lo, hi] = std::equal_range(sorted.begin(), sorted.end(), x);
        const auto less = static_cast<double>(lo - sorted.begin());
        const auto equal = static_cast<double>(hi - lo);
        return (less + (equal - 1) / 2) / denominator;
      });
    }
    case Normalization::z_score: {
      if (constant) return map_valid(layer, [](double) { return 0.5; });
      const double mean = s.mean;
      const double sd = s.sd;
      return map_valid(layer, [&](double x) { return 0.5 * std::erfc(-(x - mean) / (sd * std::numbers::sqrt2)); });
    }
    case Normalization::fuzzy_linear: {
      const double low = options.low;
      const double span = options.high - options.low;
      return map_valid(layer, [&](double x) { return (x - low) / span; });
    }
  }
  fail(ErrorKind::internal, "normalize: unknown method");
}

}  // namespace nexusmap

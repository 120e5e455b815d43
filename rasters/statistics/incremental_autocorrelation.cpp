// SPDX-License-Identifier: MIT
#include "rasters/statistics/incremental_autocorrelation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/statistics/spatial_weights.hpp"

namespace nexusmap {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Valid {
  std::vector<double> x, y, v;
};

Valid valid_units(std::span<const double> x, std::span<const double> y, std::span<const double> values) {
  if (x.size() != values.size() || y.size() != values.size())
    input_error("Moran's I: coordinates and values have different lengths");
  Valid u;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) continue;
    if (std::isinf(values[i])) input_error(fmt::format("Moran's I: the value of unit {} is infinite", i));
    u.x.push_back(x[i]);
    u.y.push_back(y[i]);
    u.v.push_back(values[i]);
  }
  return u;
}

// w_ji for the pair (i, j) by binary search in row j (0 when j does not list i).
double transposed(const SpatialWeights& w, std::int64_t i, std::int64_t j) {
  const auto first = w.neighbour.begin() + w.begin(j), last = w.neighbour.begin() + w.end(j);
  const auto it = std::lower_bound(first, last, i);
  return (it != last && *it == i) ? w.weight[static_cast<std::size_t>(it - w.neighbour.begin())] : 0.0;
}

MoranBand moran(const Valid& u, double band, bool row_std) {
  MoranBand m;
  m.distance = band;
  const auto n = static_cast<std::int64_t>(u.v.size());
  const double nn = static_cast<double>(n);
  SpatialWeights w = distance_band_weights(u.x, u.y, band, false);
  for (std::int64_t i = 0; i < n; ++i) m.isolated += w.end(i) == w.begin(i) ? 1 : 0;
  m.mean_neighbours = static_cast<double>(w.neighbour.size()) / nn;
  if (row_std) row_standardize(w);
  double mean = 0;
  for (const double v : u.v) mean += v;
  mean /= nn;
  std::vector<double> z(u.v.size());
  double m2 = 0, m4 = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    z[i] = u.v[i] - mean;
    m2 += z[i] * z[i];
    m4 += z[i] * z[i] * z[i] * z[i];
  }
  m.expected = -1 / (nn - 1);
  double s0 = 0, s1 = 0, cross = 0;
  std::vector<double> row_sum(u.v.size(), 0.0), col_sum(u.v.size(), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t e = w.begin(i); e < w.end(i); ++e) {
      const std::int64_t j = w.neighbour[static_cast<std::size_t>(e)];
      const double wij = w.weight[static_cast<std::size_t>(e)];
      const double wji = transposed(w, i, j);
      s0 += wij;
      cross += wij * z[static_cast<std::size_t>(i)] * z[static_cast<std::size_t>(j)];
      s1 += (wij + wji) * (wij + wji) + (wji == 0 ? wij * wij : 0.0);  // the reversed pair, when j does not list i
      row_sum[static_cast<std::size_t>(i)] += wij;
      col_sum[static_cast<std::size_t>(j)] += wij;
    }
  s1 /= 2;
  double s2 = 0;
  for (std::size_t i = 0; i < z.size(); ++i) s2 += (row_sum[i] + col_sum[i]) * (row_sum[i] + col_sum[i]);
  if (!(m2 > 0) || !(s0 > 0)) {
    m.i = m.z = m.variance = kNaN;
    return m;
  }
  m.i = nn / s0 * cross / m2;
  const double b2 = nn * m4 / (m2 * m2);
  const double a = nn * ((nn * nn - 3 * nn + 3) * s1 - nn * s2 + 3 * s0 * s0);
  const double b = b2 * ((nn * nn - nn) * s1 - 2 * nn * s2 + 6 * s0 * s0);
  m.variance = (a - b) / ((nn - 1) * (nn - 2) * (nn - 3) * s0 * s0) - m.expected * m.expected;
  m.z = m.variance > 0 ? (m.i - m.expected) / std::sqrt(m.variance) : kNaN;
  return m;
}

}  // namespace

MoranBand global_morans_i(std::span<const double> x, std::span<const double> y, std::span<const double> values,
                          double band, bool row_standardize) {
  const Valid u = valid_units(x, y, values);
  if (u.v.size() < 4) input_error(fmt::format("Moran's I needs at least 4 units with a value (got {})", u.v.size()));
  return moran(u, band, row_standardize);
}

IncrementalAutocorrelationResult incremental_autocorrelation(std::span<const double> x, std::span<const double> y,
                                                             std::span<const double> values,
                                                             const IncrementalAutocorrelationOptions& options) {
  if (options.bands < 1) config_error(fmt::format("incremental autocorrelation: bands {} must be >= 1", options.bands));
  if (!(options.start >= 0) || !std::isfinite(options.start) || !(options.increment >= 0) ||
      !std::isfinite(options.increment))
    config_error(fmt::format("incremental autocorrelation: start {} and increment {} must be finite and >= 0 (0 = "
                             "from the nearest-neighbour distances)", options.start, options.increment));
  const Valid u = valid_units(x, y, values);
  if (u.v.size() < 4)
    input_error(fmt::format("incremental autocorrelation needs at least 4 units with a value (got {})", u.v.size()));
  const std::vector<double> nnd = nearest_neighbour_distances(u.x, u.y);
  double largest = 0, mean = 0;
  for (const double d : nnd) {
    largest = std::max(largest, d);
    mean += d;
  }
  mean /= static_cast<double>(nnd.size());
  const double start = options.start > 0 ? options.start : largest;
  const double step = options.increment > 0 ? options.increment : mean;
  if (!(start > 0) || !(step > 0)) input_error("incremental autocorrelation: the units do not have distinct centroids");
  IncrementalAutocorrelationResult res;
  res.n = static_cast<std::int64_t>(u.v.size());
  for (std::int64_t k = 0; k < options.bands; ++k) res.bands.push_back(moran(u, start + static_cast<double>(k) * step, options.row_standardize));
  const auto count = static_cast<std::int64_t>(res.bands.size());
  auto zk = [&](std::int64_t k) { return res.bands[static_cast<std::size_t>(k)].z; };
  for (std::int64_t k = 1; k + 1 < count; ++k) {
    const double z = zk(k);
    if (z >= options.min_z && z > zk(k - 1) && !(zk(k + 1) > z)) {
      res.chosen = k;
      res.peak = true;
      break;
    }
  }
  if (res.chosen < 0) {
    double best = options.min_z;
    for (std::int64_t k = 0; k < count; ++k)
      if (zk(k) >= best) {
        best = zk(k);
        res.chosen = k;
      }
  }
  return res;
}

}  // namespace nexusmap

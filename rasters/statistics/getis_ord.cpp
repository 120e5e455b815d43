// SPDX-License-Identifier: MIT
#include "rasters/statistics/getis_ord.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/statistics/fdr.hpp"
#include "rasters/core/memory.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/core/vector_clones.hpp"

namespace nexusmap {
namespace {


constexpr std::int64_t kRowBand = 32;

// sum[c] += ps[c + m + 1] − ps[c − m] and the same for the counts: one row segment of every window.
NEXUSMAP_VECTOR_CLONES
void add_row_segments(const double* ps, const double* pc, std::int64_t w, std::int64_t m, double* sum,
                      double* count) {
  for (std::int64_t c = 0; c < w; ++c) {
    sum[c] += ps[c + m + 1] - ps[c - m];
    count[c] += pc[c + m + 1] - pc[c - m];
  }
}

struct RowMoments {
  std::int64_t count = 0;
  double sum = 0;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
};

// Largest m >= 0 with (m·dx)² + (t·dy)² <= d²·(1 + 1e-12), capped at `cap` (a half-width of a whole
// row covers it), or −1 when row lag t is outside the band.
std::int64_t band_half_width(std::int64_t t, double dx, double dy, double band, std::int64_t cap) {
  const double limit = band * band * (1 + 1e-12);
  const double ty = static_cast<double>(t) * dy;
  if (ty * ty > limit) return -1;
  const double estimate = std::floor(std::sqrt(std::max(0.0, band * band - ty * ty)) / dx);
  if (estimate > static_cast<double>(cap)) return cap;
  auto m = static_cast<std::int64_t>(estimate);
  auto inside = [&](std::int64_t k) {
    const double kx = static_cast<double>(k) * dx;
    return kx * kx + ty * ty <= limit;
  };
  while (m > 0 && !inside(m)) --m;
  while (m < cap && inside(m + 1)) ++m;
  return m;
}

}  // namespace

GiStarResult getis_ord_gi_star(const Raster<float>& values, const GiStarOptions& options) {
  const Grid& g = values.grid();
  const double cell = std::max(g.dx(), g.dy());
  if (!std::isfinite(options.distance_band) || !(options.distance_band >= cell))
    config_error(fmt::format("Gi*: distance band {} m is smaller than a cell ({} m), so cells have no neighbours; "
                             "use a band of at least one cell, typically several",
                             options.distance_band, cell));
  check_grid_memory(g, 11.0, "Gi* hot spots");
  const std::int64_t w = g.width;
  const std::int64_t h = g.height;

  // Row statistics in parallel, combined in row order so that the sums do not depend on threads.
  std::vector<RowMoments> rows(static_cast<std::size_t>(h));
  std::vector<std::int64_t> bad_cell(static_cast<std::size_t>(h), -1);
  parallel_for(0, h, kRowBand, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      RowMoments& m = rows[static_cast<std::size_t>(r)];
      const float* x = values.data() + r * w;
      for (std::int64_t c = 0; c < w; ++c) {
        if (std::isnan(x[c])) continue;
        if (std::isinf(x[c])) {
          bad_cell[static_cast<std::size_t>(r)] = c;
          break;
        }
        ++m.count;
        m.sum += static_cast<double>(x[c]);
        m.min = std::min(m.min, x[c]);
        m.max = std::max(m.max, x[c]);
      }
    }
  });
  for (std::int64_t r = 0; r < h; ++r)
    if (const std::int64_t c = bad_cell[static_cast<std::size_t>(r)]; c >= 0)
      input_error(fmt::format("Gi*: value at cell (col {}, row {}) is infinite", c, r));
  GiStarResult res{Raster<float>(g), Raster<float>(g), Raster<std::int16_t>(g), 0, 0, 0};
  double total = 0;
  float lo = std::numeric_limits<float>::infinity();
  float hi = -lo;
  for (const RowMoments& m : rows) {
    res.n += m.count;
    total += m.sum;
    lo = std::min(lo, m.min);
    hi = std::max(hi, m.max);
  }
  if (res.n == 0) input_error("Gi*: every cell of the layer is nodata (NaN); there is nothing to test");
  res.mean = total / static_cast<double>(res.n);
  const double mean = res.mean;

  std::vector<double> row_ss(static_cast<std::size_t>(h), 0.0);
  parallel_for(0, h, kRowBand, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const float* x = values.data() + r * w;
      double ss = 0;
      for (std::int64_t c = 0; c < w; ++c)
        if (!std::isnan(x[c])) ss += (static_cast<double>(x[c]) - mean) * (static_cast<double>(x[c]) - mean);
      row_ss[static_cast<std::size_t>(r)] = ss;
    }
  });
  double ss = 0;
  for (const double v : row_ss) ss += v;
  // Exactly constant layers are detected from min == max: a rounded mean would leave a tiny S and
  // turn rounding noise into z-scores.
  res.sd = lo == hi ? 0.0 : std::sqrt(ss / static_cast<double>(res.n));

  std::vector<std::uint8_t>& mask = res.bins.mask();
  if (res.sd == 0) {
    for (CellIndex i = 0; i < values.size(); ++i) {
      if (!values.valid(i)) continue;
      res.z[i] = 0.0F;
      res.p[i] = 1.0F;
      mask[static_cast<std::size_t>(i)] = 1;
    }
    const bool fdr = options.fdr;
    res.p_threshold_90 = fdr ? 0.0 : 0.10;
    res.p_threshold_95 = fdr ? 0.0 : 0.05;
    res.p_threshold_99 = fdr ? 0.0 : 0.01;
    return res;
  }

  // Row lags within the band and their half-widths in columns.
  std::vector<std::int64_t> half;
  for (std::int64_t t = 0; t < h; ++t) {
    const std::int64_t m = band_half_width(t, g.dx(), g.dy(), options.distance_band, w);
    if (m < 0) break;
    half.push_back(m);
  }
  const auto lags = static_cast<std::int64_t>(half.size()) - 1;
  const std::int64_t reach = half[0];
  const auto n = static_cast<double>(res.n);
  const double sd = res.sd;

  const std::int64_t bands = (h + kRowBand - 1) / kRowBand;
  // A few dozen chunks of bands: each allocates its prefix tables once.
  parallel_for(0, bands, std::max<std::int64_t>(1, bands / 48), [&](std::int64_t begin, std::int64_t end) {
    // Prefix sums with `reach` columns of padding on both sides, so windows need no clamping:
    // index reach + c holds the sum over columns < c. Counts are exact in double (< 2^53). Every
    // element used is written first, so the tables are not zero-filled.
    const std::int64_t stride = w + 2 * reach + 1;
    const std::int64_t max_rows = std::min(h, kRowBand + 2 * lags);
    const auto psum = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(max_rows * stride));
    const auto pcount = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(max_rows * stride));
    std::vector<double> sum(static_cast<std::size_t>(w));
    std::vector<double> count(static_cast<std::size_t>(w));
    for (std::int64_t b = begin; b < end; ++b) {
      const std::int64_t r0 = b * kRowBand;
      const std::int64_t r1 = std::min(h, r0 + kRowBand);
      const std::int64_t s0 = std::max<std::int64_t>(0, r0 - lags);
      const std::int64_t s1 = std::min(h, r1 + lags);
      for (std::int64_t s = s0; s < s1; ++s) {
        const float* x = values.data() + s * w;
        double* ps = psum.get() + (s - s0) * stride;
        double* pc = pcount.get() + (s - s0) * stride;
        std::fill(ps, ps + reach + 1, 0.0);
        std::fill(pc, pc + reach + 1, 0.0);
        for (std::int64_t c = 0; c < w; ++c) {
          const bool ok = !std::isnan(x[c]);
          ps[reach + c + 1] = ps[reach + c] + (ok ? static_cast<double>(x[c]) - mean : 0.0);
          pc[reach + c + 1] = pc[reach + c] + (ok ? 1.0 : 0.0);
        }
        std::fill(ps + reach + w + 1, ps + stride, ps[reach + w]);
        std::fill(pc + reach + w + 1, pc + stride, pc[reach + w]);
      }
      for (std::int64_t r = r0; r < r1; ++r) {
        std::fill(sum.begin(), sum.end(), 0.0);
        std::fill(count.begin(), count.end(), 0.0);
        for (std::int64_t s = std::max<std::int64_t>(0, r - lags); s <= std::min(h - 1, r + lags); ++s)
          add_row_segments(psum.get() + (s - s0) * stride + reach, pcount.get() + (s - s0) * stride + reach, w,
                           half[static_cast<std::size_t>(std::abs(s - r))], sum.data(), count.data());
        const float* x = values.data() + r * w;
        float* z = res.z.data() + r * w;
        float* p = res.p.data() + r * w;
        for (std::int64_t c = 0; c < w; ++c) {
          if (std::isnan(x[c])) continue;
          const double wi = count[static_cast<std::size_t>(c)];
          const double var = (n * wi - wi * wi) / (n - 1);
          const double zi = var > 0 ? sum[static_cast<std::size_t>(c)] / (sd * std::sqrt(var)) : 0.0;
          z[c] = static_cast<float>(zi);
          p[c] = static_cast<float>(std::erfc(std::abs(zi) / std::numbers::sqrt2));
        }
      }
    }
  });

  if (options.fdr) {
    const double qs[] = {0.10, 0.05, 0.01};
    const std::vector<double> t = bh_thresholds(res.p.values(), qs);
    res.p_threshold_90 = t[0];
    res.p_threshold_95 = t[1];
    res.p_threshold_99 = t[2];
  } else {
    res.p_threshold_90 = 0.10;
    res.p_threshold_95 = 0.05;
    res.p_threshold_99 = 0.01;
  }
  const double t90 = res.p_threshold_90, t95 = res.p_threshold_95, t99 = res.p_threshold_99;
  parallel_for(0, h, kRowBand, [&](std::int64_t begin, std::int64_t end) {
    for (CellIndex i = begin * w; i < end * w; ++i) {
      const float pi = res.p[i];
      if (std::isnan(pi)) continue;
      const double pv = pi;
      const std::int16_t level = pv <= t99 ? 3 : pv <= t95 ? 2 : pv <= t90 ? 1 : 0;
      res.bins[i] = static_cast<std::int16_t>(res.z[i] < 0 ? -level : level);
      mask[static_cast<std::size_t>(i)] = 1;
    }
  });
  return res;
}

}  // namespace nexusmap

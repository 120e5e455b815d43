// SPDX-License-Identifier: MIT
#include "rasters/density/kernel_density.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/density/gaussian_convolution.hpp"
#include "rasters/core/memory.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/core/vector_clones.hpp"
#include "rasters/density/quartic_convolution.hpp"

namespace nexusmap {
namespace {

// The columns [c0, c1] of one row whose centres lie within the discs of points [0, n) (fractional
// pixel coordinates col, row; the row's centres at yc): c0 > c1 when a disc misses the row. Element-
// wise over the points, so it vectorises (sqrt included); clamping to [−1, w] before the conversion
// makes truncation toward zero a floor.
NEXUSMAP_VECTOR_CLONES
void disc_spans(const double* col, const double* row, std::size_t n, double yc, double dy, double inv_dx,
                double limit, double w, std::int32_t* c0, std::int32_t* c1) {
  for (std::size_t i = 0; i < n; ++i) {
    const double ty = (yc - row[i]) * dy;
    const double q = limit - ty * ty;
    const double half = std::sqrt(q > 0 ? q : 0.0) * inv_dx;
    const double lo = std::min(std::max(col[i] - 0.5 - half, 0.0), w);
    const double hi = std::min(std::max(col[i] - 0.5 + half, -1.0), w - 1);
    auto first = static_cast<std::int32_t>(lo);
    first += static_cast<double>(first) < lo ? 1 : 0;  // ceil
    const auto last = static_cast<std::int32_t>(hi + 1) - 1;  // floor, as hi + 1 >= 0
    c0[i] = q >= 0 ? first : 1;
    c1[i] = q >= 0 ? last : 0;
  }
}

// Sets to 0 every cell whose centre is farther than `radius` metres from every point inside the grid
// with a positive weight (the points that were binned). Row by row: each point within `radius` of
// the row covers one interval of columns, marked in a difference array, so the cost is
// O(points × 2·radius/dy + cells) and needs no grid-sized mask.
void cut_to_discs(const Grid& grid, std::span<const WeightedPoint> points, double radius, Raster<float>& out) {
  std::vector<std::pair<double, double>> px;  // (row, col) in fractional pixels, cell centres at k + 0.5
  px.reserve(points.size());
  for (const WeightedPoint& p : points) {
    if (!(p.weight > 0) || !grid.cell_at(p.x, p.y)) continue;
    const auto [c, r] = grid.pixel_of(p.x, p.y);
    px.emplace_back(r, c);
  }
  std::sort(px.begin(), px.end());
  std::vector<double> rows(px.size()), cols(px.size());
  for (std::size_t i = 0; i < px.size(); ++i) {
    rows[i] = px[i].first;
    cols[i] = px[i].second;
  }
  const double dx = grid.dx(), dy = grid.dy();
  const double limit = radius * radius * (1 + 1e-12);  // cells exactly on the circle stay despite rounding
  const double reach_rows = radius / dy;
  const std::int64_t w = grid.width;
  if (w > (std::int64_t{1} << 30)) fail(ErrorKind::internal, "kernel density: grid too wide for the support cut");
  parallel_for(0, grid.height, 16, [&](std::int64_t begin, std::int64_t end) {
    std::vector<std::int32_t> diff(static_cast<std::size_t>(w + 1)), c0, c1;
    for (std::int64_t r = begin; r < end; ++r) {
      const double yc = static_cast<double>(r) + 0.5;
      std::fill(diff.begin(), diff.end(), 0);
      const auto first = std::lower_bound(rows.begin(), rows.end(), yc - reach_rows - 1) - rows.begin();
      const auto last = std::upper_bound(rows.begin(), rows.end(), yc + reach_rows + 1) - rows.begin();
      const auto n = static_cast<std::size_t>(last - first);
      c0.resize(n);
      c1.resize(n);
      disc_spans(cols.data() + first, rows.data() + first, n, yc, dy, 1 / dx, limit, static_cast<double>(w), c0.data(),
                 c1.data());
      for (std::size_t i = 0; i < n; ++i) {
        if (c0[i] > c1[i]) continue;
        ++diff[static_cast<std::size_t>(c0[i])];
        --diff[static_cast<std::size_t>(c1[i]) + 1];
      }
      float* o = out.data() + r * w;
      std::int32_t covered = 0;
      for (std::int64_t c = 0; c < w; ++c) {
        covered += diff[static_cast<std::size_t>(c)];
        if (covered == 0) o[c] = 0.0F;
      }
    }
  });
}

}  // namespace

KdeResult kernel_density(const Grid& grid, std::span<const WeightedPoint> points, const KdeOptions& options) {
  const double cell = std::max(grid.dx(), grid.dy());
  if (!(options.bandwidth > 0) || !std::isfinite(options.bandwidth))
    config_error(fmt::format("kernel density: bandwidth {} m must be a finite number > 0", options.bandwidth));
  if (options.bandwidth < 0.5 * cell)
    config_error(fmt::format("kernel density: bandwidth {} m is smaller than half a cell ({} m); the grid cannot "
                             "resolve the kernel: use a bandwidth of several cells or a finer grid",
                             options.bandwidth, 0.5 * cell));
  if (!(options.per_area > 0) || !std::isfinite(options.per_area))
    config_error(fmt::format("kernel density: per_area {} m² must be a finite number > 0", options.per_area));
  if (!(options.support > 0))
    config_error(fmt::format("kernel density: support {} (in standard deviations) must be > 0, or infinity for no cut",
                             options.support));
  // The result and the horizontal pass (4 B each per cell); the bins are sparse.
  check_grid_memory(grid, 8.0, "kernel density");

  LinearBins bins = linear_binning(grid, points);
  KdeResult result{Raster<float>(grid, 0.0F), bins.inside, bins.outside, bins.weight_inside, bins.weight_outside};
  if (bins.weight_inside == 0 || grid.cells() == 0) return result;

  const double h = options.bandwidth;
  if (options.kernel == Kernel::gaussian) {
    const GaussianKernel2D k{h / grid.dx(), h / grid.dy(), options.per_area / (2 * std::numbers::pi * h * h),
                             GaussianMethod::automatic};
    gaussian_convolve(bins, k, result.density.values());
    if (std::isfinite(options.support)) cut_to_discs(grid, points, options.support * h, result.density);
  } else {
    const QuarticKernel2D k{h / grid.dx(), h / grid.dy(), options.per_area * 3 / (std::numbers::pi * h * h)};
    quartic_convolve(bins, k, result.density.values());
  }
  return result;
}

double rule_of_thumb_bandwidth(std::span<const WeightedPoint> points) {
  double sw = 0, sww = 0, sx = 0, sy = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const WeightedPoint& p = points[i];
    check_weighted_point(p, i);
    sw += p.weight;
    sww += p.weight * p.weight;
    sx += p.weight * p.x;
    sy += p.weight * p.y;
  }
  if (!(sw > 0))
    input_error(fmt::format("rule-of-thumb bandwidth: the {} events have no positive weight", points.size()));
  const double mx = sx / sw;
  const double my = sy / sw;
  std::vector<std::pair<double, double>> dist;  // (distance to the mean centre, weight)
  dist.reserve(points.size());
  double ss = 0;
  for (const WeightedPoint& p : points) {
    if (p.weight == 0) continue;
    const double d2 = (p.x - mx) * (p.x - mx) + (p.y - my) * (p.y - my);
    ss += p.weight * d2;
    dist.emplace_back(std::sqrt(d2), p.weight);
  }
  const double sd = std::sqrt(ss / sw);
  if (!(sd > 0))
    input_error("rule-of-thumb bandwidth: all weighted events are at one location; a bandwidth cannot be "
                "estimated from them, give one explicitly");
  std::sort(dist.begin(), dist.end());
  double median = dist.back().first;
  double cumulative = 0;
  for (std::size_t k = 0; k < dist.size(); ++k) {
    cumulative += dist[k].second;
    if (cumulative >= sw / 2) {
      median = (cumulative == sw / 2 && k + 1 < dist.size()) ? (dist[k].first + dist[k + 1].first) / 2 : dist[k].first;
      break;
    }
  }
  const double n = sw * sw / sww;
  const double spread = median > 0 ? std::min(sd, std::sqrt(1 / std::numbers::ln2) * median) : sd;
  return 0.9 * spread * std::pow(n, -0.2);
}

}  // namespace nexusmap

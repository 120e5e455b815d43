// SPDX-License-Identifier: MIT
#include "rasters/density/distance_transform.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "rasters/core/memory.hpp"
#include "rasters/core/parallel.hpp"

namespace nexusmap {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One pass of Felzenszwalb & Huttenlocher: d[q] = min_p (f[p] + (step·(q − p))²) over n samples,
// f = +inf where there is no target yet. v, z are scratch of size n and n + 1.
void lower_envelope(const double* f, double* d, std::int64_t n, double step, std::vector<std::int64_t>& v,
                    std::vector<double>& z) {
  const double s2 = step * step;
  const auto root = [&](std::int64_t p) { return f[p] / s2 + static_cast<double>(p) * static_cast<double>(p); };
  std::int64_t k = -1;  // index of the rightmost parabola of the envelope
  for (std::int64_t q = 0; q < n; ++q) {
    if (f[q] == kInf) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -kInf;
      z[1] = kInf;
      continue;
    }
    // Where q's parabola meets the rightmost one; drop those it hides (z[0] = -inf stops the loop).
    double s = 0;
    for (;; --k) {
      const std::int64_t p = v[static_cast<std::size_t>(k)];
      s = (root(q) - root(p)) / (2.0 * static_cast<double>(q - p));
      if (s > z[static_cast<std::size_t>(k)]) break;
    }
    ++k;
    v[static_cast<std::size_t>(k)] = q;
    z[static_cast<std::size_t>(k)] = s;
    z[static_cast<std::size_t>(k) + 1] = kInf;
  }
  if (k < 0) {
    for (std::int64_t q = 0; q < n; ++q) d[q] = kInf;
    return;
  }
  std::int64_t j = 0;
  for (std::int64_t q = 0; q < n; ++q) {
    while (z[static_cast<std::size_t>(j) + 1] < static_cast<double>(q)) ++j;
    const double dq = step * static_cast<double>(q - v[static_cast<std::size_t>(j)]);
    d[q] = f[v[static_cast<std::size_t>(j)]] + dq * dq;
  }
}

}  // namespace

Raster<float> distance_to_nonzero_exact(const Raster<float>& layer) {
  const Grid& g = layer.grid();
  const std::int64_t w = g.width, h = g.height;
  check_grid_memory(g, 12.0, "distance transform");
  std::vector<double> sq(static_cast<std::size_t>(g.cells()), kInf);
  bool any = false;
  for (CellIndex i = 0; i < layer.size(); ++i)
    if (layer.valid(i) && layer[i] != 0.0F) {
      sq[static_cast<std::size_t>(i)] = 0.0;
      any = true;
    }
  Raster<float> out(g);
  if (!any) return out;
  const double dx = g.dx(), dy = g.dy();
  // Columns first (squared distances along y), then rows (adding the x term).
  parallel_for(0, w, 16, [&](std::int64_t c0, std::int64_t c1) {
    std::vector<double> f(static_cast<std::size_t>(h)), d(static_cast<std::size_t>(h)), z(static_cast<std::size_t>(h) + 1);
    std::vector<std::int64_t> v(static_cast<std::size_t>(h));
    for (std::int64_t c = c0; c < c1; ++c) {
      for (std::int64_t r = 0; r < h; ++r) f[static_cast<std::size_t>(r)] = sq[static_cast<std::size_t>(r * w + c)];
      lower_envelope(f.data(), d.data(), h, dy, v, z);
      for (std::int64_t r = 0; r < h; ++r) sq[static_cast<std::size_t>(r * w + c)] = d[static_cast<std::size_t>(r)];
    }
  });
  parallel_for(0, h, 16, [&](std::int64_t r0, std::int64_t r1) {
    std::vector<double> d(static_cast<std::size_t>(w)), z(static_cast<std::size_t>(w) + 1);
    std::vector<std::int64_t> v(static_cast<std::size_t>(w));
    for (std::int64_t r = r0; r < r1; ++r) {
      lower_envelope(sq.data() + r * w, d.data(), w, dx, v, z);
      for (std::int64_t c = 0; c < w; ++c) out[r * w + c] = static_cast<float>(std::sqrt(d[static_cast<std::size_t>(c)]));
    }
  });
  return out;
}

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
#include "rasters/density/quartic_convolution.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "rasters/core/error.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/core/vector_clones.hpp"


namespace nexusmap {
namespace {

// Largest m >= 0 with m²·q < a: the column lags strictly inside the support (the boundary has
// weight 0, so floating-point ties there do not matter, but a lag outside must never be taken since
// the polynomial grows again beyond the support). Capped at `cap`: no lag beyond the grid occurs.
std::int64_t half_width(double a, double q, std::int64_t cap) {
  const double estimate = std::floor(std::sqrt(a / q));
  if (!(estimate < static_cast<double>(cap))) return cap;
  auto m = static_cast<std::int64_t>(estimate);
  while (m > 0 && static_cast<double>(m * m) * q >= a) --m;
  while (m < cap && static_cast<double>((m + 1) * (m + 1)) * q < a) ++m;
  return m;
}

// One (output row, source row) pair over a block: o[c] += Σ_k coef_k[c]·(P_k[c + w] − P_k[c]), the
// window moments of the source row weighted by the polynomial at this row lag.
NEXUSMAP_VECTOR_CLONES
void add_row_pair(const std::array<const double*, 5>& p, const double* __restrict k, std::int64_t block,
                  std::int64_t w, std::int64_t n, double* __restrict o) {
  const double* __restrict p0 = p[0];
  const double* __restrict p1 = p[1];
  const double* __restrict p2 = p[2];
  const double* __restrict p3 = p[3];
  const double* __restrict p4 = p[4];
  for (std::int64_t c = 0; c < n; ++c) {
    o[c] += k[c] * (p0[c + w] - p0[c]) + k[block + c] * (p1[c + w] - p1[c]) + k[2 * block + c] * (p2[c + w] - p2[c]) +
            k[3 * block + c] * (p3[c + w] - p3[c]) + k[4 * block + c] * (p4[c + w] - p4[c]);
  }
}

}  // namespace

void quartic_convolve(const LinearBins& bins, const QuarticKernel2D& kernel, std::span<float> out) {
  const std::int64_t ow = bins.width - 2;
  const std::int64_t oh = bins.height - 2;
  if (ow < 0 || oh < 0 || bins.row_start.size() != static_cast<std::size_t>(bins.height + 1) ||
      out.size() != static_cast<std::size_t>(ow * oh))
    fail(ErrorKind::internal, "quartic_convolve: bins and output sizes do not match");
  if (!(kernel.radius_x > 0) || !(kernel.radius_y > 0) || !std::isfinite(kernel.radius_x) ||
      !std::isfinite(kernel.radius_y) || !std::isfinite(kernel.peak))
    fail(ErrorKind::internal, "quartic_convolve: radii must be finite and > 0");
  if (ow == 0 || oh == 0) return;

  // Row lags t = 0..T with t² < ry²: A_t = 1 − t²/ry² and half-width m_t.
  const double q = 1.0 / (kernel.radius_x * kernel.radius_x);
  const double qy = 1.0 / (kernel.radius_y * kernel.radius_y);
  const std::int64_t rows = half_width(1.0, qy, bins.height);
  std::vector<double> a(static_cast<std::size_t>(rows + 1));
  std::vector<std::int64_t> m(static_cast<std::size_t>(rows + 1));
  for (std::int64_t t = 0; t <= rows; ++t) {
    a[static_cast<std::size_t>(t)] = 1.0 - static_cast<double>(t * t) * qy;
    m[static_cast<std::size_t>(t)] = half_width(a[static_cast<std::size_t>(t)], q, bins.width);
  }
  const std::int64_t reach = m[0];

  // Moments are taken about the middle of each block of output columns; a block of a few radii keeps
  // |u| / radius_x small (the cancellation in (u − v)^4 grows with its fourth power).
  const std::int64_t block = std::clamp<std::int64_t>(8 * (reach + 1), 32, 256);
  const double half = static_cast<double>(block / 2);
  // coef[(t·5 + k)·block + c]: weight of the window moment Σ x·u^k for output column c of a block,
  // from (A − q(u − v)²)² = A² − 2Aq(u − v)² + q²(u − v)^4 with v = c − block/2.
  std::vector<double> coef(static_cast<std::size_t>((rows + 1) * 5 * block));
  for (std::int64_t t = 0; t <= rows; ++t) {
    const double at = a[static_cast<std::size_t>(t)];
    for (std::int64_t c = 0; c < block; ++c) {
      const double v = static_cast<double>(c) - half;
      const double v2 = v * v;
      double* k = coef.data() + t * 5 * block + c;
      k[0] = at * at - 2 * at * q * v2 + q * q * v2 * v2;
      k[block] = 4 * at * q * v - 4 * q * q * v2 * v;
      k[2 * block] = -2 * at * q + 6 * q * q * v2;
      k[3 * block] = -4 * q * q * v;
      k[4 * block] = q * q;
    }
  }

  const std::int64_t blocks = (ow + block - 1) / block;
  parallel_for(0, blocks, 1, [&](std::int64_t begin, std::int64_t end) {
    const std::int64_t len = block + 2 * reach;
    std::array<std::vector<double>, 5> prefix;
    for (auto& p : prefix) p.assign(static_cast<std::size_t>(len + 1), 0.0);
    // Filled per block below, so not zero-filled here.
    const auto acc = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(oh * block));
    for (std::int64_t b = begin; b < end; ++b) {
      const std::int64_t c0 = b * block;
      const std::int64_t n = std::min(block, ow - c0);
      const std::int64_t first = c0 + 1 - reach;  // framed column of prefix index 0
      const std::int64_t last = first + n + 2 * reach;
      const double origin = static_cast<double>(c0 + 1) + half;
      std::fill(acc.get(), acc.get() + oh * block, 0.0);
      for (std::int64_t j = 0; j < bins.height; ++j) {
        const std::int64_t r_lo = std::max<std::int64_t>(0, j - 1 - rows);
        const std::int64_t r_hi = std::min(oh - 1, j - 1 + rows);
        if (r_lo > r_hi) continue;
        const auto* col0 = bins.column.data() + bins.row_begin(j);
        const auto* col1 = bins.column.data() + bins.row_end(j);
        const auto* it = std::lower_bound(col0, col1, first);
        if (it == col1 || *it >= last) continue;
        // Prefix sums of the moments mass·u^k over [first, last), u = column − origin; constant
        // between bins.
        std::int64_t l = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
        // Prefix sums up to lag `until`: the moments of the bins before it.
        auto fill_prefix = [&](std::int64_t until) {
          for (; l <= until; ++l) {
            const auto lu = static_cast<std::size_t>(l);
            prefix[0][lu] = s0;
            prefix[1][lu] = s1;
            prefix[2][lu] = s2;
            prefix[3][lu] = s3;
            prefix[4][lu] = s4;
          }
        };
        for (; it != col1 && *it < last; ++it) {
          const std::int64_t at = *it - first;
          fill_prefix(at);
          const double mass = bins.mass[static_cast<std::size_t>(it - bins.column.data())];
          const double u = static_cast<double>(*it) - origin;
          const double mu2 = mass * u * u;
          s0 += mass;
          s1 += mass * u;
          s2 += mu2;
          s3 += mu2 * u;
          s4 += mu2 * u * u;
        }
        fill_prefix(n + 2 * reach);
        for (std::int64_t r = r_lo; r <= r_hi; ++r) {
          const std::int64_t t = std::abs(j - 1 - r);
          const std::int64_t mt = m[static_cast<std::size_t>(t)];
          // Window of output column c: prefix indices [c + reach − mt, c + reach + mt + 1).
          const std::array<const double*, 5> window = {
              prefix[0].data() + reach - mt, prefix[1].data() + reach - mt, prefix[2].data() + reach - mt,
              prefix[3].data() + reach - mt, prefix[4].data() + reach - mt};
          add_row_pair(window, coef.data() + t * 5 * block, block, 2 * mt + 1, n, acc.get() + r * block);
        }
      }
      // Rounding can leave tiny negatives where the true sum of non-negative terms is ~0.
      for (std::int64_t r = 0; r < oh; ++r) {
        float* dst = out.data() + r * ow + c0;
        const double* src = acc.get() + r * block;
        for (std::int64_t c = 0; c < n; ++c) dst[c] = static_cast<float>(std::max(0.0, kernel.peak * src[c]));
      }
    }
  });
}

}  // namespace nexusmap

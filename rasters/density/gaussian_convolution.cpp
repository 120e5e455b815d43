// SPDX-License-Identifier: MIT
#include "rasters/density/gaussian_convolution.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "rasters/core/error.hpp"
#include "rasters/core/large_buffer.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/core/vector_clones.hpp"


namespace nexusmap {
namespace {

// exp(-t²/2) ≈ Σ_k 2·Re(a_k·exp(-λ_k·t)) for t >= 0; {Re a, Im a, Re λ, Im λ} per conjugate pair.
constexpr std::size_t kPairs = 3;
// Fitted by bench/analysis/fit_recursive_gaussian.py (minimax, max |error| 2.95e-6 on t in [0, 40]).
constexpr std::array<std::array<double, 4>, kPairs> kFit = {{
    {1.5752419727719702, 3.6360879670247144, 2.181032603315728, 0.5249667588453832},
    {-1.1542587754042857, -0.44959516748278705, 2.147165100333189, 1.6166094589594735},
    {0.07901534366223517, -0.02093345151896989, 2.0844671921643165, 2.8608219113812323},
}};

// The recursive filter for one axis: h(n) = Σ_k Re(a_k·z_k^n) for n >= 0, with a_k = 2·peak·(fitted
// a_k) and z_k = exp(−λ_k/σ).
struct Terms {
  std::array<double, kPairs> ar{}, ai{}, zr{}, zi{};
};

Terms recursive_terms(double sigma, double peak) {
  Terms t;
  for (std::size_t k = 0; k < kPairs; ++k) {
    const auto& f = kFit[k];
    const double decay = std::exp(-f[2] / sigma);
    t.ar[k] = 2 * peak * f[0];
    t.ai[k] = 2 * peak * f[1];
    t.zr[k] = decay * std::cos(f[3] / sigma);
    t.zi[k] = -decay * std::sin(f[3] / sigma);
  }
  return t;
}

// ceil(x) capped at `cap`: radii in cells, where lags beyond the grid never occur, so the cap changes
// nothing but keeps absurd bandwidths from overflowing.
std::int64_t capped_ceil(double x, std::int64_t cap) {
  const double r = std::ceil(x);
  return r < static_cast<double>(cap) ? static_cast<std::int64_t>(r) : cap;
}

// The FIR radius T = ceil(7.5σ) cells: beyond it the Gaussian is < 7e-13 of its peak, so the FIR is the
// untruncated kernel to float precision (and the same kernel the sparse rows of the recursion use).
std::int64_t tail_radius(double sigma, std::int64_t cap) { return capped_ceil(kFirTailSigmas * sigma, cap); }

bool use_fir(GaussianMethod method, double sigma) {
  return method == GaussianMethod::fir || (method == GaussianMethod::automatic && sigma <= kMaxFirSigma);
}

std::vector<double> fir_taps(double sigma, double peak, std::int64_t radius) {
  std::vector<double> g(static_cast<std::size_t>(radius + 1));
  for (std::int64_t n = 0; n <= radius; ++n) {
    const auto t = static_cast<double>(n) / sigma;
    g[static_cast<std::size_t>(n)] = peak * std::exp(-0.5 * t * t);
  }
  return g;
}

constexpr std::int64_t kRowGrain = 16;

// Rows per parallel chunk: at least `minimum`, and few enough chunks (~48) that each chunk's scratch
// buffers are allocated a handful of times, not once per row. Results never depend on the chunking.
std::int64_t chunk_grain(std::int64_t n, std::int64_t minimum) { return std::max(minimum, n / 48); }

constexpr std::size_t kChunk = 256;  // columns per block of the vertical recursion
constexpr std::size_t kLanes = 8;    // rows filtered side by side by the horizontal recursion

// State of kPairs complex first-order recursions over `Lanes` independent signals.
template <std::size_t Lanes>
struct Recursion {
  std::array<std::array<double, Lanes>, kPairs> re{}, im{};
  void clear() {
    for (auto& v : re) v.fill(0.0);
    for (auto& v : im) v.fill(0.0);
  }
};

// ---- horizontal passes: every framed row to the out_width columns of the output ----

// acc[c] = Σ_{|n|<=radius} g[|n|]·centre[c + n] for c in [0, ow); centre has radius cells of padding.
NEXUSMAP_VECTOR_CLONES
void fir_row(const double* centre, double* acc, std::int64_t ow, const double* g, std::int64_t radius) {
  for (std::int64_t c = 0; c < ow; ++c) acc[c] = g[0] * centre[c];
  for (std::int64_t n = 1; n <= radius; ++n) {
    const double gn = g[n];
    for (std::int64_t c = 0; c < ow; ++c) acc[c] += gn * (centre[c - n] + centre[c + n]);
  }
}

// kLanes rows in a column-major buffer x (iw × kLanes) to y (ow × kLanes), output c = input c + 1.
//   causal:      u[i] = x[i] + z·u[i−1]        = Σ_{m<=i} z^(i−m)·x[m]
//   anti-causal: v[i] = z·(x[i+1] + v[i+1])    = Σ_{m>i}  z^(m−i)·x[m]    (lag 0 counted once)
NEXUSMAP_VECTOR_CLONES
void horizontal_lanes(const double* x, double* y, std::int64_t iw, const Terms& k) {
  const std::int64_t ow = iw - 2;
  Recursion<kLanes> s;
  for (std::int64_t i = 0; i < iw; ++i) {
    const double* xi = x + i * static_cast<std::int64_t>(kLanes);
    std::array<double, kLanes> sum{};
    for (std::size_t p = 0; p < kPairs; ++p) {
      for (std::size_t b = 0; b < kLanes; ++b) {
        const double re = xi[b] + k.zr[p] * s.re[p][b] - k.zi[p] * s.im[p][b];
        const double im = k.zr[p] * s.im[p][b] + k.zi[p] * s.re[p][b];
        s.re[p][b] = re;
        s.im[p][b] = im;
        sum[b] += k.ar[p] * re - k.ai[p] * im;
      }
    }
    if (i >= 1 && i <= ow) std::copy(sum.begin(), sum.end(), y + (i - 1) * static_cast<std::int64_t>(kLanes));
  }
  s.clear();
  for (std::int64_t i = iw - 1; i >= 0; --i) {
    const double* xi = x + i * static_cast<std::int64_t>(kLanes);
    std::array<double, kLanes> sum{};
    for (std::size_t p = 0; p < kPairs; ++p) {
      for (std::size_t b = 0; b < kLanes; ++b) {
        sum[b] += k.ar[p] * s.re[p][b] - k.ai[p] * s.im[p][b];
        const double in = xi[b] + s.re[p][b];
        const double re = k.zr[p] * in - k.zi[p] * s.im[p][b];
        const double im = k.zr[p] * s.im[p][b] + k.zi[p] * in;
        s.re[p][b] = re;
        s.im[p][b] = im;
      }
    }
    if (i >= 1 && i <= ow) {
      double* yo = y + (i - 1) * static_cast<std::int64_t>(kLanes);
      for (std::size_t b = 0; b < kLanes; ++b) yo[b] += sum[b];
    }
  }
}

// acc[c] += mass·taps[c − centre + radius] over the taps' span clipped to [0, ow): one bin's FIR
// contribution to a row (taps holds the symmetric kernel, 2·radius + 1 values).
NEXUSMAP_VECTOR_CLONES
void scatter_taps(double* acc, std::int64_t ow, const double* taps, std::int64_t radius, std::int64_t centre,
                  double mass) {
  const std::int64_t c0 = std::max<std::int64_t>(0, centre - radius);
  const std::int64_t c1 = std::min(ow, centre + radius + 1);
  const double* k = taps + radius - centre;
  for (std::int64_t c = c0; c < c1; ++c) acc[c] += mass * k[c];
}

// Bin-taps per output cell below which a group of rows is filtered by scattering the exact FIR taps
// of its few bins instead of by the recursion (~8 taps cost less than one recursion step per cell).
constexpr std::int64_t kSparseBudget = 8;

// Horizontal FIR, row by row. A row with few bins is filtered by scattering each bin's taps (the same
// sampled kernel, summed per bin instead of per tap: equal up to double rounding).
void horizontal_fir(const LinearBins& bins, const std::vector<double>& g, const std::vector<double>& taps,
                    std::span<float> t) {
  const std::int64_t ow = bins.width - 2;
  const auto radius = static_cast<std::int64_t>(g.size()) - 1;
  parallel_for(0, bins.height, chunk_grain(bins.height, kRowGrain), [&](std::int64_t begin, std::int64_t end) {
    // A zero row with `radius` cells of padding on both sides; one row's bins are scattered in and
    // cleared again after use.
    std::vector<double> padded(static_cast<std::size_t>(bins.width + 2 * radius), 0.0);
    std::vector<double> acc(static_cast<std::size_t>(ow));
    for (std::int64_t row = begin; row < end; ++row) {
      float* out = t.data() + row * ow;
      const std::int64_t b0 = bins.row_begin(row);
      const std::int64_t b1 = bins.row_end(row);
      if (b0 == b1) {
        std::fill(out, out + ow, 0.0F);
        continue;
      }
      if ((b1 - b0) * (2 * radius + 1) <= kSparseBudget * ow) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (std::int64_t b = b0; b < b1; ++b)
          scatter_taps(acc.data(), ow, taps.data(), radius, bins.column[static_cast<std::size_t>(b)] - 1,
                       bins.mass[static_cast<std::size_t>(b)]);
      } else {
        for (std::int64_t b = b0; b < b1; ++b)
          padded[static_cast<std::size_t>(radius + bins.column[static_cast<std::size_t>(b)])] =
              bins.mass[static_cast<std::size_t>(b)];
        // Output c is framed column c + 1; the symmetric taps pair the samples on both sides.
        fir_row(padded.data() + radius + 1, acc.data(), ow, g.data(), radius);
        for (std::int64_t b = b0; b < b1; ++b)
          padded[static_cast<std::size_t>(radius + bins.column[static_cast<std::size_t>(b)])] = 0;
      }
      for (std::int64_t c = 0; c < ow; ++c) out[c] = static_cast<float>(acc[static_cast<std::size_t>(c)]);
    }
  });
}

// Horizontal recursion on groups of kLanes rows, scattered into a zero column-major buffer so the
// lanes are contiguous. Groups with few bins (events are sparse along most rows) are instead filtered
// by scattering the sampled Gaussian around each bin when `taps` (symmetric, over [−tail, tail]) is
// given: cheaper, and exact where the recursion has its small error; with tail >= 7.5σ (beyond which
// the Gaussian is < 1e-12 of its peak) both compute the untruncated kernel.
void horizontal_recursive(const LinearBins& bins, const Terms& k, const std::vector<double>* taps, std::int64_t tail,
                          std::span<float> t) {
  const std::int64_t iw = bins.width;
  const std::int64_t ow = iw - 2;
  const auto lanes_per_group = static_cast<std::int64_t>(kLanes);
  const std::int64_t groups = (bins.height + lanes_per_group - 1) / lanes_per_group;
  parallel_for(0, groups, chunk_grain(groups, 2), [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> x(static_cast<std::size_t>(iw) * kLanes, 0.0);
    std::vector<double> y(static_cast<std::size_t>(ow) * kLanes);
    std::vector<double> row(static_cast<std::size_t>(ow));
    for (std::int64_t group = begin; group < end; ++group) {
      const std::int64_t r0 = group * lanes_per_group;
      const std::int64_t lanes = std::min(lanes_per_group, bins.height - r0);
      const std::int64_t group_bins = bins.row_end(r0 + lanes - 1) - bins.row_begin(r0);
      if (group_bins == 0) {
        std::fill(t.begin() + r0 * ow, t.begin() + (r0 + lanes) * ow, 0.0F);
        continue;
      }
      if (taps != nullptr && group_bins * (2 * tail + 1) <= kSparseBudget * lanes * ow) {
        for (std::int64_t lane = 0; lane < lanes; ++lane) {
          float* out = t.data() + (r0 + lane) * ow;
          const std::int64_t b0 = bins.row_begin(r0 + lane), b1 = bins.row_end(r0 + lane);
          if (b0 == b1) {
            std::fill(out, out + ow, 0.0F);
            continue;
          }
          // Columns are ascending, so the taps reach [first − 1 − tail, last − 1 + tail] only.
          const std::int64_t lo = std::max<std::int64_t>(0, bins.column[static_cast<std::size_t>(b0)] - 1 - tail);
          const std::int64_t hi = std::min(ow, bins.column[static_cast<std::size_t>(b1 - 1)] + tail);
          std::fill(row.begin() + lo, row.begin() + std::max(lo, hi), 0.0);
          for (std::int64_t b = b0; b < b1; ++b)
            scatter_taps(row.data(), ow, taps->data(), tail, bins.column[static_cast<std::size_t>(b)] - 1,
                         bins.mass[static_cast<std::size_t>(b)]);
          std::fill(out, out + lo, 0.0F);
          for (std::int64_t c = lo; c < hi; ++c) out[c] = static_cast<float>(row[static_cast<std::size_t>(c)]);
          std::fill(out + std::max(lo, hi), out + ow, 0.0F);
        }
        continue;
      }
      auto scatter = [&](bool clear) {
        for (std::int64_t lane = 0; lane < lanes; ++lane)
          for (std::int64_t b = bins.row_begin(r0 + lane); b < bins.row_end(r0 + lane); ++b)
            x[static_cast<std::size_t>(bins.column[static_cast<std::size_t>(b)] * lanes_per_group + lane)] =
                clear ? 0.0 : bins.mass[static_cast<std::size_t>(b)];
      };
      scatter(false);
      horizontal_lanes(x.data(), y.data(), iw, k);
      scatter(true);
      for (std::int64_t lane = 0; lane < lanes; ++lane) {
        float* out = t.data() + (r0 + lane) * ow;
        for (std::int64_t c = 0; c < ow; ++c)
          out[c] = static_cast<float>(y[static_cast<std::size_t>(c * lanes_per_group + lane)]);
      }
    }
  });
}

// ---- vertical passes: the framed rows of t to the output rows (output r = framed row r + 1) ----

// acc[c] = Σ_n g[|n|]·row(centre + n)[c] over the rows in [0, in_height), stored as float to o.
NEXUSMAP_VECTOR_CLONES
void fir_column(const float* t, std::int64_t in_height, std::int64_t ow, std::int64_t centre, const double* g,
                std::int64_t radius, double* acc, float* o) {
  const float* x0 = t + centre * ow;
  for (std::int64_t c = 0; c < ow; ++c) acc[c] = g[0] * static_cast<double>(x0[c]);
  for (std::int64_t n = 1; n <= radius; ++n) {
    const double gn = g[n];
    const bool up = centre - n >= 0;
    const bool down = centre + n < in_height;
    if (up && down) {
      const float* a = t + (centre - n) * ow;
      const float* b = t + (centre + n) * ow;
      for (std::int64_t c = 0; c < ow; ++c) acc[c] += gn * (static_cast<double>(a[c]) + static_cast<double>(b[c]));
    } else if (up || down) {
      const float* a = t + (up ? centre - n : centre + n) * ow;
      for (std::int64_t c = 0; c < ow; ++c) acc[c] += gn * static_cast<double>(a[c]);
    }
  }
  for (std::int64_t c = 0; c < ow; ++c) o[c] = static_cast<float>(acc[c]);
}

void vertical_fir(std::span<const float> t, std::int64_t in_height, std::int64_t ow, std::int64_t oh,
                  const std::vector<double>& g, std::span<float> out) {
  const auto radius = static_cast<std::int64_t>(g.size()) - 1;
  parallel_for(0, oh, chunk_grain(oh, kRowGrain), [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> acc(static_cast<std::size_t>(ow));
    for (std::int64_t r = begin; r < end; ++r)
      fir_column(t.data(), in_height, ow, r + 1, g.data(), radius, acc.data(), out.data() + r * ow);
  });
}

// One row of the causal recursion down a block of n <= kChunk columns; stores the output when o.
NEXUSMAP_VECTOR_CLONES
void vertical_causal_row(const float* x, float* o, std::size_t n, const Terms& k, Recursion<kChunk>& s) {
  std::array<double, kChunk> sum{};
  for (std::size_t p = 0; p < kPairs; ++p) {
    for (std::size_t c = 0; c < n; ++c) {
      const double re = static_cast<double>(x[c]) + k.zr[p] * s.re[p][c] - k.zi[p] * s.im[p][c];
      const double im = k.zr[p] * s.im[p][c] + k.zi[p] * s.re[p][c];
      s.re[p][c] = re;
      s.im[p][c] = im;
      sum[c] += k.ar[p] * re - k.ai[p] * im;
    }
  }
  if (o != nullptr)
    for (std::size_t c = 0; c < n; ++c) o[c] = static_cast<float>(sum[c]);
}

// One row of the anti-causal recursion, added to the causal part in o and clamped at 0 (the
// approximation can leave tiny negative residues where the true value is ~0).
NEXUSMAP_VECTOR_CLONES
void vertical_anticausal_row(const float* x, float* o, std::size_t n, const Terms& k, Recursion<kChunk>& s) {
  std::array<double, kChunk> sum{};
  for (std::size_t p = 0; p < kPairs; ++p) {
    for (std::size_t c = 0; c < n; ++c) {
      sum[c] += k.ar[p] * s.re[p][c] - k.ai[p] * s.im[p][c];
      const double in = static_cast<double>(x[c]) + s.re[p][c];
      const double re = k.zr[p] * in - k.zi[p] * s.im[p][c];
      const double im = k.zr[p] * s.im[p][c] + k.zi[p] * in;
      s.re[p][c] = re;
      s.im[p][c] = im;
    }
  }
  if (o != nullptr)
    for (std::size_t c = 0; c < n; ++c) o[c] = std::max(static_cast<float>(static_cast<double>(o[c]) + sum[c]), 0.0F);
}

// Recursion down the columns in blocks of kChunk columns. The causal part is stored in `out` and the
// anti-causal part added to it (one float rounding in between, 6e-8 relative).
void vertical_recursive(std::span<const float> t, const LinearBins& bins, const Terms& k, std::span<float> out) {
  const std::int64_t in_height = bins.height;
  const std::int64_t ow = bins.width - 2;
  const std::int64_t oh = bins.height - 2;
  const auto chunk_width = static_cast<std::int64_t>(kChunk);
  const std::int64_t chunks = (ow + chunk_width - 1) / chunk_width;
  parallel_for(0, chunks, 1, [&](std::int64_t begin, std::int64_t end) {
    Recursion<kChunk> s;
    for (std::int64_t chunk = begin; chunk < end; ++chunk) {
      const std::int64_t c0 = chunk * chunk_width;
      const std::int64_t n = std::min(chunk_width, ow - c0);
      const auto un = static_cast<std::size_t>(n);
      s.clear();
      for (std::int64_t j = 0; j < in_height; ++j) {
        const std::int64_t r = j - 1;
        vertical_causal_row(t.data() + j * ow + c0, (r >= 0 && r < oh) ? out.data() + r * ow + c0 : nullptr, un, k, s);
      }
      s.clear();
      for (std::int64_t j = in_height - 1; j >= 0; --j) {
        const std::int64_t r = j - 1;
        vertical_anticausal_row(t.data() + j * ow + c0, (r >= 0 && r < oh) ? out.data() + r * ow + c0 : nullptr, un,
                                k, s);
      }
    }
  });
}

}  // namespace

void gaussian_convolve(const LinearBins& bins, const GaussianKernel2D& kernel, std::span<float> out) {
  const std::int64_t ow = bins.width - 2;
  const std::int64_t oh = bins.height - 2;
  if (ow < 0 || oh < 0 || bins.row_start.size() != static_cast<std::size_t>(bins.height + 1) ||
      out.size() != static_cast<std::size_t>(ow * oh))
    fail(ErrorKind::internal, "gaussian_convolve: bins and output sizes do not match");
  if (!(kernel.sigma_x > 0) || !(kernel.sigma_y > 0) || !std::isfinite(kernel.sigma_x) ||
      !std::isfinite(kernel.sigma_y) || !std::isfinite(kernel.peak))
    fail(ErrorKind::internal, "gaussian_convolve: standard deviations must be finite and > 0");
  if (ow == 0 || oh == 0) return;
  const bool fir_x = use_fir(kernel.method, kernel.sigma_x);
  const bool fir_y = use_fir(kernel.method, kernel.sigma_y);
  // The sampled Gaussian out to 7.5σ: the FIR taps, and the exact taps of sparse rows.
  const std::int64_t tx = tail_radius(kernel.sigma_x, bins.width);
  const std::int64_t ty = tail_radius(kernel.sigma_y, bins.height);
  const std::vector<double> gx = fir_taps(kernel.sigma_x, kernel.peak, tx);
  std::vector<double> taps(static_cast<std::size_t>(2 * tx + 1));
  for (std::int64_t n = -tx; n <= tx; ++n) taps[static_cast<std::size_t>(n + tx)] = gx[static_cast<std::size_t>(std::abs(n))];
  // Horizontal pass result, one row per framed row; every element is written.
  LargeBuffer<float> t(static_cast<std::size_t>(bins.height * ow));
  if (fir_x) horizontal_fir(bins, gx, taps, t.span());
  else
    horizontal_recursive(bins, recursive_terms(kernel.sigma_x, kernel.peak),
                         kernel.method == GaussianMethod::automatic ? &taps : nullptr, tx, t.span());
  if (fir_y) vertical_fir(t.span(), bins.height, ow, oh, fir_taps(kernel.sigma_y, 1.0, ty), out);
  else vertical_recursive(t.span(), bins, recursive_terms(kernel.sigma_y, 1.0), out);
}

}  // namespace nexusmap

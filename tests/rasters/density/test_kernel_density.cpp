// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <omp.h>

#include "rasters/core/error.hpp"
#include "rasters/density/density_floor.hpp"
#include "rasters/density/gaussian_convolution.hpp"
#include "rasters/density/kernel_density.hpp"
#include "rasters/density/quartic_convolution.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::expect_error;
using test::test_seed;

constexpr double kPi = std::numbers::pi;

double gaussian_k(double d2, double sigma, double per_area) {
  return per_area / (2 * kPi * sigma * sigma) * std::exp(-d2 / (2 * sigma * sigma));
}

double quartic_k(double d2, double h, double per_area) {
  const double q = d2 / (h * h);
  return q < 1 ? per_area * 3 / (kPi * h * h) * (1 - q) * (1 - q) : 0.0;
}

// Runs f with the given number of OpenMP threads and restores the previous setting.
template <class F>
auto with_threads(int n, F f) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(n);
  auto r = f();
  omp_set_num_threads(before);
  return r;
}

// ---- one event: the density is the kernel itself ----

// An event on a cell centre bins entirely onto that centre, so the density is the kernel sampled at
// the cell-centre lags, inside the support disc of radius 6σ around the event and exactly 0 outside
// it. Tolerances: the FIR path (σ = 5 cells) is exact up to float rounding of the output (6e-8
// relative) and of the intermediate rows, so 1e-6 of the peak; the recursive path (σ = 12 cells) is
// within its documented 6e-6 of the peak of the untruncated kernel.
TEST(KernelDensity, GaussianEventOnCellCentreEqualsKernel) {
  for (const double sigma_cells : {5.0, 12.0}) {
    SCOPED_TRACE(testing::Message() << "sigma " << sigma_cells << " cells");
    const Grid g = test::small_grid(181, 171, 100.0);
    const std::int64_t c0 = 90, r0 = 85;
    const WeightedPoint p{g.x_center(c0), g.y_center(r0), 1.0};
    const KdeOptions o{Kernel::gaussian, sigma_cells * 100.0, 1e8};
    const KdeResult k = kernel_density(g, std::span(&p, 1), o);
    EXPECT_EQ(k.inside, 1);
    EXPECT_EQ(k.outside, 0);
    const double peak = gaussian_k(0, o.bandwidth, o.per_area);
    const double tol = (sigma_cells <= kMaxFirSigma ? 1e-6 : kRecursiveGaussianMaxError + 1e-6) * peak;
    const double radius = o.support * o.bandwidth;
    double worst = 0;
    for (std::int64_t r = 0; r < g.height; ++r)
      for (std::int64_t c = 0; c < g.width; ++c) {
        const double dx = g.x_center(c) - p.x, dy = g.y_center(r) - p.y;
        const bool in_support = dx * dx + dy * dy <= radius * radius;
        const double expected = in_support ? gaussian_k(dx * dx + dy * dy, o.bandwidth, o.per_area) : 0.0;
        const double got = k.density.at(c, r);
        if (!in_support) {
          ASSERT_EQ(got, 0.0F) << c << "," << r;
        }
        worst = std::max(worst, std::abs(got - expected));
      }
    EXPECT_LE(worst, tol);
    EXPECT_NEAR(k.density.at(c0, r0), peak, tol);
  }
}

// One event: the density is radial. On a square grid with the event on the centre cell's centre, or
// on the corner shared by the four central cells (linear binning then splits it equally), the density
// is unchanged by rotation by 90° and by the two mirrors, within float rounding for the exact FIR
// (σ <= 8 cells) and within the recursive filter's documented error (2 × 6e-6 of the peak: the two
// cells compared may carry opposite errors) for longer kernels. No cell farther than the support
// radius from the event is non-zero, and no cell farther than 3σ (plus the binning's half-diagonal
// for the corner event) is above the default floor (density_floor.hpp).
TEST(KernelDensity, OneEventIsRadiallySymmetric) {
  for (const bool corner : {false, true})
    for (const double sigma_cells : {2.0, 6.0, 12.0, 25.0}) {
      SCOPED_TRACE(testing::Message() << "sigma " << sigma_cells << " cells, corner " << corner);
      const std::int64_t n = corner ? 2 * static_cast<std::int64_t>(6.5 * sigma_cells) + 2
                                    : 2 * static_cast<std::int64_t>(6.5 * sigma_cells) + 1;
      const Grid g = test::small_grid(n, n, 100.0);
      const double cx = corner ? g.extent().xmin + 100.0 * static_cast<double>(n / 2) : g.x_center(n / 2);
      const double cy = corner ? g.extent().ymax - 100.0 * static_cast<double>(n / 2) : g.y_center(n / 2);
      const WeightedPoint p{cx, cy, 1.0};
      const KdeOptions o{Kernel::gaussian, sigma_cells * 100.0, 1e8};
      const Raster<float> d = kernel_density(g, std::span(&p, 1), o).density;
      const double peak = gaussian_k(0, o.bandwidth, o.per_area);
      const double tol = sigma_cells <= kMaxFirSigma ? 2e-7 * peak : 2 * kRecursiveGaussianMaxError * peak;
      const double floor = density_floor(o);
      const double reach = 3 * o.bandwidth + (corner ? 100.0 * std::sqrt(0.5) : 0.0);
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = 0; c < n; ++c) {
          const float v = d.at(c, r);
          ASSERT_NEAR(v, d.at(n - 1 - r, c), tol) << "rotation " << c << "," << r;
          ASSERT_NEAR(v, d.at(n - 1 - c, r), tol) << "mirror " << c << "," << r;
          ASSERT_NEAR(v, d.at(c, n - 1 - r), tol) << "mirror " << c << "," << r;
          ASSERT_NEAR(v, d.at(r, c), tol) << "transpose " << c << "," << r;
          const double dx = g.x_center(c) - cx, dy = g.y_center(r) - cy;
          const double dist = std::sqrt(dx * dx + dy * dy);
          if (dist > o.support * o.bandwidth) {
            ASSERT_EQ(v, 0.0F) << c << "," << r;
          }
          if (dist > reach) {
            ASSERT_LE(v, floor) << c << "," << r << " at " << dist / o.bandwidth << " sigma";
          }
        }
    }
}

// The support is the same for every part of the computation: a grid cut into row blocks or column
// blocks, each computed on its own (padded by the support radius, as a stage does for events beyond
// the edge, then cropped), equals the grid computed at once. Differences: float rounding (the row
// blocks' recursions start at other rows, sparse rows may be filtered by taps in one and by the
// recursion in the other) and the recursive error, 2 × 6e-6 of the peak per unit weight near a cell.
TEST(KernelDensity, GridComputedInBlocksEqualsGridAtOnce) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const Grid g = test::small_grid(230, 190, 100.0);
  std::uniform_real_distribution<double> ux(g.extent().xmin, g.extent().xmax), uy(g.extent().ymin, g.extent().ymax);
  std::vector<WeightedPoint> pts(120);
  double total = 0;
  for (auto& p : pts) {
    p = {ux(rng), uy(rng), std::uniform_real_distribution<double>(0.2, 3)(rng)};
    total += p.weight;
  }
  for (const double sigma_cells : {4.0, 11.0}) {
    SCOPED_TRACE(testing::Message() << "seed " << seed << " sigma " << sigma_cells << " cells");
    const KdeOptions o{Kernel::gaussian, sigma_cells * 100.0, 1e8};
    const Raster<float> whole = kernel_density(g, pts, o).density;
    const double peak = gaussian_k(0, o.bandwidth, o.per_area);
    double largest = 0;
    for (const float v : whole.values()) largest = std::max(largest, static_cast<double>(v));
    const double tol = 1e-6 * largest + (sigma_cells <= kMaxFirSigma ? 0.0 : 2 * kRecursiveGaussianMaxError * peak * total);
    const auto pad = static_cast<std::int64_t>(std::ceil(o.support * sigma_cells)) + 1;
    struct Block {
      std::int64_t c0, r0, w, h;
    };
    for (const Block b : {Block{0, 0, 230, 70}, Block{0, 70, 230, 57}, Block{0, 127, 230, 63}, Block{0, 0, 101, 190},
                          Block{101, 0, 129, 190}, Block{40, 33, 77, 91}}) {
      const Grid sub = Grid::north_up(g.crs_wkt, g.extent().xmin + 100.0 * static_cast<double>(b.c0 - pad),
                                      g.extent().ymax - 100.0 * static_cast<double>(b.r0 - pad), 100.0, b.w + 2 * pad,
                                      b.h + 2 * pad);
      const Raster<float> part = kernel_density(sub, pts, o).density;
      for (std::int64_t r = 0; r < b.h; ++r)
        for (std::int64_t c = 0; c < b.w; ++c) {
          const float a = whole.at(b.c0 + c, b.r0 + r);
          const float p = part.at(c + pad, r + pad);
          ASSERT_NEAR(a, p, tol) << "block at " << b.c0 << "," << b.r0 << " cell " << c << "," << r;
          ASSERT_EQ(a == 0.0F, p == 0.0F) << "support differs at " << b.c0 + c << "," << b.r0 + r;
        }
    }
  }
}

// Quartic: the same exactness; the row-moment sums cancel at the 1e-12 level, so 1e-6 of the peak
// (float output) is the tolerance, and every cell at or beyond the radius is exactly 0.
TEST(KernelDensity, QuarticEventOnCellCentreEqualsKernel) {
  for (const double h_cells : {2.5, 7.3, 20.0}) {
    SCOPED_TRACE(testing::Message() << "h " << h_cells << " cells");
    const Grid g = test::small_grid(61, 55, 250.0);
    const std::int64_t c0 = 30, r0 = 27;
    const WeightedPoint p{g.x_center(c0), g.y_center(r0), 2.0};
    const KdeOptions o{Kernel::quartic, h_cells * 250.0, 1e6};
    const KdeResult k = kernel_density(g, std::span(&p, 1), o);
    const double peak = 2.0 * quartic_k(0, o.bandwidth, o.per_area);
    for (std::int64_t r = 0; r < g.height; ++r)
      for (std::int64_t c = 0; c < g.width; ++c) {
        const double dx = g.x_center(c) - p.x, dy = g.y_center(r) - p.y;
        const double expected = 2.0 * quartic_k(dx * dx + dy * dy, o.bandwidth, o.per_area);
        if (expected == 0) {
          ASSERT_EQ(k.density.at(c, r), 0.0F) << c << "," << r;
        } else {
          ASSERT_NEAR(k.density.at(c, r), expected, 1e-6 * peak) << c << "," << r;
        }
      }
  }
}

// Off a cell centre, linear binning replaces the kernel by its bilinear interpolant between the four
// surrounding centres; the documented bound is (cell²/8)(|K_xx| + |K_yy|)max: peak/(4σ²) for the
// Gaussian and 2·peak/h² for the quartic (σ, h in cells). The error must stay within it, and be
// clearly below what nearest-cell binning would give (a shift of up to half a cell).
TEST(KernelDensity, EventOffCentreIsCloseToKernel) {
  const Grid g = test::small_grid(101, 101, 100.0);
  const WeightedPoint p{g.x_center(50) + 37.0, g.y_center(50) - 21.0, 1.0};
  struct Case {
    Kernel kernel;
    double bandwidth_cells;
  };
  for (const Case cs : {Case{Kernel::gaussian, 4.0}, Case{Kernel::gaussian, 10.0}, Case{Kernel::quartic, 12.0}}) {
    SCOPED_TRACE(testing::Message() << "kernel " << static_cast<int>(cs.kernel) << " bandwidth " << cs.bandwidth_cells);
    const KdeOptions o{cs.kernel, cs.bandwidth_cells * 100.0, 1e8};
    const KdeResult k = kernel_density(g, std::span(&p, 1), o);
    const bool gauss = cs.kernel == Kernel::gaussian;
    const double peak = gauss ? gaussian_k(0, o.bandwidth, o.per_area) : quartic_k(0, o.bandwidth, o.per_area);
    const double bound = gauss ? peak / (4 * cs.bandwidth_cells * cs.bandwidth_cells)
                               : 2 * peak / (cs.bandwidth_cells * cs.bandwidth_cells);
    auto kernel = [&](double dx, double dy) {
      const double d2 = dx * dx + dy * dy;
      return gauss ? gaussian_k(d2, o.bandwidth, o.per_area) : quartic_k(d2, o.bandwidth, o.per_area);
    };
    double worst = 0, nearest = 0;
    for (std::int64_t r = 0; r < g.height; ++r)
      for (std::int64_t c = 0; c < g.width; ++c) {
        const double exact = kernel(g.x_center(c) - p.x, g.y_center(r) - p.y);
        worst = std::max(worst, std::abs(k.density.at(c, r) - exact));
        nearest = std::max(nearest, std::abs(kernel(g.x_center(c) - g.x_center(50), g.y_center(r) - g.y_center(50)) - exact));
      }
    EXPECT_LE(worst, bound + 1e-5 * peak);
    EXPECT_LT(worst, 0.25 * nearest);
  }
}

// ---- mass ----

double mass_of(const KdeResult& k, const Grid& g, double per_area) {
  double s = 0;
  for (const float v : k.density.values()) s += v;
  return s * g.dx() * g.dy() / per_area;
}

// Events at least 5σ (Gaussian) or h (quartic) from the edges: Σ density × cell area = Σ w within 1%
// (documented: 0.02% for σ >= 0.75 cell, 1% for a quartic with h >= 2.5 cells).
TEST(KernelDensity, MassIsConservedAwayFromEdges) {
  const Grid g = test::small_grid(160, 140, 100.0);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> ux(g.x_center(60), g.x_center(100));
  std::uniform_real_distribution<double> uy(g.y_center(90), g.y_center(50));
  std::uniform_real_distribution<double> uw(0.1, 5.0);
  std::vector<WeightedPoint> pts(200);
  double total = 0;
  for (auto& p : pts) {
    p = {ux(rng), uy(rng), uw(rng)};
    total += p.weight;
  }
  for (const double sigma : {80.0, 300.0, 900.0}) {
    const KdeResult k = kernel_density(g, pts, {Kernel::gaussian, sigma, 1e8});
    EXPECT_NEAR(mass_of(k, g, 1e8), total, 0.01 * total) << "gaussian sigma " << sigma;
    EXPECT_NEAR(mass_of(k, g, 1e8), total, 5e-4 * total) << "gaussian sigma " << sigma;
  }
  for (const double h : {300.0, 1200.0, 3500.0}) {
    const KdeResult k = kernel_density(g, pts, {Kernel::quartic, h, 1e8});
    EXPECT_NEAR(mass_of(k, g, 1e8), total, 0.01 * total) << "quartic h " << h;
  }
}

// Near an edge the kernel mass beyond the grid is lost, not reflected: an event on the corner cell's
// centre keeps exactly the sum of the sampled kernel over the quarter-plane lags inside its support
// disc (6σ) including the two half-axes, i.e. a little over a quarter.
TEST(KernelDensity, MassBeyondTheEdgeIsLost) {
  const Grid g = test::small_grid(80, 80, 100.0);
  const WeightedPoint p{g.x_center(0), g.y_center(0), 3.0};
  const double sigma_cells = 6.0;
  const KdeResult k = kernel_density(g, std::span(&p, 1), {Kernel::gaussian, sigma_cells * 100.0, 1e8});
  double sum = 0;
  for (int a = 0; a < 80; ++a)
    for (int b = 0; b < 80; ++b)
      if (a * a + b * b <= 36 * 36) sum += std::exp(-(a * a + b * b) / (2 * sigma_cells * sigma_cells));
  const double expected = 3.0 * sum / (2 * kPi * sigma_cells * sigma_cells);
  EXPECT_NEAR(mass_of(k, g, 1e8), expected, 1e-6 * expected);
  EXPECT_GT(expected, 0.25 * 3.0);
  EXPECT_LT(expected, 0.30 * 3.0);
}

// ---- algebraic properties ----

TEST(KernelDensity, IsLinearInTheWeights) {
  const Grid g = test::small_grid(90, 70, 100.0);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ux(g.extent().xmin, g.extent().xmax), uy(g.extent().ymin, g.extent().ymax);
  std::vector<WeightedPoint> a(40), b(40);
  for (auto& p : a) p = {ux(rng), uy(rng), 1.0};
  for (auto& p : b) p = {ux(rng), uy(rng), 2.5};
  std::vector<WeightedPoint> both;
  for (WeightedPoint p : a) both.push_back({p.x, p.y, 3.0 * p.weight});
  both.insert(both.end(), b.begin(), b.end());
  for (const auto& o : {KdeOptions{Kernel::gaussian, 400.0, 1e8}, KdeOptions{Kernel::gaussian, 1500.0, 1e8},
                        KdeOptions{Kernel::quartic, 900.0, 1e8}}) {
    const auto da = kernel_density(g, a, o).density;
    const auto db = kernel_density(g, b, o).density;
    const auto dab = kernel_density(g, both, o).density;
    double peak = 0;
    for (CellIndex i = 0; i < dab.size(); ++i) peak = std::max(peak, static_cast<double>(dab[i]));
    for (CellIndex i = 0; i < dab.size(); ++i)
      ASSERT_NEAR(dab[i], 3.0 * da[i] + db[i], 2e-6 * peak) << "cell " << i << " bandwidth " << o.bandwidth;
  }
}

// A symmetric configuration on a square grid gives a density symmetric under both mirrors and the
// transpose, for both Gaussian methods and the quartic, within float rounding and, for the long
// Gaussian, the recursive filter's error (6e-6 of the peak per unit weight): rows with few events are
// filtered exactly and columns by the recursion, so the transpose swaps exact and approximate passes.
TEST(KernelDensity, SymmetricEventsGiveSymmetricDensity) {
  const Grid g = test::small_grid(75, 75, 100.0);
  const double cx = g.x_center(37), cy = g.y_center(37);
  std::vector<WeightedPoint> pts;
  for (const double sx : {-1.0, 1.0})
    for (const double sy : {-1.0, 1.0}) {
      pts.push_back({cx + sx * 430.0, cy + sy * 120.0, 2.0});
      pts.push_back({cx + sx * 120.0, cy + sy * 430.0, 2.0});
    }
  for (const auto& o : {KdeOptions{Kernel::gaussian, 300.0, 1e8}, KdeOptions{Kernel::gaussian, 1100.0, 1e8},
                        KdeOptions{Kernel::quartic, 800.0, 1e8}}) {
    SCOPED_TRACE(testing::Message() << "kernel " << static_cast<int>(o.kernel) << " bandwidth " << o.bandwidth);
    const Raster<float> d = kernel_density(g, pts, o).density;
    double peak = 0;
    for (const float v : d.values()) peak = std::max(peak, static_cast<double>(v));
    const bool recursive = o.kernel == Kernel::gaussian && o.bandwidth / 100.0 > kMaxFirSigma;
    const double tol = 1e-6 * peak + (recursive ? kRecursiveGaussianMaxError * 16.0 * gaussian_k(0, o.bandwidth, o.per_area) : 0.0);
    for (std::int64_t r = 0; r < 75; ++r)
      for (std::int64_t c = 0; c < 75; ++c) {
        ASSERT_NEAR(d.at(c, r), d.at(74 - c, r), tol) << c << "," << r;
        ASSERT_NEAR(d.at(c, r), d.at(c, 74 - r), tol) << c << "," << r;
        ASSERT_NEAR(d.at(c, r), d.at(r, c), tol) << c << "," << r;
      }
  }
}

// ---- edge cases and errors ----

TEST(KernelDensity, EmptyOrOutsideEventsGiveZeros) {
  const Grid g = test::small_grid(20, 10, 100.0);
  for (const Kernel kernel : {Kernel::gaussian, Kernel::quartic}) {
    const KdeResult empty = kernel_density(g, {}, {kernel, 300.0, 1e8});
    EXPECT_EQ(empty.inside, 0);
    EXPECT_EQ(empty.outside, 0);
    for (const float v : empty.density.values()) ASSERT_EQ(v, 0.0F);
    // An event just beyond the east edge (half-open extent) and one far away.
    const std::vector<WeightedPoint> out = {{g.extent().xmax, g.y_center(3), 2.0}, {0.0, 0.0, 0.5}};
    const KdeResult k = kernel_density(g, out, {kernel, 300.0, 1e8});
    EXPECT_EQ(k.inside, 0);
    EXPECT_EQ(k.outside, 2);
    EXPECT_DOUBLE_EQ(k.weight_outside, 2.5);
    for (const float v : k.density.values()) ASSERT_EQ(v, 0.0F);
  }
  // Zero weights are valid and contribute nothing.
  const WeightedPoint zero{g.x_center(5), g.y_center(5), 0.0};
  const KdeResult z = kernel_density(g, std::span(&zero, 1), {Kernel::gaussian, 300.0, 1e8});
  EXPECT_EQ(z.inside, 1);
  for (const float v : z.density.values()) ASSERT_EQ(v, 0.0F);
}

// A bandwidth far beyond the grid: every cell sees the kernel's flat top (radii are capped at the
// grid internally, which must not change the result).
TEST(KernelDensity, HugeBandwidthGivesFlatDensity) {
  const Grid g = test::small_grid(30, 20, 100.0);
  const WeightedPoint p{g.x_center(3), g.y_center(17), 2.0};
  for (const double h : {1e7, 1e15}) {
    const KdeResult gauss = kernel_density(g, std::span(&p, 1), {Kernel::gaussian, h, 1e8});
    const KdeResult quartic = kernel_density(g, std::span(&p, 1), {Kernel::quartic, h, 1e8});
    const double gauss_peak = 2.0 * gaussian_k(0, h, 1e8);
    const double quartic_peak = 2.0 * quartic_k(0, h, 1e8);
    for (CellIndex i = 0; i < gauss.density.size(); ++i) {
      ASSERT_NEAR(gauss.density[i], gauss_peak, 1e-5 * gauss_peak) << "h " << h << " cell " << i;
      ASSERT_NEAR(quartic.density[i], quartic_peak, 1e-5 * quartic_peak) << "h " << h << " cell " << i;
    }
  }
}

TEST(KernelDensity, RejectsBadBandwidthAndWeights) {
  const Grid g = test::small_grid(20, 10, 100.0);
  const WeightedPoint ok{g.x_center(5), g.y_center(5), 1.0};
  for (const double bw : {0.0, -10.0, std::nan(""), std::numeric_limits<double>::infinity()})
    expect_error([&] { kernel_density(g, std::span(&ok, 1), {Kernel::gaussian, bw, 1e8}); }, ErrorKind::config,
                 "bandwidth");
  expect_error([&] { kernel_density(g, std::span(&ok, 1), {Kernel::quartic, 49.0, 1e8}); }, ErrorKind::config,
               "smaller than half a cell");
  EXPECT_NO_THROW(kernel_density(g, std::span(&ok, 1), {Kernel::quartic, 50.0, 1e8}));
  expect_error([&] { kernel_density(g, std::span(&ok, 1), {Kernel::gaussian, 300.0, 0.0}); }, ErrorKind::config,
               "per_area");
  std::vector<WeightedPoint> pts(4, ok);
  pts[2].weight = -1;
  expect_error([&] { kernel_density(g, pts, {Kernel::gaussian, 300.0, 1e8}); }, ErrorKind::input_data,
               "event 2 has weight -1");
  pts[2].weight = std::nan("");
  expect_error([&] { kernel_density(g, pts, {Kernel::gaussian, 300.0, 1e8}); }, ErrorKind::input_data,
               "event 2 has weight nan");
  pts[2] = ok;
  pts[3].x = std::numeric_limits<double>::infinity();
  expect_error([&] { kernel_density(g, pts, {Kernel::gaussian, 300.0, 1e8}); }, ErrorKind::input_data,
               "event 3 has a non-finite coordinate");
}

// ---- threads ----

TEST(KernelDensity, OneAndTwoThreadsGiveIdenticalResults) {
  const Grid g = test::small_grid(700, 450, 100.0);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> ux(g.extent().xmin, g.extent().xmax), uy(g.extent().ymin, g.extent().ymax);
  std::uniform_real_distribution<double> uw(0, 3);
  std::vector<WeightedPoint> pts(3000);
  for (auto& p : pts) p = {ux(rng), uy(rng), uw(rng)};
  for (const auto& o : {KdeOptions{Kernel::gaussian, 250.0, 1e8}, KdeOptions{Kernel::gaussian, 2500.0, 1e8},
                        KdeOptions{Kernel::quartic, 1800.0, 1e8}}) {
    const auto one = with_threads(1, [&] { return kernel_density(g, pts, o).density; });
    const auto two = with_threads(2, [&] { return kernel_density(g, pts, o).density; });
    ASSERT_EQ(one.size(), two.size());
    for (CellIndex i = 0; i < one.size(); ++i)
      ASSERT_EQ(one[i], two[i]) << "cell " << i << " bandwidth " << o.bandwidth;
  }
}

// ---- randomized comparisons with brute force ----

struct RandomCase {
  Grid grid;
  std::vector<WeightedPoint> points;
};

RandomCase random_case(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::int64_t> size(1, 48);
  const std::int64_t w = size(rng), h = size(rng);
  const double dx = std::uniform_real_distribution<double>(50, 200)(rng);
  const double dy = std::bernoulli_distribution(0.7)(rng) ? dx : dx * std::uniform_real_distribution<double>(0.6, 1.5)(rng);
  Grid g = Grid::north_up("", 1000.0, 9000.0, dx, w, h);
  g.geotransform[5] = -dy;
  const Extent e = g.extent();
  // Points over the extent plus a margin, so some fall outside and some on the frame.
  std::uniform_real_distribution<double> ux(e.xmin - 2 * dx, e.xmax + 2 * dx), uy(e.ymin - 2 * dy, e.ymax + 2 * dy);
  std::uniform_real_distribution<double> uw(0, 4);
  std::vector<WeightedPoint> pts(std::uniform_int_distribution<std::size_t>(0, 60)(rng));
  for (auto& p : pts) p = {ux(rng), uy(rng), uw(rng)};
  return {std::move(g), std::move(pts)};
}

// The fast convolutions against a direct sum over the bins, with the documented kernels: the
// untruncated Gaussian (the FIR's taps reach 7.5σ, where it is 7e-13 of its peak; the recursive filter
// is untruncated), the quartic's disk. gaussian_convolve applies no support cut (kernel_density does).
// Tolerances: float output (1e-6 of the largest value) plus, for the recursive path, its 6e-6 of the
// peak per unit of mass. The automatic method for long kernels filters rows with few bins by exact
// sampled taps instead of by the recursion, with the same tolerance.
TEST(KernelDensity, FastConvolutionMatchesDirectSumOverBins) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 200; ++trial) {
    RandomCase rc = random_case(rng);
    const Grid& g = rc.grid;
    const LinearBins bins = linear_binning(g, rc.points);
    double total_mass = 0;
    for (const double m : bins.mass) total_mass += m;
    const int method = trial % 4;  // 0 FIR, 1 recursive, 2 quartic, 3 automatic (recursive or mixed)
    const double sx = std::uniform_real_distribution<double>(method == 3 ? 6 : 0.5, 14)(rng);
    const double sy = sx * g.dx() / g.dy();
    SCOPED_TRACE(testing::Message() << "seed " << seed << " trial " << trial << " size " << g.width << "x"
                                    << g.height << " points " << rc.points.size() << " method " << method
                                    << " scale " << sx);
    std::vector<float> fast(static_cast<std::size_t>(g.cells()));
    const double peak = 1.7;
    if (method == 2) quartic_convolve(bins, {sx, sy, peak}, fast);
    else {
      const GaussianMethod m = method == 0 ? GaussianMethod::fir : method == 1 ? GaussianMethod::recursive : GaussianMethod::automatic;
      gaussian_convolve(bins, {sx, sy, peak, m}, fast);
    }
    const bool recursive = method == 1 || (method == 3 && std::min(sx, sy) > kMaxFirSigma) ||
                           (method == 3 && std::max(sx, sy) > kMaxFirSigma);
    std::vector<double> ref(fast.size(), 0.0);
    for (std::int64_t r = 0; r < g.height; ++r)
      for (std::int64_t c = 0; c < g.width; ++c) {
        double sum = 0;
        for (std::int64_t j = 0; j < bins.height; ++j)
          for (std::int64_t b = bins.row_begin(j); b < bins.row_end(j); ++b) {
            const auto dc = static_cast<double>(c + 1 - bins.column[static_cast<std::size_t>(b)]);
            const auto dr = static_cast<double>(r + 1 - j);
            const double m = bins.mass[static_cast<std::size_t>(b)];
            if (method == 2) {
              const double q = dc * dc / (sx * sx) + dr * dr / (sy * sy);
              if (q < 1) sum += m * peak * (1 - q) * (1 - q);
            } else {
              sum += m * peak * std::exp(-0.5 * (dc * dc / (sx * sx) + dr * dr / (sy * sy)));
            }
          }
        ref[static_cast<std::size_t>(r * g.width + c)] = sum;
      }
    double largest = 0;
    for (const double v : ref) largest = std::max(largest, v);
    const double per_mass = recursive ? kRecursiveGaussianMaxError : 1e-12;
    const double tol = 1e-6 * largest + 1e-12 + per_mass * peak * total_mass;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      if (ref[i] == 0 && method == 2) {
        ASSERT_EQ(fast[i], 0.0F) << "cell " << i;
      }
      ASSERT_NEAR(fast[i], ref[i], tol) << "cell " << i;
    }
  }
}

// The whole kernel_density against the definition, Σ over events of w·K(cell centre − event) with
// the analytic kernel: differences are the documented binning bound (per unit weight peak/(4σ²) for
// the Gaussian, 2·peak/h² for the quartic, σ and h in the larger cell side) and the recursive error.
// The Gaussian's support: exactly 0 where no event inside the grid lies within 6σ, the untruncated sum
// elsewhere.
TEST(KernelDensity, MatchesBruteForceSumOverEvents) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 60; ++trial) {
    RandomCase rc = random_case(rng);
    const Grid& g = rc.grid;
    const bool gauss = trial % 2 == 0;
    const double cell = std::max(g.dx(), g.dy());
    const double bw_cells = std::uniform_real_distribution<double>(gauss ? 4.0 : 6.0, 15.0)(rng);
    const KdeOptions o{gauss ? Kernel::gaussian : Kernel::quartic, bw_cells * cell, 1e8};
    SCOPED_TRACE(testing::Message() << "seed " << seed << " trial " << trial << " size " << g.width << "x"
                                    << g.height << " points " << rc.points.size() << " bandwidth " << o.bandwidth);
    const KdeResult k = kernel_density(g, rc.points, o);
    const double peak = gauss ? gaussian_k(0, o.bandwidth, o.per_area) : quartic_k(0, o.bandwidth, o.per_area);
    const double per_weight = gauss ? peak * (0.25 / (bw_cells * bw_cells) + kRecursiveGaussianMaxError)
                                    : peak * 2 / (bw_cells * bw_cells);
    std::vector<WeightedPoint> inside;
    double inside_weight = 0;
    for (const WeightedPoint& p : rc.points)
      if (g.cell_at(p.x, p.y)) {
        inside.push_back(p);
        inside_weight += p.weight;
      }
    for (std::int64_t r = 0; r < g.height; ++r)
      for (std::int64_t c = 0; c < g.width; ++c) {
        double exact = 0;
        bool covered = false;
        for (const WeightedPoint& p : inside) {
          const double dx = g.x_center(c) - p.x, dy = g.y_center(r) - p.y;
          const double d2 = dx * dx + dy * dy;
          exact += p.weight * (gauss ? gaussian_k(d2, o.bandwidth, o.per_area) : quartic_k(d2, o.bandwidth, o.per_area));
          covered = covered || (p.weight > 0 && d2 <= 36 * o.bandwidth * o.bandwidth);
        }
        if (gauss && !covered) {
          ASSERT_EQ(k.density.at(c, r), 0.0F) << c << "," << r;
          continue;
        }
        ASSERT_NEAR(k.density.at(c, r), exact, per_weight * inside_weight + 1e-6 * exact) << c << "," << r;
      }
    EXPECT_NEAR(k.weight_inside, inside_weight, 1e-12 * inside_weight);
  }
}

// ---- density floor ----

// Gaussian, σ = 25 km, per 100 km²: one unit event's peak is 1e8/(2π·6.25e8) = 0.0254648; at 3σ
// exp(−4.5) = 0.0111090 of it: 2.828883e-4; weight 2 at 0σ: twice the peak. Quartic h = 10 km: its 3σ
// (3·h/√8 = 1.06 h) lies beyond h: 0; at 1σ (r = h/√8, 1 − r²/h² = 7/8): 3e8/(π·1e8)·(7/8)² = 0.731119.
TEST(DensityFloor, MatchesHandComputedValues) {
  const KdeOptions gauss{Kernel::gaussian, 25000.0, 1e8};
  EXPECT_NEAR(density_floor(gauss), 2.828883e-4, 1e-10);
  EXPECT_NEAR(density_floor(gauss, {2.0, 0.0}), 2 * 0.0254648, 1e-7);
  const KdeOptions quartic{Kernel::quartic, 10000.0, 1e8};
  EXPECT_EQ(density_floor(quartic), 0.0);
  EXPECT_NEAR(density_floor(quartic, {1.0, 1.0}), 0.731119, 1e-6);
  expect_error([&] { density_floor(gauss, {0.0, 3.0}); }, ErrorKind::config, "reference_weight");
  expect_error([&] { density_floor(gauss, {1.0, -1.0}); }, ErrorKind::config, "at_sigmas");
  expect_error([&] { density_floor({Kernel::gaussian, 0.0, 1e8}); }, ErrorKind::config, "bandwidth");
}

TEST(DensityFloor, ApplyFloorZeroesAtOrBelow) {
  Raster<float> r = test::row_of({0.0F, 1e-7F, 0.5F, 0.25F, std::nanf(""), 0.75F});
  EXPECT_EQ(apply_floor(r, 0.5), 3);
  test::expect_values(r, {0, 0, 0, 0, std::nan(""), 0.75});
  EXPECT_EQ(apply_floor(r, 0.0), 0);
  expect_error([&] { apply_floor(r, std::nan("")); }, ErrorKind::config, "floor");
}

// A lone event of weight w is above the default floor out to σ·sqrt(9 + 2·ln w) (3σ for w = 1), and
// exactly 0 beyond its 6σ support.
TEST(DensityFloor, LoneEventIsAboveTheFloorWithinItsRadius) {
  const Grid g = test::small_grid(161, 161, 100.0);
  for (const double w : {1.0, 0.3, 4.0}) {
    const WeightedPoint p{g.x_center(80), g.y_center(80), w};
    const KdeOptions o{Kernel::gaussian, 1000.0, 1e8};
    Raster<float> d = kernel_density(g, std::span(&p, 1), o).density;
    apply_floor(d, density_floor(o));
    const double radius = 1000.0 * std::sqrt(9 + 2 * std::log(w));
    for (std::int64_t r = 0; r < g.height; ++r)
      for (std::int64_t c = 0; c < g.width; ++c) {
        const double dx = g.x_center(c) - p.x, dy = g.y_center(r) - p.y;
        const double dist = std::sqrt(dx * dx + dy * dy);
        if (std::abs(dist - radius) < 1.0) continue;  // on the circle: rounding decides
        ASSERT_EQ(d.at(c, r) > 0.0F, dist < radius) << "weight " << w << " cell " << c << "," << r;
      }
  }
}

// ---- rule-of-thumb bandwidth ----

// Four unit events on the corners of a 2 m square: mean centre (1, 1), every distance √2, so
// SD = √2 and Dm = √2; sqrt(1/ln 2)·√2 = 1.699 > SD, n = 4:
//   h = 0.9 · √2 · 4^(−0.2) = 0.9 · 1.414214 · 0.757858 = 0.964596.
// Five events on a line at x = 0, 1, 2, 3, 10: mean 3.2, distances 3.2, 2.2, 1.2, 0.2, 6.8, median
// 2.2, SD = sqrt(62.8/5) = 3.544009; sqrt(1/ln 2)·2.2 = 2.642469 < SD, n = 5:
//   h = 0.9 · 2.642469 · 5^(−0.2) = 0.9 · 2.642469 · 0.724780 = 1.723687.
TEST(RuleOfThumbBandwidth, MatchesHandComputedValues) {
  const std::vector<WeightedPoint> square = {{0, 0, 1}, {2, 0, 1}, {0, 2, 1}, {2, 2, 1}};
  EXPECT_NEAR(rule_of_thumb_bandwidth(square), 0.964596, 1e-6);
  const std::vector<WeightedPoint> line = {{0, 0, 1}, {1, 0, 1}, {2, 0, 1}, {3, 0, 1}, {10, 0, 1}};
  EXPECT_NEAR(rule_of_thumb_bandwidth(line), 1.723687, 1e-6);
}

// Weights: scaling them all changes nothing (Kish's n); doubling one event's weight equals listing it
// twice for the mean centre, SD and median, but not for n: with weights 1,1,1,1,2 on the line,
// n = (Σw)²/Σw² = 36/8 = 4.5 against 6 for the duplicated list, so h differs by (4.5/6)^(−0.2).
TEST(RuleOfThumbBandwidth, UsesWeights) {
  std::vector<WeightedPoint> line = {{0, 0, 1}, {1, 0, 1}, {2, 0, 1}, {3, 0, 1}, {10, 0, 1}};
  std::vector<WeightedPoint> scaled = line;
  for (auto& p : scaled) p.weight *= 7.5;
  EXPECT_NEAR(rule_of_thumb_bandwidth(scaled), rule_of_thumb_bandwidth(line), 1e-12);
  std::vector<WeightedPoint> weighted = line;
  weighted[4].weight = 2;
  std::vector<WeightedPoint> duplicated = line;
  duplicated.push_back({10, 0, 1});
  const double expected = rule_of_thumb_bandwidth(duplicated) * std::pow(4.5 / 6.0, -0.2);
  EXPECT_NEAR(rule_of_thumb_bandwidth(weighted), expected, 1e-12);
  // Zero-weight events do not count.
  std::vector<WeightedPoint> with_zero = line;
  with_zero.push_back({1000, 1000, 0});
  EXPECT_DOUBLE_EQ(rule_of_thumb_bandwidth(with_zero), rule_of_thumb_bandwidth(line));
}

TEST(RuleOfThumbBandwidth, RejectsDegenerateInput) {
  expect_error([] { rule_of_thumb_bandwidth({}); }, ErrorKind::input_data, "no positive weight");
  const std::vector<WeightedPoint> same = {{5, 5, 1}, {5, 5, 2}, {9, 9, 0}};
  expect_error([&] { rule_of_thumb_bandwidth(same); }, ErrorKind::input_data, "one location");
  const std::vector<WeightedPoint> bad = {{0, 0, 1}, {1, 1, -2}};
  expect_error([&] { rule_of_thumb_bandwidth(bad); }, ErrorKind::input_data, "event 1 has weight -2");
}

}  // namespace
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// The flow model on tiny grids with answers checkable by hand, and against a brute force that runs one
// forward search per origin (the model runs one reversed search per market).
#include <cmath>
#include <random>

#include <gtest/gtest.h>
#include <omp.h>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/cost/flow_density.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

constexpr double kSqrt2 = 1.4142135623730951;

// 9 x 5 cells of 100 m at friction 0.01 (1 per straight move, sqrt(2) per diagonal); a river down
// column 4, passable only at (4, 2): every route crosses there.
//   A . . . # . M1 . .        origins A (0,0) weight 1, B (0,4) weight 3
//   . . . . # . . . .         markets M1 (6,0) weight 3, M2 (8,4) weight 1
//   . . . . X . . . .
//   . . . . # . . . .
//   B . . . # . . . M2
Raster<float> river_friction() {
  Raster<float> f(test::small_grid(9, 5, 100.0), 0.01F);
  for (std::int64_t r : {0, 1, 3, 4}) f.at(4, r) = std::nanf("");
  return f;
}

struct River {
  Raster<float> friction = river_friction();
  IsotropicFriction edge{friction};  // reads `friction`, declared before it
  const Grid& g = friction.grid();
  std::vector<FlowOrigin> origins{{g.index(0, 0), 1.0}, {g.index(0, 4), 3.0}};
  std::vector<FlowMarket> markets{{{g.index(6, 0)}, 3.0}, {{g.index(8, 4)}, 1.0}};
};

FlowOptions queen(Deterrence d, double scale, Balancing b) {
  FlowOptions o;
  o.deterrence = d;
  o.scale = scale;
  o.balancing = b;
  o.neighbourhood = Neighbourhood::queen8;
  return o;
}

TEST(FlowDensity, TwoOriginsTwoMarketsOneCrossing) {
  const River river;
  const FlowSolution s = solve_flows(river.g, river.origins, river.markets, river.edge,
                                     queen(Deterrence::exponential, 2.0, Balancing::origins));
  // Costs by hand: to the crossing 2·sqrt(2) + 2 from either origin; from it to M1 2·sqrt(2), to M2
  // 2·sqrt(2) + 2.
  const double to_x = 2 * kSqrt2 + 2, c1 = to_x + 2 * kSqrt2, c2 = to_x + 2 * kSqrt2 + 2;
  EXPECT_NEAR(s.od[0 * 2 + 0].cost, c1, 1e-6);
  EXPECT_NEAR(s.od[0 * 2 + 1].cost, c2, 1e-6);
  EXPECT_NEAR(s.od[1 * 2 + 0].cost, c1, 1e-6);
  EXPECT_NEAR(s.od[1 * 2 + 1].cost, c2, 1e-6);
  // Production-constrained: each origin sends its supply to M1 and M2 in proportion to w_d exp(-c/2).
  const double p1 = 3 * std::exp(-c1 / 2), p2 = 1 * std::exp(-c2 / 2);
  const double to_m1 = p1 / (p1 + p2);
  EXPECT_NEAR(s.od[0].share, 1.0 / 4 * to_m1, 1e-6);
  EXPECT_NEAR(s.od[1].share, 1.0 / 4 * (1 - to_m1), 1e-6);
  EXPECT_NEAR(s.od[2].share, 3.0 / 4 * to_m1, 1e-6);
  EXPECT_NEAR(s.od[3].share, 3.0 / 4 * (1 - to_m1), 1e-6);
  // All the trade passes the crossing; each origin's cell carries its own supply, each market's its take.
  EXPECT_NEAR(s.density.at(4, 2), 1.0, 1e-6);
  EXPECT_NEAR(s.density.at(0, 0), 0.25, 1e-6);
  EXPECT_NEAR(s.density.at(0, 4), 0.75, 1e-6);
  EXPECT_NEAR(s.density.at(6, 0), to_m1, 1e-6);
  EXPECT_NEAR(s.density.at(8, 4), 1 - to_m1, 1e-6);
  EXPECT_EQ(s.density.at(4, 0), 0.0F);  // the river
  // Routes run origin first, market last, through the crossing.
  for (const auto& r : s.routes) {
    ASSERT_FALSE(r.empty());
    EXPECT_NE(std::find(r.begin(), r.end(), river.g.index(4, 2)), r.end());
  }
  EXPECT_EQ(s.routes[0].front(), river.g.index(0, 0));
  EXPECT_EQ(s.routes[0].back(), river.g.index(6, 0));
}

TEST(FlowDensity, UnconstrainedGravityAndNoDeterrence) {
  const River river;
  const FlowSolution s =
      solve_flows(river.g, river.origins, river.markets, river.edge, queen(Deterrence::none, 1.0, Balancing::none));
  // w_o · w_d: 3, 1, 9, 3 of 16.
  EXPECT_NEAR(s.od[0].share, 3.0 / 16, 1e-12);
  EXPECT_NEAR(s.od[1].share, 1.0 / 16, 1e-12);
  EXPECT_NEAR(s.od[2].share, 9.0 / 16, 1e-12);
  EXPECT_NEAR(s.od[3].share, 3.0 / 16, 1e-12);
  EXPECT_DOUBLE_EQ(s.total, 16.0);
}

TEST(FlowDensity, ClosingTheOnlyCrossingCutsEveryRoute) {
  River river;
  river.friction.at(4, 2) = std::nanf("");
  const IsotropicFriction closed(river.friction);
  const FlowSolution s = solve_flows(river.g, river.origins, river.markets, closed,
                                     queen(Deterrence::exponential, 2.0, Balancing::origins));
  EXPECT_EQ(s.total, 0.0);
  for (const auto& od : s.od) {
    EXPECT_TRUE(std::isnan(od.cost));
    EXPECT_EQ(od.share, 0.0);
  }
}

// Against one forward search per origin, on random grids: the same costs (to rounding: the two
// searches sum the same moves in opposite order), shares and densities.
TEST(FlowDensity, EqualsForwardSearchesPerOriginOnRandomGrids) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 12; ++trial) {
    const std::int64_t w = 8 + static_cast<std::int64_t>(rng() % 20), h = 8 + static_cast<std::int64_t>(rng() % 20);
    Raster<float> friction(test::small_grid(w, h, 100.0), 0.0F);
    for (CellIndex i = 0; i < friction.size(); ++i)
      friction[i] = u(rng) < 0.12 ? std::nanf("") : static_cast<float>(0.005 + 0.01 * u(rng));
    const Grid& g = friction.grid();
    const IsotropicFriction edge(friction);
    const auto cell = [&] { return static_cast<CellIndex>(rng() % static_cast<std::uint64_t>(g.cells())); };
    std::vector<FlowOrigin> origins;
    for (int k = 0; k < 2 + static_cast<int>(rng() % 4); ++k) origins.push_back({cell(), 0.5 + 3 * u(rng)});
    std::vector<FlowMarket> markets;
    for (int k = 0; k < 2 + static_cast<int>(rng() % 2); ++k) {
      FlowMarket m{{cell()}, 0.5 + 3 * u(rng)};
      if (u(rng) < 0.4) m.cells.push_back(cell());  // a market reached at either of two cells
      markets.push_back(m);
    }
    FlowOptions opts;
    opts.deterrence = trial % 3 == 0 ? Deterrence::power : Deterrence::exponential;
    opts.scale = trial % 3 == 0 ? 1.5 : 5.0;
    opts.balancing = trial % 2 == 0 ? Balancing::origins : Balancing::none;
    opts.neighbourhood = trial % 2 == 0 ? Neighbourhood::knight16 : Neighbourhood::queen8;
    const FlowSolution s = solve_flows(g, origins, markets, edge, opts);

    // Brute force: forward from each origin, the cheapest cell of each market, its traced route.
    std::vector<OdFlow> od(origins.size() * markets.size());
    std::vector<std::vector<CellIndex>> routes(od.size());
    CostDistanceOptions cd;
    cd.neighbourhood = opts.neighbourhood;
    for (std::size_t o = 0; o < origins.size(); ++o) {
      const Seed src[] = {{origins[o].cell, 0.0}};
      const CostDistanceResult r = cost_distance_reference(g, src, edge, cd);
      for (std::size_t d = 0; d < markets.size(); ++d) {
        CellIndex best = -1;
        for (CellIndex c : markets[d].cells)
          if (!std::isnan(r.accumulated[c]) && (best < 0 || r.accumulated[c] < r.accumulated[best])) best = c;
        if (best < 0) continue;
        od[o * markets.size() + d].cost = r.accumulated[best];
        routes[o * markets.size() + d] = trace_back(r.backlinks, best);
      }
    }
    balance_flows(origins, markets, od, opts);
    std::vector<double> density(static_cast<std::size_t>(g.cells()), 0.0);
    for (std::size_t i = 0; i < od.size(); ++i)
      for (CellIndex c : routes[i]) density[static_cast<std::size_t>(c)] += od[i].share;
    const std::string where = "seed " + std::to_string(seed) + " trial " + std::to_string(trial) + " size " +
                              std::to_string(w) + "x" + std::to_string(h);
    for (std::size_t i = 0; i < od.size(); ++i) {
      ASSERT_EQ(std::isnan(od[i].cost), std::isnan(s.od[i].cost)) << where << " pair " << i;
      if (std::isnan(od[i].cost)) continue;
      ASSERT_NEAR(s.od[i].cost, od[i].cost, 1e-9 * od[i].cost) << where << " pair " << i;
      ASSERT_NEAR(s.od[i].share, od[i].share, 1e-9) << where << " pair " << i;
    }
    for (CellIndex i = 0; i < g.cells(); ++i)
      ASSERT_NEAR(s.density[i], density[static_cast<std::size_t>(i)], 1e-5) << where << " cell " << i;
  }
}

struct Noisy {
  const IsotropicFriction* base;
  const float* noise;
  double operator()(CellIndex a, CellIndex b, int k) const {
    const double c = (*base)(a, b, k);
    return noise ? c * 0.5 * (static_cast<double>(noise[a]) + noise[b]) : c;
  }
};

TEST(FlowDraws, WithoutNoiseTheyEqualTheNoiseFreeSolutionForAnyThreadCount) {
  const River river;
  const FlowOptions opts = queen(Deterrence::exponential, 2.0, Balancing::origins);
  const FlowSolution base = solve_flows(river.g, river.origins, river.markets, river.edge, opts);
  FlowDrawOptions d;
  d.draws = 5;
  d.sigma = 0;
  d.crossing_sigma = 0;
  const auto make = [&](const float* n, const float*) { return Noisy{&river.edge, n}; };
  const FlowDrawsResult r = flow_draws(river.g, river.origins, river.markets, Raster<std::int32_t>(), make, opts, d, base);
  for (CellIndex i = 0; i < base.density.size(); ++i) EXPECT_NEAR(r.density[i], base.density[i], 1e-6) << i;
  EXPECT_EQ(r.frequency.at(4, 2), 1.0F);
  for (std::size_t i = 0; i < base.od.size(); ++i) EXPECT_NEAR(r.mean_share[i], base.od[i].share, 1e-12);

  d.sigma = 0.5;
  d.draws = 30;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const FlowDrawsResult one = flow_draws(river.g, river.origins, river.markets, Raster<std::int32_t>(), make, opts, d, base);
  omp_set_num_threads(2);
  const FlowDrawsResult two = flow_draws(river.g, river.origins, river.markets, Raster<std::int32_t>(), make, opts, d, base);
  omp_set_num_threads(threads);
  for (CellIndex i = 0; i < base.density.size(); ++i) {
    EXPECT_EQ(one.density[i], two.density[i]) << i;
    EXPECT_EQ(one.frequency[i], two.frequency[i]) << i;
  }
  EXPECT_NEAR(one.density.at(4, 2), 1.0, 1e-6);  // noise never opens a second crossing
}

}  // namespace
}  // namespace nexusmap

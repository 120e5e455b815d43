// SPDX-License-Identifier: MIT
// Randomized comparisons: the fast method against the plain-heap reference (bit for bit) and
// Bellman-Ford; seeds and sizes are printed on failure.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <omp.h>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/core/error.hpp"
#include "tests/support.hpp"
#include "tests/rasters/cost/cost_distance_support.hpp"

namespace nexusmap {
namespace {

using namespace cost_test;

// Brute force: Bellman-Ford relaxation of every edge until nothing changes.
template <class EdgeCost>
std::vector<double> bellman_ford(const Grid& g, const std::vector<Seed>& seeds, EdgeCost&& cost, int moves,
                                 double max_cost) {
  std::vector<double> d(static_cast<std::size_t>(g.cells()), kInf);
  for (const Seed& s : seeds)
    if (s.start_cost <= max_cost) d[static_cast<std::size_t>(s.cell)] = std::min(d[static_cast<std::size_t>(s.cell)], s.start_cost);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::int64_t r = 0; r < g.height; ++r)
      for (std::int64_t c = 0; c < g.width; ++c)
        for (int k = 0; k < moves; ++k) {
          const Move m = stencil_moves()[static_cast<std::size_t>(k)];
          if (!g.inside(c + m.dc, r + m.dr)) continue;
          const CellIndex u = g.index(c, r), v = g.index(c + m.dc, r + m.dr);
          const double cand = d[static_cast<std::size_t>(u)] + cost(u, v, k);
          if (cand < d[static_cast<std::size_t>(v)] && cand <= max_cost) {
            d[static_cast<std::size_t>(v)] = cand;
            changed = true;
          }
        }
  }
  for (double& x : d)
    if (x == kInf) x = kNaN;
  return d;
}

struct RandomCase {
  Raster<float> friction;
  std::vector<Seed> seeds;
  CostDistanceOptions options;
};

// A small random friction grid with NaN barriers, <= 0 (impassable) cells, quantised values (so
// equal costs and back-link ties are common), 1-4 seeds with start costs, sometimes a max cost.
RandomCase random_case(std::uint64_t seed, std::int64_t w, std::int64_t h, Neighbourhood nb) {
  std::mt19937_64 rng(seed);
  RandomCase c{Raster<float>(plain_grid(w, h, std::uniform_int_distribution<int>(0, 1)(rng) ? 1.0 : 7.5)), {}, {}};
  const double barrier = std::uniform_real_distribution<double>(0.0, 0.35)(rng);
  const bool quantised = (rng() & 1U) != 0;
  for (CellIndex i = 0; i < c.friction.size(); ++i) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    if (u < barrier * 0.8) c.friction[i] = std::nanf("");
    else if (u < barrier) c.friction[i] = (rng() & 1U) ? 0.0F : -1.0F;
    else if (quantised) c.friction[i] = static_cast<float>(std::uniform_int_distribution<int>(1, 3)(rng));
    else c.friction[i] = std::uniform_real_distribution<float>(0.01F, 10.0F)(rng);
  }
  const int n = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int k = 0; k < n; ++k) {
    const CellIndex cell = std::uniform_int_distribution<CellIndex>(0, c.friction.size() - 1)(rng);
    const double start = (rng() % 3 == 0) ? std::uniform_real_distribution<double>(0, 20)(rng) : 0.0;
    c.seeds.push_back({cell, start});
  }
  c.options.neighbourhood = nb;
  if (rng() % 3 == 0) c.options.max_cost = std::uniform_real_distribution<double>(0, 60)(rng);
  return c;
}

TEST(CostDistance, RandomGridsMatchReferenceBitForBitAndBellmanFord) {
  int compared = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    std::mt19937_64 size_rng(seed * 7919);
    const std::int64_t w = std::uniform_int_distribution<std::int64_t>(1, 24)(size_rng);
    const std::int64_t h = std::uniform_int_distribution<std::int64_t>(1, 24)(size_rng);
    const Neighbourhood nb = seed % 2 ? Neighbourhood::queen8 : Neighbourhood::knight16;
    RandomCase c = random_case(seed, w, h, nb);
    const IsotropicFriction cost(c.friction);
    if (cost.passable_cells() == 0) continue;
    const CostDistanceResult fast = cost_distance(c.friction, c.seeds, c.options);
    const CostDistanceResult ref = cost_distance_reference(c.friction.grid(), c.seeds, cost, c.options);
    ASSERT_TRUE(identical(fast, ref)) << "seed " << seed << " size " << w << "x" << h << " neighbours "
                                      << static_cast<int>(nb);
    const std::vector<double> bf =
        bellman_ford(c.friction.grid(), c.seeds, cost, static_cast<int>(nb), c.options.max_cost);
    for (CellIndex i = 0; i < fast.accumulated.size(); ++i) {
      const double x = fast.accumulated[i], y = bf[static_cast<std::size_t>(i)];
      ASSERT_EQ(std::isnan(x), std::isnan(y)) << "seed " << seed << " size " << w << "x" << h << " cell " << i;
      if (!std::isnan(x)) {
        ASSERT_LE(std::abs(x - y), 1e-12 * std::max(1.0, std::abs(y)))
            << "seed " << seed << " size " << w << "x" << h << " cell " << i;
      }
    }
    ++compared;
  }
  EXPECT_GT(compared, 350);
}

// Direction-dependent random edge costs, including zero-cost moves (ties between cells of equal
// cost), through the generic template.
TEST(CostDistance, RandomAnisotropicAndZeroCostEdgesMatchReference) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    const std::int64_t w = std::uniform_int_distribution<std::int64_t>(1, 20)(rng);
    const std::int64_t h = std::uniform_int_distribution<std::int64_t>(1, 20)(rng);
    const Grid g = plain_grid(w, h);
    const Neighbourhood nb = seed % 2 ? Neighbourhood::queen8 : Neighbourhood::knight16;
    // One cost per (cell, move): 0 with some probability, impossible (inf or NaN) sometimes.
    std::vector<double> table(static_cast<std::size_t>(g.cells() * 16));
    const double zero_share = std::uniform_real_distribution<double>(0, 0.5)(rng);
    for (double& x : table) {
      const double u = std::uniform_real_distribution<double>(0, 1)(rng);
      x = u < zero_share ? 0.0 : u < zero_share + 0.05 ? kInf : u < zero_share + 0.1 ? kNaN
                                                                : std::floor(u * 8.0) * 0.25;
    }
    auto cost = [&](CellIndex from, CellIndex, int k) {
      return table[static_cast<std::size_t>(from * 16 + k)];
    };
    std::vector<Seed> seeds = {{std::uniform_int_distribution<CellIndex>(0, g.cells() - 1)(rng), 0.0},
                               {std::uniform_int_distribution<CellIndex>(0, g.cells() - 1)(rng), 0.5}};
    CostDistanceOptions o;
    o.neighbourhood = nb;
    const CostDistanceResult fast = cost_distance(g, seeds, cost, o);
    const CostDistanceResult ref = cost_distance_reference(g, seeds, cost, o);
    ASSERT_TRUE(identical(fast, ref)) << "seed " << seed << " size " << w << "x" << h;
    const std::vector<double> bf = bellman_ford(g, seeds, cost, static_cast<int>(nb), kInf);
    for (CellIndex i = 0; i < g.cells(); ++i) {
      const double x = fast.accumulated[i], y = bf[static_cast<std::size_t>(i)];
      ASSERT_TRUE(same_bits(x, y) || (std::isnan(x) && std::isnan(y)))
          << "seed " << seed << " size " << w << "x" << h << " cell " << i << ": " << x << " vs " << y;
    }
  }
}

// IsotropicFriction states a minimum edge cost, so the fast method uses quantised keys in a bucket
// ring; hiding the bound forces exact keys in the radix heap. Both must agree bit for bit, also with
// friction ratios so extreme that the ring overflows into its radix heap (1e-4 .. 1e3).
TEST(CostDistance, QuantisedAndExactQueuesAgreeBitForBit) {
  for (std::uint64_t seed = 1; seed <= 120; ++seed) {
    std::mt19937_64 rng(seed);
    const std::int64_t w = std::uniform_int_distribution<std::int64_t>(2, 40)(rng);
    const std::int64_t h = std::uniform_int_distribution<std::int64_t>(2, 40)(rng);
    const Neighbourhood nb = seed % 2 ? Neighbourhood::queen8 : Neighbourhood::knight16;
    RandomCase c = random_case(seed, w, h, nb);
    if (seed % 3 == 0) {
      for (CellIndex i = 0; i < c.friction.size(); ++i)
        if (c.friction[i] > 0) c.friction[i] = (rng() & 1U) ? 1e-4F : 1e3F;
    }
    const IsotropicFriction cost(c.friction);
    if (cost.passable_cells() == 0) continue;
    ASSERT_GT(cost.min_edge_cost(), 0.0);
    auto hidden = [&cost](CellIndex from, CellIndex to, int k) { return cost(from, to, k); };
    const CostDistanceResult quantised = cost_distance(c.friction.grid(), c.seeds, cost, c.options);
    const CostDistanceResult exact = cost_distance(c.friction.grid(), c.seeds, hidden, c.options);
    ASSERT_TRUE(identical(quantised, exact)) << "seed " << seed << " size " << w << "x" << h;
    const CostDistanceResult ref = cost_distance_reference(c.friction.grid(), c.seeds, cost, c.options);
    ASSERT_TRUE(identical(quantised, ref)) << "seed " << seed << " size " << w << "x" << h;
  }
}

// Costs mixing 1e-4, 1 and 1e4 per cell: quantised keys spread over far more than the ring's 2^16
// buckets, so many entries pass through the overflow heap and back into the ring.
TEST(CostDistance, RingOverflowKeepsExactOrder) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    std::mt19937_64 rng(seed);
    const std::int64_t w = std::uniform_int_distribution<std::int64_t>(5, 60)(rng);
    const std::int64_t h = std::uniform_int_distribution<std::int64_t>(5, 60)(rng);
    Raster<float> f(plain_grid(w, h));
    for (CellIndex i = 0; i < f.size(); ++i) {
      const auto r = rng() % 8;
      f[i] = r == 0 ? 1e4F : r < 3 ? 1.0F : 1e-4F;
    }
    CostDistanceOptions o;
    o.neighbourhood = seed % 2 ? Neighbourhood::queen8 : Neighbourhood::knight16;
    const std::vector<Seed> seeds = {{0, 0.0}, {f.size() - 1, 3.0}, {f.size() / 2, 0.01}};
    const CostDistanceResult fast = cost_distance(f, seeds, o);
    const CostDistanceResult ref = cost_distance_reference(f.grid(), seeds, IsotropicFriction(f), o);
    ASSERT_TRUE(identical(fast, ref)) << "seed " << seed << " size " << w << "x" << h;
  }
}

TEST(CostDistance, MinEdgeCostPromiseIsChecked) {
  const Grid g = plain_grid(8, 8);
  auto cost = [](CellIndex, CellIndex, int k) { return k == 4 ? 0.5 : 2.0; };  // S moves are cheaper
  CostDistanceOptions o;
  o.min_edge_cost = 1.0;
  try {
    cost_distance(g, std::vector<Seed>{{0, 0.0}}, cost, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input_data);
    EXPECT_STREQ(e.what(), "cost distance: the cost of move 4 from cell (column 0, row 0) to (column 0, row 1) is "
                           "0.5, below the promised minimum edge cost 1");
  }
  o.min_edge_cost = 0.5;  // a true bound: same result as without one
  const CostDistanceResult bounded = cost_distance(g, std::vector<Seed>{{0, 0.0}}, cost, o);
  o.min_edge_cost = 0;
  EXPECT_TRUE(identical(bounded, cost_distance(g, std::vector<Seed>{{0, 0.0}}, cost, o)));
}

TEST(CostDistance, QuantisedKeysBeyond2To53BucketsAreAnError) {
  const Grid g = plain_grid(30, 1);
  CostDistanceOptions o;
  o.min_edge_cost = 1e-12;
  try {
    cost_distance(g, std::vector<Seed>{{0, 0.0}}, [](CellIndex, CellIndex, int) { return 1e6; }, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input_data);
    EXPECT_NE(std::string(e.what()).find("is more than 2^53 times the minimum edge cost"), std::string::npos)
        << e.what();
  }
}

TEST(CostDistance, BacklinksOffGivesAnEmptyRasterAndTheSameCosts) {
  const RandomCase c = random_case(77, 20, 15, Neighbourhood::knight16);
  CostDistanceOptions o = c.options;
  o.backlinks = false;
  const CostDistanceResult without = cost_distance(c.friction, c.seeds, o);
  const CostDistanceResult with = cost_distance(c.friction, c.seeds, c.options);
  EXPECT_EQ(without.backlinks.size(), 0);
  for (CellIndex i = 0; i < with.accumulated.size(); ++i)
    EXPECT_TRUE(same_bits(with.accumulated[i], without.accumulated[i]) ||
                (std::isnan(with.accumulated[i]) && std::isnan(without.accumulated[i])));
  const CostDistanceResult ref = cost_distance_reference(c.friction.grid(), c.seeds, IsotropicFriction(c.friction), o);
  EXPECT_EQ(ref.backlinks.size(), 0);
}

TEST(CostDistance, IdenticalInsideOpenMPParallelRegionsWithOneAndTwoThreads) {
  const RandomCase c = random_case(4242, 300, 200, Neighbourhood::knight16);
  const CostDistanceResult serial = cost_distance(c.friction, c.seeds, c.options);
  for (const int threads : {1, 2}) {
    std::vector<CostDistanceResult> results(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
    {
      results[static_cast<std::size_t>(omp_get_thread_num())] = cost_distance(c.friction, c.seeds, c.options);
    }
    for (const auto& r : results) EXPECT_TRUE(identical(r, serial)) << threads << " threads";
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    EXPECT_TRUE(identical(cost_distance(c.friction, c.seeds, c.options), serial)) << threads << " threads";
    omp_set_num_threads(saved);
  }
}

}  // namespace
}  // namespace nexusmap

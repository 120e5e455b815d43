// SPDX-License-Identifier: MIT
// The least-cost corridor, alternative routes and route frequency on tiny grids with answers checkable
// by hand (cells of 100 m, friction 0.01 per metre: 1 per straight move, sqrt(2) per diagonal; the
// friction is Float32, so costs agree to 1e-7 relative).
#include <cmath>
#include <set>

#include <gtest/gtest.h>
#include <omp.h>

#include "rasters/cost/alternative_routes.hpp"
#include "rasters/cost/cost_distance.hpp"
#include "rasters/cost/least_cost_corridor.hpp"
#include "rasters/cost/route_frequency.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

constexpr double kSqrt2 = 1.4142135623730951;

CostDistanceOptions queen() {
  CostDistanceOptions o;
  o.neighbourhood = Neighbourhood::queen8;
  return o;
}

// 5 x 3 cells, uniform cost, from (0,1) to (4,1): least cost 4 along the middle row; any cell off
// it costs at least a detour of 2·sqrt(2) − 2 (one diagonal out, one back).
TEST(LeastCostCorridor, ThresholdDecidesWhichDetoursAreInside) {
  const Raster<float> friction(test::small_grid(5, 3, 100.0), 0.01F);
  const Grid& g = friction.grid();
  const Seed source[] = {{g.index(0, 1), 0.0}};
  const Seed target[] = {{g.index(4, 1), 0.0}};
  const CostDistanceResult a = cost_distance(friction, source, queen());
  const CostDistanceResult b = cost_distance(friction, target, queen());  // isotropic: B is a search from the target
  const double least = a.accumulated.at(4, 1);
  ASSERT_NEAR(least, 4.0, 1e-6);

  Raster<std::uint8_t> tight(g, 0);
  EXPECT_EQ(mark_least_cost_corridor(a.accumulated, b.accumulated, least, {CorridorThreshold::percent, 10.0}, tight), 5);
  for (std::int64_t c = 0; c < 5; ++c) {
    EXPECT_EQ(tight.at(c, 1), 1) << c;
    EXPECT_EQ(tight.at(c, 0), 0) << c;  // 2 + 2·sqrt(2) = 4.83 > 4.4
  }
  // At 25 % (limit 5): cells 1..3 of the outer rows (4.83) join; the corners (3 + sqrt(2) + 1 = 5.41) do not.
  Raster<std::uint8_t> wide(g, 0);
  EXPECT_EQ(mark_least_cost_corridor(a.accumulated, b.accumulated, least, {CorridorThreshold::percent, 25.0}, wide), 11);
  for (std::int64_t c = 0; c < 5; ++c)
    for (std::int64_t r : {0, 2}) EXPECT_EQ(wide.at(c, r), (c >= 1 && c <= 3) ? 1 : 0) << c << "," << r;
  // An absolute slack of 0.9 is the same as 22.5 %.
  Raster<std::uint8_t> hours(g, 0);
  EXPECT_EQ(mark_least_cost_corridor(a.accumulated, b.accumulated, least, {CorridorThreshold::absolute, 0.9}, hours), 11);
  // A zero threshold keeps exactly the cells on least-cost routes (here the straight row).
  Raster<std::uint8_t> zero(g, 0);
  EXPECT_EQ(mark_least_cost_corridor(a.accumulated, b.accumulated, least, {CorridorThreshold::percent, 0.0}, zero), 5);
}

TEST(LeastCostCorridor, UnreachableCellsAreNeverInside) {
  Raster<float> friction(test::small_grid(5, 1, 100.0), 0.01F);
  friction.at(2, 0) = std::nanf("");
  const Grid& g = friction.grid();
  const Seed source[] = {{g.index(0, 0), 0.0}};
  const CostDistanceResult a = cost_distance(friction, source, queen());
  Raster<std::uint8_t> mask(g, 0);
  EXPECT_EQ(mark_least_cost_corridor(a.accumulated, a.accumulated, 1.0, {CorridorThreshold::percent, 1000.0}, mask), 2);
  EXPECT_EQ(mask.at(2, 0), 0);
  EXPECT_EQ(mask.at(3, 0), 0);
}

// Two ways round an impassable block: the top row is cheaper (friction 0.005) than the bottom row.
//   row 0:  S . . . . . D   cheap
//   row 1:  . # # # # # .
//   row 2:  . . . . . . .   (source (0,1) and destination (6,1) are on the sides)
Raster<float> two_valleys() {
  Raster<float> f(test::small_grid(7, 3, 100.0), 0.01F);
  for (std::int64_t c = 1; c <= 5; ++c) {
    f.at(c, 0) = 0.005F;
    f.at(c, 1) = std::nanf("");
  }
  return f;
}

TEST(AlternativeRoutes, TheSecondRouteTakesTheOtherValleyWithItsOwnCost) {
  const Raster<float> friction = two_valleys();
  const Grid& g = friction.grid();
  const IsotropicFriction edge(friction);
  const Seed source[] = {{g.index(0, 1), 0.0}};
  AlternativeRoutesOptions o;
  o.routes = 3;
  o.penalty = 4.0;
  o.buffer_cells = 0;
  o.neighbourhood = Neighbourhood::queen8;
  const auto routes = alternative_routes(g, source, g.index(6, 1), edge, o);
  ASSERT_GE(routes.size(), 2u);
  // Top: diagonal into (1,0) (sqrt(2)·(0.01+0.005)/2·100 = 0.75·sqrt(2)), four cheap moves of 0.5,
  // diagonal out: 1.5·sqrt(2) + 2.
  EXPECT_EQ(routes[0].rank, 1);
  EXPECT_NEAR(routes[0].cost, 1.5 * kSqrt2 + 2.0, 1e-6);
  // Bottom, costed without the penalty. The source and destination cells carry route 1's penalty too,
  // so the penalised search leaves and enters them by straight moves (4 · 1 < 4 · sqrt(2)): down,
  // six moves east along row 2, up: 8.
  EXPECT_EQ(routes[1].rank, 2);
  EXPECT_NEAR(routes[1].cost, 8.0, 1e-6);
  std::set<std::int64_t> rows;
  for (CellIndex c : routes[1].cells) rows.insert(g.cell(c).row);
  EXPECT_TRUE(rows.count(2) && !rows.count(0)) << "the second route must use the bottom valley";
  // Both valleys now carry the penalty: the third search finds the top again (4 × cheaper than 4 × bottom),
  // which repeats route 1 and ends the search.
  EXPECT_EQ(routes.size(), 2u);
}

TEST(AlternativeRoutes, AGivenFirstRouteIsUsedAsIs) {
  const Raster<float> friction = two_valleys();
  const Grid& g = friction.grid();
  const IsotropicFriction edge(friction);
  const Seed source[] = {{g.index(0, 1), 0.0}};
  AlternativeRoutesOptions o;
  o.routes = 2;
  o.buffer_cells = 0;
  o.neighbourhood = Neighbourhood::queen8;
  const CostDistanceResult base = cost_distance(g, source, edge, queen());
  const auto first = trace_back(base.backlinks, g.index(6, 1));
  const auto with = alternative_routes(g, source, g.index(6, 1), edge, o, first);
  const auto without = alternative_routes(g, source, g.index(6, 1), edge, o);
  ASSERT_EQ(with.size(), without.size());
  for (std::size_t i = 0; i < with.size(); ++i) {
    EXPECT_EQ(with[i].cells, without[i].cells);
    EXPECT_EQ(with[i].cost, without[i].cost);
  }
}

// The move time scaled by the mean of the two cells' noise, as TravelTime applies it.
struct NoisyFriction {
  const IsotropicFriction* base;
  const float* noise;
  double operator()(CellIndex a, CellIndex b, int k) const {
    const double c = (*base)(a, b, k);
    return noise ? c * 0.5 * (static_cast<double>(noise[a]) + noise[b]) : c;
  }
};

TEST(RouteFrequency, WithoutNoiseEveryDrawUsesTheLeastCostRoute) {
  const Raster<float> friction = two_valleys();
  const Grid& g = friction.grid();
  const IsotropicFriction base(friction);
  const Seed source[] = {{g.index(0, 1), 0.0}};
  const CellIndex dest[] = {g.index(6, 1)};
  RouteFrequencyOptions o;
  o.draws = 7;
  o.sigma = 0.0;
  o.crossing_sigma = 0.0;
  o.neighbourhood = Neighbourhood::queen8;
  const Raster<float> f = route_frequency(
      g, source, dest, Raster<std::int32_t>(), [&](const float* n, const float*) { return NoisyFriction{&base, n}; }, o);
  for (std::int64_t c = 0; c < 7; ++c) {
    EXPECT_EQ(f.at(c, 2), 0.0F) << c;  // the bottom valley
    if (c >= 1 && c <= 5) {
      EXPECT_EQ(f.at(c, 0), 1.0F) << c;
    }
  }
  EXPECT_EQ(f.at(0, 1), 1.0F);
  EXPECT_EQ(f.at(6, 1), 1.0F);
}

// Two equally cheap valleys: under noise the draws split between them, the same way for any seed
// replay and thread count, and bounding each draw's search by the noisy cost of the base route
// changes nothing.
TEST(RouteFrequency, NoiseSplitsEqualValleysDeterministically) {
  Raster<float> friction(test::small_grid(9, 3, 100.0), 0.01F);
  for (std::int64_t c = 1; c <= 7; ++c) friction.at(c, 1) = std::nanf("");
  const Grid& g = friction.grid();
  const IsotropicFriction base(friction);
  const Seed source[] = {{g.index(0, 1), 0.0}};
  const CellIndex dest[] = {g.index(8, 1)};
  RouteFrequencyOptions o;
  o.draws = 200;
  o.seed = 42;
  o.sigma = 0.5;
  o.correlation_cells = 2;
  o.neighbourhood = Neighbourhood::queen8;
  const auto make = [&](const float* n, const float*) { return NoisyFriction{&base, n}; };
  const Raster<float> f = route_frequency(g, source, dest, Raster<std::int32_t>(), make, o);
  const double top = f.at(4, 0), bottom = f.at(4, 2);
  EXPECT_NEAR(top + bottom, 1.0, 1e-6);  // every draw takes exactly one valley
  EXPECT_GT(top, 0.3);
  EXPECT_GT(bottom, 0.3);

  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Raster<float> one = route_frequency(g, source, dest, Raster<std::int32_t>(), make, o);
  omp_set_num_threads(2);
  const Raster<float> two = route_frequency(g, source, dest, Raster<std::int32_t>(), make, o);
  omp_set_num_threads(threads);
  const CostDistanceResult plain = cost_distance(g, source, base, queen());
  const std::vector<std::vector<CellIndex>> routes = {trace_back(plain.backlinks, dest[0])};
  const Raster<float> bounded = route_frequency(g, source, dest, Raster<std::int32_t>(), make, o, routes);
  for (CellIndex i = 0; i < f.size(); ++i) {
    EXPECT_EQ(one[i], f[i]) << i;
    EXPECT_EQ(two[i], f[i]) << i;
    EXPECT_EQ(bounded[i], f[i]) << i;
  }
}

}  // namespace
}  // namespace nexusmap

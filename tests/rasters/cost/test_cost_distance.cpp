// SPDX-License-Identifier: MIT
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

double chamfer8(std::int64_t dx, std::int64_t dy) {
  const auto a = static_cast<double>(std::max(std::abs(dx), std::abs(dy)));
  const auto b = static_cast<double>(std::min(std::abs(dx), std::abs(dy)));
  return (a - b) + kSqrt2 * b;
}

// Shortest 16-neighbour (1, sqrt2, sqrt5) chamfer distance to offset (dx, dy).
double chamfer16(std::int64_t dx, std::int64_t dy) {
  const auto a = static_cast<double>(std::max(std::abs(dx), std::abs(dy)));
  const auto b = static_cast<double>(std::min(std::abs(dx), std::abs(dy)));
  if (a >= 2 * b) return kSqrt5 * b + (a - 2 * b);
  return kSqrt5 * (a - b) + kSqrt2 * (2 * b - a);
}

TEST(CostDistance, StencilOrderIsTheDocumentedOne) {
  const auto& m = stencil_moves();
  const Move expected[16] = {{0, -1}, {1, -1}, {1, 0},  {1, 1},  {0, 1},  {-1, 1}, {-1, 0},  {-1, -1},
                             {1, -2}, {2, -1}, {2, 1},  {1, 2},  {-1, 2}, {-2, 1}, {-2, -1}, {-1, -2}};
  for (int k = 0; k < 16; ++k) {
    EXPECT_EQ(m[static_cast<std::size_t>(k)].dc, expected[k].dc) << k;
    EXPECT_EQ(m[static_cast<std::size_t>(k)].dr, expected[k].dr) << k;
    const int opposite = k < 8 ? (k + 4) % 8 : 8 + (k - 8 + 4) % 8;
    EXPECT_EQ(m[static_cast<std::size_t>(opposite)].dc, -m[static_cast<std::size_t>(k)].dc) << k;
    EXPECT_EQ(m[static_cast<std::size_t>(opposite)].dr, -m[static_cast<std::size_t>(k)].dr) << k;
  }
}

TEST(CostDistance, KnightIntermediatesAreTheTwoCellsPassedBetween) {
  const Grid g = plain_grid(7, 7);
  const CellIndex from = g.index(3, 3);
  // NNE (1,-2): between (3,2) and (4,2).  ENE (2,-1): between (4,3) and (4,2).
  EXPECT_EQ(knight_intermediates(g, from, 8), std::make_pair(g.index(3, 2), g.index(4, 2)));
  EXPECT_EQ(knight_intermediates(g, from, 9), std::make_pair(g.index(4, 3), g.index(4, 2)));
  // SSW (-1,2): between (3,4) and (2,4).  WNW (-2,-1): between (2,3) and (2,2).
  EXPECT_EQ(knight_intermediates(g, from, 12), std::make_pair(g.index(3, 4), g.index(2, 4)));
  EXPECT_EQ(knight_intermediates(g, from, 14), std::make_pair(g.index(2, 3), g.index(2, 2)));
  EXPECT_THROW(knight_intermediates(g, from, 3), Error);
}

TEST(CostDistance, MoveLengthsFollowTheCellSize) {
  const Grid g = Grid::north_up("", 0, 100, 10.0, 10, 10);
  EXPECT_DOUBLE_EQ(move_length(g, 0), 10.0);
  EXPECT_DOUBLE_EQ(move_length(g, 1), 10.0 * kSqrt2);
  EXPECT_DOUBLE_EQ(move_length(g, 8), 10.0 * kSqrt5);
}

// Hand-computed 3x3 (cell size 1), seed in the centre:
//   1 2 1        sqrt2      1.5   sqrt2
//   1 1 3   ->   1          0     2
//   2 1 1        1.5*sqrt2  1     sqrt2
TEST(CostDistance, ThreeByThreeByHand) {
  const Raster<float> f = friction_from(3, 3, {1, 2, 1, 1, 1, 3, 2, 1, 1});
  const CostDistanceResult r = cost_distance(f, one_seed(f.grid(), 1, 1));
  const double expected[9] = {kSqrt2, 1.5, kSqrt2, 1, 0, 2, 1.5 * kSqrt2, 1, kSqrt2};
  for (CellIndex i = 0; i < 9; ++i) EXPECT_DOUBLE_EQ(r.accumulated[i], expected[i]) << "cell " << i;
  // Every cell comes straight from the centre: the back-link is the move from (1,1) to it.
  const std::uint8_t links[9] = {7, 0, 1, 6, kNoBacklink, 2, 5, 4, 3};
  for (CellIndex i = 0; i < 9; ++i) {
    EXPECT_EQ(r.backlinks[i], links[i]) << "cell " << i;
    EXPECT_TRUE(r.backlinks.valid(i)) << "cell " << i;
  }
  EXPECT_EQ(r.settled, 9);
}

// 5x5, uniform friction 1, a wall in column 2 with one gap at the bottom:
//   S 1 # 1 T
//   1 1 # 1 1
//   1 1 # 1 1
//   1 1 # 1 1
//   1 1 1 1 1
// S -> T must pass the gap (2,4): twice the chamfer distance of (2,4), 2 + 2*sqrt2.
TEST(CostDistance, FiveByFiveWallWithAGap) {
  const float w = std::nanf("");
  const Raster<float> f = friction_from(5, 5, {1, 1, w, 1, 1, 1, 1, w, 1, 1, 1, 1, w, 1, 1, 1, 1, w, 1, 1,
                                               1, 1, 1, 1, 1});
  for (const auto nb : {Neighbourhood::queen8, Neighbourhood::knight16}) {
    CostDistanceOptions o;
    o.neighbourhood = nb;
    const CostDistanceResult r = cost_distance(f, one_seed(f.grid(), 0, 0), o);
    if (nb == Neighbourhood::queen8) {
      EXPECT_NEAR(r.accumulated.at(4, 0), 4 + 4 * kSqrt2, 1e-12);
      EXPECT_NEAR(r.accumulated.at(2, 4), 2 + 2 * kSqrt2, 1e-12);
    } else {
      // Knight's moves shorten the open stretches but cannot pass the wall: (0,0) -> (1,2) is a
      // knight's move, (1,2) -> (2,4) is not (it passes between (1,3) and the wall cell (2,3)).
      EXPECT_NEAR(r.accumulated.at(2, 4), kSqrt5 + 1 + kSqrt2, 1e-12);
      EXPECT_NEAR(r.accumulated.at(4, 0), 2 * (kSqrt5 + 1 + kSqrt2), 1e-12);
    }
    for (std::int64_t row = 0; row < 4; ++row) {
      EXPECT_TRUE(std::isnan(r.accumulated.at(2, row))) << "wall cell stays unreached, row " << row;
      EXPECT_FALSE(r.backlinks.valid(f.grid().index(2, row)));
      EXPECT_EQ(r.backlinks.at(2, row), kNoBacklink);
    }
    EXPECT_EQ(r.settled, 21);
    // The path from T goes through the gap.
    const auto path = trace_back(r.backlinks, f.grid().index(4, 0));
    EXPECT_NE(std::find(path.begin(), path.end(), f.grid().index(2, 4)), path.end());
    EXPECT_EQ(path.back(), f.grid().index(0, 0));
  }
}

TEST(CostDistance, KnightsMovesDoNotJumpAWall) {
  const float w = std::nanf("");
  // A full-height wall in column 1 of a 3x4 grid: the right column is unreachable.
  const Raster<float> f = friction_from(3, 4, {1, w, 1, 1, w, 1, 1, w, 1, 1, w, 1});
  CostDistanceOptions o;
  o.neighbourhood = Neighbourhood::knight16;
  const CostDistanceResult r = cost_distance(f, one_seed(f.grid(), 0, 1), o);
  for (std::int64_t row = 0; row < 4; ++row) {
    EXPECT_FALSE(std::isnan(r.accumulated.at(0, row)));
    EXPECT_TRUE(std::isnan(r.accumulated.at(2, row))) << row;
  }
}

// Uniform friction: the 8-neighbour result is the chamfer distance (map units x friction), up to
// the rounding of the summation; along rows and columns, where every step costs the same
// representable amount, exactly.
TEST(CostDistance, UniformFrictionGivesTheChamferDistance8) {
  const double cell = 25.0, friction = 2.0;
  Raster<float> f(plain_grid(41, 33, cell), static_cast<float>(friction));
  const std::int64_t sc = 17, sr = 12;
  const CostDistanceResult r = cost_distance(f, one_seed(f.grid(), sc, sr));
  for (std::int64_t row = 0; row < 33; ++row)
    for (std::int64_t col = 0; col < 41; ++col) {
      const double expected = chamfer8(col - sc, row - sr) * cell * friction;
      const double got = r.accumulated.at(col, row);
      if (col == sc || row == sr) {
        EXPECT_EQ(got, expected) << col << "," << row;
      } else {
        EXPECT_NEAR(got, expected, 1e-13 * expected) << col << "," << row;
      }
    }
}

TEST(CostDistance, UniformFrictionWith16NeighboursIsTheKnightChamferWithin2Point8PercentOfEuclid) {
  const double cell = 10.0, friction = 0.5;
  Raster<float> f(plain_grid(61, 61, cell), static_cast<float>(friction));
  CostDistanceOptions o;
  o.neighbourhood = Neighbourhood::knight16;
  const CostDistanceResult r = cost_distance(f, one_seed(f.grid(), 30, 30), o);
  double worst = 0;
  for (std::int64_t row = 0; row < 61; ++row)
    for (std::int64_t col = 0; col < 61; ++col) {
      if (col == 30 && row == 30) continue;
      const double got = r.accumulated.at(col, row);
      const double knight = chamfer16(col - 30, row - 30) * cell * friction;
      EXPECT_NEAR(got, knight, 1e-13 * knight) << col << "," << row;
      const double euclid =
          std::hypot(static_cast<double>(col - 30), static_cast<double>(row - 30)) * cell * friction;
      worst = std::max(worst, (got - euclid) / euclid);
      EXPECT_GE(got, euclid * (1 - 1e-12)) << col << "," << row;
    }
  EXPECT_LE(worst, 0.028);
  EXPECT_GT(worst, 0.02);  // the known worst case (about 2.7%) is present: this really is a 16-stencil
  // The 8-neighbour stencil is off by up to 8.2%.
  const CostDistanceResult r8 = cost_distance(f, one_seed(f.grid(), 30, 30));
  const double e8 = std::hypot(30.0, 12.0) * cell * friction;
  EXPECT_GT((r8.accumulated.at(60, 42) - e8) / e8, 0.07);
}

// Tobler's hiking function, 6 exp(-3.5 |tan(theta) + 0.05|) km/h: uphill is slower than downhill.
struct Tobler {
  const Raster<float>* dem;
  double operator()(CellIndex from, CellIndex to, int k) const {
    const double d = move_length(dem->grid(), k);
    const double slope = (static_cast<double>((*dem)[to]) - (*dem)[from]) / d;
    const double kmh = 6.0 * std::exp(-3.5 * std::abs(slope + 0.05));
    return d / (kmh / 3.6);  // seconds
  }
};

TEST(CostDistance, AnisotropicCostsDependOnDirection) {
  const Grid g = plain_grid(30, 9, 20.0);
  Raster<float> slope(g), flat(g, 100.0F);
  for (std::int64_t row = 0; row < 9; ++row)
    for (std::int64_t col = 0; col < 30; ++col) slope.at(col, row) = static_cast<float>(5.0 * static_cast<double>(col));
  const CellIndex a = g.index(2, 4), b = g.index(27, 4);
  for (const auto nb : {Neighbourhood::queen8, Neighbourhood::knight16}) {
    CostDistanceOptions o;
    o.neighbourhood = nb;
    const double up = cost_distance(g, std::vector<Seed>{{a, 0}}, Tobler{&slope}, o).accumulated[b];
    const double down = cost_distance(g, std::vector<Seed>{{b, 0}}, Tobler{&slope}, o).accumulated[a];
    // 25% grade: 6 exp(-3.5 * 0.30) = 2.10 km/h uphill, 6 exp(-3.5 * 0.20) = 2.98 km/h downhill.
    EXPECT_GT(up, down * 1.3) << "uphill must be slower, " << static_cast<int>(nb);
    EXPECT_NEAR(up, 25 * 20.0 / (6.0 * std::exp(-3.5 * 0.30) / 3.6), 1e-9 * up);
    const double there = cost_distance(g, std::vector<Seed>{{a, 0}}, Tobler{&flat}, o).accumulated[b];
    const double back = cost_distance(g, std::vector<Seed>{{b, 0}}, Tobler{&flat}, o).accumulated[a];
    EXPECT_NEAR(there, back, 1e-12 * there);
    EXPECT_NEAR(there, 25 * 20.0 / (6.0 * std::exp(-3.5 * 0.05) / 3.6), 1e-9);
  }
}

TEST(CostDistance, SeedsStartCostsAndMaxCost) {
  Raster<float> f(plain_grid(10, 1), 1.0F);
  // Seeds at both ends; the right one starts at 3.5, so the left one wins up to cell 6.
  const std::vector<Seed> seeds = {{0, 0.0}, {9, 3.5}};
  const CostDistanceResult r = cost_distance(f, seeds);
  const double expected[10] = {0, 1, 2, 3, 4, 5, 6, 5.5, 4.5, 3.5};
  for (CellIndex i = 0; i < 10; ++i) EXPECT_EQ(r.accumulated[i], expected[i]) << i;
  EXPECT_EQ(r.backlinks[9], kNoBacklink);
  EXPECT_EQ(r.backlinks[7], 6);  // from the east (move W)
  EXPECT_EQ(r.backlinks[6], 2);  // from the west (move E)

  // A seed whose start cost a neighbour beats is an ordinary cell.
  const CostDistanceResult beaten = cost_distance(f, std::vector<Seed>{{0, 0.0}, {1, 5.0}});
  EXPECT_EQ(beaten.accumulated[1], 1.0);
  EXPECT_EQ(beaten.backlinks[1], 2);
  // A repeated seed keeps its lowest start cost.
  const CostDistanceResult twice = cost_distance(f, std::vector<Seed>{{4, 2.0}, {4, 0.5}});
  EXPECT_EQ(twice.accumulated[4], 0.5);

  CostDistanceOptions o;
  o.max_cost = 4.0;
  const CostDistanceResult capped = cost_distance(f, std::vector<Seed>{{0, 0.0}}, o);
  for (CellIndex i = 0; i < 10; ++i) {
    EXPECT_EQ(std::isnan(capped.accumulated[i]), i > 4) << i;
    EXPECT_EQ(capped.backlinks.valid(i), i <= 4) << i;
  }
  EXPECT_EQ(capped.settled, 5);
}

TEST(CostDistance, SeedOnAnImpassableCellIsAnIsolatedSource) {
  Raster<float> f(plain_grid(5, 5), 1.0F);
  f.at(2, 2) = std::nanf("");
  const CostDistanceResult r = cost_distance(f, one_seed(f.grid(), 2, 2));
  EXPECT_EQ(r.accumulated.at(2, 2), 0.0);
  EXPECT_EQ(r.backlinks.at(2, 2), kNoBacklink);
  EXPECT_TRUE(r.backlinks.valid(f.grid().index(2, 2)));
  EXPECT_EQ(r.settled, 1);
  EXPECT_TRUE(std::isnan(r.accumulated.at(1, 2)));
}

TEST(CostDistance, ProgressIsReportedAndCanCancel) {
  Raster<float> f(plain_grid(200, 200), 1.0F);
  int calls = 0;
  double last = -1;
  CostDistanceOptions o;
  o.progress = [&](double fraction, std::string_view) {
    ++calls;
    EXPECT_GE(fraction, last);
    last = fraction;
    return true;
  };
  cost_distance(f, one_seed(f.grid(), 0, 0), o);
  EXPECT_GE(calls, 50);
  EXPECT_LE(calls, 102);
  EXPECT_EQ(last, 1.0);

  o.progress = [](double fraction, std::string_view) { return fraction < 0.3; };
  for (const bool reference : {false, true}) {
    try {
      if (reference) cost_distance_reference(f.grid(), one_seed(f.grid(), 0, 0), IsotropicFriction(f), o);
      else cost_distance(f, one_seed(f.grid(), 0, 0), o);
      ADD_FAILURE() << "not cancelled";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::stage);
      EXPECT_NE(std::string(e.what()).find("cost distance: cancelled after"), std::string::npos) << e.what();
    }
  }
}

TEST(CostDistance, AllNaNFrictionIsAClearError) {
  Raster<float> f(plain_grid(4, 4));  // all NaN
  try {
    cost_distance(f, one_seed(f.grid(), 1, 1));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input_data);
    EXPECT_STREQ(e.what(), "cost distance: the cost raster has no passable cell (every cell is NaN or <= 0)");
  }
  Raster<float> zeros(plain_grid(4, 4), 0.0F);
  EXPECT_THROW(cost_distance(zeros, one_seed(zeros.grid(), 1, 1)), Error);
}

TEST(CostDistance, SeedOutsideTheGridNamesTheCell) {
  Raster<float> f(plain_grid(10, 10), 1.0F);
  for (const bool reference : {false, true}) {
    try {
      const std::vector<Seed> seeds = {{100, 0.0}};
      if (reference) cost_distance_reference(f.grid(), seeds, IsotropicFriction(f));
      else cost_distance(f, seeds);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::input_data);
      EXPECT_STREQ(e.what(), "cost distance: seed cell 100 (column 0, row 10) is outside the 10 x 10 grid (valid "
                             "cells 0..99)");
    }
  }
  try {
    cost_distance(f, std::vector<Seed>{{-3, 0.0}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cost distance: seed cell -3 is outside the 10 x 10 grid (valid cells 0..99)");
  }
}

TEST(CostDistance, BadStartCostMaxCostAndNegativeEdgeCostAreErrors) {
  Raster<float> f(plain_grid(6, 6), 1.0F);
  try {
    cost_distance(f, std::vector<Seed>{{7, -1.0}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input_data);
    EXPECT_STREQ(e.what(), "cost distance: seed cell 7 (column 1, row 1) has start cost -1; start costs must be "
                           "finite and >= 0");
  }
  CostDistanceOptions o;
  o.max_cost = kNaN;
  try {
    cost_distance(f, one_seed(f.grid(), 0, 0), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_STREQ(e.what(), "cost distance: max_cost is NaN; give a number or infinity");
  }
  auto negative = [](CellIndex, CellIndex, int k) { return k == 2 ? -1.0 : 1.0; };
  for (const bool reference : {false, true}) {
    try {
      if (reference) cost_distance_reference(f.grid(), one_seed(f.grid(), 0, 0), negative);
      else cost_distance(f.grid(), one_seed(f.grid(), 0, 0), negative);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::input_data);
      EXPECT_STREQ(e.what(), "cost distance: the cost of move 2 from cell (column 0, row 0) to (column 1, row 0) is "
                             "-1; edge costs must be >= 0 (or +inf/NaN for impossible moves)");
    }
  }
}

TEST(CostDistance, GridSidesBeyondTheQueueEntryRangeAreRejectedBeforeAllocating) {
  const Grid huge = plain_grid(std::int64_t{1} << 31, 2);
  try {
    cost_distance(huge, std::vector<Seed>{{0, 0.0}}, [](CellIndex, CellIndex, int) { return 1.0; });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input_data);
    EXPECT_NE(std::string(e.what()).find("each side must be below 2^31"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nexusmap

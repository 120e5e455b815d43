// SPDX-License-Identifier: MIT
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/core/error.hpp"
#include "rasters/cost/least_cost_path.hpp"

namespace nexusmap {
namespace {

Grid plain_grid(std::int64_t w, std::int64_t h, double cell = 1.0) {
  return Grid::north_up("", 0.0, static_cast<double>(h) * cell, cell, w, h);
}

std::string error_text(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Every path is connected by stencil moves, runs from the cell to a source, and the costs of its
// moves, summed from the source in path order, give the accumulated cost bit for bit (the back-link
// is the argmin that produced the cost).
TEST(LeastCostPath, TracedPathsAreConnectedAndSumToTheAccumulatedCost) {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    const std::int64_t w = std::uniform_int_distribution<std::int64_t>(2, 40)(rng);
    const std::int64_t h = std::uniform_int_distribution<std::int64_t>(2, 40)(rng);
    Raster<float> f(plain_grid(w, h, 30.0));
    for (CellIndex i = 0; i < f.size(); ++i)
      f[i] = std::uniform_real_distribution<double>(0, 1)(rng) < 0.15 ? std::nanf("")
                                                                      : std::uniform_real_distribution<float>(0.2F, 4.0F)(rng);
    std::vector<Seed> seeds = {{std::uniform_int_distribution<CellIndex>(0, f.size() - 1)(rng), 0.0},
                               {std::uniform_int_distribution<CellIndex>(0, f.size() - 1)(rng), 100.0}};
    CostDistanceOptions o;
    o.neighbourhood = seed % 2 ? Neighbourhood::queen8 : Neighbourhood::knight16;
    const IsotropicFriction cost(f);
    if (cost.passable_cells() == 0) continue;
    const CostDistanceResult r = cost_distance(f, seeds, o);
    const Grid& g = f.grid();
    for (CellIndex cell = 0; cell < g.cells(); ++cell) {
      const std::vector<CellIndex> path = trace_back(r.backlinks, cell);
      if (std::isnan(r.accumulated[cell])) {
        ASSERT_TRUE(path.empty()) << "seed " << seed << " size " << w << "x" << h << " cell " << cell;
        continue;
      }
      ASSERT_FALSE(path.empty()) << "seed " << seed << " size " << w << "x" << h << " cell " << cell;
      ASSERT_EQ(path.front(), cell);
      const CellIndex source = path.back();
      ASSERT_EQ(r.backlinks[source], kNoBacklink);
      double sum = seeds[0].cell == source ? seeds[0].start_cost : seeds[1].start_cost;
      for (std::size_t i = path.size() - 1; i > 0; --i) {
        const Cell a = g.cell(path[i]), b = g.cell(path[i - 1]);
        int move = -1;
        for (int k = 0; k < static_cast<int>(o.neighbourhood); ++k)
          if (stencil_moves()[static_cast<std::size_t>(k)].dc == b.col - a.col &&
              stencil_moves()[static_cast<std::size_t>(k)].dr == b.row - a.row)
            move = k;
        ASSERT_GE(move, 0) << "seed " << seed << " size " << w << "x" << h << ": path not connected at cell "
                           << path[i];
        sum += cost(path[i], path[i - 1], move);
      }
      ASSERT_EQ(sum, r.accumulated[cell]) << "seed " << seed << " size " << w << "x" << h << " cell " << cell;
    }
  }
}

TEST(LeastCostPath, HandMadeBacklinks) {
  // 4x1: source at 0, then each cell from its western neighbour (move E = 2); cell 3 unreached.
  Raster<std::uint8_t> bl(plain_grid(4, 1), kNoBacklink);
  bl[1] = 2;
  bl[2] = 2;
  bl.mask().assign(4, 1);
  bl.mask()[3] = 0;
  EXPECT_EQ(trace_back(bl, 2), (std::vector<CellIndex>{2, 1, 0}));
  EXPECT_EQ(trace_back(bl, 0), (std::vector<CellIndex>{0}));
  EXPECT_TRUE(trace_back(bl, 3).empty());
  EXPECT_DOUBLE_EQ(path_length(bl.grid(), std::vector<CellIndex>{2, 1, 0}), 2.0);
  // A knight's move and a diagonal: (0,0) -> (1,2) -> (2,3) on 10 m cells.
  const Grid g = plain_grid(3, 4, 10.0);
  EXPECT_DOUBLE_EQ(path_length(g, std::vector<CellIndex>{g.index(0, 0), g.index(1, 2), g.index(2, 3)}),
                   10.0 * std::sqrt(5.0) + 10.0 * std::sqrt(2.0));
}

TEST(LeastCostPath, BadBacklinksAreClearErrors) {
  Raster<std::uint8_t> bl(plain_grid(3, 1), kNoBacklink);
  bl[1] = 40;
  EXPECT_EQ(error_text([&] { trace_back(bl, 1); }),
            "least-cost path: back-link 40 at column 1, row 0 is not a move (0..15, or 255 for a source); is this a "
            "back-link raster of nexusmap cost-distance?");
  bl[1] = 0;  // N from row 0 leaves the grid
  EXPECT_EQ(error_text([&] { trace_back(bl, 1); }),
            "least-cost path: back-link 0 at column 1, row 0 points outside the grid");
  bl[1] = 2;  // from the west, i.e. cell 0
  bl[0] = 6;  // from the east, i.e. cell 1: a cycle
  EXPECT_EQ(error_text([&] { trace_back(bl, 1); }),
            "least-cost path: the back-links from column 1, row 0 form a cycle (tied zero-cost moves)");
  bl[0] = kNoBacklink;
  bl.mask().assign(3, 1);
  bl.mask()[0] = 0;
  EXPECT_EQ(error_text([&] { trace_back(bl, 1); }),
            "least-cost path: back-link 2 at column 1, row 0 points to an unreached cell");
  EXPECT_EQ(error_text([&] { trace_back(bl, 3); }), "least-cost path: cell 3 is outside the 3 x 1 grid");
}

}  // namespace
}  // namespace nexusmap

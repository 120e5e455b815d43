// SPDX-License-Identifier: MIT
// Types shared by the cost-distance methods (dijkstra_buckets.hpp, dijkstra_reference.hpp) and path
// tracing (least_cost_path.hpp): the move stencil, seeds, options, results. Include
// rasters/cost_distance.hpp rather than this header.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "rasters/core/grid.hpp"
#include "rasters/core/progress.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class Neighbourhood : int { queen8 = 8, knight16 = 16 };

// A move from a cell to the cell dc columns east and dr rows south of it.
struct Move {
  int dc, dr;
};

// Moves 0..7 are the 8 neighbours clockwise from north: N, NE, E, SE, S, SW, W, NW.
// Moves 8..15 are the knight's moves clockwise from north: NNE, ENE, ESE, SSE, SSW, WSW, WNW, NNW.
// In both groups the opposite of move k is k + 4 (mod 8 within the group).
inline constexpr std::array<Move, 16> kStencilMoves{{
    {0, -1}, {1, -1}, {1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1},
    {1, -2}, {2, -1}, {2, 1}, {1, 2}, {-1, 2}, {-2, 1}, {-2, -1}, {-1, -2},
}};

// The fixed, documented move order above.
const std::array<Move, 16>& stencil_moves();

struct Seed {
  CellIndex cell;
  double start_cost = 0;
};

struct CostDistanceOptions {
  Neighbourhood neighbourhood = Neighbourhood::queen8;
  double max_cost = std::numeric_limits<double>::infinity();  // cells costlier than this stay unreached
  bool backlinks = true;
  ProgressFn progress;  // optional; called about every 1% of the grid's cells; returning false cancels
  // Optional promise: every edge cost is >= this (> 0 lets the fast method use quantised keys;
  // see dijkstra_buckets.hpp). A smaller cost met during the search throws Error(input_data). An
  // edge-cost functor can state its own bound with a member min_edge_cost(); the larger one is used.
  double min_edge_cost = 0;
};

// Back-link of sources and unreached cells.
inline constexpr std::uint8_t kNoBacklink = 255;

struct CostDistanceResult {
  Raster<double> accumulated;      // accumulated cost in double; NaN = unreached
  Raster<std::uint8_t> backlinks;  // k: the predecessor of c is (col - moves[k].dc, row - moves[k].dr);
                                   // kNoBacklink for sources/unreached. Empty when options.backlinks is false.
  std::int64_t settled = 0;        // cells whose cost was finalised (= reached cells)
};

// The two cells a knight's move k (8..15) from `from` passes between: for a move of one column and
// two rows, the two cells of the middle row in the columns of `from` and of the target; for two
// columns and one row, the two cells of the middle column in the rows of `from` and of the target.
std::pair<CellIndex, CellIndex> knight_intermediates(const Grid& grid, CellIndex from, int k);

// Distance in map units between the centres of a cell and its neighbour by move k.
double move_length(const Grid& grid, int k);

namespace detail {

// Checks and normalises seeds: every cell inside the grid (else Error(input_data) naming the cell),
// start costs finite and >= 0, duplicates merged keeping the lowest start cost; sorted by cell.
std::vector<Seed> prepare_seeds(const Grid& grid, std::span<const Seed> seeds);

// Checks the grid and options shared by every method (Error(config) for a NaN max_cost).
void check_cost_distance_input(const Grid& grid, const CostDistanceOptions& options);

// Linear index offsets of the 16 moves on `grid` (row * width + col).
std::array<std::int64_t, 16> move_offsets(const Grid& grid);

// Error(stage) for a progress callback that asked to stop.
[[noreturn]] void throw_cancelled(std::int64_t settled, CellIndex cells);

// Error(input_data) for an edge cost below zero.
[[noreturn]] void throw_negative_cost(const Grid& grid, CellIndex from, CellIndex to, int k, double cost);

// Error(input_data) for an edge cost below the promised lower bound (below zero when the bound is 0).
[[noreturn]] void throw_edge_cost_below(const Grid& grid, CellIndex from, CellIndex to, int k, double cost,
                                        double bound);

// Error(input_data) for an accumulated cost beyond 2^53 buckets of width `bucket`.
[[noreturn]] void throw_bucket_range(double cost, double bucket);

}  // namespace detail
}  // namespace nexusmap

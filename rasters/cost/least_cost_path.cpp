// SPDX-License-Identifier: MIT
#include "rasters/cost/least_cost_path.hpp"

#include <cmath>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {

std::vector<CellIndex> trace_back(const Raster<std::uint8_t>& backlinks, CellIndex cell) {
  const Grid& grid = backlinks.grid();
  if (cell < 0 || cell >= grid.cells())
    input_error(fmt::format("least-cost path: cell {} is outside the {} x {} grid", cell, grid.width, grid.height));
  std::vector<CellIndex> path;
  if (!backlinks.valid(cell)) return path;
  // A path visits each cell at most once, so a longer walk means the links cycle.
  for (CellIndex steps = 0; steps <= grid.cells(); ++steps) {
    path.push_back(cell);
    const std::uint8_t k = backlinks[cell];
    if (k == kNoBacklink) return path;
    const Cell c = grid.cell(cell);
    if (k >= kStencilMoves.size()) {
      input_error(fmt::format("least-cost path: back-link {} at column {}, row {} is not a move (0..15, or {} for a "
                              "source); is this a back-link raster of nexusmap cost-distance?",
                              k, c.col, c.row, kNoBacklink));
    }
    const Move m = kStencilMoves[k];
    const std::int64_t col = c.col - m.dc;
    const std::int64_t row = c.row - m.dr;
    if (!grid.inside(col, row))
      input_error(fmt::format("least-cost path: back-link {} at column {}, row {} points outside the grid", k, c.col,
                              c.row));
    cell = grid.index(col, row);
    if (!backlinks.valid(cell))
      input_error(fmt::format("least-cost path: back-link {} at column {}, row {} points to an unreached cell", k,
                              c.col, c.row));
  }
  const Cell c = grid.cell(path.front());
  input_error(fmt::format("least-cost path: the back-links from column {}, row {} form a cycle (tied zero-cost "
                          "moves)",
                          c.col, c.row));
}

double path_length(const Grid& grid, std::span<const CellIndex> path) {
  double length = 0;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Cell a = grid.cell(path[i - 1]);
    const Cell b = grid.cell(path[i]);
    length += std::hypot(static_cast<double>(b.col - a.col) * grid.dx(), static_cast<double>(b.row - a.row) * grid.dy());
  }
  return length;
}

}  // namespace nexusmap

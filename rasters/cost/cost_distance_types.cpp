// SPDX-License-Identifier: MIT
#include "rasters/cost/cost_distance_types.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {

const std::array<Move, 16>& stencil_moves() { return kStencilMoves; }

std::pair<CellIndex, CellIndex> knight_intermediates(const Grid& grid, CellIndex from, int k) {
  if (k < 8 || k > 15) fail(ErrorKind::internal, fmt::format("knight_intermediates: move {} is not a knight's move", k));
  const Move m = kStencilMoves[static_cast<std::size_t>(k)];
  const Cell c = grid.cell(from);
  if (std::abs(m.dr) == 2) {
    const std::int64_t row = c.row + m.dr / 2;
    return {grid.index(c.col, row), grid.index(c.col + m.dc, row)};
  }
  const std::int64_t col = c.col + m.dc / 2;
  return {grid.index(col, c.row), grid.index(col, c.row + m.dr)};
}

double move_length(const Grid& grid, int k) {
  const Move m = kStencilMoves[static_cast<std::size_t>(k)];
  return std::hypot(static_cast<double>(m.dc) * grid.dx(), static_cast<double>(m.dr) * grid.dy());
}

namespace detail {

void check_cost_distance_input(const Grid& grid, const CostDistanceOptions& options) {
  if (grid.width <= 0 || grid.height <= 0)
    input_error(fmt::format("cost distance: the grid is empty ({} x {} cells)", grid.width, grid.height));
  // Queue entries hold the column and row in 32 bits each; cell indices stay 64-bit.
  constexpr std::int64_t kMaxSide = std::int64_t{1} << 31;
  if (grid.width >= kMaxSide || grid.height >= kMaxSide)
    input_error(fmt::format("cost distance: the grid is {} x {} cells; each side must be below 2^31",
                            grid.width, grid.height));
  if (std::isnan(options.max_cost)) config_error("cost distance: max_cost is NaN; give a number or infinity");
  if (options.neighbourhood != Neighbourhood::queen8 && options.neighbourhood != Neighbourhood::knight16)
    config_error(fmt::format("cost distance: neighbourhood must be 8 or 16, not {}",
                             static_cast<int>(options.neighbourhood)));
}

std::vector<Seed> prepare_seeds(const Grid& grid, std::span<const Seed> seeds) {
  std::vector<Seed> out(seeds.begin(), seeds.end());
  for (const Seed& s : out) {
    if (s.cell < 0 || s.cell >= grid.cells()) {
      const std::int64_t row = s.cell >= 0 ? s.cell / grid.width : -1;
      input_error(fmt::format("cost distance: seed cell {}{} is outside the {} x {} grid (valid cells 0..{})", s.cell,
                              row >= 0 ? fmt::format(" (column {}, row {})", s.cell % grid.width, row) : "",
                              grid.width, grid.height, grid.cells() - 1));
    }
    if (!std::isfinite(s.start_cost) || s.start_cost < 0) {
      const Cell c = grid.cell(s.cell);
      input_error(fmt::format("cost distance: seed cell {} (column {}, row {}) has start cost {}; start costs must be "
                              "finite and >= 0",
                              s.cell, c.col, c.row, s.start_cost));
    }
  }
  for (Seed& s : out) s.start_cost += 0.0;  // -0 becomes +0: queue keys are the bits of non-negative doubles
  std::sort(out.begin(), out.end(), [](const Seed& a, const Seed& b) {
    return a.cell != b.cell ? a.cell < b.cell : a.start_cost < b.start_cost;
  });
  out.erase(std::unique(out.begin(), out.end(), [](const Seed& a, const Seed& b) { return a.cell == b.cell; }),
            out.end());
  return out;
}

std::array<std::int64_t, 16> move_offsets(const Grid& grid) {
  std::array<std::int64_t, 16> off{};
  for (std::size_t k = 0; k < off.size(); ++k) off[k] = kStencilMoves[k].dr * grid.width + kStencilMoves[k].dc;
  return off;
}

void throw_cancelled(std::int64_t settled, CellIndex cells) {
  fail(ErrorKind::stage, fmt::format("cost distance: cancelled after {} of {} cells", settled, cells));
}

void throw_negative_cost(const Grid& grid, CellIndex from, CellIndex to, int k, double cost) {
  const Cell a = grid.cell(from);
  const Cell b = grid.cell(to);
  input_error(fmt::format("cost distance: the cost of move {} from cell (column {}, row {}) to (column {}, row {}) is "
                          "{}; edge costs must be >= 0 (or +inf/NaN for impossible moves)",
                          k, a.col, a.row, b.col, b.row, cost));
}

void throw_edge_cost_below(const Grid& grid, CellIndex from, CellIndex to, int k, double cost, double bound) {
  if (cost < 0 || bound <= 0) throw_negative_cost(grid, from, to, k, cost);
  const Cell a = grid.cell(from);
  const Cell b = grid.cell(to);
  input_error(fmt::format("cost distance: the cost of move {} from cell (column {}, row {}) to (column {}, row {}) is "
                          "{}, below the promised minimum edge cost {}",
                          k, a.col, a.row, b.col, b.row, cost, bound));
}

void throw_bucket_range(double cost, double bucket) {
  input_error(fmt::format("cost distance: accumulated cost {} is more than 2^53 times the minimum edge cost {}; "
                          "rescale the costs",
                          cost, bucket));
}

}  // namespace detail
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// k alternative routes by iterative penalties: after each route, the time of moves touching its cells
// (and a buffer around them) is multiplied by a factor and the least-cost path is recomputed, so the
// next route prefers other valleys (the "penalty method" for alternative paths: de la Barra, Perez &
// Anez 1993, "Multidimensional path search and assignment", PTRC; Akgün, Erkut & Batta 2000,
// doi:10.1016/S0377-2217(99)00192-2). Each route's cost is re-evaluated with the unpenalised costs.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

struct AlternativeRoutesOptions {
  int routes = 3;                // the least-cost route counts as the first
  double penalty = 3.0;          // multiplier of move times on and near earlier routes
  std::int64_t buffer_cells = 1; // cells around a route penalised too
  Neighbourhood neighbourhood = Neighbourhood::queen8;
};

struct Route {
  int rank = 0;             // 1 = least cost
  std::vector<CellIndex> cells;  // destination first, source last (as traced)
  double cost = 0;          // with the unpenalised costs
};

// The move index from cell a to its neighbour b, or -1.
inline int move_between(const Grid& grid, CellIndex a, CellIndex b) {
  const Cell ca = grid.cell(a), cb = grid.cell(b);
  const auto& moves = stencil_moves();
  for (int k = 0; k < 16; ++k)
    if (ca.col + moves[static_cast<std::size_t>(k)].dc == cb.col && ca.row + moves[static_cast<std::size_t>(k)].dr == cb.row)
      return k;
  return -1;
}

// Sum of edge costs along a traced path (destination first), walked from the source end.
template <class EdgeCost>
double path_cost(const Grid& grid, const std::vector<CellIndex>& cells, const EdgeCost& edge) {
  double total = 0;
  for (std::size_t i = cells.size(); i-- > 1;) total += edge(cells[i], cells[i - 1], move_between(grid, cells[i], cells[i - 1]));
  return total;
}

// Up to options.routes distinct routes from the seeds to `destination`, in order of discovery; a
// route identical to an earlier one ends the search (there is no further alternative).
// `least_cost_route` is the first route when the caller has it already (traced from its own
// cost-distance run with the same seeds and edges); otherwise it is computed.
// Each search stops at the penalised cost of the cheapest earlier route — an upper bound of the new
// route's cost, so the result is exact while cells beyond it are never settled.
template <class EdgeCost>
std::vector<Route> alternative_routes(const Grid& grid, std::span<const Seed> seeds, CellIndex destination,
                                      const EdgeCost& edge, const AlternativeRoutesOptions& options,
                                      const std::vector<CellIndex>& least_cost_route = {}) {
  std::vector<Route> routes;
  std::vector<float> weight(static_cast<std::size_t>(grid.cells()), 1.0F);
  const auto penalised = [&](CellIndex a, CellIndex b, int k) {
    const double w = std::max(weight[static_cast<std::size_t>(a)], weight[static_cast<std::size_t>(b)]);
    return edge(a, b, k) * w;
  };
  CostDistanceOptions cd;
  cd.neighbourhood = options.neighbourhood;
  for (int r = 0; r < options.routes; ++r) {
    Route route;
    route.rank = r + 1;
    if (r == 0 && !least_cost_route.empty()) {
      route.cells = least_cost_route;
    } else {
      cd.max_cost = std::numeric_limits<double>::infinity();
      for (const auto& earlier : routes) {
        const double bound = path_cost(grid, earlier.cells, penalised);
        cd.max_cost = std::min(cd.max_cost, bound * (1 + 1e-9));
      }
      const CostDistanceResult res = cost_distance(grid, seeds, penalised, cd);
      route.cells = trace_back(res.backlinks, destination);
    }
    if (route.cells.empty()) break;
    bool repeated = false;
    for (const auto& earlier : routes) repeated = repeated || earlier.cells == route.cells;
    if (repeated) break;
    route.cost = path_cost(grid, route.cells, edge);
    // Each cell near the route is penalised once per route, however many route cells it is near.
    std::vector<CellIndex> near;
    for (CellIndex c : route.cells) {
      const Cell cc = grid.cell(c);
      for (std::int64_t dr = -options.buffer_cells; dr <= options.buffer_cells; ++dr)
        for (std::int64_t dc = -options.buffer_cells; dc <= options.buffer_cells; ++dc)
          if (grid.inside(cc.col + dc, cc.row + dr)) near.push_back(grid.index(cc.col + dc, cc.row + dr));
    }
    std::sort(near.begin(), near.end());
    near.erase(std::unique(near.begin(), near.end()), near.end());
    for (CellIndex c : near) weight[static_cast<std::size_t>(c)] *= static_cast<float>(options.penalty);
    routes.push_back(std::move(route));
  }
  return routes;
}

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Reference cost distance: textbook multi-source Dijkstra with a std::priority_queue (binary heap,
// lazy deletion) over the implicit 8/16-neighbour stencil, and back-links chosen afterwards straight
// from their definition.
//   E.W. Dijkstra, "A note on two problems in connexion with graphs", Numerische Mathematik 1, 269-271,
//   1959, doi:10.1007/BF01386390.
// Written for obviousness, not speed: the tests compare the fast method (dijkstra_buckets.hpp) with it
// bit for bit, and the benchmark uses it as the plain-heap baseline. Semantics as in cost_distance.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <span>
#include <utility>
#include <vector>

#include "rasters/cost/cost_distance_types.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {

template <class EdgeCost>
CostDistanceResult cost_distance_reference(const Grid& grid, std::span<const Seed> seeds, EdgeCost&& edge_cost,
                                           const CostDistanceOptions& options = {}) {
  detail::check_cost_distance_input(grid, options);
  const std::vector<Seed> sources = detail::prepare_seeds(grid, seeds);
  const int moves = static_cast<int>(options.neighbourhood);
  const auto& stencil = stencil_moves();
  const CellIndex n = grid.cells();
  constexpr double inf = std::numeric_limits<double>::infinity();

  std::vector<double> dist(static_cast<std::size_t>(n), inf);
  std::vector<std::uint8_t> done(static_cast<std::size_t>(n), 0);
  using Item = std::pair<double, CellIndex>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  for (const Seed& s : sources) {
    if (s.start_cost <= options.max_cost) {
      dist[static_cast<std::size_t>(s.cell)] = s.start_cost;
      queue.emplace(s.start_cost, s.cell);
    }
  }

  // Calls f(neighbour, k) for every in-grid neighbour of `cell` reached by move k from it.
  auto neighbours_from = [&](CellIndex cell, auto&& f) {
    const Cell c = grid.cell(cell);
    for (int k = 0; k < moves; ++k) {
      const Move m = stencil[static_cast<std::size_t>(k)];
      if (grid.inside(c.col + m.dc, c.row + m.dr)) f(grid.index(c.col + m.dc, c.row + m.dr), k);
    }
  };

  CostDistanceResult result;
  const std::int64_t report_every = std::max<std::int64_t>(1, n / 100);
  while (!queue.empty()) {
    const auto [d, u] = queue.top();
    queue.pop();
    if (done[static_cast<std::size_t>(u)]) continue;
    done[static_cast<std::size_t>(u)] = 1;
    ++result.settled;
    if (options.progress && result.settled % report_every == 0 &&
        !options.progress(static_cast<double>(result.settled) / static_cast<double>(n), "cost distance"))
      detail::throw_cancelled(result.settled, n);
    neighbours_from(u, [&](CellIndex v, int k) {
      const double w = edge_cost(u, v, k);
      if (w < 0) detail::throw_negative_cost(grid, u, v, k, w);
      const double cand = d + w;
      if (cand < dist[static_cast<std::size_t>(v)] && cand <= options.max_cost) {
        dist[static_cast<std::size_t>(v)] = cand;
        queue.emplace(cand, v);
      }
    });
  }

  if (options.backlinks) {
    // The predecessor of v: the neighbour u minimising fl(dist[u] + w(u, v)), ties to the smaller cell
    // index; a seed whose start cost no neighbour beats is a source.
    Raster<std::uint8_t> links(grid, kNoBacklink);
    links.mask().assign(static_cast<std::size_t>(n), 1);
    for (CellIndex v = 0; v < n; ++v) {
      if (!done[static_cast<std::size_t>(v)]) {
        links.mask()[static_cast<std::size_t>(v)] = 0;  // unreached
        continue;
      }
      // `sources` is sorted by cell.
      const auto seed = std::lower_bound(sources.begin(), sources.end(), v,
                                         [](const Seed& s, CellIndex cell) { return s.cell < cell; });
      double best = seed != sources.end() && seed->cell == v ? seed->start_cost : inf;
      int best_k = -1;
      CellIndex best_u = -1;
      const Cell c = grid.cell(v);
      for (int k = 0; k < moves; ++k) {
        const Move m = stencil[static_cast<std::size_t>(k)];
        if (!grid.inside(c.col - m.dc, c.row - m.dr)) continue;
        const CellIndex u = grid.index(c.col - m.dc, c.row - m.dr);
        if (!done[static_cast<std::size_t>(u)]) continue;
        const double cand = dist[static_cast<std::size_t>(u)] + edge_cost(u, v, k);
        if (cand < best || (cand == best && best_k >= 0 && u < best_u)) {
          best = cand;
          best_k = k;
          best_u = u;
        }
      }
      if (best != dist[static_cast<std::size_t>(v)])
        fail(ErrorKind::internal, "cost_distance_reference: a settled cost is not the minimum over its neighbours");
      if (best_k >= 0) links[v] = static_cast<std::uint8_t>(best_k);
    }
    result.backlinks = std::move(links);
  }
  for (CellIndex v = 0; v < n; ++v)
    if (!done[static_cast<std::size_t>(v)]) dist[static_cast<std::size_t>(v)] = std::numeric_limits<double>::quiet_NaN();
  result.accumulated = Raster<double>(grid, std::move(dist));
  return result;
}

}  // namespace nexusmap

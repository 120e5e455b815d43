// SPDX-License-Identifier: MIT
// Route frequency under uncertain costs: N Monte Carlo draws, each multiplying the move times by a
// spatially correlated log-normal noise field (and crossing times by a per-crossing log-normal factor),
// recomputing the least-cost paths; the value of a cell is the share of draws whose path uses it.
// Correlated noise moves whole route sections between valleys, which is the uncertainty that matters
// for corridor breadth (cf. stochastic least-cost paths, Pinto & Keitt 2009, doi:10.1007/s10980-008-9303-y).
// Draws are independent OpenMP tasks, each seeded from (seed, draw), so results do not depend on the
// number of threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

struct RouteFrequencyOptions {
  int draws = 50;
  std::uint64_t seed = 1;
  double sigma = 0.3;               // sd of log(multiplier) of move times
  double correlation_cells = 20;    // spacing of the noise lattice (cells)
  double crossing_sigma = 0.5;      // sd of log(multiplier) of each crossing's time
  Neighbourhood neighbourhood = Neighbourhood::queen8;
};

// A deterministic 64-bit seed for draw i (splitmix64 of seed and i).
inline std::uint64_t draw_seed(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (i + 1);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

// Smooth unit-variance Gaussian field: normals on a lattice every `spacing` cells, bilinearly
// interpolated and rescaled so every cell has variance 1; returns exp(sigma * field).
inline std::vector<float> lognormal_field(const Grid& grid, double spacing, double sigma, std::mt19937_64& rng) {
  spacing = std::max(1.0, spacing);
  const auto lw = static_cast<std::int64_t>(std::ceil(static_cast<double>(grid.width) / spacing)) + 2;
  const auto lh = static_cast<std::int64_t>(std::ceil(static_cast<double>(grid.height) / spacing)) + 2;
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> lattice(static_cast<std::size_t>(lw * lh));
  for (auto& v : lattice) v = normal(rng);
  std::vector<float> out(static_cast<std::size_t>(grid.cells()));
  for (std::int64_t r = 0; r < grid.height; ++r) {
    const double fy = static_cast<double>(r) / spacing;
    const auto y0 = static_cast<std::int64_t>(fy);
    const double ty = fy - static_cast<double>(y0);
    for (std::int64_t c = 0; c < grid.width; ++c) {
      const double fx = static_cast<double>(c) / spacing;
      const auto x0 = static_cast<std::int64_t>(fx);
      const double tx = fx - static_cast<double>(x0);
      const double w00 = (1 - tx) * (1 - ty), w10 = tx * (1 - ty), w01 = (1 - tx) * ty, w11 = tx * ty;
      const auto at = [&](std::int64_t x, std::int64_t y) { return lattice[static_cast<std::size_t>(y * lw + x)]; };
      const double v = w00 * at(x0, y0) + w10 * at(x0 + 1, y0) + w01 * at(x0, y0 + 1) + w11 * at(x0 + 1, y0 + 1);
      const double sd = std::sqrt(w00 * w00 + w10 * w10 + w01 * w01 + w11 * w11);
      out[static_cast<std::size_t>(grid.index(c, r))] = static_cast<float>(std::exp(sigma * v / sd));
    }
  }
  return out;
}

// make_edge(const float* noise, const float* crossing_noise) returns the edge-cost functor of one draw.
// `crossing` (may be empty) gives each crossing-zone cell its crossing index, so all cells of one
// crossing share its factor. Destinations are cells; a destination unreached in a draw adds nothing.
// `base_routes` (optional, one per destination, traced destination first) are routes without noise:
// their cost under a draw's noise bounds that draw's least costs, so its search stops there — exact,
// and much cheaper than settling the whole grid.
template <class MakeEdge>
Raster<float> route_frequency(const Grid& grid, std::span<const Seed> seeds, std::span<const CellIndex> destinations,
                              const Raster<std::int32_t>& crossing, MakeEdge&& make_edge,
                              const RouteFrequencyOptions& options,
                              std::span<const std::vector<CellIndex>> base_routes = {}) {
  const int draws = std::max(1, options.draws);
  std::vector<std::vector<CellIndex>> used(static_cast<std::size_t>(draws));
  std::int32_t crossings = 0;
  if (crossing.size() == grid.cells())
    for (CellIndex i = 0; i < crossing.size(); ++i)
      if (crossing.valid(i)) crossings = std::max(crossings, crossing[i] + 1);
  parallel_jobs(draws, [&](std::int64_t d) {
    std::mt19937_64 rng(draw_seed(options.seed, static_cast<std::uint64_t>(d)));
    const std::vector<float> noise = lognormal_field(grid, options.correlation_cells, options.sigma, rng);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<float> factor(static_cast<std::size_t>(crossings));
    for (auto& f : factor) f = static_cast<float>(std::exp(options.crossing_sigma * normal(rng)));
    std::vector<float> crossing_noise;
    if (crossings > 0) {
      crossing_noise.assign(static_cast<std::size_t>(grid.cells()), 1.0F);
      for (CellIndex i = 0; i < crossing.size(); ++i)
        if (crossing.valid(i)) crossing_noise[static_cast<std::size_t>(i)] = factor[static_cast<std::size_t>(crossing[i])];
    }
    auto edge = make_edge(noise.data(), crossing_noise.empty() ? nullptr : crossing_noise.data());
    CostDistanceOptions cd;
    cd.neighbourhood = options.neighbourhood;
    if (base_routes.size() == destinations.size() && !base_routes.empty()) {
      double bound = 0;
      for (const auto& route : base_routes) {
        double cost = 0;
        for (std::size_t i = route.size(); i-- > 1;) {
          const Cell a = grid.cell(route[i]), b = grid.cell(route[i - 1]);
          int k = -1;
          for (int m = 0; m < 16 && k < 0; ++m)
            if (a.col + stencil_moves()[static_cast<std::size_t>(m)].dc == b.col &&
                a.row + stencil_moves()[static_cast<std::size_t>(m)].dr == b.row)
              k = m;
          cost += edge(route[i], route[i - 1], k);
        }
        bound = std::max(bound, cost);
      }
      if (std::isfinite(bound)) cd.max_cost = bound * (1 + 1e-9);
    }
    const CostDistanceResult res = cost_distance(grid, seeds, edge, cd);
    std::vector<CellIndex>& cells = used[static_cast<std::size_t>(d)];
    for (CellIndex dest : destinations) {
      const auto path = trace_back(res.backlinks, dest);
      cells.insert(cells.end(), path.begin(), path.end());
    }
    std::sort(cells.begin(), cells.end());
    cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
  });
  // Merge in draw order: the counts do not depend on which thread ran which draw.
  std::vector<std::int32_t> count(static_cast<std::size_t>(grid.cells()), 0);
  for (const auto& cells : used)
    for (CellIndex c : cells) ++count[static_cast<std::size_t>(c)];
  Raster<float> freq(grid, 0.0F);
  for (CellIndex i = 0; i < freq.size(); ++i)
    freq[i] = static_cast<float>(count[static_cast<std::size_t>(i)]) / static_cast<float>(draws);
  return freq;
}

}  // namespace nexusmap

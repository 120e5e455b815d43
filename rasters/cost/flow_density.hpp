// SPDX-License-Identifier: MIT
// Flow density: expected trade along least-cost routes from weighted origins to weighted markets, by a
// gravity (spatial interaction) model, under Monte Carlo cost uncertainty.
//
// For origins o with supply w_o and markets d with demand w_d, the route o -> d is the least-cost path
// and c_od its cost; the pull of a market falls with cost as g(c) = exp(-c / s) (exponential), c^-s
// (power) or 1 (none). The flow of a pair is
//   balancing = origins (production-constrained):  f_od = w_o · w_d g(c_od) / Σ_d' w_d' g(c_od')
//   balancing = none (unconstrained):              f_od = w_o · w_d · g(c_od)
// and each route carries its pair's share f_od / Σ f. The flow density of a cell is the sum of the
// shares of the routes through it: the share of the modelled trade passing there (0..1).
//   A.G. Wilson, "A family of spatial interaction models, and associated developments", Environment
//   and Planning A 3(1), 1-32, 1971, doi:10.1068/a030001 (the gravity family and its balancing);
//   M. Medel, Y. Lu and E. Chow, "Mexico's drug networks: modeling the smuggling routes towards the
//   United States", Applied Geography 60, 240-252, 2015, doi:10.1016/j.apgeog.2014.10.017
//   (gravity-weighted least-cost route densities for trafficking corridors).
// One reversed search per market gives every origin's route to it at once: the search runs from the
// market over the reversed moves (Reversed in travel_time.hpp), so its back-links lead from each origin
// to the market and its cost at an origin is the forward cost of the route. Under cost noise
// (route_frequency.hpp's spatially correlated log-normal field and per-crossing factors) each draw
// solves the same model; a draw's search stops at the largest noisy cost of the noise-free routes,
// which bounds its least costs (noise never makes a move possible or impossible): exact, and cheaper.
// Draws are independent jobs seeded from (seed, draw) and merged in draw order, so results do not
// depend on the number of threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "rasters/core/parallel.hpp"
#include "rasters/core/raster.hpp"
#include "rasters/cost/alternative_routes.hpp"
#include "rasters/cost/cost_distance.hpp"
#include "rasters/cost/route_frequency.hpp"
#include "rasters/cost/travel_time.hpp"

namespace nexusmap {

enum class Deterrence { none, exponential, power };
enum class Balancing { origins, none };

struct FlowOrigin {
  CellIndex cell = -1;
  double weight = 1;  // supply, > 0
};

// A market is reached at any of its cells (a town's cell, a polygon's cells, the grid's northern row).
struct FlowMarket {
  std::vector<CellIndex> cells;
  double weight = 1;  // demand, > 0
};

struct FlowOptions {
  Deterrence deterrence = Deterrence::exponential;
  double scale = 48;  // exponential: the cost at which a market's pull has fallen to 1/e; power: the exponent
  Balancing balancing = Balancing::origins;
  Neighbourhood neighbourhood = Neighbourhood::knight16;
};

inline double deterrence(double cost, const FlowOptions& o) {
  switch (o.deterrence) {
    case Deterrence::none: return 1.0;
    case Deterrence::exponential: return std::exp(-cost / o.scale);
    case Deterrence::power: return cost > 0 ? std::pow(cost, -o.scale) : 1.0;
  }
  return 1.0;
}

struct OdFlow {
  double cost = std::numeric_limits<double>::quiet_NaN();  // NaN: the market is unreachable from the origin
  double share = 0;                                        // of the total flow
};

struct FlowSolution {
  Raster<float> density;                      // share of the total flow through each cell
  std::vector<OdFlow> od;                     // origin-major: od[o * markets + d]
  std::vector<std::vector<CellIndex>> routes; // the same indexing, origin first, market last; empty when unreached
  double total = 0;                           // Σ f_od before shares (0: no origin reaches any market)
};

// The shares of the pairs from their costs (od[].cost set, shares filled in); returns Σ f.
inline double balance_flows(std::span<const FlowOrigin> origins, std::span<const FlowMarket> markets,
                            std::vector<OdFlow>& od, const FlowOptions& options) {
  const std::size_t nd = markets.size();
  std::vector<double> f(od.size(), 0.0);
  double total = 0;
  for (std::size_t o = 0; o < origins.size(); ++o) {
    double pull = 0;
    for (std::size_t d = 0; d < nd; ++d) {
      const double c = od[o * nd + d].cost;
      if (std::isnan(c)) continue;
      f[o * nd + d] = markets[d].weight * deterrence(c, options);
      pull += f[o * nd + d];
    }
    for (std::size_t d = 0; d < nd; ++d) {
      double& v = f[o * nd + d];
      if (options.balancing == Balancing::origins) v = pull > 0 ? origins[o].weight * v / pull : 0.0;
      else v *= origins[o].weight;
      total += v;
    }
  }
  for (std::size_t i = 0; i < od.size(); ++i) od[i].share = total > 0 ? f[i] / total : 0.0;
  return total;
}

// The cost of a traced route (origin first) under `edge`.
template <class Edge>
double route_cost(const Grid& grid, const std::vector<CellIndex>& route, const Edge& edge) {
  double cost = 0;
  for (std::size_t i = 0; i + 1 < route.size(); ++i) cost += edge(route[i], route[i + 1], move_between(grid, route[i], route[i + 1]));
  return cost;
}

// The model under one set of costs. `bounds` (one per market, optional) caps each market's search
// at a cost no least-cost route to it exceeds (infinity: unbounded); `min_bound` is settled anyway
// (e.g. for a corridor around the routes).
template <class Edge>
FlowSolution solve_flows(const Grid& grid, std::span<const FlowOrigin> origins, std::span<const FlowMarket> markets,
                         const Edge& forward, const FlowOptions& options, std::span<const double> bounds = {}) {
  const std::size_t no = origins.size(), nd = markets.size();
  FlowSolution s;
  s.od.assign(no * nd, OdFlow{});
  s.routes.assign(no * nd, {});
  const Reversed<Edge> reversed(grid, forward);
  for (std::size_t d = 0; d < nd; ++d) {
    std::vector<Seed> seeds;
    for (CellIndex c : markets[d].cells) seeds.push_back({c, 0.0});
    CostDistanceOptions cd;
    cd.neighbourhood = options.neighbourhood;
    if (d < bounds.size()) cd.max_cost = bounds[d];
    const CostDistanceResult res = cost_distance(grid, seeds, reversed, cd);
    for (std::size_t o = 0; o < no; ++o) {
      const double c = res.accumulated[origins[o].cell];
      if (std::isnan(c)) continue;
      s.od[o * nd + d].cost = c;
      s.routes[o * nd + d] = trace_back(res.backlinks, origins[o].cell);
    }
  }
  s.total = balance_flows(origins, markets, s.od, options);
  std::vector<double> density(static_cast<std::size_t>(grid.cells()), 0.0);
  for (std::size_t i = 0; i < s.od.size(); ++i)
    if (s.od[i].share > 0)
      for (CellIndex c : s.routes[i]) density[static_cast<std::size_t>(c)] += s.od[i].share;
  s.density = Raster<float>(grid, 0.0F);
  for (CellIndex i = 0; i < s.density.size(); ++i) s.density[i] = static_cast<float>(density[static_cast<std::size_t>(i)]);
  return s;
}

struct FlowDrawOptions {
  int draws = 40;
  std::uint64_t seed = 1;
  double sigma = 0.3;             // sd of log(multiplier) of move times
  double correlation_cells = 20;  // spacing of the noise lattice (cells)
  double crossing_sigma = 0.5;    // sd of log(multiplier) of each crossing's time
};

struct FlowDrawsResult {
  Raster<float> density;          // mean over draws of the flow density
  Raster<float> frequency;        // share of draws in which a route carrying flow uses the cell
  std::vector<double> mean_share;  // per pair (as FlowSolution::od), mean over draws
  std::vector<double> mean_cost;   // per pair, mean over the draws that reach it (NaN when none)
};

// The model under `options.draws` noisy costs. make_edge(noise, crossing_noise) returns the forward
// edge cost of one draw; `crossing` (may be empty) gives each crossing-zone cell its crossing index;
// `base` is the noise-free solution (its routes bound the draws' searches).
template <class MakeEdge>
FlowDrawsResult flow_draws(const Grid& grid, std::span<const FlowOrigin> origins, std::span<const FlowMarket> markets,
                           const Raster<std::int32_t>& crossing, MakeEdge&& make_edge, const FlowOptions& options,
                           const FlowDrawOptions& draws_options, const FlowSolution& base) {
  const int draws = std::max(1, draws_options.draws);
  const std::size_t no = origins.size(), nd = markets.size();
  std::int32_t crossings = 0;
  if (crossing.size() == grid.cells())
    for (CellIndex i = 0; i < crossing.size(); ++i)
      if (crossing.valid(i)) crossings = std::max(crossings, crossing[i] + 1);
  struct Draw {
    std::vector<OdFlow> od;
    std::vector<std::vector<CellIndex>> routes;
  };
  std::vector<Draw> results(static_cast<std::size_t>(draws));
  parallel_jobs(draws, [&](std::int64_t k) {
    std::mt19937_64 rng(draw_seed(draws_options.seed, static_cast<std::uint64_t>(k)));
    const std::vector<float> noise =
        lognormal_field(grid, draws_options.correlation_cells, draws_options.sigma, rng);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<float> factor(static_cast<std::size_t>(crossings));
    for (auto& f : factor) f = static_cast<float>(std::exp(draws_options.crossing_sigma * normal(rng)));
    std::vector<float> crossing_noise;
    if (crossings > 0) {
      crossing_noise.assign(static_cast<std::size_t>(grid.cells()), 1.0F);
      for (CellIndex i = 0; i < crossing.size(); ++i)
        if (crossing.valid(i)) crossing_noise[static_cast<std::size_t>(i)] = factor[static_cast<std::size_t>(crossing[i])];
    }
    auto edge = make_edge(noise.data(), crossing_noise.empty() ? nullptr : crossing_noise.data());
    std::vector<double> bounds(nd, 0.0);
    for (std::size_t d = 0; d < nd; ++d)
      for (std::size_t o = 0; o < no; ++o)
        if (!base.routes[o * nd + d].empty())
          bounds[d] = std::max(bounds[d], route_cost(grid, base.routes[o * nd + d], edge) * (1 + 1e-9));
    FlowSolution s = solve_flows(grid, origins, markets, edge, options, bounds);
    results[static_cast<std::size_t>(k)] = Draw{std::move(s.od), std::move(s.routes)};
  });
  // Merge in draw order: the sums do not depend on which thread ran which draw.
  FlowDrawsResult out;
  std::vector<double> density(static_cast<std::size_t>(grid.cells()), 0.0);
  std::vector<std::int32_t> used(static_cast<std::size_t>(grid.cells()), 0);
  std::vector<std::int32_t> stamp(static_cast<std::size_t>(grid.cells()), -1);
  out.mean_share.assign(no * nd, 0.0);
  out.mean_cost.assign(no * nd, 0.0);
  std::vector<int> reached(no * nd, 0);
  for (int k = 0; k < draws; ++k) {
    const Draw& r = results[static_cast<std::size_t>(k)];
    for (std::size_t i = 0; i < r.od.size(); ++i) {
      out.mean_share[i] += r.od[i].share;
      if (!std::isnan(r.od[i].cost)) {
        out.mean_cost[i] += r.od[i].cost;
        ++reached[i];
      }
      if (r.od[i].share <= 0) continue;
      for (CellIndex c : r.routes[i]) {
        density[static_cast<std::size_t>(c)] += r.od[i].share;
        if (stamp[static_cast<std::size_t>(c)] != k) {
          stamp[static_cast<std::size_t>(c)] = k;
          ++used[static_cast<std::size_t>(c)];
        }
      }
    }
  }
  for (std::size_t i = 0; i < out.mean_share.size(); ++i) {
    out.mean_share[i] /= draws;
    out.mean_cost[i] = reached[i] > 0 ? out.mean_cost[i] / reached[i] : std::numeric_limits<double>::quiet_NaN();
  }
  out.density = Raster<float>(grid, 0.0F);
  out.frequency = Raster<float>(grid, 0.0F);
  for (CellIndex i = 0; i < grid.cells(); ++i) {
    out.density[i] = static_cast<float>(density[static_cast<std::size_t>(i)] / draws);
    out.frequency[i] = static_cast<float>(used[static_cast<std::size_t>(i)]) / static_cast<float>(draws);
  }
  return out;
}

}  // namespace nexusmap

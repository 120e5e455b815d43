// SPDX-License-Identifier: MIT
// Accumulated cost distance over a raster: the task-named facade.
//
//   cost_distance(grid, seeds, edge_cost, options)            fast exact method (dijkstra_buckets.hpp)
//   cost_distance_reference(grid, seeds, edge_cost, options)  plain binary-heap Dijkstra (dijkstra_reference.hpp)
//   cost_distance(friction, seeds, options)                   isotropic friction, GRASS r.cost convention
//   trace_back(backlinks, cell)                               least-cost path (least_cost_path.hpp)
//
// Contract of both methods (multi-source Dijkstra over the implicit 8/16 stencil):
// - edge_cost(from, to, k) returns the cost of move k (stencil_moves()) from cell `from` to its in-grid
//   neighbour `to`: >= 0, or +inf/NaN for an impossible move. It sees both cells, so costs may depend on
//   direction (uphill != downhill). It is never called for out-of-grid neighbours. A negative cost met
//   during the search throws Error(input_data). One search calls it from one thread (several searches
//   sharing a functor call it concurrently, so keep it free of mutable state).
//   Optional members the fast method uses when present: min_edge_cost() — a lower bound on every
//   finite edge cost (> 0 makes the search much faster; a cost below it throws), also settable as
//   options.min_edge_cost; payload(cell) — a float per cell the fast method keeps next to the cell's
//   cost (same cache line) and hands back through from(u, payloads), a callable (to, k) equal to
//   edge_cost(u, to, k) where payloads(cell) reads it; or from(u) without payloads, to load what
//   depends on u once. IsotropicFriction has min_edge_cost, payload and from(u, payloads).
// - Seeds outside the grid throw Error(input_data) naming the cell; start costs must be finite and >= 0;
//   a cell given twice keeps its lowest start cost. A seed keeps its start cost unless a neighbour
//   reaches it more cheaply, in which case it is an ordinary cell with a back-link.
// - Costs accumulate in double. Cells costlier than options.max_cost, and cells no path reaches, stay
//   unreached: NaN accumulated cost, back-link kNoBacklink and masked (invalid) in the back-link raster.
//   Unreachable cells are not an error.
// - Back-link k of cell c means the predecessor of c is (col - moves[k].dc, row - moves[k].dr); sources
//   hold kNoBacklink and are valid. The predecessor is canonical: the neighbour u minimising
//   fl(cost(u) + w(u, c)), ties to the smaller cell index — so results do not depend on queue order and
//   both methods agree bit for bit (the argument is in dijkstra_buckets.hpp).
// - options.progress is called about every 1% of the grid's cells and at the end; returning false
//   throws Error(stage) "cost distance: cancelled ...".
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "rasters/cost/cost_distance_types.hpp"
#include "rasters/cost/dijkstra_buckets.hpp"
#include "rasters/cost/dijkstra_reference.hpp"
#include "rasters/cost/least_cost_path.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

// Edge costs of an isotropic friction raster (cost per map unit), the GRASS r.cost convention: a move
// between neighbours whose centres are d map units apart costs d * (c_a + c_b) / 2; a knight's move
// costs d * (c_a + c_b + c_m1 + c_m2) / 4 over the two cells m1, m2 it passes between (as r.cost -k).
// A cell whose friction is NaN or <= 0 is impassable: every move from, to or (knight) between it is
// impossible. Moves are symmetric bit for bit: w(a, b) == w(b, a).
// Refers to the raster, which must outlive it. With the fast method the friction is stored next to
// each cell's cost (payload(); impassable as NaN, so the hot path has no tests); the reference reads
// the raster through operator().
class IsotropicFriction {
 public:
  explicit IsotropicFriction(const Raster<float>& friction);

  // Friction as the costs use it: NaN where impassable.
  [[nodiscard]] float payload(CellIndex cell) const {
    const float f = raw_[cell];
    return f > 0 ? f : std::numeric_limits<float>::quiet_NaN();
  }

  double operator()(CellIndex from, CellIndex to, int k) const {
    return cost(from, to, k, [this](CellIndex c) { return payload(c); });
  }

  // The costs of the moves from `from`, reading friction through `friction(cell)` (the fast method
  // passes the copies in its cell records) and loading the friction of `from` once.
  template <class Friction>
  class From {
   public:
    From(const IsotropicFriction& self, CellIndex from, Friction friction)
        : length_(self.length_.data()), between_(self.between_.data()), friction_(friction), from_(from),
          a_(friction(from)) {}
    double operator()(CellIndex to, int k) const {
      const double b = friction_(to);
      if (k < 8) return length_[k] * ((a_ + b) * 0.5);
      const double m1 = friction_(from_ + between_[k - 8][0]);
      const double m2 = friction_(from_ + between_[k - 8][1]);
      return length_[k] * (((a_ + b) + (m1 + m2)) * 0.25);
    }

   private:
    const double* length_;
    const std::array<std::int64_t, 2>* between_;
    Friction friction_;
    CellIndex from_;
    double a_;
  };
  template <class Friction>
  [[nodiscard]] From<Friction> from(CellIndex cell, Friction friction) const {
    return From<Friction>(*this, cell, friction);
  }

  // A lower bound on every finite edge cost: the shorter cell side times the smallest passable
  // friction (0 when nothing is passable). Lets the fast method use quantised keys (Dial's queue).
  [[nodiscard]] double min_edge_cost() const { return min_edge_cost_; }

  [[nodiscard]] CellIndex passable_cells() const { return passable_; }
  [[nodiscard]] bool passable(CellIndex cell) const { return raw_[cell] > 0; }

 private:
  template <class Friction>
  double cost(CellIndex from, CellIndex to, int k, Friction friction) const {
    return From<Friction>(*this, from, friction)(to, k);
  }

  const float* raw_;
  std::array<double, 16> length_{};
  std::array<std::array<std::int64_t, 2>, 8> between_{};  // index offsets of m1, m2 per knight's move
  CellIndex passable_ = 0;
  double min_edge_cost_ = 0;
};

// Isotropic friction (cost per map unit; see IsotropicFriction) with the fast method. Sources cost 0
// (or their start_cost). A seed on an impassable cell is still a source with its start cost, but no move
// leaves it. Throws Error(input_data) when no cell is passable.
CostDistanceResult cost_distance(const Raster<float>& friction, std::span<const Seed> seeds,
                                 const CostDistanceOptions& options = {});

}  // namespace nexusmap

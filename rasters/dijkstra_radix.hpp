// SPDX-License-Identifier: MIT
// Fast exact cost distance: multi-source Dijkstra over the implicit 8/16-neighbour stencil with a
// monotone radix heap keyed on the IEEE-754 bit pattern of the accumulated cost.
//   R.K. Ahuja, K. Mehlhorn, J.B. Orlin, R.E. Tarjan, "Faster algorithms for the shortest path
//   problem", Journal of the ACM 37(2), 213-223, 1990, doi:10.1145/77600.77615.
//   E.W. Dijkstra, "A note on two problems in connexion with graphs", Numerische Mathematik 1,
//   269-271, 1959, doi:10.1007/BF01386390.
//
// Why a radix heap. Dijkstra extracts keys in non-decreasing order, and for non-negative doubles the
// order of the values equals the order of their bit patterns read as unsigned integers, so the
// 64-bit patterns are exact monotone integer keys. A radix heap keeps 64 buckets: bucket b holds the
// entries whose key first differs from the last extracted key in bit b-1 (bucket 0: equal keys).
// Push is an append (one lzcnt, no comparisons); pop refills bucket 0 by redistributing the lowest
// non-empty bucket into lower ones, so an entry moves at most 63 times and in practice a handful of
// times. Every operation is a sequential append or scan of short arrays: no sift-up/down with its
// unpredictable branches and scattered loads. Entries are pushed on every improvement (no decrease-
// key); stale ones are recognised on pop by the settled flag. The queue holds only the frontier
// (proportional to its length, ~sqrt(cells) for compact fronts), so it adds little memory.
//
// Memory layout. Row-major arrays, as the output rasters: the accumulated cost (8 B/cell) doubles as
// the node state — a negative value -t is a tentative cost t (-inf = not reached yet), a value >= +0
// is final — so "is this neighbour settled?" costs the one load the relaxation needs anyway and no
// flag array exists; back-links take 1 B/cell; nothing else is per cell. Both arrays are allocated on
// transparent huge pages (madvise MADV_HUGEPAGE) before first touch: the wavefront touches rows
// width*8 bytes apart, and with 4 KiB pages nearly every relaxation of a large grid is a TLB miss.
// Queue entries carry (key, column, row), so the in-grid test of interior cells is one compare per
// side, and interior cells relax an unrolled stencil with precomputed index offsets.
//
// Exactness. Let fl(x) be rounding to double. With edge costs w >= 0, fl(d + w) >= d, and fl is
// monotone, so costs are extracted in non-decreasing order and the final cost of every reached cell v
// is D(v) = min(start(v), min over neighbours u of fl(D(u) + w(u, v))): every u with
// fl(D(u) + w) < D(v) has D(u) < D(v), was settled before v and relaxed it. This fixed point does not
// depend on the order in which equal keys are popped, so the costs equal the reference's bit for bit
// (and any other correct method's, e.g. Bellman-Ford), for any thread count.
// Back-links are made canonical the same way: the predecessor of v is the neighbour u minimising
// fl(D(u) + w(u, v)), ties broken by the smaller cell index; a seed whose start cost no neighbour
// beats is a source. During the search a relaxation that ties the tentative cost switches the link
// to the smaller index. A tying u with D(u) < D(v) is settled before v, so it is seen; a tying u with
// D(u) == D(v) (zero cost, or a cost below half an ulp of D) may be settled after v, so a settled
// neighbour whose cost equals the popped key is re-checked for a tie. Hence the links equal the
// reference's too. With zero-cost moves, tied predecessors may link in a cycle (trace_back reports it).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "rasters/cost_distance_types.hpp"
#include "rasters/memory.hpp"
#include "rasters/parallel.hpp"

namespace nexusmap {
namespace detail {

// Monotone radix heap over 63-bit keys (bit patterns of non-negative doubles).
class RadixHeap {
 public:
  struct Entry {
    std::uint64_t key;
    std::uint32_t col, row;
  };

  [[nodiscard]] bool empty() const { return occupied_ == 0; }

  // `key` must not be below the last popped key.
  void push(std::uint64_t key, std::uint32_t col, std::uint32_t row) {
    const int b = bucket_of(key);
    buckets_[static_cast<std::size_t>(b)].push_back({key, col, row});
    occupied_ |= std::uint64_t{1} << b;
  }

  Entry pop() {
    if ((occupied_ & 1U) == 0) refill();
    auto& zero = buckets_[0];
    const Entry e = zero.back();
    zero.pop_back();
    if (zero.empty()) occupied_ &= ~std::uint64_t{1};
    return e;
  }

 private:
  [[nodiscard]] int bucket_of(std::uint64_t key) const { return 64 - std::countl_zero(key ^ last_); }

  // Moves the lowest non-empty bucket into lower buckets relative to its minimum key.
  void refill() {
    const int i = std::countr_zero(occupied_);
    auto& from = buckets_[static_cast<std::size_t>(i)];
    std::uint64_t least = from.front().key;
    for (const Entry& e : from) least = std::min(least, e.key);
    last_ = least;
    for (const Entry& e : from) {
      const int b = bucket_of(e.key);  // < i: the entries share the bits above i-1 with `least`
      buckets_[static_cast<std::size_t>(b)].push_back(e);
      occupied_ |= std::uint64_t{1} << b;
    }
    from.clear();
    occupied_ &= ~(std::uint64_t{1} << i);
  }

  std::array<std::vector<Entry>, 64> buckets_;
  std::uint64_t occupied_ = 0;  // bit b set when bucket b is not empty
  std::uint64_t last_ = 0;
};

template <int kMoves, bool kLinks, class EdgeCost>
CostDistanceResult radix_dijkstra(const Grid& grid, const std::vector<Seed>& sources, EdgeCost& edge_cost,
                                  const CostDistanceOptions& options) {
  constexpr int kReach = kMoves == 16 ? 2 : 1;  // how far the stencil reaches from its cell
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const CellIndex n = grid.cells();
  const std::int64_t width = grid.width;
  const std::int64_t height = grid.height;
  const double max_cost = options.max_cost;
  const std::array<std::int64_t, 16> offset = move_offsets(grid);

  std::vector<double> acc = huge_page_vector<double>(static_cast<std::size_t>(n), -kInf);
  std::vector<std::uint8_t> links;
  if constexpr (kLinks) links = huge_page_vector<std::uint8_t>(static_cast<std::size_t>(n), kNoBacklink);
  double* const a = acc.data();
  std::uint8_t* const bl = links.data();

  RadixHeap heap;
  for (const Seed& s : sources) {
    if (!(s.start_cost <= max_cost)) continue;
    a[s.cell] = -s.start_cost;
    heap.push(std::bit_cast<std::uint64_t>(s.start_cost), static_cast<std::uint32_t>(s.cell % width),
              static_cast<std::uint32_t>(s.cell / width));
  }

  CostDistanceResult result;
  std::int64_t settled = 0;
  const std::int64_t report_every = std::max<std::int64_t>(1, n / 100);
  std::int64_t next_report = options.progress ? report_every : std::numeric_limits<std::int64_t>::max();

  while (!heap.empty()) {
    const RadixHeap::Entry e = heap.pop();
    const CellIndex u = static_cast<CellIndex>(e.row) * width + e.col;
    if (!std::signbit(a[u])) continue;  // stale entry of a settled cell
    const double d = std::bit_cast<double>(e.key);
    a[u] = d;
    if (++settled >= next_report) {
      if (!options.progress(static_cast<double>(settled) / static_cast<double>(n), "cost distance"))
        throw_cancelled(settled, n);
      next_report += report_every;
    }
    const bool interior = e.col >= kReach && e.col < width - kReach && e.row >= kReach && e.row < height - kReach;

    auto relax = [&]<int k>(std::integral_constant<int, k>) {
      constexpr Move m = kStencilMoves[k];
      if (!interior) {
        const std::int64_t c = std::int64_t{e.col} + m.dc;
        const std::int64_t r = std::int64_t{e.row} + m.dr;
        if (c < 0 || r < 0 || c >= width || r >= height) return;
      }
      const CellIndex v = u + offset[k];
      const double x = a[v];
      if (!std::signbit(x)) {
        // Settled. Only a neighbour of equal cost can tie (zero or absorbed move cost).
        if constexpr (kLinks) {
          if (x == d && bl[v] != kNoBacklink) {
            const double w = edge_cost(u, v, k);
            if (w < 0) throw_negative_cost(grid, u, v, k, w);
            if (d + w == x && offset[k] > offset[bl[v]]) bl[v] = static_cast<std::uint8_t>(k);
          }
        }
        return;
      }
      const double w = edge_cost(u, v, k);
      const double cand = d + w;
      if (cand < -x) {
        if (cand < d) throw_negative_cost(grid, u, v, k, w);
        if (cand > max_cost) return;
        a[v] = -cand;
        if constexpr (kLinks) bl[v] = static_cast<std::uint8_t>(k);
        heap.push(std::bit_cast<std::uint64_t>(cand), static_cast<std::uint32_t>(std::int64_t{e.col} + m.dc),
                  static_cast<std::uint32_t>(std::int64_t{e.row} + m.dr));
      } else if constexpr (kLinks) {
        // A tie: the smaller predecessor index wins (offset[k] larger <=> u = v - offset[k] smaller).
        if (cand == -x && bl[v] != kNoBacklink && offset[k] > offset[bl[v]]) bl[v] = static_cast<std::uint8_t>(k);
      }
    };
    [&]<int... k>(std::integer_sequence<int, k...>) {
      (relax(std::integral_constant<int, k>{}), ...);
    }(std::make_integer_sequence<int, kMoves>{});
  }
  result.settled = settled;

  // Unreached cells: NaN cost, masked back-link (the value stays kNoBacklink).
  std::vector<std::uint8_t> mask;
  if constexpr (kLinks) mask.assign(static_cast<std::size_t>(n), 1);
  std::uint8_t* const valid = mask.data();
  parallel_for(0, n, std::int64_t{1} << 20, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      if (std::signbit(a[i])) {
        a[i] = std::numeric_limits<double>::quiet_NaN();
        if constexpr (kLinks) valid[i] = 0;
      }
    }
  });
  result.accumulated = Raster<double>(grid, std::move(acc));
  if constexpr (kLinks) {
    result.backlinks = Raster<std::uint8_t>(grid, std::move(links));
    result.backlinks.mask() = std::move(mask);
  }
  if (options.progress && !options.progress(1.0, "cost distance")) throw_cancelled(settled, n);
  return result;
}

}  // namespace detail

// Multi-source Dijkstra over the implicit 8/16 stencil; see rasters/cost_distance.hpp for the contract.
template <class EdgeCost>
CostDistanceResult cost_distance(const Grid& grid, std::span<const Seed> seeds, EdgeCost&& edge_cost,
                                 const CostDistanceOptions& options = {}) {
  detail::check_cost_distance_input(grid, options);
  const std::vector<Seed> sources = detail::prepare_seeds(grid, seeds);
  check_grid_memory(grid, options.backlinks ? 10.0 : 8.0, "cost distance");
  const bool sixteen = options.neighbourhood == Neighbourhood::knight16;
  if (sixteen && options.backlinks) return detail::radix_dijkstra<16, true>(grid, sources, edge_cost, options);
  if (sixteen) return detail::radix_dijkstra<16, false>(grid, sources, edge_cost, options);
  if (options.backlinks) return detail::radix_dijkstra<8, true>(grid, sources, edge_cost, options);
  return detail::radix_dijkstra<8, false>(grid, sources, edge_cost, options);
}

}  // namespace nexusmap

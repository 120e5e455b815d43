// SPDX-License-Identifier: MIT
// Fast exact cost distance: multi-source Dijkstra over the implicit 8/16-neighbour stencil that
// settles whole buckets of the priority queue at once — Dial's bucket queue on costs quantised by a
// lower bound on edge costs, or a radix heap on the exact costs when no bound is known.
//   R.B. Dial, "Algorithm 360: shortest-path forest with topological ordering", Communications of the
//   ACM 12(11), 632-633, 1969, doi:10.1145/363269.363610 (bucket queue).
//   R.K. Ahuja, K. Mehlhorn, J.B. Orlin, R.E. Tarjan, "Faster algorithms for the shortest path
//   problem", Journal of the ACM 37(2), 213-223, 1990, doi:10.1145/77600.77615 (radix heap).
//   E.W. Dijkstra, "A note on two problems in connexion with graphs", Numerische Mathematik 1,
//   269-271, 1959, doi:10.1007/BF01386390.
// Settling a bucket no wider than the smallest edge cost in any order is the "caliber" rule of
// A.V. Goldberg, "A simple shortest path algorithm with linear average time", ESA 2001, LNCS 2161,
// 230-241, doi:10.1007/3-540-44676-1_19, with one global caliber.
//
// How the queue, the batches and the memory layout work, what was measured and why the result is
// exact (costs and back-links equal the reference's bit for bit): docs/cost-distance.md, "The engine".
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <queue>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "rasters/cost/cost_distance_types.hpp"
#include "rasters/core/memory.hpp"
#include "rasters/core/parallel.hpp"

namespace nexusmap {
namespace detail {

// A queue entry: the key and the cell.
struct QueueEntry {
  std::uint64_t key;
  std::uint32_t col, row;
};

// A growable array of entries whose append stays inline (std::vector's may not, in a large loop).
class EntryBucket {
 public:
  [[gnu::always_inline]] void push_back(const QueueEntry& e) {
    if (size_ == capacity_) [[unlikely]] grow();
    data_[size_++] = e;
  }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] const QueueEntry* begin() const { return data_.get(); }
  [[nodiscard]] const QueueEntry* end() const { return data_.get() + size_; }
  [[nodiscard]] const QueueEntry& front() const { return data_[0]; }
  void clear() { size_ = 0; }
  void swap(EntryBucket& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  [[gnu::noinline, gnu::cold]] void grow() {
    const std::size_t capacity = std::max<std::size_t>(256, capacity_ * 2);
    auto data = std::make_unique_for_overwrite<QueueEntry[]>(capacity);
    std::copy(begin(), end(), data.get());
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<QueueEntry[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Monotone radix heap over 64-bit keys whose smallest key's entries are taken out as one batch.
class RadixHeap {
 public:
  using Entry = QueueEntry;

  RadixHeap() = default;
  RadixHeap(const RadixHeap&) = delete;
  RadixHeap& operator=(const RadixHeap&) = delete;

  [[nodiscard]] bool empty() const { return occupied_ == 0; }

  // `key` must not be below the key of the last batch taken.
  [[gnu::always_inline]] void push(std::uint64_t key, std::uint32_t col, std::uint32_t row) {
    const int b = bucket_of(key);
    buckets_[static_cast<std::size_t>(b)].push_back({key, col, row});
    occupied_ |= std::uint64_t{1} << b;
  }

  // Replaces `batch` by every entry with the smallest key. The heap must not be empty.
  void take_min(EntryBucket& batch) {
    if ((occupied_ & 1U) == 0) refill();
    batch.clear();
    batch.swap(buckets_[0]);  // the batch's old storage becomes bucket 0's
    occupied_ &= ~std::uint64_t{1};
  }

 private:

  // 64 - countl_zero(key ^ last), without the zero test countl_zero needs on x86-64 without LZCNT:
  // the highest set bit of 2x+1 (keys are below 2^63, so 2x does not overflow).
  [[nodiscard]] int bucket_of(std::uint64_t key) const {
    return 63 - __builtin_clzll(((key ^ last_) << 1U) | 1U);
  }

  // Moves the lowest non-empty bucket into lower buckets relative to its minimum key.
  void refill() {
    const int i = __builtin_ctzll(occupied_);  // occupied_ != 0 here
    EntryBucket& from = buckets_[static_cast<std::size_t>(i)];
    std::uint64_t least = from.front().key;
    for (const Entry& e : from) least = std::min(least, e.key);
    last_ = least;
    for (const Entry& e : from) push(e.key, e.col, e.row);  // into buckets below i
    from.clear();
    occupied_ &= ~(std::uint64_t{1} << i);
  }

  std::array<EntryBucket, 64> buckets_;
  std::uint64_t occupied_ = 0;  // bit b set when bucket b is not empty
  std::uint64_t last_ = 0;
};

// Dial's bucket queue for quantised keys: a ring of buckets, one per key in [base, base + size), with
// a bitmap of the non-empty ones. The ring grows (up to 2^16 buckets) to cover the spread of keys in
// the frontier, about w_max / w_min, so a push is one append and nothing is moved again. Keys beyond
// that (cost ratios above ~10^4) wait in a binary heap, which can be peeked without disturbing it
// (a radix heap cannot: its refill raises the floor for later pushes).
class BucketRing {
 public:
  using Entry = QueueEntry;

  BucketRing() { resize(64); }

  [[nodiscard]] bool empty() const { return count_ == 0 && overflow_.empty(); }

  // `key` must not be below the key of the last batch taken.
  [[gnu::always_inline]] void push(std::uint64_t key, std::uint32_t col, std::uint32_t row) {
    if (key - base_ >= size_) [[unlikely]] {
      if (!make_room(key)) {
        overflow_.push({key, col, row});
        return;
      }
    }
    const std::size_t i = key & (size_ - 1);
    buckets_[i].push_back({key, col, row});
    bits_[i >> 6U] |= std::uint64_t{1} << (i & 63U);
    ++count_;
  }

  // Replaces `batch` by every entry with the smallest key. The queue must not be empty.
  void take_min(EntryBucket& batch) {
    if (count_ == 0) base_ = overflow_.top().key;
    // Keys that were beyond the ring when pushed may be within it now.
    while (!overflow_.empty() && overflow_.top().key - base_ < size_) {
      const Entry e = overflow_.top();
      overflow_.pop();
      push(e.key, e.col, e.row);
    }
    const std::size_t i = next_occupied(base_ & (size_ - 1));
    EntryBucket& bucket = buckets_[i];
    base_ = bucket.front().key;
    batch.clear();
    batch.swap(bucket);  // the batch's old storage becomes the bucket's
    bits_[i >> 6U] &= ~(std::uint64_t{1} << (i & 63U));
    count_ -= batch.size();
  }

 private:
  static constexpr std::size_t kMaxSize = std::size_t{1} << 16;

  // Grows the ring to hold `key`; false when that needs more than kMaxSize buckets.
  [[gnu::noinline]] bool make_room(std::uint64_t key) {
    if (key - base_ >= kMaxSize) return false;
    std::size_t size = size_;
    while (key - base_ >= size) size *= 2;
    resize(size);
    return true;
  }

  void resize(std::size_t size) {
    std::vector<EntryBucket> buckets(size);
    for (auto& b : buckets_)
      if (!b.empty()) buckets[b.front().key & (size - 1)].swap(b);
    buckets_.swap(buckets);
    size_ = size;
    bits_.assign((size + 63) / 64, 0);
    for (std::size_t i = 0; i < size; ++i)
      if (!buckets_[i].empty()) bits_[i >> 6U] |= std::uint64_t{1} << (i & 63U);
  }

  // The first non-empty bucket at or after `from`, cyclically. The ring must not be empty.
  [[nodiscard]] std::size_t next_occupied(std::size_t from) const {
    const std::size_t words = bits_.size();
    std::size_t w = from >> 6U;
    std::uint64_t bits = bits_[w] & (~std::uint64_t{0} << (from & 63U));
    while (bits == 0) {  // later words whole, including the first one again after wrapping
      w = w + 1 == words ? 0 : w + 1;
      bits = bits_[w];
    }
    return (w << 6U) + static_cast<std::size_t>(__builtin_ctzll(bits));
  }

  std::vector<EntryBucket> buckets_;
  std::vector<std::uint64_t> bits_;  // bit i set when bucket i is not empty
  std::size_t size_ = 0;             // a power of two
  std::size_t count_ = 0;            // entries in the ring
  std::uint64_t base_ = 0;           // key of the last batch taken
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.key > b.key; }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> overflow_;
};

// Queue keys of costs: floor(cost / 2^e) for a lower bound 2^e on edge costs (kQuantised), else the
// exact bit pattern.
template <bool kQuantised>
class CostKeys {
 public:
  explicit CostKeys(double min_edge_cost) {
    if constexpr (kQuantised) {
      // 2^e <= min_edge_cost; scaling by a power of two is exact, so the floor is exact too.
      scale_ = std::ldexp(1.0, -std::ilogb(min_edge_cost));
      width_ = std::ldexp(1.0, std::ilogb(min_edge_cost));
    }
  }
  // Whether a bound allows quantised keys: positive, finite and not absurdly small.
  static bool usable(double min_edge_cost) {
    return min_edge_cost > 0 && std::isfinite(min_edge_cost) && std::ilogb(min_edge_cost) > -1000;
  }
  [[gnu::always_inline]] std::uint64_t operator()(double cost) const {
    if constexpr (!kQuantised) {
      return std::bit_cast<std::uint64_t>(cost);
    } else {
      const double q = cost * scale_;
      if (!(q < 0x1p53)) throw_bucket_range(cost, width_);
      return static_cast<std::uint64_t>(q);
    }
  }

 private:
  double scale_ = 0;
  double width_ = 0;
};

// Optional hooks of an edge-cost functor. min_edge_cost(): a lower bound on every edge cost.
template <class EdgeCost>
double functor_min_edge_cost(const EdgeCost& cost) {
  if constexpr (requires { { cost.min_edge_cost() } -> std::convertible_to<double>; }) return cost.min_edge_cost();
  else return 0.0;
}

// The state of one cell during the search, 16 bytes so that four share a cache line: the cost (a
// negative value -t is a tentative cost t, -inf not reached yet, >= +0 final), the functor's payload
// (see functor_payload) and the back-link. Relaxing a neighbour reads one line instead of one per
// array: on large grids, where the frontier's rows no longer fit in cache, that is the difference.
struct CellRecord {
  double cost;
  float payload;
  std::uint8_t link;
  std::uint8_t unused[3];
};
static_assert(sizeof(CellRecord) == 16);

// Reads the payloads back from the records: payload of cell c.
struct RecordPayloads {
  const float* first;  // &records[0].payload
  [[gnu::always_inline]] float operator()(CellIndex c) const {
    return first[c * static_cast<CellIndex>(sizeof(CellRecord) / sizeof(float))];
  }
};

// edge_cost.payload(c): a float per cell the engine stores in the cell records (IsotropicFriction:
// the friction); 0 when the functor has none.
template <class EdgeCost>
float functor_payload(const EdgeCost& cost, CellIndex c) {
  if constexpr (requires { { cost.payload(c) } -> std::convertible_to<float>; }) return cost.payload(c);
  else return 0.0F;
}

// A callable (to, k) equal to edge_cost(u, to, k): edge_cost.from(u, payloads) when the functor reads
// its payloads from the records, edge_cost.from(u) when it loads what depends on u once, else a wrapper.
template <class EdgeCost>
auto functor_from(const EdgeCost& cost, CellIndex u, RecordPayloads payloads) {
  if constexpr (requires { cost.from(u, payloads)(u, 0); }) return cost.from(u, payloads);
  else if constexpr (requires { cost.from(u)(u, 0); }) return cost.from(u);
  else return [&cost, u](CellIndex to, int k) { return static_cast<double>(cost(u, to, k)); };
}

template <int kMoves, bool kLinks, bool kBatched, class EdgeCost>
CostDistanceResult bucket_dijkstra(const Grid& grid, const std::vector<Seed>& sources, EdgeCost& edge_cost,
                                   const CostDistanceOptions& options, double min_edge_cost) {
  constexpr int kReach = kMoves == 16 ? 2 : 1;  // how far the stencil reaches from its cell
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const CellIndex n = grid.cells();
  const std::int64_t width = grid.width;
  const std::int64_t height = grid.height;
  const double max_cost = options.max_cost;
  const std::array<std::int64_t, 16> offset = move_offsets(grid);
  const CostKeys<kBatched> key_of(min_edge_cost);

  // Uninitialised, advised for huge pages before the one pass that writes every record.
  auto records = std::make_unique_for_overwrite<CellRecord[]>(static_cast<std::size_t>(n));
  CellRecord* const rec = records.get();
  advise_huge_pages(rec, static_cast<std::size_t>(n) * sizeof(CellRecord));
  parallel_for(0, n, std::int64_t{1} << 20, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) rec[i] = {-kInf, functor_payload(edge_cost, i), kNoBacklink, {}};
  });
  const RecordPayloads payloads{&rec[0].payload};

  std::conditional_t<kBatched, BucketRing, RadixHeap> heap;
  for (const Seed& s : sources) {
    if (!(s.start_cost <= max_cost)) continue;
    rec[s.cell].cost = -s.start_cost;
    heap.push(key_of(s.start_cost), static_cast<std::uint32_t>(s.cell % width),
              static_cast<std::uint32_t>(s.cell / width));
  }

  CostDistanceResult result;
  std::int64_t settled = 0;
  const std::int64_t report_every = std::max<std::int64_t>(1, n / 100);
  std::int64_t next_report = options.progress ? report_every : std::numeric_limits<std::int64_t>::max();
  EntryBucket batch;
  while (!heap.empty()) {
    heap.take_min(batch);
    for (const QueueEntry& e : batch) {
      const CellIndex u = static_cast<CellIndex>(e.row) * width + e.col;
      if (!std::signbit(rec[u].cost)) continue;  // stale entry of a settled cell
      const double d = -rec[u].cost;
      rec[u].cost = d;
      if (++settled >= next_report) {
        if (!options.progress(static_cast<double>(settled) / static_cast<double>(n), "cost distance"))
          throw_cancelled(settled, n);
        next_report += report_every;
      }
      const auto cost_from_u = functor_from(edge_cost, u, payloads);
      const std::int64_t col0 = e.col, row0 = e.row;
      // Relaxes move k from u; kCheck: u is near the border, so test that the neighbour is in the grid.
      // Hot values are captured by copy so that, inlined, they stay in registers: through references
      // every use would be reloaded, as the stores to the records and the queue might alias them.
      auto relax = [rec, u, d, col0, row0, width, height, max_cost, min_edge_cost, key_of, cost_from_u, &heap,
                    &offset, &edge_cost, &grid]<int k, bool kCheck>(std::integral_constant<int, k>,
                                                                     std::bool_constant<kCheck>)
                       __attribute__((always_inline)) {
        constexpr Move m = kStencilMoves[k];
        const std::int64_t col = col0 + m.dc;
        const std::int64_t row = row0 + m.dr;
        if constexpr (kCheck) {
          if (col < 0 || row < 0 || col >= width || row >= height) return;
        }
        const std::int64_t step = m.dr * width + m.dc;  // == offset[k]
        const CellIndex v = u + step;
        CellRecord& r = rec[v];
        const double x = r.cost;
        if (!std::signbit(x)) {
          // Settled. Only a neighbour of equal cost can tie (zero or absorbed move cost, so never when
          // batched: then every move costs at least w_min > 0).
          if constexpr (kLinks && !kBatched) {
            if (x == d && r.link != kNoBacklink) {
              const double w = edge_cost(u, v, k);
              if (w < 0) throw_negative_cost(grid, u, v, k, w);
              if (d + w == x && step > offset[r.link]) r.link = static_cast<std::uint8_t>(k);
            }
          }
          return;
        }
        const double w = cost_from_u(v, k);
        const double cand = d + w;
        if (cand < -x) {
          if (w < min_edge_cost) throw_edge_cost_below(grid, u, v, k, w, min_edge_cost);
          if (cand > max_cost) return;
          r.cost = -cand;
          if constexpr (kLinks) r.link = static_cast<std::uint8_t>(k);
          const std::uint64_t key = key_of(cand);
          // An entry already waits in this bucket (its cost is read from the record when taken).
          if constexpr (kBatched) {
            if (x != -kInf && key == key_of(-x)) return;
          }
          heap.push(key, static_cast<std::uint32_t>(col), static_cast<std::uint32_t>(row));
        } else if constexpr (kLinks) {
          // A tie: the smaller predecessor index wins (step larger <=> u = v - step smaller).
          if (cand == -x && r.link != kNoBacklink && step > offset[r.link]) {
            if (w < min_edge_cost) throw_edge_cost_below(grid, u, v, k, w, min_edge_cost);
            r.link = static_cast<std::uint8_t>(k);
          }
        }
      };
      const bool interior =
          e.col >= kReach && e.col < width - kReach && e.row >= kReach && e.row < height - kReach;
      if (interior) {
        [&]<int... k>(std::integer_sequence<int, k...>) __attribute__((always_inline)) {
          (relax(std::integral_constant<int, k>{}, std::false_type{}), ...);
        }(std::make_integer_sequence<int, kMoves>{});
      } else {
        [&]<int... k>(std::integer_sequence<int, k...>) __attribute__((always_inline)) {
          (relax(std::integral_constant<int, k>{}, std::true_type{}), ...);
        }(std::make_integer_sequence<int, kMoves>{});
      }
    }
  }
  result.settled = settled;

  // The output rasters, filled one block of cells at a time while the records of finished blocks are
  // released, so memory peaks at the records (16 B/cell) rather than records plus outputs (26 B/cell).
  // Unreached cells: NaN cost, masked back-link (the value stays kNoBacklink).
  std::vector<double> acc;
  std::vector<std::uint8_t> links, valid;
  acc.reserve(static_cast<std::size_t>(n));
  advise_huge_pages(acc.data(), static_cast<std::size_t>(n) * sizeof(double));
  if constexpr (kLinks) {
    links.reserve(static_cast<std::size_t>(n));
    valid.reserve(static_cast<std::size_t>(n));
    advise_huge_pages(links.data(), static_cast<std::size_t>(n));
    advise_huge_pages(valid.data(), static_cast<std::size_t>(n));
  }
  const std::int64_t block = std::int64_t{1} << 20;
  for (std::int64_t begin = 0; begin < n; begin += block) {
    const std::int64_t end = std::min(n, begin + block);
    acc.resize(static_cast<std::size_t>(end));
    if constexpr (kLinks) {
      links.resize(static_cast<std::size_t>(end));
      valid.resize(static_cast<std::size_t>(end));
    }
    for (std::int64_t i = begin; i < end; ++i) {
      const bool reached = !std::signbit(rec[i].cost);
      acc[static_cast<std::size_t>(i)] = reached ? rec[i].cost : std::numeric_limits<double>::quiet_NaN();
      if constexpr (kLinks) {
        links[static_cast<std::size_t>(i)] = rec[i].link;
        valid[static_cast<std::size_t>(i)] = reached ? 1 : 0;
      }
    }
    release_memory(rec + begin, static_cast<std::size_t>(end - begin) * sizeof(CellRecord));
  }
  records.reset();
  result.accumulated = Raster<double>(grid, std::move(acc));
  if constexpr (kLinks) {
    result.backlinks = Raster<std::uint8_t>(grid, std::move(links));
    result.backlinks.mask() = std::move(valid);
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
  check_grid_memory(grid, sizeof(detail::CellRecord) + (options.backlinks ? 2.0 : 0.0), "cost distance");
  const double w_min = std::max(options.min_edge_cost, detail::functor_min_edge_cost(edge_cost));
  const bool batched = detail::CostKeys<true>::usable(w_min);
  const bool sixteen = options.neighbourhood == Neighbourhood::knight16;
  auto run = [&]<int kMoves, bool kLinks>() {
    if (batched) return detail::bucket_dijkstra<kMoves, kLinks, true>(grid, sources, edge_cost, options, w_min);
    return detail::bucket_dijkstra<kMoves, kLinks, false>(grid, sources, edge_cost, options, w_min);
  };
  if (sixteen && options.backlinks) return run.template operator()<16, true>();
  if (sixteen) return run.template operator()<16, false>();
  if (options.backlinks) return run.template operator()<8, true>();
  return run.template operator()<8, false>();
}

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Travel time of one move between neighbouring cells, direction dependent: walking speed from the
// signed slope along the move, roads, river and border rules, crossing costs.
//
// Walking speed: W. Tobler, "Three presentations on geographical analysis and modeling: non-isotropic
// geographic modeling", NCGIA Technical Report 93-1, 1993 — v = 6 exp(-3.5 |tan θ + 0.05|) km/h.
// Alternative: W. W. Naismith's rule (1892) with E. Langmuir's corrections ("Mountaincraft and
// Leadership", 1984) as implemented by GRASS r.walk (Aitken 1977; Fontanari et al.):
// T = a Δs + b Δh↑ + c Δh↓(moderate) + d Δh↓(steep), in seconds.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/core/grid.hpp"

namespace nexusmap {

namespace travel_flags {
inline constexpr std::uint8_t river = 1;            // impassable unless in an open crossing zone
inline constexpr std::uint8_t border_band = 2;      // cells a national border line touches
inline constexpr std::uint8_t open_crossing = 4;    // river/border cells near an open crossing
inline constexpr std::uint8_t closed_crossing = 8;  // river/border cells near a closed crossing
}  // namespace travel_flags

enum class SpeedFunction { tobler, naismith_langmuir };

struct TravelTimeParams {
  SpeedFunction function = SpeedFunction::tobler;
  double speed_factor = 1.0;   // < 1 for loaded pack animals
  double max_slope_deg = 35;   // steeper moves are impossible on foot (roads excepted)
  // r.walk's coefficients (s/m) and the tan(slope) where moderate downhill turns steep.
  double a = 0.72, b = 6.0, c = 1.9998, d = -1.9998, steep_downhill = -0.2125;
};

// The per-cell layers of a cost model, all on one grid; borrowed, not owned. Optional ones may be null.
struct TravelTimeLayers {
  const float* elevation = nullptr;       // m; NaN = impassable
  const float* friction = nullptr;        // flat-ground time multiplier; NaN or <= 0 = impassable
  const float* road_speed = nullptr;      // km/h on road cells, NaN elsewhere
  const std::uint8_t* flags = nullptr;    // travel_flags
  const float* crossing_hours = nullptr;  // hours charged on entering an open crossing zone
  const float* border_penalty = nullptr;  // hours charged when a move leaves the border band into the cell
  const float* noise = nullptr;           // Monte Carlo multiplier of the move time, per cell
  const float* crossing_noise = nullptr;  // Monte Carlo multiplier of crossing_hours, per cell
};

// The two cells a move passes between on its way from `from` to its neighbour: the intermediates of a
// knight's move, the side cells of a diagonal move; none for a straight move (count 0).
struct PassedCells {
  int count = 0;
  std::array<CellIndex, 2> cells{};
};

inline PassedCells passed_cells(const Grid& grid, CellIndex from, int k) {
  const auto& mv = stencil_moves()[static_cast<std::size_t>(k)];
  if (k >= 8) {
    const auto [m1, m2] = knight_intermediates(grid, from, k);
    return {2, {m1, m2}};
  }
  if (mv.dc != 0 && mv.dr != 0) return {2, {from + mv.dc, from + mv.dr * grid.width}};
  return {};
}

// Hours for move k (stencil_moves() order) from `from` to its neighbour `to`; +inf when impossible.
// Rules: a move is impossible into or out of an impassable cell, across a slope steeper than the
// maximum (unless both cells are on a road), through the two cells a knight's move passes between when
// either is impassable, and diagonally between two impassable cells (no corner cutting through a river).
// Entering an open crossing zone costs its crossing hours — also when a knight's move passes over the
// zone, or a diagonal move slips between a zone cell and a river/border cell; leaving the border band
// (or jumping over it) into a cell costs that cell's border penalty, unless it is left at an open
// crossing.
class TravelTime {
 public:
  TravelTime(const Grid& grid, const TravelTimeLayers& layers, const TravelTimeParams& params)
      : grid_(grid), l_(layers), p_(params), tan_max_(std::tan(params.max_slope_deg * M_PI / 180.0)) {
    const auto& moves = stencil_moves();
    for (int k = 0; k < 16; ++k) {
      length_m_[static_cast<std::size_t>(k)] =
          std::hypot(moves[static_cast<std::size_t>(k)].dc * grid.dx(), moves[static_cast<std::size_t>(k)].dr * grid.dy());
    }
  }

  [[nodiscard]] double operator()(CellIndex from, CellIndex to, int k) const {
    double hours = base(from, to, k);
    if (!(hours < std::numeric_limits<double>::infinity())) return hours;
    if (l_.noise) hours *= 0.5 * (static_cast<double>(l_.noise[from]) + l_.noise[to]);
    return hours + extra(from, to, k);
  }

  // The time of the move itself (walking or road, with friction), +inf when impossible.
  [[nodiscard]] double base(CellIndex from, CellIndex to, int k) const {
    constexpr double inf = std::numeric_limits<double>::infinity();
    const double fa = l_.friction[from], fb = l_.friction[to];
    if (!(fa > 0) || !(fb > 0)) return inf;
    double multiplier = 0.5 * (fa + fb);
    const PassedCells passed = passed_cells(grid_, from, k);
    if (passed.count == 2) {
      const double f1 = l_.friction[passed.cells[0]], f2 = l_.friction[passed.cells[1]];
      if (k >= 8) {
        if (!(f1 > 0) || !(f2 > 0)) return inf;
        multiplier = 0.25 * (fa + fb + f1 + f2);
      } else if (!(f1 > 0) && !(f2 > 0)) {
        return inf;  // no corner cutting between two impassable cells
      }
    }
    const double za = l_.elevation[from], zb = l_.elevation[to];
    if (std::isnan(za) || std::isnan(zb)) return inf;
    const double length = length_m_[static_cast<std::size_t>(k)];
    const double ra = l_.road_speed ? l_.road_speed[from] : std::nan("");
    const double rb = l_.road_speed ? l_.road_speed[to] : std::nan("");
    if (ra > 0 && rb > 0) return length / 1000.0 / std::min(ra, rb);
    const double dz = zb - za;
    const double tan_slope = dz / length;
    if (std::abs(tan_slope) > tan_max_) return inf;
    if (p_.function == SpeedFunction::tobler) {
      const double kmh = 6.0 * std::exp(-3.5 * std::abs(tan_slope + 0.05)) * p_.speed_factor;
      return length / 1000.0 / kmh * multiplier;
    }
    double seconds = p_.a * length;
    if (dz > 0) seconds += p_.b * dz;
    else if (tan_slope > p_.steep_downhill) seconds += p_.c * dz;
    else seconds += p_.d * dz;
    return seconds / 3600.0 / p_.speed_factor * multiplier;
  }

  // Hours charged on top of a possible move: entering an open crossing zone (also by passing over it)
  // and leaving the border band away from a crossing.
  [[nodiscard]] double extra(CellIndex from, CellIndex to, int k) const {
    if (!l_.flags) return 0.0;
    // What the move passes over between from and to: band cells, and open crossing zone cells
    // (with the highest crossing time among them).
    bool crossed_band = false;
    CellIndex passed_post = -1;
    const PassedCells passed = passed_cells(grid_, from, k);
    if (passed.count == 2) {
      const CellIndex m1 = passed.cells[0], m2 = passed.cells[1];
      const std::uint8_t g1 = l_.flags[m1], g2 = l_.flags[m2];
      constexpr std::uint8_t barrier = travel_flags::river | travel_flags::border_band | travel_flags::open_crossing;
      // A knight's move passes between its two cells; a diagonal threads the barrier line only when
      // both side cells belong to it.
      if (k >= 8 || ((g1 & barrier) && (g2 & barrier))) {
        crossed_band = k >= 8 ? ((g1 | g2) & travel_flags::border_band) != 0 : (g1 & g2 & travel_flags::border_band) != 0;
        if (g1 & travel_flags::open_crossing) passed_post = m1;
        if ((g2 & travel_flags::open_crossing) && (passed_post < 0 || post_hours(m2) > post_hours(passed_post))) passed_post = m2;
      }
    }
    double hours = 0;
    const auto ga = l_.flags[from], gb = l_.flags[to];
    if (!(ga & travel_flags::open_crossing)) {
      CellIndex post = (gb & travel_flags::open_crossing) ? to : -1;
      if (passed_post >= 0 && (post < 0 || post_hours(passed_post) > post_hours(post))) post = passed_post;
      if (post >= 0) hours += post_hours(post) * (l_.crossing_noise ? l_.crossing_noise[post] : 1.0);
    }
    const bool leaves_band = ((ga & travel_flags::border_band) || crossed_band) && !(gb & travel_flags::border_band);
    const bool at_post = (ga & travel_flags::open_crossing) || passed_post >= 0;
    if (leaves_band && !at_post && l_.border_penalty) {
      const double pen = l_.border_penalty[to];
      if (pen > 0) hours += pen;
    }
    return hours;
  }

  [[nodiscard]] const Grid& grid() const { return grid_; }
  [[nodiscard]] const TravelTimeLayers& layers() const { return l_; }

 private:
  [[nodiscard]] double post_hours(CellIndex c) const {
    const double h = l_.crossing_hours ? l_.crossing_hours[c] : 0.0;
    return h > 0 ? h : 0.0;
  }

  const Grid& grid_;
  TravelTimeLayers l_;
  TravelTimeParams p_;
  double tan_max_;
  std::array<double, 16> length_m_{};
};

// The same moves walked backwards: cost(from -> to) of the reversed graph is the time of to -> from.
// Used for the cost of reaching a destination (corridor B(x)).
template <class EdgeCost>
class Reversed {
 public:
  Reversed(const Grid& grid, const EdgeCost& forward) : grid_(grid), forward_(forward) {
    const auto& moves = stencil_moves();
    for (int k = 0; k < 16; ++k)
      for (int j = 0; j < 16; ++j)
        if (moves[static_cast<std::size_t>(j)].dc == -moves[static_cast<std::size_t>(k)].dc &&
            moves[static_cast<std::size_t>(j)].dr == -moves[static_cast<std::size_t>(k)].dr)
          opposite_[static_cast<std::size_t>(k)] = j;
  }
  [[nodiscard]] double operator()(CellIndex from, CellIndex to, int k) const {
    return forward_(to, from, opposite_[static_cast<std::size_t>(k)]);
  }

 private:
  const Grid& grid_;
  const EdgeCost& forward_;
  std::array<int, 16> opposite_{};
};

}  // namespace nexusmap

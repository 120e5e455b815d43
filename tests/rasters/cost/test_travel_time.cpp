// SPDX-License-Identifier: MIT
// The travel-time edge function: Tobler and Naismith/Langmuir values by hand, anisotropy, and the
// river, crossing and border rules for straight, diagonal and knight's moves.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/cost/travel_time.hpp"

namespace nexusmap {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A 7x7 grid of 1 km cells with layers the tests edit.
struct World {
  Grid grid = Grid::north_up("", 0, 7000, 1000, 7, 7);
  std::vector<float> elevation = std::vector<float>(49, 1000.0F);
  std::vector<float> friction = std::vector<float>(49, 1.0F);
  std::vector<float> road = std::vector<float>(49, std::nanf(""));
  std::vector<std::uint8_t> flags = std::vector<std::uint8_t>(49, 0);
  std::vector<float> crossing_hours = std::vector<float>(49, std::nanf(""));
  std::vector<float> penalty = std::vector<float>(49, std::nanf(""));
  TravelTimeParams params;

  [[nodiscard]] CellIndex at(int col, int row) const { return grid.index(col, row); }
  [[nodiscard]] TravelTime edge() const {
    TravelTimeLayers l;
    l.elevation = elevation.data();
    l.friction = friction.data();
    l.road_speed = road.data();
    l.flags = flags.data();
    l.crossing_hours = crossing_hours.data();
    l.border_penalty = penalty.data();
    return TravelTime(grid, l, params);
  }
  // The move index from a to b.
  [[nodiscard]] int move(CellIndex a, CellIndex b) const {
    const Cell ca = grid.cell(a), cb = grid.cell(b);
    for (int k = 0; k < 16; ++k)
      if (ca.col + stencil_moves()[static_cast<std::size_t>(k)].dc == cb.col &&
          ca.row + stencil_moves()[static_cast<std::size_t>(k)].dr == cb.row)
        return k;
    return -1;
  }
  [[nodiscard]] double time(CellIndex a, CellIndex b) const { return edge()(a, b, move(a, b)); }
  // A river along column 3 (impassable).
  void river_column() {
    for (int r = 0; r < 7; ++r) {
      flags[static_cast<std::size_t>(at(3, r))] |= travel_flags::river;
      friction[static_cast<std::size_t>(at(3, r))] = std::nanf("");
    }
  }
};

TEST(TravelTime, ToblerOnFlatGround) {
  World w;
  // 6 exp(-3.5 * 0.05) km/h on the flat = 5.0363 km/h; 1 km east.
  EXPECT_NEAR(w.time(w.at(1, 1), w.at(2, 1)), 1.0 / (6.0 * std::exp(-0.175)), 1e-12);
  // Diagonal: sqrt(2) km.
  EXPECT_NEAR(w.time(w.at(1, 1), w.at(2, 2)), std::sqrt(2.0) / (6.0 * std::exp(-0.175)), 1e-12);
  // Knight: sqrt(5) km.
  EXPECT_NEAR(w.time(w.at(1, 1), w.at(2, 3)), std::sqrt(5.0) / (6.0 * std::exp(-0.175)), 1e-12);
  // Pack animals at 0.8 take 1/0.8 as long; friction 2 on both cells doubles it.
  w.params.speed_factor = 0.8;
  w.friction[static_cast<std::size_t>(w.at(1, 1))] = 2.0F;
  w.friction[static_cast<std::size_t>(w.at(2, 1))] = 2.0F;
  EXPECT_NEAR(w.time(w.at(1, 1), w.at(2, 1)), 2.0 / (0.8 * 6.0 * std::exp(-0.175)), 1e-12);
}

TEST(TravelTime, UphillAndDownhillDiffer) {
  World w;
  w.elevation[static_cast<std::size_t>(w.at(2, 1))] = 1100.0F;  // +100 m over 1 km: tan = 0.1
  const double up = w.time(w.at(1, 1), w.at(2, 1));
  const double down = w.time(w.at(2, 1), w.at(1, 1));
  EXPECT_NEAR(up, 1.0 / (6.0 * std::exp(-3.5 * 0.15)), 1e-12);
  EXPECT_NEAR(down, 1.0 / (6.0 * std::exp(-3.5 * 0.05)), 1e-12);  // |-0.1 + 0.05|
  EXPECT_GT(up, down);
}

TEST(TravelTime, NaismithLangmuirAsRWalk) {
  World w;
  w.params.function = SpeedFunction::naismith_langmuir;
  EXPECT_NEAR(w.time(w.at(1, 1), w.at(2, 1)), 0.72 * 1000 / 3600, 1e-12);  // flat: a * ds
  w.elevation[static_cast<std::size_t>(w.at(2, 1))] = 1100.0F;
  EXPECT_NEAR(w.time(w.at(1, 1), w.at(2, 1)), (0.72 * 1000 + 6.0 * 100) / 3600, 1e-12);      // uphill: + b dh
  EXPECT_NEAR(w.time(w.at(2, 1), w.at(1, 1)), (0.72 * 1000 + 1.9998 * -100) / 3600, 1e-12);  // moderate down
  w.elevation[static_cast<std::size_t>(w.at(2, 1))] = 1300.0F;  // tan -0.3 < -0.2125: steep down
  EXPECT_NEAR(w.time(w.at(2, 1), w.at(1, 1)), (0.72 * 1000 + -1.9998 * -300) / 3600, 1e-12);
}

TEST(TravelTime, TooSteepIsImpossibleExceptOnRoads) {
  World w;
  w.params.max_slope_deg = 30;
  w.elevation[static_cast<std::size_t>(w.at(2, 1))] = 1700.0F;  // atan(0.7) = 35 degrees
  EXPECT_EQ(w.time(w.at(1, 1), w.at(2, 1)), kInf);
  w.road[static_cast<std::size_t>(w.at(1, 1))] = 40.0F;
  w.road[static_cast<std::size_t>(w.at(2, 1))] = 20.0F;
  EXPECT_NEAR(w.time(w.at(1, 1), w.at(2, 1)), 1.0 / 20.0, 1e-12);  // the slower of the two road speeds
}

TEST(TravelTime, RiversBlockStraightDiagonalAndKnightMoves) {
  World w;
  w.river_column();
  EXPECT_EQ(w.time(w.at(2, 3), w.at(3, 3)), kInf);  // into the river
  EXPECT_EQ(w.time(w.at(2, 3), w.at(4, 2)), kInf);  // knight over it
  EXPECT_EQ(w.time(w.at(2, 3), w.at(4, 4)), kInf);
  // Nothing crosses column 3: a cost-distance run from the west reaches no eastern cell.
  const Seed seeds[] = {{w.at(0, 3), 0.0}};
  CostDistanceOptions o;
  o.neighbourhood = Neighbourhood::knight16;
  const auto r = cost_distance(w.grid, seeds, w.edge(), o);
  for (int row = 0; row < 7; ++row)
    for (int col = 3; col < 7; ++col) EXPECT_TRUE(std::isnan(r.accumulated.at(col, row))) << col << "," << row;
}

TEST(TravelTime, NoCornerCuttingBetweenTwoImpassableCells) {
  World w;
  w.friction[static_cast<std::size_t>(w.at(2, 1))] = std::nanf("");
  w.friction[static_cast<std::size_t>(w.at(1, 2))] = std::nanf("");
  EXPECT_EQ(w.time(w.at(1, 1), w.at(2, 2)), kInf);
  w.friction[static_cast<std::size_t>(w.at(1, 2))] = 1.0F;  // one side open: allowed
  EXPECT_LT(w.time(w.at(1, 1), w.at(2, 2)), kInf);
}

TEST(TravelTime, CrossingZoneCostsItsHoursAlsoWhenJumpedOver) {
  World w;
  w.river_column();
  const CellIndex post = w.at(3, 3);
  w.friction[static_cast<std::size_t>(post)] = 1.0F;
  w.flags[static_cast<std::size_t>(post)] |= travel_flags::open_crossing;
  w.crossing_hours[static_cast<std::size_t>(post)] = 2.0F;
  const double walk = 1.0 / (6.0 * std::exp(-0.175));
  EXPECT_NEAR(w.time(w.at(2, 3), post), walk + 2.0, 1e-12);  // entering the zone
  EXPECT_NEAR(w.time(post, w.at(4, 3)), walk, 1e-12);         // leaving it is free
  // The knight's move from (2,2) to (4,3) passes between (3,2) [river] and (3,3): impassable.
  EXPECT_EQ(w.time(w.at(2, 2), w.at(4, 3)), kInf);
  // Make the zone two cells tall: a knight's move over it passes between two zone cells and pays.
  const CellIndex post2 = w.at(3, 2);
  w.friction[static_cast<std::size_t>(post2)] = 1.0F;
  w.flags[static_cast<std::size_t>(post2)] |= travel_flags::open_crossing;
  w.crossing_hours[static_cast<std::size_t>(post2)] = 2.0F;
  EXPECT_NEAR(w.time(w.at(2, 2), w.at(4, 3)), std::sqrt(5.0) * walk + 2.0, 1e-12);
  // A diagonal between a zone cell and a river cell threads the crossing and pays too.
  w.friction[static_cast<std::size_t>(post2)] = std::nanf("");
  w.flags[static_cast<std::size_t>(post2)] = travel_flags::river;
  w.friction[static_cast<std::size_t>(w.at(2, 2))] = 1.0F;
  EXPECT_NEAR(w.time(w.at(2, 2), w.at(3, 3)), std::sqrt(2.0) * walk + 2.0, 1e-12);
}

TEST(TravelTime, LeavingTheBorderBandCostsThePenaltyOfTheCellEntered) {
  World w;
  for (int r = 0; r < 7; ++r) w.flags[static_cast<std::size_t>(w.at(3, r))] |= travel_flags::border_band;
  for (int r = 0; r < 7; ++r) w.penalty[static_cast<std::size_t>(w.at(4, r))] = 6.0F;  // entering the east
  for (int r = 0; r < 7; ++r) w.penalty[static_cast<std::size_t>(w.at(2, r))] = 1.0F;  // entering the west
  const double walk = 1.0 / (6.0 * std::exp(-0.175));
  EXPECT_NEAR(w.time(w.at(2, 3), w.at(3, 3)), walk, 1e-12);        // into the band: free
  EXPECT_NEAR(w.time(w.at(3, 3), w.at(4, 3)), walk + 6.0, 1e-12);  // out east: the east's penalty
  EXPECT_NEAR(w.time(w.at(3, 3), w.at(2, 3)), walk + 1.0, 1e-12);  // out west: the west's
  // A knight's move over the band pays too.
  EXPECT_NEAR(w.time(w.at(2, 3), w.at(4, 2)), std::sqrt(5.0) * walk + 6.0, 1e-12);
  // At an open crossing the penalty is waived (its crossing hours apply instead).
  w.flags[static_cast<std::size_t>(w.at(3, 3))] |= travel_flags::open_crossing;
  w.crossing_hours[static_cast<std::size_t>(w.at(3, 3))] = 0.5F;
  EXPECT_NEAR(w.time(w.at(2, 3), w.at(3, 3)), walk + 0.5, 1e-12);
  EXPECT_NEAR(w.time(w.at(3, 3), w.at(4, 3)), walk, 1e-12);
}

TEST(TravelTime, ReversedWalksTheSameMoveBackwards) {
  World w;
  for (int i = 0; i < 49; ++i) w.elevation[static_cast<std::size_t>(i)] = 1000.0F + 37.0F * static_cast<float>(i % 5);
  const TravelTime fwd = w.edge();
  const Reversed<TravelTime> rev(w.grid, fwd);
  for (int k = 0; k < 16; ++k) {
    const CellIndex a = w.at(3, 3);
    const auto& mv = stencil_moves()[static_cast<std::size_t>(k)];
    const CellIndex b = w.at(3 + mv.dc, 3 + mv.dr);
    EXPECT_EQ(rev(a, b, k), fwd(b, a, w.move(b, a))) << k;
  }
}

}  // namespace
}  // namespace nexusmap

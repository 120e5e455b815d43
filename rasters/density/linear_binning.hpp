// SPDX-License-Identifier: MIT
// Linear binning of weighted points onto cell centres: each weight is split bilinearly over the four
// cell centres around the point, so a kernel sum over the bins approximates the sum over the points
// with an O(cell²) error instead of the O(cell) error of nearest-cell binning.
// M.P. Wand, "Fast computation of multivariate kernel estimators", Journal of Computational and
// Graphical Statistics 3(4), 433-445, 1994, doi:10.1080/10618600.1994.10474656.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rasters/core/grid.hpp"

namespace nexusmap {

// A point event in map coordinates of the grid's CRS (metres) with a non-negative weight.
struct WeightedPoint {
  double x = 0, y = 0, weight = 1;
};

// Bins on the grid's cell centres plus a one-cell frame around it: a point between the outermost
// centres and the grid edge puts part of its weight on the frame, so no weight is moved or lost.
// Stored sparsely (compressed rows): events occupy few bins, and a dense grid-sized array of zeros
// would cost more to allocate than the binning itself.
struct LinearBins {
  std::int64_t width = 0;   // grid width + 2; framed column k is grid column k − 1
  std::int64_t height = 0;  // grid height + 2; framed row k is grid row k − 1
  std::vector<std::int64_t> row_start;  // height + 1 offsets: row k's bins are [row_start[k], row_start[k+1])
  std::vector<std::int64_t> column;     // framed column of each bin, ascending within a row
  std::vector<double> mass;             // its mass, > 0
  std::int64_t inside = 0, outside = 0;  // points inside / outside the grid extent
  double weight_inside = 0, weight_outside = 0;

  [[nodiscard]] std::int64_t row_begin(std::int64_t row) const { return row_start[static_cast<std::size_t>(row)]; }
  [[nodiscard]] std::int64_t row_end(std::int64_t row) const { return row_start[static_cast<std::size_t>(row + 1)]; }
};

// Throws Error(input_data) naming point `index` when its weight is negative or not finite, or a
// coordinate is not finite.
void check_weighted_point(const WeightedPoint& point, std::size_t index);

// Points outside the grid extent (half-open, as Grid::cell_at) are counted but not binned. Every
// point is checked with check_weighted_point. A bin's mass is summed in point order, so the result
// does not depend on anything but the input.
LinearBins linear_binning(const Grid& grid, std::span<const WeightedPoint> points);

}  // namespace nexusmap

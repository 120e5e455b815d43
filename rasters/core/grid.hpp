// SPDX-License-Identifier: MIT
// The analysis grid: a north-up raster georeferencing with 64-bit cell indexing.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace nexusmap {

using CellIndex = std::int64_t;

struct Cell {
  std::int64_t col = 0;
  std::int64_t row = 0;
  friend bool operator==(const Cell&, const Cell&) = default;
};

struct Extent {
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;
  [[nodiscard]] double width() const { return xmax - xmin; }
  [[nodiscard]] double height() const { return ymax - ymin; }
};

struct Grid {
  std::string crs_wkt;                      // WKT2; empty only for tests without a CRS
  std::array<double, 6> geotransform{};     // GDAL order: x0, dx, 0, y0, 0, -dy (north-up)
  std::int64_t width = 0;
  std::int64_t height = 0;

  // A north-up grid whose top-left corner is (xmin, ymax).
  static Grid north_up(std::string crs_wkt, double xmin, double ymax, double cell_size,
                       std::int64_t width, std::int64_t height) {
    return Grid{std::move(crs_wkt), {xmin, cell_size, 0.0, ymax, 0.0, -cell_size}, width, height};
  }

  [[nodiscard]] CellIndex cells() const { return width * height; }
  [[nodiscard]] CellIndex index(std::int64_t col, std::int64_t row) const { return row * width + col; }
  [[nodiscard]] Cell cell(CellIndex i) const { return {i % width, i / width}; }
  [[nodiscard]] bool inside(std::int64_t col, std::int64_t row) const {
    return col >= 0 && row >= 0 && col < width && row < height;
  }
  [[nodiscard]] double dx() const { return geotransform[1]; }
  [[nodiscard]] double dy() const { return -geotransform[5]; }
  [[nodiscard]] double x_center(std::int64_t col) const {
    return geotransform[0] + (static_cast<double>(col) + 0.5) * geotransform[1];
  }
  [[nodiscard]] double y_center(std::int64_t row) const {
    return geotransform[3] + (static_cast<double>(row) + 0.5) * geotransform[5];
  }
  [[nodiscard]] Extent extent() const {
    return {geotransform[0], geotransform[3] + static_cast<double>(height) * geotransform[5],
            geotransform[0] + static_cast<double>(width) * geotransform[1], geotransform[3]};
  }
  // Fractional pixel coordinates of a map position (0,0 = top-left corner of the grid).
  [[nodiscard]] std::pair<double, double> pixel_of(double x, double y) const {
    return {(x - geotransform[0]) / geotransform[1], (y - geotransform[3]) / geotransform[5]};
  }
  [[nodiscard]] std::optional<Cell> cell_at(double x, double y) const {
    auto [px, py] = pixel_of(x, y);
    if (!(px >= 0 && py >= 0)) return std::nullopt;
    Cell c{static_cast<std::int64_t>(std::floor(px)), static_cast<std::int64_t>(std::floor(py))};
    if (!inside(c.col, c.row)) return std::nullopt;
    return c;
  }
  // Same georeferencing (geotransform within a small fraction of a cell, same size); CRS compared by text.
  [[nodiscard]] bool same_georeferencing(const Grid& o) const {
    if (width != o.width || height != o.height) return false;
    const double tol = 1e-6 * std::abs(geotransform[1]);
    for (int k = 0; k < 6; ++k)
      if (std::abs(geotransform[k] - o.geotransform[k]) > tol) return false;
    return true;
  }
  friend bool operator==(const Grid&, const Grid&) = default;
};

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
#include "rasters/statistics/analysis_units.hpp"

#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The hexagon (axial q, r) containing the point (x, y) relative to the lattice origin, for pointy-top
// hexagons with circumradius `size`: fractional axial coordinates rounded in cube coordinates.
std::pair<std::int64_t, std::int64_t> hex_of(double x, double y, double size) {
  const double q = (std::sqrt(3.0) / 3 * x - y / 3) / size;
  const double r = (2.0 / 3 * y) / size;
  const double s = -q - r;
  double rq = std::round(q), rr = std::round(r);
  const double rs = std::round(s);
  const double dq = std::abs(rq - q), dr = std::abs(rr - r), ds = std::abs(rs - s);
  if (dq > dr && dq > ds) rq = -rr - rs;
  else if (dr > ds) rr = -rq - rs;
  return {static_cast<std::int64_t>(rq), static_cast<std::int64_t>(rr)};
}

void check_zone(std::int32_t z, std::int64_t count, const Grid& g, CellIndex i, const char* what) {
  if (z < 0 || z >= count) {
    const Cell c = g.cell(i);
    input_error(fmt::format("{}: zone index {} at cell (col {}, row {}) is outside [0, {})", what, z, c.col, c.row, count));
  }
}

}  // namespace

ZoneLattice hexagon_zones(const Grid& grid, double spacing) {
  const double cell = std::max(grid.dx(), grid.dy());
  if (!std::isfinite(spacing) || !(spacing >= cell))
    config_error(fmt::format("hexagon lattice: spacing {} m must be at least one cell ({} m)", spacing, cell));
  // Centre-to-centre distance of pointy-top neighbours is √3 × circumradius.
  const double size = spacing / std::sqrt(3.0);
  ZoneLattice out{Raster<std::int32_t>(grid), 0};
  std::unordered_map<std::int64_t, std::int32_t> ids;
  const double x0 = grid.geotransform[0], y0 = grid.geotransform[3];
  for (std::int64_t r = 0; r < grid.height; ++r)
    for (std::int64_t c = 0; c < grid.width; ++c) {
      // y grows downwards here so that rows of hexagons follow rows of cells.
      const auto [hq, hr] = hex_of(grid.x_center(c) - x0, y0 - grid.y_center(r), size);
      const std::int64_t key = hq * 4294967296LL + hr;  // |q|, |r| < 2^31 for any grid that fits in memory
      auto [it, fresh] = ids.try_emplace(key, out.count);
      if (fresh) ++out.count;
      out.zones.set_valid(grid.index(c, r), it->second);
    }
  return out;
}

ZoneLattice square_block_zones(const Grid& grid, std::int64_t block_cells) {
  if (block_cells < 1) config_error(fmt::format("square blocks: block_cells {} must be >= 1", block_cells));
  const std::int64_t bw = (grid.width + block_cells - 1) / block_cells;
  const std::int64_t bh = (grid.height + block_cells - 1) / block_cells;
  if (bw * bh > std::numeric_limits<std::int32_t>::max()) config_error("square blocks: too many blocks for Int32 zones");
  ZoneLattice out{Raster<std::int32_t>(grid), static_cast<std::int32_t>(bw * bh)};
  for (std::int64_t r = 0; r < grid.height; ++r)
    for (std::int64_t c = 0; c < grid.width; ++c)
      out.zones.set_valid(grid.index(c, r), static_cast<std::int32_t>((r / block_cells) * bw + c / block_cells));
  return out;
}

AnalysisUnits aggregate_to_units(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                 const Raster<float>& values, const UnitAggregationOptions& options) {
  if (zone_count < 0) config_error(fmt::format("analysis units: zone_count {} must be >= 0", zone_count));
  if (!(options.min_valid_share >= 0 && options.min_valid_share <= 1))
    config_error(fmt::format("analysis units: min_valid_share {} must be in [0, 1]", options.min_valid_share));
  if (!values.grid().same_georeferencing(zones.grid()))
    input_error("analysis units: the values are not on the zones' grid");
  const Grid& g = zones.grid();
  const auto n = static_cast<std::size_t>(zone_count);
  AnalysisUnits u;
  u.x.assign(n, 0.0);
  u.y.assign(n, 0.0);
  u.value.assign(n, 0.0);
  u.cells.assign(n, 0);
  u.valid.assign(n, 0);
  for (CellIndex i = 0; i < zones.size(); ++i) {
    if (!zones.valid(i)) continue;
    const std::int32_t z = zones[i];
    check_zone(z, zone_count, g, i, "analysis units");
    const auto k = static_cast<std::size_t>(z);
    const Cell c = g.cell(i);
    u.x[k] += g.x_center(c.col);
    u.y[k] += g.y_center(c.row);
    ++u.cells[k];
    if (values.valid(i)) {
      u.value[k] += static_cast<double>(values[i]);
      ++u.valid[k];
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    const auto cells = static_cast<double>(u.cells[k]);
    const auto valid = static_cast<double>(u.valid[k]);
    u.x[k] = u.cells[k] > 0 ? u.x[k] / cells : kNaN;
    u.y[k] = u.cells[k] > 0 ? u.y[k] / cells : kNaN;
    u.value[k] = (u.valid[k] > 0 && valid >= options.min_valid_share * cells) ? u.value[k] / valid : kNaN;
  }
  return u;
}

Raster<float> paint_units(const Raster<std::int32_t>& zones, std::span<const double> per_unit) {
  Raster<float> out(zones.grid());
  const auto count = static_cast<std::int64_t>(per_unit.size());
  for (CellIndex i = 0; i < zones.size(); ++i) {
    if (!zones.valid(i)) continue;
    check_zone(zones[i], count, zones.grid(), i, "paint units");
    out[i] = static_cast<float>(per_unit[static_cast<std::size_t>(zones[i])]);
  }
  return out;
}

Raster<std::int16_t> paint_unit_classes(const Raster<std::int32_t>& zones, std::span<const std::int16_t> classes,
                                        std::span<const std::uint8_t> tested) {
  if (classes.size() != tested.size()) fail(ErrorKind::internal, "paint unit classes: classes and tested differ in size");
  Raster<std::int16_t> out(zones.grid());
  const auto count = static_cast<std::int64_t>(classes.size());
  for (CellIndex i = 0; i < zones.size(); ++i) {
    if (!zones.valid(i)) continue;
    check_zone(zones[i], count, zones.grid(), i, "paint unit classes");
    const auto k = static_cast<std::size_t>(zones[i]);
    if (tested[k] != 0) out.set_valid(i, classes[k]);
  }
  return out;
}

}  // namespace nexusmap

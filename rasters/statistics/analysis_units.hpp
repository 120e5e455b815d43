// SPDX-License-Identifier: MIT
// Analysis units for hot-spot statistics on smooth surfaces: the grid is partitioned into zones (a
// hexagon or square lattice here, or districts rasterised by the caller), each zone becomes one unit
// with the mean of its valid cells at the centroid of its cells, and unit results are painted back
// onto the grid. On a kernel-smoothed surface neighbouring cells are nearly copies of each other;
// units about as wide as the smoothing are close to independent observations, which is what a
// hot-spot test assumes (Esri's Optimized Hot Spot Analysis aggregates to a fishnet or hexagons for
// the same reason).
//   Hexagonal lattices for spatial aggregation: D.B. Carr, R.J. Littlefield, W.L. Nicholson and
//   J.S. Littlefield, "Scatterplot matrix techniques for large N", Journal of the American
//   Statistical Association 82(398), 424-436, 1987, doi:10.1080/01621459.1987.10478445 (hexagon
//   binning); the axial-coordinate rounding follows the standard cube-coordinate construction.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rasters/core/raster.hpp"

namespace nexusmap {

// A partition of the grid: zone index per cell, 0..count−1 (masked = no zone).
struct ZoneLattice {
  Raster<std::int32_t> zones;
  std::int32_t count = 0;
};

// Pointy-top hexagons whose centres are `spacing` metres apart (neighbouring centres; the hexagon's
// area is spacing²·√3/2), the lattice anchored at the grid's top-left corner. Each cell belongs to the
// hexagon containing its centre. Zones are numbered in order of their first cell in row-major order,
// so the numbering depends only on the grid and the spacing. Errors: Error(config) when spacing is
// not finite or is smaller than the larger cell side.
ZoneLattice hexagon_zones(const Grid& grid, double spacing);

// Square blocks of block_cells × block_cells cells from the top-left corner (the last row and column
// of blocks may be smaller). Errors: Error(config) for block_cells < 1.
ZoneLattice square_block_zones(const Grid& grid, std::int64_t block_cells);

struct UnitAggregationOptions {
  // A unit is valid when at least this share of its cells has a value: a unit mostly outside the
  // data (at the edge of the study area) would rest its mean on a few cells.
  double min_valid_share = 0.5;
};

struct AnalysisUnits {
  std::vector<double> x, y;              // centroid of the unit's cells (all of them), map units
  std::vector<double> value;             // mean of its valid values; NaN when the unit is not valid
  std::vector<std::int64_t> cells, valid;  // cells of the unit, and those with a value
  [[nodiscard]] std::int64_t size() const { return static_cast<std::int64_t>(value.size()); }
};

// One unit per zone index 0..zone_count−1, sums in one sequential pass (reproducible bit for bit).
// Zones without cells are units with cells = 0, NaN value and NaN centroid.
// Errors: Error(config) for zone_count < 0 or min_valid_share outside [0, 1]; Error(input_data) when
// values is not on the zones' grid, or a zone index is outside [0, zone_count) (naming the cell).
AnalysisUnits aggregate_to_units(const Raster<std::int32_t>& zones, std::int32_t zone_count,
                                 const Raster<float>& values, const UnitAggregationOptions& options = {});

// Per-unit values painted onto the zones' grid: cell = per_unit[zone]; NaN where the cell has no zone
// or the unit's value is NaN. Errors: Error(input_data) when a zone index is outside per_unit.
Raster<float> paint_units(const Raster<std::int32_t>& zones, std::span<const double> per_unit);

// Per-unit classes (e.g. hot-spot bins) painted onto the grid; masked where the cell has no zone or
// the unit is not `tested`. Errors as paint_units, and when bins and tested differ in size.
Raster<std::int16_t> paint_unit_classes(const Raster<std::int32_t>& zones, std::span<const std::int16_t> classes,
                                        std::span<const std::uint8_t> tested);

}  // namespace nexusmap

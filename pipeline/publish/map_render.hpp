// SPDX-License-Identifier: MIT
// Map images for briefings: one key raster over a hillshade, vector overlays, a legend, a title
// with the run date, a scale bar and a north arrow, rendered with GDAL (hillshade, colours) and
// cairo (vectors, text) into a PNG. Geometries are in the grid's CRS; map pixels follow the grid
// geotransform, so the image is the grid's extent, north up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/publish/styles.hpp"
#include "pipeline/publish/vector_styles.hpp"
#include "rasters/core/grid.hpp"
#include "rasters/core/raster.hpp"
#include "vectors/features.hpp"

namespace nexusmap {

struct MapRaster {
  const Raster<float>* values = nullptr;
  RasterSymbology symbology;
  std::string legend_title;  // e.g. "Nexus index"
};

struct MapOverlay {
  const FeatureTable* features = nullptr;
  VectorStyle style;
  std::string legend_label;  // "" = not listed in the legend
  std::string label_field;   // feature labels from this attribute ("" = none)
};

struct MapSpec {
  Grid grid;
  int width = 1600;  // image width in pixels; the height follows the grid's shape
  std::string title;
  std::string subtitle;                             // e.g. "Nexus index · 2024-05-01"
  std::string footer;                               // credits and CRS
  const Raster<std::uint8_t>* hillshade = nullptr;  // on `grid`; absent: a plain background
  std::optional<MapRaster> layer;                   // the key layer, on `grid`
  std::vector<MapOverlay> overlays;                 // drawn bottom to top
};

// Renders and writes the PNG. Throws Error(input_data) when the file cannot be written.
void render_map(const MapSpec& spec, const std::filesystem::path& png);

}  // namespace nexusmap

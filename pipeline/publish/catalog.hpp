// SPDX-License-Identifier: MIT
// What the publish stage puts where: every layer it knows by input slot, with its title, group,
// style, visibility and drawing order in the QGIS project, and the maps it draws. One table, so the
// project, the GeoPackage, the maps and the docs cannot disagree.
#pragma once

#include <string>
#include <vector>

#include "pipeline/publish/raster_style.hpp"
#include "pipeline/publish/vector_styles.hpp"

namespace nexusmap {

inline constexpr const char* kGroupAnalysis = "Analysis";
inline constexpr const char* kGroupCorridors = "Corridors";
inline constexpr const char* kGroupInputs = "Inputs";

struct RasterLayerDef {
  std::string slot;   // publish stage input (or own output "hillshade")
  std::string title;  // layer name in QGIS, legend title on maps
  RasterStyle style;
  std::string units;
  std::string group;
  bool visible;  // checked when the project opens
};

// Listed top to bottom in drawing order; within a group this is also the layer-tree order.
const std::vector<RasterLayerDef>& raster_layer_defs();

struct VectorLayerDef {
  std::string slot;   // publish stage input
  std::string layer;  // layer name in nexusmap.gpkg
  std::string role;   // manifest role of that layer
  std::string title;
  std::string group;
  GeometryKind geometry;
  bool visible;
};

// Listed top to bottom in drawing order (points, lines, polygons).
const std::vector<VectorLayerDef>& vector_layer_defs();

// Styles of the published vector layers (the maps draw the same).
VectorStyle least_cost_paths_style();
VectorStyle alternative_routes_style();
VectorStyle corridor_polygons_style();
VectorStyle crossings_style(const std::string& label_field);
VectorStyle provinces_outline_style(const std::string& label_field);
// Graduated by `field` in quantile classes of `values`; a plain fill when there are none.
VectorStyle province_stats_style(const std::string& field, const std::vector<double>& values);

struct MapDef {
  std::string output;  // publish stage output, e.g. "map_nexus"
  std::string title;
  std::vector<std::string> slots;  // the key layer: the first of these that is connected
  bool corridor_overlays;          // also corridor polygons, alternative routes and crossings
  std::string help;
};

const std::vector<MapDef>& map_defs();

}  // namespace nexusmap

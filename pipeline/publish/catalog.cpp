// SPDX-License-Identifier: MIT
#include "pipeline/publish/catalog.hpp"

namespace nexusmap {

const std::vector<RasterLayerDef>& raster_layer_defs() {
  static const std::vector<RasterLayerDef> defs = {
      {"corridor", "Least-cost corridor", RasterStyle::binary, "", kGroupCorridors, false},
      {"hotspot_bins", "Hot spots (Gi*, FDR-corrected)", RasterStyle::hotspot_bins, "", kGroupAnalysis, false},
      {"nexus_index", "Nexus index", RasterStyle::uniform, "index 0–1", kGroupAnalysis, true},
      {"route_frequency", "Route frequency", RasterStyle::uniform, "share of Monte Carlo draws", kGroupCorridors,
       false},
      {"hotspot_z", "Hot spot z-score (Gi*)", RasterStyle::diverging, "z-score", kGroupAnalysis, false},
      {"activity_density", "Militant activity density", RasterStyle::uniform, "weighted events per 100 km²",
       kGroupAnalysis, false},
      {"governance_gap", "Governance gap", RasterStyle::uniform, "0 strong state – 1 weak", kGroupAnalysis, false},
      {"remoteness", "Remoteness from state centres", RasterStyle::sequential, "hours", kGroupAnalysis, false},
      {"accumulated_cost", "Accumulated cost (travel time)", RasterStyle::sequential, "hours", kGroupCorridors, false},
      {"travel_cost", "Travel cost on flat ground", RasterStyle::sequential, "hours per km", kGroupCorridors, false},
      // Multiplied over the rasters above it: relief shading for whichever of them is switched on.
      {"hillshade", "Hillshade", RasterStyle::hillshade, "", kGroupInputs, true},
      {"elevation", "Elevation", RasterStyle::terrain, "m", kGroupInputs, false},
  };
  return defs;
}

const std::vector<VectorLayerDef>& vector_layer_defs() {
  static const std::vector<VectorLayerDef> defs = {
      {"crossings", "crossings", "inputs", "Border crossings", kGroupInputs, GeometryKind::point, true},
      {"paths", "least_cost_paths", "least_cost_paths", "Least-cost paths", kGroupCorridors, GeometryKind::line, true},
      {"alternatives", "alternative_routes", "alternative_routes", "Alternative routes", kGroupCorridors,
       GeometryKind::line, true},
      {"corridor_polygons", "corridor_polygons", "corridor", "Corridor polygons", kGroupCorridors,
       GeometryKind::polygon, true},
      {"provinces", "province_stats", "province_stats", "Province statistics", kGroupAnalysis, GeometryKind::polygon,
       false},
  };
  return defs;
}

VectorStyle least_cost_paths_style() {
  VectorStyle s;
  s.geometry = GeometryKind::line;
  s.symbol.stroke = rgb("#b10026");
  s.symbol.stroke_width = 0.9;
  s.symbol.casing = rgb("#ffffff");
  s.symbol.casing_width = 1.7;
  return s;
}

VectorStyle alternative_routes_style() {
  VectorStyle s;
  s.geometry = GeometryKind::line;
  s.symbol.stroke = rgb("#f16913");
  s.symbol.stroke_width = 0.55;
  s.symbol.dashed = true;
  s.symbol.casing = rgb("#ffffff").with_alpha(200);
  s.symbol.casing_width = 1.0;
  return s;
}

VectorStyle corridor_polygons_style() {
  VectorStyle s;
  s.geometry = GeometryKind::polygon;
  s.symbol.fill = rgb("#fd8d3c").with_alpha(70);
  s.symbol.stroke = rgb("#a63603");
  s.symbol.stroke_width = 0.35;
  return s;
}

VectorStyle crossings_style(const std::string& label_field) {
  VectorStyle s;
  s.geometry = GeometryKind::point;
  s.symbol.marker = "diamond";
  s.symbol.fill = rgb("#ffd400");
  s.symbol.stroke = rgb("#222222");
  s.symbol.stroke_width = 0.3;
  s.symbol.size = 3.0;
  s.label_field = label_field;
  return s;
}

VectorStyle provinces_outline_style(const std::string& label_field) {
  VectorStyle s;
  s.geometry = GeometryKind::polygon;
  s.symbol.fill = rgb("#ffffff").with_alpha(0);
  s.symbol.stroke = rgb("#505050");
  s.symbol.stroke_width = 0.3;
  s.label_field = label_field;
  return s;
}

VectorStyle province_stats_style(const std::string& field, const std::vector<double>& values) {
  VectorStyle s;
  s.geometry = GeometryKind::polygon;
  s.symbol.fill = rgb("#fecc5c");
  s.symbol.stroke = rgb("#606060");
  s.symbol.stroke_width = 0.2;
  s.opacity = 0.85;
  if (!field.empty()) {
    s.classes = quantile_classes(values, 5, choropleth_ramp());
    if (!s.classes.empty()) s.field = field;
  }
  return s;
}

const std::vector<MapDef>& map_defs() {
  static const std::vector<MapDef> defs = {
      {"map_nexus",
       "Nexus index",
       {"nexus_index"},
       false,
       "Map: nexus index over the hillshade, with provinces and least-cost paths."},
      {"map_corridors",
       "Trafficking corridors",
       {"route_frequency", "accumulated_cost"},
       true,
       "Map: route frequency (else accumulated cost) with corridor polygons, least-cost and alternative routes and "
       "crossings."},
      {"map_activity",
       "Militant activity",
       {"activity_density"},
       false,
       "Map: militant activity density, with provinces and least-cost paths."},
      {"map_governance",
       "Governance gap",
       {"governance_gap"},
       false,
       "Map: governance gap, with provinces and least-cost paths."},
      {"map_hotspots",
       "Nexus hot spots (Getis–Ord Gi*)",
       {"hotspot_bins"},
       false,
       "Map: hot and cold spots of the nexus index at 90/95/99 % confidence."},
  };
  return defs;
}

}  // namespace nexusmap

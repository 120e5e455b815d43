// SPDX-License-Identifier: MIT
#include "pipeline/publish/looks.hpp"

namespace nexusmap {

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

VectorStyle flow_routes_style() {
  VectorStyle s;
  s.geometry = GeometryKind::line;
  s.symbol.stroke = rgb("#7a0177").with_alpha(90);
  s.symbol.stroke_width = 0.3;
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

}  // namespace nexusmap

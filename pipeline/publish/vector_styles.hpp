// SPDX-License-Identifier: MIT
// Vector layer styles: a small symbology description written as QGIS 3.22 style XML (for the
// GeoPackage layer_styles table and the project) and as OGC SLD 1.1 (for other clients). The maps
// draw the same symbols.
#pragma once

#include <string>
#include <vector>

#include "pipeline/publish/colors.hpp"
#include "pipeline/publish/xml.hpp"

namespace nexusmap {

enum class GeometryKind { point, line, polygon };

struct Symbol {
  Rgba fill{255, 255, 255, 0};   // polygons and markers
  Rgba stroke{35, 35, 35, 255};  // outline, or the line itself
  double stroke_width = 0.26;    // mm
  bool dashed = false;
  Rgba casing{255, 255, 255, 0};  // lines: a wider halo drawn underneath (alpha 0 = none)
  double casing_width = 0;        // mm
  std::string marker = "circle";  // QGIS SimpleMarker shape: circle, square, diamond, triangle, star
  double size = 2.0;              // marker diameter, mm
};

struct GraduatedClass {
  double lower;
  double upper;
  Rgba fill;
  std::string label;
};

struct VectorStyle {
  GeometryKind geometry = GeometryKind::line;
  Symbol symbol;      // the single symbol, or the template of every class
  std::string field;  // graduated by this numeric attribute ("" = single symbol)
  std::vector<GraduatedClass> classes;
  std::string label_field;  // labelled with this attribute ("" = no labels)
  double opacity = 1.0;
};

// Quantile classes (at most `n`, fewer when values repeat) of `values`, coloured along `ramp`.
std::vector<GraduatedClass> quantile_classes(std::vector<double> values, int n, const ColorRamp& ramp);

// Attributes QGIS reads from the <qgis> / <maplayer> element itself (labelsEnabled, ...).
XmlAttrs vector_root_attrs(const VectorStyle& style);
// The elements inside <qgis> (.qml) or <maplayer> (.qgs): renderer-v2, labeling, opacity.
std::string vector_style_body(const VectorStyle& style);
// A complete .qml document (as stored in layer_styles.styleQML).
std::string vector_qml(const VectorStyle& style);
// The same symbology as an OGC SLD 1.1 document (layer_styles.styleSLD).
std::string vector_sld(const VectorStyle& style, const std::string& layer_name);

}  // namespace nexusmap

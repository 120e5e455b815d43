// SPDX-License-Identifier: MIT
#include "pipeline/publish/vector_styles.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pipeline/publish/styles.hpp"

namespace nexusmap {
namespace {

using Props = std::vector<std::pair<std::string, std::string>>;

std::string num(double v) { return fmt::format("{:.6g}", v); }

// QGIS 3.22 writes symbol layer properties twice, as an Option map and as legacy <prop> elements;
// so do we, so that every 3.x reader finds them.
void write_props(XmlWriter& w, const Props& props) {
  w.option_map(props);
  for (const auto& [k, v] : props) w.empty("prop", {{"k", k}, {"v", v}});
}

void write_dd_properties(XmlWriter& w, const char* tag) {
  w.open(tag).open("Option", {{"type", "Map"}});
  w.empty("Option", {{"type", "QString"}, {"name", "name"}, {"value", ""}});
  w.empty("Option", {{"name", "properties"}});
  w.empty("Option", {{"type", "QString"}, {"name", "type"}, {"value", "collection"}});
  w.close().close();
}

void write_symbol_layer(XmlWriter& w, const char* cls, const Props& props) {
  w.open("layer", {{"class", cls}, {"enabled", "1"}, {"locked", "0"}, {"pass", "0"}});
  write_props(w, props);
  write_dd_properties(w, "data_defined_properties");
  w.close();
}

Props line_props(const Rgba& color, double width, bool dashed) {
  return {{"capstyle", "round"},
          {"joinstyle", "round"},
          {"line_color", color.qgis()},
          {"line_style", dashed ? "dash" : "solid"},
          {"line_width", num(width)},
          {"line_width_unit", "MM"},
          {"offset", "0"},
          {"offset_unit", "MM"},
          {"use_custom_dash", "0"},
          {"customdash", "5;2"},
          {"customdash_unit", "MM"},
          {"draw_inside_polygon", "0"}};
}

void write_symbol(XmlWriter& w, GeometryKind geometry, const Symbol& s, const Rgba& fill, const std::string& name) {
  const char* type = geometry == GeometryKind::point ? "marker" : geometry == GeometryKind::line ? "line" : "fill";
  w.open("symbol", {{"type", type}, {"name", name}, {"alpha", "1"}, {"clip_to_extent", "1"}, {"force_rhr", "0"}});
  write_dd_properties(w, "data_defined_properties");
  switch (geometry) {
    case GeometryKind::line:
      if (s.casing.a > 0 && s.casing_width > 0)
        write_symbol_layer(w, "SimpleLine", line_props(s.casing, s.casing_width, false));
      write_symbol_layer(w, "SimpleLine", line_props(s.stroke, s.stroke_width, s.dashed));
      break;
    case GeometryKind::polygon:
      write_symbol_layer(w, "SimpleFill",
                         {{"color", fill.qgis()},
                          {"style", fill.a == 0 ? "no" : "solid"},
                          {"outline_color", s.stroke.qgis()},
                          {"outline_style", s.stroke.a == 0 ? "no" : (s.dashed ? "dash" : "solid")},
                          {"outline_width", num(s.stroke_width)},
                          {"outline_width_unit", "MM"},
                          {"joinstyle", "round"},
                          {"offset", "0,0"},
                          {"offset_unit", "MM"}});
      break;
    case GeometryKind::point:
      write_symbol_layer(w, "SimpleMarker",
                         {{"name", s.marker},
                          {"color", fill.qgis()},
                          {"outline_color", s.stroke.qgis()},
                          {"outline_style", "solid"},
                          {"outline_width", num(s.stroke_width)},
                          {"outline_width_unit", "MM"},
                          {"size", num(s.size)},
                          {"size_unit", "MM"},
                          {"angle", "0"},
                          {"scale_method", "diameter"},
                          {"joinstyle", "round"},
                          {"cap_style", "round"},
                          {"horizontal_anchor_point", "1"},
                          {"vertical_anchor_point", "1"},
                          {"offset", "0,0"},
                          {"offset_unit", "MM"}});
      break;
  }
  w.close();
}

void write_renderer(XmlWriter& w, const VectorStyle& st) {
  const XmlAttrs common = {
      {"forceraster", "0"}, {"symbollevels", "0"}, {"enableorderby", "0"}, {"referencescale", "-1"}};
  if (st.field.empty() || st.classes.empty()) {
    XmlAttrs a = {{"type", "singleSymbol"}};
    a.insert(a.end(), common.begin(), common.end());
    w.open("renderer-v2", a).open("symbols");
    write_symbol(w, st.geometry, st.symbol, st.symbol.fill, "0");
    w.close();
  } else {
    XmlAttrs a = {{"type", "graduatedSymbol"}, {"attr", st.field}, {"graduatedMethod", "GraduatedColor"}};
    a.insert(a.end(), common.begin(), common.end());
    w.open("renderer-v2", a).open("ranges");
    for (std::size_t i = 0; i < st.classes.size(); ++i) {
      const auto& c = st.classes[i];
      w.empty("range", {{"symbol", std::to_string(i)},
                        {"lower", fmt::format("{:.15g}", c.lower)},
                        {"upper", fmt::format("{:.15g}", c.upper)},
                        {"label", c.label},
                        {"render", "true"}});
    }
    w.close().open("symbols");
    for (std::size_t i = 0; i < st.classes.size(); ++i)
      write_symbol(w, st.geometry, st.symbol, st.classes[i].fill, std::to_string(i));
    w.close().open("source-symbol");
    write_symbol(w, st.geometry, st.symbol, st.symbol.fill, "0");
    w.close();
    w.open("classificationMethod", {{"id", "Quantile"}});
    w.empty("symmetricMode", {{"enabled", "0"}, {"symmetrypoint", "0"}, {"astride", "0"}});
    w.empty("labelFormat", {{"format", "%1 - %2"}, {"labelprecision", "3"}, {"trimtrailingzeroes", "1"}});
    w.open("parameters").empty("Option").close();
    w.empty("extraInformation");
    w.close();
  }
  w.empty("rotation").empty("sizescale");
  w.close();
}

void write_labeling(XmlWriter& w, const VectorStyle& st) {
  if (st.label_field.empty()) return;
  w.open("labeling", {{"type", "simple"}}).open("settings", {{"calloutType", "simple"}});
  w.open("text-style", {{"fieldName", st.label_field},
                        {"isExpression", "0"},
                        {"fontFamily", "DejaVu Sans"},
                        {"namedStyle", "Book"},
                        {"fontSize", "8"},
                        {"fontSizeUnit", "Point"},
                        {"fontWeight", "50"},
                        {"fontItalic", "0"},
                        {"textColor", "40,40,40,255"},
                        {"textOpacity", "1"},
                        {"multilineHeight", "1"},
                        {"allowHtml", "0"}});
  w.empty("text-buffer", {{"bufferDraw", "1"},
                          {"bufferSize", "0.7"},
                          {"bufferSizeUnits", "MM"},
                          {"bufferColor", "255,255,255,255"},
                          {"bufferOpacity", "0.85"},
                          {"bufferNoFill", "1"},
                          {"bufferJoinStyle", "128"},
                          {"bufferBlendMode", "0"}});
  w.close();
  // Points: around the point, 1 mm away. Polygons: horizontal, over the centroid of the visible part.
  const bool point = st.geometry == GeometryKind::point;
  w.empty("placement", {{"placement", point ? "0" : "1"},
                        {"dist", point ? "1" : "0"},
                        {"distUnits", "MM"},
                        {"centroidWhole", "0"},
                        {"centroidInside", "1"},
                        {"fitInPolygonOnly", "0"},
                        {"priority", "5"},
                        {"quadOffset", "4"},
                        {"placementFlags", "10"}});
  w.empty("rendering", {{"drawLabels", "1"},
                        {"obstacle", "1"},
                        {"obstacleType", "1"},
                        {"displayAll", "0"},
                        {"labelPerPart", "0"},
                        {"mergeLines", "0"},
                        {"scaleVisibility", "0"},
                        {"limitNumLabels", "0"},
                        {"maxNumLabels", "2000"},
                        {"minFeatureSize", "0"},
                        {"upsidedownLabels", "0"},
                        {"zIndex", "0"}});
  w.close().close();
}

// SLD: sizes in pixels at 96 dpi.
std::string px(double mm) { return fmt::format("{:.2f}", mm * 96.0 / 25.4); }

void sld_symbolizer(XmlWriter& w, const VectorStyle& st, const Rgba& fill) {
  const Symbol& s = st.symbol;
  const auto stroke = [&w](const Rgba& c, double width_mm, bool dashed) {
    w.open("se:Stroke");
    w.text("se:SvgParameter", c.hex(), {{"name", "stroke"}});
    if (c.a < 255) w.text("se:SvgParameter", fmt::format("{:.2f}", c.a / 255.0), {{"name", "stroke-opacity"}});
    w.text("se:SvgParameter", px(width_mm), {{"name", "stroke-width"}});
    w.text("se:SvgParameter", "round", {{"name", "stroke-linejoin"}});
    w.text("se:SvgParameter", "round", {{"name", "stroke-linecap"}});
    if (dashed) w.text("se:SvgParameter", "8 4", {{"name", "stroke-dasharray"}});
    w.close();
  };
  const auto fill_el = [&w](const Rgba& c) {
    w.open("se:Fill");
    w.text("se:SvgParameter", c.hex(), {{"name", "fill"}});
    if (c.a < 255) w.text("se:SvgParameter", fmt::format("{:.2f}", c.a / 255.0), {{"name", "fill-opacity"}});
    w.close();
  };
  switch (st.geometry) {
    case GeometryKind::line:
      if (s.casing.a > 0 && s.casing_width > 0) {
        w.open("se:LineSymbolizer");
        stroke(s.casing, s.casing_width, false);
        w.close();
      }
      w.open("se:LineSymbolizer");
      stroke(s.stroke, s.stroke_width, s.dashed);
      w.close();
      break;
    case GeometryKind::polygon:
      w.open("se:PolygonSymbolizer");
      if (fill.a > 0) fill_el(fill);
      if (s.stroke.a > 0) stroke(s.stroke, s.stroke_width, s.dashed);
      w.close();
      break;
    case GeometryKind::point:
      w.open("se:PointSymbolizer").open("se:Graphic").open("se:Mark");
      w.text("se:WellKnownName", s.marker);
      fill_el(fill);
      stroke(s.stroke, s.stroke_width, false);
      w.close();
      w.text("se:Size", px(s.size));
      w.close().close();
      break;
  }
}

}  // namespace

std::vector<GraduatedClass> quantile_classes(std::vector<double> values, int n, const ColorRamp& ramp) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  std::vector<GraduatedClass> out;
  if (values.empty() || n < 1) return out;
  std::sort(values.begin(), values.end());
  std::vector<double> breaks = {values.front()};
  for (int k = 1; k <= n; ++k) {
    const double pos = static_cast<double>(k) / n * static_cast<double>(values.size() - 1);
    const double b = values[static_cast<std::size_t>(std::llround(pos))];
    if (b > breaks.back()) breaks.push_back(b);
  }
  if (breaks.size() == 1) breaks.push_back(breaks.front());  // every value equal: one class
  const std::size_t classes = breaks.size() - 1;
  for (std::size_t i = 0; i < classes; ++i) {
    const double t = classes == 1 ? 1.0 : static_cast<double>(i) / static_cast<double>(classes - 1);
    out.push_back({breaks[i], breaks[i + 1], ramp_color(ramp, t),
                   fmt::format("{} – {}", format_value(breaks[i]), format_value(breaks[i + 1]))});
  }
  return out;
}

XmlAttrs vector_root_attrs(const VectorStyle& style) {
  return {{"labelsEnabled", style.label_field.empty() ? "0" : "1"},
          {"hasScaleBasedVisibilityFlag", "0"},
          {"minScale", "100000000"},
          {"maxScale", "0"},
          {"simplifyDrawingHints", style.geometry == GeometryKind::point ? "0" : "1"},
          {"simplifyDrawingTol", "1"},
          {"simplifyLocal", "1"},
          {"simplifyAlgorithm", "0"},
          {"simplifyMaxScale", "1"},
          {"symbologyReferenceScale", "-1"},
          {"readOnly", "0"}};
}

std::string vector_style_body(const VectorStyle& style) {
  XmlWriter w;
  w.open("flags");
  w.text("Identifiable", "1").text("Removable", "1").text("Searchable", "1").text("Private", "0");
  w.close();
  write_renderer(w, style);
  write_labeling(w, style);
  w.empty("customproperties");
  w.text("blendMode", "0");
  w.text("featureBlendMode", "0");
  w.text("layerOpacity", fmt::format("{:.3g}", style.opacity));
  w.empty("legend", {{"type", "default-vector"}, {"showLabelLegend", "0"}});
  w.text("layerGeometryType", style.geometry == GeometryKind::point  ? "0"
                              : style.geometry == GeometryKind::line ? "1"
                                                                     : "2");
  return w.str();
}

std::string vector_qml(const VectorStyle& style) {
  XmlWriter w;
  w.prolog("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>");
  XmlAttrs root = {{"version", kQgisFormatVersion}, {"styleCategories", "AllStyleCategories"}};
  const XmlAttrs extra = vector_root_attrs(style);
  root.insert(root.end(), extra.begin(), extra.end());
  w.open("qgis", root);
  w.raw(vector_style_body(style));
  w.close();
  return w.str();
}

std::string vector_sld(const VectorStyle& style, const std::string& layer_name) {
  XmlWriter w;
  w.prolog(R"(<?xml version="1.0" encoding="UTF-8"?>)");
  w.open("StyledLayerDescriptor", {{"xmlns", "http://www.opengis.net/sld"},
                                   {"xmlns:ogc", "http://www.opengis.net/ogc"},
                                   {"xmlns:se", "http://www.opengis.net/se"},
                                   {"xmlns:xlink", "http://www.w3.org/1999/xlink"},
                                   {"xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"},
                                   {"xsi:schemaLocation",
                                    "http://www.opengis.net/sld "
                                    "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"},
                                   {"version", "1.1.0"}});
  w.open("NamedLayer").text("se:Name", layer_name);
  w.open("UserStyle").text("se:Name", layer_name).open("se:FeatureTypeStyle");
  if (style.field.empty() || style.classes.empty()) {
    w.open("se:Rule").text("se:Name", layer_name);
    sld_symbolizer(w, style, style.symbol.fill);
    w.close();
  } else {
    for (std::size_t i = 0; i < style.classes.size(); ++i) {
      const auto& c = style.classes[i];
      w.open("se:Rule").text("se:Name", c.label);
      w.open("se:Description").text("se:Title", c.label).close();
      // Classes are closed at the top like QGIS's: lower < v <= upper, the first also includes lower.
      w.open("ogc:Filter").open("ogc:And");
      w.open(i == 0 ? "ogc:PropertyIsGreaterThanOrEqualTo" : "ogc:PropertyIsGreaterThan");
      w.text("ogc:PropertyName", style.field).text("ogc:Literal", fmt::format("{:.15g}", c.lower));
      w.close();
      w.open("ogc:PropertyIsLessThanOrEqualTo");
      w.text("ogc:PropertyName", style.field).text("ogc:Literal", fmt::format("{:.15g}", c.upper));
      w.close().close().close();
      sld_symbolizer(w, style, c.fill);
      w.close();
    }
  }
  w.close().close().close().close();
  return w.str();
}

}  // namespace nexusmap

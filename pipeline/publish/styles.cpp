// SPDX-License-Identifier: MIT
#include "pipeline/publish/styles.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pipeline/publish/xml.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

// Linear interpolation between closest ranks (Hyndman & Fan type 7) of an unsorted sample.
double percentile(std::vector<double>& v, double p) {
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  return a + (pos - static_cast<double>(lo)) * (b - a);
}

std::vector<StyleEntry> ramp_entries(const ColorRamp& ramp, double lo, double hi) {
  std::vector<StyleEntry> out;
  for (const auto& stop : ramp) {
    const double v = lo + stop.t * (hi - lo);
    out.push_back({v, stop.color, format_value(v)});
  }
  return out;
}

void write_min_max_origin(XmlWriter& w) {
  w.open("minMaxOrigin");
  w.text("limits", "None").text("extent", "WholeRaster").text("statAccuracy", "Estimated");
  w.text("cumulativeCutLower", "0.02").text("cumulativeCutUpper", "0.98").text("stdDevFactor", "2");
  w.close();
}

void write_transparency(XmlWriter& w, const RasterSymbology& s) {
  if (!s.transparent_zero) return;
  w.open("rasterTransparency").open("singleValuePixelList");
  w.empty("pixelListEntry", {{"min", "0"}, {"max", "0"}, {"percentTransparent", "100"}});
  w.close().close();
}

void write_legend_settings(XmlWriter& w, const RasterSymbology& s) {
  w.empty("rampLegendSettings", {{"orientation", "2"},
                                 {"direction", "0"},
                                 {"useContinuousLegend", "1"},
                                 {"minimumLabel", ""},
                                 {"maximumLabel", ""},
                                 {"prefix", ""},
                                 {"suffix", s.units.empty() ? std::string() : fmt::format(" {}", s.units)}});
}

std::string num(double v) { return fmt::format("{:.10g}", v); }

void write_renderer(XmlWriter& w, const RasterSymbology& s) {
  const std::string opacity = num(s.opacity);
  switch (s.renderer) {
    case RasterRenderer::pseudocolor: {
      w.open("rasterrenderer", {{"type", "singlebandpseudocolor"},
                                {"band", "1"},
                                {"opacity", opacity},
                                {"alphaBand", "-1"},
                                {"nodataColor", ""},
                                {"classificationMin", num(s.min)},
                                {"classificationMax", num(s.max)}});
      write_transparency(w, s);
      write_min_max_origin(w);
      w.open("rastershader");
      w.open("colorrampshader", {{"colorRampType", "INTERPOLATED"},
                                 {"classificationMode", "1"},
                                 {"clip", "0"},
                                 {"minimumValue", num(s.min)},
                                 {"maximumValue", num(s.max)},
                                 {"labelPrecision", "4"}});
      // The source ramp lets a user reclassify in QGIS with the same colours.
      std::string stops;
      for (std::size_t i = 1; i + 1 < s.entries.size(); ++i) {
        const double t = (s.entries[i].value - s.min) / (s.max - s.min);
        stops += fmt::format("{}{:.4f};{}", stops.empty() ? "" : ":", t, s.entries[i].color.qgis());
      }
      w.open("colorramp", {{"type", "gradient"}, {"name", "[source]"}});
      w.option_map({{"color1", s.entries.front().color.qgis()},
                    {"color2", s.entries.back().color.qgis()},
                    {"discrete", "0"},
                    {"rampType", "gradient"},
                    {"stops", stops}});
      w.close();
      for (const auto& e : s.entries)
        w.empty("item", {{"value", num(e.value)},
                         {"color", e.color.hex()},
                         {"alpha", std::to_string(e.color.a)},
                         {"label", e.label}});
      write_legend_settings(w, s);
      w.close().close().close();
      break;
    }
    case RasterRenderer::paletted: {
      w.open("rasterrenderer",
             {{"type", "paletted"}, {"band", "1"}, {"opacity", opacity}, {"alphaBand", "-1"}, {"nodataColor", ""}});
      write_transparency(w, s);
      write_min_max_origin(w);
      w.open("colorPalette");
      for (const auto& e : s.entries)
        w.empty("paletteEntry", {{"value", num(e.value)},
                                 {"color", e.color.hex()},
                                 {"alpha", std::to_string(e.color.a)},
                                 {"label", e.label}});
      w.close().close();
      break;
    }
    case RasterRenderer::gray: {
      w.open("rasterrenderer", {{"type", "singlebandgray"},
                                {"grayBand", "1"},
                                {"gradient", "BlackToWhite"},
                                {"opacity", opacity},
                                {"alphaBand", "-1"},
                                {"nodataColor", ""}});
      write_transparency(w, s);
      write_min_max_origin(w);
      w.open("contrastEnhancement");
      w.text("minValue", num(s.min)).text("maxValue", num(s.max)).text("algorithm", "StretchToMinimumMaximum");
      w.close();
      write_legend_settings(w, s);
      w.close();
      break;
    }
  }
}

}  // namespace

std::string format_value(double v) {
  if (!std::isfinite(v)) return fmt::format("{}", v);
  const double a = std::abs(v);
  if (a == 0) return "0";
  if (a >= 1000) {
    const std::string digits = fmt::format("{:.0f}", std::abs(std::round(v)));
    std::string grouped;
    if (v < 0) grouped += '-';
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
      grouped += digits[i];
    }
    return grouped;
  }
  std::string s = a >= 1 ? fmt::format("{:.2f}", v) : fmt::format("{:.3g}", v);
  if (s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

template <class T>
RasterStats raster_stats(const Raster<T>& raster) {
  RasterStats st;
  std::int64_t zeros = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (CellIndex i = 0; i < raster.size(); ++i) {
    if (!raster.valid(i)) continue;
    const double v = static_cast<double>(raster[i]);
    ++st.valid;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    zeros += v == 0 ? 1 : 0;
    if (v > 0 && !(v >= st.min_positive)) st.min_positive = v;
  }
  if (st.valid == 0) return st;
  st.min = lo;
  st.max = hi;
  st.zero_fraction = static_cast<double>(zeros) / static_cast<double>(st.valid);
  const std::int64_t stride = std::max<std::int64_t>(1, (st.valid + kPercentileSample - 1) / kPercentileSample);
  std::vector<double> sample;
  sample.reserve(static_cast<std::size_t>(std::min(st.valid, kPercentileSample)));
  std::int64_t k = 0;
  for (CellIndex i = 0; i < raster.size(); ++i) {
    if (!raster.valid(i)) continue;
    if (k++ % stride == 0) sample.push_back(static_cast<double>(raster[i]));
  }
  st.p2 = percentile(sample, 0.02);
  st.p98 = percentile(sample, 0.98);
  return st;
}

const std::array<StyleEntry, 7>& hotspot_classes() {
  static const std::array<StyleEntry, 7> classes = {{
      {-3, rgb("#4575b5"), "Cold spot – 99% confidence"},
      {-2, rgb("#849eba"), "Cold spot – 95% confidence"},
      {-1, rgb("#c0ccbe"), "Cold spot – 90% confidence"},
      {0, rgb("#ffffbf"), "Not significant"},
      {1, rgb("#fab984"), "Hot spot – 90% confidence"},
      {2, rgb("#ed7551"), "Hot spot – 95% confidence"},
      {3, rgb("#d62f27"), "Hot spot – 99% confidence"},
  }};
  return classes;
}

RasterSymbology raster_symbology(RasterStyle style, const RasterStats& st, const std::string& units,
                                 const std::string& description) {
  RasterSymbology s;
  s.style = style;
  s.units = units;
  const bool any = st.valid > 0;
  const double lo = any ? st.min : 0.0;
  const double hi = any ? st.max : 1.0;
  // A range that QGIS and the maps can interpolate over even for constant or empty rasters.
  const auto range = [](double a, double b) { return b > a ? std::pair{a, b} : std::pair{a, a + 1.0}; };
  switch (style) {
    case RasterStyle::none:
      fail(ErrorKind::internal, "raster_symbology: RasterStyle::none has no symbology");
    case RasterStyle::terrain: {
      std::tie(s.min, s.max) = range(lo, hi);
      s.entries = ramp_entries(terrain_ramp(), s.min, s.max);
      break;
    }
    case RasterStyle::sequential: {
      std::tie(s.min, s.max) = range(lo, any && st.p98 > lo ? st.p98 : hi);
      s.entries = ramp_entries(sequential_ramp(), s.min, s.max);
      break;
    }
    case RasterStyle::uniform: {
      std::tie(s.min, s.max) = range(std::min(0.0, lo), hi);
      s.entries = ramp_entries(viridis_ramp(), s.min, s.max);
      s.transparent_zero = any && st.zero_fraction >= 0.1;
      break;
    }
    case RasterStyle::logarithmic: {
      s.max = any && hi > 0 ? hi : 1.0;
      s.min = std::max(any && st.min_positive > 0 ? st.min_positive : s.max * 1e-3, s.max * 1e-3);
      if (!(s.min < s.max)) s.min = s.max * 1e-3;
      for (const auto& stop : viridis_ramp())
        s.entries.push_back({s.min * std::pow(s.max / s.min, stop.t), stop.color,
                             format_value(s.min * std::pow(s.max / s.min, stop.t))});
      s.log_scale = true;
      s.transparent_zero = true;
      break;
    }
    case RasterStyle::diverging: {
      double m = any ? std::max(std::abs(st.p2), std::abs(st.p98)) : 0.0;
      m = std::max(m, 2.58);
      s.min = -m;
      s.max = m;
      s.entries = ramp_entries(diverging_ramp(), -m, m);
      break;
    }
    case RasterStyle::hotspot_bins: {
      s.renderer = RasterRenderer::paletted;
      s.smooth = false;
      s.min = -3;
      s.max = 3;
      s.entries.assign(hotspot_classes().begin(), hotspot_classes().end());
      break;
    }
    case RasterStyle::binary: {
      s.renderer = RasterRenderer::paletted;
      s.smooth = false;
      s.min = 0;
      s.max = 1;
      s.entries = {{0, rgb("#ffffff").with_alpha(0), "Outside"},
                   {1, rgb("#e6550d"), description.empty() ? "Inside" : description}};
      break;
    }
    case RasterStyle::hillshade: {
      s.renderer = RasterRenderer::gray;
      s.min = 0;
      s.max = 255;
      s.blend_mode = 6;
      s.opacity = 0.6;
      break;
    }
  }
  return s;
}

std::string raster_style_body(const RasterSymbology& s) {
  XmlWriter w;
  w.open("flags");
  w.text("Identifiable", "1").text("Removable", "1").text("Searchable", "1").text("Private", "0");
  w.close();
  w.open("customproperties");
  w.option_map({{"identify/format", "Value"}});
  w.close();
  w.open("pipe");
  w.open("provider");
  w.empty("resampling", {{"enabled", "false"},
                         {"zoomedInResamplingMethod", "nearestNeighbour"},
                         {"zoomedOutResamplingMethod", "nearestNeighbour"},
                         {"maxOversampling", "2"}});
  w.close();
  write_renderer(w, s);
  w.empty("brightnesscontrast", {{"brightness", "0"}, {"contrast", "0"}, {"gamma", "1"}});
  w.empty("huesaturation", {{"saturation", "0"},
                            {"grayscaleMode", "0"},
                            {"invertColors", "0"},
                            {"colorizeOn", "0"},
                            {"colorizeRed", "255"},
                            {"colorizeGreen", "128"},
                            {"colorizeBlue", "128"},
                            {"colorizeStrength", "100"}});
  if (s.smooth) {
    w.empty("rasterresampler", {{"zoomedInResampler", "bilinear"}, {"maxOversampling", "2"}});
  } else {
    w.empty("rasterresampler", {{"maxOversampling", "2"}});
  }
  w.text("resamplingStage", "resamplingFilter");
  w.close();
  w.text("blendMode", std::to_string(s.blend_mode));
  return w.str();
}

std::string raster_qml(const RasterSymbology& s) {
  XmlWriter w;
  w.prolog("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>");
  w.open("qgis", {{"version", kQgisFormatVersion},
                  {"styleCategories", "AllStyleCategories"},
                  {"hasScaleBasedVisibilityFlag", "0"},
                  {"minScale", "1e+08"},
                  {"maxScale", "0"}});
  w.raw(raster_style_body(s));
  w.close();
  return w.str();
}

template RasterStats raster_stats<float>(const Raster<float>&);
template RasterStats raster_stats<double>(const Raster<double>&);
template RasterStats raster_stats<std::uint8_t>(const Raster<std::uint8_t>&);
template RasterStats raster_stats<std::int16_t>(const Raster<std::int16_t>&);
template RasterStats raster_stats<std::int32_t>(const Raster<std::int32_t>&);

}  // namespace nexusmap

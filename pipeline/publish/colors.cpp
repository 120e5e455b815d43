// SPDX-License-Identifier: MIT
#include "pipeline/publish/colors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace nexusmap {

std::string Rgba::hex() const { return fmt::format("#{:02x}{:02x}{:02x}", r, g, b); }

std::string Rgba::qgis() const { return fmt::format("{},{},{},{}", r, g, b, a); }

Rgba rgb(const char* hex) {
  const unsigned long v = std::strtoul(hex + 1, nullptr, 16);
  return {static_cast<std::uint8_t>((v >> 16) & 0xff), static_cast<std::uint8_t>((v >> 8) & 0xff),
          static_cast<std::uint8_t>(v & 0xff), 255};
}

namespace {

ColorRamp even(std::initializer_list<const char*> hexes) {
  ColorRamp ramp;
  const double n = static_cast<double>(hexes.size() - 1);
  double i = 0;
  for (const char* h : hexes) ramp.push_back({i++ / n, rgb(h)});
  return ramp;
}

}  // namespace

const ColorRamp& viridis_ramp() {
  static const ColorRamp ramp =
      even({"#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"});
  return ramp;
}

const ColorRamp& sequential_ramp() {
  static const ColorRamp ramp =
      even({"#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"});
  return ramp;
}

const ColorRamp& diverging_ramp() {
  static const ColorRamp ramp =
      even({"#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b"});
  return ramp;
}

const ColorRamp& choropleth_ramp() {
  static const ColorRamp ramp = even({"#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"});
  return ramp;
}

const ColorRamp& terrain_ramp() {
  static const ColorRamp ramp = {{0.00, rgb("#5b8c5a")}, {0.15, rgb("#a3b86c")}, {0.30, rgb("#e0d48f")},
                                 {0.50, rgb("#c49a6c")}, {0.70, rgb("#96705a")}, {0.85, rgb("#b9b4ae")},
                                 {1.00, rgb("#ffffff")}};
  return ramp;
}

Rgba ramp_color(const ColorRamp& ramp, double t) {
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0);
  for (std::size_t i = 1; i < ramp.size(); ++i) {
    if (t <= ramp[i].t) {
      const auto& a = ramp[i - 1];
      const auto& b = ramp[i];
      const double f = b.t > a.t ? (t - a.t) / (b.t - a.t) : 0.0;
      const auto mix = [f](std::uint8_t x, std::uint8_t y) {
        return static_cast<std::uint8_t>(std::lround(x + f * (static_cast<double>(y) - x)));
      };
      return {mix(a.color.r, b.color.r), mix(a.color.g, b.color.g), mix(a.color.b, b.color.b),
              mix(a.color.a, b.color.a)};
    }
  }
  return ramp.back().color;
}

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Colours and the colour ramps of the published styles, shared by the QGIS styles and the maps so
// that a map image and the same layer in QGIS look alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nexusmap {

struct Rgba {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
  [[nodiscard]] std::string hex() const;   // "#rrggbb" (alpha separately, as QGIS writes it)
  [[nodiscard]] std::string qgis() const;  // "r,g,b,a" as in QGIS symbol properties
  [[nodiscard]] Rgba with_alpha(std::uint8_t alpha) const { return {r, g, b, alpha}; }
  friend bool operator==(const Rgba&, const Rgba&) = default;
};

// Parses "#rrggbb".
Rgba rgb(const char* hex);

struct RampStop {
  double t;  // position 0..1
  Rgba color;
};
using ColorRamp = std::vector<RampStop>;

// Perceptually uniform, colour-blind safe (van der Walt & Smith, matplotlib 2015).
const ColorRamp& viridis_ramp();
// Sequential, low = light (ColorBrewer YlGnBu, Brewer 2003).
const ColorRamp& sequential_ramp();
// Diverging blue-white-red (ColorBrewer RdBu reversed): negative blue, zero white, positive red.
const ColorRamp& diverging_ramp();
// Choropleth classes, light to dark red (ColorBrewer YlOrRd).
const ColorRamp& choropleth_ramp();
// Hypsometric tints for elevation: lowland green, steppe tan, mountain brown, snow.
const ColorRamp& terrain_ramp();

// Linear interpolation in sRGB between the stops; t is clamped to 0..1.
Rgba ramp_color(const ColorRamp& ramp, double t);

}  // namespace nexusmap

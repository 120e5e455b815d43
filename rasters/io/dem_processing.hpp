// SPDX-License-Identifier: MIT
// Slope, aspect and hillshade of a DEM through GDALDEMProcessing (Horn 1981 gradient:
// B.K.P. Horn, "Hill shading and the reflectance map", Proc. IEEE 69(1), 1981, doi:10.1109/PROC.1981.11918).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rasters/core/raster.hpp"

namespace nexusmap {

struct HillshadeOptions {
  double azimuth = 315;   // degrees clockwise from north
  double altitude = 45;   // degrees above the horizon
  double z_factor = 1;    // vertical exaggeration
  bool multidirectional = false;
};

// Slope in degrees; the DEM's horizontal and vertical units must both be metres (a projected grid).
// NaN cells stay NaN; edges are computed from the available neighbours.
Raster<float> slope_degrees(const Raster<float>& dem);
// Aspect in degrees clockwise from north (0..360); flat cells are NaN.
Raster<float> aspect_degrees(const Raster<float>& dem);
// Hillshade 0..255 as Byte (0 where the DEM is nodata, with the mask cleared).
Raster<std::uint8_t> hillshade(const Raster<float>& dem, const HillshadeOptions& options = {});

struct ColorEntry {
  double value;
  std::uint8_t r, g, b, a;
};

enum class ColorMatch {
  interpolate,  // linear between the entries; outside them the end colours
  exact,        // only values equal to an entry are coloured (classes); others transparent
  nearest,      // the colour of the nearest entry
};

// Four bytes per cell, R G B A, row-major; alpha is straight (not premultiplied).
struct RgbaImage {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::vector<std::uint8_t> rgba;
};

// Colours a raster through GDALDEMProcessing "color-relief" with the given table; NaN cells are
// transparent. Entries need not be sorted.
RgbaImage color_relief(const Raster<float>& values, std::span<const ColorEntry> table,
                       ColorMatch match = ColorMatch::interpolate);

}  // namespace nexusmap

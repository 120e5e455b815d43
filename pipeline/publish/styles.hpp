// SPDX-License-Identifier: MIT
// Raster styles: statistics of the valid cells, the symbology each RasterStyle gets from them, and
// that symbology written as a QGIS 3.22 style (.qml), which QGIS loads automatically when the file
// sits beside the GeoTIFF. The maps use the same symbology, so they and QGIS agree.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "pipeline/publish/colors.hpp"
#include "pipeline/publish/raster_style.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

struct RasterStats {
  std::int64_t valid = 0;  // cells that are not nodata
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  double p2 = std::numeric_limits<double>::quiet_NaN();   // 2nd percentile
  double p98 = std::numeric_limits<double>::quiet_NaN();  // 98th percentile
  double zero_fraction = 0;                               // share of valid cells that are exactly 0
  double min_positive = std::numeric_limits<double>::quiet_NaN();  // smallest value > 0
};

// Min, max and zero share are exact; the percentiles come from every valid cell when there are at
// most kPercentileSample of them, else from an evenly strided sample of that size (ample for styling).
template <class T>
RasterStats raster_stats(const Raster<T>& raster);
inline constexpr std::int64_t kPercentileSample = 1 << 22;

enum class RasterRenderer { pseudocolor, paletted, gray };

struct StyleEntry {
  double value;
  Rgba color;
  std::string label;
};

struct RasterSymbology {
  RasterStyle style = RasterStyle::none;
  RasterRenderer renderer = RasterRenderer::pseudocolor;
  double min = 0, max = 1;          // classification range (pseudocolor, gray)
  std::vector<StyleEntry> entries;  // ramp stops by value (pseudocolor) or the classes (paletted)
  bool transparent_zero = false;    // 0 means "nothing here" and is drawn transparent
  int blend_mode = 0;               // QGIS blend mode: 0 normal, 6 multiply
  double opacity = 1.0;
  bool smooth = true;  // bilinear when zoomed in (continuous data), else nearest
  bool log_scale = false;  // the stops are spaced logarithmically between min and max
  std::string units;   // legend suffix
};

// The hotspot classes -3..+3 (ArcGIS Hot Spot Analysis labels and colours).
const std::array<StyleEntry, 7>& hotspot_classes();

// Symbology for `style` with value ranges from the data:
//   terrain      hypsometric tints, min..max
//   sequential   YlGnBu (low = light), min..98th percentile
//   uniform      viridis, 0 (or a negative min)..max; zeros transparent when they are >= 10% of the
//                cells (route frequency, density: zero means no signal, the hillshade shows through)
//   logarithmic  viridis with log-spaced stops from max/1000 (or the smallest positive value) to max,
//                zeros transparent: a flow of 1/1000 of the strongest still shows (flows, heavy tailed)
//   diverging    blue-white-red centred on 0, +-max(|p2|, |p98|, 2.58): values short of 99%
//                significance never take the darkest colours
//   hotspot_bins paletted -3..+3 with ArcGIS labels
//   binary       paletted: 0 transparent, 1 coloured and labelled with `description`
//   hillshade    grey 0..255, multiplied over the layers below
// Throws Error(internal) for RasterStyle::none.
RasterSymbology raster_symbology(RasterStyle style, const RasterStats& stats, const std::string& units = {},
                                 const std::string& description = {});

// The elements inside QGIS's <qgis> (.qml) or <maplayer> (.qgs) that describe a raster layer's
// rendering: pipe (renderer, transparency, resampling) and blend mode.
std::string raster_style_body(const RasterSymbology& symbology);
// A complete .qml document.
std::string raster_qml(const RasterSymbology& symbology);

// "1.5", "1,234", "0.0012": labels for legends.
std::string format_value(double v);

}  // namespace nexusmap

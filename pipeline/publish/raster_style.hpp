// SPDX-License-Identifier: MIT
// Presentation hints a stage gives with a raster; pipeline/publish/styles.hpp turns them into a
// QGIS style (.qml) beside the GeoTIFF and into the colours of the map images.
#pragma once

namespace nexusmap {

enum class RasterStyle {
  none,          // intermediate: no style
  sequential,    // e.g. travel time, accumulated cost, friction (low = light)
  uniform,       // perceptually uniform 0..max (route frequency, nexus index, density, governance gap)
  logarithmic,   // perceptually uniform on a log scale over three decades below the max (flows: heavy tailed)
  diverging,     // centred on 0 (z-scores)
  hotspot_bins,  // -3..+3 classes with ArcGIS-style labels
  binary,        // 0/1 masks such as corridors
  terrain,       // elevation
  hillshade,     // shaded relief 0..255, drawn in grey and multiplied over the layers below it
};

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Coordinate reference systems and point transforms through PROJ, in traditional GIS axis order
// (x = easting/longitude, y = northing/latitude) whatever the CRS's official axis order.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "rasters/core/grid.hpp"

struct PJconsts;
struct pj_ctx;

namespace nexusmap {

// Any CRS PROJ understands ("EPSG:32642", a PROJ string, WKT, PROJJSON) as WKT2_2019.
// Throws Error(config) naming `what` when PROJ cannot parse it.
std::string crs_to_wkt(std::string_view definition, std::string_view what = "crs");

// The same CRS as PROJJSON (for manifests and QGIS).
std::string crs_to_projjson(std::string_view definition);

// True when the CRS is projected with a linear unit of metres.
bool crs_is_projected_metres(std::string_view definition);

// Lambert azimuthal equal-area centred on (lon0, lat0), WGS 84, metres: an equal-area projection
// suited to a regional study area (cell areas are true, distances within ~1% over 1000 km).
std::string laea_wkt(double lon0, double lat0);

class CrsTransform {
 public:
  CrsTransform(std::string_view from, std::string_view to);
  ~CrsTransform();
  CrsTransform(CrsTransform&&) noexcept;
  CrsTransform& operator=(CrsTransform&&) noexcept;
  CrsTransform(const CrsTransform&) = delete;
  CrsTransform& operator=(const CrsTransform&) = delete;

  [[nodiscard]] std::pair<double, double> forward(double x, double y) const;
  [[nodiscard]] std::pair<double, double> inverse(double x, double y) const;
  // Bounding box of `extent` after transformation, densified along the edges (curved edges).
  [[nodiscard]] Extent forward_bounds(const Extent& extent, int densify = 21) const;

 private:
  pj_ctx* ctx_ = nullptr;
  PJconsts* pj_ = nullptr;
};

}  // namespace nexusmap

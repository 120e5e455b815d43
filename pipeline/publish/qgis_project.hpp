// SPDX-License-Identifier: MIT
// A QGIS 3.22 project file (.qgs): layer tree in groups, the layers with their styles embedded,
// rendering order, project CRS and initial extent. Paths are relative to the project file so a run
// folder can be copied anywhere and still open.
#pragma once

#include <string>
#include <vector>

#include "pipeline/publish/xml.hpp"
#include "rasters/core/grid.hpp"

namespace nexusmap {

struct ProjectLayer {
  std::string id;      // unique within the project, stable across runs
  std::string name;    // shown in the layers panel
  std::string source;  // "./nexus_index.tif" or "./nexusmap.gpkg|layername=least_cost_paths"
  bool raster = true;
  std::string geometry;  // vectors: "Point", "Line" or "Polygon"
  std::string wkb_type;  // vectors: "MultiLineString", "Point", ...
  Extent extent;
  XmlAttrs style_attrs;    // attributes the style puts on <maplayer> (labelsEnabled, ...)
  std::string style_body;  // the style's elements (see raster_style_body / vector_style_body)
  bool visible = true;     // checked in the layer tree
};

struct ProjectGroup {
  std::string name;
  std::vector<ProjectLayer> layers;  // as listed in the layers panel
};

struct QgisProjectSpec {
  std::string title;
  std::string abstract;
  std::string creation;                   // ISO date
  std::string crs_wkt;                    // project CRS (the analysis grid's)
  Extent extent;                          // initial view, in the project CRS
  std::vector<ProjectGroup> groups;       // top to bottom
  std::vector<std::string> render_order;  // layer ids, top-most drawn first
};

// The .qgs document. Throws Error(internal) when render_order does not list every layer exactly once.
std::string qgis_project_xml(const QgisProjectSpec& spec);

// <spatialrefsys> for a CRS given as WKT (QGIS reads the WKT; proj4 and name are informative).
void write_spatialrefsys(XmlWriter& w, const std::string& crs_wkt);

}  // namespace nexusmap

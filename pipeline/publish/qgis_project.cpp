// SPDX-License-Identifier: MIT
#include "pipeline/publish/qgis_project.hpp"

#include <set>

#include <cpl_conv.h>
#include <fmt/format.h>
#include <ogr_spatialref.h>

#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

std::string coord(double v) { return fmt::format("{:.17g}", v); }

void write_extent(XmlWriter& w, const char* tag, const Extent& e) {
  w.open(tag);
  w.text("xmin", coord(e.xmin)).text("ymin", coord(e.ymin)).text("xmax", coord(e.xmax)).text("ymax", coord(e.ymax));
  w.close();
}

void write_map_layer(XmlWriter& w, const ProjectLayer& l, const std::string& crs_wkt) {
  XmlAttrs attrs = {{"type", l.raster ? "raster" : "vector"}, {"styleCategories", "AllStyleCategories"}};
  if (!l.raster) {
    attrs.emplace_back("geometry", l.geometry);
    attrs.emplace_back("wkbType", l.wkb_type);
  }
  attrs.insert(attrs.end(), l.style_attrs.begin(), l.style_attrs.end());
  w.open("maplayer", attrs);
  write_extent(w, "extent", l.extent);
  w.text("id", l.id);
  w.text("datasource", l.source);
  w.text("layername", l.name);
  w.open("srs");
  write_spatialrefsys(w, crs_wkt);
  w.close();
  if (l.raster) {
    w.text("provider", "gdal");
    w.open("noData").empty("noDataList", {{"bandNo", "1"}, {"useSrcNoData", "1"}}).close();
  } else {
    w.text("provider", "ogr", {{"encoding", "UTF-8"}});
  }
  w.open("map-layer-style-manager", {{"current", "default"}}).empty("map-layer-style", {{"name", "default"}}).close();
  w.raw(l.style_body);
  w.close();
}

}  // namespace

void write_spatialrefsys(XmlWriter& w, const std::string& crs_wkt) {
  OGRSpatialReference srs;
  std::string proj4, name, authid;
  if (srs.importFromWkt(crs_wkt.c_str()) == OGRERR_NONE) {
    char* p = nullptr;
    if (srs.exportToProj4(&p) == OGRERR_NONE && p != nullptr) proj4 = p;
    CPLFree(p);
    name = srs.GetName() ? srs.GetName() : "";
    const char* auth = srs.GetAuthorityName(nullptr);
    const char* code = srs.GetAuthorityCode(nullptr);
    if (auth != nullptr && code != nullptr) authid = fmt::format("{}:{}", auth, code);
  }
  w.open("spatialrefsys", {{"nativeFormat", "Wkt"}});
  w.text("wkt", crs_wkt);
  w.text("proj4", proj4);
  w.text("authid", authid);
  w.text("description", name);
  w.text("geographicflag", srs.IsGeographic() ? "true" : "false");
  w.close();
}

std::string qgis_project_xml(const QgisProjectSpec& spec) {
  std::set<std::string> ids;
  for (const auto& g : spec.groups)
    for (const auto& l : g.layers)
      if (!ids.insert(l.id).second)
        fail(ErrorKind::internal, fmt::format("QGIS project: duplicate layer id '{}'", l.id));
  const std::set<std::string> ordered(spec.render_order.begin(), spec.render_order.end());
  if (ordered != ids || ordered.size() != spec.render_order.size())
    fail(ErrorKind::internal, "QGIS project: the rendering order must list every layer exactly once");

  XmlWriter w;
  w.prolog("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>");
  w.open("qgis", {{"projectname", spec.title}, {"version", kQgisFormatVersion}});
  w.empty("homePath", {{"path", ""}});
  w.text("title", spec.title);
  w.open("projectCrs");
  write_spatialrefsys(w, spec.crs_wkt);
  w.close();

  w.open("layer-tree-group").empty("customproperties");
  for (const auto& g : spec.groups) {
    if (g.layers.empty()) continue;
    w.open("layer-tree-group", {{"name", g.name}, {"checked", "Qt::Checked"}, {"expanded", "1"}});
    w.empty("customproperties");
    for (const auto& l : g.layers)
      w.empty("layer-tree-layer", {{"id", l.id},
                                   {"name", l.name},
                                   {"source", l.source},
                                   {"providerKey", l.raster ? "gdal" : "ogr"},
                                   {"checked", l.visible ? "Qt::Checked" : "Qt::Unchecked"},
                                   {"expanded", l.raster ? "0" : "1"}});
    w.close();
  }
  // Drawing order independent of the grouping: points and lines over polygons over rasters.
  w.open("custom-order", {{"enabled", "1"}});
  for (const auto& id : spec.render_order) w.text("item", id);
  w.close();
  w.close();

  w.open("projectlayers");
  for (const auto& g : spec.groups)
    for (const auto& l : g.layers) write_map_layer(w, l, spec.crs_wkt);
  w.close();
  w.open("layerorder");
  for (const auto& id : spec.render_order) w.empty("layer", {{"id", id}});
  w.close();

  w.open("properties");
  w.open("Paths").text("Absolute", "false", {{"type", "bool"}}).close();
  w.open("SpatialRefSys").text("ProjectionsEnabled", "1", {{"type", "int"}}).close();
  w.close();

  w.open("mapcanvas", {{"name", "theMapCanvas"}, {"annotationsVisible", "1"}});
  w.text("units", "meters");
  write_extent(w, "extent", spec.extent);
  w.text("rotation", "0");
  w.open("destinationsrs");
  write_spatialrefsys(w, spec.crs_wkt);
  w.close();
  w.text("rendermaptile", "0");
  w.close();

  w.open("projectMetadata");
  w.text("identifier", "").text("parentidentifier", "").text("language", "").text("type", "");
  w.text("title", spec.title).text("abstract", spec.abstract);
  w.empty("links");
  w.text("author", "nexusmap");
  w.text("creation", spec.creation);
  w.close();

  w.open("ProjectViewSettings", {{"UseProjectScales", "0"}, {"rotation", "0"}});
  w.empty("Scales");
  w.open("DefaultViewExtent", {{"xmin", coord(spec.extent.xmin)},
                               {"ymin", coord(spec.extent.ymin)},
                               {"xmax", coord(spec.extent.xmax)},
                               {"ymax", coord(spec.extent.ymax)}});
  write_spatialrefsys(w, spec.crs_wkt);
  w.close().close();
  w.close();
  return w.str();
}

}  // namespace nexusmap

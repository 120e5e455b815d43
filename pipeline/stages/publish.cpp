// SPDX-License-Identifier: MIT
// publish: what analysts open every morning. One GeoPackage with the vector results and their QGIS
// styles, a QGIS project with every published layer grouped and styled, map images for briefings
// and a self-contained HTML report. Rasters are published by the stages that write them (with
// their .qml styles); this stage only refers to them by their names in the run folder.
#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <cpl_minixml.h>
#include <fmt/format.h>
#include <ogr_spatialref.h>

#include "pipeline/context.hpp"
#include "pipeline/publish/catalog.hpp"
#include "pipeline/publish/gpkg_styles.hpp"
#include "pipeline/publish/map_render.hpp"
#include "pipeline/publish/qgis_project.hpp"
#include "pipeline/publish/report.hpp"
#include "pipeline/publish/styles.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/versions.hpp"
#include "rasters/io/dem_processing.hpp"
#include "rasters/core/error.hpp"
#include "vectors/gpkg.hpp"

namespace nexusmap::stages {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) input_error(fmt::format("{}: cannot read", p.string()));
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The children of the <qgis> root of a .qml file: what a project embeds in its <maplayer>.
std::string qml_body(const std::filesystem::path& qml) {
  const std::string text = read_text(qml);
  std::unique_ptr<CPLXMLNode, decltype(&CPLDestroyXMLNode)> tree(CPLParseXMLString(text.c_str()), CPLDestroyXMLNode);
  const CPLXMLNode* root = tree ? CPLGetXMLNode(tree.get(), "=qgis") : nullptr;
  if (root == nullptr) input_error(fmt::format("{}: not a QGIS style (no <qgis> root element)", qml.string()));
  const CPLXMLNode* first = root->psChild;
  while (first != nullptr && first->eType != CXT_Element) first = first->psNext;
  if (first == nullptr) return {};
  char* s = CPLSerializeXMLTree(first);
  std::string body = s ? s : "";
  CPLFree(s);
  return body;
}

OGRwkbGeometryType single_type(GeometryKind g) {
  return g == GeometryKind::point ? wkbPoint : g == GeometryKind::line ? wkbLineString : wkbPolygon;
}

const char* qgis_geometry(GeometryKind g) {
  return g == GeometryKind::point ? "Point" : g == GeometryKind::line ? "Line" : "Polygon";
}

Extent envelope(const FeatureTable& t, const Extent& fallback) {
  OGREnvelope env;
  bool any = false;
  for (const auto& f : t.features) {
    if (!f.geometry || f.geometry->IsEmpty()) continue;
    OGREnvelope e;
    f.geometry->getEnvelope(&e);
    env.Merge(e);
    any = true;
  }
  return any ? Extent{env.MinX, env.MinY, env.MaxX, env.MaxY} : fallback;
}

std::string wkb_name(const FeatureTable& t, GeometryKind g) {
  bool multi = false;
  for (const auto& f : t.features)
    if (f.geometry && OGR_GT_IsSubClassOf(wkbFlatten(f.geometry->getGeometryType()), wkbGeometryCollection))
      multi = true;
  const OGRwkbGeometryType s = single_type(g);
  return OGRGeometryTypeToName(multi ? OGR_GT_GetCollection(s) : s);
}

// A text attribute to label features with: "name" when present, else the first text attribute.
std::string label_field(const FeatureTable& t) {
  if (t.field_index("name") >= 0) return "name";
  for (const auto& f : t.fields)
    if (f.type == FieldType::string) return f.name;
  return {};
}

// "WGS 84 / UTM zone 42N", or for the unnamed CRS of an "auto" grid
// "Lambert Azimuthal Equal Area centred on 71.30°E 37.60°N".
std::string crs_label(const std::string& wkt) {
  OGRSpatialReference srs;
  if (srs.importFromWkt(wkt.c_str()) != OGRERR_NONE) return "analysis grid CRS";
  const std::string name = srs.GetName() ? srs.GetName() : "";
  if (!name.empty() && name != "unknown") return name;
  std::string method = srs.GetAttrValue("PROJECTION") ? srs.GetAttrValue("PROJECTION") : "projected CRS";
  std::replace(method.begin(), method.end(), '_', ' ');
  const double lon = srs.GetProjParm(SRS_PP_LONGITUDE_OF_CENTER, srs.GetProjParm(SRS_PP_CENTRAL_MERIDIAN));
  const double lat = srs.GetProjParm(SRS_PP_LATITUDE_OF_CENTER, srs.GetProjParm(SRS_PP_LATITUDE_OF_ORIGIN));
  return fmt::format("{} centred on {:.2f}°{} {:.2f}°{}", method, std::abs(lon), lon < 0 ? "W" : "E", std::abs(lat),
                     lat < 0 ? "S" : "N");
}

// QGIS replaces layer ids of 10 characters or fewer with generated ones when it reads a project;
// a prefix keeps them stable and readable ("nexusmap_hillshade").
std::string layer_id(const std::string& name) { return fmt::format("nexusmap_{}", name); }

struct PublishedVector {
  const VectorLayerDef* def;
  FeatureTable table;
  VectorStyle style;
};

class Publisher {
 public:
  Publisher(StageContext& ctx, const std::vector<OutputDecl>& outputs)
      : ctx_(ctx),
        outputs_(outputs),
        grid_(ctx.grid()),
        title_(ctx.has("title") ? ctx.text("title") : ctx.config().run.name),
        date_(ctx.text("date")) {}

  void run() {
    ctx_.progress(0.0, "reading vectors");
    read_vectors();
    ctx_.progress(0.1, "hillshade");
    make_hillshade();
    ctx_.progress(0.2, "GeoPackage");
    write_geopackage();
    ctx_.progress(0.3, "QGIS project");
    write_project();
    ctx_.progress(0.4, "maps");
    write_maps();
    ctx_.progress(0.9, "report");
    write_report();
  }

 private:
  // Own outputs are named by the runner; a context built by hand (tests) falls back to the stem.
  std::string own_file(const std::string& name) const {
    const std::string published = ctx_.published_output_name(name);
    if (!published.empty()) return published;
    for (const auto& d : outputs_)
      if (d.name == name)
        return fmt::format("{}{}", d.file_stem.empty() ? d.name : d.file_stem, artifact_extension(d.kind));
    fail(ErrorKind::internal, fmt::format("publish: no output '{}'", name));
  }

  void read_vectors() {
    for (const auto& def : vector_layer_defs()) {
      if (!ctx_.has_input(def.slot)) continue;
      VectorSource src;
      src.path = ctx_.input(def.slot).path();
      ReadOptions opts;
      opts.target_crs_wkt = grid_.crs_wkt;
      opts.repair = false;
      opts.allow_empty = true;
      FeatureTable t = read_features(src, opts);
      t.name = def.layer;
      VectorStyle style;
      if (def.slot == "paths")
        style = least_cost_paths_style();
      else if (def.slot == "alternatives")
        style = alternative_routes_style();
      else if (def.slot == "corridor_polygons")
        style = corridor_polygons_style();
      else if (def.slot == "crossings")
        style = crossings_style(label_field(t));
      else
        style = province_style(t);
      vectors_.push_back({&def, std::move(t), std::move(style)});
    }
  }

  VectorStyle province_style(const FeatureTable& t) const {
    std::string field;
    if (ctx_.has("province_field")) {
      field = ctx_.text("province_field");
      (void)t.require_field(field, fmt::format("{}: province_field", ctx_.id()));
    } else if (t.field_index("score") >= 0) {
      field = "score";
    } else {
      for (const auto& f : t.fields)
        if (f.type == FieldType::real) {
          field = f.name;
          break;
        }
    }
    std::vector<double> values;
    if (!field.empty()) {
      const int i = t.field_index(field);
      for (const auto& f : t.features)
        if (auto v = attr_number(t.attr(f, i))) values.push_back(*v);
    }
    return province_stats_style(field, values);
  }

  [[nodiscard]] const PublishedVector* vector(const std::string& slot) const {
    for (const auto& v : vectors_)
      if (v.def->slot == slot) return &v;
    return nullptr;
  }

  void make_hillshade() {
    if (!ctx_.has_input("elevation")) return;
    const Raster<float> dem = ctx_.raster_input("elevation");
    HillshadeOptions o;
    o.z_factor = ctx_.number("hillshade_exaggeration");
    hillshade_ = hillshade(dem, o);
    ctx_.write_raster(
        "hillshade", *hillshade_,
        {"Hillshade (sun from the north-west, 45°)", "", RasterStyle::hillshade, Resampling::average, {}});
  }

  void write_geopackage() {
    if (vectors_.empty()) return;
    const auto path = ctx_.output_path("vectors");
    std::vector<LayerStyleRow> rows;
    for (const auto& v : vectors_) {
      GpkgLayerOptions opts;
      opts.description = v.def->title;
      if (v.table.features.empty()) opts.geometry_type = single_type(v.def->geometry);
      write_gpkg_layer(path, v.table, opts);
      rows.push_back({v.def->layer, v.def->title, vector_qml(v.style), vector_sld(v.style, v.def->layer),
                      fmt::format("{} (nexusmap publish)", v.def->title)});
      ctx_.add_layer_role("vectors", v.def->role, v.def->layer);
    }
    write_layer_styles(path, rows, date_ + "T00:00:00.000Z");
    std::vector<std::string> layers;
    for (const auto& v : vectors_) layers.push_back(v.def->layer);
    ctx_.record("gpkg_layers", layers);
  }

  // The style a raster layer is published with: its own .qml sidecar, else one made from the data.
  std::string raster_style(const RasterLayerDef& def) const {
    if (def.slot == "hillshade") return qml_body(ctx_.staging_dir() / "hillshade.qml");
    const Artifact& a = ctx_.input(def.slot);
    for (const auto& s : a.sidecars)
      if (std::filesystem::path(s.file).extension() == ".qml") return qml_body(a.dir / s.file);
    const Raster<float> r = ctx_.raster_input(def.slot);
    return raster_style_body(raster_symbology(def.style, raster_stats(r), def.units, def.title));
  }

  void write_project() {
    QgisProjectSpec spec;
    spec.title = title_;
    spec.abstract = fmt::format(
        "nexusmap run of {}: trafficking corridors, militant activity and governance gaps "
        "overlaid into nexus hotspots.",
        date_);
    spec.creation = date_ + "T00:00:00";
    spec.crs_wkt = grid_.crs_wkt;
    spec.extent = grid_.extent();
    std::map<std::string, ProjectGroup> groups;
    std::vector<std::string> order;
    const std::string gpkg = own_file("vectors");
    const auto add_vector = [&](const std::string& id, const std::string& name, const std::string& group,
                                const PublishedVector& v, const VectorStyle& style, bool visible) {
      ProjectLayer l;
      l.id = layer_id(id);
      l.name = name;
      l.source = fmt::format("./{}|layername={}", gpkg, v.def->layer);
      l.raster = false;
      l.geometry = qgis_geometry(v.def->geometry);
      l.wkb_type = wkb_name(v.table, v.def->geometry);
      l.extent = envelope(v.table, grid_.extent());
      l.style_attrs = vector_root_attrs(style);
      l.style_body = vector_style_body(style);
      l.visible = visible;
      groups[group].layers.push_back(l);
      order.push_back(l.id);
    };
    for (const auto& v : vectors_) {
      if (v.def->slot == "provinces") {
        // The province boundaries as an input layer: outlines and names over everything else.
        add_vector("provinces", "Provinces", kGroupInputs, v, provinces_outline_style(label_field(v.table)), true);
      }
      add_vector(v.def->layer, v.def->title, v.def->group, v, v.style, v.def->visible);
    }
    int rasters = 0;
    for (const auto& def : raster_layer_defs()) {
      std::string file;
      if (def.slot == "hillshade") {
        if (hillshade_) file = own_file("hillshade");
      } else if (ctx_.has_input(def.slot)) {
        file = ctx_.published_name(def.slot);
        if (file.empty())
          ctx_.log().info("'{}' ({}) is not published by its stage, so it is not in the QGIS project", def.slot,
                          ctx_.input(def.slot).name);
      }
      if (file.empty()) continue;
      ProjectLayer l;
      l.id = layer_id(def.slot);
      l.name = def.title;
      l.source = fmt::format("./{}", file);
      l.extent = grid_.extent();
      l.style_body = raster_style(def);
      l.visible = def.visible;
      groups[def.group].layers.push_back(l);
      order.push_back(l.id);
      files_.push_back({file, def.title + " (GeoTIFF, style beside it)"});
      ++rasters;
    }
    for (const char* name : {kGroupAnalysis, kGroupCorridors, kGroupInputs}) {
      auto it = groups.find(name);
      if (it == groups.end()) continue;
      it->second.name = name;
      // In the panel: vectors first (as drawn), then rasters in drawing order.
      std::stable_partition(it->second.layers.begin(), it->second.layers.end(),
                            [](const ProjectLayer& l) { return !l.raster; });
      spec.groups.push_back(std::move(it->second));
    }
    spec.render_order = order;
    ctx_.write_text("project", qgis_project_xml(spec));
    if (!vectors_.empty()) {
      std::string layers;
      for (const auto& v : vectors_) layers += (layers.empty() ? "" : ", ") + v.def->layer;
      files_.push_back({gpkg, fmt::format("GeoPackage with QGIS styles: {}", layers)});
    }
    files_.push_back({own_file("project"), "QGIS project: open this"});
    ctx_.record("project_layers", order.size());
    ctx_.record("project_rasters", rasters);
  }

  std::vector<MapOverlay> overlays(bool corridors) const {
    std::vector<MapOverlay> out;
    if (const auto* p = vector("provinces"))
      out.push_back({&p->table, provinces_outline_style(""), "Province boundary", label_field(p->table)});
    if (corridors) {
      if (const auto* c = vector("corridor_polygons")) out.push_back({&c->table, c->style, "Least-cost corridor", ""});
      if (const auto* a = vector("alternatives")) out.push_back({&a->table, a->style, "Alternative route", ""});
    }
    if (const auto* p = vector("paths")) out.push_back({&p->table, p->style, "Least-cost path", ""});
    if (corridors)
      if (const auto* c = vector("crossings")) out.push_back({&c->table, c->style, "Border crossing", ""});
    return out;
  }

  std::string footer() const {
    const auto& dataset = ctx_.config().run.dataset;  // a map travels without its report
    return fmt::format("{} · {} m cells · nexusmap {} · {}{}", crs_label(grid_.crs_wkt), format_value(grid_.dx()),
                       version_info().value("nexusmap", ""), date_, dataset ? " · data: " + dataset->name : "");
  }

  void write_maps() {
    const auto& defs = map_defs();
    for (std::size_t k = 0; k < defs.size(); ++k) {
      const MapDef& m = defs[k];
      ctx_.progress(0.4 + 0.5 * static_cast<double>(k) / static_cast<double>(defs.size()), m.title);
      const RasterLayerDef* layer = nullptr;
      for (const auto& slot : m.slots) {
        if (!ctx_.has_input(slot)) continue;
        for (const auto& d : raster_layer_defs())
          if (d.slot == slot) layer = &d;
        break;
      }
      if (layer == nullptr) {
        ctx_.log().info("{}: no {} in this run; map not drawn", m.output, m.slots.front());
        continue;
      }
      const Raster<float> values = ctx_.raster_input(layer->slot);
      MapSpec spec;
      spec.grid = grid_;
      spec.width = static_cast<int>(ctx_.integer("map_width"));
      spec.title = m.title;
      spec.subtitle = fmt::format("{} · {}", title_, date_);
      spec.footer = footer();
      spec.hillshade = hillshade_ ? &*hillshade_ : nullptr;
      spec.layer = MapRaster{&values, raster_symbology(layer->style, raster_stats(values), layer->units, layer->title),
                             layer->title};
      spec.overlays = overlays(m.corridor_overlays);
      const auto png = ctx_.output_path(m.output);
      render_map(spec, png);
      maps_.push_back({m.title == layer->title ? m.title : fmt::format("{} — {}", m.title, layer->title), png});
      files_.push_back({own_file(m.output), fmt::format("Map: {}", m.title)});
    }
    ctx_.record("maps", maps_.size());
  }

  void write_report() {
    ReportInput in;
    in.title = title_;
    in.date = date_;
    in.grid_summary = fmt::format("{}, {} m cells, {} × {}", crs_label(grid_.crs_wkt), format_value(grid_.dx()),
                                  grid_.width, grid_.height);
    in.maps = maps_;
    if (ctx_.has_input("ranking")) {
      in.ranking_csv = read_text(ctx_.input("ranking").path());
      if (const std::string file = ctx_.published_name("ranking"); !file.empty())
        in.files.push_back({file, "Province ranking (CSV)"});
    }
    if (const auto* p = vector("paths")) in.paths = &p->table;
    in.files.insert(in.files.begin(), files_.begin(), files_.end());
    in.files.push_back({own_file("report"), "This report"});
    for (const auto& s : ctx_.config().stages)
      in.stages.push_back({{"id", s.id}, {"kind", s.def->info.kind}, {"options", s.options}});
    in.provenance = ctx_.provenance();
    in.versions = version_info();
    if (const auto& d = ctx_.config().run.dataset) in.dataset = dataset_json(*d);
    ctx_.write_text("report", report_html(in));
  }

  StageContext& ctx_;
  const std::vector<OutputDecl>& outputs_;
  Grid grid_;
  std::string title_;
  std::string date_;
  std::vector<PublishedVector> vectors_;
  std::optional<Raster<std::uint8_t>> hillshade_;
  std::vector<ReportMap> maps_;
  std::vector<ReportFile> files_;
};

}  // namespace

StageDef publish() {
  StageDef def;
  def.info.kind = "publish";
  def.info.summary =
      "GeoPackage with QGIS styles, a QGIS project of every published layer, map images and a "
      "self-contained HTML report.";
  def.info.options = {
      OptionSpec::string("title", std::nullopt,
                         "Title of the maps, the QGIS project and the report (default: the "
                         "[run] name).")
          .optional(),
      OptionSpec::date("date", "today",
                       "Date shown on the maps and in the report (\"today\": the UTC date of the run)."),
      OptionSpec::integer("map_width", 1600, "Width of the map images; the height follows the grid's shape.")
          .min(400)
          .max(8000)
          .unit("px"),
      OptionSpec::number("hillshade_exaggeration", 2.0,
                         "Vertical exaggeration of the hillshade under the maps and in the project.")
          .min(0.1)
          .max(100),
      OptionSpec::string("province_field", std::nullopt,
                         "Attribute of the province statistics that shades the provinces (graduated, quantiles); "
                         "default: `score` when present, else the first numeric attribute.")
          .optional(),
  };
  const auto in = [](std::string slot, ArtifactKind kind, std::string ref, std::string help) {
    return InputDecl{std::move(slot), kind, std::move(ref), true, std::move(help)};
  };
  def.info.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid (project CRS and extent)."},
      in("elevation", ArtifactKind::raster, "terrain.elevation", "Elevation, for the hillshade."),
      in("accumulated_cost", ArtifactKind::raster, "corridors.accumulated_cost", "Hours from the sources."),
      in("travel_cost", ArtifactKind::raster, "cost.travel_cost", "Flat-ground travel time, hours per km."),
      in("paths", ArtifactKind::vector, "corridors.paths", "Least-cost paths."),
      in("alternatives", ArtifactKind::vector, "corridors.alternatives", "Alternative routes."),
      in("corridor", ArtifactKind::raster, "corridors.corridor", "Least-cost corridor mask."),
      in("corridor_polygons", ArtifactKind::vector, "corridors.corridor_polygons", "The corridor as polygons."),
      in("route_frequency", ArtifactKind::raster, "corridors.route_frequency", "Route frequency 0..1."),
      in("activity_density", ArtifactKind::raster, "activity.density", "Militant activity density."),
      in("governance_gap", ArtifactKind::raster, "governance.gap", "Governance gap 0..1."),
      in("remoteness", ArtifactKind::raster, "governance.remoteness", "Hours from the nearest state centre."),
      in("nexus_index", ArtifactKind::raster, "hotspots.nexus_index", "Nexus index 0..1."),
      in("hotspot_z", ArtifactKind::raster, "hotspots.z", "Getis-Ord Gi* z-scores."),
      in("hotspot_bins", ArtifactKind::raster, "hotspots.bins", "Hot/cold spot classes -3..+3."),
      in("provinces", ArtifactKind::vector, "zonal.provinces", "Province statistics."),
      in("ranking", ArtifactKind::table, "zonal.ranking", "Provinces ranked (CSV), for the report."),
      in("crossings", ArtifactKind::vector, "barriers.crossings", "Border crossing points."),
  };
  def.info.outputs = {
      {"vectors", ArtifactKind::vector, "vectors",
       "nexusmap.gpkg: least_cost_paths, alternative_routes, corridor_polygons, province_stats and crossings, each "
       "with its QGIS style in layer_styles.",
       true, "nexusmap"},
      {"project", ArtifactKind::project, "qgis_project",
       "nexusmap.qgs: every published layer, grouped and styled, with paths relative to the run folder.", false,
       "nexusmap"},
      {"report", ArtifactKind::html, "report",
       "Self-contained HTML run report: maps, ranking, paths, parameters, "
       "provenance."},
      {"hillshade", ArtifactKind::raster, "hillshade",
       "Hillshade of the elevation (Byte, 1..255), under the maps "
       "and in the project.",
       true},
  };
  for (const auto& m : map_defs()) def.info.outputs.push_back({m.output, ArtifactKind::image, "map", m.help, true});
  def.run = [outputs = def.info.outputs](StageContext& ctx) { Publisher(ctx, outputs).run(); };
  return def;
}

}  // namespace nexusmap::stages

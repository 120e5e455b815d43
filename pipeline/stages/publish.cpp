// SPDX-License-Identifier: MIT
// publish: what analysts open every morning. One GeoPackage with the vector results and their QGIS
// styles, a QGIS project with every published layer grouped and styled, map images for briefings
// and a self-contained HTML report. It shows whatever the other stages declare a presentation for
// (OutputDecl::presentation): rasters are published by the stages that write them (with their .qml
// styles) and referred to by their names in the run folder; vectors go into the GeoPackage.
#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <cpl_minixml.h>
#include <fmt/format.h>
#include <ogr_spatialref.h>

#include "pipeline/context.hpp"
#include "pipeline/publish/looks.hpp"
#include "pipeline/publish/gpkg_styles.hpp"
#include "pipeline/publish/map_render.hpp"
#include "pipeline/publish/qgis_project.hpp"
#include "pipeline/publish/report.hpp"
#include "pipeline/publish/styles.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
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

struct PublishOptions {
  std::optional<std::string> title;
  std::string date;
  int map_width = 1600;
  double hillshade_exaggeration = 2;
  std::optional<std::string> province_field;
};

struct PublishedVector {
  const Presentation* p;
  FeatureTable table;
  VectorStyle style;
};

struct PublishedRaster {
  std::string slot;  // input slot, "" for the stage's own hillshade
  const Presentation* p;
  std::string file;  // in the run folder
};

template <class T>
void sort_by_order(std::vector<T>& v) {
  std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.p->order < b.p->order; });
}

class Publisher {
 public:
  Publisher(StageContext& ctx, const PublishOptions& o, const std::vector<OutputDecl>& outputs)
      : ctx_(ctx),
        o_(o),
        outputs_(outputs),
        grid_(ctx.grid()),
        title_(o.title ? *o.title : ctx.config().run.name),
        date_(o.date) {}

  void run() {
    ctx_.progress(0.0, "reading vectors");
    read_vectors();
    ctx_.progress(0.1, "hillshade");
    make_hillshade();
    list_rasters();
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
  [[nodiscard]] const OutputDecl& own(const std::string& name) const {
    for (const auto& d : outputs_)
      if (d.name == name) return d;
    fail(ErrorKind::internal, fmt::format("publish: no output '{}'", name));
  }

  // Own outputs are named by the runner; a context built by hand (tests) falls back to the stem.
  std::string own_file(const std::string& name) const {
    const std::string published = ctx_.published_output_name(name);
    if (!published.empty()) return published;
    const OutputDecl& d = own(name);
    return fmt::format("{}{}", d.file_stem.empty() ? d.name : d.file_stem, artifact_extension(d.kind));
  }

  VectorStyle style_of(const Presentation& p, const FeatureTable& t) const {
    switch (p.look) {
      case VectorLook::paths: return least_cost_paths_style();
      case VectorLook::alternative_routes: return alternative_routes_style();
      case VectorLook::flow_routes: return flow_routes_style();
      case VectorLook::corridor_polygons: return corridor_polygons_style();
      case VectorLook::crossings: return crossings_style(label_field(t));
      case VectorLook::choropleth: return choropleth_style(t);
    }
    return least_cost_paths_style();
  }

  void read_vectors() {
    for (const PresentedInput& in : ctx_.presented_inputs()) {
      if (in.output->kind != ArtifactKind::vector || in.output->presentation->gpkg_layer.empty()) continue;
      VectorSource src;
      src.path = ctx_.input(in.slot).path();
      ReadOptions opts;
      opts.target_crs_wkt = grid_.crs_wkt;
      opts.repair = false;
      opts.allow_empty = true;
      FeatureTable t = read_features(src, opts);
      const Presentation& p = *in.output->presentation;
      t.name = p.gpkg_layer;
      VectorStyle style = style_of(p, t);
      vectors_.push_back({&p, std::move(t), std::move(style)});
    }
    sort_by_order(vectors_);
  }

  // Graduated by province_field, else `score` when present, else the first numeric attribute.
  VectorStyle choropleth_style(const FeatureTable& t) const {
    std::string field;
    if (o_.province_field) {
      field = *o_.province_field;
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

  [[nodiscard]] const PublishedVector* vector(VectorLook look) const {
    for (const auto& v : vectors_)
      if (v.p->look == look) return &v;
    return nullptr;
  }

  void make_hillshade() {
    if (!ctx_.has_input("elevation")) return;
    const Raster<float> dem = ctx_.raster_input("elevation");
    HillshadeOptions h;
    h.z_factor = o_.hillshade_exaggeration;
    hillshade_ = hillshade(dem, h);
    ctx_.write_raster("hillshade", *hillshade_);
  }

  // The published rasters (and the hillshade) in drawing order.
  void list_rasters() {
    for (const PresentedInput& in : ctx_.presented_inputs()) {
      if (in.output->kind != ArtifactKind::raster) continue;
      if (in.published.empty()) {
        ctx_.log().info("'{}' is not published by its stage, so it is not in the QGIS project", in.slot);
        continue;
      }
      rasters_.push_back({in.slot, &*in.output->presentation, in.published});
    }
    if (hillshade_) rasters_.push_back({"", &*own("hillshade").presentation, own_file("hillshade")});
    sort_by_order(rasters_);
  }

  void write_geopackage() {
    if (vectors_.empty()) return;
    const auto path = ctx_.output_path("vectors");
    std::vector<LayerStyleRow> rows;
    for (const auto& v : vectors_) {
      GpkgLayerOptions opts;
      opts.description = v.p->title;
      if (v.table.features.empty()) opts.geometry_type = single_type(v.p->geometry);
      write_gpkg_layer(path, v.table, opts);
      rows.push_back({v.p->gpkg_layer, v.p->title, vector_qml(v.style), vector_sld(v.style, v.p->gpkg_layer),
                      fmt::format("{} (nexusmap publish)", v.p->title)});
      ctx_.add_layer_role("vectors", v.p->gpkg_role, v.p->gpkg_layer);
    }
    write_layer_styles(path, rows, date_ + "T00:00:00.000Z");
    std::vector<std::string> layers;
    for (const auto& v : vectors_) layers.push_back(v.p->gpkg_layer);
    ctx_.record("gpkg_layers", layers);
  }

  // The style a raster layer is published with: its own .qml sidecar, else one made from the data.
  std::string raster_style(const PublishedRaster& r) const {
    if (r.slot.empty()) return qml_body(ctx_.staging_dir() / "hillshade.qml");
    const Artifact& a = ctx_.input(r.slot);
    for (const auto& s : a.sidecars)
      if (std::filesystem::path(s.file).extension() == ".qml") return qml_body(a.dir / s.file);
    const Raster<float> values = ctx_.raster_input(r.slot);
    return raster_style_body(raster_symbology(r.p->style, raster_stats(values), r.p->units, r.p->title));
  }

  ProjectLayer vector_layer(const std::string& id, const std::string& name, const PublishedVector& v,
                            const VectorStyle& style, bool visible) const {
    ProjectLayer l;
    l.id = layer_id(id);
    l.name = name;
    l.source = fmt::format("./{}|layername={}", own_file("vectors"), v.p->gpkg_layer);
    l.raster = false;
    l.geometry = qgis_geometry(v.p->geometry);
    l.wkb_type = wkb_name(v.table, v.p->geometry);
    l.extent = envelope(v.table, grid_.extent());
    l.style_attrs = vector_root_attrs(style);
    l.style_body = vector_style_body(style);
    l.visible = visible;
    return l;
  }

  ProjectLayer raster_layer(const PublishedRaster& r) const {
    ProjectLayer l;
    l.id = layer_id(std::filesystem::path(r.file).stem().string());
    l.name = r.p->title;
    l.source = fmt::format("./{}", r.file);
    l.extent = grid_.extent();
    l.style_body = raster_style(r);
    l.visible = r.p->visible;
    return l;
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
    const auto add = [&](const std::string& group, ProjectLayer l) {
      order.push_back(l.id);
      groups[group].layers.push_back(std::move(l));
    };
    for (const auto& v : vectors_) {
      // Zone statistics also give the boundaries as an input layer: outlines and names over everything else.
      if (v.p->look == VectorLook::choropleth)
        add(kGroupInputs, vector_layer("provinces", "Provinces", v, provinces_outline_style(label_field(v.table)), true));
      add(v.p->group, vector_layer(v.p->gpkg_layer, v.p->title, v, v.style, v.p->visible));
    }
    for (const auto& r : rasters_) {
      add(r.p->group, raster_layer(r));
      files_.push_back({r.file, r.p->title + " (GeoTIFF, style beside it)"});
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
      for (const auto& v : vectors_) layers += (layers.empty() ? "" : ", ") + v.p->gpkg_layer;
      files_.push_back({own_file("vectors"), fmt::format("GeoPackage with QGIS styles: {}", layers)});
    }
    files_.push_back({own_file("project"), "QGIS project: open this"});
    ctx_.record("project_layers", order.size());
    ctx_.record("project_rasters", rasters_.size());
  }

  std::vector<MapOverlay> overlays(bool corridors) const {
    std::vector<MapOverlay> out;
    if (const auto* p = vector(VectorLook::choropleth))
      out.push_back({&p->table, provinces_outline_style(""), "Province boundary", label_field(p->table)});
    if (corridors) {
      if (const auto* c = vector(VectorLook::corridor_polygons)) out.push_back({&c->table, c->style, "Least-cost corridor", ""});
      if (const auto* a = vector(VectorLook::alternative_routes)) out.push_back({&a->table, a->style, "Alternative route", ""});
    }
    if (const auto* p = vector(VectorLook::paths)) out.push_back({&p->table, p->style, "Main route (per market)", ""});
    if (corridors)
      if (const auto* c = vector(VectorLook::crossings)) out.push_back({&c->table, c->style, "Border crossing", ""});
    return out;
  }

  std::string footer() const {
    const auto& dataset = ctx_.config().run.dataset;  // a map travels without its report
    return fmt::format("{} · {} m cells · nexusmap {} · {}{}", crs_label(grid_.crs_wkt), format_value(grid_.dx()),
                       version_info().value("nexusmap", ""), date_, dataset ? " · data: " + dataset->name : "");
  }

  // Each map output of this stage, drawn from the connected layer that offers it with the lowest priority.
  void write_maps() {
    std::vector<const OutputDecl*> maps;
    for (const auto& d : outputs_)
      if (d.kind == ArtifactKind::image) maps.push_back(&d);
    const auto inputs = ctx_.presented_inputs();
    for (std::size_t k = 0; k < maps.size(); ++k) {
      const OutputDecl& out = *maps[k];
      const PresentedInput* layer = nullptr;
      for (const auto& in : inputs) {
        const auto& m = in.output->presentation->map;
        if (in.output->kind != ArtifactKind::raster || !m || m->output != out.name) continue;
        if (layer == nullptr || m->priority < layer->output->presentation->map->priority) layer = &in;
      }
      if (layer == nullptr) {
        ctx_.log().info("{}: none of its layers is in this run; map not drawn", out.name);
        continue;
      }
      const Presentation& p = *layer->output->presentation;
      const MapDecl& m = *p.map;
      ctx_.progress(0.4 + 0.5 * static_cast<double>(k) / static_cast<double>(maps.size()), m.title);
      const Raster<float> values = ctx_.raster_input(layer->slot);
      MapSpec spec;
      spec.grid = grid_;
      spec.width = o_.map_width;
      spec.title = m.title;
      spec.subtitle = fmt::format("{} · {}", title_, date_);
      spec.footer = footer();
      spec.hillshade = hillshade_ ? &*hillshade_ : nullptr;
      spec.layer = MapRaster{&values, raster_symbology(p.style, raster_stats(values), p.units, p.title), p.title};
      spec.overlays = overlays(m.corridor_overlays);
      const auto png = ctx_.output_path(out.name);
      render_map(spec, png);
      maps_.push_back({m.title == p.title ? m.title : fmt::format("{} — {}", m.title, p.title), png, m.reading});
      files_.push_back({own_file(out.name), fmt::format("Map: {}", m.title)});
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
    if (ctx_.has_input("ranking_info")) {
      const nlohmann::json info = ctx_.json_input("ranking_info");
      in.ranking_measure = info.value("measure", "");
      in.ranking_explanation = info.value("explanation", "");
    }
    if (ctx_.has_input("flows")) {
      in.flows_csv = read_text(ctx_.input("flows").path());
      if (const std::string file = ctx_.published_name("flows"); !file.empty())
        in.files.push_back({file, "Every origin-market route with its share of the flow (CSV)"});
    }
    if (const auto* p = vector(VectorLook::paths)) in.paths = &p->table;
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
  const PublishOptions& o_;
  const std::vector<OutputDecl>& outputs_;
  Grid grid_;
  std::string title_;
  std::string date_;
  std::vector<PublishedVector> vectors_;
  std::vector<PublishedRaster> rasters_;
  std::optional<Raster<std::uint8_t>> hillshade_;
  std::vector<ReportMap> maps_;
  std::vector<ReportFile> files_;
};

}  // namespace

StageDef publish(const std::vector<StageDef>& others) {
  StageSpec<PublishOptions> spec{"publish",
                              "GeoPackage with QGIS styles, a QGIS project of every published layer, map images and a "
                              "self-contained HTML report."};
  using O = PublishOptions;
  auto& opt = spec.options;
  opt.text("title", &O::title, std::nullopt,
         "Title of the maps, the QGIS project and the report (default: the [run] name).");
  opt.date("date", &O::date, "today", "Date shown on the maps and in the report (\"today\": the UTC date of the run).");
  opt.integer("map_width", &O::map_width, 1600, "Width of the map images; the height follows the grid's shape.")
      .min(400).max(8000).unit("px");
  opt.number("hillshade_exaggeration", &O::hillshade_exaggeration, 2.0,
           "Vertical exaggeration of the hillshade under the maps and in the project.")
      .min(0.1).max(100);
  opt.text("province_field", &O::province_field, std::nullopt,
         "Attribute of the province statistics that shades the provinces (graduated, quantiles); default: `score` "
         "when present, else the first numeric attribute.");
  spec.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid (project CRS and extent)."},
      {"elevation", ArtifactKind::raster, "terrain.elevation", true, "Elevation, for the hillshade."},
      {"ranking", ArtifactKind::table, "zonal.ranking", true, "Provinces ranked (CSV), for the report."},
      {"ranking_info", ArtifactKind::json, "zonal.ranking_info", true, "What the ranking measures, for the report."},
      {"flows", ArtifactKind::table, "corridors.flow_table", true, "Origin-market routes by share of the flow (CSV)."},
      {"layers", ArtifactKind::raster, "", true,
       "Every output of the other stages that declares a presentation: published rasters (project, maps) and "
       "vectors (GeoPackage).",
       true},
  };
  Presentation hill_view = raster_presentation("Hillshade", "", RasterStyle::hillshade, kGroupInputs);
  hill_view.description = "Hillshade (sun from the north-west, 45°)";
  hill_view.visible = true;
  hill_view.order = 210;
  spec.outputs = {
      {"vectors", ArtifactKind::vector, "vectors",
       "nexusmap.gpkg: every vector layer with a presentation (least_cost_paths, alternative_routes, "
       "corridor_polygons, province_stats, crossings), each with its QGIS style in layer_styles.",
       true, "nexusmap"},
      {"project", ArtifactKind::project, "qgis_project",
       "nexusmap.qgs: every published layer, grouped and styled, with paths relative to the run folder.", false,
       "nexusmap"},
      {"report", ArtifactKind::html, "report",
       "Self-contained HTML run report: maps, ranking, paths, parameters, provenance."},
      {"hillshade", ArtifactKind::raster, "hillshade",
       "Hillshade of the elevation (Byte, 1..255), under the maps and in the project.", true, {}, hill_view},
  };
  // One map output per map the other stages' layers offer, in map order.
  std::vector<MapDecl> maps;
  for (const auto& def : others)
    for (const auto& out : def.info.outputs) {
      if (!out.presentation || !out.presentation->map) continue;
      const MapDecl& m = *out.presentation->map;
      auto it = std::find_if(maps.begin(), maps.end(), [&](const MapDecl& x) { return x.output == m.output; });
      if (it == maps.end()) maps.push_back(m);
      else if (m.priority < it->priority) *it = m;
    }
  std::stable_sort(maps.begin(), maps.end(), [](const MapDecl& a, const MapDecl& b) { return a.order < b.order; });
  for (const auto& m : maps) spec.outputs.push_back({m.output, ArtifactKind::image, "map", m.help, true});
  const std::vector<OutputDecl> outputs = spec.outputs;
  spec.run = [outputs](StageContext& ctx, const PublishOptions& opts) { Publisher(ctx, opts, outputs).run(); };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

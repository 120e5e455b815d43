// SPDX-License-Identifier: MIT
#include "vectors/features.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "rasters/io/crs.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"
#include "vectors/geos_repair.hpp"

namespace nexusmap {
namespace {

bool is_csv(const std::filesystem::path& p) {
  auto ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".csv" || ext == ".tsv";
}

GDALDatasetUniquePtr open_vector(const VectorSource& src) {
  ensure_gdal_registered();
  std::error_code ec;
  if (!std::filesystem::exists(src.path, ec)) {
    input_error(fmt::format("{}: file not found; check the path (relative paths are resolved against the "
                            "config file)", src.path.string()));
  }
  CPLStringList open_options;
  if (is_csv(src.path)) {
    if (!src.x_field.empty()) open_options.SetNameValue("X_POSSIBLE_NAMES", src.x_field.c_str());
    if (!src.y_field.empty()) open_options.SetNameValue("Y_POSSIBLE_NAMES", src.y_field.c_str());
    open_options.SetNameValue("AUTODETECT_TYPE", "YES");
    open_options.SetNameValue("KEEP_GEOM_COLUMNS", "YES");
  }
  GdalErrorCapture errors;
  GDALDatasetUniquePtr ds(GDALDataset::Open(src.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                            open_options.List()));
  if (!ds || ds->GetLayerCount() == 0) {
    input_error(fmt::format("{}: not a vector dataset OGR can read{}; give a GeoPackage, Shapefile, GeoJSON, "
                            "FlatGeobuf or CSV", src.path.string(), errors.suffix()));
  }
  return ds;
}

std::string layer_names(GDALDataset& ds) {
  std::string names;
  for (auto* layer : ds.GetLayers()) names += (names.empty() ? "'" : ", '") + std::string(layer->GetName()) + "'";
  return names;
}

OGRLayer* pick_layer(GDALDataset& ds, const VectorSource& src) {
  if (src.layer.empty()) {
    if (ds.GetLayerCount() > 1) {
      input_error(fmt::format("{}: has {} layers ({}); say which one with `layer = \"...\"`", src.path.string(),
                              ds.GetLayerCount(), layer_names(ds)));
    }
    return ds.GetLayer(0);
  }
  OGRLayer* layer = ds.GetLayerByName(src.layer.c_str());
  if (layer == nullptr) {
    input_error(fmt::format("{}: has no layer '{}'; layers are {}", src.path.string(), src.layer, layer_names(ds)));
  }
  return layer;
}

std::string field_list(OGRFeatureDefn& defn) {
  std::string names;
  for (int i = 0; i < defn.GetFieldCount(); ++i)
    names += (i ? ", " : "") + std::string(defn.GetFieldDefn(i)->GetNameRef());
  return names;
}

FieldType map_type(OGRFieldType t) {
  switch (t) {
    case OFTInteger:
    case OFTInteger64: return FieldType::integer;
    case OFTReal: return FieldType::real;
    case OFTDate:
    case OFTDateTime: return FieldType::date;
    default: return FieldType::string;
  }
}

AttrValue read_attr(const OGRFeature& f, int i, FieldType type) {
  if (!f.IsFieldSetAndNotNull(i)) return std::monostate{};
  switch (type) {
    case FieldType::integer: return static_cast<std::int64_t>(f.GetFieldAsInteger64(i));
    case FieldType::real: return f.GetFieldAsDouble(i);
    case FieldType::date: {
      int y = 0, m = 0, d = 0, hh = 0, mm = 0, tz = 0;
      float ss = 0;
      f.GetFieldAsDateTime(i, &y, &m, &d, &hh, &mm, &ss, &tz);
      return fmt::format("{:04}-{:02}-{:02}", y, m, d);
    }
    case FieldType::string: return std::string(f.GetFieldAsString(i));
  }
  return std::monostate{};
}

}  // namespace

std::string VectorSource::describe() const {
  std::string s = path.string();
  if (!layer.empty()) s += ", layer '" + layer + "'";
  return s;
}

std::optional<double> attr_number(const AttrValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) {
    char* end = nullptr;
    const double x = std::strtod(s->c_str(), &end);
    if (end != s->c_str() && *end == '\0') return x;
  }
  return std::nullopt;
}

std::string attr_text(const AttrValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

int FeatureTable::field_index(std::string_view n) const {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == n) return static_cast<int>(i);
  return -1;
}

int FeatureTable::require_field(std::string_view field, std::string_view context) const {
  const int i = field_index(field);
  if (i < 0) {
    std::string names;
    for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f.name;
    input_error(fmt::format("{}: unknown attribute '{}' in layer '{}'; available: {}", context, field, name, names));
  }
  return i;
}

std::vector<const OGRGeometry*> FeatureTable::geometries() const {
  std::vector<const OGRGeometry*> out;
  out.reserve(features.size());
  for (const auto& f : features) out.push_back(f.geometry.get());
  return out;
}

std::string RepairReport::summary() const {
  std::string s = fmt::format("{} read, {} repaired, {} dropped", read, repaired, dropped);
  for (const auto& [why, n] : reasons) s += fmt::format("; {}: {}", why, n);
  return s;
}

std::vector<std::string> list_layers(const std::filesystem::path& path) {
  VectorSource src;
  src.path = path;
  auto ds = open_vector(src);
  std::vector<std::string> out;
  for (auto* layer : ds->GetLayers()) out.emplace_back(layer->GetName());
  return out;
}

FeatureTable read_features(const VectorSource& src, const ReadOptions& options, RepairReport* report) {
  auto ds = open_vector(src);
  OGRLayer* layer = pick_layer(*ds, src);
  const std::string where_ctx = src.describe();
  OGRFeatureDefn* defn = layer->GetLayerDefn();

  FeatureTable table;
  table.name = layer->GetName();
  for (int i = 0; i < defn->GetFieldCount(); ++i)
    table.fields.push_back({defn->GetFieldDefn(i)->GetNameRef(), map_type(defn->GetFieldDefn(i)->GetType())});
  for (const auto& f : options.required_fields) (void)table.require_field(f, where_ctx);
  if (is_csv(src.path)) {
    if (!src.x_field.empty()) (void)table.require_field(src.x_field, where_ctx + " x_field");
    if (!src.y_field.empty()) (void)table.require_field(src.y_field, where_ctx + " y_field");
    if (layer->GetGeomType() == wkbNone && options.require_geometry) {
      input_error(fmt::format("{}: CSV has no geometry; name its coordinate columns with x_field and y_field "
                              "(e.g. \"lon\", \"lat\")", where_ctx));
    }
  }

  if (!src.where.empty()) {
    GdalErrorCapture errors;
    if (layer->SetAttributeFilter(src.where.c_str()) != OGRERR_NONE) {
      input_error(fmt::format("{}: filter \"{}\" is invalid{}; fields are {}", where_ctx, src.where,
                              errors.suffix(), field_list(*defn)));
    }
  }

  // Source CRS: explicit override, else the layer's, else WGS 84 for CSV coordinates.
  OGRSpatialReference source_srs;
  source_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (!src.crs.empty()) {
    source_srs.importFromWkt(crs_to_wkt(src.crs, where_ctx + " crs").c_str());
  } else if (const OGRSpatialReference* s = layer->GetSpatialRef();
             s != nullptr && !s->IsEmpty() && std::string_view(s->GetName() ? s->GetName() : "").rfind("Undefined", 0) != 0) {
    // (GeoPackage writes "Undefined geographic/cartesian SRS" for layers created without a CRS.)
    source_srs = *s;
    source_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  } else if (is_csv(src.path) || !options.require_geometry) {
    source_srs.importFromEPSG(4326);
  } else {
    input_error(fmt::format("{}: layer has no CRS; add `crs = \"EPSG:...\"` to this input", where_ctx));
  }

  std::unique_ptr<OGRCoordinateTransformation> transform;
  if (!options.target_crs_wkt.empty()) {
    OGRSpatialReference target;
    target.importFromWkt(options.target_crs_wkt.c_str());
    target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!source_srs.IsSame(&target)) {
      transform.reset(OGRCreateCoordinateTransformation(&source_srs, &target));
      if (!transform) input_error(fmt::format("{}: cannot transform from its CRS to the analysis CRS", where_ctx));
    }
    table.crs_wkt = options.target_crs_wkt;
  } else {
    char* wkt = nullptr;
    const char* const wkt_opts[] = {"FORMAT=WKT2_2019", nullptr};
    source_srs.exportToWkt(&wkt, wkt_opts);
    table.crs_wkt = wkt ? wkt : "";
    CPLFree(wkt);
  }

  RepairReport local;
  RepairReport& rep = report ? *report : local;
  rep = RepairReport{};
  layer->ResetReading();
  GdalErrorCapture errors;
  for (auto& feature : *layer) {
    ++rep.read;
    Feature out;
    out.fid = feature->GetFID();
    out.attributes.reserve(table.fields.size());
    for (std::size_t i = 0; i < table.fields.size(); ++i)
      out.attributes.push_back(read_attr(*feature, static_cast<int>(i), table.fields[i].type));
    OGRGeometry* g = feature->GetGeometryRef();
    if ((g == nullptr || g->IsEmpty()) && !options.require_geometry) {
      table.features.push_back(std::move(out));
      continue;
    }
    if (g == nullptr || g->IsEmpty()) {
      ++rep.dropped;
      ++rep.reasons["no geometry"];
      continue;
    }
    OGRGeometryUniquePtr geom(g->clone());
    if (transform && geom->transform(transform.get()) != OGRERR_NONE) {
      ++rep.dropped;
      ++rep.reasons["cannot be transformed to the analysis CRS"];
      continue;
    }
    if (options.repair) {
      RepairResult r = repair_geometry(*geom);
      if (r.status == RepairResult::Status::dropped) {
        ++rep.dropped;
        ++rep.reasons[r.reason];
        continue;
      }
      if (r.status == RepairResult::Status::repaired) {
        ++rep.repaired;
        ++rep.reasons[r.reason];
      }
      geom = std::move(r.geometry);
    }
    out.geometry = std::move(geom);
    table.features.push_back(std::move(out));
  }
  if (!errors.last_error().empty() && table.features.empty()) {
    // Drivers such as GPKG only reject an unknown column in the filter when reading starts.
    if (!src.where.empty()) {
      input_error(fmt::format("{}: filter \"{}\" is invalid{}; fields are {}", where_ctx, src.where, errors.suffix(),
                              field_list(*defn)));
    }
    input_error(fmt::format("{}: cannot read features{}", where_ctx, errors.suffix()));
  }
  if (table.features.empty() && !options.allow_empty) {
    input_error(fmt::format("{}: layer is empty{}; check the file and the filter", where_ctx,
                            src.where.empty() ? std::string{} : fmt::format(" after filter \"{}\"", src.where)));
  }
  return table;
}

Extent layer_extent_lonlat(const VectorSource& source) {
  ReadOptions opts;
  opts.target_crs_wkt = crs_to_wkt("EPSG:4326");
  opts.repair = false;
  FeatureTable t = read_features(source, opts);
  OGREnvelope env;
  for (const auto& f : t.features) {
    OGREnvelope e;
    f.geometry->getEnvelope(&e);
    env.Merge(e);
  }
  return {env.MinX, env.MinY, env.MaxX, env.MaxY};
}

}  // namespace nexusmap

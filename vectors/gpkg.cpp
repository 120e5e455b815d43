// SPDX-License-Identifier: MIT
#include "vectors/gpkg.hpp"

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"

namespace nexusmap {
namespace {

OGRFieldType ogr_type(FieldType t) {
  switch (t) {
    case FieldType::integer: return OFTInteger64;
    case FieldType::real: return OFTReal;
    case FieldType::date: return OFTDate;
    case FieldType::string: return OFTString;
  }
  return OFTString;
}

// The layer type that holds every feature: their common type, the multi type when singles and
// multis of one family mix (a province of several islands among simple ones), else any geometry.
OGRwkbGeometryType common_geometry_type(const FeatureTable& table) {
  OGRwkbGeometryType common = wkbUnknown;
  bool first = true;
  for (const auto& f : table.features) {
    if (!f.geometry) continue;
    const OGRwkbGeometryType t = wkbFlatten(f.geometry->getGeometryType());
    if (first) {
      common = t;
      first = false;
    } else if (t != common) {
      const auto family = [](OGRwkbGeometryType g) {
        return OGR_GT_IsSubClassOf(g, wkbGeometryCollection) ? g : OGR_GT_GetCollection(g);
      };
      const OGRwkbGeometryType a = family(t);
      const OGRwkbGeometryType b = family(common);
      if (a == b && a != wkbUnknown) {
        common = a;
      } else {
        return wkbUnknown;
      }
    }
  }
  return common;
}

}  // namespace

void write_gpkg_layer(const std::filesystem::path& path, const FeatureTable& table, const GpkgLayerOptions& options) {
  ensure_gdal_registered();
  GdalErrorCapture errors;
  std::error_code ec;
  GDALDatasetUniquePtr ds;
  if (std::filesystem::exists(path, ec)) {
    ds.reset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
  } else {
    if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path(), ec);
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GPKG");
    ds.reset(drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  }
  if (!ds) input_error(fmt::format("{}: cannot create or open GeoPackage{}", path.string(), errors.suffix()));

  for (int i = 0; i < ds->GetLayerCount(); ++i) {
    if (table.name == ds->GetLayer(i)->GetName()) {
      ds->DeleteLayer(i);
      break;
    }
  }
  OGRSpatialReference srs;
  if (!table.crs_wkt.empty()) srs.importFromWkt(table.crs_wkt.c_str());
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const OGRwkbGeometryType gtype =
      options.geometry_type == wkbUnknown ? common_geometry_type(table) : options.geometry_type;
  CPLStringList lco;
  if (!options.description.empty()) lco.SetNameValue("DESCRIPTION", options.description.c_str());
  OGRLayer* layer = ds->CreateLayer(table.name.c_str(), table.crs_wkt.empty() ? nullptr : &srs, gtype, lco.List());
  if (layer == nullptr) {
    input_error(fmt::format("{}: cannot create layer '{}'{}", path.string(), table.name, errors.suffix()));
  }
  for (const auto& f : table.fields) {
    OGRFieldDefn def(f.name.c_str(), ogr_type(f.type));
    if (layer->CreateField(&def) != OGRERR_NONE)
      input_error(fmt::format("{}: cannot create field '{}'{}", path.string(), f.name, errors.suffix()));
  }
  if (layer->StartTransaction() != OGRERR_NONE) fail(ErrorKind::internal, "GeoPackage transaction failed");
  for (const auto& feature : table.features) {
    OGRFeature out(layer->GetLayerDefn());
    for (std::size_t i = 0; i < table.fields.size(); ++i) {
      const AttrValue& v = feature.attributes[i];
      const int idx = static_cast<int>(i);
      if (std::holds_alternative<std::monostate>(v)) out.SetFieldNull(idx);
      else if (const auto* n = std::get_if<std::int64_t>(&v)) out.SetField(idx, static_cast<GIntBig>(*n));
      else if (const auto* d = std::get_if<double>(&v)) out.SetField(idx, *d);
      else out.SetField(idx, std::get<std::string>(v).c_str());
    }
    if (feature.geometry) {
      OGRGeometryUniquePtr g(feature.geometry->clone());
      if (gtype != wkbUnknown && wkbFlatten(g->getGeometryType()) != wkbFlatten(gtype))
        g.reset(OGRGeometryFactory::forceTo(g.release(), gtype));
      out.SetGeometryDirectly(g.release());
    }
    if (layer->CreateFeature(&out) != OGRERR_NONE) {
      input_error(fmt::format("{}: cannot write a feature to layer '{}'{}", path.string(), table.name,
                              errors.suffix()));
    }
  }
  if (layer->CommitTransaction() != OGRERR_NONE)
    input_error(fmt::format("{}: cannot commit layer '{}'{}", path.string(), table.name, errors.suffix()));
}

}  // namespace nexusmap

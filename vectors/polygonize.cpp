// SPDX-License-Identifier: MIT
#include "vectors/polygonize.hpp"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"

namespace nexusmap {

FeatureTable polygonize(const Raster<std::int32_t>& classes, const std::string& value_field, bool eight_connected) {
  ensure_gdal_registered();
  const Grid& g = classes.grid();
  const auto w = static_cast<int>(g.width);
  const auto h = static_cast<int>(g.height);
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr src(mem->Create("", w, h, 2, GDT_Int32, nullptr));
  src->SetGeoTransform(const_cast<double*>(g.geotransform.data()));
  if (!g.crs_wkt.empty()) src->SetProjection(g.crs_wkt.c_str());
  std::vector<std::int32_t> valid(static_cast<std::size_t>(g.cells()));
  for (CellIndex i = 0; i < classes.size(); ++i) valid[static_cast<std::size_t>(i)] = classes.valid(i) ? 1 : 0;
  GdalErrorCapture errors;
  if (src->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, const_cast<std::int32_t*>(classes.data()), w, h,
                                      GDT_Int32, 0, 0) != CE_None ||
      src->GetRasterBand(2)->RasterIO(GF_Write, 0, 0, w, h, valid.data(), w, h, GDT_Int32, 0, 0) != CE_None)
    fail(ErrorKind::internal, "polygonize: cannot fill input" + errors.suffix());

  GDALDriver* vmem = GetGDALDriverManager()->GetDriverByName("Memory");
  GDALDatasetUniquePtr out(vmem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  OGRSpatialReference srs;
  if (!g.crs_wkt.empty()) srs.importFromWkt(g.crs_wkt.c_str());
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRLayer* layer = out->CreateLayer("polygons", g.crs_wkt.empty() ? nullptr : &srs, wkbPolygon, nullptr);
  OGRFieldDefn field(value_field.c_str(), OFTInteger);
  layer->CreateField(&field);
  CPLStringList opts;
  if (eight_connected) opts.SetNameValue("8CONNECTED", "8");
  if (GDALPolygonize(src->GetRasterBand(1), src->GetRasterBand(2), OGRLayer::ToHandle(layer), 0, opts.List(), nullptr,
                     nullptr) != CE_None)
    fail(ErrorKind::internal, "GDALPolygonize failed" + errors.suffix());

  FeatureTable t;
  t.name = "polygons";
  t.crs_wkt = g.crs_wkt;
  t.fields = {{value_field, FieldType::integer}};
  layer->ResetReading();
  for (auto& f : *layer) {
    Feature out_f;
    out_f.fid = f->GetFID();
    out_f.geometry.reset(f->GetGeometryRef()->clone());
    out_f.attributes = {static_cast<std::int64_t>(f->GetFieldAsInteger(0))};
    t.features.push_back(std::move(out_f));
  }
  return t;
}

}  // namespace nexusmap

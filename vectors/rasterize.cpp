// SPDX-License-Identifier: MIT
#include "vectors/rasterize.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gdal_alg.h>
#include <gdal_priv.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"
#include "rasters/core/memory.hpp"

namespace nexusmap {
namespace {

// Wraps `buffer` (width*height of `type`) as a one-band MEM dataset without copying.
GDALDatasetUniquePtr wrap_buffer(const Grid& grid, void* buffer, GDALDataType type) {
  ensure_gdal_registered();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr ds(mem->Create("", static_cast<int>(grid.width), static_cast<int>(grid.height), 0, type,
                                      nullptr));
  if (!ds) fail(ErrorKind::internal, "cannot create an in-memory dataset for rasterizing");
  CPLStringList opts;
  opts.SetNameValue("DATAPOINTER", CPLSPrintf("%p", buffer));
  if (ds->AddBand(type, opts.List()) != CE_None) fail(ErrorKind::internal, "cannot wrap a raster buffer");
  ds->SetGeoTransform(const_cast<double*>(grid.geotransform.data()));
  if (!grid.crs_wkt.empty()) ds->SetProjection(grid.crs_wkt.c_str());
  return ds;
}

void burn(GDALDataset& ds, std::span<const OGRGeometry* const> geometries, const std::vector<double>& values,
          const RasterizeOptions& options) {
  CPLStringList opts;
  if (options.all_touched) opts.SetNameValue("ALL_TOUCHED", "TRUE");
  if (options.merge == BurnMerge::add) opts.SetNameValue("MERGE_ALG", "ADD");
  int band = 1;
  std::vector<OGRGeometryH> handles;
  handles.reserve(geometries.size());
  for (const OGRGeometry* g : geometries) handles.push_back(OGRGeometry::ToHandle(const_cast<OGRGeometry*>(g)));
  GdalErrorCapture errors;
  if (GDALRasterizeGeometries(GDALDataset::ToHandle(&ds), 1, &band, static_cast<int>(handles.size()),
                              handles.data(), nullptr, nullptr, values.data(), opts.List(), nullptr,
                              nullptr) != CE_None) {
    fail(ErrorKind::internal, "rasterizing failed" + errors.suffix());
  }
}

}  // namespace

Raster<float> rasterize(const Grid& grid, std::span<const OGRGeometry* const> geometries,
                        std::span<const double> values, const RasterizeOptions& options, float background) {
  check_grid_memory(grid, sizeof(float), "rasterize");
  if (!values.empty() && values.size() != geometries.size())
    fail(ErrorKind::internal, "rasterize: one value per geometry expected");
  Raster<float> out(grid, background);
  if (geometries.empty()) return out;
  // GDAL's ADD merge adds to the background, so a NaN background would swallow every burn: burn onto 0
  // then restore the background where nothing was burnt.
  const bool nan_background = std::isnan(background);
  std::vector<float> buffer(static_cast<std::size_t>(grid.cells()), nan_background ? 0.0F : background);
  std::vector<double> burn_values(values.begin(), values.end());
  if (burn_values.empty()) burn_values.assign(geometries.size(), 1.0);
  {
    auto ds = wrap_buffer(grid, buffer.data(), GDT_Float32);
    burn(*ds, geometries, burn_values, options);
  }
  if (!nan_background) {
    std::copy(buffer.begin(), buffer.end(), out.values().begin());
    return out;
  }
  // Which cells were burnt: a second pass burning 1s into a byte mask.
  std::vector<std::uint8_t> touched(static_cast<std::size_t>(grid.cells()), 0);
  {
    auto ds = wrap_buffer(grid, touched.data(), GDT_Byte);
    RasterizeOptions replace = options;
    replace.merge = BurnMerge::replace;
    burn(*ds, geometries, std::vector<double>(geometries.size(), 1.0), replace);
  }
  for (std::size_t i = 0; i < buffer.size(); ++i)
    if (touched[i]) out[static_cast<CellIndex>(i)] = buffer[i];
  return out;
}

Raster<std::int32_t> rasterize_ids(const Grid& grid, std::span<const OGRGeometry* const> geometries,
                                   const RasterizeOptions& options) {
  check_grid_memory(grid, sizeof(std::int32_t) + 1.0, "rasterize");
  Raster<std::int32_t> out(grid);
  std::vector<std::int32_t> buffer(static_cast<std::size_t>(grid.cells()), -1);
  std::vector<double> ids(geometries.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<double>(i);
  if (!geometries.empty()) {
    auto ds = wrap_buffer(grid, buffer.data(), GDT_Int32);
    RasterizeOptions replace = options;
    replace.merge = BurnMerge::replace;
    burn(*ds, geometries, ids, replace);
  }
  for (std::size_t i = 0; i < buffer.size(); ++i)
    if (buffer[i] >= 0) out.set_valid(static_cast<CellIndex>(i), buffer[i]);
  return out;
}

}  // namespace nexusmap

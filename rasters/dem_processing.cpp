// SPDX-License-Identifier: MIT
#include "rasters/dem_processing.hpp"

#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <gdal_utils.h>

#include "rasters/error.hpp"
#include "rasters/gdal_util.hpp"
#include "rasters/memory.hpp"

namespace nexusmap {
namespace {

// Runs GDALDEMProcessing(`mode`) on `dem` held in memory and returns band 1 of the result as T.
template <class T>
Raster<T> process(const Raster<float>& dem, const char* mode, const std::vector<std::string>& args) {
  ensure_gdal_registered();
  const Grid& g = dem.grid();
  check_grid_memory(g, 3.0 * sizeof(float), fmt::format("gdaldem {}", mode));
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  const auto w = static_cast<int>(g.width);
  const auto h = static_cast<int>(g.height);
  GDALDatasetUniquePtr src(mem->Create("", w, h, 1, GDT_Float32, nullptr));
  src->SetGeoTransform(const_cast<double*>(g.geotransform.data()));
  if (!g.crs_wkt.empty()) src->SetProjection(g.crs_wkt.c_str());
  GDALRasterBand* band = src->GetRasterBand(1);
  band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
  GdalErrorCapture errors;
  if (band->RasterIO(GF_Write, 0, 0, w, h, const_cast<float*>(dem.data()), w, h, GDT_Float32, 0, 0) != CE_None)
    fail(ErrorKind::internal, "gdaldem: cannot fill input" + errors.suffix());
  std::vector<std::string> all = {"-of", "MEM", "-compute_edges"};
  all.insert(all.end(), args.begin(), args.end());
  DemOptionsPtr opts(GDALDEMProcessingOptionsNew(make_args(all).List(), nullptr));
  int usage_error = 0;
  GDALDatasetUniquePtr out(GDALDataset::FromHandle(
      GDALDEMProcessing("", GDALDataset::ToHandle(src.get()), mode, nullptr, opts.get(), &usage_error)));
  if (!out || usage_error) fail(ErrorKind::internal, fmt::format("gdaldem {} failed{}", mode, errors.suffix()));
  GDALRasterBand* ob = out->GetRasterBand(1);
  Raster<T> result(g, T{});
  constexpr GDALDataType type = std::is_same_v<T, float> ? GDT_Float32 : GDT_Byte;
  if (ob->RasterIO(GF_Read, 0, 0, w, h, result.data(), w, h, type, 0, 0) != CE_None)
    fail(ErrorKind::internal, fmt::format("gdaldem {}: cannot read result{}", mode, errors.suffix()));
  int has_nodata = 0;
  const double nd = ob->GetNoDataValue(&has_nodata);
  for (CellIndex i = 0; i < result.size(); ++i) {
    if (!dem.valid(i) || (has_nodata && static_cast<double>(result[i]) == nd)) result.set_nodata(i);
  }
  return result;
}

}  // namespace

Raster<float> slope_degrees(const Raster<float>& dem) { return process<float>(dem, "slope", {"-alg", "Horn"}); }

Raster<float> aspect_degrees(const Raster<float>& dem) { return process<float>(dem, "aspect", {"-alg", "Horn"}); }

Raster<std::uint8_t> hillshade(const Raster<float>& dem, const HillshadeOptions& o) {
  std::vector<std::string> args = {"-az", fmt::format("{}", o.azimuth), "-alt", fmt::format("{}", o.altitude), "-z",
                                   fmt::format("{}", o.z_factor)};
  if (o.multidirectional) args = {"-multidirectional", "-alt", fmt::format("{}", o.altitude), "-z",
                                  fmt::format("{}", o.z_factor)};
  return process<std::uint8_t>(dem, "hillshade", args);
}

}  // namespace nexusmap

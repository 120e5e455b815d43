// SPDX-License-Identifier: MIT
#include "rasters/io/dem_processing.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <cpl_vsi.h>
#include <gdal_utils.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"
#include "rasters/core/memory.hpp"

namespace nexusmap {
namespace {

// A MEM dataset holding `values` as Float32 with NaN nodata.
GDALDatasetUniquePtr mem_float(const Raster<float>& values) {
  ensure_gdal_registered();
  const Grid& g = values.grid();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  const auto w = static_cast<int>(g.width);
  const auto h = static_cast<int>(g.height);
  GDALDatasetUniquePtr src(mem->Create("", w, h, 1, GDT_Float32, nullptr));
  if (!src) fail(ErrorKind::internal, "cannot create an in-memory GDAL dataset");
  src->SetGeoTransform(const_cast<double*>(g.geotransform.data()));
  if (!g.crs_wkt.empty()) src->SetProjection(g.crs_wkt.c_str());
  GDALRasterBand* band = src->GetRasterBand(1);
  band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
  GdalErrorCapture errors;
  if (band->RasterIO(GF_Write, 0, 0, w, h, const_cast<float*>(values.data()), w, h, GDT_Float32, 0, 0) != CE_None)
    fail(ErrorKind::internal, fmt::format("cannot fill an in-memory GDAL dataset{}", errors.suffix()));
  return src;
}

// A file in GDAL's in-memory file system, deleted when this goes out of scope.
class VsiMemFile {
 public:
  explicit VsiMemFile(const std::string& content) {
    static std::atomic<unsigned> counter{0};
    path_ = fmt::format("/vsimem/nexusmap-{}-{}.txt", static_cast<const void*>(this), counter++);
    VSILFILE* f = VSIFOpenL(path_.c_str(), "wb");
    if (f == nullptr) fail(ErrorKind::internal, fmt::format("cannot create {}", path_));
    const bool ok = VSIFWriteL(content.data(), 1, content.size(), f) == content.size();
    VSIFCloseL(f);
    if (!ok) fail(ErrorKind::internal, fmt::format("cannot write {}", path_));
  }
  ~VsiMemFile() { VSIUnlink(path_.c_str()); }
  VsiMemFile(const VsiMemFile&) = delete;
  VsiMemFile& operator=(const VsiMemFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs GDALDEMProcessing(`mode`) on `dem` held in memory and returns band 1 of the result as T.
template <class T>
Raster<T> process(const Raster<float>& dem, const char* mode, const std::vector<std::string>& args) {
  const Grid& g = dem.grid();
  check_grid_memory(g, 3.0 * sizeof(float), fmt::format("gdaldem {}", mode));
  const auto w = static_cast<int>(g.width);
  const auto h = static_cast<int>(g.height);
  auto src = mem_float(dem);
  GdalErrorCapture errors;
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

RgbaImage color_relief(const Raster<float>& values, std::span<const ColorEntry> table, ColorMatch match) {
  const Grid& g = values.grid();
  check_grid_memory(g, sizeof(float) + 8.0, "gdaldem color-relief");
  if (table.empty()) fail(ErrorKind::internal, "color_relief: empty colour table");
  std::string text = "nv 0 0 0 0\n";
  for (const auto& e : table) text += fmt::format("{:.17g} {} {} {} {}\n", e.value, e.r, e.g, e.b, e.a);
  const VsiMemFile colors(text);
  auto src = mem_float(values);
  std::vector<std::string> args = {"-of", "MEM", "-alpha"};
  // GDAL 3.6.2's -exact_color_entry only ever matches the first entry; exact matching is nearest
  // matching with the cells that equal no entry cleared below.
  if (match != ColorMatch::interpolate) args.emplace_back("-nearest_color_entry");
  GdalErrorCapture errors;
  DemOptionsPtr opts(GDALDEMProcessingOptionsNew(make_args(args).List(), nullptr));
  int usage_error = 0;
  GDALDatasetUniquePtr out(GDALDataset::FromHandle(GDALDEMProcessing(
      "", GDALDataset::ToHandle(src.get()), "color-relief", colors.path().c_str(), opts.get(), &usage_error)));
  if (!out || usage_error) fail(ErrorKind::internal, fmt::format("gdaldem color-relief failed{}", errors.suffix()));
  RgbaImage img;
  img.width = g.width;
  img.height = g.height;
  img.rgba.assign(static_cast<std::size_t>(g.cells()) * 4, 0);
  const auto w = static_cast<int>(g.width);
  const auto h = static_cast<int>(g.height);
  int bands[4] = {1, 2, 3, 4};
  if (out->RasterIO(GF_Read, 0, 0, w, h, img.rgba.data(), w, h, GDT_Byte, 4, bands, 4, 4 * static_cast<GSpacing>(w), 1,
                    nullptr) != CE_None)
    fail(ErrorKind::internal, fmt::format("gdaldem color-relief: cannot read result{}", errors.suffix()));
  for (CellIndex i = 0; i < values.size(); ++i) {
    const auto is_entry = [&](const ColorEntry& e) { return e.value == values[i]; };
    const bool listed = match != ColorMatch::exact || std::any_of(table.begin(), table.end(), is_entry);
    if (!values.valid(i) || !listed) img.rgba[static_cast<std::size_t>(i) * 4 + 3] = 0;
  }
  return img;
}

}  // namespace nexusmap

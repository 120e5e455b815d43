// SPDX-License-Identifier: MIT
#include "rasters/io/gdal_raster.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogr_spatialref.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"
#include "rasters/core/memory.hpp"

namespace nexusmap {
namespace {

constexpr std::array<std::pair<const char*, Resampling>, 11> kResamplingNames{{
    {"near", Resampling::nearest},
    {"nearest", Resampling::nearest},
    {"bilinear", Resampling::bilinear},
    {"cubic", Resampling::cubic},
    {"cubicspline", Resampling::cubicspline},
    {"lanczos", Resampling::lanczos},
    {"average", Resampling::average},
    {"mode", Resampling::mode},
    {"min", Resampling::min},
    {"max", Resampling::max},
    {"med", Resampling::median},
}};

template <class T>
constexpr GDALDataType gdal_type() {
  if constexpr (std::is_same_v<T, float>) return GDT_Float32;
  else if constexpr (std::is_same_v<T, double>) return GDT_Float64;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return GDT_Byte;
  else if constexpr (std::is_same_v<T, std::int16_t>) return GDT_Int16;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return GDT_UInt16;
  else if constexpr (std::is_same_v<T, std::int32_t>) return GDT_Int32;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return GDT_UInt32;
  else static_assert(sizeof(T) == 0, "unsupported raster type");
}

GDALDatasetUniquePtr open_raster(const std::filesystem::path& path) {
  ensure_gdal_registered();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    input_error(fmt::format("{}: file not found; check the path (relative paths are resolved against the "
                            "config file)", path.string()));
  }
  GdalErrorCapture errors;
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!ds || ds->GetRasterCount() == 0) {
    input_error(fmt::format("{}: not a raster GDAL can read{}; give a GeoTIFF or another GDAL raster format",
                            path.string(), errors.suffix()));
  }
  return ds;
}

Grid grid_of(GDALDataset& ds, const std::filesystem::path& path) {
  Grid g;
  g.width = ds.GetRasterXSize();
  g.height = ds.GetRasterYSize();
  if (ds.GetGeoTransform(g.geotransform.data()) != CE_None) {
    input_error(fmt::format("{}: raster has no georeferencing (geotransform); assign one, e.g. with "
                            "gdal_translate -a_ullr", path.string()));
  }
  const OGRSpatialReference* srs = ds.GetSpatialRef();
  if (srs == nullptr || srs->IsEmpty()) {
    input_error(fmt::format("{}: raster has no CRS; assign one, e.g. gdal_edit.py -a_srs EPSG:4326 {}",
                            path.string(), path.filename().string()));
  }
  char* wkt = nullptr;
  const char* const opts[] = {"FORMAT=WKT2_2019", nullptr};
  srs->exportToWkt(&wkt, opts);
  g.crs_wkt = wkt ? wkt : "";
  CPLFree(wkt);
  return g;
}

// Fills `out` from `band`, applying the band's mask (nodata value, alpha or mask band).
template <class T>
void read_band_into(GDALRasterBand& band, Raster<T>& out, const std::filesystem::path& path) {
  GdalErrorCapture errors;
  const auto w = static_cast<int>(out.width());
  const auto h = static_cast<int>(out.height());
  if (band.RasterIO(GF_Read, 0, 0, w, h, out.data(), w, h, gdal_type<T>(), 0, 0) != CE_None) {
    input_error(fmt::format("{}: cannot read band {}{}", path.string(), band.GetBand(), errors.suffix()));
  }
  if (band.GetMaskFlags() & GMF_ALL_VALID) return;
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(out.size()));
  if (band.GetMaskBand()->RasterIO(GF_Read, 0, 0, w, h, mask.data(), w, h, GDT_Byte, 0, 0) != CE_None) {
    input_error(fmt::format("{}: cannot read the nodata mask of band {}{}", path.string(), band.GetBand(),
                            errors.suffix()));
  }
  for (CellIndex i = 0; i < out.size(); ++i)
    if (mask[static_cast<std::size_t>(i)] == 0) out.set_nodata(i);
}

GDALDatasetUniquePtr mem_dataset(const Grid& grid, GDALDataType type, int bands = 1) {
  ensure_gdal_registered();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr ds(mem->Create("", static_cast<int>(grid.width), static_cast<int>(grid.height), bands,
                                      type, nullptr));
  if (!ds) fail(ErrorKind::internal, "cannot create an in-memory GDAL dataset");
  ds->SetGeoTransform(const_cast<double*>(grid.geotransform.data()));
  if (!grid.crs_wkt.empty()) ds->SetProjection(grid.crs_wkt.c_str());
  return ds;
}

std::filesystem::path temp_sibling(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() /
         fmt::format(".{}.tmp-{}-{}{}", path.stem().string(), ::getpid(), counter++, path.extension().string());
}

// CreateCopy of `mem` through the COG driver into a temporary sibling of `path`, then rename.
void copy_to_cog(GDALDataset& mem, const std::filesystem::path& path, bool is_float, const CogOptions& options) {
  std::error_code ec;
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path(), ec);
  const auto tmp = temp_sibling(path);
  const std::vector<std::string> co = {
      "COMPRESS=" + options.compression,
      fmt::format("LEVEL={}", options.level),
      std::string("PREDICTOR=") + (is_float ? "FLOATING_POINT" : "STANDARD"),
      fmt::format("BLOCKSIZE={}", options.block_size),
      "OVERVIEWS=AUTO",
      std::string("OVERVIEW_RESAMPLING=") + (options.overview_resampling == Resampling::nearest
                                                 ? "NEAREST"
                                                 : resampling_name(options.overview_resampling)),
      fmt::format("NUM_THREADS={}", std::max(1, options.threads)),
      "BIGTIFF=IF_SAFER",
  };
  GdalErrorCapture errors;
  GDALDriver* cog = GetGDALDriverManager()->GetDriverByName("COG");
  if (cog == nullptr) fail(ErrorKind::internal, "this GDAL has no COG driver");
  GDALDatasetUniquePtr out(cog->CreateCopy(tmp.c_str(), &mem, FALSE, make_args(co).List(), nullptr, nullptr));
  if (!out) {
    std::filesystem::remove(tmp, ec);
    input_error(fmt::format("{}: cannot write Cloud-Optimized GeoTIFF{}", path.string(), errors.suffix()));
  }
  out.reset();  // flush and close before the rename makes it visible
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    input_error(fmt::format("{}: cannot move the finished file into place: {}", path.string(), ec.message()));
  }
}

}  // namespace

Resampling parse_resampling(std::string_view name) {
  for (const auto& [n, r] : kResamplingNames)
    if (name == n) return r;
  std::string valid;
  for (const auto& [n, r] : kResamplingNames) valid += (valid.empty() ? "" : ", ") + std::string(n);
  config_error(fmt::format("unknown resampling '{}'; use one of {}", name, valid));
}

const char* resampling_name(Resampling r) {
  for (const auto& [n, v] : kResamplingNames)
    if (v == r && std::string_view(n) != "nearest") return n;
  return "near";
}

RasterInfo inspect_raster(const std::filesystem::path& path) {
  auto ds = open_raster(path);
  RasterInfo info;
  info.grid = grid_of(*ds, path);
  info.band_count = ds->GetRasterCount();
  GDALRasterBand* band = ds->GetRasterBand(1);
  info.data_type = GDALGetDataTypeName(band->GetRasterDataType());
  int has_nodata = 0;
  const double nd = band->GetNoDataValue(&has_nodata);
  if (has_nodata) info.nodata = nd;
  info.driver = ds->GetDriverName();
  return info;
}

template <class T>
Raster<T> read_raster(const std::filesystem::path& path, int band_number) {
  auto ds = open_raster(path);
  Grid grid = grid_of(*ds, path);
  if (band_number < 1 || band_number > ds->GetRasterCount()) {
    input_error(fmt::format("{}: has {} band(s); band {} does not exist", path.string(), ds->GetRasterCount(),
                            band_number));
  }
  check_grid_memory(grid, sizeof(T) + 1.0, path.string());
  Raster<T> out(grid, T{});
  read_band_into(*ds->GetRasterBand(band_number), out, path);
  return out;
}

Raster<float> warp_to_grid(std::span<const std::filesystem::path> sources, const Grid& grid,
                           const WarpOptions& options) {
  if (sources.empty()) input_error("warp: no source raster given");
  check_grid_memory(grid, sizeof(float) * 2.0, "warp onto the analysis grid");
  std::vector<GDALDatasetUniquePtr> opened;
  std::vector<GDALDatasetH> handles;
  for (const auto& src : sources) {
    auto ds = open_raster(src);
    (void)grid_of(*ds, src);  // validates georeferencing and CRS with a message naming the file
    if (options.band < 1 || options.band > ds->GetRasterCount()) {
      input_error(fmt::format("{}: has {} band(s); band {} does not exist", src.string(), ds->GetRasterCount(),
                              options.band));
    }
    if (options.band != 1) {
      // gdalwarp in GDAL 3.6 has no -srcband: select the band through a VRT.
      GdalErrorCapture errors;
      TranslateOptionsPtr topts(GDALTranslateOptionsNew(
          make_args({"-of", "VRT", "-b", std::to_string(options.band)}).List(), nullptr));
      GDALDatasetUniquePtr vrt(GDALDataset::FromHandle(GDALTranslate("", ds.get(), topts.get(), nullptr)));
      if (!vrt) input_error(fmt::format("{}: cannot select band {}{}", src.string(), options.band, errors.suffix()));
      ds = std::move(vrt);
    }
    handles.push_back(GDALDataset::ToHandle(ds.get()));
    opened.push_back(std::move(ds));
  }

  auto dst = mem_dataset(grid, GDT_Float32);
  GDALRasterBand* band = dst->GetRasterBand(1);
  band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
  band->Fill(std::numeric_limits<double>::quiet_NaN());

  // The band is pre-filled with NaN; INIT_DEST would re-initialise it for every source and erase
  // earlier tiles of a mosaic.
  std::vector<std::string> args = {"-r", resampling_name(options.resampling), "-dstnodata", "nan", "-wo",
                                   fmt::format("NUM_THREADS={}", std::max(1, options.threads))};
  if (options.source_nodata) {
    args.insert(args.end(), {"-srcnodata", fmt::format("{:.17g}", *options.source_nodata)});
  }
  GdalErrorCapture errors;
  WarpAppOptionsPtr wopts(GDALWarpAppOptionsNew(make_args(args).List(), nullptr));
  ProgressFn progress = options.progress;
  if (progress) GDALWarpAppOptionsSetProgress(wopts.get(), gdal_progress_adapter, &progress);
  int usage_error = 0;
  GDALDatasetH result = GDALWarp(nullptr, GDALDataset::ToHandle(dst.get()), static_cast<int>(handles.size()),
                                 handles.data(), wopts.get(), &usage_error);
  if (result == nullptr || usage_error) {
    input_error(fmt::format("{}: cannot warp onto the analysis grid{}", sources.front().string(), errors.suffix()));
  }
  Raster<float> out(grid, 0.0F);
  read_band_into(*band, out, sources.front());
  return out;
}

template <class T>
void write_cog(const Raster<T>& raster, const std::filesystem::path& path, const CogOptions& options) {
  ensure_gdal_registered();
  const Grid& grid = raster.grid();
  auto mem = mem_dataset(grid, gdal_type<T>());
  GDALRasterBand* band = mem->GetRasterBand(1);
  GdalErrorCapture errors;
  const auto w = static_cast<int>(grid.width);
  const auto h = static_cast<int>(grid.height);
  if constexpr (Raster<T>::is_float) {
    band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
    if (band->RasterIO(GF_Write, 0, 0, w, h, const_cast<T*>(raster.data()), w, h, gdal_type<T>(), 0, 0) != CE_None)
      fail(ErrorKind::internal, "cannot fill in-memory raster" + errors.suffix());
  } else {
    std::vector<T> values(raster.values().begin(), raster.values().end());
    if (raster.has_mask()) {
      const double nd = options.integer_nodata.value_or(static_cast<double>(std::numeric_limits<T>::lowest()));
      band->SetNoDataValue(nd);
      for (CellIndex i = 0; i < raster.size(); ++i)
        if (!raster.valid(i)) values[static_cast<std::size_t>(i)] = static_cast<T>(nd);
    }
    if (band->RasterIO(GF_Write, 0, 0, w, h, values.data(), w, h, gdal_type<T>(), 0, 0) != CE_None)
      fail(ErrorKind::internal, "cannot fill in-memory raster" + errors.suffix());
  }
  if (!options.description.empty()) band->SetDescription(options.description.c_str());
  if (!options.units.empty()) band->SetUnitType(options.units.c_str());
  for (const auto& [k, v] : options.metadata) mem->SetMetadataItem(k.c_str(), v.c_str());

  copy_to_cog(*mem, path, Raster<T>::is_float, options);
}


void write_cog_bands(std::span<const Raster<float>* const> bands, std::span<const std::string> names,
                     const std::filesystem::path& path, const CogOptions& options) {
  if (bands.empty() || bands.size() != names.size())
    fail(ErrorKind::internal, "write_cog_bands: one name per band expected");
  const Grid& grid = bands.front()->grid();
  auto mem = mem_dataset(grid, GDT_Float32, static_cast<int>(bands.size()));
  const auto w = static_cast<int>(grid.width);
  const auto h = static_cast<int>(grid.height);
  GdalErrorCapture errors;
  for (std::size_t b = 0; b < bands.size(); ++b) {
    if (!bands[b]->grid().same_georeferencing(grid)) fail(ErrorKind::internal, "write_cog_bands: bands differ in grid");
    GDALRasterBand* band = mem->GetRasterBand(static_cast<int>(b) + 1);
    band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
    band->SetDescription(names[b].c_str());
    if (band->RasterIO(GF_Write, 0, 0, w, h, const_cast<float*>(bands[b]->data()), w, h, GDT_Float32, 0, 0) != CE_None)
      fail(ErrorKind::internal, "cannot fill in-memory raster" + errors.suffix());
  }
  for (const auto& [k, v] : options.metadata) mem->SetMetadataItem(k.c_str(), v.c_str());
  copy_to_cog(*mem, path, true, options);
}

Raster<float> read_raster_band(const std::filesystem::path& path, const std::string& name) {
  const std::string names[] = {name};
  return std::move(read_raster_bands(path, names).front());
}

std::vector<Raster<float>> read_raster_bands(const std::filesystem::path& path, std::span<const std::string> names) {
  auto ds = open_raster(path);
  const Grid grid = grid_of(*ds, path);
  std::vector<Raster<float>> out;
  for (const auto& name : names) {
    GDALRasterBand* found = nullptr;
    std::string all;
    for (int b = 1; b <= ds->GetRasterCount() && !found; ++b) {
      GDALRasterBand* band = ds->GetRasterBand(b);
      if (name == band->GetDescription()) found = band;
      all += (all.empty() ? "'" : ", '") + std::string(band->GetDescription()) + "'";
    }
    if (found == nullptr) input_error(fmt::format("{}: has no band '{}'; bands are {}", path.string(), name, all));
    Raster<float> r(grid, 0.0F);
    read_band_into(*found, r, path);
    out.push_back(std::move(r));
  }
  return out;
}

std::string read_metadata_item(const std::filesystem::path& path, const std::string& key) {
  auto ds = open_raster(path);
  const char* v = ds->GetMetadataItem(key.c_str());
  return v ? v : "";
}

double sample_bilinear(const Raster<float>& raster, double x, double y) {
  const Grid& g = raster.grid();
  auto [px, py] = g.pixel_of(x, y);
  const double fx = px - 0.5;
  const double fy = py - 0.5;
  const auto c0 = static_cast<std::int64_t>(std::floor(fx));
  const auto r0 = static_cast<std::int64_t>(std::floor(fy));
  if (c0 < 0 || r0 < 0 || c0 + 1 >= g.width || r0 + 1 >= g.height) return std::nan("");
  const double tx = fx - static_cast<double>(c0);
  const double ty = fy - static_cast<double>(r0);
  const double v00 = raster.at(c0, r0), v10 = raster.at(c0 + 1, r0);
  const double v01 = raster.at(c0, r0 + 1), v11 = raster.at(c0 + 1, r0 + 1);
  return (1 - ty) * ((1 - tx) * v00 + tx * v10) + ty * ((1 - tx) * v01 + tx * v11);
}

#define NEXUSMAP_INSTANTIATE(T)                                                       \
  template Raster<T> read_raster<T>(const std::filesystem::path&, int);              \
  template void write_cog<T>(const Raster<T>&, const std::filesystem::path&, const CogOptions&);
NEXUSMAP_INSTANTIATE(float)
NEXUSMAP_INSTANTIATE(double)
NEXUSMAP_INSTANTIATE(std::uint8_t)
NEXUSMAP_INSTANTIATE(std::int16_t)
NEXUSMAP_INSTANTIATE(std::uint16_t)
NEXUSMAP_INSTANTIATE(std::int32_t)
NEXUSMAP_INSTANTIATE(std::uint32_t)
#undef NEXUSMAP_INSTANTIATE

}  // namespace nexusmap

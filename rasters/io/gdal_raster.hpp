// SPDX-License-Identifier: MIT
// Raster I/O through GDAL: inspect, read, warp onto an analysis grid, write Cloud-Optimized GeoTIFF.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rasters/core/grid.hpp"
#include "rasters/core/progress.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class Resampling { nearest, bilinear, cubic, cubicspline, lanczos, average, mode, min, max, median };

// Parses the gdalwarp names ("near"/"nearest", "bilinear", ...); throws Error(config) listing the valid names.
Resampling parse_resampling(std::string_view name);
const char* resampling_name(Resampling r);

struct RasterInfo {
  Grid grid;
  int band_count = 0;
  std::string data_type;
  std::optional<double> nodata;
  std::string driver;
};

// Opens `path` and describes it. Errors (input_data) for a missing file, a file GDAL cannot read
// as a raster, and a raster without a CRS.
RasterInfo inspect_raster(const std::filesystem::path& path);

// Reads one band on its native grid; nodata (value or mask band) becomes NaN / the mask.
template <class T>
Raster<T> read_raster(const std::filesystem::path& path, int band = 1);

struct WarpOptions {
  Resampling resampling = Resampling::bilinear;
  int band = 1;
  std::optional<double> source_nodata;  // overrides the sources' own nodata
  int threads = 1;
  ProgressFn progress;
};

// Warps (reprojects, resamples, mosaics) one or more source rasters onto `grid` as Float32.
// Source nodata is honoured; cells no source covers are NaN.
Raster<float> warp_to_grid(std::span<const std::filesystem::path> sources, const Grid& grid,
                           const WarpOptions& options = {});

struct CogOptions {
  std::string compression = "DEFLATE";  // DEFLATE or ZSTD; the predictor follows the data type
  int level = 6;
  std::string description;              // band description
  std::string units;                    // band unit type
  std::map<std::string, std::string> metadata;  // dataset metadata (provenance)
  Resampling overview_resampling = Resampling::average;
  std::optional<double> integer_nodata;  // value written for masked cells of integer rasters
  int threads = 1;
  int block_size = 256;
};

// Writes a single-band COG: tiled, compressed with predictor 2 (integers) or 3 (floats),
// overviews, nodata, band description, units and metadata. The file appears atomically: it is
// written to a temporary name in the same directory and renamed.
template <class T>
void write_cog(const Raster<T>& raster, const std::filesystem::path& path, const CogOptions& options = {});

// Writes several Float32 rasters on one grid as the bands of one COG; band i gets description names[i].
void write_cog_bands(std::span<const Raster<float>* const> bands, std::span<const std::string> names,
                     const std::filesystem::path& path, const CogOptions& options = {});

// Reads the band whose description is `name`; Error(input_data) listing the bands when absent.
Raster<float> read_raster_band(const std::filesystem::path& path, const std::string& name);
// Reads several bands by description from one opening of the file, in the order of `names`.
std::vector<Raster<float>> read_raster_bands(const std::filesystem::path& path, std::span<const std::string> names);

// Dataset metadata item of a raster ("" when absent).
std::string read_metadata_item(const std::filesystem::path& path, const std::string& key);

// Value at map position (x, y) by bilinear interpolation between cell centres; NaN outside the
// grid or next to nodata.
double sample_bilinear(const Raster<float>& raster, double x, double y);

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// Benchmark inputs for bench/cost_distance/run.sh: a seeded friction raster (s/m, positive, with
// spatial structure from three octaves of value noise, and NaN rivers with a few crossings and NaN
// lakes), an elevation raster for r.walk, and three source points (GeoJSON, plus "x,y" lines on stdout
// for r.cost start_coordinates). Same arguments -> byte-identical files.
//   make_friction SIZE SEED OUT_DIR [CELL_SIZE]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gdal_priv.h>

#include "rasters/io/crs.hpp"
#include "rasters/io/gdal_util.hpp"
#include "rasters/core/grid.hpp"

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser: a seeded hash of lattice points
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

double lattice(std::uint64_t seed, std::int64_t ix, std::int64_t iy) {
  const std::uint64_t h = mix(seed ^ mix(static_cast<std::uint64_t>(ix) * 0x100000001b3ULL ^ mix(static_cast<std::uint64_t>(iy))));
  return static_cast<double>(h >> 11U) * 0x1.0p-53;
}

// Smooth value noise in [0, 1) with the given period in cells.
double value_noise(std::uint64_t seed, double x, double y, double period) {
  const double fx = x / period, fy = y / period;
  const auto ix = static_cast<std::int64_t>(std::floor(fx)), iy = static_cast<std::int64_t>(std::floor(fy));
  const double tx = fx - static_cast<double>(ix), ty = fy - static_cast<double>(iy);
  const double sx = tx * tx * (3 - 2 * tx), sy = ty * ty * (3 - 2 * ty);
  const double v00 = lattice(seed, ix, iy), v10 = lattice(seed, ix + 1, iy);
  const double v01 = lattice(seed, ix, iy + 1), v11 = lattice(seed, ix + 1, iy + 1);
  return (1 - sy) * ((1 - sx) * v00 + sx * v10) + sy * ((1 - sx) * v01 + sx * v11);
}

double fractal(std::uint64_t seed, double x, double y, double base_period) {
  return 0.55 * value_noise(seed, x, y, base_period) + 0.3 * value_noise(seed + 1, x, y, base_period / 4) +
         0.15 * value_noise(seed + 2, x, y, base_period / 16);
}

void write_float_tiff(const std::filesystem::path& path, const nexusmap::Grid& grid, const std::vector<float>& v) {
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
  const char* options[] = {"TILED=YES", "BIGTIFF=IF_SAFER", nullptr};
  GDALDatasetUniquePtr ds(drv->Create(path.c_str(), static_cast<int>(grid.width), static_cast<int>(grid.height), 1,
                                      GDT_Float32, const_cast<char**>(options)));
  if (!ds) throw std::runtime_error("cannot create " + path.string());
  ds->SetGeoTransform(const_cast<double*>(grid.geotransform.data()));
  ds->SetProjection(grid.crs_wkt.c_str());
  GDALRasterBand* band = ds->GetRasterBand(1);
  band->SetNoDataValue(std::nan(""));
  if (band->RasterIO(GF_Write, 0, 0, static_cast<int>(grid.width), static_cast<int>(grid.height),
                     const_cast<float*>(v.data()), static_cast<int>(grid.width), static_cast<int>(grid.height),
                     GDT_Float32, 0, 0) != CE_None)
    throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: make_friction SIZE SEED OUT_DIR [CELL_SIZE]\n");
    return 2;
  }
  const std::int64_t size = std::atoll(argv[1]);
  const auto seed = static_cast<std::uint64_t>(std::atoll(argv[2]));
  const std::filesystem::path out = argv[3];
  const double cell = argc > 4 ? std::atof(argv[4]) : 30.0;
  if (size < 16 || cell <= 0) {
    std::fprintf(stderr, "make_friction: SIZE must be >= 16 and CELL_SIZE > 0\n");
    return 2;
  }
  nexusmap::ensure_gdal_registered();
  std::filesystem::create_directories(out);
  const nexusmap::Grid grid =
      nexusmap::Grid::north_up(nexusmap::crs_to_wkt("EPSG:32642"), 300000.0, 4500000.0, cell, size, size);
  const auto n = static_cast<std::size_t>(grid.cells());
  const double s = static_cast<double>(size);

  // Three sources (cell centres) in the south-west, centre and north-east.
  const std::int64_t src[3][2] = {{size / 5, size * 4 / 5}, {size / 2, size / 2}, {size * 4 / 5, size / 5}};

  std::vector<float> friction(n), elevation(n);
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < size; ++r) {
    for (std::int64_t c = 0; c < size; ++c) {
      const double x = static_cast<double>(c), y = static_cast<double>(r);
      const auto i = static_cast<std::size_t>(r * size + c);
      // 0.5 .. 5 s/m (walking 0.2 .. 2 m/s), patches of a few hundred cells with finer texture.
      friction[i] = static_cast<float>(0.5 + 4.5 * fractal(seed, x, y, s / 8));
      elevation[i] = static_cast<float>(500.0 + 4000.0 * fractal(seed + 17, x, y, s / 4) + 0.2 * y);
      // Two meandering rivers, 3 cells wide, crossable at 4 fords each.
      for (int k = 0; k < 2; ++k) {
        const double centre = s * (0.35 + 0.3 * k) + s * 0.04 * std::sin(x / s * 2 * M_PI * (2 + k));
        const bool ford = std::fmod(x, s / 4) < s / 200 + 2;
        if (std::abs(y - centre) < 1.5 && !ford) friction[i] = std::nanf("");
      }
      // A lake.
      const double lx = (x - 0.7 * s) / (0.06 * s), ly = (y - 0.62 * s) / (0.03 * s);
      if (lx * lx + ly * ly < 1) friction[i] = std::nanf("");
    }
  }
  for (const auto& p : src) {  // sources stay on passable ground
    const auto i = static_cast<std::size_t>(p[1] * size + p[0]);
    if (std::isnan(friction[i])) friction[i] = 1.0F;
  }
  write_float_tiff(out / "friction.tif", grid, friction);
  write_float_tiff(out / "elevation.tif", grid, elevation);

  std::ofstream js(out / "sources.geojson");
  js << "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::"
        "32642\"}},\"features\":[";
  for (int k = 0; k < 3; ++k) {
    const double x = grid.x_center(src[k][0]), y = grid.y_center(src[k][1]);
    js << (k ? "," : "")
       << fmt::format("{{\"type\":\"Feature\",\"properties\":{{\"id\":{}}},\"geometry\":{{\"type\":\"Point\","
                      "\"coordinates\":[{:.3f},{:.3f}]}}}}",
                      k + 1, x, y);
    std::printf("%.3f,%.3f\n", x, y);
  }
  js << "]}\n";
  return 0;
}

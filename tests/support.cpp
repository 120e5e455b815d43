// SPDX-License-Identifier: MIT
#include "tests/support.hpp"

#include <unistd.h>

#include <array>
#include <cmath>
#include <atomic>
#include <cstdio>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <sys/wait.h>

#include "rasters/io/crs.hpp"
#include "rasters/io/gdal_util.hpp"

namespace nexusmap::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
  for (char& c : name)
    if (c == '/') c = '_';
  path_ = std::filesystem::temp_directory_path() / fmt::format("nexusmap-{}-{}-{}", name, ::getpid(), counter++);
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  if (std::getenv("NEXUSMAP_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

std::filesystem::path shared_data() {
  std::filesystem::path p;
  if (const char* env = std::getenv("NEXUSMAP_DATA"); env && *env) p = env;
  else p = NEXUSMAP_SHARED_DATA;
  std::error_code ec;
  if (std::filesystem::exists(p / "dem" / "srtm30plus_region_1min.tif", ec)) return p;
  return {};
}

std::filesystem::path source_dir() { return NEXUSMAP_SOURCE_DIR; }
std::filesystem::path binary() { return NEXUSMAP_BINARY; }

const std::string& utm42_wkt() {
  static const std::string wkt = crs_to_wkt("EPSG:32642");
  return wkt;
}

Grid small_grid(std::int64_t width, std::int64_t height, double cell, double x0, double y0) {
  return Grid::north_up(utm42_wkt(), x0, y0, cell, width, height);
}

void write_tiff(const std::filesystem::path& path, const Raster<float>& raster, std::optional<double> nodata,
                bool with_crs) {
  ensure_gdal_registered();
  const Grid& g = raster.grid();
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
  GDALDatasetUniquePtr ds(drv->Create(path.c_str(), static_cast<int>(g.width), static_cast<int>(g.height), 1,
                                      GDT_Float32, nullptr));
  ds->SetGeoTransform(const_cast<double*>(g.geotransform.data()));
  if (with_crs) ds->SetProjection(g.crs_wkt.c_str());
  auto* band = ds->GetRasterBand(1);
  std::vector<float> values(raster.values().begin(), raster.values().end());
  if (nodata) {
    band->SetNoDataValue(*nodata);
    for (auto& v : values)
      if (std::isnan(v)) v = static_cast<float>(*nodata);
  }
  ASSERT_EQ(CE_None, band->RasterIO(GF_Write, 0, 0, static_cast<int>(g.width), static_cast<int>(g.height), values.data(),
                       static_cast<int>(g.width), static_cast<int>(g.height), GDT_Float32, 0, 0));
}

CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

CommandResult run_nexusmap(const std::string& args) { return run_command(binary().string() + " " + args); }

void fill_random(Raster<float>& r, std::uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (CellIndex i = 0; i < r.size(); ++i) r[i] = dist(rng);
}

Raster<float> row_of(const std::vector<float>& v) {
  Raster<float> r(small_grid(static_cast<std::int64_t>(v.size()), 1, 100.0));
  for (std::size_t i = 0; i < v.size(); ++i) r[static_cast<CellIndex>(i)] = v[i];
  return r;
}

void expect_values(const Raster<float>& r, const std::vector<double>& expected) {
  ASSERT_EQ(r.size(), static_cast<CellIndex>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const float got = r[static_cast<CellIndex>(i)];
    if (std::isnan(expected[i])) EXPECT_TRUE(std::isnan(got)) << "cell " << i;
    else EXPECT_NEAR(got, expected[i], 1e-6) << "cell " << i;
  }
}

OGRGeometryUniquePtr from_wkt(const std::string& text) {
  OGRGeometry* g = nullptr;
  OGRGeometryFactory::createFromWkt(text.c_str(), nullptr, &g);
  if (g == nullptr) ADD_FAILURE() << "bad WKT: " << text;
  return OGRGeometryUniquePtr(g);
}

std::uint64_t test_seed() {
  if (const char* s = std::getenv("NEXUSMAP_TEST_SEED"); s != nullptr && *s != 0) return std::stoull(s);
  return std::random_device{}();
}

}  // namespace nexusmap::test

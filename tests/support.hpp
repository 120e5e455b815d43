// SPDX-License-Identifier: MIT
// Shared test helpers: temporary directories, the real-data location, small synthetic rasters and
// running the nexusmap binary.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <ogr_geometry.h>

#include "rasters/core/error.hpp"
#include "rasters/core/grid.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap::test {

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// ../shared/data/region (or $NEXUSMAP_DATA); empty when absent.
std::filesystem::path shared_data();
std::filesystem::path source_dir();
std::filesystem::path binary();

#define NEXUSMAP_REQUIRE_SHARED_DATA()                                                                  \
  do {                                                                                                  \
    if (::nexusmap::test::shared_data().empty())                                                        \
      GTEST_SKIP() << "real regional data not found (../shared/data/region or $NEXUSMAP_DATA); skipped"; \
  } while (0)

// WKT of a UTM zone covering the study area (EPSG:32642, metres).
const std::string& utm42_wkt();

// A small north-up grid in EPSG:32642.
Grid small_grid(std::int64_t width, std::int64_t height, double cell = 100.0, double x0 = 500000.0,
                double y0 = 4200000.0);

// Writes a plain (non-COG) GeoTIFF, optionally with a nodata value and without a CRS.
void write_tiff(const std::filesystem::path& path, const Raster<float>& raster,
                std::optional<double> nodata = std::nullopt, bool with_crs = true);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs a shell command; its combined output is captured.
CommandResult run_command(const std::string& command);
// Runs the nexusmap binary with arguments.
CommandResult run_nexusmap(const std::string& args);

// Fills a raster with reproducible pseudo-random values in [lo, hi).
void fill_random(Raster<float>& r, std::uint64_t seed, float lo, float hi);

// Runs f, which must throw nexusmap::Error of `kind` whose message contains `fragment`.
template <class F>
void expect_error(F&& f, ErrorKind kind, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// The same with several fragments, all of which the message must contain.
template <class F>
void expect_error_all(F&& f, ErrorKind kind, const std::vector<std::string>& fragments) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing every fragment, the first '" << fragments.front() << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    for (const auto& frag : fragments) EXPECT_NE(std::string(e.what()).find(frag), std::string::npos) << e.what();
  }
}

// A 1-row raster of the values (100 m cells), and a cell-by-cell check of one (NaN expects NaN,
// others within 1e-6).
Raster<float> row_of(const std::vector<float>& v);
void expect_values(const Raster<float>& r, const std::vector<double>& expected);

// A geometry from WKT; a test failure (and an empty pointer) when the text does not parse.
OGRGeometryUniquePtr from_wkt(const std::string& text);

// A fresh seed per run, to be printed on failure; NEXUSMAP_TEST_SEED=<seed> replays a failing run.
std::uint64_t test_seed();

}  // namespace nexusmap::test

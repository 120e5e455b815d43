// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "rasters/io/gdal_util.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::expect_error_all;

using test::TempDir;

TEST(WarpToGrid, OntoTheSourceOwnGridIsTheIdentity) {
  TempDir dir;
  Raster<float> src(test::small_grid(23, 17));
  test::fill_random(src, 42, 100, 3000);
  src[5] = std::nanf("");
  src[100] = std::nanf("");
  test::write_tiff(dir / "src.tif", src, -9999.0);
  const std::vector<std::filesystem::path> files = {dir / "src.tif"};
  for (Resampling r : {Resampling::nearest, Resampling::bilinear, Resampling::cubic}) {
    WarpOptions opts;
    opts.resampling = r;
    const Raster<float> out = warp_to_grid(files, src.grid(), opts);
    ASSERT_EQ(out.size(), src.size());
    for (CellIndex i = 0; i < src.size(); ++i) {
      if (std::isnan(src[i])) {
        EXPECT_TRUE(std::isnan(out[i])) << "source nodata must stay nodata at " << i;
      } else {
        EXPECT_EQ(out[i], src[i]) << resampling_name(r) << " at cell " << i;
      }
    }
  }
}

TEST(WarpToGrid, MosaicOfTwoTilesEqualsTheWhole) {
  TempDir dir;
  Raster<float> whole(test::small_grid(20, 10));
  test::fill_random(whole, 7, 0, 1000);
  const Grid left_grid = test::small_grid(10, 10);
  const Grid right_grid = test::small_grid(10, 10, 100.0, 500000.0 + 1000.0);
  Raster<float> left(left_grid), right(right_grid);
  for (std::int64_t r = 0; r < 10; ++r)
    for (std::int64_t c = 0; c < 10; ++c) {
      left.at(c, r) = whole.at(c, r);
      right.at(c, r) = whole.at(c + 10, r);
    }
  test::write_tiff(dir / "left.tif", left);
  test::write_tiff(dir / "right.tif", right);
  const std::vector<std::filesystem::path> tiles = {dir / "left.tif", dir / "right.tif"};
  WarpOptions opts;
  opts.resampling = Resampling::nearest;
  const Raster<float> out = warp_to_grid(tiles, whole.grid(), opts);
  for (CellIndex i = 0; i < whole.size(); ++i) EXPECT_EQ(out[i], whole[i]) << i;
}

TEST(WarpToGrid, CellsNoSourceCoversAreNaN) {
  TempDir dir;
  Raster<float> src(test::small_grid(10, 10), 5.0F);
  test::write_tiff(dir / "src.tif", src);
  const Grid bigger = test::small_grid(20, 10);
  const std::vector<std::filesystem::path> files = {dir / "src.tif"};
  const Raster<float> out = warp_to_grid(files, bigger, {});
  EXPECT_EQ(out.at(0, 0), 5.0F);
  EXPECT_TRUE(std::isnan(out.at(15, 5)));
}

TEST(Cog, FloatRoundTripKeepsValuesNodataCrsAndHasOverviews) {
  TempDir dir;
  Raster<float> r(test::small_grid(700, 600, 30.0));
  test::fill_random(r, 1, -50, 50);
  r[0] = std::nanf("");
  r[12345] = std::nanf("");
  CogOptions opts;
  opts.description = "Accumulated cost";
  opts.units = "h";
  opts.metadata = {{"NEXUSMAP_STAGE", "corridors"}, {"NOTE", "x=1"}};
  write_cog(r, dir / "a.tif", opts);

  // Only the final file is visible: no temporary leftovers.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);

  GDALDatasetUniquePtr ds(GDALDataset::Open((dir / "a.tif").c_str(), GDAL_OF_RASTER));
  ASSERT_TRUE(ds);
  EXPECT_STREQ(ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE"), "COG");
  EXPECT_STREQ(ds->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE"), "DEFLATE");
  EXPECT_STREQ(ds->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE"), "3");
  EXPECT_STREQ(ds->GetMetadataItem("NEXUSMAP_STAGE"), "corridors");
  auto* band = ds->GetRasterBand(1);
  EXPECT_GT(band->GetOverviewCount(), 0);
  EXPECT_STREQ(band->GetDescription(), "Accumulated cost");
  EXPECT_STREQ(band->GetUnitType(), "h");
  int block_x = 0, block_y = 0;
  band->GetBlockSize(&block_x, &block_y);
  EXPECT_EQ(block_x, 256);
  int has_nodata = 0;
  EXPECT_TRUE(std::isnan(band->GetNoDataValue(&has_nodata)));
  EXPECT_TRUE(has_nodata);

  const Raster<float> back = read_raster<float>(dir / "a.tif");
  EXPECT_TRUE(back.grid().same_georeferencing(r.grid()));
  OGRSpatialReference a, b;
  a.importFromWkt(back.grid().crs_wkt.c_str());
  b.importFromWkt(r.grid().crs_wkt.c_str());
  EXPECT_TRUE(a.IsSame(&b));
  for (CellIndex i = 0; i < r.size(); ++i) {
    if (std::isnan(r[i])) {
      EXPECT_TRUE(std::isnan(back[i]));
    } else {
      ASSERT_EQ(back[i], r[i]) << i;
    }
  }
}

TEST(Cog, IntegerMaskBecomesNodataAndPredictor2) {
  TempDir dir;
  Raster<std::int16_t> bins(test::small_grid(40, 30), 0);
  for (CellIndex i = 0; i < bins.size(); ++i) bins[i] = static_cast<std::int16_t>(i % 7 - 3);
  bins.set_nodata(3);
  bins.set_nodata(77);
  CogOptions opts;
  opts.compression = "ZSTD";
  opts.overview_resampling = Resampling::nearest;
  write_cog(bins, dir / "bins.tif", opts);
  GDALDatasetUniquePtr ds(GDALDataset::Open((dir / "bins.tif").c_str(), GDAL_OF_RASTER));
  EXPECT_STREQ(ds->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE"), "ZSTD");
  EXPECT_STREQ(ds->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE"), "2");
  const Raster<std::int16_t> back = read_raster<std::int16_t>(dir / "bins.tif");
  for (CellIndex i = 0; i < bins.size(); ++i) {
    EXPECT_EQ(back.valid(i), bins.valid(i)) << i;
    if (bins.valid(i)) {
      EXPECT_EQ(back[i], bins[i]);
    }
  }
}

TEST(RasterErrors, MissingFileNamesTheFile) {
  expect_error_all([] { (void)inspect_raster("/nonexistent/dem.tif"); }, ErrorKind::input_data,
               {"/nonexistent/dem.tif", "file not found"});
}

TEST(RasterErrors, NotARasterNamesTheFile) {
  TempDir dir;
  std::ofstream(dir / "notes.tif") << "this is not a GeoTIFF\n";
  expect_error_all([&] { (void)inspect_raster(dir / "notes.tif"); }, ErrorKind::input_data,
               {"notes.tif", "not a raster GDAL can read"});
}

TEST(RasterErrors, RasterWithoutCrsSaysHowToAssignOne) {
  TempDir dir;
  Raster<float> r(test::small_grid(5, 5), 1.0F);
  test::write_tiff(dir / "nocrs.tif", r, std::nullopt, /*with_crs=*/false);
  expect_error_all([&] { (void)inspect_raster(dir / "nocrs.tif"); }, ErrorKind::input_data,
               {"nocrs.tif", "has no CRS", "a_srs"});
  const std::vector<std::filesystem::path> files = {dir / "nocrs.tif"};
  expect_error_all([&] { (void)warp_to_grid(files, r.grid(), {}); }, ErrorKind::input_data, {"nocrs.tif", "has no CRS"});
}

TEST(SampleBilinear, InterpolatesBetweenCentres) {
  Raster<float> r(test::small_grid(2, 2, 10.0, 0.0, 20.0));
  r.at(0, 0) = 0;
  r.at(1, 0) = 10;
  r.at(0, 1) = 20;
  r.at(1, 1) = 30;
  EXPECT_DOUBLE_EQ(sample_bilinear(r, 10.0, 10.0), 15.0);  // the middle
  EXPECT_DOUBLE_EQ(sample_bilinear(r, 5.0, 15.0), 0.0);    // centre of (0,0)
  EXPECT_TRUE(std::isnan(sample_bilinear(r, 1.0, 1.0)));   // outside the centres
}

// Real data: the SRTM30_PLUS DEM sampled at 946 GeoNames towns agrees with their elevations.
TEST(RealData, DemSampledAtTownsMatchesTheirElevation) {
  NEXUSMAP_REQUIRE_SHARED_DATA();
  const auto dem_path = test::shared_data() / "dem" / "srtm30plus_region_1min.tif";
  const Raster<float> dem = read_raster<float>(dem_path);
  EXPECT_EQ(dem.width(), 1200);
  EXPECT_EQ(dem.height(), 660);
  std::ifstream in(test::shared_data() / "places" / "geonames_cities500_region.csv");
  std::string header;
  std::getline(in, header);
  // Columns: geonameid,name,asciiname,lon,lat,...,dem at index 12 (names contain no commas here).
  std::vector<double> diffs;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::string cell;
    std::stringstream ss(line);
    while (std::getline(ss, cell, ',')) cols.push_back(cell);
    if (cols.size() < 13 || cols[12].empty()) continue;
    const double v = sample_bilinear(dem, std::stod(cols[3]), std::stod(cols[4]));
    if (std::isnan(v)) continue;
    diffs.push_back(std::abs(v - std::stod(cols[12])));
  }
  ASSERT_GT(diffs.size(), 900U);
  std::nth_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(diffs.size() / 2), diffs.end());
  const double median = diffs[diffs.size() / 2];
  RecordProperty("median_abs_diff_m", std::to_string(median));
  EXPECT_LT(median, 60.0) << "median |DEM - town elevation| over " << diffs.size() << " towns";
}

}  // namespace
}  // namespace nexusmap

// SPDX-License-Identifier: MIT
#include "rasters/proximity.hpp"

#include <limits>
#include <vector>

#include <gdal_alg.h>
#include <gdal_priv.h>

#include "rasters/error.hpp"
#include "rasters/gdal_util.hpp"
#include "rasters/memory.hpp"

namespace nexusmap {

Raster<float> distance_to_nonzero(const Raster<float>& layer) {
  ensure_gdal_registered();
  const Grid& g = layer.grid();
  check_grid_memory(g, 5.0, "proximity");
  const auto w = static_cast<int>(g.width);
  const auto h = static_cast<int>(g.height);
  std::vector<std::uint8_t> target(static_cast<std::size_t>(g.cells()), 0);
  bool any = false;
  for (CellIndex i = 0; i < layer.size(); ++i)
    if (layer.valid(i) && layer[i] != 0.0F) {
      target[static_cast<std::size_t>(i)] = 1;
      any = true;
    }
  Raster<float> out(g);
  if (!any) return out;
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr src(mem->Create("", w, h, 1, GDT_Byte, nullptr));
  GDALDatasetUniquePtr dst(mem->Create("", w, h, 1, GDT_Float32, nullptr));
  for (auto* ds : {src.get(), dst.get()}) ds->SetGeoTransform(const_cast<double*>(g.geotransform.data()));
  GdalErrorCapture errors;
  if (src->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, target.data(), w, h, GDT_Byte, 0, 0) != CE_None)
    fail(ErrorKind::internal, "proximity: cannot fill input" + errors.suffix());
  CPLStringList opts;
  opts.SetNameValue("VALUES", "1");
  opts.SetNameValue("DISTUNITS", "GEO");
  if (GDALComputeProximity(src->GetRasterBand(1), dst->GetRasterBand(1), opts.List(), nullptr, nullptr) != CE_None)
    fail(ErrorKind::internal, "GDALComputeProximity failed" + errors.suffix());
  if (dst->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, h, out.data(), w, h, GDT_Float32, 0, 0) != CE_None)
    fail(ErrorKind::internal, "proximity: cannot read result" + errors.suffix());
  return out;
}

}  // namespace nexusmap

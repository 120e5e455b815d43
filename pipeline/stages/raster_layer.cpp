// SPDX-License-Identifier: MIT
// raster_layer: any raster (a cultivation map, a population grid, a risk surface) warped onto the
// analysis grid, so that other stages can use it by reference, e.g. as a layer of the nexus index
// (hotspots.layers) or a column of the ranking (zonal.layers).
#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap::stages {
namespace {

struct RasterLayerOptions {
  std::filesystem::path path;
  int band = 1;
  Resampling resampling = Resampling::bilinear;
  double scale = 1;
};

}  // namespace

StageDef raster_layer() {
  StageSpec<RasterLayerOptions> spec{"raster_layer",
                                  "Any raster (any CRS) onto the analysis grid, for other stages to use by reference "
                                  "(e.g. a layer of the nexus index)."};
  using O = RasterLayerOptions;
  auto& opt = spec.options;
  opt.path("path", &O::path, "The raster: any GDAL format and CRS.");
  opt.integer("band", &O::band, 1, "Band to read.").min(1);
  opt.choice("resampling", &O::resampling,
           resampling_choices({Resampling::nearest, Resampling::bilinear, Resampling::cubic, Resampling::average}),
           Resampling::bilinear, "Resampling onto the grid (average for a much finer raster).");
  opt.number("scale", &O::scale, 1.0, "Multiplier applied to the values (e.g. a unit conversion).");
  spec.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  spec.outputs = {{"values", ArtifactKind::raster, "", "The raster on the analysis grid (NaN outside it or its nodata)."}};
  spec.run = [](StageContext& ctx, const RasterLayerOptions& o) {
    WarpOptions w;
    w.resampling = o.resampling;
    w.band = o.band;
    w.threads = ctx.threads();
    const std::vector<std::filesystem::path> files = {o.path};
    Raster<float> values = warp_to_grid(files, ctx.grid(), w);
    if (o.scale != 1.0)
      for (CellIndex i = 0; i < values.size(); ++i) values[i] = static_cast<float>(values[i] * o.scale);
    const CellIndex valid = values.count_valid();
    if (valid == 0)
      input_error(fmt::format("{}: the raster does not cover the analysis grid (every cell is nodata)", o.path.string()));
    ctx.record("valid_cells", valid);
    ctx.write_raster("values", values);
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

// SPDX-License-Identifier: MIT
// terrain: the DEM warped onto the analysis grid, with slope and aspect (Horn 1981).
#include <cmath>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/dem_processing.hpp"

namespace nexusmap::stages {
namespace {

struct TerrainOptions {
  std::vector<std::filesystem::path> dem;
  int band = 1;
  Resampling resampling = Resampling::bilinear;
  double z_factor = 1;
};

}  // namespace

StageDef terrain() {
  StageSpec<TerrainOptions> spec{"terrain",
                              "DEM (one file or many tiles) onto the analysis grid; slope and aspect (Horn 1981) in metres."};
  auto& opt = spec.options;
  opt.paths("dem", &TerrainOptions::dem, "DEM file, or a list of tiles mosaicked together; any GDAL raster in any CRS.");
  opt.integer("band", &TerrainOptions::band, 1, "Band of the DEM to use.").min(1);
  opt.choice("resampling", &TerrainOptions::resampling,
           resampling_choices({Resampling::nearest, Resampling::bilinear, Resampling::cubic, Resampling::average}),
           Resampling::bilinear, "Resampling onto the grid (average when the grid is much coarser than the DEM).");
  opt.number("z_factor", &TerrainOptions::z_factor, 1.0, "Multiplier to convert DEM values to metres (0.3048 for feet).")
      .min(1e-6);
  spec.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  Presentation elevation_view = raster_presentation("Elevation", "m", RasterStyle::terrain, kGroupInputs);
  elevation_view.order = 220;
  spec.outputs = {
      {"elevation", ArtifactKind::raster, "", "Elevation on the analysis grid (m).", false, {}, elevation_view},
      {"slope", ArtifactKind::raster, "", "Slope (degrees, Horn 1981).", false, {},
       raster_presentation("Slope (Horn 1981)", "degree", RasterStyle::sequential, kGroupInputs)},
      {"aspect", ArtifactKind::raster, "", "Aspect (degrees clockwise from north; flat = nodata).", false, {},
       raster_presentation("Aspect", "degree", RasterStyle::none, kGroupInputs)},
  };
  spec.run = [](StageContext& ctx, const TerrainOptions& o) {
    const Grid grid = ctx.grid();
    WarpOptions w;
    w.resampling = o.resampling;
    w.band = o.band;
    w.threads = ctx.threads();
    w.progress = ProgressSpan(ctx.progress_fn(), 0.0, 0.6).fn();
    Raster<float> dem = warp_to_grid(o.dem, grid, w);
    if (o.z_factor != 1.0)
      for (CellIndex i = 0; i < dem.size(); ++i) dem[i] = static_cast<float>(dem[i] * o.z_factor);
    const CellIndex valid = dem.count_valid();
    if (valid == 0) {
      input_error(fmt::format("{}: the DEM does not cover the analysis grid (every cell is nodata); check the grid "
                              "bounds and the DEM extent", o.dem.front().string()));
    }
    ctx.record("dem_files", o.dem.size());
    ctx.record("valid_cells", valid);
    ctx.record("nodata_cells", dem.size() - valid);
    if (valid < dem.size())
      ctx.log().warn("{} of {} grid cells have no elevation (outside the DEM or its nodata)", dem.size() - valid,
                     dem.size());
    ctx.progress(0.6, "slope");
    const Raster<float> slope = slope_degrees(dem);
    ctx.progress(0.75, "aspect");
    const Raster<float> aspect = aspect_degrees(dem);
    ctx.progress(0.9, "writing");
    ctx.write_raster("elevation", dem);
    ctx.write_raster("slope", slope);
    ctx.write_raster("aspect", aspect, {Resampling::nearest, {}});
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

// SPDX-License-Identifier: MIT
// terrain: the DEM warped onto the analysis grid, with slope and aspect (Horn 1981).
#include <cmath>

#include <fmt/format.h>

#include "pipeline/context.hpp"
#include "pipeline/stages/stages.hpp"
#include "rasters/io/dem_processing.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap::stages {

StageDef terrain() {
  StageDef def;
  def.info.kind = "terrain";
  def.info.summary = "DEM (one file or many tiles) onto the analysis grid; slope and aspect (Horn 1981) in metres.";
  def.info.options = {
      OptionSpec::paths("dem", "DEM file, or a list of tiles mosaicked together; any GDAL raster in any CRS."),
      OptionSpec::integer("band", 1, "Band of the DEM to use.").min(1),
      OptionSpec::choice("resampling", {"nearest", "bilinear", "cubic", "average"}, "bilinear",
                         "Resampling onto the grid (average when the grid is much coarser than the DEM)."),
      OptionSpec::number("z_factor", 1.0, "Multiplier to convert DEM values to metres (0.3048 for feet).").min(1e-6),
  };
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  def.info.outputs = {
      {"elevation", ArtifactKind::raster, "", "Elevation on the analysis grid (m)."},
      {"slope", ArtifactKind::raster, "", "Slope (degrees, Horn 1981)."},
      {"aspect", ArtifactKind::raster, "", "Aspect (degrees clockwise from north; flat = nodata)."},
  };
  def.run = [](StageContext& ctx) {
    const Grid grid = ctx.grid();
    WarpOptions w;
    w.resampling = parse_resampling(ctx.text("resampling"));
    w.band = static_cast<int>(ctx.integer("band"));
    w.threads = ctx.threads();
    w.progress = ProgressSpan(ctx.progress_fn(), 0.0, 0.6).fn();
    const auto files = ctx.files("dem");
    Raster<float> dem = warp_to_grid(files, grid, w);
    const double z = ctx.number("z_factor");
    if (z != 1.0)
      for (CellIndex i = 0; i < dem.size(); ++i) dem[i] = static_cast<float>(dem[i] * z);
    const CellIndex valid = dem.count_valid();
    if (valid == 0) {
      input_error(fmt::format("{}: the DEM does not cover the analysis grid (every cell is nodata); check the grid "
                              "bounds and the DEM extent", files.front().string()));
    }
    ctx.record("dem_files", files.size());
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
    ctx.write_raster("elevation", dem, {"Elevation", "m", RasterStyle::terrain, Resampling::average, {}});
    ctx.write_raster("slope", slope, {"Slope (Horn 1981)", "degree", RasterStyle::sequential, Resampling::average, {}});
    ctx.write_raster("aspect", aspect, {"Aspect", "degree", RasterStyle::none, Resampling::nearest, {}});
  };
  return def;
}

}  // namespace nexusmap::stages

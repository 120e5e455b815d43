// SPDX-License-Identifier: MIT
// grid: the one analysis grid of the run (CRS, extent, resolution).
#include <fmt/format.h>

#include "pipeline/context.hpp"
#include "pipeline/stages/stages.hpp"
#include "rasters/io/analysis_grid.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap::stages {

StageDef grid() {
  StageDef def;
  def.info.kind = "grid";
  def.info.summary = "Analysis grid: projected CRS in metres, extent from lon/lat bounds or a layer, resolution.";
  def.info.options = {
      OptionSpec::numbers("bounds", std::nullopt, "Area of interest [west, south, east, north] in degrees.")
          .items(4, 4).optional(),
      OptionSpec::vector("area", "Area of interest from the extent of a vector layer (instead of bounds).").optional(),
      OptionSpec::string("crs", "auto",
                         "Target CRS: \"auto\" (Lambert azimuthal equal-area centred on the area) or any PROJ "
                         "definition in metres, e.g. \"EPSG:32642\"."),
      OptionSpec::number("resolution", 1000.0, "Cell size.").min(10).max(100000).unit("m"),
      OptionSpec::number("buffer", 0.0, "Margin added around the area on every side.").min(0).unit("m"),
  };
  def.info.outputs = {{"grid", ArtifactKind::json, "", "Grid description (CRS WKT, geotransform, size)."}};
  def.check = [](nlohmann::json& o) {
    const bool bounds = !o["bounds"].is_null();
    const bool area = !o["area"].is_null();
    if (bounds == area) config_error("give exactly one of `bounds` or `area`");
    if (bounds) {
      const auto b = o["bounds"];
      if (!(b[0].get<double>() < b[2].get<double>() && b[1].get<double>() < b[3].get<double>()))
        config_error(fmt::format("bounds {} must be [west, south, east, north] with west < east and south < north",
                                 b.dump()));
    }
  };
  def.run = [](StageContext& ctx) {
    GridRequest req;
    if (ctx.has("bounds")) {
      const auto b = ctx.options().at("bounds");
      req.lonlat = {b[0], b[1], b[2], b[3]};
    } else {
      req.lonlat = layer_extent_lonlat(ctx.vector("area"));
    }
    req.crs = ctx.text("crs");
    req.resolution = ctx.number("resolution");
    req.buffer = ctx.number("buffer");
    const Grid g = make_analysis_grid(req);
    ctx.record("width", g.width);
    ctx.record("height", g.height);
    ctx.record("cells", g.cells());
    ctx.record("resolution_m", g.dx());
    ctx.log().info("{} x {} cells of {} m", g.width, g.height, g.dx());
    ctx.write_json("grid", grid_to_json(g));
  };
  return def;
}

}  // namespace nexusmap::stages

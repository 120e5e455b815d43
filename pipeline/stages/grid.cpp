// SPDX-License-Identifier: MIT
// grid: the one analysis grid of the run (CRS, extent, resolution).
#include <fmt/format.h>

#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/analysis_grid.hpp"

namespace nexusmap::stages {
namespace {

struct GridOptions {
  std::optional<std::vector<double>> bounds;  // west, south, east, north
  std::optional<VectorSource> area;
  std::string crs;
  double resolution = 0;
  double buffer = 0;
};

}  // namespace

StageDef grid() {
  StageSpec<GridOptions> spec{"grid", "Analysis grid: projected CRS in metres, extent from lon/lat bounds or a layer, resolution."};
  auto& opt = spec.options;
  opt.numbers("bounds", &GridOptions::bounds, std::nullopt, "Area of interest [west, south, east, north] in degrees.")
      .items(4, 4);
  opt.vector("area", &GridOptions::area, "Area of interest from the extent of a vector layer (instead of bounds).");
  opt.text("crs", &GridOptions::crs, "auto",
         "Target CRS: \"auto\" (Lambert azimuthal equal-area centred on the area) or any PROJ definition in metres, "
         "e.g. \"EPSG:32642\".");
  opt.number("resolution", &GridOptions::resolution, 1000.0, "Cell size.").min(10).max(100000).unit("m");
  opt.number("buffer", &GridOptions::buffer, 0.0, "Margin added around the area on every side.").min(0).unit("m");
  spec.outputs = {{"grid", ArtifactKind::json, "", "Grid description (CRS WKT, geotransform, size)."}};
  spec.check = [](GridOptions& g) {
    if (g.bounds.has_value() == g.area.has_value()) config_error("give exactly one of `bounds` or `area`");
    if (g.bounds) {
      const auto& b = *g.bounds;
      if (!(b[0] < b[2] && b[1] < b[3]))
        config_error(fmt::format("bounds [{}, {}, {}, {}] must be [west, south, east, north] with west < east and "
                                 "south < north",
                                 b[0], b[1], b[2], b[3]));
    }
  };
  spec.run = [](StageContext& ctx, const GridOptions& o) {
    GridRequest req;
    if (o.bounds) {
      const auto& b = *o.bounds;
      req.lonlat = {b[0], b[1], b[2], b[3]};
    } else {
      req.lonlat = layer_extent_lonlat(*o.area);
    }
    req.crs = o.crs;
    req.resolution = o.resolution;
    req.buffer = o.buffer;
    const Grid g = make_analysis_grid(req);
    ctx.record("width", g.width);
    ctx.record("height", g.height);
    ctx.record("cells", g.cells());
    ctx.record("resolution_m", g.dx());
    ctx.log().info("{} x {} cells of {} m", g.width, g.height, g.dx());
    ctx.write_json("grid", grid_to_json(g));
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

// SPDX-License-Identifier: MIT
// population: people per km² from settlement points (e.g. GeoNames towns with their population),
// spread by a Gaussian kernel — where markets, recruits and state presence concentrate. Written as the
// worked example of docs/adding-a-stage.md: the stage file, one line in the registry, its test.
#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/density/kernel_density.hpp"

namespace nexusmap::stages {
namespace {

struct PopulationOptions {
  VectorSource places;
  std::string population_field;
  double min_population = 0;
  double bandwidth = 0;
};

}  // namespace

StageDef population() {
  StageSpec<PopulationOptions> spec{"population",
                                    "Population density (people per km²) from settlement points with their population, "
                                    "spread by a Gaussian kernel."};
  using O = PopulationOptions;
  auto& opt = spec.options;
  opt.vector("places", &O::places, "Settlement points: any OGR layer, or a CSV with x_field/y_field (lon/lat) columns.");
  opt.text("population_field", &O::population_field, "population", "Attribute with the number of inhabitants.");
  opt.number("min_population", &O::min_population, 0.0, "Leave out places smaller than this.").min(0);
  opt.number("bandwidth", &O::bandwidth, 10000.0, "Gaussian standard deviation: how far a town's people reach.")
      .min(0).unit("m");
  spec.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  Presentation density = raster_presentation("Population density", "people per km²", RasterStyle::uniform);
  density.order = 165;
  density.map = MapDecl{"map_population", "Population", 6, 0, false,
                        "Map: population density, with provinces and least-cost paths."};
  spec.outputs = {{"density", ArtifactKind::raster, "population_density", "People per km².", false,
                   "population_density", density}};
  spec.run = [](StageContext& ctx, const PopulationOptions& o) {
    const Grid grid = ctx.grid();
    const FeatureTable places = read_layer(ctx, o.places, "places", grid, {o.population_field}, true);
    const int pi = places.field_index(o.population_field);
    std::vector<WeightedPoint> points;
    std::int64_t without = 0;
    for (const auto& f : places.features) {
      const auto people = attr_number(places.attr(f, pi));
      if (!people || !(*people >= 0)) {
        ++without;
        continue;
      }
      if (*people < o.min_population || *people == 0) continue;
      OGRPoint p;
      f.geometry->Centroid(&p);
      points.push_back({p.getX(), p.getY(), *people});
    }
    if (without > 0)
      ctx.log().warn("{} place(s) in {} have no population in '{}'; left out", without, o.places.describe(),
                     o.population_field);
    if (points.empty())
      input_error(fmt::format("{}: no place with a population of at least {} (field '{}')", o.places.describe(),
                              o.min_population, o.population_field));
    KdeOptions ko;
    ko.kernel = Kernel::gaussian;
    ko.bandwidth = std::max(o.bandwidth, grid.dx());  // finer than a cell would alias
    ko.per_area = 1e6;                                // per km²
    const KdeResult kde = kernel_density(grid, points, ko);
    ctx.record("places", points.size());
    ctx.record("people_inside_grid", kde.weight_inside);
    ctx.write_raster("density", kde.density,
                     {Resampling::average, {{"NEXUSMAP_BANDWIDTH_M", fmt::format("{}", ko.bandwidth)}}});
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

// SPDX-License-Identifier: MIT
// cost: the travel-time model. Per-cell layers (elevation, a flat-ground friction multiplier with
// rivers, seasonal altitude limits and multiplier rasters, road speeds, crossing and border costs)
// and the speed function; corridors and governance evaluate moves from it on the fly.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/cost_model.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap::stages {
namespace {

struct Multiplier {
  std::filesystem::path path;
  std::string name;
  int band = 1;
  Resampling resampling = Resampling::bilinear;
  bool nodata_impassable = false;
};

struct CostOptions {
  SpeedFunction speed_function = SpeedFunction::tobler;
  double speed_factor = 1;
  double max_slope = 35;
  std::vector<double> walk_coefficients;
  double steep_downhill = 0;
  bool winter = false;
  double summer_penalty_above = 0, summer_closed_above = 0, winter_penalty_above = 0, winter_closed_above = 0;
  double altitude_penalty = 1;
  std::vector<Multiplier> multipliers;
  std::optional<VectorSource> roads;
  std::string road_speed_field, road_class_field;
  std::map<std::string, double> road_speeds;
  double road_speed = 30;
};

void load_road_speeds(StageContext& ctx, const CostOptions& o, const Grid& grid, Raster<float>& road_speed) {
  const std::string& speed_field = o.road_speed_field;
  const std::string& class_field = o.road_class_field;
  std::vector<std::string> required;
  if (!speed_field.empty()) required.push_back(speed_field);
  if (!class_field.empty()) required.push_back(class_field);
  const FeatureTable roads = read_layer(ctx, *o.roads, "roads", grid, required, true);
  const auto& speeds = o.road_speeds;
  const double fallback = o.road_speed;
  const int si = speed_field.empty() ? -1 : roads.field_index(speed_field);
  const int ci = class_field.empty() ? -1 : roads.field_index(class_field);
  std::vector<std::pair<double, const OGRGeometry*>> burn;
  std::map<std::string, std::int64_t> unknown_classes;
  for (const auto& f : roads.features) {
    double v = fallback;
    if (si >= 0) {
      if (auto s = attr_number(roads.attr(f, si)); s && *s > 0) v = *s;
    } else if (ci >= 0) {
      const std::string cls = attr_string(roads, f, ci);
      if (speeds.count(cls)) v = speeds.at(cls);
      else ++unknown_classes[cls];
    }
    burn.emplace_back(v, f.geometry.get());
  }
  for (const auto& [cls, count] : unknown_classes)
    ctx.log().info("{} road(s) of class '{}' not in road_speeds use road_speed {} km/h", count, cls, fallback);
  // Faster roads burn last so a cell on two roads gets the faster speed.
  std::stable_sort(burn.begin(), burn.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const OGRGeometry*> geoms;
  std::vector<double> values;
  for (const auto& [v, g] : burn) {
    values.push_back(v);
    geoms.push_back(g);
  }
  RasterizeOptions touched;
  touched.all_touched = true;
  road_speed = rasterize(grid, geoms, values, touched);
  ctx.record("road_cells", road_speed.count_valid());
}

}  // namespace

StageDef cost() {
  StageSpec<CostOptions> spec{
      "cost",
      "Travel-time model: Tobler (or Naismith/Langmuir) walking on the signed slope, pack-animal factor, maximum "
      "slope, seasonal altitude limits, multiplier rasters, roads, rivers, crossings and borders."};
  auto& opt = spec.options;
  opt.choice("speed_function", &CostOptions::speed_function,
           Choices<SpeedFunction>{{"tobler", SpeedFunction::tobler}, {"naismith", SpeedFunction::naismith_langmuir}},
           SpeedFunction::tobler,
           "Tobler's hiking function, or Naismith's rule with Langmuir's corrections as in GRASS r.walk.");
  opt.number("speed_factor", &CostOptions::speed_factor, 1.0, "Walking speed multiplier (about 0.8 for loaded pack animals).")
      .min(0.05).max(3);
  opt.number("max_slope", &CostOptions::max_slope, 35.0, "Moves steeper than this are impossible on foot.")
      .min(1).max(89).unit("degrees");
  opt.numbers("walk_coefficients", &CostOptions::walk_coefficients, std::vector<double>{0.72, 6.0, 1.9998, -1.9998},
            "Naismith/Langmuir a, b, c, d in s/m (r.walk's walk_coeff).")
      .items(4, 4);
  opt.number("steep_downhill", &CostOptions::steep_downhill, -0.2125,
           "tan(slope) where moderate downhill turns steep (r.walk slope_factor).")
      .min(-1).max(0);
  opt.choice("season", &CostOptions::winter, Choices<bool>{{"summer", false}, {"winter", true}}, false,
           "Season for the altitude limits.");
  opt.number("summer_penalty_above", &CostOptions::summer_penalty_above, 4000.0,
           "In summer, moves above this elevation take altitude_penalty times longer.").unit("m");
  opt.number("summer_closed_above", &CostOptions::summer_closed_above, 6000.0,
           "In summer, cells above this elevation are impassable.").unit("m");
  opt.number("winter_penalty_above", &CostOptions::winter_penalty_above, 3000.0, "In winter, the altitude penalty starts here.")
      .unit("m");
  opt.number("winter_closed_above", &CostOptions::winter_closed_above, 4200.0,
           "In winter, snow closes passes above this elevation.").unit("m");
  opt.number("altitude_penalty", &CostOptions::altitude_penalty, 2.0, "Time multiplier above the penalty elevation.").min(1);
  OptionSet<Multiplier> mults;
  mults.path("path", &Multiplier::path, "Raster of time multipliers (1 = no effect).");
  mults.text("name", &Multiplier::name, "", "Label for logs and the report.");
  mults.integer("band", &Multiplier::band, 1, "Band to read.").min(1);
  mults.choice("resampling", &Multiplier::resampling,
           resampling_choices({Resampling::nearest, Resampling::bilinear, Resampling::average}), Resampling::bilinear,
           "Resampling onto the grid.");
  mults.choice("nodata", &Multiplier::nodata_impassable, Choices<bool>{{"neutral", false}, {"impassable", true}}, false,
           "What a nodata cell means: multiplier 1, or no way through.");
  opt.records("multipliers", &CostOptions::multipliers, mults,
            "Multiplier rasters, e.g. land cover or enforcement risk; values <= 0 are impassable.");
  opt.vector("roads", &CostOptions::roads, "Road lines (e.g. an OSM extract); roads ignore slope.");
  opt.text("road_speed_field", &CostOptions::road_speed_field, "", "Attribute with the speed in km/h.");
  opt.text("road_class_field", &CostOptions::road_class_field, "", "Attribute with the road class, looked up in road_speeds.");
  opt.number_map("road_speeds", &CostOptions::road_speeds, "Speed in km/h by road class, e.g. { primary = 50, track = 15 }.")
      .min(0.1);
  opt.number("road_speed", &CostOptions::road_speed, 30.0, "Speed of roads without a known speed or class.")
      .min(0.1).unit("km/h");
  spec.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"elevation", ArtifactKind::raster, "terrain.elevation", false, "Elevation (m)."},
      {"barrier", ArtifactKind::raster, "barriers.barrier", true, "River/border/crossing flags."},
      {"crossing", ArtifactKind::raster, "barriers.crossing", true, "Crossing index per zone cell."},
      {"border_penalty", ArtifactKind::raster, "barriers.border_penalty", true, "Border penalty hours."},
      {"crossings", ArtifactKind::vector, "barriers.crossings", true, "Crossing points with their hours."},
  };
  Presentation travel_view = raster_presentation("Travel cost on flat ground", "hours per km", RasterStyle::sequential,
                                            kGroupCorridors);
  travel_view.description = "Travel time on flat ground";
  travel_view.order = 200;
  spec.outputs = {
      {"model", ArtifactKind::raster, "", "The travel-time model (bands: elevation, friction, road_speed, flags, "
                                          "crossing_hours, border_penalty, crossing) with its parameters."},
      {"travel_cost", ArtifactKind::raster, "travel_cost", "Travel time on flat ground, hours per km.", false, {}, travel_view},
  };
  spec.check = [](CostOptions& c) {
    if (!c.road_speed_field.empty() && !c.road_class_field.empty())
      config_error("give road_speed_field or road_class_field, not both");
    if (c.summer_penalty_above > c.summer_closed_above || c.winter_penalty_above > c.winter_closed_above)
      config_error("the penalty elevation must not be above the closing elevation");
  };
  spec.run = [](StageContext& ctx, const CostOptions& o) {
    const Grid grid = ctx.grid();
    const CellIndex n = grid.cells();
    CostModel m;
    m.elevation = ctx.raster_input("elevation");
    m.flags = Raster<std::uint8_t>(grid, 0);
    m.crossing = Raster<std::int32_t>(grid);
    m.crossing_hours = Raster<float>(grid);
    m.border_penalty = Raster<float>(grid);
    m.road_speed = Raster<float>(grid);
    if (ctx.has_input("barrier")) {
      const Raster<float> f = ctx.raster_input("barrier");
      for (CellIndex i = 0; i < n; ++i) m.flags[i] = static_cast<std::uint8_t>(f.valid(i) ? f[i] : 0.0F);
    }
    if (ctx.has_input("border_penalty")) m.border_penalty = ctx.raster_input("border_penalty");
    if (ctx.has_input("crossing") && ctx.has_input("crossings")) {
      const Raster<float> idx = ctx.raster_input("crossing");
      const FeatureTable crossings = ctx.vector_input("crossings");
      const int hi = crossings.require_field("hours", "crossings");
      std::vector<double> hours;
      for (const auto& f : crossings.features) hours.push_back(attr_number(crossings.attr(f, hi)).value_or(0.0));
      for (CellIndex i = 0; i < n; ++i) {
        if (!idx.valid(i)) continue;
        const auto c = static_cast<std::int32_t>(idx[i]);
        if (c < 0 || static_cast<std::size_t>(c) >= hours.size()) continue;
        m.crossing.set_valid(i, c);
        if (m.flags[i] & travel_flags::open_crossing) m.crossing_hours[i] = static_cast<float>(hours[static_cast<std::size_t>(c)]);
      }
    }
    ctx.progress(0.2, "multipliers");

    // Friction: product of multipliers and the seasonal altitude penalty; NaN where impassable.
    Raster<float> friction(grid, 1.0F);
    for (const Multiplier& rec : o.multipliers) {
      WarpOptions w;
      w.resampling = rec.resampling;
      w.band = rec.band;
      w.threads = ctx.threads();
      const std::vector<std::filesystem::path> files = {rec.path};
      const Raster<float> mult = warp_to_grid(files, grid, w);
      const bool nodata_blocks = rec.nodata_impassable;
      CellIndex blocked = 0;
      for (CellIndex i = 0; i < n; ++i) {
        if (!mult.valid(i)) {
          if (nodata_blocks) friction.set_nodata(i);
          continue;
        }
        if (!(mult[i] > 0)) {
          friction.set_nodata(i);
          ++blocked;
        } else {
          friction[i] *= mult[i];
        }
      }
      ctx.log().info("multiplier {}: {} cell(s) impassable",
                     rec.name.empty() ? files.front().filename().string() : rec.name, blocked);
    }
    const bool winter = o.winter;
    const double penalty_above = winter ? o.winter_penalty_above : o.summer_penalty_above;
    const double closed_above = winter ? o.winter_closed_above : o.summer_closed_above;
    const auto altitude_penalty = static_cast<float>(o.altitude_penalty);
    CellIndex closed = 0, penalised = 0, rivers = 0;
    for (CellIndex i = 0; i < n; ++i) {
      const float z = m.elevation[i];
      if (std::isnan(z)) {
        friction.set_nodata(i);
        continue;
      }
      if ((m.flags[i] & travel_flags::river) && !(m.flags[i] & travel_flags::open_crossing)) {
        friction.set_nodata(i);
        ++rivers;
        continue;
      }
      if (z >= closed_above) {
        friction.set_nodata(i);
        ++closed;
      } else if (z >= penalty_above) {
        friction[i] *= altitude_penalty;
        ++penalised;
      }
    }
    m.friction = std::move(friction);
    ctx.record("season", winter ? "winter" : "summer");
    ctx.record("cells_closed_by_altitude", closed);
    ctx.record("cells_with_altitude_penalty", penalised);
    ctx.record("river_cells_impassable", rivers);
    if (o.roads) load_road_speeds(ctx, o, grid, m.road_speed);
    ctx.progress(0.7, "writing");

    TravelTimeParams& p = m.params;
    p.function = o.speed_function;
    p.speed_factor = o.speed_factor;
    p.max_slope_deg = o.max_slope;
    p.a = o.walk_coefficients[0];
    p.b = o.walk_coefficients[1];
    p.c = o.walk_coefficients[2];
    p.d = o.walk_coefficients[3];
    p.steep_downhill = o.steep_downhill;
    if (m.friction.count_valid() == 0)
      input_error("every cell of the grid is impassable (elevation nodata, rivers or altitude closure); check the "
                  "DEM coverage and the season limits");

    // Flat-ground hours per km, for people reading the cost surface.
    const double flat_hours_per_km = p.function == SpeedFunction::tobler
                                         ? 1.0 / (6.0 * std::exp(-3.5 * 0.05) * p.speed_factor)
                                         : p.a * 1000.0 / 3600.0 / p.speed_factor;
    Raster<float> travel(grid);
    for (CellIndex i = 0; i < n; ++i) {
      if (m.road_speed.valid(i) && m.road_speed[i] > 0) travel[i] = 1.0F / m.road_speed[i];
      else if (m.friction.valid(i)) travel[i] = static_cast<float>(m.friction[i] * flat_hours_per_km);
    }
    auto meta = ctx.provenance_metadata();
    write_cost_model(m, ctx.output_path("model"), meta);
    ctx.write_raster("travel_cost", travel);
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

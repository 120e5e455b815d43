// SPDX-License-Identifier: MIT
// corridors: accumulated travel time from the source provinces, least-cost paths to each
// destination, the least-cost corridor, k alternative routes and Monte Carlo route frequency.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/cost_model.hpp"
#include "pipeline/stages/stages.hpp"
#include "rasters/cost/alternative_routes.hpp"
#include "rasters/cost/cost_distance.hpp"
#include "rasters/cost/least_cost_corridor.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/cost/route_frequency.hpp"
#include "rasters/cost/travel_time.hpp"
#include "rasters/core/error.hpp"
#include "vectors/polygonize.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

struct Destination {
  std::string name;
  bool point = false;                 // points: nearest reached candidate; polygons/edge: cheapest
  std::vector<CellIndex> candidates;  // cells the destination may be reached at (points: nearest first)
  CellIndex cell = -1;                // the cheapest reached candidate
  double hours = std::numeric_limits<double>::quiet_NaN();
};

// Cells whose centre lies within `radius` of (x, y), the containing cell first, then by distance
// (ties by cell index).
std::vector<CellIndex> cells_near(const Grid& g, double x, double y, double radius) {
  std::vector<std::pair<double, CellIndex>> near;
  auto [px, py] = g.pixel_of(x, y);
  const auto reach = static_cast<std::int64_t>(std::ceil(radius / g.dx())) + 1;
  const auto c0 = static_cast<std::int64_t>(std::floor(px)), r0 = static_cast<std::int64_t>(std::floor(py));
  for (std::int64_t r = r0 - reach; r <= r0 + reach; ++r)
    for (std::int64_t c = c0 - reach; c <= c0 + reach; ++c) {
      if (!g.inside(c, r)) continue;
      const double d = (c == c0 && r == r0) ? -1.0 : std::hypot(g.x_center(c) - x, g.y_center(r) - y);
      if (d <= radius) near.emplace_back(d, g.index(c, r));
    }
  std::sort(near.begin(), near.end());
  std::vector<CellIndex> out;
  for (const auto& [d, i] : near) out.push_back(i);
  return out;
}

std::vector<Destination> read_destinations(StageContext& ctx, const Grid& grid) {
  std::vector<Destination> out;
  if (ctx.has("destinations")) {
    const std::string field = ctx.text("destination_name_field");
    const FeatureTable t = read_layer(ctx, "destinations", grid, {field});
    const int fi = t.field_index(field);
    std::vector<std::string> wanted;
    for (const auto& v : ctx.options().at("destination_names")) wanted.push_back(v);
    std::vector<std::string> found;
    const double radius = ctx.number("snap_radius");
    std::vector<const OGRGeometry*> polygons;
    std::vector<std::size_t> polygon_dest;
    for (const auto& f : t.features) {
      const std::string name = attr_string(t, f, fi);
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
      if (std::find(found.begin(), found.end(), name) != found.end()) {
        ctx.log().warn("destination '{}' appears more than once in {}; the first is used", name,
                       ctx.vector("destinations").describe());
        continue;
      }
      found.push_back(name);
      Destination d;
      d.name = name;
      if (f.geometry->getDimension() == 0) {
        d.point = true;
        const OGRPoint* p = f.geometry->toPoint();
        d.candidates = cells_near(grid, p->getX(), p->getY(), radius);
      } else {
        polygons.push_back(f.geometry.get());
        polygon_dest.push_back(out.size());
      }
      out.push_back(std::move(d));
    }
    if (!polygons.empty()) {
      const Raster<std::int32_t> ids = rasterize_ids(grid, polygons);
      for (CellIndex i = 0; i < ids.size(); ++i)
        if (ids.valid(i)) out[polygon_dest[static_cast<std::size_t>(ids[i])]].candidates.push_back(i);
    }
    for (const auto& w : wanted)
      if (std::find(found.begin(), found.end(), w) == found.end())
        input_error(fmt::format("destination '{}' is not in {} (field '{}')", w, ctx.vector("destinations").describe(), field));
  }
  if (ctx.flag("north_edge")) {
    Destination d;
    d.name = "northern edge";
    for (std::int64_t c = 0; c < grid.width; ++c) d.candidates.push_back(grid.index(c, 0));
    out.push_back(std::move(d));
  }
  return out;
}

Neighbourhood neighbourhood_of(const StageContext& ctx) {
  return ctx.text("neighbours") == "16" ? Neighbourhood::knight16 : Neighbourhood::queen8;
}

// The attributes of a traced route (cells destination-first).
struct RouteFacts {
  double km = 0;
  double max_elevation = -std::numeric_limits<double>::infinity();
  std::int64_t border_crossings = 0;
  std::string crossings;
  std::string provinces;
};

RouteFacts describe_route(const Grid& grid, const std::vector<CellIndex>& cells, const CostModel& model,
                          const std::vector<std::string>& crossing_names, const Raster<std::int32_t>& province,
                          const std::vector<std::string>& province_names) {
  RouteFacts f;
  std::vector<std::string> xs, ps;
  const auto note_crossing = [&](CellIndex c) {
    if (model.crossing.valid(c) && (model.flags[c] & travel_flags::open_crossing)) {
      const auto ci = static_cast<std::size_t>(model.crossing[c]);
      const std::string name = ci < crossing_names.size() ? crossing_names[ci] : fmt::format("crossing {}", ci);
      if (xs.empty() || xs.back() != name) xs.push_back(name);
    }
  };
  for (std::size_t i = cells.size(); i-- > 0;) {
    const CellIndex c = cells[i];
    if (!std::isnan(model.elevation[c])) f.max_elevation = std::max(f.max_elevation, static_cast<double>(model.elevation[c]));
    note_crossing(c);
    if (i > 0) {
      // Crossing cells a knight's or diagonal move passes over count as used.
      const int k = move_between(grid, c, cells[i - 1]);
      const PassedCells passed = k >= 0 ? passed_cells(grid, c, k) : PassedCells{};
      for (int m = 0; m < passed.count; ++m) note_crossing(passed.cells[static_cast<std::size_t>(m)]);
    }
    if (province.size() == grid.cells() && province.valid(c)) {
      const std::string& name = province_names[static_cast<std::size_t>(province[c])];
      if (ps.empty() || ps.back() != name) ps.push_back(name);
    }
    if (i > 0) {
      const CellIndex next = cells[i - 1];
      const Cell a = grid.cell(c), b = grid.cell(next);
      f.km += std::hypot(static_cast<double>(b.col - a.col) * grid.dx(), static_cast<double>(b.row - a.row) * grid.dy()) / 1000.0;
      const bool from_band = model.flags[c] & travel_flags::border_band;
      const bool to_band = model.flags[next] & travel_flags::border_band;
      if (from_band && !to_band) ++f.border_crossings;
    }
  }
  for (const auto& x : xs) f.crossings += (f.crossings.empty() ? "" : "; ") + x;
  for (const auto& p : ps) f.provinces += (f.provinces.empty() ? "" : " > ") + p;
  return f;
}

OGRGeometryUniquePtr route_line(const Grid& grid, const std::vector<CellIndex>& cells) {
  auto line = std::make_unique<OGRLineString>();
  for (std::size_t i = cells.size(); i-- > 0;) {
    const Cell c = grid.cell(cells[i]);
    line->addPoint(grid.x_center(c.col), grid.y_center(c.row));
  }
  if (line->getNumPoints() == 1) line->addPoint(line->getX(0), line->getY(0));
  return OGRGeometryUniquePtr(line.release());
}

}  // namespace

StageDef corridors() {
  StageDef def;
  def.info.kind = "corridors";
  def.info.summary =
      "Least-cost trafficking corridors: accumulated hours from the sources, paths to each destination, the "
      "least-cost corridor, k alternative routes and Monte Carlo route frequency.";
  def.info.options = {
      OptionSpec::vector("sources", "Where routes start: polygons (e.g. provinces by attribute) or points."),
      OptionSpec::number("source_inset", 0.0, "Shrink source polygons by this distance first, so a boundary drawn "
                                              "slightly across a border river does not start routes on the far bank.")
          .min(0).unit("m"),
      OptionSpec::vector("destinations", "Destination points (towns) or polygons.").optional(),
      OptionSpec::string("destination_name_field", "name", "Attribute naming each destination."),
      OptionSpec::strings("destination_names", std::vector<std::string>{},
                          "Only these destinations (all features when empty)."),
      OptionSpec::boolean("north_edge", false, "Also route to the northern edge of the grid."),
      OptionSpec::number("snap_radius", 3000.0, "A destination point on an impassable or unreached cell is reached at "
                                                "the nearest reached cell within this distance.")
          .min(0).unit("m"),
      OptionSpec::vector("provinces", "Province polygons, to list the provinces each path traverses.").optional(),
      OptionSpec::string("province_name_field", "name", "Attribute naming each province."),
      OptionSpec::choice("neighbours", {"8", "16"}, "16", "Move stencil: 8 neighbours, or 16 with knight's moves "
                                                          "(length error 2.8% instead of 8.2%)."),
      OptionSpec::number("max_hours", std::nullopt, "Stop accumulating beyond this many hours.").min(0).unit("h").optional(),
      OptionSpec::choice("corridor_mode", {"percent", "hours"}, "percent",
                         "Corridor threshold as a percentage of the least cost, or in hours."),
      OptionSpec::number("corridor_threshold", 10.0, "Corridor slack over the least-cost route.").min(0),
      OptionSpec::integer("alternatives", 3, "Routes per destination, the least-cost one included.").min(1).max(20),
      OptionSpec::number("alternative_penalty", 3.0, "Time multiplier on and near earlier routes.").min(1.01),
      OptionSpec::number("alternative_buffer", 2000.0, "Distance around earlier routes that is penalised too.").min(0).unit("m"),
      OptionSpec::integer("frequency_draws", 50, "Monte Carlo draws for route frequency.").min(1).max(10000),
      OptionSpec::integer("frequency_seed", 1, "Seed of the draws (same seed, same result)."),
      OptionSpec::number("frequency_sigma", 0.3, "Standard deviation of log move-time multipliers.").min(0).max(3),
      OptionSpec::number("frequency_correlation", 20000.0, "Correlation length of the cost noise.").min(0).unit("m"),
      OptionSpec::number("crossing_sigma", 0.5, "Standard deviation of log crossing-time multipliers.").min(0).max(3),
  };
  def.info.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"model", ArtifactKind::raster, "cost.model", false, "The travel-time model."},
      {"crossings", ArtifactKind::vector, "barriers.crossings", true, "Crossing points, for their names."},
  };
  def.info.outputs = {
      {"accumulated_cost", ArtifactKind::raster, "accumulated_cost", "Hours from the sources."},
      {"backlinks", ArtifactKind::raster, "", "Move index towards the predecessor (docs/cost-distance.md)."},
      {"paths", ArtifactKind::vector, "", "Least-cost path per destination."},
      {"alternatives", ArtifactKind::vector, "", "Alternative routes per destination, with rank and hours."},
      {"corridor", ArtifactKind::raster, "corridor", "1 inside the least-cost corridor of any destination."},
      {"corridor_polygons", ArtifactKind::vector, "", "The corridor of each destination as polygons."},
      {"route_frequency", ArtifactKind::raster, "route_frequency", "Share of Monte Carlo draws whose path uses the cell."},
  };
  def.check = [](json& o) {
    if (o["destinations"].is_null() && !o["north_edge"].get<bool>())
      config_error("give `destinations`, or set north_edge = true");
  };
  def.run = [](StageContext& ctx) {
    // Phases and their times go to the debug log (nexusmap -v) and the manifest.
    auto t_phase = std::chrono::steady_clock::now();
    json timings = json::object();
    const auto phase = [&](const char* name, double fraction) {
      const auto now = std::chrono::steady_clock::now();
      timings[name] = std::chrono::duration<double>(now - t_phase).count();
      t_phase = now;
      ctx.progress(fraction, name);
    };
    const Grid grid = ctx.grid();
    const CostModel model = read_cost_model(ctx.input("model").path());
    if (!model.grid().same_georeferencing(grid)) fail(ErrorKind::stage, "the cost model is not on the analysis grid");
    const TravelTime edge(grid, model.layers(), model.params);
    const Neighbourhood nb = neighbourhood_of(ctx);

    // Sources: the passable cells of the source features.
    FeatureTable sources = read_layer(ctx, "sources", grid);
    if (const double inset = ctx.number("source_inset"); inset > 0) {
      for (auto& f : sources.features) {
        if (f.geometry->getDimension() != 2) continue;
        OGRGeometryUniquePtr shrunk(f.geometry->Buffer(-inset));
        if (shrunk && !shrunk->IsEmpty()) f.geometry = std::move(shrunk);
      }
    }
    const auto source_geoms = sources.geometries();
    const Raster<std::int32_t> source_ids = rasterize_ids(grid, source_geoms);
    std::vector<Seed> seeds;
    for (CellIndex i = 0; i < source_ids.size(); ++i)
      if (source_ids.valid(i) && model.friction.valid(i)) seeds.push_back({i, 0.0});
    if (seeds.empty())
      input_error(fmt::format("the sources ({}) cover no passable cell of the grid; check the filter and the grid bounds",
                              ctx.vector("sources").describe()));
    ctx.record("source_cells", seeds.size());
    phase("read", 0.05);

    CostDistanceOptions cd;
    cd.neighbourhood = nb;
    if (ctx.has("max_hours")) cd.max_cost = ctx.number("max_hours");
    const CostDistanceResult acc = cost_distance(grid, seeds, edge, cd);

    std::vector<Destination> dests = read_destinations(ctx, grid);
    json unreachable = json::array();
    for (auto& d : dests) {
      // A town is reached at its own cell, or the nearest reached one (not the cheapest: that could be
      // on the near bank of the river the town lies beyond).
      for (CellIndex c : d.candidates) {
        const double h = acc.accumulated[c];
        if (!std::isnan(h) && (std::isnan(d.hours) || h < d.hours)) {
          d.hours = h;
          d.cell = c;
          if (d.point) break;
        }
      }
      if (d.cell < 0) {
        unreachable.push_back(d.name);
        ctx.log().warn("destination '{}' cannot be reached from the sources (outside the grid, or cut off by "
                       "impassable cells); it gets no path", d.name);
      }
    }
    std::erase_if(dests, [](const Destination& d) { return d.cell < 0; });
    ctx.record("unreachable_destinations", unreachable);
    phase("accumulated cost", 0.2);

    std::vector<std::string> crossing_names;
    if (ctx.has_input("crossings")) {
      const FeatureTable c = ctx.vector_input("crossings");
      const int ni = c.field_index("name");
      for (const auto& f : c.features) crossing_names.push_back(attr_string(c, f, ni));
    }
    Raster<std::int32_t> province;
    std::vector<std::string> province_names;
    if (ctx.has("provinces")) {
      const std::string field = ctx.text("province_name_field");
      const FeatureTable p = read_layer(ctx, "provinces", grid, {field});
      const int fi = p.field_index(field);
      for (const auto& f : p.features) province_names.push_back(attr_string(p, f, fi));
      const auto geoms = p.geometries();
      province = rasterize_ids(grid, geoms);
    }

    FeatureTable paths;
    paths.name = "least_cost_paths";
    paths.crs_wkt = grid.crs_wkt;
    paths.fields = {{"destination", FieldType::string}, {"hours", FieldType::real},   {"km", FieldType::real},
                    {"max_elevation_m", FieldType::real}, {"border_crossings", FieldType::integer},
                    {"crossing", FieldType::string},      {"provinces", FieldType::string}, {"cells", FieldType::integer}};
    json path_summary = json::array();
    std::vector<std::vector<CellIndex>> least_cost_routes;
    for (const auto& d : dests) {
      const auto cells = trace_back(acc.backlinks, d.cell);
      least_cost_routes.push_back(cells);
      const RouteFacts f = describe_route(grid, cells, model, crossing_names, province, province_names);
      Feature feat;
      feat.fid = static_cast<std::int64_t>(paths.features.size()) + 1;
      feat.geometry = route_line(grid, cells);
      feat.attributes = {d.name, d.hours, f.km, f.max_elevation, f.border_crossings, f.crossings, f.provinces,
                         static_cast<std::int64_t>(cells.size())};
      paths.features.push_back(std::move(feat));
      path_summary.push_back({{"destination", d.name}, {"hours", d.hours}, {"km", f.km}, {"crossing", f.crossings},
                              {"border_crossings", f.border_crossings}, {"max_elevation_m", f.max_elevation},
                              {"provinces", f.provinces}});
      ctx.log().info("{}: {:.1f} h, {:.0f} km, via {}", d.name, d.hours, f.km, f.crossings.empty() ? "no crossing" : f.crossings);
    }
    ctx.record("paths", path_summary);

    // Least-cost corridor per destination: A(x) + B(x) - A(dest), B on the reversed moves.
    phase("paths", 0.3);
    CorridorOptions co;
    co.mode = ctx.text("corridor_mode") == "percent" ? CorridorThreshold::percent : CorridorThreshold::absolute;
    co.value = ctx.number("corridor_threshold");
    std::vector<Raster<std::uint8_t>> masks(dests.size());
    const Reversed<TravelTime> reversed(grid, edge);
    parallel_jobs(static_cast<std::int64_t>(dests.size()), [&](std::int64_t di) {
      const auto& d = dests[static_cast<std::size_t>(di)];
      const Seed target[] = {{d.cell, 0.0}};
      CostDistanceOptions rev = cd;
      rev.backlinks = false;
      // A cell is in the corridor only if B(x) <= A(dest) + slack: nothing costlier needs settling.
      const double slack = co.mode == CorridorThreshold::percent ? d.hours * co.value / 100.0 : co.value;
      rev.max_cost = (d.hours + slack) * (1 + 1e-9);
      const CostDistanceResult b = cost_distance(grid, target, reversed, rev);
      Raster<std::uint8_t> mask(grid, 0);
      mark_least_cost_corridor(acc.accumulated, b.accumulated, d.hours, co, mask);
      masks[static_cast<std::size_t>(di)] = std::move(mask);
    });
    Raster<std::uint8_t> corridor(grid, 0);
    FeatureTable polygons;
    polygons.name = "corridor_polygons";
    polygons.crs_wkt = grid.crs_wkt;
    polygons.fields = {{"destination", FieldType::string}, {"area_km2", FieldType::real}};
    for (std::size_t di = 0; di < dests.size(); ++di) {
      Raster<std::int32_t> cls(grid);
      for (CellIndex i = 0; i < corridor.size(); ++i)
        if (masks[di][i]) {
          corridor[i] = 1;
          cls.set_valid(i, 1);
        }
      for (auto& f : polygonize(cls, "inside", true).features) {
        Feature out;
        out.fid = static_cast<std::int64_t>(polygons.features.size()) + 1;
        const double area = f.geometry->toPolygon()->get_Area() / 1e6;
        out.geometry = std::move(f.geometry);
        out.attributes = {dests[di].name, area};
        polygons.features.push_back(std::move(out));
      }
    }
    for (CellIndex i = 0; i < corridor.size(); ++i)
      if (!model.friction.valid(i) && !corridor[i]) corridor.set_nodata(i);
    ctx.record("corridor_cells", std::count(corridor.values().begin(), corridor.values().end(), std::uint8_t{1}));

    // Alternative routes per destination.
    phase("corridors", 0.45);
    AlternativeRoutesOptions ao;
    ao.routes = static_cast<int>(ctx.integer("alternatives"));
    ao.penalty = ctx.number("alternative_penalty");
    ao.buffer_cells = static_cast<std::int64_t>(std::llround(ctx.number("alternative_buffer") / grid.dx()));
    ao.neighbourhood = nb;
    std::vector<std::vector<Route>> alt(dests.size());
    parallel_jobs(static_cast<std::int64_t>(dests.size()), [&](std::int64_t di) {
      alt[static_cast<std::size_t>(di)] = alternative_routes(grid, seeds, dests[static_cast<std::size_t>(di)].cell, edge, ao,
                                                             least_cost_routes[static_cast<std::size_t>(di)]);
    });
    FeatureTable alternatives;
    alternatives.name = "alternative_routes";
    alternatives.crs_wkt = grid.crs_wkt;
    alternatives.fields = {{"destination", FieldType::string}, {"rank", FieldType::integer}, {"hours", FieldType::real},
                           {"km", FieldType::real}, {"crossing", FieldType::string}, {"provinces", FieldType::string}};
    for (std::size_t di = 0; di < dests.size(); ++di)
      for (const auto& r : alt[di]) {
        const RouteFacts f = describe_route(grid, r.cells, model, crossing_names, province, province_names);
        Feature feat;
        feat.fid = static_cast<std::int64_t>(alternatives.features.size()) + 1;
        feat.geometry = route_line(grid, r.cells);
        feat.attributes = {dests[di].name, std::int64_t{r.rank}, r.cost, f.km, f.crossings, f.provinces};
        alternatives.features.push_back(std::move(feat));
      }

    // Route frequency under cost uncertainty.
    phase("alternative routes", 0.6);
    RouteFrequencyOptions fo;
    fo.draws = static_cast<int>(ctx.integer("frequency_draws"));
    fo.seed = static_cast<std::uint64_t>(ctx.integer("frequency_seed"));
    fo.sigma = ctx.number("frequency_sigma");
    fo.correlation_cells = ctx.number("frequency_correlation") / grid.dx();
    fo.crossing_sigma = ctx.number("crossing_sigma");
    fo.neighbourhood = nb;
    std::vector<CellIndex> dest_cells;
    for (const auto& d : dests) dest_cells.push_back(d.cell);
    const TravelTimeLayers base_layers = model.layers();
    Raster<float> frequency = route_frequency(
        grid, seeds, dest_cells, model.crossing,
        [&](const float* noise, const float* crossing_noise) {
          TravelTimeLayers l = base_layers;
          l.noise = noise;
          l.crossing_noise = crossing_noise;
          return TravelTime(grid, l, model.params);
        },
        fo, least_cost_routes);
    for (CellIndex i = 0; i < frequency.size(); ++i)
      if (!model.friction.valid(i) && frequency[i] == 0.0F) frequency.set_nodata(i);

    phase("route frequency", 0.9);
    ctx.record("seconds", timings);
    ctx.log().debug("phases: {}", timings.dump());
    Raster<float> hours(grid);
    for (CellIndex i = 0; i < hours.size(); ++i)
      if (!std::isnan(acc.accumulated[i])) hours[i] = static_cast<float>(acc.accumulated[i]);
    Raster<std::uint8_t> back = acc.backlinks;
    for (CellIndex i = 0; i < back.size(); ++i)
      if (back[i] == kNoBacklink) back.set_nodata(i);
    ctx.write_raster("accumulated_cost", hours,
                     {"Accumulated travel time from the sources", "h", RasterStyle::sequential, Resampling::average, {}});
    ctx.write_raster("backlinks", back, {"Back-link move index", "", RasterStyle::none, Resampling::nearest, {}});
    ctx.write_vector("paths", paths);
    ctx.write_vector("alternatives", alternatives);
    ctx.write_raster("corridor", corridor, {"Least-cost corridor", "", RasterStyle::binary, Resampling::nearest,
                                            {{"NEXUSMAP_CORRIDOR_MODE", ctx.text("corridor_mode")},
                                             {"NEXUSMAP_CORRIDOR_THRESHOLD", fmt::format("{}", co.value)}}});
    ctx.write_vector("corridor_polygons", polygons);
    ctx.write_raster("route_frequency", frequency,
                     {"Route frequency", "share of draws", RasterStyle::uniform, Resampling::average,
                      {{"NEXUSMAP_DRAWS", std::to_string(fo.draws)}, {"NEXUSMAP_SEED", std::to_string(fo.seed)}}});
  };
  return def;
}

}  // namespace nexusmap::stages

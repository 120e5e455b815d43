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
#include "pipeline/typed_stage.hpp"
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

struct CorridorsOptions {
  VectorSource sources;
  double source_inset = 0;
  std::optional<VectorSource> destinations;
  std::string destination_name_field;
  std::vector<std::string> destination_names;
  bool north_edge = false;
  double snap_radius = 0;
  std::optional<VectorSource> provinces;
  std::string province_name_field;
  Neighbourhood neighbours = kDefaultNeighbourhood;
  std::optional<double> max_hours;
  CorridorThreshold corridor_mode = CorridorThreshold::percent;
  double corridor_threshold = 10;
  int alternatives = 3;
  double alternative_penalty = 3;
  double alternative_buffer = 2000;
  int frequency_draws = 50;
  std::int64_t frequency_seed = 1;
  double frequency_sigma = 0.3;
  double frequency_correlation = 20000;
  double crossing_sigma = 0.5;
};

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

std::vector<Destination> read_destinations(StageContext& ctx, const CorridorsOptions& o, const Grid& grid) {
  std::vector<Destination> out;
  if (o.destinations) {
    const std::string& field = o.destination_name_field;
    const FeatureTable t = read_layer(ctx, *o.destinations, "destinations", grid, {field});
    const int fi = t.field_index(field);
    const std::vector<std::string>& wanted = o.destination_names;
    std::vector<std::string> found;
    const double radius = o.snap_radius;
    std::vector<const OGRGeometry*> polygons;
    std::vector<std::size_t> polygon_dest;
    for (const auto& f : t.features) {
      const std::string name = attr_string(t, f, fi);
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
      if (std::find(found.begin(), found.end(), name) != found.end()) {
        ctx.log().warn("destination '{}' appears more than once in {}; the first is used", name,
                       o.destinations->describe());
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
        input_error(fmt::format("destination '{}' is not in {} (field '{}')", w, o.destinations->describe(), field));
  }
  if (o.north_edge) {
    Destination d;
    d.name = "northern edge";
    for (std::int64_t c = 0; c < grid.width; ++c) d.candidates.push_back(grid.index(c, 0));
    out.push_back(std::move(d));
  }
  return out;
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

// What the phases share: the grid, the cost model and its edge cost, the provinces and crossing
// names for describing routes, and the phase timings for the manifest.
struct Corridors {
  StageContext& ctx;
  const CorridorsOptions& o;
  Grid grid;
  CostModel model;
  TravelTime edge;
  std::vector<Seed> seeds;
  std::vector<std::string> crossing_names;
  Raster<std::int32_t> province;
  std::vector<std::string> province_names;
  json timings = json::object();
  std::chrono::steady_clock::time_point t_phase = std::chrono::steady_clock::now();

  Corridors(StageContext& c, const CorridorsOptions& opts, const Grid& g, CostModel m)
      : ctx(c), o(opts), grid(g), model(std::move(m)), edge(grid, model.layers(), model.params) {}

  // Phases and their times go to the debug log (nexusmap -v) and the manifest.
  void phase(const char* name, double fraction) {
    const auto now = std::chrono::steady_clock::now();
    timings[name] = std::chrono::duration<double>(now - t_phase).count();
    t_phase = now;
    ctx.progress(fraction, name);
  }

  [[nodiscard]] CostDistanceOptions search_options() const {
    CostDistanceOptions cd;
    cd.neighbourhood = o.neighbours;
    if (o.max_hours) cd.max_cost = *o.max_hours;
    return cd;
  }

  // The passable cells of the source features (polygons shrunk by source_inset first).
  void read_sources() {
    FeatureTable sources = read_layer(ctx, o.sources, "sources", grid);
    if (o.source_inset > 0) {
      for (auto& f : sources.features) {
        if (f.geometry->getDimension() != 2) continue;
        OGRGeometryUniquePtr shrunk(f.geometry->Buffer(-o.source_inset));
        if (shrunk && !shrunk->IsEmpty()) f.geometry = std::move(shrunk);
      }
    }
    const auto source_geoms = sources.geometries();
    const Raster<std::int32_t> source_ids = rasterize_ids(grid, source_geoms);
    for (CellIndex i = 0; i < source_ids.size(); ++i)
      if (source_ids.valid(i) && model.friction.valid(i)) seeds.push_back({i, 0.0});
    if (seeds.empty())
      input_error(fmt::format("the sources ({}) cover no passable cell of the grid; check the filter and the grid bounds",
                              o.sources.describe()));
    ctx.record("source_cells", seeds.size());
  }

  // Each destination's cell and hours: a town at its own cell or the nearest reached one (not the
  // cheapest: that could be on the near bank of the river the town lies beyond); unreachable ones
  // are dropped with a warning.
  std::vector<Destination> reach_destinations(const CostDistanceResult& acc) {
    std::vector<Destination> dests = read_destinations(ctx, o, grid);
    json unreachable = json::array();
    for (auto& d : dests) {
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
    return dests;
  }

  // Crossing names (from the barriers stage) and provinces, for the route facts.
  void read_route_context() {
    if (ctx.has_input("crossings")) {
      const FeatureTable c = ctx.vector_input("crossings");
      const int ni = c.field_index("name");
      for (const auto& f : c.features) crossing_names.push_back(attr_string(c, f, ni));
    }
    if (o.provinces) {
      const std::string& field = o.province_name_field;
      const FeatureTable p = read_layer(ctx, *o.provinces, "provinces", grid, {field});
      const int fi = p.field_index(field);
      for (const auto& f : p.features) province_names.push_back(attr_string(p, f, fi));
      const auto geoms = p.geometries();
      province = rasterize_ids(grid, geoms);
    }
  }

  // The least-cost path of every destination, as lines with their facts.
  FeatureTable trace_paths(const CostDistanceResult& acc, const std::vector<Destination>& dests,
                           std::vector<std::vector<CellIndex>>& routes) {
    FeatureTable paths;
    paths.name = "least_cost_paths";
    paths.crs_wkt = grid.crs_wkt;
    paths.fields = {{"destination", FieldType::string}, {"hours", FieldType::real},   {"km", FieldType::real},
                    {"max_elevation_m", FieldType::real}, {"border_crossings", FieldType::integer},
                    {"crossing", FieldType::string},      {"provinces", FieldType::string}, {"cells", FieldType::integer}};
    json path_summary = json::array();
    for (const auto& d : dests) {
      const auto cells = trace_back(acc.backlinks, d.cell);
      routes.push_back(cells);
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
    return paths;
  }

  // Least-cost corridor per destination, A(x) + B(x) - A(dest) within the threshold, B on the
  // reversed moves: the union as a mask and each destination's corridor as polygons.
  Raster<std::uint8_t> corridor(const CostDistanceResult& acc, const std::vector<Destination>& dests,
                                FeatureTable& polygons) {
    CorridorOptions co;
    co.mode = o.corridor_mode;
    co.value = o.corridor_threshold;
    std::vector<Raster<std::uint8_t>> masks(dests.size());
    const Reversed<TravelTime> reversed(grid, edge);
    const CostDistanceOptions cd = search_options();
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
    return corridor;
  }

  // The next-best routes per destination (penalty method).
  FeatureTable alternatives(const std::vector<Destination>& dests, const std::vector<std::vector<CellIndex>>& routes) {
    AlternativeRoutesOptions ao;
    ao.routes = o.alternatives;
    ao.penalty = o.alternative_penalty;
    ao.buffer_cells = static_cast<std::int64_t>(std::llround(o.alternative_buffer / grid.dx()));
    ao.neighbourhood = o.neighbours;
    std::vector<std::vector<Route>> alt(dests.size());
    parallel_jobs(static_cast<std::int64_t>(dests.size()), [&](std::int64_t di) {
      alt[static_cast<std::size_t>(di)] = alternative_routes(grid, seeds, dests[static_cast<std::size_t>(di)].cell, edge,
                                                             ao, routes[static_cast<std::size_t>(di)]);
    });
    FeatureTable table;
    table.name = "alternative_routes";
    table.crs_wkt = grid.crs_wkt;
    table.fields = {{"destination", FieldType::string}, {"rank", FieldType::integer}, {"hours", FieldType::real},
                    {"km", FieldType::real}, {"crossing", FieldType::string}, {"provinces", FieldType::string}};
    for (std::size_t di = 0; di < dests.size(); ++di)
      for (const auto& r : alt[di]) {
        const RouteFacts f = describe_route(grid, r.cells, model, crossing_names, province, province_names);
        Feature feat;
        feat.fid = static_cast<std::int64_t>(table.features.size()) + 1;
        feat.geometry = route_line(grid, r.cells);
        feat.attributes = {dests[di].name, std::int64_t{r.rank}, r.cost, f.km, f.crossings, f.provinces};
        table.features.push_back(std::move(feat));
      }
    return table;
  }

  // Share of Monte Carlo draws (cost noise) whose routes use each cell.
  Raster<float> frequency(const std::vector<Destination>& dests, const std::vector<std::vector<CellIndex>>& routes,
                          RouteFrequencyOptions& fo) {
    fo.draws = o.frequency_draws;
    fo.seed = static_cast<std::uint64_t>(o.frequency_seed);
    fo.sigma = o.frequency_sigma;
    fo.correlation_cells = o.frequency_correlation / grid.dx();
    fo.crossing_sigma = o.crossing_sigma;
    fo.neighbourhood = o.neighbours;
    std::vector<CellIndex> dest_cells;
    for (const auto& d : dests) dest_cells.push_back(d.cell);
    const TravelTimeLayers base_layers = model.layers();
    Raster<float> freq = route_frequency(
        grid, seeds, dest_cells, model.crossing,
        [&](const float* noise, const float* crossing_noise) {
          TravelTimeLayers l = base_layers;
          l.noise = noise;
          l.crossing_noise = crossing_noise;
          return TravelTime(grid, l, model.params);
        },
        fo, routes);
    for (CellIndex i = 0; i < freq.size(); ++i)
      if (!model.friction.valid(i) && freq[i] == 0.0F) freq.set_nodata(i);
    return freq;
  }
};

Presentation vector_presentation(std::string title, std::string layer, VectorLook look, GeometryKind geometry, int order) {
  Presentation p;
  p.title = std::move(title);
  p.gpkg_layer = layer;
  p.gpkg_role = std::move(layer);
  p.look = look;
  p.geometry = geometry;
  p.group = kGroupCorridors;
  p.visible = true;
  p.order = order;
  return p;
}

}  // namespace

StageDef corridors() {
  StageSpec<CorridorsOptions> spec{
      "corridors",
      "Least-cost trafficking corridors: accumulated hours from the sources, paths to each destination, the "
      "least-cost corridor, k alternative routes and Monte Carlo route frequency."};
  using O = CorridorsOptions;
  auto& opt = spec.options;
  opt.vector("sources", &O::sources, "Where routes start: polygons (e.g. provinces by attribute) or points.");
  opt.number("source_inset", &O::source_inset, 0.0,
           "Shrink source polygons by this distance first, so a boundary drawn slightly across a border river does "
           "not start routes on the far bank.")
      .min(0).unit("m");
  opt.vector("destinations", &O::destinations, "Destination points (towns) or polygons.");
  opt.text("destination_name_field", &O::destination_name_field, "name", "Attribute naming each destination.");
  opt.strings("destination_names", &O::destination_names, {}, "Only these destinations (all features when empty).");
  opt.flag("north_edge", &O::north_edge, false, "Also route to the northern edge of the grid.");
  opt.number("snap_radius", &O::snap_radius, 3000.0,
           "A destination point on an impassable or unreached cell is reached at the nearest reached cell within "
           "this distance.")
      .min(0).unit("m");
  opt.vector("provinces", &O::provinces, "Province polygons, to list the provinces each path traverses.");
  opt.text("province_name_field", &O::province_name_field, "name", "Attribute naming each province.");
  declare_neighbours(opt, &O::neighbours);
  opt.number("max_hours", &O::max_hours, std::nullopt, "Stop accumulating beyond this many hours.").min(0).unit("h");
  opt.choice("corridor_mode", &O::corridor_mode,
           Choices<CorridorThreshold>{{"percent", CorridorThreshold::percent}, {"hours", CorridorThreshold::absolute}},
           CorridorThreshold::percent, "Corridor threshold as a percentage of the least cost, or in hours.");
  opt.number("corridor_threshold", &O::corridor_threshold, 10.0, "Corridor slack over the least-cost route.").min(0);
  opt.integer("alternatives", &O::alternatives, 3, "Routes per destination, the least-cost one included.").min(1).max(20);
  opt.number("alternative_penalty", &O::alternative_penalty, 3.0, "Time multiplier on and near earlier routes.").min(1.01);
  opt.number("alternative_buffer", &O::alternative_buffer, 2000.0, "Distance around earlier routes that is penalised too.")
      .min(0).unit("m");
  opt.integer("frequency_draws", &O::frequency_draws, 50, "Monte Carlo draws for route frequency.").min(1).max(10000);
  opt.integer("frequency_seed", &O::frequency_seed, 1, "Seed of the draws (same seed, same result).");
  opt.number("frequency_sigma", &O::frequency_sigma, 0.3, "Standard deviation of log move-time multipliers.").min(0).max(3);
  opt.number("frequency_correlation", &O::frequency_correlation, 20000.0, "Correlation length of the cost noise.")
      .min(0).unit("m");
  opt.number("crossing_sigma", &O::crossing_sigma, 0.5, "Standard deviation of log crossing-time multipliers.")
      .min(0).max(3);
  spec.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"model", ArtifactKind::raster, "cost.model", false, "The travel-time model."},
      {"crossings", ArtifactKind::vector, "barriers.crossings", true, "Crossing points, for their names."},
  };
  Presentation accumulated_view = raster_presentation("Accumulated cost (travel time)", "hours", RasterStyle::sequential,
                                                 kGroupCorridors);
  accumulated_view.description = "Accumulated travel time from the sources";
  accumulated_view.order = 190;
  accumulated_view.map = MapDecl{"map_corridors", "Trafficking corridors", 2, 1, true, ""};
  Presentation corridor_view = raster_presentation("Least-cost corridor", "", RasterStyle::binary, kGroupCorridors);
  corridor_view.order = 110;
  Presentation frequency_view = raster_presentation("Route frequency", "share of Monte Carlo draws", RasterStyle::uniform,
                                               kGroupCorridors);
  frequency_view.order = 140;
  frequency_view.map = MapDecl{"map_corridors", "Trafficking corridors", 2, 0, true,
                          "Map: route frequency (else accumulated cost) with corridor polygons, least-cost and "
                          "alternative routes and crossings."};
  spec.outputs = {
      {"accumulated_cost", ArtifactKind::raster, "accumulated_cost", "Hours from the sources.", false, {}, accumulated_view},
      {"backlinks", ArtifactKind::raster, "", "Move index towards the predecessor (docs/cost-distance.md).", false, {},
       raster_presentation("Back-link move index", "", RasterStyle::none, kGroupCorridors)},
      {"paths", ArtifactKind::vector, "", "Least-cost path per destination.", false, {},
       vector_presentation("Least-cost paths", "least_cost_paths", VectorLook::paths, GeometryKind::line, 20)},
      {"alternatives", ArtifactKind::vector, "", "Alternative routes per destination, with rank and hours.", false, {},
       vector_presentation("Alternative routes", "alternative_routes", VectorLook::alternative_routes,
                           GeometryKind::line, 30)},
      {"corridor", ArtifactKind::raster, "corridor", "1 inside the least-cost corridor of any destination.", false, {},
       corridor_view},
      {"corridor_polygons", ArtifactKind::vector, "", "The corridor of each destination as polygons.", false, {},
       vector_presentation("Corridor polygons", "corridor_polygons", VectorLook::corridor_polygons,
                           GeometryKind::polygon, 40)},
      {"route_frequency", ArtifactKind::raster, "route_frequency", "Share of Monte Carlo draws whose path uses the cell.",
       false, {}, frequency_view},
  };
  spec.outputs[5].presentation->gpkg_role = "corridor";
  spec.check = [](CorridorsOptions& c) {
    if (!c.destinations && !c.north_edge) config_error("give `destinations`, or set north_edge = true");
  };
  spec.run = [](StageContext& ctx, const CorridorsOptions& o) {
    const Grid grid = ctx.grid();
    CostModel model = read_cost_model(ctx.input("model").path());
    if (!model.grid().same_georeferencing(grid)) fail(ErrorKind::stage, "the cost model is not on the analysis grid");
    Corridors c(ctx, o, grid, std::move(model));
    c.read_sources();
    c.phase("read", 0.05);

    const CostDistanceResult acc = cost_distance(grid, c.seeds, c.edge, c.search_options());
    const std::vector<Destination> dests = c.reach_destinations(acc);
    c.phase("accumulated cost", 0.2);

    c.read_route_context();
    std::vector<std::vector<CellIndex>> routes;
    const FeatureTable paths = c.trace_paths(acc, dests, routes);
    c.phase("paths", 0.3);

    FeatureTable polygons;
    const Raster<std::uint8_t> corridor = c.corridor(acc, dests, polygons);
    c.phase("corridors", 0.45);

    const FeatureTable alternatives = c.alternatives(dests, routes);
    c.phase("alternative routes", 0.6);

    RouteFrequencyOptions fo;
    const Raster<float> frequency = c.frequency(dests, routes, fo);
    c.phase("route frequency", 0.9);

    ctx.record("seconds", c.timings);
    ctx.log().debug("phases: {}", c.timings.dump());
    Raster<float> hours(grid);
    for (CellIndex i = 0; i < hours.size(); ++i)
      if (!std::isnan(acc.accumulated[i])) hours[i] = static_cast<float>(acc.accumulated[i]);
    Raster<std::uint8_t> back = acc.backlinks;
    for (CellIndex i = 0; i < back.size(); ++i)
      if (back[i] == kNoBacklink) back.set_nodata(i);
    ctx.write_raster("accumulated_cost", hours);
    ctx.write_raster("backlinks", back, {Resampling::nearest, {}});
    ctx.write_vector("paths", paths);
    ctx.write_vector("alternatives", alternatives);
    ctx.write_raster("corridor", corridor,
                     {Resampling::nearest,
                      {{"NEXUSMAP_CORRIDOR_MODE", o.corridor_mode == CorridorThreshold::percent ? "percent" : "hours"},
                       {"NEXUSMAP_CORRIDOR_THRESHOLD", fmt::format("{}", o.corridor_threshold)}}});
    ctx.write_vector("corridor_polygons", polygons);
    ctx.write_raster("route_frequency", frequency,
                     {Resampling::average,
                      {{"NEXUSMAP_DRAWS", std::to_string(fo.draws)}, {"NEXUSMAP_SEED", std::to_string(fo.seed)}}});
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

// SPDX-License-Identifier: MIT
// corridors: the trafficking flow model. Trade starts at weighted origins (points, or a weight raster
// aggregated to points) inside the origin regions and goes to weighted markets (towns, polygons, the
// northern edge of the grid) along least-cost routes; a gravity model shares it among the markets
// (rasters/cost/flow_density.hpp), under Monte Carlo cost noise. Also the accumulated hours from the
// origins, each market's main route and its alternatives, the least-cost corridor and route frequency.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <ogr_api.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/cost_model.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/core/parallel.hpp"
#include "rasters/cost/alternative_routes.hpp"
#include "rasters/cost/cost_distance.hpp"
#include "rasters/cost/flow_density.hpp"
#include "rasters/cost/least_cost_corridor.hpp"
#include "rasters/cost/travel_time.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "vectors/polygonize.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

struct CorridorsOptions {
  std::optional<VectorSource> origins;
  std::string origin_name_field;
  std::string origin_weight_field;
  std::optional<std::filesystem::path> origin_raster;
  double origin_spacing = 10000;
  std::optional<VectorSource> origin_regions;
  std::string origin_region_field;
  std::optional<VectorSource> destinations;
  std::string destination_name_field;
  std::vector<std::string> destination_names;
  std::string destination_weight_field;
  bool north_edge = false;
  double north_edge_share = 0.5;
  double snap_radius = 0;
  Deterrence deterrence = Deterrence::exponential;
  double deterrence_scale = 48;
  Balancing balancing = Balancing::origins;
  std::optional<VectorSource> provinces;
  std::string province_name_field;
  Neighbourhood neighbours = kDefaultNeighbourhood;
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

// A distance in metres as the grid can resolve it: never less than `cells` cell sizes, so a radius
// keeps working on a coarse grid (a 3 km snap radius on a 4 km grid would reach no neighbour).
double at_least_cells(double metres, const Grid& g, double cells) { return std::max(metres, cells * g.dx()); }

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

// The first passable cell of `candidates` (nearest first), or -1.
CellIndex first_passable(const std::vector<CellIndex>& candidates, const Raster<float>& friction) {
  for (CellIndex c : candidates)
    if (friction.valid(c)) return c;
  return -1;
}

struct Origin {
  std::string name, region;
  FlowOrigin flow;
};

struct Market {
  std::string name;
  FlowMarket flow;
};

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
  std::vector<Origin> origins;
  std::vector<Market> markets;
  std::vector<std::string> crossing_names;
  Raster<std::int32_t> province;
  std::vector<std::string> province_names;
  FlowOptions flow_options;
  json timings = json::object();
  std::chrono::steady_clock::time_point t_phase = std::chrono::steady_clock::now();

  Corridors(StageContext& c, const CorridorsOptions& opts, const Grid& g, CostModel m)
      : ctx(c), o(opts), grid(g), model(std::move(m)), edge(grid, model.layers(), model.params) {
    flow_options.deterrence = o.deterrence;
    flow_options.scale = o.deterrence_scale;
    flow_options.balancing = o.balancing;
    flow_options.neighbourhood = o.neighbours;
  }

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
    return cd;
  }

  [[nodiscard]] double snap_radius() const { return at_least_cells(o.snap_radius, grid, 1.5); }

  // The origin regions (empty when none are given).
  FeatureTable read_regions() {
    if (!o.origin_regions) return {};
    FeatureTable t = read_layer(ctx, *o.origin_regions, "origin_regions", grid, {o.origin_region_field});
    if (t.features.empty()) input_error(fmt::format("the origin regions ({}) select no polygon", o.origin_regions->describe()));
    return t;
  }

  // The region containing (x, y): its name, "" when no regions are given, nullopt when outside all.
  [[nodiscard]] std::optional<std::string> region_of(const FeatureTable& regions, double x, double y) const {
    if (!o.origin_regions) return std::string{};
    const OGRPoint p(x, y);
    const int fi = regions.field_index(o.origin_region_field);
    for (const auto& f : regions.features)
      if (f.geometry->Contains(&p)) return attr_string(regions, f, fi);
    return std::nullopt;
  }

  // An origin at (x, y) with its weight, inside the regions: at its cell, or the nearest passable cell
  // within the snap radius. Origins outside the regions are not origins; one inside them that is
  // outside the grid, on no passable cell or without a weight is named in a warning.
  void add_origin(const std::string& name, double x, double y, double weight, const FeatureTable& regions,
                  json& dropped, std::int64_t& outside_regions) {
    const auto region = region_of(regions, x, y);
    if (!region) {
      ++outside_regions;
      return;
    }
    const auto drop = [&](const std::string& why) {
      dropped.push_back({{"origin", name}, {"reason", why}});
      ctx.log().warn("origin '{}' {}; it is left out", name, why);
    };
    if (!(weight > 0)) return drop("has no positive weight");
    if (!grid.cell_at(x, y)) return drop("lies outside the grid");
    const CellIndex cell = first_passable(cells_near(grid, x, y, snap_radius()), model.friction);
    if (cell < 0) return drop(fmt::format("has no passable cell within {:.0f} m", snap_radius()));
    origins.push_back({name, *region, {cell, weight}});
  }

  void read_origin_points(const FeatureTable& regions, json& dropped, std::int64_t& outside) {
    std::vector<std::string> required;
    if (!o.origin_name_field.empty()) required.push_back(o.origin_name_field);
    if (!o.origin_weight_field.empty()) required.push_back(o.origin_weight_field);
    const FeatureTable t = read_layer(ctx, *o.origins, "origins", grid, required);
    const int ni = o.origin_name_field.empty() ? -1 : t.field_index(o.origin_name_field);
    const int wi = o.origin_weight_field.empty() ? -1 : t.field_index(o.origin_weight_field);
    for (const auto& f : t.features) {
      std::string name = attr_string(t, f, ni);
      if (name.empty()) name = fmt::format("feature {}", f.fid);
      double weight = 1.0;
      if (wi >= 0) weight = attr_number(t.attr(f, wi)).value_or(0.0);
      // Points as they are; lines and polygons (e.g. districts) at a point on their surface.
      OGRPoint p;
      f.geometry->Centroid(&p);
      if (f.geometry->getDimension() > 0) {
        const OGRGeometryUniquePtr on(OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(f.geometry.get()))));
        if (on && wkbFlatten(on->getGeometryType()) == wkbPoint) p = *on->toPoint();
      }
      add_origin(name, p.getX(), p.getY(), weight, regions, dropped, outside);
    }
  }

  // A weight raster (e.g. a cultivation map) summed over blocks of origin_spacing: one origin per
  // block, at the block's heaviest passable cell, so the number of routes stays small.
  void read_origin_raster(const FeatureTable& regions, json& dropped, std::int64_t& outside) {
    WarpOptions w;
    w.resampling = Resampling::average;
    w.threads = ctx.threads();
    const std::vector<std::filesystem::path> files = {*o.origin_raster};
    const Raster<float> weights = warp_to_grid(files, grid, w);
    const auto block = std::max<std::int64_t>(1, std::llround(o.origin_spacing / grid.dx()));
    for (std::int64_t r0 = 0; r0 < grid.height; r0 += block)
      for (std::int64_t c0 = 0; c0 < grid.width; c0 += block) {
        double total = 0, best = -1;
        CellIndex at = -1;
        for (std::int64_t r = r0; r < std::min(grid.height, r0 + block); ++r)
          for (std::int64_t c = c0; c < std::min(grid.width, c0 + block); ++c) {
            const CellIndex i = grid.index(c, r);
            if (!weights.valid(i) || !(weights[i] > 0)) continue;
            total += weights[i];
            if (model.friction.valid(i) && weights[i] > best) {
              best = weights[i];
              at = i;
            }
          }
        if (total <= 0) continue;
        const Cell c = grid.cell(at >= 0 ? at : grid.index(c0, r0));
        add_origin(fmt::format("block {},{}", c0 / block, r0 / block), grid.x_center(c.col), grid.y_center(c.row),
                   total, regions, dropped, outside);
      }
  }

  void read_origins() {
    const FeatureTable regions = read_regions();
    json dropped = json::array();
    std::int64_t outside = 0;
    if (o.origins) read_origin_points(regions, dropped, outside);
    if (o.origin_raster) read_origin_raster(regions, dropped, outside);
    ctx.record("origins", origins.size());
    ctx.record("origins_outside_regions", outside);
    ctx.record("origins_left_out", dropped);
    ctx.log().info("{} origin(s) in the origin regions ({} features outside them)", origins.size(), outside);
    if (origins.empty()) {
      const std::string what = o.origins ? o.origins->describe() : o.origin_raster->string();
      input_error(fmt::format("no usable origin: the origins ({}) cover no passable cell of the grid{}{}; check the "
                              "layer, the origin regions and the grid bounds",
                              what, dropped.empty() ? "" : ": ", dropped.empty() ? "" : dropped.dump()));
    }
  }

  // Markets: the destinations with their weights, then the northern edge with its share of demand.
  void read_markets() {
    double town_weight = 0;
    if (o.destinations) {
      std::vector<std::string> required = {o.destination_name_field};
      if (!o.destination_weight_field.empty()) required.push_back(o.destination_weight_field);
      const FeatureTable t = read_layer(ctx, *o.destinations, "destinations", grid, required);
      const int fi = t.field_index(o.destination_name_field);
      const int wi = o.destination_weight_field.empty() ? -1 : t.field_index(o.destination_weight_field);
      std::vector<std::string> found;
      std::vector<const OGRGeometry*> polygons;
      std::vector<std::size_t> polygon_market;
      for (const auto& f : t.features) {
        const std::string name = attr_string(t, f, fi);
        if (!o.destination_names.empty() &&
            std::find(o.destination_names.begin(), o.destination_names.end(), name) == o.destination_names.end())
          continue;
        if (std::find(found.begin(), found.end(), name) != found.end()) {
          ctx.log().warn("destination '{}' appears more than once in {}; the first is used", name,
                         o.destinations->describe());
          continue;
        }
        found.push_back(name);
        Market m{name, {}};
        m.flow.weight = wi >= 0 ? attr_number(t.attr(f, wi)).value_or(0.0) : 1.0;
        if (!(m.flow.weight > 0)) {
          ctx.log().warn("destination '{}' has no positive weight in '{}'; it is left out", name,
                         o.destination_weight_field);
          continue;
        }
        if (f.geometry->getDimension() == 0) {
          const OGRPoint* p = f.geometry->toPoint();
          // A town is reached at its own cell, or the nearest passable one (not the cheapest: that
          // could be on the near bank of the river the town lies beyond).
          if (const CellIndex c = first_passable(cells_near(grid, p->getX(), p->getY(), snap_radius()), model.friction);
              c >= 0)
            m.flow.cells = {c};
        } else {
          polygons.push_back(f.geometry.get());
          polygon_market.push_back(markets.size());
        }
        town_weight += m.flow.weight;
        markets.push_back(std::move(m));
      }
      if (!polygons.empty()) {
        const Raster<std::int32_t> ids = rasterize_ids(grid, polygons);
        for (CellIndex i = 0; i < ids.size(); ++i)
          if (ids.valid(i) && model.friction.valid(i))
            markets[polygon_market[static_cast<std::size_t>(ids[i])]].flow.cells.push_back(i);
      }
      for (const auto& w : o.destination_names)
        if (std::find(found.begin(), found.end(), w) == found.end())
          input_error(fmt::format("destination '{}' is not in {} (field '{}')", w, o.destinations->describe(),
                                  o.destination_name_field));
    }
    if (o.north_edge) {
      Market m{"northern edge", {}};
      for (std::int64_t c = 0; c < grid.width; ++c)
        if (model.friction.valid(grid.index(c, 0))) m.flow.cells.push_back(grid.index(c, 0));
      // Its weight makes it north_edge_share of all demand (all of it when there are no towns).
      m.flow.weight = town_weight > 0 ? town_weight * o.north_edge_share / (1.0 - o.north_edge_share) : 1.0;
      markets.push_back(std::move(m));
    }
    json unreachable = json::array();
    std::erase_if(markets, [&](const Market& m) {
      if (!m.flow.cells.empty()) return false;
      unreachable.push_back(m.name);
      ctx.log().warn("destination '{}' has no passable cell in the grid (outside it, or on impassable cells); it "
                     "gets no route", m.name);
      return true;
    });
    ctx.record("unreachable_destinations", unreachable);
    if (markets.empty()) input_error("no destination is in the grid on a passable cell; check `destinations`");
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

  [[nodiscard]] std::vector<FlowOrigin> flow_origins() const {
    std::vector<FlowOrigin> v;
    for (const auto& x : origins) v.push_back(x.flow);
    return v;
  }
  [[nodiscard]] std::vector<FlowMarket> flow_markets() const {
    std::vector<FlowMarket> v;
    for (const auto& x : markets) v.push_back(x.flow);
    return v;
  }

  [[nodiscard]] RouteFacts facts(const std::vector<CellIndex>& origin_first) const {
    const std::vector<CellIndex> traced(origin_first.rbegin(), origin_first.rend());
    return describe_route(grid, traced, model, crossing_names, province, province_names);
  }

  // Each market's main route: from the origin that sends it the most (the cheapest on a tie).
  [[nodiscard]] std::vector<std::size_t> main_origins(const FlowSolution& base) const {
    const std::size_t nd = markets.size();
    std::vector<std::size_t> main(nd, SIZE_MAX);
    for (std::size_t d = 0; d < nd; ++d)
      for (std::size_t k = 0; k < origins.size(); ++k) {
        const OdFlow& f = base.od[k * nd + d];
        if (std::isnan(f.cost)) continue;
        if (main[d] == SIZE_MAX) {
          main[d] = k;
          continue;
        }
        const OdFlow& m = base.od[main[d] * nd + d];
        if (f.share > m.share || (f.share == m.share && f.cost < m.cost)) main[d] = k;
      }
    return main;
  }

  FeatureTable main_paths(const FlowSolution& base, const std::vector<std::size_t>& main) {
    const std::size_t nd = markets.size();
    FeatureTable paths;
    paths.name = "least_cost_paths";
    paths.crs_wkt = grid.crs_wkt;
    paths.fields = {{"origin", FieldType::string},       {"destination", FieldType::string},
                    {"hours", FieldType::real},          {"km", FieldType::real},
                    {"max_elevation_m", FieldType::real}, {"border_crossings", FieldType::integer},
                    {"crossing", FieldType::string},     {"provinces", FieldType::string},
                    {"share", FieldType::real},          {"cells", FieldType::integer}};
    json summary = json::array();
    for (std::size_t d = 0; d < nd; ++d) {
      if (main[d] == SIZE_MAX) continue;
      const OdFlow& f = base.od[main[d] * nd + d];
      const auto& route = base.routes[main[d] * nd + d];
      const RouteFacts rf = facts(route);
      const std::string& origin = origins[main[d]].name;
      Feature feat;
      feat.fid = static_cast<std::int64_t>(paths.features.size()) + 1;
      const std::vector<CellIndex> traced(route.rbegin(), route.rend());
      feat.geometry = route_line(grid, traced);
      feat.attributes = {origin, markets[d].name, f.cost, rf.km, rf.max_elevation, rf.border_crossings, rf.crossings,
                         rf.provinces, f.share, static_cast<std::int64_t>(route.size())};
      paths.features.push_back(std::move(feat));
      summary.push_back({{"origin", origin}, {"destination", markets[d].name}, {"hours", f.cost}, {"km", rf.km},
                         {"crossing", rf.crossings}, {"border_crossings", rf.border_crossings},
                         {"max_elevation_m", rf.max_elevation}, {"provinces", rf.provinces}, {"share", f.share}});
      ctx.log().info("{} <- {}: {:.1f} h, {:.0f} km, via {}", markets[d].name, origin, f.cost, rf.km,
                     rf.crossings.empty() ? "no crossing" : rf.crossings);
    }
    ctx.record("paths", summary);
    return paths;
  }

  // Every origin-destination route with its facts and share of the flow (noise-free and mean over
  // the draws), as lines and as a table sorted by share.
  FeatureTable od_routes(const FlowSolution& base, const FlowDrawsResult& draws, std::string& csv) {
    const std::size_t nd = markets.size();
    FeatureTable t;
    t.name = "flow_routes";
    t.crs_wkt = grid.crs_wkt;
    t.fields = {{"origin", FieldType::string},     {"region", FieldType::string},   {"destination", FieldType::string},
                {"hours", FieldType::real},        {"km", FieldType::real},         {"crossing", FieldType::string},
                {"provinces", FieldType::string},  {"share", FieldType::real},      {"share_mc", FieldType::real},
                {"hours_mc", FieldType::real}};
    struct Row {
      std::size_t i;
      RouteFacts facts;
    };
    std::vector<Row> rows;
    for (std::size_t i = 0; i < base.od.size(); ++i)
      if (!base.routes[i].empty()) rows.push_back({i, facts(base.routes[i])});
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      return draws.mean_share[a.i] > draws.mean_share[b.i];
    });
    std::ostringstream out;
    out << "origin,region,destination,hours,km,crossing,provinces,share,share_mc,hours_mc\n";
    const auto field = [](const std::string& s) {
      if (s.find_first_of(",\"\n") == std::string::npos) return s;
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    };
    json top = json::array();
    for (const Row& r : rows) {
      const std::size_t k = r.i / nd, d = r.i % nd;
      const OdFlow& f = base.od[r.i];
      Feature feat;
      feat.fid = static_cast<std::int64_t>(t.features.size()) + 1;
      const std::vector<CellIndex> traced(base.routes[r.i].rbegin(), base.routes[r.i].rend());
      feat.geometry = route_line(grid, traced);
      feat.attributes = {origins[k].name,  origins[k].region, markets[d].name,       f.cost,
                         r.facts.km,       r.facts.crossings, r.facts.provinces,     f.share,
                         draws.mean_share[r.i], draws.mean_cost[r.i]};
      t.features.push_back(std::move(feat));
      out << field(origins[k].name) << ',' << field(origins[k].region) << ',' << field(markets[d].name) << ','
          << fmt::format("{:.2f},{:.1f},", f.cost, r.facts.km) << field(r.facts.crossings) << ','
          << field(r.facts.provinces) << ',' << fmt::format("{:.6f},{:.6f},{:.2f}", f.share, draws.mean_share[r.i],
                                                            draws.mean_cost[r.i])
          << '\n';
      if (top.size() < 15)
        top.push_back({{"origin", origins[k].name}, {"destination", markets[d].name}, {"hours", f.cost},
                       {"crossing", r.facts.crossings}, {"share_mc", draws.mean_share[r.i]}});
    }
    ctx.record("top_flows", top);
    csv = out.str();
    return t;
  }

  // Share of the flow to each market and through each crossing (mean over the draws).
  void record_shares(const FeatureTable& routes) {
    std::map<std::string, double> by_market, by_crossing;
    const int di = routes.field_index("destination"), ci = routes.field_index("crossing"),
              si = routes.field_index("share_mc");
    for (const auto& f : routes.features) {
      const double s = attr_number(routes.attr(f, si)).value_or(0.0);
      by_market[attr_string(routes, f, di)] += s;
      std::string x = attr_string(routes, f, ci);
      by_crossing[x.empty() ? "no crossing" : x.substr(0, x.find(';'))] += s;
    }
    json m = json::object(), c = json::object();
    for (const auto& [k, v] : by_market) m[k] = v;
    for (const auto& [k, v] : by_crossing) c[k] = v;
    ctx.record("share_by_destination", m);
    ctx.record("share_by_first_crossing", c);
  }

  // Least-cost corridor per market's main route, A(x) + B(x) - A(dest) within the threshold: A from
  // all origins, B on the reversed moves from the market. The union as a mask and each market's
  // corridor as polygons.
  Raster<std::uint8_t> corridor(const CostDistanceResult& acc, FeatureTable& polygons) {
    CorridorOptions co;
    co.mode = o.corridor_mode;
    co.value = o.corridor_threshold;
    std::vector<Raster<std::uint8_t>> masks(markets.size());
    const Reversed<TravelTime> reversed(grid, edge);
    const CostDistanceOptions cd = search_options();
    parallel_jobs(static_cast<std::int64_t>(markets.size()), [&](std::int64_t di) {
      const auto& m = markets[static_cast<std::size_t>(di)].flow;
      double least = std::numeric_limits<double>::infinity();
      std::vector<Seed> seeds;
      for (CellIndex c : m.cells) {
        seeds.push_back({c, 0.0});
        if (!std::isnan(acc.accumulated[c])) least = std::min(least, acc.accumulated[c]);
      }
      Raster<std::uint8_t> mask(grid, 0);
      if (std::isfinite(least)) {
        CostDistanceOptions rev = cd;
        rev.backlinks = false;
        // A cell is in the corridor only if B(x) <= A(dest) + slack: nothing costlier needs settling.
        const double slack = co.mode == CorridorThreshold::percent ? least * co.value / 100.0 : co.value;
        rev.max_cost = (least + slack) * (1 + 1e-9);
        const CostDistanceResult b = cost_distance(grid, seeds, reversed, rev);
        mark_least_cost_corridor(acc.accumulated, b.accumulated, least, co, mask);
      }
      masks[static_cast<std::size_t>(di)] = std::move(mask);
    });
    Raster<std::uint8_t> union_mask(grid, 0);
    polygons.name = "corridor_polygons";
    polygons.crs_wkt = grid.crs_wkt;
    polygons.fields = {{"destination", FieldType::string}, {"area_km2", FieldType::real}};
    for (std::size_t di = 0; di < markets.size(); ++di) {
      Raster<std::int32_t> cls(grid);
      for (CellIndex i = 0; i < union_mask.size(); ++i)
        if (masks[di][i]) {
          union_mask[i] = 1;
          cls.set_valid(i, 1);
        }
      for (auto& f : polygonize(cls, "inside", true).features) {
        Feature out;
        out.fid = static_cast<std::int64_t>(polygons.features.size()) + 1;
        const double area = f.geometry->toPolygon()->get_Area() / 1e6;
        out.geometry = std::move(f.geometry);
        out.attributes = {markets[di].name, area};
        polygons.features.push_back(std::move(out));
      }
    }
    for (CellIndex i = 0; i < union_mask.size(); ++i)
      if (!model.friction.valid(i) && !union_mask[i]) union_mask.set_nodata(i);
    ctx.record("corridor_cells", std::count(union_mask.values().begin(), union_mask.values().end(), std::uint8_t{1}));
    return union_mask;
  }

  // The next-best routes of each market's main route (penalty method).
  FeatureTable alternatives(const FlowSolution& base, const std::vector<std::size_t>& main) {
    const std::size_t nd = markets.size();
    AlternativeRoutesOptions ao;
    ao.routes = o.alternatives;
    ao.penalty = o.alternative_penalty;
    ao.buffer_cells = static_cast<std::int64_t>(std::llround(o.alternative_buffer / grid.dx()));
    ao.neighbourhood = o.neighbours;
    std::vector<std::vector<Route>> alt(nd);
    parallel_jobs(static_cast<std::int64_t>(nd), [&](std::int64_t di) {
      const auto d = static_cast<std::size_t>(di);
      if (main[d] == SIZE_MAX) return;
      const auto& route = base.routes[main[d] * nd + d];
      const Seed seed[] = {{route.front(), 0.0}};
      const std::vector<CellIndex> traced(route.rbegin(), route.rend());
      alt[d] = alternative_routes(grid, seed, route.back(), edge, ao, traced);
    });
    FeatureTable table;
    table.name = "alternative_routes";
    table.crs_wkt = grid.crs_wkt;
    table.fields = {{"origin", FieldType::string}, {"destination", FieldType::string}, {"rank", FieldType::integer},
                    {"hours", FieldType::real},    {"km", FieldType::real},            {"crossing", FieldType::string},
                    {"provinces", FieldType::string}};
    for (std::size_t d = 0; d < nd; ++d)
      for (const auto& r : alt[d]) {
        const RouteFacts f = describe_route(grid, r.cells, model, crossing_names, province, province_names);
        Feature feat;
        feat.fid = static_cast<std::int64_t>(table.features.size()) + 1;
        feat.geometry = route_line(grid, r.cells);
        feat.attributes = {origins[main[d]].name, markets[d].name, std::int64_t{r.rank}, r.cost, f.km, f.crossings,
                           f.provinces};
        table.features.push_back(std::move(feat));
      }
    return table;
  }

  FlowDrawsResult draws(const FlowSolution& base, FlowDrawOptions& fo) {
    fo.draws = o.frequency_draws;
    fo.seed = static_cast<std::uint64_t>(o.frequency_seed);
    fo.sigma = o.frequency_sigma;
    fo.correlation_cells = o.frequency_correlation / grid.dx();
    fo.crossing_sigma = o.crossing_sigma;
    const TravelTimeLayers base_layers = model.layers();
    const auto fo_origins = flow_origins();
    const auto fo_markets = flow_markets();
    return flow_draws(
        grid, fo_origins, fo_markets, model.crossing,
        [&](const float* noise, const float* crossing_noise) {
          TravelTimeLayers l = base_layers;
          l.noise = noise;
          l.crossing_noise = crossing_noise;
          return TravelTime(grid, l, model.params);
        },
        flow_options, fo, base);
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
      "Trafficking flows: routes from weighted origins to weighted markets, shared by a gravity model under Monte "
      "Carlo cost noise (flow density), accumulated hours, each market's main route and its alternatives, the "
      "least-cost corridor and route frequency."};
  using O = CorridorsOptions;
  auto& opt = spec.options;
  opt.vector("origins", &O::origins,
             "Where the trade starts: points (towns, labs, seizures) or polygons (districts, at a point on their "
             "surface), each with an optional weight.");
  opt.text("origin_name_field", &O::origin_name_field, "name", "Attribute naming each origin.");
  opt.text("origin_weight_field", &O::origin_weight_field, "",
           "Attribute with each origin's supply (e.g. opium hectares); \"\" = 1 each.");
  opt.path("origin_raster", &O::origin_raster,
           "A supply raster instead of (or besides) points, e.g. a cultivation map; summed over blocks of "
           "origin_spacing, one origin per block.");
  opt.number("origin_spacing", &O::origin_spacing, 10000.0, "Block size for origin_raster.").min(0).unit("m");
  opt.vector("origin_regions", &O::origin_regions,
             "Only origins inside these polygons (e.g. the source provinces); each route records its region.");
  opt.text("origin_region_field", &O::origin_region_field, "name", "Attribute naming each origin region.");
  opt.vector("destinations", &O::destinations, "Markets: points (towns) or polygons.");
  opt.text("destination_name_field", &O::destination_name_field, "name", "Attribute naming each destination.");
  opt.strings("destination_names", &O::destination_names, {}, "Only these destinations (all features when empty).");
  opt.text("destination_weight_field", &O::destination_weight_field, "",
           "Attribute with each market's demand (e.g. population); \"\" = 1 each.");
  opt.flag("north_edge", &O::north_edge, false, "Also a market at the northern edge of the grid (onward transit).");
  opt.number("north_edge_share", &O::north_edge_share, 0.5,
             "The northern edge's share of all demand when there are other destinations (onward transit to "
             "Russia and Kazakhstan against the towns' own demand).")
      .min(0.01).max(0.99);
  opt.number("snap_radius", &O::snap_radius, 3000.0,
             "An origin or destination point on an impassable cell is moved to the nearest passable cell within "
             "this distance (never less than 1.5 cells).")
      .min(0).unit("m");
  opt.choice("deterrence", &O::deterrence,
             Choices<Deterrence>{{"exponential", Deterrence::exponential}, {"power", Deterrence::power},
                                 {"none", Deterrence::none}},
             Deterrence::exponential, "How a market's pull falls with travel time: exp(-h/scale), h^-scale, or not.");
  opt.number("deterrence_scale", &O::deterrence_scale, 48.0,
             "exponential: the hours at which the pull has fallen to 1/e; power: the exponent.")
      .min(0.01);
  opt.choice("balancing", &O::balancing, Choices<Balancing>{{"origins", Balancing::origins}, {"none", Balancing::none}},
             Balancing::origins,
             "origins: each origin's supply is shared among the markets (production-constrained); none: w_o w_d g.");
  opt.vector("provinces", &O::provinces, "Province polygons, to list the provinces each route traverses.");
  opt.text("province_name_field", &O::province_name_field, "name", "Attribute naming each province.");
  declare_neighbours(opt, &O::neighbours);
  opt.choice("corridor_mode", &O::corridor_mode,
             Choices<CorridorThreshold>{{"percent", CorridorThreshold::percent}, {"hours", CorridorThreshold::absolute}},
             CorridorThreshold::percent, "Corridor threshold as a percentage of the least cost, or in hours.");
  opt.number("corridor_threshold", &O::corridor_threshold, 10.0, "Corridor slack over the least-cost route.").min(0);
  opt.integer("alternatives", &O::alternatives, 3, "Routes per destination, the main one included.").min(1).max(20);
  opt.number("alternative_penalty", &O::alternative_penalty, 3.0, "Time multiplier on and near earlier routes.")
      .min(1.01);
  opt.number("alternative_buffer", &O::alternative_buffer, 2000.0, "Distance around earlier routes that is penalised too.")
      .min(0).unit("m");
  opt.integer("frequency_draws", &O::frequency_draws, 50, "Monte Carlo draws of the cost noise.").min(1).max(10000);
  opt.integer("frequency_seed", &O::frequency_seed, 1, "Seed of the draws (same seed, same result).");
  opt.number("frequency_sigma", &O::frequency_sigma, 0.3, "Standard deviation of log move-time multipliers.")
      .min(0).max(3);
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
  accumulated_view.description = "Accumulated travel time from the nearest origin";
  accumulated_view.order = 190;
  accumulated_view.map = MapDecl{"map_corridors", "Trafficking flows", 2, 2, true, ""};
  Presentation corridor_view = raster_presentation("Least-cost corridor", "", RasterStyle::binary, kGroupCorridors);
  corridor_view.order = 110;
  Presentation frequency_view = raster_presentation("Route frequency", "share of Monte Carlo draws",
                                                    RasterStyle::uniform, kGroupCorridors);
  frequency_view.order = 140;
  frequency_view.map = MapDecl{"map_corridors", "Trafficking flows", 2, 1, true, ""};
  Presentation flow_view = raster_presentation("Trafficking flow density", "share of the modelled trade",
                                               RasterStyle::logarithmic, kGroupCorridors);
  flow_view.visible = true;
  flow_view.order = 135;
  flow_view.map = MapDecl{"map_corridors", "Trafficking flows", 2, 0, true,
                          "Map: flow density (else route frequency, else accumulated cost) with corridor polygons, "
                          "main and alternative routes and crossings."};
  Presentation flows_view = vector_presentation("Flow routes (every origin and market)", "flow_routes",
                                                VectorLook::flow_routes, GeometryKind::line, 25);
  flows_view.visible = false;
  spec.outputs = {
      {"accumulated_cost", ArtifactKind::raster, "accumulated_cost", "Hours from the nearest origin.", false, {},
       accumulated_view},
      {"backlinks", ArtifactKind::raster, "", "Move index towards the predecessor (docs/cost-distance.md).", false, {},
       raster_presentation("Back-link move index", "", RasterStyle::none, kGroupCorridors)},
      {"paths", ArtifactKind::vector, "", "Each market's main route (from the origin sending it the most).", false, {},
       vector_presentation("Main routes", "least_cost_paths", VectorLook::paths, GeometryKind::line, 20)},
      {"flow_routes", ArtifactKind::vector, "", "Every origin-market route with its facts and share of the flow.", false,
       {}, flows_view},
      {"flow_table", ArtifactKind::table, "flow_routes_table", "Every origin-market route, by share of the flow (CSV).",
       false, "flow_routes"},
      {"alternatives", ArtifactKind::vector, "", "Alternative routes per market, with rank and hours.", false, {},
       vector_presentation("Alternative routes", "alternative_routes", VectorLook::alternative_routes,
                           GeometryKind::line, 30)},
      {"corridor", ArtifactKind::raster, "corridor", "1 inside the least-cost corridor of any market.", false, {},
       corridor_view},
      {"corridor_polygons", ArtifactKind::vector, "", "The corridor of each market as polygons.", false, {},
       vector_presentation("Corridor polygons", "corridor_polygons", VectorLook::corridor_polygons,
                           GeometryKind::polygon, 40)},
      {"flow_density", ArtifactKind::raster, "flow_density",
       "Share of the modelled trade passing through the cell (mean over the draws).", false, {}, flow_view},
      {"route_frequency", ArtifactKind::raster, "route_frequency",
       "Share of Monte Carlo draws in which a route carrying flow uses the cell.", false, {}, frequency_view},
  };
  for (auto& out : spec.outputs)
    if (out.name == "corridor_polygons") out.presentation->gpkg_role = "corridor";
  spec.check = [](CorridorsOptions& c) {
    if (!c.origins && !c.origin_raster) config_error("give `origins` (points or polygons) or an `origin_raster`");
    if (!c.destinations && !c.north_edge) config_error("give `destinations`, or set north_edge = true");
  };
  spec.run = [](StageContext& ctx, const CorridorsOptions& o) {
    const Grid grid = ctx.grid();
    CostModel model = read_cost_model(ctx.input("model").path());
    if (!model.grid().same_georeferencing(grid)) fail(ErrorKind::stage, "the cost model is not on the analysis grid");
    Corridors c(ctx, o, grid, std::move(model));
    c.read_origins();
    c.read_markets();
    c.read_route_context();
    c.phase("read", 0.05);

    std::vector<Seed> seeds;
    for (const auto& x : c.origins) seeds.push_back({x.flow.cell, 0.0});
    std::sort(seeds.begin(), seeds.end(), [](const Seed& a, const Seed& b) { return a.cell < b.cell; });
    seeds.erase(std::unique(seeds.begin(), seeds.end(), [](const Seed& a, const Seed& b) { return a.cell == b.cell; }),
                seeds.end());
    const CostDistanceResult acc = cost_distance(grid, seeds, c.edge, c.search_options());
    c.phase("accumulated cost", 0.1);

    const auto fo_origins = c.flow_origins();
    const auto fo_markets = c.flow_markets();
    const FlowSolution base = solve_flows(grid, fo_origins, fo_markets, c.edge, c.flow_options);
    if (!(base.total > 0))
      input_error("no origin reaches any destination (every route is cut off by impassable cells): the flow is zero "
                  "everywhere; check the crossings, the season and the origin and destination layers");
    for (std::size_t d = 0; d < c.markets.size(); ++d) {
      bool reached = false;
      for (std::size_t k = 0; k < c.origins.size(); ++k) reached = reached || !base.routes[k * c.markets.size() + d].empty();
      if (!reached) ctx.log().warn("destination '{}' cannot be reached from any origin; it gets no route", c.markets[d].name);
    }
    for (std::size_t k = 0; k < c.origins.size(); ++k) {
      bool reaches = false;
      for (std::size_t d = 0; d < c.markets.size(); ++d) reaches = reaches || !base.routes[k * c.markets.size() + d].empty();
      if (!reaches) ctx.log().warn("origin '{}' reaches no destination; it carries no flow", c.origins[k].name);
    }
    const std::vector<std::size_t> main = c.main_origins(base);
    const FeatureTable paths = c.main_paths(base, main);
    c.phase("flows", 0.25);

    FeatureTable polygons;
    const Raster<std::uint8_t> corridor = c.corridor(acc, polygons);
    c.phase("corridors", 0.4);

    const FeatureTable alternatives = c.alternatives(base, main);
    c.phase("alternative routes", 0.5);

    FlowDrawOptions fo;
    const FlowDrawsResult mc = c.draws(base, fo);
    c.phase("flow draws", 0.9);
    std::string table_csv;
    const FeatureTable flow_routes = c.od_routes(base, mc, table_csv);
    c.record_shares(flow_routes);

    ctx.record("seconds", c.timings);
    ctx.log().debug("phases: {}", c.timings.dump());
    Raster<float> hours(grid);
    for (CellIndex i = 0; i < hours.size(); ++i)
      if (!std::isnan(acc.accumulated[i])) hours[i] = static_cast<float>(acc.accumulated[i]);
    Raster<std::uint8_t> back = acc.backlinks;
    for (CellIndex i = 0; i < back.size(); ++i)
      if (back[i] == kNoBacklink) back.set_nodata(i);
    Raster<float> flow = mc.density, frequency = mc.frequency;
    for (CellIndex i = 0; i < flow.size(); ++i)
      if (!c.model.friction.valid(i) && flow[i] == 0.0F) {
        flow.set_nodata(i);
        frequency.set_nodata(i);
      }
    const std::map<std::string, std::string> draws_meta = {{"NEXUSMAP_DRAWS", std::to_string(fo.draws)},
                                                           {"NEXUSMAP_SEED", std::to_string(fo.seed)}};
    ctx.write_raster("accumulated_cost", hours);
    ctx.write_raster("backlinks", back, {Resampling::nearest, {}});
    ctx.write_vector("paths", paths);
    ctx.write_vector("flow_routes", flow_routes);
    ctx.write_text("flow_table", table_csv);
    ctx.write_vector("alternatives", alternatives);
    ctx.write_raster("corridor", corridor,
                     {Resampling::nearest,
                      {{"NEXUSMAP_CORRIDOR_MODE", o.corridor_mode == CorridorThreshold::percent ? "percent" : "hours"},
                       {"NEXUSMAP_CORRIDOR_THRESHOLD", fmt::format("{}", o.corridor_threshold)}}});
    ctx.write_vector("corridor_polygons", polygons);
    ctx.write_raster("flow_density", flow, {Resampling::average, draws_meta});
    ctx.write_raster("route_frequency", frequency, {Resampling::average, draws_meta});
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

// SPDX-License-Identifier: MIT
// barriers: rivers (impassable except near open crossings), crossing points with their cost and
// closures, and national borders with a per-country enforcement penalty.
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "rasters/cost/travel_time.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

struct Closure {
  std::string crossing, from, to;
};

struct BarriersOptions {
  std::optional<VectorSource> rivers, crossings;
  std::string crossing_name_field;
  double crossing_hours = 0;
  std::string crossing_hours_field;
  double crossing_snap = 0;
  double crossing_radius = 0;
  std::vector<Closure> closures;
  std::string date;
  std::optional<VectorSource> borders, countries;
  std::string country_field;
  double border_hours = 0;
  std::map<std::string, double> enforcement;
  double default_enforcement = 1;
};

struct Crossing {
  std::string name;
  double x = 0, y = 0;
  double hours = 0;
  bool open = true;
  std::int64_t zone_cells = 0;
  bool inside = false;
};

}  // namespace

StageDef barriers() {
  StageSpec<BarriersOptions> spec{
      "barriers",
      "Rivers as barriers passable only near open crossing points; crossings with cost and closures; borders with "
      "an enforcement penalty."};
  auto& opt = spec.options;
  opt.vector("rivers", &BarriersOptions::rivers, "River lines; filter classes with `where` (e.g. \"level <= 2\").");
  opt.vector("crossings", &BarriersOptions::crossings, "Crossing points (bridges, fords, border posts).");
  opt.text("crossing_name_field", &BarriersOptions::crossing_name_field, "crossing", "Attribute naming each crossing.");
  opt.number("crossing_hours", &BarriersOptions::crossing_hours, 1.0,
           "Time to pass a crossing (checks, waiting, the bridge itself).")
      .min(0).unit("h");
  opt.text("crossing_hours_field", &BarriersOptions::crossing_hours_field, "",
         "Attribute with a per-crossing time in hours (overrides crossing_hours where set).");
  opt.number("crossing_snap", &BarriersOptions::crossing_snap, 0.0,
           "Move each crossing point to the nearest river or border cell within this distance first (for points "
           "placed at a nearby town rather than on the bridge); 0 = as given.")
      .min(0).unit("m");
  opt.number("crossing_radius", &BarriersOptions::crossing_radius, 3000.0,
           "River and border cells within this distance of an open crossing point are passable (never less than "
           "1.5 cell diagonals, so that a zone spans the rasterised river on any grid).")
      .min(0).unit("m");
  OptionSet<Closure> closure;
  closure.text("crossing", &Closure::crossing, std::nullopt, "Crossing name (as in crossing_name_field).");
  closure.date("from", &Closure::from, std::nullopt, "First closed day.");
  closure.date("to", &Closure::to, std::nullopt, "Last closed day.");
  opt.records("closures", &BarriersOptions::closures, closure,
            "Date ranges in which a crossing is closed (impassable for runs dated inside the range).");
  opt.date("date", &BarriersOptions::date, "today", "Date of the run, for closures (ignored when there are none).");
  opt.vector("borders", &BarriersOptions::borders, "National border lines; leaving the border band costs border_hours.");
  opt.vector("countries", &BarriersOptions::countries, "Country polygons, to scale the border penalty by the country entered.");
  opt.text("country_field", &BarriersOptions::country_field, "country_a3", "Attribute of `countries` with the country code.");
  opt.number("border_hours", &BarriersOptions::border_hours, 4.0,
           "Penalty for crossing a national border away from an open crossing.")
      .min(0).unit("h");
  opt.number_map("enforcement", &BarriersOptions::enforcement,
               "Border enforcement factor of the country entered, by country code, e.g. { TJK = 1.5, AFG = 0.5 }.")
      .min(0);
  opt.number("default_enforcement", &BarriersOptions::default_enforcement, 1.0, "Enforcement factor of countries not listed.")
      .min(0);
  spec.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  Presentation crossings_view = raster_presentation("Border crossings", "", RasterStyle::none, kGroupInputs);
  crossings_view.gpkg_layer = "crossings";
  crossings_view.gpkg_role = "inputs";
  crossings_view.geometry = GeometryKind::point;
  crossings_view.look = VectorLook::crossings;
  crossings_view.visible = true;
  crossings_view.order = 10;
  spec.outputs = {
      {"barrier", ArtifactKind::raster, "", "Cell flags: 1 river, 2 border band, 4 open crossing zone, 8 closed crossing zone.",
       false, {}, raster_presentation("Barrier flags", "", RasterStyle::none, kGroupInputs)},
      {"crossing", ArtifactKind::raster, "", "Index of the crossing whose zone the cell lies in.", false, {},
       raster_presentation("Crossing index", "", RasterStyle::none, kGroupInputs)},
      {"border_penalty", ArtifactKind::raster, "", "Hours charged when a move leaves the border band into this cell.",
       false, {}, raster_presentation("Border penalty", "h", RasterStyle::none, kGroupInputs)},
      {"crossings", ArtifactKind::vector, "", "Crossing points with name, hours, open flag and zone size.", false, {},
       crossings_view},
  };
  spec.check = [](BarriersOptions& b) {
    if (b.closures.empty()) b.date = "n/a";  // keeps the cache key stable from day to day
    for (const auto& c : b.closures)
      if (c.from > c.to) config_error(fmt::format("closure of '{}': from {} is after to {}", c.crossing, c.from, c.to));
    if (!b.enforcement.empty() && !b.countries)
      config_error("`enforcement` needs `countries` (polygons telling which country each cell is in)");
    if (!b.rivers && !b.borders && !b.crossings) config_error("give at least one of `rivers`, `borders` or `crossings`");
  };
  spec.run = [](StageContext& ctx, const BarriersOptions& o) {
    const Grid grid = ctx.grid();
    const CellIndex n = grid.cells();
    Raster<std::uint8_t> flags(grid, 0);
    RasterizeOptions touched;
    touched.all_touched = true;  // a line must leave no gap a diagonal move could slip through

    if (o.rivers) {
      const FeatureTable rivers = read_layer(ctx, *o.rivers, "rivers", grid, {}, true);
      const auto geoms = rivers.geometries();
      const Raster<float> burnt = rasterize(grid, geoms, {}, touched);
      for (CellIndex i = 0; i < n; ++i)
        if (burnt.valid(i)) flags[i] |= travel_flags::river;
    }
    if (o.borders) {
      const FeatureTable borders = read_layer(ctx, *o.borders, "borders", grid, {}, true);
      const auto geoms = borders.geometries();
      const Raster<float> burnt = rasterize(grid, geoms, {}, touched);
      for (CellIndex i = 0; i < n; ++i)
        if (burnt.valid(i)) flags[i] |= travel_flags::border_band;
    }
    ctx.progress(0.3, "crossings");

    // Crossings: every river/border cell within the radius goes to its nearest crossing point.
    std::vector<Crossing> crossings;
    FeatureTable crossing_table;
    Raster<std::int32_t> crossing_index(grid);
    if (o.crossings) {
      const std::string& name_field = o.crossing_name_field;
      const std::string& hours_field = o.crossing_hours_field;
      std::vector<std::string> required = {name_field};
      if (!hours_field.empty()) required.push_back(hours_field);
      crossing_table = read_layer(ctx, *o.crossings, "crossings", grid, required, true);
      const int name_i = crossing_table.field_index(name_field);
      const int hours_i = hours_field.empty() ? -1 : crossing_table.field_index(hours_field);
      const auto day = parse_day(o.date);
      std::set<std::string> names;
      for (const auto& f : crossing_table.features) {
        Crossing c;
        c.name = attr_string(crossing_table, f, name_i);
        OGRPoint centre;
        f.geometry->Centroid(&centre);
        c.x = centre.getX();
        c.y = centre.getY();
        c.hours = o.crossing_hours;
        if (hours_i >= 0)
          if (auto h = attr_number(crossing_table.attr(f, hours_i)); h && *h >= 0) c.hours = *h;
        names.insert(c.name);
        crossings.push_back(c);
      }
      for (const Closure& cl : o.closures) {
        const std::string& name = cl.crossing;
        if (!names.count(name)) {
          std::string all;
          for (const auto& nm : names) all += (all.empty() ? "'" : ", '") + nm + "'";
          input_error(fmt::format("closure names crossing '{}', which is not in {}; crossings are {}", name,
                                  o.crossings->describe(), all));
        }
        const auto from = parse_day(cl.from), to = parse_day(cl.to);
        for (auto& c : crossings)
          if (c.name == name && day && *day >= *from && *day <= *to) c.open = false;
      }
      if (const double snap = o.crossing_snap; snap > 0) {
        const auto reach_snap = static_cast<std::int64_t>(std::ceil(snap / grid.dx())) + 1;
        std::int64_t snapped = 0;
        for (Crossing& c : crossings) {
          auto [px, py] = grid.pixel_of(c.x, c.y);
          const auto col0 = static_cast<std::int64_t>(std::floor(px));
          const auto row0 = static_cast<std::int64_t>(std::floor(py));
          double best_d = snap;
          std::optional<Cell> best_cell;
          for (std::int64_t r = row0 - reach_snap; r <= row0 + reach_snap; ++r)
            for (std::int64_t col = col0 - reach_snap; col <= col0 + reach_snap; ++col) {
              if (!grid.inside(col, r) || !(flags.at(col, r) & (travel_flags::river | travel_flags::border_band))) continue;
              const double d = std::hypot(grid.x_center(col) - c.x, grid.y_center(r) - c.y);
              if (d < best_d) {
                best_d = d;
                best_cell = Cell{col, r};
              }
            }
          if (best_cell) {
            c.x = grid.x_center(best_cell->col);
            c.y = grid.y_center(best_cell->row);
            ++snapped;
          }
        }
        ctx.record("crossings_snapped", snapped);
      }
      // A zone must open the whole width of the barrier line, which is rasterised with every cell it
      // touches (two or three cells across): never less than 1.5 cell diagonals, so a crossing keeps
      // working on a coarse grid.
      const double radius = std::max(o.crossing_radius, 1.5 * std::hypot(grid.dx(), grid.dy()));
      ctx.record("crossing_radius_m", radius);
      const auto reach = static_cast<std::int64_t>(std::ceil(radius / grid.dx())) + 1;
      std::vector<double> best(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
      for (std::size_t ci = 0; ci < crossings.size(); ++ci) {
        Crossing& c = crossings[ci];
        auto [px, py] = grid.pixel_of(c.x, c.y);
        const auto col0 = static_cast<std::int64_t>(std::floor(px));
        const auto row0 = static_cast<std::int64_t>(std::floor(py));
        c.inside = grid.inside(col0, row0);
        for (std::int64_t r = row0 - reach; r <= row0 + reach; ++r)
          for (std::int64_t col = col0 - reach; col <= col0 + reach; ++col) {
            if (!grid.inside(col, r)) continue;
            const CellIndex i = grid.index(col, r);
            if (!(flags[i] & (travel_flags::river | travel_flags::border_band))) continue;
            const double d = std::hypot(grid.x_center(col) - c.x, grid.y_center(r) - c.y);
            if (d > radius) continue;
            // Nearest crossing wins; ties go to the earlier crossing, so the result is order-stable.
            if (d < best[static_cast<std::size_t>(i)]) {
              best[static_cast<std::size_t>(i)] = d;
              crossing_index.set_valid(i, static_cast<std::int32_t>(ci));
            }
          }
      }
      for (CellIndex i = 0; i < n; ++i) {
        if (!crossing_index.valid(i)) continue;
        Crossing& c = crossings[static_cast<std::size_t>(crossing_index[i])];
        flags[i] |= c.open ? travel_flags::open_crossing : travel_flags::closed_crossing;
        ++c.zone_cells;
      }
      int outside = 0, open = 0;
      for (const auto& c : crossings) {
        outside += c.inside ? 0 : 1;
        open += c.open ? 1 : 0;
        if (c.inside && c.zone_cells == 0)
          ctx.log().warn("crossing '{}' has no river or border cell within {} m; it changes nothing", c.name, radius);
      }
      if (outside > 0) ctx.log().info("{} crossing point(s) lie outside the grid", outside);
      ctx.record("crossings_total", crossings.size());
      ctx.record("crossings_open", open);
      ctx.record("crossings_outside_grid", outside);
    }
    ctx.progress(0.6, "borders");

    // Border penalty of each cell outside the band, by the country the move enters.
    Raster<float> penalty(grid);
    if (o.borders) {
      const double base = o.border_hours;
      const double default_factor = o.default_enforcement;
      std::vector<double> factor_of;
      Raster<std::int32_t> country(grid);
      if (o.countries) {
        const std::string& field = o.country_field;
        const FeatureTable countries = read_layer(ctx, *o.countries, "countries", grid, {field});
        const int fi = countries.field_index(field);
        const auto& enforcement = o.enforcement;
        std::set<std::string> codes;
        for (const auto& f : countries.features) {
          const std::string code = attr_string(countries, f, fi);
          codes.insert(code);
          factor_of.push_back(enforcement.count(code) ? enforcement.at(code) : default_factor);
        }
        for (const auto& [code, v] : enforcement)
          if (!codes.count(code))
            ctx.log().warn("enforcement lists '{}', which no feature of `countries` has in '{}'", code, field);
        const auto geoms = countries.geometries();
        country = rasterize_ids(grid, geoms);
      }
      for (CellIndex i = 0; i < n; ++i) {
        if (flags[i] & travel_flags::border_band) continue;
        double f = default_factor;
        if (!factor_of.empty()) {
          if (!country.valid(i)) continue;  // outside every country polygon: no penalty defined
          f = factor_of[static_cast<std::size_t>(country[i])];
        }
        penalty[i] = static_cast<float>(base * f);
      }
    }

    CellIndex rivers = 0, band = 0, zone = 0;
    for (CellIndex i = 0; i < n; ++i) {
      rivers += (flags[i] & travel_flags::river) ? 1 : 0;
      band += (flags[i] & travel_flags::border_band) ? 1 : 0;
      zone += (flags[i] & travel_flags::open_crossing) ? 1 : 0;
    }
    ctx.record("river_cells", rivers);
    ctx.record("border_band_cells", band);
    ctx.record("open_crossing_cells", zone);
    ctx.record("date", o.date);
    ctx.log().info("{} river cells, {} border cells, {} cells in open crossing zones", rivers, band, zone);

    FeatureTable out;
    out.name = "crossings";
    out.crs_wkt = grid.crs_wkt;
    out.fields = {{"name", FieldType::string}, {"hours", FieldType::real}, {"open", FieldType::integer},
                  {"zone_cells", FieldType::integer}, {"inside_grid", FieldType::integer}};
    for (std::size_t i = 0; i < crossings.size(); ++i) {
      const Crossing& c = crossings[i];
      Feature f;
      f.fid = static_cast<std::int64_t>(i) + 1;
      f.geometry.reset(new OGRPoint(c.x, c.y));
      f.attributes = {c.name, c.hours, std::int64_t{c.open ? 1 : 0}, c.zone_cells, std::int64_t{c.inside ? 1 : 0}};
      out.features.push_back(std::move(f));
    }
    ctx.write_raster("barrier", flags, {Resampling::nearest, {}});
    ctx.write_raster("crossing", crossing_index, {Resampling::nearest, {}});
    ctx.write_raster("border_penalty", penalty, {Resampling::nearest, {}});
    ctx.write_vector("crossings", out);
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

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
#include "rasters/core/error.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

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
  StageDef def;
  def.info.kind = "barriers";
  def.info.summary =
      "Rivers as barriers passable only near open crossing points; crossings with cost and closures; borders with "
      "an enforcement penalty.";
  def.info.options = {
      OptionSpec::vector("rivers", "River lines; filter classes with `where` (e.g. \"level <= 2\").").optional(),
      OptionSpec::vector("crossings", "Crossing points (bridges, fords, border posts).").optional(),
      OptionSpec::string("crossing_name_field", "crossing", "Attribute naming each crossing."),
      OptionSpec::number("crossing_hours", 1.0, "Time to pass a crossing (checks, waiting, the bridge itself).")
          .min(0).unit("h"),
      OptionSpec::string("crossing_hours_field", "", "Attribute with a per-crossing time in hours (overrides "
                         "crossing_hours where set)."),
      OptionSpec::number("crossing_snap", 0.0,
                         "Move each crossing point to the nearest river or border cell within this distance first "
                         "(for points placed at a nearby town rather than on the bridge); 0 = as given.")
          .min(0).unit("m"),
      OptionSpec::number("crossing_radius", 3000.0,
                         "River and border cells within this distance of an open crossing point are passable.")
          .min(0).unit("m"),
      OptionSpec::records("closures",
                          {OptionSpec::string("crossing", std::nullopt, "Crossing name (as in crossing_name_field)."),
                           OptionSpec::date("from", std::nullopt, "First closed day."),
                           OptionSpec::date("to", std::nullopt, "Last closed day.")},
                          "Date ranges in which a crossing is closed (impassable for runs dated inside the range)."),
      OptionSpec::date("date", "today", "Date of the run, for closures (ignored when there are none)."),
      OptionSpec::vector("borders", "National border lines; leaving the border band costs border_hours.").optional(),
      OptionSpec::vector("countries", "Country polygons, to scale the border penalty by the country entered.")
          .optional(),
      OptionSpec::string("country_field", "country_a3", "Attribute of `countries` with the country code."),
      OptionSpec::number("border_hours", 4.0, "Penalty for crossing a national border away from an open crossing.")
          .min(0).unit("h"),
      OptionSpec::number_map("enforcement", "Border enforcement factor of the country entered, by country code, "
                                            "e.g. { TJK = 1.5, AFG = 0.5 }.")
          .min(0),
      OptionSpec::number("default_enforcement", 1.0, "Enforcement factor of countries not listed.").min(0),
  };
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  def.info.outputs = {
      {"barrier", ArtifactKind::raster, "", "Cell flags: 1 river, 2 border band, 4 open crossing zone, 8 closed crossing zone."},
      {"crossing", ArtifactKind::raster, "", "Index of the crossing whose zone the cell lies in."},
      {"border_penalty", ArtifactKind::raster, "", "Hours charged when a move leaves the border band into this cell."},
      {"crossings", ArtifactKind::vector, "", "Crossing points with name, hours, open flag and zone size."},
  };
  def.check = [](json& o) {
    if (o["closures"].empty()) o["date"] = "n/a";  // keeps the cache key stable from day to day
    for (const auto& c : o["closures"])
      if (c["from"].get<std::string>() > c["to"].get<std::string>())
        config_error(fmt::format("closure of '{}': from {} is after to {}", c["crossing"].get<std::string>(),
                                 c["from"].get<std::string>(), c["to"].get<std::string>()));
    if (!o["enforcement"].empty() && o["countries"].is_null())
      config_error("`enforcement` needs `countries` (polygons telling which country each cell is in)");
    if (o["rivers"].is_null() && o["borders"].is_null() && o["crossings"].is_null())
      config_error("give at least one of `rivers`, `borders` or `crossings`");
  };
  def.run = [](StageContext& ctx) {
    const Grid grid = ctx.grid();
    const CellIndex n = grid.cells();
    Raster<std::uint8_t> flags(grid, 0);
    RasterizeOptions touched;
    touched.all_touched = true;  // a line must leave no gap a diagonal move could slip through

    if (ctx.has("rivers")) {
      const FeatureTable rivers = read_layer(ctx, "rivers", grid, {}, true);
      const auto geoms = rivers.geometries();
      const Raster<float> burnt = rasterize(grid, geoms, {}, touched);
      for (CellIndex i = 0; i < n; ++i)
        if (burnt.valid(i)) flags[i] |= travel_flags::river;
    }
    if (ctx.has("borders")) {
      const FeatureTable borders = read_layer(ctx, "borders", grid, {}, true);
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
    if (ctx.has("crossings")) {
      const std::string name_field = ctx.text("crossing_name_field");
      const std::string hours_field = ctx.text("crossing_hours_field");
      std::vector<std::string> required = {name_field};
      if (!hours_field.empty()) required.push_back(hours_field);
      crossing_table = read_layer(ctx, "crossings", grid, required, true);
      const int name_i = crossing_table.field_index(name_field);
      const int hours_i = hours_field.empty() ? -1 : crossing_table.field_index(hours_field);
      const auto day = parse_day(ctx.text("date"));
      std::set<std::string> names;
      for (const auto& f : crossing_table.features) {
        Crossing c;
        c.name = attr_string(crossing_table, f, name_i);
        OGRPoint centre;
        f.geometry->Centroid(&centre);
        c.x = centre.getX();
        c.y = centre.getY();
        c.hours = ctx.number("crossing_hours");
        if (hours_i >= 0)
          if (auto h = attr_number(crossing_table.attr(f, hours_i)); h && *h >= 0) c.hours = *h;
        names.insert(c.name);
        crossings.push_back(c);
      }
      for (const auto& cl : ctx.options().at("closures")) {
        const std::string name = cl["crossing"];
        if (!names.count(name)) {
          std::string all;
          for (const auto& nm : names) all += (all.empty() ? "'" : ", '") + nm + "'";
          input_error(fmt::format("closure names crossing '{}', which is not in {}; crossings are {}", name,
                                  ctx.vector("crossings").describe(), all));
        }
        const auto from = parse_day(cl["from"]), to = parse_day(cl["to"]);
        for (auto& c : crossings)
          if (c.name == name && day && *day >= *from && *day <= *to) c.open = false;
      }
      if (const double snap = ctx.number("crossing_snap"); snap > 0) {
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
      const double radius = ctx.number("crossing_radius");
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
    if (ctx.has("borders")) {
      const double base = ctx.number("border_hours");
      const double default_factor = ctx.number("default_enforcement");
      std::vector<double> factor_of;
      Raster<std::int32_t> country(grid);
      if (ctx.has("countries")) {
        const std::string field = ctx.text("country_field");
        const FeatureTable countries = read_layer(ctx, "countries", grid, {field});
        const int fi = countries.field_index(field);
        const auto& enforcement = ctx.options().at("enforcement");
        std::set<std::string> codes;
        for (const auto& f : countries.features) {
          const std::string code = attr_string(countries, f, fi);
          codes.insert(code);
          factor_of.push_back(enforcement.contains(code) ? enforcement[code].get<double>() : default_factor);
        }
        for (const auto& [code, v] : enforcement.items())
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
    ctx.record("date", ctx.text("date"));
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
    ctx.write_raster("barrier", flags, {"Barrier flags", "", RasterStyle::none, Resampling::nearest, {}});
    ctx.write_raster("crossing", crossing_index, {"Crossing index", "", RasterStyle::none, Resampling::nearest, {}});
    ctx.write_raster("border_penalty", penalty, {"Border penalty", "h", RasterStyle::none, Resampling::nearest, {}});
    ctx.write_vector("crossings", out);
  };
  return def;
}

}  // namespace nexusmap::stages

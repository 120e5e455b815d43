// SPDX-License-Identifier: MIT
// governance: a 0-1 governance-gap score per cell from country indicators (e.g. World Bank WGI)
// joined to polygons, subnational indicator layers (food insecurity, poverty) and remoteness from
// state centres (travel time through the cost model: the state's reach fades with distance).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/cost_model.hpp"
#include "pipeline/stages/stages.hpp"
#include "rasters/cost/cost_distance.hpp"
#include "rasters/core/error.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

// Indicator value -> weakness in [0,1], linear between low and high, oriented by direction.
double weakness(double v, double low, double high, bool higher_is_weaker) {
  double t = high == low ? 0.5 : (v - low) / (high - low);
  t = std::clamp(t, 0.0, 1.0);
  return higher_is_weaker ? t : 1.0 - t;
}

struct Bounds {
  double low, high;
};

// Explicit low/high from a record, else the range of the values seen.
Bounds bounds_of(const json& rec, const std::vector<double>& values) {
  Bounds b{rec["low"].is_null() ? NAN : rec["low"].get<double>(), rec["high"].is_null() ? NAN : rec["high"].get<double>()};
  if (std::isnan(b.low) || std::isnan(b.high)) {
    double lo = INFINITY, hi = -INFINITY;
    for (double v : values)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    if (std::isnan(b.low)) b.low = lo;
    if (std::isnan(b.high)) b.high = hi;
  }
  return b;
}

std::vector<OptionSpec> indicator_fields(bool subnational) {
  std::vector<OptionSpec> f;
  if (subnational) {
    f.push_back(OptionSpec::vector("layer", "Polygons carrying the indicator."));
    f.push_back(OptionSpec::string("field", std::nullopt, "Attribute with the indicator value."));
  } else {
    f.push_back(OptionSpec::string("column", std::nullopt, "Column of the country table, e.g. rl_est."));
  }
  f.push_back(OptionSpec::string("name", "", "Label in the report (default: the column or field)."));
  f.push_back(OptionSpec::choice("direction", {"higher_is_weaker", "higher_is_stronger"}, "higher_is_stronger",
                                 "Whether high values mean weak or strong governance."));
  f.push_back(OptionSpec::number("low", std::nullopt, "Value mapped to one end of [0,1] (default: the minimum seen).").optional());
  f.push_back(OptionSpec::number("high", std::nullopt, "Value mapped to the other end (default: the maximum seen).").optional());
  f.push_back(OptionSpec::number("weight", 1.0, "Weight in the combined score.").min(0));
  return f;
}

// Reads a CSV country table through GDAL's CSV driver: rows of (key, year, columns...).
struct CountryRow {
  std::int64_t year = 0;
  std::map<std::string, double> values;
};

std::map<std::string, std::vector<CountryRow>> read_country_table(StageContext& ctx, const std::vector<std::string>& columns) {
  VectorSource src;
  src.path = ctx.file("country_table");
  ReadOptions opts;
  opts.repair = false;
  opts.require_geometry = false;
  const std::string key = ctx.text("country_key");
  const std::string year_field = ctx.text("year_field");
  opts.required_fields = {key, year_field};
  for (const auto& c : columns) opts.required_fields.push_back(c);
  const FeatureTable t = read_features(src, opts);
  std::map<std::string, std::vector<CountryRow>> rows;
  const int ki = t.field_index(key), yi = t.field_index(year_field);
  for (const auto& f : t.features) {
    CountryRow r;
    r.year = static_cast<std::int64_t>(attr_number(t.attr(f, yi)).value_or(0));
    for (const auto& c : columns) r.values[c] = attr_number(t.attr(f, t.field_index(c))).value_or(NAN);
    rows[attr_string(t, f, ki)].push_back(r);
  }
  return rows;
}

}  // namespace

StageDef governance() {
  StageDef def;
  def.info.kind = "governance";
  def.info.summary = "Governance gap 0-1: country indicators (e.g. WGI) joined to polygons, subnational indicators "
                     "and remoteness (travel time) from state centres, combined with weights.";
  def.info.options = {
      OptionSpec::vector("units", "Polygons the country indicators are joined to (e.g. admin-1 provinces)."),
      OptionSpec::string("unit_country_field", "admin", "Attribute of `units` naming the country."),
      OptionSpec::string("unit_name_field", "name", "Attribute of `units` naming the unit."),
      OptionSpec::path("country_table", "Country-level indicator table (CSV), one row per country and year.").optional(),
      OptionSpec::string("country_key", "country", "Column of the table with the country name."),
      OptionSpec::string("year_field", "year", "Column of the table with the year."),
      OptionSpec::integer("year", std::nullopt, "Year to use (default: the latest year of each country; a missing "
                                                "year falls back to the latest earlier one).").optional(),
      OptionSpec::string_map("country_aliases", "Table country name -> units country name, e.g. "
                                                "{ \"Kyrgyz Republic\" = \"Kyrgyzstan\" }."),
      OptionSpec::records("country_indicators", indicator_fields(false), "Country indicators, e.g. WGI rl_est, ge_est, cc_est."),
      OptionSpec::records("subnational", indicator_fields(true), "Subnational indicator layers (food insecurity, poverty)."),
      OptionSpec::choice("missing", {"country", "skip"}, "country",
                         "Where a subnational layer has no value: use the cell's country score instead, or leave "
                         "the layer out of that cell's average. Both are reported."),
      OptionSpec::vector("centres", "State centres (capitals, provincial centres) as points.").optional(),
      OptionSpec::number("reach_hours", 24.0, "Travel time at which the state's reach has fallen to 1/e.").min(0.01).unit("h"),
      OptionSpec::number("remoteness_weight", 1.0, "Weight of remoteness in the combined score.").min(0),
  };
  def.info.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"model", ArtifactKind::raster, "cost.model", true, "The travel-time model (for remoteness)."},
  };
  def.info.outputs = {
      {"gap", ArtifactKind::raster, "governance_gap", "Governance gap, 0 (strong state) to 1 (weak).", false, "governance_gap"},
      {"remoteness", ArtifactKind::raster, "remoteness", "Hours from the nearest state centre."},
      {"units", ArtifactKind::vector, "", "Units with their joined country indicators and scores."},
  };
  def.check = [](json& o) {
    if (!o["country_indicators"].empty() && o["country_table"].is_null())
      config_error("country_indicators need a country_table");
    double total = o["remoteness_weight"].get<double>() * (o["centres"].is_null() ? 0 : 1);
    for (const auto& r : o["country_indicators"]) total += r["weight"].get<double>();
    for (const auto& r : o["subnational"]) total += r["weight"].get<double>();
    if (!(total > 0)) config_error("the weights of the governance components sum to 0; give at least one component a positive weight");
  };
  def.run = [](StageContext& ctx) {
    const Grid grid = ctx.grid();
    const CellIndex n = grid.cells();
    const std::string country_field = ctx.text("unit_country_field");
    const std::string name_field = ctx.text("unit_name_field");
    const FeatureTable units = read_layer(ctx, "units", grid, {country_field, name_field});
    const int ci = units.field_index(country_field), ni = units.field_index(name_field);
    const auto unit_geoms = units.geometries();
    const Raster<std::int32_t> unit_of = rasterize_ids(grid, unit_geoms);
    std::vector<std::int64_t> unit_cells(units.features.size(), 0);
    for (CellIndex i = 0; i < n; ++i)
      if (unit_of.valid(i)) ++unit_cells[static_cast<std::size_t>(unit_of[i])];

    // Country indicators -> weakness per unit.
    const auto& cind = ctx.options().at("country_indicators");
    std::vector<std::string> columns;
    for (const auto& r : cind) columns.push_back(r["column"]);
    std::vector<std::vector<double>> unit_values(units.features.size(), std::vector<double>(cind.size(), NAN));
    json join = json::object();
    if (!cind.empty()) {
      const auto table = read_country_table(ctx, columns);
      std::map<std::string, std::string> alias;  // units name -> table name
      for (const auto& [table_name, unit_name] : ctx.options().at("country_aliases").items()) alias[unit_name.get<std::string>()] = table_name;
      std::set<std::string> unmatched;
      for (std::size_t u = 0; u < units.features.size(); ++u) {
        if (unit_cells[u] == 0) continue;  // outside the grid: not part of the analysis
        const std::string country = attr_string(units, units.features[u], ci);
        const std::string key = alias.count(country) ? alias[country] : country;
        auto it = table.find(key);
        if (it == table.end()) {
          unmatched.insert(country);
          continue;
        }
        for (std::size_t k = 0; k < columns.size(); ++k) {
          // The chosen year, else the latest earlier year with a value; default the latest year with one.
          const CountryRow* best = nullptr;
          for (const auto& row : it->second) {
            if (std::isnan(row.values.at(columns[k]))) continue;
            if (ctx.has("year") && row.year > ctx.integer("year")) continue;
            if (!best || row.year > best->year) best = &row;
          }
          if (best) {
            unit_values[u][k] = best->values.at(columns[k]);
            join[key][columns[k]] = {{"year", best->year}, {"value", best->values.at(columns[k])}};
          }
        }
      }
      if (!unmatched.empty()) {
        std::string list, keys;
        for (const auto& u : unmatched) list += (list.empty() ? "'" : ", '") + u + "'";
        for (const auto& [k, v] : table) keys += (keys.empty() ? "'" : ", '") + k + "'";
        input_error(fmt::format("{}: no row for the countries {} of the units in the grid; the table has {}; map "
                                "names with country_aliases = {{ \"table name\" = \"units name\" }}",
                                ctx.file("country_table").string(), list, keys));
      }
    }
    ctx.record("country_join", join);
    std::vector<double> country_score(units.features.size(), NAN);
    std::vector<std::vector<double>> unit_weakness(units.features.size(), std::vector<double>(cind.size(), NAN));
    for (std::size_t k = 0; k < cind.size(); ++k) {
      std::vector<double> seen;
      for (std::size_t u = 0; u < units.features.size(); ++u)
        if (unit_cells[u] > 0) seen.push_back(unit_values[u][k]);
      const Bounds b = bounds_of(cind[k], seen);
      const bool weaker = cind[k]["direction"] == "higher_is_weaker";
      for (std::size_t u = 0; u < units.features.size(); ++u)
        if (!std::isnan(unit_values[u][k])) unit_weakness[u][k] = weakness(unit_values[u][k], b.low, b.high, weaker);
    }
    double cw_total = 0;
    for (const auto& r : cind) cw_total += r["weight"].get<double>();
    for (std::size_t u = 0; u < units.features.size(); ++u) {
      double s = 0, w = 0;
      for (std::size_t k = 0; k < cind.size(); ++k)
        if (!std::isnan(unit_weakness[u][k])) {
          s += cind[k]["weight"].get<double>() * unit_weakness[u][k];
          w += cind[k]["weight"].get<double>();
        }
      if (w > 0) country_score[u] = s / w;
    }
    ctx.progress(0.3, "subnational indicators");

    // Sum of weight * weakness and of weights per cell.
    std::vector<double> sum(static_cast<std::size_t>(n), 0.0), wsum(static_cast<std::size_t>(n), 0.0);
    for (CellIndex i = 0; i < n; ++i) {
      if (!unit_of.valid(i) || cw_total == 0) continue;
      const double cs = country_score[static_cast<std::size_t>(unit_of[i])];
      if (std::isnan(cs)) continue;
      sum[static_cast<std::size_t>(i)] += cw_total * cs;
      wsum[static_cast<std::size_t>(i)] += cw_total;
    }
    const bool fallback_country = ctx.text("missing") == "country";
    json sub_report = json::array();
    for (const auto& rec : ctx.options().at("subnational")) {
      VectorSource src;
      src.path = rec["layer"]["path"].get<std::string>();
      src.layer = rec["layer"]["layer"];
      src.where = rec["layer"]["where"];
      ReadOptions ro;
      ro.target_crs_wkt = grid.crs_wkt;
      ro.required_fields = {rec["field"].get<std::string>()};
      const FeatureTable layer = read_features(src, ro);
      const int fi = layer.field_index(rec["field"].get<std::string>());
      std::vector<double> values;
      std::vector<const OGRGeometry*> geoms;
      for (const auto& f : layer.features) {
        values.push_back(attr_number(layer.attr(f, fi)).value_or(NAN));
        geoms.push_back(f.geometry.get());
      }
      const Bounds b = bounds_of(rec, values);
      const bool weaker = rec["direction"] == "higher_is_weaker";
      const Raster<std::int32_t> poly = rasterize_ids(grid, geoms);
      const double w = rec["weight"];
      std::int64_t used = 0, fell_back = 0, skipped = 0;
      for (CellIndex i = 0; i < n; ++i) {
        if (!unit_of.valid(i)) continue;
        const double v = poly.valid(i) ? values[static_cast<std::size_t>(poly[i])] : NAN;
        double g = NAN;
        if (!std::isnan(v)) {
          g = weakness(v, b.low, b.high, weaker);
          ++used;
        } else if (fallback_country) {
          g = country_score[static_cast<std::size_t>(unit_of[i])];
          fell_back += std::isnan(g) ? 0 : 1;
        }
        if (std::isnan(g)) {
          ++skipped;
          continue;
        }
        sum[static_cast<std::size_t>(i)] += w * g;
        wsum[static_cast<std::size_t>(i)] += w;
      }
      const std::string name = rec["name"].get<std::string>().empty() ? rec["field"].get<std::string>() : rec["name"].get<std::string>();
      sub_report.push_back({{"name", name}, {"cells_with_value", used}, {"cells_country_fallback", fell_back},
                            {"cells_left_out", skipped}, {"low", b.low}, {"high", b.high}});
      ctx.log().info("{}: value in {} cells, country fallback in {}, left out in {}", name, used, fell_back, skipped);
    }
    ctx.record("subnational", sub_report);
    ctx.progress(0.5, "remoteness");

    // Remoteness: hours from the nearest state centre through the cost model.
    Raster<float> remoteness(grid);
    if (ctx.has("centres")) {
      if (!ctx.has_input("model")) config_error("`centres` needs the cost model (a cost stage, inputs.model)");
      const CostModel model = read_cost_model(ctx.input("model").path());
      const FeatureTable centres = read_layer(ctx, "centres", grid);
      std::vector<Seed> seeds;
      for (const auto& f : centres.features) {
        OGRPoint p;
        f.geometry->Centroid(&p);
        if (auto c = grid.cell_at(p.getX(), p.getY()); c && model.friction.valid(grid.index(c->col, c->row)))
          seeds.push_back({grid.index(c->col, c->row), 0.0});
      }
      if (seeds.empty())
        input_error(fmt::format("none of the state centres ({}) lies on a passable cell of the grid",
                                ctx.vector("centres").describe()));
      std::sort(seeds.begin(), seeds.end(), [](const Seed& a, const Seed& b) { return a.cell < b.cell; });
      seeds.erase(std::unique(seeds.begin(), seeds.end(), [](const Seed& a, const Seed& b) { return a.cell == b.cell; }),
                  seeds.end());
      const TravelTime edge(grid, model.layers(), model.params);
      CostDistanceOptions cd;
      cd.neighbourhood = Neighbourhood::knight16;
      cd.backlinks = false;
      const CostDistanceResult r = cost_distance(grid, seeds, edge, cd);
      const double tau = ctx.number("reach_hours");
      const double w = ctx.number("remoteness_weight");
      for (CellIndex i = 0; i < n; ++i) {
        if (!unit_of.valid(i)) continue;
        const double h = r.accumulated[i];
        if (!std::isnan(h)) remoteness[i] = static_cast<float>(h);
        // Unreachable from every centre: beyond the state's reach altogether.
        const double g = std::isnan(h) ? 1.0 : 1.0 - std::exp(-h / tau);
        sum[static_cast<std::size_t>(i)] += w * g;
        wsum[static_cast<std::size_t>(i)] += w;
      }
      ctx.record("centres", seeds.size());
    }

    Raster<float> gap(grid);
    CellIndex covered = 0;
    for (CellIndex i = 0; i < n; ++i) {
      const double ws = wsum[static_cast<std::size_t>(i)];
      if (ws > 0) {
        gap[i] = static_cast<float>(sum[static_cast<std::size_t>(i)] / ws);
        ++covered;
      }
    }
    if (covered == 0) input_error("no cell of the grid got a governance score; check that `units` cover the grid");
    ctx.record("cells_scored", covered);

    FeatureTable out;
    out.name = "governance_units";
    out.crs_wkt = grid.crs_wkt;
    out.fields = {{"name", FieldType::string}, {"country", FieldType::string}, {"cells", FieldType::integer},
                  {"country_score", FieldType::real}};
    for (const auto& c : columns) out.fields.push_back({c, FieldType::real});
    for (std::size_t u = 0; u < units.features.size(); ++u) {
      if (unit_cells[u] == 0) continue;
      Feature f;
      f.fid = units.features[u].fid;
      f.geometry.reset(units.features[u].geometry->clone());
      f.attributes = {attr_string(units, units.features[u], ni), attr_string(units, units.features[u], ci), unit_cells[u],
                      std::isnan(country_score[u]) ? AttrValue{} : AttrValue{country_score[u]}};
      for (std::size_t k = 0; k < columns.size(); ++k)
        f.attributes.push_back(std::isnan(unit_values[u][k]) ? AttrValue{} : AttrValue{unit_values[u][k]});
      out.features.push_back(std::move(f));
    }
    ctx.write_raster("gap", gap, {"Governance gap", "0-1", RasterStyle::uniform, Resampling::average, {}});
    ctx.write_raster("remoteness", remoteness,
                     {"Travel time from the nearest state centre", "h", RasterStyle::sequential, Resampling::average, {}});
    ctx.write_vector("units", out);
  };
  return def;
}

}  // namespace nexusmap::stages

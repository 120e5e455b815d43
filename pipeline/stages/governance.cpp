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
#include "pipeline/typed_stage.hpp"
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

// One indicator: a column of the country table, or a field of a subnational layer.
struct Indicator {
  VectorSource layer;  // subnational only
  std::string field;   // subnational: the layer's attribute; country: the table's column
  std::string name;
  bool higher_is_weaker = false;
  std::optional<double> low, high;
  double weight = 1;
  [[nodiscard]] std::string label() const { return name.empty() ? field : name; }
};

struct GovernanceOptions {
  VectorSource units;
  std::string unit_country_field, unit_name_field;
  std::optional<std::filesystem::path> country_table;
  std::string country_key, year_field;
  std::optional<std::int64_t> year;
  std::map<std::string, std::string> country_aliases;
  std::vector<Indicator> country_indicators, subnational;
  bool missing_uses_country = true;
  std::optional<VectorSource> centres;
  double reach_hours = 24;
  double remoteness_weight = 1;
};

// Explicit low/high from a record, else the range of the values seen.
Bounds bounds_of(const Indicator& rec, const std::vector<double>& values) {
  Bounds b{rec.low.value_or(NAN), rec.high.value_or(NAN)};
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

OptionSet<Indicator> indicator_fields(bool subnational) {
  OptionSet<Indicator> f;
  if (subnational) {
    f.vector("layer", &Indicator::layer, "Polygons carrying the indicator.");
    f.text("field", &Indicator::field, std::nullopt, "Attribute with the indicator value.");
  } else {
    f.text("column", &Indicator::field, std::nullopt, "Column of the country table, e.g. rl_est.");
  }
  f.text("name", &Indicator::name, "", "Label in the report (default: the column or field).");
  f.choice("direction", &Indicator::higher_is_weaker,
           Choices<bool>{{"higher_is_weaker", true}, {"higher_is_stronger", false}}, false,
           "Whether high values mean weak or strong governance.");
  f.number("low", &Indicator::low, std::nullopt, "Value mapped to one end of [0,1] (default: the minimum seen).");
  f.number("high", &Indicator::high, std::nullopt, "Value mapped to the other end (default: the maximum seen).");
  f.number("weight", &Indicator::weight, 1.0, "Weight in the combined score.").min(0);
  return f;
}

// Reads a CSV country table through GDAL's CSV driver: rows of (key, year, columns...).
struct CountryRow {
  std::int64_t year = 0;
  std::map<std::string, double> values;
};

std::map<std::string, std::vector<CountryRow>> read_country_table(const GovernanceOptions& o,
                                                                 const std::vector<std::string>& columns) {
  VectorSource src;
  src.path = *o.country_table;
  ReadOptions opts;
  opts.repair = false;
  opts.require_geometry = false;
  const std::string& key = o.country_key;
  const std::string& year_field = o.year_field;
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
  StageSpec<GovernanceOptions> spec{"governance",
                                 "Governance gap 0-1: country indicators (e.g. WGI) joined to polygons, subnational "
                                 "indicators and remoteness (travel time) from state centres, combined with weights."};
  using O = GovernanceOptions;
  auto& opt = spec.options;
  opt.vector("units", &O::units, "Polygons the country indicators are joined to (e.g. admin-1 provinces).");
  opt.text("unit_country_field", &O::unit_country_field, "admin", "Attribute of `units` naming the country.");
  opt.text("unit_name_field", &O::unit_name_field, "name", "Attribute of `units` naming the unit.");
  opt.path("country_table", &O::country_table, "Country-level indicator table (CSV), one row per country and year.");
  opt.text("country_key", &O::country_key, "country", "Column of the table with the country name.");
  opt.text("year_field", &O::year_field, "year", "Column of the table with the year.");
  opt.integer("year", &O::year, std::nullopt,
            "Year to use (default: the latest year of each country; a missing year falls back to the latest earlier "
            "one).");
  opt.string_map("country_aliases", &O::country_aliases,
               "Table country name -> units country name, e.g. { \"Kyrgyz Republic\" = \"Kyrgyzstan\" }.");
  opt.records("country_indicators", &O::country_indicators, indicator_fields(false),
            "Country indicators, e.g. WGI rl_est, ge_est, cc_est.");
  opt.records("subnational", &O::subnational, indicator_fields(true),
            "Subnational indicator layers (food insecurity, poverty).");
  opt.choice("missing", &O::missing_uses_country, Choices<bool>{{"country", true}, {"skip", false}}, true,
           "Where a subnational layer has no value: use the cell's country score instead, or leave the layer out of "
           "that cell's average. Both are reported.");
  opt.vector("centres", &O::centres, "State centres (capitals, provincial centres) as points.");
  opt.number("reach_hours", &O::reach_hours, 24.0, "Travel time at which the state's reach has fallen to 1/e.")
      .min(0.01).unit("h");
  opt.number("remoteness_weight", &O::remoteness_weight, 1.0, "Weight of remoteness in the combined score.").min(0);
  spec.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"model", ArtifactKind::raster, "cost.model", true, "The travel-time model (for remoteness)."},
  };
  Presentation gap_view = raster_presentation("Governance gap", "0 strong state – 1 weak", RasterStyle::uniform);
  gap_view.order = 170;
  gap_view.map = MapDecl{"map_governance", "Governance gap", 4, 0, false,
                    "Map: governance gap, with provinces and least-cost paths."};
  Presentation remoteness_view = raster_presentation("Remoteness from state centres", "hours", RasterStyle::sequential);
  remoteness_view.description = "Travel time from the nearest state centre";
  remoteness_view.order = 180;
  spec.outputs = {
      {"gap", ArtifactKind::raster, "governance_gap", "Governance gap, 0 (strong state) to 1 (weak).", false,
       "governance_gap", gap_view},
      {"remoteness", ArtifactKind::raster, "remoteness", "Hours from the nearest state centre.", false, {}, remoteness_view},
      {"units", ArtifactKind::vector, "", "Units with their joined country indicators and scores."},
  };
  spec.check = [](GovernanceOptions& g) {
    if (!g.country_indicators.empty() && !g.country_table) config_error("country_indicators need a country_table");
    double total = g.remoteness_weight * (g.centres ? 1 : 0);
    for (const auto& r : g.country_indicators) total += r.weight;
    for (const auto& r : g.subnational) total += r.weight;
    if (!(total > 0))
      config_error("the weights of the governance components sum to 0; give at least one component a positive weight");
  };
  spec.run = [](StageContext& ctx, const GovernanceOptions& o) {
    const Grid grid = ctx.grid();
    const CellIndex n = grid.cells();
    const std::string& country_field = o.unit_country_field;
    const std::string& name_field = o.unit_name_field;
    const FeatureTable units = read_layer(ctx, o.units, "units", grid, {country_field, name_field});
    const int ci = units.field_index(country_field), ni = units.field_index(name_field);
    const auto unit_geoms = units.geometries();
    const Raster<std::int32_t> unit_of = rasterize_ids(grid, unit_geoms);
    std::vector<std::int64_t> unit_cells(units.features.size(), 0);
    for (CellIndex i = 0; i < n; ++i)
      if (unit_of.valid(i)) ++unit_cells[static_cast<std::size_t>(unit_of[i])];

    // Country indicators -> weakness per unit.
    const auto& cind = o.country_indicators;
    std::vector<std::string> columns;
    for (const auto& r : cind) columns.push_back(r.field);
    std::vector<std::vector<double>> unit_values(units.features.size(), std::vector<double>(cind.size(), NAN));
    json join = json::object();
    if (!cind.empty()) {
      const auto table = read_country_table(o, columns);
      std::map<std::string, std::string> alias;  // units name -> table name
      for (const auto& [table_name, unit_name] : o.country_aliases) alias[unit_name] = table_name;
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
            if (o.year && row.year > *o.year) continue;
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
                                o.country_table->string(), list, keys));
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
      const bool weaker = cind[k].higher_is_weaker;
      for (std::size_t u = 0; u < units.features.size(); ++u)
        if (!std::isnan(unit_values[u][k])) unit_weakness[u][k] = weakness(unit_values[u][k], b.low, b.high, weaker);
    }
    double cw_total = 0;
    for (const auto& r : cind) cw_total += r.weight;
    for (std::size_t u = 0; u < units.features.size(); ++u) {
      double s = 0, w = 0;
      for (std::size_t k = 0; k < cind.size(); ++k)
        if (!std::isnan(unit_weakness[u][k])) {
          s += cind[k].weight * unit_weakness[u][k];
          w += cind[k].weight;
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
    const bool fallback_country = o.missing_uses_country;
    json sub_report = json::array();
    for (const Indicator& rec : o.subnational) {
      // Only path, layer and filter: a subnational layer is a polygon file, never a CSV of points.
      VectorSource src;
      src.path = rec.layer.path;
      src.layer = rec.layer.layer;
      src.where = rec.layer.where;
      ReadOptions ro;
      ro.target_crs_wkt = grid.crs_wkt;
      ro.required_fields = {rec.field};
      const FeatureTable layer = read_features(src, ro);
      const int fi = layer.field_index(rec.field);
      std::vector<double> values;
      std::vector<const OGRGeometry*> geoms;
      for (const auto& f : layer.features) {
        values.push_back(attr_number(layer.attr(f, fi)).value_or(NAN));
        geoms.push_back(f.geometry.get());
      }
      const Bounds b = bounds_of(rec, values);
      const bool weaker = rec.higher_is_weaker;
      const Raster<std::int32_t> poly = rasterize_ids(grid, geoms);
      const double w = rec.weight;
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
      const std::string name = rec.label();
      sub_report.push_back({{"name", name}, {"cells_with_value", used}, {"cells_country_fallback", fell_back},
                            {"cells_left_out", skipped}, {"low", b.low}, {"high", b.high}});
      ctx.log().info("{}: value in {} cells, country fallback in {}, left out in {}", name, used, fell_back, skipped);
    }
    ctx.record("subnational", sub_report);
    ctx.progress(0.5, "remoteness");

    // Remoteness: hours from the nearest state centre through the cost model.
    Raster<float> remoteness(grid);
    if (o.centres) {
      if (!ctx.has_input("model")) config_error("`centres` needs the cost model (a cost stage, inputs.model)");
      const CostModel model = read_cost_model(ctx.input("model").path());
      const FeatureTable centres = read_layer(ctx, *o.centres, "centres", grid);
      std::vector<Seed> seeds;
      for (const auto& f : centres.features) {
        OGRPoint p;
        f.geometry->Centroid(&p);
        if (auto c = grid.cell_at(p.getX(), p.getY()); c && model.friction.valid(grid.index(c->col, c->row)))
          seeds.push_back({grid.index(c->col, c->row), 0.0});
      }
      if (seeds.empty())
        input_error(fmt::format("none of the state centres ({}) lies on a passable cell of the grid",
                                o.centres->describe()));
      std::sort(seeds.begin(), seeds.end(), [](const Seed& a, const Seed& b) { return a.cell < b.cell; });
      seeds.erase(std::unique(seeds.begin(), seeds.end(), [](const Seed& a, const Seed& b) { return a.cell == b.cell; }),
                  seeds.end());
      const TravelTime edge(grid, model.layers(), model.params);
      CostDistanceOptions cd;
      cd.neighbourhood = Neighbourhood::knight16;
      cd.backlinks = false;
      const CostDistanceResult r = cost_distance(grid, seeds, edge, cd);
      const double tau = o.reach_hours;
      const double w = o.remoteness_weight;
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
    ctx.write_raster("gap", gap);
    ctx.write_raster("remoteness", remoteness);
    ctx.write_vector("units", out);
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

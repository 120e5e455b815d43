// SPDX-License-Identifier: MIT
// zonal: per-province (and optionally per-district) statistics of the nexus layers and a ranking.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/statistics/zonal.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number_text(double v) { return std::isnan(v) ? std::string{} : fmt::format("{:.6g}", v); }

// A layer whose mean per zone becomes the column "<column>_mean" (another stage's raster).
struct ZonalLayer {
  InputRef input;
  std::string column;
};

struct ZonalOptions {
  VectorSource provinces;
  std::string key_field, name_field, country_field;
  std::optional<VectorSource> districts;
  std::string district_key_field, district_name_field;
  std::vector<ZonalLayer> layers;
  std::string rank_by;
  std::int64_t min_cells = 1;
};

// The statistics every ranking has, before the layers' means.
const std::vector<std::string> kFixedMetrics = {"nexus_total", "nexus_mean", "nexus_p90", "nexus_max", "hot_km2",
                                                "hot_share"};

// What each score measures, for the report: the ranking must say what it ranks by and why.
std::string explain(const std::string& metric) {
  if (metric == "nexus_total")
    return "the nexus index summed over the zone's area (index × km²): how much of the nexus the zone holds. A small "
           "zone cannot top it by construction, as it can a mean when routes converge on it (a capital), and a large "
           "empty zone gains nothing where the index is 0.";
  if (metric == "nexus_mean") return "the mean nexus index over the zone's cells; small zones that routes converge on can top it.";
  if (metric == "nexus_p90") return "the 90th percentile of the nexus index in the zone: its high end, whatever its size.";
  if (metric == "nexus_max") return "the highest nexus index in the zone.";
  if (metric == "hot_km2") return "the area (km²) of the zone in +2/+3 hot spots.";
  if (metric == "hot_share") return "the share of the zone's area in +2/+3 hot spots.";
  return "the mean of the layer '" + metric.substr(0, metric.size() - 5) + "' over the zone.";
}

// The layers statistics are computed of.
struct Layers {
  Raster<float> nexus;
  Raster<std::int16_t> bins;
  std::vector<std::pair<std::string, Raster<float>>> means;  // "<column>_mean" and its raster
};

struct Ranked {
  FeatureTable table;  // zones with statistics, score and rank, best first
  std::string csv;
  json top = json::array();
};

// Statistics per zone of `units`; features sharing a key (a province drawn in several pieces) form
// one zone whose geometry is their union.
Ranked rank_zones(const FeatureTable& features, const std::string& key_field, const std::string& name_field,
                  const std::string& country_field, const Layers& layers, const std::string& rank_by,
                  std::int64_t min_cells, const std::string& layer_name) {
  const Grid& grid = layers.nexus.grid();
  FeatureTable zones_table;
  std::vector<std::int32_t> zone_of_feature;
  const int ki = features.field_index(key_field);
  std::map<std::string, std::int32_t> zone_of_key;
  for (const auto& f : features.features) {
    const std::string key = attr_string(features, f, ki);
    auto [it, inserted] = zone_of_key.try_emplace(key, static_cast<std::int32_t>(zones_table.features.size()));
    if (inserted) {
      Feature copy;
      copy.fid = f.fid;
      copy.attributes = f.attributes;
      copy.geometry.reset(f.geometry->clone());
      zones_table.features.push_back(std::move(copy));
    } else {
      Feature& z = zones_table.features[static_cast<std::size_t>(it->second)];
      z.geometry.reset(z.geometry->Union(f.geometry.get()));
    }
    zone_of_feature.push_back(it->second);
  }
  const auto geoms = features.geometries();
  Raster<std::int32_t> zones = rasterize_ids(grid, geoms);
  for (CellIndex i = 0; i < zones.size(); ++i)
    if (zones.valid(i)) zones[i] = zone_of_feature[static_cast<std::size_t>(zones[i])];
  const auto nz = static_cast<std::int32_t>(zones_table.features.size());

  const auto nexus_stats = zonal_stats(zones, nz, layers.nexus);
  const auto nexus_p90 = zonal_quantile(zones, nz, layers.nexus, 0.9);
  const auto hot = zonal_count_if(zones, nz, layers.bins, [](std::int16_t v) { return v >= 2; });
  const auto classified = zonal_count_if(zones, nz, layers.bins, [](std::int16_t) { return true; });
  std::vector<std::vector<ZoneStats>> layer_stats;
  for (const auto& [column, r] : layers.means) layer_stats.push_back(zonal_stats(zones, nz, r));
  const double cell_km2 = grid.dx() * grid.dy() / 1e6;
  const auto mean_or_nan = [](const std::vector<ZoneStats>& s, std::size_t z) {
    return s.empty() || s[z].valid == 0 ? NAN : s[z].mean();
  };
  const auto opt = [](double v) { return std::isnan(v) ? AttrValue{} : AttrValue{v}; };

  struct Row {
    std::size_t index;
    double score;
    std::vector<AttrValue> attrs;
  };
  std::vector<Row> rows;
  for (std::size_t z = 0; z < zones_table.features.size(); ++z) {
    const auto& st = nexus_stats[z];
    if (st.cells < min_cells) continue;
    const double hot_share = classified[z] > 0 ? static_cast<double>(hot[z]) / static_cast<double>(classified[z]) : NAN;
    std::map<std::string, double> metrics = {{"nexus_total", st.valid ? st.sum * cell_km2 : NAN},
                                             {"nexus_mean", st.valid ? st.mean() : NAN},
                                             {"nexus_p90", nexus_p90[z]},
                                             {"nexus_max", st.valid ? st.max : NAN},
                                             {"hot_km2", static_cast<double>(hot[z]) * cell_km2},
                                             {"hot_share", hot_share}};
    for (std::size_t k = 0; k < layers.means.size(); ++k) metrics[layers.means[k].first] = mean_or_nan(layer_stats[k], z);
    const Feature& f = zones_table.features[z];
    const auto text = [&](const std::string& field) {
      return field.empty() ? std::string{} : attr_text(f.attributes[static_cast<std::size_t>(features.field_index(field))]);
    };
    std::vector<AttrValue> attrs = {text(key_field), text(name_field), text(country_field),
                                    static_cast<double>(st.cells) * cell_km2};
    for (const auto& m : kFixedMetrics) attrs.push_back(opt(metrics.at(m)));
    for (const auto& [column, r] : layers.means) attrs.push_back(opt(metrics.at(column)));
    rows.push_back({z, metrics.at(rank_by), std::move(attrs)});
  }
  // Descending score; NaN last; ties by code so the order is stable.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (std::isnan(a.score) != std::isnan(b.score)) return std::isnan(b.score);
    if (a.score != b.score) return a.score > b.score;
    return std::get<std::string>(a.attrs[0]) < std::get<std::string>(b.attrs[0]);
  });

  Ranked out;
  out.table.name = layer_name;
  out.table.crs_wkt = grid.crs_wkt;
  out.table.fields = {{"code", FieldType::string}, {"name", FieldType::string}, {"country", FieldType::string},
                      {"area_km2", FieldType::real}};
  std::ostringstream csv;
  csv << "rank,code,name,country,area_km2";
  for (const auto& m : kFixedMetrics) {
    out.table.fields.push_back({m, FieldType::real});
    csv << ',' << m;
  }
  for (const auto& [column, r] : layers.means) {
    out.table.fields.push_back({column, FieldType::real});
    csv << ',' << column;
  }
  out.table.fields.push_back({"score", FieldType::real});
  out.table.fields.push_back({"rank", FieldType::integer});
  csv << ",score\n";
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const Row& r = rows[k];
    Feature f;
    f.fid = static_cast<std::int64_t>(k) + 1;
    f.geometry.reset(zones_table.features[r.index].geometry->clone());
    f.attributes = r.attrs;
    f.attributes.push_back(std::isnan(r.score) ? AttrValue{} : AttrValue{r.score});
    f.attributes.push_back(static_cast<std::int64_t>(k) + 1);
    out.table.features.push_back(std::move(f));
    csv << k + 1;
    for (const AttrValue& v : r.attrs)
      csv << ',' << (std::holds_alternative<double>(v) ? number_text(std::get<double>(v)) : csv_field(attr_text(v)));
    csv << ',' << number_text(r.score) << '\n';
    if (k < 10) out.top.push_back({{"rank", k + 1}, {"code", attr_text(r.attrs[0])}, {"name", attr_text(r.attrs[1])}, {"score", r.score}});
  }
  out.csv = csv.str();
  return out;
}

std::vector<std::string> required_fields(std::initializer_list<std::string> fields) {
  std::vector<std::string> out;
  for (const auto& f : fields)
    if (!f.empty()) out.push_back(f);
  return out;
}

}  // namespace

StageDef zonal() {
  StageSpec<ZonalOptions> spec{"zonal",
                            "Per-province (and optionally per-district) statistics — area, nexus index mean and max, "
                            "share of +2/+3 hot spots, the mean of each listed layer (route frequency, event density, "
                            "governance gap) — and a ranking."};
  using O = ZonalOptions;
  auto& opt = spec.options;
  opt.vector("provinces", &O::provinces, "Province polygons.");
  opt.text("key_field", &O::key_field, "iso_3166_2", "Attribute with the province code.");
  opt.text("name_field", &O::name_field, "name", "Attribute with the province name.");
  opt.text("country_field", &O::country_field, "admin", "Attribute with the country name (\"\" for none).");
  opt.vector("districts", &O::districts, "District polygons, for a second, finer table.");
  opt.text("district_key_field", &O::district_key_field, "shapeID", "Attribute with the district code.");
  opt.text("district_name_field", &O::district_name_field, "shapeName", "Attribute with the district name.");
  OptionSet<ZonalLayer> fields;
  fields.input("input", &ZonalLayer::input, ArtifactKind::raster, std::string("none"),
               "The raster, as \"stage-id.artifact\"; a default layer whose stage is not in the config is left out.");
  fields.text("column", &ZonalLayer::column, std::nullopt, "Column name: its mean per zone is \"<column>_mean\".");
  json defaults = json::array();
  for (const ZonalLayer& l : std::vector<ZonalLayer>{{{"", "corridors.flow_density"}, "flow"},
                                                     {{"", "corridors.route_frequency"}, "frequency"},
                                                     {{"", "activity.density"}, "density"},
                                                     {{"", "governance.gap"}, "gap"}})
    defaults.push_back(fields.to_json(l));
  opt.records("layers", &O::layers, fields,
            "Layers averaged per zone (default: flow = corridors.flow_density, frequency = corridors.route_frequency, "
            "density = activity.density, gap = governance.gap).")
      .default_to(defaults);
  opt.text("rank_by", &O::rank_by, "nexus_total",
         "Score the ranking sorts by (descending): nexus_total (index × km²), nexus_mean, nexus_p90, nexus_max, "
         "hot_km2, hot_share, or \"<column>_mean\" of a layer.");
  opt.integer("min_cells", &O::min_cells, 1, "Zones with fewer grid cells are left out.").min(1);
  spec.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"nexus_index", ArtifactKind::raster, "hotspots.nexus_index", false, "Nexus index."},
      {"bins", ArtifactKind::raster, "hotspots.bins", false, "Hot spot bins."},
  };
  Presentation provinces_view;
  provinces_view.title = "Province statistics";
  provinces_view.gpkg_layer = "province_stats";
  provinces_view.gpkg_role = "province_stats";
  provinces_view.group = kGroupAnalysis;
  provinces_view.geometry = GeometryKind::polygon;
  provinces_view.look = VectorLook::choropleth;
  provinces_view.order = 50;
  spec.outputs = {
      {"provinces", ArtifactKind::vector, "", "Provinces with their statistics, score and rank.", false, {}, provinces_view},
      {"ranking", ArtifactKind::table, "province_stats", "Provinces ranked by the score (CSV).", false, "province_ranking"},
      {"districts", ArtifactKind::vector, "", "Districts with their statistics, score and rank.", true},
      {"district_ranking", ArtifactKind::table, "district_stats", "Districts ranked by the score (CSV).", true},
      {"ranking_info", ArtifactKind::json, "", "What the ranking measures and why (for the report)."},
  };
  spec.check = [](ZonalOptions& z) {
    std::vector<std::string> scores = kFixedMetrics;
    for (const auto& l : z.layers) scores.push_back(l.column + "_mean");
    if (std::find(scores.begin(), scores.end(), z.rank_by) == scores.end()) {
      std::string list;
      for (const auto& c : scores) list += (list.empty() ? "" : ", ") + c;
      const std::string hint = closest_match(z.rank_by, scores);
      config_error(fmt::format("rank_by: '{}' is not one of {}{}", z.rank_by, list,
                               hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
  };
  spec.run = [](StageContext& ctx, const ZonalOptions& o) {
    const Grid grid = ctx.grid();
    Layers layers;
    layers.nexus = ctx.raster_input("nexus_index");
    layers.bins = Raster<std::int16_t>(grid);
    const Raster<float> b = ctx.raster_input("bins");
    for (CellIndex i = 0; i < b.size(); ++i)
      if (b.valid(i)) layers.bins.set_valid(i, static_cast<std::int16_t>(b[i]));
    for (const ZonalLayer& l : o.layers)
      if (l.input.connected() && ctx.has_input(l.input.slot))
        layers.means.emplace_back(l.column + "_mean", ctx.raster_input(l.input.slot));
    std::string rank_by = o.rank_by;
    if (std::none_of(layers.means.begin(), layers.means.end(), [&](const auto& m) { return m.first == rank_by; }) &&
        std::find(kFixedMetrics.begin(), kFixedMetrics.end(), rank_by) == kFixedMetrics.end())
      config_error(fmt::format("rank_by '{}': that layer's stage is not in the config", rank_by));

    const FeatureTable provinces =
        read_layer(ctx, o.provinces, "provinces", grid, required_fields({o.key_field, o.name_field, o.country_field}));
    const Ranked p = rank_zones(provinces, o.key_field, o.name_field, o.country_field, layers, rank_by, o.min_cells,
                                "province_stats");
    ctx.record("ranked_by", rank_by);
    ctx.record("top", p.top);
    ctx.record("provinces", p.table.features.size());
    if (!p.table.features.empty())
      ctx.log().info("{} provinces ranked by {}; first: {}", p.table.features.size(), rank_by,
                     attr_text(p.table.features[0].attributes[1]));
    ctx.write_vector("provinces", p.table);
    ctx.write_text("ranking", p.csv);
    ctx.write_json("ranking_info", {{"measure", rank_by}, {"explanation", explain(rank_by)}});

    if (o.districts) {
      const FeatureTable districts = read_layer(ctx, *o.districts, "districts", grid,
                                                required_fields({o.district_key_field, o.district_name_field}));
      const Ranked d = rank_zones(districts, o.district_key_field, o.district_name_field, "", layers, rank_by,
                                  o.min_cells, "district_stats");
      ctx.record("districts", d.table.features.size());
      ctx.record("top_districts", d.top);
      ctx.write_vector("districts", d.table);
      ctx.write_text("district_ranking", d.csv);
    }
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

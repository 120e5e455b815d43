// SPDX-License-Identifier: MIT
// zonal: per-province (and optionally per-district) statistics of the nexus layers and a ranking.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
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

// The layers statistics are computed of; optional ones are empty rasters.
struct Layers {
  Raster<float> nexus;
  Raster<std::int16_t> bins;
  Raster<float> frequency, density, gap;
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
  const auto hot = zonal_count_if(zones, nz, layers.bins, [](std::int16_t v) { return v >= 2; });
  const auto classified = zonal_count_if(zones, nz, layers.bins, [](std::int16_t) { return true; });
  const auto stats_of = [&](const Raster<float>& r) {
    return r.size() == grid.cells() ? zonal_stats(zones, nz, r) : std::vector<ZoneStats>{};
  };
  const auto freq = stats_of(layers.frequency), dens = stats_of(layers.density), gap = stats_of(layers.gap);
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
    const std::map<std::string, double> metrics = {
        {"nexus_mean", st.valid ? st.mean() : NAN}, {"nexus_max", st.valid ? st.max : NAN}, {"hot_share", hot_share},
        {"frequency_mean", mean_or_nan(freq, z)},   {"density_mean", mean_or_nan(dens, z)}, {"gap_mean", mean_or_nan(gap, z)}};
    const Feature& f = zones_table.features[z];
    const auto text = [&](const std::string& field) {
      return field.empty() ? std::string{} : attr_text(f.attributes[static_cast<std::size_t>(features.field_index(field))]);
    };
    rows.push_back({z, metrics.at(rank_by),
                    {text(key_field), text(name_field), text(country_field), static_cast<double>(st.cells) * cell_km2,
                     opt(metrics.at("nexus_mean")), opt(metrics.at("nexus_max")), opt(hot_share),
                     opt(metrics.at("frequency_mean")), opt(metrics.at("density_mean")), opt(metrics.at("gap_mean"))}});
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
  out.table.fields = {{"code", FieldType::string},       {"name", FieldType::string},     {"country", FieldType::string},
                      {"area_km2", FieldType::real},      {"nexus_mean", FieldType::real}, {"nexus_max", FieldType::real},
                      {"hot_share", FieldType::real},     {"frequency_mean", FieldType::real},
                      {"density_mean", FieldType::real},  {"gap_mean", FieldType::real},   {"score", FieldType::real},
                      {"rank", FieldType::integer}};
  std::ostringstream csv;
  csv << "rank,code,name,country,area_km2,nexus_mean,nexus_max,hot_share,frequency_mean,density_mean,gap_mean,score\n";
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
  StageDef def;
  def.info.kind = "zonal";
  def.info.summary = "Per-province (and optionally per-district) statistics — area, nexus index mean and max, share of "
                     "+2/+3 hot spots, route frequency, event density, governance gap — and a ranking.";
  def.info.options = {
      OptionSpec::vector("provinces", "Province polygons."),
      OptionSpec::string("key_field", "iso_3166_2", "Attribute with the province code."),
      OptionSpec::string("name_field", "name", "Attribute with the province name."),
      OptionSpec::string("country_field", "admin", "Attribute with the country name (\"\" for none)."),
      OptionSpec::vector("districts", "District polygons, for a second, finer table.").optional(),
      OptionSpec::string("district_key_field", "shapeID", "Attribute with the district code."),
      OptionSpec::string("district_name_field", "shapeName", "Attribute with the district name."),
      OptionSpec::choice("rank_by", {"nexus_mean", "nexus_max", "hot_share", "frequency_mean", "density_mean", "gap_mean"},
                         "nexus_mean", "Score the ranking sorts by (descending)."),
      OptionSpec::integer("min_cells", 1, "Zones with fewer grid cells are left out.").min(1),
  };
  def.info.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"nexus_index", ArtifactKind::raster, "hotspots.nexus_index", false, "Nexus index."},
      {"bins", ArtifactKind::raster, "hotspots.bins", false, "Hot spot bins."},
      {"route_frequency", ArtifactKind::raster, "corridors.route_frequency", true, "Route frequency."},
      {"activity", ArtifactKind::raster, "activity.density", true, "Event density."},
      {"governance", ArtifactKind::raster, "governance.gap", true, "Governance gap."},
  };
  def.info.outputs = {
      {"provinces", ArtifactKind::vector, "", "Provinces with their statistics, score and rank."},
      {"ranking", ArtifactKind::table, "province_stats", "Provinces ranked by the score (CSV).", false, "province_ranking"},
      {"districts", ArtifactKind::vector, "", "Districts with their statistics, score and rank.", true},
      {"district_ranking", ArtifactKind::table, "district_stats", "Districts ranked by the score (CSV).", true},
  };
  def.run = [](StageContext& ctx) {
    const Grid grid = ctx.grid();
    Layers layers;
    layers.nexus = ctx.raster_input("nexus_index");
    layers.bins = Raster<std::int16_t>(grid);
    const Raster<float> b = ctx.raster_input("bins");
    for (CellIndex i = 0; i < b.size(); ++i)
      if (b.valid(i)) layers.bins.set_valid(i, static_cast<std::int16_t>(b[i]));
    if (ctx.has_input("route_frequency")) layers.frequency = ctx.raster_input("route_frequency");
    if (ctx.has_input("activity")) layers.density = ctx.raster_input("activity");
    if (ctx.has_input("governance")) layers.gap = ctx.raster_input("governance");
    const std::string rank_by = ctx.text("rank_by");
    const std::int64_t min_cells = ctx.integer("min_cells");

    const std::string country = ctx.text("country_field");
    const FeatureTable provinces =
        read_layer(ctx, "provinces", grid, required_fields({ctx.text("key_field"), ctx.text("name_field"), country}));
    const Ranked p = rank_zones(provinces, ctx.text("key_field"), ctx.text("name_field"), country, layers, rank_by,
                                min_cells, "province_stats");
    ctx.record("ranked_by", rank_by);
    ctx.record("top", p.top);
    ctx.record("provinces", p.table.features.size());
    if (!p.table.features.empty())
      ctx.log().info("{} provinces ranked by {}; first: {}", p.table.features.size(), rank_by,
                     attr_text(p.table.features[0].attributes[1]));
    ctx.write_vector("provinces", p.table);
    ctx.write_text("ranking", p.csv);

    if (ctx.has("districts")) {
      const FeatureTable districts = read_layer(
          ctx, "districts", grid, required_fields({ctx.text("district_key_field"), ctx.text("district_name_field")}));
      const Ranked d = rank_zones(districts, ctx.text("district_key_field"), ctx.text("district_name_field"), "",
                                  layers, rank_by, min_cells, "district_stats");
      ctx.record("districts", d.table.features.size());
      ctx.record("top_districts", d.top);
      ctx.write_vector("districts", d.table);
      ctx.write_text("district_ranking", d.csv);
    }
  };
  return def;
}

}  // namespace nexusmap::stages

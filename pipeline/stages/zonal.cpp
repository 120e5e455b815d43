// SPDX-License-Identifier: MIT
// zonal: per-province statistics of the nexus layers and a ranking.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "rasters/error.hpp"
#include "rasters/zonal.hpp"
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

}  // namespace

StageDef zonal() {
  StageDef def;
  def.info.kind = "zonal";
  def.info.summary = "Per-province statistics (area, nexus index mean and max, share of +2/+3 hot spots, route "
                     "frequency, event density, governance gap) and a ranking.";
  def.info.options = {
      OptionSpec::vector("provinces", "Province polygons."),
      OptionSpec::string("key_field", "iso_3166_2", "Attribute with the province code."),
      OptionSpec::string("name_field", "name", "Attribute with the province name."),
      OptionSpec::string("country_field", "admin", "Attribute with the country name (\"\" for none)."),
      OptionSpec::choice("rank_by", {"nexus_mean", "nexus_max", "hot_share", "frequency_mean", "density_mean", "gap_mean"},
                         "nexus_mean", "Score the ranking sorts by (descending)."),
      OptionSpec::integer("min_cells", 1, "Provinces with fewer grid cells are left out.").min(1),
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
      {"ranking", ArtifactKind::table, "province_stats", "Provinces ranked by the score (CSV)."},
  };
  def.run = [](StageContext& ctx) {
    const Grid grid = ctx.grid();
    const std::string key_field = ctx.text("key_field"), name_field = ctx.text("name_field");
    const std::string country_field = ctx.text("country_field");
    std::vector<std::string> required = {key_field, name_field};
    if (!country_field.empty()) required.push_back(country_field);
    const FeatureTable features = read_layer(ctx, "provinces", grid, required);
    // Features sharing a code (a province drawn in several pieces) form one zone.
    FeatureTable provinces;
    provinces.name = features.name;
    provinces.crs_wkt = features.crs_wkt;
    provinces.fields = features.fields;
    std::vector<std::int32_t> zone_of_feature;
    {
      const int ki = features.field_index(key_field);
      std::map<std::string, std::int32_t> zone_of_key;
      for (const auto& f : features.features) {
        const std::string key = attr_string(features, f, ki);
        auto [it, inserted] = zone_of_key.try_emplace(key, static_cast<std::int32_t>(provinces.features.size()));
        if (inserted) {
          Feature copy;
          copy.fid = f.fid;
          copy.attributes = f.attributes;
          copy.geometry.reset(f.geometry->clone());
          provinces.features.push_back(std::move(copy));
        } else {
          Feature& z = provinces.features[static_cast<std::size_t>(it->second)];
          z.geometry.reset(z.geometry->Union(f.geometry.get()));
        }
        zone_of_feature.push_back(it->second);
      }
    }
    const auto geoms = features.geometries();
    Raster<std::int32_t> zones = rasterize_ids(grid, geoms);
    for (CellIndex i = 0; i < zones.size(); ++i)
      if (zones.valid(i)) zones[i] = zone_of_feature[static_cast<std::size_t>(zones[i])];
    const auto nz = static_cast<std::int32_t>(provinces.features.size());

    const Raster<float> nexus = ctx.raster_input("nexus_index");
    const auto nexus_stats = zonal_stats(zones, nz, nexus);
    Raster<std::int16_t> bins(grid);
    {
      const Raster<float> b = ctx.raster_input("bins");
      for (CellIndex i = 0; i < b.size(); ++i)
        if (b.valid(i)) bins.set_valid(i, static_cast<std::int16_t>(b[i]));
    }
    const auto hot = zonal_count_if(zones, nz, bins, [](std::int16_t v) { return v >= 2; });
    const auto classified = zonal_count_if(zones, nz, bins, [](std::int16_t) { return true; });
    auto optional_stats = [&](const char* slot) {
      return ctx.has_input(slot) ? zonal_stats(zones, nz, ctx.raster_input(slot)) : std::vector<ZoneStats>{};
    };
    const auto freq = optional_stats("route_frequency");
    const auto dens = optional_stats("activity");
    const auto gap = optional_stats("governance");
    const double cell_km2 = grid.dx() * grid.dy() / 1e6;

    struct Row {
      std::size_t index;
      double score;
      std::vector<AttrValue> attrs;
    };
    const std::string rank_by = ctx.text("rank_by");
    const auto mean_or_nan = [](const std::vector<ZoneStats>& s, std::size_t z) {
      return s.empty() || s[z].valid == 0 ? NAN : s[z].mean();
    };
    const auto opt = [](double v) { return std::isnan(v) ? AttrValue{} : AttrValue{v}; };
    std::vector<Row> rows;
    for (std::size_t z = 0; z < provinces.features.size(); ++z) {
      const auto& st = nexus_stats[z];
      if (st.cells < ctx.integer("min_cells")) continue;
      const double hot_share = classified[z] > 0 ? static_cast<double>(hot[z]) / static_cast<double>(classified[z]) : NAN;
      const std::map<std::string, double> metrics = {
          {"nexus_mean", st.valid ? st.mean() : NAN}, {"nexus_max", st.valid ? st.max : NAN}, {"hot_share", hot_share},
          {"frequency_mean", mean_or_nan(freq, z)},   {"density_mean", mean_or_nan(dens, z)}, {"gap_mean", mean_or_nan(gap, z)}};
      const Feature& f = provinces.features[z];
      Row r{z, metrics.at(rank_by), {}};
      r.attrs = {attr_string(provinces, f, provinces.field_index(key_field)),
                 attr_string(provinces, f, provinces.field_index(name_field)),
                 country_field.empty() ? std::string{} : attr_string(provinces, f, provinces.field_index(country_field)),
                 static_cast<double>(st.cells) * cell_km2,
                 opt(metrics.at("nexus_mean")), opt(metrics.at("nexus_max")), opt(hot_share),
                 opt(metrics.at("frequency_mean")), opt(metrics.at("density_mean")), opt(metrics.at("gap_mean"))};
      rows.push_back(std::move(r));
    }
    // Descending score; NaN last; ties by code so the order is stable.
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      if (std::isnan(a.score) != std::isnan(b.score)) return std::isnan(b.score);
      if (a.score != b.score) return a.score > b.score;
      return std::get<std::string>(a.attrs[0]) < std::get<std::string>(b.attrs[0]);
    });

    FeatureTable out;
    out.name = "province_stats";
    out.crs_wkt = grid.crs_wkt;
    out.fields = {{"code", FieldType::string},       {"name", FieldType::string},       {"country", FieldType::string},
                  {"area_km2", FieldType::real},      {"nexus_mean", FieldType::real},   {"nexus_max", FieldType::real},
                  {"hot_share", FieldType::real},     {"frequency_mean", FieldType::real}, {"density_mean", FieldType::real},
                  {"gap_mean", FieldType::real},      {"score", FieldType::real},        {"rank", FieldType::integer}};
    std::ostringstream csv;
    csv << "rank,code,name,country,area_km2,nexus_mean,nexus_max,hot_share,frequency_mean,density_mean,gap_mean,score\n";
    json top = json::array();
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const Row& r = rows[k];
      Feature f;
      f.fid = static_cast<std::int64_t>(k) + 1;
      f.geometry.reset(provinces.features[r.index].geometry->clone());
      f.attributes = r.attrs;
      f.attributes.push_back(std::isnan(r.score) ? AttrValue{} : AttrValue{r.score});
      f.attributes.push_back(static_cast<std::int64_t>(k) + 1);
      out.features.push_back(std::move(f));
      csv << k + 1;
      for (std::size_t a = 0; a < r.attrs.size(); ++a) {
        const AttrValue& v = r.attrs[a];
        csv << ',' << (std::holds_alternative<double>(v) ? number_text(std::get<double>(v)) : csv_field(attr_text(v)));
      }
      csv << ',' << number_text(r.score) << '\n';
      if (k < 10) top.push_back({{"rank", k + 1}, {"code", attr_text(r.attrs[0])}, {"name", attr_text(r.attrs[1])}, {"score", r.score}});
    }
    ctx.record("ranked_by", rank_by);
    ctx.record("top", top);
    ctx.record("provinces", rows.size());
    if (!rows.empty())
      ctx.log().info("{} provinces ranked by {}; first: {} ({:.3f})", rows.size(), rank_by, attr_text(rows[0].attrs[1]), rows[0].score);
    ctx.write_vector("provinces", out);
    ctx.write_text("ranking", csv.str());
  };
  return def;
}

}  // namespace nexusmap::stages

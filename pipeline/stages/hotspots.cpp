// SPDX-License-Identifier: MIT
// hotspots: the nexus index — trafficking, militant activity and governance gap normalised and
// combined — and its significant clusters (Getis-Ord Gi*, FDR-corrected bins).
#include <cmath>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "rasters/statistics/getis_ord.hpp"
#include "rasters/density/smoothing.hpp"
#include "rasters/statistics/normalize.hpp"
#include "rasters/statistics/overlay.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

const std::vector<std::string> kNormalizations = {"min_max", "percentile_rank", "z_score", "fuzzy_linear"};

Normalization normalization_of(const std::string& s) {
  if (s == "percentile_rank") return Normalization::percentile_rank;
  if (s == "z_score") return Normalization::z_score;
  if (s == "fuzzy_linear") return Normalization::fuzzy_linear;
  return Normalization::min_max;
}

Combine combine_of(const std::string& s) {
  if (s == "weighted_geometric_mean") return Combine::weighted_geometric_mean;
  if (s == "fuzzy_and") return Combine::fuzzy_and;
  if (s == "fuzzy_or") return Combine::fuzzy_or;
  if (s == "fuzzy_gamma") return Combine::fuzzy_gamma;
  return Combine::weighted_sum;
}

// The options of one input layer: weight and normalisation, declared once per slot.
void layer_options(std::vector<OptionSpec>& out, const std::string& slot, double weight, const std::string& method,
                   double low, double high, double smooth) {
  out.push_back(OptionSpec::number(slot + "_weight", weight, "Weight of the " + slot + " layer.").min(0));
  out.push_back(OptionSpec::number(slot + "_smooth", smooth,
                                   "Gaussian smoothing (standard deviation) before normalising, so a thin layer such "
                                   "as a route influences its surroundings up to 3 standard deviations away; 0 = none.")
                    .min(0).unit("m"));
  out.push_back(OptionSpec::choice(slot + "_normalize", kNormalizations, method, "Normalisation of the " + slot + " layer."));
  out.push_back(OptionSpec::number(slot + "_low", low, "fuzzy_linear: value mapped to 0."));
  out.push_back(OptionSpec::number(slot + "_high", high, "fuzzy_linear: value mapped to 1."));
}

}  // namespace

StageDef hotspots() {
  StageDef def;
  def.info.kind = "hotspots";
  def.info.summary = "Nexus index in [0,1] from trafficking, activity and governance layers (and any other raster), "
                     "Getis-Ord Gi* z-scores and FDR-corrected hot/cold spot bins.";
  std::vector<OptionSpec> opts;
  layer_options(opts, "trafficking", 1.0, "min_max", 0.0, 1.0, 15000.0);
  layer_options(opts, "activity", 1.0, "percentile_rank", 0.0, 1.0, 0.0);
  layer_options(opts, "governance", 1.0, "fuzzy_linear", 0.0, 1.0, 0.0);
  opts.push_back(OptionSpec::records(
      "extra",
      {OptionSpec::path("path", "Raster (any CRS; warped onto the grid)."),
       OptionSpec::string("name", "", "Label in metadata and the report."),
       OptionSpec::number("weight", 1.0, "Weight.").min(0),
       OptionSpec::choice("normalize", kNormalizations, "min_max", "Normalisation."),
       OptionSpec::number("low", 0.0, "fuzzy_linear: value mapped to 0."),
       OptionSpec::number("high", 1.0, "fuzzy_linear: value mapped to 1."),
       OptionSpec::choice("resampling", {"nearest", "bilinear", "average"}, "bilinear", "Resampling onto the grid.")},
      "Further layers in the index."));
  opts.push_back(OptionSpec::choice("combine", {"weighted_sum", "weighted_geometric_mean", "fuzzy_and", "fuzzy_or", "fuzzy_gamma"},
                                    "weighted_sum", "How the normalised layers are combined."));
  opts.push_back(OptionSpec::number("gamma", 0.9, "fuzzy_gamma: 0 = product, 1 = probabilistic sum.").min(0).max(1));
  opts.push_back(OptionSpec::number("distance_band", 20000.0, "Gi* neighbourhood radius.").min(0).unit("m"));
  opts.push_back(OptionSpec::boolean("fdr", true, "Correct the confidence bins for multiple testing (Benjamini-Hochberg)."));
  def.info.options = std::move(opts);
  def.info.inputs = {
      {"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."},
      {"trafficking", ArtifactKind::raster, "corridors.route_frequency", true, "Trafficking layer (route frequency or corridor)."},
      {"activity", ArtifactKind::raster, "activity.density", true, "Militant activity density."},
      {"governance", ArtifactKind::raster, "governance.gap", true, "Governance gap."},
  };
  def.info.outputs = {
      {"nexus_index", ArtifactKind::raster, "nexus_index", "Nexus index, 0..1."},
      {"z", ArtifactKind::raster, "hotspot_z", "Getis-Ord Gi* z-score of the nexus index.", false, "hotspot_z"},
      {"bins", ArtifactKind::raster, "hotspot_bins", "Hot/cold spot confidence bins -3..+3.", false, "hotspot_bins"},
  };
  def.run = [](StageContext& ctx) {
    const Grid grid = ctx.grid();
    std::vector<Raster<float>> layers;
    std::vector<double> weights;
    json used = json::array();
    for (const std::string slot : {"trafficking", "activity", "governance"}) {
      if (!ctx.has_input(slot)) continue;
      const double w = ctx.number(slot + "_weight");
      NormalizeOptions no;
      no.method = normalization_of(ctx.text(slot + "_normalize"));
      no.low = ctx.number(slot + "_low");
      no.high = ctx.number(slot + "_high");
      Raster<float> layer = ctx.raster_input(slot);
      if (const double sigma = ctx.number(slot + "_smooth"); sigma > 0) layer = gaussian_smooth(layer, {sigma, 3.0});
      layers.push_back(normalize(layer, no));
      weights.push_back(w);
      used.push_back({{"layer", slot}, {"source", ctx.input(slot).name}, {"weight", w},
                      {"normalize", ctx.text(slot + "_normalize")}, {"smooth_m", ctx.number(slot + "_smooth")}});
    }
    for (const auto& rec : ctx.options().at("extra")) {
      WarpOptions wo;
      wo.resampling = parse_resampling(rec["resampling"].get<std::string>());
      wo.threads = ctx.threads();
      const std::vector<std::filesystem::path> files = {rec["path"].get<std::string>()};
      NormalizeOptions no;
      no.method = normalization_of(rec["normalize"]);
      no.low = rec["low"];
      no.high = rec["high"];
      layers.push_back(normalize(warp_to_grid(files, grid, wo), no));
      weights.push_back(rec["weight"]);
      used.push_back({{"layer", rec["name"].get<std::string>().empty() ? files.front().filename().string() : rec["name"].get<std::string>()},
                      {"source", files.front().string()}, {"weight", rec["weight"]}, {"normalize", rec["normalize"]}});
    }
    if (layers.empty()) config_error("the nexus index needs at least one layer: connect trafficking, activity or governance, or add `extra`");
    ctx.record("layers", used);
    ctx.progress(0.3, "combine");
    std::vector<const Raster<float>*> ptrs;
    for (const auto& l : layers) ptrs.push_back(&l);
    CombineOptions co;
    co.method = combine_of(ctx.text("combine"));
    co.gamma = ctx.number("gamma");
    const Raster<float> nexus = combine(ptrs, weights, co);
    ctx.progress(0.5, "Gi*");
    GiStarOptions go;
    go.distance_band = ctx.number("distance_band");
    go.fdr = ctx.flag("fdr");
    const GiStarResult gi = getis_ord_gi_star(nexus, go);
    std::int64_t hot = 0, cold = 0;
    for (CellIndex i = 0; i < gi.bins.size(); ++i) {
      if (!gi.bins.valid(i)) continue;
      hot += gi.bins[i] > 0 ? 1 : 0;
      cold += gi.bins[i] < 0 ? 1 : 0;
    }
    ctx.record("hot_cells", hot);
    ctx.record("cold_cells", cold);
    ctx.record("valid_cells", gi.n);
    const std::map<std::string, std::string> meta = {{"NEXUSMAP_LAYERS", used.dump()},
                                                     {"NEXUSMAP_COMBINE", ctx.text("combine")}};
    ctx.write_raster("nexus_index", nexus, {"Nexus index", "0-1", RasterStyle::uniform, Resampling::average, meta});
    ctx.write_raster("z", gi.z, {"Getis-Ord Gi* z-score", "z", RasterStyle::diverging, Resampling::average,
                                 {{"NEXUSMAP_DISTANCE_BAND_M", fmt::format("{}", go.distance_band)}}});
    ctx.write_raster("bins", gi.bins, {"Hot spot confidence bins", "", RasterStyle::hotspot_bins, Resampling::nearest,
                                       {{"NEXUSMAP_FDR", go.fdr ? "yes" : "no"}}});
  };
  return def;
}

}  // namespace nexusmap::stages

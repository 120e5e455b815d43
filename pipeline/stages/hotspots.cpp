// SPDX-License-Identifier: MIT
// hotspots: the nexus index — layers such as trafficking, militant activity and the governance gap,
// each another stage's output, normalised and combined — and its significant clusters (Getis-Ord Gi*,
// FDR-corrected bins).
#include <cmath>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/density/smoothing.hpp"
#include "rasters/statistics/getis_ord.hpp"
#include "rasters/statistics/normalize.hpp"
#include "rasters/statistics/overlay.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

const Choices<Normalization>& normalizations() {
  static const Choices<Normalization> c = {{"min_max", Normalization::min_max},
                                           {"percentile_rank", Normalization::percentile_rank},
                                           {"z_score", Normalization::z_score},
                                           {"fuzzy_linear", Normalization::fuzzy_linear}};
  return c;
}

const Choices<Combine>& combines() {
  static const Choices<Combine> c = {{"weighted_sum", Combine::weighted_sum},
                                     {"weighted_geometric_mean", Combine::weighted_geometric_mean},
                                     {"fuzzy_and", Combine::fuzzy_and},
                                     {"fuzzy_or", Combine::fuzzy_or},
                                     {"fuzzy_gamma", Combine::fuzzy_gamma}};
  return c;
}

// One layer of the index: a raster another stage writes, how it is smoothed, normalised and weighted.
struct IndexLayer {
  std::string name;
  InputRef input;
  double weight = 1;
  double smooth = 0;
  Normalization normalize = Normalization::min_max;
  double low = 0, high = 1;
};

struct HotspotsOptions {
  std::vector<IndexLayer> layers;
  Combine combine = Combine::weighted_sum;
  double gamma = 0.9;
  double distance_band = 20000;
  bool fdr = true;
};

OptionSet<IndexLayer> layer_fields() {
  OptionSet<IndexLayer> f;
  f.text("name", &IndexLayer::name, std::nullopt, "Label in the metadata and the report, e.g. \"trafficking\".");
  f.input("input", &IndexLayer::input, ArtifactKind::raster, std::string("none"),
          "The raster, as \"stage-id.artifact\" (e.g. \"corridors.route_frequency\"); a default layer whose stage is "
          "not in the config is left out.");
  f.number("weight", &IndexLayer::weight, 1.0, "Weight of the layer.").min(0);
  f.number("smooth", &IndexLayer::smooth, 0.0,
           "Gaussian smoothing (standard deviation) before normalising, so a thin layer such as a route influences "
           "its surroundings up to 3 standard deviations away; 0 = none.")
      .min(0).unit("m");
  f.choice("normalize", &IndexLayer::normalize, normalizations(), Normalization::min_max, "Normalisation of the layer.");
  f.number("low", &IndexLayer::low, 0.0, "fuzzy_linear: value mapped to 0.");
  f.number("high", &IndexLayer::high, 1.0, "fuzzy_linear: value mapped to 1.");
  return f;
}

// The index of the trafficking-terrorism nexus: the flow density smoothed over 15 km, it and activity
// as percentile ranks (both heavy tailed), the governance gap as it is (already 0-1).
std::vector<IndexLayer> default_layers() {
  return {{"trafficking", {"", "corridors.flow_density"}, 1.0, 15000.0, Normalization::percentile_rank, 0.0, 1.0},
          {"activity", {"", "activity.density"}, 1.0, 0.0, Normalization::percentile_rank, 0.0, 1.0},
          {"governance", {"", "governance.gap"}, 1.0, 0.0, Normalization::fuzzy_linear, 0.0, 1.0}};
}

}  // namespace

StageDef hotspots() {
  StageSpec<HotspotsOptions> spec{"hotspots",
                               "Nexus index in [0,1] from layers of other stages (trafficking, activity, governance or "
                               "any raster), Getis-Ord Gi* z-scores and FDR-corrected hot/cold spot bins."};
  using O = HotspotsOptions;
  auto& opt = spec.options;
  const OptionSet<IndexLayer> fields = layer_fields();
  json defaults = json::array();
  for (const auto& l : default_layers()) defaults.push_back(fields.to_json(l));
  opt.records("layers", &O::layers, fields,
            "The layers of the index, each another stage's raster (default: trafficking = corridors.flow_density "
            "smoothed 15 km and activity = activity.density as percentile ranks, governance = governance.gap).")
      .default_to(defaults);
  opt.choice("combine", &O::combine, combines(), Combine::weighted_sum, "How the normalised layers are combined.");
  opt.number("gamma", &O::gamma, 0.9, "fuzzy_gamma: 0 = product, 1 = probabilistic sum.").min(0).max(1);
  opt.number("distance_band", &O::distance_band, 20000.0, "Gi* neighbourhood radius.").min(0).unit("m");
  opt.flag("fdr", &O::fdr, true, "Correct the confidence bins for multiple testing (Benjamini-Hochberg).");
  spec.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  Presentation nexus_view = raster_presentation("Nexus index", "index 0–1", RasterStyle::uniform);
  nexus_view.visible = true;
  nexus_view.order = 130;
  nexus_view.map = MapDecl{"map_nexus", "Nexus index", 1, 0, false,
                      "Map: nexus index over the hillshade, with provinces and least-cost paths."};
  Presentation z_view = raster_presentation("Hot spot z-score (Gi*)", "z-score", RasterStyle::diverging);
  z_view.description = "Getis-Ord Gi* z-score";
  z_view.order = 150;
  Presentation bins_view = raster_presentation("Hot spots (Gi*, FDR-corrected)", "", RasterStyle::hotspot_bins);
  bins_view.description = "Hot spot confidence bins";
  bins_view.order = 120;
  bins_view.map = MapDecl{"map_hotspots", "Nexus hot spots (Getis–Ord Gi*)", 5, 0, false,
                     "Map: hot and cold spots of the nexus index at 90/95/99 % confidence."};
  spec.outputs = {
      {"nexus_index", ArtifactKind::raster, "nexus_index", "Nexus index, 0..1.", false, {}, nexus_view},
      {"z", ArtifactKind::raster, "hotspot_z", "Getis-Ord Gi* z-score of the nexus index.", false, "hotspot_z", z_view},
      {"bins", ArtifactKind::raster, "hotspot_bins", "Hot/cold spot confidence bins -3..+3.", false, "hotspot_bins",
       bins_view},
  };
  spec.run = [](StageContext& ctx, const HotspotsOptions& o) {
    std::vector<Raster<float>> layers;
    std::vector<double> weights;
    json used = json::array();
    for (const IndexLayer& l : o.layers) {
      if (!l.input.connected() || !ctx.has_input(l.input.slot)) continue;
      NormalizeOptions no;
      no.method = l.normalize;
      no.low = l.low;
      no.high = l.high;
      Raster<float> layer = ctx.raster_input(l.input.slot);
      if (l.smooth > 0) layer = gaussian_smooth(layer, {l.smooth, 3.0});
      layers.push_back(normalize(layer, no));
      weights.push_back(l.weight);
      used.push_back({{"layer", l.name}, {"source", ctx.input(l.input.slot).name}, {"weight", l.weight},
                      {"normalize", choice_name(normalizations(), l.normalize)}, {"smooth_m", l.smooth}});
    }
    if (layers.empty())
      config_error("the nexus index needs at least one layer: list `layers` whose inputs are outputs of stages in the "
                   "config (e.g. corridors.route_frequency, activity.density, governance.gap)");
    ctx.record("layers", used);
    ctx.progress(0.3, "combine");
    std::vector<const Raster<float>*> ptrs;
    for (const auto& l : layers) ptrs.push_back(&l);
    CombineOptions co;
    co.method = o.combine;
    co.gamma = o.gamma;
    const Raster<float> nexus = combine(ptrs, weights, co);
    ctx.progress(0.5, "Gi*");
    GiStarOptions go;
    go.distance_band = o.distance_band;
    go.fdr = o.fdr;
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
    ctx.write_raster("nexus_index", nexus,
                     {Resampling::average,
                      {{"NEXUSMAP_LAYERS", used.dump()}, {"NEXUSMAP_COMBINE", choice_name(combines(), o.combine)}}});
    ctx.write_raster("z", gi.z, {Resampling::average, {{"NEXUSMAP_DISTANCE_BAND_M", fmt::format("{}", go.distance_band)}}});
    ctx.write_raster("bins", gi.bins, {Resampling::nearest, {{"NEXUSMAP_FDR", go.fdr ? "yes" : "no"}}});
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

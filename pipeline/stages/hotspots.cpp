// SPDX-License-Identifier: MIT
// hotspots: the nexus index — layers such as trafficking, militant activity and the governance gap,
// each another stage's output, normalised and combined — and its significant clusters (Getis-Ord Gi*,
// FDR-corrected bins).
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/density/smoothing.hpp"
#include "rasters/statistics/analysis_units.hpp"
#include "rasters/statistics/getis_ord.hpp"
#include "rasters/statistics/gi_star_permutation.hpp"
#include "rasters/statistics/incremental_autocorrelation.hpp"
#include "vectors/rasterize.hpp"
#include "rasters/io/gdal_raster.hpp"
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
  std::optional<double> floor;
};

enum class HotspotMethod { units, cells };
enum class UnitShape { hexagons, squares, zones };

struct HotspotsOptions {
  std::vector<IndexLayer> layers;
  Combine combine = Combine::weighted_sum;
  double gamma = 0.9;
  HotspotMethod method = HotspotMethod::units;
  UnitShape unit_shape = UnitShape::hexagons;
  double unit_size = 25000;
  std::optional<VectorSource> zones;
  std::optional<double> distance_band;
  std::int64_t permutations = 9999;
  std::int64_t seed = 1;
  bool fdr = true;
};

// Where a percentile rank starts: the layer's own floor (the activity stage records it), else 0 —
// cells without the layer rank 0 instead of sharing the mid-rank of their tie.
std::optional<double> floor_of(const IndexLayer& l, const std::filesystem::path& raster) {
  if (l.floor) return l.floor;
  if (l.normalize != Normalization::percentile_rank) return std::nullopt;
  if (l.smooth == 0) {
    const std::string f = read_metadata_item(raster, "NEXUSMAP_FLOOR");
    if (!f.empty()) return std::stod(f);
  }
  return 0.0;
}

struct HotSpots {
  Raster<float> z;
  Raster<std::int16_t> bins;
  double band = 0;
  std::map<std::string, std::string> metadata;
};

HotSpots cell_hot_spots(StageContext& ctx, const Raster<float>& nexus, const HotspotsOptions& o) {
  GiStarOptions go;
  go.distance_band = o.distance_band.value_or(20000.0);
  go.fdr = o.fdr;
  const GiStarResult gi = getis_ord_gi_star(nexus, go);
  ctx.record("valid_cells", gi.n);
  return {gi.z, gi.bins, go.distance_band, {}};
}

// Gi* over analysis units about as wide as the smoothing, with permutation inference: on a smooth
// surface neighbouring cells are nearly copies of each other, units are not.
HotSpots unit_hot_spots(StageContext& ctx, const Raster<float>& nexus, const HotspotsOptions& o) {
  const Grid& grid = nexus.grid();
  ZoneLattice lattice;
  if (o.unit_shape == UnitShape::hexagons) {
    lattice = hexagon_zones(grid, o.unit_size);
  } else if (o.unit_shape == UnitShape::squares) {
    lattice = square_block_zones(grid, std::max<std::int64_t>(1, std::llround(o.unit_size / grid.dx())));
  } else {
    const FeatureTable t = read_layer(ctx, *o.zones, "zones", grid);
    const auto geoms = t.geometries();
    lattice.zones = rasterize_ids(grid, geoms);
    lattice.count = static_cast<std::int32_t>(t.features.size());
  }
  AnalysisUnits units = aggregate_to_units(lattice.zones, lattice.count, nexus);
  // Only units where the layers meet are tested: the rest have no nexus and get no bin.
  std::int64_t empty = 0;
  for (double& v : units.value)
    if (!std::isnan(v) && !(v > 0)) {
      v = std::nan("");
      ++empty;
    }
  double band = o.distance_band.value_or(0.0);
  json bands = json::array();
  if (!o.distance_band) {
    const IncrementalAutocorrelationResult ia = incremental_autocorrelation(units.x, units.y, units.value);
    for (const auto& b : ia.bands)
      bands.push_back({{"distance_m", b.distance}, {"morans_i", b.i}, {"z", b.z}, {"mean_neighbours", b.mean_neighbours}});
    band = ia.chosen >= 0 ? ia.chosen_distance() : 1.01 * o.unit_size;
    ctx.record("band_chosen_by", ia.chosen >= 0 ? (ia.peak ? "first peak of Moran's I z" : "largest Moran's I z")
                                                : "no significant autocorrelation: the nearest units");
    ctx.record("incremental_autocorrelation", bands);
  }
  GiUnitsOptions go;
  go.distance_band = band;
  go.permutations = o.permutations;
  go.seed = static_cast<std::uint64_t>(o.seed);
  go.fdr = o.fdr;
  const GiUnitsResult gi = gi_star_permutation(units.x, units.y, units.value, go);
  ctx.record("units", units.size());
  ctx.record("units_tested", gi.n);
  ctx.record("units_without_nexus", empty);
  return {paint_units(lattice.zones, gi.z), paint_unit_classes(lattice.zones, gi.bins, gi.tested), band,
          {{"NEXUSMAP_UNITS", std::to_string(gi.n)}, {"NEXUSMAP_PERMUTATIONS", std::to_string(o.permutations)}}};
}

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
  f.number("floor", &IndexLayer::floor, std::nullopt,
           "percentile_rank, min_max: values at or below count as none and rank 0 (percentile_rank default: the "
           "layer's recorded floor, e.g. the activity density's, else 0).");
  return f;
}

// The index of the trafficking-terrorism nexus: the flow density smoothed over 15 km, it and activity
// as percentile ranks (both heavy tailed), the governance gap as it is (already 0-1).
std::vector<IndexLayer> default_layers() {
  return {{"trafficking", {"", "corridors.flow_density"}, 1.0, 15000.0, Normalization::percentile_rank, 0.0, 1.0, {}},
          {"activity", {"", "activity.density"}, 1.0, 0.0, Normalization::percentile_rank, 0.0, 1.0, {}},
          {"governance", {"", "governance.gap"}, 1.0, 0.0, Normalization::fuzzy_linear, 0.0, 1.0, {}}};
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
  opt.choice("method", &O::method, Choices<HotspotMethod>{{"units", HotspotMethod::units}, {"cells", HotspotMethod::cells}},
             HotspotMethod::units,
             "units: Gi* over analysis units with conditional-permutation p-values (right for a smoothed index); "
             "cells: per-cell Gi* with the normal approximation (as R spdep), significance overstated on smooth "
             "surfaces.");
  opt.choice("unit_shape", &O::unit_shape,
             Choices<UnitShape>{{"hexagons", UnitShape::hexagons}, {"squares", UnitShape::squares},
                                {"zones", UnitShape::zones}},
             UnitShape::hexagons, "units: a hexagon or square lattice of unit_size, or the polygons of `zones`.");
  opt.number("unit_size", &O::unit_size, 25000.0,
             "units: distance between hexagon centres (or square side); about the width of the smoothing.")
      .min(0).unit("m");
  opt.vector("zones", &O::zones, "units with unit_shape = \"zones\": polygons (e.g. districts) as the units.");
  opt.number("distance_band", &O::distance_band, std::nullopt,
             "Gi* neighbourhood radius (default: units — the first peak of incremental spatial autocorrelation, "
             "Moran's I z by distance; cells — 20 km).")
      .min(0).unit("m");
  opt.integer("permutations", &O::permutations, 9999,
              "units: conditional permutations per unit (9999 resolve the 99 % bin after FDR).")
      .min(99).max(1000000);
  opt.integer("seed", &O::seed, 1, "units: seed of the permutations (same seed, same result).");
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
                          "Map: hot and cold spots of the nexus index at 90/95/99 % confidence.",
                          "How to read it: a +3 (−3) unit and its neighbourhood have a clearly higher (lower) nexus "
                          "index than the rest of the area where the layers meet — a random arrangement of the same "
                          "values would give so extreme a neighbourhood less than 1 % of the time, allowing for the "
                          "number of units tested; +2/−2 and +1/−1 are the same at 95 % and 90 %. A 0 (not "
                          "significant) says the neighbourhood is indistinguishable from chance, not that the index "
                          "is low; blank areas have no nexus (the index is 0) and were not tested."};
  spec.outputs = {
      {"nexus_index", ArtifactKind::raster, "nexus_index", "Nexus index, 0..1.", false, {}, nexus_view},
      {"z", ArtifactKind::raster, "hotspot_z", "Getis-Ord Gi* z-score of the nexus index.", false, "hotspot_z", z_view},
      {"bins", ArtifactKind::raster, "hotspot_bins", "Hot/cold spot confidence bins -3..+3.", false, "hotspot_bins",
       bins_view},
  };
  spec.check = [](HotspotsOptions& h) {
    if (h.unit_shape == UnitShape::zones && !h.zones) config_error("unit_shape = \"zones\" needs `zones` (polygons)");
    for (const auto& l : h.layers)
      if (l.floor && l.normalize != Normalization::percentile_rank && l.normalize != Normalization::min_max)
        config_error(fmt::format("layer '{}': a floor applies to percentile_rank and min_max only", l.name));
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
      no.floor = floor_of(l, ctx.input(l.input.slot).path());
      Raster<float> layer = ctx.raster_input(l.input.slot);
      if (l.smooth > 0) layer = gaussian_smooth(layer, {l.smooth, 3.0});
      layers.push_back(normalize(layer, no));
      weights.push_back(l.weight);
      json u = {{"layer", l.name}, {"source", ctx.input(l.input.slot).name}, {"weight", l.weight},
                {"normalize", choice_name(normalizations(), l.normalize)}, {"smooth_m", l.smooth}};
      if (no.floor) u["floor"] = *no.floor;
      used.push_back(u);
    }
    if (layers.empty())
      config_error("the nexus index needs at least one layer: list `layers` whose inputs are outputs of stages in the "
                   "config (e.g. corridors.flow_density, activity.density, governance.gap)");
    ctx.record("layers", used);
    ctx.progress(0.3, "combine");
    std::vector<const Raster<float>*> ptrs;
    for (const auto& l : layers) ptrs.push_back(&l);
    CombineOptions co;
    co.method = o.combine;
    co.gamma = o.gamma;
    const Raster<float> nexus = combine(ptrs, weights, co);
    ctx.progress(0.5, "Gi*");
    HotSpots hs = o.method == HotspotMethod::units ? unit_hot_spots(ctx, nexus, o) : cell_hot_spots(ctx, nexus, o);
    // Shares of the valid area by bin (and, for units, the area not tested: no nexus).
    std::map<int, std::int64_t> by_bin;
    std::int64_t valid = 0, untested = 0;
    for (CellIndex i = 0; i < nexus.size(); ++i) {
      if (!nexus.valid(i)) continue;
      ++valid;
      if (hs.bins.valid(i)) ++by_bin[hs.bins[i]];
      else ++untested;
    }
    json shares = json::object();
    for (const auto& [b, n] : by_bin) shares[fmt::format("{:+d}", b)] = static_cast<double>(n) / static_cast<double>(valid);
    shares["not tested"] = static_cast<double>(untested) / static_cast<double>(std::max<std::int64_t>(1, valid));
    ctx.record("bin_shares", shares);
    ctx.record("distance_band_m", hs.band);
    std::int64_t hot = 0, cold = 0;
    for (const auto& [b, n] : by_bin) {
      if (b > 0) hot += n;
      if (b < 0) cold += n;
    }
    ctx.record("hot_cells", hot);
    ctx.record("cold_cells", cold);
    ctx.write_raster("nexus_index", nexus,
                     {Resampling::average,
                      {{"NEXUSMAP_LAYERS", used.dump()}, {"NEXUSMAP_COMBINE", choice_name(combines(), o.combine)}}});
    std::map<std::string, std::string> meta = hs.metadata;
    meta["NEXUSMAP_DISTANCE_BAND_M"] = fmt::format("{}", hs.band);
    meta["NEXUSMAP_METHOD"] = o.method == HotspotMethod::units ? "units" : "cells";
    ctx.write_raster("z", hs.z, {Resampling::average, meta});
    meta["NEXUSMAP_FDR"] = o.fdr ? "yes" : "no";
    ctx.write_raster("bins", hs.bins, {Resampling::nearest, meta});
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

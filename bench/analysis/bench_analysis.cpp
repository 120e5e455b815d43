// SPDX-License-Identifier: MIT
// Benchmark driver for the analysis algorithms (driven by bench/analysis/run.sh).
//
//   bench_analysis points --count N --seed S             seeded events over the benchmark grid, "x|y"
//                                                         lines (the GRASS v.in.ascii format)
//   bench_analysis kde --points FILE --sigma M --reference TIF --reference-seconds T [--repeat R]
//                                                         times kernel_density on the reference's grid,
//                                                         compares with the reference (GRASS v.kernel,
//                                                         events per m²) and prints the speed ratio
//   bench_analysis gistar --size N --band-cells B [--repeat R]
//                                                         Gi* with FDR bins on an N × N synthetic field
//   bench_analysis units [--width W --height H --cell M --spacing M --permutations P --repeat R]
//                                                         hot spots over hexagons on a W × H smoothed
//                                                         field (default: the 1 km default grid, 914 × 678,
//                                                         25 km hexagons): aggregation, incremental
//                                                         autocorrelation, Gi* with P permutations, painting
//   bench_analysis preview --run DIR [--spacing M] [--out DIR]
//                                                         the floor and the unit hot spots applied to a
//                                                         finished run's activity density and nexus index
//                                                         (what the stages will do once they are wired)
//
// Output is "key: value" lines. Exit code 1 when the densities disagree beyond the documented bounds.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <omp.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "rasters/density/density_floor.hpp"
#include "rasters/density/kernel_density.hpp"
#include "rasters/density/smoothing.hpp"
#include "rasters/statistics/analysis_units.hpp"
#include "rasters/statistics/getis_ord.hpp"
#include "rasters/statistics/gi_star_permutation.hpp"
#include "rasters/statistics/incremental_autocorrelation.hpp"
#include "rasters/statistics/normalize.hpp"
#include "rasters/statistics/overlay.hpp"

namespace nexusmap::bench {
namespace {

// The benchmark grid: 4000 × 4000 cells of 100 m in UTM 42N (Tajikistan / Afghan Badakhshan).
constexpr double kXmin = 500000, kYmin = 4000000, kCell = 100;
constexpr std::int64_t kSize = 4000;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::map<std::string, std::string> parse(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) config_error(fmt::format("bench_analysis: expected --option, got '{}'", key));
    args[key.substr(2)] = argv[i + 1];
  }
  return args;
}

const std::string& need(const std::map<std::string, std::string>& args, const std::string& key) {
  const auto it = args.find(key);
  if (it == args.end()) config_error(fmt::format("bench_analysis: --{} is required", key));
  return it->second;
}

// Conflict events cluster: 70% in 60 Gaussian clusters (SD 2-15 km), 30% uniform; all inside the grid.
int points(const std::map<std::string, std::string>& args) {
  const auto count = std::stoll(need(args, "count"));
  std::mt19937_64 rng(std::stoull(need(args, "seed")));
  const double size = kCell * static_cast<double>(kSize);
  std::uniform_real_distribution<double> uniform(0, size);
  std::uniform_real_distribution<double> spread(2000, 15000);
  std::vector<std::array<double, 3>> clusters(60);
  for (auto& c : clusters) c = {uniform(rng), uniform(rng), spread(rng)};
  std::uniform_int_distribution<std::size_t> pick(0, clusters.size() - 1);
  std::bernoulli_distribution clustered(0.7);
  std::normal_distribution<double> normal(0, 1);
  for (long long i = 0; i < count;) {
    double x = 0, y = 0;
    if (clustered(rng)) {
      const auto& c = clusters[pick(rng)];
      x = c[0] + c[2] * normal(rng);
      y = c[1] + c[2] * normal(rng);
    } else {
      x = uniform(rng);
      y = uniform(rng);
    }
    if (x < 0 || y < 0 || x >= size || y >= size) continue;
    std::printf("%.3f|%.3f\n", kXmin + x, kYmin + y);
    ++i;
  }
  return 0;
}

std::vector<WeightedPoint> read_points(const std::string& path) {
  std::ifstream in(path);
  if (!in) input_error(fmt::format("bench_analysis: cannot read {}", path));
  std::vector<WeightedPoint> pts;
  std::string line;
  while (std::getline(in, line)) {
    const auto bar = line.find('|');
    if (bar == std::string::npos) continue;
    pts.push_back({std::stod(line.substr(0, bar)), std::stod(line.substr(bar + 1)), 1.0});
  }
  return pts;
}

int kde(const std::map<std::string, std::string>& args) {
  const std::vector<WeightedPoint> pts = read_points(need(args, "points"));
  const double sigma = std::stod(need(args, "sigma"));
  const double grass_seconds = std::stod(need(args, "reference-seconds"));
  const int repeat = args.count("repeat") ? std::stoi(args.at("repeat")) : 5;
  const Raster<float> reference = read_raster<float>(need(args, "reference"));
  const Grid& grid = reference.grid();
  // v.kernel sums the events within d <= radius = 4σ: the same disc as a support of 4σ.
  const double support = args.count("support") ? std::stod(args.at("support")) : 4.0;
  const KdeOptions options{Kernel::gaussian, sigma, 1e8, support};

  std::vector<double> times;
  KdeResult result;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    result = kernel_density(grid, pts, options);
    times.push_back(seconds_since(t0));
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];

  // v.kernel writes Σ 1/(2πσ²)·exp(−d²/(2σ²)) over events within d <= radius = 4σ, in events per m²;
  // kernel_density with per_area = 1e8 m² writes events per 100 km²: ours = v.kernel × 1e8.
  // Per event, the documented differences are: linear binning <= peak/(4σ²) (σ in cells) and the
  // truncation (v.kernel: each event's kernel cut at 4σ; here the untruncated sum inside the support
  // disc of the nearest event) <= exp(−8)·peak, for events whose bins are within R + 2 cells; and the
  // recursive filter's 6e-6·peak for events within 10σ (its error decays like exp(−2.08·d/σ)). So cell
  // c may differ by the sum of those over the events near it, plus float rounding.
  const double peak = 1e8 / (2 * std::numbers::pi * sigma * sigma);
  const double sigma_cells = sigma / grid.dx();
  const double per_event = 0.25 / (sigma_cells * sigma_cells) + std::exp(-8.0);
  const double per_event_recursive = 6e-6;
  const auto reach = static_cast<std::int64_t>(std::ceil(4 * sigma_cells)) + 2;
  const auto far_reach = static_cast<std::int64_t>(std::ceil(10 * sigma_cells)) + 2;
  const std::int64_t w = grid.width, h = grid.height;
  std::vector<std::int64_t> sat(static_cast<std::size_t>((w + 1) * (h + 1)), 0);  // events in [0,c) × [0,r)
  for (const WeightedPoint& p : pts)
    if (const auto cell = grid.cell_at(p.x, p.y)) ++sat[static_cast<std::size_t>((cell->row + 1) * (w + 1) + cell->col + 1)];
  for (std::int64_t r = 1; r <= h; ++r)
    for (std::int64_t c = 1; c <= w; ++c)
      sat[static_cast<std::size_t>(r * (w + 1) + c)] += sat[static_cast<std::size_t>((r - 1) * (w + 1) + c)] +
                                                        sat[static_cast<std::size_t>(r * (w + 1) + c - 1)] -
                                                        sat[static_cast<std::size_t>((r - 1) * (w + 1) + c - 1)];
  auto near_events = [&](std::int64_t c, std::int64_t r, std::int64_t within) {
    const std::int64_t c0 = std::max<std::int64_t>(0, c - within), c1 = std::min(w, c + within + 1);
    const std::int64_t r0 = std::max<std::int64_t>(0, r - within), r1 = std::min(h, r + within + 1);
    auto at = [&](std::int64_t cc, std::int64_t rr) { return sat[static_cast<std::size_t>(rr * (w + 1) + cc)]; };
    return static_cast<double>(at(c1, r1) - at(c0, r1) - at(c1, r0) + at(c0, r0));
  };
  double max_diff = 0, max_ref = 0, sum_diff = 0, sum_ref = 0, sum_ours = 0, worst_ratio = 0;
  std::int64_t violations = 0, only_ours = 0, only_ref = 0;
  for (std::int64_t r = 0; r < h; ++r)
    for (std::int64_t c = 0; c < w; ++c) {
      const double ref = 1e8 * static_cast<double>(reference.at(c, r));
      const double ours = result.density.at(c, r);
      const double diff = std::abs(ours - ref);
      const double bound = peak * (per_event * near_events(c, r, reach) + per_event_recursive * near_events(c, r, far_reach)) +
                           2e-6 * std::max(ours, ref);
      if (diff > bound) ++violations;
      if (bound > 0) worst_ratio = std::max(worst_ratio, diff / bound);
      only_ours += (ours > 0 && ref == 0) ? 1 : 0;
      only_ref += (ref > 0 && ours == 0) ? 1 : 0;
      max_diff = std::max(max_diff, diff);
      max_ref = std::max(max_ref, ref);
      sum_diff += diff;
      sum_ref += ref;
      sum_ours += ours;
    }
  const bool agree = violations == 0;
  fmt::print("events: {}\n", pts.size());
  fmt::print("grid: {}x{} cells of {} m\n", grid.width, grid.height, grid.dx());
  fmt::print("sigma_m: {}\nvkernel_radius_m: {}\nsupport_sigmas: {}\n", sigma, 4 * sigma, support);
  fmt::print("threads: {}\n", omp_get_max_threads());
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  fmt::print("glibc_tunables: {}\n", tunables != nullptr ? tunables : "(default)");
  fmt::print("vkernel_seconds: {:.3f}\n", grass_seconds);
  fmt::print("nexusmap_seconds_median: {:.4f}\nnexusmap_seconds_min: {:.4f}\n", median, times.front());
  fmt::print("speedup_vs_vkernel: {:.1f}\n", grass_seconds / median);
  fmt::print("max_density_per_100km2: {:.6g}\nsingle_event_peak_per_100km2: {:.6g}\n", max_ref, peak);
  fmt::print("max_abs_difference_relative_to_max: {:.3g}\n", max_diff / max_ref);
  fmt::print("l1_difference_relative: {:.3g}\n", sum_diff / sum_ref);
  fmt::print("mass_ratio_nexusmap_to_vkernel: {:.6f}\n", sum_ours / sum_ref);
  fmt::print("cells_nonzero_only_in_nexusmap: {}\ncells_nonzero_only_in_vkernel: {}\n", only_ours, only_ref);
  fmt::print("documented_bound_per_event_relative_to_peak: {:.3g} (+{:.1g} recursive)\n", per_event,
             per_event_recursive);
  fmt::print("largest_difference_as_fraction_of_bound: {:.3g}\n", worst_ratio);
  fmt::print("cells_beyond_bound: {}\n", violations);
  fmt::print("agreement: {}\n", agree ? "ok" : "FAILED");
  return agree ? 0 : 1;
}

int gistar(const std::map<std::string, std::string>& args) {
  const std::int64_t n = std::stoll(need(args, "size"));
  const double band_cells = std::stod(need(args, "band-cells"));
  const int repeat = args.count("repeat") ? std::stoi(args.at("repeat")) : 3;
  Raster<float> v(Grid::north_up("", kXmin, kYmin + kCell * static_cast<double>(n), kCell, n, n));
  // Noise plus smooth hot and cold regions, 1% nodata.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> noise(0, 1);
  std::bernoulli_distribution missing(0.01);
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t c = 0; c < n; ++c) {
      const auto x = static_cast<double>(c) / static_cast<double>(n), y = static_cast<double>(r) / static_cast<double>(n);
      const float signal = static_cast<float>(0.3 * std::sin(9 * x) * std::cos(7 * y));
      v.at(c, r) = missing(rng) ? std::nanf("") : noise(rng) + signal;
    }
  std::vector<double> times;
  GiStarResult r;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    r = getis_ord_gi_star(v, {band_cells * kCell, true});
    times.push_back(seconds_since(t0));
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  std::int64_t significant = 0;
  for (CellIndex i = 0; i < r.bins.size(); ++i) significant += r.bins.valid(i) && r.bins[i] != 0 ? 1 : 0;
  fmt::print("grid: {}x{}\nband_cells: {}\nthreads: {}\n", n, n, band_cells, omp_get_max_threads());
  fmt::print("gistar_seconds_median: {:.3f}\ngistar_seconds_min: {:.3f}\n", median, times.front());
  fmt::print("cells_per_second: {:.3g}\n", static_cast<double>(n * n) / median);
  fmt::print("significant_cells_fdr: {}\np_threshold_99: {:.3g}\n", significant, r.p_threshold_99);
  return 0;
}


// The unit hot-spot chain on a synthetic smoothed field: times each step (median of `repeat`).
int units(const std::map<std::string, std::string>& args) {
  auto get = [&](const char* key, double fallback) { return args.count(key) ? std::stod(args.at(key)) : fallback; };
  const auto w = static_cast<std::int64_t>(get("width", 914)), h = static_cast<std::int64_t>(get("height", 678));
  const double cell = get("cell", 1000), spacing = get("spacing", 25000);
  const auto perms = static_cast<std::int64_t>(get("permutations", 999));
  const int repeat = static_cast<int>(get("repeat", 3));
  Raster<float> field(Grid::north_up("", 0, cell * static_cast<double>(h), cell, w, h));
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(0, 1);
  for (float& v : field.values()) v = u(rng);
  field = gaussian_smooth(field, {10 * cell, 6.0});
  std::vector<double> t_lattice, t_aggregate, t_isa, t_gi, t_paint;
  GiUnitsResult gi;
  IncrementalAutocorrelationResult isa;
  std::int32_t count = 0;
  for (int k = 0; k < repeat; ++k) {
    auto t0 = std::chrono::steady_clock::now();
    const ZoneLattice lattice = hexagon_zones(field.grid(), spacing);
    t_lattice.push_back(seconds_since(t0));
    count = lattice.count;
    t0 = std::chrono::steady_clock::now();
    const AnalysisUnits au = aggregate_to_units(lattice.zones, lattice.count, field);
    t_aggregate.push_back(seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    isa = incremental_autocorrelation(au.x, au.y, au.value);
    t_isa.push_back(seconds_since(t0));
    GiUnitsOptions o;
    o.distance_band = isa.chosen >= 0 ? isa.chosen_distance() : spacing * 1.01;
    o.permutations = perms;
    t0 = std::chrono::steady_clock::now();
    gi = gi_star_permutation(au.x, au.y, au.value, o);
    t_gi.push_back(seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    const Raster<std::int16_t> bins = paint_unit_classes(lattice.zones, gi.bins, gi.tested);
    t_paint.push_back(seconds_since(t0));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  double neighbours = 0;
  for (const auto n : gi.neighbours) neighbours += static_cast<double>(n);
  fmt::print("grid: {}x{} cells of {} m\nhexagon_spacing_m: {}\nunits: {}\nunits_tested: {}\n", w, h, cell, spacing,
             count, gi.n);
  fmt::print("threads: {}\npermutations: {}\nisa_chosen_band_m: {}\nmean_neighbours: {:.1f}\n", omp_get_max_threads(),
             perms, isa.chosen_distance(), neighbours / static_cast<double>(gi.n));
  fmt::print("seconds_hexagon_lattice: {:.4f}\nseconds_aggregate: {:.4f}\nseconds_incremental_moran_10_bands: {:.4f}\n",
             median(t_lattice), median(t_aggregate), median(t_isa));
  fmt::print("seconds_gi_star_permutation: {:.4f}\nseconds_paint: {:.4f}\n", median(t_gi), median(t_paint));
  fmt::print("seconds_total: {:.4f}\n",
             median(t_lattice) + median(t_aggregate) + median(t_isa) + median(t_gi) + median(t_paint));
  return 0;
}

// Bin shares of a class raster, "-3:..., ..., 3:..." of the valid cells.
std::string bin_shares(const Raster<std::int16_t>& bins) {
  std::int64_t counts[7] = {}, valid = 0;
  for (CellIndex i = 0; i < bins.size(); ++i)
    if (bins.valid(i) && bins[i] >= -3 && bins[i] <= 3) {
      ++counts[bins[i] + 3];
      ++valid;
    }
  std::string out;
  for (int b = -3; b <= 3; ++b)
    out += fmt::format("{}{}: {:.1f}%", b == -3 ? "" : ", ", b, 100.0 * static_cast<double>(counts[b + 3]) / static_cast<double>(std::max<std::int64_t>(1, valid)));
  return out;
}

// What the activity and hotspots stages will produce once wired, from a finished run's rasters.
int preview(const std::map<std::string, std::string>& args) {
  const std::filesystem::path run = need(args, "run");
  const double spacing = args.count("spacing") ? std::stod(args.at("spacing")) : 25000.0;
  const std::filesystem::path out = args.count("out") ? args.at("out") : std::string{};
  Raster<float> activity = read_raster<float>(run / "activity_density.tif");
  const double bandwidth = std::stod(read_metadata_item(run / "activity_density.tif", "NEXUSMAP_BANDWIDTH_M"));
  const double floor = density_floor({Kernel::gaussian, bandwidth, 1e8});
  std::int64_t positive = 0;
  for (const float v : activity.values()) positive += v > 0 ? 1 : 0;
  const std::int64_t zeroed = apply_floor(activity, floor);
  fmt::print("activity_bandwidth_m: {}\nactivity_floor_per_100km2: {:.6g}\n", bandwidth, floor);
  fmt::print("activity_cells_positive: {}\nactivity_cells_at_or_below_floor: {}\nactivity_cells_above_floor: {}\n",
             positive, zeroed, positive - zeroed);
  NormalizeOptions ranks{Normalization::percentile_rank};
  ranks.floor = floor;
  const Raster<float> rank = normalize(activity, ranks);
  if (!out.empty()) {
    std::filesystem::create_directories(out);
    write_cog(activity, out / "activity_floored.tif");
    write_cog(rank, out / "activity_rank_floored.tif");
  }
  // --recompute REACH: the index rebuilt from the run's layers as the default hotspots stage combines
  // them (route frequency smoothed over 15 km with this reach and min–max, activity as the floored
  // percentile rank, governance as is, weighted geometric mean), instead of the run's own index.
  Raster<float> nexus = read_raster<float>(run / "nexus_index.tif");
  if (args.count("recompute")) {
    const Raster<float> route = gaussian_smooth(read_raster<float>(run / "route_frequency.tif"),
                                                {15000.0, std::stod(args.at("recompute"))});
    const Raster<float> traffic = normalize(route, {Normalization::min_max});
    const Raster<float> governance = normalize(read_raster<float>(run / "governance_gap.tif"),
                                               {Normalization::fuzzy_linear, 0, 1});
    const Raster<float>* layers[] = {&traffic, &rank, &governance};
    const double weights[] = {1, 1, 1};
    nexus = combine(layers, weights, {Combine::weighted_geometric_mean});
    if (!out.empty()) {
      write_cog(nexus, out / "nexus_index_recomputed.tif");
      write_cog(traffic, out / "trafficking_recomputed.tif");
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  const ZoneLattice lattice = hexagon_zones(nexus.grid(), spacing);
  AnalysisUnits au = aggregate_to_units(lattice.zones, lattice.count, nexus);
  // --tested positive: only units where the index is above 0 (where the three layers meet) are tested.
  const bool positive_only = args.count("tested") && args.at("tested") == "positive";
  if (positive_only)
    for (double& v : au.value)
      if (!(v > 0)) v = std::nan("");
  const IncrementalAutocorrelationResult isa = incremental_autocorrelation(au.x, au.y, au.value);
  GiUnitsOptions o;
  o.distance_band = isa.chosen >= 0 ? isa.chosen_distance() : spacing * 1.01;
  if (args.count("band")) o.distance_band = std::stod(args.at("band"));
  if (args.count("permutations")) o.permutations = std::stoll(args.at("permutations"));
  const GiUnitsResult gi = gi_star_permutation(au.x, au.y, au.value, o);
  const Raster<std::int16_t> bins = paint_unit_classes(lattice.zones, gi.bins, gi.tested);
  const double seconds = seconds_since(t0);
  fmt::print("hexagon_spacing_m: {}\nunits_tested: {}\nisa:", spacing, gi.n);
  for (const MoranBand& m : isa.bands) fmt::print(" {:.0f}m z={:.2f}", m.distance, m.z);
  fmt::print("\nisa_chosen_band_m: {} (peak: {})\ngi_band_m: {}\n", isa.chosen_distance(), isa.peak ? "yes" : "no",
             o.distance_band);
  fmt::print("unit_bins_share_of_cells: {}\nseconds_units_chain: {:.3f}\n", bin_shares(bins), seconds);
  const Raster<std::int16_t> cells = read_raster<std::int16_t>(run / "hotspot_bins.tif");
  fmt::print("per_cell_bins_share (the run's): {}\n", bin_shares(cells));
  if (!out.empty()) {
    write_cog(bins, out / "hotspot_bins_units.tif");
    write_cog(paint_units(lattice.zones, gi.z), out / "hotspot_z_units.tif");
  }
  return 0;
}

}  // namespace
}  // namespace nexusmap::bench

int main(int argc, char** argv) {
  using namespace nexusmap::bench;
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    const auto args = parse(argc, argv);
    if (mode == "points") return points(args);
    if (mode == "kde") return kde(args);
    if (mode == "gistar") return gistar(args);
    if (mode == "units") return units(args);
    if (mode == "preview") return preview(args);
    std::fprintf(stderr, "usage: bench_analysis points|kde|gistar|units|preview --option value ... (see the source header)\n");
    return 2;
  } catch (const nexusmap::Error& e) {
    std::fprintf(stderr, "bench_analysis: %s\n", e.what());
    return e.exit_code();
  }
}

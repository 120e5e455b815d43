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
//
// Output is "key: value" lines. Exit code 1 when the densities disagree beyond the documented bounds.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
#include "rasters/statistics/getis_ord.hpp"
#include "rasters/density/kernel_density.hpp"

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
  const KdeOptions options{Kernel::gaussian, sigma, 1e8};

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
  // truncation (v.kernel: a circle of radius 4σ; here a square of R = ceil(4σ) cells, or none for the
  // recursive filter) <= exp(−8)·peak, for events whose bins are within R + 2 cells of the cell; and the
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
  fmt::print("sigma_m: {}\nvkernel_radius_m: {}\n", sigma, 4 * sigma);
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
    std::fprintf(stderr, "usage: bench_analysis points|kde|gistar --option value ... (see the source header)\n");
    return 2;
  } catch (const nexusmap::Error& e) {
    std::fprintf(stderr, "bench_analysis: %s\n", e.what());
    return e.exit_code();
  }
}

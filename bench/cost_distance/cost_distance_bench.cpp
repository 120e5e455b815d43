// SPDX-License-Identifier: MIT
// Benchmark helper for bench/cost_distance/run.sh.
//   cost_distance_bench run FRICTION.tif --source X,Y [--source X,Y ...] [--neighbours 8|16]
//                       [--reference] [--backlinks] [--repeat N]
//     times the engine alone (fast method, or the plain binary-heap reference) on isotropic friction;
//     prints one line "method=... neighbours=... cells=... settled=... seconds=... cpu=... checksum=..."
//     (seconds: wall clock; cpu: process CPU time, less disturbed by other load on the machine).
//   cost_distance_bench compare OURS.tif THEIRS.tif [--scale S]
//     compares accumulated costs cell by cell (THEIRS multiplied by S, e.g. the cell size for r.cost);
//     prints the largest relative difference and the cells reached by one side only.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "rasters/cost/cost_distance.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_raster.hpp"

namespace {

using namespace nexusmap;

int usage() {
  std::fprintf(stderr,
               "usage: cost_distance_bench run FRICTION.tif --source X,Y [...] [--neighbours 8|16] [--reference] "
               "[--backlinks] [--repeat N]\n"
               "       cost_distance_bench compare OURS.tif THEIRS.tif [--scale S]\n");
  return 2;
}

int run(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string friction_path = argv[2];
  std::vector<std::pair<double, double>> points;
  CostDistanceOptions options;
  options.backlinks = false;
  bool reference = false;
  int repeat = 1;
  for (int i = 3; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--source" && i + 1 < argc) {
      double x = 0, y = 0;
      if (std::sscanf(argv[++i], "%lf,%lf", &x, &y) != 2) return usage();
      points.emplace_back(x, y);
    } else if (a == "--neighbours" && i + 1 < argc) {
      options.neighbourhood = std::atoi(argv[++i]) == 16 ? Neighbourhood::knight16 : Neighbourhood::queen8;
    } else if (a == "--reference") {
      reference = true;
    } else if (a == "--backlinks") {
      options.backlinks = true;
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      return usage();
    }
  }
  if (points.empty()) return usage();
  const Raster<float> friction = read_raster<float>(friction_path);
  std::vector<Seed> seeds;
  for (const auto& [x, y] : points) {
    const auto cell = friction.grid().cell_at(x, y);
    if (!cell) input_error(fmt::format("source {},{} is outside {}", x, y, friction_path));
    seeds.push_back({friction.grid().index(cell->col, cell->row), 0.0});
  }
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const CostDistanceResult result =
        reference ? cost_distance_reference(friction.grid(), seeds, IsotropicFriction(friction), options)
                  : cost_distance(friction, seeds, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    double checksum = 0;
    for (const double v : result.accumulated.values())
      if (!std::isnan(v)) checksum += v;
    std::printf("method=%s neighbours=%d cells=%lld settled=%lld seconds=%.3f cpu=%.3f checksum=%.17g\n",
                reference ? "reference" : "radix", static_cast<int>(options.neighbourhood),
                static_cast<long long>(friction.size()), static_cast<long long>(result.settled), seconds, cpu, checksum);
  }
  return 0;
}

int compare(int argc, char** argv) {
  if (argc < 4) return usage();
  double scale = 1;
  for (int i = 4; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--scale" && i + 1 < argc) scale = std::atof(argv[++i]);
    else return usage();
  }
  const Raster<double> ours = read_raster<double>(argv[2]);
  const Raster<double> theirs = read_raster<double>(argv[3]);
  if (!ours.grid().same_georeferencing(theirs.grid())) input_error("compare: the rasters have different grids");
  double worst = 0;
  long long only_ours = 0, only_theirs = 0, both = 0;
  for (CellIndex i = 0; i < ours.size(); ++i) {
    const bool a = ours.valid(i), b = theirs.valid(i);
    if (a && b) {
      ++both;
      const double t = theirs[i] * scale;
      const double denom = std::max(std::abs(t), 1e-300);
      worst = std::max(worst, std::abs(ours[i] - t) / denom);
    } else if (a) {
      ++only_ours;
    } else if (b) {
      ++only_theirs;
    }
  }
  std::printf("compared=%lld max_rel_diff=%.3g only_ours=%lld only_theirs=%lld\n", both, worst, only_ours,
              only_theirs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  try {
    const std::string_view mode = argv[1];
    if (mode == "run") return run(argc, argv);
    if (mode == "compare") return compare(argc, argv);
    return usage();
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  }
}

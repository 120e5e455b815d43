// SPDX-License-Identifier: MIT
#include "pipeline/tools.hpp"

#include <omp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>

#include "nexusmap/version.hpp"
#include "pipeline/cli_options.hpp"
#include "pipeline/logging.hpp"
#include "pipeline/stages/common.hpp"
#include "rasters/cost/cost_distance.hpp"
#include "rasters/io/crs.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "rasters/io/gdal_util.hpp"
#include "vectors/features.hpp"
#include "vectors/gpkg.hpp"
#include "vectors/rasterize.hpp"

namespace nexusmap {

namespace {

// The tools' options, declared once (pipeline/bind.hpp): the command line, its help and its checks
// come from these declarations. File arguments are plain text: a missing input file is an input
// error naming the flag (exit 3), as in the rest of the tool.
struct CostDistanceArgs {
  std::string cost, sources, sources_layer, sources_where, out;
  std::optional<std::string> backlinks;
  Neighbourhood neighbours = stages::kDefaultNeighbourhood;
  std::optional<double> max_cost;
};

const OptionSet<CostDistanceArgs>& cost_distance_options() {
  static const OptionSet<CostDistanceArgs> o = [] {
    using A = CostDistanceArgs;
    OptionSet<A> s;
    s.text("cost", &A::cost, std::nullopt,
           "Friction raster: cost per map unit (e.g. s/m); nodata, NaN or <= 0 is impassable");
    s.text("sources", &A::sources, std::nullopt,
           "Sources: a vector file (any OGR format; every cell a feature touches) or a raster whose non-zero valid "
           "cells are sources");
    s.text("sources_layer", &A::sources_layer, "", "Layer of the sources vector file");
    s.text("sources_where", &A::sources_where, "", "OGR SQL filter on the sources, e.g. \"kind = 'town'\"");
    stages::declare_neighbours(s, &A::neighbours);
    s.number("max_cost", &A::max_cost, std::nullopt, "Cells costlier than this stay nodata").min(0);
    s.text("out", &A::out, std::nullopt, "Accumulated cost (Float32 COG; nodata = unreached)");
    s.text("backlinks", &A::backlinks, std::nullopt, "Back-links for least-cost-path (Byte COG, nodata 255)");
    return s;
  }();
  return o;
}

struct LeastCostPathArgs {
  std::string acc, backlinks, to, to_layer, name_field, out;
};

const OptionSet<LeastCostPathArgs>& least_cost_path_options() {
  static const OptionSet<LeastCostPathArgs> o = [] {
    using A = LeastCostPathArgs;
    OptionSet<A> s;
    s.text("acc", &A::acc, std::nullopt, "Accumulated cost written by cost-distance --out");
    s.text("backlinks", &A::backlinks, std::nullopt, "Back-links written by cost-distance --backlinks");
    s.text("to", &A::to, std::nullopt, "Destination points (any OGR format)");
    s.text("to_layer", &A::to_layer, "", "Layer of the destinations file");
    s.text("name_field", &A::name_field, "", "Attribute copied into the paths' name field");
    s.text("out", &A::out, std::nullopt, "GeoPackage; layer least_cost_paths (replaced if present)");
    return s;
  }();
  return o;
}

using Clock = std::chrono::steady_clock;

void require_file(const std::string& path, const char* what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    input_error(fmt::format("{}: file not found; check the {} path", path, what));
}

// Moves are measured in map units, so a geographic (degree) grid would give meaningless costs.
void require_projected_metres(const Grid& grid, const std::string& path) {
  if (!crs_is_projected_metres(grid.crs_wkt)) {
    input_error(fmt::format("{}: the raster's CRS is not projected in metres; costs are per metre of movement, so "
                            "warp it first (e.g. gdalwarp -t_srs EPSG:32642 ...)",
                            path));
  }
}

// Returns heap memory that was freed but kept by the allocator to the kernel, so that it does not
// count twice towards the peak when the large arrays of the search are mapped.
void release_freed_heap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

bool opens_as_raster(const std::string& path) {
  ensure_gdal_registered();
  GdalErrorCapture quiet;
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  return ds && ds->GetRasterCount() > 0;
}

std::vector<Seed> seeds_from_cells(const Raster<float>& burnt) {
  std::vector<Seed> seeds;
  for (CellIndex i = 0; i < burnt.size(); ++i)
    if (burnt.valid(i) && burnt[i] != 0.0F) seeds.push_back({i, 0.0});
  return seeds;
}

// Non-zero valid cells of a raster, on the cost grid (warped with nearest neighbour when the
// source raster has another grid).
std::vector<Seed> raster_sources(const std::string& path, const Grid& grid) {
  const RasterInfo info = inspect_raster(path);
  Raster<float> cells;
  if (info.grid.same_georeferencing(grid) && info.grid.crs_wkt == grid.crs_wkt) {
    cells = read_raster<float>(path);
  } else {
    WarpOptions w;
    w.resampling = Resampling::nearest;
    const std::filesystem::path p = path;
    cells = warp_to_grid(std::span<const std::filesystem::path>(&p, 1), grid, w);
  }
  std::vector<Seed> seeds = seeds_from_cells(cells);
  if (seeds.empty()) {
    input_error(fmt::format("{}: no source cell: the raster has no non-zero valid cell on the cost raster's grid; "
                            "mark sources with non-zero values",
                            path));
  }
  return seeds;
}

// Features of a vector layer burnt onto the cost grid (every cell a feature touches).
std::vector<Seed> vector_sources(const CostDistanceArgs& a, const Grid& grid,
                                 const std::shared_ptr<spdlog::logger>& log) {
  VectorSource src;
  src.path = a.sources;
  src.layer = a.sources_layer;
  src.where = a.sources_where;
  ReadOptions ro;
  ro.target_crs_wkt = grid.crs_wkt;
  const FeatureTable table = read_features(src, ro);
  const Extent e = grid.extent();
  std::size_t outside = 0;
  for (const Feature& f : table.features) {
    OGREnvelope env;
    if (f.geometry) f.geometry->getEnvelope(&env);
    if (!f.geometry || env.MaxX < e.xmin || env.MinX >= e.xmax || env.MaxY <= e.ymin || env.MinY > e.ymax) ++outside;
  }
  if (outside == table.features.size()) {
    input_error(fmt::format("{}: all {} source feature(s) lie outside the cost raster (x {:.1f} .. {:.1f}, y {:.1f} .. "
                            "{:.1f} in its CRS); check that sources and cost raster cover the same area",
                            src.describe(), table.features.size(), e.xmin, e.xmax, e.ymin, e.ymax));
  }
  if (outside > 0) log->warn("{}: {} of {} source feature(s) lie outside the cost raster and are ignored",
                             src.describe(), outside, table.features.size());
  // Points map straight to their cells; lines and polygons are burnt, every cell they touch (small
  // polygons and thin lines still mark cells).
  std::vector<Seed> seeds;
  std::vector<const OGRGeometry*> shapes;
  auto add_point = [&](const OGRPoint& p) {
    if (const auto c = grid.cell_at(p.getX(), p.getY())) seeds.push_back({grid.index(c->col, c->row), 0.0});
  };
  for (const Feature& f : table.features) {
    if (!f.geometry) continue;
    const OGRwkbGeometryType type = wkbFlatten(f.geometry->getGeometryType());
    if (type == wkbPoint) {
      add_point(*f.geometry->toPoint());
    } else if (type == wkbMultiPoint) {
      for (const OGRPoint* p : *f.geometry->toMultiPoint()) add_point(*p);
    } else {
      shapes.push_back(f.geometry.get());
    }
  }
  if (!shapes.empty()) {
    RasterizeOptions options;
    options.all_touched = true;
    const std::vector<Seed> burnt = seeds_from_cells(rasterize(grid, shapes, {}, options));
    seeds.insert(seeds.end(), burnt.begin(), burnt.end());
  }
  if (seeds.empty()) input_error(fmt::format("{}: no source cell: no feature touches a cell of the cost raster",
                                             src.describe()));
  return seeds;
}

std::map<std::string, std::string> provenance(const std::string& command,
                                              std::initializer_list<std::pair<std::string, std::string>> params) {
  std::map<std::string, std::string> m = {{"nexusmap_version", build::version}, {"nexusmap_command", command}};
  for (const auto& [k, v] : params) m["nexusmap_" + k] = v;
  return m;
}

int run_cost_distance(const CostDistanceArgs& a) {
  auto log = Logging::get("cost-distance");
  const auto t0 = Clock::now();
  Raster<float> friction = read_raster<float>(a.cost);
  const Grid grid = friction.grid();
  require_projected_metres(grid, a.cost);
  require_file(a.sources, "--sources");
  const bool as_vector = !a.sources_layer.empty() || !a.sources_where.empty() || !opens_as_raster(a.sources);
  const std::vector<Seed> seeds = as_vector ? vector_sources(a, grid, log) : raster_sources(a.sources, grid);

  CostDistanceOptions options;
  options.neighbourhood = a.neighbours;
  options.max_cost = a.max_cost.value_or(std::numeric_limits<double>::infinity());
  options.backlinks = a.backlinks.has_value();
  const int neighbours = static_cast<int>(a.neighbours);
  CostDistanceResult result;
  double search_seconds = 0;
  {
    const IsotropicFriction cost(friction);
    if (cost.passable_cells() == 0) {
      input_error(fmt::format("{}: the cost raster has no passable cell (every cell is nodata, NaN or <= 0)", a.cost));
    }
    std::size_t blocked = 0;
    for (const Seed& s : seeds) blocked += cost.passable(s.cell) ? 0 : 1;
    if (blocked > 0) {
      log->warn("{} of {} source cell(s) lie on impassable cost cells (nodata or <= 0): they get cost 0 but nothing "
                "spreads from them",
                blocked, seeds.size());
    }
    options.progress = Logging::progress().track("cost-distance");
    const auto t1 = Clock::now();
    release_freed_heap();  // GDAL's freed block cache and temporaries, before the search's peak
    result = cost_distance(grid, seeds, cost, options);
    search_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
    Logging::progress().finish("cost-distance");
  }
  friction = Raster<float>();  // no longer needed while the outputs are written
  log->info("{} of {} cells reached from {} source cell(s), {} neighbours, in {:.2f} s", result.settled, grid.cells(),
            seeds.size(), neighbours, search_seconds);

  const std::string max_cost = a.max_cost ? fmt::format("{}", *a.max_cost) : "none";
  CogOptions cog;
  cog.compression = "ZSTD";  // level 1: about twice as fast as DEFLATE 6 for files ~10% larger
  cog.level = 1;
  cog.threads = omp_get_max_threads();
  cog.metadata = provenance("cost-distance", {{"cost", a.cost},
                                              {"sources", a.sources},
                                              {"sources_layer", a.sources_layer},
                                              {"sources_where", a.sources_where},
                                              {"neighbours", std::to_string(neighbours)},
                                              {"max_cost", max_cost}});
  {
    // Float32 on disk (7 significant digits); the search accumulated in double.
    Raster<float> acc(grid);
    float* out = acc.data();
    const double* in = result.accumulated.data();
    for (CellIndex i = 0; i < acc.size(); ++i) out[i] = static_cast<float>(in[i]);
    result.accumulated = Raster<double>();
    cog.description = "Accumulated cost";
    cog.units = "cost";
    write_cog(acc, a.out, cog);
  }
  if (options.backlinks) {
    cog.description = "Back-link: move 0-15 from the predecessor (docs/cost-distance.md); 255 = source or unreached";
    cog.units = "";
    cog.integer_nodata = kNoBacklink;
    cog.overview_resampling = Resampling::nearest;
    write_cog(result.backlinks, *a.backlinks, cog);
  }
  log->info("wrote {}{} in {:.1f} s", a.out, options.backlinks ? " and " + *a.backlinks : "",
            std::chrono::duration<double>(Clock::now() - t0).count());
  return 0;
}

int run_least_cost_path(const LeastCostPathArgs& a) {
  auto log = Logging::get("least-cost-path");
  const Raster<double> acc = read_raster<double>(a.acc);
  const Raster<std::uint8_t> stored = read_raster<std::uint8_t>(a.backlinks);
  const Grid& grid = acc.grid();
  if (!grid.same_georeferencing(stored.grid())) {
    input_error(fmt::format("{} and {}: the rasters have different grids; give the back-links written by the same "
                            "cost-distance run",
                            a.acc, a.backlinks));
  }
  require_projected_metres(grid, a.acc);
  // On disk sources and unreached cells are both nodata (255); the accumulated cost tells them apart.
  Raster<std::uint8_t> links(grid, kNoBacklink);
  links.mask().assign(static_cast<std::size_t>(grid.cells()), 1);
  for (CellIndex i = 0; i < grid.cells(); ++i) {
    if (!acc.valid(i)) links.mask()[static_cast<std::size_t>(i)] = 0;
    else if (stored.valid(i)) links[i] = stored[i];
  }

  VectorSource src;
  src.path = a.to;
  src.layer = a.to_layer;
  ReadOptions ro;
  ro.target_crs_wkt = grid.crs_wkt;
  if (!a.name_field.empty()) ro.required_fields = {a.name_field};
  const FeatureTable points = read_features(src, ro);
  const int name_index = a.name_field.empty() ? -1 : points.require_field(a.name_field, src.describe());

  FeatureTable out;
  out.name = "least_cost_paths";
  out.crs_wkt = grid.crs_wkt;
  if (name_index >= 0) out.fields.push_back({"name", FieldType::string});
  out.fields.push_back({"cost", FieldType::real});
  out.fields.push_back({"length_m", FieldType::real});
  out.fields.push_back({"cells", FieldType::integer});

  std::size_t unreachable = 0;
  for (const Feature& f : points.features) {
    const std::string label = name_index >= 0 ? fmt::format("'{}'", attr_text(points.attr(f, name_index)))
                                              : fmt::format("fid {}", f.fid);
    if (!f.geometry || wkbFlatten(f.geometry->getGeometryType()) != wkbPoint) {
      input_error(fmt::format("{}: destination {} is a {}; --to needs points", src.describe(), label,
                              f.geometry ? f.geometry->getGeometryName() : "feature without geometry"));
    }
    const auto* p = f.geometry->toPoint();
    const auto cell = grid.cell_at(p->getX(), p->getY());
    if (!cell) {
      ++unreachable;
      log->warn("destination {} at ({:.1f}, {:.1f}) lies outside the grid of {}; no path", label, p->getX(), p->getY(),
                a.acc);
      continue;
    }
    const CellIndex target = grid.index(cell->col, cell->row);
    if (!acc.valid(target)) {
      ++unreachable;
      log->warn("destination {} is unreachable from the sources (no accumulated cost at column {}, row {}); no path",
                label, cell->col, cell->row);
      continue;
    }
    std::vector<CellIndex> path;
    try {
      path = trace_back(links, target);
    } catch (const Error& e) {
      throw Error(e.kind(), fmt::format("{}: {}", a.backlinks, e.what()));
    }
    auto line = std::make_unique<OGRLineString>();
    for (auto it = path.rbegin(); it != path.rend(); ++it) {  // from the source to the destination
      const Cell c = grid.cell(*it);
      line->addPoint(grid.x_center(c.col), grid.y_center(c.row));
    }
    if (path.size() == 1) line->addPoint(line->getX(0), line->getY(0));  // a destination on a source
    Feature feature;
    feature.fid = f.fid;
    feature.geometry.reset(line.release());
    if (name_index >= 0) feature.attributes.emplace_back(attr_text(points.attr(f, name_index)));
    feature.attributes.emplace_back(acc[target]);
    feature.attributes.emplace_back(path_length(grid, path));
    feature.attributes.emplace_back(static_cast<std::int64_t>(path.size()));
    out.features.push_back(std::move(feature));
  }
  GpkgLayerOptions lo;
  lo.geometry_type = wkbLineString;
  lo.description = fmt::format("Least-cost paths over {} (nexusmap least-cost-path)", a.acc);
  write_gpkg_layer(a.out, out, lo);
  log->info("wrote {} path(s) to {}{}", out.features.size(), a.out,
            unreachable > 0 ? fmt::format(" ({} destination(s) without a path)", unreachable) : "");
  return 0;
}

}  // namespace

struct ToolArgs {
  std::unique_ptr<DeclaredOptions> cost_distance, least_cost_path;
};

ToolCommands add_tool_commands(CLI::App& app) {
  ToolCommands t;
  t.args = std::make_shared<ToolArgs>();
  t.cost_distance = app.add_subcommand(
      "cost-distance",
      "Accumulated cost from sources over a friction raster (isotropic, GRASS r.cost convention; docs/cost-distance.md)");
  t.args->cost_distance = std::make_unique<DeclaredOptions>(t.cost_distance, cost_distance_options().specs());
  t.least_cost_path = app.add_subcommand(
      "least-cost-path", "Least-cost paths from destination points back to the sources of a cost-distance run");
  t.args->least_cost_path = std::make_unique<DeclaredOptions>(t.least_cost_path, least_cost_path_options().specs());
  return t;
}

int run_tool_command(const ToolCommands& tools) {
  const bool tool = (tools.cost_distance != nullptr && tools.cost_distance->parsed()) ||
                    (tools.least_cost_path != nullptr && tools.least_cost_path->parsed());
  // Tools read each raster once into memory; a large GDAL block cache would only hold a second copy.
  if (tool) GDALSetCacheMax64(std::int64_t{64} << 20);
  if (tools.cost_distance != nullptr && tools.cost_distance->parsed())
    return run_cost_distance(tools.args->cost_distance->bind(cost_distance_options()));
  if (tools.least_cost_path != nullptr && tools.least_cost_path->parsed())
    return run_least_cost_path(tools.args->least_cost_path->bind(least_cost_path_options()));
  return -1;
}

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
#include "tests/pipeline/publish_fixture.hpp"

#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>

#include "pipeline/config.hpp"
#include "pipeline/context.hpp"
#include "pipeline/runner.hpp"
#include "rasters/io/crs.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"

namespace nexusmap::test {
namespace {

using json = nlohmann::json;

// Positions as fractions of the grid extent (0,0 south-west, 1,1 north-east), so the synthetic
// geography fits whatever projected grid the grid stage makes.
struct Frame {
  Extent e;
  [[nodiscard]] double x(double fx) const { return e.xmin + fx * e.width(); }
  [[nodiscard]] double y(double fy) const { return e.ymin + fy * e.height(); }
};

OGRGeometryUniquePtr wkt(const std::string& text) {
  OGRGeometry* g = nullptr;
  OGRGeometryFactory::createFromWkt(text.c_str(), nullptr, &g);
  if (g == nullptr) fail(ErrorKind::internal, fmt::format("fixture: bad WKT {}", text));
  return OGRGeometryUniquePtr(g);
}

std::string line_wkt(const Frame& f, const std::vector<std::pair<double, double>>& pts) {
  std::string s = "LINESTRING (";
  for (std::size_t i = 0; i < pts.size(); ++i)
    s += fmt::format("{}{:.3f} {:.3f}", i ? "," : "", f.x(pts[i].first), f.y(pts[i].second));
  return s + ")";
}

std::string box_wkt(const Frame& f, double x0, double y0, double x1, double y1) {
  return fmt::format("(({0:.3f} {1:.3f},{2:.3f} {1:.3f},{2:.3f} {3:.3f},{0:.3f} {3:.3f},{0:.3f} {1:.3f}))", f.x(x0),
                     f.y(y0), f.x(x1), f.y(y1));
}

// The main route, south (Afghan Badakhshan) to north, in frame fractions.
const std::vector<std::pair<double, double>> kRoute = {
    {0.35, 0.05}, {0.42, 0.30}, {0.55, 0.45}, {0.52, 0.70}, {0.62, 0.97}};

double dist_to_route(const Frame& f, double x, double y) {
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 1; i < kRoute.size(); ++i) {
    const double ax = f.x(kRoute[i - 1].first), ay = f.y(kRoute[i - 1].second);
    const double bx = f.x(kRoute[i].first), by = f.y(kRoute[i].second);
    const double dx = bx - ax, dy = by - ay;
    const double t = std::clamp(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0);
    best = std::min(best, std::hypot(x - ax - t * dx, y - ay - t * dy));
  }
  return best;
}

template <class Fn>
Raster<float> field(const Grid& g, Fn fn) {
  Raster<float> r(g, 0.0F);
  for (std::int64_t row = 0; row < g.height; ++row)
    for (std::int64_t col = 0; col < g.width; ++col)
      r.at(col, row) = static_cast<float>(fn(g.x_center(col), g.y_center(row), col, row));
  return r;
}

// A few cells of nodata in the south-east corner: the styles and maps must keep them transparent.
bool outside(const Grid& g, std::int64_t col, std::int64_t row) {
  return col > g.width * 9 / 10 && row > g.height * 9 / 10;
}

FeatureTable table(const std::string& name, const Grid& g, std::vector<FieldDef> fields) {
  FeatureTable t;
  t.name = name;
  t.crs_wkt = g.crs_wkt;
  t.fields = std::move(fields);
  return t;
}

void add(FeatureTable& t, const std::string& geometry, std::vector<AttrValue> attrs) {
  Feature f;
  f.fid = static_cast<std::int64_t>(t.features.size()) + 1;
  f.geometry = wkt(geometry);
  f.attributes = std::move(attrs);
  t.features.push_back(std::move(f));
}

// The stand-ins write the real stages' outputs, with their declared presentations.
std::vector<OutputDecl> real_outputs(const std::string& kind, const std::vector<std::string>& names) {
  std::vector<OutputDecl> out;
  for (const auto& n : names) {
    const OutputDecl* d = find_stage(kind)->info.output(n);
    if (d == nullptr) fail(ErrorKind::internal, fmt::format("fixture: stage '{}' has no output '{}'", kind, n));
    out.push_back(*d);
  }
  return out;
}

StageDef barriers_def() {
  StageDef def;
  def.info.kind = "barriers";
  def.info.summary = "synthetic crossings";
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, ""}};
  def.info.outputs = real_outputs("barriers", {"crossings"});
  def.run = [](StageContext& ctx) {
    const Grid g = ctx.grid();
    const Frame f{g.extent()};
    FeatureTable t = table("crossings", g,
                           {{"name", FieldType::string},
                            {"side", FieldType::string},
                            {"hours", FieldType::real},
                            {"open", FieldType::integer}});
    const char* names[] = {"Ishkashim", "Khorog", "Rushon", "Kalai Khumb"};
    const double pos[][2] = {{0.40, 0.22}, {0.47, 0.37}, {0.56, 0.52}, {0.30, 0.60}};
    for (int i = 0; i < 4; ++i)
      add(t, fmt::format("POINT ({:.3f} {:.3f})", f.x(pos[i][0]), f.y(pos[i][1])),
          {std::string(names[i]), std::string("AF-TJ"), 0.5 * (i + 1), std::int64_t{i == 3 ? 0 : 1}});
    ctx.write_vector("crossings", t);
  };
  return def;
}

StageDef corridors_def() {
  StageDef def;
  def.info.kind = "corridors";
  def.info.summary = "synthetic corridors";
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, ""}};
  def.info.outputs =
      real_outputs("corridors", {"accumulated_cost", "paths", "alternatives", "corridor", "corridor_polygons", "route_frequency"});
  def.run = [](StageContext& ctx) {
    const Grid g = ctx.grid();
    const Frame f{g.extent()};
    const double sx = f.x(kRoute.front().first), sy = f.y(kRoute.front().second);
    const Raster<float> cost = field(g, [&](double x, double y, auto col, auto row) {
      return outside(g, col, row) ? NAN : std::hypot(x - sx, y - sy) / 1000.0 / 4.0;
    });
    ctx.write_raster("accumulated_cost", cost,
                     {Resampling::average, {}});
    const double width = 0.06 * f.e.width();
    Raster<std::uint8_t> corridor(g, std::uint8_t{0});
    for (std::int64_t row = 0; row < g.height; ++row)
      for (std::int64_t col = 0; col < g.width; ++col)
        corridor.at(col, row) = dist_to_route(f, g.x_center(col), g.y_center(row)) < width ? 1 : 0;
    ctx.write_raster("corridor", corridor, {Resampling::nearest, {}});
    const Raster<float> freq = field(g, [&](double x, double y, auto, auto) {
      const double d = dist_to_route(f, x, y) / width;
      return d > 2 ? 0.0 : std::exp(-d * d * 2.0);
    });
    ctx.write_raster("route_frequency", freq, {Resampling::average, {}});

    FeatureTable paths = table("paths", g,
                               {{"destination", FieldType::string},
                                {"hours", FieldType::real},
                                {"km", FieldType::real},
                                {"crossing", FieldType::string}});
    add(paths, line_wkt(f, kRoute), {std::string("Dushanbe side"), 61.5, 248.0, std::string("Khorog")});
    add(paths, line_wkt(f, {{0.35, 0.05}, {0.42, 0.30}, {0.70, 0.55}, {0.88, 0.97}}),
        {std::string("Osh"), 75.25, 301.0, std::string("Ishkashim")});
    ctx.write_vector("paths", paths);
    FeatureTable alts =
        table("alternatives", g,
              {{"destination", FieldType::string}, {"rank", FieldType::integer}, {"hours", FieldType::real}});
    add(alts, line_wkt(f, {{0.35, 0.05}, {0.30, 0.35}, {0.35, 0.62}, {0.50, 0.97}}),
        {std::string("Dushanbe side"), std::int64_t{2}, 66.0});
    add(alts, line_wkt(f, {{0.35, 0.05}, {0.60, 0.25}, {0.68, 0.70}, {0.62, 0.97}}),
        {std::string("Dushanbe side"), std::int64_t{3}, 70.5});
    ctx.write_vector("alternatives", alts);
    FeatureTable polys = table("corridor_polygons", g, {{"destination", FieldType::string}});
    Feature poly;
    poly.fid = 1;
    poly.geometry.reset(wkt(line_wkt(f, kRoute))->Buffer(width, 8));
    poly.attributes = {std::string("Dushanbe side")};
    polys.features.push_back(std::move(poly));
    ctx.write_vector("corridor_polygons", polys);
  };
  return def;
}

StageDef activity_def() {
  StageDef def;
  def.info.kind = "activity";
  def.info.summary = "synthetic activity";
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, ""}};
  def.info.outputs = real_outputs("activity", {"density"});
  def.run = [](StageContext& ctx) {
    const Grid g = ctx.grid();
    const Frame f{g.extent()};
    const double blobs[][3] = {{0.40, 0.25, 4.0}, {0.55, 0.50, 2.5}, {0.25, 0.75, 1.5}};
    const Raster<float> density = field(g, [&](double x, double y, auto col, auto row) {
      if (outside(g, col, row)) return static_cast<double>(NAN);
      double v = 0;
      for (const auto& b : blobs) {
        const double d = std::hypot(x - f.x(b[0]), y - f.y(b[1])) / (0.08 * f.e.width());
        v += b[2] * std::exp(-d * d);
      }
      return v < 0.05 ? 0.0 : v;
    });
    ctx.write_raster("density", density,
                     {Resampling::average, {}});
  };
  return def;
}

StageDef governance_def() {
  StageDef def;
  def.info.kind = "governance";
  def.info.summary = "synthetic governance";
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, ""}};
  def.info.outputs = real_outputs("governance", {"gap", "remoteness"});
  def.run = [](StageContext& ctx) {
    const Grid g = ctx.grid();
    const Frame f{g.extent()};
    const Raster<float> gap = field(g, [&](double x, double y, auto, auto) {
      return std::clamp(0.9 - 0.7 * (y - f.e.ymin) / f.e.height() + 0.1 * std::sin(x / 20000.0), 0.0, 1.0);
    });
    ctx.write_raster("gap", gap, {Resampling::average, {}});
    const Raster<float> remote = field(g, [&](double x, double y, auto, auto) {
      return std::min(std::hypot(x - f.x(0.2), y - f.y(0.9)), std::hypot(x - f.x(0.45), y - f.y(0.35))) / 5000.0;
    });
    ctx.write_raster("remoteness", remote, {Resampling::average, {}});
  };
  return def;
}

StageDef hotspots_def() {
  StageDef def;
  def.info.kind = "hotspots";
  def.info.summary = "synthetic hotspots";
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, ""}};
  def.info.outputs = real_outputs("hotspots", {"nexus_index", "z", "bins"});
  def.run = [](StageContext& ctx) {
    const Grid g = ctx.grid();
    const Frame f{g.extent()};
    const auto bump = [&](double x, double y, double fx, double fy, double r) {
      const double d = std::hypot(x - f.x(fx), y - f.y(fy)) / (r * f.e.width());
      return std::exp(-d * d);
    };
    const Raster<float> nexus = field(g, [&](double x, double y, auto col, auto row) {
      if (outside(g, col, row)) return static_cast<double>(NAN);
      return std::clamp(0.85 * bump(x, y, 0.42, 0.28, 0.15) + 0.5 * bump(x, y, 0.58, 0.55, 0.1) + 0.05, 0.0, 1.0);
    });
    ctx.write_raster("nexus_index", nexus, {Resampling::average, {}});
    const Raster<float> z = field(g, [&](double x, double y, auto col, auto row) {
      if (outside(g, col, row)) return static_cast<double>(NAN);
      return 4.0 * bump(x, y, 0.42, 0.28, 0.18) - 3.0 * bump(x, y, 0.15, 0.85, 0.15);
    });
    ctx.write_raster("z", z, {Resampling::average, {}});
    Raster<std::int16_t> bins(g, std::int16_t{0});
    for (CellIndex i = 0; i < z.size(); ++i) {
      if (!z.valid(i)) {
        bins.set_nodata(i);
        continue;
      }
      const double a = std::abs(z[i]);
      const int level = a > 2.58 ? 3 : a > 1.96 ? 2 : a > 1.65 ? 1 : 0;
      bins[i] = static_cast<std::int16_t>(z[i] < 0 ? -level : level);
    }
    ctx.write_raster("bins", bins, {Resampling::nearest, {}});
  };
  return def;
}

StageDef zonal_def() {
  StageDef def;
  def.info.kind = "zonal";
  def.info.summary = "synthetic provinces";
  def.info.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, ""}};
  def.info.outputs = real_outputs("zonal", {"provinces", "ranking"});
  def.run = [](StageContext& ctx) {
    const Grid g = ctx.grid();
    const Frame f{g.extent()};
    FeatureTable t = table("provinces", g,
                           {{"name", FieldType::string},
                            {"iso_3166_2", FieldType::string},
                            {"score", FieldType::real},
                            {"nexus_mean", FieldType::real}});
    // A 3 x 2 patchwork; Gorno-Badakhshan is a multipolygon (an exclave), as real provinces can be.
    const char* names[] = {"Badakhshan", "Takhar", "Khatlon", "Gorno-Badakhshan", "Osh", "Kunduz"};
    const char* iso[] = {"AF-BDS", "AF-TAK", "TJ-KT", "TJ-GB", "KG-O", "AF-KDZ"};
    const double score[] = {0.82, 0.55, 0.47, 0.74, 0.21, 0.35};
    int k = 0;
    for (int row = 0; row < 2; ++row)
      for (int col = 0; col < 3; ++col, ++k) {
        const double x0 = col / 3.0, x1 = (col + 1) / 3.0, y0 = row / 2.0, y1 = (row + 1) / 2.0;
        std::string geom = fmt::format("POLYGON {}", box_wkt(f, x0, y0, x1, y1));
        if (k == 3)
          geom = fmt::format("MULTIPOLYGON ({},{})", box_wkt(f, x0, y0, x1 - 0.05, y1),
                             box_wkt(f, x1 - 0.04, y0 + 0.1, x1 - 0.01, y0 + 0.2));
        add(t, geom, {std::string(names[k]), std::string(iso[k]), score[k], score[k] * 0.9});
      }
    ctx.write_vector("provinces", t);
    std::string csv = "rank,iso_3166_2,name,score\n";
    std::vector<int> order = {0, 3, 1, 2, 5, 4};
    for (std::size_t i = 0; i < order.size(); ++i)
      csv += fmt::format("{},{},\"{}\",{:.2f}\n", i + 1, iso[order[i]], names[order[i]], score[order[i]]);
    ctx.write_text("ranking", csv);
  };
  return def;
}

const std::map<std::string, StageDef>& stand_ins() {
  static const std::map<std::string, StageDef> defs = {{"barriers", barriers_def()}, {"corridors", corridors_def()},
                                                       {"activity", activity_def()}, {"governance", governance_def()},
                                                       {"hotspots", hotspots_def()}, {"zonal", zonal_def()}};
  return defs;
}

// A DEM in geographic coordinates (as real DEMs come): a massif in the east, ridges and a valley
// along the main route, so that the hillshade has something to show.
void write_dem(const std::filesystem::path& path) {
  ensure_gdal_registered();
  const int w = 450, h = 330;
  const double lon0 = 69.5, lat1 = 39.3, step = 0.01;
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
  GDALDatasetUniquePtr ds(drv->Create(path.c_str(), w, h, 1, GDT_Float32, nullptr));
  double gt[6] = {lon0, step, 0, lat1, 0, -step};
  ds->SetGeoTransform(gt);
  ds->SetProjection(crs_to_wkt("EPSG:4326").c_str());
  std::vector<float> z(static_cast<std::size_t>(w) * h);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      const double lon = lon0 + (c + 0.5) * step, lat = lat1 - (r + 0.5) * step;
      const double massif = 3800 * std::exp(-(std::pow(lon - 72.6, 2) / 0.8 + std::pow(lat - 38.0, 2) / 0.5));
      const double ridges = 450 * std::sin(lon * 9.0) * std::cos(lat * 7.0);
      const double valley = -700 * std::exp(-std::pow(lon - 71.3 - 0.3 * (lat - 37.5), 2) / 0.02);
      z[static_cast<std::size_t>(r) * w + c] = static_cast<float>(1400 + massif + ridges + valley);
    }
  if (ds->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, z.data(), w, h, GDT_Float32, 0, 0) != CE_None)
    fail(ErrorKind::internal, "fixture: cannot write the DEM");
}

}  // namespace

FixtureRun run_publish_fixture(const std::filesystem::path& work_dir, const FixtureOptions& options) {
  std::filesystem::create_directories(work_dir);
  write_dem(work_dir / "dem.tif");
  const auto config = work_dir / "synthetic.toml";
  {
    std::ofstream out(config);
    out << "# Real grid, terrain and publish stages; the analysis stages are synthetic stand-ins added in code.\n"
           "[run]\nname = \"Synthetic Badakhshan\"\noutput = \"out\"\nkeep_runs = 2\n\n"
           "[[stage]]\nid = \"grid\"\nbounds = [70.0, 36.6, 72.6, 38.6]\nresolution = 2500\n\n"
           "[[stage]]\nid = \"terrain\"\ndem = \"dem.tif\"\n\n"
        << fmt::format("[[stage]]\nid = \"publish\"\ndate = \"{}\"\nmap_width = {}\n", options.date, options.map_width);
  }
  PipelineConfig cfg = load_config(config);
  // Insert the stand-ins before publish and wire publish's optional inputs by their default refs,
  // as load_config would have done had these stages been in the file.
  StageInstance publish = cfg.stages.back();
  cfg.stages.pop_back();
  for (const auto& id : options.stages) {
    StageInstance s;
    s.id = id;
    s.def = &stand_ins().at(id);
    s.options = json::object();
    s.inputs["grid"] = {"grid", "grid"};
    s.upstream = {0};
    cfg.stages.push_back(std::move(s));
  }
  publish.inputs.clear();
  publish.presented.clear();
  publish.upstream.clear();
  for (const auto& decl : publish.def->info.inputs) {
    if (decl.presented_layers) continue;
    const auto dot = decl.default_ref.find('.');
    ArtifactRef ref{decl.default_ref.substr(0, dot), decl.default_ref.substr(dot + 1)};
    const std::size_t producer = cfg.index_of(ref.stage);
    if (producer == SIZE_MAX) continue;
    publish.inputs[decl.slot] = ref;
    if (std::find(publish.upstream.begin(), publish.upstream.end(), producer) == publish.upstream.end())
      publish.upstream.push_back(producer);
  }
  cfg.stages.push_back(std::move(publish));
  wire_presented_layers(cfg.stages, cfg.stages.size() - 1);
  StageInstance& p = cfg.stages.back();
  for (const auto& slot : p.presented) {
    const std::size_t producer = cfg.index_of(p.inputs.at(slot).stage);
    if (std::find(p.upstream.begin(), p.upstream.end(), producer) == p.upstream.end()) p.upstream.push_back(producer);
  }
  std::sort(p.upstream.begin(), p.upstream.end());

  RunOptions run;
  run.out_dir = work_dir / "out";
  run.threads = 2;
  const RunOutcome outcome = run_pipeline(cfg, run);
  FixtureRun result;
  result.out_dir = *run.out_dir;
  result.run_dir = outcome.run_dir;
  result.exit_code = outcome.exit_code;
  result.message = outcome.message;
  std::ifstream in(outcome.run_dir / "manifest.json");
  if (in) result.manifest = json::parse(in);
  return result;
}

}  // namespace nexusmap::test

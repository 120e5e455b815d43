// SPDX-License-Identifier: MIT
// activity: militant-activity density — kernel density of conflict events, weighted by casualties,
// location precision and age.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "pipeline/stages/common.hpp"
#include "pipeline/stages/stages.hpp"
#include "pipeline/typed_stage.hpp"
#include "rasters/core/error.hpp"
#include "rasters/density/density_floor.hpp"
#include "rasters/density/kernel_density.hpp"

namespace nexusmap::stages {
namespace {

using json = nlohmann::json;

enum class WeightTransform { none, log1p, sqrt };

struct ActivityOptions {
  VectorSource events;
  std::string date_field;
  std::optional<std::string> from, to;
  std::string type_field;
  std::vector<std::string> types;
  std::string weight_field;
  WeightTransform weight_transform = WeightTransform::log1p;
  double weight_offset = 1;
  std::string precision_field;
  std::map<std::string, double> precision_factors;
  double half_life = 0;
  std::optional<std::string> as_of;
  Kernel kernel = Kernel::gaussian;
  std::optional<double> bandwidth;
  double support = 6;
  double floor_weight = 1;
  double floor_at = 3;
};

double transform_weight(double v, WeightTransform how) {
  if (how == WeightTransform::log1p) return std::log1p(v);
  if (how == WeightTransform::sqrt) return std::sqrt(v);
  return v;
}

}  // namespace

StageDef activity() {
  StageSpec<ActivityOptions> spec{"activity",
                               "Militant-activity density: kernel density of conflict events weighted by casualties, "
                               "location precision and age (half-life decay), in weighted events per 100 km²."};
  using O = ActivityOptions;
  auto& opt = spec.options;
  opt.vector("events", &O::events, "Event points: any OGR layer, or a CSV with x_field/y_field (lon/lat) columns.");
  opt.text("date_field", &O::date_field, "date_start", "Event date attribute (YYYY-MM-DD...); \"\" when there is none.");
  opt.date("from", &O::from, std::nullopt, "Keep events on or after this day.");
  opt.date("to", &O::to, std::nullopt, "Keep events on or before this day.");
  opt.text("type_field", &O::type_field, "", "Attribute with the event type, e.g. UCDP type_of_violence.");
  opt.strings("types", &O::types, {}, "Keep only these type values (all when empty).");
  opt.text("weight_field", &O::weight_field, "", "Attribute with the event weight, e.g. UCDP best (deaths); \"\" = 1 each.");
  opt.choice("weight_transform", &O::weight_transform,
           Choices<WeightTransform>{{"none", WeightTransform::none}, {"log1p", WeightTransform::log1p},
                                    {"sqrt", WeightTransform::sqrt}},
           WeightTransform::log1p, "Damps mass-casualty events: log(1 + w), sqrt(w) or w itself.");
  opt.number("weight_offset", &O::weight_offset, 1.0,
           "Added to every weight after the transform, so an event with no deaths still counts.")
      .min(0);
  opt.text("precision_field", &O::precision_field, "", "Attribute with the location precision code, e.g. UCDP where_prec.");
  opt.number_map("precision_factors", &O::precision_factors,
               "Weight factor by precision code, e.g. { 1 = 1.0, 2 = 0.8, 6 = 0.2 }.")
      .min(0);
  opt.number("half_life", &O::half_life, 0.0, "Age decay half-life; 0 = no decay.").min(0).unit("days");
  opt.date("as_of", &O::as_of, std::nullopt, "Reference date for age decay (default: the newest event kept).");
  opt.choice("kernel", &O::kernel, Choices<Kernel>{{"gaussian", Kernel::gaussian}, {"quartic", Kernel::quartic}},
           Kernel::gaussian, "Kernel shape.");
  opt.number("bandwidth", &O::bandwidth, std::nullopt,
           "Gaussian standard deviation or quartic radius (default: the spatial rule of thumb).")
      .min(0).unit("m");
  opt.number("support", &O::support, 6.0,
             "Gaussian: density ends this many standard deviations from each event (straight-line distance, the "
             "same for every event); beyond it the kernel is below exp(-support²/2) of its peak.")
      .min(3).max(20).unit("sigma");
  opt.number("floor_weight", &O::floor_weight, 1.0,
             "The floor below which density counts as none is what one event of this weight gives floor_at "
             "standard deviations away (in the map, the QGIS style and the nexus index alike).")
      .min(1e-9);
  opt.number("floor_at", &O::floor_at, 3.0, "Distance of that reference event, in standard deviations (0 = no floor).")
      .min(0).unit("sigma");
  spec.inputs = {{"grid", ArtifactKind::json, "grid.grid", false, "The analysis grid."}};
  Presentation density_view = raster_presentation("Militant activity density", "weighted events per 100 km²",
                                             RasterStyle::uniform);
  density_view.order = 160;
  density_view.map = MapDecl{"map_activity", "Militant activity", 3, 0, false,
                        "Map: militant activity density, with provinces and least-cost paths."};
  spec.outputs = {
      {"density", ArtifactKind::raster, "activity_density", "Weighted events per 100 km².", false, "activity_density",
       density_view},
      {"events", ArtifactKind::vector, "", "The events used, with their final weights."},
  };
  spec.check = [](ActivityOptions& a) {
    if (a.from && a.to && *a.from > *a.to) config_error(fmt::format("from {} is after to {}", *a.from, *a.to));
    if (a.date_field.empty() && (a.from || a.to || a.half_life > 0))
      config_error("date filters and half_life need a date_field");
  };
  spec.run = [](StageContext& ctx, const ActivityOptions& o) {
    const Grid grid = ctx.grid();
    const std::string& date_field = o.date_field;
    const std::string& type_field = o.type_field;
    const std::string& weight_field = o.weight_field;
    const std::string& precision_field = o.precision_field;
    std::vector<std::string> required;
    for (const auto& f : {date_field, type_field, weight_field, precision_field})
      if (!f.empty()) required.push_back(f);
    const FeatureTable events = read_layer(ctx, o.events, "events", grid, required, true);
    const int di = date_field.empty() ? -1 : events.field_index(date_field);
    const int ti = type_field.empty() ? -1 : events.field_index(type_field);
    const int wi = weight_field.empty() ? -1 : events.field_index(weight_field);
    const int pi = precision_field.empty() ? -1 : events.field_index(precision_field);
    const std::vector<std::string>& types = o.types;
    const auto from = o.from ? parse_day(*o.from) : std::nullopt;
    const auto to = o.to ? parse_day(*o.to) : std::nullopt;
    const auto& factors = o.precision_factors;
    const WeightTransform transform = o.weight_transform;
    const double offset = o.weight_offset;

    struct Kept {
      const Feature* f;
      std::optional<std::int64_t> day;
      double weight;
    };
    std::vector<Kept> kept;
    std::map<std::string, std::int64_t> dropped;
    std::int64_t unknown_precision = 0;
    for (const auto& f : events.features) {
      std::optional<std::int64_t> day;
      if (di >= 0) {
        day = parse_day(attr_string(events, f, di));
        if (!day && (from || to || o.half_life > 0)) {
          ++dropped["no date"];
          continue;
        }
        if (day && ((from && *day < *from) || (to && *day > *to))) {
          ++dropped["outside the date range"];
          continue;
        }
      }
      if (ti >= 0 && !types.empty() &&
          std::find(types.begin(), types.end(), attr_string(events, f, ti)) == types.end()) {
        ++dropped["type not selected"];
        continue;
      }
      double w = 1.0;
      if (wi >= 0) {
        const auto v = attr_number(events.attr(f, wi));
        if (!v || !std::isfinite(*v) || *v < 0) {
          ++dropped["missing or negative weight"];
          continue;
        }
        w = transform_weight(*v, transform) + offset;
      }
      if (pi >= 0) {
        const std::string code = attr_string(events, f, pi);
        if (factors.count(code)) w *= factors.at(code);
        else ++unknown_precision;
      }
      kept.push_back({&f, day, w});
    }
    // Reference date: as_of, else the newest kept event; events after it have not happened yet.
    // (A plain value and flag rather than std::optional: GCC 12 warns falsely on the optional here.)
    std::int64_t as_of_day = std::numeric_limits<std::int64_t>::min();
    if (o.as_of) {
      as_of_day = parse_day(*o.as_of).value_or(as_of_day);
    } else {
      for (const auto& k : kept)
        if (k.day) as_of_day = std::max(as_of_day, *k.day);
    }
    const bool have_as_of = as_of_day != std::numeric_limits<std::int64_t>::min();
    const std::string as_of_text = have_as_of ? format_day(as_of_day) : std::string{};
    const double half_life = o.half_life;
    std::vector<WeightedPoint> points;
    FeatureTable used;
    used.name = "events";
    used.crs_wkt = grid.crs_wkt;
    used.fields = events.fields;
    used.fields.push_back({"nexusmap_weight", FieldType::real});
    used.fields.push_back({"nexusmap_age_days", FieldType::real});
    for (const auto& k : kept) {
      double w = k.weight;
      double age = std::nan("");
      if (k.day && have_as_of) {
        age = static_cast<double>(as_of_day - *k.day);
        if (age < 0) {
          ++dropped["after the reference date"];
          continue;
        }
        if (half_life > 0) w *= std::pow(0.5, age / half_life);
      }
      const OGRPoint* p = k.f->geometry->toPoint();
      points.push_back({p->getX(), p->getY(), w});
      Feature out;
      out.fid = k.f->fid;
      out.geometry.reset(k.f->geometry->clone());
      out.attributes = k.f->attributes;
      out.attributes.emplace_back(w);
      out.attributes.emplace_back(std::isnan(age) ? AttrValue{} : AttrValue{age});
      used.features.push_back(std::move(out));
    }
    json dropped_json = json::object();
    for (const auto& [why, n] : dropped) dropped_json[why] = n;
    ctx.record("events_read", events.features.size());
    ctx.record("events_used", points.size());
    ctx.record("events_dropped", dropped_json);
    if (unknown_precision > 0) {
      ctx.record("events_without_precision_factor", unknown_precision);
      ctx.log().warn("{} event(s) have a precision code with no factor in precision_factors; they keep factor 1",
                     unknown_precision);
    }
    ctx.record("as_of", as_of_text);

    KdeOptions ko;
    ko.kernel = o.kernel;
    if (o.bandwidth) {
      ko.bandwidth = *o.bandwidth;
    } else if (points.size() >= 2) {
      ko.bandwidth = rule_of_thumb_bandwidth(points);
    } else {
      ko.bandwidth = 25 * grid.dx();
    }
    // A bandwidth finer than the grid would alias: never below one cell.
    ko.bandwidth = std::max(ko.bandwidth, grid.dx());
    ctx.record("bandwidth_m", ko.bandwidth);
    if (points.empty()) ctx.log().warn("no event left after the filters; the density is zero everywhere");
    ctx.progress(0.3, "kernel density");
    // Events just outside the grid still put density inside it: estimate on a grid padded by the
    // kernel's support, then crop.
    ko.support = o.support;
    const double support = ko.kernel == Kernel::gaussian ? ko.support * ko.bandwidth : ko.bandwidth;
    const auto pad = static_cast<std::int64_t>(std::ceil(support / grid.dx())) + 1;
    const Grid padded = Grid::north_up(grid.crs_wkt, grid.geotransform[0] - static_cast<double>(pad) * grid.dx(),
                                       grid.geotransform[3] + static_cast<double>(pad) * grid.dy(), grid.dx(),
                                       grid.width + 2 * pad, grid.height + 2 * pad);
    const KdeResult kde = kernel_density(padded, points, ko);
    Raster<float> density(grid, 0.0F);
    for (std::int64_t r = 0; r < grid.height; ++r)
      for (std::int64_t c = 0; c < grid.width; ++c) density.at(c, r) = kde.density.at(c + pad, r + pad);
    // Below the floor the density is the kernels' numerical tails, not activity: none.
    const double floor = o.floor_at > 0 ? density_floor(ko, {o.floor_weight, o.floor_at}) : 0.0;
    const std::int64_t floored = apply_floor(density, floor);
    ctx.record("floor", floor);
    ctx.record("cells_below_floor", floored);
    std::int64_t inside = 0;
    double weight_inside = 0, weight_total = 0;
    for (const auto& p : points) {
      weight_total += p.weight;
      if (grid.cell_at(p.x, p.y)) {
        ++inside;
        weight_inside += p.weight;
      }
    }
    const auto outside = static_cast<std::int64_t>(points.size()) - inside;
    ctx.record("events_inside_grid", inside);
    ctx.record("events_outside_grid", outside);
    ctx.record("weight_inside_grid", weight_inside);
    ctx.record("weight_outside_grid", weight_total - weight_inside);
    ctx.log().info("{} events ({} outside the grid, those within {:.0f} km still count), bandwidth {:.0f} m, as of {}",
                   points.size(), outside, support / 1000.0, ko.bandwidth, have_as_of ? as_of_text : "n/a");
    ctx.write_raster("density", density,
                     {Resampling::average,
                      {{"NEXUSMAP_BANDWIDTH_M", fmt::format("{}", ko.bandwidth)},
                       {"NEXUSMAP_AS_OF", as_of_text},
                       {"NEXUSMAP_FLOOR", fmt::format("{}", floor)}}});
    ctx.write_vector("events", used);
  };
  return make_stage(std::move(spec));
}

}  // namespace nexusmap::stages

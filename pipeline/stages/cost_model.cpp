// SPDX-License-Identifier: MIT
#include "pipeline/stages/cost_model.hpp"

#include <array>
#include <string>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_raster.hpp"

namespace nexusmap::stages {
namespace {

constexpr const char* kParamsKey = "NEXUSMAP_TRAVEL_PARAMS";

}  // namespace

TravelTimeLayers CostModel::layers() const {
  TravelTimeLayers l;
  l.elevation = elevation.data();
  l.friction = friction.data();
  l.road_speed = road_speed.data();
  l.flags = flags.data();
  l.crossing_hours = crossing_hours.data();
  l.border_penalty = border_penalty.data();
  return l;
}

nlohmann::json params_to_json(const TravelTimeParams& p) {
  return {{"function", p.function == SpeedFunction::tobler ? "tobler" : "naismith"},
          {"speed_factor", p.speed_factor},
          {"max_slope_deg", p.max_slope_deg},
          {"walk_coefficients", {p.a, p.b, p.c, p.d}},
          {"steep_downhill", p.steep_downhill}};
}

TravelTimeParams params_from_json(const nlohmann::json& j) {
  TravelTimeParams p;
  p.function = j.at("function") == "tobler" ? SpeedFunction::tobler : SpeedFunction::naismith_langmuir;
  p.speed_factor = j.at("speed_factor");
  p.max_slope_deg = j.at("max_slope_deg");
  const auto w = j.at("walk_coefficients");
  p.a = w[0];
  p.b = w[1];
  p.c = w[2];
  p.d = w[3];
  p.steep_downhill = j.at("steep_downhill");
  return p;
}

void write_cost_model(const CostModel& m, const std::filesystem::path& path,
                      std::map<std::string, std::string> metadata) {
  Raster<float> flags(m.grid(), 0.0F), crossing(m.grid());
  for (CellIndex i = 0; i < flags.size(); ++i) {
    flags[i] = m.flags[i];
    if (m.crossing.valid(i)) crossing[i] = static_cast<float>(m.crossing[i]);
  }
  const std::array<const Raster<float>*, 7> bands = {&m.elevation, &m.friction, &m.road_speed, &flags,
                                                     &m.crossing_hours, &m.border_penalty, &crossing};
  const std::array<std::string, 7> names = {"elevation", "friction", "road_speed", "flags",
                                            "crossing_hours", "border_penalty", "crossing"};
  CogOptions opts;
  metadata[kParamsKey] = params_to_json(m.params).dump();
  opts.metadata = std::move(metadata);
  opts.overview_resampling = Resampling::nearest;
  write_cog_bands(bands, names, path, opts);
}

CostModel read_cost_model(const std::filesystem::path& path) {
  CostModel m;
  const std::array<std::string, 7> names = {"elevation", "friction", "road_speed", "crossing_hours",
                                            "border_penalty", "flags", "crossing"};
  auto bands = read_raster_bands(path, names);
  m.elevation = std::move(bands[0]);
  m.friction = std::move(bands[1]);
  m.road_speed = std::move(bands[2]);
  m.crossing_hours = std::move(bands[3]);
  m.border_penalty = std::move(bands[4]);
  const Raster<float>& flags = bands[5];
  const Raster<float>& crossing = bands[6];
  m.flags = Raster<std::uint8_t>(flags.grid(), 0);
  m.crossing = Raster<std::int32_t>(flags.grid());
  for (CellIndex i = 0; i < flags.size(); ++i) {
    m.flags[i] = static_cast<std::uint8_t>(flags.valid(i) ? flags[i] : 0.0F);
    if (crossing.valid(i)) m.crossing.set_valid(i, static_cast<std::int32_t>(crossing[i]));
  }
  const std::string params = read_metadata_item(path, kParamsKey);
  if (params.empty()) input_error(path.string() + ": not a nexusmap cost model (no " + kParamsKey + ")");
  m.params = params_from_json(nlohmann::json::parse(params));
  return m;
}

}  // namespace nexusmap::stages

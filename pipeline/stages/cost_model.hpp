// SPDX-License-Identifier: MIT
// The cost stage's `model` artifact: the per-cell layers of the travel-time model as the bands of one
// GeoTIFF, with the speed-function parameters in its metadata. Read by corridors and governance.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "rasters/core/raster.hpp"
#include "rasters/cost/travel_time.hpp"

namespace nexusmap::stages {

struct CostModel {
  Raster<float> elevation, friction, road_speed, crossing_hours, border_penalty;
  Raster<std::uint8_t> flags;
  Raster<std::int32_t> crossing;  // crossing index per zone cell (mask elsewhere)
  TravelTimeParams params;

  [[nodiscard]] const Grid& grid() const { return friction.grid(); }
  [[nodiscard]] TravelTimeLayers layers() const;
};

nlohmann::json params_to_json(const TravelTimeParams& p);
TravelTimeParams params_from_json(const nlohmann::json& j);

// Writes the model (the metadata map carries provenance items too).
void write_cost_model(const CostModel& model, const std::filesystem::path& path,
                      std::map<std::string, std::string> metadata);
CostModel read_cost_model(const std::filesystem::path& path);

}  // namespace nexusmap::stages

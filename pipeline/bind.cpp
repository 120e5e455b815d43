// SPDX-License-Identifier: MIT
#include "pipeline/bind.hpp"

namespace nexusmap {

VectorSource vector_source_from_json(const nlohmann::json& j) {
  VectorSource s;
  s.path = j.at("path").get<std::string>();
  s.layer = j.at("layer").get<std::string>();
  s.where = j.at("where").get<std::string>();
  s.x_field = j.at("x_field").get<std::string>();
  s.y_field = j.at("y_field").get<std::string>();
  s.crs = j.at("crs").get<std::string>();
  return s;
}

nlohmann::json vector_source_to_json(const VectorSource& s) {
  return {{"path", s.path.string()}, {"layer", s.layer}, {"where", s.where},
          {"x_field", s.x_field},    {"y_field", s.y_field}, {"crs", s.crs}};
}

}  // namespace nexusmap

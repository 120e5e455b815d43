// SPDX-License-Identifier: MIT
#include "pipeline/artifacts.hpp"

#include "pipeline/hash.hpp"

namespace nexusmap {

std::string Artifact::content_hash() const {
  if (sidecars.empty()) return primary.sha256;
  std::string all = primary.sha256;
  for (const auto& s : sidecars) all += ":" + s.sha256;
  return sha256_hex(all);
}

nlohmann::json to_json(const Artifact& a) {
  nlohmann::json side = nlohmann::json::array();
  for (const auto& s : a.sidecars) side.push_back({{"file", s.file}, {"sha256", s.sha256}, {"size", s.size}});
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& r : a.layer_roles) roles.push_back({{"role", r.role}, {"layer", r.layer}});
  return {{"name", a.name},
          {"layer_roles", roles},
          {"kind", artifact_kind_name(a.kind)},
          {"file", a.primary.file},
          {"sha256", a.primary.sha256},
          {"size", a.primary.size},
          {"sidecars", side}};
}

Artifact artifact_from_json(const nlohmann::json& j, const std::filesystem::path& dir) {
  Artifact a;
  a.name = j.at("name");
  const std::string kind = j.at("kind");
  for (auto k : {ArtifactKind::raster, ArtifactKind::vector, ArtifactKind::table, ArtifactKind::json,
                 ArtifactKind::image, ArtifactKind::html, ArtifactKind::project})
    if (kind == artifact_kind_name(k)) a.kind = k;
  a.dir = dir;
  a.primary = {j.at("file"), j.at("sha256"), j.at("size")};
  for (const auto& s : j.at("sidecars")) a.sidecars.push_back({s.at("file"), s.at("sha256"), s.at("size")});
  for (const auto& r : j.value("layer_roles", nlohmann::json::array())) a.layer_roles.push_back({r.at("role"), r.at("layer")});
  return a;
}

nlohmann::json grid_to_json(const Grid& g) {
  return {{"crs_wkt", g.crs_wkt}, {"geotransform", g.geotransform}, {"width", g.width}, {"height", g.height}};
}

Grid grid_from_json(const nlohmann::json& j) {
  Grid g;
  g.crs_wkt = j.at("crs_wkt");
  g.geotransform = j.at("geotransform").get<std::array<double, 6>>();
  g.width = j.at("width");
  g.height = j.at("height");
  return g;
}

}  // namespace nexusmap

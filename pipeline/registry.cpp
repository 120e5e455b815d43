// SPDX-License-Identifier: MIT
// The explicit list of stage kinds, sorted by kind. Adding a stage = one line here
// (see docs/adding-a-stage.md).
#include <algorithm>

#include "pipeline/stage.hpp"
#include "pipeline/stages/stages.hpp"

namespace nexusmap {

const char* artifact_kind_name(ArtifactKind k) {
  switch (k) {
    case ArtifactKind::raster: return "raster";
    case ArtifactKind::vector: return "vector";
    case ArtifactKind::table: return "table";
    case ArtifactKind::json: return "json";
    case ArtifactKind::image: return "image";
    case ArtifactKind::html: return "html";
    case ArtifactKind::project: return "project";
  }
  return "?";
}

const char* artifact_extension(ArtifactKind k) {
  switch (k) {
    case ArtifactKind::raster: return ".tif";
    case ArtifactKind::vector: return ".gpkg";
    case ArtifactKind::table: return ".csv";
    case ArtifactKind::json: return ".json";
    case ArtifactKind::image: return ".png";
    case ArtifactKind::html: return ".html";
    case ArtifactKind::project: return ".qgs";
  }
  return "";
}

const OutputDecl* StageInfo::output(const std::string& name) const {
  for (const auto& o : outputs)
    if (o.name == name) return &o;
  return nullptr;
}

const InputDecl* StageInfo::input(const std::string& slot) const {
  for (const auto& i : inputs)
    if (i.slot == slot) return &i;
  return nullptr;
}

const std::vector<StageDef>& registered_stages() {
  static const std::vector<StageDef> all = [] {
    std::vector<StageDef> v = {
        stages::activity(),
        stages::barriers(),
        stages::corridors(),
        stages::cost(),
        stages::governance(),
        stages::grid(),
        stages::hotspots(),
        stages::population(),
        stages::raster_layer(),
        stages::terrain(),
        stages::zonal(),
    };
    v.push_back(stages::publish(v));
    std::sort(v.begin(), v.end(), [](const StageDef& a, const StageDef& b) { return a.info.kind < b.info.kind; });
    return v;
  }();
  return all;
}

const StageDef* find_stage(const std::string& kind) {
  for (const auto& s : registered_stages())
    if (s.info.kind == kind) return &s;
  return nullptr;
}

}  // namespace nexusmap

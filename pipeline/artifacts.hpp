// SPDX-License-Identifier: MIT
// Artifacts as files: what a stage produced, where it lives in the cache and its checksums.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/stage.hpp"
#include "rasters/core/grid.hpp"

namespace nexusmap {

struct ArtifactFile {
  std::string file;  // name relative to the artifact's directory
  std::string sha256;
  std::uintmax_t size = 0;
};

// A further manifest role served by one layer of a published GeoPackage artifact.
struct LayerRole {
  std::string role;
  std::string layer;
};

struct Artifact {
  std::string name;
  ArtifactKind kind = ArtifactKind::raster;
  std::filesystem::path dir;          // cache entry directory
  ArtifactFile primary;
  std::vector<ArtifactFile> sidecars; // e.g. the .qml style of a raster
  std::vector<LayerRole> layer_roles; // e.g. {least_cost_paths, layer "least_cost_paths"} of nexusmap.gpkg
  [[nodiscard]] std::filesystem::path path() const { return dir / primary.file; }
  // One digest over the primary file and its sidecars: what downstream cache keys depend on.
  [[nodiscard]] std::string content_hash() const;
};

nlohmann::json to_json(const Artifact& a);
Artifact artifact_from_json(const nlohmann::json& j, const std::filesystem::path& dir);

// The analysis grid as the JSON artifact of the grid stage.
nlohmann::json grid_to_json(const Grid& g);
Grid grid_from_json(const nlohmann::json& j);

}  // namespace nexusmap

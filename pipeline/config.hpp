// SPDX-License-Identifier: MIT
// The run configuration: one TOML file with [run], optional [vars] and a list of [[stage]] tables.
// Loading validates everything that can be checked before heavy work.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/dataset.hpp"
#include "pipeline/options.hpp"
#include "pipeline/stage.hpp"

namespace nexusmap {

struct ArtifactRef {
  std::string stage;
  std::string artifact;
  [[nodiscard]] std::string str() const { return stage + "." + artifact; }
};

struct StageInstance {
  std::string id;
  const StageDef* def = nullptr;
  nlohmann::json options;                    // resolved
  std::map<std::string, ArtifactRef> inputs; // connected slots only
  std::vector<std::string> presented;        // slots connected as presented layers (InputDecl::presented_layers)
  SourceRef where;
  std::vector<std::size_t> upstream;         // indices into PipelineConfig::stages
};

struct RunSettings {
  std::string name;
  std::filesystem::path output_dir;
  std::int64_t keep_runs = 7;
  std::int64_t keep_failed = 3;
  std::optional<Dataset> dataset;  // [run] dataset, when that file exists
};

struct PipelineConfig {
  std::filesystem::path file;   // absolute
  std::string text;             // the file as read
  std::string sha256;
  std::vector<std::string> overrides;  // --set values applied on top of the file
  RunSettings run;
  std::vector<StageInstance> stages;  // topologically sorted (config order among independent stages)

  [[nodiscard]] const StageInstance* find(const std::string& id) const;
  [[nodiscard]] std::size_t index_of(const std::string& id) const;
};

struct LoadOptions {
  bool check_files = true;
  std::string today;  // YYYY-MM-DD; empty = the current UTC date
  // "stage-id.key=value", "run.key=value" or "vars.name=value" (value in TOML syntax, or a bare string),
  // applied on top of the file before validation (e.g. --set grid.resolution=500).
  std::vector<std::string> overrides;
};

// Reads and validates a config. Throws Error(config) with file:line:column and key path.
PipelineConfig load_config(const std::filesystem::path& path, const LoadOptions& options = {});

// Connects every presented layer of the other stages to `consumer` when it has an input declared
// with presented_layers (the publish stage), under slots "stage-id.artifact" (StageInstance::presented).
// load_config calls it; so can a test that assembles a pipeline by hand.
void wire_presented_layers(std::vector<StageInstance>& stages, std::size_t consumer);

// The current UTC date as YYYY-MM-DD.
std::string utc_today();

// The declarations of the [run] table (also rendered in the docs).
const std::vector<OptionSpec>& run_option_specs();

}  // namespace nexusmap

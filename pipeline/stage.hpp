// SPDX-License-Identifier: MIT
// A stage declares, in one place, its id, summary, options, the artifacts it reads and the
// artifacts it writes; the runner derives the DAG, validation, help and docs from that declaration.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/options.hpp"

namespace nexusmap {

class StageContext;

enum class ArtifactKind { raster, vector, table, json, image, html, project };

const char* artifact_kind_name(ArtifactKind k);
const char* artifact_extension(ArtifactKind k);

struct InputDecl {
  std::string slot;         // name the stage reads it by
  ArtifactKind kind;
  std::string default_ref;  // "stage-id.artifact" wired when the config does not say otherwise
  bool optional = false;    // may be left unconnected (no such stage in the config, or "none")
  std::string help;
};

struct OutputDecl {
  std::string name;  // artifact name, unique within the stage
  ArtifactKind kind;
  std::string role;  // manifest role (published into the run folder); "" = intermediate only
  std::string help;
  bool optional = false;  // the stage may legitimately not write it (e.g. a map of an absent layer)
  std::string file_stem = {};  // file name (without extension) in the run folder when it differs from `name`
};

struct StageInfo {
  std::string kind;     // stage type, e.g. "cost"; also the default id
  std::string summary;  // one line
  std::vector<OptionSpec> options;
  std::vector<InputDecl> inputs;
  std::vector<OutputDecl> outputs;

  [[nodiscard]] const OutputDecl* output(const std::string& name) const;
  [[nodiscard]] const InputDecl* input(const std::string& slot) const;
};

struct StageDef {
  StageInfo info;
  // Cross-option checks that types and ranges cannot express; may normalise resolved options.
  // Throws Error(config). Runs at validation, before any heavy work.
  std::function<void(nlohmann::json& options)> check;
  // The work: read inputs, compute, write every declared output through the context.
  std::function<void(StageContext& ctx)> run;
};

// The explicit, sorted list of every stage kind (pipeline/registry.cpp).
const std::vector<StageDef>& registered_stages();
const StageDef* find_stage(const std::string& kind);

}  // namespace nexusmap

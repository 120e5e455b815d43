// SPDX-License-Identifier: MIT
// How a stage file declares its stage: an options struct bound by an OptionSet (pipeline/bind.hpp),
// typed cross-option checks, and a run that receives the filled struct.
//
//   struct GridOptions { ... };
//   StageDef grid() {
//     StageSpec<GridOptions> s{"grid", "Analysis grid ..."};
//     s.options.number("resolution", &GridOptions::resolution, 1000.0, "Cell size.").min(10).unit("m");
//     s.outputs = {{"grid", ArtifactKind::json, "", "Grid description."}};
//     s.run = [](StageContext& ctx, const GridOptions& o) { ... o.resolution ... };
//     return make_stage(std::move(s));
//   }
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/bind.hpp"
#include "pipeline/context.hpp"
#include "pipeline/stage.hpp"

namespace nexusmap {

template <class T>
struct StageSpec {
  StageSpec(std::string k, std::string s) : kind(std::move(k)), summary(std::move(s)) {}
  std::string kind;     // stage type, also the default id
  std::string summary;  // one line
  OptionSet<T> options;
  std::vector<InputDecl> inputs;
  std::vector<OutputDecl> outputs;
  // Cross-option checks that types and ranges cannot express (Error(config)); may normalise fields.
  std::function<void(T&)> check;
  std::function<void(StageContext&, const T&)> run;
};

template <class T>
StageDef make_stage(StageSpec<T> spec) {
  StageDef def;
  def.info.kind = std::move(spec.kind);
  def.info.summary = std::move(spec.summary);
  def.info.options = spec.options.specs();
  def.info.inputs = std::move(spec.inputs);
  def.info.outputs = std::move(spec.outputs);
  const OptionSet<T> options = std::move(spec.options);
  if (spec.check) {
    def.check = [options, check = std::move(spec.check)](nlohmann::json& resolved) {
      T t = options.bind(resolved);
      const nlohmann::json before = options.to_json(t);
      check(t);
      // Write back only what the check changed, so untouched values keep their exact form.
      const nlohmann::json after = options.to_json(t);
      for (const auto& [key, value] : after.items())
        if (before.at(key) != value) resolved[key] = value;
    };
  }
  def.run = [options, run = std::move(spec.run)](StageContext& ctx) { run(ctx, options.bind(ctx.options())); };
  return def;
}

}  // namespace nexusmap

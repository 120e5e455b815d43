// SPDX-License-Identifier: MIT
// Executes a validated pipeline: stages as OpenMP tasks as soon as their inputs exist, results
// cached by content, outputs published atomically with a manifest.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline/config.hpp"

namespace nexusmap {

struct RunOptions {
  std::optional<std::filesystem::path> out_dir;  // overrides [run] output
  int threads = 0;                                // 0: all cores
  bool force = false;                             // recompute (the --only stages, or all)
  std::vector<std::string> only;                  // run these stages (and what they need)
};

struct RunOutcome {
  int exit_code = 0;
  std::string run_id;
  std::filesystem::path run_dir;
  std::string message;  // the error when exit_code != 0
};

// Runs the pipeline. Config problems of the CLI options (unknown --only id) throw Error(config);
// everything after the lock is reported in the outcome and the run's manifest.
RunOutcome run_pipeline(const PipelineConfig& config, const RunOptions& options);

// The DAG and, per stage, whether it is cached or will run.
void print_plan(const PipelineConfig& config, const RunOptions& options, std::ostream& out);

}  // namespace nexusmap

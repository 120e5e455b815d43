// SPDX-License-Identifier: MIT
// A complete synthetic run for testing the publish stage without the analysis stages: the real
// grid and terrain stages (on a generated DEM), stand-in stages that write small synthetic
// artifacts under the names, kinds, roles and styles of docs/artifacts.md, and the real publish
// stage, all executed by the real runner into a run folder.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace nexusmap::test {

struct FixtureOptions {
  // Stand-in stages to include, of: barriers, corridors, activity, governance, hotspots, zonal.
  std::set<std::string> stages = {"barriers", "corridors", "activity", "governance", "hotspots", "zonal"};
  int map_width = 900;
  std::string date = "2024-05-01";
};

struct FixtureRun {
  std::filesystem::path out_dir;  // the output directory given to the runner
  std::filesystem::path run_dir;  // <out>/runs/<id>, complete
  nlohmann::json manifest;
  int exit_code = 0;
  std::string message;
};

// Writes the generated DEM and config under `work_dir` and runs the pipeline into work_dir/out.
FixtureRun run_publish_fixture(const std::filesystem::path& work_dir, const FixtureOptions& options = {});

}  // namespace nexusmap::test

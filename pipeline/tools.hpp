// SPDX-License-Identifier: MIT
// Single-algorithm tool commands, run outside any pipeline config, as GRASS and WhiteboxTools users
// work:
//   nexusmap cost-distance --cost COST.tif --sources SRC [--sources-layer L] [--sources-where SQL]
//                          [--neighbours 8|16] [--max-cost X] --out ACC.tif [--backlinks BL.tif]
//   nexusmap least-cost-path --acc ACC.tif --backlinks BL.tif --to POINTS [--to-layer L]
//                            [--name-field F] --out PATHS.gpkg
// Conventions and units: docs/cost-distance.md.
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

namespace nexusmap {

struct ToolArgs;

// The registered tool subcommands and the storage their options are parsed into.
struct ToolCommands {
  CLI::App* cost_distance = nullptr;
  CLI::App* least_cost_path = nullptr;
  std::shared_ptr<ToolArgs> args;
};

// Adds the tool subcommands to `app`; call before app.parse.
ToolCommands add_tool_commands(CLI::App& app);

// Runs the tool subcommand given on the command line and returns its exit code (0), or -1 when no
// tool subcommand was given. Errors are thrown as nexusmap::Error (exit code by kind).
int run_tool_command(const ToolCommands& tools);

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// nexusmap command line: run / validate / plan a pipeline, stage help, and single-algorithm tools.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/config.hpp"
#include "pipeline/help.hpp"
#include "pipeline/logging.hpp"
#include "pipeline/runner.hpp"
#include "pipeline/tools.hpp"
#include "pipeline/versions.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"

namespace {

using namespace nexusmap;

void CPL_STDCALL gdal_to_log(CPLErr level, CPLErrorNum /*num*/, const char* message) {
  if (level == CE_Debug) return;
  spdlog::debug("GDAL: {}", message ? message : "");
}

void init_gdal() {
  ensure_gdal_registered();
  CPLSetErrorHandler(gdal_to_log);
  // GeoPackages record a last-change time; a fixed one keeps same inputs -> byte-identical outputs.
  CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nexusmap — least-cost trafficking corridors, militant activity and governance gaps, overlaid "
               "into nexus hotspots for Central Asia."};
  app.footer(exit_codes_text());
  app.require_subcommand(0, 1);
  bool show_version = false, quiet = false, verbose = false;
  app.add_flag("--version", show_version, "Print versions of nexusmap, GDAL, PROJ and GEOS");
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors on stderr");
  app.add_flag("-v,--verbose", verbose, "Debug messages on stderr");

  std::string config_path;
  RunOptions run_opts;
  std::string out_dir;

  auto* run = app.add_subcommand("run", "Run a pipeline config; publish into <out>/runs/<id> and repoint <out>/latest");
  run->add_option("config", config_path, "Pipeline config (TOML)")->required();
  run->add_option("--out", out_dir, "Output directory (default: [run] output of the config)");
  run->add_option("--threads", run_opts.threads, "OpenMP threads (default: all cores)")->check(CLI::Range(1, 1024));
  run->add_flag("--force", run_opts.force, "Recompute even when cached (only the --only stages, if given)");
  run->add_option("--only", run_opts.only, "Run only these stages (and what they need)");
  std::vector<std::string> overrides;
  run->add_option("--set", overrides, "Override a config value: STAGE.KEY=VALUE (e.g. grid.resolution=500)");

  auto* validate = app.add_subcommand("validate", "Check a config without running anything heavy");
  validate->add_option("config", config_path, "Pipeline config (TOML)")->required();
  validate->add_option("--set", overrides, "Override a config value: STAGE.KEY=VALUE");

  auto* plan = app.add_subcommand("plan", "Show the stage DAG and which stages are cached or will run");
  plan->add_option("config", config_path, "Pipeline config (TOML)")->required();
  plan->add_option("--out", out_dir, "Output directory (default: [run] output of the config)");
  plan->add_option("--only", run_opts.only, "Plan only these stages (and what they need)");
  plan->add_flag("--force", run_opts.force, "Plan as with run --force");
  plan->add_option("--set", overrides, "Override a config value: STAGE.KEY=VALUE");

  std::string help_stage;
  bool markdown = false;
  auto* help = app.add_subcommand("help", "List stages, or show one stage's inputs, outputs and options");
  help->add_option("stage", help_stage, "Stage kind");
  help->add_flag("--markdown", markdown, "Print the reference page (docs/stages.md)");

  ToolCommands tools = add_tool_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ErrorKind::config);
  }

  Logging::init(quiet ? Verbosity::quiet : verbose ? Verbosity::verbose : Verbosity::normal);
  init_gdal();
  auto log = Logging::get("nexusmap");
  try {
    if (show_version) {
      std::cout << version_text();
      return 0;
    }
    if (!out_dir.empty()) run_opts.out_dir = out_dir;
    LoadOptions load_opts;
    load_opts.overrides = overrides;
    if (*run) {
      const PipelineConfig cfg = load_config(config_path, load_opts);
      const RunOutcome outcome = run_pipeline(cfg, run_opts);
      Logging::progress().stop();
      if (outcome.exit_code != 0) {
        std::fprintf(stderr, "error: %s\n", outcome.message.c_str());
        return outcome.exit_code;
      }
      std::cout << outcome.run_dir.string() << "\n";
      return 0;
    }
    if (*validate) {
      const PipelineConfig cfg = load_config(config_path, load_opts);
      std::cout << fmt::format("{}: valid, {} stage(s):", config_path, cfg.stages.size());
      for (const auto& s : cfg.stages) std::cout << " " << s.id;
      std::cout << "\n";
      if (cfg.run.dataset) std::cout << fmt::format("data: {} ({})\n", cfg.run.dataset->name, cfg.run.dataset->file.string());
      return 0;
    }
    if (*plan) {
      const PipelineConfig cfg = load_config(config_path, load_opts);
      print_plan(cfg, run_opts, std::cout);
      return 0;
    }
    if (*help) {
      if (markdown) {
        std::cout << stages_markdown();
      } else if (help_stage.empty()) {
        std::cout << stages_overview();
      } else if (const StageDef* def = find_stage(help_stage)) {
        std::cout << stage_help(*def);
      } else {
        config_error(fmt::format("no stage kind '{}'; `nexusmap help` lists them", help_stage));
      }
      return 0;
    }
    if (const auto rc = run_tool_command(tools); rc >= 0) return rc;
    std::cout << app.help();
    return 0;
  } catch (const Error& e) {
    Logging::progress().stop();
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    Logging::progress().stop();
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return static_cast<int>(ErrorKind::internal);
  }
}

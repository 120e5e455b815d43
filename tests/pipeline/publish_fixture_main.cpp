// SPDX-License-Identifier: MIT
// publish_fixture OUT_DIR: writes a complete synthetic run (see publish_fixture.hpp) into OUT_DIR,
// replacing what was there, and prints the run folder. CTest uses it to give the QGIS check
// (tests/qgis/check_project.py) a run to open.
#include <cstdio>
#include <filesystem>

#include <cpl_conv.h>

#include "pipeline/logging.hpp"
#include "tests/pipeline/publish_fixture.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: publish_fixture OUT_DIR\n");
    return 2;
  }
  nexusmap::Logging::init(nexusmap::Verbosity::quiet);
  CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  const std::filesystem::path dir = argv[1];
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  try {
    const auto run = nexusmap::test::run_publish_fixture(dir);
    if (run.exit_code != 0) {
      std::fprintf(stderr, "publish_fixture: the run failed (exit %d): %s\n", run.exit_code, run.message.c_str());
      return 1;
    }
    std::printf("%s\n", run.run_dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "publish_fixture: %s\n", e.what());
    return 1;
  }
  nexusmap::Logging::progress().stop();
  return 0;
}

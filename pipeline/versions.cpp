// SPDX-License-Identifier: MIT
#include "pipeline/versions.hpp"

#include <fmt/format.h>
#include <gdal.h>
#include <geos_c.h>
#include <proj.h>

#include "nexusmap/version.hpp"

namespace nexusmap {

nlohmann::json version_info() {
  return {{"nexusmap", build::version},
          {"git_revision", build::git_revision},
          {"compiler", build::compiler},
          {"build_type", build::build_type},
          {"gdal", GDALVersionInfo("RELEASE_NAME")},
          {"proj", proj_info().release},
          {"geos", GEOSversion()}};
}

std::string version_text() {
  const auto v = version_info();
  return fmt::format("nexusmap {} ({})\nGDAL {}\nPROJ {}\nGEOS {}\ncompiler {} ({})\n", v["nexusmap"].get<std::string>(),
                     v["git_revision"].get<std::string>(), v["gdal"].get<std::string>(), v["proj"].get<std::string>(),
                     v["geos"].get<std::string>(), v["compiler"].get<std::string>(), v["build_type"].get<std::string>());
}

}  // namespace nexusmap

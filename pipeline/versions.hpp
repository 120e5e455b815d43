// SPDX-License-Identifier: MIT
// Versions of nexusmap and the libraries it runs on, for --version and every manifest.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nexusmap {

nlohmann::json version_info();
std::string version_text();

}  // namespace nexusmap

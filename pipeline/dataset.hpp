// SPDX-License-Identifier: MIT
// A description of the input data, kept next to it (DATASET.toml): what it is, its licence, what it
// cannot support, and the [vars] that name its files for the configs that read it. The run logs the
// limitations as a warning and the report and manifest show them, so a coarse dataset is never
// mistaken for the full one.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/options.hpp"

namespace nexusmap {

struct Dataset {
  std::filesystem::path file;  // absolute
  std::string sha256;          // of the file's text
  std::string name;
  std::string licence;
  std::string source;          // where it comes from and how it was made
  std::vector<std::string> limitations;
  std::map<std::string, std::pair<std::string, SourceRef>> vars;  // raw, with where each is set
};

// Reads and checks a description. Throws Error(config) with file:line:column and key.
Dataset read_dataset(const std::filesystem::path& file);

// The description as the manifest and the report show it (without the vars' locations).
nlohmann::json dataset_json(const Dataset& dataset);

}  // namespace nexusmap

// SPDX-License-Identifier: MIT
// The run report: one self-contained HTML file (inline CSS, maps embedded as base64 PNG, no
// external resources) that can be mailed or opened offline: the data and what it cannot support,
// maps, province ranking, least-cost paths, what was published, every stage's parameters and the
// provenance of the run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "vectors/features.hpp"

namespace nexusmap {

struct ReportMap {
  std::string title;
  std::filesystem::path png;
  std::string reading = {};  // how to read it ("" = nothing to add)
};

struct ReportFile {
  std::string name;  // in the run folder
  std::string what;
};

struct ReportInput {
  std::string title;
  std::string date;
  std::string grid_summary;  // CRS, cell size, cells
  std::vector<ReportMap> maps;
  std::string ranking_csv;              // "" when there is no ranking
  std::string ranking_measure;          // the score it is sorted by, and why ("" when unknown)
  std::string ranking_explanation;
  std::string flows_csv;                // every origin-market route by share of the flow ("" when none)
  const FeatureTable* paths = nullptr;  // least-cost paths with their attributes
  std::vector<ReportFile> files;
  nlohmann::json stages = nlohmann::json::array();  // [{id, kind, options}]
  nlohmann::json provenance;
  nlohmann::json versions;
  nlohmann::json dataset;  // dataset_json() of the data's description; null when it has none
};

std::string report_html(const ReportInput& input);

std::string base64_encode(std::string_view bytes);
// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends. Empty lines are skipped.
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

}  // namespace nexusmap

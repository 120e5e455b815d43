// SPDX-License-Identifier: MIT
// Small synthetic inputs for pipeline tests: a DEM in EPSG:4326, configs written next to it, and
// helpers to run the binary in the background (for kill and lock tests).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nexusmap::test {

// A smooth synthetic DEM (hills, 500-4500 m) over lon 70-72, lat 37-38.2 at 0.01 degrees.
void write_synthetic_dem(const std::filesystem::path& path, unsigned seed = 1);

// A config with grid + terrain (+ extra text appended), DEM at `dem`, output `out`.
std::string basic_config(const std::filesystem::path& dem, const std::filesystem::path& out,
                         const std::string& extra = "");

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);
nlohmann::json read_json(const std::filesystem::path& path);

// Starts the nexusmap binary with `args` and extra environment; returns the child pid.
pid_t spawn_nexusmap(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});
// Waits for the child; returns its exit code (128+signal when killed).
int wait_child(pid_t pid);

// The manifest of <out>/latest, or null when there is no latest.
nlohmann::json latest_manifest(const std::filesystem::path& out);
// status per stage id from a manifest ("ran", "cached", ...).
std::map<std::string, std::string> stage_status(const nlohmann::json& manifest);

}  // namespace nexusmap::test

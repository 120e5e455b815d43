// SPDX-License-Identifier: MIT
#include "tests/pipeline/fixtures.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "rasters/io/crs.hpp"
#include "tests/support.hpp"

extern char** environ;

namespace nexusmap::test {

void write_synthetic_dem(const std::filesystem::path& path, unsigned seed) {
  const Grid g = Grid::north_up(crs_to_wkt("EPSG:4326"), 70.0, 38.2, 0.01, 200, 120);
  Raster<float> dem(g, 0.0F);
  for (std::int64_t r = 0; r < g.height; ++r)
    for (std::int64_t c = 0; c < g.width; ++c) {
      const double x = static_cast<double>(c) / 200.0, y = static_cast<double>(r) / 120.0;
      dem.at(c, r) = static_cast<float>(2500 + 1500 * std::sin(6.0 * x + seed) * std::cos(4.0 * y) + 500 * x);
    }
  write_tiff(path, dem, -32768.0);
}

std::string basic_config(const std::filesystem::path& dem, const std::filesystem::path& out,
                         const std::string& extra) {
  return fmt::format(R"([run]
name = "test"
output = "{}"

[[stage]]
id = "grid"
bounds = [70.2, 37.2, 71.8, 38.0]
resolution = 2000

[[stage]]
id = "terrain"
dem = "{}"
{})",
                     out.string(), dem.string(), extra);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(read_text(path)); }

pid_t spawn_nexusmap(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    if (FILE* devnull = std::fopen("/dev/null", "w")) ::dup2(fileno(devnull), STDOUT_FILENO);
    const std::string bin = binary().string();
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    argv.push_back(const_cast<char*>("--quiet"));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execve(bin.c_str(), argv.data(), environ);
    ::_exit(127);
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

nlohmann::json latest_manifest(const std::filesystem::path& out) {
  const auto p = out / "latest" / "manifest.json";
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return nullptr;
  return read_json(p);
}

std::map<std::string, std::string> stage_status(const nlohmann::json& manifest) {
  std::map<std::string, std::string> out;
  for (const auto& s : manifest.at("stages")) out[s.at("id")] = s.at("status");
  return out;
}

}  // namespace nexusmap::test
